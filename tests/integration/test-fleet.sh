#!/bin/bash
# SPDX-License-Identifier: MIT
# A fleet on one machine: a central host and three others, each a private systemd in
# its own network namespace, joined to the central one by a veth pair (herald-ns link).
#  - Each host runs its own timer jobs, and a herald-runner on its link address.
#  - The central heraldd takes one HTTP request and runs a job on every host through
#    http_remote (signed, secret_file); each job writes a file that comes back to the
#    central data_dir/<job_id>/<name>/<filename>, and exe_done chains on the results.
#  - Every host sends its journal with systemd-journal-upload to systemd-journal-remote
#    on the central host; 'taskctl history --directory' there shows every host's
#    results (its timer jobs and the runner's jobs), with a HOST column.
# This is the way docs/FLEET.md describes to grow past one machine. About 60 s.
# shellcheck source-path=SCRIPTDIR source=../lib/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/lib.sh"

REMOTE=/lib/systemd/systemd-journal-remote
UPLOAD=/lib/systemd/systemd-journal-upload
REMOTE_DIR=/var/log/journal/remote
command -v ip >/dev/null || skip "needs ip (iproute2)"
[[ -x $REMOTE && -x $UPLOAD ]] || fail "needs systemd-journal-remote (tools/deps.sh installs it)"

step "boot the central host and three more, each joined to it by a veth pair"
ns_boot
C=$NS_PID
ns_install
H=()
for i in 1 2 3; do
        ns_boot
        H[i]=$NS_PID
        ns_install
        "$HERALD_NS" link "$C" "10.77.$i.1/30" "${H[i]}" "10.77.$i.2/30"
done
NS_PID=$C

step "central: systemd-journal-remote on port 19532 (plain HTTP inside the private links)"
ns_run mkdir -p /etc/systemd/system/systemd-journal-remote.service.d
ns_run sh -c "printf '[Service]\nExecStart=\nExecStart=$REMOTE --listen-http=-3 --output=$REMOTE_DIR/\n' \
        > /etc/systemd/system/systemd-journal-remote.service.d/http.conf"
ns_run systemctl daemon-reload
ns_run systemctl start systemd-journal-remote.socket
assert_eq "$(ns_run systemctl show -P ActiveState systemd-journal-remote.socket)" active "the central host listens"

step "every host: a timer workflow, a job run, its journal uploaded"
for i in 1 2 3; do
        h=${H[i]}
        ns_run_in "$h" systemd-tmpfiles --create --prefix /run/log/journal    # the journal's group, as at boot
        ns_run_in "$h" mkdir -p /etc/herald /var/lib/herald-fleet
        ns_run_in "$h" sh -c 'cat > /etc/herald/workflow.yml' <<'YML'
trigger:
  nightly: {type: cron, cron: '0 3 * * *'}
executor:
  sh: {type: local, work_dir: /var/lib/herald-fleet}
router:
  backup:
    trigger: nightly
    selector: all
    task:
      dump: {executor: sh, job_param: {cmd: hostname}}
      note: print
YML
        ns_run_in "$h" taskctl reload >/dev/null
        ns_run_in "$h" systemctl start herald-trigger-nightly.service
        ns_run_in "$h" sh -c "printf '[Upload]\nURL=http://10.77.$i.1:19532\n' > /etc/systemd/journal-upload.conf"
        ns_run_in "$h" systemctl start systemd-journal-upload.service
done
names=()
for i in 1 2 3; do
        names[i]=$(ns_run_in "${H[i]}" hostname)
done

step "every host: herald-runner on its link address, the fleet's key from a root-only file"
KEY=fleet-k3y-$RANDOM$RANDOM
for i in 1 2 3; do
        h=${H[i]}
        ns_run_in "$h" mount --make-rshared /     # LoadCredential= needs shared propagation
        ns_run_in "$h" systemd-sysusers /usr/local/lib/sysusers.d/herald-runner.conf /usr/local/lib/sysusers.d/herald.conf
        ns_run_in "$h" systemd-tmpfiles --create /usr/local/lib/tmpfiles.d/herald-runner.conf /usr/local/lib/tmpfiles.d/herald.conf
        ns_run_in "$h" sh -c "umask 077 && printf %s '$KEY' > /etc/herald/runner.secret"
        ns_run_in "$h" sh -c 'printf "work_dir: /var/lib/herald-runner/work\n" > /etc/herald/runner.yml'
        ns_run_in "$h" mkdir -p /var/lib/herald-runner/work/run /etc/systemd/system/herald-runner.socket.d
        ns_run_in "$h" sh -c "printf '[Socket]\nListenStream=\nListenStream=10.77.$i.2:8124\n' \
                > /etc/systemd/system/herald-runner.socket.d/fleet.conf"
        ns_run_in "$h" sh -c 'cat > /var/lib/herald-runner/work/run/backup.sh && chmod 0755 /var/lib/herald-runner/work/run/backup.sh' <<'EOF'
#!/bin/sh
# a "backup" of this host: a file named after it, returned to the central host
hostname > dump.txt
printf '{"host": "%s", "file": {"dump": "dump.txt"}}\n' "$(hostname)"
EOF
        ns_run_in "$h" systemctl daemon-reload
        ns_run_in "$h" systemctl start herald-runner.socket herald-runner-activate.socket
done

