#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The manual pages against dpoctl (make test, make man-check):
#   check.sh DPOCTL MANDIR
# DPOCTL is the dpoctl to ask, MANDIR the directory of the built pages
# (make man: MANDIR/dpoctl.8, MANDIR/dpoctl.conf.5); the sources are read
# beside this script. One TAP line per check, "# missing: ..." under a
# failed one; exit status 1 when one failed. Without the module.
#
# dpoctl.8 must have a term line (a line that starts, after tabs, with the
# name in bold: "*session new* _NAME_...", "*--deadline* _DUR_",
# "*-j*, *--json*") for
#   - every command of "dpoctl help" (its leading lower-case words),
#   - every option: each --word of "dpoctl help" and every string literal
#     of uctl/*.[ch] that starts with --word (the parsers' option names),
#     and the short options of "dpoctl help",
# and must name in bold every keyword of the synopses (interval, port,
# original, canary:...).
# dpoctl.conf.5 must have a "## [section]" heading for every section of
# uctl/config.c's key table, a term line "*key* = ..." under it for each
# key (the metrics' keys under "## [METRIC]"), a term line for every metric
# of uctl/core/engine.c, and the defaults "dpoctl analyze --print-config"
# prints ("Default: V." in a key's entry, "Defaults: k = v, ..." in a
# metric's). Both pages carry dpoctl's version ("dpoctl X.Y.Z" in the
# preamble) and pass mandoc -T lint -W style.
# The example configuration must parse, each of its "#key = value" lines
# must be the default, and it must still parse with them uncommented.
set -u

if [ $# != 2 ]; then
	echo "usage: check.sh DPOCTL MANDIR" >&2
	exit 2
fi
dpoctl=$1
mandir=$2
here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
page8=$here/dpoctl.8.scd
page5=$here/dpoctl.conf.5.scd
example=$here/dpoctl.conf.example

tmp=$(mktemp -d "${TMPDIR:-/tmp}/dpoctl-man-check.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT

n=0
failed=0

# result NAME [LABEL]: ok when $tmp/missing is empty, else its lines under
# it, each after "# LABEL" ("missing: " by default)
result() {
	n=$((n + 1))
	if [ -s "$tmp/missing" ]; then
		failed=$((failed + 1))
		echo "not ok $n - $1"
		sed "s/^/# ${2-missing: }/" "$tmp/missing"
	else
		echo "ok $n - $1"
	fi
	: > "$tmp/missing"
}

# Whether page $1 has a term line for $2 (a fixed string, in bold), or for
# the short option $3 and $2: "*-j*, *--json*".
has_term() {
	awk -v t="*$2*" -v short="${3-}" '
		{ sub(/^\t+/, "") }
		index($0, t) == 1 || (short != "" && index($0, "*" short "*, " t) == 1) { found = 1 }
		END { exit !found }' "$1"
}

: > "$tmp/missing"

# ---- the pages as built ----

for page in dpoctl.8 dpoctl.conf.5; do
	if [ ! -f "$mandir/$page" ]; then
		echo "no $mandir/$page (make man)" > "$tmp/missing"
	else
		mandoc -T lint -W style "$mandir/$page" > "$tmp/missing" 2>&1 ||
			[ -s "$tmp/missing" ] ||
			echo "mandoc failed on $mandir/$page" > "$tmp/missing"
	fi
	result "$page: mandoc -T lint -W style says nothing" ""
done

version=$("$dpoctl" --version | awk '{ print $2 }')
for page in "$page8" "$page5"; do
	head -n 1 "$page" | grep -qF "\"dpoctl $version\"" ||
		echo "\"dpoctl $version\" in the preamble of $(basename "$page")" \
			> "$tmp/missing"
	result "$(basename "$page" .scd): dpoctl's version ($version)"
done

# ---- dpoctl.8 ----

"$dpoctl" help > "$tmp/help" || { echo "dpoctl help failed" >&2; exit 2; }

# "  session new NAME [interval DUR]   help": the synopsis, up to the help
awk '/^Commands:/ { on = 1; next } on && /^$/ { exit }
	on && /^  [a-z]/ { sub(/^  /, ""); sub(/   .*/, ""); print }' \
	"$tmp/help" > "$tmp/synopses"
awk '{ cmd = ""
	for (i = 1; i <= NF && $i ~ /^[a-z]+$/; i++)
		cmd = cmd (cmd == "" ? "" : " ") $i
	print cmd }' "$tmp/synopses" | sort -u > "$tmp/commands"
[ -s "$tmp/commands" ] || { echo "no command in dpoctl help" >&2; exit 2; }
while read -r cmd; do
	has_term "$page8" "$cmd" || echo "$cmd" >> "$tmp/missing"
done < "$tmp/commands"
result "dpoctl.8: every command of dpoctl help ($(wc -l < "$tmp/commands"))"

{
	grep -o -- '--[a-z][a-z-]*[a-z]' "$tmp/help"
	# string literals on lines that are not comments
	grep -hv '^[[:space:]]*\(/\*\|\*\|//\)' "$src"/*.c "$src"/*.h |
		grep -o -- '"--[a-z][a-z-]*[a-z]' | tr -d '"'
} | sort -u > "$tmp/options"
# "  -j, --json ...": the short options and their long names
sed -n 's/^  \(-[A-Za-z]\), \(--[a-z-]*\) .*/\1 \2/p' "$tmp/help" \
	> "$tmp/short"
[ -s "$tmp/short" ] || { echo "no short option in dpoctl help" >&2; exit 2; }
while read -r opt; do
	short=$(awk -v o="$opt" '$2 == o { print $1 }' "$tmp/short")
	has_term "$page8" "$opt" "$short" || echo "$opt" >> "$tmp/missing"
done < "$tmp/options"
while read -r short long; do
	has_term "$page8" "$long" "$short" ||
		echo "$short, $long" >> "$tmp/missing"
done < "$tmp/short"
result "dpoctl.8: every option of dpoctl help and of the sources ($(wc -l < "$tmp/options"))"

# The keywords: lower-case words (and alternatives) after the command;
# "[options]" (patch) stands for the options, checked above
awk '{ for (i = 1; i <= NF && $i ~ /^[a-z]+$/; i++) ;
	for (; i <= NF; i++) {
		w = $i; gsub(/[][()]/, "", w)
		k = split(w, alt, "|")
		for (j = 1; j <= k; j++)
			if (alt[j] ~ /^[a-z]/ && alt[j] != "options") {
				sub(/:.*/, ":", alt[j]); print alt[j]
			}
	} }' "$tmp/synopses" | sort -u > "$tmp/keywords"
while read -r kw; do
	case $kw in
	*:) pat="*$kw" ;;
	*) pat="*$kw*" ;;
	esac
	grep -qF -- "$pat" "$page8" || echo "$kw" >> "$tmp/missing"
