#!/bin/bash
# SPDX-License-Identifier: MIT
# run-all.sh: run every benchmark in bench/, one after the other, and print their figures
#
# Usage: sudo bench/run-all.sh   (BUILD_DIR: a built meson build directory, default build)
# Each benchmark boots its own private systemd (tests/lib/herald-ns) and stops it when
# done; nothing on the host is changed. The machine should be otherwise idle: the
# figures are medians, but a busy machine still moves them.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BUILD_DIR=$(cd "${BUILD_DIR:-$BENCH_DIR/../build}" && pwd)
export BUILD_DIR

((EUID == 0)) || { echo "run-all.sh: needs root (the benchmarks boot systemd in namespaces)" >&2; exit 77; }
[[ -f $BUILD_DIR/build.ninja ]] || { echo "run-all.sh: no meson build directory at $BUILD_DIR" >&2; exit 1; }
# meson install --no-rebuild inside the instances needs an up-to-date build
if ! ninja -C "$BUILD_DIR" -n 2>/dev/null | grep -q 'no work to do'; then
  echo "run-all.sh: $BUILD_DIR is not up to date: run 'ninja -C $BUILD_DIR' first" >&2
  exit 1
fi

printf 'herald benchmarks: %s, %s cores, kernel %s, %s, build %s\n' "$(date -u '+%F %T UTC')" "$(nproc)" \
  "$(uname -r)" "$(systemctl --version 2>/dev/null | head -n 1 || /usr/lib/systemd/systemd --version | head -n 1)" "$BUILD_DIR"
printf 'load average before: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"

failed=()
for b in job-throughput latency generator heraldd runner; do
  printf '\n===== %s =====\n' "$b"
  rc=0
  "$BENCH_DIR/$b.sh" || rc=$?
  ((rc == 0)) || failed+=("$b (exit $rc)")
done

echo
if ((${#failed[@]})); then
  printf 'run-all.sh: failed or skipped: %s\n' "${failed[*]}" >&2
  exit 1
fi
printf 'run-all.sh: all benchmarks ran; load average after: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
