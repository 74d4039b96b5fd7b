#!/bin/bash
# SPDX-License-Identifier: MIT
# herald-runner end to end in a booted systemd, driven with curl and openssl as Herald's
# http_remote client would drive it (docs/RUNNER.md):
#  - a signed POST reaches herald-runner.socket; herald-runner (user herald-runner, not
#    root) hands it to herald-runner-activate.service (root), the job runs as
#    herald-runner-job@<id>.service (a script and an ELF binary, both run by their
#    checked fd) and the answer is Herald Runner's exact JSON; one result entry each;
#  - result files: the multipart answer, byte for byte in DESIGN.md's format, each
#    part's sha256sum= equal to sha256sum of the file;
#  - bad input, each answered as documented and leaving nothing behind: signatures
#    missing, short, non-hex, 'sha256=' on X-Herald-Signature, of the wrong key
#    (uppercase hex is taken, as Herald Runner takes it), a 200 MB body announced (413
#    at once) and sent chunked (connection cut at max_body) with herald-runner's RSS
#    small, a non-object body, cmd with '..' or an absolute path, result files outside
#    the job's directories (/etc/shadow), a replayed request (replay_window);
#  - git_repo jobs: cmd from the checkout only (a symlink or '..' out of it refused);
#  - a client that goes away (the job ends, its result entry is written), 20 requests at
#    once (each its own answer), root's side missing (500), idle exit and restart, the
#    config's own listener without sockets, no workflow can name the runner executor;
#  - the Herald docs' examples/remote-run.yml, unchanged, applied to herald in the same
#    instance, its jobs run by this runner behind nginx's TLS (allow_absolute_cmd);
#  - the sandbox: 'systemd-analyze security' of both services (<= 2.5).
# About 50 s.
# shellcheck source-path=SCRIPTDIR source=../lib/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/lib.sh"

RESULT_ID=39d34c102f1d482caf41e75fca8199a7
PY=/usr/bin/python3
KEY=s3cr3t-k3y
RUN=/var/lib/herald-runner/work/run
T=/run/herald-test
[[ -x $PY ]] || skip "needs $PY"
command -v curl >/dev/null || skip "needs curl"
command -v openssl >/dev/null || skip "needs openssl"
command -v nginx >/dev/null || skip "needs nginx (tools/deps.sh installs nginx-light)"
[[ -x $BUILD_DIR/src/runner/herald-runner ]] || fail "$BUILD_DIR/src/runner/herald-runner is not built"

ns_boot
ns_install
# LoadCredential= needs shared mount propagation, which a container's PID 1 does not set.
ns_run mount --make-rshared /
ns_run systemd-tmpfiles --create --prefix /run/log/journal --prefix /var/log/journal
ns_run systemd-sysusers /usr/local/lib/sysusers.d/herald-runner.conf /usr/local/lib/sysusers.d/herald.conf
ns_run systemd-tmpfiles --create /usr/local/lib/tmpfiles.d/herald-runner.conf /usr/local/lib/tmpfiles.d/herald.conf
ns_run mkdir -p $T $RUN /etc/herald
ns_run sh -c "umask 077 && printf %s '$KEY' > /etc/herald/runner.secret"
ns_run sh -c 'cat > /etc/herald/runner.yml' <<'EOF'
# the secret comes from the credential (herald-runner.service's LoadCredential=)
work_dir: /var/lib/herald-runner/work
max_body: 1048576
# ignored with sockets from systemd, and herald-runner says so
port: 9999
log_output: /var/log/herald-runner.log
EOF
ns_run chgrp herald-runner /etc/herald/runner.yml
ns_run chmod 0640 /etc/herald/runner.yml
# A short idle time, so the test sees herald-runner go.
ns_run mkdir -p /etc/systemd/system/herald-runner.service.d
ns_run sh -c 'cat > /etc/systemd/system/herald-runner.service.d/test.conf' <<EOF
[Service]
ExecStart=
ExecStart=/usr/local/libexec/herald/herald-runner --config /etc/herald/runner.yml --idle-timeout 3
EOF
ns_run systemctl daemon-reload
ns_run systemctl start herald-runner.socket herald-runner-activate.socket

