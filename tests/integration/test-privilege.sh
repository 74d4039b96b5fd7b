#!/bin/bash
# SPDX-License-Identifier: MIT
# The privilege model of heraldd (docs/HERALDD.md, Privilege), in a booted systemd with
# its real polkitd:
#  - units/herald.sysusers makes the user herald, units/herald.tmpfiles its directories;
#  - herald-generator writes the http sockets, heraldd-notify.socket,
#    herald-activate.socket (root:herald 0660), the snapshot (0640 root:herald) and the
#    LoadCredential= drop-in for secret_file, and a template per task, without an
#    ExecStartPre= (herald-activate prepares a job before it starts the instance);
#  - the user herald may not manage any unit through systemd (polkit/50-herald.rules
#    says NO): not start, stop, restart or kill, no transient unit; and it is the rule
#    that says so: under a later rule granting units, a control user may, herald not;
#  - heraldd.service's sandbox scores <= 2.5 in 'systemd-analyze security',
#    herald-activate.service's (root, no network) too, and a probe run in heraldd's
#    very sandbox (its ExecStart= replaced) still reads the snapshot, its credential and
#    /run/herald/started, writes /var/lib/herald, logs to the journal, and has a job
#    started through herald-activate.socket.
# shellcheck source-path=SCRIPTDIR source=../lib/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/lib.sh"

ns_boot
ns_install

step "sysusers and tmpfiles"
ns_run systemd-sysusers /usr/local/lib/sysusers.d/herald-runner.conf /usr/local/lib/sysusers.d/herald.conf
uid=$(ns_run id -u herald) || fail "no user herald after systemd-sysusers"
assert_eq "$(ns_run id -gn herald)" herald "herald's group is herald"
ns_run systemd-tmpfiles --create /usr/local/lib/tmpfiles.d/herald-runner.conf /usr/local/lib/tmpfiles.d/herald.conf
assert_eq "$(ns_run stat -c '%a %U:%G' /var/lib/herald/requests)" "750 herald:herald" "/var/lib/herald/requests"
assert_eq "$(ns_run stat -c '%a %U:%G' /run/herald/started)" "755 root:root" "/run/herald/started"

step "the generator's units for heraldd"
ns_run mkdir -p /etc/herald
ns_run sh -c 'umask 077 && printf s3cret > /etc/herald/hook.secret'
ns_run sh -c 'cat > /etc/herald/workflow.yml' <<'YML'
trigger:
  hook: {type: http, unix_socket: /run/herald/hook.sock, secret_file: /etc/herald/hook.secret}
  web: {type: http, port: 18123}
router:
  deploy: {trigger: hook, selector: all, task: {run: print}, wait: true}
  manual: {trigger: web, selector: all, task: {run: print}}
  after: {trigger: exe_done, selector: match_map, select_param: {match_key: router, match_value: deploy},
          task: {log: print}}
YML
ns_run taskctl validate /etc/herald/workflow.yml >/dev/null || fail "the workflow does not validate"
ns_run systemctl daemon-reload
ns_run systemctl start sockets.target
gen=/run/systemd/generator
for s in herald-trigger-hook.socket herald-trigger-web.socket heraldd-notify.socket herald-activate.socket; do
        assert_eq "$(ns_run systemctl show -P ActiveState $s)" active "$s listens"
        assert_eq "$(ns_run readlink $gen/sockets.target.wants/$s)" "../$s" "$s is wanted by sockets.target"
        want=heraldd.service
        [[ $s == herald-activate.socket ]] && want=herald-activate.service
        assert_eq "$(ns_run systemctl show -P Triggers $s)" $want "$s activates $want"
done
assert_eq "$(ns_run stat -c '%a %U:%G %F' /run/herald/activate)" "660 root:herald socket" "the activate socket is 0660 root:herald"
assert_eq "$(ns_run stat -c '%a %U:%G %F' /run/herald/hook.sock)" "660 root:herald socket" "the unix trigger socket is 0660 root:herald"
assert_eq "$(ns_run stat -c '%a %U:%G %F' /run/herald/notify)" "600 root:root socket" "the notify socket is root's only"
assert_eq "$(ns_run systemctl show -P FileDescriptorName herald-trigger-hook.socket)" hook "fd named after the trigger"
assert_eq "$(ns_run systemctl show -P PassCredentials heraldd-notify.socket)" yes "notify passes credentials"
assert_eq "$(ns_run stat -c '%a %U:%G' $gen/herald $gen/herald/workflow.yml)" $'750 root:herald\n640 root:herald' \
        "the snapshot is readable by group herald"
# (systemctl show prints LoadCredential as "[unprintable]" in 252; the probe below reads it)
assert_contains "$(ns_run systemctl cat heraldd.service)" "LoadCredential=trigger-hook:/etc/herald/hook.secret" \
        "secret_file is a credential of heraldd.service"
