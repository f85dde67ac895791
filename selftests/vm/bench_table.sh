#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# make bench's last word: one table of every figure, with the machine it
# was measured on.
#
#   bench_table.sh CONSOLE_LOG ENGINE_BENCH_OUTPUT KVER
#
# CONSOLE_LOG holds the VM benchmarks' "# NAME: FIGURE" lines (bench mode
# of run.sh), ENGINE_BENCH_OUTPUT engine_bench's table (the simulation).
set -eu

[ $# -eq 3 ] || { echo "usage: $0 CONSOLE_LOG ENGINE_BENCH_OUTPUT KVER" >&2; exit 2; }
console=$1 engine=$2 kver=$3
[ -r "$console" ] || { echo "bench_table.sh: no $console" >&2; exit 2; }

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
echo
echo "dpo benchmarks, $(date -u +%Y-%m-%d), commit $(git -C "$(dirname "$0")" \
	rev-parse --short HEAD 2>/dev/null || echo '?')"
echo "host: ${cpu:-unknown CPU}, $(nproc) cores, Linux $(uname -r)"
echo "guest: Debian $kver under QEMU TCG, ${VM_SMP:-2} vCPUs, ${VM_MEM:-1G}"
echo
printf '%-13s | %s\n' "benchmark" "figure (ratios from one run)"
printf '%-13s-+-%s\n' "-------------" "------------------------------------------------------------"
tr -d '\r' <"$console" |
	sed -n 's/^# \([a-z_]*\): \(.*\)$/\1|\2/p' |
	while IFS='|' read -r name figure; do
		printf '%-13s | %s\n' "$name" "$figure"
	done
if [ -r "$engine" ]; then
	# engine_bench: scenario, mode, ..., median detection (t_med)
	awk '$1 == "latency" && $2 == "+20%" || $1 == "min_flt" && $2 == "x2" {
		printf "%-13s | simulated %s %s, %s: median detection %s (%s of %s runs rolled back)\n",
			"engine_bench", $1, $2, $3, $(NF - 3), $6, $4 }' "$engine"
fi
