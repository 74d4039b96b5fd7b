#!/bin/bash
# SPDX-License-Identifier: MIT
# The Debian package (debian/, docs/PACKAGING.md) as an administrator meets it:
# - dpkg-buildpackage -us -uc -b builds it from a copy of the tree (nothing is written
#   into the checkout); lintian finds no error in it;
# - installed with dpkg -i into a booted private systemd (whose /etc, /usr and /var are
#   overlays: the host's dpkg database and files are untouched), it creates the user
#   herald and its directories, and every file meson installs is in it where Debian puts
#   it (dpkg -L against meson's own list); the journal catalog trigger ran;
# - a workflow at /etc/herald/workflow.yml, 'taskctl reload', a firing of its tick
#   trigger: the print and local jobs' results are in 'taskctl history --json'; an HTTP
#   trigger starts heraldd through its socket; installing the package again (the
#   upgrade path of the maintainer scripts) stops nothing, not even a running job;
# - 'apt-get purge' stops everything of herald's (herald.target: the timer, the sockets,
#   heraldd, a job still running) and leaves no unit, no process, no generator output,
#   no /etc/herald or /var/lib/herald.
# About 3-4 minutes, most of it the package build (-O2, no tests: DEB_BUILD_OPTIONS=nocheck;
# the unit suite runs in the build tree anyway).
# By hand, HERALD_TEST_DEBS=DIR reuses the .debs and .changes a previous run built in DIR.
# shellcheck source-path=SCRIPTDIR source=../lib/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/lib.sh"

((EUID == 0)) || skip "integration tests need root"
command -v curl >/dev/null || skip "needs curl"
PY=/usr/bin/python3
[[ -x $PY ]] || skip "needs $PY"

WORK=$(mktemp -d /tmp/herald-test-package.XXXXXX)
LINTIAN_PID=
cleanup_work() {
        [[ -z $LINTIAN_PID ]] || kill "$LINTIAN_PID" 2>/dev/null || true
        rm -rf "$WORK"
}
trap cleanup_work EXIT

# ---------------------------------------------------------------------------
step "build the package"
if [[ -n ${HERALD_TEST_DEBS:-} ]]; then
        DEBS=$HERALD_TEST_DEBS
