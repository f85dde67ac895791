#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# patch_bench, inside the VM (make bench; dpo.ko loaded by bench.sh): the
# reference engine (dpo_refdb) under 32 client connections (dpo_loadgen),
# measured in one run:
#   - overhead: throughput and p99 with dpo tracking the engine (session,
#     instance, listener: every connection registered) against the module
#     not loaded, in alternating runs;
#   - detection time after a step regression (page faults per request x2)
#     by the duration rule alone and by the predictive test;
#   - a rollback: decision -> the last new connection the patched instance
#     accepted, each phase's duration, the clients' throughput dip.
# Lines "# patch_bench: ..." are the results; not a test, nothing fails.

DPO_KO=${DPO_KO:-/lib/dpo.ko}
PORT=6432
RUN_S=${PATCH_BENCH_RUN_S:-5}
PAIRS=${PATCH_BENCH_PAIRS:-5}
W=/tmp/patch_bench
BASE="--delay-us 2000 --cpu-us 100 --fault-kb 16"
mkdir -p "$W"

out() {
	echo "# patch_bench: $*"
}

# The first "KEY":NUMBER of a JSON text.
first_num() { # key
	tr -d ' \n' | grep -o "\"$1\":-\{0,1\}[0-9][0-9.eE+-]*" | head -n 1 |
		cut -d: -f2
}

jnum() { # file key
	first_num "$2" <"$1"
}

# The same from the summary line of a dpoctl patch log, 2 decimals at most.
summary_num() { # log key
	grep '"event":"summary"' "$1" | tail -n 1 | first_num "$2" |
		awk '{ v = sprintf("%.2f", $1); sub(/\.?0+$/, "", v); print v }'
}

# mono_ns of the first event matching a pattern, or empty.
event_ns() { # log pattern
	grep -- "$2" "$1" | head -n 1 | sed -n 's/.*"mono_ns":\([0-9]*\).*/\1/p'
}

start_refdb() {
	# shellcheck disable=SC2086
	dpo_refdb --port "$PORT" $BASE 2>>"$W/refdb.err" &
	refdb=$!
	i=0
	while [ $i -lt 100 ]; do
		dpo_loadgen --port "$PORT" --conns 1 --duration 0.1 \
			--json /dev/null >/dev/null 2>&1 && return 0
		sleep 0.1
		i=$((i + 1))
	done
	echo "patch_bench: dpo_refdb did not answer" >&2
	return 1
}

# One closed-loop run of RUN_S seconds; "throughput p99" on stdout.
load_run() { # tag
	dpo_loadgen --port "$PORT" --conns 32 --duration "$RUN_S" \
		--json "$W/$1.json" >/dev/null 2>>"$W/load.err"
	echo "$(jnum "$W/$1.json" throughput_rps) $(jnum "$W/$1.json" p99)"
}

overhead() {
	start_refdb || return
	off_t=0 off_p=0 on_t=0 on_p=0 k=1
	while [ $k -le "$PAIRS" ]; do
		# the last run's connections may take a moment to let go
		i=0
		while grep -q '^dpo ' /proc/modules && [ $i -lt 50 ]; do
			rmmod dpo 2>/dev/null || sleep 0.1
			i=$((i + 1))
		done
		if grep -q '^dpo ' /proc/modules; then
			echo "patch_bench: rmmod dpo failed: no overhead figures" >&2
			return
		fi
		r=$(load_run "off$k")
		set -- "${r% *}" "${r#* }"
		out "overhead run $k: module not loaded: $1 req/s, p99 $2 us"
		off_t=$(awk -v a="$off_t" -v b="$1" 'BEGIN { print a + b }')
		off_p=$(awk -v a="$off_p" -v b="$2" 'BEGIN { print a + b }')
		insmod "$DPO_KO" || return
		if ! dpoctl session new bench interval 100ms >/dev/null ||
		   ! dpoctl instance add bench "$refdb" original >/dev/null ||
		   ! dpoctl listener add bench "$refdb" port "$PORT" >/dev/null; then
			echo "patch_bench: could not track dpo_refdb" >&2
			return
		fi
		r=$(load_run "on$k")
		set -- "${r% *}" "${r#* }"
		out "overhead run $k: tracked by dpo:      $1 req/s, p99 $2 us"
		on_t=$(awk -v a="$on_t" -v b="$1" 'BEGIN { print a + b }')
		on_p=$(awk -v a="$on_p" -v b="$2" 'BEGIN { print a + b }')
		dpoctl session del bench >/dev/null
		k=$((k + 1))
	done
	kill "$refdb"
	wait "$refdb" 2>/dev/null
	out "$(awk -v t1="$on_t" -v t0="$off_t" -v p1="$on_p" -v p0="$off_p" \
		-v n="$PAIRS" -v s="$RUN_S" 'BEGIN {
		printf "overhead: throughput tracked/untracked %.3f, p99 tracked/untracked %.3f (%d alternating pairs of %s s, 32 connections)",
			t1 / t0, p1 / p0, n, s }')"
}

# dpoctl patch with the settings file INI and the rest; its log in $W/$tag.
patch_run() { # tag ini args...
	tag=$1 ini=$2
	shift 2
	rm -f "$W/$tag.log"
	dpoctl patch "bench-$tag" --pid "$refdb" --port "$PORT" --config "$ini" \
		--log "$W/$tag.log" --no-syslog --json "$@" >/dev/null \
		2>>"$W/patch.err"
	echo $?
}

