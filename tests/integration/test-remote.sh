#!/bin/bash
# SPDX-License-Identifier: MIT
# http_remote in a booted systemd, against a real HTTP peer (tests/helpers/answer-server:
# it checks X-Herald-Signature with the project's signature.c and answers with canned
# bodies) on 127.0.0.1 inside the instance:
#  - a JSON answer: the request is the execution param, signed; the result is the runner's
#  - a multipart answer with two files: content and sha256 under data_dir/<job_id>/<name>/<filename>
#  - the hostile runner: '../' names, a missing and a wrong checksum, a truncated stream,
#    10,000 parts, files past max_answer, a runner that never answers (timeout, bounded
#    time), one that never completes the TCP handshake (connect_timeout, bounded
#    time), a refused signature (401), other statuses and content types, systemctl stop
#    mid-request, a JSON answer whose result names files it did not send (/etc/shadow):
#    each a failed job with a clear error and nothing left under data_dir
#  - TLS: nginx as the TLS proxy with a CA the test makes: verified with ca_file; the
#    wrong name and an unknown CA fail and write nothing
#  - the Herald docs' remote example (examples/remote-run.yml): timer route, and the
#    exe_done chain receiving the remote result
#  - the secret never reaches argv, the journal, units or taskctl's output
# shellcheck source-path=SCRIPTDIR source=../lib/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/lib.sh"

EXEC=$BUILD_DIR/src/exec/herald-exec
DONE=$BUILD_DIR/src/done/herald-done
PEER=$BUILD_DIR/tests/helpers/answer-server
RESULT_ID=39d34c102f1d482caf41e75fca8199a7
PY=/usr/bin/python3
T=/run/herald-test
DATA=/var/lib/herald-test/data          # /var is private to the instance
SECRET=Sup3rS3cretRemoteKey-7d1f
PORT=18081

[[ -x $EXEC && -x $DONE && -x $PEER ]] || fail "$EXEC, $DONE or $PEER is not built"
[[ -x $BUILD_DIR/src/remote/herald-remote ]] || fail "herald-remote is not built"
[[ -x $PY ]] || skip "needs $PY"
command -v nginx >/dev/null || skip "needs nginx (tools/deps.sh installs nginx-light)"
command -v openssl >/dev/null || skip "needs openssl"

ns_boot
ns_install
ns_run mkdir -p $T/rec $T/tls /var/lib/herald-test
ns_run sh -c "umask 077 && printf %s '$SECRET' > $T/secret"

step "canned answers"
ns_run $PY - <<'EOF'
import hashlib, json, os
A = "/run/herald-test/answers"

def answer(name, body=None, status=None, ctype=None, result=None, files=None, truncate=None, hang=False):
    d = os.path.join(A, name)
    os.makedirs(d)
    if body is not None:
        open(d + "/body", "wb").write(body)
    if status:
        open(d + "/status", "w").write(str(status))
    if ctype:
        open(d + "/content-type", "w").write(ctype)
    if result is not None:
        open(d + "/result.json", "w").write(json.dumps(result))
    if files:
        os.makedirs(d + "/files")
        for n, b in files.items():
            open(d + "/files/" + n, "wb").write(b)
    if truncate is not None:
        open(d + "/truncate", "w").write(str(truncate))
    if hang:
        open(d + "/hang", "w").close()

B = "hEr4ldTeStBoUnDaRy"
MP = "multipart/form-data; boundary=" + B
def mp(*parts):
    out = b""
    for disp, data in parts:
        out += (b"--" + B.encode() + b"\r\nContent-Disposition: form-data; " + disp.encode() +
                b"\r\nContent-Type: application/octet-stream\r\n\r\n" + data + b"\r\n")
    return out + b"--" + B.encode() + b"--\r\n"
RES = ('name="result"', b'{"exit_code":0,"output":""}')
def f(name, filename, data, sha=True, sum_=None):
    disp = 'name="%s"; filename="%s"' % (name, filename)
    if sha:
        disp += '; sha256sum="%s"' % (sum_ or hashlib.sha256(data).hexdigest())
    return (disp, data)
GOOD = f("good", "good.txt", b"a good file before the bad one\n")

