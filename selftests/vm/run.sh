#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot a Debian kernel in QEMU with a busybox initramfs holding dpo.ko,
# dpoctl and the selftests, and run them (or give a shell, or the demo).
#
#   run.sh --build DIR --kver KVER --mode test|shell|demo|bench|realstack [--timeout SECS]
#
# Inputs (from `make vm-bins` and the module rule):
#   DIR/kmod/KVER/kmod/dpo.ko  DIR/uctl-static/dpoctl  DIR/selftests/*_test
#   DIR/selftests/dpo_patch_srv (installed in the guest's /bin)
# Outputs in DIR/vm/KVER/: initramfs.cpio.gz, console.log (ttyS0),
# results.log (ttyS1: TAP lines, then the guest's dmesg, then the token).
# Demo, bench and realstack modes: demo.log (ttyS0), demo-dmesg.log (ttyS1)
# and demo-report.log (ttyS2: what the guest's report_out.sh sent), unpacked
# into DIR/MODE/<UTC yyyymmdd-hhmmss>-KVER/ (bench: DIR/bench-results/); for the demo report.sh then
# adds plots and summaries, and the last line printed is "report: <folder>".
# With no terminal on stdin and stdout QEMU gets no stdio (console: demo.log).
#
# Test mode prints the TAP lines, one "not ok - kernel: ..." line per
# kernel problem found in the console log or the guest's dmesg, and then
#   # vm KVER: pass=N fail=N skip=N
#   # vm KVER: boot=S suite=S total=S
# and exits 1 if anything failed, the token is missing or QEMU timed out.
#
# Environment:
#   VM_KMODS           extra kernel modules to load before dpo.ko (names as
#                      in modules.dep, e.g. "veth"); dependencies are added
#   VM_TEST_TIMEOUT    per test binary timeout in seconds (default 1200)
#   VM_ACCEL=kvm       use KVM instead of TCG (nested KVM hangs here)
#   VM_MEM, VM_SMP     guest memory (1G, realstack 2G) and vCPUs (2)
#   VM_PANIC_ON_WARN=1 add panic_on_warn=1 (a WARN then ends the run)
#   VM_CMDLINE         extra kernel command line arguments
#   VM_BUSYBOX         static busybox to use (default /bin/busybox)
#   DPO_*              passed on to the guest's tests (e.g. DPO_FUZZ_SEED),
#                      except DPO_KO; values limited to [A-Za-z0-9_.,:/=+-]
#   VM_KERNEL          kernel image to boot instead of /boot/vmlinuz-KVER
#                      (e.g. the debug kernel's bzImage; KVER then only
#                      names the module build and the output directory)
set -eu

VM_KMODS=${VM_KMODS-}

die() {
	echo "run.sh: $*" >&2
	exit 2
}

usage() {
	echo "usage: $(sed -n '7p' "$0" | sed 's/^# *//')" >&2
	exit 2
}

here=$(cd "$(dirname "$0")" && pwd)
build='' kver='' mode='' timeout=''
while [ $# -gt 0 ]; do
	case "$1" in
	--build)	[ $# -ge 2 ] || usage; build=$2; shift 2 ;;
	--kver)		[ $# -ge 2 ] || usage; kver=$2; shift 2 ;;
	--mode)		[ $# -ge 2 ] || usage; mode=$2; shift 2 ;;
	--timeout)	[ $# -ge 2 ] || usage; timeout=$2; shift 2 ;;
	-h|--help)	usage ;;
	*)		echo "run.sh: unknown argument '$1'" >&2; usage ;;
	esac
done
if [ -z "$build" ] || [ -z "$kver" ] || [ -z "$mode" ]; then
	usage
fi
case "$mode" in
test)	timeout=${timeout:-2700} ;;
demo|bench)	timeout=${timeout:-300} ;;
realstack)	timeout=${timeout:-600} ;;
shell)	timeout=${timeout:-0} ;;
*)	die "unknown mode '$mode' (test, shell, demo, bench or realstack)" ;;
esac
case "$timeout" in
''|*[!0-9]*) die "--timeout wants whole seconds, got '$timeout'" ;;
esac
test_timeout=${VM_TEST_TIMEOUT:-1200}
case "$test_timeout" in
''|*[!0-9]*|0) die "VM_TEST_TIMEOUT wants whole seconds, got '$test_timeout'" ;;
esac

[ -d "$build" ] || die "no build directory $build (make vm-bins)"
build=$(cd "$build" && pwd)

