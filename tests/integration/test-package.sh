#!/bin/bash
# SPDX-License-Identifier: MIT
# The Debian packages (debian/, docs/PACKAGING.md) as an administrator meets them:
# - dpkg-buildpackage -us -uc -b builds herald and herald-runner from a copy of the tree
#   (nothing is written into the checkout); lintian finds no error in them;
# - herald-runner alone, with dpkg -i into a booted private systemd (whose /etc, /usr
#   and /var are overlays: the host's dpkg database and files are untouched), makes a
#   runner host: the user herald-runner and its directories, no herald user, no taskctl,
#   heraldd or generator; with a config, a secret and its socket enabled, a signed
#   request runs a job there and the job's result entry is in the journal;
# - herald on the same host next: the user herald and its directories, and every file
#   meson installs is in one of the two packages where Debian puts it (dpkg -L against
#   meson's own list); the journal catalog trigger ran;
# - a workflow at /etc/herald/workflow.yml, 'taskctl reload', a firing of its tick
#   trigger: the print and local jobs' results are in 'taskctl history --json'; an HTTP
#   trigger starts heraldd through its socket; installing the package again (the
#   upgrade path of the maintainer scripts) stops nothing, not even a running job;
# - 'apt-get purge herald' stops heraldd's side (herald.target: the timer, the sockets,
#   heraldd, a job still running in herald.slice) and leaves herald-runner listening and
#   its config in place; 'apt-get purge herald-runner' then leaves no unit, no process,
#   no generator output, no /etc/herald, /var/lib/herald or /var/lib/herald-runner.
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
RUNNER_DEB=$(ls "$DEBS"/herald-runner_*.deb)
CHANGES=$(ls "$DEBS"/herald_*.changes)
[[ -f $DEB && -f $RUNNER_DEB && -f $CHANGES ]] || fail "no herald_*.deb, herald-runner_*.deb or .changes in $DEBS"
# lintian takes most of a minute: it runs while the package is tried out.
lintian --fail-on error --display-info "$CHANGES" >"$WORK/lintian.log" 2>&1 &
LINTIAN_PID=$!

# ---------------------------------------------------------------------------
step "herald-runner alone: a runner host"
ns_boot --bind-ro "$DEBS:/run/herald-test-debs"
# _ns_cleanup reads the test's exit status from $?; set -e would end the trap at (exit 1).
trap 'rc=$?; set +e; cleanup_work; (exit $rc); _ns_cleanup' EXIT
[[ -e /usr/sbin/policy-rc.d ]] && host_policy=1 || host_policy=0
# This machine's image forbids service actions to maintainer scripts (a docker-style
# policy-rc.d, 101): deb-systemd-invoke would neither start nor stop anything. A Debian
# system has none; inside, /usr is an overlay, so the host keeps its own.
ns_run rm -f /usr/sbin/policy-rc.d
((host_policy == 0)) || [[ -e /usr/sbin/policy-rc.d ]] || fail "the host's policy-rc.d went"
if ns_run dpkg-query -W herald herald-runner >/dev/null 2>&1; then
        fail "herald or herald-runner is already known to dpkg inside"
fi
# herald's units; herald-ns.target is the test instance's own.
herald_units() { ns_run systemctl list-units --no-legend --plain "$@" 'herald*' | grep -v '^herald-ns\.' || true; }
ns_run dpkg -i "/run/herald-test-debs/$(basename "$RUNNER_DEB")" >"$WORK/dpkg-i-runner.log" 2>&1 ||
        { cat "$WORK/dpkg-i-runner.log" >&2; fail "dpkg -i herald-runner failed"; }
assert_eq "$(ns_run dpkg-query -W -f '${Status}' herald-runner)" "install ok installed" "dpkg: herald-runner installed"
assert_eq "$(ns_run dpkg-query -W -f '${Status}' herald 2>/dev/null || true)" "" "dpkg: herald is not (nothing pulled it in)"
assert_eq "$(ns_run id -un herald-runner)" herald-runner "sysusers.d made the user herald-runner (postinst)"
if ns_run id herald >/dev/null 2>&1; then
        fail "a runner host got heraldd's user herald"
