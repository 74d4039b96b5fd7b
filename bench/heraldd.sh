#!/bin/bash
# SPDX-License-Identifier: MIT
# heraldd.sh: heraldd's HTTP triggers, dynamic jobs, exe_done chains and memory, each
# beside a floor measured in the same run
#
# Boots a private systemd (tests/lib/herald-ns), installs herald from BUILD_DIR (with
# units/herald.sysusers and herald.tmpfiles applied, as a package would), writes the
# bench workflow below with its http triggers on 127.0.0.1 (ports picked by the script,
# in the instance's own network namespace) and measures, RUNS rounds, heraldd's rows and
# their floors interleaved so that drift of the machine hits both alike:
#
# 1. HTTP trigger -> all -> none. 'wrk -t1 -cCONNS -dDURATION' POSTs a small JSON object
#    (keep-alive) to trigger hn, whose router rn has one 'none' task: heraldd answers
#    and writes the task's result entry itself, no unit is started. Requests/s, p50 and
#    p99 as wrk reports them. FLOOR: nginx-light 'location / { return 200; }' with
#    NGINX_WORKERS (1) worker, on another loopback port of the same instance, same wrk
#    command. Goal: >= 60 % of nginx, p99 < 1 ms. Also: the journal entries/s the
#    heraldd run produced (every entry journald received during it; a 'none' task
#    writes one per request) and the result entries counted against wrk's requests.
# 2. HTTP -> local 'true' jobs. JOBS POSTs (curl --parallel, CONNS connections) to
#    trigger hl, whose router rl has one local task 'cmd: true'. The path of each:
#    http -> heraldd (user herald: request file, then START over /run/herald/activate)
#    -> herald-activate --serve (root, herald-activate.service, socket-activated) ->
#    StartUnit of herald-rl-t@<job id>.service, an instance of the generator's
#    template for the task (ExecStart=herald-exec job --result-entry, which writes the
#    result entry itself, OnFailure=herald-result@, no ExecStartPre: the timer path's
#    shape, as a unit file). herald-activate answers a START once its start job has run
#    (JobRemoved); heraldd keeps at most --max-starting (MAX_STARTING) unanswered. Rate:
#    JOBS over the time from curl's start to PID 1's last "Started herald-rl-t@..."
#    message (as job-throughput.sh counts). FLOORS: raw-start-transient of the
#    job-throughput.sh ceiling shape (StartTransientUnit, root) and StartUnit of a
#    template of that shape (root, job-throughput.sh's rt). Goal: >= 90 % of the ceiling.
# 3. CHAINS triggers in a burst -> local 'true' -> exe_done -> print. CHAINS POSTs to
#    trigger hc (router rc, one local 'true' task); router rp (exe_done, match_map
#    router=rc) prints. Counted: chained result entries (HERALD_TRIGGER=exe_done,
#    router rp) whose trigger_param.job_id is one of this round's rc jobs. Latency per
#    chain: the rc job's result entry (herald-done's send time, after the job's main
#    process exited) -> the rp unit's "Started" message (its main() exec'd), and the rc
#    unit's "Started" -> the rp unit's "Started". Each result entry names its unit
#    (HERALD_UNIT, herald-rc-t@<job id>.service / herald-rp-p@<job id>.service), which joins it
#    to PID 1's "Started" message (UNIT=). Goal: p50 <= 10 ms (result -> main).
#    FLOOR: systemd chaining by itself: template floora@ with OnSuccess=floorb@%i, CHAINS
#    instances started with StartUnit (raw-start-transient --template), floora@X
#    "Started" -> floorb@X "Started".
# 4. heraldd's memory: VmRSS right after 'systemctl start heraldd.service' (idle), the
#    highest VmHWM read after each load row (peak), and after the last row the time
#    until heraldd exited on its own (idle timeout) with no heraldd process left.
#    FLOOR: bench/idle-floor, the smallest daemon of heraldd's kind (an sd-event loop and
#    one libmicrohttpd listener, linked with libsystemd and libmicrohttpd only), idle:
#    what any such daemon costs before doing anything; above it is heraldd's own.
#
# Job units are gone soon after they end, so the journal stands for their timestamps:
# PID 1's "Started" message (its _SOURCE_REALTIME_TIMESTAMP: for a Type=exec service,
# sent once the main process was exec'd) and the result entry's _SOURCE_REALTIME_TIMESTAMP.
#
# herald-activate follows PID 1's signals (it waits for each start job's JobRemoved)
# on /run/systemd/private, where PID 1 sends every unit's signals to every client. So it is started before each heraldd job row (its start-up and
# CPU counters outside the round) and stopped before each floor row, which then run as
# before: with no subscriber. heraldd reconnects (socket activation) at its next job.
#
# Until heraldd is built (BUILD_DIR/src/heraldd/heraldd), only the floors are measured,
# and the output says so.
#
# Environment: ROWS (the rows to measure, of "hn ng hl rs rt hc cf": heraldd none, nginx,
# heraldd jobs, raw transient, raw template, heraldd chains, chain floor; default all),
# BUILD_DIR (default SRC/build, must be built), RUNS (3), DURATION (10, wrk
# seconds), CONNS (16), JOBS (300), CHAINS (500), NGINX_WORKERS (1), IDLE_WAIT (60:
# seconds to wait for heraldd's idle exit), MAX_STARTING (unset: heraldd's default,
# MANAGER_MAX_STARTING; set: 'heraldd --max-starting N' by a drop-in, to compare 2/4/8).
# Needs wrk and nginx-light ('tools/deps.sh bench'). Needs root: 'sudo bench/heraldd.sh'.
# Exits 77 when no instance can boot here.
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BUILD_DIR=$(cd "${BUILD_DIR:-$BENCH_DIR/../build}" && pwd)
export BUILD_DIR
# shellcheck source-path=SCRIPTDIR source=../tests/lib/lib.sh
. "$BENCH_DIR/../tests/lib/lib.sh"
# shellcheck source-path=SCRIPTDIR source=bench-lib.sh
. "$BENCH_DIR/bench-lib.sh"

