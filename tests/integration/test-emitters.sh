#!/bin/bash
# SPDX-License-Identifier: MIT
# The two emitters of one plan agree, in a booted systemd:
#  - `taskctl plan --output-dir` writes unit files systemd loads as planned;
#  - for every example, the units herald-generator writes (workflow in /etc/herald,
#    daemon-reload) and the transient units `taskctl apply` starts over D-Bus give the
#    same `systemctl show`, property by property, apart from the properties that say
#    where a unit came from or when it ran (listed in IGNORED, each with its reason).
. "$(dirname "${BASH_SOURCE[0]}")/../lib/lib.sh"

taskctl=$BUILD_DIR/taskctl
[[ -x $taskctl ]] || fail "$taskctl is not built"

# Properties that differ by nature between a generated and a transient unit:
#   FragmentPath, SourcePath, UnitFileState, Transient: where the unit came from;
#   WantedBy: the generator installs a timers.target.wants/ link, apply starts the timer;
#   the run state (ActiveState, SubState, Result, PIDs, exit status, InvocationID,
#   *Timestamp*, NextElapseUSec*, LastTriggerUSec*, ConditionResult, AssertResult, the
#   resource counters, and while it runs ControlGroup, ControlGroupId, WatchdogUSec,
#   StatusText): whether and when it ran, which a 5 s tick decides (also
#   normalized away from ExecStart= and TimersCalendar=);
#   NeedDaemonReload: the generated file's mtime against the last reload.
# Job units are not compared: in both cases the activation starts them, from one plan.
IGNORED='^(FragmentPath|SourcePath|UnitFileState|Transient|WantedBy|NeedDaemonReload|InvocationID|ActiveState|SubState|Result|MainPID|ControlPID|ControlGroup|ControlGroupId|WatchdogUSec|StatusText|ExecMain[A-Za-z]*|StatusErrno|NRestarts|ConditionResult|AssertResult|[A-Za-z]*Timestamp[A-Za-z]*|NextElapseUSec[A-Za-z]*|LastTriggerUSec[A-Za-z]*|(Memory|CPU|Tasks|IP|IO)[A-Za-z]*(Current|NSec|Bytes|Packets|Available))='

# show UNIT: `systemctl show UNIT`, normalized: ignored properties dropped, the
# workflow path of an activation (the generator's snapshot, apply's copy) replaced by
# WORKFLOW, next_elapse dropped, and lists of unit names sorted.
show() {
        ns_run systemctl show "$1" | grep -Ev "$IGNORED" | sed -E \
                -e 's#--workflow [^ ;]+#--workflow WORKFLOW#g' \
                -e 's#; next_elapse=[^}]*}#}#g' \
                -e 's#; start_time=.*status=[^ ]* }# }#g' | python3 -c '
import sys
lists = ("Before", "After", "Requires", "Wants", "Conflicts", "ConflictedBy", "RequiredBy", "Triggers", "TriggeredBy", "Names", "Documentation")
for line in sys.stdin:
    k, _, v = line.rstrip("\n").partition("=")
    if k in lists:
        v = " ".join(sorted(v.split()))
    print(f"{k}={v}")' | sort
}

# The units both emitters install: timers and their activation services. heraldd's
# units (http sockets, job templates, heraldd-notify.socket, herald-activate.socket, the
# credentials drop-in) come from the generator only: systemd 252 cannot make a template
# transient nor set Service= on a transient socket, so 'taskctl apply' leaves http
# triggers out.
emitted_units() {
        "$taskctl" plan --json "$1" | python3 -c '
import json, sys
for u in json.load(sys.stdin)["units"]:
    if u["installed"] and u["kind"] in ("timer", "activation"):
        print(u["name"])'
}

# heraldd's units of a workflow, which the generator alone installs.
heraldd_units() {
        "$taskctl" plan --json "$1" | python3 -c '
import json, sys
for u in json.load(sys.stdin)["units"]:
    if u["installed"] and u["kind"] in ("socket", "job-template", "notify-socket", "activate-socket"):
        print(u["name"])'
}