done < "$tmp/keywords"
result "dpoctl.8: every keyword of the synopses ($(wc -l < "$tmp/keywords"))"

# ---- dpoctl.conf.5 ----

# "section key" from the key table ("metric key" for a metric's keys)
awk '/^static const struct key keys\[\]/ { on = 1; next } on && /^};/ { exit }
	on && match($0, /\{ (NULL|"[a-z_]+"), "[a-z_0-9]+"/) {
		s = substr($0, RSTART + 2, RLENGTH - 2); gsub(/[",]/, "", s)
		sub(/^NULL/, "METRIC", s); print s
	}' "$src/config.c" > "$tmp/keys"
sed -n 's/.*\[DPOCTL_M_[A-Z_0-9]*\] = { "\([a-z_0-9]*\)".*/\1/p' \
	"$src/core/engine.c" > "$tmp/metrics"
[ -s "$tmp/keys" ] && [ -s "$tmp/metrics" ] ||
	{ echo "no keys or metrics in the sources" >&2; exit 2; }

# "section key" term lines of the page, by "## [section]"
awk '/^## \[/ { sec = $2; gsub(/[][]/, "", sec); next } /^#/ { sec = "" }
	sec != "" && match($0, /^\*[a-z_0-9]+\* =/) {
		print sec, substr($0, 2, RLENGTH - 4)
	}' "$page5" > "$tmp/page_keys"
awk '{ print $1 }' "$tmp/keys" | sort -u | while read -r sec; do
	grep -qxF "## [$sec]" "$page5" || echo "[$sec]" >> "$tmp/missing"
done
while read -r key; do
	grep -qxF "$key" "$tmp/page_keys" || echo "$key" >> "$tmp/missing"
done < "$tmp/keys"
result "dpoctl.conf.5: every section and key of config.c ($(wc -l < "$tmp/keys"))"

while read -r m; do
	grep -qxF "*$m*" "$page5" || echo "$m" >> "$tmp/missing"
done < "$tmp/metrics"
result "dpoctl.conf.5: every metric of engine.c ($(wc -l < "$tmp/metrics"))"

# The defaults: "section key value" from dpoctl and from the page
"$dpoctl" analyze --print-config > "$tmp/config" ||
	{ echo "dpoctl analyze --print-config failed" >&2; exit 2; }
awk '/^\[/ { sec = $0; gsub(/[][]/, "", sec); next }
	NF == 3 && $2 == "=" { print sec, $1, $3 }' "$tmp/config" \
	> "$tmp/defaults"
awk -v metrics="$(tr '\n' ' ' < "$tmp/metrics")" '
	function flush(    v, k, i, pair, n, kv) {
		if (key == "")
			return
		gsub(/[ \t]+/, " ", text)
		if (ismetric && match(text, /Defaults: [^.]*(\.[0-9][^.]*)*\./)) {
			v = substr(text, RSTART + 10, RLENGTH - 11)
			n = split(v, pair, ", ")
			for (i = 1; i <= n; i++) {
				split(pair[i], kv, " = ")
				print key, kv[1], kv[2]
			}
		} else if (!ismetric && match(text, /Default: [^ ]+/)) {
			v = substr(text, RSTART + 9, RLENGTH - 9)
			sub(/\.$/, "", v)
			print sec, key, v
		} else if (!ismetric && sec != "METRIC") {
			print sec, key, "(no Default:)"
		}
		key = ""
	}
	BEGIN { n = split(metrics, m, " "); for (i = 1; i <= n; i++) is_m[m[i]] = 1 }
	/^## \[/ { flush(); sec = $2; gsub(/[][]/, "", sec); next }
	/^#/ { flush(); sec = ""; next }
	sec != "" && /^\*[a-z_0-9]+\*( =|$)/ {
		flush()
		match($0, /^\*[a-z_0-9]+\*/)
		key = substr($0, 2, RLENGTH - 2)
		ismetric = sec == "METRIC" && (key in is_m)
		text = ""
		next
	}
	key != "" { text = text " " $0 }
	END { flush() }' "$page5" > "$tmp/page_defaults"
while read -r sec key val; do
	grep -qxF "$sec $key $val" "$tmp/page_defaults" ||
		echo "$sec.$key = $val (the page: $(awk -v s="$sec" -v k="$key" \
			'$1 == s && $2 == k { $1 = $2 = ""; print substr($0, 3) }' \
			"$tmp/page_defaults"))" >> "$tmp/missing"
done < "$tmp/defaults"
grep ' (no Default:)$' "$tmp/page_defaults" >> "$tmp/missing"
result "dpoctl.conf.5: the defaults of dpoctl analyze --print-config ($(wc -l < "$tmp/defaults"))"

# ---- the example configuration ----

"$dpoctl" analyze --config "$example" --print-config > /dev/null \
	2> "$tmp/missing"
result "dpoctl.conf.example parses (dpoctl analyze --config ... --print-config)" ""

awk '/^\[/ { sec = $0; gsub(/[][]/, "", sec); next }
	/^#[a-z]/ { sub(/^#/, ""); if (NF == 3 && $2 == "=") print sec, $1, $3 }' \
	"$example" > "$tmp/example_defaults"
while read -r sec key val; do
	case $sec in
	patch) ;;	# not printed by analyze: parsed below
	*)	grep -qxF "$sec $key $val" "$tmp/defaults" ||
			echo "#$key = $val in [$sec]" >> "$tmp/missing" ;;
	esac
done < "$tmp/example_defaults"
sed 's/^#\([a-z]\)/\1/' "$example" > "$tmp/uncommented.conf"
"$dpoctl" analyze --config "$tmp/uncommented.conf" --print-config \
	> /dev/null 2>> "$tmp/missing"
result "dpoctl.conf.example: its \"#key = value\" lines are defaults, and parse ($(wc -l < "$tmp/example_defaults"))"

echo "1..$n"
[ "$failed" = 0 ]