ns_run grep -rq s3cret $gen && fail "the secret is in a generated file"
printf 'ok - the secret itself is in no generated file\n'
unit=herald-deploy-run@0D3C4B5A-0000-4000-8000-000000000001.service
assert_eq "$(ns_run systemctl show -P LoadState "$unit")" loaded "a template instance loads"
assert_eq "$(ns_run systemctl show -P ExecStartPre "$unit")" "" "no ExecStartPre="
assert_contains "$(ns_run systemctl show -P ExecStart "$unit")" "job --result-entry /run/herald/jobs/0D3C4B5A-0000-4000-8000-000000000001" \
        "ExecStart= runs the job directory and writes the result (a root job, no unit: settings)"
assert_eq "$(ns_run systemctl show -P OnFailure "$unit")" herald-result@0D3C4B5A-0000-4000-8000-000000000001.service \
        "OnFailure= writes the result of a killed herald-exec"
assert_eq "$(ns_run systemctl show -P Slice "$unit")" herald.slice "jobs run in herald.slice"

step "systemd-analyze security heraldd.service"
out=$(ns_run systemd-analyze security --no-pager heraldd.service)
score=$(sed -n 's/.*Overall exposure level for heraldd.service: \([0-9.]*\).*/\1/p' <<<"$out")
[[ -n $score ]] || fail "no exposure level in: $out"
python3 -c "import sys; sys.exit(0 if float('$score') <= 2.5 else 1)" || fail "exposure level $score > 2.5"
printf 'ok - exposure level %s <= 2.5\n' "$score"
out=$(ns_run systemd-analyze security --no-pager herald-activate.service)
score=$(sed -n 's/.*Overall exposure level for herald-activate.service: \([0-9.]*\).*/\1/p' <<<"$out")
[[ -n $score ]] || fail "no exposure level in: $out"
python3 -c "import sys; sys.exit(0 if float('$score') <= 2.5 else 1)" || fail "herald-activate.service: exposure level $score > 2.5"
printf 'ok - herald-activate.service (root): exposure level %s <= 2.5\n' "$score"

step "polkit: herald may not manage any unit"
ns_run sh -c 'cat > /run/systemd/system/herald-probe-x@.service' <<'EOF2'
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/true
EOF2
ns_run cp /run/systemd/system/herald-probe-x@.service /run/systemd/system/other-probe.service
ns_run sh -c 'printf "[Service]\nExecStart=/bin/sleep infinity\n" > /run/systemd/system/hns-victim.service'
ns_run sh -c 'printf "[Service]\nExecStart=/bin/sleep infinity\n" > /run/systemd/system/herald-r-t-0d3c4b5a.service'
ns_run systemctl daemon-reload
ns_run systemctl start hns-victim.service herald-r-t-0d3c4b5a.service

# as_herald METHOD ARGS...: a Manager call as the user herald, never interactive.
as_herald() {
        ns_run setpriv --reuid=herald --regid=herald --init-groups busctl --allow-interactive-authorization=no \
                call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager "$@" 2>&1
}
# denied WHAT METHOD ARGS...: the call fails for want of authorization.
denied() {
        local what=$1 out rc=0
        shift
        out=$(as_herald "$@") || rc=$?
        [[ $rc != 0 ]] || fail "herald may $what: $out"
        [[ $out == *"Access denied"* || $out == *"nteractive authentication required"* ]] \
                || fail "$what failed, but not for authorization: $out"
        printf 'ok - herald may not %s (%s)\n' "$what" "$out"
}

denied "start a herald template instance" StartUnit ss herald-probe-x@1.service replace
denied "start other-probe.service" StartUnit ss other-probe.service replace
denied "start a transient herald-t1.service" StartTransientUnit 'ssa(sv)a(sa(sv))' herald-t1.service fail \
        1 ExecStart 'a(sasb)' 1 /bin/true 1 /bin/true false 0
