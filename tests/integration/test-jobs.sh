#!/bin/bash
# SPDX-License-Identifier: MIT
# Jobs end to end, the way a user runs them: a workflow file -> 'taskctl apply' (transient
# timers and activation services) or herald-generator (/etc/herald/workflow.yml and
# daemon-reload) -> the activation service (fired on demand with 'systemctl start') ->
# one instance of the task's template unit per job in herald.slice (a daemon-reload while
# they run loses nothing) -> exactly one result entry per job,
# written by root -> read back with taskctl history/status/logs/list --json.
#
# The jobs: 100 MB of output, 200,000 lines, invalid JSON, JSON that is not an object,
# a JSON object, a job that never ends (RuntimeMaxSec through the 'unit:' key), death by
# SIGKILL, 'systemctl stop' of a running job, a SIGKILL of herald-exec itself (the
# OnFailure= unit herald-result@ writes that entry), and git failures (a missing file:// repo,
# a missing branch, wrong HTTP credentials, a server that never answers), next to three
# good jobs that share the checkout of the missing-branch one. All of one firing share
# its trigger_id and tick counter; a second firing of a busy tick router is skipped.
# Servers run on 127.0.0.1 inside. About 20 s.
# Python expressions and commands run inside are single-quoted on purpose:
# shellcheck disable=SC2016
# shellcheck source-path=SCRIPTDIR source=../lib/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/lib.sh"

RESULT_ID=39d34c102f1d482caf41e75fca8199a7
ACTIVATION_ID=b4e85c648f7644e9a0d41ac60e67f6a6
SKIPPED_ID=19cf9f42260248c8aff10232cf4aa544
PY=/usr/bin/python3
WF=/run/herald-test/jobs.yml            # /run is private to the instance
GIT=/var/lib/herald-jobs-git
REPO=file://$GIT/repo.git

[[ -x $PY ]] || skip "needs $PY"
command -v git >/dev/null || skip "needs git"
[[ -x $BUILD_DIR/taskctl ]] || fail "$BUILD_DIR/taskctl is not built"

ns_boot
ns_install

# JSON documents (journal entries, taskctl output) are files in the instance's private
# /run, read from here through /proc/PID/root: some are larger than one argument may be.
D=/proc/$NS_PID/root/run/herald-test/docs
ns_run mkdir -p /run/herald-test/docs

tc() { ns_run taskctl "$@"; }
# tc_rc WANT ARGS...: taskctl ARGS, which must exit with one of the statuses in WANT ("0 3")
tc_rc() {
        local want=$1 r=0 out
        shift
        out=$(ns_run taskctl "$@") || r=$?
        [[ " $want " == *" $r "* ]] || fail "taskctl $*: exit $r, expected $want"
        printf '%s\n' "$out"
}
# save NAME: the JSON document on stdin becomes document NAME
save() { cat >"$D/$1.json"; }
# py NAME PYEXPR: evaluate PYEXPR with d = document NAME, doc(N) = any document, and
# ev(TASK) / res(TASK) = TASK's entry in document 'batch' and its parsed HERALD_RESULT;
# prints the value (dicts and lists as compact JSON)
_PYLIB='import json, sys
D = sys.argv[1]
def doc(n):
    with open(D + "/" + n + ".json") as f:
        return json.load(f)
def ev(task):
    return [x for x in doc("batch") if x["HERALD_TASK"] == task][0]
def res(task):
    return json.loads(ev(task)["HERALD_RESULT"])
d = doc(sys.argv[2])
v = eval(sys.argv[3])
'
py() {
        $PY -c "$_PYLIB"'
print(json.dumps(v, separators=(",", ":")) if isinstance(v, (dict, list)) else v)' "$D" "$1" "$2"
}
# check NAME PYEXPR MSG: PYEXPR on d = document NAME must be true
check() {
        $PY -c "$_PYLIB"'
if not v:
    print(json.dumps(d, indent=1)[:4000]); sys.exit(1)' "$D" "$1" "$2" || fail "$3"
        printf 'ok - %s\n' "$3"
}
# entries MATCH...: the trusted result entries matching, oldest first, as one JSON array
entries() {
        ns_journal -o json --all "MESSAGE_ID=$RESULT_ID" _UID=0 "$@" |
                $PY -c 'import json, sys; print(json.dumps([json.loads(l) for l in sys.stdin if l.strip()]))'
}
n_entries() { ns_journal -o cat "MESSAGE_ID=$RESULT_ID" _UID=0 "$@" | wc -l; }
have_entries() {
        local n=$1
        shift
        (($(n_entries "$@") >= n))
}
# activation TRIGGER: the newest activation entry of TRIGGER (JSON object)
activation() {
        ns_journal -o json -n 1 "MESSAGE_ID=$ACTIVATION_ID" _UID=0 "HERALD_TRIGGER=$1"
}
n_activations() { ns_journal -o cat "MESSAGE_ID=$ACTIVATION_ID" _UID=0 "HERALD_TRIGGER=$1" | wc -l; }
_more_activations() { (($(n_activations "$1") > $2)); }
# fire TRIGGER DOC: start TRIGGER's activation service as its timer would; once its
# activation entry is in the journal, save that entry as document DOC
fire() {
        local before
        before=$(n_activations "$1")
        ns_run systemctl start "herald-trigger-$1.service"
        wait_until 10 _more_activations "$1" "$before" || fail "firing '$1' left no activation entry"
        activation "$1" | save "$2"
}
# ev TASK PYEXPR: PYEXPR on e = TASK's entry in document 'batch', r = its parsed HERALD_RESULT
ev() { py batch "(lambda e, r: $2)(ev('$1'), res('$1'))"; }
# outcome TASK: "SUCCESS EXIT_CODE" of TASK's entry
outcome() { ev "$1" 'e["HERALD_SUCCESS"] + " " + e["HERALD_EXIT_CODE"]'; }