# the Herald Runner answer of a job without files
answer("default", body=b'{"exit_code":0,"output":"runner says hi\\n"}')
answer("fail3", body=b'{"exit_code":3,"output":"no\\n"}')
blob = os.urandom(300000)
open("/run/herald-test/blob.bin", "wb").write(blob)
answer("files", result={"exit_code": 0, "output": "two files", "file": {"report": "/r/report.txt", "blob": "/r/blob.bin"}},
       files={"report@report.txt": b"line 1\nline 2\n", "blob@blob.bin": blob})
answer("truncated", result={"exit_code": 0}, files={"blob@blob.bin": blob}, truncate=150000)
answer("stall", result={"exit_code": 0}, files={"a@a.txt": b"whole\n", "blob@blob.bin": blob}, truncate=150000)
open("/run/herald-test/answers/stall/stall", "w").close()
answer("dotdot", body=mp(RES, GOOD, f("x", "../../escape", b"evil\n")), ctype=MP)
answer("dotdotname", body=mp(RES, GOOD, f("..", "escape", b"evil\n")), ctype=MP)
answer("nosum", body=mp(RES, GOOD, f("a", "a.txt", b"data", sha=False)), ctype=MP)
answer("badsum", body=mp(RES, GOOD, f("a", "a.txt", b"data", sum_="0" * 64)), ctype=MP)
answer("manyparts", body=mp(RES, *[f("p%d" % i, "f.txt", b"x") for i in range(10000)]), ctype=MP)
answer("toolarge", body=mp(RES, GOOD, f("big", "big.bin", os.urandom(5000))), ctype=MP)
answer("cut", body=mp(RES, GOOD)[:-30], ctype=MP)
answer("noboundary", body=mp(RES, GOOD), ctype="multipart/form-data")
answer("tinyjson", body=b'{"exit_code":0,"output":"' + b"x" * (5 * 1024 * 1024) + b'"}')
answer("status500", body=b"internal trouble\n", status=500, ctype="text/plain")
answer("html", body=b"<html>hello</html>", ctype="text/html")
answer("notjson", body=b"[1,2]")
answer("jsonfiles", body=b'{"exit_code":0,"output":"","file":{"shadow":"/etc/shadow"}}')
answer("hang", hang=True)
EOF

ns_run setsid -f "$PEER" --port $PORT --secret-file $T/secret --answers $T/answers --record $T/rec \
        </dev/null >/dev/null 2>&1
wait_until 10 ns_run bash -c "exec 3<>/dev/tcp/127.0.0.1/$PORT" 2>/dev/null || fail "answer-server did not start"

# start_job NAME ANSWER [EXECUTOR_PARAM_EXTRA_JSON] [systemd-run option...]: job.json,
# then the unit, as the activation does; JOB_HOST, JOB_SECRET and JOB_DATA (empty: none)
# change the executor's
start_job() {
        local name=$1 answer=$2 extra=${3:-}
        shift 3 || shift $#
        local dd=${JOB_DATA-$DATA}
        local ep="{\"host\":\"${JOB_HOST:-http://127.0.0.1:$PORT/}\",\"secret\":\"${JOB_SECRET-$SECRET}\"${dd:+,\"data_dir\":\"$dd\"}${extra:+,$extra}}"
        ns_run bash -c "mkdir -p /run/herald/jobs/$name/out && cat >/run/herald/jobs/$name/job.json" <<EOF
{"param":{"job_id":"$name","trigger_id":"T-$name","router":"r","trigger":"manual","selector":"all",
 "task":"$name","executor":"remote","trigger_param":{"n":1},"select_param":{},
 "job_param":{"cmd":"hostname","answer":"$answer"}},
 "executor_type":"http_remote","executor_param":$ep,"unit":"herald-test-$name.service","counter":-1}
EOF
        ns_run systemd-run --quiet --no-block --unit "herald-test-$name" -p Type=exec \
                -p "ExecStopPost=+$DONE /run/herald/jobs/$name" "$@" "$EXEC" job "/run/herald/jobs/$name"
}

