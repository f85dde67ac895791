#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# `make realstack`, inside the VM (run by init.sh): Debian's PostgreSQL 15
# behind PgBouncer 1.18, under pgbench. The "original" PgBouncer listens on
# port 6432; dpoctl patch starts a "patched" one on the same socket (socket
# activation: PgBouncer reads LISTEN_FDS) and judges it on what dpo.ko sees
# of its connections. Cases (each prints one TAP line, then a summary):
#   bad        the server pool capped to 1 (8 in the original; session
#              pooling): rolled back,
#              the verdict on a latency or throughput metric, 0 failed
#              transactions with a new connection per transaction (-C)
#   killed     the patched PgBouncer SIGKILLed while observed: rolled back;
#              only transactions in flight on it may fail, none after the
#              rollback began
#   persistent the pool capped to 1 again (transaction pooling, or it would
#              starve all clients but one), pgbench without -C: what a drain does
#              to persistent sessions (clients aborted, transactions lost)
#   good       the same configuration as the original: promoted, 0 failed
# Each case's events, pgbench output (lines stamped with dpoctl's clock,
# dpo_stamp) and summary go to the host (report_out.sh).
#
# Environment (from the host's DPO_* variables):
#   DPO_RS_CASES   the cases to run, comma-separated (default: all, in the
#                  order above)
#   DPO_RS_SHORT=1 shorter runs (make check)

DPO_KO=${DPO_KO:-/lib/dpo.ko}
PG=/usr/lib/postgresql/15/bin
PGDATA=/var/lib/postgresql/data
PORT=6432
REPORT=/report
INI=/tmp/realstack.ini
CASES=$(echo "${DPO_RS_CASES:-bad,killed,persistent,good}" | tr , " ")
BASELINE=5
PROMOTE=10
if [ "${DPO_RS_SHORT:-0}" = 1 ]; then
	BASELINE=4
	PROMOTE=8
fi
fail=0
n=0
clients=8	# pgbench's

say() {
	echo
	echo "==> $*"
}

tap() { # ok|not ok, text
	n=$((n + 1))
	echo "$1 $n realstack: $2"
	[ "$1" = ok ] || fail=$((fail + 1))
}

# The first "KEY":VALUE of a JSON text (a number or a string's text).
first_field() { # key
	tr -d '\n' | grep -o "\"$1\": *\"\{0,1\}[^,\"}]*" | head -n 1 |
		sed 's/^[^:]*: *"\{0,1\}//'
}

event_field() { # log event key
	grep "\"event\":\"$2\"" "$1" | tail -n 1 | first_field "$3"
}

# mono_ns of the first event of a log matching a pattern, in seconds.
event_s() { # log pattern
	grep -m 1 "$2" "$1" | first_field mono_ns |
		awk '{ if ($1 != "") printf "%.3f", $1 / 1e9 }'
}

as_pg() {
	su postgres -s /bin/sh -c "$*"
}

# ---- the stack ----------------------------------------------------------
pgbouncer_ini() { # file pool_mode pool_size
	cat >"$1" <<EOF
[databases]
bench = host=127.0.0.1 port=5432 dbname=postgres user=postgres
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $PORT
unix_socket_dir =
auth_type = trust
auth_file = /etc/pgbouncer/userlist.txt
pool_mode = $2
default_pool_size = $3
max_client_conn = 200
log_connections = 0
log_disconnections = 0
EOF
}

start_stack() {
	chown -R postgres:postgres /var/lib/postgresql
	say "PostgreSQL 15: initdb, then the server on 127.0.0.1:5432"
	as_pg "$PG/initdb -D $PGDATA -U postgres -A trust -E UTF8 --locale=C --no-sync" \
		>/tmp/initdb.log 2>&1 || { cat /tmp/initdb.log; return 1; }
	as_pg "exec $PG/postgres -D $PGDATA -c listen_addresses=127.0.0.1 \
		-c unix_socket_directories=/tmp -c fsync=off \
		-c synchronous_commit=off -c full_page_writes=off \
		-c max_connections=60 -c shared_buffers=32MB" \
		>/tmp/postgres.log 2>&1 &
	i=0
	until $PG/pg_isready -q -h 127.0.0.1 -p 5432; do
		i=$((i + 1))
		[ $i -lt 300 ] || { cat /tmp/postgres.log; return 1; }
		sleep 0.1
	done
	say "pgbench -i -s 1 (100,000 accounts)"
	pgbench -h 127.0.0.1 -p 5432 -U postgres -i -s 1 -q postgres \
		>/tmp/pgbench-init.log 2>&1 || { cat /tmp/pgbench-init.log; return 1; }
	echo '"postgres" ""' >/etc/pgbouncer/userlist.txt
	pgbouncer_ini /etc/pgbouncer/original.ini session 8
	pgbouncer_ini /etc/pgbouncer/good.ini session 8
	pgbouncer_ini /etc/pgbouncer/bad.ini session 1
	# Session pooling with one server connection would serve one
	# persistent client and starve the others: for those, transactions.
	pgbouncer_ini /etc/pgbouncer/bad-txn.ini transaction 1
	chown -R postgres:postgres /etc/pgbouncer
	start_original
}

