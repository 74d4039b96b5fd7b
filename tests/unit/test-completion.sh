#!/bin/bash
# SPDX-License-Identifier: MIT
# taskctl's bash completion, driven as bash drives it (COMP_WORDS, COMP_CWORD, then
# COMPREPLY) against the built taskctl: commands and options as --help lists them,
# routers and tasks of a workflow, job ids from a journal directory (a result entry
# written by systemd-journal-remote, as test-cli makes one), option values, and
# "--opt=value" as bash splits it. Needs no root and no systemd.
set -euo pipefail
B=${BUILD_DIR:?}
S=${SRC_DIR:?}
n=0
failed=0
ok() { n=$((n + 1)); printf 'ok %d - %s\n' "$n" "$1"; }
bad() { n=$((n + 1)); printf 'not ok %d - %s\n' "$n" "$1"; failed=1; }
. "$S/tests/unit/help-options.sh"

script=$S/shell-completion/bash/taskctl
bash -n "$script" && ok "the bash completion parses" || bad "bash -n $script"
# shellcheck source=/dev/null
. "$script"
[[ $(complete -p taskctl) == "complete -F _taskctl taskctl" ]] && ok "it completes taskctl with _taskctl" ||
        bad "complete -p taskctl: $(complete -p taskctl 2>&1)"

T=$B/taskctl
wf=$S/examples/demo.yml
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# A journal directory with one trusted result entry of uptime_every5s/uptime.
job=3F2A9C1E-5D7B-4C1A-9E4F-0A1B2C3D4E5F
remote=/lib/systemd/systemd-journal-remote
[[ -x $remote ]] || { bad "$remote is missing (tools/deps.sh installs systemd-journal-remote)"; exit 1; }
mkdir "$tmp/journal"
printf '%s\n' __REALTIME_TIMESTAMP=1700000000000000 __MONOTONIC_TIMESTAMP=1 \
        _BOOT_ID=0123456789abcdef0123456789abcdef _UID=0 MESSAGE_ID=39d34c102f1d482caf41e75fca8199a7 \
        "MESSAGE=Job 'uptime' of router 'uptime_every5s' succeeded." HERALD_JOB_ID=$job \
        HERALD_TRIGGER_ID=11111111-2222-4333-8444-555555555555 HERALD_ROUTER=uptime_every5s HERALD_TASK=uptime \
        HERALD_TRIGGER=every5s HERALD_SELECTOR=all HERALD_EXECUTOR=local_command HERALD_SUCCESS=true \
        HERALD_EXIT_CODE=0 HERALD_ERROR= 'HERALD_RESULT={}' 'HERALD_PARAM={}' \
        HERALD_INVOCATION_ID=0123456789abcdef0123456789abcdef '' |
        "$remote" -o "$tmp/journal/x.journal" - 2>/dev/null
[[ $("$T" history -D "$tmp/journal" --workflow "$wf" | cut -f8) == "$job" ]] && ok "the journal holds one result" ||
        bad "taskctl history does not show the test's result entry"

