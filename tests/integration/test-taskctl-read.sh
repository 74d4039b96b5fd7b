#!/bin/bash
# SPDX-License-Identifier: MIT
# taskctl's read verbs (list, status, logs, history) against a real systemd and a real
# journal. Nothing of herald runs: result entries are written by hand with
# `logger --journald` as the contract in docs/ARCHITECTURE.md describes them, timers and
# job units are made with systemd-run, and every verb's text and --json is checked.
#
# TASKCTL=/path/to/taskctl overrides the binary (default: the one in BUILD_DIR); the
# instance sees the host's /work, so the build tree's binary runs inside as it is.
# shellcheck source-path=SCRIPTDIR source=../lib/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/lib.sh"

if [[ -z ${TASKCTL:-} ]]; then
        for c in "$BUILD_DIR/taskctl" "$BUILD_DIR/src/taskctl/taskctl"; do
                if [[ -x $c ]]; then TASKCTL=$c; break; fi
        done
fi
[[ -n ${TASKCTL:-} ]] || skip "no taskctl in $BUILD_DIR"
"$TASKCTL" history --help >/dev/null 2>&1 || skip "$TASKCTL has no read verbs yet"

RESULT_ID=39d34c102f1d482caf41e75fca8199a7
J1=aaaa1111-2222-4333-8444-555566667777        # backup/dump: a real unit ran, success
J2=bbbb1111-2222-4333-8444-555566667777        # backup/upload: failed, exit 3
J3=bbbb1111-9999-4333-8444-555566667777        # my-router/p: success, shares 8 chars with J2
J4=cccc1111-2222-4333-8444-555566667777        # my-router/p: still running, no result
J5=dddd1111-2222-4333-8444-555566667777        # my-router/p: appears while logs -f runs
FORGED=eeee1111-2222-4333-8444-555566667777    # written by nobody: must never count
TRIGGER_ID=11111111-0000-4000-8000-000000000001

tc() { ns_run "$TASKCTL" "$@"; }
# tc3: the same where exit status 3 (a failed or unfinished job) is expected
tc3() { local r=0; ns_run "$TASKCTL" "$@" || r=$?; ((r == 3)) || fail "taskctl $*: exit $r, expected 3"; }
# rc CMD...: the exit status of CMD (set -e safe)
rc() { local r=0; "$@" >/dev/null 2>&1 || r=$?; echo "$r"; }
# check PYTHON-EXPR MSG: evaluate with d = the JSON document on stdin
check() {
        python3 -c "import json, sys
d = json.load(sys.stdin)
assert $1, json.dumps(d, indent=1)[:3000]" || fail "$2"
        printf 'ok - %s\n' "$2"
}
# msg: the MESSAGE part of taskctl logs' lines
msg() { sed 's/^[^]]*]: //'; }
n_results() { ns_run journalctl -q -o cat "MESSAGE_ID=$RESULT_ID" | wc -l; }
have_results() { (($(n_results) >= $1)); }
have_lines() { (($(ns_run journalctl -q -o cat "HERALD_JOB_ID=$1" | wc -l) >= $2)); }

# result JOB ROUTER TASK SUCCESS EXIT [FIELD=VALUE...]: one result entry, as root
result() {
        local job=$1 router=$2 task=$3 ok=$4 code=$5
        shift 5
        {
                echo "MESSAGE_ID=$RESULT_ID"
                echo "MESSAGE=Job $router/$task $([[ $ok == true ]] && echo succeeded || echo failed)"
                echo "PRIORITY=$([[ $ok == true ]] && echo 5 || echo 4)"
                echo "HERALD_JOB_ID=$job"
                echo "HERALD_ROUTER=$router"
                echo "HERALD_TASK=$task"
                echo "HERALD_SUCCESS=$ok"
                echo "HERALD_EXIT_CODE=$code"
                printf '%s\n' "$@"
        } | ns_run logger --journald
}

ns_boot

step "a workflow where taskctl looks first, timers and job units made by hand"
ns_run mkdir -p /run/herald/applied
ns_run sh -c 'cat > /run/herald/applied/workflow.yml' <<'YML'
trigger:
  every5s: {type: tick, interval: 5}
  nightly: {type: cron, cron: '0 3 * * *'}
  web: {type: http, port: 9999}
