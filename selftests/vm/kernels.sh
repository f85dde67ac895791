#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Print the newest installed Debian kernel release of a series ("6.1",
# "6.12") or of all ("newest") that has both its image and its headers.
series=${1:-newest}
case "$series" in
6.1)	pat='6.1.0-*-amd64' ;;
6.12)	pat='6.12.*+deb12-amd64' ;;
newest)	pat='*-amd64' ;;
*)	echo "usage: $0 6.1|6.12|newest" >&2; exit 1 ;;
esac
for img in /boot/vmlinuz-$pat; do
	kver=${img#/boot/vmlinuz-}
	[ -f "$img" ] && [ -d "/usr/src/linux-headers-$kver" ] && echo "$kver"
done | sort -V | tail -n 1
