#!/bin/bash
# SPDX-License-Identifier: MIT
# heraldd's job units, without heraldd: a template unit written by hand as the generator
# will write it (ExecStartPre=+herald-activate --prepare %i, ExecStart=herald-exec
# --if-prepared job, ExecStopPost=+herald-done --if-prepared), a request file put in
# place as heraldd writes it, and `systemctl start herald-r-t@<id>.service`:
# - the job runs once, with the request's trigger id and trigger param, and has one
#   result entry; the request becomes a tombstone in /run/herald/started;
# - a second start of the same id runs nothing and writes no second entry;
# - a request that is not the unit's (router, task, job id), malformed, or a symlink is
#   refused: the unit fails, nothing runs, no entry.
# About 5 s.
# shellcheck source-path=SCRIPTDIR source=../lib/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/lib.sh"

RESULT_ID=39d34c102f1d482caf41e75fca8199a7
PY=/usr/bin/python3
WF=/etc/herald-test/prepare.yml         # /etc is private to the instance
REQ=/var/lib/herald/requests
LIBEXEC=$(sed -n 's/^#define HERALD_EXEC_PATH "\(.*\)\/herald-exec"$/\1/p' "$BUILD_DIR/config.h")

[[ -x $PY ]] || skip "needs $PY"
[[ -n $LIBEXEC ]] || fail "no HERALD_EXEC_PATH in $BUILD_DIR/config.h"

ns_boot
ns_install

ns_run mkdir -p /etc/herald-test $REQ
ns_run tee $WF >/dev/null <<'EOF'
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
          arg: ['-c', 'echo "ran-$HERALD_JOB_MARK"; echo "$HERALD_EXECUTE_PARAM" >/dev/null']
          env: {HERALD_JOB_MARK: marker}
EOF
# the template, as the generator's will be (what matters here: the three commands)
ns_run tee /etc/systemd/system/herald-r-t@.service >/dev/null <<EOF
[Unit]
Description=herald job r/t %i (test-prepare)

[Service]
Type=exec
ExecStartPre=+$LIBEXEC/herald-activate --prepare %i --workflow $WF --router r --task t
ExecStart=$LIBEXEC/herald-exec --if-prepared job /run/herald/jobs/%i
ExecStopPost=+$LIBEXEC/herald-done --if-prepared /run/herald/jobs/%i
EOF
ns_run systemctl daemon-reload

uuid() { tr '[:lower:]' '[:upper:]' </proc/sys/kernel/random/uuid; }
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
# entry ID: the one result entry of job ID, as JSON
entry() { ns_journal -o json --all "MESSAGE_ID=$RESULT_ID" _UID=0 "HERALD_JOB_ID=$1"; }
field() { $PY -c 'import json, sys; print(json.load(sys.stdin).get(sys.argv[1], ""))' "$1"; }
# runs UNIT: how many times the job's command ran (its own output line)
runs() { ns_journal -o cat -u "$1" | grep -c '^ran-marker$' || true; }

# ---------------------------------------------------------------------------
step "a request, a start: the job runs with the request's ids and trigger param"
ID=$(uuid)
TID=$(uuid)
UNIT="herald-r-t@$ID.service"
request "$ID" "{\"job_id\":\"$ID\",\"trigger_id\":\"$TID\",\"router\":\"r\",\"task\":\"t\",\"trigger\":\"web\",
 \"trigger_param\":{\"msg\":\"hello\",\"big\":12345678901234567890,\"nested\":{\"a\":[1,2]}},\"chain_depth\":2}"
ns_run systemctl start "$UNIT" || fail "systemctl start $UNIT failed"
wait_until 20 _has_entry "$ID" || fail "no result entry for job $ID"
wait_until 10 _inactive "$UNIT" || fail "$UNIT did not stop"
E=$(entry "$ID")
assert_eq "$(field HERALD_SUCCESS <<<"$E")" true "the job succeeded"
assert_eq "$(field HERALD_TRIGGER_ID <<<"$E")" "$TID" "trigger id from the request"
assert_eq "$(field HERALD_ROUTER <<<"$E")/$(field HERALD_TASK <<<"$E")/$(field HERALD_TRIGGER <<<"$E")" "r/t/web" \
        "router, task and trigger from the workflow"
assert_eq "$(field HERALD_UNIT <<<"$E")" "$UNIT" "the unit is the template instance"
P=$(field HERALD_PARAM <<<"$E")
assert_eq "$($PY -c 'import json, sys; p = json.loads(sys.argv[1]); print(json.dumps(p["trigger_param"], separators=(",", ":")), p["job_id"], p["executor"], p["selector"])' "$P")" \
        "{\"msg\":\"hello\",\"big\":12345678901234567890,\"nested\":{\"a\":[1,2]}} $ID local all" \
        "the execution param carries the request's trigger param, every digit kept"
OUT=$(field HERALD_RESULT <<<"$E")
assert_contains "$OUT" "ran-marker" "the job's command ran (its output is in the result)"
assert_eq "$(runs "$UNIT")" 1 "the command ran once"
ns_run test ! -e "$REQ/$ID.json" || fail "the request was not consumed"
ns_run test -f "/run/herald/started/$ID" || fail "no tombstone /run/herald/started/$ID"
ns_run test ! -e "/run/herald/jobs/$ID" || fail "the job directory was left behind"
printf 'ok - request consumed, tombstone in place, job directory removed\n'