# Inputs, checked up front so that a missing one gives a clear message.
kernel=${VM_KERNEL:-/boot/vmlinuz-$kver}
moddir=/lib/modules/$kver
ko=$build/kmod/$kver/kmod/dpo.ko
dpoctl=$build/uctl-static/dpoctl
busybox=${VM_BUSYBOX:-/bin/busybox}
[ -r "$kernel" ] || die "no kernel image $kernel (installed: $(cd /boot &&
	ls vmlinuz-* 2>/dev/null | sed 's/^vmlinuz-//' | tr '\n' ' '))"
[ -d "$moddir" ] || [ -n "${VM_KERNEL:-}" ] ||
	die "no $moddir: is linux-image-$kver installed?"
[ -f "$ko" ] || die "no module $ko (make $ko)"
[ -x "$dpoctl" ] || die "no static dpoctl $dpoctl (make vm-bins)"
[ -x "$busybox" ] || die "no busybox at $busybox (apt-get install busybox-static)"
if readelf -l "$busybox" 2>/dev/null | grep -q 'Requesting program interpreter'; then
	die "$busybox is dynamically linked (apt-get install busybox-static)"
fi
command -v qemu-system-x86_64 >/dev/null || die "no qemu-system-x86_64 (apt-get install qemu-system-x86)"
command -v cpio >/dev/null || die "no cpio (apt-get install cpio)"
tests=$(cd "$build" && ls -d selftests/*_test 2>/dev/null | LC_ALL=C sort) || true
if [ "$mode" = test ] && [ -z "$tests" ]; then
	die "no test binaries $build/selftests/*_test (make vm-bins)"
fi

out=$build/vm/$kver
mkdir -p "$out"
initrd=$out/initramfs.cpio.gz
console=$out/console.log
results=$out/results.log
tmp=$(mktemp -d "$out/tmp.XXXXXX")
qemu_pid='' tail_pid=''
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
	if [ -n "$qemu_pid" ]; then
		kill "$qemu_pid" 2>/dev/null || true
	fi
	if [ -n "$tail_pid" ]; then
		kill "$tail_pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- initramfs ------------------------------------------------------------
root=$tmp/root
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,run,etc,root,lib/modules,selftests}
cp "$busybox" "$root/bin/busybox"
"$busybox" --list-full | while read -r applet; do
	[ -e "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
done
install -m 0755 "$here/init.sh" "$root/init"
install -m 0755 "$here/demo.sh" "$root/bin/demo.sh"
install -m 0755 "$here/bench.sh" "$root/bin/bench.sh"
install -m 0755 "$here/report_out.sh" "$root/bin/report_out.sh"
install -m 0755 "$here/rmmod_dpo.sh" "$root/bin/rmmod_dpo"
mkdir -p "$root/bench"
for b in "$build"/bench/*; do
	[ -f "$b" ] && [ -x "$b" ] && install -m 0755 "$b" "$root/bench/"
done
install -m 0644 "$ko" "$root/lib/dpo.ko"
install -m 0755 "$dpoctl" "$root/bin/dpoctl"
# Programs the selftests run by name (selftests/Makefile's PROGS).
for p in dpo_patch_srv dpo_refdb dpo_loadgen dpo_stamp; do
	[ -x "$build/selftests/$p" ] && install -m 0755 "$build/selftests/$p" "$root/bin/"
done
for t in $tests; do
	install -m 0755 "$build/$t" "$root/selftests/"
done
printf '%s\n' "root:x:0:0:root:/root:/bin/sh" \
	"nobody:x:65534:65534:nobody:/nonexistent:/bin/false" >"$root/etc/passwd"
printf '%s\n' "root:x:0:" "nogroup:x:65534:" >"$root/etc/group"
# The real stack (PostgreSQL, PgBouncer, pgbench) only where it is used.
if [ "$mode" = realstack ]; then
	install -m 0755 "$here/realstack.sh" "$root/bin/realstack.sh"
	"$here/realstack_root.sh" "$root" || die "could not add the real stack"
fi
# DPO_* settings of the caller, for the tests (init.sh sources this).
: >"$root/etc/dpo-vm.env"
while IFS='=' read -r name value; do
	[ "$name" != DPO_KO ] || continue
	case "$value" in
	*[!A-Za-z0-9_.,:/=+-]*)
		echo "run.sh: not passing $name to the guest: unsafe value" >&2
		continue ;;
	esac
	echo "export $name='$value'" >>"$root/etc/dpo-vm.env"
done < <(env | grep -E '^DPO_[A-Za-z0-9_]*=' || true)
printf '127.0.0.1\tlocalhost dpo-vm\n::1\tlocalhost\n' >"$root/etc/hosts"
printf 'export PS1="dpo-vm:\\w# "\nexport DPO_KO=/lib/dpo.ko\n' >"$root/etc/profile"

# Host copy of one module, decompressed so that busybox insmod can load it.
copy_module() { # relative path from modules.dep
	local src=$moddir/$1 dst=$root/lib/modules/$2
	case "$1" in
	*.ko)		cp "$src" "$dst" ;;
	*.ko.xz)	xz -dc "$src" >"$dst" ;;
	*.ko.zst)	zstd -qdc "$src" >"$dst" ;;
	*.ko.gz)	gzip -dc "$src" >"$dst" ;;
	*)		die "unknown module format $1" ;;
	esac
}

# The suite cross-checks dpo's connection registry with sock_diag (what
# ss(8) reads): Debian builds tcp_diag as a module, the debug kernel in.
if [ -r "$moddir/modules.dep" ]; then
	VM_KMODS="tcp_diag${VM_KMODS:+ $VM_KMODS}"
fi

# The ynl CLI test (selftests/ynl_cli.sh) runs the kernel's ynl with the
# host's python from two read-only 9p shares: the host's /usr and the YNL
# extraction (make ynl-src). Kernels without 9p modules (our debug kernel)
# do not run it.
ynl=$build/ynl
shares=()
if [ "$mode" = test ] && [ -f "$ynl/tools/net/ynl/cli.py" ] &&
   [ -x /usr/bin/python3 ] &&
   grep -q '/9pnet_virtio\.ko' "$moddir/modules.dep" 2>/dev/null; then
	VM_KMODS="$VM_KMODS virtio_pci 9pnet_virtio 9p"
	shares=(-virtfs "local,path=/usr,mount_tag=dpo_usr,security_model=none,readonly=on"
		-virtfs "local,path=$ynl,mount_tag=dpo_ynl,security_model=none,readonly=on")
	install -m 0755 "$here/../ynl_cli.sh" "$root/selftests/ynl_cli_test"
	install -m 0644 "$here/../../include/netlink/specs/dpo.yaml" \
		"$root/selftests/dpo.yaml"
elif [ "$mode" = test ]; then
	echo "run.sh: $kver: no 9p modules or no make ynl-src: ynl_cli_test not run"
fi

# VM_KMODS plus their dependencies from modules.dep, dependencies first.
if [ -n "$VM_KMODS" ]; then
	[ -r "$moddir/modules.dep" ] || die "no $moddir/modules.dep"
	: >"$root/lib/modules/load-order"
	declare -A seen=()
	add_module() { # name, in modules.dep spelling or with - for _
		local name=${1//-/_} line path deps d
		line=$(awk -F: -v n="$name" '{
			b = $1; sub(/.*\//, "", b); sub(/\.ko(\.[a-z]+)?$/, "", b)
			gsub(/-/, "_", b); if (b == n) { print; exit } }' \
			"$moddir/modules.dep")
		if [ -z "$line" ]; then
			if grep -Eq "/${name//_/[-_]}\\.ko\$" "$moddir/modules.builtin" 2>/dev/null; then
				return 0
			fi
			die "module '$1' not found in $moddir/modules.dep"
		fi
		path=${line%%:*}
		[ -z "${seen[$path]:-}" ] || return 0
		seen[$path]=1
		deps=${line#*:}
		# modules.dep lists the direct and indirect dependencies; a
		# module's own dependencies come after it, so load in reverse.
		for d in $(echo "$deps" | tr ' ' '\n' | tac); do
			d=${d##*/}; d=${d%%.ko*}
			add_module "$d"
		done
		d=${path##*/}; d=${d%%.ko*}.ko
		copy_module "$path" "$d"
		echo "$d" >>"$root/lib/modules/load-order"
	}
	for m in $VM_KMODS; do
		add_module "$m"
	done
	echo "run.sh: helper modules: $(tr '\n' ' ' <"$root/lib/modules/load-order")"
