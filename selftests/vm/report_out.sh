#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of the report transport (busybox sh): send every file under
# DIR to the host over ttyS2, which run.sh (demo and bench modes) writes to
# a file and unpacks into build/demo/ or build/bench-results/.
#
#   report_out.sh DIR
#
# On the port, one transfer is
#   DPO-REPORT-BEGIN <bytes> <sha256>
#   <the gzipped tar of DIR's contents, base64, 76 columns>
#   DPO-REPORT-END
# where bytes and sha256 are those of the archive: the host checks both.
set -eu

port=${DPO_REPORT_PORT:-/dev/ttyS2}

if [ $# != 1 ] || [ ! -d "$1" ]; then
	echo "usage: report_out.sh DIR" >&2
	exit 2
fi
[ -c "$port" ] || { echo "report_out.sh: no $port" >&2; exit 1; }

tgz=$(mktemp /tmp/report.XXXXXX)
trap 'rm -f "$tgz"' EXIT
tar -C "$1" -czf "$tgz" .
bytes=$(wc -c <"$tgz")
sum=$(sha256sum "$tgz")
sum=${sum%% *}

# Raw: no \n -> \r\n, no echo, no XON/XOFF eating bytes.
stty -F "$port" raw -echo
# One open of the port for the whole transfer: its last close waits
# until the output has drained, so the host has it all before poweroff.
{
	echo "DPO-REPORT-BEGIN $bytes $sum"
	base64 "$tgz"
	echo "DPO-REPORT-END"
} >"$port"
echo "report_out.sh: sent $1 ($bytes bytes)"