_has_entry() {
        (($(ns_journal MESSAGE_ID=$RESULT_ID "HERALD_JOB_ID=$1" -o json | wc -l) >= 1))
}
_dir_gone() {
        ! ns_run test -e "/run/herald/jobs/$1"
}
# entry NAME: wait for the job's one result entry; ENTRY is it
entry() {
        wait_until 60 _has_entry "$1" || fail "$1: no result entry"
        wait_until 10 _dir_gone "$1" || fail "$1: its job directory was not removed"
        assert_eq "$(ns_journal MESSAGE_ID=$RESULT_ID "HERALD_JOB_ID=$1" -o json | wc -l)" 1 "$1: one result entry"
        ENTRY=$(ns_journal MESSAGE_ID=$RESULT_ID "HERALD_JOB_ID=$1" -o json --all)
}
field() {
        $PY -c 'import json, sys; v = json.load(sys.stdin).get(sys.argv[1]); print("" if v is None else v)' "$1" <<<"$ENTRY"
}
result() {
        $PY -c 'import json, sys; r = json.loads(json.load(sys.stdin)["HERALD_RESULT"]); print(eval(sys.argv[1]))' "$1" <<<"$ENTRY"
}
run_job() {
        start_job "$@"
        entry "$1"
}
# refused NAME ANSWER ERROR-PART [EXTRA]: the job fails with ERROR-PART in its error, and
# nothing of it is under data_dir
refused() {
        run_job "$1" "$2" "${4:-}"
        assert_eq "$(field HERALD_SUCCESS)" false "$1: failed"
        assert_contains "$(field HERALD_ERROR)" "$3" "$1: the error says why ($(field HERALD_ERROR))"
        ns_run test ! -e "$DATA/$1" || fail "$1: $DATA/$1 was left"
        printf 'ok - %s: nothing under data_dir\n' "$1"
}

# ---------------------------------------------------------------------------
step "a JSON answer: the request is the execution param, signed"
run_job rjson default
assert_eq "$(field HERALD_SUCCESS)/$(field HERALD_ERROR)" "true/" "succeeded"
assert_eq "$(field HERALD_RESULT)" '{"exit_code":0,"output":"runner says hi\n"}' "the runner's result"
assert_eq "$(field HERALD_EXIT_CODE)" 0 "exit code"
assert_eq "$(field HERALD_EXECUTOR)" remote "executor"
ns_run $PY - "$SECRET" <<'EOF' || fail "the request is not the execution param, signed"
import hashlib, hmac, json, sys
body = open("/run/herald-test/rec/rjson.body", "rb").read()
headers = dict(l.split(": ", 1) for l in open("/run/herald-test/rec/rjson.headers").read().splitlines())
assert headers["Content-Type"] == "application/json", headers
assert headers["X-Herald-Signature"] == hmac.new(sys.argv[1].encode(), body, hashlib.sha256).hexdigest(), headers
assert "Expect" not in headers, headers
p = json.loads(body)
assert sorted(p) == sorted(["job_id", "trigger_id", "router", "trigger", "selector", "task", "executor",
                            "trigger_param", "select_param", "job_param"]), p
assert p["job_id"] == "rjson" and p["trigger_param"] == {"n": 1} and p["job_param"] == {"cmd": "hostname", "answer": "default"}, p
assert sys.argv[1].encode() not in body
print("ok - Herald's execution param, X-Herald-Signature = HMAC-SHA256 of the body")
EOF

step "the key from secret_file (root's file, never in job.json)"
JOB_SECRET='' run_job rsecfile default "\"secret_file\":\"$T/secret\""
assert_eq "$(field HERALD_SUCCESS)/$(field HERALD_ERROR)" "true/" "signed with secret_file's key"
JOB_SECRET='' refused rsecnone default "Could not read the http_remote executor's secret_file '$T/none'" "\"secret_file\":\"$T/none\""

step "exit_code 3 from the runner fails the job as a local one would"
run_job rfail3 fail3
assert_eq "$(field HERALD_SUCCESS)/$(field HERALD_ERROR)" "false/Command failed with code 3" "Herald's text"
assert_eq "$(field HERALD_EXIT_CODE)" 3 "exit code 3"

step "a multipart answer with two files"
run_job rfiles files
assert_eq "$(field HERALD_SUCCESS)" true "succeeded"
assert_eq "$(result 'r["file"] == {"report": "'$DATA'/rfiles/report/report.txt", "blob": "'$DATA'/rfiles/blob/blob.bin"}')" True \
        "the result's file map holds the local paths data_dir/<job_id>/<name>/<filename>"
