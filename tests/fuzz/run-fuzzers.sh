#!/bin/bash
# SPDX-License-Identifier: MIT
# Run every libFuzzer target for a bounded time: run-fuzzers.sh BUILD_DIR [SECONDS]
# Targets are the fuzz-* binaries in BUILD_DIR/tests/fuzz; each starts from a copy of
# corpus/<name without fuzz->, with dict/<name without fuzz->.dict when there is one.
# A crash, a leak, UB, or one input taking over 10 s fails the run; the input that did
# it is kept in BUILD_DIR/fuzz-artifacts/<target>/ (add it to the corpus once fixed).
#
# FUZZ_SEED (default 1) seeds libFuzzer's mutations, so a run of the same code is (close
# to) the same run: a test suite whose verdict is a draw would fail a change for a bug
# it did not bring. Exploring is for long runs outside the suite: FUZZ_SEED=0 draws a
# seed, and SECONDS can be as long as you like.
set -euo pipefail
build=$1 seconds=${2:-20} seed=${FUZZ_SEED:-1}
src=$(cd "$(dirname "$0")" && pwd)
for exe in "$build"/tests/fuzz/fuzz-*; do
        [[ -f $exe && -x $exe && $exe != *-replay* && $exe != *.p ]] || continue
        name=$(basename "$exe"); corpus=$src/corpus/${name#fuzz-}
        dict=$src/dict/${name#fuzz-}.dict
        args=()
        [[ -f $dict ]] && args=(-dict="$dict")
        artifacts=$build/fuzz-artifacts/$name; mkdir -p "$artifacts"
        work=$(mktemp -d); cp -r "$corpus"/. "$work"/
        echo "== $name for ${seconds}s"
        rc=0
        "$exe" -seed="$seed" -max_total_time="$seconds" -max_len=65536 -timeout=10 -print_final_stats=1 \
                -artifact_prefix="$artifacts/" ${args[@]+"${args[@]}"} "$work" >"$work.log" 2>&1 || rc=$?
        grep -E "stat::number_of_executed_units|^==[0-9]+== *ERROR|^SUMMARY|invariant failed" "$work.log" || true
        if (( rc != 0 )); then
                tail -n 40 "$work.log"
                echo "$name: failed (exit $rc); reproducer in $artifacts/"
                rm -rf "$work" "$work.log"
                exit 1
        fi
        "$exe" -runs=0 "$work" >/dev/null 2>&1 || { echo "$name: crash"; exit 1; }
        rm -rf "$work" "$work.log"
done