step "central: heraldd runs one job on every host through http_remote, files come back"
ns_run mount --make-rshared /
ns_run systemd-sysusers /usr/local/lib/sysusers.d/herald-runner.conf /usr/local/lib/sysusers.d/herald.conf
ns_run systemd-tmpfiles --create /usr/local/lib/tmpfiles.d/herald-runner.conf /usr/local/lib/tmpfiles.d/herald.conf
ns_run systemd-tmpfiles --create --prefix /run/log/journal
ns_run mkdir -p /etc/herald /var/lib/herald/fleet-data
ns_run sh -c "umask 077 && printf %s '$KEY' > /etc/herald/fleet.secret"
{
        printf 'trigger:\n  fleet: {type: http, host: 127.0.0.1, port: 8123}\nexecutor:\n'
        for i in 1 2 3; do
                printf '  host%d: {type: http_remote, host: "http://10.77.%d.2:8124/", secret_file: /etc/herald/fleet.secret, data_dir: /var/lib/herald/fleet-data}\n' "$i" "$i"
        done
        printf 'router:\n  backups:\n    trigger: fleet\n    selector: all\n    task:\n'
        for i in 1 2 3; do
                printf '      host%d: {executor: host%d, job_param: {cmd: ./backup.sh}}\n' "$i" "$i"
        done
        printf '  collected:\n    trigger: exe_done\n    selector: match_map\n    select_param: {match_key: router, match_value: backups}\n    task: {note: print}\n'
} | ns_run sh -c 'cat > /etc/herald/workflow.yml'
ns_run taskctl reload >/dev/null
assert_eq "$(ns_run curl -s -X POST -d '{"why":"nightly"}' 127.0.0.1:8123)" "Request param received and trigger activated" \
        "heraldd accepts the request"
fleet_done() {
        [[ $(ns_run taskctl history --no-pager --json backups 2>/dev/null | python3 -c '
import json, sys
print(len(json.load(sys.stdin)))') == 3 ]]
}
wait_until 60 fleet_done || { ns_run taskctl history --no-pager backups >&2 || true; fail "not every remote job ended"; }
json=$(ns_run taskctl history --no-pager --json backups)
for i in 1 2 3; do
        row=$(python3 -c '
import json, sys
r = [r for r in json.loads(sys.argv[1]) if r["task"] == "host" + sys.argv[2]][0]
print(r["success"], r["result"].get("host"), r["job_id"], r["result"].get("file", {}).get("dump"))' "$json" "$i")
        read -r ok host job path <<<"$row"
        assert_eq "$ok $host" "True ${names[i]}" "backups/host$i: succeeded on ${names[i]}"
        assert_eq "$path" "/var/lib/herald/fleet-data/$job/dump/dump.txt" "backups/host$i: its file at data_dir/<job_id>/<name>/<filename>"
        assert_eq "$(ns_run cat "$path")" "${names[i]}" "backups/host$i: the file came back whole"
done
chained() { [[ $(ns_run taskctl history --no-pager --json collected 2>/dev/null | python3 -c 'import json, sys; print(len(json.load(sys.stdin)))') == 3 ]]; }
wait_until 30 chained || fail "exe_done did not chain on the three remote results"
printf 'ok - exe_done chained on each remote result\n'

step "central: taskctl history --directory $REMOTE_DIR shows every host's results"
# shellcheck disable=SC2016  # for python
all_in() {
        ns_run taskctl history --no-pager --json --directory "$REMOTE_DIR" 2>/dev/null | python3 -c '
import json, sys
rs = json.load(sys.stdin)
want = set(sys.argv[1:])
got = {(r["hostname"], r["task"]) for r in rs if r["success"]}
sys.exit(0 if {(h, t) for h in want for t in ("dump", "note")} <= got else 1)' "${names[@]:1}"
}
wait_until 60 all_in || {
        ns_run taskctl history --no-pager --directory "$REMOTE_DIR" >&2 || true
        fail "not every host's two results reached the central host"
}
printf 'ok - the results of %s reached the central host\n' "${names[*]:1}"
runner_jobs() {
        ns_run taskctl history --no-pager --json --directory "$REMOTE_DIR" 2>/dev/null | python3 -c '
import json, sys
hosts = {r["hostname"] for r in json.load(sys.stdin) if (r.get("unit") or "").startswith("herald-runner-job@") and r["success"]}
sys.exit(0 if set(sys.argv[1:]) <= hosts else 1)' "${names[@]:1}"
}
wait_until 30 runner_jobs || fail "the runner jobs' results did not reach the central host"
printf 'ok - each runner job'"'"'s result entry, in its own host'"'"'s journal, reached the central host too\n'
json=$(ns_run taskctl history --no-pager --json --directory "$REMOTE_DIR" backup)
out=$(python3 -c '
import json, sys
for r in json.loads(sys.argv[1]):
    if r["task"] == "dump":
        print(r["hostname"], r["result"]["output"].strip())' "$json" | sort -u)
for i in 1 2 3; do
        assert_contains "$out" "${names[i]} ${names[i]}" "${names[i]}: its dump job ran there (its output is its hostname)"
done
assert_contains "$(ns_run script -qc "taskctl history --no-pager --directory $REMOTE_DIR" /dev/null)" "HOST" \
        "the table on a terminal has a HOST column"
step "ok"