RUNS=${RUNS:-3}
DURATION=${DURATION:-10}
CONNS=${CONNS:-16}
JOBS=${JOBS:-300}
CHAINS=${CHAINS:-500}
NGINX_WORKERS=${NGINX_WORKERS:-1}
IDLE_WAIT=${IDLE_WAIT:-60}
MAX_STARTING=${MAX_STARTING:-}
BODY='{"bench":"heraldd","n":1}'
RAW=$BUILD_DIR/bench/raw-start-transient
FLOOR=$BUILD_DIR/bench/idle-floor
WINDOW=$(start_window)
WORK=/run/bench                 # the instance's private /run
# CPU columns: PID 1, dbus-daemon, journald, herald-activate, heraldd, nginx, the job units
CGROUPS=(init.scope system.slice/dbus.service system.slice/systemd-journald.service system.slice/herald-activate.service
         system.slice/heraldd.service system.slice/bench-nginx.service herald.slice)
# heraldd's default starts in flight (shown when MAX_STARTING is not set)
DEFAULT_STARTING=$(sed -n 's/^#define MANAGER_MAX_STARTING \([0-9]\+\).*/\1/p' "$SRC_DIR/src/heraldd/manager.h")

[[ -x $RAW && -x $FLOOR ]] || fail "$RAW or $FLOOR is missing: run 'ninja -C $BUILD_DIR' first"
[[ -n $WINDOW ]] || fail "cannot read START_WINDOW_DEFAULT from src/shared/start-window.h"
[[ -z $MAX_STARTING || $MAX_STARTING =~ ^[1-9][0-9]*$ ]] || fail "MAX_STARTING must be a number (1-64), not '$MAX_STARTING'"
for t in wrk nginx curl jq; do
  command -v "$t" >/dev/null || PATH=$PATH:/usr/sbin command -v "$t" >/dev/null || fail "$t is missing: run 'tools/deps.sh bench'"
done
HAVE_HERALDD=0
[[ -x $BUILD_DIR/src/heraldd/heraldd ]] && HAVE_HERALDD=1

ns_boot
ns_install
step "sysusers and tmpfiles (the user herald, /var/lib/herald, /run/herald)"
ns_run systemd-sysusers /usr/local/lib/sysusers.d/herald-runner.conf /usr/local/lib/sysusers.d/herald.conf
ns_run systemd-tmpfiles --create /usr/local/lib/tmpfiles.d/herald-runner.conf /usr/local/lib/tmpfiles.d/herald.conf
ns_run mkdir -p "$WORK"

# five ports nothing listens on (the instance has only lo; checked anyway)
base=$((20000 + RANDOM % 20000))
P_NGINX=$base P_NONE=$((base + 1)) P_JOBS=$((base + 2)) P_CHAIN=$((base + 3)) P_FLOOR=$((base + 4))
for p in "$P_NGINX" "$P_NONE" "$P_JOBS" "$P_CHAIN" "$P_FLOOR"; do
  [[ -z $(ns_run ss -Htln "sport = :$p") ]] || fail "port $p is taken in the instance"
done

step "floor units: rawt@ (job-throughput.sh's shape), floora@ -> OnSuccess= floorb@"
shape='CollectMode=inactive-or-failed\n[Service]\nType=exec\nSlice=herald.slice\nExecStart=/bin/true\n'
ns_run sh -c "printf '[Unit]\nDescription=bench template unit\n$shape' > /etc/systemd/system/rawt@.service"
ns_run sh -c 'cat > /etc/systemd/system/floora@.service' <<'EOF'
[Unit]
Description=bench chain floor, first step
CollectMode=inactive-or-failed
OnSuccess=floorb@%i.service

[Service]
Type=exec
Slice=herald.slice
ExecStart=/bin/true
EOF
ns_run sh -c 'cat > /etc/systemd/system/floorb@.service' <<'EOF'
[Unit]
Description=bench chain floor, chained step
CollectMode=inactive-or-failed

