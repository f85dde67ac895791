# SPDX-License-Identifier: GPL-2.0
# bash completion for dpoctl                               -*- shell-script -*-
#
# Installed as /usr/share/bash-completion/completions/dpoctl, where
# bash-completion loads it the first time dpoctl is completed.
#
# The words are those of dpoctl's tables (uctl/dpoctl.c, uctl/cmd_*.c,
# uctl/settings.c); uctl/tests/completion_test.sh fails when dpoctl's help or
# sources name a command or an option that is not offered here.
#
# Live objects (session names, instance pids, listener ids) are asked of the
# module by running the dpoctl being completed; that needs the module loaded
# and CAP_NET_ADMIN, and otherwise quietly offers nothing.
#
# COMPREPLY=($(compgen ...)) splits on blanks, which no word given to
# compgen here has (bash-completion's own idiom):
# shellcheck disable=SC2207

# dpoctl is only run when the module is loaded: looking its netlink family
# up makes the kernel load dpo.ko (the family's module alias) if it is
# installed, and a TAB must not do that. (The test points it elsewhere.)
_dpoctl_module=/sys/module/dpo

_dpoctl_objects='version status session instance listener conn drain monitor
analyze patch rollback promote help'

# The commands of an object ("" for a command of its own).
_dpoctl_subcommands()
{
    case $1 in
        session) echo new set del end list owner ;;
        instance) echo add del show ;;
        listener) echo add del list show ;;
        conn) echo list ;;
    esac
}

# Append the WORDs that start with $cur to COMPREPLY, quoted for the shell:
# a session name may hold spaces.
_dpoctl_offer()
{
    local w q
    for w; do
        [[ $w == "$cur"* ]] || continue
        printf -v q '%q' "$w"
        COMPREPLY+=("$q")
    done
}

# Offer the values of "KEY" in what `DPOCTL -j ARGS...` prints (a JSON
# array of objects). A completion must neither print nor hang: errors go
# nowhere, and a dpoctl that does not answer within 2 seconds is given up.
# Names that need JSON escapes (quotes, backslashes, control bytes) are
# left out rather than guessed.
_dpoctl_live()
{
    local dpoctl=$1 key=$2 json re vals=()
    [[ -d $_dpoctl_module ]] || return 0
    json=$(timeout 2 "$dpoctl" -j "${@:3}" </dev/null 2>/dev/null) || return 0
    re='"'$key'":("([^"\\]*)"|([0-9]+))'
    while [[ $json =~ $re ]]; do
        vals+=("${BASH_REMATCH[2]}${BASH_REMATCH[3]}")
        json=${json#*"${BASH_REMATCH[0]}"}
    done
    _dpoctl_offer "${vals[@]}"
}

# SECTION.KEY= for --set: what `dpoctl analyze --print-config` prints (no
# module needed, and it follows the engine's metrics), plus for patch the
# [patch] keys, which analyze has no use for and leaves out (the table is
# uctl/config.c's; the test checks it).
_dpoctl_settings()
{
    local dpoctl=$1 line section keys=()
    [[ $cur == *=* ]] && return # the value is being typed
    while IFS= read -r line; do
        case $line in
            \[*\]) section=${line:1:-1} ;;
            *' = '*) keys+=("$section.${line%% = *}=") ;;
        esac
    done < <(timeout 2 "$dpoctl" analyze --print-config </dev/null 2>/dev/null)
    if [[ $2 == patch ]]; then
        for line in exposure step_s drain_deadline_s drain_idle_mark \
            drain_min_requests stop_grace_s keep_original_s; do
            keys+=("patch.$line=")
        done
    fi
    COMPREPLY=($(compgen -W "${keys[*]}" -- "$cur"))
    # the value follows the "="
    compopt -o nospace
}

# Offer WORDS; "canary:" wants its share typed right after it.
_dpoctl_words()
{
    COMPREPLY=($(compgen -W "$1" -- "$cur"))
    [[ ${COMPREPLY[*]} == canary: ]] && compopt -o nospace
}

