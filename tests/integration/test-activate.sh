#!/bin/bash
# SPDX-License-Identifier: MIT
# herald-activate --serve, the root end of heraldd's job starts, without heraldd: a
# request file put in place as heraldd writes it, and START over the serve socket as
# heraldd sends it (SOCK_SEQPACKET, src/shared/activate-protocol.c):
# - the job runs once, as an instance of the generator's template for its task (no
#   ExecStartPre), with the request's trigger id and trigger param, and has one result
#   entry; STARTED comes once its start job ran; the request becomes a tombstone in
#   /run/herald/started;
# - the same START again is answered ALREADY: nothing runs, no second entry;
# - a request that is not what heraldd names (router, task, job id), malformed, a
#   symlink, or for a task that is not in the workflow is refused: FAILED, nothing runs,
#   one failed result entry, the request set aside, the id marked as started;
# - only root and the owner of the request directory (heraldd's user) may ask;
# - STOP stops the named job's unit.
# About 15 s.
# shellcheck source-path=SCRIPTDIR source=../lib/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/lib.sh"

RESULT_ID=39d34c102f1d482caf41e75fca8199a7
PY=/usr/bin/python3
WF=/run/systemd/generator/herald/workflow.yml   # the generator's snapshot of /etc/herald/workflow.yml
REQ=/var/lib/herald/requests
SOCK=/run/herald-test/activate
LIBEXEC=$(sed -n 's/^#define HERALD_EXEC_PATH "\(.*\)\/herald-exec"$/\1/p' "$BUILD_DIR/config.h")

[[ -x $PY ]] || skip "needs $PY"
[[ -n $LIBEXEC ]] || fail "no HERALD_EXEC_PATH in $BUILD_DIR/config.h"

ns_boot
ns_install
ns_run systemd-sysusers /usr/local/lib/sysusers.d/herald-runner.conf /usr/local/lib/sysusers.d/herald.conf
ns_run systemd-tmpfiles --create /usr/local/lib/tmpfiles.d/herald-runner.conf /usr/local/lib/tmpfiles.d/herald.conf

ns_run mkdir -p /etc/herald /etc/herald-test /run/herald-test
ns_run tee /etc/herald/workflow.yml >/dev/null <<'EOF'
trigger:
  web: {type: http, port: 8123}
router:
  r:
    trigger: web
    selector: all
    task:
      t:
        executor: local
        job_param:
          cmd: sh
          arg: ['-c', 'echo "ran-$HERALD_JOB_MARK"']
          env: {HERALD_JOB_MARK: marker}
      n: none
  slow:
    trigger: web
    selector: all
    task:
      t:
        executor: local
        job_param: {cmd: sleep, arg: '60'}
EOF
# the generator writes the task templates and the snapshot (/etc is private to the instance)
ns_run systemctl daemon-reload
ns_run test -f /run/systemd/generator/herald-r-t@.service || fail "no template herald-r-t@.service"
ns_run systemd-run --unit=hat.service -p Type=notify "$LIBEXEC/herald-activate" --serve --workflow $WF \
        --listen $SOCK --idle-timeout 0 >/dev/null || fail "herald-activate --serve did not start"

uuid() { tr '[:lower:]' '[:upper:]' </proc/sys/kernel/random/uuid; }
# unit_of ROUTER ID: the job's unit, an instance of the task's template
unit_of() { printf 'herald-%s-t@%s.service' "$1" "$2"; }
# ask [--as USER] VERB ID [ROUTER TASK]: one message; prints the answer's fields
ask() {
        local as=()
        if [[ $1 == --as ]]; then
                as=(setpriv --reuid="$2" --regid="$2" --clear-groups)
                shift 2
        fi
        ns_run "${as[@]}" $PY -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.settimeout(30)
s.connect(sys.argv[1])
try:
    s.send(b"".join(a.encode() + b"\0" for a in sys.argv[2:]))
    if sys.argv[2] == "STOP":
        sys.exit(0)
    reply = s.recv(8192)
except (ConnectionResetError, BrokenPipeError):
    reply = b""
print(" ".join(f.decode() for f in reply.split(b"\0")[:-1]) if reply else "EOF")' $SOCK "$@"
}
# request ID JSON: put a request file in place as heraldd does (atomically)
request() {
        ns_run bash -c "cat >$REQ/.$1.tmp && mv $REQ/.$1.tmp $REQ/$1.json" <<<"$2"
}
n_entries() { ns_journal -o cat "MESSAGE_ID=$RESULT_ID" _UID=0 "HERALD_JOB_ID=$1" | wc -l; }
_has_entry() { (($(n_entries "$1") >= 1)); }
_inactive() {
        local s
        s=$(ns_run systemctl show -P ActiveState "$1")
        [[ $s == inactive || $s == failed ]]
}
_active() { [[ $(ns_run systemctl show -P ActiveState "$1") == active ]]; }
# entry ID: the one result entry of job ID, as JSON
entry() { ns_journal -o json --all "MESSAGE_ID=$RESULT_ID" _UID=0 "HERALD_JOB_ID=$1"; }
field() { $PY -c 'import json, sys; print(json.load(sys.stdin).get(sys.argv[1], ""))' "$1"; }
# runs UNIT: how many times the job's command ran (its own output line)
runs() { ns_journal -o cat -u "$1" | grep -c '^ran-marker$' || true; }

