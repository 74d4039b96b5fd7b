#!/bin/bash
# SPDX-License-Identifier: MIT
# heraldd end to end in a booted systemd, driven with curl as a user would:
#  - the Herald docs' manual trigger and exe_done chain (examples/http-chain.yml, its
#    lines unchanged, the test's routers added): the POST is
#    answered with Herald's text, the job runs as a template instance started by heraldd
#    (user herald), and the chained print job sees Herald's exe_done trigger param;
#  - socket activation: no heraldd before the first request, heraldd exits when idle and
#    the next request starts it again;
#  - bad input: wrong method, empty/invalid/array bodies, a 200 MB Content-Length (413 at
#    once), every bad signature form, a replayed request, a match_value map against a map
#    body (Herald crashes);
#  - 'wait: true': the answer carries the job's result, 500 when it failed, 504 at the
#    router's wait_timeout; a router's max_running queues its jobs one at a time; a
#    unix_socket trigger (root:herald 0660) served over curl --unix-socket;
#  - SIGKILL: heraldd killed at random moments while chained jobs run (most kills must
#    hit a running heraldd): every finished job is chained exactly once;
#  - a secret added to a running unsigned trigger, then rotated, with taskctl reload:
#    never served unsigned, the new key in force once heraldd restarted;
#  - development mode: an unreadable secret_file refuses its own trigger only (503),
#    and the warning for an unsigned trigger on a non-loopback address (not 127.0.0.2).
# shellcheck source-path=SCRIPTDIR source=../lib/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/lib.sh"

RESULT_ID=39d34c102f1d482caf41e75fca8199a7
PY=/usr/bin/python3
[[ -x $PY ]] || skip "needs $PY"
command -v curl >/dev/null || skip "needs curl"
[[ -x $BUILD_DIR/src/heraldd/heraldd ]] || fail "$BUILD_DIR/src/heraldd/heraldd is not built"

ns_boot
ns_install
# LoadCredential= needs shared mount propagation, which a container's PID 1 does not set.
ns_run mount --make-rshared /
# The journal's directory as systemd-tmpfiles leaves it on a real system (group
# systemd-journal): heraldd reads result entries as a member of that group.
ns_run systemd-tmpfiles --create --prefix /run/log/journal --prefix /var/log/journal
ns_run systemd-sysusers /usr/local/lib/sysusers.d/herald-runner.conf /usr/local/lib/sysusers.d/herald.conf
ns_run systemd-tmpfiles --create /usr/local/lib/tmpfiles.d/herald-runner.conf /usr/local/lib/tmpfiles.d/herald.conf
ns_run mkdir -p /run/herald-test /var/lib/herald-test/work /etc/herald
ns_run sh -c 'umask 077 && printf k3y > /etc/herald/hook.secret'
# A short idle time, so the test sees heraldd go and come back.
ns_heraldd_exec --idle-timeout 3

