/* SPDX-License-Identifier: MIT */
/* activate-main.c: herald-activate, one firing of a trigger (herald-trigger-<T>.service)
 *
 * Its own program, apart from herald-exec: the activation loads the workflow (libyaml)
 * and names units (libcrypto for over-long names), which a job never needs. herald-exec
 * starts twice per job, and every library it does not load is start-up time saved on
 * each (bench/job-throughput.sh).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "activate.h"
#include "config.h"
#include "herald-ids.h"
#include "job-request.h"
#include "log.h"
#include "macro.h"
#include "prepare.h"

static const char *arg_workflow = NULL;
static const char *arg_trigger = NULL;
static const char *arg_prepare = NULL;
static const char *arg_router = NULL;
static const char *arg_task = NULL;

static int help(void) {
        printf("%s [OPTIONS...] --workflow FILE --trigger NAME\n"
               "%s [OPTIONS...] --prepare JOB_ID --workflow FILE --router NAME --task NAME\n\n"
               "One firing of a trigger: gives the firing its trigger_id (and, for a tick\n"
               "trigger, its counter), evaluates the selector of every router on the trigger,\n"
               "and starts one job unit in herald.slice per selected task. Tasks whose executor\n"
               "is 'none' start no unit; their result entry is written here. The firing ends\n"
               "with one journal entry that counts what was selected, started and skipped.\n\n"
               "Run by herald-trigger-NAME.service, which the trigger's timer starts; not meant\n"
               "to be run by hand (use 'taskctl' to see what ran).\n\n"
               "With --prepare: the ExecStartPre=+ of a job unit heraldd starts\n"
               "(herald-ROUTER-TASK@JOB_ID.service). Reads heraldd's request\n"
               "" JOB_REQUEST_DIR "/JOB_ID.json as untrusted data (ids and trigger param\n"
               "only), makes the job's directory in " HERALD_JOBS_DIR "/ from the workflow and\n"
               "marks the job id as started in " JOB_STARTED_DIR "/. Without a request (the\n"
               "job was started before) it does nothing and exits 0.\n\n"
               "Options:\n"
               "  -w --workflow FILE   The workflow snapshot the units were made from\n"
               "  -t --trigger NAME    The trigger that fired\n"
               "     --prepare JOB_ID  Prepare the job JOB_ID of heraldd's request\n"
               "     --router NAME     With --prepare: the unit's router\n"
               "     --task NAME       With --prepare: the unit's task\n"
               "  -h --help            Show this help\n"
               "     --version         Show the version\n\n"
               "Exit status: 0 when every selected job was started (--prepare: the job is\n"
               "ready, or was started before), 1 otherwise, 2 on a usage error.\n",
               program_invocation_short_name, program_invocation_short_name);
        return 0;
}

static int parse_argv(int argc, char *argv[]) {
        enum {
                ARG_VERSION = 0x100,
                ARG_PREPARE,
                ARG_ROUTER,
                ARG_TASK,
        };
        static const struct option options[] = {
                { "help",     no_argument,       NULL, 'h'         },
                { "version",  no_argument,       NULL, ARG_VERSION },
                { "workflow", required_argument, NULL, 'w'         },
                { "trigger",  required_argument, NULL, 't'         },
                { "prepare",  required_argument, NULL, ARG_PREPARE },
                { "router",   required_argument, NULL, ARG_ROUTER  },
                { "task",     required_argument, NULL, ARG_TASK    },
                {}
        };
        int c;

        while ((c = getopt_long(argc, argv, "hw:t:", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        return help();
                case ARG_VERSION:
                        printf("herald-activate (herald) %s\n", HERALD_VERSION);
                        return 0;
                case 'w':
                        arg_workflow = optarg;
                        break;
                case 't':
                        arg_trigger = optarg;
                        break;
                case ARG_PREPARE:
                        arg_prepare = optarg;
                        break;
                case ARG_ROUTER:
                        arg_router = optarg;
                        break;
                case ARG_TASK:
                        arg_task = optarg;
                        break;
                case '?':
                        return -EINVAL;
                default:
                        abort();        /* unreachable */
                }

        if (optind < argc)
                return log_error_errno(EINVAL, "Unexpected argument '%s'; see --help.", argv[optind]);
        if (arg_prepare) {
                if (arg_trigger)
                        return log_error_errno(EINVAL, "--prepare and --trigger exclude each other; see --help.");
                if (!arg_workflow || !arg_router || !arg_task)
                        return log_error_errno(EINVAL, "--prepare needs --workflow, --router and --task; see --help.");
                return 1;
        }
        if (arg_router || arg_task)
                return log_error_errno(EINVAL, "--router and --task go with --prepare only; see --help.");
        if (!arg_workflow || !arg_trigger)
                return log_error_errno(EINVAL, "Both --workflow and --trigger are required; see --help.");
        return 1;
}

int main(int argc, char *argv[]) {
        int r;

        log_setup("herald-activate", LOG_TARGET_STDERR);
        r = parse_argv(argc, argv);
        if (r < 0)
                return 2;       /* usage */
        if (r == 0)
                return EXIT_SUCCESS;
        if (arg_prepare)
                r = prepare_run(arg_workflow, arg_prepare, arg_router, arg_task);
        else
                r = activate_run(arg_workflow, arg_trigger);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
