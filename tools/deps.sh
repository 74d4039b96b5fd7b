#!/bin/bash
# SPDX-License-Identifier: MIT
# Install what herald needs to build and test on Debian 12 (idempotent).
#
# Usage: tools/deps.sh [GROUP...]
#   no GROUP   what the build and the test suite need
#   bench      also what bench/heraldd.sh and bench/runner.sh need (wrk, nginx-light)
#   package    also what the Debian package's build and check need (docs/PACKAGING.md)
#   status     also what test-status-page needs: headless Chromium, promtool (prometheus)
#              and prometheus_client's strict OpenMetrics parser
set -euo pipefail
pkgs=(meson ninja-build pkg-config gcc clang libclang-rt-14-dev
      libsystemd-dev libyaml-dev libcjson-dev libcmocka-dev libgit2-dev libssh2-1-dev libssl-dev libcurl4-openssl-dev libmicrohttpd-dev libpcre2-dev
      systemd dbus polkitd util-linux git curl python3 jq openssh-server openssh-client
      systemd-journal-remote man-db groff-base zsh    # test-cli, test-fleet; test-manpages, test-completion
      nginx-light openssl)    # test-remote.sh, test-runner.sh: nginx as the TLS proxy, openssl makes its CA
for group in "$@"; do
        case $group in
        bench) pkgs+=(wrk) ;;
        package) pkgs+=(debhelper dpkg-dev fakeroot lintian bash-completion) ;;
        status) pkgs+=(chromium prometheus python3-prometheus-client) ;;
        *) echo "deps.sh: unknown group '$group' (known: bench, package, status)" >&2; exit 2 ;;
        esac
done
missing=()
for p in "${pkgs[@]}"; do
        dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
        echo "Installing: ${missing[*]}"
        DEBIAN_FRONTEND=noninteractive apt-get update -q
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
fi
