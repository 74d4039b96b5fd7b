#!/bin/bash
# SPDX-License-Identifier: MIT
# README's first command: install dependencies, build, and run the example workflow
# end to end. When this host's PID 1 is not systemd, a private systemd is booted in
# namespaces (tests/lib/herald-ns) and herald is installed into it; nothing on the host
# changes. Pass --keep to leave the private systemd running afterwards.
set -euo pipefail
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
echo "== waiting 12 s for jobs to run"
sleep 12
echo "== taskctl status"
inside taskctl status --no-pager || true
echo "== taskctl history"
inside taskctl history --no-pager || true
echo "== journalctl of the result entries"
inside journalctl --no-pager -o cat MESSAGE_ID=39d34c102f1d482caf41e75fca8199a7 | tail -n 5
if $keep && [[ -n ${P:-} ]]; then
        echo "The private systemd keeps running: tests/lib/herald-ns run $P taskctl status; stop: tests/lib/herald-ns stop $P"
fi