else
        have_tools() { command -v dpkg-buildpackage && command -v dh && command -v lintian; } >/dev/null
        have_tools || bash "$SRC_DIR/tools/deps.sh" package || skip "cannot install the packaging tools"
        have_tools || skip "no dpkg-buildpackage, debhelper or lintian"
        mkdir "$WORK/src" "$WORK/src/herald"
        # The tree as it is, committed or not, without build directories (.gitignore).
        if git -C "$SRC_DIR" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
                git -C "$SRC_DIR" ls-files -z --cached --others --exclude-standard |
                        (cd "$SRC_DIR" && tar --null -T - -cf -) | tar -C "$WORK/src/herald" -xf -
        else
                tar -C "$SRC_DIR" --exclude='./build*' -cf - . | tar -C "$WORK/src/herald" -xf -
        fi
        (cd "$WORK/src/herald" && dpkg-checkbuilddeps) || bash "$SRC_DIR/tools/deps.sh" package ||
                skip "cannot install the build dependencies"
        start=$SECONDS
        if ! (cd "$WORK/src/herald" &&
              DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" dpkg-buildpackage -us -uc -b) >"$WORK/build.log" 2>&1; then
                tail -n 60 "$WORK/build.log" >&2
                fail "dpkg-buildpackage failed"
        fi
        printf '# built in %d s\n' $((SECONDS - start))
        DEBS=$WORK/src
fi
DEB=$(ls "$DEBS"/herald_*.deb)
CHANGES=$(ls "$DEBS"/herald_*.changes)
[[ -f $DEB && -f $CHANGES ]] || fail "no herald_*.deb or .changes in $DEBS"
# lintian takes most of a minute: it runs while the package is tried out.
lintian --fail-on error --display-info "$CHANGES" >"$WORK/lintian.log" 2>&1 &
LINTIAN_PID=$!

# ---------------------------------------------------------------------------
step "install it into a private systemd"
ns_boot --bind-ro "$DEBS:/run/herald-test-debs"
# _ns_cleanup reads the test's exit status from $?; set -e would end the trap at (exit 1).
trap 'rc=$?; set +e; cleanup_work; (exit $rc); _ns_cleanup' EXIT
[[ -e /usr/sbin/policy-rc.d ]] && host_policy=1 || host_policy=0
# This machine's image forbids service actions to maintainer scripts (a docker-style
# policy-rc.d, 101): deb-systemd-invoke would neither start nor stop anything. A Debian
# system has none; inside, /usr is an overlay, so the host keeps its own.
ns_run rm -f /usr/sbin/policy-rc.d
((host_policy == 0)) || [[ -e /usr/sbin/policy-rc.d ]] || fail "the host's policy-rc.d went"
if ns_run dpkg-query -W herald >/dev/null 2>&1; then
        fail "herald is already known to dpkg inside"
fi
ns_run dpkg -i "/run/herald-test-debs/$(basename "$DEB")" >"$WORK/dpkg-i.log" 2>&1 ||
        { cat "$WORK/dpkg-i.log" >&2; fail "dpkg -i failed"; }
assert_eq "$(ns_run dpkg-query -W -f '${Status}' herald)" "install ok installed" "dpkg: installed"
if dpkg-query -W herald >/dev/null 2>&1; then
        fail "herald shows up in the host's dpkg database"
fi
printf 'ok - the host has no herald package\n'
assert_eq "$(ns_run id -un herald)" herald "sysusers.d made the user herald (postinst)"
assert_eq "$(ns_run stat -c '%U:%G %a' /var/lib/herald/requests)" "herald:herald 750" \
        "tmpfiles.d made /var/lib/herald/requests (postinst, after the user)"
# herald's units; herald-ns.target is the test instance's own.
herald_units() { ns_run systemctl list-units --no-legend --plain "$@" 'herald*' | grep -v '^herald-ns\.' || true; }
# deb-systemd-invoke starts no static unit: nothing of herald's runs before a workflow.
assert_eq "$(herald_units)" "" "nothing of herald's runs yet"
assert_contains "$(ns_run journalctl --list-catalog 39d34c102f1d482caf41e75fca8199a7)" "herald" \
        "systemd's dpkg trigger put herald's catalog in the journal's database"

step "every file meson installs is in the package, where Debian puts it"
files=$(ns_run dpkg -L herald)
for f in /lib/systemd/system/heraldd.service /lib/systemd/system/herald-activate.service \
         /lib/systemd/system/herald.slice /lib/systemd/system/herald.target \
         /lib/systemd/system-generators/herald-generator \
         /usr/lib/sysusers.d/herald.conf /usr/lib/tmpfiles.d/herald.conf \
         /usr/lib/systemd/catalog/herald.catalog \
         /usr/share/polkit-1/actions/org.herald.policy /usr/share/polkit-1/rules.d/50-herald.rules \
         /usr/bin/taskctl /usr/libexec/herald/herald-exec /usr/libexec/herald/heraldd \
         /usr/share/doc/herald/copyright; do
        grep -qxF "$f" <<<"$files" || fail "dpkg -L herald has no $f"
done
printf 'ok - units and generator in /lib/systemd, sysusers/tmpfiles/catalog in /usr/lib, polkit in /usr/share\n'
if [[ -z ${HERALD_TEST_DEBS:-} ]]; then
        # meson's own list of what it installs, from the package's build directory: a
        # file meson gains later (man pages, completions) is checked without this test
        # naming it. dh_compress gzips man pages.
        installed=$(meson introspect "$(ls -d "$WORK"/src/herald/obj-*)" --installed |
                    $PY -c 'import json, sys; print("\n".join(sorted(json.load(sys.stdin).values())))')
        n=0
        while read -r f; do
                [[ $f == /usr/share/man/* ]] && f=$f.gz
                grep -qxF "$f" <<<"$files" || fail "meson installs $f, the package does not have it"
                n=$((n + 1))
        done <<<"$installed"
        ((n >= 15)) || fail "meson introspect listed only $n files"
        printf 'ok - all %d files meson installs are in the package\n' "$n"
fi
if [[ -d $SRC_DIR/man ]]; then
        assert_contains "$files" /usr/share/man/man1/taskctl.1.gz "taskctl(1) in /usr/share/man"
fi

# ---------------------------------------------------------------------------
step "a workflow, taskctl reload, a firing: the results in taskctl history"
ns_run mkdir -p /etc/herald
ns_run tee /etc/herald/workflow.yml >/dev/null <<'EOF'
trigger:
  hourly: {type: tick, interval: 3600}
  web: {type: http, host: 127.0.0.1, port: 8123}
router:
  r:
    trigger: hourly
    selector: all
    task:
      say: print
      run:
        executor: local
        job_param: {cmd: sh, arg: ['-c', 'echo packaged-run']}
  slow:
    trigger: hourly
    selector: all
    task:
      sleeper:
        executor: local
        job_param: {cmd: sleep, arg: '600'}
  w:
    trigger: web
    selector: all
    task:
      hello: print
EOF
out=$(ns_run taskctl reload) || fail "taskctl reload failed: $out"
assert_contains "$out" "Reloaded: 1 herald timer active" "taskctl reload: the tick's timer runs"
assert_eq "$(ns_run systemctl show -P ActiveState herald-trigger-web.socket)" active "the http trigger's socket listens"
ns_run systemctl start herald-trigger-hourly.service
history() { ns_run taskctl history --json --no-pager; }
has_tasks() {
        history | $PY -c 'import json, sys; sys.exit(0 if set(sys.argv[1:]) <= {r["task"] for r in json.load(sys.stdin)} else 1)' "$@"
}
wait_until 30 has_tasks say run || fail "no results of say and run: $(history)"
assert_eq "$(history | $PY -c '
import json, sys
d = json.load(sys.stdin)
print(sorted((r["task"], r["success"]) for r in d if r["task"] in ("say", "run")))')" \
        "[('run', True), ('say', True)]" "taskctl history: print and local jobs succeeded"
assert_contains "$(ns_journal -o cat HERALD_TASK=run)" "packaged-run" "the local job's output is in the journal"
assert_eq "$(ns_run systemctl show -P ActiveState herald.slice)" active "the sleeper runs in herald.slice"

code=$(ns_run curl -s -o /dev/null -w '%{http_code}' -X POST -d '{}' 127.0.0.1:8123)
assert_eq "$code" 200 "the http trigger answers (heraldd, started by its socket)"
wait_until 30 has_tasks hello || fail "no result of hello: $(history)"
printf 'ok - the http trigger'\''s job has its result\n'
assert_eq "$(ns_run systemctl show -P ActiveState heraldd.service)" active "heraldd runs (it exits only when idle)"
units=$(herald_units)
printf '%s\n' "$units" | sed 's/^/# /'

step "the same package installed again (an upgrade's maintainer scripts) stops nothing"
sleeper=$(ns_run systemctl show -P MainPID 'herald-slow-sleeper@*.service' | head -n1)
[[ $sleeper =~ ^[1-9][0-9]*$ ]] || fail "the sleeper has no main pid: '$sleeper'"
ns_run dpkg -i "/run/herald-test-debs/$(basename "$DEB")" >"$WORK/dpkg-i2.log" 2>&1 ||
        { cat "$WORK/dpkg-i2.log" >&2; fail "dpkg -i again failed"; }
assert_eq "$(ns_run systemctl show -P MainPID 'herald-slow-sleeper@*.service' | head -n1)" "$sleeper" \
        "the running job goes on (pid $sleeper)"
assert_eq "$(herald_units)" "$units" "the same herald units run"

# ---------------------------------------------------------------------------
step "apt-get purge: nothing of herald's is left running"
ns_run env DEBIAN_FRONTEND=noninteractive apt-get purge -y -q herald >"$WORK/purge.log" 2>&1 ||
        { cat "$WORK/purge.log" >&2; fail "apt-get purge failed"; }
assert_eq "$(ns_run dpkg-query -W -f '${Status}' herald 2>/dev/null || true)" "" "dpkg: herald is gone"
assert_eq "$(herald_units)" "" "no herald unit is loaded and active"
assert_eq "$(herald_units --all)" "" "no herald unit is loaded at all"
assert_eq "$(ns_run pgrep -f '/usr/libexec/herald/|sleep 600' || true)" "" "no herald process (heraldd, the sleeper)"
assert_eq "$(ns_run sh -c 'ls /run/systemd/generator /run/systemd/generator.late /run/systemd/generator.early 2>/dev/null | grep -i herald' || true)" "" \
        "no generator output"
for p in /lib/systemd/system-generators/herald-generator /etc/herald /var/lib/herald /run/herald /usr/libexec/herald; do
        if ns_run test -e "$p"; then
                fail "$p is left after the purge"
        fi
done
printf 'ok - the generator, /etc/herald, /var/lib/herald, /run/herald are gone\n'
# The job's result entry was written as it was stopped (herald-done, before its removal).
assert_contains "$(ns_journal -o cat HERALD_TASK=sleeper MESSAGE_ID=39d34c102f1d482caf41e75fca8199a7)" "sleeper" \
        "the stopped job still wrote its result entry"

# ---------------------------------------------------------------------------
step "lintian: no errors"
rc=0
wait "$LINTIAN_PID" || rc=$?
LINTIAN_PID=
sed 's/^/# /' "$WORK/lintian.log"
((rc == 0)) || fail "lintian reports errors (exit $rc)"
printf 'ok - lintian: no errors\n'
