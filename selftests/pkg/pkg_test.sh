#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Packaging on the host, as root (make check runs it): one version from
# include/dpo/version.h; make install/uninstall under DESTDIR; make deb and
# lintian; dpkg -i of both packages builds dpo.ko with DKMS for every kernel
# with headers (nothing is loaded), dpkg --purge removes every file again.
#   pkg_test.sh --build DIR
# TAP on stdout; exit 1 on any failure.
set -u

repo=$(cd "$(dirname "$0")/../.." && pwd)
build=''
while [ $# -gt 0 ]; do
	case "$1" in
	--build)	build=$2; shift 2 ;;
	*)		echo "usage: pkg_test.sh --build DIR" >&2; exit 2 ;;
	esac
done
[ -n "$build" ] || { echo "usage: pkg_test.sh --build DIR" >&2; exit 2; }
mkdir -p "$build" && build=$(cd "$build" && pwd)

n=0 failed=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dpo-pkg.XXXXXX")
installed=''
cleanup() {
	# Never leave the packages behind, whatever failed.
	if [ -n "$installed" ]; then
		dpkg --purge dpoctl dpo-dkms >/dev/null 2>&1
		make -s -C "$repo" dkms-uninstall >/dev/null 2>&1
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

ok() { n=$((n + 1)); echo "ok $n $1"; }
not_ok() {
	n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n $1"
	[ ! -s "$tmp/why" ] || sed 's/^/#   /' "$tmp/why"
}
# check NAME CMD...: ok when CMD succeeds; its output shown when not.
check() {
	local name=$1
	shift
	if "$@" >"$tmp/why" 2>&1; then ok "$name"; else not_ok "$name"; fi
}

echo "TAP version 13"
echo "1..13"

version=$(sed -n 's/^#define DPO_VERSION "\(.*\)"$/\1/p' "$repo/include/dpo/version.h")
deb_version=$(dpkg-parsechangelog -l "$repo/debian/changelog" -S Version)
same_version() {
	echo "include/dpo/version.h: $version, debian/changelog: $deb_version"
	[ -n "$version" ] && [ "$version" = "$deb_version" ] &&
		grep -q '^PACKAGE_VERSION="#MODULE_VERSION#"$' "$repo/dkms.conf"
}
check "one version: include/dpo/version.h, debian/changelog, dkms.conf's template" same_version

# make install under DESTDIR and PREFIX: exactly these files.
dest=$tmp/dest
expected="/usr/sbin/dpoctl
/usr/share/bash-completion/completions/dpoctl
/usr/share/doc/dpoctl/examples/dpoctl.conf
/usr/share/man/man5/dpoctl.conf.5
/usr/share/man/man8/dpoctl.8"
installed_files() {
	(cd "$dest" 2>/dev/null && find . -type f -o -type l | sed 's/^\.//' | sort)
}
install_files() {
	make -s -C "$repo" install-run BUILD="$build" DESTDIR="$dest" PREFIX=/usr || return 1
	diff <(echo "$expected") <(installed_files) &&
		"$dest/usr/sbin/dpoctl" --version | grep -qx "dpoctl $version"
}
check "make install DESTDIR PREFIX=/usr: dpoctl, 2 man pages, completion, example" install_files
uninstall_files() {
	make -s -C "$repo" uninstall DESTDIR="$dest" PREFIX=/usr || return 1
	left=$(installed_files)
	[ -z "$left" ] || { echo "left: $left"; return 1; }
}
check "make uninstall: no file left" uninstall_files

if [ "$(id -u)" != 0 ]; then
	for i in $(seq 4 13); do
		n=$((n + 1)); echo "ok $n packages # SKIP not root"
	done
	exit $((failed > 0))
fi
# A machine where dpo is installed already: its install is not ours to undo.
if dpkg-query -W -f='${Status}' dpo-dkms dpoctl 2>/dev/null | grep -q installed ||
   dkms status dpo 2>/dev/null | grep -q .; then
	for i in $(seq 4 13); do
		n=$((n + 1)); echo "ok $n packages # SKIP dpo is installed here (packages or DKMS)"
	done
	exit $((failed > 0))
fi

# The kernels DKMS builds for: those with headers.
kernels=$(for k in $(ls /lib/modules); do [ -e "/lib/modules/$k/build" ] && echo "$k"; done)
# dpo.ko VERSION installed by DKMS for each of them, or why not.
built_for_each() {
	dkms status dpo 2>/dev/null
	for k in $kernels; do
		dkms status "dpo/$version" -k "$k" 2>/dev/null | grep -q ": installed" ||
			{ echo "$k: not installed"; return 1; }
		ko=$(find "/lib/modules/$k/updates/dkms" -name 'dpo.ko*' | head -n 1)
		[ -n "$ko" ] || { echo "$k: no dpo.ko"; return 1; }
		modinfo -F version "$ko" | grep -qx "$version" || { echo "$ko: version"; return 1; }
		modinfo -F vermagic "$ko" | grep -q "^$k " || { echo "$ko: vermagic"; return 1; }
		echo "$k: $ko"
	done
	[ -n "$kernels" ]
}
no_dpo_left() {
	left=$(find /lib/modules/*/updates/dkms -name 'dpo.ko*' 2>/dev/null)
	[ -z "$left" ] || { echo "left: $left"; return 1; }
	[ ! -e "/usr/src/dpo-$version" ] || { echo "left: /usr/src/dpo-$version"; return 1; }
	! dkms status dpo 2>/dev/null | grep .
}

# make dkms-install and dkms-uninstall, without packages.
dkms_install() {
	installed=1
	make -s -C "$repo" dkms-install BUILD="$build" && built_for_each
}
check "make dkms-install: dpo.ko $version built and installed by DKMS for each kernel with headers" dkms_install
grep -E '^[^ ]*: /lib/modules/' "$tmp/why" | sed 's/^/# /'
dkms_uninstall() {
	make -s -C "$repo" dkms-uninstall BUILD="$build" && installed='' && no_dpo_left
}
check "make dkms-uninstall: no dpo.ko, source or DKMS entry left" dkms_uninstall

debs=$build/deb
build_debs() {
	make -s -C "$repo" deb-run BUILD="$build" >"$tmp/deb.log" 2>&1
	rc=$?
	cat "$tmp/deb.log"
	[ "$rc" = 0 ] && [ -f "$debs/dpo-dkms_${version}_all.deb" ] &&
		ls "$debs"/dpoctl_"${version}"_*.deb >/dev/null
}
check "make deb: dpo-dkms and dpoctl built, lintian reports no error" build_debs
grep -E '^[EWIP]: ' "$tmp/deb.log" | sed 's/^/# lintian: /'

dpkg_install() {
	installed=1
	dpkg -i "$debs/dpo-dkms_${version}_all.deb" "$debs"/dpoctl_"${version}"_*.deb
}
check "dpkg -i dpo-dkms dpoctl" dpkg_install
# What dpkg and DKMS said: the module built for each kernel.
grep -v '^$' "$tmp/why" | sed 's/^/# dpkg -i: /'
check "DKMS built and installed dpo.ko $version for each kernel with headers" built_for_each
sed 's/^/# /' "$tmp/why"
not_loaded() { ! grep -q '^dpo ' /proc/modules; }
check "nothing loaded into the running kernel" not_loaded
dpoctl_installed() {
	/usr/sbin/dpoctl --version | grep -qx "dpoctl $version" &&
		[ -f /usr/share/man/man8/dpoctl.8.gz ] &&
		[ -f /usr/share/man/man5/dpoctl.conf.5.gz ] &&
		[ -f /usr/share/bash-completion/completions/dpoctl ]
}
check "dpoctl, its man pages and completion installed" dpoctl_installed

# Every file the packages installed, and what DKMS made.
dpkg -L dpo-dkms dpoctl 2>/dev/null | while read -r f; do
	[ -z "$f" ] || [ -d "$f" ] || echo "$f"
done | sort >"$tmp/files"
find /lib/modules/*/updates/dkms -name 'dpo.ko*' >>"$tmp/files" 2>/dev/null
echo "# installed files: $(wc -l <"$tmp/files")"
sed 's/^/#   /' "$tmp/files"
purge() {
	dpkg --purge dpoctl dpo-dkms && installed=''
}
check "dpkg --purge dpoctl dpo-dkms" purge
all_gone() {
	left=0
	while read -r f; do
		[ -e "$f" ] && { echo "left: $f"; left=1; }
	done <"$tmp/files"
	[ ! -e "/usr/src/dpo-$version" ] || { echo "left: /usr/src/dpo-$version"; left=1; }
	[ ! -e /var/lib/dkms/dpo ] || { echo "left: /var/lib/dkms/dpo"; left=1; }
	[ "$left" = 0 ]
}
check "every installed file removed, DKMS's too" all_gone
dkms_forgot() { ! dkms status dpo 2>/dev/null | grep -q .; }
check "dkms status knows no dpo" dkms_forgot
exit $((failed > 0))
