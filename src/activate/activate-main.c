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
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "activate-protocol.h"
#include "activate.h"
#include "config.h"
#include "herald-ids.h"
#include "job-request.h"
#include "log.h"
#include "macro.h"
#include "main-util.h"
#include "runner-reply.h"
#include "serve.h"
#include "serve-runner.h"

static const char *arg_workflow = NULL;
static const char *arg_trigger = NULL;
static bool arg_serve = false;
static bool arg_serve_runner = false;
static const char *arg_config = RUNNER_CONFIG_DEFAULT;
static const char *arg_listen = NULL;
static uint64_t arg_idle_timeout_usec = SERVE_IDLE_TIMEOUT_USEC;

static int help(void) {
        printf("%s [OPTIONS...] --workflow FILE --trigger NAME\n"
               "%s [OPTIONS...] --serve --workflow FILE\n"
               "%s [OPTIONS...] --serve-runner [--config FILE]\n\n"
               "One firing of a trigger: gives the firing its trigger_id (and, for a tick\n"
               "trigger, its counter), evaluates the selector of every router on the trigger,\n"
               "and starts one job unit in herald.slice per selected task. Tasks whose executor\n"
               "is 'none' start no unit; their result entry is written here. The firing ends\n"
               "with one journal entry that counts what was selected, started and skipped.\n\n"
               "Run by herald-trigger-NAME.service, which the trigger's timer starts; not meant\n"
               "to be run by hand (use 'taskctl' to see what ran).\n\n"
               "With --serve: herald-activate.service, the root end of heraldd's job starts.\n"
               "heraldd (user herald) writes a request file " JOB_REQUEST_DIR "/JOB_ID.json\n"
               "and asks over herald-activate.socket (" ACTIVATE_SOCKET ") to start it.\n"
               "The request is untrusted data (ids and trigger param only); what runs comes\n"
               "from the workflow snapshot. The job's directory is made in " HERALD_JOBS_DIR "/,\n"
               "the job id marked as started in " JOB_STARTED_DIR "/, and the job started as\n"
               "an instance of the task's template unit. A request that cannot\n"
               "become a job is kept aside as JOB_ID.json.refused and gets a failed result\n"
               "entry. Exits when idle; the socket stays.\n\n"
               "With --serve-runner: herald-runner-activate.service, the root end of\n"
               "herald-runner's jobs. herald-runner (user " RUNNER_USER ") writes the request\n"
               "to " RUNNER_REQUEST_DIR "/JOB_ID.json and sends RUN over\n"
               RUNNER_ACTIVATE_SOCKET "; the job runs as " RUNNER_JOB_UNIT_PREFIX "JOB_ID.service,\n"
               "its cmd confined by the runner's config (read here, root-owned).\n\n"
               "Options:\n"
               "  -w --workflow FILE   The workflow snapshot the units were made from\n"
               "  -t --trigger NAME    The trigger that fired\n"
               "     --serve           Start heraldd's jobs (herald-activate.service)\n"
               "     --listen PATH     With --serve: bind this socket instead of taking\n"
               "                       the one systemd passes (development, tests)\n"
               "     --idle-timeout SEC  With --serve: exit after SEC seconds with no\n"
               "                       connection and nothing in flight (default 30; 0: never)\n"
               "     --serve-runner    Run herald-runner's jobs (herald-runner-activate.service)\n"
               "     --config FILE     With --serve-runner: herald-runner's config\n"
               "                       (default " RUNNER_CONFIG_DEFAULT ")\n"
               "  -h --help            Show this help\n"
               "     --version         Show the version\n\n"
               "Exit status: 0 when every selected job was started (--serve: at an idle\n"
               "exit or SIGTERM), 1 otherwise, 2 on a usage error.\n",
               program_invocation_short_name, program_invocation_short_name, program_invocation_short_name);
        return 0;
}

static int parse_argv(int argc, char *argv[]) {
        enum {
                ARG_VERSION = 0x100,
                ARG_SERVE,
                ARG_LISTEN,
                ARG_IDLE_TIMEOUT,
                ARG_SERVE_RUNNER,
                ARG_CONFIG,
        };
        static const struct option options[] = {
                { "help",     no_argument,       NULL, 'h'         },
                { "version",  no_argument,       NULL, ARG_VERSION },
                { "workflow", required_argument, NULL, 'w'         },
                { "trigger",  required_argument, NULL, 't'         },
                { "serve",        no_argument,       NULL, ARG_SERVE        },
                { "listen",       required_argument, NULL, ARG_LISTEN       },
                { "idle-timeout", required_argument, NULL, ARG_IDLE_TIMEOUT },
                { "serve-runner", no_argument,       NULL, ARG_SERVE_RUNNER },
                { "config",       required_argument, NULL, ARG_CONFIG       },
                {}
        };
        int c;

        while ((c = getopt_long(argc, argv, "hw:t:", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        return help();
                case ARG_VERSION:
                        return main_version("herald-activate");
                case 'w':
                        arg_workflow = optarg;
                        break;
                case 't':
                        arg_trigger = optarg;
                        break;
                case ARG_SERVE:
                        arg_serve = true;
                        break;
                case ARG_SERVE_RUNNER:
                        arg_serve_runner = true;
                        break;
                case ARG_CONFIG:
                        arg_config = optarg;
                        break;
                case ARG_LISTEN:
                        arg_listen = optarg;
                        break;
                case ARG_IDLE_TIMEOUT:
                        if (main_parse_idle_timeout(optarg, &arg_idle_timeout_usec) < 0)
                                return log_error_errno(EINVAL, "--idle-timeout takes whole seconds (0-86400), not '%s'.", optarg);
                        break;
                case '?':
                        return -EINVAL;
                default:
                        abort();        /* unreachable */
                }

        if (optind < argc)
                return log_error_errno(EINVAL, "Unexpected argument '%s'; see --help.", argv[optind]);
        if (arg_serve_runner) {
                if (arg_serve || arg_trigger || arg_workflow)
                        return log_error_errno(EINVAL, "--serve-runner takes neither --serve, --workflow nor --trigger; see --help.");
                return 1;
        }
        if (arg_serve) {
                if (arg_trigger)
                        return log_error_errno(EINVAL, "--serve and --trigger exclude each other; see --help.");
                if (!arg_workflow)
                        return log_error_errno(EINVAL, "--serve needs --workflow; see --help.");
                return 1;
        }
        if (arg_listen)
                return log_error_errno(EINVAL, "--listen goes with --serve only; see --help.");
        if (!arg_workflow || !arg_trigger)
                return log_error_errno(EINVAL, "Both --workflow and --trigger are required; see --help.");
        return 1;
}

static int run(void) {
        if (arg_serve_runner)
                return serve_runner_run(arg_config, arg_listen, arg_idle_timeout_usec);
        if (arg_serve)
                return serve_run(arg_workflow, arg_listen, arg_idle_timeout_usec);
        return activate_run(arg_workflow, arg_trigger);
}

DEFINE_MAIN_FUNCTION("herald-activate", run());