write_ini() { # file metric [extra lines]
	{
		printf '[baseline]\nmin_samples = 30\n'
		for m in lat_p50 lat_p99 lat_mean cpu_per_req cpu run_delay \
			min_flt_per_req maj_flt_per_req min_flt maj_flt \
			rss_growth throughput; do
			[ "$m" = "$2" ] || printf '[%s]\nenabled = no\n' "$m"
		done
		printf '%s\n' "$3"
	} >"$1"
}

# Page faults per request x2 (16 KiB -> 32 KiB of fresh memory), judged
# with the engine's defaults for that metric (50%, a 60 s rule), once by
# the rule alone and once with the predictive test on (alpha 0.001), as
# engine_bench's "min_flt x2" scenario (which has a 20% share, here 50%).
detection() {
	start_refdb || return
	write_ini "$W/rule.ini" min_flt_per_req "[predictive]
alpha = 0"
	write_ini "$W/seq.ini" min_flt_per_req ""
	dpo_loadgen --port "$PORT" --conns 32 --reconnect-every 40 \
		>/dev/null 2>>"$W/load.err" \
		--json "$W/det-load.json" &
	load=$!
	det_rule='?' det_seq='?'
	for mode in rule seq; do
		rc=$(patch_run "$mode" "$W/$mode.ini" --baseline 20 -- \
			dpo_refdb --delay-us 2000 --cpu-us 100 --fault-kb 32)
		det=$(summary_num "$W/$mode.log" detection_s)
		out "detection ($mode): min_flt_per_req x2 rolled back ${det:-?} s after exposure (exit $rc)"
		if [ "$mode" = rule ]; then det_rule=${det:-?}; else det_seq=${det:-?}; fi
	done
	kill "$load"
	wait "$load" 2>/dev/null
	kill "$refdb"
	wait "$refdb" 2>/dev/null
	out "detection: rule alone ${det_rule} s, predictive ${det_seq} s (engine_bench, min_flt x2, 20% share: rules 60.0 s, predict 3.5 s median)"
}

# A latency regression rolled back under load; the times of its phases
# and what the clients saw, from the 100 ms series of the load generator
# and a stream of one-request connections.
rollback() {
	start_refdb || return
	write_ini "$W/lat.ini" lat_mean "[lat_mean]
deviation_pct = 50
[rule]
smooth_s = 2"
	dpo_loadgen --port "$PORT" --conns 32 --reconnect-every 40 --tick-ms 100 \
		--series "$W/rb.tsv" --json "$W/rb-load.json" \
		>/dev/null 2>>"$W/load.err" &
	load=$!
	dpo_loadgen --port "$PORT" --conns 2 --rate 50 --per-request-conn \
		--conn-log "$W/rb.conns" --json "$W/rb-new.json" \
		>/dev/null 2>>"$W/load.err" &
	newc=$!
	rc=$(patch_run rb "$W/lat.ini" --baseline 5 --duration 3 -- \
		dpo_refdb --delay-us 20000 --cpu-us 100 --fault-kb 16)
	sleep 2
	kill "$load" "$newc"
	wait "$load" "$newc" 2>/dev/null
	log=$W/rb.log
	patched=$(grep '"event":"patched"' "$log" | head -n 1 |
		sed -n 's/.*"pid":\([0-9]*\).*/\1/p')
	dec=$(event_ns "$log" '"event":"verdict"')
	p_end=$(event_ns "$log" '"name":"end","state":"end"')
	out "rollback: exit $rc, detected $(summary_num "$log" detection_s) s after exposure, phases $(summary_num "$log" total_ms) ms in all"
	for ph in switch drain stop end; do
		d=$(grep "\"name\":\"$ph\",\"state\":\"end\"" "$log" | head -n 1 |
			sed -n 's/.*"duration_ms":\([0-9.]*\).*/\1/p')
		out "rollback phase $ph: ${d:-?} ms"
	done
	# The last new connection answered by the patched build, after the
	# decision: phase 1 as the clients see it (none: 0).
	out "$(awk -v p="$patched" -v d="$dec" '
		$2 == p && $1 >= d && $1 - d >= last { last = $1 - d; n++ }
		$1 >= d && $2 != p && $2 != 0 && !first { first = $1 - d }
		END {
			if (n) printf "rollback switch: the last new connection the patched build answered began %.1f ms after the decision", last / 1e6
			else printf "rollback switch: no new connection begun after the decision reached the patched build"
			printf "; the first to the original began %.1f ms after it", first / 1e6 }' "$W/rb.conns")"
	# Throughput: the 5 s before the decision against the rollback's
	# window (decision to the end of phase 4), per 100 ms tick.
	out "$(awk -v d="$dec" -v e="$p_end" '
		/^#/ { next }
		{ t = $1 * 1e9 }
		t > d - 5e9 && t <= d { before += $2; nb++ }
		t > d && t <= e + 1e8 { during += $2; nd++; if (!min || $2 < min) min = $2 }
		END {
			if (!nb || !nd) { print "rollback throughput: no series"; exit }
			printf "rollback throughput: %.0f req/s before, %.0f during the rollback (ratio %.3f, lowest 100 ms tick %.3f)",
				before / nb * 10, during / nd * 10, (during / nd) / (before / nb), min / (before / nb) }' "$W/rb.tsv")"
	out "rollback clients: $(jnum "$W/rb-load.json" ok) requests, failed $(jnum "$W/rb-load.json" failed), retried $(jnum "$W/rb-load.json" retried); one-request connections failed $(jnum "$W/rb-new.json" failed)"
	kill "$refdb"
	wait "$refdb" 2>/dev/null
}

overhead
grep -q '^dpo ' /proc/modules || insmod "$DPO_KO"
detection
rollback
grep -q '^dpo ' /proc/modules || insmod "$DPO_KO"
exit 0
