/* SPDX-License-Identifier: MIT */
/* main-util.c: --version and the parse_argv() of programs with no options of their own */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "config.h"
#include "main-util.h"

/**
 * main_version() - print "PROGRAM (herald) VERSION", as --version does everywhere
 *
 * Return: 0, parse_argv()'s "exit successfully".
 */
int main_version(const char *program) {
        printf("%s (herald) %s\n", program, HERALD_VERSION);
        return 0;
}

/**
 * main_parse_argv_plain() - parse_argv() of a program whose only options are -h/--help
 * and --version
 * @program: its name, for --version
 * @help: prints its help, returns 0
 * @stop_at_verb: stop at the first argument that is no option (a verb's own follow it)
 *
 * The arguments that are no option start at optind; the caller checks them.
 *
 * Return: 0 after --help or --version; 1 to go on; -EINVAL on an unknown option
 * (getopt said which).
 */
int main_parse_argv_plain(int argc, char *argv[], const char *program, int (*help)(void), bool stop_at_verb) {
        enum {
                ARG_VERSION = 0x100,
        };
        static const struct option options[] = {
                { "help",    no_argument, NULL, 'h'         },
                { "version", no_argument, NULL, ARG_VERSION },
                {}
        };
        int c;

        while ((c = getopt_long(argc, argv, stop_at_verb ? "+h" : "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        return help();
                case ARG_VERSION:
                        return main_version(program);
                case '?':
                        return -EINVAL;
                default:
                        abort();        /* unreachable */
                }
        return 1;
}

/**
 * main_parse_idle_timeout() - an --idle-timeout argument: whole seconds, 0 to a day
 * @arg: the argument
 * @ret_usec: the time in microseconds (0: never)
 *
 * Return: 0; -EINVAL for anything else (the caller says so: "--idle-timeout takes...").
 */
int main_parse_idle_timeout(const char *arg, uint64_t *ret_usec) {
        unsigned long long v;
        char *end;

        errno = 0;
        v = strtoull(arg, &end, 10);
        if (errno || end == arg || *end || v > IDLE_TIMEOUT_MAX_SEC)
                return -EINVAL;
        *ret_usec = v * 1000000ULL;
        return 0;
}
