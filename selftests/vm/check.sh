#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The whole test run behind `make check`:
#   check.sh --build DIR --kvers "KVER..."
# 1. the host unit tests of dpoctl (make -C uctl O=DIR/uctl test) and of
#    the module's pure functions (make -C kmod/tests run),
# 2. whether the files generated from the protocol spec are current
#    (make regen-check),
# 3. for each kernel: build dpo.ko (DIR/kmod/KVER/kmod/dpo.ko, the top-level
#    Makefile's rule) and run the selftests in QEMU (run.sh --mode test).
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
}

# The module rule is "$(BUILD)/kmod/%/kmod/dpo.ko" with BUILD = repo/build;
# point BUILD elsewhere only when we were asked to.
build_var=()
[ "$build" = "$repo/build" ] || build_var=("BUILD=$build")

echo "# unit tests: make -C uctl O=$build/uctl test"
make -C "$repo/uctl" O="$build/uctl" test 2>&1 | tee "$tmp/unit.log"
rc=${PIPESTATUS[0]}
count "$tmp/unit.log"
[ "$rc" = 0 ] || fail "unit: make test failed (status $rc)"

echo "# unit tests: make -C kmod/tests O=$build/kmod-unit run"
make -C "$repo/kmod/tests" O="$build/kmod-unit" \
	KSFT_INC="$build/linux-src/tools/testing/selftests" run 2>&1 |
	tee "$tmp/kunit.log"
rc=${PIPESTATUS[0]}
count "$tmp/kunit.log"
[ "$rc" = 0 ] || fail "kmod unit: make run failed (status $rc)"

echo "# generated files: make regen-check"
if make -s -C "$repo" ${build_var[@]+"${build_var[@]}"} regen-check 2>&1; then
	echo "ok - the files generated from include/netlink/specs/dpo.yaml are current"
	passed=$((passed + 1))
else
	fail "generated files are stale: run make regen and commit them"
fi

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
	vm_env=()
	if [ "$kver" = debug ]; then
		kdir=$("$repo/selftests/debug-kernel/build.sh" "$build")
		vm_env=("VM_KERNEL=$kdir/arch/x86/boot/bzImage")
	fi

	echo "# kernel $kver: selftests in QEMU"
	start=$SECONDS
	env ${vm_env[@]+"${vm_env[@]}"} \
		"$here/run.sh" --build "$build" --kver "$kver" --mode test 2>&1 |
		tee "$tmp/vm.log"
	rc=${PIPESTATUS[0]}
	vm_s=$((SECONDS - start))
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

echo
for t in ${timing[@]+"${timing[@]}"}; do
	echo "$t"
done
if [ $((passed + failed + skipped)) = 0 ]; then
	echo "# nothing ran"
fi
line="$passed passed, $failed failed"
[ "$skipped" = 0 ] || line="$line, $skipped skipped"
echo "$line"
[ "$failed" = 0 ] && [ $((passed + failed + skipped)) -gt 0 ]
