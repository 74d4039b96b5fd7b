#!/bin/bash
# SPDX-License-Identifier: MIT
# bench/runner.sh: herald-runner in a private systemd, two figures, each beside floors
# measured in the same instance and run:
#
#  1. Signed `true` runs per second on one runner: JOBS signed POSTs (one curl --parallel,
#     CONC at a time, keep-alive), each answered once its job unit ran `true` and its result came back,
#     from the first request to the last answer. Floor: PID 1's raw unit-start rate
#     (raw-start-transient, units shaped like job units, the window herald uses),
#     counted as bench/job-throughput.sh counts it.
#  2. A job that writes a FILE_MIB MiB file, returned to the client: herald's own
#     http_remote (a timer job of `taskctl apply` on the same instance, over loopback)
#     fires, the runner's job writes the file, the answer streams it as multipart, the
#     client hashes it while it writes it to data_dir. MiB/s from the firing to the
#     client's result entry. Floors: `cat FILE > /dev/null` (the page cache), and
#     `curl -o /dev/null` of the same file from nginx (a plain HTTP transfer).
#     Goal: >= 4 x Herald's 86 MiB/s on this machine kind. herald-runner's peak RSS
#     (VmHWM) after it: goal <= 10 MB.
#
# Environment: BUILD_DIR (default SRC/build), JOBS (200), CONC (16), RUNS (3),
# FILE_MIB (256). Needs curl, openssl, jq, nginx-light ('tools/deps.sh bench').
# Needs root: 'sudo bench/runner.sh'. Exits 77 when no instance can boot here.
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BUILD_DIR=$(cd "${BUILD_DIR:-$BENCH_DIR/../build}" && pwd)
export BUILD_DIR
# shellcheck source-path=SCRIPTDIR source=../tests/lib/lib.sh
. "$BENCH_DIR/../tests/lib/lib.sh"
# shellcheck source-path=SCRIPTDIR source=bench-lib.sh
. "$BENCH_DIR/bench-lib.sh"

JOBS=${JOBS:-200}
CONC=${CONC:-16}
RUNS=${RUNS:-3}
FILE_MIB=${FILE_MIB:-256}
RAW=$BUILD_DIR/bench/raw-start-transient
WINDOW=$(start_window)
KEY=bench-k3y
RUN=/var/lib/herald-runner/work/run
W=/run/herald-bench
CGROUPS=(init.scope system.slice/herald-runner.service system.slice/herald-runner-activate.service herald.slice)

for t in curl openssl jq nginx; do
  command -v "$t" >/dev/null || fail "needs $t ('tools/deps.sh bench')"
done
[[ -x $RAW ]] || fail "$RAW is missing: run 'ninja -C $BUILD_DIR' first"

ns_boot
ns_install
ns_run mount --make-rshared /          # LoadCredential=
ns_run systemd-tmpfiles --create --prefix /run/log/journal
ns_run systemd-sysusers /usr/local/lib/sysusers.d/herald-runner.conf /usr/local/lib/sysusers.d/herald.conf
ns_run systemd-tmpfiles --create /usr/local/lib/tmpfiles.d/herald-runner.conf /usr/local/lib/tmpfiles.d/herald.conf
ns_run mkdir -p $W $RUN /etc/herald /etc/systemd/system/herald-runner.service.d
ns_run sh -c "umask 077 && printf %s '$KEY' > /etc/herald/runner.secret"
ns_run sh -c 'printf "work_dir: /var/lib/herald-runner/work\n" > /etc/herald/runner.yml'
# stays up between rounds, so its VmHWM covers them all
ns_run sh -c 'cat > /etc/systemd/system/herald-runner.service.d/bench.conf' <<'EOF'
[Service]
ExecStart=
ExecStart=/usr/local/libexec/herald/herald-runner --config /etc/herald/runner.yml --idle-timeout 3600
EOF
ns_run sh -c "printf '#!/bin/sh\nexec true\n' > $RUN/true.sh && chmod 0755 $RUN/true.sh"
ns_run sh -c "cat > $RUN/big.sh && chmod 0755 $RUN/big.sh" <<EOF
#!/bin/sh
head -c ${FILE_MIB}M /dev/zero > big.bin
printf '{"file": {"big": "big.bin"}}\n'
EOF
ns_run systemctl daemon-reload
ns_run systemctl start herald-runner.socket herald-runner-activate.socket herald.slice

