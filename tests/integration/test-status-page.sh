#!/bin/bash
# SPDX-License-Identifier: MIT
# heraldd's status page and /metrics in a booted systemd, looked at as a user would: in
# headless Chromium (Debian's chromium, tools/deps.sh status).
#  - herald-status.socket (off by default) enabled; four jobs run through an http
#    trigger: one succeeds, one fails, one prints a line with <script>alert(1)</script>,
#    one sleeps (the running table, herald_jobs_running);
#  - the page rendered by Chromium (--dump-dom): router names, the failed run marked
#    failed, the <script> line shown as text on the run's page, no script element; a
#    screenshot kept in the test's log directory (printed);
#  - read-only: POST 405 with Allow, HEAD, 404, the Content-Security-Policy;
#  - /metrics: OpenMetrics (Accept) checked by prometheus_client's strict parser and by
#    the rules below, the 0.0.4 text by 'promtool check metrics'; the runs, the queue and
#    a rejected request (405 on the trigger) counted;
#  - heraldd (user herald) reads the journal, and its sandbox still scores <= 2.5.
# shellcheck source-path=SCRIPTDIR source=../lib/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/lib.sh"

PY=/usr/bin/python3
[[ -x $PY ]] || skip "needs $PY"
command -v curl >/dev/null || skip "needs curl"
# What the test needs beyond the build's: installed when missing. Chromium is what the
# test is about: skipped only when it cannot be installed at all.
if ! command -v chromium >/dev/null || ! command -v promtool >/dev/null ||
        ! $PY -c 'import prometheus_client.openmetrics.parser' 2>/dev/null; then
        bash "$SRC_DIR/tools/deps.sh" status >/dev/null 2>&1 || true
fi
command -v chromium >/dev/null || skip "chromium cannot be installed here (tools/deps.sh status)"
command -v promtool >/dev/null || fail "promtool is missing (tools/deps.sh status installs prometheus)"
$PY -c 'import prometheus_client.openmetrics.parser' 2>/dev/null ||
        fail "python3-prometheus-client is missing (tools/deps.sh status)"
[[ -x $BUILD_DIR/src/heraldd/heraldd ]] || fail "$BUILD_DIR/src/heraldd/heraldd is not built"

LOG_DIR=$BUILD_DIR/meson-logs/test-status-page
rm -rf "$LOG_DIR"
mkdir -p "$LOG_DIR"

ns_boot
ns_install
ns_run systemd-tmpfiles --create --prefix /run/log/journal --prefix /var/log/journal
ns_run systemd-sysusers /usr/local/lib/sysusers.d/herald-runner.conf /usr/local/lib/sysusers.d/herald.conf
ns_run systemd-tmpfiles --create /usr/local/lib/tmpfiles.d/herald-runner.conf /usr/local/lib/tmpfiles.d/herald.conf
ns_run mkdir -p /etc/herald /var/lib/herald-test

ns_run sh -c 'cat > /etc/herald/workflow.yml' <<'YML'
trigger:
  web:
    type: http
    host: 127.0.0.1
    port: 8131
  hourly:
    type: tick
    interval: 3600
executor:
  sh:
    type: local
    work_dir: /var/lib/herald-test
router:
  good_router:
    trigger: web
    selector: all
    task:
      greet: sh
    job_param:
      cmd: sh
      arg: ['-c', 'echo all is well']
  bad_router:
    trigger: web
    selector: all
    task:
      break: sh
    job_param:
      cmd: sh
      arg: ['-c', 'echo about to fail; exit 3']
  xss_router:
    trigger: web
    selector: all
    task:
      inject: sh
    job_param:
      cmd: sh
      arg: ['-c', 'echo "<script>alert(1)</script> & <b>bold</b>"']
  slow_router:
    trigger: web
    selector: all
    task:
      nap: sh
    job_param:
      cmd: sleep
      arg: ['600']
  timed_router:
    trigger: hourly
    selector: all
    task:
      tick: sh
    job_param:
      cmd: 'true'
YML
ns_run taskctl validate /etc/herald/workflow.yml >/dev/null || fail "the workflow does not validate"
ns_run taskctl reload >/dev/null

step "off by default, loopback when enabled"
assert_eq "$(ns_run systemctl is-enabled herald-status.socket || true)" disabled "herald-status.socket is not enabled"
ns_run systemctl enable --now herald-status.socket
assert_eq "$(ns_run systemctl show -P Listen herald-status.socket)" "127.0.0.1:9180 (Stream)" "it listens on loopback"

