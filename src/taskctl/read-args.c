/* SPDX-License-Identifier: MIT */
/* read-args.c: parsing the options the read verbs share */
#include <errno.h>
#include <stdlib.h>

#include "log.h"
#include "read-args.h"
#include "table.h"

static int parse_lines(ReadArgs *a, const char *arg) {
        unsigned long long n;
        char *end;

        if (a->lines_all && streq(arg, "all")) {
                a->lines = 0;
                return 1;
        }
        errno = 0;
        n = strtoull(arg, &end, 10);
        if (errno != 0 || *end || arg[0] == '-' || arg == end || (a->lines_max > 0 && n > a->lines_max))
                return log_error_errno(EINVAL, "Invalid --lines= count '%s'.", arg);
        a->lines = (size_t) n;
        return 1;
}

/* Takes one getopt_long() result if it is a shared option. Return: 1 taken, 0 not a
 * shared option, -EINVAL for a bad value (logged). */
static int read_args_parse(ReadArgs *a, int c, const char *arg) {
        switch (c) {
        case ARG_JSON:
                if (json_mode_from_string(arg, &a->json) < 0)
                        return log_error_errno(EINVAL, "Invalid --json= mode '%s', expected 'short' or 'pretty'.", arg);
                return 1;
        case ARG_NO_PAGER:
                a->no_pager = true;
                return 1;
        case ARG_NO_LEGEND:
                output_set_legend(false);
                return 1;
        case ARG_WORKFLOW:
                a->workflow = arg;
                return 1;
        case 'D':
                a->directory = arg;
                return 1;
        case ARG_NAMESPACE:
                a->name_space = arg;
                return 1;
        case 'n':
                return parse_lines(a, arg);
        case 'S':
                if (timestamp_parse(arg, a->now, &a->since) < 0)
                        return log_error_errno(EINVAL, "Invalid --since= time '%s'.", arg);
                return 1;
        case 'U':
                if (timestamp_parse(arg, a->now, &a->until) < 0)
                        return log_error_errno(EINVAL, "Invalid --until= time '%s'.", arg);
                return 1;
        default:
                return 0;
        }
}

typedef struct ReadArgsParse {
        ReadArgs *args;
        VerbOption verb_option;
        void *userdata;
} ReadArgsParse;

static int read_args_option(int c, const char *arg, void *userdata) {
        ReadArgsParse *p = userdata;
        int r;

        r = read_args_parse(p->args, c, arg);
        if (r != 0 || !p->verb_option)
                return r;
        return p->verb_option(c, arg, p->userdata);
}

/**
 * read_args_parse_argv: parse a read verb's options.
 * @a: the shared options; a->lines, a->lines_max and a->lines_all set by the caller
 * @option: the verb's own options, after the shared ones (NULL: none)
 * @userdata: handed to @option
 *
 * Return: 1 with optind at the first argument, 0 after --help, or a negative errno
 * (logged).
 */
int read_args_parse_argv(ReadArgs *a, int argc, char **argv, const char *short_options,
                         const struct option *options, void (*help)(void), VerbOption option, void *userdata) {
        ReadArgsParse p = { .args = a, .verb_option = option, .userdata = userdata };
        int r;

        r = verb_parse_options(argc, argv, short_options, options, help, read_args_option, &p);
        if (r > 0 && r != TASKCTL_EXIT_USAGE && a->since > a->until)
                return log_error("--since= is after --until=."), TASKCTL_EXIT_USAGE;
        return r;
}

int read_args_open_journal(const ReadArgs *a, sd_journal **ret) {
        int r;

        r = journal_open(a->directory, a->name_space, ret);
        if (r < 0) {
                if (a->directory)
                        return log_error_errno(r, "Failed to open the journal files in '%s': %m", a->directory);
                if (a->name_space)
                        return log_error_errno(r, "Failed to open journal namespace '%s': %m", a->name_space);
                return log_error_errno(r, "Failed to open the journal: %m");
        }
        return 0;
}