fi
assert_eq "$(ns_run stat -c '%U:%G %a' /var/lib/herald-runner/work)" "root:root 755" \
        "tmpfiles.d made the runner's work_dir (postinst)"
runner_files=$(ns_run dpkg -L herald-runner)
for f in /usr/libexec/herald/herald-runner /usr/libexec/herald/herald-activate /usr/libexec/herald/herald-exec \
         /usr/libexec/herald/herald-done /lib/systemd/system/herald-runner.socket \
         /lib/systemd/system/herald-runner-activate.service /lib/systemd/system/herald-runner-job@.service \
         /lib/systemd/system/herald-result@.service \
         /lib/systemd/system/herald-runner.target /lib/systemd/system/herald.slice \
         /usr/lib/sysusers.d/herald-runner.conf /usr/lib/tmpfiles.d/herald-runner.conf \
         /usr/lib/systemd/catalog/herald.catalog /usr/share/doc/herald-runner/copyright; do
        grep -qxF "$f" <<<"$runner_files" || fail "dpkg -L herald-runner has no $f"
done
for p in /usr/bin/taskctl /usr/libexec/herald/heraldd /lib/systemd/system-generators/herald-generator \
         /lib/systemd/system/heraldd.service /lib/systemd/system/herald.target \
         /usr/share/polkit-1/actions/org.herald.policy; do
        if ns_run test -e "$p"; then
                fail "$p is on a host with herald-runner alone"
        fi
done
printf 'ok - herald-runner has the runner, its root end and the job programs; no taskctl, heraldd or generator\n'
assert_eq "$(herald_units)" "" "nothing of herald's runs before the administrator enables the socket"

# The administrator's part (docs/RUNNER.md): config, secret, the socket enabled.
KEY=pkg-s3cr3t
RUN=/var/lib/herald-runner/work/run
# LoadCredential= needs shared mount propagation, which a container's PID 1 does not set.
ns_run mount --make-rshared /
ns_run mkdir -p /etc/herald $RUN /run/herald-test
ns_run sh -c "umask 077 && printf %s '$KEY' > /etc/herald/runner.secret"
printf 'work_dir: /var/lib/herald-runner/work\n' | ns_run sh -c 'cat > /etc/herald/runner.yml'
ns_run chgrp herald-runner /etc/herald/runner.yml
ns_run chmod 0640 /etc/herald/runner.yml
printf '#!/bin/sh\necho "packaged runner job as $(id -un)"\n' | ns_run sh -c "cat > $RUN/hello.sh"
ns_run chmod 0755 $RUN/hello.sh
ns_run systemctl enable --now herald-runner.socket >/dev/null 2>&1 || fail "systemctl enable --now herald-runner.socket failed"
assert_eq "$(ns_run systemctl is-enabled herald-runner-activate.socket)" enabled \
        "enabling herald-runner.socket enabled its root end too (Also=)"
# runner_request: a signed request as Herald's http_remote sends it; prints the HTTP
# status, the answer is in /run/herald-test/body
runner_request() {
        local body sig
        body=$(printf '{"job_id":"%s","trigger_id":"T1","router":"r","trigger":"t","selector":"all","task":"remote","executor":"http_remote","trigger_param":{},"select_param":{},"job_param":{"cmd":"./hello.sh"}}' \
                "$(cat /proc/sys/kernel/random/uuid)")
        sig=$($PY -c 'import hashlib, hmac, sys; print(hmac.new(sys.argv[1].encode(), sys.argv[2].encode(), hashlib.sha256).hexdigest())' "$KEY" "$body")
        ns_run curl -s -o /run/herald-test/body -w '%{http_code}' -X POST -H "X-Herald-Signature: $sig" \
                -H 'Content-Type: application/json' --data-binary "$body" 127.0.0.1:8124/
}
RUNNER_ANSWER='{"exit_code":0,"output":"packaged runner job as root\n"}'
assert_eq "$(runner_request)" 200 "a signed request: 200"
assert_eq "$(ns_run cat /run/herald-test/body)" "$RUNNER_ANSWER" \
        "the job ran on the runner host, the answer is Herald Runner's JSON"