start_original() {
	say "The original PgBouncer on 127.0.0.1:$PORT (server pool 8)"
	pgbouncer -u postgres /etc/pgbouncer/original.ini >/tmp/pgbouncer.log 2>&1 &
	orig=$!
	i=0
	until $PG/pg_isready -q -h 127.0.0.1 -p $PORT -d bench; do
		i=$((i + 1))
		[ $i -lt 100 ] || { cat /tmp/pgbouncer.log; return 1; }
		sleep 0.1
	done
	# Warm both pools' server connections and caches.
	pgbench -h 127.0.0.1 -p $PORT -U postgres -n -S -c 8 -j 2 -T 2 bench \
		>/dev/null 2>&1
	echo "pid $orig"
}

# The engine: latency from dpo's connection tracking (per request: what
# PgBouncer read of a client's message until it answered) and throughput;
# CPU and page faults per request are left out (a new PgBouncer's first
# logins cost more than the warm original's).
write_ini() {
	{
		printf '[baseline]\nmin_samples = 20\n[rule]\nsmooth_s = 2\n'
		printf '[promote]\nmin_s = 4\n'
		# The drain closes a session only after a ReadyForQuery "idle"
		# ('Z', length 5, 'I': between transactions), and never before
		# its first query's answer (SSL request, startup, query).
		printf '[patch]\ndrain_idle_mark = 5a0000000549\n'
		printf 'drain_min_requests = 3\n'
		for m in lat_p50 lat_p99 lat_mean cpu_per_req cpu run_delay \
			min_flt_per_req maj_flt_per_req min_flt maj_flt \
			rss_growth throughput; do
			printf '[%s]\n' "$m"
			case "$m" in
			lat_mean|lat_p99)	printf 'deviation_pct = 100\n' ;;
			*)	printf 'enabled = no\n' ;;
			esac
		done
	} >"$INI"
}

# ---- pgbench ------------------------------------------------------------
# pgbench in the background, its output stamped: bench DIR SECONDS ARGS...
# (its exit status goes to DIR/pgbench.rc)
bench() {
	d=$1 secs=$2
	shift 2
	(
		pgbench -h 127.0.0.1 -p $PORT -U postgres -n -c "$clients" -j 2 -P 1 \
			-T "$secs" "$@" bench 2>&1
		echo "pgbench exit status $?"
	) | dpo_stamp >"$d/pgbench.log" &
	bench_pid=$!
}

# "client N aborted" lines of a pgbench log, and how many came after T.
aborted() { # log
	grep -c 'client [0-9]* aborted' "$1"
}
aborted_after() { # log mono_s
	awk -v t="$2" '/client [0-9]* aborted/ && $1 + 0 >= t + 0 { n++ }
		END { print n + 0 }' "$1"
}

# pgbench's summary value after "LABEL:" (first number).
bench_value() { # log label
	grep -m 1 "$2" "$1" | sed 's/.*: *//; s/[^0-9.].*//'
}

# Mean tps and latency of pgbench's progress lines stamped in [from, to).
progress_mean() { # log from to
	awk -v a="$2" -v b="$3" '$2 == "progress:" && $1 >= a + 0 && $1 < b + 0 {
			for (i = 3; i <= NF; i++) {
				if ($(i + 1) == "tps,") tps += $i
				if ($i == "lat") lat += $(i + 1)
			}
			k++
		}
		END { if (k) printf "%.0f tps, %.1f ms", tps / k, lat / k
		      else printf "-" }' "$1"
}

