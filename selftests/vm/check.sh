#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The whole test run behind `make check`:
#   check.sh --build DIR --kvers "KVER..."
# 1. the host unit tests of dpoctl (make -C uctl O=DIR/uctl test) and of
#    the module's pure functions (make -C kmod/tests run),
# 2. whether the files generated from the protocol spec are current
#    (make regen-check),
# 2b. packaging on the host (selftests/pkg/pkg_test.sh): make install and
#    uninstall, make deb with lintian, dpkg -i (DKMS builds dpo.ko for every
#    kernel with headers; nothing is loaded) and dpkg --purge,
# 3. for each kernel: build dpo.ko (DIR/kmod/KVER/kmod/dpo.ko, the top-level
#    Makefile's rule: by `dkms build` for Debian's kernels) and run the
#    selftests in QEMU (run.sh --mode test),
# 4. the demo (`make demo`) once on Debian's 6.1, with a stdin that never
#    delivers (as in a script or CI): one line, "ok - demo" when run.sh
#    succeeds and its report has both runs' plots and inputs,
# 5. the real stack (`make realstack`, shorter) once on Debian's 6.1: one
#    line per case.
# TAP-style result lines ("ok ...", "not ok ...", "ok ... # SKIP") are
# counted; a failed build, a failed `make test` or a VM that did not finish
# counts as a failure. The last line of output is always
#   N passed, N failed[, N skipped]
# and the exit status is 1 if anything failed or nothing ran.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)

usage() {
	echo "usage: check.sh --build DIR --kvers \"KVER...\"" >&2
	exit 2
}

build='' kvers='' kvers_set=''
while [ $# -gt 0 ]; do
	case "$1" in
	--build)	[ $# -ge 2 ] || usage; build=$2; shift 2 ;;
	--kvers)	[ $# -ge 2 ] || usage; kvers=$2; kvers_set=1; shift 2 ;;
	-h|--help)	usage ;;
	*)		echo "check.sh: unknown argument '$1'" >&2; usage ;;
	esac
done
if [ -z "$build" ] || [ -z "$kvers_set" ]; then
	usage
fi
mkdir -p "$build"
build=$(cd "$build" && pwd)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/dpo-check.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

passed=0 failed=0 skipped=0
timing=()
failures=()	# every "not ok" line, repeated above the last line

