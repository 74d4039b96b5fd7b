/* SPDX-License-Identifier: MIT */
/* verb-options.h: the getopt_long() loop every taskctl verb runs */
#pragma once

#include <getopt.h>

/* Exit status for wrong usage of the write verbs (validate, plan, apply, reload). */
#define TASKCTL_EXIT_USAGE 2

/* One option of a verb. Return: 1 taken, 0 not one of the verb's, <0 a bad value (logged). */
typedef int (*VerbOption)(int c, const char *arg, void *userdata);

/* Return: 1 go on (optind at the first argument), 0 after --help, <0 (logged) or
 * TASKCTL_EXIT_USAGE for a bad option. */
int verb_parse_options(int argc, char **argv, const char *short_options, const struct option *options,
                       void (*help)(void), VerbOption option, void *userdata);