wait_until 10 bash -c "[[ \$(HERALD_NS_QUIET=1 $HERALD_NS run $NS_PID journalctl -o json MESSAGE_ID=39d34c102f1d482caf41e75fca8199a7 _UID=0 | grep -c herald-runner-job@) == 1 ]]" ||
        fail "no result entry of the runner's job"
printf 'ok - the runner job'\''s result entry is in the journal\n'

# ---------------------------------------------------------------------------
step "the full herald on the same host"
ns_run dpkg -i "/run/herald-test-debs/$(basename "$DEB")" >"$WORK/dpkg-i.log" 2>&1 ||
        { cat "$WORK/dpkg-i.log" >&2; fail "dpkg -i failed"; }
assert_eq "$(ns_run dpkg-query -W -f '${Status}' herald)" "install ok installed" "dpkg: installed"
if dpkg-query -W herald herald-runner >/dev/null 2>&1; then
        fail "herald or herald-runner shows up in the host's dpkg database"
fi
printf 'ok - the host has no herald package\n'
assert_eq "$(ns_run id -un herald)" herald "sysusers.d made the user herald (postinst)"
assert_eq "$(ns_run stat -c '%U:%G %a' /var/lib/herald/requests)" "herald:herald 750" \
        "tmpfiles.d made /var/lib/herald/requests (postinst, after the user)"
# deb-systemd-invoke starts no static unit: nothing of heraldd's side runs before a workflow.
# (herald.slice is active: the runner's job ran in it.)
assert_eq "$(herald_units | grep -v -e '^herald-runner' -e '^herald\.slice' || true)" "" "nothing of heraldd's side runs yet"
assert_eq "$(ns_run systemctl show -P ActiveState herald-runner.socket)" active "herald-runner still listens"
assert_contains "$(ns_run journalctl --list-catalog 39d34c102f1d482caf41e75fca8199a7)" "herald" \
        "systemd's dpkg trigger put herald's catalog in the journal's database"

step "every file meson installs is in one of the packages, where Debian puts it"
files=$(ns_run dpkg -L herald)
for f in /lib/systemd/system/heraldd.service /lib/systemd/system/herald-activate.service \
         /lib/systemd/system/herald.target \
         /lib/systemd/system-generators/herald-generator \
         /usr/lib/sysusers.d/herald.conf /usr/lib/tmpfiles.d/herald.conf \
         /usr/share/polkit-1/actions/org.herald.policy /usr/share/polkit-1/rules.d/50-herald.rules \
         /usr/bin/taskctl /usr/libexec/herald/herald-remote /usr/libexec/herald/heraldd \
         /usr/share/doc/herald/copyright; do
        grep -qxF "$f" <<<"$files" || fail "dpkg -L herald has no $f"
done
printf 'ok - units and generator in /lib/systemd, sysusers/tmpfiles/catalog in /usr/lib, polkit in /usr/share\n'
# Each file in one package only (dpkg refuses a second owner of a file; directories are shared).
both=$(sort <(printf '%s\n' "$files") <(printf '%s\n' "$runner_files") | uniq -d |
       while read -r f; do ns_run test -d "$f" || printf '%s\n' "$f"; done)