# Remember a log's "not ok" lines, prefixed with where they ran and the
# test program ("# selftests: NAME") they came from.
note_failures() {
	local line
	while IFS= read -r line; do
		failures+=("$1: $line")
	done < <(awk '/^# selftests: / { prog = $3 " " }
		/^not ok( |$)/ { print prog $0 }' "$2")
}

# Count the result lines of a log into passed/failed/skipped.
count() {
	local p s f
	p=$(grep -Ec '^ok( |$)' "$1" || true)
	s=$(grep -Eic '^ok( .*)?[[:space:]]#[[:space:]]*skip' "$1" || true)
	f=$(grep -Ec '^not ok( |$)' "$1" || true)
	passed=$((passed + p - s))
	skipped=$((skipped + s))
	failed=$((failed + f))
}

fail() {
	echo "not ok - $*"
	failed=$((failed + 1))
	failures+=("not ok - $*")
}

# The module rule is "$(BUILD)/kmod/%/kmod/dpo.ko" with BUILD = repo/build;
# point BUILD elsewhere only when we were asked to.
build_var=()
[ "$build" = "$repo/build" ] || build_var=("BUILD=$build")

echo "# unit tests: make -C uctl O=$build/uctl test"
make -C "$repo/uctl" O="$build/uctl" test 2>&1 | tee "$tmp/unit.log"
rc=${PIPESTATUS[0]}
count "$tmp/unit.log"
note_failures unit "$tmp/unit.log"
[ "$rc" = 0 ] || fail "unit: make test failed (status $rc)"

echo "# unit tests: make -C kmod/tests O=$build/kmod-unit run"
make -C "$repo/kmod/tests" O="$build/kmod-unit" \
	KSFT_INC="$build/linux-src/tools/testing/selftests" run 2>&1 |
	tee "$tmp/kunit.log"
rc=${PIPESTATUS[0]}
count "$tmp/kunit.log"
note_failures "kmod unit" "$tmp/kunit.log"
[ "$rc" = 0 ] || fail "kmod unit: make run failed (status $rc)"

echo "# generated files: make regen-check"
if make -s -C "$repo" ${build_var[@]+"${build_var[@]}"} regen-check 2>&1; then
	echo "ok - the files generated from include/netlink/specs/dpo.yaml are current"
	passed=$((passed + 1))
else
	fail "generated files are stale: run make regen and commit them"
fi

echo "# packaging: selftests/pkg/pkg_test.sh (make install, make deb, dpkg -i and --purge)"
start=$SECONDS
"$repo/selftests/pkg/pkg_test.sh" --build "$build" 2>&1 | tee "$tmp/pkg.log"
rc=${PIPESTATUS[0]}
count "$tmp/pkg.log"
note_failures packaging "$tmp/pkg.log"
if [ "$rc" != 0 ] && ! grep -q '^not ok' "$tmp/pkg.log"; then
	fail "packaging: pkg_test.sh exited with status $rc"
fi
timing+=("# time packaging: $((SECONDS - start))s")

[ -n "${kvers// /}" ] || fail "no kernel to test (is a kernel and its headers installed?)"
for kver in $kvers; do
	echo "# kernel $kver: building dpo.ko"
	start=$SECONDS
	if ! make -C "$repo" ${build_var[@]+"${build_var[@]}"} \
		"$build/kmod/$kver/kmod/dpo.ko" 2>&1; then
		fail "kmod $kver: dpo.ko build failed"
		timing+=("# time $kver: build $((SECONDS - start))s, no VM run")
		continue
	fi
	build_s=$((SECONDS - start))

	# "debug" is our own debug kernel (built by the module rule above).
	# Its netlink fuzz run is shorter (KASAN and kmemleak make each
	# message dear: 100,000 per user took most of its suite); `make fuzz
	# KVER=debug` is the long one.
	vm_env=()
	if [ "$kver" = debug ]; then
		kdir=$("$repo/selftests/debug-kernel/build.sh" "$build")
		vm_env=("VM_KERNEL=$kdir/arch/x86/boot/bzImage"
			"DPO_FUZZ_COUNT=${DPO_FUZZ_COUNT:-25000}")
	fi

	echo "# kernel $kver: selftests in QEMU"
	start=$SECONDS
	env ${vm_env[@]+"${vm_env[@]}"} \
		"$here/run.sh" --build "$build" --kver "$kver" --mode test 2>&1 |
		tee "$tmp/vm.log"
	rc=${PIPESTATUS[0]}
	vm_s=$((SECONDS - start))
	note_failures "$kver" "$tmp/vm.log"
	summary=$(grep -F "# vm $kver: pass=" "$tmp/vm.log" |
		grep -E ': pass=[0-9]+ fail=[0-9]+ skip=[0-9]+$' | tail -n 1) || true
	if [ -z "$summary" ]; then
		fail "vm $kver: run.sh failed (status $rc) before any result"
	else
		read -r p f s <<<"$(echo "$summary" |
			sed 's/.*pass=\([0-9]*\) fail=\([0-9]*\) skip=\([0-9]*\)$/\1 \2 \3/')"
		passed=$((passed + p))
		failed=$((failed + f))
		skipped=$((skipped + s))
		if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
			fail "vm $kver: run.sh exited with status $rc"
		fi
	fi
	times=$(sed -n "s/^# vm $kver: boot=\([^ ]*\) suite=\([^ ]*\) total=.*/boot \1, suite \2/p" \
		"$tmp/vm.log" | tail -n 1)
	timing+=("# time $kver: build ${build_s}s, ${times:-boot ?, suite ?}, VM run ${vm_s}s")
done