[Service]
Type=exec
Slice=herald.slice
ExecStart=/bin/true
EOF

if ((HAVE_HERALDD)); then
  step "workflow: http triggers hn (none), hl (local true), hc (local true -> exe_done -> print) on ports $P_NONE-$P_CHAIN"
  ns_run sh -c 'mkdir -p /etc/herald && cat > /etc/herald/workflow.yml' <<EOF
trigger:
  hn: {type: http, host: 127.0.0.1, port: $P_NONE}
  hl: {type: http, host: 127.0.0.1, port: $P_JOBS}
  hc: {type: http, host: 127.0.0.1, port: $P_CHAIN}
executor:
  sh: {type: local}
router:
  rn: {trigger: hn, selector: all, task: {n: none}}
  rl: {trigger: hl, selector: all, task: {t: sh}, job_param: {cmd: "true"}}
  rc: {trigger: hc, selector: all, task: {t: sh}, job_param: {cmd: "true"}}
  rp:
    trigger: exe_done
    selector: match_map
    select_param: {match_key: router, match_value: rc}
    task: {p: print}
EOF
  ns_run taskctl validate /etc/herald/workflow.yml >/dev/null || fail "the bench workflow does not validate"
  if [[ -n $MAX_STARTING ]]; then
    # as tests/integration do for --idle-timeout: the installed ExecStart= plus one option
    exec_start=$(ns_run sed -n 's/^ExecStart=//p' "$(ns_run systemctl show -P FragmentPath heraldd.service)")
    [[ -n $exec_start ]] || fail "cannot read heraldd.service's ExecStart="
    step "heraldd --max-starting $MAX_STARTING (drop-in heraldd.service.d/bench.conf)"
    ns_run mkdir -p /etc/systemd/system/heraldd.service.d
    ns_run sh -c 'cat > /etc/systemd/system/heraldd.service.d/bench.conf' <<EOF
[Service]
ExecStart=
ExecStart=$exec_start --max-starting $MAX_STARTING
EOF
  fi
fi
ns_run systemctl daemon-reload
if ((HAVE_HERALDD)); then
  ns_run systemctl start sockets.target
  for s in hn hl hc; do
    [[ $(ns_run systemctl show -P ActiveState "herald-trigger-$s.socket") == active ]] || fail "herald-trigger-$s.socket does not listen"
  done
fi
# started by hand they stay, and so do their CPU counters between rounds
ns_run systemctl start herald.slice

step "nginx-light on 127.0.0.1:$P_NGINX ($NGINX_WORKERS worker, return 200)"
ns_run sh -c "cat > $WORK/nginx.conf" <<EOF
daemon off;
user root;
worker_processes $NGINX_WORKERS;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx-body;
  server {
    listen 127.0.0.1:$P_NGINX;
    location / { return 200; }
  }
}
EOF
ns_run systemd-run -q -u bench-nginx -p Type=exec /usr/sbin/nginx -c "$WORK/nginx.conf"
listening() { ns_run bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }
wait_until 10 listening "$P_NGINX" || fail "nginx does not listen on $P_NGINX: $(ns_run cat "$WORK/nginx-error.log")"

# wrk's script: the method and body, and one line of figures (latencies in usec)
ns_run sh -c "cat > $WORK/post.lua" <<EOF
wrk.method = "POST"
wrk.body = '$BODY'
wrk.headers["Content-Type"] = "application/json"
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("bench %.1f %.3f %.3f %d %d %d\n", summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.requests,
    e.connect + e.read + e.write + e.timeout, e.status))
end
EOF

# wrk_run PORT: "REQ/S P50-MS P99-MS REQUESTS SOCKET-ERRORS NON-2XX"
wrk_run() {
  local out
  out=$(ns_run wrk -t1 -c"$CONNS" -d"${DURATION}s" -s "$WORK/post.lua" "http://127.0.0.1:$1/") || fail "wrk failed: $out"
  sed -n 's/^bench //p' <<<"$out"
}

# post_burst PORT N: N POSTs of BODY with curl, CONNS at a time; prints curl's start
# (PID 1's realtime clock, usec), then "CODE COUNT" per HTTP status
post_burst() {
  # shellcheck disable=SC2016  # expanded by the inner shell
  ns_run bash -c 'p=$1 n=$2 c=$3 body=$4 args=()
    for ((i = 0; i < n; i++)); do args+=(-o /dev/null "http://127.0.0.1:$p/"); done
    date +%s%6N
    curl -s --no-progress-meter --parallel --parallel-immediate --parallel-max "$c" -X POST -H "Content-Type: application/json" \
      -d "$body" -w "%{http_code}\n" "${args[@]}" | sort | uniq -c | awk "{ print \$2, \$1 }"' _ "$1" "$2" "$CONNS" "$BODY"
}
codes_ok() { # CODES-LINES N: all N answered 200
  [[ $(awk '$1 == 200 { print $2 }' <<<"$1") == "$2" ]]
}