# ---------------------------------------------------------------------------
step "servers on 127.0.0.1: a git repository, HTTP that refuses every password, a silent one"
ns_run bash -s <<EOF || fail "git setup"
set -e
rm -rf $GIT && mkdir -p $GIT
git init -q -b main $GIT/src && cd $GIT/src
git config user.email t@example.com && git config user.name t
printf '#!/bin/sh\necho from-git\n' >run.sh && chmod +x run.sh
git add run.sh && git commit -qm main
git clone -q --bare $GIT/src $GIT/repo.git
EOF
ns_run mkdir -p /run/herald-test
ns_run bash -c 'cat >/run/herald-test/http401.py' <<'EOF'
from http.server import BaseHTTPRequestHandler, HTTPServer
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *args):
        pass
    def do_GET(self):
        self.send_response(401)
        self.send_header("WWW-Authenticate", 'Basic realm="git"')
        self.send_header("Content-Length", "0")
        self.end_headers()
    do_POST = do_GET
HTTPServer(("127.0.0.1", 8080), H).serve_forever()
EOF
ns_run setsid -f $PY /run/herald-test/http401.py </dev/null >/dev/null 2>&1
wait_until 10 ns_run bash -c 'exec 3<>/dev/tcp/127.0.0.1/8080' 2>/dev/null || fail "HTTP server did not start"
ns_silent_server 9419

step "the workflow: validate, plan"
# Long tick intervals: the timers never fire by themselves during the test; the
# activations are started by hand.
ns_run bash -c "cat >$WF" <<EOF
trigger:
  batch: {type: tick, interval: 86400}
  quick: {type: tick, interval: 86400}
executor:
  sh:
    type: local
    work_dir: /var/lib/herald-jobs
router:
  output:
    trigger: batch
    selector: all
    task:
      big: {executor: sh, job_param: {cmd: sh, arg: ['-c', 'while [ ! -e /run/herald-test/big-go ]; do sleep 0.05; done; head -c 100000000 /dev/zero | tr "\\\\0" x']}}
      lines: {executor: sh, job_param: {cmd: seq, arg: '200000'}}
      badjson: {executor: sh, job_param: {cmd: echo, arg: '{"a":'}}
      array: {executor: sh, job_param: {cmd: echo, arg: '[1,2]'}}
      string: {executor: sh, job_param: {cmd: echo, arg: '"str"'}}
      number: {executor: sh, job_param: {cmd: echo, arg: '42'}}
      object: {executor: sh, job_param: {cmd: echo, arg: ' {"answer": 42, "nested": {"k": [1, 2]}, "exit_code": 7} '}}
      sig: {executor: sh, job_param: {cmd: sh, arg: ['-c', 'echo before-kill; kill -9 \$\$']}}
      hang:
        executor: sh
        job_param: {cmd: sh, arg: ['-c', 'echo hanging; exec sleep infinity'], unit: {RuntimeMaxSec: 2}}
  git:
    trigger: batch
    selector: all
    job_param: {cmd: run.sh, git_timeout: 5}
    task:
      nofile: {executor: sh, job_param: {git_repo: 'file:///nonexistent/repo.git'}}
      nobranch: {executor: sh, job_param: {git_repo: '$REPO', git_branch: nope}}
      badcreds: {executor: sh, job_param: {git_repo: 'http://127.0.0.1:8080/repo.git', git_username: alice, git_password: wr0ngpass}}
      silent: {executor: sh, job_param: {git_repo: 'git://127.0.0.1:9419/repo.git', git_timeout: 2}}
      gitok: {executor: sh, job_param: {git_repo: '$REPO'}}
      gitok2: {executor: sh, job_param: {git_repo: '$REPO'}}
      gitok3: {executor: sh, job_param: {git_repo: '$REPO'}}
  quick:
    trigger: quick
    selector: all
    task:
      hello: {executor: sh, job_param: {cmd: sh, arg: ['-c', 'echo hello-one; echo hello-two']}}
EOF
out=$(tc validate "$WF" 2>&1) || fail "validate refused the workflow: $out"
assert_contains "$out" "valid (3 routers, 17 tasks, 0 errors" "validate accepts it, unit: RuntimeMaxSec included"
ns_run bash -c "sed 's/git_timeout: 2}/git_timeout: \"2\"}/' $WF >/run/herald-test/quoted.yml"
r=0
out=$(tc validate /run/herald-test/quoted.yml 2>&1) || r=$?
assert_eq "$r" 1 "validate refuses a quoted git_timeout (herald would silently use 60 s)"
assert_contains "$out" "key 'job_param/git_timeout': expected an integer from 1 to 86400" "validate says why"
tc plan --json "$WF" | save plan
check plan '[u["name"] for u in d["units"] if u["kind"] in ("timer", "activation")] == ["herald-trigger-batch.timer", "herald-trigger-batch.service", "herald-trigger-quick.timer", "herald-trigger-quick.service"]' \
        "plan: a timer and an activation service per trigger"
check plan 'any(u["kind"] == "job-template" and u["task"] == "hang" and any(p["key"] == "RuntimeMaxSec" for p in u["properties"]) for u in d["units"])' \
        "plan: the hang job's unit gets RuntimeMaxSec"

step "taskctl apply"
out=$(tc apply "$WF")
assert_contains "$out" "2 timers started, 0 failed" "apply starts both timers"
for t in batch quick; do
        assert_eq "$(ns_run systemctl show -P ActiveState herald-trigger-$t.timer)" active "herald-trigger-$t.timer active"
        assert_eq "$(ns_run systemctl show -P LoadState herald-trigger-$t.service)" loaded "herald-trigger-$t.service loaded"
