# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# lib.sh: helpers for herald's integration tests. Source it first thing:
#
#   . "$(dirname "${BASH_SOURCE[0]}")/../lib/lib.sh"
#   ns_boot                        # skips (exit 77) when this machine cannot
#   ns_install                     # meson install + daemon-reload, inside
#   assert_eq "$(ns_run systemctl show -P ActiveState foo.service)" active "foo runs"
#
# Sourcing turns on `set -euo pipefail`. Instances booted with ns_boot or
# ns_boot_many are always stopped when the test exits (pass, fail, error,
# SIGINT/SIGTERM from meson's timeout); a failed stop fails the test.
#
# Environment: BUILD_DIR (default SRC_DIR/build), SRC_DIR (default: the
# source tree this file is in), HERALD_NS (default SRC_DIR/tests/lib/herald-ns).
#
# Functions:
#   ns_boot [BOOT-OPTION...]      boot an instance (options as `herald-ns boot`);
#                                 sets NS_PID and appends it to NS_PIDS
#   ns_boot_many N [BOOT-OPTION...]  boot N instances at the same time; sets NS_PIDS
#                                 (and NS_PID to the first)
#   ns_run CMD...                 run CMD inside NS_PID; exit status passed through
#   ns_run_in PID CMD...          the same for another instance
#   ns_stop [PID] [--kill]        stop an instance now (default NS_PID); fails if
#                                 its process, cgroup or bookkeeping is left
#   ns_install                    meson install -C BUILD_DIR --no-rebuild --quiet
#                                 inside, then systemctl daemon-reload
#   ns_journal ARG...             journalctl --no-pager ARG... inside NS_PID
#   assert_eq ACTUAL EXPECTED MSG
#   assert_contains HAYSTACK NEEDLE MSG
#   wait_until TIMEOUT_SEC CMD... poll CMD every 0.1 s until it succeeds; return 1
#                                 after TIMEOUT_SEC
#   host_mounts                   fingerprint of the host's mount table (compare
#                                 before/after; other instances may come and go,
#                                 so cgroups and bookkeeping are checked per
#                                 instance, by ns_stop)
#   step MSG                      print a progress line
#   skip MSG                      exit 77 (meson: skipped)
#   fail MSG                      exit 1

set -euo pipefail

