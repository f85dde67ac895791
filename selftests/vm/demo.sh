#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# `make demo`, inside the VM (run by init.sh as PID 1's child): load dpo.ko,
# start an "original" and a heavier "patched" workload, watch both in one
# session with dpoctl, then let the patched one die and show the exit event.
# Each workload is one busybox sh process that forks nothing, so that all
# of its CPU time and page faults are counted on the pid that is tracked.

INTERVAL=200ms
WATCH_S=10
SAMPLES=$((WATCH_S * 1000 * 2 / 200))	# two instances, one sample each per tick
DPO_KO=${DPO_KO:-/lib/dpo.ko}

say() {
	echo
	echo "==> $*"
}

# Show a command, then run it; the demo goes on if it fails.
run() {
	echo "\$ $*"
	"$@" || echo "(exit status $?)"
}

pause=/tmp/demo.pause
mkfifo "$pause"

# Light: a short busy loop, then 100 ms asleep (read -t on a fifo nobody
# writes: a sleep that needs no child process).
cat >/tmp/original.sh <<EOF
while :; do
	i=0; while [ \$i -lt 300 ]; do i=\$((i + 1)); done
	read -t 0.1 x <>$pause
done
EOF

# Heavy: five times the CPU, 8 MiB kept resident, and a 1 MiB string built
# and dropped on every round (fresh pages: minor faults).
cat >/tmp/patched.sh <<EOF
keep=x; j=0; while [ \$j -lt 23 ]; do keep="\$keep\$keep"; j=\$((j + 1)); done
while :; do
	i=0; while [ \$i -lt 1500 ]; do i=\$((i + 1)); done
	s=x; j=0; while [ \$j -lt 20 ]; do s="\$s\$s"; j=\$((j + 1)); done
	s=
	read -t 0.1 x <>$pause
done
EOF

say "dpo demo on Linux $(uname -r), $(nproc) CPUs"
say "Loading the module"
run insmod "$DPO_KO" || true
if ! grep -q '^dpo ' /proc/modules; then
	echo "dpo.ko did not load: nothing to show."
	exit 1
fi
run dpoctl status

say "Starting the workloads"
sh /tmp/original.sh </dev/null &
orig=$!
sh /tmp/patched.sh </dev/null &
patched=$!
echo "original: pid $orig (light)   patched: pid $patched (more CPU, memory, page faults)"
sleep 1

say "One session, sampled every $INTERVAL, with both processes"
run dpoctl session new demo interval "$INTERVAL"
run dpoctl instance add demo "$orig" original
run dpoctl instance add demo "$patched" patched
run dpoctl instance show

say "Live samples for ${WATCH_S}s, both instances side by side"
run timeout $((WATCH_S + 5)) dpoctl monitor samples count "$SAMPLES"

say "Killing the patched process: the kernel reports its exit"
dpoctl monitor events count 1 >/tmp/events.out 2>&1 &
mon=$!
sleep 1
echo "\$ kill $patched"
kill "$patched"
wait "$patched" 2>/dev/null
# Give the event 10 s to arrive, then stop waiting.
( sleep 10; kill "$mon" 2>/dev/null ) &
guard=$!
wait "$mon"
kill "$guard" 2>/dev/null
cat /tmp/events.out
run dpoctl instance show
run dpoctl status

say "Cleaning up"
kill "$orig" 2>/dev/null
wait "$orig" 2>/dev/null
run dpoctl session del demo
run rmmod dpo
# For run.sh: the kernel log on ttyS1 (checked for warnings), then the token.
if [ -c /dev/ttyS1 ]; then
	stty -F /dev/ttyS1 raw -echo 2>/dev/null
	dmesg >/dev/ttyS1
fi
say "Done; powering off"
echo DPO-DEMO-DONE
