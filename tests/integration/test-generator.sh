#!/bin/bash
# SPDX-License-Identifier: MIT
# herald-generator inside a booted systemd: the units of a workflow load, their
# 'systemctl show' matches the plan, a broken router is left out, an unloadable file
# keeps the last good workflow in force, and the tick job really runs.
. "$(dirname "${BASH_SOURCE[0]}")/../lib/lib.sh"

ns_boot
ns_install

step "install examples/print-every-2s.yml as /etc/herald/workflow.yml"
ns_run mkdir -p /etc/herald
ns_run cp "$SRC_DIR/examples/print-every-2s.yml" /etc/herald/workflow.yml
ns_run systemctl daemon-reload

t=herald-trigger-every2s.timer
assert_eq "$(ns_run systemctl show -P LoadState $t)" loaded "generated timer loads"
assert_eq "$(ns_run systemctl show -P FragmentPath $t)" /run/systemd/generator/$t "timer comes from the generator"
assert_contains "$(ns_run systemctl show -P TimersMonotonic $t)" "OnUnitActiveUSec=2s" "tick interval is the timer period"
assert_eq "$(ns_run systemctl show -P Type herald-trigger-every2s.service)" oneshot "activation is a oneshot"
assert_contains "$(ns_run systemctl show -P ExecStart herald-trigger-every2s.service)" "herald-activate --workflow /run/systemd/generator/herald/workflow.yml --trigger every2s" "activation reads the snapshot"
assert_eq "$(ns_run readlink /run/systemd/generator/timers.target.wants/$t)" ../$t "timer is wanted by timers.target"
ns_run test ! -e /run/systemd/generator/heraldd-notify.socket || fail "a timer-only workflow got heraldd-notify.socket"
printf 'ok - a timer-only workflow has no heraldd units\n'

step "the cron trigger: Persistent, 1 s accuracy, the DOM-or-DOW rule as two OnCalendar="
ns_run sh -c 'cat > /etc/herald/workflow.yml' <<'YML'
trigger:
  c: {type: cron, cron: '30 4 1,15 * 5'}
router:
  r: {trigger: c, selector: all, task: {p: print}}
  broken: {trigger: nowhere, selector: all, task: {p: print}}
YML
ns_run systemctl daemon-reload
t=herald-trigger-c.timer
assert_eq "$(ns_run systemctl show -P Persistent $t)" yes "cron timers are persistent"
assert_eq "$(ns_run systemctl show -P AccuracyUSec $t)" 1s "cron timers have 1 s accuracy"
cal=$(ns_run systemctl show -P TimersCalendar $t)
assert_contains "$cal" "*-*-01,15 04:30:00" "day-of-month expression"
assert_contains "$cal" "Fri *-*-* 04:30:00" "day-of-week expression"
assert_contains "$(ns_journal -b -o cat)" "Router 'broken' is broken and left out" "broken router reported loudly"

step "the last good workflow stays in force when the file cannot be loaded"
ns_run systemctl start herald-last-good.service
assert_eq "$(ns_run cmp /etc/herald/last-good.yml /run/systemd/generator/herald/workflow.yml && echo same)" same "last good copy saved"
ns_run sh -c 'printf "trigger: [\n" > /etc/herald/workflow.yml'
ns_run systemctl daemon-reload
assert_eq "$(ns_run systemctl show -P LoadState $t)" loaded "timer of the last good workflow still there"
assert_contains "$(ns_journal -b -o cat)" "cannot be loaded; keeping the last good one" "error is loud"

step "a tick trigger fires: the activation runs and logs one entry per firing"
ns_run cp "$SRC_DIR/examples/print-every-2s.yml" /etc/herald/workflow.yml
ns_run systemctl daemon-reload
ns_run systemctl start herald-trigger-every2s.timer
wait_until 15 ns_run sh -c '[ $(journalctl -o cat MESSAGE_ID=b4e85c648f7644e9a0d41ac60e67f6a6 HERALD_TRIGGER=every2s _UID=0 | wc -l) -ge 2 ]' \
        || fail "no two activations within 15 s"
assert_contains "$(ns_journal -o cat MESSAGE_ID=b4e85c648f7644e9a0d41ac60e67f6a6 HERALD_TRIGGER=every2s)" "counter 1" "first tick has counter 1"
step "and its jobs run: one result entry per job, written as root"
wait_until 15 ns_run sh -c '[ $(journalctl -o cat MESSAGE_ID=39d34c102f1d482caf41e75fca8199a7 HERALD_ROUTER=print_param_every2s _UID=0 | wc -l) -ge 2 ]' \
        || fail "no two result entries within 15 s"
entry=$(ns_run journalctl -o json -n 1 MESSAGE_ID=39d34c102f1d482caf41e75fca8199a7 HERALD_ROUTER=print_param_every2s)
assert_contains "$entry" '"HERALD_SUCCESS":"true"' "print succeeds"
assert_contains "$entry" '"HERALD_TASK":"print_param"' "task name in the entry"
step "ok"