# ---- one patch ----------------------------------------------------------
# patch NAME PATCHED_INI [dpoctl patch options...]: dpoctl patch in the
# background (pid in $patch_pid, exit status in DIR/dpoctl.rc).
patch() {
	name=$1 pini=$2
	shift 2
	dir=$REPORT/$name
	echo "\$ dpoctl patch rs --pid $orig --port $PORT --config $INI" \
		"--baseline $BASELINE --duration 3 $* -- pgbouncer $pini"
	(
		dpoctl patch rs --pid "$orig" --port $PORT --config "$INI" \
			--baseline $BASELINE --duration 3 "$@" \
			--log "$dir/events.jsonl" --log-intervals --no-syslog \
			--output "$dir/patched.out" -- pgbouncer "$pini" \
			>"$dir/dpoctl.out" 2>"$dir/dpoctl.err"
		echo $? >"$dir/dpoctl.rc"
	) &
	patch_pid=$!
}

# Wait until an event shows in the patch's log (at most S seconds).
wait_event() { # dir event seconds
	i=0
	until grep -q "\"event\":\"$2\"" "$1/events.jsonl" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt $(($3 * 10)) ] || return 1
		sleep 0.1
	done
}

# The summary of a case: verdict, metric, detection, phases, pgbench's
# tps and latency before exposure, during observation and after the end.
summarize() { # dir
	d=$1 log=$1/events.jsonl
	verdict=$(event_field "$log" summary verdict)
	metric=$(event_field "$log" summary metric)
	# A verdict without a metric (time, a death, an operator) names its trigger.
	[ "$metric" != null ] || metric=$(event_field "$log" summary trigger)
	det=$(event_field "$log" summary detection_s)
	total=$(event_field "$log" summary total_ms)
	phases=$(grep '"event":"summary"' "$log" | grep -o '"name":"[a-z]*","duration_ms":[0-9]*' |
		sed 's/"name":"\([a-z]*\)","duration_ms":/\1 /; s/$/ ms/' | paste -sd, -)
	t_exp=$(event_s "$log" '"event":"exposure"')
	t_dec=$(event_s "$log" '"event":"verdict"')
	t_end=$(grep '"event":"phase"' "$log" | grep '"state":"end"' | tail -n 1 |
		first_field mono_ns | awk '{ printf "%.3f", $1 / 1e9 }')
	{
		echo "verdict: $verdict${metric:+ ($metric)}, decided $(printf '%.2f' "${det:-0}") s after exposure"
		echo "phases: $phases; total ${total:-?} ms"
		echo "pgbench before: $(progress_mean "$d/pgbench.log" 0 "${t_exp:-0}")"
		echo "pgbench during: $(progress_mean "$d/pgbench.log" "${t_exp:-0}" "${t_dec:-0}")"
		echo "pgbench after:  $(progress_mean "$d/pgbench.log" "${t_end:-0}" 1e9)"
		echo "pgbench: $(bench_value "$d/pgbench.log" 'number of transactions actually processed') transactions," \
			"$(bench_value "$d/pgbench.log" 'number of failed transactions') failed," \
			"$(aborted "$d/pgbench.log") clients aborted"
	} >"$d/summary.txt"
	sed 's/^/  /' "$d/summary.txt"
}

rc_of() { # dir
	cat "$1/dpoctl.rc" 2>/dev/null || echo "?"
}

# ---- the cases ----------------------------------------------------------
# Shared by bad and good: pgbench -C -S from 2 s before the patch until 3 s
# after it should be over; sets $why (empty: as expected).
case_with_new_conns() { # name ini want_rc promote_after bench_seconds
	name=$1
	dir=$REPORT/$name
	mkdir -p "$dir"
	bench "$dir" "$5" -C -S
	sleep 2
	patch "$name" "$2" --promote-after "$4"
	wait "$patch_pid"
	wait "$bench_pid"
	rc=$(rc_of "$dir")
	summarize "$dir"
	failed=$(bench_value "$dir/pgbench.log" 'number of failed transactions')
	brc=$(sed -n 's/.*pgbench exit status //p' "$dir/pgbench.log")
	why=
	[ "$rc" = "$3" ] || why="dpoctl patch exited $rc, not $3"
	[ "$brc" = 0 ] || why="${why:+$why; }pgbench exited $brc ($(aborted "$dir/pgbench.log") clients aborted)"
	[ "${failed:-x}" = 0 ] || why="${why:+$why; }${failed:-?} failed transactions"
}

