#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Add Debian's PostgreSQL 15, PgBouncer and pgbench to a guest root:
#   realstack_root.sh ROOT
# The programs keep their Debian paths; their shared libraries (from ldd)
# and the loader are copied beside them, with the data initdb reads and
# the server's own modules (without the LLVM JIT's bitcode). A "postgres"
# user is added: neither the server nor PgBouncer runs as root.
set -eu

die() {
	echo "realstack_root.sh: $*" >&2
	exit 2
}

[ $# = 1 ] && [ -d "$1" ] || die "usage: realstack_root.sh ROOT"
root=$1
pg=/usr/lib/postgresql/15
progs=("$pg/bin/postgres" "$pg/bin/initdb" "$pg/bin/pg_ctl" "$pg/bin/pgbench"
	"$pg/bin/psql" "$pg/bin/pg_isready" /usr/sbin/pgbouncer)
for p in "${progs[@]}"; do
	[ -x "$p" ] || die "no $p (make deps installs postgresql-15 and pgbouncer)"
done

copy() { # path, copied to the same path under ROOT (symlinks resolved)
	mkdir -p "$root$(dirname "$1")"
	cp -L "$1" "$root$1"
}

for p in "${progs[@]}"; do
	copy "$p"
done
# Every library the programs and the server's modules need.
libs=$( { for p in "${progs[@]}" "$pg"/lib/*.so; do
		case "${p##*/}" in llvmjit*) continue ;; esac
		ldd "$p"
	done; } |
	awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' |
	sort -u)
for l in $libs; do
	copy "$l"
done
# The server's modules (plpgsql, encodings, snowball) and initdb's data.
mkdir -p "$root$pg/lib"
for m in "$pg"/lib/*.so; do
	case "${m##*/}" in
	llvmjit*) ;;
	*) cp "$m" "$root$pg/lib/" ;;
	esac
done
mkdir -p "$root/usr/share/postgresql"
cp -a /usr/share/postgresql/15 "$root/usr/share/postgresql/"
# Debian's server reads the system's time zones; UTC is enough.
mkdir -p "$root/usr/share/zoneinfo/Etc"
cp -L /usr/share/zoneinfo/Etc/UTC "$root/usr/share/zoneinfo/Etc/UTC"
cp -L /usr/share/zoneinfo/UTC "$root/usr/share/zoneinfo/UTC"
mkdir -p "$root/usr/bin"
ln -sf "$pg/bin/pgbench" "$root/usr/bin/pgbench"
ln -sf "$pg/bin/psql" "$root/usr/bin/psql"

echo "postgres:x:100:101:PostgreSQL:/var/lib/postgresql:/bin/sh" >>"$root/etc/passwd"
echo "postgres:x:101:" >>"$root/etc/group"
mkdir -p "$root/var/lib/postgresql" "$root/etc/pgbouncer"
echo "realstack_root.sh: $(echo "$libs" | wc -w) libraries;" \
	"$(du -sh "$root/usr" | cut -f1) under /usr"
