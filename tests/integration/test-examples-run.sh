#!/bin/bash
# SPDX-License-Identifier: MIT
# Every example workflow runs in a booted systemd, the way a user starts it
# (`taskctl apply`), and its jobs leave the results Herald would give:
#   print-every-2s  the tick fires on its own, counters 1, 2, ...
#   uptime-cron     the cron activation, started by hand, runs uptime
#   demo            tick jobs, a cron job whose JSON stdout is merged
#   git-script      the script comes from a git repository (a file:// copy of
#                   heraldgo/herald-script's layout: no network here)
#   remote-run      the local tasks run; http_remote tasks end with a clear error
#                   (no runner.example.com here; test-remote.sh has a runner)
#   manual-http     validates (taskctl apply makes no http sockets: the generator does,
#                   and test-heraldd.sh runs http-chain.yml, its HTTP and exe_done twin,
#                   through heraldd)
# Also: a job running as another user cannot rewrite the ids of its result.
. "$(dirname "${BASH_SOURCE[0]}")/../lib/lib.sh"

RESULT_ID=39d34c102f1d482caf41e75fca8199a7
PY=/usr/bin/python3
[[ -x $PY ]] || skip "needs $PY"
command -v git >/dev/null || skip "needs git"

ns_boot
ns_install

# results ROUTER: the router's result entries as JSON lines
results() {
        ns_journal MESSAGE_ID=$RESULT_ID "HERALD_ROUTER=$1" -o json
}
count() {
        results "$1" | wc -l
}
at_least() {
        (($(count "$1") >= $2))
}
# check ROUTER PYEXPR MSG: PYEXPR over e = the newest entry, r = its parsed HERALD_RESULT
check() {
        local out
        out=$(results "$1" | tail -n 1 | $PY -c '
import json, sys
e = json.loads(sys.stdin.read())
r = json.loads(e["HERALD_RESULT"])
print(eval(sys.argv[1]))' "$2")
        [[ $out == True ]] || fail "$3 (got: $(results "$1" | tail -n 1 | cut -c1-600))"
        printf 'ok - %s\n' "$3"
}
apply() {
        ns_run taskctl apply "$1" >/dev/null || fail "taskctl apply $1"
}

# ---------------------------------------------------------------------------
step "print-every-2s: the tick fires by itself"
apply "$SRC_DIR/examples/print-every-2s.yml"
wait_until 15 at_least print_param_every2s 2 || fail "no two print results in 15 s"
counters=$(results print_param_every2s | $PY -c '
import json, sys
print(" ".join(json.loads(l)["HERALD_COUNTER"] for l in sys.stdin))')
assert_eq "${counters:0:3}" "1 2" "counters 1, 2"
check print_param_every2s 'e["HERALD_SUCCESS"] == "true" and json.loads(e["HERALD_PARAM"])["trigger_param"]["counter"] >= 1' \
        "print: succeeded, with the execution param"
printed=$(ns_journal -o cat SYSLOG_IDENTIFIER=print_param_every2s/print_param | head -n 1)
assert_contains "$printed" '"trigger":"every2s"' "print wrote the param's compact JSON to the journal"
ns_run taskctl apply --remove >/dev/null

step "uptime-cron: the cron activation runs uptime"
apply "$SRC_DIR/examples/uptime-cron.yml"
ns_run systemctl start herald-trigger-wednesday_morning.service
wait_until 15 at_least uptime_wednesday_morning 1 || fail "no uptime result"
check uptime_wednesday_morning 'e["HERALD_SUCCESS"] == "true" and r["exit_code"] == 0 and "load average" in r["output"]' \
        "uptime ran, its output is the result"
assert_eq "$(ns_run systemctl show -P LastTriggerUSecMonotonic herald-trigger-wednesday_morning.timer)" 0 \
        "the timer itself did not fire (Wednesday 06:30 is not now)"
act=$(ns_journal -o json MESSAGE_ID=b4e85c648f7644e9a0d41ac60e67f6a6 HERALD_TRIGGER=wednesday_morning | tail -n 1)
assert_eq "$($PY -c 'import json, sys; e = json.loads(sys.argv[1]); print(e["HERALD_JOBS_STARTED"], "HERALD_COUNTER" in e)' "$act")" \
        "1 False" "the cron firing's activation entry: one job, no tick counter"
ns_run taskctl apply --remove >/dev/null

step "demo: tick jobs and a cron job with JSON output"
apply "$SRC_DIR/examples/demo.yml"
ns_run systemctl start herald-trigger-every15s_cron.service
wait_until 20 at_least disk_every15s 1 || fail "no df result"
check disk_every15s 'e["HERALD_SUCCESS"] == "true" and isinstance(r["used_percent"], int) and "output" not in r' \
        "df's JSON object is merged into the result"
wait_until 15 at_least uptime_every5s 1 || fail "no uptime result from the 5 s tick"
wait_until 5 at_least print_every5s 1 || fail "no print result from the 5 s tick"
tid_print=$(results print_every5s | head -n 1 | $PY -c 'import json, sys; print(json.loads(sys.stdin.read())["HERALD_TRIGGER_ID"])')
tid_uptime=$(results uptime_every5s | head -n 1 | $PY -c 'import json, sys; print(json.loads(sys.stdin.read())["HERALD_TRIGGER_ID"])')
assert_eq "$tid_print" "$tid_uptime" "one firing, one trigger_id for both routers"
ns_run taskctl apply --remove >/dev/null

step "git-script: the script comes from the repository"
ns_run bash -c 'rm -rf /var/lib/herald-test-git && mkdir -p /var/lib/herald-test-git/herald-script/run /run/herald-test'
ns_run bash -c 'cat >/var/lib/herald-test-git/herald-script/run/doit.sh' <<'EOF'
#!/usr/bin/python3
import json, os
param = json.loads(os.environ["HERALD_EXECUTE_PARAM"])
print(json.dumps({"script": "doit", "router": param["router"]}))
EOF
ns_run bash -c 'set -e; cd /var/lib/herald-test-git/herald-script; chmod +x run/doit.sh
        git init -q -b master . && git add . && git -c user.name=t -c user.email=t@t commit -qm script'
sed 's#https://github.com/heraldgo/herald-script#file:///var/lib/herald-test-git/herald-script#' \
        "$SRC_DIR/examples/git-script.yml" | ns_run bash -c 'cat >/run/herald-test/git-script.yml'
apply /run/herald-test/git-script.yml
ns_run systemctl start herald-trigger-every_evening.service
wait_until 30 at_least run_git 1 || fail "no result from the git script"
check run_git 'e["HERALD_SUCCESS"] == "true" and r.get("script") == "doit" and r.get("router") == "run_git"' \
        "the script ran from the checkout and saw its execution param"
ns_run test -x /var/lib/herald/work/gitrepo/var/lib/herald-test-git/herald-script/run/doit.sh \
        || fail "no checkout at work_dir/gitrepo/<path>"
printf 'ok - the checkout is at work_dir/gitrepo/<path>\n'
ns_run taskctl apply --remove >/dev/null

step "remote-run: local tasks run, http_remote tasks fail clearly"
apply "$SRC_DIR/examples/remote-run.yml"
ns_run systemctl start herald-trigger-every_evening.service
wait_until 20 at_least run_every_evening 4 || fail "not 4 results for run_every_evening"
by_task=$(results run_every_evening | $PY -c '
import json, sys
for l in sys.stdin:
    e = json.loads(l)
    print(e["HERALD_TASK"], e["HERALD_SUCCESS"], e.get("HERALD_ERROR", "")[:40])' | sort)
assert_contains "$by_task" "df_local true" "df ran locally"
assert_contains "$by_task" "print_param true" "print ran"
assert_contains "$by_task" "hostname false The request to the remote runner failed:" "hostname (http_remote): a clear error"
assert_contains "$by_task" "df_remote false The request to the remote runner failed:" "df_remote (http_remote): a clear error"
ns_run taskctl apply --remove >/dev/null

step "manual-http: validates; no units until heraldd"
ns_run taskctl validate "$SRC_DIR/examples/manual-http.yml" >/dev/null || fail "manual-http does not validate"
printf 'ok - manual-http validates\n'

# ---------------------------------------------------------------------------
step "concurrency: forbid skips, replace stops the running job, allow runs both"
ns_run bash -c 'cat >/run/herald-test/overlap.yml' <<'EOF'
trigger:
  manual_cron: {type: cron, cron: '0 0 1 1 *'}
executor:
  sh: {type: local, work_dir: /var/lib/herald/work}
router:
  f: {trigger: manual_cron, selector: all, concurrency: forbid, task: {long: sh}, job_param: {cmd: sleep, arg: '60'}}
  r: {trigger: manual_cron, selector: all, concurrency: replace, task: {long: sh}, job_param: {cmd: sleep, arg: '60'}}
  a: {trigger: manual_cron, selector: all, concurrency: allow, task: {long: sh}, job_param: {cmd: sleep, arg: '60'}}
EOF
apply /run/herald-test/overlap.yml
running() {
        ns_run systemctl list-units --plain --no-legend --state=active "herald-$1-long@*.service" | wc -l
}
ns_run systemctl start herald-trigger-manual_cron.service
wait_until 10 eval '(($(running f) == 1 && $(running r) == 1 && $(running a) == 1))' || fail "first firing: not one job per router"
ns_run systemctl start herald-trigger-manual_cron.service
wait_until 10 eval '(($(running a) == 2))' || fail "allow: not two jobs"
assert_eq "$(running f)" 1 "forbid: still one job"
assert_eq "$(ns_journal MESSAGE_ID=19cf9f42260248c8aff10232cf4aa544 HERALD_ROUTER=f -o cat | wc -l)" 1 "forbid: one skip entry"
wait_until 10 at_least r 1 || fail "replace: the first job has no result"
check r 'e["HERALD_SUCCESS"] == "false" and "stopped" in e["HERALD_ERROR"]' "replace: the first job was stopped, its result says so"
assert_eq "$(running r)" 1 "replace: the new job runs"
ns_run taskctl apply --remove >/dev/null
ns_run systemctl stop 'herald-f-long@*.service' 'herald-r-long@*.service' 'herald-a-long@*.service'

# ---------------------------------------------------------------------------
step "a job running as another user cannot forge its result's ids"
ns_run mkdir -p /run/herald-test
ns_run bash -c 'cat >/run/herald-test/forge.yml' <<'EOF'
trigger:
  manual_cron:
    type: cron
    cron: '0 0 1 1 *'
executor:
  as_nobody:
    type: local
    work_dir: /tmp/herald-nobody
    unit:
      User: nobody
router:
  forge:
    trigger: manual_cron
    selector: all
    task:
      try: as_nobody
    job_param:
      cmd: sh
      arg: ['-c', 'for f in /run/herald/jobs/*/job.json; do if echo "{}" 2>/dev/null >"$f"; then echo "wrote $f"; else echo "refused $f"; fi; done; id -un']
EOF
ns_run mkdir -p /tmp/herald-nobody && ns_run chown nobody /tmp/herald-nobody
apply /run/herald-test/forge.yml
ns_run systemctl start herald-trigger-manual_cron.service
wait_until 15 at_least forge 1 || fail "no result of the nobody job"
check forge 'e["HERALD_TASK"] == "try" and e["_UID"] == "0" and "wrote" not in r["output"] and "refused /run/herald/jobs/" in r["output"] and r["output"].strip().endswith("nobody")' \
        "job.json is read-only to the job; the entry keeps router, task and ids"
ns_run taskctl apply --remove >/dev/null

step "ok"
