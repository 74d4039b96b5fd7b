#!/bin/bash
# SPDX-License-Identifier: MIT
# generator.sh: herald-generator and 'systemctl daemon-reload' with a large workflow
#
# Boots a private systemd (tests/lib/herald-ns), installs herald from BUILD_DIR and times,
# inside the instance, with the shell's EPOCHREALTIME around each command (a whole
# process, its start-up included), RUNS rounds after one warm-up, the variants of a
# round interleaved so drift hits all of them alike:
#
#   workflows (written by this script)
#     routers   1,000 routers on 10 triggers (5 tick, 5 cron), one task each, half
#               print, half a local command with job_param: 20 units
#     triggers  1,000 triggers (500 tick, 500 cron), one router and task each:
#               2,000 units and 1,000 timers.target.wants links
#   generator   the installed herald-generator NORMAL EARLY LATE into fresh empty dirs
#               on the instance's /tmp (tmpfs, like /run/systemd/generator), with
#               HERALD_WORKFLOW pointing at the workflow
#     floor     cat of the same workflow file into the same kind of dir (a process
#               that reads and writes the bytes, and nothing else)
#   daemon-reload  'systemctl daemon-reload' (returns when PID 1 has reloaded), the
#               workflow in force at /etc/herald/workflow.yml and already loaded once
#               (steady state: what every later reload costs)
#     floor     the same with no herald workflow (herald-generator runs, finds
#               nothing, writes nothing)
#     static    no herald workflow, but the 2,001 units the generator wrote for the
#               triggers workflow copied to /etc/systemd/system: what PID 1 spends on
#               loading that many units, whoever writes them
#
# Environment: BUILD_DIR (default SRC/build, must be built), RUNS (7).
# Needs root: 'sudo bench/generator.sh'. Exits 77 when no instance can boot here.
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BUILD_DIR=$(cd "${BUILD_DIR:-$BENCH_DIR/../build}" && pwd)
export BUILD_DIR
# shellcheck source-path=SCRIPTDIR source=../tests/lib/lib.sh
. "$BENCH_DIR/../tests/lib/lib.sh"

RUNS=${RUNS:-7}
GENERATOR=/usr/local/lib/systemd/system-generators/herald-generator
WF_DIR=/tmp/bench-workflows

workflow_routers() {
  local i
  printf 'trigger:\n'
  for i in 1 2 3 4 5; do printf '  tick%d: {type: tick, interval: %d}\n' "$i" $((i * 60)); done
  for i in 1 2 3 4 5; do printf "  cron%d: {type: cron, cron: '%d */%d * * *'}\n" "$i" $((i * 7)) "$i"; done
  printf 'executor:\n  sh:\n    type: local\n    work_dir: /var/lib/herald/work\n'
  printf 'router:\n'
  for ((i = 1; i <= 1000; i++)); do
    if ((i % 2)); then
      printf '  r%04d:\n    trigger: tick%d\n    selector: all\n    task:\n      p: print\n' "$i" $((i % 5 + 1))
    else
      printf '  r%04d:\n    trigger: cron%d\n    selector: all\n    task:\n      s: sh\n' "$i" $((i % 5 + 1))
      printf '    job_param:\n      cmd: /bin/echo\n      arg: [router, r%04d]\n' "$i"
    fi
  done
}

workflow_triggers() {
  local i
  printf 'trigger:\n'
  for ((i = 1; i <= 1000; i++)); do
    if ((i % 2)); then
      printf '  t%04d: {type: tick, interval: %d}\n' "$i" $((60 + i))
    else
      printf "  t%04d: {type: cron, cron: '%d %d * * *'}\n" "$i" $((i % 60)) $((i % 24))
    fi
  done
  printf 'router:\n'
  for ((i = 1; i <= 1000; i++)); do
    printf '  r%04d: {trigger: t%04d, selector: all, task: {p: print}}\n' "$i" "$i"
  done
}

# Timed inside the instance. time_gen WORKFLOW MODE: ms of one generator (MODE gen) or
# cat (MODE cat) run into fresh dirs; time_reload: ms of one daemon-reload.
# shellcheck disable=SC2016  # expanded by the inner shell
TIMERS='
time_gen() {
  local d t0 t1
  d=$(mktemp -d /tmp/bench-gen.XXXXXX)
  mkdir "$d/normal" "$d/early" "$d/late"
  t0=$EPOCHREALTIME
  if [[ $2 == gen ]]; then
    HERALD_WORKFLOW=$1 '"$GENERATOR"' "$d/normal" "$d/early" "$d/late"
  else
    cat "$1" >"$d/normal/workflow.yml"
  fi
  t1=$EPOCHREALTIME
  rm -rf "$d"
  echo "$t0 $t1" | awk "{ printf \"%.2f\n\", (\$2 - \$1) * 1000 }"
}
time_reload() {
  local t0 t1
  t0=$EPOCHREALTIME
  systemctl daemon-reload
  t1=$EPOCHREALTIME
  echo "$t0 $t1" | awk "{ printf \"%.2f\n\", (\$2 - \$1) * 1000 }"
}'

