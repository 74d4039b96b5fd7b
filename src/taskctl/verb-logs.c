/* SPDX-License-Identifier: MIT */
/* verb-logs.c: `taskctl logs`, a job's or a router's own output from the journal */
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <time.h>

#include "log.h"
#include "read-args.h"
#include "table.h"
#include "taskctl-verbs.h"
#include "workflow-path.h"

#define LINES_DEFAULT 50

static ReadArgs arg_read;
static bool arg_follow;

static volatile sig_atomic_t quit;

static void help(void) {
        printf("Usage: taskctl logs [OPTION...] JOB_ID|ROUTER\n"
               "\n"
               "Show what a job, or every job of a router, printed.\n"
               "\n"
               "Job units carry LogExtraFields=HERALD_JOB_ID=, HERALD_ROUTER= and\n"
               "HERALD_TASK=, so every line a job writes to stdout, stderr or the journal can\n"
               "be found by its job id or its router. logs shows those entries, including\n"
               "the job's result entry, oldest first:\n"
               "\n"
               "  TIMESTAMP ROUTER/TASK[JOBID8]: MESSAGE\n"
               "\n"
               "JOB_ID is a full job id or a unique prefix of at least 8 characters (as\n"
               "'taskctl history' shows them). Any other argument is taken as a router name.\n"
               "\n"
               "Options:\n"
               "  -n, --lines=N    Show the last N lines (0 or 'all': all; default: all of one\n"
               "                   job's lines, the last 50 of a router's)\n"
               "  -f, --follow     Keep printing new lines as they arrive, until interrupted\n"
               "                   (Ctrl-C); no pager\n"
               READ_ARGS_HELP
               "\n"
               "With --json, an array of objects with the keys time, timestamp_usec,\n"
               "priority, router, task, job_id, unit, identifier, message_id, message and\n"
               "cursor. With --json and --follow, one object per line instead, as they\n"
               "arrive.\n"
               "\n"
               "Examples:\n"
               "  taskctl logs 3f2a9c1e\n"
               "  taskctl logs backup -n 200\n"
               "  taskctl logs -f backup\n"
               "  taskctl logs --json 3f2a9c1e-5d7b-4c1a-9e4f-0a1b2c3d4e5f | jq -r '.[].message'\n"
               "\n"
               "Exit status: 0 on success, also when the router has no output yet; 1 on\n"
               "error or an ambiguous job id prefix; 4 when there is no such job or router,\n"
               "or the journal cannot be read by the caller; 2 on wrong usage.\n");
}

static int parse_option(int c, const char *arg, void *userdata) {
        if (c != 'f')
                return 0;
        arg_follow = true;
        return 1;
}

static int parse_argv(int argc, char **argv, const char **ret_target) {
        static const struct option options[] = {
                READ_ARGS_LONG_OPTIONS,
                READ_ARGS_LINES_OPTION,
                { "follow", no_argument, NULL, 'f' },
                {}
        };
        int r;

        /* SIZE_MAX: not given; a job's whole run, or a router's last LINES_DEFAULT */
        arg_read = (ReadArgs) { .lines = SIZE_MAX, .lines_all = true };
        arg_follow = false;

        r = read_args_parse_argv(&arg_read, argc, argv, READ_ARGS_SHORT_OPTIONS "n:f", options, help, parse_option, NULL);
        if (r <= 0 || r == TASKCTL_EXIT_USAGE)
                return r;
        if (optind >= argc)
                return log_error("Missing JOB_ID or ROUTER; see 'taskctl logs --help'."), TASKCTL_EXIT_USAGE;
        if (optind + 1 < argc)
                return log_error("Too many arguments: '%s'; logs takes one JOB_ID or ROUTER.", argv[optind + 1]), TASKCTL_EXIT_USAGE;
        *ret_target = argv[optind];
        return 1;
}

/* Is name a router of the workflow? Only asked when nothing was found, to tell "no
 * output yet" from "no such thing"; a workflow that cannot be loaded says no. */
static bool workflow_has_router(const char *name) {
        _cleanup_(workflow_freep) Workflow *w = NULL;

        if (workflow_load(arg_read.workflow ?: taskctl_workflow_path(), NULL, &w) < 0 || w->unloadable)
                return false;
        return workflow_find_router(w, name) != NULL;
}

static void on_signal(int sig) {
        quit = 1;
}

/* Waits for new entries with SIGINT/SIGTERM blocked except inside ppoll(), so a
 * signal can never slip in between the check of "quit" and the wait. */