# heraldd's main PID (0 when not running) and one field of its /proc status (kB)
heraldd_pid() { ns_run systemctl show -P MainPID heraldd.service; }
# shellcheck disable=SC2016  # awk's own fields
proc_kb() { ns_run awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status" 2>/dev/null || true; }
# smaps_kb PID FIELD: a field of /proc/PID/smaps_rollup (Pss, Private_Dirty, ...): RSS
# counts every shared library page the process touched (libc, libcrypto, gnutls pulled in
# by libmicrohttpd), PSS shares them out, Private_* is what is the process's own
# shellcheck disable=SC2016  # awk's own fields
smaps_kb() { ns_run awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/smaps_rollup" 2>/dev/null || true; }
# Rounds run in subshells ($(round ...)): what they learn about heraldd goes to files.
TMP=$(mktemp -d)
# lib.sh's EXIT trap stops the instance; this one also removes TMP and then runs it
trap 'rc=$?; rm -rf "$TMP"; (exit $rc); _ns_cleanup' EXIT
# sample_hwm: heraldd's VmHWM now, as "PID KB" in TMP/hwm, and the time (SECONDS) of
# heraldd's last work in TMP/last
sample_hwm() {
  local pid kb
  echo "$SECONDS" >"$TMP/last"
  pid=$(heraldd_pid)
  ((pid > 0)) || return 0
  kb=$(proc_kb "$pid" VmHWM)
  [[ -z $kb ]] || echo "$pid $kb" >>"$TMP/hwm"
}
# heraldd running before a round: its cgroup (CPU column) must outlive the round
heraldd_up() { ns_run systemctl start heraldd.service || fail "heraldd.service does not start: $(ns_journal -q -u heraldd.service -o cat | tail -n 5)"; }
# herald-activate before a heraldd job row: running, so that its start-up is not timed
# and its CPU counters span the round; its invocation is checked after the round (a
# restart in between resets them: counted in TMP/restarts). Stopped before a floor row
# (its Subscribe would make PID 1 send the floor units' signals too; see the header).
activate_id() { ns_run systemctl show -P InvocationID herald-activate.service; }
activate_up() {
  ns_run systemctl start herald-activate.service || fail "herald-activate.service does not start: $(ns_journal -q -u herald-activate.service -o cat | tail -n 5)"
  activate_id
}
activate_check() { [[ $(activate_id) == "$1" ]] || echo "$2" >>"$TMP/restarts"; }
# (systemctl warns that the socket can still start it: that is the point, so the
# warning is shown only when the stop fails)
activate_down() {
  local out
  ((HAVE_HERALDD)) || return 0
  out=$(ns_run systemctl stop herald-activate.service 2>&1) || fail "cannot stop herald-activate.service: $out"
}

# http_round PORT WHO: prints "REQ/S P50 P99 REQUESTS ERRORS NON2XX ENTRIES/S RESULTS CPU-USEC/REQ..."
http_round() {
  local port=$1 who=$2 m1 m2 before line req counts
  [[ $who == nginx ]] || heraldd_up
  before=$(cpu)
  m1=$(mark)
  line=$(wrk_run "$port")
  m2=$(mark)
  [[ $who == nginx ]] || sample_hwm
  req=$(awk '{ print $4 }' <<<"$line")
  counts="0 0"
  if [[ $who != nginx ]]; then
    sleep 1 # result entries of the last requests
    # every entry journald received during the run; result entries of rn by their send time
    counts=$(ns_run journalctl --since "@$((m1 / 1000000 - 1))" -o json --output-fields=MESSAGE_ID,HERALD_ROUTER |
      jq -r --arg id "$MSG_RESULT" '[.__REALTIME_TIMESTAMP, (._SOURCE_REALTIME_TIMESTAMP // .__REALTIME_TIMESTAMP),
          (if .MESSAGE_ID == $id and .HERALD_ROUTER == "rn" then 1 else 0 end)] | @tsv' |
      awk -v a="$m1" -v b="$m2" '$1 >= a && $1 <= b { n++ } $2 >= a && $3 { r++ } END { printf "%.0f %d", n / ((b - a) / 1e6), r }')
  fi
  awk -v l="$line" -v c="$counts" -v a="$before" -v b="$(cpu)" -v n="$req" 'BEGIN {
    printf "%s %s", l, c
    k = split(a, x, " "); split(b, y, " ")
    for (i = 1; i <= k; i++) printf " %.1f", n ? (y[i] - x[i]) / n : 0
    printf "\n" }'
}

# results_of ROUTER MARK: how many result entries router ROUTER wrote since MARK
results_of() {
  entries "$2" MESSAGE_ID=$MSG_RESULT "HERALD_ROUTER=$1" | jq -r .HERALD_JOB_ID | sort -u | grep -c . || true
}
results_reached() { (($(results_of "$1" "$2") >= $3)); }