# What jobs run: a script and a copy of an ELF binary in work_dir/run.
ns_run sh -c "cat > $RUN/hello.sh" <<'EOF'
#!/bin/sh
echo "hello from $(id -un)"
EOF
ns_run sh -c "cat > $RUN/files.sh" <<'EOF'
#!/bin/sh
# two result files: one relative to run/, one absolute inside it; and one refused
printf 'report line\n' > out.txt
head -c 1048577 /dev/urandom > big.bin
printf '{"exit_code": 0, "file": {"report": "out.txt", "data": "%s/big.bin"}}\n' "$PWD"
EOF
ns_run sh -c "cat > $RUN/leak.sh" <<'EOF'
#!/bin/sh
printf '{"file": {"shadow": "/etc/shadow", "up": "../../../../etc/passwd", "ok": "ok.txt"}}\n'
printf 'fine\n' > ok.txt
EOF
ns_run sh -c "printf '#!/bin/sh\necho no\nexit 3\n' > $RUN/fail3.sh"
ns_run cp /bin/echo $RUN/echo
ns_run chmod 0755 $RUN/hello.sh $RUN/files.sh $RUN/leak.sh $RUN/fail3.sh

sig() { printf %s "$1" | openssl dgst -sha256 -hmac "${2:-$KEY}" -hex | sed 's/.* //'; }
# post [CURL-ARG...]: the status; the body in $T/body, the headers in $T/headers
post() { ns_run curl -s -o $T/body -D $T/headers -w '%{http_code}' "$@" 127.0.0.1:8124/; }
body() { ns_run cat $T/body; }
header() { ns_run sed -n "s/^$1: \(.*\)\r$/\1/Ip" $T/headers; }
# signed BODY [CURL-ARG...]: POST BODY with Herald's signature
signed() { local b=$1; shift; post -X POST -H "X-Herald-Signature: $(sig "$b")" -H 'Content-Type: application/json' --data-binary "$b" "$@"; }
param() { printf '{"job_id":"%s","trigger_id":"T1","router":"r","trigger":"t","selector":"all","task":"remote","executor":"http_remote","trigger_param":{},"select_param":{},"job_param":%s}' "$(ns_run cat /proc/sys/kernel/random/uuid)" "$1"; }
result_entries() { ns_journal -o json MESSAGE_ID=$RESULT_ID _UID=0 | grep -c herald-runner-job@ || true; }
# nothing_left [ENTRIES]: no request file or job directory left; with ENTRIES, exactly
# that many runner result entries in the journal (once that many have arrived)
nothing_left() {
        assert_eq "$(ns_run ls -A /run/herald-runner/requests)" "" "no request left in /run/herald-runner/requests"
        wait_until 10 bash -c "[[ -z \$(HERALD_NS_QUIET=1 $HERALD_NS run $NS_PID ls -A /run/herald/jobs) ]]" ||
                fail "job directories left: $(ns_run ls -A /run/herald/jobs)"
        printf 'ok - no job directory left\n'
        (($# == 0)) && return 0
        wait_until 10 bash -c "(( \$(HERALD_NS_QUIET=1 $HERALD_NS run $NS_PID journalctl -o json MESSAGE_ID=$RESULT_ID _UID=0 | grep -c herald-runner-job@) >= $1 ))" ||
                fail "fewer than $1 result entries"
        assert_eq "$(result_entries)" "$1" "$1 runner result entries, no more"
}

step "socket activation: nothing runs before the first request"
assert_eq "$(ns_run systemctl show -P ActiveState herald-runner.service)" inactive "herald-runner is not running"
assert_eq "$(ns_run systemctl show -P ActiveState herald-runner.socket)" active "herald-runner.socket listens"

step "a signed request runs a script as a job unit; the answer is Herald Runner's JSON"
b=$(param '{"cmd":"./hello.sh"}')
assert_eq "$(signed "$b")" 200 "signed POST: 200"
assert_eq "$(body)" '{"exit_code":0,"output":"hello from root\n"}' "the exact answer"
assert_eq "$(header Content-Type)" application/json "Content-Type: application/json"
assert_eq "$(ns_run ps -o user= -C herald-runner | sort -u)" herald-runner "herald-runner runs as herald-runner"
log=$(ns_journal -u herald-runner.service)
assert_contains "$log" "/etc/herald/runner.yml sets port, ignored: herald-runner listens on the socket systemd passed (127.0.0.1:8124)" \
        "the config's port is said to be ignored, and where it listens instead"
assert_contains "$log" "herald-runner logs to stderr, the journal under systemd" "so is log_output"
wait_until 10 bash -c "[[ \$(HERALD_NS_QUIET=1 $HERALD_NS run $NS_PID journalctl -o json MESSAGE_ID=$RESULT_ID _UID=0 | grep -c herald-runner-job@) == 1 ]]" ||
        fail "no result entry for the job"
ns_journal -o json MESSAGE_ID=$RESULT_ID _UID=0 | $PY -c '
import json, sys
es = [json.loads(l) for l in sys.stdin if "herald-runner-job@" in l]
assert len(es) == 1, len(es)
e = es[0]
assert e["HERALD_SUCCESS"] == "true" and e["HERALD_EXIT_CODE"] == "0", e
assert e["HERALD_UNIT"] == "herald-runner-job@%s.service" % e["HERALD_JOB_ID"], e
p = json.loads(e["HERALD_PARAM"])
assert p["job_id"] == e["HERALD_JOB_ID"] and p["remote_job_id"] != p["job_id"], p
assert p["job_param"] == {"cmd": "./hello.sh"} and p["router"] == "r", p
print("ok - one result entry, the job id the runner made, the client'"'"'s kept as remote_job_id")'
nothing_left

step "an ELF binary, run by its fd, with arguments"
assert_eq "$(signed "$(param '{"cmd":"./echo","arg":["a","b c"]}')")" 200 "POST: 200"
assert_eq "$(body)" '{"exit_code":0,"output":"a b c\n"}' "echo's answer"
assert_eq "$(signed "$(param '{"cmd":"./nope"}')")" 200 "a cmd that does not exist: 200"
assert_contains "$(body)" '"error":"Refusing to run cmd' "its answer says why"

step "a command that exits 3: the answer is its result, without an added error"
assert_eq "$(signed "$(param '{"cmd":"./fail3.sh"}')")" 200 "POST: 200"
assert_eq "$(body)" '{"exit_code":3,"output":"no\n"}' "the exact answer, as Herald Runner's"

step "result files: the multipart answer"
assert_eq "$(signed "$(param '{"cmd":"./files.sh"}')")" 200 "POST: 200"
ct=$(header Content-Type)
assert_contains "$ct" "multipart/form-data; boundary=" "Content-Type: multipart/form-data"
ns_run sh -c "cd $RUN && sha256sum out.txt big.bin" > /tmp/runner-test-sums.$$
ns_run cat $T/body | $PY -c '
import re, sys
ct, sums = sys.argv[1], dict(l.split()[::-1] for l in open(sys.argv[2]))
body = sys.stdin.buffer.read()
m = re.fullmatch(r"multipart/form-data; boundary=([0-9a-f]{60})", ct)
assert m, ct
b = m.group(1).encode()
assert body.startswith(b"--" + b + b"\r\n") and body.endswith(b"\r\n--" + b + b"--\r\n"), body[:80]
parts = body[len(b) + 4:-(len(b) + 8)].split(b"\r\n--" + b + b"\r\n")
assert len(parts) == 3, len(parts)
head, res = parts[0].split(b"\r\n\r\n", 1)
assert head == b"Content-Disposition: form-data; name=\"result\"\r\nContent-Type: application/json", head
assert res == b"{\"exit_code\":0}", res
import hashlib
seen = {}
for p in parts[1:]:
    head, data = p.split(b"\r\n\r\n", 1)
    h = re.fullmatch(rb"Content-Disposition: form-data; name=\"(\w+)\"; filename=\"([\w.]+)\"; sha256sum=\"([0-9a-f]{64})\"\r\nContent-Type: application/octet-stream", head)
    assert h, head
    name, fn, sha = (x.decode() for x in h.groups())
    assert sha == hashlib.sha256(data).hexdigest() == sums[fn], (fn, sha, sums[fn])
    seen[name] = (fn, len(data))
assert seen == {"report": ("out.txt", 12), "data": ("big.bin", 1048577)}, seen
print("ok - result part first without file, two file parts, each sha256sum= that of the file")' "$ct" /tmp/runner-test-sums.$$ ||
        fail "the multipart answer"
rm -f /tmp/runner-test-sums.$$
nothing_left

step "result files outside the job's directories are left out and named"
assert_eq "$(signed "$(param '{"cmd":"./leak.sh"}')")" 200 "POST: 200"
ns_run cat $T/body | $PY -c '
import sys
body = sys.stdin.buffer.read()
assert b"root:" not in body, "shadow or passwd content in the answer"
i = body.index(b"{")
import json
res = json.loads(body[i:body.index(b"\r\n", i)])
r = res["file_refused"]
assert set(r) == {"shadow", "up"}, r
assert "outside the job" in r["shadow"] and "/etc/shadow" in r["shadow"], r
assert body.count(b"filename=") == 1 and b"name=\"ok\"; filename=\"ok.txt\"" in body, body[:400]
print("ok - /etc/shadow and ../ left out, named in file_refused; ok.txt sent")' || fail "file confinement"

step "cmd confinement: '..' and absolute paths are refused, nothing runs"
for cmd in '../../../../usr/bin/touch' '/usr/bin/touch' 'touch'; do
        assert_eq "$(signed "$(param "{\"cmd\":\"$cmd\",\"arg\":\"$T/pwned\"}")")" 200 "cmd '$cmd': 200"
        assert_contains "$(body)" "Refusing to run cmd '$cmd'" "cmd '$cmd' refused, the answer says so"
done
ns_run test ! -e $T/pwned || fail "a refused command ran"
printf 'ok - none of them ran\n'
nothing_left

step "git_repo: cmd from the checkout, and only from inside it"
ns_run bash -s <<'EOF' || fail "git setup"
set -e
mkdir -p /var/lib/herald-test-git && git init -q -b main /var/lib/herald-test-git/src && cd /var/lib/herald-test-git/src
git config user.email t@example.com && git config user.name t
printf '#!/bin/sh\necho "{\\"from\\": \\"checkout\\"}"\n' > run.sh
chmod +x run.sh
ln -s /usr/bin/touch escape
git add run.sh escape && git commit -qm main
git clone -q --bare /var/lib/herald-test-git/src /var/lib/herald-test-git/repo.git
EOF
assert_eq "$(signed "$(param '{"cmd":"run.sh","git_repo":"file:///var/lib/herald-test-git/repo.git"}')")" 200 "a job with git_repo: 200"
assert_eq "$(body)" '{"exit_code":0,"from":"checkout"}' "run.sh ran from the checkout, its JSON merged"
for cmd in escape ../../../../../../usr/bin/touch; do
        assert_eq "$(signed "$(param "{\"cmd\":\"$cmd\",\"arg\":\"$T/pwned\",\"git_repo\":\"file:///var/lib/herald-test-git/repo.git\"}")")" 200 "cmd '$cmd' with git_repo: 200"
        assert_contains "$(body)" "Refusing to run cmd '$cmd'" "cmd '$cmd' leads out of the checkout: refused"
done
ns_run test ! -e $T/pwned || fail "a command from outside the checkout ran"
nothing_left

step "a client that goes away: the job still ends, its result is in the journal"
ns_run sh -c "printf '#!/bin/sh\nsleep 2\necho slow-done\n' > $RUN/slow.sh && chmod 0755 $RUN/slow.sh"
before=$(result_entries)
b=$(param '{"cmd":"./slow.sh"}')
code=$(ns_run curl -s -o /dev/null -w '%{http_code}' --max-time 1 -H "X-Herald-Signature: $(sig "$b")" --data-binary "$b" 127.0.0.1:8124/ || true)
assert_eq "$code" 000 "the client gave up after 1 s"
wait_until 10 bash -c "[[ \$(HERALD_NS_QUIET=1 $HERALD_NS run $NS_PID journalctl -o json MESSAGE_ID=$RESULT_ID _UID=0 | grep -c herald-runner-job@) == $((before + 1)) ]]" ||
        fail "no result entry for the abandoned job"
assert_contains "$(ns_journal -o json MESSAGE_ID=$RESULT_ID _UID=0 | tail -n 1)" 'slow-done' "its result entry has its output"
nothing_left
assert_eq "$(signed "$(param '{"cmd":"./hello.sh"}')")" 200 "herald-runner answers the next request"

step "20 requests at once: each gets its own job's answer"
ns_run bash -c '
for i in $(seq 20); do
        b="{\"job_param\":{\"cmd\":\"./echo\",\"arg\":\"n$i\"}}"
        s=$(printf %s "$b" | openssl dgst -sha256 -hmac '"$KEY"' -hex | sed "s/.* //")
        curl -s -o '"$T"'/par.$i -H "X-Herald-Signature: $s" --data-binary "$b" 127.0.0.1:8124/ &
done
wait'
for i in $(seq 20); do
        [[ $(ns_run cat $T/par.$i) == "{\"exit_code\":0,\"output\":\"n$i\\n\"}" ]] || fail "request $i: $(ns_run cat $T/par.$i)"
done
printf 'ok - 20 parallel requests, 20 right answers\n'
nothing_left

step "bad signatures"
before=$(result_entries)
b=$(param '{"cmd":"./hello.sh"}')
s=$(sig "$b")
assert_eq "$(post -X POST --data-binary "$b")" 401 "missing: 401"
assert_contains "$(body)" "Signature missing" "missing: the text says so"
assert_eq "$(post -X POST -H 'X-Herald-Signature: abc123' --data-binary "$b")" 401 "short: 401"
assert_eq "$(post -X POST -H "X-Herald-Signature: $(tr 0-9a-f g-v <<<"$s")" --data-binary "$b")" 401 "non-hex: 401"
assert_eq "$(post -X POST -H "X-Herald-Signature: sha256=$s" --data-binary "$b")" 401 "sha256= on X-Herald-Signature: 401"
assert_eq "$(post -X POST -H "X-Herald-Signature: $(sig "$b" wrong-key)" --data-binary "$b")" 403 "wrong key: 403"
assert_contains "$(body)" "Signature mismatch" "wrong key: the text says so"
assert_eq "$(post -X POST -H "X-Herald-Signature: $s" --data-binary "$b ")" 403 "body changed: 403"
# The signature is checked before the body is parsed: invalid JSON gets the signature's answer.
assert_eq "$(post -X POST --data-binary '{"a":')" 401 "unsigned partial JSON: 401, not 400"
assert_eq "$(post -X POST -H "X-Herald-Signature: $(sig '{"a":' wrong-key)" --data-binary '{"a":')" 403 \
        "partial JSON of the wrong key: 403, not 400"
assert_eq "$(post -X GET)" 405 "GET: 405"
assert_eq "$(signed '[1,2]')" 400 "a signed array: 400"
assert_eq "$(signed '{"a":')" 400 "signed partial JSON: 400"
# none of them ran: the one accepted below is the only new result entry
assert_eq "$(post -X POST -H "X-Herald-Signature: ${s^^}" --data-binary "$b")" 200 "uppercase hex: taken, as Herald Runner"
nothing_left $((before + 1))

step "a 200 MB body: 413 from the headers, the chunked one cut at max_body; herald-runner stays small"
out=$(ns_run $PY -c '
import socket, time
s = socket.create_connection(("127.0.0.1", 8124))
s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Herald-Signature: 00\r\nContent-Length: 209715200\r\n\r\n")
t = time.time(); s.settimeout(5)
print(s.recv(100).split(b" ")[1].decode(), time.time() - t < 2)')
assert_eq "$out" "413 True" "Content-Length 200 MB: 413 at once"
code=$(ns_run sh -c "head -c 209715200 /dev/zero | curl -s -o /dev/null -w '%{http_code}' -H 'Expect:' -H 'Transfer-Encoding: chunked' -H 'X-Herald-Signature: 00' --data-binary @- 127.0.0.1:8124/" || true)
assert_eq "$code" 000 "chunked 200 MB: the connection is cut"
rss=$(ns_run sh -c 'grep VmHWM /proc/$(pgrep -x herald-runner)/status' | awk '{print $2}')
[[ -n $rss && $rss -lt 65536 ]] || fail "herald-runner's peak RSS is ${rss:-?} kB"
printf 'ok - herald-runner peak RSS %s kB\n' "$rss"
nothing_left

step "idle exit: herald-runner goes, the socket stays and starts it again"
wait_until 15 bash -c "[[ \$(HERALD_NS_QUIET=1 $HERALD_NS run $NS_PID systemctl show -P ActiveState herald-runner.service) == inactive ]]" ||
        fail "herald-runner did not exit when idle"
printf 'ok - herald-runner exited when idle\n'
assert_eq "$(signed "$(param '{"cmd":"./hello.sh"}')")" 200 "the next request starts it again"

step "root's side unreachable: 500, and the request is not left behind"
# masked: herald-runner.service Wants= the socket, and would start it again
ns_run systemctl stop herald-runner-activate.socket herald-runner-activate.service
ns_run systemctl mask -q --runtime herald-runner-activate.socket
assert_eq "$(signed "$(param '{"cmd":"./hello.sh"}')")" 500 "no herald-runner-activate: 500"
assert_contains "$(body)" "Could not run the job: herald-runner-activate.service cannot be reached" "the text says why"
nothing_left
ns_run systemctl unmask -q --runtime herald-runner-activate.socket
ns_run systemctl start herald-runner-activate.socket
assert_eq "$(signed "$(param '{"cmd":"./hello.sh"}')")" 200 "with it back: 200"

step "no workflow can name the runner executor"
ns_run sh -c 'cat > /run/herald-test/wf.yml' <<'EOF'
trigger:
  t: {type: tick, interval: 60}
router:
  a: {trigger: t, selector: all, task: {x: runner}}
EOF
ns_run taskctl validate /run/herald-test/wf.yml >/dev/null 2>&1 && fail "taskctl validate took executor 'runner'"
printf 'ok - taskctl validate refuses executor runner\n'

step "replay_window: a replayed request is refused"
ns_run sh -c 'printf "replay_window: 300\n" >> /etc/herald/runner.yml'
ns_run systemctl stop herald-runner.service herald-runner-activate.service
b=$(param '{"cmd":"./hello.sh"}')
ts=$(date +%s)
s=$(sig "$ts.$b")
assert_eq "$(post -X POST -H "X-Herald-Signature: $(sig "$b")" --data-binary "$b")" 401 "no timestamp with a window: 401"
assert_eq "$(post -X POST -H "X-Herald-Signature: $s" -H "X-Herald-Timestamp: $ts" --data-binary "$b")" 200 "signed with a timestamp: 200"
assert_eq "$(post -X POST -H "X-Herald-Signature: $s" -H "X-Herald-Timestamp: $ts" --data-binary "$b")" 403 "the same again: 403"
assert_contains "$(body)" "Signature replayed" "the text says so"
old=$((ts - 1000))
assert_eq "$(post -X POST -H "X-Herald-Signature: $(sig "$old.$b")" -H "X-Herald-Timestamp: $old" --data-binary "$b")" 403 "a stale timestamp: 403"
# The seen signatures outlive herald-runner: an idle exit (a stop is the same), a SIGKILL.
ns_run systemctl stop herald-runner.service
assert_eq "$(post -X POST -H "X-Herald-Signature: $s" -H "X-Herald-Timestamp: $ts" --data-binary "$b")" 403 \
        "the same after herald-runner exited and the socket started it again: 403"
assert_contains "$(body)" "Signature replayed" "the text says so"
pid=$(ns_run systemctl show -P MainPID herald-runner.service)
ns_run kill -KILL "$pid"
wait_until 10 bash -c "[[ \$(HERALD_NS_QUIET=1 $HERALD_NS run $NS_PID systemctl show -P MainPID herald-runner.service) != $pid ]]" ||
        fail "herald-runner $pid did not die"
assert_eq "$(post -X POST -H "X-Herald-Signature: $s" -H "X-Herald-Timestamp: $ts" --data-binary "$b")" 403 \
        "the same after a SIGKILL of herald-runner: 403"
assert_eq "$(ns_run stat -c %U:%a /var/lib/herald-runner/replay/replay-cache)" herald-runner:600 \
        "the seen signatures are in herald-runner's StateDirectory, its own"
assert_eq "$(ns_run stat -c %U /var/lib/herald-runner /var/lib/herald-runner/work | sort -u)" root \
        "/var/lib/herald-runner and its work_dir stay root's"
nothing_left

step "herald's http_remote with signed_timestamp: true runs a job on a runner with replay_window"
ns_run sh -c "umask 077 && printf %s '$KEY' > /etc/herald/remote-test.secret"
ns_run sh -c 'cat > /run/herald-test/signed.yml' <<'EOF'
trigger:
  once: {type: tick, interval: 86400}
executor:
  remote: {type: http_remote, host: 'http://127.0.0.1:8124/', secret_file: /etc/herald/remote-test.secret, signed_timestamp: true}
router:
  signed: {trigger: once, selector: all, task: {hello: {executor: remote, job_param: {cmd: ./hello.sh}}}}
EOF
ns_run taskctl apply /run/herald-test/signed.yml >/dev/null
ns_run systemctl start herald-trigger-once.service
# the client's entry (the runner's job, in the same journal, has the same router): by its unit
client_success() {
        HERALD_NS_QUIET=1 $HERALD_NS run $NS_PID journalctl --no-pager -o json MESSAGE_ID=$RESULT_ID HERALD_ROUTER=signed |
                $PY -c 'import json, sys
for l in sys.stdin:
    e = json.loads(l)
    if e.get("HERALD_UNIT", "").startswith("herald-signed-"): print(e["HERALD_SUCCESS"], e.get("HERALD_ERROR", ""))'
}
_client_done() { [[ -n $(client_success) ]]; }
wait_until 30 _client_done ||
        fail "the signed http_remote job left no result entry"
assert_eq "$(client_success)" "true " "the client's job succeeded: the runner took its signed timestamp"
ns_run taskctl apply --remove >/dev/null

step "only root reports results; only herald-runner and root ask for jobs"
out=$(ns_run setpriv --reuid=nobody --regid=nogroup --clear-groups $PY -c '
import socket
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
try:
    s.connect("/run/herald/runner-activate"); print("connected")
except OSError as e:
    print(e.errno)' || true)
assert_eq "$out" 13 "nobody cannot connect to the activate socket (EACCES)"

step "without sockets from systemd, herald-runner listens where its config says"
ns_run systemctl stop herald-runner.socket herald-runner.service
# both a port and a unix socket (Herald Runner listens on both then); and a directory
# result files may also come from, in the config root's side reads (herald-runner's own
# --config is its network side's only)
ns_run sh -c 'cat > /etc/herald/runner-dev.yml' <<'EOF'
host: 127.0.0.1
port: 8125
unix_socket: /run/herald-runner-dev/runner.sock
work_dir: /var/lib/herald-runner/work
EOF
ns_run sh -c 'printf "allow_file_paths: [/var/lib/herald-test-exports]\n" >> /etc/herald/runner.yml'
ns_run systemctl stop herald-runner-activate.service
ns_run mkdir -p /var/lib/herald-test-exports
ns_run sh -c "cat > $RUN/export.sh && chmod 0755 $RUN/export.sh" <<'EOF'
#!/bin/sh
printf exported > /var/lib/herald-test-exports/e.txt
printf '{"file": {"e": "/var/lib/herald-test-exports/e.txt", "s": "/etc/shadow"}}\n'
EOF
ns_run systemd-run -q --unit=runner-dev.service -p Type=notify -p User=herald-runner -p Group=herald-runner \
        -p RuntimeDirectory=herald-runner-dev -p LoadCredential=herald-runner.secret:/etc/herald/runner.secret \
        /usr/local/libexec/herald/herald-runner --config /etc/herald/runner-dev.yml --idle-timeout 0 ||
        fail "herald-runner did not start on its own"
b=$(param '{"cmd":"./hello.sh"}')
code=$(ns_run curl -s -o $T/body -w '%{http_code}' -H "X-Herald-Signature: $(sig "$b")" --data-binary "$b" 127.0.0.1:8125/)
assert_eq "$code" 200 "POST to the port of its config: 200"
assert_eq "$(body)" '{"exit_code":0,"output":"hello from root\n"}' "the same answer"
b=$(param '{"cmd":"./hello.sh"}')
code=$(ns_run curl -s -o $T/body -w '%{http_code}' --unix-socket /run/herald-runner-dev/runner.sock \
        -H "X-Herald-Signature: $(sig "$b")" --data-binary "$b" http://localhost/)
assert_eq "$code" 200 "POST to the unix socket of its config: 200"
assert_eq "$(body)" '{"exit_code":0,"output":"hello from root\n"}' "the same answer over the unix socket"
b=$(param '{"cmd":"./export.sh"}')
code=$(ns_run curl -s -o $T/body -w '%{http_code}' -H "X-Herald-Signature: $(sig "$b")" --data-binary "$b" 127.0.0.1:8125/)
assert_eq "$code" 200 "a job returning a file from allow_file_paths: 200"
ns_run cat $T/body | $PY -c '
import sys, json
body = sys.stdin.buffer.read()
i = body.index(b"{")
res = json.loads(body[i:body.index(b"\r\n", i)])
assert set(res.get("file_refused", {})) == {"s"}, res
assert b"name=\"e\"; filename=\"e.txt\"" in body and b"\r\n\r\nexported\r\n" in body, body[:600]
assert b"root:" not in body
print("ok - allow_file_paths: its file sent, /etc/shadow still refused")' || fail "allow_file_paths"
ns_run systemctl stop runner-dev.service
ns_run systemctl start herald-runner.socket

step "the Herald docs' remote example, unchanged, against this runner behind TLS"
# examples/remote-run.yml points at https://runner.example.com/ with the secret
# yyyyyyyyyyyyyyyy and runs bare commands (hostname, df): the instance is made to match
# it, not the example to match the instance. In its private network namespace
# runner.example.com is 127.0.0.1, where nginx (docs/REMOTE.md's recipe) terminates TLS
# on 443 with a certificate of a CA the instance's system trust store holds, in front of
# herald-runner.socket; the runner has the example's secret and allow_absolute_cmd.
ns_tls_certs $T/tls runner.example.com
ns_run sh -c "cat $T/tls/ca.pem >> /etc/ssl/certs/ca-certificates.crt"
ns_nginx_tls_proxy $T/tls runner.example.com 443 8124
ns_run sh -c "umask 077 && printf %s yyyyyyyyyyyyyyyy > /etc/herald/runner.secret"
ns_run sh -c 'cat > /etc/herald/runner.yml' <<'YAML'
work_dir: /var/lib/herald-runner/work
# the example's cmd are bare names (hostname, df): docs/RUNNER.md, "Commands"
allow_absolute_cmd: true
YAML
ns_run systemctl stop herald-runner.service herald-runner-activate.service
ns_run sh -c 'cat > /etc/herald/workflow.yml' <"$SRC_DIR/examples/remote-run.yml"
ns_run cmp -s /etc/herald/workflow.yml - <"$SRC_DIR/examples/remote-run.yml" || fail "the example was changed on its way"
ns_run taskctl validate /etc/herald/workflow.yml >/dev/null || fail "the example does not validate"
before=$(result_entries)
ns_run taskctl reload >/dev/null
ns_run systemctl start herald-trigger-every_evening.service
routed() { ns_journal MESSAGE_ID=$RESULT_ID "HERALD_ROUTER=$1" -o json; }
at_least() { (($(routed "$1" | wc -l) >= $2)); }
wait_until 60 at_least run_every_evening 4 || fail "not 4 results for run_every_evening: $(routed run_every_evening)"
wait_until 30 at_least print_result 4 || fail "the exe_done chain did not run 4 times"
host=$(ns_run hostname)
{ routed run_every_evening; echo ---; routed print_result; } | $PY -c '
import json, sys
text = sys.stdin.read().split("---\n")
runs = {json.loads(l)["HERALD_TASK"]: json.loads(l) for l in text[0].splitlines()}
prints = [json.loads(l) for l in text[1].splitlines()]
for task in ("hostname", "df_remote", "df_local", "print_param"):
    assert runs[task]["HERALD_SUCCESS"] == "true", runs[task]
h = json.loads(runs["hostname"]["HERALD_RESULT"])
assert h == {"exit_code": 0, "output": sys.argv[1] + "\n"}, h
d = json.loads(runs["df_remote"]["HERALD_RESULT"])
assert d["exit_code"] == 0 and d["output"].startswith("Filesystem") and "Type" in d["output"], d
tps = [json.loads(p["HERALD_PARAM"])["trigger_param"] for p in prints]
seen = {tp["task"]: tp for tp in tps}
assert sorted(seen) == ["df_local", "df_remote", "hostname", "print_param"], seen
assert seen["hostname"]["success"] is True and seen["hostname"]["result"] == h, seen["hostname"]
print("ok - hostname and df ran on the runner; exe_done got their results")' "$host" || fail "the example's results"
assert_eq "$(result_entries)" $((before + 2)) "two runner jobs (hostname, df_remote), each with its result entry"
if ns_run grep -q '\[error\]' $T/tls/nginx/error.log 2>/dev/null; then
        fail "nginx: $(ns_run cat $T/tls/nginx/error.log)"
fi

step "systemd-analyze security"
for unit in herald-runner.service herald-runner-activate.service; do
        out=$(ns_run systemd-analyze security --no-pager $unit)
        score=$(sed -n "s/.*Overall exposure level for $unit: \([0-9.]*\).*/\1/p" <<<"$out")
        [[ -n $score ]] || fail "no exposure level in: $out"
        $PY -c "import sys; sys.exit(0 if float('$score') <= 2.5 else 1)" || fail "$unit: exposure level $score > 2.5"
        printf 'ok - %s: exposure level %s\n' "$unit" "$score"
done
