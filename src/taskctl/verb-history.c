/* SPDX-License-Identifier: MIT */
/* verb-history.c: `taskctl history`, past results from the journal */
#include <getopt.h>

#include "json-util.h"
#include "log.h"
#include "read-args.h"
#include "table.h"
#include "taskctl-verbs.h"
#include "timestamp.h"
#include "workflow-path.h"

static ReadArgs arg_read;
static const char *arg_router;
static const char *arg_task;
static bool arg_failed;
static bool arg_follow;

static void help(void) {
        printf("Usage: taskctl history [OPTION...] [ROUTER]\n"
               "\n"
               "Show the results of finished jobs, oldest first, newest last.\n"
               "\n"
               "Every job herald runs leaves one result entry in the journal (MESSAGE_ID\n"
               "39d34c102f1d482caf41e75fca8199a7). history lists those entries, all of them or\n"
               "those of one ROUTER, as far back as the journal keeps them. Only entries that\n"
               "journald received from root are shown: a job cannot forge a result.\n"
               "\n"
               "Columns: TIME (when the result was written), ROUTER, TASK, RESULT (success or\n"
               "failed), EXIT (the command's exit code, -1 for death by signal), DURATION\n"
               "(from the job unit's start, where the journal shows it), ERROR, JOB (the job\n"
               "id, for 'taskctl status JOB' and 'taskctl logs JOB'). On a terminal the\n"
               "table is aligned and paged; piped, it is one tab-separated line per result\n"
               "without a header. Results merged from several machines (--directory of a\n"
               "systemd-journal-remote output, docs/FLEET.md) get a HOST column after TIME.\n"
               "\n"
               "Options:\n"
               "  -S, --since=TIME Only results at or after TIME\n"
               "  -U, --until=TIME Only results at or before TIME\n"
               "      --failed     Only failed results\n"
               "      --task=TASK  Only results of task TASK\n"
               "  -n, --lines=N    Only the newest N results (default: all)\n"
               "  -f, --follow     Then print each new result as it arrives, until interrupted\n"
               "                   (Ctrl-C); no pager, no legend; with --json one object per line\n"
               READ_ARGS_HELP
               "\n"
               "TIME is one of: 'YYYY-MM-DD [HH:MM[:SS]]' (local time; append ' UTC' for\n"
               "UTC), 'HH:MM[:SS]' (today), '@EPOCH' (seconds since 1970), 'now', 'today',\n"
               "'yesterday', 'tomorrow', or a span relative to now such as '-1h', '-30min',\n"
               "'-2d', '-1h30min', '+5min' or '2 days ago'.\n"
               "\n"
               "With --json, an array of objects with the keys time, timestamp_usec, job_id,\n"
               "trigger_id, router, task, trigger, selector, executor, success (bool),\n"
               "exit_code (number), error, result and param (parsed JSON), result_truncated\n"
               "and param_truncated (bool: the writer cut that JSON to its size limit), unit,\n"
               "invocation_id, service_result, counter and duration_usec (null when unknown).\n"
               "\n"
               "Examples:\n"
               "  taskctl history backup --since yesterday\n"
               "  taskctl history --failed --since -2d\n"
               "  taskctl history -n 20 --json=pretty\n"
               "  taskctl history --since '2024-05-01 08:00' --until '2024-05-01 12:00' | cut -f1,2,4\n"
               "\n"
               "Exit status: 0 on success, also when nothing matched; 1 on error; 2 on wrong\n"
               "usage; 4 when ROUTER is in no workflow and has no results, or the journal\n"
               "cannot be read by the caller.\n");
}

enum {
        ARG_FAILED = _ARG_READ_MAX,
        ARG_TASK,
};

static int parse_option(int c, const char *arg, void *userdata) {
        switch (c) {
        case ARG_FAILED:
                arg_failed = true;
                return 1;
        case ARG_TASK:
                arg_task = arg;
                return 1;
        case 'f':
                arg_follow = true;
                return 1;
        default:
                return 0;
        }
}

static int parse_argv(int argc, char **argv) {
        static const struct option options[] = {
                READ_ARGS_LONG_OPTIONS,
                READ_ARGS_TIME_OPTIONS,
                { "failed", no_argument, NULL, ARG_FAILED },
                { "task", required_argument, NULL, ARG_TASK },
                { "follow", no_argument, NULL, 'f' },
                READ_ARGS_LINES_OPTION,
                {}
        };
        int r;

        arg_read = READ_ARGS_INIT;
        arg_router = arg_task = NULL;
        arg_failed = false;
        arg_follow = false;

        r = read_args_parse_argv(&arg_read, argc, argv, READ_ARGS_SHORT_OPTIONS "S:U:n:f", options, help, parse_option, NULL);
        if (r <= 0 || r == TASKCTL_EXIT_USAGE)
                return r;
        if (optind < argc)
                arg_router = argv[optind++];
        if (optind < argc)
                return log_error("Too many arguments: '%s'; history takes at most one ROUTER.", argv[optind]), TASKCTL_EXIT_USAGE;
        return 1;
}

/* -f: the results after the newest one printed. Results of one microsecond are told
 * apart by their job ids (HERALD_RESENT copies are left out by result_query()). */
typedef struct Follow {
        usec_t last;
        char **seen;            /* job ids of the results at @last */
        size_t n_seen;
} Follow;

static void follow_done(Follow *f) {
        for (size_t i = 0; i < f->n_seen; i++)
                free(f->seen[i]);
        free(f->seen);
        *f = (Follow) {};
}

