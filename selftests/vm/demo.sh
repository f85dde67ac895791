#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# `make demo`, inside the VM (run by init.sh): the reference engine
# (dpo_refdb) under 32 client connections (dpo_loadgen), patched twice by
# dpoctl patch: first with a build that is slower and churns memory on every
# request (caught and rolled back), then with a good build (promoted). The
# clients keep working throughout; each run's event log, load summary and
# load series go to the host (report_out.sh), which plots them.
#
# The completion token is printed only when both runs ended as they must
# and no client request failed: the demo is a test too (check.sh).

DPO_KO=${DPO_KO:-/lib/dpo.ko}
PORT=5432
BASE="--delay-us 2000 --cpu-us 100"	# the original's cost per request
BAD="--delay-us 12000 --cpu-us 100 --fault-kb 64"
REPORT=/report
INI=/tmp/demo.ini
fail=

say() {
	echo
	echo "==> $*"
}

failed() {
	echo "demo: FAILED: $*"
	fail="${fail:+$fail; }$*"
}

# The first "KEY":VALUE of a JSON text (a number or a string's text).
first_field() { # key
	tr -d '\n' | grep -o "\"$1\": *\"\{0,1\}[^,\"}]*" | head -n 1 |
		sed 's/^[^:]*: *"\{0,1\}//'
}

# A field of the summary line of an event log.
summary_field() { # log key
	grep '"event":"summary"' "$1" | tail -n 1 | first_field "$2"
}

# A field of a load generator's summary.
load_field() { # json key
	first_field "$2" <"$1"
}

# The engine: latency, CPU and page faults per request, each 50% off its
# baseline for 3 s (or the sequential test) to roll back.
write_ini() {
	{
		printf '[baseline]\nmin_samples = 20\n[rule]\nsmooth_s = 2\n'
		printf '[promote]\nmin_s = 4\n'
		for m in lat_p50 lat_p99 lat_mean cpu_per_req cpu run_delay \
			min_flt_per_req maj_flt_per_req min_flt maj_flt \
			rss_growth throughput; do
			printf '[%s]\n' "$m"
			case "$m" in
			lat_mean|cpu_per_req|min_flt_per_req)
				printf 'deviation_pct = 50\n' ;;
			*)	printf 'enabled = no\n' ;;
			esac
		done
	} >"$INI"
}

# One dpoctl patch under load: run NAME EXPECTED_EXIT PATCHED_ARGS...
run() {
	name=$1 want=$2
	shift 2
	dir=$REPORT/$name
	mkdir -p "$dir"
	dpo_loadgen --port "$PORT" --conns 32 --reconnect-every 40 --tick-ms 250 \
		--series "$dir/load.tsv" --json "$dir/load.json" \
		>/dev/null 2>"$dir/load.err" &
	load=$!
	sleep 1
	echo "\$ dpoctl patch demo --pid $orig --port $PORT --config $INI" \
		"--baseline 5 --duration 3 $OPTS --log $dir/events.jsonl" \
		"--log-intervals -- dpo_refdb $*"
	# shellcheck disable=SC2086  # OPTS are words
	dpoctl patch demo --pid "$orig" --port "$PORT" --config "$INI" \
		--baseline 5 --duration 3 $OPTS --log "$dir/events.jsonl" \
		--log-intervals --no-syslog --output "$dir/patched.out" \
		-- dpo_refdb "$@"
	rc=$?
	sleep 1
	kill -TERM "$load"
	wait "$load"
	load_rc=$?
	echo
	echo "dpoctl patch exit status: $rc (expected $want)"
	[ "$rc" = "$want" ] || failed "$name: dpoctl patch exited $rc, not $want"
	ok=$(load_field "$dir/load.json" ok)
	retried=$(load_field "$dir/load.json" retried)
	nfail=$(load_field "$dir/load.json" failed)
	rps=$(load_field "$dir/load.json" throughput_rps)
	p99=$(load_field "$dir/load.json" p99)
	det=$(summary_field "$dir/events.jsonl" detection_s)
	total=$(summary_field "$dir/events.jsonl" total_ms)
	verdict=$(summary_field "$dir/events.jsonl" verdict)
	metric=$(summary_field "$dir/events.jsonl" metric)
	[ "$metric" != null ] || metric=
	det=$(awk -v d="${det:-?}" 'BEGIN { if (d + 0 == d) printf "%.2f", d; else print d }')
	echo "summary: $verdict${metric:+ by $metric}, decided ${det} s after" \
		"exposure, phases done in ${total:-?} ms"
	echo "clients: ${ok:-?} requests served (${rps:-?}/s, p99 ${p99:-?} us)," \
		"failed: ${nfail:-?}, retried after a drain: ${retried:-?}"
	if [ "$load_rc" != 0 ] || [ "${nfail:-x}" != 0 ]; then
		failed "$name: the clients saw ${nfail:-?} failed requests"
	fi
}

say "dpo demo on Linux $(uname -r), $(nproc) CPUs"
if ! insmod "$DPO_KO"; then
	echo "dpo.ko did not load: nothing to show."
	exit 1
fi
mkdir -p "$REPORT"
write_ini

say "The original: dpo_refdb on port $PORT ($BASE per request)"
# shellcheck disable=SC2086
dpo_refdb --port "$PORT" $BASE 2>/tmp/orig.err &
orig=$!
sleep 1

say "A bad patch: 10 ms slower and 64 KiB of fresh memory per request"
OPTS="--promote-after 60"
# shellcheck disable=SC2086
run rollback 3 $BAD

say "A good patch: the same cost as the original"
OPTS="--promote-after 10"
# shellcheck disable=SC2086
run promote 0 $BASE

say "Sending the report to the host"
dpoctl session list
kill "$orig" 2>/dev/null
pkill dpo_refdb 2>/dev/null
sleep 1
rmmod_dpo || failed "rmmod dpo"
report_out.sh "$REPORT" || failed "report not sent"
# For run.sh: the kernel log on ttyS1 (checked for warnings), then the token.
if [ -c /dev/ttyS1 ]; then
	stty -F /dev/ttyS1 raw -echo 2>/dev/null
	dmesg >/dev/ttyS1
fi
if [ -n "$fail" ]; then
	say "Demo FAILED: $fail"
	exit 1
fi
say "Done: the bad patch rolled back, the good one promoted, no request failed"
echo DPO-DEMO-DONE
