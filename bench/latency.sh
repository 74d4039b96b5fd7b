#!/bin/bash
# SPDX-License-Identifier: MIT
# latency.sh: how long from a timer's elapse to the job running, against a plain timer
#
# Boots a private systemd (tests/lib/herald-ns), installs herald from BUILD_DIR and lets
# two timers fire FIRINGS times each, one after the other, every second:
#
#   floor   a plain timer (OnActiveSec=1s, OnUnitActiveSec=1s, AccuracySec=1ms, as the
#           generator writes for a tick trigger) and a plain Type=exec service running
#           /bin/true: elapse -> service started.
#   herald  a workflow with one tick trigger (interval 1) and one router (timer route,
#           default concurrency) with one print task, through the generated units:
#           elapse -> herald-trigger-lt.service (herald-activate) -> job unit
#           (herald-exec job) started, and on to the job's first output line.
#
# Figures, median and p90 (nearest rank) over the firings, the first of each dropped:
#   elapse -> started      the timer's LastTriggerUSecMonotonic (PID 1 stamps it when the
#                          timer actually elapses) to the unit's "Started" message.
#   activation -> job      the activation's ExecMainStartTimestampMonotonic (forked) to
#                          the job unit's "Started" message.
#   elapse -> first output the job's first stdout line (print writes the execution
#                          param), as journald received it.
#
# The approximation: a job unit is gone soon after it ends (CollectMode=inactive-or-failed),
# so its own ExecMainStartTimestampMonotonic cannot be read afterwards; the journal is used
# instead. For a Type=exec service PID 1 logs "Started" once execve() of the main process
# succeeded, i.e. just before the job's main() (dynamic loading lies in between). journald
# stamps __MONOTONIC_TIMESTAMP on receipt, which lags PID 1 by whatever journald was busy
# with; PID 1's own send time is in _SOURCE_REALTIME_TIMESTAMP, on the realtime clock. So
# the "Started" time used is __MONOTONIC_TIMESTAMP - (__REALTIME_TIMESTAMP -
# _SOURCE_REALTIME_TIMESTAMP): PID 1's send time on the monotonic clock (exact unless the
# realtime clock is stepped in that instant). The floor is measured the same way. Output
# lines carry no send time: that column includes journald's receive lag. The timer and
# the activation's properties are read by polling inside the instance every 0.1 s; with
# one firing a second each read belongs to the firing just before it (checked).
#
# Environment: BUILD_DIR (default SRC/build, must be built), FIRINGS (25).
# Needs root: 'sudo bench/latency.sh'. Exits 77 when no instance can boot here.
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BUILD_DIR=$(cd "${BUILD_DIR:-$BENCH_DIR/../build}" && pwd)
export BUILD_DIR
# shellcheck source-path=SCRIPTDIR source=../tests/lib/lib.sh
. "$BENCH_DIR/../tests/lib/lib.sh"

FIRINGS=${FIRINGS:-25}
MSG_STARTED=39f53479d3a045ac8e11786248231fbf   # systemd: a start job finished

# collect TIMER SERVICE N: inside the instance, N+1 lines "LAST-TRIGGER-MONO SERVICE-START-MONO",
# one per firing, read right after each firing
# shellcheck disable=SC2016  # expanded by the inner shell
COLLECT='
timer=$1 svc=$2 n=$3 last=0 i=0
path() { busctl call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager GetUnit s "$1" | cut -d" " -f2 | tr -d \"; }
prop() { busctl get-property org.freedesktop.systemd1 "$1" "$2" "$3" | cut -d" " -f2; }
tp=$(path "$timer") sp=$(path "$svc")
while ((i <= n)); do
  sleep 0.1
  cur=$(prop "$tp" org.freedesktop.systemd1.Timer LastTriggerUSecMonotonic)
  [[ $cur != 0 && $cur != "$last" ]] || continue
  start=0
  for ((k = 0; k < 50; k++)); do
    start=$(prop "$sp" org.freedesktop.systemd1.Service ExecMainStartTimestampMonotonic)
    ((start >= cur)) && break
    sleep 0.02
  done
  echo "$cur $start"
  last=$cur i=$((i + 1))
done'

# events MARK PREFIX: "mono" of every "Started PREFIX..." since MARK, PID 1's send time
# on the monotonic clock (see above)
started_events() {
  ns_run journalctl --since "@$(($1 / 1000000 - 1))" -o json MESSAGE_ID=$MSG_STARTED _PID=1 |
    jq -r --arg p "$2" 'select(.UNIT // "" | startswith($p))
      | (.__MONOTONIC_TIMESTAMP | tonumber) - ((.__REALTIME_TIMESTAMP | tonumber) - (._SOURCE_REALTIME_TIMESTAMP | tonumber))'
}

output_events() {
  ns_run journalctl --since "@$(($1 / 1000000 - 1))" -o json HERALD_ROUTER=lr _TRANSPORT=stdout |
    jq -r '.__MONOTONIC_TIMESTAMP'
}

# match FIRINGS-FILE EVENTS-FILE COLUMN: for each firing (skipping the first), the delay in ms
# from column COLUMN of the firing to the first event after it (within a second)
match() {
  awk -v col="$3" 'FNR == NR { ev[++ne] = $1; next }
    FNR == 1 { next }
    { t = $col; best = 0
      if (t < $1) { print "missing"; next }   # the service start read was stale
      for (i = 1; i <= ne; i++) if (ev[i] >= t && ev[i] - t < 1000000 && (!best || ev[i] < best)) best = ev[i]
      if (best) printf "%.2f\n", (best - t) / 1000; else print "missing" }' "$2" "$1"
}

# stats: "median  p90  (n)" in ms of the numbers on stdin
stats() {
  sort -g | awk '$1 == "missing" { miss++; next } { v[++n] = $1 } END {
    if (n == 0) { print "n/a"; exit }
    p = int(0.9 * n + 0.999999); if (p < 1) p = 1
    printf "%8.1f %8.1f   (%d firings%s)", n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2, v[p], n,
      miss ? ", " miss " without a match" : "" }'
}