# jobs_round: JOBS POSTs to hl; prints "RATE MISSING CPU..."
jobs_round() {
  local m before out start inv
  heraldd_up
  inv=$(activate_up)
  m=$(mark)
  before=$(cpu)
  out=$(post_burst "$P_JOBS" "$JOBS")
  start=$(head -n 1 <<<"$out")
  codes_ok "$(tail -n +2 <<<"$out")" "$JOBS" || fail "not every POST to hl was answered 200: $(tail -n +2 <<<"$out" | paste -sd' ')"
  wait_until 300 results_reached rl "$m" "$JOBS" || fail "only $(results_of rl "$m") of $JOBS results of rl arrived"
  sample_hwm
  finish "$m" "$start" "herald-rl-t@" "$before"
  activate_check "$inv" hl
}

# raw_round [RAW-OPTION...]: prints "RATE MISSING CPU..."
raw_round() {
  local m before out
  activate_down
  m=$(mark)
  before=$(cpu)
  out=$(ns_run "$RAW" --units "$JOBS" --window "$WINDOW" "$@") || fail "raw-start-transient $* failed: $out"
  finish "$m" "$(sed -n 's/.*start_realtime_usec=\([0-9]*\).*/\1/p' <<<"$out")" \
    "$(sed -n 's/.*prefix=\([^ ]*\).*/\1/p' <<<"$out")" "$before"
}

# chain_times MARK FIRST-PREFIX: from the journal since MARK, one line per chained job:
# "RESULT->MAIN-MS START->START-MS RESULT->RESULT-MS" ("-" when a message is missing), for
# herald (FIRST-PREFIX herald-rc-t@: parents from the rp results' trigger_param) or for
# the floor (floora@: floorb@ of the same instance). A job's unit is the one its result
# entry names (HERALD_UNIT, else the entry's _SYSTEMD_UNIT: herald-done runs in it), and
# PID 1's "Started" message names it in UNIT=: the two are joined by that name, never
# rebuilt from the job id.
chain_times() {
  local m=$1
  {
    entries "$m" MESSAGE_ID=$MSG_STARTED _PID=1 |
      jq -r 'select(.UNIT // "" | test("^(herald-rc-t@|herald-rp-p@|floora@|floorb@)"))
        | "S \(.UNIT | sub("\\.service$"; "")) \(._SOURCE_REALTIME_TIMESTAMP)"'
    if [[ $2 == herald-rc-t@ ]]; then
      entries "$m" MESSAGE_ID=$MSG_RESULT |
        jq -r 'select(.HERALD_ROUTER == "rc")
          | "P \(.HERALD_JOB_ID) \((.HERALD_UNIT // ._SYSTEMD_UNIT // "-") | sub("\\.service$"; "")) \(._SOURCE_REALTIME_TIMESTAMP)"'
      entries "$m" MESSAGE_ID=$MSG_RESULT HERALD_TRIGGER=exe_done HERALD_ROUTER=rp |
        jq -r 'select(.HERALD_SUCCESS == "true")
          | "C \(.HERALD_JOB_ID) \((.HERALD_UNIT // ._SYSTEMD_UNIT // "-") | sub("\\.service$"; "")) \((.HERALD_PARAM | fromjson).trigger_param.job_id // "-") \(._SOURCE_REALTIME_TIMESTAMP)"'
    fi
  } | awk -v floor="$([[ $2 == floora@ ]] && echo 1 || echo 0)" '
    $1 == "S" { s[$2] = $3; next }
    $1 == "P" { pu[$2] = $3; p[$2] = $4; next }
    $1 == "C" { cu[$2] = $3; c[$2] = $4; cr[$2] = $5; next }
    END {
      if (floor) {
        for (u in s) if (u ~ /^floorb@/) {
          a = u; sub(/^floorb@/, "floora@", a)
          printf "- %s\n", (a in s) ? sprintf("%.2f", (s[u] - s[a]) / 1000) : "-"
        }
        exit
      }
      for (j in c) {
        par = c[j]
        if (!(par in p)) continue          # not a chain of this round
        cs = s[cu[j]]; ps = s[pu[par]]
        printf "%s %s %.2f\n", cs ? sprintf("%.2f", (cs - p[par]) / 1000) : "-", cs && ps ? sprintf("%.2f", (cs - ps) / 1000) : "-",
          (cr[j] - p[par]) / 1000
      }
    }'
}