step "four jobs: one succeeds, one fails, one prints <script>, one keeps running"
code=$(ns_run curl -s -o /dev/null -w '%{http_code}' -X POST -d '{}' 127.0.0.1:8131)
assert_eq "$code" 200 "the trigger fired"
# one rejected request for the metrics: a GET on the trigger (405)
assert_eq "$(ns_run curl -s -o /dev/null -w '%{http_code}' 127.0.0.1:8131)" 405 "GET on the trigger is refused"
results() { ns_run taskctl history --json 2>/dev/null | $PY -c 'import json,sys; print(len(json.load(sys.stdin)))'; }
three_results() { [[ $(results) -ge 3 ]]; }
wait_until 30 three_results || fail "the three jobs did not all finish"

step "read-only, no script: the HTTP side"
hdrs=$(ns_run curl -s -D - -o /dev/null 127.0.0.1:9180/)
assert_contains "$hdrs" "HTTP/1.1 200" "GET / is 200"
assert_contains "$hdrs" "Content-Type: text/html; charset=utf-8" "HTML"
assert_contains "$hdrs" "Content-Security-Policy: default-src 'none'; style-src 'self'" "a policy without script"
hdrs=$(ns_run curl -s -D - -o /dev/null -X POST -d x 127.0.0.1:9180/)
assert_contains "$hdrs" "HTTP/1.1 405" "POST is 405"
assert_contains "$hdrs" "Allow: GET, HEAD" "with Allow"
assert_eq "$(ns_run curl -s -o /dev/null -w '%{http_code}' -X DELETE 127.0.0.1:9180/)" 405 "DELETE is 405"
assert_eq "$(ns_run curl -s -o /dev/null -w '%{http_code}' -I 127.0.0.1:9180/)" 200 "HEAD is 200"
assert_eq "$(ns_run curl -s -o /dev/null -w '%{http_code}' 127.0.0.1:9180/nothing)" 404 "an unknown path is 404"
assert_eq "$(ns_run curl -s -o /dev/null -w '%{http_code}' '127.0.0.1:9180/job/..%2f..%2fetc')" 404 "a job id that is no id is 404"
assert_eq "$(ns_run curl -s -o /dev/null -w '%{http_code}' 127.0.0.1:9180/style.css)" 200 "the style sheet"
assert_contains "$(ns_run systemctl show -P SupplementaryGroups heraldd.service)" systemd-journal "heraldd may read the journal (SupplementaryGroups=)"

# Chromium in the instance (its loopback), as root: --no-sandbox. Its files in a
# directory of its own; the DOM and the screenshot are written to the shared build dir.
chrome() {
        ns_run env HOME=/tmp/chromium-home chromium --headless=new --no-sandbox --disable-gpu \
                --disable-dev-shm-usage --no-first-run --user-data-dir=/tmp/chromium-profile \
                --window-size=1280,900 "$@" 2>>"$LOG_DIR/chromium.log"
}
ns_run mkdir -p /tmp/chromium-home /tmp/chromium-profile

step "the page in Chromium"
chrome --dump-dom http://127.0.0.1:9180/ >"$LOG_DIR/index.html" || fail "chromium --dump-dom failed (see $LOG_DIR/chromium.log)"
chrome --screenshot="$LOG_DIR/status.png" http://127.0.0.1:9180/ >/dev/null || fail "chromium --screenshot failed"
[[ -s $LOG_DIR/status.png ]] || fail "no screenshot"
printf 'Screenshot: %s\n' "$LOG_DIR/status.png"

# Asserts on the DOM as Chromium built it (parsed again here with html.parser).
$PY - "$LOG_DIR/index.html" <<'PYEOF' || fail "the rendered page is not as expected (see $LOG_DIR/index.html)"
import sys
from html.parser import HTMLParser