fi

# The kernel opens /dev/console before it runs /init, so the archive needs
# that one node; write its cpio entry by hand instead of calling mknod.
newc_entry() { # name mode(hex) rdevmajor rdevminor
	local n=$(( ${#1} + 1 ))
	printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%s\0' \
		0 "0x$2" 0 0 1 0 0 0 0 "$3" "$4" "$n" 0 "$1"
	# header (110 bytes) + name padded to a multiple of 4
	printf '%*s' $(( (4 - (110 + n) % 4) % 4 )) '' | tr ' ' '\0'
}
{
	newc_entry dev 41ED 0 0
	newc_entry dev/console 2180 5 1
	newc_entry TRAILER!!! 0 0 0
	(cd "$root" && find . -mindepth 1 | LC_ALL=C sort |
		cpio --quiet -o -H newc -R 0:0)
} | gzip -6 >"$initrd.tmp"
mv "$initrd.tmp" "$initrd"

# ---- QEMU -------------------------------------------------------------------
accel="tcg,thread=multi" cpu=()
if [ "${VM_ACCEL:-}" = kvm ]; then
	accel=kvm cpu=(-cpu host)
fi
# Debian's own kernels, no Debian initrd: everything we need is built in.
# (Speed-up options such as mitigations=off or cryptomgr.notests made no
# measurable difference to the ~1.5 s TCG boot, so the kernel runs as shipped.)
cmdline="console=ttyS0,115200 panic=-1 oops=panic rdinit=/init"
[ "${VM_PANIC_ON_WARN:-0}" = 1 ] && cmdline="$cmdline panic_on_warn=1"
case "$mode" in
test)	cmdline="$cmdline loglevel=7" ;;
shell)	cmdline="$cmdline loglevel=4" ;;
demo|bench|realstack)	cmdline="$cmdline quiet loglevel=1" ;;
esac
cmdline="$cmdline ${VM_CMDLINE:-} -- $mode $test_timeout"

