/* SPDX-License-Identifier: MIT */
/* done-main.c: herald-done DIR, a job unit's ExecStopPost=+, or --on-failure DIR, the
 * OnFailure= unit of a job whose herald-exec writes its own entry: the job's one
 * result entry
 *
 * Its own program, apart from herald-exec: it runs as root after the job, and each
 * runs once per job and loads only what it uses (bench/job-throughput.sh); this one
 * loads libsystemd only when a job needs it (libsystemd-dl.c).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "herald-ids.h"
#include "done.h"
#include "log.h"
#include "macro.h"
#include "main-util.h"

static const char *arg_dir = NULL;
static bool arg_on_failure = false;

static int help(void) {
        printf("%s [OPTIONS...] DIR\n\n"
               "Writes the result entry of the herald job whose directory is DIR, then removes\n"
               "DIR. Run by systemd, as root, once every process of the job is gone, whatever\n"
               "ended it; not meant to be run by hand:\n"
               "  - as the ExecStopPost=+ of a job unit that has 'unit:' settings (User=,\n"
               "    RuntimeMaxSec=, ...) or runs an http_remote job;\n"
               "  - with --on-failure, by herald-result@<job_id>.service, the OnFailure= unit of\n"
               "    the other job units, whose herald-exec writes the entry itself: there only a\n"
               "    job whose herald-exec was killed (or could not write) still has DIR.\n\n"
               "The result is DIR/out/result.json when the job left one, otherwise what systemd\n"
               "says ended the job ($SERVICE_RESULT, $EXIT_CODE, $EXIT_STATUS, or with\n"
               "--on-failure $MONITOR_SERVICE_RESULT, $MONITOR_EXIT_CODE, $MONITOR_EXIT_STATUS).\n"
               "The entry carries MESSAGE_ID=" HERALD_MESSAGE_RESULT " and the HERALD_* fields.\n"
               "When the unit's journald rate limit is small enough for the job to use up (a\n"
               "workflow may set LogRateLimitBurst= under 'unit:'), the entry is looked for in\n"
               "the journal and, if journald dropped it, sent again at PRIORITY=3 with\n"
               "HERALD_RESENT=true.\n\n"
               "Options:\n"
               "  -h --help        Show this help\n"
               "     --version     Show the version\n"
               "     --on-failure  Run as a job's OnFailure= unit: read $MONITOR_*, and do\n"
               "                   nothing when DIR is gone (the entry was written)\n\n"
               "Exit status: 0 when the entry was written (whether the job succeeded or not);\n"
               "1 when it could not be, and then DIR is kept; 2 on a usage error.\n",
               program_invocation_short_name);
        return 0;
}

static int parse_argv(int argc, char *argv[]) {
        enum {
                ARG_VERSION = 0x100,
                ARG_ON_FAILURE,
        };
        static const struct option options[] = {
                { "help",       no_argument, NULL, 'h'            },
                { "version",    no_argument, NULL, ARG_VERSION    },
                { "on-failure", no_argument, NULL, ARG_ON_FAILURE },
                {}
        };
        int c;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        return help();
                case ARG_VERSION:
                        return main_version("herald-done");
                case ARG_ON_FAILURE:
                        arg_on_failure = true;
                        break;
                case '?':
                        return -EINVAL;
                default:
                        abort();        /* unreachable */
                }

        if (argc - optind != 1)
                return log_error_errno(EINVAL, "Expected exactly one argument, the job directory; see --help.");
        arg_dir = argv[optind];
        if (arg_dir[0] != '/')
                return log_error_errno(EINVAL, "The job directory must be an absolute path: '%s'.", arg_dir);
        return 1;
}

/* $NAME, or with --on-failure $MONITOR_NAME: what systemd says about the job unit */
static const char *job_env(const char *name) {
        char monitor[64];

        if (!arg_on_failure)
                return getenv(name);
        snprintf(monitor, sizeof monitor, "MONITOR_%s", name);
        return getenv(monitor);
}

static int run(void) {
        JobEnd end = {
                .service_result = job_env("SERVICE_RESULT"),
                .exit_code = job_env("EXIT_CODE"),
                .exit_status = job_env("EXIT_STATUS"),
                .invocation_id = job_env("INVOCATION_ID"),
                .dir_gone_is_written = arg_on_failure,
        };

        return done_main(arg_dir, &end);
}

DEFINE_MAIN_FUNCTION("herald-done", run());