static bool follow_seen(const Follow *f, const HeraldResult *res) {
        if (res->realtime < f->last)
                return true;
        for (size_t i = 0; res->realtime == f->last && i < f->n_seen; i++)
                if (streq_ptr(f->seen[i], res->job_id))
                        return true;
        return false;
}

static int follow_mark(Follow *f, const HeraldResult *res) {
        char **a;

        if (res->realtime > f->last) {
                for (size_t i = 0; i < f->n_seen; i++)
                        free(f->seen[i]);
                f->n_seen = 0;
                f->last = res->realtime;
        }
        a = reallocarray(f->seen, f->n_seen + 1, sizeof *a);
        if (!a)
                return -ENOMEM;
        f->seen = a;
        a[f->n_seen] = strdup(strempty(res->job_id));
        if (!a[f->n_seen])
                return -ENOMEM;
        f->n_seen++;
        return 0;
}

/* Prints what is new since the last call; the first call prints what the options ask
 * for (-n included). */
static int follow_step(sd_journal *j, void *userdata) {
        Follow *f = userdata;
        ResultQuery q = RESULT_QUERY_INIT;
        ResultList l = {}, fresh = {};
        int r;

        q.router = arg_router;
        q.task = arg_task;
        q.failed_only = arg_failed;
        q.since = f->last > arg_read.since ? f->last : arg_read.since;
        q.until = arg_read.until;
        q.limit = f->last == 0 ? arg_read.lines : 0;
        r = result_query(j, &q, &l);
        if (r < 0)
                return r;
        (void) result_list_fill_durations(j, &l);
        fresh.items = calloc(l.n ?: 1, sizeof *fresh.items);
        if (!fresh.items) {
                result_list_done(&l);
                return -ENOMEM;
        }
        for (size_t i = 0; i < l.n && r >= 0; i++)
                if (!follow_seen(f, l.items[i])) {
                        r = follow_mark(f, l.items[i]);
                        fresh.items[fresh.n++] = l.items[i];
                }
        if (r >= 0 && fresh.n > 0) {
                if (arg_read.json != JSON_OFF) {
                        for (size_t i = 0; i < fresh.n && r >= 0; i++) {
                                _cleanup_json_ cJSON *o = herald_result_to_json(fresh.items[i]);
                                r = o ? json_output(o, JSON_SHORT) : -ENOMEM;
                        }
                } else
                        r = result_list_print_table(&fresh, true);
        }
        free(fresh.items);      /* the items are l's */
        result_list_done(&l);
        return r;
}

/**
 * verb_history: `taskctl history [ROUTER]`.
 * Return: 0, TASKCTL_EXIT_NO_ACCESS, or a negative errno (logged).
 */
int verb_history(int argc, char **argv) {
        _cleanup_(sd_journal_closep) sd_journal *j = NULL;
        ResultQuery q = RESULT_QUERY_INIT;
        ResultList l = {};
        int r;

        r = parse_argv(argc, argv);
        if (r <= 0 || r == TASKCTL_EXIT_USAGE)
                return r;

        r = read_args_open_journal(&arg_read, &j);
        if (r < 0)
                return r;

        if (arg_follow) {
                _cleanup_(follow_done) Follow f = {};
                int fd = sd_journal_get_fd(j);

                if (fd < 0)
                        return log_error_errno(fd, "Failed to watch the journal: %m");
                /* rows as they come: no header, no legend, nothing held back */
                output_set_legend(false);
                return journal_follow(j, fd, follow_step, &f);
        }

        q.router = arg_router;
        q.task = arg_task;
        q.failed_only = arg_failed;
        q.since = arg_read.since;
        q.until = arg_read.until;
        q.limit = arg_read.lines;
        r = result_query(j, &q, &l);
        if (r < 0)
                return log_error_errno(r, "Failed to read results from the journal: %m");

        if (l.n == 0 && journal_access_denied(j, arg_read.directory)) {
                result_list_done(&l);
                return journal_report_unreadable(arg_read.directory);
        }

        r = result_list_fill_durations(j, &l);
        if (r < 0)
                log_debug_errno(r, "Failed to look up job start times, ignoring: %m");

        if (arg_read.json != JSON_OFF) {
                cJSON *doc = result_list_to_json(&l);
                r = doc ? json_output(doc, arg_read.json) : -ENOMEM;
                cJSON_Delete(doc);
                result_list_done(&l);
                return r < 0 ? log_oom() : 0;
        }

        if (l.n == 0 && arg_router) {
                _cleanup_(workflow_freep) Workflow *w = NULL;

                /* No result and no such router: a typo, said so (a router that is gone
                 * from the workflow still has its results). */
                if (workflow_load(arg_read.workflow ?: taskctl_workflow_path(), NULL, &w) >= 0 &&
                    taskctl_router_unknown(w, arg_router)) {
                        result_list_done(&l);
                        return TASKCTL_EXIT_NOT_FOUND;
                }
        }
        if (l.n == 0) {
                if (output_is_tty())
                        fprintf(stderr, "No results%s%s%s.\n", arg_router ? " for router '" : "", strempty(arg_router),
                                arg_router ? "'" : "");
                result_list_done(&l);
                return 0;
        }

        pager_open(arg_read.no_pager);
        r = result_list_print_table(&l, true);
        result_list_done(&l);
        if (r < 0)
                return log_error_errno(r, "Failed to print results: %m");
        return 0;
}