done
assert_eq "$(ns_run systemctl list-units --plain --no-legend --all 'herald-output-*' 'herald-git-*' | wc -l)" 0 "no job ran yet"

# ---------------------------------------------------------------------------
step "fire 'batch': one activation, 16 job units in herald.slice"
fired=$SECONDS
fire batch act_batch
TID=$(py act_batch 'd["HERALD_TRIGGER_ID"]')
ACT_USEC=$(py act_batch 'd["__REALTIME_TIMESTAMP"]')
assert_eq "$(py act_batch '[d["HERALD_COUNTER"], d["HERALD_JOBS_STARTED"], d["HERALD_JOBS_SKIPPED"], d["HERALD_JOBS_FAILED"]]')" \
        '["1","16","0","0"]' "activation: counter 1, 16 started, none skipped or failed"
big_unit=$(ns_run systemctl list-units --plain --no-legend 'herald-output-big@*' | awk '{print $1}')
[[ $big_unit == herald-output-big@*.service ]] || fail "no unit for output/big: '$big_unit'"
assert_eq "$(ns_run systemctl show -P FragmentPath "$big_unit")" /run/systemd/system/herald-output-big@.service \
        "a job is an instance of the task's template, which apply wrote to /run/systemd/system"
assert_eq "$(ns_run systemctl show -P Slice "$big_unit")" herald.slice "job units run in herald.slice"
# (an instance name of the template: the job itself may be over already on a busy machine)
assert_eq "$(ns_run systemctl show -P RuntimeMaxUSec herald-output-hang@00000000-0000-4000-8000-000000000000.service)" 2s \
        "unit: RuntimeMaxSec reached the job unit"