ns_boot
ns_install

# ---------------------------------------------------------------------------
step "taskctl plan --output-dir: units systemd loads as planned"
ex=$SRC_DIR/examples/uptime-cron.yml
written=$(ns_run taskctl plan --output-dir /etc/systemd/system "$ex")
assert_contains "$written" /etc/systemd/system/herald-trigger-wednesday_morning.timer "the timer is written"
assert_eq "$(ns_run readlink /etc/systemd/system/timers.target.wants/herald-trigger-wednesday_morning.timer)" \
        ../herald-trigger-wednesday_morning.timer "with its timers.target.wants/ link"
ns_run systemctl daemon-reload
timer=herald-trigger-wednesday_morning.timer
assert_eq "$(ns_run systemctl show -P LoadState $timer)" loaded "the timer loads"
assert_eq "$(ns_run systemctl show -P UnitFileState $timer)" enabled "and is enabled"
assert_contains "$(ns_run systemctl show -P TimersCalendar $timer)" "OnCalendar=Wed *-*-* 06:30:00" "OnCalendar from cron '30 6 * * 3'"
assert_eq "$(ns_run systemctl show -P Persistent $timer)" yes "Persistent=yes"
assert_eq "$(ns_run systemctl show -P AccuracyUSec $timer)" 1s "AccuracySec=1s"
assert_contains "$(ns_run systemctl show -P ExecStart herald-trigger-wednesday_morning.service)" \
        "--workflow $ex --trigger wednesday_morning" "the activation reads the workflow by its absolute path"
rc=0; ns_run taskctl plan --output-dir /etc/systemd/system "$ex" 2>/dev/null || rc=$?
assert_eq "$rc" 1 "an existing unit file is not overwritten"
ns_run systemctl start $timer
assert_eq "$(ns_run systemctl show -P SubState $timer)" waiting "the timer starts and waits"
ns_run systemctl stop $timer
ns_run sh -c 'rm -rf /etc/systemd/system/herald* /etc/systemd/system/*.target.wants/herald*'
ns_run systemctl daemon-reload