case_bad() {
	say "A bad configuration (server pool 1), pgbench -C -S: must roll back"
	case_with_new_conns bad /etc/pgbouncer/bad.ini 3 60 $((BASELINE + 30))
	metric=$(event_field "$REPORT/bad/events.jsonl" verdict metric)
	case "$metric" in
	lat_*|throughput) ;;
	*) why="${why:+$why; }the verdict's metric is '$metric', not a latency or throughput" ;;
	esac
	if [ -z "$why" ]; then
		tap ok "bad PgBouncer rolled back by $metric, 0 failed transactions (pgbench -C)"
	else
		tap "not ok" "bad PgBouncer: $why"
	fi
}

case_good() {
	say "A good configuration (the original's), pgbench -C -S: must be promoted"
	case_with_new_conns good /etc/pgbouncer/good.ini 0 "$PROMOTE" $((BASELINE + PROMOTE + 8))
	if [ -z "$why" ]; then
		new=$(event_field "$REPORT/good/events.jsonl" patched pid)
		tap ok "good PgBouncer promoted (pid $new now serves), 0 failed transactions (pgbench -C)"
	else
		tap "not ok" "good PgBouncer: $why"
	fi
}

case_killed() {
	say "The patched PgBouncer SIGKILLed while observed, pgbench -C -S"
	dir=$REPORT/killed
	mkdir -p "$dir"
	bench "$dir" $((BASELINE + 14)) -C -S
	sleep 2
	patch killed /etc/pgbouncer/good.ini --promote-after 60
	why=
	if wait_event "$dir" exposure $((BASELINE * 3)); then
		sleep 3
		victim=$(event_field "$dir/events.jsonl" patched pid)
		echo "kill -KILL $victim" | dpo_stamp | tee "$dir/kill.log"
		kill -KILL "$victim"
	else
		why="no exposure"
	fi
	wait "$patch_pid"
	wait "$bench_pid"
	rc=$(rc_of "$dir")
	summarize "$dir"
	t_begin=$(event_s "$dir/events.jsonl" '"phase":1,"name":"switch","state":"start"')
	t_kill=$(cut -d' ' -f1 "$dir/kill.log" 2>/dev/null)
	# A transaction in flight on the killed process fails inside a
	# command, or inside its login ("server closed the connection
	# unexpectedly": the killed process had accepted it). Any other
	# failure (refused, timed out) would be a connection the rollback
	# did not save.
	nab=$(aborted "$dir/pgbench.log")
	inflight=$(( $(grep -c 'client [0-9]* aborted in command' "$dir/pgbench.log") +
		$(grep -c 'failed: server closed the connection unexpectedly' "$dir/pgbench.log") ))
	late=$(awk '/client [0-9]* aborted while establishing/ { n++ }
		/failed: server closed the connection unexpectedly/ { n-- }
		END { print (n > 0 ? n : 0) }' "$dir/pgbench.log")
	last=$(awk -v k="${t_kill:-0}" '/client [0-9]* aborted/ { d = $1 - k; n++ }
		END { if (n) printf "%.0f", d * 1000; else printf "-" }' "$dir/pgbench.log")
	{
		echo "killed at ${t_kill:-?} s, rollback began at ${t_begin:-?} s (mono)"
		echo "clients aborted: $nab; in flight on the killed process: $inflight" \
			"(the last reported ${last} ms after the kill);" \
			"failed to connect otherwise: $late"
	} | tee -a "$dir/summary.txt" | sed 's/^/  /'
	[ "$rc" = 5 ] || why="${why:+$why; }dpoctl patch exited $rc, not 5"
	[ -n "$t_begin" ] || why="${why:+$why; }no rollback phase 1"
	[ "$nab" = "$inflight" ] || why="${why:+$why; }$((nab - inflight)) clients failed outside a transaction in flight"
	[ "$late" = 0 ] || why="${why:+$why; }$late connections failed other than on the killed process"
	if [ -z "$why" ]; then
		tap ok "killed PgBouncer rolled back; $inflight transactions in flight on it failed, none after the rollback began"
	else
		tap "not ok" "killed PgBouncer: $why"
	fi
}

# The transactions PostgreSQL committed (pgbench -N inserts one history row
# per transaction, in the transaction).
committed() {
	psql -h 127.0.0.1 -p 5432 -U postgres -At -c 'select count(*) from pgbench_history' postgres
}

case_persistent() {
	say "Persistent sessions (no -C): the bad configuration again"
	dir=$REPORT/persistent
	mkdir -p "$dir"
	before=$(committed)
	# One-transaction logins (2 clients) give the baseline its samples.
	mkdir -p "$dir/logins"
	clients=2
	bench "$dir/logins" 40 -C -S
	logins_pid=$bench_pid
	clients=8
	sleep 2
	patch persistent /etc/pgbouncer/bad-txn.ini --promote-after 60
	why=
	if ! wait_event "$dir" exposure $((BASELINE * 3)); then
		why="no exposure"
	fi
	# Connected after exposure: the sessions spread over both instances.
	bench "$dir" 30 -N
	wait "$patch_pid"
	wait "$bench_pid"
	wait "$logins_pid"
	after=$(committed)
	rc=$(rc_of "$dir")
	summarize "$dir"
	done_tx=$(bench_value "$dir/pgbench.log" 'number of transactions actually processed')
	t_drain=$(event_s "$dir/events.jsonl" '"name":"drain","state":"start"')
	t_drained=$(event_s "$dir/events.jsonl" '"name":"drain","state":"end"')
	nab=$(aborted "$dir/pgbench.log")
	in_drain=$(awk -v a="${t_drain:-0}" -v b="${t_drained:-0}" '
		/client [0-9]* aborted/ && $1 >= a - 0.05 && $1 <= b + 0.5 { n++ }
		END { print n + 0 }' "$dir/pgbench.log")
	# tpcb-like -N: \set x4, BEGIN (command 4), ... END (command 8).
	between=$(grep -c 'aborted in command 4 ' "$dir/pgbench.log")
	lost=$(( ${after:-0} - ${before:-0} - ${done_tx:-0} ))
	{
		echo "sessions aborted: $nab ($in_drain during the drain);" \
			"$between between transactions, $((nab - between)) inside one (rolled back)"
		echo "committed by PostgreSQL: $(( ${after:-0} - ${before:-0} )), processed by pgbench: ${done_tx:-?}," \
			"committed but unanswered (lost): $lost"
	} | tee -a "$dir/summary.txt" | sed 's/^/  /'
	[ "$rc" = 3 ] || why="${why:+$why; }dpoctl patch exited $rc, not 3"
	[ "$lost" = 0 ] || why="${why:+$why; }$lost transactions committed but not answered"
	[ "$nab" = "$in_drain" ] || why="${why:+$why; }$((nab - in_drain)) sessions aborted outside the drain"
	[ "$between" = "$nab" ] || why="${why:+$why; }$((nab - between)) sessions ended inside a transaction"
	if [ -z "$why" ]; then
		tap ok "persistent sessions: $nab of 8 ended by the drain ($between between transactions), 0 transactions lost"
	else
		tap "not ok" "persistent sessions: $why"
	fi
}

# ---- main ---------------------------------------------------------------
say "dpo on a real stack: PostgreSQL 15, PgBouncer 1.18, pgbench; Linux $(uname -r), $(nproc) CPUs"
if ! insmod "$DPO_KO"; then
	echo "dpo.ko did not load"
	exit 1
fi
mkdir -p "$REPORT"
write_ini
if ! start_stack; then
	tap "not ok" "the stack did not start"
else
	for c in $CASES; do
		"case_$c"
		# Whoever serves now is the next case's original.
		if [ "$(event_field "$REPORT/$c/events.jsonl" summary verdict)" = promoted ]; then
			orig=$(event_field "$REPORT/$c/events.jsonl" patched pid)
		fi
		dpoctl session list
	done
fi

say "Sending the report to the host"
pkill pgbouncer 2>/dev/null
as_pg "$PG/pg_ctl -D $PGDATA -m fast stop" >/dev/null 2>&1
sleep 1
cp /tmp/postgres.log /tmp/pgbouncer.log "$REPORT/" 2>/dev/null
cat "$REPORT"/*/summary.txt >/dev/null 2>&1
rmmod_dpo || tap "not ok" "rmmod dpo"
report_out.sh "$REPORT" || tap "not ok" "report not sent"
if [ -c /dev/ttyS1 ]; then
	stty -F /dev/ttyS1 raw -echo 2>/dev/null
	dmesg >/dev/ttyS1
fi
echo "# realstack: $n cases, $fail failed"
[ "$fail" = 0 ] && echo DPO-DEMO-DONE
