#!/bin/bash
# SPDX-License-Identifier: MIT
# heraldd under abuse, in a booted systemd: each case asserts the answer AND that
# nothing heraldd accepted was lost (every request answered 200 has exactly one result
# entry, found by a unique value in its body).
#  1. slowloris: clients sending a header byte every 2 s are closed after the
#     connection timeout (10 s), while normal requests on the same trigger are served;
#  2. 3000 idle TCP connections held open: heraldd stays within its connection limit
#     (fd count, VmRSS), another trigger is served at once, the waiting request on the
#     flooded trigger is served once the connections go, and heraldd survives;
#  3. a burst of 200 concurrent requests beyond --max-queued 20 / --max-running 5:
#     503s with Retry-After, every 200 yields exactly one result, never more than 5 jobs
#     ran at once;
#  4. a 200 MB body actually sent (chunked, and with Content-Length): the connection is
#     closed early and heraldd's peak RSS grows by less than 4 MB;
#  5. reloads (taskctl reload, systemctl reload heraldd) while requests run: every
#     request 200, every 200 a result; a broken workflow keeps the old one in force;
#  6. an exe_done router that selects its own results stops at --max-chain-depth with a
#     log line;
#  7. a 'none' task on an http route: heraldd writes its result entry (trusted _UID =
#     heraldd's user) and its exe_done chain fires;
#  8. --max-starting 64 (herald-activate's own window) and a burst of 300 quick jobs:
#     every one starts and succeeds.
# shellcheck source-path=SCRIPTDIR source=../lib/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/lib.sh"

RESULT_ID=39d34c102f1d482caf41e75fca8199a7
PY=/usr/bin/python3
[[ -x $PY ]] || skip "needs $PY"
command -v curl >/dev/null || skip "needs curl"
[[ -x $BUILD_DIR/src/heraldd/heraldd ]] || fail "$BUILD_DIR/src/heraldd/heraldd is not built"

ns_boot
step() { printf '==> [%3ds] %s\n' "$SECONDS" "$*"; }
# Background clients die with the test, before the instance is stopped.
BG=()
# shellcheck disable=SC2154 # _rc is set inside the trap
trap '_rc=$?; set +e; for p in "${BG[@]}"; do kill "$p" 2>/dev/null || true; done; (exit $_rc); _ns_cleanup' EXIT
ns_install
ns_run mount --make-rshared /
ns_run systemd-tmpfiles --create --prefix /run/log/journal --prefix /var/log/journal
ns_run systemd-sysusers /usr/local/lib/sysusers.d/herald-runner.conf /usr/local/lib/sysusers.d/herald.conf
ns_run systemd-tmpfiles --create /usr/local/lib/tmpfiles.d/herald-runner.conf /usr/local/lib/tmpfiles.d/herald.conf
ns_run mkdir -p /run/herald-test /var/lib/herald-test/work /etc/herald
# Small limits for the burst; never idle-exit, so one heraldd's fds and RSS are watched.
ns_heraldd_exec --idle-timeout 0 --max-queued 20 --max-running 5

