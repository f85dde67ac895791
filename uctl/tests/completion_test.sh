#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Tests of the bash completion of dpoctl:
#   completion_test.sh DPOCTL COMPLETION
# DPOCTL is the built dpoctl, COMPLETION the completion file: dpoctl's help
# and sources (this directory's parent) must name no command, subcommand
# or option the completion misses.
# The module's live objects come from a stub dpoctl first in PATH that
# prints the JSON the real one prints (print_*_test.c check those shapes);
# the real dpoctl only ever runs for help and analyze --print-config, which
# need no module. One TAP line per check, like the C tests.
set -u

real=$(realpath "$1")
completion=$(realpath "$2")
src=$(cd "$(dirname "$0")/.." && pwd)
bc=/usr/share/bash-completion/bash_completion

tests=0 failed=0
result()	# OK NAME [DETAIL...]
{
	local ok=$1 name=$2
	shift 2
	tests=$((tests + 1))
	if [ "$ok" = 0 ]; then
		echo "ok $tests - $name"
	else
		failed=$((failed + 1))
		echo "not ok $tests - $name"
		printf '#   %s\n' "$@"
	fi
}

if [ ! -r "$bc" ]; then
	result 1 "bash-completion installed" "no $bc (apt-get install bash-completion)"
	echo "1..$tests"
	exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/bin" "$tmp/sys-module-dpo" "$tmp/files"
touch "$tmp/files/conf.ini" "$tmp/files/config.old"

# The stub: -j session/instance/listener lists as a loaded module gives them
# (sessions "e2e", "db" and "my db"; instances 4242, 4243; listeners 7, 8);
# STUB_FAIL: the module is not loaded; STUB_SLEEP: a dpoctl that hangs.
# Every call is logged, to see whether it was asked at all.
cat >"$tmp/bin/dpoctl" <<EOF
#!/bin/bash
echo "\$*" >>"$tmp/stub.log"
[ -z "\${STUB_SLEEP-}" ] || sleep "\$STUB_SLEEP"
case "\$*" in
"-j session list"|"-j instance show"|"-j listener list")
	if [ -n "\${STUB_FAIL-}" ]; then
		echo 'dpoctl: dpo module not loaded (family "dpo" not found)' >&2
		exit 2
	fi ;;
esac
case "\$*" in
"-j session list")
	echo '[{"name":"e2e","interval_ms":50,"instances":2,"owner":"canary","canary_pct":20,"switch_time_ns":1234500000000},{"name":"db","interval_ms":50,"instances":2,"owner":"original","canary_pct":0,"switch_time_ns":1234500000000},{"name":"my db","interval_ms":100,"instances":0,"owner":"both","canary_pct":0,"switch_time_ns":0}]' ;;
"-j instance show")
	echo '[{"session":"db","pid":4242,"role":"original","start_time_ns":0,"stats":{"threads":4,"cpu_ns":9900000000,"run_delay_ns":0,"nvcsw":0,"nivcsw":0,"min_flt":0,"maj_flt":0,"rss_bytes":0,"seq":2,"timestamp_ns":1234500000000,"conns_accepted":10,"conns_active":2,"requests":500,"bytes_in":1000000,"bytes_out":2000000,"accepted_per_s":null,"requests_per_s":null,"bytes_in_per_s":null,"bytes_out_per_s":null,"lat_p50_us":null,"lat_p99_us":null,"lat_mean_us":null,"lat_hist":null}},{"session":"db","pid":4243,"role":"patched","start_time_ns":0,"stats":{"threads":null,"cpu_ns":null,"run_delay_ns":null,"nvcsw":null,"nivcsw":null,"min_flt":null,"maj_flt":null,"rss_bytes":null,"seq":null,"timestamp_ns":null,"conns_accepted":null,"conns_active":null,"requests":null,"bytes_in":null,"bytes_out":null,"accepted_per_s":null,"requests_per_s":null,"bytes_in_per_s":null,"bytes_out_per_s":null,"lat_p50_us":null,"lat_p99_us":null,"lat_mean_us":null,"lat_hist":null}}]' ;;
"-j listener list")
	echo '[{"id":7,"session":"db","family":"inet","address":"127.0.0.1","port":5432,"accepted_original":10,"accepted_patched":20,"accepted_other":8589934592},{"id":8,"session":"e2e","family":"inet6","address":"::","port":5555,"accepted_original":0,"accepted_patched":0,"accepted_other":0}]' ;;
*)
	exec "$real" "\$@" ;;
esac
EOF
chmod +x "$tmp/bin/dpoctl"
PATH=$tmp/bin:$PATH

# shellcheck source=/dev/null
. "$bc"
# shellcheck source=/dev/null
. "$completion"
_dpoctl_module=$tmp/sys-module-dpo	# "loaded"

