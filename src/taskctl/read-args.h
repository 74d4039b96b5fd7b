/* SPDX-License-Identifier: MIT */
/* read-args.h: the options every read verb (list, status, logs, history) shares */
#pragma once

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>

#include "journal-read.h"
#include "timestamp.h"
#include "verb-options.h"

typedef struct ReadArgs {
        JsonMode json;
        bool no_pager;
        const char *workflow;           /* NULL: taskctl_workflow_path() */
        const char *directory;          /* -D */
        const char *name_space;         /* --namespace */
        size_t lines;                   /* -n: set the verb's default before parsing; 0: all */
        size_t lines_max;               /* the largest -n the verb takes; 0: no limit */
        bool lines_all;                 /* -n all is 0 */
        usec_t since;                   /* -S: 0 none (read_args_init()) */
        usec_t until;                   /* -U: USEC_INFINITY none */
        usec_t now;                     /* one "now" for every relative time, so that
                                         * "--since now --until now" is one instant */
} ReadArgs;

/* The shared options' defaults: no time window, now as of the call. */
#define READ_ARGS_INIT ((ReadArgs) { .until = USEC_INFINITY, .now = now_realtime() })

enum {
        ARG_JSON = 0x100,
        ARG_NO_PAGER,
        ARG_WORKFLOW,
        ARG_NAMESPACE,
        ARG_NO_LEGEND,
        _ARG_READ_MAX,                  /* verbs number their own long-only options from here */
};

/* The leading ':' quiets getopt_long(): verb_parse_options() reports bad options itself. */
#define READ_ARGS_SHORT_OPTIONS ":hD:"

#define READ_ARGS_LONG_OPTIONS                                                  \
        { "help", no_argument, NULL, 'h' },                                     \
        { "json", optional_argument, NULL, ARG_JSON },                          \
        { "no-pager", no_argument, NULL, ARG_NO_PAGER },                        \
        { "no-legend", no_argument, NULL, ARG_NO_LEGEND },                      \
        { "workflow", required_argument, NULL, ARG_WORKFLOW },                  \
        { "directory", required_argument, NULL, 'D' },                          \
        { "namespace", required_argument, NULL, ARG_NAMESPACE }

/* -S/--since, -U/--until, for the verbs that read results or lines (add "S:U:" to the
 * short options, READ_ARGS_TIME_HELP to the help). */
#define READ_ARGS_TIME_OPTIONS                                                  \
        { "since", required_argument, NULL, 'S' },                              \
        { "until", required_argument, NULL, 'U' }

/* -n/--lines, for the verbs that take it (add "n:" to the short options). */
#define READ_ARGS_LINES_OPTION { "lines", required_argument, NULL, 'n' }

/* The help text of the shared options, for every verb's --help. */
#define READ_ARGS_HELP                                                                          \
        "      --json[=pretty|short]\n"                                                         \
        "                   Print one JSON document instead of text (compact by default)\n"    \
        "      --no-pager   Do not pipe the output into a pager\n"                              \
        "      --no-legend  No column headers and no \"N ... listed.\" line on a terminal\n"   \
        "      --workflow=FILE\n"                                                               \
        "                   Take routers and tasks from FILE (default: the applied\n"           \
        "                   workflow, /run/herald/applied/workflow.yml, else the\n"             \
        "                   generator's copy, else /etc/herald/workflow.yml)\n"                 \
        "  -D, --directory=DIR\n"                                                               \
        "                   Read the journal files in DIR (e.g. a runner's journals\n"          \
        "                   received by systemd-journal-remote) instead of this\n"              \
        "                   machine's journal\n"                                                \
        "      --namespace=NS\n"                                                                \
        "                   Also read journal namespace NS (jobs with LogNamespace=)\n"         \
        "  -h, --help       Show this help\n"

/* Parses a read verb's options: the shared ones (and -n) into a, the verb's own through
 * option (with userdata). Return: as verb_parse_options(). */
int read_args_parse_argv(ReadArgs *a, int argc, char **argv, const char *short_options,
                         const struct option *options, void (*help)(void), VerbOption option, void *userdata);
/* Opens the journal these arguments name; logs on failure. */
int read_args_open_journal(const ReadArgs *a, sd_journal **ret);
