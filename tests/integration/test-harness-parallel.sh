#!/bin/bash
# SPDX-License-Identifier: MIT
# Two instances at once are isolated from each other: own hostname, machine-id,
# unit namespace, network namespace (both listen on 127.0.0.1:8080).
# shellcheck source-path=SCRIPTDIR source=../lib/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/lib.sh"

before=$(host_mounts)

ns_boot_many 2
a=${NS_PIDS[0]} b=${NS_PIDS[1]}
[[ $a != "$b" ]] || fail "both boots returned PID $a"

step "identity"
host_a=$(ns_run_in "$a" hostname)
host_b=$(ns_run_in "$b" hostname)
[[ $host_a != "$host_b" ]] || fail "both instances are called $host_a"
[[ $host_a != "$(hostname)" ]] || fail "instance has the host's hostname"
printf 'ok - hostnames differ: %s %s\n' "$host_a" "$host_b"
mid_a=$(ns_run_in "$a" cat /etc/machine-id)
mid_b=$(ns_run_in "$b" cat /etc/machine-id)
[[ $mid_a =~ ^[0-9a-f]{32}$ && $mid_b =~ ^[0-9a-f]{32}$ ]] || fail "bad machine-ids '$mid_a' '$mid_b'"
[[ $mid_a != "$mid_b" && $mid_a != "$(cat /etc/machine-id)" ]] || fail "machine-ids are not per instance"
printf 'ok - machine-ids differ\n'
assert_eq "$(ns_run_in "$a" journalctl --no-pager -q -n1 -o export | sed -n 's/^_MACHINE_ID=//p')" "$mid_a" \
  "journal of A is stamped with A's machine-id"

step "same unit names, same TCP port, in both"
for p in "$a" "$b"; do
  ns_run_in "$p" sh -c 'cat >/run/systemd/system/hns-who.socket <<EOF
[Socket]
ListenStream=127.0.0.1:8080
Accept=yes
EOF
cat >/run/systemd/system/hns-who@.service <<EOF
[Service]
ExecStart=/bin/cat /etc/hostname
StandardInput=socket
StandardOutput=socket
EOF
systemctl daemon-reload && systemctl start hns-who.socket'
  assert_eq "$(ns_run_in "$p" systemctl show -P ActiveState hns-who.socket)" active "socket on 127.0.0.1:8080 listens in $p"
  ns_run_in "$p" systemd-run --quiet --unit=hns-same /bin/sleep infinity
done
for p in "$a" "$b"; do
  want=$([[ $p == "$a" ]] && echo "$host_a" || echo "$host_b")
  # shellcheck disable=SC2016  # runs inside
  got=$(ns_run_in "$p" bash -c 'exec 3<>/dev/tcp/127.0.0.1/8080 && cat <&3')
  assert_eq "$got" "$want" "127.0.0.1:8080 in $p answers with its own hostname"
  assert_eq "$(ns_run_in "$p" systemctl show -P ActiveState hns-same.service)" active "hns-same.service runs in $p"
done
if got=$(timeout 2 bash -c 'exec 3<>/dev/tcp/127.0.0.1/8080 && cat <&3' 2>/dev/null); then
  [[ $got != "$host_a" && $got != "$host_b" ]] || fail "an instance's port 8080 is reachable from the host"
fi
printf 'ok - the instances'"'"' port 8080 is not the host'"'"'s\n'

step "processes and files are separate"
ns_run_in "$a" sh -c 'echo from-a >/run/hns-mark; echo from-a >/tmp/hns-mark'
ns_run_in "$b" test ! -e /run/hns-mark || fail "B sees A's /run"
ns_run_in "$b" test ! -e /tmp/hns-mark || fail "B sees A's /tmp"
[[ ! -e /tmp/hns-mark ]] || fail "A's /tmp write reached the host"
ns_run_in "$a" systemd-run --quiet --unit=hns-only-a /bin/sleep 4242
wait_until 5 ns_run_in "$a" pgrep -f '^/bin/sleep 4242$' >/dev/null || fail "A does not see its own process"
! ns_run_in "$b" pgrep -f '^/bin/sleep 4242$' >/dev/null || fail "B sees A's process"
assert_eq "$(ns_run_in "$b" systemctl show -P LoadState hns-only-a.service)" not-found "B does not know A's unit"
printf 'ok - /run, /tmp, processes and units are per instance\n'

step "stopping one leaves the other alone"
ns_stop "$a" --kill
state=$(ns_run_in "$b" systemctl is-system-running || true)
[[ $state == running || $state == degraded ]] || fail "B is '$state' after A was killed"
assert_eq "$(ns_run_in "$b" bash -c 'exec 3<>/dev/tcp/127.0.0.1/8080 && cat <&3')" "$host_b" "B still serves"
ns_stop "$b"
assert_eq "$(host_mounts)" "$before" "host mount table is as before"
