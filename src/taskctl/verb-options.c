/* SPDX-License-Identifier: MIT */
/* verb-options.c: the getopt_long() loop every taskctl verb runs
 *
 * Each verb gets argv[0] = its name and its own options. The loop, --help, and what
 * an unknown option, a missing argument or a bad value does are the same for all of
 * them (one message style, exit status 2); a verb says only what its options mean. */
#include <errno.h>

#include "log.h"
#include "verb-options.h"

static int bad_option(int c, char **argv) {
        if (c == '?') {
                if (optopt != 0)
                        log_error("Unknown option '-%c'; see 'taskctl %s --help'.", optopt, argv[0]);
                else
                        log_error("Unknown option '%s'; see 'taskctl %s --help'.", argv[optind - 1], argv[0]);
        } else if (c == ':')
                log_error("Option '%s' needs an argument; see 'taskctl %s --help'.", argv[optind - 1], argv[0]);
        else
                log_error("Unhandled option '%c'.", c);
        return TASKCTL_EXIT_USAGE;
}

/**
 * verb_parse_options: parse a verb's options.
 * @argv: the verb's argv: argv[0] is its name
 * @short_options: for getopt_long() (quiet: a leading ':' is added when missing, so the
 *                 bad option is named here, in taskctl's style)
 * @help: prints the verb's help, for -h/--help
 * @option: the verb's options (NULL: it has none but -h)
 * @userdata: handed to @option
 *
 * Return: 1 with optind at the first argument, 0 after --help, or TASKCTL_EXIT_USAGE
 * for a bad option or value (logged; @option logs what was wrong with a value).
 */
int verb_parse_options(int argc, char **argv, const char *short_options, const struct option *options,
                       void (*help)(void), VerbOption option, void *userdata) {
        _cleanup_free_ char *quiet = NULL;
        int c, r;

        if (short_options[0] != ':') {
                if (asprintf(&quiet, ":%s", short_options) < 0)
                        return log_oom();
                short_options = quiet;
        }
        optind = 0;     /* glibc: start over, for every verb run in this process */
        while ((c = getopt_long(argc, argv, short_options, options, NULL)) >= 0) {
                if (c == 'h') {
                        help();
                        return 0;
                }
                r = c == '?' || c == ':' || !option ? 0 : option(c, optarg, userdata);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        return TASKCTL_EXIT_USAGE;
                if (r == 0)
                        return bad_option(c, argv);
        }
        return 1;
}