# ---------------------------------------------------------------------------
step "the same id started again: nothing runs, no second entry"
ns_run systemctl start "$UNIT" || fail "the second start of $UNIT failed"
wait_until 10 _inactive "$UNIT" || fail "$UNIT did not stop after its second start"
sleep 1         # an entry, were one written, would have arrived by now
assert_eq "$(n_entries "$ID")" 1 "still exactly one result entry"
assert_eq "$(runs "$UNIT")" 1 "the command did not run again"
assert_eq "$(ns_run systemctl show -P Result "$UNIT")" success "the duplicate start is no failure"
assert_contains "$(ns_journal -o cat -u "$UNIT")" "already started" "--prepare says why it did nothing"

# ---------------------------------------------------------------------------
step "a tombstone beside a request (a run stopped between its two steps): nothing runs"
ID2=$(uuid)
request "$ID2" "{\"job_id\":\"$ID2\",\"trigger_id\":\"$TID\",\"router\":\"r\",\"task\":\"t\",\"trigger\":\"web\",\"trigger_param\":{},\"chain_depth\":0}"
ns_run touch "/run/herald/started/$ID2"
ns_run systemctl start "herald-r-t@$ID2.service" || fail "start with a tombstone failed"
wait_until 10 _inactive "herald-r-t@$ID2.service" || fail "herald-r-t@$ID2.service did not stop"
sleep 0.5
assert_eq "$(n_entries "$ID2")" 0 "no entry"
assert_eq "$(runs "herald-r-t@$ID2.service")" 0 "the command did not run"
ns_run test ! -e "$REQ/$ID2.json" || fail "the request beside its tombstone was not removed"

# ---------------------------------------------------------------------------
# refused ID REQUEST-SETUP-COMMAND MSG: the unit of ID fails, nothing runs; one failed
# result entry says so (chains and HTTP waits learn of it), the request is set aside
# (heraldd would start it again at every start otherwise) and the id is marked as started
refused() {
        local id=$1 unit="herald-r-t@$1.service"
        ns_run systemctl start "$unit" 2>/dev/null && fail "$3: the unit started"
        wait_until 10 _inactive "$unit" || fail "$unit did not stop"
        sleep 0.3
        assert_eq "$(n_entries "$id")" 1 "$3: one result entry"
        assert_contains "$(ns_journal -o cat MESSAGE_ID=$RESULT_ID HERALD_JOB_ID="$id")" "Could not prepare the job" "$3: it says why"
        assert_eq "$(runs "$unit")" 0 "$3: nothing ran"
        assert_contains "$(ns_journal -o cat -u "$unit")" "$2" "$3: the log says why"
        ns_run test ! -e "/run/herald/jobs/$id" || fail "$3: a job directory was left"
        ns_run test -e "/run/herald/started/$id" || fail "$3: not marked as started"
        ns_run test ! -e "$REQ/$id.json" || fail "$3: the request was left to be started again"
        ns_run test -L "$REQ/$id.json.refused" -o -e "$REQ/$id.json.refused" || fail "$3: the request was not set aside"
        ns_run systemctl reset-failed "$unit" 2>/dev/null || true
}

step "refused requests: another router or task or id, malformed, a symlink, too large"
ID=$(uuid)
request "$ID" "{\"job_id\":\"$ID\",\"trigger_id\":\"$TID\",\"router\":\"other\",\"task\":\"t\",\"trigger\":\"web\",\"trigger_param\":{},\"chain_depth\":0}"
refused "$ID" "this unit runs job $ID of r/t" "a request for another router"

ID=$(uuid)
OTHER=$(uuid)
request "$ID" "{\"job_id\":\"$OTHER\",\"trigger_id\":\"$TID\",\"router\":\"r\",\"task\":\"t\",\"trigger\":\"web\",\"trigger_param\":{},\"chain_depth\":0}"
refused "$ID" "it is for job $OTHER" "a request naming another job id"

ID=$(uuid)
request "$ID" "{\"job_id\":\"$ID\",\"trigger_id\":\"$TID\",\"router\":\"r\",\"task\":\"t\",\"trigger\":\"web\",\"trigger_param\":[],\"chain_depth\":0}"
refused "$ID" "not a well-formed request" "a trigger param that is no object"

ID=$(uuid)
request "$ID" "{\"job_id\":\"$ID\",\"trigger_id\":\"$TID\",\"router\":\"r\",\"task\":\"t\",\"trigger\":\"web\",\"trigger_param\":{},\"chain_depth\":0,\"cmd\":\"touch /pwned\"}"
refused "$ID" "not a well-formed request" "a key more (cmd)"
ns_run test ! -e /pwned || fail "a request's cmd ran"

ID=$(uuid)
ns_run bash -c "printf '{\"job_id\":\"$ID\",\"trigger_id\":\"$TID\",\"router\":\"r\",\"task\":\"t\",\"trigger\":\"web\",\"trigger_param\":{},\"chain_depth\":0}' >/run/herald-test-target.json && ln -s /run/herald-test-target.json $REQ/$ID.json"
refused "$ID" "not a regular file" "a symlink"

ID=$(uuid)
ns_run bash -c "head -c 4194305 /dev/zero | tr '\\0' ' ' >$REQ/$ID.json"
refused "$ID" "larger than" "a request over 4 MiB"
