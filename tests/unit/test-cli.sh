#!/bin/bash
# SPDX-License-Identifier: MIT
# What every program says about itself, and taskctl's command line as a systemctl user
# types it: --version everywhere, options before the verb, "did you mean" for a verb
# or router, exit 4 for an unknown router. Needs no systemd (an empty journal directory).
set -euo pipefail
B=${BUILD_DIR:?}
S=${SRC_DIR:?}
n=0
ok() { n=$((n + 1)); printf 'ok %d - %s\n' "$n" "$1"; }
fail() { printf 'not ok - %s\n' "$1" >&2; exit 1; }
# expect WANT-RC WANT-TEXT DESCRIPTION COMMAND...: the exit status and a part of the output
expect() {
        local want_rc=$1 want=$2 what=$3 rc=0 out
        shift 3
        out=$("$@" 2>&1) || rc=$?
        [[ $rc == "$want_rc" ]] || fail "$what: exit $rc, expected $want_rc: $out"
        [[ $out == *"$want"* ]] || fail "$what: '$want' is not in: $out"
        ok "$what"
}

for p in taskctl generator/herald-generator src/activate/herald-activate src/exec/herald-exec \
         src/done/herald-done src/git/herald-git src/heraldd/heraldd; do
        expect 0 "$(basename "$p") (herald) " "$(basename "$p") --version" "$B/$p" --version
done

# What a program loads at start (its DT_NEEDED): the two programs of every job load no
# libsystemd and no libcrypto (herald-done opens libsystemd when it needs it), and
# heraldd opens libcrypto only when a signed trigger or a chain needs it
# (libcrypto-dl.c: 1.4 MB of an idle heraldd's RSS otherwise).
needed() { readelf -d "$B/$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | paste -sd' '; }
[[ $(needed src/heraldd/heraldd) == *libc.so* ]] || fail "readelf does not list heraldd's libraries"
for p in src/exec/herald-exec src/done/herald-done src/heraldd/heraldd; do
        [[ $(needed "$p") != *libcrypto* ]] || fail "$p links libcrypto: $(needed "$p")"
        ok "$(basename "$p") does not link libcrypto"
done
for p in src/exec/herald-exec src/done/herald-done; do
        [[ $(needed "$p") != *libsystemd* ]] || fail "$p links libsystemd: $(needed "$p")"
        ok "$(basename "$p") does not link libsystemd"
done

for v in validate plan apply reload list status logs history; do
        expect 2 "taskctl: Unknown option '--bogus'; see 'taskctl $v --help'." "$v: an unknown option, exit 2, one style" \
                "$B/taskctl" "$v" --bogus
done
expect 2 "Option '-n' needs an argument" "a missing option argument: exit 2" "$B/taskctl" history -n
expect 2 "Invalid --lines= count 'abc'" "a bad option value: exit 2" "$B/taskctl" history -n abc
expect 2 "list takes none" "an extra argument: exit 2" "$B/taskctl" list extra

# a journal with one entry that is no result (history reads it and finds nothing)
empty=$(mktemp -d)
trap 'rm -rf "$empty"' EXIT
remote=/lib/systemd/systemd-journal-remote
[[ -x $remote ]] || fail "$remote is missing (tools/deps.sh installs systemd-journal-remote)"
printf '__REALTIME_TIMESTAMP=1700000000000000\n__MONOTONIC_TIMESTAMP=1\n_BOOT_ID=0123456789abcdef0123456789abcdef\nMESSAGE=hello\n\n' |
        "$remote" -o "$empty/x.journal" - 2>/dev/null
wf=$S/examples/demo.yml
for v in validate plan; do
        expect 0 '{' "$v --json=pretty" "$B/taskctl" "$v" --json=pretty "$wf"
        [[ $("$B/taskctl" "$v" --json=pretty "$wf" | wc -l) -gt 3 && $("$B/taskctl" "$v" --json "$wf" | wc -l) == 1 ]] ||
                fail "$v: --json=pretty is not indented or --json not compact"
        ok "$v: --json compact, --json=pretty indented"
        expect 2 "Invalid --json= mode 'bad'" "$v --json=bad: exit 2" "$B/taskctl" "$v" --json=bad "$wf"
done

expect 2 "Unknown command 'histroy'; did you mean 'history'?" "a misspelt verb gets a hint" "$B/taskctl" histroy
expect 2 "Unknown command 'frobnicate'. See 'taskctl --help'." "an unknown verb" "$B/taskctl" frobnicate
expect 0 "" "options before the verb (taskctl --no-pager history)" \
        "$B/taskctl" --no-pager -D "$empty" history --workflow "$wf"
expect 4 "No router 'uptime_evry5s' in '$wf'; did you mean 'uptime_every5s'?" "history of an unknown router: exit 4, a hint" \
        "$B/taskctl" history -D "$empty" --workflow "$wf" uptime_evry5s
expect 0 "" "history of a known router without results: exit 0" \
        "$B/taskctl" history -D "$empty" --workflow "$wf" uptime_every5s
# on a terminal (script(1) makes one): systemd's pager and colour variables
if command -v script >/dev/null; then
        tty() { TERM=xterm script -qc "$*" /dev/null; }
        out=$(tty SYSTEMD_PAGER="'sed s/^/PAGED:/'" "$B/taskctl" list -D "$empty" --workflow "$wf" 2>/dev/null)
        [[ $out == *"PAGED:"*"uptime_every5s"* ]] || fail "SYSTEMD_PAGER is not used: $out"
        ok "SYSTEMD_PAGER pages the output"
        out=$(tty "$B/taskctl" list --no-pager -D "$empty" --workflow "$wf" 2>/dev/null)
        [[ $out == *$'\e['* ]] || fail "no colours on a terminal: $out"
        out=$(tty SYSTEMD_COLORS=0 "$B/taskctl" list --no-pager -D "$empty" --workflow "$wf" 2>/dev/null)
        [[ $out != *$'\e['* ]] || fail "SYSTEMD_COLORS=0 still colours: $out"
        out=$(tty NO_COLOR=1 "$B/taskctl" list --no-pager -D "$empty" --workflow "$wf" 2>/dev/null)
        [[ $out != *$'\e['* ]] || fail "NO_COLOR still colours: $out"
        ok "colours on a terminal, none with SYSTEMD_COLORS=0 or NO_COLOR"
        out=$(tty "$B/taskctl" list --no-pager -D "$empty" --workflow "$wf" 2>/dev/null)
        [[ $out == *ROUTER*"tasks listed."* ]] || fail "no header or legend on a terminal: $out"
        out=$(tty "$B/taskctl" list --no-pager --no-legend -D "$empty" --workflow "$wf" 2>/dev/null)
        [[ $out != *ROUTER* && $out != *listed* && $out == *uptime_every5s* ]] || fail "--no-legend: $out"
        ok "a header and a legend line on a terminal, neither with --no-legend"
fi
echo "1..$n"
