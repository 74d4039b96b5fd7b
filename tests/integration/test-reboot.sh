#!/bin/bash
# SPDX-License-Identifier: MIT
# A cron slot missed while the machine was down runs once after the next boot.
#
# Cron timers are Persistent=yes: systemd keeps the time of a timer's last firing as
# the mtime of /var/lib/systemd/timers/stamp-<timer>, and a timer that starts with a
# stamp older than its latest scheduled slot fires at once. Each herald-ns instance has
# a fresh /var/lib/systemd, so a host directory bound at /var/lib/systemd/timers plays
# the persistent disk across a shutdown and a boot of the test systemd.
#
#   boot 1   (stamps dir)   the first slot T1 fires; the instance is shut down
#   down                    slots T1+P and T1+2P (and maybe one more) pass
#   boot 2 A (stamps dir)   the timer starts: exactly one catch-up run, at once
#   boot 2 B (empty dir)    control, the same in every other way: no run until the
#                           next regular slot, which both A and B then run
#
# /etc and /usr/local are private to each boot, so every boot installs herald and
# writes the workflow, then does what a boot does with it: daemon-reload (the generator
# writes the units and the timers.target.wants/ link) and `systemctl start
# timers.target` (which starts the wanted timer, as at boot).
#
# Slot arithmetic: the cron spec is '*/12 * * * * *' (with_seconds). 12 divides 60,
# so the slots are exactly the Unix times that are multiples of 12 s, also across
# minute, hour and day boundaries and in any time zone (UTC offsets are whole minutes;
# Unix time has no leap seconds). The test never waits for a wall-clock second; it
# takes T1 from the stamp and places everything relative to T1 + k*P.
# shellcheck source-path=SCRIPTDIR source=../lib/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/lib.sh"

P=12                               # seconds between slots
PUS=$((P * 1000000))
TIMER=herald-trigger-c.timer
TIMER_PATH=/org/freedesktop/systemd1/unit/herald_2dtrigger_2dc_2etimer
STAMP=stamp-$TIMER
ACTIVATION=b4e85c648f7644e9a0d41ac60e67f6a6   # one per firing of the trigger
RESULT=39d34c102f1d482caf41e75fca8199a7       # one per job
PROMPT_US=3000000                  # catch-up within 3 s of the start (AccuracySec=1s, load)
WINDOW_US=5000000                  # the timer starts at least 5 s before the next slot

STAMPS=$(mktemp -d /tmp/herald-test-reboot-stamps.XXXXXX)
EMPTY=$(mktemp -d /tmp/herald-test-reboot-empty.XXXXXX)