# chain_round: CHAINS POSTs to hc; prints "SECONDS" and then chain_times' lines
chain_round() {
  local m out start inv
  heraldd_up
  inv=$(activate_up)
  m=$(mark)
  out=$(post_burst "$P_CHAIN" "$CHAINS")
  start=$(head -n 1 <<<"$out")
  codes_ok "$(tail -n +2 <<<"$out")" "$CHAINS" || fail "not every POST to hc was answered 200: $(tail -n +2 <<<"$out" | paste -sd' ')"
  wait_until 600 results_reached rp "$m" "$CHAINS" || step "only $(results_of rp "$m") of $CHAINS chained results arrived in 600 s"
  sample_hwm
  wait_until 180 no_units_left herald-rc-t@ || fail "herald-rc-t@* units are still loaded"
  wait_until 180 no_units_left herald-rp-p@ || fail "herald-rp-p@* units are still loaded"
  sleep 0.5
  activate_check "$inv" hc
  printf '%s\n' "$(( ($(entries "$m" MESSAGE_ID=$MSG_RESULT HERALD_ROUTER=rp | jq -r ._SOURCE_REALTIME_TIMESTAMP | sort -n | tail -n 1) - start) / 1000 ))"
  chain_times "$m" herald-rc-t@
}

# chain_floor_round: CHAINS floora@ instances; prints "SECONDS" and chain_times' lines
chain_floor_round() {
  local m out start
  activate_down
  m=$(mark)
  out=$(ns_run "$RAW" --units "$CHAINS" --window "$WINDOW" --template floora) || fail "raw-start-transient --template floora failed: $out"
  start=$(sed -n 's/.*start_realtime_usec=\([0-9]*\).*/\1/p' <<<"$out")
  wait_until 180 no_units_left floora@ || fail "floora@ units are still loaded"
  wait_until 180 no_units_left floorb@ || fail "floorb@ units are still loaded"
  sleep 0.5
  printf '%s\n' "$(( ($(started_times "$m" floorb@ | sort -n | tail -n 1) - start) / 1000 ))"
  chain_times "$m" floora@
}

# pcts C: p50 and p99 (nearest rank) of column C of the lines on stdin, "-" counted
# apart: "P50 P99 N MISSING"
pcts() {
  local lines
  lines=$(awk -v c="$1" 'NF { print $c }')
  awk '$1 != "-"' <<<"$lines" | sort -g | awk -v miss="$(grep -c '^-$' <<<"$lines" || true)" '{ v[++n] = $1 } END {
    if (!n) { printf "n/a n/a 0 %d", miss; exit }
    a = int(0.5 * n + 0.999999); b = int(0.99 * n + 0.999999)
    printf "%.1f %.1f %d %d", v[a], v[b], n, miss }'
}

declare -A OUT=()
IDLE_RSS='' IDLE_HWM='' IDLE_PSS='' IDLE_PRIV='' FLOOR_RSS='' FLOOR_PSS='' FLOOR_PRIV=''
if ((HAVE_HERALDD)); then
  step "heraldd idle: started by 'systemctl start heraldd.service', nothing asked of it"
  heraldd_up
  sleep 1
  pid=$(heraldd_pid)
  IDLE_RSS=$(proc_kb "$pid" VmRSS) IDLE_HWM=$(proc_kb "$pid" VmHWM)
  IDLE_PSS=$(smaps_kb "$pid" Pss)
  IDLE_PRIV=$(($(smaps_kb "$pid" Private_Clean) + $(smaps_kb "$pid" Private_Dirty)))
  step "idle floor: bench/idle-floor (sd-event + libmicrohttpd, nothing else) on 127.0.0.1:$P_FLOOR"
  ns_run systemd-run -q -u bench-idle-floor -p Type=exec "$FLOOR" "$P_FLOOR"
  wait_until 10 listening "$P_FLOOR" || fail "idle-floor does not listen on $P_FLOOR"
  fpid=$(ns_run systemctl show -P MainPID bench-idle-floor.service)
  FLOOR_RSS=$(proc_kb "$fpid" VmRSS) FLOOR_PSS=$(smaps_kb "$fpid" Pss)
  FLOOR_PRIV=$(($(smaps_kb "$fpid" Private_Clean) + $(smaps_kb "$fpid" Private_Dirty)))
  ns_run systemctl stop bench-idle-floor.service
  if [[ -n $MAX_STARTING ]]; then
    [[ $(ns_run cat "/proc/$pid/cmdline" | tr '\0' ' ') == *"--max-starting $MAX_STARTING "* ]] ||
      fail "heraldd does not run with --max-starting $MAX_STARTING (the drop-in did not apply)"
  fi
  # shellcheck disable=SC2206  # ROWS is a list of words
  VARIANTS=(${ROWS:-hn ng hl rs rt hc cf})
else
  step "heraldd is not built ($BUILD_DIR/src/heraldd/heraldd missing): measuring the floors only"
  VARIANTS=(ng rs rt cf)
fi

round() {
  case $1 in
  ng) http_round "$P_NGINX" nginx ;;
  hn) http_round "$P_NONE" heraldd ;;
  hl) jobs_round ;;
  rs) raw_round --slice herald.slice ;;
  rt) raw_round --template rawt ;;
  hc) chain_round ;;
  cf) chain_floor_round ;;
  esac
}

step "warm-up (not counted)"
for v in "${VARIANTS[@]}"; do
  case $v in ng | hn) DURATION=2 round "$v" >/dev/null ;; rs) round "$v" >/dev/null ;; esac