router:
  backup: {trigger: nightly, selector: all, task: {dump: print, upload: print}}
  my-router: {trigger: every5s, selector: all, task: {p: print}}
  hook: {trigger: web, selector: all, task: {h: print}}
YML
# Long periods: the timers exist and have a next elapse, but fire nothing during the test.
# Their descriptions as the generator writes them: what a reader who may not read the
# workflow is shown the schedules from.
ns_run systemd-run -q --unit herald-trigger-every5s --description "herald trigger 'every5s' (tick every 5 s)" \
        --on-active=1h --on-unit-active=1h /bin/true
ns_run systemd-run -q --unit herald-trigger-nightly --description "herald trigger 'nightly' (cron '0 3 * * *')" \
        --on-calendar='*-*-* 03:00:00' /bin/true

# A real job unit with output, so the result has an invocation whose start the journal knows.
# shellcheck disable=SC2016  # $INVOCATION_ID is the unit's, expanded inside
ns_run systemd-run -q --wait --unit herald-backup-dump-aaaa1111 --slice herald.slice \
        -p LogExtraFields=HERALD_JOB_ID=$J1 -p LogExtraFields=HERALD_ROUTER=backup -p LogExtraFields=HERALD_TASK=dump \
        sh -c 'echo "dumping database"; sleep 1.1; echo "done: 42 tables"; echo $INVOCATION_ID > /run/inv1'
inv=$(ns_run cat /run/inv1)
result $J1 backup dump true 0 "HERALD_TRIGGER_ID=$TRIGGER_ID" HERALD_TRIGGER=nightly HERALD_SELECTOR=all \
        HERALD_EXECUTOR=print HERALD_ERROR= \
        'HERALD_RESULT={"exit_code":0,"output":"done: 42 tables","big":12345678901234567890}' \
        "HERALD_PARAM={\"job_id\":\"$J1\",\"router\":\"backup\",\"task\":\"dump\"}" \
        HERALD_UNIT=herald-backup-dump-aaaa1111.service "HERALD_INVOCATION_ID=$inv" HERALD_SERVICE_RESULT=success
result $J2 backup upload false 3 "HERALD_TRIGGER_ID=$TRIGGER_ID" HERALD_TRIGGER=nightly HERALD_SELECTOR=all \
        HERALD_EXECUTOR=print "HERALD_ERROR=Command failed with code 3" \
        'HERALD_RESULT={"exit_code":3,"output":"connection refused"}' "HERALD_PARAM={\"job_id\":\"$J2\"}" \
        HERALD_UNIT=herald-backup-upload-bbbb1111.service HERALD_SERVICE_RESULT=exit-code
result $J3 my-router p true 0 HERALD_TRIGGER=every5s HERALD_COUNTER=7 'HERALD_RESULT={}' 'HERALD_PARAM={}'
printf '%s\n' "MESSAGE_ID=$RESULT_ID" "MESSAGE=forged" "HERALD_JOB_ID=$FORGED" HERALD_ROUTER=backup \
        HERALD_TASK=dump HERALD_SUCCESS=true HERALD_EXIT_CODE=0 |
        ns_run setpriv --reuid=nobody --regid=nogroup --clear-groups logger --journald
# A running job of a router whose name needs escaping (herald-my\x2drouter-...).
ns_run systemd-run -q --unit 'herald-my\x2drouter-p-cccc1111' --slice herald.slice \
        -p LogExtraFields=HERALD_JOB_ID=$J4 -p LogExtraFields=HERALD_ROUTER=my-router -p LogExtraFields=HERALD_TASK=p \
        sh -c 'echo started; printf "two\nlines\n"; exec sleep 300'
wait_until 10 have_results 4 || fail "the result entries did not reach the journal"
wait_until 10 have_lines $J4 3 || fail "the running job's output did not reach the journal"

step "history"
out=$(tc history)
assert_eq "$(wc -l <<<"$out")" 3 "three trusted results (the forged one is not shown)"
assert_eq "$(cut -f2,3,4,5 <<<"$out" | tr '\t' ' ' | paste -sd,)" \
        "backup dump success 0,backup upload failed 3,my-router p success 0" "plain rows, oldest first"