assert_eq "$(result 'r["context_type"] + " " + r["output"]')" "multipart/form-data two files" "context_type (sic), as Herald"
assert_eq "$(ns_run cat $DATA/rfiles/report/report.txt)" $'line 1\nline 2' "report.txt's content"
assert_eq "$(ns_run sha256sum $DATA/rfiles/blob/blob.bin | cut -d' ' -f1)" \
        "$(ns_run sha256sum $T/blob.bin | cut -d' ' -f1)" "blob.bin's sha256"
assert_eq "$(ns_run find $DATA/rfiles -type f | sort | tr '\n' ' ')" \
        "$DATA/rfiles/blob/blob.bin $DATA/rfiles/report/report.txt " "just the two files"

# ---------------------------------------------------------------------------
step "the hostile runner"
ns_run touch $T/marker
refused rdotdot dotdot "not one path component"
refused rdotdotname dotdotname "not one path component"
refused rnosum nosum "missing or wrong sha256sum"
refused rbadsum badsum "missing or wrong sha256sum"
refused rtrunc truncated "The request to the remote runner failed:"
refused rcut cut "malformed"
refused rmany manyparts "too many parts"
refused rlarge toolarge "larger than max_answer" '"max_answer":1000'
refused rnobound noboundary "without a usable boundary"
refused rbigjson tinyjson "JSON answer is larger than 4 MiB"
JOB_DATA='' refused rnodata files "has no data_dir"
ns_run touch /var/lib/herald-test/file
JOB_DATA=/var/lib/herald-test/file/data refused rdatafile files "Could not make or open data_dir '/var/lib/herald-test/file/data'"
ns_run rm /var/lib/herald-test/file
refused r500 status500 "The remote runner answered HTTP 500: internal trouble"
refused rhtml html "Content-Type 'text/html'"
refused rnotjson notjson "not a JSON object"
refused rjsonfiles jsonfiles "The remote runner answered files without sending them"
assert_eq "$(field HERALD_RESULT)" '{"exit_code":0,"output":""}' "rjsonfiles: the runner's paths are not in the result"
JOB_SECRET=not-the-secret refused rbadsig files "The remote runner answered HTTP 401: signature mismatch"
ns_run test ! -e $T/rec/rbadsig.body || fail "the peer took rbadsig's request"
start=$SECONDS
refused rhang hang "The request to the remote runner timed out" '"timeout":2'
((SECONDS - start < 15)) || fail "the timeout took $((SECONDS - start)) s"
printf 'ok - a runner that never answers: failed after %d s\n' $((SECONDS - start))
JOB_HOST=http://127.0.0.1:1/ refused rnoconn default "The request to the remote runner failed:"
# a listener that never accepts, its one-slot queue full: Linux drops further SYNs, so
# the connection hangs in SYN_SENT and only connect_timeout ends it
ns_run setsid -f $PY -c '
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 18089)); s.listen(0)
held = socket.create_connection(("127.0.0.1", 18089))
open("/run/herald-test/synsink", "w").close()
time.sleep(600)' </dev/null >/dev/null 2>&1
wait_until 10 ns_run test -e $T/synsink || fail "the SYN sink did not start"
start=$SECONDS
JOB_HOST=http://127.0.0.1:18089/ refused rconnto default "The request to the remote runner timed out" '"connect_timeout":2,"timeout":60'
((SECONDS - start < 15)) || fail "connect_timeout took $((SECONDS - start)) s"
printf 'ok - a runner that never completes the handshake: connect_timeout ended it after %d s\n' $((SECONDS - start))
escaped=$(ns_run find / -xdev \( -path /proc -o -path /sys \) -prune -o -newer $T/marker \( -name 'escape*' -o -name good.txt \) -print)
assert_eq "$escaped" "" "no file of a refused answer anywhere"
assert_eq "$(ns_run ls /var/lib/herald-test)" data "nothing beside data_dir"
assert_eq "$(ns_run ls $DATA | tr '\n' ' ')" "rfiles " "data_dir holds the good answer only"

