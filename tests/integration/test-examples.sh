#!/bin/bash
# SPDX-License-Identifier: MIT
# Every example validates, and a broken file reports every error with file:line:column.
. "$(dirname "${BASH_SOURCE[0]}")/../lib/lib.sh"
taskctl=$BUILD_DIR/taskctl

"$taskctl" validate "$SRC_DIR"/examples/*.yml || fail "an example does not validate"
out=$("$taskctl" validate "$SRC_DIR/tests/integration/broken.yml" 2>&1) && fail "broken.yml validated"
for want in "broken.yml:4:5: warning" "did you mean 'interval'?" "broken.yml:7:14: error" "broken.yml:11:11: error" \
            "broken.yml:18:15: error" "broken.yml:22:12: error" 'write cmd: "true"' "broken.yml:25:15: error" "endless loop"; do
        assert_contains "$out" "$want" "diagnostic '$want'"
done
{ "$taskctl" validate --json "$SRC_DIR/tests/integration/broken.yml" || true; } | python3 -c '
import json, sys
d = json.load(sys.stdin)[0]
assert d["valid"] is False and d["errors"] == 5, d
assert all(x["line"] > 0 and x["column"] > 0 for x in d["diagnostics"] if x["level"] == "error"), d' || fail "validate --json"
rc=0; "$taskctl" validate 2>/dev/null || rc=$?
assert_eq "$rc" 2 "no file is a usage error"
"$taskctl" plan --json "$SRC_DIR/examples/uptime-cron.yml" | python3 -c '
import json, sys
p = json.load(sys.stdin)
names = [u["name"] for u in p["units"]]
assert "herald-trigger-wednesday_morning.timer" in names, names
assert any(r["router"] == "print_result" and r["trigger"] == "exe_done" for r in p["routes"]), p["routes"]
kinds = {u["name"]: (u["kind"], u["installed"]) for u in p["units"]}
assert kinds["heraldd-notify.socket"] == ("notify-socket", True), kinds' || fail "plan --json"
"$taskctl" plan --json "$SRC_DIR/examples/manual-http.yml" | python3 -c '
import json, sys
p = json.load(sys.stdin)
units = {u["name"]: u for u in p["units"]}
s = units["herald-trigger-manual.socket"]
assert s["installed"] and s["kind"] == "socket" and s["wanted_by"] == "sockets.target", s
props = {(x["key"], x.get("value")) for x in s["properties"]}
assert ("ListenStream", "127.0.0.1:8123") in props and ("FileDescriptorName", "manual") in props, props
assert ("Service", "heraldd.service") in props, props
a = units["herald-activate.socket"]
assert a["installed"] and a["kind"] == "activate-socket" and a["wanted_by"] == "sockets.target", a
t = units["herald-clean_on_request-clean@.service"]
assert t["installed"] and t["kind"] == "job-template", t
assert not any(x["key"] == "ExecStartPre" for x in t["properties"]), t
assert not any(u["kind"] == "job" for u in p["units"]), "every job is a template instance"' \
        || fail "plan --json of an http workflow"
step "ok"
