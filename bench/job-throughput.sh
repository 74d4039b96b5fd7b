#!/bin/bash
# SPDX-License-Identifier: MIT
# job-throughput.sh: herald's sustained job-unit start rate against the raw ceiling
#
# Boots a private systemd (tests/lib/herald-ns), installs herald from BUILD_DIR and
# measures how fast units get started, JOBS units per round, RUNS rounds; in each round
# the variants below run one after the other (interleaved, so drift of the machine hits
# all of them alike). Every rate is JOBS divided by the time from the start point named
# below to PID 1's last "Started <unit>" message of the round (its
# _SOURCE_REALTIME_TIMESTAMP: when the start job of the Type=exec service finished, i.e.
# its main process was exec'd; PID 1's clock, so journald's lag does not count).
#
#   herald, timer route      one firing of a tick trigger whose one router has JOBS print
#                            tasks and the default concurrency of timer routes ('forbid').
#                            Start: the activation's ExecMainStartTimestamp (herald-activate
#                            forked). Includes loading the workflow, selectors,
#                            job.json files, the concurrency check, the StartTransientUnit
#                            calls, and the jobs themselves (herald-exec job + done)
#                            running alongside on the same 2 cores.
#   herald, concurrency allow   the same router with 'concurrency: allow'.
#   raw, same shape          bench/raw-start-transient: the same N and window as the
#                            activation (START_WINDOW_DEFAULT in src/shared/start-window.h), units shaped
#                            like a herald job unit of a root job with no 'unit:' settings
#                            (herald-exec writes its result entry: plan.c,
#                            job_writes_own_entry()): Type=exec, CollectMode=inactive-or-
#                            failed, Slice=herald.slice, ExecStart=/bin/true. Start: its
#                            first call. THE CEILING herald is measured against: one
#                            process per unit, the least a unit that runs a job can be.
#   raw, + ExecStopPost=     (rp) the same with ExecStopPost=/bin/true: the shape of a job
#                            with 'unit:' settings (User=, ...), whose result entry
#                            herald-done writes as root after the job (the ceiling before
#                            herald-exec wrote its own entries).
#   raw, herald payload      the same shape with ExecStart= 'herald-exec --version': the
#                            start-up of the job's program writing one line to the journal
#                            (a print job writes its line and then its result entry).
#                            herald vs this row is what activate.c and the job's own
#                            work cost.
#   raw, bare /bin/true      no slice.
#   raw + herald's log settings (rh, not run by default) the ceiling's units with a job
#                            unit's SyslogIdentifier=, LogExtraFields=, LogRateLimit*=.
#   raw StartUnit of a template (rt, not run by default) the ceiling's shape as a unit
#                            file, rawt@.service, its instances started with StartUnit.
#   the same + OnFailure=    (rf, not run by default) rawf@.service: rawt@ with a job
#                            template's OnFailure=rawfail@%i.service (herald-result@),
#                            never started (every unit succeeds), but loaded with its unit.
#   systemd-run loop         JOBS x 'systemd-run' (blocking: each returns once its unit
#                            started) of the same-shape unit in a shell loop, one at a time.
#
# After the rates, the CPU time per unit of each party (cgroup cpu.stat usage_usec,
# from before the round until its units were gone) says where the time goes.
#
# Environment: BUILD_DIR (default SRC/build, must be built), JOBS (300), RUNS (5), TASK
# (print, the default: herald's rows run print tasks; true: local tasks with cmd: true),
# VARIANTS (default "hf ha rs rp rx rb sr"; also rh, rt, rf: the rows above).
# Needs root: 'sudo bench/job-throughput.sh'. Exits 77 when no instance can boot here.
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BUILD_DIR=$(cd "${BUILD_DIR:-$BENCH_DIR/../build}" && pwd)
export BUILD_DIR
# shellcheck source-path=SCRIPTDIR source=../tests/lib/lib.sh
. "$BENCH_DIR/../tests/lib/lib.sh"
# shellcheck source-path=SCRIPTDIR source=bench-lib.sh
. "$BENCH_DIR/bench-lib.sh"

JOBS=${JOBS:-300}
TASK=${TASK:-print}
RUNS=${RUNS:-5}
RAW=$BUILD_DIR/bench/raw-start-transient
EXEC=/usr/local/libexec/herald/herald-exec
WINDOW=$(start_window)
MSG_ACTIVATION=b4e85c648f7644e9a0d41ac60e67f6a6 # herald: a trigger fired
SHAPE=(-p Type=exec -p CollectMode=inactive-or-failed -p Slice=herald.slice)
CGROUPS=(init.scope system.slice/dbus.service system.slice/systemd-journald.service system.slice herald.slice)

[[ $TASK == print || $TASK == true ]] || fail "TASK must be print or true, not '$TASK'"
[[ -x $RAW ]] || fail "$RAW is missing: run 'ninja -C $BUILD_DIR' first"
[[ -n $WINDOW ]] || fail "cannot read START_WINDOW_DEFAULT from src/shared/start-window.h"

