#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# `make bench`, inside the VM: load dpo.ko and run every benchmark in
# /bench. Benchmarks print "# name: ..." lines with ratios measured in one
# run; they are not tests and pass or fail nothing but their own start.
DPO_KO=${DPO_KO:-/lib/dpo.ko}

echo "dpo benchmarks on Linux $(uname -r), $(nproc) CPUs"
if ! insmod "$DPO_KO"; then
	echo "dpo.ko did not load"
	exit 1
fi
# The results also go to the host (report_out.sh): build/bench-results/<time>-<kver>/.
mkdir -p /report
for b in /bench/*; do
	[ -x "$b" ] || continue
	echo "==> $(basename "$b")"
	{ "$b" 2>&1 || echo "(exit status $?)"; } | tee -a /report/bench.txt
done
rmmod_dpo
report_out.sh /report || echo "(the results did not reach the host)"
if [ -c /dev/ttyS1 ]; then
	stty -F /dev/ttyS1 raw -echo 2>/dev/null
	dmesg >/dev/ttyS1
fi
echo DPO-DEMO-DONE