# ---------------------------------------------------------------------------
step "a request, a START: the job runs with the request's ids and trigger param"
ID=$(uuid)
TID=$(uuid)
UNIT=$(unit_of r "$ID")
request "$ID" "{\"job_id\":\"$ID\",\"trigger_id\":\"$TID\",\"router\":\"r\",\"task\":\"t\",\"trigger\":\"web\",
 \"trigger_param\":{\"msg\":\"hello\",\"big\":12345678901234567890,\"nested\":{\"a\":[1,2]}},\"chain_depth\":2}"
assert_eq "$(ask START "$ID" r t)" "STARTED $ID" "STARTED, once its start job ran"
wait_until 20 _has_entry "$ID" || fail "no result entry for job $ID"
wait_until 10 _inactive "$UNIT" || fail "$UNIT did not stop"
E=$(entry "$ID")
assert_eq "$(field HERALD_SUCCESS <<<"$E")" true "the job succeeded"
assert_eq "$(field HERALD_TRIGGER_ID <<<"$E")" "$TID" "trigger id from the request"
assert_eq "$(field HERALD_ROUTER <<<"$E")/$(field HERALD_TASK <<<"$E")/$(field HERALD_TRIGGER <<<"$E")" "r/t/web" \
        "router, task and trigger from the workflow"
assert_eq "$(field HERALD_UNIT <<<"$E")" "$UNIT" "the unit is an instance of the task's template"
P=$(field HERALD_PARAM <<<"$E")
assert_eq "$($PY -c 'import json, sys; p = json.loads(sys.argv[1]); print(json.dumps(p["trigger_param"], separators=(",", ":")), p["job_id"], p["executor"], p["selector"])' "$P")" \
        "{\"msg\":\"hello\",\"big\":12345678901234567890,\"nested\":{\"a\":[1,2]}} $ID local all" \
        "the execution param carries the request's trigger param, every digit kept"
assert_contains "$(field HERALD_RESULT <<<"$E")" "ran-marker" "the job's command ran (its output is in the result)"
assert_eq "$(runs "$UNIT")" 1 "the command ran once"
ns_run test ! -e "$REQ/$ID.json" || fail "the request was not consumed"
ns_run test -f "/run/herald/started/$ID" || fail "no tombstone /run/herald/started/$ID"
ns_run test ! -e "/run/herald/jobs/$ID" || fail "the job directory was left behind"
printf 'ok - request consumed, tombstone in place, job directory removed\n'

# ---------------------------------------------------------------------------
step "the same id asked again: ALREADY, nothing runs, no second entry"
assert_eq "$(ask START "$ID" r t)" "ALREADY $ID" "ALREADY"
sleep 1         # an entry, were one written, would have arrived by now
assert_eq "$(n_entries "$ID")" 1 "still exactly one result entry"
assert_eq "$(runs "$UNIT")" 1 "the command did not run again"

step "a tombstone beside a request (a start stopped between its two steps): nothing runs"
ID2=$(uuid)
request "$ID2" "{\"job_id\":\"$ID2\",\"trigger_id\":\"$TID\",\"router\":\"r\",\"task\":\"t\",\"trigger\":\"web\",\"trigger_param\":{},\"chain_depth\":0}"
ns_run touch "/run/herald/started/$ID2"
assert_eq "$(ask START "$ID2" r t)" "ALREADY $ID2" "ALREADY"
sleep 0.5
assert_eq "$(n_entries "$ID2")" 0 "no entry"
assert_eq "$(runs "$(unit_of r "$ID2")")" 0 "the command did not run"
ns_run test ! -e "$REQ/$ID2.json" || fail "the request beside its tombstone was not removed"

# ---------------------------------------------------------------------------
# refused ID ROUTER TASK LOG-TEXT MSG: FAILED, nothing runs; one failed result entry says
# so (chains and HTTP waits learn of it), the request is set aside (heraldd would ask
# for it again at every start otherwise) and the id is marked as started
refused() {
        local id=$1 answer
        answer=$(ask START "$id" "$2" "$3")
        assert_contains "$answer" "FAILED $id" "$5: FAILED"
        wait_until 10 _has_entry "$id" || fail "$5: no failed result entry"
        assert_eq "$(n_entries "$id")" 1 "$5: one result entry"
        assert_eq "$(field HERALD_SUCCESS <<<"$(entry "$id")")" false "$5: a failure"
        assert_contains "$(ns_journal -o cat MESSAGE_ID=$RESULT_ID HERALD_JOB_ID="$id")" "Could not prepare the job" "$5: it says why"
        assert_eq "$(runs "$(unit_of "$2" "$id")")" 0 "$5: nothing ran"
        assert_contains "$(ns_journal -o cat -u hat.service)" "$4" "$5: the log says why"
        ns_run test ! -e "/run/herald/jobs/$id" || fail "$5: a job directory was left"
        ns_run test -e "/run/herald/started/$id" || fail "$5: not marked as started"
        ns_run test ! -e "$REQ/$id.json" || fail "$5: the request was left to be asked for again"
        ns_run test -L "$REQ/$id.json.refused" -o -e "$REQ/$id.json.refused" || fail "$5: the request was not set aside"
}