# compopt only works under readline: remember what was asked instead
compopt() { [[ $* == *'-o nospace'* ]] && nospace=1; return 0; }

# Complete LINE at its end as readline does. COMP_WORDS are LINE's words,
# split again at "=" and ":" (COMP_WORDBREAKS), a run of them being a word
# of its own; the last word is empty when LINE ends with a space. Sets
# COMPREPLY and nospace; what the completion printed is in $tmp/out.
complete_line()
{
	local w words
	COMP_LINE=$1
	COMP_POINT=${#1}
	COMP_WORDS=()
	read -ra words <<<"$1"
	for w in "${words[@]}"; do
		while [[ $w =~ ^([^=:]*)([=:]+)(.*)$ ]]; do
			[[ ${BASH_REMATCH[1]} ]] && COMP_WORDS+=("${BASH_REMATCH[1]}")
			COMP_WORDS+=("${BASH_REMATCH[2]}")
			w=${BASH_REMATCH[3]}
		done
		[[ $w ]] && COMP_WORDS+=("$w")
	done
	[[ $1 == *' ' ]] && COMP_WORDS+=('')
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	nospace=
	_dpoctl dpoctl "${COMP_WORDS[COMP_CWORD]}" \
		"${COMP_WORDS[COMP_CWORD - 1]}" >"$tmp/out" 2>&1
}

# NAME LINE WORD...: completing LINE offers exactly WORDs, printing nothing.
want()
{
	local name=$1 line=$2 got exp
	shift 2
	complete_line "$line"
	got=$( ((${#COMPREPLY[@]})) && printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ')
	exp=$( (($#)) && printf '%s\n' "$@" | sort | tr '\n' ' ')
	[[ $got == "$exp" && ! -s $tmp/out ]]
	result $? "$name" "line: \"$line\"" "got:  $got" "want: $exp" \
		"printed: $(cat "$tmp/out")"
}

# NAME LINE WORD...: completing LINE offers (at least) every WORD, printing
# nothing; the missing ones are listed.
want_all()
{
	local name=$1 line=$2 w missing=()
	shift 2
	complete_line "$line"
	for w; do
		[[ " ${COMPREPLY[*]} " == *" $w "* ]] || missing+=("$w")
	done
	[[ ${#missing[@]} == 0 && ! -s $tmp/out ]]
	result $? "$name" "line: \"$line\"" "missing: ${missing[*]}" \
		"printed: $(cat "$tmp/out")"
}

# ---- commands, options, values ----

want "objects" "dpoctl " version status session instance listener conn \
	drain monitor analyze patch rollback promote help
want "global options" "dpoctl -" -j --json -h --help -V --version
want "an object after a global option" "dpoctl -j ses" session
want "session's commands" "dpoctl session " new set del end list owner help
want "help's objects, then commands" "dpoctl help listener " add del list show
want "patch's drain options" "dpoctl patch db --pid 1 --drain-" \
	--drain-deadline --drain-idle-mark --drain-min-requests
want "patch: options where no argument is due" "dpoctl patch db --pid 1 --exp" \
	--exposure
want "patch --exposure values" "dpoctl patch db --exposure " \
	both patched canary:
complete_line "dpoctl session owner db can"
[[ ${COMPREPLY[*]} == canary: && $nospace ]]
result $? "session owner canary: without a space" "got: ${COMPREPLY[*]}"
want "a value skipped: --step's" "dpoctl patch db --step 2s --no-s" --no-syslog
want "drain's role" "dpoctl drain db " original patched
want "drain's options after the role" "dpoctl drain db patched --" \
	--deadline --idle-mark --min-requests --wait --help
want "a duration: nothing" "dpoctl drain db patched --deadline " 
want "monitor's groups" "dpoctl monitor " samples events all count
want "monitor: count after a group" "dpoctl monitor events " count
want "monitor: nothing after count" "dpoctl monitor count "
want "session new: interval" "dpoctl session new db " interval
want "analyze --set: keys of a section" "dpoctl analyze --set rule." \
	rule.smooth_s= rule.duration_s=
[[ $nospace ]]
result $? "analyze --set: no space after the ="
want "analyze --set=: keys after the =" "dpoctl analyze --set=rule.du" \
	rule.duration_s=
want "analyze --set: nothing once at the value" \
	"dpoctl analyze --set rule.duration_s="
want "patch --exposure=: values after the =" "dpoctl patch db --exposure=can" \
	canary:
want "drain --deadline=: nothing" "dpoctl drain db patched --deadline="
want "analyze --set: no [patch] keys" "dpoctl analyze --set pat"
want "patch --set: the [patch] keys" "dpoctl patch db --set patch.st" \
	patch.step_s= patch.stop_grace_s=
want_all "analyze --set: a metric's keys" "dpoctl analyze --set lat_p99." \
	lat_p99.enabled= lat_p99.sequential= lat_p99.deviation_pct= \
	lat_p99.floor= lat_p99.weight=
want "patch --config: files" "dpoctl patch db --config $tmp/files/co" \
	"$tmp/files/conf.ini" "$tmp/files/config.old"
want "analyze: a recording" "dpoctl analyze $tmp/files/conf." \
	"$tmp/files/conf.ini"
want_all "patch --pid: process ids" "dpoctl patch db --pid " $$
want_all "patch -- : a command" "dpoctl patch db --pid 1 -- bas" bash

# ---- the module's live objects ----

want "drain: session names" "dpoctl drain " e2e db 'my\ db'
want "session del: a name by its start" "dpoctl session del d" db
want "analyze --session: names" "dpoctl analyze --session e" e2e
want "instance del: instance pids" "dpoctl instance del " 4242 4243
want "conn list --pid: instance pids" "dpoctl conn list db --pid 424" 4242 4243
want "listener show: listener ids" "dpoctl listener show " 7 8
want "patch: no names for a new session" "dpoctl patch "

: >"$tmp/stub.log"
STUB_FAIL=1 want "module not loaded: no names, no message" "dpoctl drain "
[[ -s $tmp/stub.log ]]
result $? "module not loaded: dpoctl was asked" "$(cat "$tmp/stub.log")"

_dpoctl_module=$tmp/none
: >"$tmp/stub.log"
want "no module in sysfs: no names" "dpoctl session del "
[[ ! -s $tmp/stub.log ]]
result $? "no module in sysfs: dpoctl not run (no autoload)" \
	"ran: $(cat "$tmp/stub.log")"
_dpoctl_module=$tmp/sys-module-dpo

start=$(date +%s)
STUB_SLEEP=10 want "a hanging dpoctl: no names" "dpoctl listener del "
[ $(($(date +%s) - start)) -le 5 ]
result $? "a hanging dpoctl is given up (timeout 2s)" \
	"took $(($(date +%s) - start))s"

# ---- drift: what dpoctl's help and sources name is offered ----

# The words of the "Commands:" list of a help: NAME ARGS, or OBJECT NAME ARGS.
commands() { "$real" "$@" | sed -n '/^Commands:/,/^$/p' | grep '^  [a-z]'; }

objs=$(commands --help | awk '{ print $1 }' | sort -u)
[ -n "$objs" ]
result $? "dpoctl --help lists commands"
for o in $objs; do
	want_all "dpoctl --help's $o is offered" "dpoctl " "$o"
	want_all "help's $o is offered after help" "dpoctl help " "$o"
	# an object's help lists its commands; a command's is its usage
	subs=$("$real" help "$o" | grep -q '^Commands:' &&
		commands help "$o" | awk '{ print $2 }')
	for s in $subs; do
		want_all "dpoctl help $o's $s is offered" "dpoctl $o " "$s"
	done
done

# Each command's options, as its usage names them, are offered.
for c in drain analyze patch rollback promote "conn list"; do
	# shellcheck disable=SC2086 # "conn list" is two words
	opts=$("$real" help $c | head -1 | grep -o -- '--[a-z][a-z-]*' | sort -u)
	# shellcheck disable=SC2086
	want_all "dpoctl help $c's options are offered" "dpoctl $c x --" $opts
done

# Each command's options, as its parser names them ("--flag" strings), are
# offered, and nothing else but --help.
literals() { cat "$@" | grep -o '"--[a-z][a-z-]*"' | tr -d '"' | sort -u; }
# shellcheck disable=SC2046 # one word per option
{
	want "drain's parser's options" "dpoctl drain x --" --help \
		$(literals "$src/cmd_drain.c")
	want "conn list's parser's options" "dpoctl conn list --" --help \
		$(literals "$src/cmd_conn.c")
	want "analyze's parser's options" "dpoctl analyze --" --help \
		$(literals "$src/cmd_analyze.c" "$src/settings.c")
	want "patch's parser's options" "dpoctl patch x --" --help \
		$(literals "$src/cmd_patch.c" "$src/settings.c")
	want "promote's parser's options" "dpoctl promote x --" --help \
		$(literals "$src/cmd_rollback.c")
	want "rollback's: promote's but --keep-original" "dpoctl rollback x --" \
		--help $(literals "$src/cmd_rollback.c" | grep -vx -- --keep-original)
}

# Every SECTION.KEY of the settings table (config.c) is offered to patch;
# the metrics' keys, whose section is NULL there, are checked above.
keys=$(sed -n 's/^\t{ "\([a-z]*\)", "\([a-z_]*\)",.*/\1.\2=/p' "$src/config.c")
[ -n "$keys" ]
result $? "config.c's settings table is found"
# shellcheck disable=SC2086
want_all "config.c's settings are offered to patch --set" \
	"dpoctl patch x --set " $keys

echo "1..$tests"
[ "$failed" = 0 ]