# The real stack's root (PostgreSQL's libraries) unpacks to about 200 MB.
mem=1G
[ "$mode" != realstack ] || mem=2G
qemu=(qemu-system-x86_64 -accel "$accel" ${cpu[@]+"${cpu[@]}"} -smp "${VM_SMP:-2}"
	-m "${VM_MEM:-$mem}" -no-reboot -no-user-config -nodefaults
	-display none -kernel "$kernel" -initrd "$initrd"
	${shares[@]+"${shares[@]}"}
	-append "$cmdline")

# Kernel problems, from the console (which still has them if the guest
# died) and the guest's dmesg (which has them if the console was quiet).
# The same line usually shows in both: report it once. A "Call Trace:" is
# reported only when it is not part of a report already found just above.
problems='BUG:|WARNING:|Oops|general protection fault|Kernel panic'
problems="$problems|lockdep|possible circular locking|possible recursive locking"
problems="$problems|refcount_t:|list_del corruption|list_add corruption"
problems="$problems|KASAN|UBSAN|kmemleak|Call Trace:"
problems="$problems|INFO: task .* blocked for more than|rcu: INFO:"
# Harmless lines that match the above on some (debug) kernels.
harmless='RCU lockdep checking is enabled|kmemleak: Kernel memory leak detector'
harmless="$harmless|kmemleak: Automatic memory scanning thread"
scan_log() {
	awk -v p="$problems" -v h="$harmless" '
		$0 ~ p && $0 !~ h {
			if ($0 ~ /Call Trace:/ && last && NR - last <= 60)
				next
			last = NR
			print
		}' "$1"
}
# Unpack the transfers that report_out.sh wrote to LOG (ttyS2) into DEST,
# each checked against the byte count and sha256 on its BEGIN line.
take_report() { # log dest
	local x hdr bytes sum got n=0
	rm -f "$tmp"/xfer.*
	tr -d '\r' <"$1" | awk -v d="$tmp/xfer" '
		/^DPO-REPORT-BEGIN / { n++; open = 1; print $2, $3 > (d "." n ".hdr"); next }
		/^DPO-REPORT-END$/ { if (open) print "" > (d "." n ".end"); open = 0; next }
		open { print > (d "." n ".b64") }'
	for hdr in "$tmp"/xfer.*.hdr; do
		[ -e "$hdr" ] || break
		x=${hdr%.hdr}
		n=$((n + 1))
		read -r bytes sum <"$hdr" || true
		if [ ! -e "$x.end" ]; then
			echo "run.sh: report transfer $n is cut short (no end marker in $1)" >&2
			return 1
		fi
		if ! base64 -d <"$x.b64" >"$x.tgz" 2>/dev/null; then
			echo "run.sh: report transfer $n is not valid base64 ($1)" >&2
			return 1
		fi
		got=$(wc -c <"$x.tgz")
		if [ "$got" != "$bytes" ]; then
			echo "run.sh: report transfer $n has $got bytes, the guest sent $bytes ($1)" >&2
			return 1
		fi
		got=$(sha256sum <"$x.tgz")
		if [ "${got%% *}" != "$sum" ]; then
			echo "run.sh: report transfer $n fails its sha256 check ($1)" >&2
			return 1
		fi
		mkdir -p "$2"
		if ! tar -xzf "$x.tgz" -C "$2" --no-same-owner; then
			echo "run.sh: report transfer $n: its archive does not unpack ($1)" >&2
			return 1
		fi
	done
	[ "$n" -gt 0 ] || { echo "run.sh: no report transfer in $1" >&2; return 1; }
}