ns_boot
ns_install

step "floor units and the herald workflow (tick every 1 s, one print task)"
ns_run sh -c 'cat > /etc/systemd/system/bench-floor.timer' <<'EOF'
[Timer]
OnActiveSec=1s
OnUnitActiveSec=1s
AccuracySec=1ms
EOF
# StartLimitIntervalSec=0 as the generated activation has: one start a second would hit
# the default start limit (5 in 10 s)
ns_run sh -c 'cat > /etc/systemd/system/bench-floor.service' <<'EOF'
[Unit]
StartLimitIntervalSec=0

[Service]
Type=exec
ExecStart=/bin/true
EOF
ns_run sh -c 'mkdir -p /etc/herald && cat > /etc/herald/workflow.yml' <<'EOF'
trigger:
  lt: {type: tick, interval: 1}
router:
  lr:
    trigger: lt
    selector: all
    task:
      p: print
EOF
ns_run systemctl daemon-reload
assert_eq "$(ns_run systemctl show -P AccuracyUSec herald-trigger-lt.timer)" 1ms "the generated timer has the floor's accuracy"

TMP=$(mktemp -d)
# lib.sh's EXIT trap stops the instance; this one also removes TMP and then runs it
trap 'rc=$?; rm -rf "$TMP"; (exit $rc); _ns_cleanup' EXIT

step "floor: $FIRINGS firings (+1 dropped)"
m=$(ns_run date +%s%6N)
ns_run systemctl start bench-floor.timer
ns_run bash -c "$COLLECT" _ bench-floor.timer bench-floor.service "$FIRINGS" >"$TMP/floor"
ns_run systemctl stop bench-floor.timer
sleep 0.5
started_events "$m" bench-floor.service >"$TMP/floor-started"

step "herald: $FIRINGS firings (+1 dropped)"
m=$(ns_run date +%s%6N)
ns_run systemctl start herald-trigger-lt.timer
ns_run bash -c "$COLLECT" _ herald-trigger-lt.timer herald-trigger-lt.service "$FIRINGS" >"$TMP/herald"
ns_run systemctl stop herald-trigger-lt.timer
sleep 1
started_events "$m" herald-lr- >"$TMP/herald-started"
output_events "$m" >"$TMP/herald-output"

echo
printf 'Latency, ms: median, p90 (nearest rank), over %d firings each, the first dropped\n' "$FIRINGS"
printf '  %-52s %8s %8s\n' "" median p90
printf '  %-52s %s\n' \
  "floor: timer elapse -> plain service forked" "$(awk 'NR > 1 { printf "%.2f\n", ($2 - $1) / 1000 }' "$TMP/floor" | stats)" \
  "floor: timer elapse -> plain service started" "$(match "$TMP/floor" "$TMP/floor-started" 1 | stats)" \
  "herald: timer elapse -> job unit started" "$(match "$TMP/herald" "$TMP/herald-started" 1 | stats)" \
  "herald: activation forked -> job unit started" "$(match "$TMP/herald" "$TMP/herald-started" 2 | stats)" \
  "herald: timer elapse -> activation forked" "$(awk 'NR > 1 { printf "%.2f\n", ($2 - $1) / 1000 }' "$TMP/herald" | stats)" \
  "herald: timer elapse -> job's first output line" "$(match "$TMP/herald" "$TMP/herald-output" 1 | stats)"