# The burst job: records its start and end (flock), keyed by the request's unique n.
ns_run sh -c 'cat > /run/herald-test/burst-job.py' <<'PYEOF'
import fcntl, json, os, time
n = json.loads(os.environ["HERALD_EXECUTE_PARAM"])["trigger_param"]["n"]
def note(what):
    with open("/run/herald-test/burst-times", "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        f.write("%s %s %.6f\n" % (what, n, time.time()))
note("S")
time.sleep(1)
note("E")
PYEOF

workflow() {
        cat <<YML
trigger:
  web:
    type: http
    host: 127.0.0.1
    port: 8130
  burst:
    type: http
    host: 127.0.0.1
    port: 8132
  flood:
    type: http
    host: 127.0.0.1
    port: 8133
  big:
    type: http
    host: 127.0.0.1
    port: 8134
  seed:
    type: http
    host: 127.0.0.1
    port: 8135

executor:
  sh:
    type: local
    work_dir: /var/lib/herald-test/work

router:
  recorder:
    trigger: web
    selector: match_map
    select_param:
      match_key: kind
      match_value: rec
    task:
      rec: sh
    job_param:
      cmd: echo
      arg: ['${1:-v1}']
  none_route:
    trigger: web
    selector: match_map
    select_param:
      match_key: kind
      match_value: none
    task:
      nothing: none
  after_none:
    trigger: exe_done
    selector: match_map
    select_param:
      match_key: router
      match_value: none_route
    task:
      after: sh
    job_param:
      cmd: 'true'
  burst_job:
    trigger: burst
    selector: all
    task:
      sleeper: sh
    job_param:
      cmd: $PY
      arg: [/run/herald-test/burst-job.py]
  flood_job:
    trigger: flood
    selector: all
    task:
      flooded: sh
    job_param:
      cmd: 'true'
  big_job:
    trigger: big
    selector: all
    task:
      bigjob: sh
    job_param:
      cmd: 'true'
  seed_job:
    trigger: seed
    selector: all
    task:
      seeded: sh
    job_param:
      cmd: 'true'
YML
        if [[ ${2:-} == loop ]]; then
                cat <<YML
  # Selects every successful job, its own included: an endless loop but for the guard.
  loop:
    trigger: exe_done
    selector: match_map
    select_param:
      match_key: success
      match_value: true
    task:
      again: sh
    job_param:
      cmd: 'true'
YML
        fi
}
workflow v1 | ns_run sh -c 'cat > /etc/herald/workflow.yml'
ns_run taskctl validate /etc/herald/workflow.yml >/dev/null || fail "the workflow does not validate"
ns_run taskctl reload >/dev/null
ns_run systemctl start heraldd.service

HERALD_UID=$(ns_run id -u herald)
# entries: result entries as one JSON list (job, router, uid, success, n: the request's
# unique value, param).
entries() {
        # --all: a chain's param nests every step before it, beyond journalctl's 4 KiB
        ns_run journalctl --no-pager --all -o json MESSAGE_ID=$RESULT_ID |
                $PY -c '
import json, sys
out = []
for line in sys.stdin:
    e = json.loads(line)
    p = json.loads(e.get("HERALD_PARAM", "{}"))
    tp = p.get("trigger_param") or {}
    out.append({"job": e.get("HERALD_JOB_ID"), "router": e.get("HERALD_ROUTER"), "uid": e.get("_UID"),
                "success": e.get("HERALD_SUCCESS"), "n": tp.get("n"), "param": p})
print(json.dumps(out))'
}
count_router() { entries | $PY -c "import json,sys; print(sum(1 for e in json.load(sys.stdin) if e['router'] == '$1'))"; }
router_count_is() { [[ $(count_router "$1") == "$2" ]]; }
# check_results ROUTER CODES_FILE: every n answered 200 in CODES_FILE (lines "n code ...")
# has exactly one result entry of ROUTER, and no other n has one.
check_results() {
        entries | $PY -c '
import json, sys, collections
router, codes = sys.argv[1], sys.argv[2]
ok, refused = set(), set()
for line in codes.splitlines():
    f = line.split()
    (ok if f[1] == "200" else refused).add(int(f[0]))
seen = collections.Counter(e["n"] for e in json.load(sys.stdin) if e["router"] == router)
missing = sorted(n for n in ok if seen[n] == 0)
twice = sorted(n for n in ok if seen[n] > 1)
stray = sorted(n for n in seen if n not in ok)
assert not missing, ("accepted, no result", missing)
assert not twice, ("accepted, more than one result", twice)
assert not stray, ("a result for a request not answered 200", stray)
print("ok - %s: %d requests answered 200, each with exactly one result entry" % (router, len(ok)))
' "$1" "$(ns_run cat "$2")"
}
results_settled() { check_results "$@" >/dev/null 2>&1; }
heraldd_pid() { ns_run systemctl show -P MainPID heraldd.service; }
rss_kb() { ns_run awk "/^$2:/ {print \$2}" "/proc/$1/status"; }

PID0=$(heraldd_pid)
[[ $PID0 -gt 0 ]] || fail "heraldd did not start"

step "7. a 'none' task on an http route"
code=$(ns_run curl -s -o /dev/null -w '%{http_code}' -d '{"kind":"none","n":1}' localhost:8130)
assert_eq "$code" 200 "POST answered 200"
wait_until 20 router_count_is after_none 1 || fail "the none task's exe_done chain never ran"
entries | $PY -c '
import json, sys
es = json.load(sys.stdin)
none = [e for e in es if e["router"] == "none_route"]
after = [e for e in es if e["router"] == "after_none"]
assert len(none) == 1, none
assert none[0]["uid"] == sys.argv[1], ("the none result is not heraldd'"'"'s", none[0]["uid"], sys.argv[1])
assert none[0]["success"] == "true", none[0]
assert len(after) == 1 and after[0]["param"]["trigger_param"]["job_id"] == none[0]["job"], after
print("ok - the none result was written by heraldd (_UID %s) and chained once" % sys.argv[1])
' "$HERALD_UID" || fail "the none task"

step "1. slowloris: a header byte every 2 s"
ns_run sh -c 'cat > /run/herald-test/slowloris.py' <<'PYEOF'
import select, socket, sys, time
N, PERIOD, LIMIT = 4, 2.0, 30.0
t0 = time.time()
socks = []
for _ in range(N):
    s = socket.create_connection(("127.0.0.1", 8130))
    s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Slow: ")
    socks.append(s)
closed = {}
while len(closed) < N and time.time() - t0 < LIMIT:
    for i, s in enumerate(socks):
        if i in closed:
            continue
        try:
            r, _, _ = select.select([s], [], [], 0)
            if r and s.recv(4096) == b"":
                raise ConnectionResetError
            s.send(b"a")
        except OSError:
            closed[i] = time.time() - t0
    time.sleep(PERIOD)
print(" ".join("%.1f" % closed[i] if i in closed else "open" for i in range(N)))
PYEOF
ns_run sh -c "$PY /run/herald-test/slowloris.py > /run/herald-test/slowloris" </dev/null &
slow=$!
BG+=("$slow")
ns_run sh -c 'for n in $(seq 100 120); do
        printf "%s %s\n" $n "$(curl -s -o /dev/null -m 5 -w "%{http_code}" -d "{\"kind\":\"rec\",\"n\":$n}" localhost:8130)"
        sleep 0.5
done > /run/herald-test/codes-slowloris'
assert_eq "$(ns_run awk '$2 != 200' /run/herald-test/codes-slowloris)" "" "normal requests meanwhile: all 200"
wait $slow || fail "the slowloris client failed"
read -ra closed <<< "$(ns_run cat /run/herald-test/slowloris)"
printf '# slowloris connections closed after (s): %s\n' "${closed[*]}"
for c in "${closed[@]}"; do
        [[ $c != open ]] || fail "a slowloris connection was still open after 30 s"
        (( ${c%.*} <= 14 )) || fail "a slowloris connection was closed only after $c s (timeout 10 s)"
done
printf 'ok - every slowloris connection was closed within the timeout\n'
wait_until 20 results_settled recorder /run/herald-test/codes-slowloris || true
check_results recorder /run/herald-test/codes-slowloris || fail "requests during slowloris lost"

step "3. a burst of 200 beyond --max-queued 20 / --max-running 5"
ns_run sh -c 'cat > /run/herald-test/burst.py' <<'PYEOF'
import http.client, sys, threading
N = 200
go = threading.Barrier(N)
out = [None] * N
def post(i):
    go.wait()
    try:
        c = http.client.HTTPConnection("127.0.0.1", 8132, timeout=60)
        c.request("POST", "/", body='{"n": %d}' % i, headers={"Content-Type": "application/json"})
        r = c.getresponse()
        r.read()
        out[i] = "%d %d %s" % (i, r.status, r.getheader("Retry-After") or "-")
    except Exception as e:
        out[i] = "%d error %s" % (i, type(e).__name__)
ts = [threading.Thread(target=post, args=(i,)) for i in range(N)]
for t in ts: t.start()
for t in ts: t.join()
print("\n".join(out))
PYEOF
ns_run sh -c "ulimit -n 4096; $PY /run/herald-test/burst.py > /run/herald-test/codes-burst"
summary=$(ns_run awk '{n[$2]++} $2 == 503 && $3 == "-" {bad++} END {printf "%d %d %d %d", n[200], n[503], NR - n[200] - n[503], bad}' /run/herald-test/codes-burst)
read -r n200 n503 nother noretry <<< "$summary"
printf '# %s answered 200, %s answered 503, %s otherwise\n' "$n200" "$n503" "$nother"
assert_eq "$nother" 0 "every request was answered 200 or 503"
(( n503 > 0 )) || fail "no 503 although 200 requests met a queue of 20"
assert_eq "$noretry" 0 "every 503 carries Retry-After"
(( n200 >= 20 )) || fail "only $n200 requests were accepted (the queue holds 20)"
wait_until 60 results_settled burst_job /run/herald-test/codes-burst || true
check_results burst_job /run/herald-test/codes-burst || fail "the burst lost or doubled accepted requests"
ns_run cat /run/herald-test/burst-times | $PY -c '
import sys
ev, starts, ends = [], set(), set()
for line in sys.stdin:
    what, n, t = line.split()
    ev.append((float(t), 0 if what == "E" else 1))
    (starts if what == "S" else ends).add(n)
assert starts == ends, "a job started and never ended"
run = peak = 0
for t, d in sorted(ev):
    run += 1 if d else -1
    peak = max(peak, run)
print("# %d jobs, at most %d at once" % (len(starts), peak))
assert 2 <= peak <= 5, ("jobs at once", peak)
print("ok - never more than --max-running (5) jobs at once")
' || fail "max-running"

step "4. a 200 MB body actually sent"
ns_run sh -c 'cat > /run/herald-test/big.py' <<'PYEOF'
import socket, sys, time
chunked = sys.argv[1] == "chunked"
TOTAL, CHUNK = 200 * 1024 * 1024, 64 * 1024
s = socket.create_connection(("127.0.0.1", 8134))
s.settimeout(10)
head = "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
head += "Transfer-Encoding: chunked\r\n\r\n" if chunked else "Content-Length: %d\r\n\r\n" % TOTAL
s.sendall(head.encode())
piece = (b"%x\r\n" % CHUNK + b"7" * CHUNK + b"\r\n") if chunked else b"7" * CHUNK
sent, t0, how = 0, time.time(), "all sent"
try:
    while sent < TOTAL:
        s.sendall(piece)
        sent += CHUNK
except OSError as e:
    how = type(e).__name__
answer = b""
try:
    answer = s.recv(100)
except OSError:
    pass
status = answer.split(b" ")[1].decode() if answer.startswith(b"HTTP/") else "none"
print(sent // (1024 * 1024), how, status, "%.1f" % (time.time() - t0))
PYEOF
# A fresh heraldd, so its peak RSS (VmHWM) is this case's.
ns_run systemctl restart heraldd.service
assert_eq "$(ns_run curl -s -o /dev/null -w '%{http_code}' -d '{"n":1}' localhost:8134)" 200 "a small body on the same trigger: 200"
pid=$(heraldd_pid)
before=$(rss_kb "$pid" VmRSS)
for mode in chunked length; do
        read -r mb how status secs <<< "$(ns_run $PY /run/herald-test/big.py $mode)"
        printf '# %s: %s MB sent before the connection ended (%s, answer %s, %s s)\n' "$mode" "$mb" "$how" "$status" "$secs"
        [[ $how != "all sent" ]] || fail "$mode: heraldd took all 200 MB"
        (( mb < 32 )) || fail "$mode: heraldd read $mb MB before closing the connection"
        [[ $mode == chunked || $status == 413 || $status == none ]] || fail "$mode: answered $status"
done
peak=$(rss_kb "$pid" VmHWM)
printf '# heraldd VmRSS %s kB before, VmHWM %s kB after\n' "$before" "$peak"
(( peak - before < 4096 )) || fail "heraldd's RSS grew by $((peak - before)) kB"
assert_eq "$(heraldd_pid)" "$pid" "heraldd survived"
assert_eq "$(ns_run curl -s -o /dev/null -w '%{http_code}' -d '{"n":2}' localhost:8134)" 200 "and still serves the trigger"
wait_until 20 router_count_is big_job 2 || fail "the small requests' jobs did not run once each (or a big body fired one)"
printf 'ok - only the two small requests fired a job\n'

step "2. 3000 idle connections held open"
ns_run sh -c 'cat > /run/herald-test/flood.py' <<'PYEOF'
import os, socket, sys, time
N = 3000
socks, failed = [], 0
for _ in range(N):
    try:
        s = socket.socket()
        s.settimeout(3)
        s.connect(("127.0.0.1", 8133))
        socks.append(s)
    except OSError:
        failed += 1
with open("/run/herald-test/flood-held", "w") as f:
    f.write("%d %d\n" % (len(socks), failed))
# Held until told to go (at most 60 s).
t0 = time.time()
while not os.path.exists("/run/herald-test/flood-go") and time.time() - t0 < 60:
    time.sleep(0.1)
for s in socks:
    s.close()
PYEOF
pid=$(heraldd_pid)
limit=$(ns_run awk '/^Max open files/ {print $4}' "/proc/$pid/limits")
ns_run sh -c "ulimit -n 8192; exec $PY /run/herald-test/flood.py" </dev/null &
flood=$!
BG+=("$flood")
wait_until 30 ns_run test -s /run/herald-test/flood-held || fail "the flood client did not connect"
read -r held failed <<< "$(ns_run cat /run/herald-test/flood-held)"
printf '# %s connections held (%s failed to connect)\n' "$held" "$failed"
# A request on the flooded trigger waits in the backlog; one on another trigger is served.
ns_run sh -c 'curl -s -o /dev/null -m 60 -w "%{http_code}" -d "{\"n\":1}" localhost:8133 > /run/herald-test/flood-code' </dev/null &
waiter=$!
BG+=("$waiter")
sleep 1
nfd=$(ns_run ls "/proc/$pid/fd" | wc -l)
rss=$(rss_kb "$pid" VmRSS)
printf '# heraldd: %s fds open (RLIMIT_NOFILE %s), VmRSS %s kB\n' "$nfd" "$limit" "$rss"
(( nfd <= 1024 + 64 )) || fail "heraldd holds $nfd fds: beyond its connection limit (1024)"
(( nfd < limit - 16 )) || fail "heraldd is at its fd limit ($nfd of $limit)"
(( rss < 32768 )) || fail "heraldd's RSS is $rss kB with idle connections"
code=$(ns_run curl -s -o /dev/null -m 5 -w '%{http_code}' -d '{"kind":"rec","n":500}' localhost:8130)
assert_eq "$code" 200 "another trigger is served at once during the flood"
ns_run touch /run/herald-test/flood-go
wait $flood || fail "the flood client failed"
wait $waiter || true
assert_eq "$(ns_run cat /run/herald-test/flood-code)" 200 "the request that waited on the flooded trigger: 200"
assert_eq "$(ns_run curl -s -o /dev/null -m 5 -w '%{http_code}' -d '{"n":2}' localhost:8133)" 200 "the flooded trigger serves again"
assert_eq "$(heraldd_pid)" "$pid" "heraldd survived"
wait_until 20 router_count_is flood_job 2 || fail "the two accepted flood requests did not run once each"
printf 'ok - the two accepted requests ran once each\n'

step "5. reloads while requests run"
ns_run sh -c 'cat > /run/herald-test/loop.py' <<'PYEOF'
import http.client, os, sys, time
n = 1000
with open("/run/herald-test/codes-reload", "w") as out:
    while not os.path.exists("/run/herald-test/loop-stop") and n < 1600:
        try:
            c = http.client.HTTPConnection("127.0.0.1", 8130, timeout=10)
            c.request("POST", "/", body='{"kind": "rec", "n": %d}' % n)
            r = c.getresponse()
            body = r.read().decode().strip().replace(" ", "_")
            code = r.status if r.status == 200 else "%d:%s" % (r.status, body)
        except Exception as e:
            code = type(e).__name__
        out.write("%d %s\n" % (n, code))
        out.flush()
        n += 1
        time.sleep(0.1)
PYEOF
# heraldd's default queue: with --max-queued 20, the requests that come while systemd
# reloads (and starts no job) fill the queue and are answered 503, as they should be.
ns_heraldd_exec --idle-timeout 0
ns_run systemctl daemon-reload
ns_run systemctl restart heraldd.service
SNAP=/run/systemd/generator/herald/workflow.yml
ns_run sh -c "$PY /run/herald-test/loop.py" </dev/null &
loop=$!
BG+=("$loop")
pid=$(heraldd_pid)
reloaded() { [[ $(ns_journal _PID="$pid" -o cat | grep -c -- "$1") -ge $2 ]]; }
sleep 0.5
workflow v2 | ns_run sh -c 'cat > /etc/herald/workflow.yml'
ns_run taskctl reload >/dev/null
for _ in 1 2 3; do
        sleep 0.3
        ns_run systemctl reload heraldd.service
done
wait_until 10 reloaded 'Reloaded ' 4 || { ns_journal _PID="$pid" -o cat | tail -20; fail "heraldd did not reload 4 times"; }
printf 'ok - heraldd reloaded 4 times (taskctl reload, systemctl reload)\n'
# A workflow that is not YAML: the generator keeps the last good one.
ns_run sh -c 'printf "router: [\n" > /etc/herald/workflow.yml'
rc=0; out=$(ns_run taskctl reload 2>&1) || rc=$?
assert_eq "$rc" 1 "taskctl reload of a broken workflow exits 1"
assert_contains "$out" "the last good workflow (/etc/herald/last-good.yml) stays in force" "taskctl reload: a broken workflow keeps the last good one"
ns_run systemctl reload heraldd.service
# A snapshot heraldd cannot load (only root can write one): heraldd keeps its own.
ns_run cp "$SNAP" /run/herald-test/snapshot
ns_run sh -c "printf 'router: [\n' > $SNAP"
ns_run systemctl reload heraldd.service
wait_until 10 reloaded 'the workflow loaded before stays in force' 1 || fail "heraldd did not say it kept its workflow"
printf 'ok - heraldd logs that the workflow loaded before stays in force\n'
ns_run cp /run/herald-test/snapshot "$SNAP"
workflow v4 | ns_run sh -c 'cat > /etc/herald/workflow.yml'
ns_run taskctl reload >/dev/null
sleep 0.5
ns_run touch /run/herald-test/loop-stop
wait $loop || fail "the request loop failed"
assert_eq "$(heraldd_pid)" "$pid" "heraldd never restarted"
read -r total bad <<< "$(ns_run awk '$2 != 200 {bad++} END {print NR, bad + 0}' /run/herald-test/codes-reload)"
printf '# %s requests during the reloads\n' "$total"
(( total >= 10 )) || fail "only $total requests ran during the reloads"
[[ $bad == 0 ]] || ns_run awk '$2 != 200' /run/herald-test/codes-reload | head -5
assert_eq "$bad" 0 "every request during the reloads was answered 200"
# Every request the recorder router was sent: slowloris' neighbours, the flood's, these.
ns_run sh -c 'cd /run/herald-test && { cat codes-slowloris codes-reload; echo "500 200"; } > codes-recorder'
# herald-activate, too, keeps the snapshot it loaded before while the snapshot is
# broken: no job fails for it.
wait_until 60 results_settled recorder /run/herald-test/codes-recorder || true
failed=$(entries | $PY -c 'import json, sys; print(sum(1 for e in json.load(sys.stdin) if e["router"] == "recorder" and e["success"] == "false"))')
assert_eq "$failed" 0 "no job failed while the snapshot was broken"
left=$(ns_run sh -c 'ls /var/lib/herald/requests | grep -c "\.json$" || true')
assert_eq "$left" 0 "no request left behind"
check_results recorder /run/herald-test/codes-recorder || fail "requests during the reloads lost or doubled"
last=$(ns_run tail -n 1 /run/herald-test/codes-reload | cut -d' ' -f1)
entries | $PY -c '
import json, sys
e = [e for e in json.load(sys.stdin) if e["router"] == "recorder" and e["n"] == int(sys.argv[1])][0]
assert e["param"]["job_param"]["arg"] == ["v4"], e["param"]["job_param"]
print("ok - the last request ran with the last workflow (v4)")
' "$last" || fail "the reloaded workflow is not in force"

step "6. an exe_done router that selects its own results"
workflow v4 loop | ns_run sh -c 'cat > /etc/herald/workflow.yml'
ns_run taskctl reload >/dev/null
assert_eq "$(ns_run curl -s -o /dev/null -w '%{http_code}' -d '{"n":1}' localhost:8135)" 200 "the seed request: 200"
guard() { [[ $(ns_journal -u heraldd.service -o cat | grep -c "not firing exe_done again (the chain depth limit is 16") -ge 1 ]]; }
wait_until 60 guard || fail "no log line of the chain depth guard"
printf 'ok - the chain depth guard logged its stop\n'
sleep 2
assert_eq "$(count_router loop)" 16 "the loop ran 16 steps (--max-chain-depth 16), no more"
sleep 2
assert_eq "$(count_router loop)" 16 "and does not go on"
step "8. --max-starting 64: a burst of 300 quick jobs, every one starts"
# heraldd counts a job off when its result comes, which can be before herald-activate
# saw the job's JobRemoved (a busy PID 1); with heraldd's window as wide as
# herald-activate's, starts then met a full window there and failed ("too many starts
# in flight"): herald-activate now holds them until a slot frees.
ns_heraldd_exec --idle-timeout 0 --max-starting 64
# (without step 6's loop router, which would chain 16 steps after every job)
workflow v5 | ns_run sh -c 'cat > /etc/herald/workflow.yml'
ns_run systemctl daemon-reload
ns_run systemctl restart heraldd.service
ns_run sh -c 'cat > /run/herald-test/quick.py' <<'PYEOF'
import http.client, threading
N, BASE = 300, 20000
out = [None] * N
def post(i):
    try:
        c = http.client.HTTPConnection("127.0.0.1", 8130, timeout=60)
        c.request("POST", "/", body='{"kind": "rec", "n": %d}' % (BASE + i), headers={"Content-Type": "application/json"})
        r = c.getresponse()
        r.read()
        out[i] = "%d %d" % (BASE + i, r.status)
    except Exception as e:
        out[i] = "%d error %s" % (BASE + i, type(e).__name__)
ts = [threading.Thread(target=post, args=(i,)) for i in range(N)]
for t in ts: t.start()
for t in ts: t.join()
print("\n".join(out))
PYEOF
quick_before=$(ns_journal -o cat MESSAGE_ID=$RESULT_ID HERALD_ROUTER=recorder | wc -l)
ns_run sh -c "ulimit -n 4096; $PY /run/herald-test/quick.py > /run/herald-test/codes-quick"
assert_eq "$(ns_run awk '$2 != 200' /run/herald-test/codes-quick | wc -l)" 0 "all 300 answered 200"
# quick_results: "RESULTS DISTINCT SUCCEEDED" of the recorder's jobs of this burst
quick_results() {
        entries | $PY -c '
import json, sys
q = [e for e in json.load(sys.stdin) if e["router"] == "recorder" and isinstance(e["n"], int) and 20000 <= e["n"] < 20300]
print(len(q), len({e["n"] for e in q}), sum(1 for e in q if e["success"] == "true"))'
}
_quick_done() { (($(ns_journal -o cat MESSAGE_ID=$RESULT_ID HERALD_ROUTER=recorder | wc -l) >= quick_before + 300)); }
wait_until 120 _quick_done || true
assert_eq "$(quick_results)" "300 300 300" "300 results, one per request, all succeeded"
assert_eq "$(ns_journal -o cat -u herald-activate.service -u heraldd.service | grep -c 'too many starts' || true)" 0 \
        "no start was refused for a full window"

step "done"