case "$mode" in
shell)
	echo "run.sh: booting $kver with a shell; leave with 'exit' or Ctrl-A X"
	rc=0
	if [ "$timeout" -gt 0 ]; then
		timeout --foreground -k 5 "$timeout" "${qemu[@]}" \
			-serial mon:stdio -serial null || rc=$?
	else
		"${qemu[@]}" -serial mon:stdio -serial null || rc=$?
	fi
	[ "$rc" = 0 ] || { echo "run.sh: QEMU exited with status $rc" >&2; exit 1; }
	exit 0
	;;
demo|bench|realstack)
	# The console goes to demo.log (and the terminal), the guest's kernel
	# log to ttyS1 (demo-dmesg.log), the report (report_out.sh) to ttyS2
	# (demo-report.log); the guest prints a token on the console when done.
	stamp=$(date -u +%Y%m%d-%H%M%S)
	rm -f "$out/demo.log" "$out/demo-dmesg.log" "$out/demo-report.log"
	ports=(-serial "file:$out/demo-dmesg.log" -serial "file:$out/demo-report.log")
	rc=0
	if [ -t 0 ] && [ -t 1 ]; then
		echo "run.sh: booting $kver for the $mode (Ctrl-A X quits QEMU)"
		timeout --foreground -k 5 "$timeout" "${qemu[@]}" \
			-chardev "stdio,id=con,mux=on,logfile=$out/demo.log" \
			-serial chardev:con -mon chardev=con,mode=readline \
			"${ports[@]}" || rc=$?
	else
		# No terminal: QEMU gets no stdio at all. Its stdio chardev
		# would poll a stdin that may never deliver nor close, and set
		# O_NONBLOCK on the stdin and stdout it shares with our caller.
		# The console goes to a file that we show as it grows.
		echo "run.sh: booting $kver for the $mode (no terminal: console from $out/demo.log)"
		: >"$out/demo.log"
		timeout -k 5 "$timeout" "${qemu[@]}" -monitor none \
			-serial "file:$out/demo.log" "${ports[@]}" \
			</dev/null >"$tmp/qemu.out" 2>&1 &
		qemu_pid=$!
		tail -n +1 -F --pid="$qemu_pid" "$out/demo.log" </dev/null 2>/dev/null &
		tail_pid=$!
		wait "$qemu_pid" || rc=$?
		qemu_pid=
		wait "$tail_pid" || true
		tail_pid=
		cat "$tmp/qemu.out" >&2
	fi
	touch "$out/demo.log" "$out/demo-dmesg.log" "$out/demo-report.log"
	tr -d '\r' <"$out/demo.log" >"$tmp/console"
	tr -d '\r' <"$out/demo-dmesg.log" >"$tmp/dmesg"
	{ scan_log "$tmp/console"; scan_log "$tmp/dmesg"; } |
		awk '!seen[$0]++' >"$tmp/problems"
	bad=0
	if [ "$rc" = 124 ]; then
		echo "run.sh: $mode timed out after ${timeout}s" >&2
		bad=1
	elif [ "$rc" != 0 ]; then
		echo "run.sh: QEMU exited with status $rc" >&2
		bad=1
	elif ! grep -qx 'DPO-DEMO-DONE' "$tmp/console"; then
		echo "run.sh: the $mode did not finish (log: $out/demo.log)" >&2
		bad=1
	fi
	if [ -s "$tmp/problems" ]; then
		echo "run.sh: kernel problems during the $mode (kernel log: $out/demo-dmesg.log):" >&2
		sed 's/^/  /' "$tmp/problems" >&2
		bad=1
	fi
	# The report: the demo's and realstack's must be there; bench sends
	# one if it can.
	# (build/bench holds the benchmark programs: results go beside it)
	case "$mode" in
	demo|realstack)	dest=$build/$mode/$stamp-$kver ;;
	*)	dest=$build/$mode-results/$stamp-$kver ;;
	esac
	if grep -q '^DPO-REPORT-BEGIN ' "$out/demo-report.log"; then
		if take_report "$out/demo-report.log" "$dest"; then
			if [ "$mode" = demo ] && ! "$here/report.sh" "$dest"; then
				echo "run.sh: report.sh failed on $dest" >&2
				bad=1
			fi
			echo "report: $dest"
		else
			bad=1
		fi
	elif [ "$mode" != bench ]; then
		echo "run.sh: the guest sent no report (port log: $out/demo-report.log)" >&2
		bad=1
	fi
	exit "$bad"
	;;
