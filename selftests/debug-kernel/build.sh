#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Build the debug kernel (KASAN, lockdep, kmemleak, ...) from Debian's
# linux-source-6.1, or reuse the cached build, and print its object
# directory: it holds arch/x86/boot/bzImage and serves as KDIR for dpo.ko.
#
#   build.sh BUILD_DIR
#
# The cache is keyed by the source package version and debug.config, so
# only the first run on a machine (or after a change) pays for the build.
set -eu

[ $# -eq 1 ] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
fragment=$here/debug.config
tarball=/usr/src/linux-source-6.1.tar.xz
[ -r "$tarball" ] || { echo "build.sh: $tarball missing (make deps)" >&2; exit 2; }

version=$(dpkg-query -W -f='${Version}' linux-source-6.1)
key=$( { echo "$version"; cat "$fragment"; } | sha256sum | cut -c1-16)
top=$1/debug-kernel
out=$top/$key
src=$out/linux-source-6.1
obj=$out/obj
log=$out/build.log

# One build at a time per cache (parallel runs, or build dirs whose
# debug-kernel is a link to the same cache, share it).
mkdir -p "$1"
exec 9>"$(realpath -m "$top").lock"
flock 9

if [ -f "$out/.done" ]; then
	echo "$obj"
	exit 0
fi

rm -rf "$top"		# older keys are stale
mkdir -p "$obj"
start=$(date +%s)
echo "debug kernel: building linux-source-6.1 $version (key $key)" >&2
tar -xJf "$tarball" -C "$out"

fail() {
	echo "debug kernel: $1; last lines of $log:" >&2
	tail -n 40 "$log" >&2
	exit 1
}

make -C "$src" O="$obj" tinyconfig >"$log" 2>&1 || fail "tinyconfig failed"
"$src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" \
	"$fragment" >>"$log" 2>&1 || fail "merge_config failed"
make -C "$src" O="$obj" olddefconfig >>"$log" 2>&1 || fail "olddefconfig failed"

# Every option asked for must have survived the dependency resolution.
bad=$(grep -E '^CONFIG_' "$fragment" | while IFS= read -r line; do
	opt=${line%%=*}
	case "$line" in
	*=n) ! grep -q "^$opt=" "$obj/.config" || echo "$opt still set" ;;
	*) grep -qxF "$line" "$obj/.config" || echo "$line not applied" ;;
	esac
done)
[ -z "$bad" ] || { echo "$bad" >&2; fail "configuration incomplete"; }

# modules_prepare + modules gives Module.symvers for external modules.
make -C "$src" O="$obj" -j"$(nproc)" bzImage modules >>"$log" 2>&1 ||
	fail "kernel build failed"
touch "$out/.done"
echo "debug kernel: built in $(( $(date +%s) - start )) s" >&2
echo "$obj"