SRC_DIR=${SRC_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BUILD_DIR=${BUILD_DIR:-$SRC_DIR/build}
HERALD_NS=${HERALD_NS:-$SRC_DIR/tests/lib/herald-ns}
NS_PID=
NS_PIDS=()
declare -A _NS_LEFT=()   # PID -> what stop must remove: "cgroup-dir state-dir"

step() { printf '==> %s\n' "$*"; }

skip() {
  printf 'SKIP: %s\n' "$*"
  exit 77
}

fail() {
  printf 'FAIL: %s\n' "$*" >&2
  exit 1
}

assert_eq() {
  local actual=$1 expected=$2 msg=${3:-}
  if [[ $actual != "$expected" ]]; then
    fail "${msg:-values differ}: expected '$expected', got '$actual'"
  fi
  [[ -n $msg ]] || msg="\"$actual\" = \"$expected\""
  printf 'ok - %s\n' "$msg"
}

assert_contains() {
  local haystack=$1 needle=$2 msg=${3:-}
  if [[ $haystack != *"$needle"* ]]; then
    fail "${msg:-not found}: '$needle' is not in:"$'\n'"$haystack"
  fi
  [[ -n $msg ]] || msg="contains \"$needle\""
  printf 'ok - %s\n' "$msg"
}

assert_not_contains() {
  local haystack=$1 needle=$2 msg=${3:-}
  if [[ $haystack == *"$needle"* ]]; then
    fail "${msg:-found}: '$needle' is in:"$'\n'"$haystack"
  fi
  [[ -n $msg ]] || msg="does not contain \"$needle\""
  printf 'ok - %s\n' "$msg"
}

wait_until() {
  local timeout=$1 start
  shift
  start=$SECONDS
  until "$@"; do
    ((SECONDS - start < timeout)) || return 1
    sleep 0.1
  done
}

# skip unless this machine can boot instances at all
_ns_require() {
  ((EUID == 0)) || skip "integration tests need root"
  [[ -x $HERALD_NS ]] || fail "$HERALD_NS is missing"
  local why
  why=$("$HERALD_NS" check 2>&1) || skip "cannot boot systemd instances here: $why"
}

# EXIT trap: stop every instance we booted; on failure show what went wrong
# inside first
_ns_cleanup() {
  local rc=$? pid left
  set +e
  trap - EXIT INT TERM HUP
  for pid in "${NS_PIDS[@]}"; do
    if ((rc != 0 && rc != 77)); then
      printf -- '--- instance %s: failed units, last journal lines ---\n' "$pid" >&2
      timeout 10 "$HERALD_NS" run "$pid" systemctl list-units --failed --no-pager --plain >&2
      timeout 10 "$HERALD_NS" run "$pid" journalctl -b --no-pager -n 40 -o short-monotonic >&2
    fi
    if ! HERALD_NS_QUIET=1 "$HERALD_NS" stop "$pid" --timeout 10; then
      printf 'FAIL: could not stop instance %s cleanly\n' "$pid" >&2
      HERALD_NS_QUIET=1 "$HERALD_NS" stop "$pid" --kill
      ((rc != 0)) || rc=1
    fi
    left=$(_ns_leftovers "$pid")
    if [[ -n $left ]]; then
      printf 'FAIL: instance %s left behind: %s\n' "$pid" "$left" >&2
      ((rc != 0)) || rc=1
    fi
  done
  exit "$rc"
}

# _ns_leftovers PID: print what is left of a stopped instance, if anything
_ns_leftovers() {
  local pid=$1 path
  [[ -e /proc/$pid ]] && printf 'process %s\n' "$pid"
  for path in ${_NS_LEFT[$pid]:-}; do [[ -e $path ]] && printf '%s\n' "$path"; done
  [[ -L ${HERALD_NS_STATE:-/run/herald-ns}/$pid ]] && printf '%s\n' "${HERALD_NS_STATE:-/run/herald-ns}/$pid"
  return 0
}

_ns_register() {
  local cg2 cg
  for cg2 in /sys/fs/cgroup/unified /sys/fs/cgroup; do
    [[ $(stat -f -c %T "$cg2" 2>/dev/null) == cgroup2fs ]] && break
  done
  cg=$(sed -n 's/^0:://p' "/proc/$1/cgroup")
  _NS_LEFT[$1]="$cg2$cg $(readlink -f "${HERALD_NS_STATE:-/run/herald-ns}/$1")"
  NS_PIDS+=("$1")
  [[ -n $NS_PID ]] || NS_PID=$1
  if ((${#NS_PIDS[@]} == 1)); then
    trap _ns_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    trap 'exit 129' HUP
  fi
}

# shellcheck disable=SC2120  # arguments are optional
ns_boot() {
  _ns_require
  local pid try
  # One more try: about one boot in a few hundred loses its PID 1 during set-up (the
  # set-up trace stops mid-way, no error; cause not found yet), before herald is in
  # the instance at all. The failed boot's trace stays on stderr.
  for try in 1 2; do
    # the checkout and build may be anywhere, /tmp included (meson install reads them)
    pid=$(HERALD_NS_QUIET=1 "$HERALD_NS" boot --share "$SRC_DIR" --share "$BUILD_DIR" "$@") && break
    ((try < 2)) || fail "herald-ns boot $* failed"
    printf 'herald-ns boot failed (try %d); booting again\n' "$try" >&2
  done
  _ns_register "$pid"
  NS_PID=$pid
  step "booted instance $pid"
}

ns_boot_many() {
  local n=$1 i pid fd fds=() ok=1
  shift
  _ns_require
  # each boot runs in a process substitution; all of them run at once
  for ((i = 0; i < n; i++)); do
    exec {fd}< <(HERALD_NS_QUIET=1 "$HERALD_NS" boot --share "$SRC_DIR" --share "$BUILD_DIR" "$@" || echo failed)
    fds+=("$fd")
  done
  for fd in "${fds[@]}"; do
    pid=
    read -r pid <&"$fd" || true
    exec {fd}<&-
    if [[ $pid =~ ^[0-9]+$ ]]; then _ns_register "$pid"; else ok=0; fi
  done
  ((ok)) || fail "booting $n instances at once: at least one failed"
  NS_PID=${NS_PIDS[0]}
  step "booted instances ${NS_PIDS[*]}"
}

ns_run_in() {
  local pid=$1
  shift
  "$HERALD_NS" run "$pid" "$@"
}

ns_run() {
  [[ -n $NS_PID ]] || fail "ns_run: no instance booted"
  "$HERALD_NS" run "$NS_PID" "$@"
}

# shellcheck disable=SC2120  # arguments are optional
ns_stop() {
  local pid=$NS_PID rest=() p
  if [[ ${1:-} =~ ^[0-9]+$ ]]; then pid=$1; shift; fi
  [[ -n $pid ]] || fail "ns_stop: no instance booted"
  HERALD_NS_QUIET=1 "$HERALD_NS" stop "$pid" "$@" || fail "stopping instance $pid failed"
  local left
  left=$(_ns_leftovers "$pid")
  [[ -z $left ]] || fail "instance $pid left behind: $left"
  for p in "${NS_PIDS[@]}"; do [[ $p == "$pid" ]] || rest+=("$p"); done
  NS_PIDS=("${rest[@]}")
  [[ $NS_PID != "$pid" ]] || NS_PID=${NS_PIDS[0]:-}
}

ns_install() {
  [[ -f $BUILD_DIR/build.ninja ]] || fail "no meson build directory at $BUILD_DIR"
  ns_run meson install -C "$BUILD_DIR" --no-rebuild --quiet || fail "meson install inside the instance failed"
  ns_run systemctl daemon-reload || fail "systemctl daemon-reload failed"
}

ns_journal() {
  ns_run journalctl --no-pager "$@"
}

# ns_silent_server PORT: a TCP server on 127.0.0.1:PORT in the instance that accepts
# every connection and never answers (a hung remote, for timeouts)
ns_silent_server() {
  ns_run setsid -f python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(16)
held = []
while True:
    c, _ = s.accept(); held.append(c)' "$1" </dev/null >/dev/null 2>&1
  wait_until 10 ns_run bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null || fail "silent server on port $1 did not start"
}

# ns_tls_certs DIR NAME: in the instance, a CA of the test's own (DIR/ca.pem, ca.key)
# and a certificate for NAME it signed (DIR/server.pem, server.key); NAME resolves to
# 127.0.0.1 there
ns_tls_certs() {
  ns_run sh -c "mkdir -p '$1' && cd '$1' && set -e
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key -out ca.pem \\
      -days 2 -subj /CN=herald-test-CA 2>/dev/null
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout server.key -out server.csr \\
      -subj '/CN=$2' 2>/dev/null
    printf 'subjectAltName=DNS:%s\\n' '$2' > ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 \\
      -extfile ext 2>/dev/null
    echo '127.0.0.1 $2' >> /etc/hosts" || fail "TLS certificates for $2"
}

# ns_nginx_tls_proxy DIR NAME PORT UPSTREAM: in the instance, nginx with docs/REMOTE.md's
# recipe (its server block as written there) on 127.0.0.1:PORT for NAME, with
# ns_tls_certs' DIR/server.pem, in front of http://127.0.0.1:UPSTREAM; DIR/nginx/ holds its
# config, pid and temporary files
ns_nginx_tls_proxy() {
  local dir=$1 name=$2 port=$3 upstream=$4
  ns_run mkdir -p "$dir/nginx"
  ns_run sh -c "cat > $dir/nginx/nginx.conf" <<EOF
worker_processes 1;
pid $dir/nginx/nginx.pid;
error_log $dir/nginx/error.log;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path $dir/nginx/body;
    proxy_temp_path $dir/nginx/proxy;
    server {
        listen 127.0.0.1:$port ssl;
        server_name $name;
        ssl_certificate     $dir/server.pem;
        ssl_certificate_key $dir/server.key;
        client_max_body_size 16m;               # the execution param (the trigger's body)
        location / {
            proxy_pass http://127.0.0.1:$upstream;
            proxy_http_version 1.1;
            proxy_buffering off;                # stream answers (files) instead of spooling them
            proxy_request_buffering off;
            proxy_read_timeout 3600s;           # the runner answers when the job is done
        }
    }
}
EOF
  ns_run nginx -c "$dir/nginx/nginx.conf" || fail "nginx did not start"
  wait_until 10 ns_run bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null || fail "nginx does not listen on $port"
}

# ns_heraldd_exec ARG...: heraldd.service runs heraldd with ARGs (a drop-in; in force
# after the next daemon-reload and restart)
ns_heraldd_exec() {
  ns_run mkdir -p /etc/systemd/system/heraldd.service.d
  printf '[Service]\nExecStart=\nExecStart=/usr/local/libexec/herald/heraldd %s\n' "$*" |
    ns_run sh -c 'cat > /etc/systemd/system/heraldd.service.d/test.conf' || fail "heraldd.service drop-in"
}

host_mounts() {
  md5sum </proc/self/mountinfo | cut -d' ' -f1
}
