/* SPDX-License-Identifier: MIT */
/* main-util.h: the main() and --help/--version handling every herald program shares
 *
 * Each program keeps its own help() and, where it has options of its own, its own
 * parse_argv() (STYLE.md 5): what is shared is what is the same letter for letter,
 * --version's line, the parse_argv of a program whose only options are --help and
 * --version, and main(): log set-up, parse_argv()'s <0/0/>0 and the exit status.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "log.h"

/* A usage error (an unknown option, a missing argument): every herald program's. */
#define EXIT_USAGE 2

int main_version(const char *program);
int main_parse_argv_plain(int argc, char *argv[], const char *program, int (*help)(void), bool stop_at_verb);
/* --idle-timeout SEC of the socket-activated services: whole seconds, 0 to a day. */
#define IDLE_TIMEOUT_MAX_SEC (24ULL * 3600)
int main_parse_idle_timeout(const char *arg, uint64_t *ret_usec);

/* main() of a program with a static parse_argv() (STYLE.md 5): logs as PROGRAM to
 * stderr; a usage error exits EXIT_USAGE, --help and --version 0; then CALL, whose
 * negative errno (logged) exits 1, anything else 0 -- or, with POSITIVE_STATUS, a
 * positive result is the exit status (herald-exec: 1 when the job failed, so the unit's
 * result tells the same). */
#define DEFINE_MAIN_FUNCTION_FULL(program, call, positive_status)               \
        int main(int argc, char *argv[]) {                                      \
                int _r;                                                         \
                                                                                \
                log_setup(program, LOG_TARGET_STDERR);                          \
                _r = parse_argv(argc, argv);                                    \
                if (_r <= 0)                                                    \
                        return _r < 0 ? EXIT_USAGE : EXIT_SUCCESS;              \
                _r = (call);                                                    \
                if (_r < 0)                                                     \
                        return EXIT_FAILURE;                                    \
                return (positive_status) ? _r : EXIT_SUCCESS;                   \
        }

#define DEFINE_MAIN_FUNCTION(program, call) DEFINE_MAIN_FUNCTION_FULL(program, call, false)
#define DEFINE_MAIN_FUNCTION_WITH_POSITIVE_STATUS(program, call) DEFINE_MAIN_FUNCTION_FULL(program, call, true)