_dpoctl()
{
    # shellcheck disable=SC2034 # split is _init_completion's
    local cur prev words cword split
    # -n : keeps canary:PCT one word; -s splits --opt=value
    _init_completion -s -n : || return

    local dpoctl=$1 i j cmd sub

    # dpoctl's own options come first: it stops at the first other word
    for ((i = 1; i < cword; i++)); do
        [[ ${words[i]} == -* ]] || break
    done
    if ((i == cword)); then
        if [[ $cur == -* ]]; then
            _dpoctl_words '-j --json -h --help -V --version'
        else
            _dpoctl_words "$_dpoctl_objects"
        fi
        return
    fi

    cmd=${words[i]}
    sub=$(_dpoctl_subcommands "$cmd")
    if [[ $sub ]]; then
        if ((i + 1 == cword)); then
            _dpoctl_words "$sub help"
            return
        fi
        cmd+=" ${words[++i]}"
    fi

    # The options that take a value, and those that do not; -h and --help
    # are taken everywhere.
    local settings='--config --set --alpha --duration --baseline --promote-after'
    local ending='--drain-deadline --drain-idle-mark --drain-min-requests
                  --stop-grace --log --alert-exec'
    local opts='' flags='--help'
    case $cmd in
        drain)
            opts='--deadline --idle-mark --min-requests'
            flags+=' --wait'
            ;;
        'conn list') opts='--pid' ;;
        analyze)
            opts="$settings --session"
            flags+=' --print-config --live'
            ;;
        patch)
            opts="$settings --pid --patched-pid --port --interval --exposure
                  --step $ending --keep-original --metrics-file --output"
            flags+=' --json --no-syslog --log-intervals --own-credentials'
            ;;
        rollback)
            opts=$ending
            flags+=' --no-syslog'
            ;;
        promote)
            opts="$ending --keep-original"
            flags+=' --no-syslog'
            ;;
    esac
    opts=" ${opts//$'\n'/ } " # for matching " $word "

    # The positional arguments before the word being completed; "--" ends
    # the options (for patch, the patched command follows it).
    local args=() dashdash=
    for ((j = i + 1; j < cword; j++)); do
        if [[ $dashdash ]]; then
            args+=("${words[j]}")
        elif [[ ${words[j]} == -- ]]; then
            dashdash=$j
        elif [[ ${words[j]} == -* ]]; then
            # skip the option's value unless it came with "="
            [[ ${words[j]} != *=* && $opts == *" ${words[j]} "* ]] &&
                ((j++))
        else
            args+=("${words[j]}")
        fi
    done

    if [[ $cmd == patch && $dashdash ]]; then
        # complete the patched command as its own command line; COMP_WORDS
        # (split at COMP_WORDBREAKS, unlike words) has its own index of "--"
        for ((j = 1; j < COMP_CWORD; j++)); do
            [[ ${COMP_WORDS[j]} == -- ]] && break
        done
        _command_offset $((j + 1))
        return
    fi

    # The value of an option (after a space, or after "=" once split).
    if [[ ! $dashdash && $prev == --* && $opts == *" $prev "* ]]; then
        case $prev in
            --config | --log | --output | --metrics-file) _filedir ;;
            --pid | --patched-pid)
                # conn list filters on the module's instances
                if [[ $cmd == 'conn list' ]]; then
                    _dpoctl_live "$dpoctl" pid instance show
                else
                    _pids
                fi
                ;;
            --session) _dpoctl_live "$dpoctl" name session list ;;
            --set) _dpoctl_settings "$dpoctl" "$cmd" ;;
            --exposure) _dpoctl_words 'both patched canary:' ;;
            --alert-exec) COMPREPLY=($(compgen -c -- "$cur")) ;;
        esac
        # the rest are durations, numbers, ports and marks: nothing to offer
        __ltrim_colon_completions "$cur"
        return
    fi

    if [[ $cur == -* && ! $dashdash ]]; then
        _dpoctl_words "$flags $opts"
        return
    fi

    case "$cmd ${#args[@]}" in
        'session new 0' | 'patch 0') ;; # a new session's name
        'session new 1' | 'session set 1') _dpoctl_words interval ;;
        'session set 0' | 'session del 0' | 'session end 0' | \
            'session owner 0' | 'instance add 0' | 'listener add 0' | \
            'conn list 0' | 'drain 0' | 'rollback 0' | 'promote 0')
            _dpoctl_live "$dpoctl" name session list
            ;;
        'session owner 1') _dpoctl_words 'original patched both canary:' ;;
        'instance add 1' | 'listener add 1') _pids ;;
        'instance add 2' | 'drain 1') _dpoctl_words 'original patched' ;;
        'instance del 0' | 'instance show 0')
            _dpoctl_live "$dpoctl" pid instance show
            ;;
        'listener add 2') _dpoctl_words port ;; # or an FD number
        'listener del 0' | 'listener show 0')
            _dpoctl_live "$dpoctl" id listener list
            ;;
        'monitor 0') _dpoctl_words 'samples events all count' ;;
        'monitor 1') [[ ${args[0]} != count ]] && _dpoctl_words count ;;
        'analyze 0') _filedir ;; # a recording, - for stdin, or --live
        'help 0') _dpoctl_words "$_dpoctl_objects" ;;
        'help 1') _dpoctl_words "$(_dpoctl_subcommands "${args[0]}")" ;;
        *)
            # no argument due here: the options, when there are some
            [[ $flags != --help && ! $dashdash ]] &&
                _dpoctl_words "$flags $opts"
            ;;
    esac
    __ltrim_colon_completions "$cur"
} &&
    complete -F _dpoctl dpoctl

# ex: filetype=sh