step "systemctl stop ends the request at once"
start_job rstop hang '"timeout":600'
wait_until 20 ns_run test -e $T/rec/rstop.body || fail "rstop's request never reached the peer"
ns_run ps -eo args | grep -F -- "$SECRET" | grep -v grep && fail "the secret is in a process's argv"
printf 'ok - the secret is in no argv\n'
start=$SECONDS
ns_run systemctl stop herald-test-rstop.service
entry rstop
((SECONDS - start < 5)) || fail "stopping took $((SECONDS - start)) s"
assert_eq "$(field HERALD_SUCCESS)/$(field HERALD_ERROR)" \
        "false/The job was stopped (SIGTERM) while waiting for the remote runner" "the result says it was stopped"

# ---------------------------------------------------------------------------
step "systemctl stop mid-answer: the files received so far are removed"
start_job rstopmid stall '"timeout":600'
wait_until 20 ns_run test -e $DATA/rstopmid/blob/blob.bin || fail "rstopmid's answer never started arriving"
ns_run systemctl stop herald-test-rstopmid.service
entry rstopmid
assert_eq "$(field HERALD_ERROR)" "The job was stopped (SIGTERM) while waiting for the remote runner" "stopped"
ns_run test ! -e $DATA/rstopmid || fail "$DATA/rstopmid was left"
printf 'ok - nothing under data_dir\n'
start=$SECONDS
refused rstall stall "timed out" '"timeout":3'
((SECONDS - start < 15)) || fail "the timeout took $((SECONDS - start)) s"

step "TLS: nginx in front of the peer, a CA of the test's own"
ns_tls_certs $T/tls runner.test
ns_nginx_tls_proxy $T/tls runner.test 8443 $PORT          # docs/REMOTE.md's recipe

JOB_HOST=https://runner.test:8443/ run_job rtls files "\"ca_file\":\"$T/tls/ca.pem\""
assert_eq "$(field HERALD_SUCCESS)/$(field HERALD_ERROR)" "true/" "https with ca_file: succeeded"
assert_eq "$(ns_run sha256sum $DATA/rtls/blob/blob.bin | cut -d' ' -f1)" "$(ns_run sha256sum $T/blob.bin | cut -d' ' -f1)" \
        "the file came through TLS whole"
JOB_HOST=https://127.0.0.1:8443/ refused rtlsname files "SSL" "\"ca_file\":\"$T/tls/ca.pem\""
assert_contains "$(field HERALD_ERROR)" "127.0.0.1" "the wrong name: the error names the host"
ns_run test ! -e $T/rec/rtlsname.body || fail "the request went out to the wrong name"
JOB_HOST=https://runner.test:8443/ refused rtlsca files "SSL certificate problem"
ns_run test ! -e $T/rec/rtlsca.body || fail "the request went out to an unknown CA's certificate"
printf 'ok - no request went out over an unverified connection\n'
JOB_HOST=http://runner.test:8443/ refused rtlsplain files "The remote runner answered HTTP 400"

# ---------------------------------------------------------------------------
step "the Herald docs' remote example: a timer route, an exe_done chain"
# heraldd's set-up, as test-heraldd.sh does it
ns_run mount --make-rshared /
ns_run systemd-tmpfiles --create --prefix /run/log/journal --prefix /var/log/journal
ns_run systemd-sysusers /usr/local/lib/sysusers.d/herald-runner.conf /usr/local/lib/sysusers.d/herald.conf
ns_run systemd-tmpfiles --create /usr/local/lib/tmpfiles.d/herald-runner.conf /usr/local/lib/tmpfiles.d/herald.conf
ns_run mkdir -p /etc/herald
# The example as it is, pointed at the peer; and an http trigger whose route runs the
# same remote executor through heraldd (a template instance), answering with the result.
sed -e "s#https://runner.example.com/#http://127.0.0.1:$PORT/#" -e "s#yyyyyyyyyyyyyyyy#$SECRET#" \
        -e "s#/var/lib/herald/data#$DATA#" \
        -e 's#^trigger:$#trigger:\n  manual:\n    type: http\n    host: 127.0.0.1\n    port: 8123#' \
        -e 's#^router:$#router:\n  remote_on_request:\n    trigger: manual\n    selector: all\n    wait: true\n    task:\n      hostname_http: remote_command\n    job_param:\n      cmd: hostname\n      answer: files#' \
        "$SRC_DIR/examples/remote-run.yml" | ns_run sh -c 'cat > /etc/herald/workflow.yml'