assert_eq "$(cut -f8 <<<"$out" | paste -sd,)" "$J1,$J2,$J3" "full job ids in the last column"
assert_contains "$(sed -n 2p <<<"$out" | cut -f7)" "Command failed with code 3" "error column"
assert_eq "$(tc history --failed | cut -f8)" "$J2" "--failed"
assert_eq "$(tc history -n 1 backup | cut -f8)" "$J2" "-n 1 ROUTER: the newest of that router"
assert_eq "$(tc history --task p | cut -f8)" "$J3" "--task"
assert_eq "$(tc history --since -1h | wc -l)" 3 "--since -1h"
assert_eq "$(tc history --since "@$(($(date +%s) + 3600))" | wc -l)" 0 "--since in the future: nothing"
assert_eq "$(tc history --until yesterday | wc -l)" 0 "--until yesterday: nothing"
assert_eq "$(tc history --since today --until now | wc -l)" 3 "--since today --until now"
assert_eq "$(rc tc history --since bogus)" 2 "a bad time is a usage error (exit 2)"
first=$(tc history | head -n 1 | cut -f1)
assert_eq "$(tc history --since "$first" | wc -l)" 3 "a TIME as history prints it ('$first') is taken back by --since"

dur=$(tc history --task dump | cut -f6)
[[ $dur =~ ^1\.[0-9]s$ ]] || fail "duration of the real job: expected 1.xs, got '$dur'"
printf 'ok - duration from the job unit start: %s\n' "$dur"
tc history --json | check 'len(d) == 3 and [r["job_id"] for r in d] == ["'$J1'", "'$J2'", "'$J3'"]' "--json: three results in order"
tc history --json | check 'd[0]["success"] is True and d[0]["exit_code"] == 0 and d[1]["success"] is False and d[1]["exit_code"] == 3' \
        "--json: success is a bool, exit_code a number"
tc history --json | check 'd[0]["result"]["output"] == "done: 42 tables" and d[0]["result"]["big"] == 12345678901234567890' \
        "--json: result is parsed JSON, big integers intact"
tc history --json | check 'd[0]["param"]["router"] == "backup" and d[0]["trigger_id"] == "'$TRIGGER_ID'"' "--json: param parsed"
tc history --json | check 'd[0]["duration_usec"] > 1000000 and d[1]["duration_usec"] is None' "--json: duration_usec"
tc history --json | check 'd[2]["counter"] == 7 and d[2]["unit"] is None and d[0]["time"].endswith("Z")' "--json: counter, nulls, UTC time"
tc history --json | check 'all(type(r["timestamp_usec"]) is int and r["timestamp_usec"] > 10**15 for r in d) and type(d[0]["duration_usec"]) is int' \
        "--json: µs timestamps are integers, not floats"
tc history --json=pretty --failed | check 'len(d) == 1 and d[0]["error"] == "Command failed with code 3"' "--json=pretty parses"
assert_eq "$(tc history -D /run/log/journal | wc -l)" 3 "-D reads journal files from a directory"
tc history --json -D /run/log/journal | check 'len(d) == 3' "-D with --json"

step "list"
out=$(tc list)
assert_eq "$(wc -l <<<"$out")" 4 "one row per task"
row=$(grep -P '^backup\tupload\t' <<<"$out")
assert_eq "$(cut -f3,4,7 <<<"$row" | tr '\t' '|')" "nightly|cron 0 3 * * *|failed" "backup/upload: trigger, schedule, last result"
[[ $(cut -f5 <<<"$row") =~ ^(Mon|Tue|Wed|Thu|Fri|Sat|Sun)\ 20[0-9][0-9]-[0-9][0-9]-[0-9][0-9]\ 03:00:00\ [A-Z]+$ ]] ||
        fail "next elapse of the cron timer, as systemctl prints times: '$row'"
