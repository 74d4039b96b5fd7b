# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# bench-lib.sh: what the benchmarks share, sourced after tests/lib/lib.sh (ns_run, fail,
# wait_until). Unit start rates are counted the same way in every script: from a start
# point to PID 1's last "Started <unit>" message of the round.
#
# Functions:
#   stats                 "median (min..max)" of the numbers on stdin
#   median                the median of the numbers on stdin
#   start_window          the bus calls herald keeps in flight (src/shared/start-window.h)
#   pct A C               A as a percentage of C ("n/a" when A is empty)
#   mark                  PID 1's realtime clock, usec (a mark before a round)
#   entries MARK MATCH... journal entries (JSON) since MARK, by their source timestamp
#   started_times MARK PREFIX  when PID 1 logged "Started PREFIX..." since MARK
#   manager METHOD SIG ARG...  a systemd Manager call through dbus-daemon (busctl)
#   no_units_left PREFIX  no unit PREFIX* is loaded
#   cpu                   usage_usec of each of CGROUPS (an array the script sets), one line
#   finish MARK START PREFIX CPU-BEFORE  wait until JOBS units PREFIX* are gone; print
#                         "RATE MISSING CPU-DELTA-PER-UNIT..."

# shellcheck disable=SC2034  # used by the scripts that source this
MSG_STARTED=39f53479d3a045ac8e11786248231fbf   # systemd: a start job finished
MSG_RESULT=39d34c102f1d482caf41e75fca8199a7    # herald: a job's result entry

stats() {
  sort -g | awk '{ v[NR] = $1 } END {
    if (NR == 0) { print "n/a"; exit }
    printf "%.1f (%.1f..%.1f)", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2, v[1], v[NR] }'
}
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR) print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
pct() { awk -v a="$1" -v c="$2" 'BEGIN { if (a == "" || c == "" || c == 0) printf "n/a"; else printf "%.0f", 100 * a / c }'; }

start_window() { sed -n 's/^#define START_WINDOW_DEFAULT \([0-9]\+\).*/\1/p' "$SRC_DIR/src/shared/start-window.h"; }

mark() { ns_run date +%s%6N; }

# (journalctl 252 with --after-cursor and field matches returned nothing here, so
# entries are selected by time and filtered with jq.)
entries() {
  local m=$1
  shift
  ns_run journalctl --since "@$((m / 1000000 - 1))" -o json "$@" |
    jq -c --argjson m "$m" 'select(((._SOURCE_REALTIME_TIMESTAMP // .__REALTIME_TIMESTAMP) | tonumber) >= $m)'
}

started_times() {
  entries "$1" MESSAGE_ID=$MSG_STARTED _PID=1 |
    jq -r --arg p "$2" 'select(.UNIT // "" | startswith($p)) | ._SOURCE_REALTIME_TIMESTAMP'
}

# The benchmarks talk to PID 1 through dbus-daemon (busctl), never with systemctl while
# units start: as root systemctl uses PID 1's private socket, and PID 1 sends every
# client there each unit's and job's signals, unasked (bus_foreach_bus() in systemd's
# dbus.c), ~0.3 ms of PID 1's time per unit (README.md, job-throughput.sh).
manager() { ns_run busctl call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager "$@"; }
no_units_left() { [[ $(manager ListUnitsByPatterns asas 0 1 "$1*") == "a(ssssssouso) 0" ]]; }

cpu() {
  # shellcheck disable=SC2016  # expanded inside
  ns_run sh -c 'for c; do sed -n "s/^usage_usec //p" /sys/fs/cgroup/$c/cpu.stat 2>/dev/null || echo 0; done' _ "${CGROUPS[@]}" |
    awk '{ print $1 + 0 }' | paste -sd' '
}

finish() {
  local m=$1 start=$2 prefix=$3 before=$4 times n end
  # the next variant starts from the same state: every unit ended and was collected
  wait_until 180 no_units_left "$prefix" || fail "units $prefix* are still loaded"
  sleep 0.5
  # Under load a few units (a handful in a thousand) get no "Started" message at all:
  # the main process had exited before PID 1 handled its start, and PID 1 then ends
  # the start job quietly. They were running before they ended, so the last message
  # logged still marks "all started" closely; the rate counts all JOBS units and the
  # number without a message is printed. More than 5 % of them is an error.
  times=$(started_times "$m" "$prefix" | sort -n)
  n=$(grep -c . <<<"$times" || true)
  ((n * 20 >= JOBS * 19)) || fail "only $n of $JOBS units $prefix* logged 'Started'"
  end=$(tail -n 1 <<<"$times")
  awk -v n="$JOBS" -v got="$n" -v s="$start" -v e="$end" -v a="$before" -v b="$(cpu)" 'BEGIN {
    printf "%.1f %d", n / ((e - s) / 1e6), n - got
    k = split(a, x, " "); split(b, y, " ")
    for (i = 1; i <= k; i++) printf " %.2f", (y[i] - x[i]) / 1000 / n
    printf "\n" }'
}