# stats: "median (min..max)" of the numbers on stdin
stats() {
  sort -g | awk '{ v[NR] = $1 } END {
    if (NR == 0) { print "n/a"; exit }
    printf "%8.1f ms  (%.1f..%.1f)", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2, v[1], v[NR] }'
}

ns_boot
ns_install

step "writing the workflows"
ns_run mkdir -p "$WF_DIR" /etc/herald
workflow_routers | ns_run sh -c "cat > $WF_DIR/routers.yml"
workflow_triggers | ns_run sh -c "cat > $WF_DIR/triggers.yml"
for wf in routers triggers; do
  ns_run taskctl validate "$WF_DIR/$wf.yml" >/dev/null || fail "$wf.yml does not validate"
done

# how many units each workflow makes, checked once
units_of() {
  # shellcheck disable=SC2016  # expanded by the inner shell
  ns_run bash -c 'd=$(mktemp -d); HERALD_WORKFLOW=$1 '"$GENERATOR"' "$d" "$d" "$d"
    find "$d" -maxdepth 1 -name "herald-*" | wc -l; rm -rf "$d"' _ "$1"
}
declare -A UNITS=([routers]=$(units_of "$WF_DIR/routers.yml") [triggers]=$(units_of "$WF_DIR/triggers.yml"))
declare -A SIZE=([routers]=$(ns_run stat -c %s "$WF_DIR/routers.yml") [triggers]=$(ns_run stat -c %s "$WF_DIR/triggers.yml"))

# set_workflow none|static|routers|triggers, then one untimed reload
set_workflow() {
  # /etc/systemd/system is the instance's own tmpfs
  # shellcheck disable=SC2016  # expanded by the inner shell
  ns_run bash -c 'rm -rf /etc/herald/workflow.yml /etc/systemd/system/herald* /etc/systemd/system/timers.target.wants/herald*
    case $1 in
    none) ;;
    static) d=$(mktemp -d); HERALD_WORKFLOW=$2/triggers.yml '"$GENERATOR"' "$d" "$d" "$d"
      rm -rf "$d/herald" "$d/herald-last-good.service" "$d/timers.target.wants/herald-last-good.service"
      cp -a "$d/." /etc/systemd/system/; rm -rf "$d" ;;
    *) cp "$2/$1.yml" /etc/herald/workflow.yml ;;
    esac
    systemctl daemon-reload' _ "$1" "$WF_DIR"
}

declare -A T=()
for ((run = 0; run <= RUNS; run++)); do
  ((run > 0)) || step "warm-up round (not counted)"
  line=
  for wf in routers triggers; do
    for mode in gen cat; do
      ms=$(ns_run bash -c "$TIMERS"$'\n''time_gen "$@"' _ "$WF_DIR/$wf.yml" "$mode")
      ((run == 0)) || T[$wf-$mode]+="$ms"$'\n'
      line+=" $wf-$mode $ms"
    done
  done
  for wf in none static routers triggers; do
    set_workflow "$wf"
    ms=$(ns_run bash -c "$TIMERS"$'\n''time_reload')
    ((run == 0)) || T[reload-$wf]+="$ms"$'\n'
    line+=" reload-$wf $ms"
  done
  ((run == 0)) || step "round $run/$RUNS (ms):$line"
done
loaded=$(ns_run systemctl list-units --all --no-legend --plain 'herald-trigger-*' | wc -l)
[[ $loaded -ge 2000 ]] || fail "the triggers workflow loaded only $loaded herald-trigger-* units"

echo
printf 'Generator and daemon-reload, median of %d runs (min..max), whole processes\n' "$RUNS"
printf '  routers workflow:  1,000 routers on 10 triggers, %s bytes, %s units written\n' "${SIZE[routers]}" "${UNITS[routers]}"
printf '  triggers workflow: 1,000 triggers, 1,000 routers, %s bytes, %s units written\n' "${SIZE[triggers]}" "${UNITS[triggers]}"
printf '  %-52s %s\n' \
  "herald-generator, routers workflow" "$(printf '%s' "${T[routers-gen]}" | stats)" \
  "  floor: cat of the same file" "$(printf '%s' "${T[routers-cat]}" | stats)" \
  "herald-generator, triggers workflow" "$(printf '%s' "${T[triggers-gen]}" | stats)" \
  "  floor: cat of the same file" "$(printf '%s' "${T[triggers-cat]}" | stats)" \
  "daemon-reload, routers workflow in force" "$(printf '%s' "${T[reload-routers]}" | stats)" \
  "daemon-reload, triggers workflow in force" "$(printf '%s' "${T[reload-triggers]}" | stats)" \
  "  floor: daemon-reload, no herald workflow" "$(printf '%s' "${T[reload-none]}" | stats)" \
  "  floor: the triggers workflow's 2,000 units as files" "$(printf '%s' "${T[reload-static]}" | stats)"