# ---------------------------------------------------------------------------
for ex in "$SRC_DIR"/examples/*.yml; do
        name=$(basename "$ex" .yml)
        step "$name: herald-generator and taskctl apply give the same units"
        mapfile -t units < <(emitted_units "$ex")
        mapfile -t hunits < <(heraldd_units "$ex")
        ns_run mkdir -p /etc/herald
        ns_run cp "$ex" /etc/herald/workflow.yml
        ns_run systemctl daemon-reload
        for u in "${hunits[@]}"; do
                [[ $u == *@.service ]] && u=${u/@.service/@0D3C4B5A-0000-4000-8000-000000000001.service}
                assert_eq "$(ns_run systemctl show -P LoadState "$u")" loaded "$name: generated $u loads (generator only)"
        done
        if ((${#units[@]} == 0)); then
                printf 'ok - %s: no timers to compare\n' "$name"
                ns_run rm /etc/herald/workflow.yml
                ns_run systemctl daemon-reload
                continue
        fi
        ns_run systemctl start timers.target
        declare -A generated=()
        for u in "${units[@]}"; do
                assert_eq "$(ns_run systemctl show -P LoadState "$u")" loaded "generated $u loads"
                generated[$u]=$(show "$u")
        done
        for u in "${units[@]}"; do
                [[ $u == *.timer ]] && ns_run systemctl stop "$u"
        done
        ns_run rm /etc/herald/workflow.yml
        ns_run systemctl daemon-reload

        ns_run taskctl apply "$ex" >/dev/null
        for u in "${units[@]}"; do
                assert_eq "$(ns_run systemctl show -P Transient "$u")" yes "applied $u is transient"
                applied=$(show "$u")
                if [[ $applied != "${generated[$u]}" ]]; then
                        diff <(echo "${generated[$u]}") <(echo "$applied") | sed 's/^/    /' >&2 || true
                        fail "$name: $u differs between the generator (<) and apply (>)"
                fi
                printf 'ok - %s: %s: %d properties agree\n' "$name" "$u" "$(wc -l <<<"$applied")"
        done
        ns_run taskctl apply --remove >/dev/null
        for u in "${units[@]}"; do
                wait_until 10 eval '[[ $(ns_run systemctl show -P LoadState "'"$u"'") == not-found ]]' \
                        || fail "$u is still loaded after apply --remove"
        done
        unset generated
done

# ---------------------------------------------------------------------------
step "taskctl reload: new triggers start, removed ones stop, a broken file changes nothing and exits 1"
two_triggers='trigger:
  hourly: {type: tick, interval: 3600}
  nightly: {type: cron, cron: "0 3 * * *"}
router:
  a: {trigger: hourly, selector: all, task: {p: print}}
  b: {trigger: nightly, selector: all, task: {p: print}}'
ns_run bash -c 'cat >/etc/herald/workflow.yml' <<<"$two_triggers"
out=$(ns_run taskctl reload)
assert_contains "$out" "Reloaded: 2 herald timers active." "reload reports both timers"
for t in hourly nightly; do
        assert_eq "$(ns_run systemctl show -P ActiveState herald-trigger-$t.timer)" active "herald-trigger-$t.timer runs"
done
assert_eq "$(ns_run cmp /etc/herald/workflow.yml /etc/herald/last-good.yml && echo same)" same "the workflow is kept as the last good one"
ns_run bash -c 'cat >/etc/herald/workflow.yml' <<<"${two_triggers%%  nightly:*}router:
  a: {trigger: hourly, selector: all, task: {p: print}}"
out=$(ns_run taskctl reload)
assert_contains "$out" "Stopped herald-trigger-nightly.timer (no longer in the workflow)." "the removed trigger's timer is stopped"
assert_contains "$out" "Reloaded: 1 herald timer active." "one timer left"
assert_eq "$(ns_run systemctl show -P LoadState herald-trigger-nightly.timer)" not-found "and unloaded"
echo 'trigger: [' | ns_run bash -c 'cat >/etc/herald/workflow.yml'
rc=0; out=$(ns_run taskctl reload 2>&1) || rc=$?
assert_eq "$rc" 1 "a broken file: reload exits 1 (what was asked is not in force)"
assert_contains "$out" "cannot be loaded: the last good workflow (/etc/herald/last-good.yml) stays in force" \
        "and says the last good one stays"
assert_contains "$out" "Not applied: /etc/herald/workflow.yml cannot be loaded; in force: the last good workflow /etc/herald/last-good.yml, 1 herald timer active." \
        "its last line says what is in force"
assert_eq "$(ns_run systemctl show -P ActiveState herald-trigger-hourly.timer)" active "the last good workflow's timer runs on"
ns_run bash -c 'cat >/etc/herald/workflow.yml' <<<"${two_triggers%%  nightly:*}router:
  a: {trigger: hourly, selector: all, task: {p: print}}
  c: {trigger: nosuch, selector: all, task: {p: print}}"
rc=0; out=$(ns_run taskctl reload 2>&1) || rc=$?
assert_eq "$rc" 1 "a router left out: reload exits 1"
assert_contains "$out" "Reloaded with errors: /etc/herald/workflow.yml runs without the routers and tasks listed above; 1 herald timer active." \
        "and says what runs"
echo 'trigger: [' | ns_run bash -c 'cat >/etc/herald/workflow.yml'
ns_run rm /etc/herald/last-good.yml
rc=0; out=$(ns_run taskctl reload 2>&1) || rc=$?
assert_eq "$rc" 1 "broken, no last good workflow: exit 1"
assert_contains "$out" "Not applied: /etc/herald/workflow.yml cannot be loaded and there is no last good workflow; 0 herald timers active." \
        "no last good workflow is claimed"
rc=0; ns_run taskctl reload extra 2>/dev/null || rc=$?
assert_eq "$rc" 2 "reload takes no arguments"

step "ok"