# ---------------------------------------------------------------------------
# 1. runs per second
body='{"job_id":"00000000-0000-4000-8000-000000000000","trigger_id":"T","router":"r","trigger":"t","selector":"all","task":"t","executor":"http_remote","trigger_param":{},"select_param":{},"job_param":{"cmd":"./true.sh"}}'
sig=$(printf %s "$body" | openssl dgst -sha256 -hmac "$KEY" -hex | sed 's/.* //')
ns_run sh -c "printf %s '$body' > $W/body"

# runner_round: prints "RUNS/S" (every answer checked)
runner_round() {
  local t0 t1 ok
  ns_run rm -rf $W/answers
  ns_run mkdir $W/answers
  t0=$(ns_run date +%s%6N)
  # One curl for all requests (--parallel, CONC at a time, keep-alive), as an
  # http_remote client sends them: a curl process per request cost more CPU than the
  # runner, herald-activate and the job units together (perf, session 13). Each answer
  # in a file of its own (#1: the URL glob's number; the runner ignores the query).
  # shellcheck disable=SC2016  # expanded inside
  ns_run sh -c 'curl -s --no-progress-meter --parallel --parallel-max "$2" -X POST -H "X-Herald-Signature: $3" \
        -H "Content-Type: application/json" --data-binary @"$4/body" -o "$4/answers/#1" -w "%{http_code}\n" \
        "http://127.0.0.1:8124/?n=[1-$1]" > "$4/codes"' _ "$JOBS" "$CONC" "$sig" "$W"
  t1=$(ns_run date +%s%6N)
  # shellcheck disable=SC2016
  ok=$(ns_run sh -c 'grep -c "^200$" "$1/codes"; for a in "$1"/answers/*; do cat "$a"; echo; done | sort | uniq -c' _ $W)
  [[ $ok == "$JOBS"$'\n'"$(printf '%7d %s' "$JOBS" '{"exit_code":0,"output":""}')" ]] ||
    fail "not every one of $JOBS answers was 200 {\"exit_code\":0,\"output\":\"\"}: $ok"
  awk -v n="$JOBS" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f\n", n / ((b - a) / 1e6) }'
}

# raw_round: PID 1's raw start rate of JOBS job-shaped units, "UNITS/S"
raw_round() {
  local m before out
  m=$(mark)
  before=$(cpu)
  out=$(ns_run "$RAW" --units "$JOBS" --window "$WINDOW" --slice herald.slice) || fail "raw-start-transient failed: $out"
  finish "$m" "$(sed -n 's/.*start_realtime_usec=\([0-9]*\).*/\1/p' <<<"$out")" \
    "$(sed -n 's/.*prefix=\([^ ]*\).*/\1/p' <<<"$out")" "$before" | cut -d' ' -f1
}

step "warm-up (not counted)"
runner_round >/dev/null
raw_round >/dev/null
R_RUNNER=() R_RAW=()
for ((run = 1; run <= RUNS; run++)); do
  R_RUNNER+=("$(runner_round)")
  R_RAW+=("$(raw_round)")
  step "round $run/$RUNS: runner ${R_RUNNER[-1]} runs/s, raw ${R_RAW[-1]} units/s"
done

# ---------------------------------------------------------------------------
# 2. a FILE_MIB MiB result file, end to end through herald's own http_remote
ns_run mkdir -p /var/lib/herald-bench-data /var/lib/herald-bench
ns_run sh -c "umask 077 && printf %s '$KEY' > /etc/herald/bench.secret"
ns_run sh -c "cat > $W/file.yml" <<'EOF'
trigger:
  fetch: {type: tick, interval: 86400}
executor:
  remote: {type: http_remote, host: 'http://127.0.0.1:8124/', secret_file: /etc/herald/bench.secret, data_dir: /var/lib/herald-bench-data}
router:
  fetch: {trigger: fetch, selector: all, task: {big: {executor: remote, job_param: {cmd: ./big.sh}}}}
EOF
ns_run taskctl apply $W/file.yml >/dev/null

# client_entries MARK: the result entries of the client's job (the runner's job, in the
# same journal, has the same router and task: its unit tells them apart)
client_entries() {
  entries "$1" MESSAGE_ID=$MSG_RESULT HERALD_ROUTER=fetch _UID=0 | jq -c 'select(.HERALD_UNIT // "" | startswith("herald-fetch-big@"))'
}