step "refused requests"
ID=$(uuid)
request "$ID" "{\"job_id\":\"$ID\",\"trigger_id\":\"$TID\",\"router\":\"other\",\"task\":\"t\",\"trigger\":\"web\",\"trigger_param\":{},\"chain_depth\":0}"
refused "$ID" r t "heraldd asked for job $ID of r/t" "a request for another router than heraldd names"

ID=$(uuid)
OTHER=$(uuid)
request "$ID" "{\"job_id\":\"$OTHER\",\"trigger_id\":\"$TID\",\"router\":\"r\",\"task\":\"t\",\"trigger\":\"web\",\"trigger_param\":{},\"chain_depth\":0}"
refused "$ID" r t "it is for job $OTHER" "a request naming another job id"

ID=$(uuid)
request "$ID" '{"job_id": "not closed'
refused "$ID" r t "not a well-formed request" "a malformed request"

ID=$(uuid)
ns_run sh -c "printf secret > /etc/herald-test/target && ln -s /etc/herald-test/target $REQ/$ID.json"
refused "$ID" r t "not a regular file" "a symlink"

ID=$(uuid)
request "$ID" "{\"job_id\":\"$ID\",\"trigger_id\":\"$TID\",\"router\":\"nosuch\",\"task\":\"t\",\"trigger\":\"web\",\"trigger_param\":{},\"chain_depth\":0}"
refused "$ID" nosuch t "Router 'nosuch' is not in" "a router that is not in the workflow"

ID=$(uuid)
request "$ID" "{\"job_id\":\"$ID\",\"trigger_id\":\"$TID\",\"router\":\"r\",\"task\":\"n\",\"trigger\":\"web\",\"trigger_param\":{},\"chain_depth\":0}"
refused "$ID" r n "runs no unit" "a 'none' task (heraldd writes its result itself)"

step "malformed messages are ignored, the service goes on"
ns_run $PY -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1])
for m in (b"START\0not-a-uuid\0r\0t\0", b"START\0", b"HELLO\0x\0", b"START\0" + b"A" * 5000 + b"\0", b"no nul"):
    s.send(m)' $SOCK
assert_eq "$(ns_run systemctl show -P ActiveState hat.service)" active "herald-activate still runs"
ID=$(uuid)
request "$ID" "{\"job_id\":\"$ID\",\"trigger_id\":\"$TID\",\"router\":\"r\",\"task\":\"t\",\"trigger\":\"web\",\"trigger_param\":{},\"chain_depth\":0}"
assert_eq "$(ask START "$ID" r t)" "STARTED $ID" "and starts the next job"

# ---------------------------------------------------------------------------
step "who may ask: root and heraldd's user (the request directory's owner), nobody else"
ns_run chmod 0777 $SOCK         # past the socket's mode, to reach the peer check
ID=$(uuid)
request "$ID" "{\"job_id\":\"$ID\",\"trigger_id\":\"$TID\",\"router\":\"r\",\"task\":\"t\",\"trigger\":\"web\",\"trigger_param\":{},\"chain_depth\":0}"
assert_eq "$(ask --as 65534 START "$ID" r t 2>&1)" EOF "nobody: the connection is closed unanswered"
ns_run test -e "$REQ/$ID.json" || fail "nobody's START took the request"
assert_contains "$(ns_journal -o cat -u hat.service)" "Refusing a connection from uid" "the refusal is logged"
assert_eq "$(ask --as herald START "$ID" r t)" "STARTED $ID" "herald: STARTED"

step "STOP: the named job's unit is stopped"
ID=$(uuid)
request "$ID" "{\"job_id\":\"$ID\",\"trigger_id\":\"$TID\",\"router\":\"slow\",\"task\":\"t\",\"trigger\":\"web\",\"trigger_param\":{},\"chain_depth\":0}"
assert_eq "$(ask START "$ID" slow t)" "STARTED $ID" "the slow job started"
wait_until 10 _active "$(unit_of slow "$ID")" || fail "the slow job is not running"
ask STOP "$ID" slow t
wait_until 20 _has_entry "$ID" || fail "the stopped job has no result entry"
assert_eq "$(field HERALD_SUCCESS <<<"$(entry "$ID")")" false "a stopped job failed"
step "ok"
