/* SPDX-License-Identifier: MIT */
/* done-main.c: herald-done DIR, a job unit's ExecStopPost=+: the job's one result entry
 *
 * Its own program, apart from herald-exec: it runs as root after the job, and each
 * runs once per job and loads only what it uses (bench/job-throughput.sh); this one
 * loads libsystemd only when a job needs it (libsystemd-dl.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "herald-ids.h"
#include "done.h"
#include "log.h"
#include "macro.h"
#include "main-util.h"

static const char *arg_dir = NULL;

static int help(void) {
        printf("%s [OPTIONS...] DIR\n\n"
               "Writes the result entry of the herald job whose directory is DIR, then removes\n"
               "DIR. Run by systemd as the job unit's ExecStopPost=+ (as root, once every process\n"
               "of the job is gone, whatever ended it); not meant to be run by hand.\n\n"
               "The result is DIR/out/result.json when the job left one, otherwise what systemd\n"
               "says ended the job ($SERVICE_RESULT, $EXIT_CODE, $EXIT_STATUS). The entry carries\n"
               "MESSAGE_ID=" HERALD_MESSAGE_RESULT " and the HERALD_* fields. When the\n"
               "unit's journald rate limit is small enough for the job to use up (a workflow\n"
               "may set LogRateLimitBurst= under 'unit:'), the entry is looked for in the\n"
               "journal and, if journald dropped it, sent again at PRIORITY=3 with\n"
               "HERALD_RESENT=true.\n\n"
               "Options:\n"
               "  -h --help      Show this help\n"
               "     --version   Show the version\n\n"
               "Exit status: 0 when the entry was written (whether the job succeeded or not);\n"
               "1 when it could not be, and then DIR is kept; 2 on a usage error.\n",
               program_invocation_short_name);
        return 0;
}

static int parse_argv(int argc, char *argv[]) {
        int r;

        r = main_parse_argv_plain(argc, argv, "herald-done", help, false);
        if (r <= 0)
                return r;

        if (argc - optind != 1)
                return log_error_errno(EINVAL, "Expected exactly one argument, the job directory; see --help.");
        arg_dir = argv[optind];
        if (arg_dir[0] != '/')
                return log_error_errno(EINVAL, "The job directory must be an absolute path: '%s'.", arg_dir);
        return 1;
}

DEFINE_MAIN_FUNCTION("herald-done", done_main(arg_dir));