done
for ((run = 1; run <= RUNS; run++)); do
  summary=
  for v in "${VARIANTS[@]}"; do
    out=$(round "$v")
    case $v in
    hc | cf) OUT[$v]+="$(tail -n +2 <<<"$out")"$'\n' OUT[$v.s]+="$(head -n 1 <<<"$out")"$'\n' ;;
    *) OUT[$v]+="$out"$'\n' ;;
    esac
    summary+=" $v ${out%%[ $'\n']*}"
  done
  step "round $run/$RUNS:$summary"
done

col() { printf '%s' "${OUT[$1]:-}" | awk -v c="$2" 'NF { print $c }'; }
ran() { [[ " ${VARIANTS[*]} " == *" $1 "* ]]; }
declare -A SHORT=([hn]=heraldd [ng]=nginx [hl]=heraldd [rs]="raw transient" [rt]="raw template")
declare -A LABEL=(
  [ng]="floor: nginx-light return 200 ($NGINX_WORKERS worker)"
  [hn]="heraldd: http -> all -> none"
  [hl]="heraldd: http -> herald-activate -> template"
  [rs]="floor: raw StartTransientUnit [ceiling]"
  [rt]="floor: raw StartUnit of a template, root"
)

echo
if ((!HAVE_HERALDD)); then
  printf 'NOTE: heraldd is not built (no %s): the heraldd rows are missing, floors only.\n\n' "$BUILD_DIR/src/heraldd/heraldd"
fi
printf 'heraldd bench: %d rounds, medians (min..max); %s\n' "$RUNS" "$(date -u '+%F %T UTC')"

echo
printf '1. HTTP POST %s, wrk -t1 -c%d -d%ds, keep-alive\n' "$BODY" "$CONNS" "$DURATION"
printf '  %-44s %-26s %-22s %s\n' "" "requests/s" "p50 ms" "p99 ms"
for v in hn ng; do
  ran "$v" || continue
  printf '  %-44s %-26s %-22s %s\n' "${LABEL[$v]}" "$(col "$v" 1 | stats)" "$(col "$v" 2 | stats)" "$(col "$v" 3 | stats)"
done
errors=0
for v in hn ng; do errors=$((errors + $(col "$v" 5 | awk '{ s += $1 } END { print s + 0 }'))); done
non2xx=$(for v in hn ng; do col "$v" 6; done | awk '{ s += $1 } END { print s + 0 }')
printf '  socket errors: %d, answers not 2xx: %d\n' "$errors" "$non2xx"
if ran hn; then
  printf '  heraldd: %s %% of nginx (goal >= 60 %%), p99 %s ms (goal < 1 ms)\n' \
    "$(pct "$(col hn 1 | median)" "$(col ng 1 | median)")" "$(col hn 3 | median)"
  printf '  journal entries/s received during the heraldd runs: %s\n' "$(col hn 7 | stats)"
  printf '  result entries of rn: %d for %d requests (all rounds)\n' \
    "$(col hn 8 | awk '{ s += $1 } END { print s + 0 }')" "$(col hn 4 | awk '{ s += $1 } END { print s + 0 }')"
  printf '  CPU usec per request, median:     %8s %8s %8s %8s %8s\n' "PID 1" dbus journald heraldd nginx
  for v in hn ng; do
    printf '    %-32s %8.1f %8.1f %8.1f %8.1f %8.1f\n' "${SHORT[$v]}" "$(col "$v" 9 | median)" "$(col "$v" 10 | median)" \
      "$(col "$v" 11 | median)" "$(col "$v" 13 | median)" "$(col "$v" 14 | median)"
  done
fi

echo
printf '2. Job units started: %d per round (heraldd: %d POSTs by curl, %d connections, --max-starting %s; floors: window %d)\n' \
  "$JOBS" "$JOBS" "$CONNS" "${MAX_STARTING:-${DEFAULT_STARTING:-?} (default)}" "$WINDOW"
printf '  %-44s %s\n' "" "units/s"
for v in hl rs rt; do
  ran "$v" && printf '  %-44s %s\n' "${LABEL[$v]}" "$(col "$v" 1 | stats)"
done
ceiling=$(col rs 1 | median)
for v in hl rt; do
  ran "$v" && printf '  %s: %s %% of the ceiling\n' "${LABEL[$v]}" "$(pct "$(col "$v" 1 | median)" "$ceiling")"
done
ran hl && printf '  (goal: heraldd >= 90 %% of the ceiling)\n'
printf '  CPU ms per unit, median:          %8s %8s %8s %8s %8s %8s\n' "PID 1" dbus journald activate heraldd units
for v in hl rs rt; do
  ran "$v" || continue
  printf '    %-32s %8.2f %8.2f %8.2f %8.2f %8.2f %8.2f\n' "${SHORT[$v]}" "$(col "$v" 3 | median)" "$(col "$v" 4 | median)" \
    "$(col "$v" 5 | median)" "$(col "$v" 6 | median)" "$(col "$v" 7 | median)" "$(col "$v" 9 | median)"
