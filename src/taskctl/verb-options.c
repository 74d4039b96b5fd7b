/* SPDX-License-Identifier: MIT */
/* verb-options.c: the getopt_long() loop every taskctl verb runs
 *
 * Each verb gets argv[0] = its name and its own options. The loop, --help, and what
 * an unknown option or a missing argument does are the same for all of them; a verb
 * says only what its options mean. Two conventions stay as they were: the read verbs
 * (short options starting with ':', which quiets getopt) name the bad option
 * themselves and exit 1, the write verbs let getopt name it and exit 2. */
#include <errno.h>

#include "log.h"
#include "verb-options.h"

static int bad_option(int c, char **argv, bool quiet) {
        if (!quiet)
                return TASKCTL_EXIT_USAGE;      /* getopt has said what was wrong */
        if (c == '?') {
                if (optopt != 0)
                        return log_error_errno(EINVAL, "Unknown option '-%c'; see 'taskctl %s --help'.", optopt, argv[0]);
                return log_error_errno(EINVAL, "Unknown option '%s'; see 'taskctl %s --help'.", argv[optind - 1],
                                       argv[0]);
        }
        if (c == ':')
                return log_error_errno(EINVAL, "Option '%s' needs an argument.", argv[optind - 1]);
        return log_error_errno(EINVAL, "Unhandled option '%c'.", c);
}

/**
 * verb_parse_options: parse a verb's options.
 * @argv: the verb's argv: argv[0] is its name
 * @short_options: for getopt_long(); a leading ':' makes it quiet (see above)
 * @help: prints the verb's help, for -h/--help
 * @option: the verb's options (NULL: it has none but -h)
 * @userdata: handed to @option
 *
 * Return: 1 with optind at the first argument, 0 after --help, a negative errno for
 * a bad option or value (logged), or TASKCTL_EXIT_USAGE (getopt printed why).
 */
int verb_parse_options(int argc, char **argv, const char *short_options, const struct option *options,
                       void (*help)(void), VerbOption option, void *userdata) {
        bool quiet = short_options[0] == ':';
        int c, r;

        optind = 0;     /* glibc: start over, for every verb run in this process */
        while ((c = getopt_long(argc, argv, short_options, options, NULL)) >= 0) {
                if (c == 'h') {
                        help();
                        return 0;
                }
                r = c == '?' || c == ':' || !option ? 0 : option(c, optarg, userdata);
                if (r < 0)
                        return r;
                if (r == 0)
                        return bad_option(c, argv, quiet);
        }
        return 1;
}
