#!/bin/bash
# SPDX-License-Identifier: MIT
# README's first command: install dependencies, build, and run the example workflow
# end to end. When this host's PID 1 is not systemd, a private systemd is booted in
# namespaces (tests/lib/herald-ns) and herald is installed into it; nothing on the host
# changes. Pass --keep to leave the private systemd running afterwards.
set -euo pipefail
# Root installs packages and boots a private systemd: ask sudo when there is one.
if ((EUID != 0)); then
        command -v sudo >/dev/null && exec sudo "$0" "$@"
        echo "$0: must run as root (it installs packages and boots a private systemd)" >&2
        exit 1
fi
cd "$(dirname "$0")/.."
top=$PWD
keep=false
[[ ${1:-} == --keep ]] && keep=true
workflow=${WORKFLOW:-examples/demo.yml}

bash tools/deps.sh
[[ -d build ]] || meson setup build >/dev/null
ninja -C build

echo "== taskctl validate examples/*.yml"
./build/taskctl validate examples/*.yml || true
echo
echo "== the units of $workflow"
./build/taskctl plan "$workflow" | head -n 40

inside() { "$@"; }
if [[ ! -d /run/systemd/system ]]; then
        P=$(HERALD_NS_QUIET=1 tests/lib/herald-ns boot)
        $keep || trap 'tests/lib/herald-ns stop "$P" >/dev/null' EXIT
        inside() { tests/lib/herald-ns run "$P" "$@"; }
        echo "== booted a private systemd (host PID $P)"
fi
inside meson install -C "$top/build" --no-rebuild --quiet
inside systemctl daemon-reload
inside taskctl apply "$top/$workflow"
routers=$(./build/taskctl plan --json "$workflow" | python3 -c '
import json, sys
print(" ".join(sorted({r["router"] for r in json.load(sys.stdin)["routes"] if r["trigger"] != "exe_done"})))')
echo "== waiting (at most 40 s) until every router has run: $routers"
all_ran() {
        inside taskctl history --json --no-pager 2>/dev/null | python3 -c '
import json, sys
ran = {r["router"] for r in json.load(sys.stdin)}
sys.exit(0 if set(sys.argv[1:]) <= ran else 1)' $routers
}
for _ in $(seq 80); do all_ran && break; sleep 0.5; done
all_ran || echo "(not every router has run yet)"
echo
echo "== taskctl status"
inside taskctl status --no-pager || true
echo
echo "== taskctl history"
inside taskctl history --no-pager || true
echo
echo "== taskctl logs uptime_every5s -n 2 (the job's own output)"
inside taskctl logs uptime_every5s -n 2 --no-pager || true
echo
echo "== the result entries in the journal (journalctl MESSAGE_ID=39d34c102f1d482caf41e75fca8199a7)"
inside journalctl --no-pager -o cat MESSAGE_ID=39d34c102f1d482caf41e75fca8199a7 | tail -n 5
if $keep && [[ -n ${P:-} ]]; then
        echo "The private systemd keeps running: tests/lib/herald-ns run $P taskctl status; stop: tests/lib/herald-ns stop $P"
fi