denied "stop a herald job" StopUnit ss herald-r-t-0d3c4b5a.service replace
denied "kill a herald job" KillUnit ssi herald-r-t-0d3c4b5a.service all 15
denied "stop hns-victim.service" StopUnit ss hns-victim.service replace
assert_eq "$(ns_run systemctl show -P ActiveState hns-victim.service)" active "hns-victim.service still runs"
assert_eq "$(ns_run systemctl show -P ActiveState herald-r-t-0d3c4b5a.service)" active "the herald job still runs"
assert_eq "$(ns_run systemctl show -P LoadState herald-t1.service)" not-found "no herald-t1.service was made"
# The denials above would come from systemd's default (auth_admin, which a caller that
# may not be asked refuses) even without polkit/50-herald.rules. Prove that the rule
# decides: a later rule granting units to everyone it names gives a control user the
# grant, and still herald nothing, since polkitd stops at the first rule that answers.
ns_run pgrep -x polkitd >/dev/null || fail "polkitd is not running: the denials above were not polkit's"
printf 'ok - polkitd answered the calls above\n'
ns_run sh -c 'echo "u hns-control - \"herald test control user\"" | systemd-sysusers -'
ns_run mkdir -p /etc/polkit-1/rules.d
ns_run sh -c 'cat > /etc/polkit-1/rules.d/60-hns-widen.rules' <<'EOF2'
// test-privilege.sh: an administrator's rule that grants too much, after herald's.
polkit.addRule(function(action, subject) {
        if (action.id == "org.freedesktop.systemd1.manage-units" &&
            (subject.user == "hns-control" || subject.user == "herald"))
                return polkit.Result.YES;
        return polkit.Result.NOT_HANDLED;
});
EOF2
# as_user USER METHOD ARGS...: as_herald for another user.
as_user() {
        local user=$1
        shift
        ns_run setpriv --reuid="$user" --regid="$user" --init-groups busctl --allow-interactive-authorization=no \
                call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager "$@" 2>&1
}
# polkitd reloads its rules when a file changes: wait until the grant is in force.
control_may_start() { as_user hns-control StartUnit ss other-probe.service replace >/dev/null; }
wait_until 15 control_may_start || fail "the widening rule never granted hns-control: $(as_user hns-control StartUnit ss other-probe.service replace)"
printf 'ok - a later rule grants hns-control StartUnit other-probe.service\n'
ns_run systemctl stop other-probe.service
denied "start other-probe.service under that rule (50-herald.rules answered NO first)" StartUnit ss other-probe.service replace
denied "stop a herald job under that rule" StopUnit ss herald-r-t-0d3c4b5a.service replace
assert_eq "$(ns_run systemctl show -P ActiveState other-probe.service)" inactive "other-probe.service was not started by herald"
ns_run rm /etc/polkit-1/rules.d/60-hns-widen.rules
# The denials are polkit's: root may do the same.
ns_run systemctl start other-probe.service || fail "root cannot start other-probe.service"
printf 'ok - root starts other-probe.service (the unit itself is fine)\n'
ns_run systemctl stop herald-r-t-0d3c4b5a.service hns-victim.service

step "heraldd's sandbox still reaches what heraldd needs"
# PID 1 makes / shared at boot, except in a container (as here): then the credentials
# it mounts for a service in a child mount namespace never reach the service, which
# finds an empty root-only $CREDENTIALS_DIRECTORY. Do what a booted host has done.
ns_run mount --make-rshared /
# The probe: what heraldd does, as heraldd, from its sandbox (a script, so that no unit
# file quoting gets in the way).
ns_run tee /run/herald-probe.sh >/dev/null <<'EOF2'
set -e
test "$(id -un)" = herald
grep -q deploy /run/systemd/generator/herald/workflow.yml
ls /run/herald/started >/dev/null
test "$(cat "$CREDENTIALS_DIRECTORY/trigger-hook")" = s3cret
echo ok > /var/lib/herald/requests/probe
! touch /etc/herald/probe 2>/dev/null
printf 'MESSAGE=heraldd-probe\nHERALD_PROBE=1\n' | logger --journald
id=0D3C4B5A-0000-4000-8000-000000000002
printf '{"job_id":"%s","trigger_id":"0D3C4B5A-0000-4000-8000-000000000003","router":"manual","task":"run","trigger":"web","trigger_param":{},"chain_depth":0}' $id \
        > /var/lib/herald/requests/$id.json
python3 - $id <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect("/run/herald/activate")
s.send(b"START\0" + sys.argv[1].encode() + b"\0manual\0run\0")
r = s.recv(4096)
assert r.startswith(b"STARTED\0"), r
PY
EOF2
ns_run mkdir -p /run/systemd/system/heraldd.service.d
ns_run sh -c 'cat > /run/systemd/system/heraldd.service.d/99-probe.conf' <<'EOF2'
[Service]
Type=oneshot
Restart=no
ExecStart=
ExecStart=/bin/sh /run/herald-probe.sh
EOF2
ns_run systemctl daemon-reload
ns_run systemctl start heraldd.service || fail "the probe failed in heraldd's sandbox: $(ns_journal -q -u heraldd.service -o cat | tail -5)"
assert_eq "$(ns_run cat /var/lib/herald/requests/probe)" ok "it writes /var/lib/herald"
wait_until 5 ns_run sh -c "journalctl -q HERALD_PROBE=1 _UID=$uid | grep -q heraldd-probe" || fail "its journal entry is missing"
printf 'ok - its native journal entry arrives\n'
wait_until 20 eval '[[ -n $(ns_journal -q -o cat MESSAGE_ID=39d34c102f1d482caf41e75fca8199a7 HERALD_JOB_ID=0D3C4B5A-0000-4000-8000-000000000002 _UID=0) ]]' \
        || fail "the job the sandboxed probe asked for has no result entry"
printf 'ok - from the sandbox it has a herald job started through herald-activate.socket\n'
step "ok"
