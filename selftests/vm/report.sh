#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The demo's report, on the host: run.sh calls it on the folder that the
# guest sent (build/demo/<UTC time>-<kver>/).
#
#   report.sh DIR
#
# For each run folder DIR/<name>/ holding events.jsonl (dpoctl patch's event
# log), load.json and load.tsv (the load generator's), it writes
# DIR/<name>/plot.png, plot.svg and summary.txt, then DIR/index.txt with one
# line per run. Missing or garbled input: a message naming the file, exit 1.
set -eu

here=$(cd "$(dirname "$0")" && pwd)

die() {
	echo "report.sh: $*" >&2
	exit 1
}

[ $# = 1 ] || { echo "usage: report.sh DIR" >&2; exit 2; }
dir=$1
[ -d "$dir" ] || die "no folder $dir"
command -v gnuplot >/dev/null || die "no gnuplot (apt-get install gnuplot-nox)"
command -v python3 >/dev/null || die "no python3"

runs=()
for d in "$dir"/*/; do
	[ -d "$d" ] || continue
	d=${d%/}
	if [ -e "$d/events.jsonl" ] || [ -e "$d/load.json" ] || [ -e "$d/load.tsv" ]; then
		runs+=("$d")
	fi
done
[ ${#runs[@]} -gt 0 ] || die "$dir: no run folder (a subfolder with events.jsonl)"

# pngcairo draws better; plain png (libgd) where cairo is missing.
png=png
if timeout 20 gnuplot -e 'set terminal' 2>&1 </dev/null | grep -qw pngcairo; then
	png=pngcairo
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/dpo-report.XXXXXX")
trap 'rm -rf "$work"' EXIT

bad=0
: >"$work/index"
for run in "${runs[@]}"; do
	name=${run##*/}
	mkdir -p "$work/$name"
	if ! python3 "$here/report.py" "$run" "$work/$name" >>"$work/index"; then
		# Plots of what there is, if report.py got that far.
		bad=1
		[ -f "$work/$name/vars.gp" ] || continue
	fi
	for t in "$png:plot.png" "svg:plot.svg"; do
		rm -f "$run/${t#*:}"
		if ! timeout 60 gnuplot -e "vars='$work/$name/vars.gp'; term='${t%%:*}'; out='$run/${t#*:}'" \
			"$here/report.gp" </dev/null >"$work/gp.log" 2>&1 ||
			[ ! -s "$run/${t#*:}" ]; then
			sed 's/^/  /' "$work/gp.log" >&2
			echo "report.sh: gnuplot failed on $run/${t#*:}" >&2
			bad=1
		fi
	done
done

{
	echo "# dpo demo report: $(basename "$(cd "$dir" && pwd)")"
	echo "# run, outcome, timings, load; plots in <run>/plot.png and plot.svg,"
	echo "# numbers in <run>/summary.txt"
	tr '\t' '|' <"$work/index" | sed 's/|/ | /g'
} >"$dir/index.txt"
[ "$bad" = 0 ] || die "$dir: see the messages above"
exit 0