# The Herald docs' example (examples/http-chain.yml) as it is, with the test's own
# triggers, executors and routers added at the top of each section: none of the
# example's lines changes.
workflow_with() {
        $PY - "$SRC_DIR/examples/http-chain.yml" "$1" <<'PY'
import sys
example = open(sys.argv[1]).read().splitlines()
extra, section = {}, None
for line in sys.argv[2].splitlines():
    if line.endswith(":") and not line.startswith(" "):
        section = line
        extra[section] = []
    elif section:
        extra[section].append(line)
out = []
for line in example:
    out.append(line)
    out.extend(extra.pop(line, []))
assert not extra, "the example has no section %s" % list(extra)
print("\n".join(out))
PY
}
EXTRA=$(cat <<'YML'
trigger:
  signed:
    type: http
    host: 127.0.0.1
    port: 8124
    secret_file: /etc/herald/hook.secret
    max_body: 4096
    replay_window: 300
  burst:
    type: http
    host: 127.0.0.1
    port: 8125
  hourly:
    type: tick
    interval: 3600
  single:
    type: http
    host: 127.0.0.1
    port: 8126
  waitfail: {type: http, host: 127.0.0.1, port: 8127}
  waitslow: {type: http, host: 127.0.0.1, port: 8128}
  limited: {type: http, host: 127.0.0.1, port: 8129}
  sock: {type: http, unix_socket: /run/herald-test/hook.sock}
router:
  map_match:
    trigger: manual
    selector: match_map
    task:
      never: local_command
    select_param:
      match_key: m
      match_value: {a: 1}
    job_param:
      cmd: 'true'
  deploy:
    trigger: signed
    selector: all
    wait: true
    wait_timeout: 20
    task:
      echo: local_command
    job_param:
      cmd: echo
      arg: ['{"deployed": true}']
  stage1:
    trigger: burst
    selector: all
    task:
      work: local_command
    job_param:
      cmd: sh
      arg: ['-c', 'sleep 0.$((RANDOM % 5))']
  timed:
    trigger: hourly
    selector: all
    task:
      tick_job: local_command
    job_param:
      cmd: 'true'
  after_timed:
    trigger: exe_done
    selector: match_map
    select_param:
      match_key: router
      match_value: timed
    task:
      log: print
  after_timed_none:
    trigger: exe_done
    selector: match_map
    select_param:
      match_key: router
      match_value: timed
    task:
      mark: none
  once:
    trigger: single
    selector: all
    concurrency: forbid
    task:
      slow: local_command
    job_param:
      cmd: sleep
      arg: ['2']
  stage2:
    trigger: exe_done
    selector: match_map
    select_param:
      match_key: router
      match_value: stage1
    task:
      after: print
  failwait:
    trigger: waitfail
    selector: all
    wait: true
    task: {fails: local_command}
    job_param: {cmd: sh, arg: ['-c', 'exit 3']}
  slowwait:
    trigger: waitslow
    selector: all
    wait: true
    wait_timeout: 2
    task: {slow: local_command}
    job_param: {cmd: sleep, arg: ['6']}
  one_at_a_time:
    trigger: limited
    selector: all
    max_running: 1
    task: {rec: local_command}
    job_param: {cmd: sh, arg: ['-c', 'echo s >> /run/herald-test/limited; sleep 0.5; echo e >> /run/herald-test/limited']}
  over_unix:
    trigger: sock
    selector: all
    task: {nothing: none}
YML
)
workflow_with "$EXTRA" | ns_run sh -c 'cat > /etc/herald/workflow.yml'
ns_run taskctl validate /etc/herald/workflow.yml >/dev/null || fail "the workflow does not validate"
ns_run taskctl reload >/dev/null

# entries FILTER: result entries as one JSON list (fields: job, router, trigger, success,
# param, result); FILTER is a python expression over e.
entries() {
        ns_run journalctl --no-pager -o json MESSAGE_ID=$RESULT_ID _UID=0 + MESSAGE_ID=$RESULT_ID _UID="$HERALD_UID" |
                $PY -c '
import json, sys
out = []
for line in sys.stdin:
    e = json.loads(line)
    out.append({"job": e.get("HERALD_JOB_ID"), "router": e.get("HERALD_ROUTER"), "trigger": e.get("HERALD_TRIGGER"),
                "success": e.get("HERALD_SUCCESS"), "param": json.loads(e.get("HERALD_PARAM", "{}")),
                "result": json.loads(e.get("HERALD_RESULT", "{}"))})
print(json.dumps(out))'
}
HERALD_UID=$(ns_run id -u herald)
count_router() { entries | $PY -c "import json,sys; print(sum(1 for e in json.load(sys.stdin) if e['router'] == '$1'))"; }
# wait_until runs a command again and again: these evaluate afresh each time.
router_count_is() { [[ $(count_router "$1") == "$2" ]]; }
heraldd_state_is() { [[ $(ns_run systemctl show -P ActiveState heraldd.service) == "$1" ]]; }
post() { ns_run curl -s -o /run/herald-test/body -w '%{http_code}' "$@"; }
body() { ns_run cat /run/herald-test/body; }

step "socket activation: nothing runs before the first request"
assert_eq "$(ns_run systemctl show -P ActiveState heraldd.service)" inactive "heraldd is not running"
assert_eq "$(ns_run systemctl show -P ActiveState herald-trigger-manual.socket)" active "the manual trigger's socket listens"

step "the Herald docs' manual trigger"
code=$(post -H 'Content-Type: application/json' -X POST -d '{"clean":"old_files"}' localhost:8123)
assert_eq "$code" 200 "POST answered 200"
assert_eq "$(body)" "Request param received and trigger activated" "Herald's text"
assert_eq "$(ns_run systemctl show -P ActiveState heraldd.service)" active "the request started heraldd"
assert_eq "$(ns_run ps -o user= -C heraldd | sort -u)" herald "heraldd runs as herald"
wait_until 20 router_count_is clean_on_request 1 || fail "the job never ran"
wait_until 20 router_count_is print_job_result 1 || fail "the exe_done chain never ran"
entries | $PY -c '
import json, sys
es = json.load(sys.stdin)
clean = [e for e in es if e["router"] == "clean_on_request"]
chain = [e for e in es if e["router"] == "print_job_result"]
assert len(clean) == 1 and len(chain) == 1, (len(clean), len(chain))
c, p = clean[0], chain[0]["param"]
assert c["param"]["trigger_param"] == {"clean": "old_files"}, c["param"]
assert c["result"]["cleaned"] is True and c["result"]["exit_code"] == 0, c["result"]
tp = p["trigger_param"]
# Herald: the finished job'"'"'s execution param plus success, error and result
for k in ("job_id", "trigger_id", "router", "trigger", "selector", "task", "executor", "trigger_param", "select_param", "job_param"):
    assert tp[k] == c["param"][k], (k, tp[k], c["param"][k])