# complete WORD...: the candidates, sorted, one a line, for the last WORD (bash's own
# split: "--workflow=x" is three words "--workflow" "=" "x").
complete_words() {
        local out
        COMP_WORDS=("$T" "$@")
        COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
        COMP_LINE="${COMP_WORDS[*]}"
        COMP_POINT=${#COMP_LINE}
        COMPREPLY=()
        out=$(_taskctl 2>&1 && printf '%s\n' "${COMPREPLY[@]}")
        sort -u <<<"$out" | grep . || true
}
# expect DESCRIPTION WANT WORD...: the candidates are exactly WANT (space-separated)
expect() {
        local what=$1 want got
        want=$(tr ' ' '\n' <<<"$2" | grep . | sort -u || true)
        shift 2
        got=$(complete_words "$@")
        [[ $got == "$want" ]] && ok "$what" || bad "$what: got '$(echo $got)', expected '$(echo $want)'"
}

verbs=$("$T" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p' | sort)
[[ $(wc -l <<<"$verbs") -ge 8 ]] || bad "taskctl --help lists only: $verbs"
expect "the commands" "$verbs" ""
expect "a command's prefix" "history" his
expect "taskctl's own options" "--help --version" --
expect "a command after options (taskctl --no-pager hi)" "history" --no-pager hi
for v in $verbs; do
        expect "taskctl $v's long options, as its --help lists them" "$(help_options "$T" "$v" | grep -- '^--')" "$v" --
done
expect "a short option" "-D" history -D
expect "history: the workflow's routers" "disk_every15s print_every5s uptime_every5s" \
        history --workflow "$wf" -D "$tmp/journal" ""
expect "status: routers and job ids of the journal" "disk_every15s print_every5s uptime_every5s $job" \
        status -D "$tmp/journal" --workflow "$wf" ""
expect "logs: a job id prefix, --workflow=FILE as bash splits it" "$job" \
        logs -D "$tmp/journal" --workflow = "$wf" 3F2A
expect "--directory=DIR as bash splits it" "$job" logs --directory = "$tmp/journal" --workflow "$wf" 3F
expect "--task: the workflow's tasks" "df print_param uptime" history --workflow "$wf" --task ""
expect "--task=: the workflow's tasks" "df print_param uptime" history --workflow "$wf" --task = ""
expect "--json=: its values" "pretty short" list --json = ""
expect "--json takes no separate argument: routers follow" "uptime_every5s" \
        status --json --workflow "$wf" -D "$tmp/journal" u
expect "validate: an option without argument, then files" "" validate --strict "$tmp/none"
touch "$tmp/a.yml" "$tmp/b.yaml" "$tmp/c.txt"
mkdir "$tmp/d"
expect "validate: YAML files and directories" "$tmp/a.yml $tmp/b.yaml $tmp/d $tmp/journal" validate "$tmp/"
expect "-D: directories" "$tmp/d" history -D "$tmp/d"
expect "--since: times" "-1d -1h" history --since -1
expect "logs -o: journalctl's output modes" "short short-delta short-full short-iso short-iso-precise short-monotonic short-precise short-unix" logs -o sh
expect "logs --output=: journalctl's output modes" "json json-pretty json-seq json-sse" logs --output = js
expect "logs -p: priorities" "emerg err" logs -p e
expect "no workflow, no journal: nothing, quietly" "" history --workflow "$tmp/none.yml" -D "$tmp/d" ""
# taskctl takes the first argument that names a command, wherever it is
expect "after a word that is no command: the commands" "$verbs" frobnicate ""

touch "$tmp/d/my flow.yml"
COMP_WORDS=("$T" validate "$tmp/d/my")
COMP_CWORD=2
COMPREPLY=()
_taskctl
[[ ${#COMPREPLY[@]} == 1 && ${COMPREPLY[0]} == "$tmp/d/my flow.yml" ]] && ok "a file name with a blank is one candidate" ||
        bad "a file name with a blank: ${COMPREPLY[*]@Q}"

# The same word unsplit (COMP_WORDBREAKS without '='): the reply keeps the option.
COMP_WORDS=("$T" list --json=p)
COMP_CWORD=2
COMPREPLY=()
_taskctl
[[ ${COMPREPLY[*]} == "--json=pretty" ]] && ok "--json=p unsplit completes to --json=pretty" ||
        bad "--json=p unsplit: ${COMPREPLY[*]}"

# --- zsh: the same, through the completion function with compsys' calls (compadd,
# _describe, _files, compset) replaced by ones that print what they were given,
# filtered by the word typed as zsh would.
if ! command -v zsh >/dev/null; then
        bad "zsh is missing (tools/deps.sh installs it)"
        exit 1
fi
zscript=$S/shell-completion/zsh/_taskctl
zsh -n "$zscript" && ok "the zsh completion parses" || bad "zsh -n $zscript"
head -1 "$zscript" | grep -qx '#compdef taskctl' && ok "it is a compdef for taskctl" || bad "$zscript has no #compdef line"
cat >"$tmp/drive.zsh" <<'EOF'
script=$1; shift
words=("$@"); CURRENT=${#words}; PREFIX=${words[CURRENT]}; IPREFIX=""
out=()
compadd() { local a; [[ $1 == -a ]] && for a in ${(P)2}; do [[ $a == ${PREFIX}* ]] && out+=($a); done; return 0 }
compset() { [[ $1 == -P && $PREFIX == *=* ]] && { IPREFIX+=${PREFIX%%=*}=; PREFIX=${PREFIX#*=}; }; return 0 }
_describe() { local a; for a in ${(P)4}; do [[ $a == *:?* ]] || return 1; a=${a%%:*}; [[ $a == ${PREFIX}* ]] && out+=($a); done }
_files() { out+=("_files(${(j:,:)@})") }
source $script
print -rl -- $out
EOF
zexpect() {
        local what=$1 want got
        want=$(tr ' ' '\n' <<<"$2" | grep . | sort -u || true)
        shift 2
        got=$(zsh -f "$tmp/drive.zsh" "$zscript" "$T" "$@" 2>&1 | sort -u | grep . || true)
        [[ $got == "$want" ]] && ok "zsh: $what" || bad "zsh: $what: got '$(echo $got)', expected '$(echo $want)'"
}
zexpect "the commands, each with its summary" "$verbs" ""
zexpect "a command's prefix" "history" his
zexpect "taskctl's own options" "--help --version" --
for v in $verbs; do
        zexpect "taskctl $v's long options" "$(help_options "$T" "$v" | grep -- '^--')" "$v" --
done
zexpect "history: the workflow's routers" "disk_every15s print_every5s uptime_every5s" \
        history --workflow "$wf" -D "$tmp/journal" ""
zexpect "status: routers and job ids, --workflow=FILE" "disk_every15s print_every5s uptime_every5s $job" \
        status -D "$tmp/journal" --workflow="$wf" ""
zexpect "logs: a job id prefix" "$job" logs --directory="$tmp/journal" --workflow "$wf" 3F2A
zexpect "--task: the workflow's tasks" "df print_param uptime" history --workflow "$wf" --task ""
zexpect "--json=: its values" "pretty" list --json=p
zexpect "logs -o: journalctl's output modes" "json json-pretty json-seq json-sse" logs -o js
zexpect "logs -p: priorities" "emerg err" logs -p e
zexpect "validate: YAML files" "_files(-g,*.(yml|yaml)(-.))" validate ""
zexpect "-D: directories" "_files(-/)" history -D ""

# And through zsh's real completion system: an interactive zsh on a pty, compinit with
# our directory in $fpath, TAB.
lines=("taskctl his" "taskctl history --fai" "taskctl logs -D $tmp/journal --workflow $wf 3F2A"
       "taskctl status --workflow=$wf upt" "taskctl list --json=pre" "taskctl validate $tmp/a.y")
wants=("taskctl history" "taskctl history --failed" "taskctl logs -D $tmp/journal --workflow $wf $job"
       "taskctl status --workflow=$wf uptime_every5s" "taskctl list --json=pretty" "taskctl validate $tmp/a.yml")
mapfile -t got < <(timeout 120 zsh -f "$S/tests/unit/zsh-complete.zsh" "$S/shell-completion/zsh" "$B" "${lines[@]}")
for i in "${!lines[@]}"; do
        [[ ${got[i]:-} == "${wants[i]}" ]] && ok "zsh, compinit: '${lines[i]}' + TAB" ||
                bad "zsh, compinit: '${lines[i]}' + TAB gave '${got[i]:-}', expected '${wants[i]}'"
done

exit $failed