printf 'ok - next elapse of the cron timer\n'
row=$(grep -P '^my-router\t' <<<"$out")
assert_eq "$(cut -f4,7 <<<"$row" | tr '\t' '|')" "every 5s|success" "tick schedule"
[[ $(cut -f5 <<<"$row") != - ]] || fail "a monotonic timer has a next elapse too: '$row'"
printf 'ok - next elapse of the tick timer\n'
assert_eq "$(grep -P '^hook\t' <<<"$out" | cut -f4,5,7 | tr '\t' '|')" "http 127.0.0.1:9999|-|-" "http trigger: no timer, no result"
tc list --json | check 'len(d) == 4 and {r["router"] for r in d} == {"backup", "my-router", "hook"}' "list --json rows"
tc list --json | check '[r for r in d if r["task"] == "dump"][0]["last_result"]["job_id"] == "'$J1'"' "list --json: last_result"
tc list --json | check '[r for r in d if r["router"] == "backup"][0]["timer_unit"] == "herald-trigger-nightly.timer" and [r for r in d if r["router"] == "backup"][0]["timer_loaded"] is True' \
        "list --json: timer unit and state"
tc list --json | check '[r for r in d if r["router"] == "hook"][0]["timer_unit"] is None and [r for r in d if r["router"] == "hook"][0]["next_elapse"] is None' \
        "list --json: no timer for http"
ns_run cp /run/herald/applied/workflow.yml /run/other.yml
assert_eq "$(tc list --workflow /run/other.yml | wc -l)" 4 "--workflow FILE"
assert_eq "$(rc tc list --workflow /nonexistent.yml)" 1 "a missing workflow is an error"

step "status"
out=$(tc status)
assert_eq "$(grep -P '^my-router\t' <<<"$out" | cut -f4,6,8,9 | tr '\t' '|')" "active (waiting)|1|success|1/1 ok" \
        "summary: timer state, one running job (escaped unit name), last result"
assert_eq "$(grep -P '^backup\t' <<<"$out" | cut -f6,8,9 | tr '\t' '|')" "0|failed|1/2 ok" "summary: backup"
tc status --json | check '[r for r in d if r["router"] == "my-router"][0]["running"][0]["unit"] == "herald-my\\x2drouter-p-cccc1111.service"' \
        "status --json: running units"
out=$(tc status my-router)
assert_contains "$out" "Trigger: every5s (every 5s)" "router view: trigger"
assert_contains "$out" 'Running: herald-my\x2drouter-p-cccc1111.service; active (running)' "router view: running job unit"
assert_contains "$out" "Timer: herald-trigger-every5s.timer; active (waiting)" "router view: timer"
assert_contains "$out" "$J3" "router view: last runs"
assert_contains "$out" "my-router/p[bbbb1111]: Job my-router/p succeeded" "router view: output of the newest job"
# --since/--until as history takes them: nothing before the epoch's first second, nothing
# after a time far ahead; the whole journal between them
tc status backup --json --until @1 | check 'd["runs"] == []' "status --until before every run: no runs"
tc status backup --json --since tomorrow | check 'd["runs"] == []' "status --since tomorrow: no runs"
tc3 status backup --json --since @1 --until tomorrow | check 'len(d["runs"]) == 2' "status --since/--until around every run: both runs"
tc list --json --until @1 | check 'all(r["last_result"] is None for r in d)' "list --until before every run: no last result"
tc list --json --since @1 | check '[r for r in d if r["task"] == "dump"][0]["last_result"]["job_id"] == "'$J1'"' "list --since: the newest result in the window"
assert_eq "$(rc tc status backup --since tomorrow --until today)" 2 "status --since after --until: usage error"
assert_eq "$(rc tc status my-router)" 0 "router whose last run succeeded: 0"
assert_eq "$(rc tc status backup)" 3 "router whose last run failed: 3"
tc3 status backup --json | check 'd["router"] == "backup" and len(d["runs"]) == 2 and d["timer"]["unit"] == "herald-trigger-nightly.timer" and [t["task"] for t in d["tasks"]] == ["dump", "upload"] and d["log"][-1]["job_id"] == "'$J2'"' \
        "status ROUTER --json"