workflow() {
  local r i
  printf 'executor:\n  sh: {type: local}\n'
  printf 'trigger:\n  tf: {type: tick, interval: 86400}\n  ta: {type: tick, interval: 86400}\nrouter:\n'
  for r in rf ra; do
    printf '  %s:\n    trigger: t%s\n    selector: all\n' "$r" "${r#r}"
    [[ $r == rf ]] || printf '    concurrency: allow\n'
    [[ $TASK == print ]] || printf '    job_param: {cmd: "true"}\n'
    printf '    task:\n'
    for ((i = 1; i <= JOBS; i++)); do printf '      k%d: %s\n' "$i" "$([[ $TASK == print ]] && echo print || echo sh)"; done
  done
}

activation_logged() { [[ -n $(entries "$1" MESSAGE_ID=$MSG_ACTIVATION "HERALD_TRIGGER=$2" _UID=0) ]]; }
results_in() {
  (($(ns_run journalctl -o json MESSAGE_ID=$MSG_RESULT _UID=0 "HERALD_TRIGGER_ID=$1" | jq -r .HERALD_JOB_ID | sort -u | wc -l) >= JOBS))
}

# activation_times TRIGGER: ExecMainStartTimestamp and ExecMainExitTimestamp of its
# activation, usec, one per line
activation_times() {
  ns_run busctl get-property org.freedesktop.systemd1 \
    "/org/freedesktop/systemd1/unit/herald_2dtrigger_2d${1}_2eservice" \
    org.freedesktop.systemd1.Service ExecMainStartTimestamp ExecMainExitTimestamp | awk '{ print $2 }'
}
activation_exited() { (($(activation_times "$2" | tail -n 1) >= $1)); }

# herald_round TRIGGER ROUTER: one firing; prints "RATE CPU... ACTIVATION-SECONDS"
herald_round() {
  local trigger=$1 router=$2 m before start exit entry tid line
  m=$(mark)
  before=$(cpu)
  # as a timer starts it: nobody waits on PID 1's private socket (see manager())
  manager StartUnit ss "herald-trigger-$trigger.service" replace >/dev/null
  wait_until 30 activation_exited "$m" "$trigger" || fail "the activation of $trigger did not end"
  read -r start exit < <(activation_times "$trigger" | paste -sd' ')
  wait_until 10 activation_logged "$m" "$trigger" || fail "no activation entry for $trigger"
  entry=$(entries "$m" MESSAGE_ID=$MSG_ACTIVATION "HERALD_TRIGGER=$trigger" _UID=0 | tail -n 1)
  [[ $(jq -r .HERALD_JOBS_STARTED <<<"$entry") == "$JOBS" && $(jq -r .HERALD_JOBS_FAILED <<<"$entry") == 0 ]] ||
    fail "activation of $trigger did not start $JOBS jobs: $(jq -r .MESSAGE <<<"$entry")"
  tid=$(jq -r .HERALD_TRIGGER_ID <<<"$entry")
  line=$(finish "$m" "$start" "herald-$router-" "$before")
  wait_until 120 results_in "$tid" || fail "not all $JOBS results of $trigger ($tid) arrived"
  awk -v s="$start" -v x="$exit" -v l="$line" 'BEGIN { printf "%s %.3f\n", l, (x - s) / 1e6 }'
}

# raw_round [RAW-OPTION...]: prints "RATE CPU..."
raw_round() {
  local m before out
  m=$(mark)
  before=$(cpu)
  out=$(ns_run "$RAW" --units "$JOBS" --window "$WINDOW" "$@") || fail "raw-start-transient failed: $out"
  finish "$m" "$(sed -n 's/.*start_realtime_usec=\([0-9]*\).*/\1/p' <<<"$out")" \
    "$(sed -n 's/.*prefix=\([^ ]*\).*/\1/p' <<<"$out")" "$before"
}

# srun_round: prints "RATE CPU..."
srun_round() {
  local m before
  m=$(mark)
  before=$(cpu)
  # shellcheck disable=SC2016  # expanded by the inner shell
  ns_run bash -c 'set -e; n=$1; shift
    for ((i = 0; i < n; i++)); do systemd-run -q -u "srun-bench-$$-$i" "$@" /bin/true; done' _ "$JOBS" "${SHAPE[@]}"
  finish "$m" "$m" srun-bench- "$before"
}

ns_boot
ns_install
step "workflow: tick triggers tf and ta, each with one router of $JOBS $TASK tasks (ra: concurrency allow)"
workflow | ns_run sh -c 'mkdir -p /etc/herald && cat > /etc/herald/workflow.yml'
ns_run systemctl daemon-reload
# the same-shape unit as a template, for the rt row
printf '%s\n' '[Unit]' 'Description=raw-start-transient bench unit (template)' 'CollectMode=inactive-or-failed' \
  '[Service]' 'Type=exec' 'Slice=herald.slice' 'ExecStart=/bin/true' |
  ns_run sh -c 'cat > /etc/systemd/system/rawt@.service'