assert tp["success"] is True and tp["error"] == "" and tp["result"]["exit_code"] == 0, tp
assert p["trigger"] == "exe_done", p
print("ok - the chained job saw Herald'"'"'s exe_done trigger param")
' || fail "exe_done trigger param"
# What the example's print step logged: its print_key paths into the finished job.
wait_until 5 test -n "$(ns_journal -o cat SYSLOG_IDENTIFIER=print_job_result/print_result)" || fail "the print step logged nothing"
printed=$(ns_journal -o cat SYSLOG_IDENTIFIER=print_job_result/print_result)
$PY -c '
import json, sys
lines = sys.argv[1].splitlines()
assert len(lines) == 1, lines
p = json.loads(lines[0])
assert set(p) == {"trigger_param/router", "trigger_param/success", "trigger_param/result"}, p
assert p["trigger_param/router"] == "clean_on_request" and p["trigger_param/success"] is True, p
assert p["trigger_param/result"]["cleaned"] is True and p["trigger_param/result"]["exit_code"] == 0, p
print("ok - the print step logged the router, success and result of the clean job")
' "$printed" || fail "the print step's output"

step "a result whose datagram never came is chained from the journal, heraldd running"
# A copy of the clean job's result entry with another job id, written by root as
# herald-done writes it but without the datagram: heraldd, up and caught up (following
# root's result entries only), must read it from the journal and chain it, once.
ns_run systemctl start heraldd.service
pid=$(ns_run systemctl show -P MainPID heraldd.service)
lost=0D1E0D1E-0000-4000-8000-$(printf '%012d' $((RANDOM * RANDOM)))
ns_run journalctl --no-pager -o json -n 1 MESSAGE_ID=$RESULT_ID HERALD_ROUTER=clean_on_request _UID=0 |
  $PY -c '
import json, sys
e = json.loads(sys.stdin.readline())
lost = sys.argv[1]
param = json.loads(e["HERALD_PARAM"]); param["job_id"] = lost
e["HERALD_PARAM"] = json.dumps(param, separators=(",", ":"))
e["HERALD_JOB_ID"] = lost
for k, v in e.items():
    if k.startswith("HERALD_") or k in ("MESSAGE_ID", "MESSAGE", "PRIORITY"):
        if "\n" not in v:
            print(f"{k}={v}")
' "$lost" >/tmp/test-heraldd-lost.fields
ns_run sh -c 'logger --journald' </tmp/test-heraldd-lost.fields
rm -f /tmp/test-heraldd-lost.fields
chained_lost() { [[ $(entries | $PY -c "import json, sys; print(sum(1 for e in json.load(sys.stdin) if e['router'] == 'print_job_result' and e['param']['trigger_param']['job_id'] == '$lost'))") == "$1" ]]; }
wait_until 10 chained_lost 1 || fail "the result without a datagram was not chained from the journal"
assert_eq "$(ns_run systemctl show -P MainPID heraldd.service)" "$pid" "chained by the heraldd that was running (not by a restart's catch-up)"
sleep 1
chained_lost 1 || fail "the result without a datagram was chained more than once"
printf 'ok - chained from the journal, once\n'

step "a replay after a reboot starts no chain step twice"
# After a reboot the tombstones of started steps (/run/herald/started) are gone; a cursor
# saved before the last chains (heraldd killed within its 1 s save delay) replays their
# parents' results. Each step's own result entry in the journal must stop it.
n=$(count_router print_job_result)
ns_run systemctl stop heraldd.service
before=$(ns_run journalctl --no-pager -o json | $PY -c '
import json, sys
prev = found = None
for line in sys.stdin:
    e = json.loads(line)
    if found is None and e.get("MESSAGE_ID") == sys.argv[1] and e.get("HERALD_ROUTER") == "clean_on_request":
        found = prev
    prev = e["__CURSOR"]
print(found)' $RESULT_ID)
[[ -n $before && $before != None ]] || fail "no entry before the first clean_on_request result"
ns_run sh -c "printf %s '$before' > /var/lib/herald/cursor && find /run/herald/started -mindepth 1 -delete"
ns_run systemctl start heraldd.service
_cursor_moved() { [[ $(ns_run cat /var/lib/herald/cursor) != "$before" ]]; }
wait_until 15 _cursor_moved || fail "heraldd did not read the journal from the old cursor"
sleep 1
assert_eq "$(count_router print_job_result)" "$n" "no chain step ran again ($n print_job_result results)"

step "a timer route's job chains too (its result datagram starts heraldd)"
ns_run systemctl stop heraldd.service
ns_run systemctl start herald-trigger-hourly.service
wait_until 20 router_count_is after_timed 1 || fail "the timer job's exe_done chain never ran"
wait_until 20 router_count_is after_timed_none 1 || fail "the timer job's exe_done chain to a none task never ran"
printf 'ok - the timer job was chained\n'

step "a datagram read after an earlier heraldd chained its result: chained once"
# An earlier heraldd chained the timer job's result from the journal and died before it
# read the job's datagram; the next heraldd reads that datagram (sent again here, by root,
# as herald-exec sends it). Its steps ran already: the none step must not run again, the
# print step must not be started again or stay counted as running.
ns_run systemctl stop heraldd.service
ns_run journalctl --no-pager -o json -n 1 MESSAGE_ID=$RESULT_ID HERALD_ROUTER=timed _UID=0 | ns_run $PY -c '
import json, socket, sys
e = json.loads(sys.stdin.readline())
msg = {"job_id": e["HERALD_JOB_ID"], "param": json.loads(e["HERALD_PARAM"]), "success": True, "error": "",
       "result": json.loads(e.get("HERALD_RESULT", "{}")), "complete": True}
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.sendto(json.dumps(msg).encode(), "/run/herald/notify")'
wait_until 10 heraldd_state_is active || fail "the datagram did not start heraldd"
sleep 2
assert_eq "$(count_router after_timed_none)/$(count_router after_timed)" 1/1 "no step ran again"

step "a pending request for a job that ended long ago does not keep heraldd up"
# heraldd killed between writing a request and hearing it started; the job has run and
# its result is behind the cursor. The next heraldd asks again, herald-activate answers
# ALREADY: the job's result in the journal counts it off, and heraldd can exit when idle.
ns_run systemctl stop heraldd.service
ns_run journalctl --no-pager -o json -n 1 MESSAGE_ID=$RESULT_ID HERALD_ROUTER=after_timed _UID=0 | ns_run $PY -c '
import json, os, sys
e = json.loads(sys.stdin.readline())
p = json.loads(e["HERALD_PARAM"])
req = {k: p[k] for k in ("job_id", "trigger_id", "router", "task", "trigger", "trigger_param")}
req["chain_depth"] = 1
path = "/var/lib/herald/requests/%s.json" % p["job_id"]
with open(path, "w") as f:
    json.dump(req, f)
os.system("chown herald: " + path)'
ns_run systemctl start heraldd.service
wait_until 15 heraldd_state_is inactive || fail "heraldd stayed up: the job answered ALREADY is still counted as running"
assert_eq "$(ns_run ls -A /var/lib/herald/requests)" "" "no request file left"
assert_eq "$(count_router after_timed)" 1 "the job did not run again"

step "bad input"
assert_eq "$(post -X GET localhost:8123)" 405 "GET: 405"
assert_eq "$(post -X PUT -d '{}' localhost:8123)" 405 "PUT: 405"
assert_eq "$(post -X POST --data-binary '' localhost:8123)" 400 "empty body: 400"
assert_eq "$(post -X POST -d '{"a":' localhost:8123)" 400 "partial JSON: 400"
assert_eq "$(post -X POST -d '[1,2]' localhost:8123)" 400 "array: 400"
assert_eq "$(post -X POST -d '{"m": {"a": 1, "b": 2}}' localhost:8123)" 200 "a map body against a map match_value"
assert_eq "$(post -X POST -d '{"m": {"a": 1}}' localhost:8123)" 200 "an equal map"
wait_until 20 router_count_is map_match 1 || fail "the equal map did not select (or the other one did)"
# 200 MB announced: answered 413 from the headers, before any body byte is read.
out=$(ns_run $PY -c '
import socket, time
s = socket.create_connection(("127.0.0.1", 8124))
s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 209715200\r\n\r\n")
t = time.time(); s.settimeout(5)
print(s.recv(100).split(b" ")[1].decode(), time.time() - t < 2)')
assert_eq "$out" "413 True" "200 MB: 413 at once"

step "signatures"
sig() { printf %s "$1" | openssl dgst -sha256 -hmac k3y -hex | sed 's/.* //'; }
b='{"v":1}'
assert_eq "$(post -X POST -d "$b" localhost:8124)" 401 "no signature: 401"
assert_eq "$(post -X POST -H 'X-Herald-Signature: abc' -d "$b" localhost:8124)" 401 "short: 401"
assert_eq "$(post -X POST -H "X-Herald-Signature: $(sig "$b" | tr 0-9a-f g-p)" -d "$b" localhost:8124)" 401 "not hex: 401"
ts=$(date +%s)
assert_eq "$(post -X POST -H "X-Herald-Signature: $(sig "$ts.$b")" -d "$b" localhost:8124)" 401 "no timestamp (the trigger has a replay window): 401"
assert_eq "$(post -X POST -H "X-Herald-Timestamp: $ts" -H "X-Herald-Signature: $(sig "$ts.other")" -d "$b" localhost:8124)" 403 "wrong: 403"
good=$(sig "$ts.$b")
code=$(post -X POST -H "X-Herald-Timestamp: $ts" -H "X-Hub-Signature-256: sha256=$good" -d "$b" localhost:8124)
assert_eq "$code" 200 "GitHub's header, signed timestamp: 200 (wait: true)"
assert_eq "$(body)" '{"deployed":true,"exit_code":0}' "the answer carries the job's result"
code=$(post -X POST -H "X-Herald-Timestamp: $ts" -H "X-Herald-Signature: $good" -d "$b" localhost:8124)
assert_eq "$code" 403 "the same request again: 403 (replayed)"
# The seen signatures outlive heraldd: a stop (as an idle exit), a SIGKILL.
ns_run systemctl stop heraldd.service
code=$(post -X POST -H "X-Herald-Timestamp: $ts" -H "X-Herald-Signature: $good" -d "$b" localhost:8124)
assert_eq "$code" 403 "the same request after heraldd exited and its socket started it again: 403"
assert_contains "$(body)" "Signature replayed" "the text says so"
pid=$(ns_run systemctl show -P MainPID heraldd.service)
ns_run kill -KILL "$pid"
_heraldd_gone() { [[ $(ns_run systemctl show -P MainPID heraldd.service) != "$pid" ]]; }
wait_until 10 _heraldd_gone || fail "heraldd $pid did not die of SIGKILL"
code=$(post -X POST -H "X-Herald-Timestamp: $ts" -H "X-Herald-Signature: $good" -d "$b" localhost:8124)
assert_eq "$code" 403 "the same request after a SIGKILL of heraldd: 403"
assert_eq "$(ns_run stat -c %U:%a /var/lib/herald/replay-cache)" herald:600 "the seen signatures are in heraldd's StateDirectory, its own"
old=$((ts - 1000))
assert_eq "$(post -X POST -H "X-Herald-Timestamp: $old" -H "X-Herald-Signature: $(sig "$old.$b")" -d "$b" localhost:8124)" \
        403 "outside the replay window: 403"
ns_run journalctl --no-pager -u heraldd.service | grep -q k3y && fail "the secret is in heraldd's log"
printf 'ok - the secret is not in the journal\n'

step "concurrency: forbid on an http route"
assert_eq "$(post -X POST -d '{}' localhost:8126)" 200 "the first request"
assert_eq "$(post -X POST -d '{}' localhost:8126)" 200 "the second, while the first job runs"
wait_until 10 test -n "$(ns_run journalctl --no-pager -o cat MESSAGE_ID=19cf9f42260248c8aff10232cf4aa544 HERALD_ROUTER=once)" ||
        fail "the second job was not skipped"
assert_contains "$(ns_run journalctl --no-pager -o cat MESSAGE_ID=19cf9f42260248c8aff10232cf4aa544 HERALD_ROUTER=once)" \
        "is still going (concurrency: forbid)" "the second job was skipped, with a journal entry saying why"
wait_until 10 router_count_is once 1 || fail "the first job did not end"

step "concurrency: forbid also sees the jobs an earlier heraldd started"
skipped_count() { ns_run journalctl --no-pager -o cat MESSAGE_ID=19cf9f42260248c8aff10232cf4aa544 HERALD_ROUTER=once | wc -l; }
skipped=$(skipped_count)
assert_eq "$(post -X POST -d '{}' localhost:8126)" 200 "a job of the forbid route"
_once_running() { [[ -n $(ns_run systemctl list-units --no-legend --state=active 'herald-once-slow@*') ]]; }
wait_until 5 _once_running || fail "the job did not start"
ns_run systemctl restart heraldd.service
assert_eq "$(post -X POST -d '{}' localhost:8126)" 200 "the next request, to the new heraldd, while that job runs"
_skipped_again() { [[ $(skipped_count) == $((skipped + 1)) ]]; }
wait_until 10 _skipped_again || fail "the new heraldd started a second job (it saw only its own)"
wait_until 10 router_count_is once 2 || fail "the job did not end"
sleep 1
assert_eq "$(count_router once)" 2 "one job ran, the second request was skipped"

step "wait: true: 500 when the job fails, 504 at wait_timeout"
code=$(post -X POST -d '{}' localhost:8127)
assert_eq "$code" 500 "a failed job: 500"
$PY -c 'import json, sys; r = json.load(open(sys.argv[1])); assert r["exit_code"] == 3, r; print("ok - the answer carries the failed result")' \
        <(body) || fail "the 500's body: $(body)"
t0=$SECONDS
code=$(post -X POST -d '{}' localhost:8128)
assert_eq "$code" 504 "a job running past wait_timeout (2 s): 504"
assert_contains "$(body)" "wait_timeout" "the 504 says why"
(( SECONDS - t0 >= 2 && SECONDS - t0 < 6 )) || fail "the 504 came after $((SECONDS - t0)) s, not at the 2 s wait_timeout"
wait_until 15 router_count_is slowwait 1 || fail "the job answered 504 did not go on to its result"
printf 'ok - the job answered 504 went on and ended\n'

step "max_running: 1 on a router: its jobs run one at a time, every accepted one ends"
for i in 1 2 3 4 5 6; do
        ns_run curl -s -o /dev/null -w '%{http_code}\n' -X POST -d "{\"i\": $i}" localhost:8129 &
done > /tmp/test-heraldd-limited.codes
wait
accepted=$(grep -c '^200$' /tmp/test-heraldd-limited.codes || true)
others=$( (grep -v '^200$' /tmp/test-heraldd-limited.codes || true) | sort | uniq -c | tr '\n' ' ')
rm -f /tmp/test-heraldd-limited.codes
assert_eq "$accepted" 6 "six requests accepted (the router's limit queues them; only a full queue answers 503) $others"
wait_until 30 router_count_is one_at_a_time 6 || fail "not every accepted request of the limited router has a result"
assert_eq "$(ns_run cat /run/herald-test/limited | tr -d '\n')" sesesesesese "the six jobs ran one after another, never two at once"

step "a unix_socket trigger: root:herald 0660, curl --unix-socket"
assert_eq "$(ns_run stat -c '%a %U %G' /run/herald-test/hook.sock)" "660 root herald" "the socket's mode, owner and group"
code=$(ns_run curl -s -o /dev/null -w '%{http_code}' --unix-socket /run/herald-test/hook.sock -X POST -d '{"via": "unix"}' http://localhost/)
assert_eq "$code" 200 "a request over the unix socket"
wait_until 20 router_count_is over_unix 1 || fail "the unix socket's request did not run its route"
rc=0
ns_run setpriv --reuid=65534 --regid=65534 --clear-groups curl -s -o /dev/null --unix-socket /run/herald-test/hook.sock \
        -X POST -d '{}' http://localhost/ || rc=$?
assert_eq "$rc" 7 "a user outside the group herald cannot connect (curl: could not connect)"
assert_eq "$(count_router over_unix)" 1 "and fired nothing"

step "idle exit and activation again"
wait_until 15 heraldd_state_is inactive || fail "heraldd never exited when idle"
printf 'ok - heraldd exited when idle\n'
out=$(ns_run taskctl status clean_on_request --no-pager)
assert_contains "$out" "Socket: herald-trigger-manual.socket; active (listening)" "taskctl status: the trigger's socket listens"
assert_contains "$out" "Daemon: heraldd.service; not running (the socket starts it" "taskctl status: heraldd is idle, and no fault"
ns_run taskctl status --json | $PY -c '
import json, sys
d = {r["router"]: r for r in json.load(sys.stdin)}
http, chain = d["clean_on_request"], d["print_job_result"]
assert http["timer"] is None and http["socket"]["unit"] == "herald-trigger-manual.socket", http
assert http["socket"]["active_state"] == "active" and http["socket"]["sub_state"] == "listening", http["socket"]
assert http["daemon"]["unit"] == "heraldd.service" and http["daemon"]["active_state"] == "inactive", http["daemon"]
assert chain["socket"]["unit"] == "heraldd-notify.socket" and chain["socket"]["sub_state"] == "listening", chain
print("ok - taskctl status --json: an http router'"'"'s socket, an exe_done router'"'"'s heraldd-notify.socket, heraldd idle")
' || fail "taskctl status --json of http and exe_done routers"
assert_eq "$(ns_run taskctl status --no-pager | awk -F '\t' '$1 == "clean_on_request" { print $4 }')" "active (listening)" \
        "taskctl status: the router's line shows its socket's state in UNIT"
assert_eq "$(post -X POST -d '{"clean":"old_files"}' localhost:8123)" 200 "the next request starts it again"
wait_until 20 router_count_is print_job_result 3 || fail "the chain of the second request never ran (the third chain: one more came from the journal above)"

step "SIGKILL at random moments: every finished job chained exactly once"
N=40
ns_run sh -c "for i in \$(seq $N); do curl -s -o /dev/null -w '%{http_code}\n' -X POST -d \"{\\\"i\\\": \$i}\" localhost:8125; sleep 0.05; done > /run/herald-test/codes" &
poster=$!
heraldd_pid_is_not() { [[ $(ns_run systemctl show -P MainPID heraldd.service) != "$1" ]]; }
# A kill counts when it met a running heraldd: MainPID set before, and a kill that
# systemd delivered (it fails with no process to signal).
hits=0
for _ in $(seq 10); do
        sleep "0.$((RANDOM % 4))$((RANDOM % 10))"
        before=$(ns_run systemctl show -P MainPID heraldd.service)
        if [[ $before != 0 ]] && ns_run systemctl kill --signal=SIGKILL heraldd.service 2>/dev/null; then
                wait_until 5 heraldd_pid_is_not "$before" &&
                        hits=$((hits + 1))
        fi
done
wait $poster || true
printf '# %s of 10 kills hit a running heraldd\n' "$hits"
(( hits >= 6 )) || fail "only $hits of 10 SIGKILLs hit a running heraldd: the step tested little"
accepted=$(ns_run grep -c '^200$' /run/herald-test/codes || true)
printf '# %s of %s requests were answered 200 (the others met a killed heraldd)\n' "$accepted" "$N"
# Results from before the kills have settled: the stage-1 jobs end within a second.
settled() {
        entries | $PY -c '
import json, sys
es = json.load(sys.stdin)
s1 = {e["job"] for e in es if e["router"] == "stage1"}
s2 = [e["param"]["trigger_param"]["job_id"] for e in es if e["router"] == "stage2"]
sys.exit(0 if s1 and set(s2) == s1 else 1)'
}
ns_run systemctl start heraldd.service   # Restart= and the sockets bring it back anyway
wait_until 60 settled || true
entries | $PY -c '
import json, sys, collections
es = json.load(sys.stdin)
s1 = [e["job"] for e in es if e["router"] == "stage1"]
s2 = collections.Counter(e["param"]["trigger_param"]["job_id"] for e in es if e["router"] == "stage2")
accepted = int(sys.argv[1])
assert len(s1) == len(set(s1)), "a stage-1 job ran twice"
assert len(s1) >= accepted, ("accepted requests lost", len(s1), accepted)
missing = [j for j in s1 if s2[j] == 0]
twice = [j for j, n in s2.items() if n > 1]
stray = [j for j in s2 if j not in s1]
assert not missing, ("never chained", missing)
assert not twice, ("chained twice", twice)
assert not stray, ("chained from nothing", stray)
print("ok - %d stage-1 jobs, each chained exactly once" % len(s1))
' "$accepted" || fail "chains after SIGKILLs"

step "a secret added to a running unsigned trigger: refused until in force, then signed"
# heraldd keeps running (no idle exit) unless it decides to restart by itself.
ns_heraldd_exec --idle-timeout 0
ns_run systemctl daemon-reload
ns_run systemctl restart heraldd.service
pid=$(ns_run systemctl show -P MainPID heraldd.service)
signed_is() { [[ $(signed "$1") == "$2" ]]; }
signed() { ns_run curl -s -o /dev/null -w '%{http_code}' -X POST -H "X-Herald-Signature: $(printf '{}' | openssl dgst -sha256 -hmac "$1" -hex | sed 's/.* //')" -d '{}' localhost:8126; }
assert_eq "$(post -X POST -d '{}' localhost:8126)" 200 "unsigned, before the trigger has a secret"
ns_run sh -c 'umask 077 && printf n3w > /etc/herald/single.secret'
workflow_with "$(printf '%s\n' "$EXTRA" | sed '/^    port: 8126$/a\    secret_file: /etc/herald/single.secret')" |
        ns_run sh -c 'cat > /etc/herald/workflow.yml'
ns_run taskctl reload >/dev/null
code=$(post -X POST -d '{}' localhost:8126)
[[ $code == 503 || $code == 401 ]] || fail "an unsigned request right after the secret was added: $code, not 503 (heraldd restarting) or 401"
printf 'ok - an unsigned request right after taskctl reload: %s\n' "$code"
assert_contains "$(ns_journal _PID="$pid" -o cat)" "Trigger 'single': its secret was added, removed or moved" \
        "the heraldd that reloaded refused the trigger"
wait_until 20 heraldd_pid_is_not "$pid" || fail "heraldd did not restart to take the new credential"
wait_until 10 signed_is n3w 200 || fail "the new secret is not in force after the restart"
assert_eq "$(post -X POST -d '{}' localhost:8126)" 401 "unsigned, once the secret is in force: 401"
printf 'ok - the added secret is in force\n'

step "a secret rotated in place: taskctl reload, and the new key is in force"
ns_run systemctl start heraldd.service
pid=$(ns_run systemctl show -P MainPID heraldd.service)
ns_run sh -c 'umask 077 && printf r0t > /etc/herald/single.secret'
ns_run taskctl reload >/dev/null
wait_until 20 heraldd_pid_is_not "$pid" || fail "heraldd did not restart to take the rotated file"
wait_until 10 signed_is r0t 200 || fail "the rotated secret is not in force"
assert_eq "$(signed n3w)" 403 "the old key: 403"
printf 'ok - the rotated secret is in force, the old one refused\n'

step "development mode: an unreadable secret refuses its trigger only; the loopback warning"
ns_run sh -c 'cat > /etc/herald/dev.yml' <<'YML'
trigger:
  dev_open: {type: http, host: 127.0.0.1, port: 8140}
  dev_secret: {type: http, host: 127.0.0.1, port: 8141, secret_file: /etc/herald/hook.secret}
  dev_lo2: {type: http, host: 127.0.0.2, port: 8142}
  dev_any: {type: http, host: 0.0.0.0, port: 8143}
router:
  dev_a: {trigger: dev_open, selector: all, task: {a: none}}
  dev_b: {trigger: dev_secret, selector: all, task: {b: none}}
  dev_c: {trigger: dev_lo2, selector: all, task: {c: none}}
  dev_d: {trigger: dev_any, selector: all, task: {d: none}}
YML
# heraldd run by hand as herald reads secret_file itself: root's 0600 file is unreadable.
ns_run systemd-run -q --unit=heraldd-dev --uid=herald --gid=herald -p SupplementaryGroups=systemd-journal \
        -p StateDirectory=herald-dev /usr/local/libexec/herald/heraldd --workflow /etc/herald/dev.yml \
        --state-dir /var/lib/herald-dev --idle-timeout 0
post_is() { [[ $(post -X POST -d '{}' "$1") == "$2" ]]; }
wait_until 10 post_is localhost:8140 200 || fail "development mode: the other trigger is not served"
printf 'ok - the trigger without a secret is served\n'
assert_eq "$(post -X POST -d '{}' localhost:8141)" 503 "the trigger whose secret cannot be read: 503, unsigned"
assert_eq "$(post -X POST -H "X-Herald-Signature: $(printf '{}' | openssl dgst -sha256 -hmac k3y -hex | sed 's/.* //')" -d '{}' localhost:8141)" \
        503 "and signed: 503 (heraldd has no secret to check it with)"
log=$(ns_journal -u heraldd-dev.service -o cat)
assert_contains "$log" "Could not read the secret of trigger 'dev_secret'" "the unreadable secret is logged"
assert_contains "$log" "Trigger 'dev_any' listens on 0.0.0.0:8143 without a secret" "the warning for an unsigned trigger on 0.0.0.0"
assert_not_contains "$log" "'dev_lo2' listens on 127.0.0.2:8142 without a secret" "no warning for 127.0.0.2 (loopback)"
assert_eq "$(count_router dev_b)" 0 "the refused trigger fired nothing"
ns_run systemctl stop heraldd-dev.service

step "taskctl reload with a trigger's address changed: it listens on the new one"
# systemd keeps a running socket's fds over a reload and refuses to restart one whose
# service runs; without taskctl's restart the trigger would listen nowhere.
# (the trigger has the secret r0t by now)
rsig="X-Herald-Signature: $(printf '{}' | openssl dgst -sha256 -hmac r0t -hex | sed 's/.* //')"
ns_run systemctl start heraldd.service
assert_eq "$(post -X POST -H "$rsig" -d '{}' localhost:8126)" 200 "the trigger on its old port"
ns_run sed -i 's/port: 8126$/port: 8139/' /etc/herald/workflow.yml
out=$(ns_run taskctl reload)
assert_contains "$out" "Restarted herald-trigger-single.socket: its address changed" "taskctl reload says so"
assert_eq "$(post -X POST -H "$rsig" -d '{}' localhost:8139)" 200 "the new port answers"
assert_eq "$(post -X POST -H "$rsig" -d '{}' localhost:8126)" 000 "the old port is closed"
out=$(ns_run taskctl reload)
[[ $out != *Restarted* ]] || fail "a reload without changes restarted a socket: $out"
printf 'ok - a reload without changes restarts nothing\n'