# lib.sh sets its own EXIT trap whenever it boots an instance while none is running
# (here: boot 1, then boot 2 A), so boot() puts this one back. It runs lib.sh's
# cleanup in a subshell, so that its `exit` comes back here, and then removes the host
# directories once no instance has them bound any more.
cleanup() {
  local rc=$?
  set +e
  trap - EXIT
  if ((${#NS_PIDS[@]})); then
    (exit "$rc")
    (_ns_cleanup)
    rc=$?
  fi
  rm -rf "$STAMPS" "$EMPTY"
  exit "$rc"
}
trap cleanup EXIT

boot() {
  ns_boot "$@"
  trap cleanup EXIT
}

now_us() { date +%s%6N; }

sleep_until_us() {
  local d=$(($1 - $(now_us)))
  ((d <= 0)) || sleep "$((d / 1000000)).$(printf '%06d' $((d % 1000000)))"
}

# fmt_us USEC: a readable UTC time with microseconds
fmt_us() { date -u -d "@$(($1 / 1000000)).$(printf '%06d' $(($1 % 1000000)))" +%T.%6N; }

stamp_us() {
  local t
  t=$(stat -c %.6Y "$1")
  printf '%s\n' "${t/./}"
}

# timer_us PID PROPERTY: a usec property of the timer, as a number (0 = never)
timer_us() {
  local out
  out=$(ns_run_in "$1" busctl get-property org.freedesktop.systemd1 "$TIMER_PATH" \
        org.freedesktop.systemd1.Timer "$2")
  printf '%s\n' "${out#t }"
}

# activations PID [UNTIL_US], results PID [UNTIL_US]: firings and jobs in the instance's
# journal (before UNTIL_US when given), counted by their ids (a result entry may be sent
# twice, see docs/ARCHITECTURE.md)
until_opt() { [[ -z ${1:-} ]] || printf -- '--until=@%d.%06d\n' $(($1 / 1000000)) $(($1 % 1000000)); }
activations() {
  # shellcheck disable=SC2046  # until_opt prints one word or none
  ns_run_in "$1" journalctl --no-pager -o cat --output-fields=HERALD_TRIGGER_ID $(until_opt "${2:-}") \
    MESSAGE_ID=$ACTIVATION HERALD_TRIGGER=c _UID=0 | sort -u | grep -c . || true
}
results() {
  # shellcheck disable=SC2046
  ns_run_in "$1" journalctl --no-pager -o cat --output-fields=HERALD_JOB_ID $(until_opt "${2:-}") \
    MESSAGE_ID=$RESULT HERALD_TRIGGER=c HERALD_SUCCESS=true _UID=0 | sort -u | grep -c . || true
}
runs() { printf '%s/%s\n' "$(activations "$1" "${2:-}")" "$(results "$1" "${2:-}")"; }
runs_are() { [[ $(runs "$1") == "$2" ]]; }
both_are() { runs_are "$A" "$1" && runs_are "$B" "$2"; }

# install herald and the workflow in NS_PID, and load it as a boot would
install_workflow() {
  ns_install
  ns_run mkdir -p /etc/herald
  ns_run sh -c 'cat > /etc/herald/workflow.yml' <<YML
trigger:
  c: {type: cron, cron: '*/$P * * * * *', with_seconds: true}
router:
  r: {trigger: c, selector: all, task: {p: print}}
YML
  ns_run systemctl daemon-reload
  assert_eq "$(ns_run systemctl show -P Persistent $TIMER)" yes "cron timer is persistent"
  assert_eq "$(ns_run systemctl show -P ActiveState $TIMER)" inactive "timer not started by the reload"
}

step "boot 1, timer stamps in a host directory"
boot --bind "$STAMPS:/var/lib/systemd/timers"
B1=$NS_PID
install_workflow
ns_run systemctl start timers.target
assert_eq "$(ns_run systemctl show -P ActiveState $TIMER)" active "timers.target starts the timer"
wait_until $((P + 5)) runs_are "$B1" 1/1 || fail "no run within $((P + 5)) s: $(runs "$B1")"
L1=$(timer_us "$B1" LastTriggerUSec)
T1=$((L1 / PUS * PUS))
printf 'first slot %s, fired at %s\n' "$(fmt_us "$T1")" "$(fmt_us "$L1")"
ns_stop "$B1"
down=$(now_us)
((down < T1 + PUS)) || fail "boot 1 went down only at $(fmt_us "$down"), after the next slot"
assert_eq "$(stamp_us "$STAMPS/$STAMP")" "$L1" "the stamp kept boot 1's LastTriggerUSec, to the microsecond"

step "down while the slots $(fmt_us $((T1 + PUS))) and $(fmt_us $((T1 + 2 * PUS))) pass"
sleep_until_us $((T1 + 2 * PUS + 300000))

step "boot 2: instance A with the stamps, control B with an empty directory"
boot --bind "$STAMPS:/var/lib/systemd/timers"
A=$NS_PID
install_workflow
boot --bind "$EMPTY:/var/lib/systemd/timers"
B=$NS_PID
install_workflow
assert_eq "$(ls -A "$EMPTY")" "" "B has no stamp"
# the next slot must leave time to see the catch-up alone; if it does not, let it pass
# as well (one more missed slot)
next=$((($(now_us) / PUS + 1) * PUS))
if ((next - $(now_us) < WINDOW_US)); then
  step "too close to the slot $(fmt_us "$next"); letting it pass too"
  sleep_until_us $((next + 300000))
  next=$((next + PUS))
fi
missed=$(((next - T1) / PUS - 1))
((missed >= 2)) || fail "only $missed slots missed"
assert_eq "$(stamp_us "$STAMPS/$STAMP")" "$L1" "A's stamp is still boot 1's before the timer starts"

step "start timers.target in A and B; $missed slots were missed, the next is $(fmt_us "$next")"
SA=$(now_us)
ns_run_in "$A" systemctl start timers.target
SB=$(now_us)
ns_run_in "$B" systemctl start timers.target
wait_until 5 runs_are "$A" 1/1 || fail "A did not catch up within 5 s: $(runs "$A")"
first=$(ns_run_in "$A" journalctl --no-pager -o short-unix MESSAGE_ID=$ACTIVATION HERALD_TRIGGER=c _UID=0 |
        awk 'NR == 1 { print $1 }')
first=${first/./}
printf 'A started its timer at %s, caught up at %s\n' "$(fmt_us "$SA")" "$(fmt_us "$first")"
((first >= SA && first - SA < PROMPT_US)) || fail "catch-up not within $((PROMPT_US / 1000000)) s of the start"
echo "ok - A caught up $(((first - SA) / 1000)) ms after its timer started"
LA=$(timer_us "$A" LastTriggerUSec)
((LA >= SA && LA < next)) || fail "A's LastTriggerUSec $(fmt_us "$LA") is not the catch-up"
assert_eq "$(stamp_us "$STAMPS/$STAMP")" "$LA" "A wrote the catch-up to the stamp"
assert_eq "$(timer_us "$A" NextElapseUSecRealtime)" "$next" "A then waits for the next regular slot"
assert_eq "$(timer_us "$B" LastTriggerUSec)" 0 "B: no stamp, no LastTriggerUSec"
assert_eq "$(timer_us "$B" NextElapseUSecRealtime)" "$next" "B waits for the next regular slot"
sb=$(stamp_us "$EMPTY/$STAMP")
((sb >= SB)) || fail "B's stamp was not created when its timer started"
echo "ok - B's timer created its stamp at start"

step "A's LastTriggerUSec is read from the stamp when the timer starts"
# set the stamp to a time that no firing produced, between the catch-up and now (no
# slot lies in between), and start the timer again: it must come back as that time
# and not fire
x=$((LA + ($(now_us) - LA) / 2))
touch -m -d "@$((x / 1000000)).$(printf '%06d' $((x % 1000000)))" "$STAMPS/$STAMP"
ns_run_in "$A" systemctl restart $TIMER
assert_eq "$(timer_us "$A" LastTriggerUSec)" "$x" "LastTriggerUSec is the stamp's mtime after a restart"

step "until just before $(fmt_us "$next"): one run in A, none in B"
((next - $(now_us) > 1000000)) || fail "the window closed before it could be checked"
sleep_until_us $((next - 500000))
# (counted before the slot: on a loaded machine journalctl may answer after it)
assert_eq "$(runs "$A" "$next")" 1/1 "A: exactly one activation and one result, for $missed missed slots"
assert_eq "$(runs "$B" "$next")" 0/0 "B: no catch-up without the stamp"

step "the regular slot $(fmt_us "$next") runs in both"
wait_until 5 both_are 2/2 1/1 ||
  fail "regular slot: A $(runs "$A"), B $(runs "$B") (want 2/2 and 1/1)"
echo "ok - A 2/2, B 1/1"
ns_stop "$A"
ns_stop "$B"
step "ok"