out=$(tc status aaaa1111)
assert_contains "$out" "job $J1 (backup/dump)" "job view by prefix"
assert_contains "$out" "Result: success (exit code 0)" "job view: result"
assert_contains "$out" "Invocation: $inv" "job view: invocation"
assert_contains "$out" '"router": "backup"' "job view: param, indented"
assert_contains "$out" "backup/dump[aaaa1111]: done: 42 tables" "job view: output"
assert_eq "$(rc tc status aaaa1111)" 0 "successful job: 0"
assert_eq "$(rc tc status bbbb1111-2222)" 3 "failed job: 3"
assert_eq "$(rc tc status bbbb1111)" 1 "ambiguous prefix: 1"
assert_eq "$(rc tc status 12345678)" 4 "unknown job: 4"
assert_eq "$(rc tc status nosuch)" 4 "unknown router: 4"
assert_eq "$(rc tc status $FORGED)" 3 "a forged result is no result"
out=$(tc3 status cccc1111)
assert_contains "$out" "none yet (running)" "running job without result"
assert_contains "$out" 'Unit state: active (running)' "running job: unit state"
tc3 status bbbb1111-2222 --json | check 'd["state"] == "failed" and d["entry"]["result"]["output"] == "connection refused" and d["unit"]["loaded"] is False' \
        "status JOB --json"
tc3 status cccc1111 --json | check 'd["state"] == "running" and d["entry"] is None and d["unit"]["active_state"] == "active" and len(d["log"]) == 3' \
        "status JOB --json for a running job"

step "logs"
out=$(tc logs aaaa1111)
assert_eq "$(wc -l <<<"$out")" 3 "job output and its result entry"
[[ $(head -n1 <<<"$out") =~ ^[0-9-]{10}\ [0-9:]{8}\ backup/dump\[aaaa1111\]:\ dumping\ database$ ]] ||
        fail "line format: '$(head -n1 <<<"$out")'"
printf 'ok - TIMESTAMP ROUTER/TASK[JOBID8]: MESSAGE\n'
assert_eq "$(tc logs aaaa1111 -n 1 | sed 's/.*: //')" "Job backup/dump succeeded" "-n 1: the newest line"
assert_eq "$(tc logs my-router | sed 's/.*: //' | paste -sd,)" "Job my-router/p succeeded,started,two,lines" "router: every job's lines"
assert_eq "$(tc logs backup | grep -c forged)" 1 "logs exclude nothing (the unprivileged entry is output too)"
tc logs --json $J4 | check '[l["message"] for l in d] == ["started", "two", "lines"] and d[0]["unit"] == "herald-my\\x2drouter-p-cccc1111.service" and d[0]["priority"] == 6' \
        "logs --json"
assert_eq "$(rc tc logs 12345678)" 4 "unknown job or router: 4"

step "logs: journalctl's options"
assert_eq "$(tc logs aaaa1111 -r | msg | paste -sd,)" "Job backup/dump succeeded,done: 42 tables,dumping database" "-r: newest first"
assert_eq "$(tc logs aaaa1111 -r -n 1 | msg)" "Job backup/dump succeeded" "-r -n 1: the newest"
assert_eq "$(tc logs aaaa1111 -p notice | msg)" "Job backup/dump succeeded" "-p notice: the result entry (5), not the output (6)"
assert_eq "$(tc logs backup -p warning..emerg | msg)" "Job backup/upload failed" "-p RANGE"
assert_eq "$(tc logs aaaa1111 -g TABLES | wc -l)" 0 "-g with an upper-case letter is case-sensitive"
assert_eq "$(tc logs aaaa1111 -g 'tables|database' | msg | paste -sd,)" "dumping database,done: 42 tables" "-g: an ERE, any case"
assert_eq "$(rc tc logs aaaa1111 -g '(')" 2 "-g with a bad pattern: usage error"
assert_eq "$(rc tc logs aaaa1111 -p loud)" 2 "-p with a bad level: usage error"
assert_eq "$(tc logs aaaa1111 --until yesterday | wc -l)" 0 "--until yesterday: nothing"
assert_eq "$(rc tc logs aaaa1111 --until yesterday)" 0 "... and exit 0"
assert_eq "$(tc logs aaaa1111 --since -1h | wc -l)" 3 "--since -1h: all three"
assert_eq "$(tc logs aaaa1111 --since -1h -n 1 | msg)" "dumping database" "--since with -n 1: the first after it, as journalctl"
c1=$(tc logs --json aaaa1111 | python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["cursor"])')
assert_eq "$(tc logs aaaa1111 --after-cursor "$c1" | msg | paste -sd,)" "done: 42 tables,Job backup/dump succeeded" \
        "--after-cursor takes back the cursor --json prints"