printf '%s\n' '[Unit]' 'Description=raw-start-transient bench unit (template, OnFailure=)' 'CollectMode=inactive-or-failed' \
  'OnFailure=rawfail@%i.service' '[Service]' 'Type=exec' 'Slice=herald.slice' 'ExecStart=/bin/true' |
  ns_run sh -c 'cat > /etc/systemd/system/rawf@.service'
printf '%s\n' '[Unit]' 'Description=bench OnFailure= unit' '[Service]' 'Type=oneshot' 'ExecStart=/bin/true' |
  ns_run sh -c 'cat > /etc/systemd/system/rawfail@.service'
ns_run systemctl daemon-reload
# started by hand it stays, and so do its CPU counters between rounds
ns_run systemctl start herald.slice

# VARIANTS="hf rs rx": only these rows (quicker; the ceiling row rs is always needed)
read -r -a VARIANTS <<<"${VARIANTS:-hf ha rs rp rx rb sr}"
[[ " ${VARIANTS[*]} " == *" rs "* ]] || fail "VARIANTS must include rs, the ceiling"
declare -A LABEL=(
  [hf]="herald, timer route (concurrency: forbid)"
  [ha]="herald, concurrency: allow"
  [rs]="raw StartTransientUnit, same shape [ceiling]"
  [rp]="raw, same shape + ExecStopPost=/bin/true"
  [rx]="raw, herald-exec --version payload"
  [rh]="raw, same shape + herald's log settings"
  [rt]="raw StartUnit of a template, same shape"
  [rf]="raw StartUnit of a template + OnFailure="
  [rb]="raw StartTransientUnit, bare /bin/true"
  [sr]="systemd-run loop, same shape, one at a time"
)
declare -A OUT=()
round() {
  case $1 in
  hf) herald_round tf rf ;;
  ha) herald_round ta ra ;;
  rs) raw_round --slice herald.slice ;;
  rp) raw_round --slice herald.slice --stop-post ;;
  rx) raw_round --slice herald.slice -- "$EXEC" --version ;;
  rh) raw_round --slice herald.slice --herald-props ;;
  rt) raw_round --template rawt ;;
  rf) raw_round --template rawf ;;
  rb) raw_round ;;
  sr) srun_round ;;
  esac
}

step "warm-up (not counted)"
round ha >/dev/null
round rs >/dev/null
for ((run = 1; run <= RUNS; run++)); do
  summary=
  for v in "${VARIANTS[@]}"; do
    line=$(round "$v")
    OUT[$v]+="$line"$'\n'
    summary+=" $v ${line%% *}"
  done
  step "round $run/$RUNS, units/s:$summary"
done

# column N of a variant's lines
col() { printf '%s' "${OUT[$1]:-}" | awk -v c="$2" 'NF { print $c }'; }

ceiling=$(col rs 1 | median)
echo
printf 'Job unit start rate: %d units per round, window %d, median of %d rounds (min..max)\n' "$JOBS" "$WINDOW" "$RUNS"
printf '  %-46s %s\n' "" "units/s"
for v in "${VARIANTS[@]}"; do printf '  %-46s %s\n' "${LABEL[$v]}" "$(col "$v" 1 | stats)"; done
ran() { [[ " ${VARIANTS[*]} " == *" $1 "* ]]; }
for v in hf ha rx; do
  if ran "$v"; then printf '  %s: %s %% of the ceiling\n' "${LABEL[$v]}" "$(pct "$(col "$v" 1 | median)" "$ceiling")"; fi
done
if ran hf || ran ha; then printf '  (goal: herald >= 90 %% of the ceiling)\n'; fi
for v in hf ha; do
  if ran "$v"; then
    printf '  activation alone (ExecMainStart..ExecMainExit, every call answered), %s: median %s s\n' \
      "${LABEL[$v]}" "$(col "$v" 8 | median)"
  fi
done
echo
printf 'CPU ms per unit, median (cgroup usage from before the round until its units were gone)\n'
printf '  %-46s %8s %8s %8s %8s %8s\n' "" "PID 1" dbus journald "sys.rest" "units"
printf '  %-46s %8s %8s %8s %8s %8s\n' "" "" "" "" "(+activ.)" "(slice)"
for v in "${VARIANTS[@]}"; do
  # system.slice includes dbus and journald: show the rest
  printf '  %-46s %8.2f %8.2f %8.2f %8.2f %8.2f\n' "${LABEL[$v]}" "$(col "$v" 3 | median)" "$(col "$v" 4 | median)" \
    "$(col "$v" 5 | median)" "$(printf '%s' "${OUT[$v]}" | awk 'NF { print $6 - $4 - $5 }' | median)" "$(col "$v" 7 | median)"
done
printf '  (units of the bare /bin/true row run in system.slice, so they count under sys.rest there)\n'
missing=0
for v in "${VARIANTS[@]}"; do missing=$((missing + $(col "$v" 2 | awk '{ s += $1 } END { print s + 0 }'))); done
printf '%d of %d units had no "Started" message (ended before PID 1 handled their start; see finish())\n' \
  "$missing" $((JOBS * RUNS * ${#VARIANTS[@]}))
