#!/bin/bash
# SPDX-License-Identifier: MIT
# The man pages say what the programs do (issue 13): for taskctl and each of its
# commands, herald-generator and heraldd, the options --help prints are the options the
# man page lists, both ways; every page renders without a groff warning; every HERALD_*
# field src/ writes to the journal is in herald-journal-fields(7) and nothing there is
# invented; every section, key, type and unit: setting the workflow loader knows is in
# herald.workflow(5). Needs no root.
set -euo pipefail
B=${BUILD_DIR:?}
S=${SRC_DIR:?}
M=$B/man
n=0
failed=0
ok() { n=$((n + 1)); printf 'ok %d - %s\n' "$n" "$1"; }
bad() { n=$((n + 1)); printf 'not ok %d - %s\n' "$n" "$1"; failed=1; }

. "$S/tests/unit/help-options.sh"

# man_options PAGE sh TITLE | ss WORD: the options a page lists as .TP (or .TQ) tags in
# the section titled TITLE (.SH), or in the subsection whose title starts with WORD
# (.SS). A subsection that refers to "Read options" gets that subsection's options too.
man_options() {
        local page=$1 kind=$2 name=$3 out
        out=$(awk -v kind="$kind" -v name="$name" '
                function title(   t) { t = $0; sub(/^\.S[HS] +/, "", t); gsub(/"/, "", t); return t }
                /^\.SH / { cur = (kind == "sh" && title() == name); tag = 0; next }
                /^\.SS / { if (kind == "ss") { split(title(), w, " "); cur = (w[1] == name) } tag = 0; next }
                !cur { next }
                /^\.T[PQ]/ { tag = 1; next }
                tag {
                        tag = 0
                        line = $0
                        gsub(/\\f[BIRP]/, "", line); gsub(/\\-/, "-", line)
                        if (line !~ /^(\.B[IR]? +)?"?-/) next
                        while (match(line, /(^|[ "])--?[A-Za-z][A-Za-z0-9-]*/)) {
                                o = substr(line, RSTART, RLENGTH); sub(/^[ "]/, "", o); sub(/^\.B[IR]? +/, "", o)
                                print o
                                line = substr(line, RSTART + RLENGTH)
                        }
                        next
                }
                /\\fBRead options\\fR/ { print "@read" }
        ' "$page")
        if grep -qx '@read' <<<"$out"; then
                out+=$'\n'$(man_options "$page" ss Read)
        fi
        grep -v '^@read$' <<<"$out" | grep . | sort -u || true
}

# compare WHAT HELP-OPTIONS MAN-OPTIONS
compare() {
        local d
        if [[ -z $3 ]]; then
                bad "$1: the man page lists no options"
        elif d=$(diff <(echo "$2") <(echo "$3")); then
                ok "$1: both list the same ($(echo $2))"
        else
                bad "$1: --help (<) and the man page (>) differ:"$'\n'"$d"
        fi
}

for p in taskctl.1 herald.workflow.5 herald-journal-fields.7 herald-generator.8 heraldd.8 herald-runner.8; do
        [[ -s $M/$p ]] && ok "$p is built" || bad "$p is not built in $M"
done

# --- options, both ways
taskctl=$B/taskctl
compare "taskctl" "$(help_options "$taskctl")" "$(man_options "$M/taskctl.1" sh OPTIONS)"
verbs=$("$taskctl" --help | sed -n '/^Commands:/,/^$/p' | sed -nE 's/^  ([a-z][a-z-]*) .*/\1/p' | sort)
[[ -n $verbs ]] || bad "taskctl --help lists no commands"
man_verbs=$(awk '/^\.SH /{c = ($2 == "COMMANDS")} c && /^\.SS /{t = $0; sub(/^\.SS +"?/, "", t); split(t, w, " "); print w[1]}' \
            "$M/taskctl.1" | grep -vx Read | sort)
compare "taskctl commands" "$verbs" "$man_verbs"
for v in $verbs; do
        compare "taskctl $v" "$(help_options "$taskctl" "$v")" "$(man_options "$M/taskctl.1" ss "$v")"
done
compare "herald-generator" "$(help_options "$B/generator/herald-generator")" "$(man_options "$M/herald-generator.8" sh OPTIONS)"
compare "heraldd" "$(help_options "$B/src/heraldd/heraldd")" "$(man_options "$M/heraldd.8" sh OPTIONS)"
compare "herald-runner" "$(help_options "$B/src/runner/herald-runner")" "$(man_options "$M/herald-runner.8" sh OPTIONS)"

# The comparison itself must be able to fail: an option only the help has is found.
fake=$(help_options printf 'Usage: x [--help]\n\nOptions:\n  -z, --zap   Zap\n      --only-here=X  Mentions --not-an-option,\n      --wrapped), too\n')
[[ $fake == $'--help\n--only-here\n--zap\n-z' ]] && ok "help_options reads option lines and usage only" ||
        bad "help_options read: $fake"

# --- rendering
command -v man >/dev/null || { bad "man is missing (tools/deps.sh installs man-db)"; exit 1; }
for f in "$M"/*.[1-8]; do
        for w in --warnings --warnings=all; do
                out=$(LC_ALL=C.UTF-8 MANWIDTH=80 man "$w" -l "$f" 2>&1 >/dev/null) || true
                [[ -z $out ]] && ok "$(basename "$f") renders without a warning (man $w -l)" ||
                        bad "$(basename "$f"): man $w -l: $out"
        done
        LC_ALL=C.UTF-8 MANWIDTH=80 man -l "$f" 2>/dev/null | grep -q '@[A-Z_]*@' &&
                bad "$(basename "$f") has an unfilled @VARIABLE@" || ok "$(basename "$f") has its paths filled in"
done

# --- HERALD_* journal fields: every name in a string literal of src/ or generator/ is a
# journal field documented in herald-journal-fields(7), or one of these environment
# variables, each documented in some other page.
env_vars=(HERALD_EXECUTE_PARAM HERALD_TRIGGER_PARAM HERALD_SELECT_PARAM HERALD_WORKFLOW HERALD_LOG_LEVEL)
written=$(find "$S/src" "$S/generator" -name '*.[ch]' -exec grep -ohE '"([^"\\]|\\.)*"' {} + |
          grep -oE '\bHERALD_[A-Z0-9_]+' | sort -u | grep -vxF -f <(printf '%s\n' "${env_vars[@]}"))
documented=$(sed -nE 's/^\.B (HERALD_[A-Z0-9_]+)$/\1/p' "$M/herald-journal-fields.7" | sort -u)
compare "journal fields (src/ writes < , herald-journal-fields(7) lists >)" "$written" "$documented"
for v in "${env_vars[@]}"; do
        grep -lE "(\\\\fB|^\\.B )$v(\\\\f|\$)" "$M"/*.[1-8] | grep -qv herald-journal-fields &&
                ok "environment variable $v is documented" || bad "environment variable $v is in no man page"
done
for id in $(grep -oE '"[0-9a-f]{32}"' "$S/src/shared/herald-ids.h" | tr -d '"'); do
        grep -qx ".B $id" "$M/herald-journal-fields.7" && ok "MESSAGE_ID $id is documented" ||
                bad "MESSAGE_ID $id is not in herald-journal-fields(7)"
done

# --- every man: link herald installs (units, catalog, generated units) names a page we build
links=$(grep -rhoE 'man:[a-z][a-z0-9._-]*\([1-8]\)' "$S/units" "$S/catalog" "$S/generator" "$S/src" | sort -u)
[[ -n $links ]] || bad "found no man: links"
for l in $links; do
        page=${l#man:}; page=${page%(*}.${l//[^0-9]/}
        [[ -s $M/$page ]] && ok "$l is built" || bad "$l is linked, but there is no such page in $M"
done

# journald reads the catalog (as --update-catalog does on install) with its links
cat_root=$(mktemp -d)
trap 'rm -rf "$cat_root"' EXIT
mkdir -p "$cat_root/usr/lib/systemd/catalog"
cp "$S/catalog/herald.catalog" "$cat_root/usr/lib/systemd/catalog/"
journalctl --root="$cat_root" --update-catalog 2>/dev/null
for id in $(grep -oE '"[0-9a-f]{32}"' "$S/src/shared/herald-ids.h" | tr -d '"'); do
        journalctl --root="$cat_root" --dump-catalog "$id" 2>/dev/null | grep -qx 'Documentation: man:herald-journal-fields(7)' &&
                ok "catalog entry $id links herald-journal-fields(7)" || bad "catalog entry $id: no link to herald-journal-fields(7)"
done

# --- herald.workflow(5): every name the loader knows, in bold
wf=$M/herald.workflow.5
names=$( {
        tr '\n' ' ' <"$S/src/shared/workflow.c" |
                grep -oE 'static const char \*const (section_names|router_keys|task_keys|trigger_types|selector_types|executor_types|concurrency_names)\[[^]]*\] = \{[^}]*\}' |
                grep -oE '"[a-z_]+"'
        grep -oE '\{ "[a-z_]+", PARAM_' "$S/src/shared/params.c" | grep -oE '"[a-z_]+"'
        grep -oE '^ *\{ "[A-Za-z]+", "' "$S/src/shared/unit-settings.c" | grep -oE '"[A-Za-z]+"'
} | tr -d '"' | sort -u)
[[ $(wc -l <<<"$names") -gt 60 ]] || bad "found only $(wc -l <<<"$names") workflow names in src/shared: the extraction broke"
missing=()
for k in $names; do
        grep -qE "(\\\\fB|^\\.BR? )$k(\\\\f|\$| )" "$wf" || missing+=("$k")
done
((${#missing[@]} == 0)) && ok "herald.workflow(5) describes all $(wc -l <<<"$names") sections, keys, types and unit settings" ||
        bad "herald.workflow(5) lacks: ${missing[*]}"

exit $failed
