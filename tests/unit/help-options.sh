# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# Sourced by test-manpages.sh and test-completion.sh: the options a --help text defines.

# help_options COMMAND...: the options COMMAND --help defines, one a line: those that
# start a line of the option list ("  -n, --lines=N   ...", "     --strict   ...") and
# those in the usage lines ("Usage: taskctl [--help] [--version]", "       taskctl apply
# --remove"). Options a description merely mentions are not taken.
help_options() {
        local text
        text=$("$@" --help) || { echo "'$* --help' failed" >&2; return 1; }
        {
                sed -n '/^Usage:/,/^$/p' <<<"$text" | grep -oE '(^|[[ |])--?[A-Za-z][A-Za-z0-9-]*' || true
                grep -E '^[[:space:]]+(-[A-Za-z](,|[[:space:]]|$)|--[a-z][a-z0-9-]*([=[ ]|$))' <<<"$text" |
                        grep -oE '^[[:space:]]+(-[A-Za-z](,?[[:space:]]+)?)?(--[a-z][a-z0-9-]*)?' || true
        } | grep -oE -- '--?[A-Za-z][A-Za-z0-9-]*' | sort -u
}
