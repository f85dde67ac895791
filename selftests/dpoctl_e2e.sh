#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# dpoctl against the real module, in the VM: every command once, its exit
# status and the words a user reads. TAP output; installed by
# selftests/Makefile as dpoctl_e2e_test, so the VM harness runs it.

n=0
failed=0
out=/tmp/e2e.out
err=/tmp/e2e.err

ok() {
	n=$((n + 1))
	echo "ok $n $1"
}

not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n $1"
	sed 's/^/#   stdout: /' "$out"
	sed 's/^/#   stderr: /' "$err"
}

# expect NAME STATUS PATTERN CMD...: exit status and a pattern in stdout+stderr
expect() {
	name=$1 want=$2 pat=$3
	shift 3
	"$@" >"$out" 2>"$err"
	got=$?
	if [ "$got" = "$want" ] &&
	   { [ -z "$pat" ] || cat "$out" "$err" | grep -q -- "$pat"; }; then
		ok "$name"
	else
		echo "#   $* -> exit $got, want $want and /$pat/"
		not_ok "$name"
	fi
}

# wait_until SECS CMD...: until CMD succeeds, SECS at most (a slow VM can
# take seconds for what takes milliseconds here); its status.
wait_until() {
	end=$(($(date +%s) + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -lt "$end" ] || return 1
		sleep 0.1
	done
}

# listening PORT: a TCP socket listens on PORT (IPv4 or IPv6).
listening() {
	grep -qi "^ *[0-9]*: [0-9A-F]*:$(printf '%04X' "$1") [0-9A-F]*:0000 0A " \
		/proc/net/tcp /proc/net/tcp6
}

# Generic netlink sockets in a multicast group (a monitor that listens).
nl_listeners() {
	awk '$2 == 16 && $4 != "00000000" { n++ } END { print n + 0 }' \
		/proc/net/netlink
}

# more_listeners N: more than N of them now.
more_listeners() {
	[ "$(nl_listeners)" -gt "$1" ]
}

# output_has CMD... PATTERN: the command's output matches.
output_has() {
	pat=$1
	shift
	"$@" 2>&1 | grep -q -- "$pat"
}

echo "TAP version 13"
echo "1..51"

sleep 1000 &
orig=$!
sleep 1000 &
patched=$!
# A listener: busybox nc waits for one connection on port 5555.
setsid nc -l -p 5555 </dev/null >/dev/null 2>&1 &
server=$!
wait_until 10 listening 5555

expect "version shows the module" 0 "^module  *0\." dpoctl version
# One version from one place (include/dpo/version.h): modinfo's, the
# module's over netlink and dpoctl's are the same.
modver=$(cat /sys/module/dpo/version 2>/dev/null)
expect "version: the module's is modinfo's" 0 "^module  *$modver\$" dpoctl version
expect "version: dpoctl's is the module's" 0 "^dpoctl  *$modver\$" dpoctl version
expect "session new" 0 "" dpoctl session new e2e interval 50ms
expect "bad interval is a usage error" 1 "out of range" \
	dpoctl session new e2e2 interval 5ms
expect "duplicate session: kernel's words" 2 "session already exists" \
	dpoctl session new e2e
expect "instance add original" 0 "" dpoctl instance add e2e "$orig" original
expect "instance add patched" 0 "" dpoctl instance add e2e "$patched" patched
expect "tracked twice" 2 "process already tracked" \
	dpoctl instance add e2e "$orig" patched
expect "no such process" 2 "no such process" \
	dpoctl instance add e2e 4000000 original
expect "instance show" 0 "original" dpoctl instance show "$orig"
expect "instance show --json" 0 "\"role\":\"patched\"" \
	dpoctl --json instance show
expect "session list" 0 "e2e" dpoctl session list
expect "monitor samples count 4" 0 "patched" \
	timeout 20 dpoctl monitor samples count 4
expect "listener add by port" 0 ":5555" \
	dpoctl listener add e2e "$server" port 5555
# busybox nc listens on the IPv6 wildcard (dual stack).
expect "listener list" 0 "e2e .*\]:5555" dpoctl listener list
id=$(dpoctl --json listener list | sed -n 's/.*"id":\([0-9]*\).*/\1/p' | head -n 1)
expect "owner patched" 0 "" dpoctl session owner e2e patched
expect "session list shows the owner" 0 "patched" dpoctl session list
expect "owner canary:20" 0 "" dpoctl session owner e2e canary:20
expect "session list shows the canary share" 0 "^e2e .* canary:20$" \
	dpoctl session list
expect "session list --json: numeric canary_pct" 0 \
	"\"owner\":\"canary\",\"canary_pct\":20," dpoctl --json session list
expect "canary without a share" 1 "canary needs a share" \
	dpoctl session owner e2e canary

nl0=$(nl_listeners)
timeout 20 dpoctl monitor events count 1 >/tmp/e2e.events 2>&1 &
mon=$!
# Subscribed before the exit (if its group shows in /proc/net/netlink).
wait_until 10 more_listeners "$nl0"
kill "$patched"
wait "$mon"
cp /tmp/e2e.events "$out"
: >"$err"
if grep -q "instance_exit.*killed by SIGTERM" "$out"; then
	ok "exit event in monitor"
else
	not_ok "exit event in monitor"
fi
# The patched one is gone: the fail-safe gave its share to the original
# (at its next interval, which may be after the exit event).
wait_until 10 output_has "original" dpoctl session list
expect "fail-safe: owner back to original" 0 "original" dpoctl session list
expect "listener del" 0 "" dpoctl listener del "${id:-0}"
expect "listener del again" 2 "no such listener" dpoctl listener del "${id:-0}"
expect "session del" 0 "" dpoctl session del e2e
# Sessions are freed after an RCU grace period.
wait_until 10 output_has "^sessions  *0" dpoctl status
expect "status: nothing left" 0 "^sessions  *0" dpoctl status
kill "$orig" "$server" 2>/dev/null

# ---- connections and drains ----
# An echo server: with -ll -e, busybox nc runs cat on each connection and
# goes back to accept(), through dpo once the listener is attached.
setsid nc -ll -p 5556 -e cat </dev/null >/dev/null 2>&1 &
echo_srv=$!
sleep 1000 &
other=$!
wait_until 10 listening 5556

expect "conn list: empty" 0 "^\[\]$" dpoctl --json conn list
expect "conn list: no such session" 2 "no such session" \
	dpoctl conn list nosuch
expect "conn list: bad pid" 1 "bad PID \"0\"" dpoctl conn list --pid 0
expect "drain: no such session" 2 "no such session" \
	dpoctl drain nosuch original
expect "drain: bad role" 1 "bad role \"both\"" dpoctl drain e2ec both
expect "drain: deadline out of range" 1 "deadline \"61m\" out of range" \
	dpoctl drain e2ec original --deadline 61m
expect "drain: deadline not a duration" 1 "bad deadline \"soon\"" \
	dpoctl drain e2ec original --deadline soon
expect "session end: no such session" 2 "no such session" \
	dpoctl session end nosuch
dpoctl session new e2ec >/dev/null 2>&1
dpoctl instance add e2ec "$echo_srv" original >/dev/null 2>&1
expect "drain: no instance of the other role" 2 \
	"instance to take new connections" dpoctl drain e2ec original
dpoctl instance add e2ec "$other" patched >/dev/null 2>&1
expect "listener add: echo server" 0 ":5556" \
	dpoctl listener add e2ec "$echo_srv" port 5556
# A throwaway connection first: the accept() that nc entered before the
# attach need not go through dpo.
echo kick | timeout 5 nc 127.0.0.1 5556 >/dev/null 2>&1
# A client that stays connected, idle after one request and its answer.
rm -f /tmp/e2e.in
mkfifo /tmp/e2e.in
nc 127.0.0.1 5556 </tmp/e2e.in >/tmp/e2e.echo 2>/dev/null &
client=$!
exec 7>/tmp/e2e.in
echo hello >&7
# Answered, and the registry has seen the answer written.
wait_until 10 output_has '"requests":1,' dpoctl --json conn list e2ec
expect "conn list: header" 0 "^SESSION .*LOCAL .*PEER .*STATE .*IDLE" \
	dpoctl conn list
expect "conn list SESSION: the client, idle" 0 "^e2ec .*:5556 .*idle" \
	dpoctl conn list e2ec
expect "conn list --pid: the server's" 0 "^e2ec  *$echo_srv " \
	dpoctl conn list --pid "$echo_srv"
expect "conn list --pid: none of another's" 0 "^\[\]$" \
	dpoctl --json conn list e2ec --pid "$other"
expect "conn list --json: one request, six bytes each way" 0 \
	"\"bytes_in\":6,\"bytes_out\":6,\"requests\":1," \
	dpoctl --json conn list e2ec
# The latest sample, taken up to an interval after the registry saw it.
wait_until 10 output_has '"conns_active":1,' \
	dpoctl --json instance show "$echo_srv"
expect "instance show: traffic" 0 "\"conns_active\":1," \
	dpoctl --json instance show "$echo_srv"

nl0=$(nl_listeners)
dpoctl monitor events >/tmp/e2e.events 2>&1 &
mon=$!
wait_until 10 more_listeners "$nl0"
expect "drain --wait: the idle client closed at once" 0 \
	"\"event\":\"done\".*\"remaining\":0,\"closed_idle\":1," \
	timeout 20 dpoctl --json drain e2ec original --deadline 5s --wait
wait_until 10 grep -q "drain_done" /tmp/e2e.events
kill "$mon"
wait "$mon"
cp /tmp/e2e.events "$out"
: >"$err"
if grep -q "drain_done  *e2ec .*original .*remaining 0 closed_idle 1" "$out"
then
	ok "monitor: drain done event"
else
	not_ok "monitor: drain done event"
fi
expect "drain: new connections go to patched" 0 "patched" \
	dpoctl session list
expect "drain without --wait: the state at the start" 0 \
	"^start  *e2ec  *patched " dpoctl drain e2ec patched --deadline 1s
exec 7>&-
expect "session end" 0 "" dpoctl session end e2ec
expect "session end again: gone" 2 "no such session" \
	dpoctl session end e2ec
# Sessions are freed after an RCU grace period.
wait_until 10 output_has "^sessions  *0" dpoctl status
expect "status: nothing left after the drains" 0 "^sessions  *0" \
	dpoctl status

kill "$echo_srv" "$other" "$client" 2>/dev/null
[ "$failed" = 0 ]