assert_eq "$both" "" "no file is in both packages"
if [[ -z ${HERALD_TEST_DEBS:-} ]]; then
        # meson's own list of what it installs, from the package's build directory: a
        # file meson gains later (man pages, completions) is checked without this test
        # naming it. dh_compress gzips man pages.
        installed=$(meson introspect "$(ls -d "$WORK"/src/herald/obj-*)" --installed |
                    $PY -c 'import json, sys; print("\n".join(sorted(json.load(sys.stdin).values())))')
        n=0
        while read -r f; do
                [[ $f == /usr/share/man/* ]] && f=$f.gz
                grep -qxF "$f" <<<"$files"$'\n'"$runner_files" || fail "meson installs $f, neither package has it"
                n=$((n + 1))
        done <<<"$installed"
        ((n >= 15)) || fail "meson introspect listed only $n files"
        printf 'ok - all %d files meson installs are in the packages\n' "$n"
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
ns_run dpkg -i "/run/herald-test-debs/$(basename "$RUNNER_DEB")" >"$WORK/dpkg-i3.log" 2>&1 ||
        { cat "$WORK/dpkg-i3.log" >&2; fail "dpkg -i herald-runner again failed"; }
assert_eq "$(ns_run systemctl show -P MainPID 'herald-slow-sleeper@*.service' | head -n1)" "$sleeper" \
        "herald-runner's upgrade: the running job goes on"
assert_eq "$(herald_units)" "$units" "herald-runner's upgrade: the same herald units run"

# ---------------------------------------------------------------------------
step "apt-get purge herald: heraldd's side goes, the runner stays"
ns_run env DEBIAN_FRONTEND=noninteractive apt-get purge -y -q herald >"$WORK/purge.log" 2>&1 ||
        { cat "$WORK/purge.log" >&2; fail "apt-get purge herald failed"; }
assert_eq "$(ns_run dpkg-query -W -f '${Status}' herald 2>/dev/null || true)" "" "dpkg: herald is gone"
assert_eq "$(ns_run dpkg-query -W -f '${Status}' herald-runner)" "install ok installed" "dpkg: herald-runner stays"
assert_eq "$(herald_units --all | grep -v -e '^herald-runner' -e '^herald\.slice' || true)" "" \
        "no unit of heraldd's side is loaded"
assert_eq "$(ns_run pgrep -f '/usr/libexec/herald/heraldd|sleep 600' || true)" "" "no heraldd, no sleeper (herald.slice was stopped)"
assert_eq "$(ns_run sh -c 'ls /run/systemd/generator /run/systemd/generator.late /run/systemd/generator.early 2>/dev/null | grep -i herald' || true)" "" \
        "no generator output"
for p in /lib/systemd/system-generators/herald-generator /etc/herald/workflow.yml /var/lib/herald /run/herald/started; do
        if ns_run test -e "$p"; then
                fail "$p is left after purging herald"
        fi
done
assert_eq "$(ns_run ls /etc/herald | tr '\n' ' ')" "runner.secret runner.yml " "the runner's config and secret stay"
# The job's result entry was written as it was stopped (herald-exec, herald-runner's).
assert_contains "$(ns_journal -o cat HERALD_TASK=sleeper MESSAGE_ID=39d34c102f1d482caf41e75fca8199a7)" "sleeper" \
        "the stopped job still wrote its result entry"
assert_eq "$(ns_run systemctl show -P ActiveState herald-runner.socket)" active "herald-runner still listens"
assert_eq "$(runner_request)" 200 "a signed request after herald's purge: 200"
assert_eq "$(ns_run cat /run/herald-test/body)" "$RUNNER_ANSWER" "the runner still runs jobs"

# ---------------------------------------------------------------------------
step "apt-get purge herald-runner: nothing of herald's is left running"
ns_run env DEBIAN_FRONTEND=noninteractive apt-get purge -y -q herald-runner >"$WORK/purge-runner.log" 2>&1 ||
        { cat "$WORK/purge-runner.log" >&2; fail "apt-get purge herald-runner failed"; }
assert_eq "$(ns_run dpkg-query -W -f '${Status}' herald-runner 2>/dev/null || true)" "" "dpkg: herald-runner is gone"
assert_eq "$(herald_units)" "" "no herald unit is loaded and active"
assert_eq "$(herald_units --all)" "" "no herald unit is loaded at all"
assert_eq "$(ns_run pgrep -f '/usr/libexec/herald/' || true)" "" "no herald process"
for p in /etc/herald /var/lib/herald /var/lib/herald-runner /run/herald /run/herald-runner /usr/libexec/herald \
         /etc/systemd/system/sockets.target.wants/herald-runner.socket; do
        if ns_run test -e "$p"; then
                fail "$p is left after the purge"
        fi
done
printf 'ok - /etc/herald, /var/lib/herald(-runner), /run/herald(-runner) and the enable links are gone\n'

# ---------------------------------------------------------------------------
step "lintian: no errors"
rc=0
wait "$LINTIAN_PID" || rc=$?
LINTIAN_PID=
sed 's/^/# /' "$WORK/lintian.log"
((rc == 0)) || fail "lintian reports errors (exit $rc)"
printf 'ok - lintian: no errors\n'