class Dom(HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack, self.rows, self.scripts, self.row = [], {}, 0, None
        self.table = None
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script":
            self.scripts += 1
        if tag == "table":
            self.table = a.get("id")
        if tag == "tr":
            self.row = {"class": a.get("class", ""), "cells": [], "table": self.table}
        if tag == "td" and self.row is not None:
            self.row["cells"].append({"class": a.get("class", ""), "text": ""})
        self.stack.append(tag)
    def handle_endtag(self, tag):
        if tag == "tr" and self.row is not None:
            self.rows.setdefault(self.row["table"], []).append(self.row)
            self.row = None
    def handle_data(self, data):
        if self.row is not None and self.row["cells"]:
            self.row["cells"][-1]["text"] += data

d = Dom()
d.feed(open(sys.argv[1]).read())
assert d.scripts == 0, "a script element in the page"
routers = {r["cells"][0]["text"]: r for r in d.rows.get("routers", []) if r["cells"]}
for name in ("good_router", "bad_router", "xss_router", "slow_router", "timed_router"):
    assert name in routers, f"router {name} not listed: {list(routers)}"
last = lambda n: routers[n]["cells"][4]
assert "failed" in last("bad_router")["class"].split(), f"bad_router's last run not marked failed: {last('bad_router')}"
assert "success" in last("good_router")["class"].split(), last("good_router")
next_timed = routers["timed_router"]["cells"][2]["text"]
assert next_timed[:3] in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"), f"the timer's next firing: {next_timed!r}"
assert routers["good_router"]["cells"][2]["text"].startswith("on request"), routers["good_router"]["cells"][2]
runs = [r for r in d.rows.get("runs", []) if r["cells"]]
failed = [r for r in runs if "failed" in r["class"].split()]
assert len(failed) == 1 and failed[0]["cells"][1]["text"] == "bad_router", f"failed runs: {failed}"
assert failed[0]["cells"][3]["text"] == "failed" and "failed" in failed[0]["cells"][3]["class"].split()
assert failed[0]["cells"][4]["text"] == "3", f"exit code: {failed[0]['cells'][4]}"
running = [r for r in d.rows.get("jobs", []) if r["cells"]]
assert [r["cells"][0]["text"] for r in running] == ["slow_router"], f"running: {running}"
assert running[0]["cells"][2]["text"] == "running" and running[0]["cells"][1]["text"].startswith("herald-slow_router-nap@")
assert routers["slow_router"]["cells"][4]["text"] == "\u2014", "slow_router has no last run yet"
print("index ok:", len(runs), "runs,", len(running), "running")
PYEOF

step "a run's output in Chromium: <script> shown as text"
xss_job=$(ns_run taskctl history --json xss_router | $PY -c 'import json,sys; print(json.load(sys.stdin)[-1]["job_id"])')
chrome --dump-dom "http://127.0.0.1:9180/job/$xss_job" >"$LOG_DIR/job.html" || fail "chromium --dump-dom of the job page failed"
chrome --screenshot="$LOG_DIR/job.png" "http://127.0.0.1:9180/job/$xss_job" >/dev/null || true
$PY - "$LOG_DIR/job.html" <<'PYEOF' || fail "the job page is not as expected (see $LOG_DIR/job.html)"
import sys
from html.parser import HTMLParser

class Dom(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.output, self.inside = [], "", 0
    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "pre" and dict(attrs).get("id") == "output":
            self.inside = 1
    def handle_endtag(self, tag):
        if tag == "pre":
            self.inside = 0
    def handle_data(self, data):
        if self.inside:
            self.output += data

d = Dom()
d.feed(open(sys.argv[1]).read())
assert "script" not in d.tags, "a script element on the job page"
assert "b" not in d.tags, "the job's <b> became an element"
assert "<script>alert(1)</script> & <b>bold</b>" in d.output, f"the line is not shown as text: {d.output!r}"
print("job page ok")
PYEOF
# and as the server sent it: escaped, never raw
raw=$(ns_run curl -s "127.0.0.1:9180/job/$xss_job")
assert_contains "$raw" "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" "escaped in the HTML"
assert_not_contains "$raw" "<script" "no script tag in the HTML"

step "/metrics: OpenMetrics and the 0.0.4 text"
ns_run curl -s -D "/tmp/om.headers" -H 'Accept: application/openmetrics-text; version=1.0.0,text/plain;q=0.5' \
        127.0.0.1:9180/metrics >"$LOG_DIR/metrics.om"
assert_contains "$(ns_run cat /tmp/om.headers)" "Content-Type: application/openmetrics-text; version=1.0.0; charset=utf-8" "OpenMetrics content type"
ns_run curl -s 127.0.0.1:9180/metrics >"$LOG_DIR/metrics.txt"
promtool check metrics <"$LOG_DIR/metrics.txt" || fail "promtool check metrics refuses the text format ($LOG_DIR/metrics.txt)"
$PY - "$LOG_DIR/metrics.om" <<'PYEOF' || fail "the OpenMetrics text is not as expected ($LOG_DIR/metrics.om)"
import sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families

text = open(sys.argv[1]).read()
# strict rules beyond the parser's: one # EOF, last, newline-terminated; no blank line
assert text.endswith("# EOF\n") and text.count("# EOF") == 1, "no final # EOF"
assert "\n\n" not in text, "a blank line"
fams = {f.name: f for f in text_string_to_metric_families(text)}   # raises on any error
def value(fam, suffix="", **labels):
    for s in fams[fam].samples:
        if s.name == fam + suffix and all(s.labels.get(k) == v for k, v in labels.items()):
            return s.value
    raise AssertionError(f"no sample {fam}{suffix} {labels}")
assert fams["herald_runs"].type == "counter"
assert value("herald_runs", "_total", router="bad_router", task="break", result="failed") == 1
assert value("herald_runs", "_total", router="bad_router", task="break", result="success") == 0
assert value("herald_runs", "_total", router="good_router", task="greet", result="success") == 1
assert value("herald_runs", "_total", router="xss_router", task="inject", result="success") == 1
h = fams["herald_run_duration_seconds"]
assert h.type == "histogram" and h.unit == "seconds"
assert value("herald_run_duration_seconds", "_count", router="good_router") == 1
assert value("herald_run_duration_seconds", "_bucket", router="good_router", le="+Inf") == 1
assert fams["herald_jobs_running"].type == "gauge" and value("herald_jobs_running") == 1, "slow_router's job runs"
for g in ("herald_jobs_queued", "herald_jobs_starting"):
    assert fams[g].type == "gauge" and value(g) == 0, g
assert value("herald_http_rejected", "_total", trigger="web", reason="method") == 1
assert value("herald_http_rejected", "_total", trigger="web", reason="too_large") == 0
assert value("herald_journal_readable") == 1
print("openmetrics ok:", len(fams), "families")
PYEOF

step "development mode: heraldd --workflow --status-listen binds by itself"
ns_run sh -c 'cat > /tmp/dev.yml' <<'YML'
trigger:
  every_minute:
    type: tick
    interval: 60
executor:
  p:
    type: print
router:
  dev_router:
    trigger: every_minute
    selector: all
    task:
      say: p
YML
ns_run setsid -f sh -c 'echo $$ > /tmp/dev.pid; exec /usr/local/libexec/herald/heraldd --workflow /tmp/dev.yml \
        --state-dir /tmp/dev-state --idle-timeout 0 --status-listen 127.0.0.1:9181' </dev/null >/dev/null 2>&1
dev_up() { ns_run curl -sf -o /dev/null 127.0.0.1:9181/; }
wait_until 10 dev_up || fail "heraldd --status-listen 127.0.0.1:9181 does not answer"
assert_contains "$(ns_run curl -s 127.0.0.1:9181/)" '<td class="router">dev_router</td>' "its page lists the dev workflow's router"
# shellcheck disable=SC2016  # expanded in the instance
ns_run sh -c 'kill "$(cat /tmp/dev.pid)"' || fail "could not stop the dev heraldd"
out=$(ns_run /usr/local/libexec/herald/heraldd --workflow /tmp/dev.yml --state-dir /tmp/dev-state \
        --status-listen 127.0.0.1:99999 2>&1) && fail "a port beyond 65535 was taken"
assert_contains "$out" "port 99999 is out of range" "a bad --status-listen is refused"

step "heraldd's sandbox"
exposure=$(ns_run systemd-analyze security --no-pager heraldd.service | sed -n 's/.*Overall exposure level for heraldd.service: \([0-9.]*\).*/\1/p')
[[ -n $exposure ]] || fail "no exposure level from systemd-analyze security"
$PY -c "import sys; sys.exit(0 if float('$exposure') <= 2.5 else 1)" || fail "heraldd's exposure is $exposure (> 2.5)"
printf 'heraldd exposure: %s\n' "$exposure"
printf 'Screenshots: %s/status.png %s/job.png\n' "$LOG_DIR" "$LOG_DIR"
