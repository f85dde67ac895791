#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# PID 1 of the dpo test VM (busybox sh). run.sh boots the kernel with
# "-- MODE TEST_TIMEOUT" so that this script gets them as arguments:
#   test   load dpo.ko, run every /selftests/*_test, write TAP lines, the
#          kernel log and the completion token to ttyS1, power off
#   shell  load dpo.ko and give an interactive shell on the console
#   demo   load nothing itself: run /bin/demo.sh on the console
#   bench  the same with /bin/bench.sh (the benchmarks in /bench)
#   realstack  the same with /bin/realstack.sh (PostgreSQL and PgBouncer)
# The host (run.sh) parses the results port; see the markers below.

PATH=/bin:/sbin:/usr/bin:/usr/sbin
export PATH
umask 022

MODE=${1:-test}
TEST_TIMEOUT=${2:-300}
# shellcheck disable=SC1091  # written by run.sh
[ -f /etc/dpo-vm.env ] && . /etc/dpo-vm.env
DPO_KO=/lib/dpo.ko
export DPO_KO
TOKEN=DPO-VM-DONE

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts 2>/dev/null
mount -t tmpfs tmpfs /dev/shm 2>/dev/null
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
ln -sf /proc/self/fd /dev/fd 2>/dev/null
hostname dpo-vm
ip link set lo up 2>/dev/null

uptime_s() {
	read -r up _ </proc/uptime
	echo "$up"
}

poweroff_now() {
	sync
	reboot -f
	# Not reached; if it were, PID 1 exiting panics and panic=-1 reboots.
	exit 1
}

# Helper modules listed by run.sh (VM_KMODS), dependencies first.
load_helper_modules() {
	[ -f /lib/modules/load-order ] || return 0
	while read -r ko; do
		[ -n "$ko" ] || continue
		if insmod "/lib/modules/$ko" >/tmp/insmod.out 2>&1; then
			echo "# loaded helper module $ko"
		else
			cat /tmp/insmod.out
			echo "not ok - insmod $ko"
		fi
	done </lib/modules/load-order
}

# Run one test binary in its own session, so a timeout can kill every
# process it forked; stream its output to the results port (fd 3) and keep
# a copy to look for "not ok" lines.
run_one() {
	name=$1
	t0=$(uptime_s)
	echo "# selftests: $name"
	echo "dpo-vm: running $name (timeout ${TEST_TIMEOUT}s)" >/dev/console
	rm -f /tmp/timedout /tmp/fifo
	mkfifo /tmp/fifo
	tee /tmp/out </tmp/fifo &
	teepid=$!
	setsid "./$name" >/tmp/fifo 2>&1 </dev/null 3>&- &
	pid=$!
	(
		sleep "$TEST_TIMEOUT"
		if kill -0 "$pid" 2>/dev/null; then
			touch /tmp/timedout
			kill -TERM "-$pid" 2>/dev/null
			sleep 5
			kill -KILL "-$pid" 2>/dev/null
		fi
	) >/dev/null 2>&1 3>&- &
	wdpid=$!
	wait "$pid"
	rc=$?
	kill "$wdpid" 2>/dev/null
	wait "$wdpid" 2>/dev/null
	# Leftover children of the test would keep the fifo (and tee) open.
	kill -KILL "-$pid" 2>/dev/null
	wait "$teepid"
	if [ -e /tmp/timedout ]; then
		echo "not ok - $name timed out"
	elif [ "$rc" != 0 ] && [ "$rc" != 4 ] &&
	     ! grep -q '^not ok' /tmp/out; then
		echo "not ok - $name exited with status $rc"
	fi
	echo "# dpo-vm: $name took $(awk -v a="$t0" -v b="$(uptime_s)" \
		'BEGIN { printf "%.1f", b - a }') s"
}

run_tests() {
	echo "# dpo-vm: kernel $(uname -r), booted in $(uptime_s) s"
	load_helper_modules
	if ! insmod "$DPO_KO" >/tmp/insmod.out 2>&1; then
		cat /tmp/insmod.out
		echo "not ok - insmod dpo.ko"
		return
	fi
	echo "ok - insmod dpo.ko"
	# Debug kernels: forget what boot leaked, scan after the run.
	kmemleak=/sys/kernel/debug/kmemleak
	[ -w "$kmemleak" ] && echo clear >"$kmemleak"
	start=$(uptime_s)
	cd /selftests || return
	# DPO_TESTS=a_test,b_test runs only those (make fuzz).
	for t in $(echo "${DPO_TESTS:-*_test}" | tr , ' '); do
		[ -x "$t" ] || continue
		run_one "$t"
	done
	cd /
	if rmmod_dpo >/tmp/rmmod.out 2>&1; then
		echo "ok - rmmod dpo"
	else
		cat /tmp/rmmod.out
		echo "not ok - rmmod dpo"
	fi
	if [ -w "$kmemleak" ]; then
		# Two scans, as kmemleak's documentation advises.
		# (Objects younger than 5 s are not reported.)
		echo scan >"$kmemleak"
		sleep 5
		echo scan >"$kmemleak"
		# The scan logs "kmemleak: N new suspected memory leaks",
		# which the host catches; show the details here.
		sed 's/^/# kmemleak: /' "$kmemleak"
	fi
	echo "# dpo-vm: suite took $(awk -v a="$start" -v b="$(uptime_s)" \
		'BEGIN { printf "%.1f", b - a }') s"
}

case "$MODE" in
test)
	stty -F /dev/ttyS1 raw -echo 2>/dev/null
	exec 3>/dev/ttyS1
	run_tests >&3 2>&1
	# Leftovers (a watchdog's sleep, a test's daemon) must not hold
	# ttyS1 open: our close below has to be the last one.
	kill -KILL -1 2>/dev/null
	echo "# DPO-VM-DMESG-BEGIN" >&3
	dmesg >&3
	echo "# DPO-VM-DMESG-END" >&3
	echo "$TOKEN" >&3
	# The last close of the tty waits until its output has drained.
	exec 3>&-
	;;
shell)
	if insmod "$DPO_KO"; then
		echo "dpo.ko loaded (DPO_KO=$DPO_KO)"
	else
		echo "insmod $DPO_KO failed"
	fi
	load_helper_modules
	echo "dpoctl is /bin/dpoctl, the selftests are in /selftests."
	echo "Leave with 'exit' (powers off) or Ctrl-A X (kills QEMU)."
	cd /selftests 2>/dev/null || cd /
	setsid cttyhack sh -l
	;;
demo|bench|realstack)
	dmesg -n 1
	load_helper_modules >/dev/null
	sh "/bin/$MODE.sh"
	;;
*)
	echo "dpo-vm: unknown mode '$MODE'"
	;;
esac
poweroff_now