assert_eq "$(tc logs aaaa1111 --after-cursor "$c1" -n 1 | msg)" "done: 42 tables" "--after-cursor -n 1: the next line"
assert_eq "$(rc tc logs aaaa1111 --after-cursor bogus)" 1 "a bad cursor: error"
ns_run rm -f /run/c.cursor
assert_eq "$(tc logs aaaa1111 --cursor-file /run/c.cursor | wc -l)" 3 "--cursor-file, first call: everything"
assert_eq "$(tc logs aaaa1111 --cursor-file /run/c.cursor | wc -l)" 0 "--cursor-file, second call: nothing new"
assert_eq "$(ns_run cat /run/c.cursor)" "$(tc logs --json aaaa1111 | python3 -c 'import json, sys; print(json.load(sys.stdin)[-1]["cursor"])')" \
        "--cursor-file holds the newest line's cursor"
ns_run sh -c 'head -c 5000 /dev/zero | tr "\\0" s > /run/big.cursor; echo bogus > /run/bad.cursor'
assert_eq "$(rc tc logs aaaa1111 --cursor-file /run/big.cursor)" 1 "a cursor file over 4096 bytes is refused"
assert_contains "$(tc logs aaaa1111 --cursor-file /run/big.cursor 2>&1 || true)" "larger than 4096 bytes" "... saying why"
assert_eq "$(rc tc logs aaaa1111 --cursor-file /run/bad.cursor)" 1 "a cursor file without a cursor: error"
assert_eq "$(rc tc logs aaaa1111 -f -r)" 2 "-f with -r: usage error"
assert_eq "$(rc tc logs aaaa1111 --json -o json)" 2 "--json with -o: usage error"
assert_eq "$(rc tc logs aaaa1111 -o fancy)" 2 "an unknown -o mode: usage error"

step "logs -o: handed over to journalctl with the same match"
assert_eq "$(tc logs aaaa1111 -o cat)" "$(ns_run journalctl -q -o cat "HERALD_JOB_ID=$J1")" "-o cat is journalctl -o cat HERALD_JOB_ID=ID"
assert_eq "$(tc logs aaaa1111 -o cat -r -n 2 | paste -sd,)" "Job backup/dump succeeded,done: 42 tables" "-o with -r and -n"
assert_eq "$(tc logs backup -o cat -p warning)" "Job backup/upload failed" "-o with -p"
assert_eq "$(tc logs aaaa1111 -o cat -g TABLES | wc -l)" 0 "-o with -g (journalctl's smart case too)"
assert_eq "$(tc logs aaaa1111 -o cat --since -1h --until now | wc -l)" 3 "-o with --since/--until (sent as @EPOCH.USEC)"
assert_eq "$(tc logs aaaa1111 -o cat --until yesterday | grep -vc '^-- No entries --$' || true)" 0 "-o with --until yesterday"
tc logs aaaa1111 -o json -n 1 | check 'd["MESSAGE"] == "Job backup/dump succeeded" and d["HERALD_JOB_ID"] == "'$J1'" and "__CURSOR" in d' \
        "-o json: journalctl's fields, __CURSOR among them"
cur=$(tc logs aaaa1111 -o json -n 2 | head -n 1 | python3 -c 'import json, sys; print(json.load(sys.stdin)["__CURSOR"])')
assert_eq "$(tc logs aaaa1111 --after-cursor "$cur" | msg)" "Job backup/dump succeeded" "--after-cursor takes journalctl's __CURSOR"
assert_eq "$(tc logs aaaa1111 -o cat --after-cursor "$cur")" "Job backup/dump succeeded" "-o with --after-cursor"
assert_eq "$(tc logs aaaa1111 -o short-iso | wc -l)" 3 "-o short-iso"
assert_eq "$(rc tc logs 12345678 -o cat)" 4 "-o: an unknown job or router is still 4"
ns_run rm -f /run/o.cursor
assert_eq "$(tc logs aaaa1111 -o cat --cursor-file /run/o.cursor | wc -l)" 3 "-o --cursor-file, first call"
assert_eq "$(tc logs aaaa1111 -o cat --cursor-file /run/o.cursor | grep -vc '^-- No entries --$' || true)" 0 "-o --cursor-file, second call"
assert_eq "$(rc tc logs hook)" 0 "a router without output yet: 0"
out=$(ns_run bash -c "(sleep 1; systemd-run -q --wait -p LogExtraFields=HERALD_JOB_ID=$J5 -p LogExtraFields=HERALD_ROUTER=my-router \
        -p LogExtraFields=HERALD_TASK=p echo followed-line) & timeout --preserve-status -s INT 5 $TASKCTL logs -f -n 1 my-router; echo rc=\$?")
