#!/bin/bash
# SPDX-License-Identifier: MIT
# A fleet on one machine: a central host and three others, each a private systemd in
# its own network namespace, joined to the central one by a veth pair (herald-ns link).
# Each host runs its herald jobs and sends its journal with systemd-journal-upload to
# systemd-journal-remote on the central host; 'taskctl history --directory' there shows
# every host's results, with a HOST column. This is the way docs/FLEET.md describes to
# grow past one machine.
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
