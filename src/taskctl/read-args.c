/* SPDX-License-Identifier: MIT */
/* read-args.c: parsing the options the read verbs share */
#include "log.h"
#include "read-args.h"

/**
 * read_args_parse: take one getopt_long() result if it is a shared option.
 * @c: what getopt_long() returned
 * @arg: optarg
 * @argv: the verb's argv, for naming a bad option
 *
 * Return: 1 taken, 0 not a shared option, -EINVAL for a bad value (logged).
 */
int read_args_parse(ReadArgs *a, int c, const char *arg, char **argv) {
        switch (c) {
        case '?':
                if (optopt != 0)
                        return log_error_errno(EINVAL, "Unknown option '-%c'; see 'taskctl %s --help'.", optopt, argv[0]);
                return log_error_errno(EINVAL, "Unknown option '%s'; see 'taskctl %s --help'.", argv[optind - 1],
                                       argv[0]);
        case ':':
                return log_error_errno(EINVAL, "Option '%s' needs an argument.", argv[optind - 1]);
        case ARG_JSON:
                if (json_mode_from_string(arg, &a->json) < 0)
                        return log_error_errno(EINVAL, "Invalid --json= mode '%s', expected 'short' or 'pretty'.", arg);
                return 1;
        case ARG_NO_PAGER:
                a->no_pager = true;
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
        default:
                return 0;
        }
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