ns_run taskctl validate /etc/herald/workflow.yml >/dev/null || fail "the example does not validate"
ns_run taskctl reload >/dev/null
ns_run systemctl start herald-trigger-every_evening.service

results() {
        ns_journal MESSAGE_ID=$RESULT_ID "HERALD_ROUTER=$1" -o json
}
at_least() {
        (($(results "$1" | wc -l) >= $2))
}
wait_until 30 at_least run_every_evening 4 || fail "not 4 results for run_every_evening"
wait_until 30 at_least print_result 4 || fail "the exe_done chain did not run 4 times"
{ results run_every_evening; echo ---; results print_result; } | $PY -c '
import json, sys
text = sys.stdin.read().split("---\n")
runs = {json.loads(l)["HERALD_TASK"]: json.loads(l) for l in text[0].splitlines()}
prints = [json.loads(l) for l in text[1].splitlines()]
for task in ("hostname", "df_remote"):
    e = runs[task]
    assert e["HERALD_SUCCESS"] == "true", e
    assert json.loads(e["HERALD_RESULT"]) == {"exit_code": 0, "output": "runner says hi\n"}, e
assert runs["df_local"]["HERALD_SUCCESS"] == "true" and runs["print_param"]["HERALD_SUCCESS"] == "true", runs
seen = {}
for p in prints:
    tp = json.loads(p["HERALD_PARAM"])["trigger_param"]
    seen[tp["task"]] = tp
assert sorted(seen) == ["df_local", "df_remote", "hostname", "print_param"], seen
h = seen["hostname"]
assert h["success"] is True and h["error"] == "" and h["result"] == {"exit_code": 0, "output": "runner says hi\n"}, h
assert h["executor"] == "remote_command" and h["job_param"] == {"cmd": "hostname"}, h
assert seen["df_remote"]["job_param"] == {"cmd": "df", "arg": ["-hT"]}, seen["df_remote"]
print("ok - the remote tasks ran on the runner; exe_done saw their results as Herald gives them")
' || fail "the example's results"
ns_run $PY - <<'EOF' || fail "the example's requests"
import glob, json
tasks = {}
for f in glob.glob("/run/herald-test/rec/*.body"):
    p = json.load(open(f))
    if p["router"] == "run_every_evening":
        tasks[p["task"]] = p
assert sorted(tasks) == ["df_remote", "hostname"], tasks
assert tasks["hostname"]["trigger"] == "every_evening" and tasks["hostname"]["executor"] == "remote_command", tasks
assert tasks["hostname"]["trigger_param"]["cron"] == "0 18 * * *", tasks
print("ok - the runner got both remote tasks' execution params")
EOF

step "an http trigger's remote job, started by heraldd, answers with the runner's result"
answer=$(ns_run curl -s -X POST -d '{"from":"curl"}' 127.0.0.1:8123)
assert_contains "$answer" "two files" "the HTTP answer carries the remote result"
wait_until 20 at_least remote_on_request 1 || fail "no result entry for the http route"
results remote_on_request | $PY -c '
import json, sys
e = json.loads(sys.stdin.readline())
r = json.loads(e["HERALD_RESULT"])
assert e["HERALD_SUCCESS"] == "true" and "@" in e["HERALD_UNIT"], e
job = e["HERALD_JOB_ID"]
assert r["file"]["report"] == "'$DATA'/%s/report/report.txt" % job, r
print("ok - heraldd'"'"'s template instance ran it; the files are under data_dir/<job_id>")
' || fail "the http route's result"

# ---------------------------------------------------------------------------
step "the secret is nowhere it should not be"
ns_journal -o export | grep -q -F -- "$SECRET" && fail "the secret is in the journal"
printf 'ok - not in the journal\n'
ns_run sh -c 'systemctl cat "herald-*" 2>/dev/null; systemctl show "herald-*" 2>/dev/null' | grep -F -- "$SECRET" && fail "the secret is in a unit"
printf 'ok - not in a unit\n'
ns_run taskctl history --json 2>/dev/null | grep -F -- "$SECRET" && fail "the secret is in taskctl history"
ns_run taskctl plan /etc/herald/workflow.yml 2>/dev/null | grep -F -- "$SECRET" && fail "the secret is in taskctl plan"
printf 'ok - not in taskctl history or plan\n'

step "ok"
