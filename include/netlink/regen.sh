#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Write the files generated from the protocol spec into OUT (the repository
# for `make regen`, a scratch directory for `make regen-check`):
#
#   regen.sh YNL OUT
#
# YNL is an extraction of Debian's linux-source-6.12 holding tools/net/ynl
# and Documentation/netlink/genetlink-legacy.yaml. The kernel's generator
# reads the schema next to the spec's directory and names the spec by its
# path below the directory that holds MAINTAINERS: so it runs on a copy of
# the spec in a small tree that mirrors ours.
set -euo pipefail

[ $# = 2 ] || { echo "usage: regen.sh YNL OUT" >&2; exit 2; }
ynl=$1 out=$2
repo=$(cd "$(dirname "$0")/../.." && pwd)
spec=include/netlink/specs/dpo.yaml
py=/usr/bin/python3	# Debian's, with python3-yaml and python3-jsonschema

tree=$ynl/tree
rm -rf "$tree"
mkdir -p "$tree/include/netlink/specs"
: >"$tree/MAINTAINERS"
cp "$ynl/Documentation/netlink/genetlink-legacy.yaml" "$tree/include/netlink/"
cp "$repo/$spec" "$tree/$spec"

mkdir -p "$out/include/uapi/linux" "$out/kmod" "$out/include/netlink"
gen() { "$py" "$ynl/tools/net/ynl/ynl-gen-c.py" --spec "$tree/$spec" "$@"; }
gen --mode uapi --header -o "$out/include/uapi/linux/dpo.h"
gen --mode kernel --header -o "$out/kmod/nl_ops.h"
gen --mode kernel --source -o "$out/kmod/nl_ops.c"
(cd "$repo" && "$py" include/netlink/ynl-desc.py "$spec") \
	>"$out/include/netlink/dpo-desc.h"
