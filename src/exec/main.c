/* SPDX-License-Identifier: MIT */
/* main.c: herald-exec, one job (a job unit's ExecStart=) and, with --result-entry, its
 * result entry; otherwise herald-done writes that */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "job.h"
#include "log.h"
#include "macro.h"
#include "main-util.h"

static const char *arg_verb = NULL;
static const char *arg_dir = NULL;
static bool arg_result_entry = false;

static int help(void) {
        printf("%s [OPTIONS...] VERB ...\n\n"
               "Runs one herald job; run by the job units herald-activate starts, as their\n"
               "ExecStart=.\n\n"
               "Verbs:\n"
               "  job [--result-entry] DIR\n"
               "                 Run the job described by DIR/job.json and write\n"
               "                 DIR/out/result.json; exit 0 when the job succeeded,\n"
               "                 1 when it failed, 2 on a usage error. herald-done,\n"
               "                 the unit's ExecStopPost=+, then writes the result\n"
               "                 entry. With --result-entry (a root job with no\n"
               "                 'unit:' settings, a herald-runner job) this program\n"
               "                 writes it once the command is gone, as herald-done\n"
               "                 would, and removes DIR; a stopped job's entry says\n"
               "                 so. The entry of a job this program could not\n"
               "                 finish (it was killed) comes from the unit's\n"
               "                 OnFailure=, herald-result@<job_id>.service\n\n"
               "Options:\n"
               "  -h --help      Show this help\n"
               "     --version   Show the version\n",
               program_invocation_short_name);
        return 0;
}

static int parse_argv(int argc, char *argv[]) {
        int r;

        /* stop at the verb; what follows it is the verb's own. */
        r = main_parse_argv_plain(argc, argv, "herald-exec", help, true);
        if (r <= 0)
                return r;

        if (optind >= argc)
                return log_error_errno(EINVAL, "Missing verb (job); see --help.");
        arg_verb = argv[optind];

        if (!streq(arg_verb, "job"))
                return log_error_errno(EINVAL, "Unknown verb '%s'; see --help.", arg_verb);
        optind++;
        if (optind < argc && streq(argv[optind], "--result-entry")) {
                arg_result_entry = true;
                optind++;
        }
        if (argc - optind != 1)
                return log_error_errno(EINVAL, "'%s' takes exactly one argument, the job directory.", arg_verb);
        arg_dir = argv[optind];
        if (arg_dir[0] != '/')
                return log_error_errno(EINVAL, "The job directory must be an absolute path: '%s'.", arg_dir);

        return 1;
}

DEFINE_MAIN_FUNCTION_WITH_POSITIVE_STATUS("herald-exec", job_main(arg_dir, arg_result_entry));
