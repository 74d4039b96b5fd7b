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
        # --share: a checkout under /tmp (or /var/tmp, /run) stays visible inside
        P=$(HERALD_NS_QUIET=1 tests/lib/herald-ns boot --share "$top")
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

# HTTP triggers and exe_done chains need heraldd and the generator's sockets, so
# this part installs examples/http-chain.yml as the permanent workflow: only inside the
# private systemd, or on a host that has no /etc/herald/workflow.yml of its own.
if [[ -n ${P:-} ]] || [[ ! -e /etc/herald/workflow.yml ]]; then
        echo
        echo "== heraldd: examples/http-chain.yml as /etc/herald/workflow.yml, then taskctl reload"
        inside systemd-sysusers /usr/local/lib/sysusers.d/herald-runner.conf /usr/local/lib/sysusers.d/herald.conf
        inside systemd-tmpfiles --create /usr/local/lib/tmpfiles.d/herald-runner.conf /usr/local/lib/tmpfiles.d/herald.conf --prefix /run/herald --prefix /var/lib/herald
        [[ -n ${P:-} ]] && inside systemd-tmpfiles --create --prefix /run/log/journal   # as on a real system
        inside mkdir -p /etc/herald /var/lib/herald/work/run
        inside install -m 0644 "$top/examples/http-chain.yml" /etc/herald/workflow.yml
        inside taskctl reload
        echo "== curl -X POST -d '{\"clean\":\"old_files\"}' localhost:8123"
        inside curl -sS -X POST -d '{"clean":"old_files"}' localhost:8123
        chained() { inside taskctl history --json --no-pager print_job_result 2>/dev/null | grep -q '"success"'; }
        for _ in $(seq 40); do chained && break; sleep 0.25; done
        echo "== taskctl history clean_on_request print_job_result (the job, then its exe_done chain)"
        inside taskctl history --no-pager clean_on_request || true
        inside taskctl history --no-pager print_job_result || true
        echo "== taskctl logs print_job_result -n 2 (what the chained print job saw)"
        inside taskctl logs print_job_result -n 2 --no-pager || true
fi
if $keep && [[ -n ${P:-} ]]; then
        echo "The private systemd keeps running: tests/lib/herald-ns run $P taskctl status; stop: tests/lib/herald-ns stop $P"
fi