esac

# ---- test mode ------------------------------------------------------------
rm -f "$console" "$results"
echo "# vm $kver: booting ($accel, timeout ${timeout}s, logs in $out)"
start=$SECONDS
rc=0
# In the background so that the EXIT trap can stop it if we are killed.
timeout -k 5 "$timeout" "${qemu[@]}" -monitor none \
	-serial "file:$console" -serial "file:$results" </dev/null &
qemu_pid=$!
wait "$qemu_pid" || rc=$?
qemu_pid=
total=$((SECONDS - start))

tap=$tmp/tap
: >"$tap"
touch "$console" "$results"
tr -d '\r' <"$results" >"$tmp/results"
tr -d '\r' <"$console" >"$tmp/console"
# TAP part: everything before the dmesg marker; the guest's kernel log
# between the markers.
sed '/^# DPO-VM-DMESG-BEGIN$/,$d' "$tmp/results" >"$tmp/tests"
sed -n '/^# DPO-VM-DMESG-BEGIN$/,/^# DPO-VM-DMESG-END$/p' "$tmp/results" |
	sed '1d;$d' >"$out/dmesg.log"
tee -a "$tap" <"$tmp/tests"

fail_line() {
	echo "not ok - $*" | tee -a "$tap"
}

if [ "$rc" = 124 ]; then
	fail_line "vm $kver: QEMU killed after the ${timeout}s timeout"
elif [ "$rc" != 0 ]; then
	fail_line "vm $kver: QEMU exited with status $rc"
fi
token=yes
if ! grep -qx 'DPO-VM-DONE' "$tmp/results"; then
	token=no
	fail_line "vm $kver: no completion token (crash, hang or timeout)"
	echo "# last lines of the console log ($console):"
	tail -n 60 "$tmp/console" | sed 's/^/#   /'
fi

{ scan_log "$tmp/console"; scan_log "$out/dmesg.log"; } |
	awk '!seen[$0]++' >"$tmp/problems"
while IFS= read -r line; do
	fail_line "kernel: $line"
done <"$tmp/problems"
if [ -s "$tmp/problems" ] && [ "$token" = yes ]; then
	# Show the first report in full, from whichever log has it (after a
	# crash the console tail above already shows it).
	first=$(head -n 1 "$tmp/problems")
	for log in "$out/dmesg.log" "$tmp/console"; do
		n=$(grep -nFx -- "$first" "$log" | head -n 1 | cut -d: -f1)
		[ -n "$n" ] || continue
		echo "# first kernel report (full logs: $console, $out/dmesg.log):"
		sed -n "$((n > 2 ? n - 2 : 1)),$((n + 40))p" "$log" | sed 's/^/#   /'
		break
	done
fi

pass=$(grep -Ec '^ok( |$)' "$tap" || true)
skip=$(grep -Eic '^ok( .*)?[[:space:]]#[[:space:]]*skip' "$tap" || true)
fail=$(grep -Ec '^not ok( |$)' "$tap" || true)
pass=$((pass - skip))
boot=$(sed -n 's/^# dpo-vm: kernel .*, booted in \([0-9.]*\) s$/\1/p' "$tmp/tests" | head -n 1)
suite=$(sed -n 's/^# dpo-vm: suite took \([0-9.]*\) s$/\1/p' "$tmp/tests" | head -n 1)
echo "# vm $kver: pass=$pass fail=$fail skip=$skip"
echo "# vm $kver: boot=${boot:-?}s suite=${suite:-?}s total=${total}s"
[ "$fail" = 0 ] || exit 1
exit 0
