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

echo "TAP version 13"
echo "1..24"

sleep 1000 &
orig=$!
sleep 1000 &
patched=$!
# A listener: busybox nc waits for one connection on port 5555.
setsid nc -l -p 5555 </dev/null >/dev/null 2>&1 &
server=$!
sleep 0.3

expect "version shows the module" 0 "^module  *0\." dpoctl version
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
expect "canary without a share" 1 "canary needs a share" \
	dpoctl session owner e2e canary

timeout 20 dpoctl monitor events count 1 >/tmp/e2e.events 2>&1 &
mon=$!
sleep 0.5
kill "$patched"
wait "$mon"
cp /tmp/e2e.events "$out"
: >"$err"
if grep -q "instance_exit.*killed by SIGTERM" "$out"; then
	ok "exit event in monitor"
else
	not_ok "exit event in monitor"
fi
# The patched one is gone: the fail-safe gave its share to the original.
expect "fail-safe: owner back to original" 0 "original" dpoctl session list
expect "listener del" 0 "" dpoctl listener del "${id:-0}"
expect "listener del again" 2 "no such listener" dpoctl listener del "${id:-0}"
expect "session del" 0 "" dpoctl session del e2e
sleep 0.5	# sessions are freed after an RCU grace period
expect "status: nothing left" 0 "^sessions  *0" dpoctl status

kill "$orig" "$server" 2>/dev/null
[ "$failed" = 0 ]