# file_round: prints "MIB/S" end to end; the file is checked against the runner's copy
file_round() {
  local m n t1 job path
  m=$(mark)
  n=$(client_entries "$m" | grep -c . || true)
  manager StartUnit ss herald-trigger-fetch.service replace >/dev/null
  # shellcheck disable=SC2317  # called by wait_until
  got() { (($(client_entries "$m" | grep -c . || true) > n)); }
  wait_until 300 got || fail "no result for the file job"
  read -r t1 job path < <(client_entries "$m" | tail -n 1 |
    jq -r '[._SOURCE_REALTIME_TIMESTAMP, .HERALD_JOB_ID, (.HERALD_RESULT | fromjson | .file.big // "")] | join(" ")')
  [[ -n $path ]] || fail "the file job has no file: $(client_entries "$m" | tail -n 1 | jq -r .HERALD_ERROR)"
  [[ $(ns_run stat -c %s "$path") == $((FILE_MIB << 20)) ]] || fail "$path is not $FILE_MIB MiB"
  ns_run rm -rf "/var/lib/herald-bench-data/$job"
  awk -v mib="$FILE_MIB" -v a="$m" -v b="$t1" 'BEGIN { printf "%.0f\n", mib / ((b - a) / 1e6) }'
}

# the floors: the same size of file in the page cache, and over HTTP from nginx
ns_run sh -c "head -c ${FILE_MIB}M /dev/urandom > /var/lib/herald-bench/big.bin"
ns_run sh -c "cat > $W/nginx.conf" <<EOF
daemon off;
user root;
worker_processes 1;
pid $W/nginx.pid;
error_log $W/nginx-error.log;
events { worker_connections 64; }
http {
  access_log off;
  sendfile on;
  server { listen 127.0.0.1:8090; root /var/lib/herald-bench; }
}
EOF
ns_run systemd-run -q -u bench-nginx -p Type=exec /usr/sbin/nginx -c $W/nginx.conf
wait_until 10 ns_run bash -c "exec 3<>/dev/tcp/127.0.0.1/8090" 2>/dev/null || fail "nginx does not listen"
# timed_mibs CMD...: MiB/s of CMD, which reads the FILE_MIB MiB file once
timed_mibs() {
  local t0 t1
  t0=$(ns_run date +%s%6N)
  ns_run "$@" >/dev/null
  t1=$(ns_run date +%s%6N)
  awk -v mib="$FILE_MIB" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f\n", mib / ((b - a) / 1e6) }'
}

step "warm-up (not counted)"
file_round >/dev/null
R_FILE=() R_CAT=() R_CURL=()
for ((run = 1; run <= RUNS; run++)); do
  R_FILE+=("$(file_round)")
  R_CAT+=("$(timed_mibs sh -c 'cat /var/lib/herald-bench/big.bin > /dev/null')")
  R_CURL+=("$(timed_mibs curl -s -o /dev/null http://127.0.0.1:8090/big.bin)")
  step "round $run/$RUNS: herald ${R_FILE[-1]} MiB/s, cat ${R_CAT[-1]}, curl from nginx ${R_CURL[-1]}"
done
pid=$(ns_run systemctl show -P MainPID herald-runner.service)
hwm=$(ns_run awk '/VmHWM/ { print $2 }' "/proc/$pid/status")
rss=$(ns_run awk '/VmRSS/ { print $2 }' "/proc/$pid/status")

runs=$(printf '%s\n' "${R_RUNNER[@]}" | median)
raw=$(printf '%s\n' "${R_RAW[@]}" | median)
file=$(printf '%s\n' "${R_FILE[@]}" | median)
echo
echo "herald-runner, median of $RUNS rounds (min..max)"
printf '  %-58s %s\n' "signed 'true' runs/s ($JOBS requests, $CONC at a time)" "$(printf '%s\n' "${R_RUNNER[@]}" | stats)"
printf '  %-58s %s\n' "floor: PID 1's raw unit starts/s (same shape, window $WINDOW)" "$(printf '%s\n' "${R_RAW[@]}" | stats)"
printf '  runner: %s %% of the raw start rate\n' "$(pct "$runs" "$raw")"
printf '  %-58s %s\n' "$FILE_MIB MiB result file end to end, MiB/s (herald http_remote)" "$(printf '%s\n' "${R_FILE[@]}" | stats)"
printf '  %-58s %s\n' "floor: cat FILE > /dev/null, MiB/s" "$(printf '%s\n' "${R_CAT[@]}" | stats)"
printf '  %-58s %s\n' "floor: curl of FILE from nginx, MiB/s" "$(printf '%s\n' "${R_CURL[@]}" | stats)"
printf '  file: %s x Herald'"'"'s 86 MiB/s (goal >= 4)\n' "$(awk -v f="$file" 'BEGIN { printf "%.1f", f / 86 }')"
printf '  herald-runner: VmHWM %s kB, VmRSS %s kB after the rounds (goal: <= 10 MB)\n' "$hwm" "$rss"