static int follow(sd_journal *j, int fd) {
        struct sigaction sa = { .sa_handler = on_signal };
        sigset_t block, old;
        int r;

        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        sigemptyset(&block);
        sigaddset(&block, SIGINT);
        sigaddset(&block, SIGTERM);
        sigprocmask(SIG_BLOCK, &block, &old);

        for (;;) {
                struct pollfd p = { .fd = fd };
                struct timespec ts, *tsp = NULL;
                uint64_t timeout = UINT64_MAX;

                r = journal_lines_output(j, NULL, arg_read.json, output_use_color());
                if (r < 0)
                        break;
                fflush(stdout);
                if (quit) {
                        r = 0;
                        break;
                }

                r = sd_journal_get_events(j);
                if (r < 0)
                        break;
                p.events = (short) r;
                r = sd_journal_get_timeout(j, &timeout);
                if (r < 0)
                        break;
                if (timeout != UINT64_MAX) {
                        usec_t now = now_monotonic(), d = timeout > now ? timeout - now : 0;
                        ts = (struct timespec) { .tv_sec = (time_t) (d / USEC_PER_SEC),
                                                 .tv_nsec = (long) (d % USEC_PER_SEC) * 1000 };
                        tsp = &ts;
                }
                if (ppoll(&p, 1, tsp, &old) < 0 && errno != EINTR) {
                        r = -errno;
                        break;
                }
                if (quit) {
                        r = 0;
                        break;
                }
                r = sd_journal_process(j);
                if (r < 0)
                        break;
        }
        sigprocmask(SIG_SETMASK, &old, NULL);
        if (r < 0)
                return log_error_errno(r, "Failed to follow the journal: %m");
        return 0;
}

/**
 * verb_logs: `taskctl logs JOB_ID|ROUTER`.
 * Return: 0, TASKCTL_EXIT_NOT_FOUND, TASKCTL_EXIT_NO_ACCESS, or a negative errno (logged).
 */
int verb_logs(int argc, char **argv) {
        _cleanup_(sd_journal_closep) sd_journal *j = NULL;
        _cleanup_free_ char *job_id = NULL;
        const char *target = NULL, *field, *value;
        cJSON *collect = NULL;
        int fd = -1, r, n;

        r = parse_argv(argc, argv, &target);
        if (r <= 0 || r == TASKCTL_EXIT_USAGE)
                return r;

        r = read_args_open_journal(&arg_read, &j);
        if (r < 0)
                return r;
        if (arg_follow) {
                /* Before the first read, so no entry written meanwhile goes unnoticed. */
                fd = sd_journal_get_fd(j);
                if (fd < 0)
                        return log_error_errno(fd, "Failed to watch the journal: %m");
        }

        r = journal_resolve_job_id(j, target, &job_id);
        if (r < 0)
                return log_error_errno(r, "Failed to look up job ids in the journal: %m");
        if (r == JOB_ID_AMBIGUOUS)
                return log_error_errno(EINVAL, "Job id prefix '%s' matches more than one job; give more characters.",
                                       target);
        if (r == 0) {
                field = "HERALD_JOB_ID";
                value = job_id;
                if (arg_read.lines == SIZE_MAX)
                        arg_read.lines = 0;     /* one run: all of it, as journalctl -u would */
        } else {
                field = "HERALD_ROUTER";
                value = target;
                if (arg_read.lines == SIZE_MAX)
                        arg_read.lines = LINES_DEFAULT;
        }

        r = journal_seek_last_lines(j, field, value, arg_read.lines);
        if (r < 0)
                return log_error_errno(r, "Failed to seek in the journal: %m");

        if (arg_follow)
                return follow(j, fd);

        if (arg_read.json != JSON_OFF) {
                collect = cJSON_CreateArray();
                if (!collect)
                        return log_oom();
        } else
                pager_open(arg_read.no_pager);

        n = journal_lines_output(j, collect, arg_read.json, output_use_color());
        if (n < 0) {
                cJSON_Delete(collect);
                return log_error_errno(n, "Failed to read the journal: %m");
        }
        if (n == 0) {
                if (journal_access_denied(j, arg_read.directory)) {
                        cJSON_Delete(collect);
                        return journal_report_unreadable(arg_read.directory);
                }
                if (!job_id && !workflow_has_router(target)) {
                        cJSON_Delete(collect);
                        log_error("No job or router '%s' found.", target);
                        return TASKCTL_EXIT_NOT_FOUND;
                }
                if (!collect && output_is_tty())
                        fprintf(stderr, "-- No entries --\n");
        }
        if (collect) {
                r = json_output(collect, arg_read.json);
                cJSON_Delete(collect);
                if (r < 0)
                        return log_oom();
        }
        return 0;
}