assert_contains "$out" "my-router/p[dddd1111]: followed-line" "-f prints new lines"
assert_contains "$out" "rc=0" "-f ends cleanly on SIGINT"

step "--namespace: a job's output in its own journal namespace, its result in the default one"
J6=ffff2222-2222-4333-8444-555566667777
ns_run systemd-run -q --wait -p LogNamespace=jobs -p LogExtraFields=HERALD_JOB_ID=$J6 \
        -p LogExtraFields=HERALD_ROUTER=ns -p LogExtraFields=HERALD_TASK=t echo in-namespace
result $J6 ns t true 0
wait_until 10 have_results 5 || fail "the fifth result did not reach the journal"
ns_lines() { tc logs $J6 --namespace jobs | grep -q in-namespace; }
wait_until 10 ns_lines || fail "logs --namespace: the job's line is missing"
assert_eq "$(tc logs $J6 --namespace jobs | sed 's/.*: //' | paste -sd,)" "in-namespace,Job ns/t succeeded" \
        "--namespace shows the namespace and the default journal"
assert_eq "$(tc logs $J6 | sed 's/.*: //')" "Job ns/t succeeded" "without --namespace only the default journal"
assert_eq "$(tc history --namespace jobs ns | cut -f8)" "$J6" "history --namespace still finds results"

