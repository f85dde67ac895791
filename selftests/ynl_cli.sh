#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The kernel's own ynl CLI (tools/net/ynl/cli.py from Debian's 6.12
# sources) talks to the module knowing nothing but the spec
# (include/netlink/specs/dpo.yaml): commands, enums by name, nested
# attributes, extack errors, notifications. TAP output.
#
# Run by the VM harness as ynl_cli_test on kernels with 9p (Debian's): it
# runs the host's python from two read-only 9p shares that run.sh adds,
# the host's /usr (dpo_usr) and the YNL extraction (dpo_ynl), in a chroot.

n=0
failed=0
out=/tmp/ynl.out
r=/tmp/ynlroot

ok() {
	n=$((n + 1))
	echo "ok $n $1"
}

not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n $1"
	sed 's/^/#   /' "$out"
}

bail() {
	echo "Bail out! $*"
	exit 1
}

ynl() {
	chroot "$r" /usr/bin/python3 -B /ynl/tools/net/ynl/cli.py \
		--spec /dpo.yaml --no-schema "$@"
}

# expect NAME STATUS PATTERN ARGS...: ynl's exit status, a pattern in its output
expect() {
	name=$1 want=$2 pat=$3
	shift 3
	ynl "$@" >"$out" 2>&1
	got=$?
	if [ "$got" = "$want" ] && grep -q -- "$pat" "$out"; then
		ok "$name"
	else
		echo "#   ynl $* -> exit $got, want $want and /$pat/"
		not_ok "$name"
	fi
}

# expect_fail NAME PATTERN ARGS...: ynl fails, with the pattern in its output
expect_fail() {
	name=$1 pat=$2
	shift 2
	ynl "$@" >"$out" 2>&1
	got=$?
	if [ "$got" != 0 ] && grep -q -- "$pat" "$out"; then
		ok "$name"
	else
		echo "#   ynl $* -> exit $got, want non-zero and /$pat/"
		not_ok "$name"
	fi
}

mkdir -p "$r/usr" "$r/ynl" "$r/proc" "$r/dev" "$r/tmp" || bail "mkdir"
mount -t 9p -o trans=virtio,version=9p2000.L,ro dpo_usr "$r/usr" ||
	bail "cannot mount the host's /usr (9p tag dpo_usr)"
mount -t 9p -o trans=virtio,version=9p2000.L,ro dpo_ynl "$r/ynl" ||
	bail "cannot mount the YNL sources (9p tag dpo_ynl)"
mount -t proc proc "$r/proc" || bail "mount proc"
mount -o bind /dev "$r/dev" || bail "bind /dev"
for d in bin lib lib64 sbin; do
	ln -sfn "usr/$d" "$r/$d"
done
cp /selftests/dpo.yaml "$r/dpo.yaml" || bail "no spec"

echo "1..9"
expect "status-get: the module's counts" 0 "'version':" --do status-get
expect "session-new" 0 "" --do session-new \
	--json '{"session-name": "ynl", "interval-ms": 250}'
expect "session-get: attributes and enums by name" 0 "'owner': 'both'" \
	--do session-get --json '{"session-name": "ynl"}'
expect_fail "an error carries the kernel's extack, the attribute named" \
	"'bad-attr': '.session-name'" \
	--do session-new --json '{"session-name": "ynl"}'
expect_fail "a value out of the spec's range names the attribute" \
	"canary-pct" --do owner-set \
	--json '{"session-name": "ynl", "owner": "canary", "canary-pct": 100}'
sleep 1000 &
pid=$!
ynl --do instance-add \
	--json "{\"session-name\": \"ynl\", \"pid\": $pid, \"role\": \"original\"}" \
	>"$out" 2>&1 || echo "#   instance-add failed"
expect "sample-ntf: a nested sample, by subscription" 0 "'cpu-ns':" \
	--subscribe samples --sleep 2
expect "owner-set canary 20" 0 "" --do owner-set \
	--json '{"session-name": "ynl", "owner": "canary", "canary-pct": 20}'
expect "session-get: the canary share" 0 "'canary-pct': 20" \
	--do session-get --json '{"session-name": "ynl"}'
# A subscriber in its own process: ynl 6.12 cannot take a notification
# that arrives before the reply of its own --do. It has joined the group
# once a generic netlink socket (protocol 16) shows a group in
# /proc/net/netlink.
ynl --subscribe events --sleep 5 >/tmp/ynl.ntf 2>&1 &
sub=$!
i=0
while [ $i -lt 600 ] &&
      ! awk '$2 == 16 && $4 != "00000000" { f = 1 } END { exit !f }' \
	/proc/net/netlink; do
	sleep 0.1
	i=$((i + 1))
done
dpoctl session del ynl >"$out" 2>&1 || echo "#   dpoctl session del failed"
wait "$sub"
cp /tmp/ynl.ntf "$out"
if grep -q "'name': 'session-del-ntf'" "$out" &&
   grep -q "'name': 'instance-del-ntf'" "$out" &&
   grep -q "'session-name': 'ynl'" "$out"; then
	ok "session del: session-del-ntf and instance-del-ntf, decoded by a subscriber"
else
	not_ok "session del: session-del-ntf and instance-del-ntf, decoded by a subscriber"
fi
kill "$pid" 2>/dev/null

umount "$r/dev" "$r/proc" "$r/ynl" "$r/usr"
[ "$failed" = 0 ]