# A daemon-reload while the jobs run: each must still end with its result entry (a
# transient unit's ExecStopPost=+ did not survive one on systemd 252). The 100 MB job
# runs for seconds; every job still running keeps its result step.
mapfile -t running < <(ns_run systemctl list-units --plain --no-legend --state=active 'herald-output-*@*' 'herald-git-*@*' | awk '{print $1}')
((${#running[@]} > 0)) || fail "no job runs any more: the reload would prove nothing"
ns_run systemctl daemon-reload
# The result step is herald-done (ExecStopPost=+) for a job with 'unit:' settings, or
# herald-exec's --result-entry with herald-result@<id>.service as OnFailure= for the rest.
result_step() {
        local u=$1 id=${1#*@}
        id=${id%.service}
        if [[ $(ns_run systemctl show -P ExecStart "$u") == *--result-entry* ]]; then
                [[ $(ns_run systemctl show -P OnFailure "$u") == "herald-result@$id.service" ]] && echo own-entry
        else
                ns_run systemctl show -P ExecStopPost "$u" | grep -q herald-done && echo herald-done
        fi
}
for u in "${running[@]}"; do
        [[ $(ns_run systemctl show -P ActiveState "$u") == active ]] || continue
        case $u in
                herald-output-hang@*) want=herald-done ;;       # unit: RuntimeMaxSec
                *) want=own-entry ;;
        esac
        assert_eq "$(result_step "$u")" "$want" "after a daemon-reload the running $u still has its result step"
done

step "100 MB of output: sample the job's memory while it runs"
# No memory controller in this host's cgroup2 (tests/lib/README.md): the unit's
# MemoryCurrent= is sampled when it is there; herald-exec job's peak RSS always.
# The job waits for the gate until the sampling has begun: under load it could
# otherwise be over before the first sample (peak RSS 0 kB).
mem=$(ns_run bash -c 'hwm=0 cur=0 opened=0
        while :; do
                pid=$(systemctl show -P MainPID '"$big_unit"' 2>/dev/null) || break
                { [ -z "$pid" ] || [ "$pid" = 0 ]; } && break
                h=$(awk "/VmHWM/{print \$2}" /proc/$pid/status 2>/dev/null)
                [ -n "$h" ] && [ "$h" -gt "$hwm" ] && hwm=$h
                c=$(systemctl show -P MemoryCurrent '"$big_unit"' 2>/dev/null)
                case $c in [0-9]*) [ "${#c}" -lt 19 ] && [ "$c" -gt "$cur" ] && cur=$c;; esac
                [ "$opened" = 0 ] && : > /run/herald-test/big-go && opened=1
                sleep 0.05
        done
        [ "$opened" = 1 ] || : > /run/herald-test/big-go
        echo "$hwm $((cur / 1024))"')
read -r hwm cgmem <<<"$mem"
step "peak RSS of herald-exec job: $hwm kB; peak MemoryCurrent of the unit: $cgmem kB (0: not accounted here)"
((hwm > 0 && hwm < 65536)) || fail "big: peak RSS $hwm kB"
((cgmem < 262144)) || fail "big: the unit's memory reached $cgmem kB"

step "every job of the firing ends with exactly one result entry"
wait_until 90 have_entries 16 "HERALD_TRIGGER_ID=$TID" || fail "only $(n_entries "HERALD_TRIGGER_ID=$TID") of 16 result entries"
wait_until 15 ns_run sh -c '[ -z "$(ls -A /run/herald/jobs)" ]' || fail "job directories left: $(ns_run ls /run/herald/jobs)"
sleep 1
took=$((SECONDS - fired))
entries "HERALD_TRIGGER_ID=$TID" | save batch
check batch 'len(d) == 16' "16 entries for trigger id $TID (no duplicate)"
check batch 'sorted((e["HERALD_ROUTER"], e["HERALD_TASK"]) for e in d) == sorted([("output", t) for t in ["big", "lines", "badjson", "array", "string", "number", "object", "sig", "hang"]] + [("git", t) for t in ["nofile", "nobranch", "badcreds", "silent", "gitok", "gitok2", "gitok3"]])' \
        "one entry per task of both routers"
check batch 'len({e["HERALD_JOB_ID"] for e in d}) == 16 and all(json.loads(e["HERALD_PARAM"])["job_id"] == e["HERALD_JOB_ID"] for e in d)' \
        "distinct job ids, the same in HERALD_PARAM"
check batch 'all(e["HERALD_TRIGGER"] == "batch" and e["HERALD_COUNTER"] == "1" and json.loads(e["HERALD_PARAM"])["trigger_id"] == e["HERALD_TRIGGER_ID"] and json.loads(e["HERALD_PARAM"])["trigger_param"] == {"counter": 1} for e in d)' \
        "every job: trigger batch, counter 1 (field and trigger_param), the shared trigger_id in its param"
check batch 'all(e["_UID"] == "0" and e["PRIORITY"] == ("3" if e.get("HERALD_RESENT") else "5" if e["HERALD_SUCCESS"] == "true" else "4") for e in d)' \
        "written by root, PRIORITY 5 on success, 4 on failure"
check batch 'all((e["HERALD_ERROR"] == "") == (e["HERALD_SUCCESS"] == "true") for e in d)' "an error exactly when failed"
check batch 'all(int(e["HERALD_EXIT_CODE"]) == json.loads(e["HERALD_RESULT"]).get("exit_code", -1) for e in d)' \
        "HERALD_EXIT_CODE is the result's exit_code (-1 when it has none)"
check batch 'all(e["HERALD_UNIT"] == "herald-%s-%s@%s.service" % (e["HERALD_ROUTER"], e["HERALD_TASK"], e["HERALD_JOB_ID"]) for e in d)' \
        "HERALD_UNIT names the job's unit"
check batch 'all(e["HERALD_EXECUTOR"] == "sh" and e["HERALD_SELECTOR"] == "all" and len(e["HERALD_INVOCATION_ID"]) == 32 for e in d)' \
        "executor, selector, invocation id"
assert_eq "$(ns_run systemctl list-units --plain --no-legend --all 'herald-output-*' 'herald-git-*' | wc -l)" 0 \
        "no job unit left loaded (failed ones included)"
step "the whole firing took $took s"

step "output: 100 MB"
assert_eq "$(outcome big)" "true 0" "big: success, exit 0"
assert_eq "$(ev big '[e.get("HERALD_RESULT_TRUNCATED"), r["output_truncated"], "".join(sorted(set(r["output"]))), len(e["HERALD_RESULT"]) <= 262144]')" \
        '["true",true,"x",true]' "big: result cut to 256 KiB and flagged, valid JSON"
step "output: 200,000 lines"
assert_eq "$(outcome lines)" "true 0" "lines: success, exit 0"
assert_eq "$(ev lines '[r["output_truncated"], r["output"][:12]]')" '[true,"1\n2\n3\n4\n5\n6\n"]' "lines: the head kept, flagged"
step "output: not one JSON object -> text"
assert_eq "$(ev badjson 'e["HERALD_RESULT"]')" '{"output":"{\"a\":\n","exit_code":0}' "invalid JSON stays text"
assert_eq "$(ev array 'e["HERALD_RESULT"]')" '{"output":"[1,2]\n","exit_code":0}' "an array stays text"
assert_eq "$(ev string 'e["HERALD_RESULT"]')" '{"output":"\"str\"\n","exit_code":0}' "a string stays text"
assert_eq "$(ev number 'e["HERALD_RESULT"]')" '{"output":"42\n","exit_code":0}' "a number stays text"
check batch 'all(e["HERALD_SUCCESS"] == "true" and e["HERALD_ERROR"] == "" for e in d if e["HERALD_TASK"] in ("badjson", "array", "string", "number"))' \
        "text output: all succeeded"
step "output: a JSON object is merged"
assert_eq "$(ev object 'e["HERALD_RESULT"]')" '{"answer":42,"nested":{"k":[1,2]},"exit_code":0}' \
        "merged, no 'output', exit_code set by herald"
assert_eq "$(outcome object)" "true 0" "object: success"

step "killed by SIGKILL"
assert_eq "$(outcome sig)" "false -1" "sig: failed, exit code -1"
assert_eq "$(ev sig 'e["HERALD_ERROR"]')" "Command failed with code -1" "sig: Herald's error"
assert_eq "$(ev sig '[r["output"], r.get("signal")]')" '["before-kill\n","SIGKILL"]' "sig: output before the kill, signal name"

step "never exits: stopped by RuntimeMaxSec=2"
assert_eq "$(outcome hang)" "false -1" "hang: failed, exit code -1"
assert_eq "$(ev hang 'e["HERALD_SERVICE_RESULT"]')" timeout "hang: service result timeout"
assert_contains "$(ev hang 'e["HERALD_ERROR"]')" "RuntimeMaxSec" "hang: the error names RuntimeMaxSec"
hang_ms=$(ev hang '(int(e["__REALTIME_TIMESTAMP"]) - '"$ACT_USEC"') // 1000')
# (the activation entry is written once every unit is started, a little after the job began)
((hang_ms >= 1500 && hang_ms < 15000)) || fail "hang: its result came $hang_ms ms after the firing, expected 2-15 s"
printf 'ok - hang: its result came %d ms after the firing\n' "$hang_ms"

step "git"
# gitok, gitok2, gitok3 and nobranch share one checkout and run at the same time: one
# job's failed first clone must not pull the directory from under the others.
for t in gitok gitok2 gitok3; do
        assert_eq "$(outcome $t)/$(ev $t 'r.get("output", e["HERALD_ERROR"])')" "true 0/from-git" \
                "$t: a good repository runs, its checkout shared with three jobs of the same firing"
done
assert_eq "$(outcome nofile)/$(ev nofile 'e["HERALD_RESULT"]')" "false -1/{}" "missing repository: failed, -1, {}"
assert_contains "$(ev nofile 'e["HERALD_ERROR"]')" "Could not fetch 'file:///nonexistent/repo.git'" "missing repository: error"
assert_eq "$(outcome nobranch)/$(ev nobranch 'e["HERALD_RESULT"]')" "false -1/{}" "missing branch: failed, -1, {}"
assert_eq "$(ev nobranch 'e["HERALD_ERROR"]')" "Branch 'nope' does not exist in '$REPO'" "missing branch: error"
assert_eq "$(outcome badcreds)/$(ev badcreds 'e["HERALD_RESULT"]')" "false -1/{}" "wrong credentials: failed, -1, {}"
assert_contains "$(ev badcreds 'e["HERALD_ERROR"]')" "Authentication failed for 'http://127.0.0.1:8080/repo.git'" "wrong credentials: error"
assert_eq "$(ev badcreds '"wr0ngpass" in e["HERALD_ERROR"] + e["MESSAGE"]')" False "wrong credentials: the password is not in the entry's text"
assert_eq "$(outcome silent)/$(ev silent 'e["HERALD_RESULT"]')" "false -1/{}" "silent server: failed, -1, {}"
assert_contains "$(ev silent 'e["HERALD_ERROR"]')" "made no progress for 2 s" "silent server: given up by git_timeout"
check batch 'all((int(e["__REALTIME_TIMESTAMP"]) - '"$ACT_USEC"') / 1e6 < 20 for e in d if e["HERALD_ROUTER"] == "git")' \
        "git: every failure within 20 s of the firing (no hang)"

# ---------------------------------------------------------------------------
step "fire 'quick' twice: counters 1 and 2, one trigger id per firing"
for i in 1 2; do
        fire quick act_quick
        wait_until 30 have_entries "$i" HERALD_ROUTER=quick || fail "quick: firing $i has no result"
done
entries HERALD_ROUTER=quick | save quick
check quick 'len(d) == 2 and [e["HERALD_COUNTER"] for e in d] == ["1", "2"]' "HERALD_COUNTER 1 then 2"
check quick '[json.loads(e["HERALD_PARAM"])["trigger_param"]["counter"] for e in d] == [1, 2]' "trigger_param.counter 1 then 2"
check quick 'd[0]["HERALD_TRIGGER_ID"] != d[1]["HERALD_TRIGGER_ID"] and "'"$TID"'" not in (d[0]["HERALD_TRIGGER_ID"], d[1]["HERALD_TRIGGER_ID"])' \
        "a new trigger id per firing"
check quick 'all(e["HERALD_SUCCESS"] == "true" and json.loads(e["HERALD_RESULT"]) == {"output": "hello-one\nhello-two\n", "exit_code": 0} for e in d)' \
        "both succeeded with their output"
check act_quick 'd["HERALD_TRIGGER_ID"] == doc("quick")[1]["HERALD_TRIGGER_ID"] and d["HERALD_COUNTER"] == "2"' \
        "the activation entry carries the same trigger id and counter"
activation batch | save act_batch2
check act_batch2 'd["HERALD_TRIGGER_ID"] == "'"$TID"'"' "firing 'quick' did not count as 'batch'"

# ---------------------------------------------------------------------------
step "herald-generator: /etc/herald/workflow.yml, a job stopped with systemctl stop"
ns_run mkdir -p /etc/herald
ns_run bash -c 'cat >/etc/herald/workflow.yml' <<'EOF'
trigger:
  gen: {type: tick, interval: 86400}
router:
  long-run:
    trigger: gen
    selector: all
    task:
      sleeper: local
    job_param: {cmd: sh, arg: ['-c', 'echo sleeping-now; exec sleep 300']}
EOF
ns_run systemctl daemon-reload
assert_eq "$(ns_run systemctl show -P FragmentPath herald-trigger-gen.service)" /run/systemd/generator/herald-trigger-gen.service \
        "the generator wrote the activation service"
fire gen act_gen1
gen_unit=$(ns_run systemctl list-units --plain --no-legend 'herald-long\x2drun-sleeper@*' | awk '{print $1}')
[[ $gen_unit == 'herald-long\x2drun-sleeper@'*.service ]] || fail "no job unit for long-run/sleeper: '$gen_unit'"
assert_eq "$(ns_run systemctl show -P FragmentPath "$gen_unit")" '/run/systemd/generator/herald-long\x2drun-sleeper@.service' \
        "the job is an instance of the generator's template"
_sleeping() { ns_journal -o cat HERALD_ROUTER=long-run | grep -q sleeping-now; }
wait_until 10 _sleeping || fail "the job did not start its command"
step "a second firing while the job runs is skipped (concurrency: forbid, the tick default)"
fire gen act_gen
check act_gen 'd["HERALD_COUNTER"] == "2" and d["HERALD_JOBS_STARTED"] == "0" and d["HERALD_JOBS_SKIPPED"] == "1"' \
        "second activation: skipped, nothing started"
assert_eq "$(ns_journal -o cat "MESSAGE_ID=$SKIPPED_ID" HERALD_ROUTER=long-run _UID=0 | wc -l)" 1 "one skip entry"
assert_contains "$(ns_journal -o cat "MESSAGE_ID=$SKIPPED_ID" HERALD_ROUTER=long-run)" "$gen_unit" "the skip entry names the running unit"
assert_eq "$(ns_run systemctl show -P ActiveState "$gen_unit")" active "the job is still running"
ns_run systemctl daemon-reload
assert_eq "$(ns_run systemctl show -P ActiveState "$gen_unit")" active "the job runs on across a daemon-reload"
ns_run systemctl stop "$gen_unit"
wait_until 30 have_entries 1 HERALD_ROUTER=long-run || fail "stopped job: no result entry"
sleep 1
entries HERALD_ROUTER=long-run | save gen
check gen 'len(d) == 1' "stopped job: exactly one result entry"
check gen 'd[0]["HERALD_SUCCESS"] == "false" and d[0]["HERALD_EXIT_CODE"] == "-1" and d[0]["PRIORITY"] == "4"' \
        "stopped job: failed, exit code -1, PRIORITY 4"
assert_eq "$(py gen '[d[0]["HERALD_ERROR"], d[0]["HERALD_SERVICE_RESULT"]]')" '["Job was stopped (SIGTERM)","success"]' \
        "stopped job: error, service result (as systemd gives it for a stop)"
assert_eq "$(py gen 'd[0]["HERALD_RESULT"]')" '{"exit_code":-1,"signal":"SIGTERM"}' "stopped job: result"
assert_eq "$(py gen '[d[0]["HERALD_UNIT"], d[0]["HERALD_COUNTER"], d[0]["HERALD_TRIGGER"]]')" "[\"${gen_unit//\\/\\\\}\",\"1\",\"gen\"]" \
        "stopped job: its unit, counter 1 (the skipped firing made none)"
GEN_JOB=$(py gen 'd[0]["HERALD_JOB_ID"]')

# ---------------------------------------------------------------------------
step "taskctl history --json"
job() { ev "$1" 'e["HERALD_JOB_ID"]'; }
tc_rc 0 history --json | save h_all
check h_all 'len(d) == 19' "19 results: 16 + 2 + 1"
check h_all '{r["job_id"] for r in d} == {e["HERALD_JOB_ID"] for e in doc("batch") + doc("quick") + doc("gen")}' \
        "exactly the jobs that ran"
check h_all '[r["timestamp_usec"] for r in d] == sorted(r["timestamp_usec"] for r in d)' "oldest first"
tc_rc 0 history --failed --json | save h_failed
check h_failed 'sorted(r["task"] for r in d) == ["badcreds", "hang", "nobranch", "nofile", "sig", "silent", "sleeper"]' \
        "--failed: the seven failed jobs"
check h_failed 'all(r["success"] is False and r["error"] and r["exit_code"] == -1 for r in d)' "--failed: success false, an error, exit -1"
tc_rc 0 history --json output | save h_output
check h_output 'len(d) == 9 and {r["router"] for r in d} == {"output"}' "history ROUTER: only that router's 9 jobs"
check h_output 'all(r["trigger_id"] == "'"$TID"'" and r["counter"] == 1 and r["trigger"] == "batch" for r in d)' \
        "history ROUTER: trigger id and counter"
check h_output '[r for r in d if r["task"] == "object"][0]["result"] == {"answer": 42, "nested": {"k": [1, 2]}, "exit_code": 0}' \
        "history: the merged object, parsed"
check h_output '[r for r in d if r["task"] == "big"][0]["result_truncated"] is True and [r for r in d if r["task"] == "array"][0]["result_truncated"] is False' \
        "history: result_truncated"
assert_eq "$(py h_output '[r["service_result"] for r in d if r["task"] == "hang"][0]')" timeout "history: the hang job's service result"
hang_dur=$(py h_output '[r["duration_usec"] for r in d if r["task"] == "hang"][0]')
# (HERALD_DURATION_USEC of a job a signal ended: systemd's ExecMainStart -> ExecMainExit; RuntimeMaxSec=2
# stops it at 2 s, SIGTERM ends it at once)
if ! [[ $hang_dur =~ ^[0-9]+$ ]] || ((hang_dur < 2000000 || hang_dur >= 15000000)); then
        fail "history: the hang job ran $hang_dur us, expected 2-15 s (RuntimeMaxSec=2)"
fi
printf 'ok - history: the hang job ran %d ms\n' $((hang_dur / 1000))
tc_rc 0 history --json --task nobranch git | save h_nobranch
check h_nobranch 'len(d) == 1 and d[0]["error"] == "Branch '"'nope'"' does not exist in '"'$REPO'"'"' "history --task TASK ROUTER"
tc_rc 0 history --json -n 1 quick | save h_quick
check h_quick 'len(d) == 1 and d[0]["counter"] == 2' "history -n 1 ROUTER: the newest"
tc_rc 0 history --json long-run | save h_gen
check h_gen 'len(d) == 1 and d[0]["job_id"] == "'"$GEN_JOB"'" and d[0]["error"] == "Job was stopped (SIGTERM)"' \
        "history of the generator's router"

step "taskctl status --json"
tc_rc 3 status git --json | save s_git
check s_git 'd["router"] == "git" and d["trigger"] == "batch" and sorted(t["task"] for t in d["tasks"]) == ["badcreds", "gitok", "gitok2", "gitok3", "nobranch", "nofile", "silent"]' \
        "status ROUTER: router, trigger, tasks"
check s_git 'len(d["runs"]) == 7 and {r["job_id"] for r in d["runs"]} == {e["HERALD_JOB_ID"] for e in doc("batch") if e["HERALD_ROUTER"] == "git"}' \
        "status ROUTER: its last runs"
tc_rc 0 status quick --json | save s_quick
check s_quick 'd["runs"][-1]["counter"] == 2 and d["running"] == [] and d["timer"]["unit"] == "herald-trigger-quick.timer"' \
        "status ROUTER: newest run, nothing running, its timer"
check s_quick '[l["message"] for l in d["log"]][-3:-1] == ["hello-one", "hello-two"]' "status ROUTER: the newest job's output"
tc_rc 3 status "$(job sig)" --json | save s_sig
check s_sig 'd["state"] == "failed" and d["entry"]["exit_code"] == -1 and d["entry"]["result"]["signal"] == "SIGKILL" and d["router"] == "output"' \
        "status JOB: the killed job"
tc_rc 0 status "$(job object | cut -c1-8)" --json | save s_object
check s_object 'd["state"] == "success" and d["entry"]["result"]["answer"] == 42' "status JOB (8-character prefix): the merged object"
tc_rc 0 status --json --workflow /etc/herald/workflow.yml | save s_gen
check s_gen 'len(d) == 1 and d[0]["router"] == "long-run" and d[0]["runs"][-1]["job_id"] == "'"$GEN_JOB"'"' \
        "status --workflow: the generator's router and its run"
tc_rc "0 3" status --json | save s_all
check s_all 'sorted(r["router"] for r in d) == ["git", "output", "quick"]' "status: the applied workflow's routers"

step "taskctl logs --json: the jobs' own output"
tc_rc 0 logs --json "$(job sig)" | save l_sig
check l_sig '[x["message"] for x in d if x["message_id"] is None][:1] == ["before-kill"] and d[-1]["message_id"] == "'$RESULT_ID'"' \
        "logs JOB: the output line, then the result entry"
check l_sig 'all(x["job_id"] == ev("sig")["HERALD_JOB_ID"] and x["router"] == "output" and x["task"] == "sig" for x in d)' \
        "logs JOB: only that job's lines"
tc_rc 0 logs --json "$(job hang)" | save l_hang
check l_hang '"hanging" in [x["message"] for x in d]' "logs JOB: the hang job's output"
tc_rc 0 logs --json "$(job nobranch)" | save l_nobranch
check l_nobranch 'any("nope" in x["message"] for x in d if x["message_id"] is None)' "logs JOB: the git job logged its error"
tc_rc 0 logs --json -n 0 "$(job lines)" | save l_lines
# journald reads the job's stdout stream later than the result entry's datagram, so the
# entry may sit among the output lines, and its rate limit keeps only the first lines.
check l_lines '[x["message"] for x in d][:3] == ["1", "2", "3"] and [x["message_id"] for x in d].count("'$RESULT_ID'") == 1' \
        "logs JOB: the 200,000-line job's first lines and its one result entry"
step "lines of the 200,000 that reached the journal: $(py l_lines 'sum(1 for x in d if x["message_id"] is None)')"
# without -n: a job's whole run, a router's last 50 lines
n_job=$(tc_rc 0 logs --no-pager "$(job lines)" | wc -l)
assert_eq "$n_job" "$(py l_lines 'len(d)')" "logs JOB without -n: the whole run, as -n 0 ($n_job lines)"
assert_eq "$(tc_rc 0 logs --no-pager output | wc -l)" 50 "logs ROUTER without -n: the last 50 lines"
tc_rc 0 logs --json quick | save l_quick
check l_quick '[x["message"] for x in d if x["message_id"] is None] == ["hello-one", "hello-two"] * 2' "logs ROUTER: every job's lines"
tc_rc 0 logs --json --workflow /etc/herald/workflow.yml long-run | save l_gen
check l_gen '"sleeping-now" in [x["message"] for x in d]' "logs of the stopped job"

step "taskctl list --json"
tc_rc 0 list --json | save list
check list 'len(d) == 17 and {(r["router"], r["task"]) for r in d} == {(e["HERALD_ROUTER"], e["HERALD_TASK"]) for e in doc("batch") + doc("quick")}' \
        "list: every router and task"
check list 'all(r["timer_unit"] == "herald-trigger-%s.timer" % r["trigger"] and r["timer_loaded"] is True and r["trigger_type"] == "tick" for r in d)' \
        "list: timers loaded"
check list 'all(r["last_result"]["job_id"] == e["HERALD_JOB_ID"] for r in d for e in doc("batch") if (r["router"], r["task"]) == (e["HERALD_ROUTER"], e["HERALD_TASK"]))' \
        "list: the last result of every batch task"
check list '[r for r in d if r["task"] == "hello"][0]["last_result"]["counter"] == 2' "list: the newest of two results"
check list '{r["task"] for r in d if r["last_result"]["success"] is False} == {"badcreds", "hang", "nobranch", "nofile", "sig", "silent"}' \
        "list: failed last results"

step "taskctl apply --remove"
assert_contains "$(tc apply --remove)" "Removed 2 applied timers, their activation services and job templates." "remove"
assert_eq "$(ns_run systemctl list-units --plain --no-legend --all 'herald-trigger-batch*' 'herald-trigger-quick*' | wc -l)" 0 \
        "the timers and activation services are gone"

step "a failed job starts its OnFailure= units (unit: OnFailure), how an admin gets told"
ns_run sh -c 'cat > /etc/systemd/system/herald-alert@.service' <<'EOF'
[Unit]
Description=alert for %i
[Service]
Type=oneshot
ExecStart=/bin/sh -c 'echo "%i" >> /run/herald-test/alerts'
EOF
ns_run systemctl daemon-reload
ns_run bash -c "cat >$WF" <<'EOF'
trigger:
  alarm: {type: tick, interval: 86400}
router:
  alarm:
    trigger: alarm
    selector: all
    task:
      fails: {executor: local, job_param: {cmd: 'false', unit: {OnFailure: 'herald-alert@%n.service'}}}
      works: {executor: local, job_param: {cmd: 'true', unit: {OnFailure: 'herald-alert@%n.service'}}}
EOF
tc apply "$WF" >/dev/null
fire alarm act_alarm
_alerted() { ns_run test -s /run/herald-test/alerts; }
wait_until 30 _alerted || fail "no alert for the failed job"
wait_until 30 have_entries 2 HERALD_ROUTER=alarm || fail "the alarm jobs have no result entries"
sleep 1
alerts=$(ns_run cat /run/herald-test/alerts)
assert_eq "$(wc -l <<<"$alerts")" 1 "one alert: only the failed job"
[[ $alerts == herald-alarm-fails@*.service ]] || fail "the alert names '$alerts', not the failed job's unit"
printf "ok - the alert unit got the failed job unit's name: %s\n" "$alerts"
entries HERALD_ROUTER=alarm | save alarm
check alarm 'len(d) == 2 and sorted(e["HERALD_SUCCESS"] for e in d) == ["false", "true"]' \
        "the failed job still has its one result entry, next to the good one"
tc apply --remove >/dev/null

step "herald-exec writes a root job's entry; when it is killed, herald-result@<id> does"
# A root job with no 'unit:' settings (all of this file's but 'hang' and 'alarm'): the
# stopped job above had its entry from herald-exec. Here a job that fails (its unit
# fails, herald-result@ runs and finds the entry written) and a job whose herald-exec
# itself is SIGKILLed while its command runs (the directory is still there: herald-done
# --on-failure writes the entry from $MONITOR_*). Exactly one entry each.
ns_run bash -c "cat >$WF" <<'EOF'
trigger:
  own: {type: tick, interval: 86400}
router:
  own:
    trigger: own
    selector: all
    task:
      fails: {executor: local, job_param: {cmd: sh, arg: ['-c', 'echo failing; exit 3']}}
      killed: {executor: local, job_param: {cmd: sh, arg: ['-c', 'echo waiting-for-kill; exec sleep 300']}}
EOF
tc apply "$WF" >/dev/null
fire own act_own
killed_unit=$(ns_run systemctl list-units --plain --no-legend 'herald-own-killed@*' | awk '{print $1}')
[[ $killed_unit == herald-own-killed@*.service ]] || fail "no unit for own/killed: '$killed_unit'"
assert_contains "$(ns_run systemctl show -P ExecStart "$killed_unit")" "job --result-entry /run/herald/jobs/" \
        "the job unit runs herald-exec job --result-entry"
assert_eq "$(ns_run systemctl show -P ExecStopPost "$killed_unit")" "" "and has no ExecStopPost="
killed_id=${killed_unit#*@}
killed_id=${killed_id%.service}
killed_inv=$(ns_run systemctl show -P InvocationID "$killed_unit")
_waiting() { ns_journal -o cat HERALD_ROUTER=own | grep -q waiting-for-kill; }
wait_until 10 _waiting || fail "the job did not start its command"
ns_run systemctl kill -s KILL --kill-who=main "$killed_unit"
wait_until 30 have_entries 2 HERALD_ROUTER=own || fail "only $(n_entries HERALD_ROUTER=own) of 2 result entries"
wait_until 15 ns_run sh -c '[ -z "$(ls -A /run/herald/jobs)" ]' || fail "job directories left: $(ns_run ls /run/herald/jobs)"
sleep 1
entries HERALD_ROUTER=own | save own
check own 'len(d) == 2 and sorted(e["HERALD_TASK"] for e in d) == ["fails", "killed"]' "exactly one entry per job"
check own 'all(e["_UID"] == "0" and e["HERALD_SUCCESS"] == "false" and e["PRIORITY"] == "4" for e in d)' \
        "written by root, both failed, PRIORITY 4"
assert_eq "$(py own '[[e["HERALD_ERROR"], e["HERALD_SERVICE_RESULT"]] for e in d if e["HERALD_TASK"] == "fails"][0]')" \
        '["Command failed with code 3","exit-code"]' "fails: Herald's error, from herald-exec; the service result systemd gives"
killed_want=$($PY -c 'import json, sys; print(json.dumps(["Job was killed (SIGKILL)", "{\"exit_code\":-1,\"signal\":\"SIGKILL\"}", "signal", sys.argv[1], sys.argv[2]], separators=(",", ":")))' "$killed_id" "$killed_inv")
assert_eq "$(py own '[[e["HERALD_ERROR"], e["HERALD_RESULT"], e["HERALD_SERVICE_RESULT"], e["HERALD_JOB_ID"], e["HERALD_INVOCATION_ID"]] for e in d if e["HERALD_TASK"] == "killed"][0]')" \
        "$killed_want" "killed: what systemd said, under the job's own id and invocation"
[[ -n $(ns_journal -o cat -u "herald-result@$killed_id.service") ]] || fail "herald-result@$killed_id.service wrote nothing"
printf 'ok - herald-result@ ran for the killed job\n'
assert_eq "$(ns_run systemctl list-units --plain --no-legend --all 'herald-own-*' 'herald-result@*' | wc -l)" 0 \
        "no job unit and no herald-result@ unit left loaded"
tc apply --remove >/dev/null

step "no sanitizer reports (for builds with -Db_sanitize=...)"
san=$(ns_journal -o cat | grep -E "AddressSanitizer|LeakSanitizer|runtime error:" | cut -c1-300 | head -5 || true)
[[ -z $san ]] || fail "sanitizer reports: $san"
step "ok"
