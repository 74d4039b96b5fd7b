#!/bin/bash
# SPDX-License-Identifier: MIT
# The whole test suite: build with -Werror, run every suite (unit, property, fuzz corpus,
# integration in a private systemd); then build with ASan+UBSan and run the unit and fuzz
# suites under the sanitizers; then a short libFuzzer run of each target with clang.
set -euo pipefail
# Root installs packages and boots a private systemd: ask sudo when there is one.
if ((EUID != 0)); then
        command -v sudo >/dev/null && exec sudo "$0" "$@"
        echo "$0: must run as root (it installs packages and boots a private systemd)" >&2
        exit 1
fi
cd "$(dirname "$0")/.."
bash tools/deps.sh package status    # status: test-status-page (chromium, promtool)

rm -rf build-ci; meson setup build-ci -Dwerror=true -Dtests=enabled >/dev/null
ninja -C build-ci
meson test -C build-ci --print-errorlogs --num-processes 2

rm -rf build-asan; meson setup build-asan -Dwerror=true -Dtests=enabled -Db_sanitize=address,undefined -Db_lundef=false >/dev/null
ninja -C build-asan
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
        meson test -C build-asan --print-errorlogs --suite unit --suite fuzz --num-processes 2

rm -rf build-fuzz; CC=clang meson setup build-fuzz -Dfuzz=true -Dtests=enabled -Dc_args=-fsanitize=fuzzer-no-link -Dc_link_args=-fsanitize=fuzzer-no-link -Db_sanitize=address,undefined -Db_lundef=false >/dev/null
ninja -C build-fuzz
bash tests/fuzz/run-fuzzers.sh build-fuzz "${FUZZ_SECONDS:-20}"
echo "All tests passed."