done
missing=0
for v in hl rs rt; do missing=$((missing + $(col "$v" 2 | awk '{ s += $1 } END { print s + 0 }'))); done
printf '  %d units had no "Started" message (ended before PID 1 handled their start; see finish())\n' "$missing"
if ((HAVE_HERALDD)); then
  printf '  herald-activate restarted during a heraldd row: %s\n' \
    "$([[ -s $TMP/restarts ]] && sort "$TMP/restarts" | uniq -c | awk '{ printf "%s%s x%d", NR > 1 ? ", " : "", $2, $1 }' || echo never)"
fi

echo
printf '3. Chains: %d firings in a burst -> local true -> exe_done -> print (all rounds pooled)\n' "$CHAINS"
printf '  %-56s %8s %8s   %s\n' "" "p50 ms" "p99 ms" "(chains measured, missing messages)"
if ran hc; then
  read -r a b n miss <<<"$(printf '%s' "${OUT[hc]}" | pcts 1)"
  printf '  %-56s %8s %8s   (%d, %d)\n' "heraldd: job's result entry -> chained job's main()" "$a" "$b" "$n" "$miss"
  read -r a b n miss <<<"$(printf '%s' "${OUT[hc]}" | pcts 2)"
  printf '  %-56s %8s %8s   (%d, %d)\n' "heraldd: job started -> chained job started" "$a" "$b" "$n" "$miss"
  read -r a b n miss <<<"$(printf '%s' "${OUT[hc]}" | pcts 3)"
  printf '  %-56s %8s %8s   (%d, %d)\n' "heraldd: job's result entry -> chained job's result entry" "$a" "$b" "$n" "$miss"
fi
if ran cf; then
  read -r a b n miss <<<"$(printf '%s' "${OUT[cf]}" | pcts 2)"
  printf '  %-56s %8s %8s   (%d, %d)\n' "floor: OnSuccess= chain, job started -> chained started" "$a" "$b" "$n" "$miss"
fi
if ran hc; then
  printf '  heraldd: chains completed per round: %s of %d (goal: all); p50 goal <= 10 ms (result -> main())\n' \
    "$(printf '%s' "${OUT[hc]}" | grep -c . | awk -v r="$RUNS" '{ printf "%.1f", $1 / r }')" "$CHAINS"
  printf '  %-56s %s\n' "heraldd: first POST -> last chained result, ms" "$(printf '%s' "${OUT[hc.s]}" | stats)"
fi
ran cf && printf '  %-56s %s\n' "floor: first StartUnit -> last chained started, ms" "$(printf '%s' "${OUT[cf.s]}" | stats)"

echo
printf '4. heraldd memory and idle exit\n'
if ((HAVE_HERALDD)); then
  sample_hwm
  peak=$(awk '$2 > m { m = $2 } END { print m + 0 }' "$TMP/hwm")
  procs=$(cut -d' ' -f1 "$TMP/hwm" | sort -u | grep -c . || true)
  last=$(cat "$TMP/last")
  printf '  idle after start: VmRSS %s kB (VmHWM %s kB), PSS %s kB, private %s kB; goal <= 3072 kB\n' \
    "$IDLE_RSS" "$IDLE_HWM" "$IDLE_PSS" "$IDLE_PRIV"
  printf '  floor: idle-floor (sd-event + libmicrohttpd + libsystemd + libc, no work): VmRSS %s kB, PSS %s kB, private %s kB\n' \
    "$FLOOR_RSS" "$FLOOR_PSS" "$FLOOR_PRIV"
  printf '  peak under load: VmHWM %d kB over %d heraldd process(es); goal <= 8192 kB\n' "$peak" "$procs"
  pid=$(heraldd_pid)
  # RssFile: mapped files, the journal files heraldd follows among them; RssAnon: its heap
  ((pid > 0)) && printf '  after the load: VmRSS %s kB (RssAnon %s kB, RssFile %s kB)\n' \
    "$(proc_kb "$pid" VmRSS)" "$(proc_kb "$pid" RssAnon)" "$(proc_kb "$pid" RssFile)"
  # the idle timeout counts from heraldd's last work; rounds may have ended with floors
  heraldd_gone() { [[ $(heraldd_pid) == 0 ]] && ! ns_run pgrep -x heraldd >/dev/null; }
  if wait_until "$IDLE_WAIT" heraldd_gone; then
    printf '  idle exit: heraldd exited by itself; none left %d s after its last row ended (goal: 0 processes when idle)\n' $((SECONDS - last))
  else
    printf '  idle exit: heraldd still runs %d s after its last row ended\n' $((SECONDS - last))
  fi
  printf '  heraldd processes now: %d; trigger sockets listening: %s\n' "$(ns_run pgrep -c -x heraldd || true)" \
    "$(for s in hn hl hc; do ns_run systemctl show -P ActiveState "herald-trigger-$s.socket"; done | paste -sd' ')"
else
  printf '  n/a (heraldd not built)\n'
fi
