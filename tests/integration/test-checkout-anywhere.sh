#!/bin/bash
# SPDX-License-Identifier: MIT
# The README's first command from a checkout anywhere. A private systemd gets its own
# /tmp, /var/tmp, /run (empty file systems), so a checkout there was invisible inside
# and 'meson install' stopped with "Install data not found". herald-ns --share makes
# such a directory visible at the same path.
#
# 1. For checkouts under /tmp, /var/tmp, /root and a path with spaces: an instance
#    booted as tools/demo.sh and tests/lib boot it sees the checkout at the same path.
# 2. tools/demo.sh, run from a copy of this tree under "/tmp/herald demo checkout",
#    builds, installs into a private systemd and runs the example workflow and its
#    HTTP + exe_done part to the end. About 2 minutes (a full build).
# shellcheck source-path=SCRIPTDIR source=../lib/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/lib.sh"

_ns_require
DIRS=(/tmp/herald-anywhere "/var/tmp/herald any where" /root/herald-anywhere-test)
cleanup_dirs() { for d in "${DIRS[@]}" "/tmp/herald demo checkout"; do rm -rf "$d"; done; }
trap 'cleanup_dirs' EXIT
cleanup_dirs

# a copy of this tree as it is now (committed or not), without build directories
copy_tree() {
        mkdir -p "$1"
        tar -C "$SRC_DIR" --exclude='./build*' --exclude=./.git -c . | tar -x -C "$1"
}

step "checkouts under /tmp, /var/tmp, /root, with spaces: visible inside the instance"
for d in "${DIRS[@]}"; do
        copy_tree "$d"
        pid=$(HERALD_NS_QUIET=1 "$HERALD_NS" boot --share "$d")
        seen=$("$HERALD_NS" run "$pid" cat "$d/meson.build" | head -n 1)
        "$HERALD_NS" run "$pid" touch "$d/written-inside"
        "$HERALD_NS" stop "$pid" >/dev/null
        assert_eq "$seen" "$(head -n 1 "$SRC_DIR/meson.build")" "$d: the instance reads the checkout"
        [[ -f $d/written-inside ]] || fail "$d: a file written inside is not in the host's checkout"
        printf 'ok - %s: what the instance writes there lands in the checkout\n' "$d"
done

step "tools/demo.sh from \"/tmp/herald demo checkout\""
demo="/tmp/herald demo checkout"
copy_tree "$demo"
out=$(timeout 900 bash "$demo/tools/demo.sh" 2>&1) || { printf '%s\n' "$out" | tail -n 40 >&2; fail "tools/demo.sh failed"; }
printf '%s\n' "$out" | tail -n 25
assert_not_contains "$out" "Install data not found" "meson install found the build inside the instance"
assert_not_contains "$out" "not every router has run yet" "every router of examples/demo.yml ran"
assert_contains "$out" "Request param received and trigger activated" "the HTTP trigger accepted the POST"
hist=$(printf '%s\n' "$out" | sed -n '/^== taskctl history clean_on_request print_job_result/,/^== taskctl logs print_job_result/p')
[[ $(grep -c 'success' <<<"$hist") -ge 2 ]] || { printf '%s\n' "$hist" >&2; fail "the job and its exe_done chain did not both succeed"; }
echo "ok - the HTTP job and its exe_done chain succeeded"
step "ok"
