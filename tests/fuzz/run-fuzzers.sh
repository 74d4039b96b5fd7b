#!/bin/bash
# SPDX-License-Identifier: MIT
# Run every libFuzzer target for a bounded time: run-fuzzers.sh BUILD_DIR [SECONDS]
set -euo pipefail
build=$1 seconds=${2:-20}
src=$(cd "$(dirname "$0")" && pwd)
for exe in "$build"/tests/fuzz/fuzz-*; do
        [[ -f $exe && -x $exe && $exe != *-replay* && $exe != *.p ]] || continue
        name=$(basename "$exe"); corpus=$src/corpus/${name#fuzz-}
        work=$(mktemp -d); cp -r "$corpus"/. "$work"/
        echo "== $name for ${seconds}s"
        "$exe" -max_total_time="$seconds" -max_len=65536 -print_final_stats=1 "$work" 2>&1 | grep -E "stat::number_of_executed_units|ERROR|SUMMARY" || true
        "$exe" -runs=0 "$work" >/dev/null 2>&1 || { echo "$name: crash"; exit 1; }
        rm -rf "$work"
done