step "a caller who may not read the journal is told so"
if ns_run setpriv --reuid=nobody --regid=nogroup --clear-groups test -x "$TASKCTL"; then
        nobody=(setpriv --reuid=nobody --regid=nogroup --clear-groups "$TASKCTL")
        r=0
        err=$(ns_run "${nobody[@]}" history 2>&1) || r=$?
        assert_eq "$r" 4 "history exits 4"
        assert_contains "$err" "you cannot read the system journal; add yourself to group 'systemd-journal'" "history says why"
        r=0
        err=$(ns_run "${nobody[@]}" logs aaaa1111 2>&1) || r=$?
        assert_eq "$r" 4 "logs exits 4"
        assert_contains "$err" "you cannot read the system journal" "logs says why"
        # A journal reader (group systemd-journal) reads results; the workflow in force is
        # root's (/run/herald/applied is 0700, as taskctl apply makes it): the error must
        # name that file and the permission, not a missing /etc/herald/workflow.yml.
        ns_run chmod 0700 /run/herald/applied
        ns_run systemd-tmpfiles --create --prefix /run/log/journal    # the journal's ACLs, as at boot
        step "read verbs for a member of systemd-journal who may not read the workflow"
        ns_run useradd --system --no-create-home --shell /usr/sbin/nologin --groups systemd-journal reader
        reader=(runuser -u reader -- "$TASKCTL")
        # rd VERB...: stdout in $out, stderr in $err, exit status in $rc
        errf=$(mktemp)
        rd() { rc=0; out=$(ns_run "${reader[@]}" "$@" 2>"$errf") || rc=$?; err=$(cat "$errf"); }
        rd history --no-pager
        assert_eq "$rc" 0 "history exits 0"
        assert_contains "$out" "$J6" "a systemd-journal member reads history"
        rd list
        assert_eq "$rc" 0 "list exits 0 without the workflow"
        assert_eq "$(grep -c '^Hint: ' <<<"$err")" 1 "list: one hint line"
        assert_contains "$err" "cannot read the workflow '/run/herald/applied/workflow.yml' (permission denied" \
                "the hint names the workflow in force and the real cause"
        [[ $err != *"/etc/herald/workflow.yml"* ]] || fail "list blames /etc/herald/workflow.yml: $err"
        assert_eq "$(cut -f1,2,3,4,7 <<<"$out" | tr '\t' '|' | paste -sd,)" \
                "backup|dump|nightly|cron 0 3 * * *|success,backup|upload|nightly|cron 0 3 * * *|failed,my-router|p|every5s|every 5s|success,ns|t|-|-|success" \
                "list: routers and tasks from the results, schedules from the timers' descriptions"
        [[ $(grep -P '^backup\tdump\t' <<<"$out" | cut -f5) =~ ^(Mon|Tue|Wed|Thu|Fri|Sat|Sun)\ .*03:00:00 ]] ||
                fail "list: the timer's next elapse from the bus: $out"
        printf 'ok - list: next elapse from the bus\n'
        rd list --json
        assert_eq "$rc" 0 "list --json exits 0"
        check 'len(d) == 4 and d[2]["timer_unit"] == "herald-trigger-every5s.timer" and d[2]["timer_loaded"] is True' \
                "list --json without the workflow" <<<"$out"
        rd status
        assert_eq "$rc" 0 "status exits 0 without the workflow"
        assert_eq "$(grep -P '^my-router\t' <<<"$out" | cut -f4,8 | tr '\t' '|')" "active (waiting)|success" \
                "status: the timer's state and the last result"
        rd status backup
        assert_eq "$rc" 3 "status ROUTER whose last run failed: 3, as with the workflow"
        assert_contains "$out" "Trigger: nightly (cron 0 3 * * *)" "status ROUTER: the trigger from the journal and the bus"
        rd status nosuch
        assert_eq "$rc" 4 "status of a router nobody has seen: 4"
        rd status aaaa1111
        assert_eq "$rc" 0 "status JOB_ID"
        assert_contains "$out" "backup/dump[aaaa1111]: done: 42 tables" "status JOB_ID: the job's output"
        rd logs backup -p warning
        assert_eq "$rc" 0 "logs exits 0"
        assert_eq "$(msg <<<"$out")" "Job backup/upload failed" "logs ROUTER -p warning"
        rd logs backup -o cat -n 2
        assert_eq "$rc" 0 "logs -o exits 0"
        assert_eq "$out" "Job backup/upload failed"$'\n'"forged" "logs -o cat: journalctl, run as the reader"
        rm -f "$errf"
        r=0
        err=$(ns_run "${nobody[@]}" list 2>&1) || r=$?
        assert_eq "$r" 4 "list by a user who may read neither the workflow nor the journal: 4"
        assert_contains "$err" "you cannot read the system journal; add yourself to group 'systemd-journal'" \
                "list names what to fix"
else
        step "skipped: nobody cannot execute $TASKCTL"
fi

step "every verb has a manual"
for v in list status logs history; do
        out=$(tc "$v" --help)
        for want in "Usage: taskctl $v" "Options:" "--json" "--no-pager" "Examples:" "Exit status:"; do
                assert_contains "$out" "$want" "$v --help: $want"
        done
done
step "history -f"
# -f: the newest (-n 1), then each new result as it comes, until SIGTERM
ns_run sh -c "exec $TASKCTL history -f -n 1 > /run/follow.out 2>&1" &
fpid=$!
T_BEFORE=$(date +%s)
_following() { [[ -s /proc/$NS_PID/root/run/follow.out ]]; }
wait_until 10 _following || fail "history -f printed nothing"
result ffff9999-9999-4999-8999-999999999999 my-router p true 0 HERALD_TRIGGER=every5s
_followed() { grep -q ffff9999 /proc/$NS_PID/root/run/follow.out; }
wait_until 10 _followed || fail "history -f did not print the new result: $(cat /proc/$NS_PID/root/run/follow.out)"
ns_run pkill -TERM -f 'history -f -n 1' || true
wait "$fpid" || true
assert_eq "$(cut -f8 /proc/$NS_PID/root/run/follow.out | paste -sd,)" "$(tc history -n 1 --until "@$T_BEFORE" | cut -f8),ffff9999-9999-4999-8999-999999999999" \
        "history -f: the newest, then the new one, each once"

step "ok"