# The demo, as a user runs it but with a stdin that neither delivers nor
# closes: a fifo whose writer sleeps. Bounded: run.sh stops QEMU at 600 s.
demo_kver=$("$here/kernels.sh" 6.1)
if [ -z "$demo_kver" ]; then
	fail "demo: no Debian 6.1 kernel with headers installed"
else
	echo "# demo on $demo_kver (run.sh --mode demo)"
	start=$SECONDS
	rc=0
	if ! make -C "$repo" ${build_var[@]+"${build_var[@]}"} \
		"$build/kmod/$demo_kver/kmod/dpo.ko" >"$tmp/demo-build.log" 2>&1; then
		cat "$tmp/demo-build.log"
		rc=build
	else
		mkfifo "$tmp/stdin"
		sleep 1000 >"$tmp/stdin" &
		hold=$!
		timeout -k 10 700 "$here/run.sh" --build "$build" --kver "$demo_kver" \
			--mode demo --timeout 600 <"$tmp/stdin" 2>&1 | tee "$tmp/demo.log"
		rc=${PIPESTATUS[0]}
		kill "$hold" 2>/dev/null || true
		wait "$hold" 2>/dev/null || true
	fi
	demo_s=$((SECONDS - start))
	report=$(tail -n 1 "$tmp/demo.log" 2>/dev/null | sed -n 's/^report: //p')
	why=''
	if [ "$rc" = build ]; then
		why="dpo.ko build failed"
	elif [ "$rc" != 0 ]; then
		why=$(grep '^run.sh: ' "$tmp/demo.log" | tail -n 1)
		why="run.sh exited with status $rc${why:+ (${why#run.sh: })}"
	elif [ -z "$report" ] || [ ! -d "$report" ]; then
		why="no report folder named on run.sh's last line"
	else
		for f in rollback/plot.png rollback/plot.svg promote/plot.png \
			promote/plot.svg rollback/events.jsonl rollback/load.json \
			promote/events.jsonl promote/load.json; do
			[ -s "$report/$f" ] || { why="empty or missing $report/$f"; break; }
		done
	fi
	if [ -z "$why" ]; then
		echo "ok - demo ($demo_kver, ${demo_s}s, report: $report)"
		passed=$((passed + 1))
	else
		fail "demo: $why"
	fi
	timing+=("# time demo $demo_kver: ${demo_s}s")
fi

# The real stack (make realstack, short), once on Debian's 6.1: its cases
# print TAP lines; a run that failed without one counts as one failure.
if [ -n "$demo_kver" ]; then
	echo "# realstack on $demo_kver (run.sh --mode realstack, DPO_RS_SHORT=1)"
	start=$SECONDS
	DPO_RS_SHORT=1 timeout -k 10 700 "$here/run.sh" --build "$build" \
		--kver "$demo_kver" --mode realstack --timeout 600 </dev/null 2>&1 |
		tee "$tmp/realstack.log"
	rc=${PIPESTATUS[0]}
	tr -d '\r' <"$tmp/realstack.log" >"$tmp/realstack.tap"
	count "$tmp/realstack.tap"
	note_failures realstack "$tmp/realstack.tap"
	if [ "$rc" != 0 ] && ! grep -q '^not ok' "$tmp/realstack.tap"; then
		why=$(grep '^run.sh: ' "$tmp/realstack.log" | tail -n 1)
		fail "realstack: run.sh exited with status $rc${why:+ (${why#run.sh: })}"
	fi
	timing+=("# time realstack $demo_kver: $((SECONDS - start))s")
fi

echo
for t in ${timing[@]+"${timing[@]}"}; do
	echo "$t"
done
# CI shows only the end of the output: name what failed there.
for f in ${failures[@]+"${failures[@]}"}; do
	echo "# failed: $f"
done
if [ $((passed + failed + skipped)) = 0 ]; then
	echo "# nothing ran"
fi
line="$passed passed, $failed failed"
[ "$skipped" = 0 ] || line="$line, $skipped skipped"
echo "$line"
[ "$failed" = 0 ] && [ $((passed + failed + skipped)) -gt 0 ]
