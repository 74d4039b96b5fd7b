/* SPDX-License-Identifier: MIT */
/* verb-status.c: `taskctl status`, herald's answer to `systemctl status`
 *
 * Three views. Without an argument: one line per router (its timer, its running job
 * units, how its recent runs went). With a router: its trigger and timer, the job
 * units running now, its last runs and the output of its newest job. With a job id:
 * that job's result entry in full, its unit and its output. */
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>

#include "json-util.h"
#include "herald-id.h"
#include "herald-ids.h"
#include "log.h"
#include "read-args.h"
#include "table.h"
#include "taskctl-verbs.h"
#include "unit-name.h"
#include "unit-state.h"
#include "workflow-path.h"

#define LINES_DEFAULT 10
#define LINES_MAX 100000
#define LABEL_WIDTH 14

static ReadArgs arg_read;

static void help(void) {
        printf("Usage: taskctl status [OPTION...] [ROUTER|JOB_ID]\n"
               "\n"
               "Show the state of herald's routers and jobs, read from systemd and the\n"
               "journal.\n"
               "\n"
               "Without an argument, one line per router of the workflow: its trigger, the\n"
               "state of the trigger's unit (a timer, herald-trigger-NAME.timer; for an http\n"
               "trigger its socket, herald-trigger-NAME.socket; for exe_done\n"
               "heraldd-notify.socket), the timer's next elapse, how many of its job units\n"
               "are running now (loaded units herald-ROUTER-* in herald.slice), its newest\n"
               "result and how many of its last N runs succeeded.\n"
               "\n"
               "With ROUTER: its trigger, schedule, selector, tasks, the timer's state, next\n"
               "and last elapse (or the socket's state and whether heraldd runs now: it exits\n"
               "when idle and its sockets start it again), the job units running now, its\n"
               "last N runs (time, task, result, exit code, duration, error, job id) and the\n"
               "last N lines of output of its newest job.\n"
               "\n"
               "With JOB_ID (a full job id or a unique prefix of at least 8 characters): the\n"
               "job's result entry in full (ids, names, success, exit code, error, the\n"
               "execution param and the result as indented JSON), its unit and invocation,\n"
               "the unit's state if systemd still has it loaded, and its last N lines of\n"
               "output. An argument that names a router is taken as the router.\n"
               "\n"
               "Options:\n"
               "  -n, --lines=N    How many runs and log lines to show (default 10)\n"
               "  -S, --since=TIME Only runs at or after TIME (the runs counted and shown)\n"
               "  -U, --until=TIME Only runs at or before TIME\n"
               READ_ARGS_HELP
               "\n"
               "With --json: without an argument, an array with one object per router\n"
               "(router, trigger, trigger_type, schedule, broken, timer, socket, daemon,\n"
               "running, runs; timer, socket and daemon are null where they do not apply);\n"
               "with ROUTER, one such object plus selector, concurrency, tasks and log; with\n"
               "JOB_ID, an object with job_id, router, task, state (success, failed, running\n"
               "or unknown), entry (the result as 'taskctl history --json' prints it, or\n"
               "null), unit and log.\n"
               "\n"
               "Examples:\n"
               "  taskctl status\n"
               "  taskctl status backup\n"
               "  taskctl status 3f2a9c1e\n"
               "  taskctl status 3f2a9c1e --json | jq .entry.result\n"
               "\n"
               "Exit status: 0 on success; with ROUTER, 3 when its newest run failed; with\n"
               "JOB_ID, 3 when the job failed or has no result yet; 4 when there is no such\n"
               "router or job, or the journal cannot be read by the caller; 2 on wrong\n"
               "usage; 1 on other errors.\n");
}

static int parse_argv(int argc, char **argv, const char **ret_target) {
        static const struct option options[] = {
                READ_ARGS_LONG_OPTIONS,
                READ_ARGS_LINES_OPTION,
                READ_ARGS_TIME_OPTIONS,
                {}
        };
        int r;

        arg_read = READ_ARGS_INIT;
        arg_read.lines = LINES_DEFAULT;
        arg_read.lines_max = LINES_MAX;
        *ret_target = NULL;

        r = read_args_parse_argv(&arg_read, argc, argv, READ_ARGS_SHORT_OPTIONS "n:S:U:", options, help, NULL, NULL);
        if (r <= 0 || r == TASKCTL_EXIT_USAGE)
                return r;
        if (optind < argc)
                *ret_target = argv[optind++];
        if (optind < argc)
                return log_error("Too many arguments: '%s'; status takes one ROUTER or JOB_ID.", argv[optind]), TASKCTL_EXIT_USAGE;
        return 1;
}

static cJSON *unit_state_to_json(const UnitState *u) {
        cJSON *o;
        int r;

        if (!u)
                return cJSON_CreateNull();
        o = cJSON_CreateObject();
        if (!o)
                return NULL;
        r = json_object_add(o, "unit", json_string_or_null(u->name));
        if (r >= 0)
                r = json_object_add(o, "loaded", cJSON_CreateBool(u->loaded));
        if (r >= 0)
                r = json_object_add(o, "active_state", json_string_or_null(u->active_state));
        if (r >= 0)
                r = json_object_add(o, "sub_state", json_string_or_null(u->sub_state));
        if (r >= 0)
                r = json_object_add(o, "since", timestamp_to_json(u->active_enter));
        if (r >= 0 && strlen(u->name) > 6 && streq(u->name + strlen(u->name) - 6, ".timer")) {
                r = json_object_add(o, "next_elapse", timestamp_to_json(u->next_elapse));
                if (r >= 0)
                        r = json_object_add(o, "last_trigger", timestamp_to_json(u->last_trigger));
        }
        if (r < 0) {
                cJSON_Delete(o);
                return NULL;
        }
        return o;
}

static cJSON *unit_list_to_json(const UnitStateList *l) {
        cJSON *a = cJSON_CreateArray();

        if (!a)
                return NULL;
        for (size_t i = 0; i < l->n; i++) {
                cJSON *o = unit_state_to_json(&l->items[i]);
                if (!o || !cJSON_AddItemToArray(a, o)) {
                        cJSON_Delete(o);
                        cJSON_Delete(a);
                        return NULL;
                }
        }
        return a;
}

/* "active (waiting)", "-" when not loaded. */
static const char *unit_state_string(const UnitState *u, char *buf, size_t size) {
        if (!u || !u->loaded)
                return "-";
        snprintf(buf, size, "%s (%s)", strna(u->active_state), strna(u->sub_state));
        return buf;
}

static void print_field(const char *label, const char *fmt, ...) _printf_(2, 3);
static void print_field(const char *label, const char *fmt, ...) {
        va_list ap;

        /* An empty label continues the field above. */
        printf("%*s%s", LABEL_WIDTH, label, *label ? ": " : "  ");
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        fputc('\n', stdout);
}

/* A time with its distance from now: "2024-05-01 03:00:00 (in 4h 12min)". */
static const char *time_with_relative(usec_t t, char *buf, size_t size) {
        char a[TIMESTAMP_MAX], b[TIMESTAMP_MAX];

        if (t == 0 || t == USEC_INFINITY)
                return "-";
        snprintf(buf, size, "%s (%s)", timestamp_format(t, a), timestamp_format_relative(t, now_realtime(), b));
        return buf;
}

/* The newest lines of one job, printed or collected. */
static int job_log(sd_journal *j, const char *job_id, cJSON *collect) {
        int r;

        r = journal_seek_last_lines(j, "HERALD_JOB_ID", job_id, arg_read.lines);
        if (r < 0)
                return r;
        r = journal_lines_output(j, collect, JSON_OFF, output_use_color());
        return r < 0 ? r : 0;
}

/* What status knows about one router. */
typedef struct RouterStatus {
        const Router *router;
        char *schedule;
        UnitState timer;                /* name NULL: no timer for this trigger */
        UnitState socket;               /* http and exe_done: the socket its firings come through */
        const UnitState *daemon;        /* with a socket: heraldd.service, which serves it */
        UnitStateList running;
        ResultList runs;                /* the last arg_read.lines, oldest first */
} RouterStatus;

static void router_status_done(RouterStatus *s) {
        free(s->schedule);
        unit_state_done(&s->timer);
        unit_state_done(&s->socket);
        unit_state_list_done(&s->running);
        result_list_done(&s->runs);
}

/* @daemon: heraldd.service's state, looked up at the first router with a socket and
 * shared by every router (all zero until then; the caller frees it after them) */
static int router_status_get(sd_journal *j, sd_bus *bus, const Router *router, UnitState *daemon, RouterStatus *ret) {
        RouterStatus s = { .router = router };
        _cleanup_free_ char *timer_unit = NULL, *socket_unit = NULL;
        ResultQuery q = RESULT_QUERY_INIT;
        int r;

        s.schedule = taskctl_trigger_schedule(router->trigger);
        if (!s.schedule)
                return log_oom();
        timer_unit = taskctl_trigger_timer_unit(router->trigger);
        if (timer_unit) {
                r = unit_state_get(bus, timer_unit, &s.timer);
                if (r < 0)
                        goto fail;
        }
        socket_unit = taskctl_trigger_socket_unit(router->trigger);
        if (socket_unit) {
                r = unit_state_get(bus, socket_unit, &s.socket);
                if (r >= 0 && !daemon->name)
                        r = unit_state_get(bus, HERALDD_SERVICE, daemon);
                if (r < 0)
                        goto fail;
                s.daemon = daemon;
        }
        r = unit_list_running_jobs(bus, router->name, NULL, &s.running);
        if (r < 0)
                goto fail;

        q.router = router->name;
        q.limit = arg_read.lines;
        q.since = arg_read.since;
        q.until = arg_read.until;
        if (arg_read.lines > 0) {
                r = result_query(j, &q, &s.runs);
                if (r < 0) {
                        log_error_errno(r, "Failed to read results from the journal: %m");
                        goto fail;
                }
                r = result_list_fill_durations(j, &s.runs);
                if (r < 0)
                        log_debug_errno(r, "Failed to look up job start times, ignoring: %m");
        }
        *ret = s;
        return 0;

fail:
        router_status_done(&s);
        return r;
}

static const HeraldResult *router_status_last(const RouterStatus *s) {
        return s->runs.n > 0 ? s->runs.items[s->runs.n - 1] : NULL;
}

static cJSON *router_status_to_json(const RouterStatus *s, bool detailed) {
        const Router *router = s->router;
        cJSON *o = cJSON_CreateObject();
        int r;

        if (!o)
                return NULL;
        r = json_object_add(o, "router", cJSON_CreateString(router->name));
        if (r >= 0)
                r = json_object_add(o, "trigger", json_string_or_null(router->trigger_name));
        if (r >= 0)
                r = json_object_add(o, "trigger_type",
                             json_string_or_null(router->trigger ? trigger_type_to_string(router->trigger->type) : NULL));
        if (r >= 0)
                r = json_object_add(o, "schedule", json_string_or_null(s->schedule));
        if (r >= 0)
                r = json_object_add(o, "broken", cJSON_CreateBool(router->broken));
        if (r >= 0)
                r = json_object_add(o, "timer", unit_state_to_json(s->timer.name ? &s->timer : NULL));
        if (r >= 0)
                r = json_object_add(o, "socket", unit_state_to_json(s->socket.name ? &s->socket : NULL));
        if (r >= 0)
                r = json_object_add(o, "daemon", unit_state_to_json(s->daemon));
        if (r >= 0)
                r = json_object_add(o, "running", unit_list_to_json(&s->running));
        if (r >= 0)
                r = json_object_add(o, "runs", result_list_to_json(&s->runs));
        if (r >= 0 && detailed) {
                cJSON *tasks = cJSON_CreateArray();

                r = json_object_add(o, "selector", json_string_or_null(router->selector_name));
                if (r >= 0)
                        r = json_object_add(o, "concurrency", json_string_or_null(concurrency_to_string(router->concurrency)));
                for (size_t i = 0; r >= 0 && tasks && i < router->n_tasks; i++) {
                        const Task *t = &router->tasks[i];
                        cJSON *to = cJSON_CreateObject();

                        if (!to || !cJSON_AddItemToArray(tasks, to)) {
                                cJSON_Delete(to);
                                r = -ENOMEM;
                                break;
                        }
                        r = json_object_add(to, "task", cJSON_CreateString(t->name));
                        if (r >= 0)
                                r = json_object_add(to, "executor", json_string_or_null(t->executor_name));
                        if (r >= 0)
                                r = json_object_add(to, "executor_type",
                                             json_string_or_null(t->executor ? executor_type_to_string(t->executor->type) : NULL));
                        if (r >= 0)
                                r = json_object_add(to, "broken", cJSON_CreateBool(t->broken));
                }
                if (r >= 0)
                        r = json_object_add(o, "tasks", tasks);
                else
                        cJSON_Delete(tasks);
        }
        if (r < 0) {
                cJSON_Delete(o);
                return NULL;
        }
        return o;
}

static int output_json(cJSON *doc) {
        int r;

        if (!doc)
                return log_oom();
        r = json_output(doc, arg_read.json);
        cJSON_Delete(doc);
        return r < 0 ? log_oom() : 0;
}

static int status_summary(const Workflow *w, sd_journal *j, sd_bus *bus) {
        _cleanup_(unit_state_done) UnitState daemon = {};
        _cleanup_table_free_ Table *t = NULL;
        RouterStatus *all = calloc(w->n_routers ?: 1, sizeof *all);
        size_t n = 0, n_runs = 0;
        int r = 0;

        if (!all)
                return log_oom();
        for (; n < w->n_routers; n++) {
                r = router_status_get(j, bus, &w->routers[n], &daemon, &all[n]);
                if (r < 0)
                        goto finish;
                n_runs += all[n].runs.n;
        }

        if (n_runs == 0 && arg_read.lines > 0 && workflow_count_tasks(w) > 0 && journal_access_denied(j, arg_read.directory))
                log_warning("No results can be shown: %s",
                            arg_read.directory ? "no readable journal files in that directory."
                                               : "you cannot read the system journal; add yourself to group "
                                                 "'systemd-journal' (usermod -a -G systemd-journal \"$USER\"), or run as root.");

        if (arg_read.json != JSON_OFF) {
                cJSON *a = cJSON_CreateArray();

                for (size_t i = 0; a && i < n; i++) {
                        cJSON *o = router_status_to_json(&all[i], false);
                        if (!o || !cJSON_AddItemToArray(a, o)) {
                                cJSON_Delete(o);
                                cJSON_Delete(a);
                                a = NULL;
                        }
                }
                r = output_json(a);
                goto finish;
        }

        t = table_new("ROUTER", "TRIGGER", "SCHEDULE", "UNIT", "NEXT", "RUNNING", "LAST", "RESULT", "RECENT", NULL);
        if (!t) {
                r = log_oom();
                goto finish;
        }
        table_set_align_right(t, 5, true);
        for (size_t i = 0; i < n && r >= 0; i++) {
                const RouterStatus *s = &all[i];
                const HeraldResult *last = router_status_last(s);
                char st[128], a[TIMESTAMP_MAX], b[TIMESTAMP_MAX];
                size_t ok = 0;

                for (size_t k = 0; k < s->runs.n; k++)
                        if (s->runs.items[k]->success > 0)
                                ok++;

                r = table_add_cell_color(t, s->router->name, s->router->broken ? ANSI_RED : NULL);
                if (r >= 0)
                        r = table_add_cell(t, s->router->trigger_name);
                if (r >= 0)
                        r = table_add_cell(t, s->schedule);
                if (r >= 0)
                        r = table_add_cell(t, unit_state_string(s->timer.name    ? &s->timer
                                                                : s->socket.name ? &s->socket
                                                                                 : NULL,
                                                                st, sizeof st));
                if (r >= 0)
                        r = table_add_cell(t, s->timer.loaded ? timestamp_format(s->timer.next_elapse, a) : NULL);
                if (r >= 0)
                        r = table_add_cellf(t, "%zu", s->running.n);
                if (r >= 0)
                        r = table_add_cell(t, last ? timestamp_format(last->realtime, b) : NULL);
                if (r >= 0)
                        r = table_add_cell_color(t, last ? herald_result_state(last) : NULL,
                                                 !last ? NULL : last->success > 0 ? ANSI_GREEN
                                                                                  : last->success == 0 ? ANSI_RED : NULL);
                if (r >= 0)
                        r = s->runs.n > 0 ? table_add_cellf(t, "%zu/%zu ok", ok, s->runs.n) : table_add_cell(t, NULL);
        }
        if (r < 0) {
                r = log_oom();
                goto finish;
        }
        if (n == 0) {
                if (output_is_tty())
                        fprintf(stderr, "No routers in '%s'.\n", w->path);
                goto finish;
        }
        pager_open(arg_read.no_pager);
        (void) table_print(t, stdout, output_table_mode(), output_use_color());

finish:
        for (size_t i = 0; i < n; i++)
                router_status_done(&all[i]);
        free(all);
        return r;
}

static int status_router(const Router *router, sd_journal *j, sd_bus *bus) {
        _cleanup_(unit_state_done) UnitState daemon = {};
        RouterStatus s = {};
        const HeraldResult *last;
        bool color = output_use_color();
        char buf[256];
        int r;

        r = router_status_get(j, bus, router, &daemon, &s);
        if (r < 0)
                return r;
        last = router_status_last(&s);

        if (s.runs.n == 0 && arg_read.lines > 0 && journal_access_denied(j, arg_read.directory)) {
                router_status_done(&s);
                return journal_report_unreadable(arg_read.directory);
        }

        if (arg_read.json != JSON_OFF) {
                cJSON *o = router_status_to_json(&s, true), *log = cJSON_CreateArray();

                if (o && log && last && last->job_id && arg_read.lines > 0)
                        r = job_log(j, last->job_id, log);
                if (r < 0 || json_object_add(o, "log", log) < 0) {
                        cJSON_Delete(o);
                        o = NULL;
                }
                r = output_json(o);
                if (r >= 0 && last && last->success == 0)
                        r = TASKCTL_EXIT_FAILED;
                goto finish;
        }

        pager_open(arg_read.no_pager);
        {
                const char *dot_color = !last ? ANSI_GREY : last->success > 0 ? ANSI_GREEN : ANSI_RED;

                printf("%s●%s %s%s\n", color ? dot_color : "", color ? ANSI_NORMAL : "", router->name,
                       router->broken ? " (broken: see 'taskctl validate')" : "");
        }
        print_field("Trigger", "%s (%s)", strna(router->trigger_name), s.schedule);
        print_field("Selector", "%s", router->selector_name ?: "- (none: its tasks never run)");
        for (size_t i = 0; i < router->n_tasks; i++) {
                const Task *t = &router->tasks[i];

                const char *type = t->executor ? executor_type_to_string(t->executor->type) : NULL;
                bool show_type = type && !streq_ptr(type, t->executor_name);

                print_field(i == 0 ? "Tasks" : "", "%s (%s%s%s)%s", t->name, strna(t->executor_name),
                            show_type ? ", " : "", show_type ? type : "", t->broken ? " broken" : "");
        }
        if (router->n_tasks == 0)
                print_field("Tasks", "-");
        print_field("Concurrency", "%s", concurrency_to_string(router->concurrency));
        if (s.timer.name) {
                print_field("Timer", "%s; %s", s.timer.name,
                            s.timer.loaded ? unit_state_string(&s.timer, buf, sizeof buf) : "not loaded");
                if (s.timer.loaded) {
                        print_field("Next", "%s", time_with_relative(s.timer.next_elapse, buf, sizeof buf));
                        print_field("Last fired", "%s", time_with_relative(s.timer.last_trigger, buf, sizeof buf));
                }
        }
        if (s.daemon) {             /* a router with a socket */
                print_field("Socket", "%s; %s", s.socket.name,
                            s.socket.loaded ? unit_state_string(&s.socket, buf, sizeof buf) : "not loaded");
                /* heraldd exits when idle: say that a stopped one is no fault */
                print_field("Daemon", "%s; %s", s.daemon->name,
                            !s.daemon->loaded || streq_ptr(s.daemon->active_state, "inactive")
                                    ? "not running (the socket starts it when a request or result comes)"
                                    : unit_state_string(s.daemon, buf, sizeof buf));
        }
        if (s.running.n == 0)
                print_field("Running", "-");
        for (size_t i = 0; i < s.running.n; i++) {
                const UnitState *u = &s.running.items[i];
                char since[160];

                print_field(i == 0 ? "Running" : "", "%s; %s since %s", u->name, unit_state_string(u, buf, sizeof buf),
                            time_with_relative(u->active_enter, since, sizeof since));
        }
        if (last)
                print_field("Last result", "%s%s%s at %s", color ? (last->success > 0 ? ANSI_GREEN : ANSI_RED) : "",
                            herald_result_state(last), color ? ANSI_NORMAL : "",
                            time_with_relative(last->realtime, buf, sizeof buf));

        if (arg_read.lines > 0) {
                printf("\nLast runs (at most %zu):\n", arg_read.lines);
                if (s.runs.n == 0)
                        printf("  (none in the journal)\n");
                else {
                        fflush(stdout);
                        r = result_list_print_table(&s.runs, false);
                        if (r < 0) {
                                log_error_errno(r, "Failed to print results: %m");
                                goto finish;
                        }
                }
        }

        if (last && last->job_id && arg_read.lines > 0) {
                printf("\nOutput of job %s (%s/%s), last %zu lines:\n", last->job_id, strna(last->router),
                       strna(last->task), arg_read.lines);
                r = job_log(j, last->job_id, NULL);
                if (r < 0) {
                        log_error_errno(r, "Failed to read the job's output: %m");
                        goto finish;
                }
        }
        r = last && last->success == 0 ? TASKCTL_EXIT_FAILED : 0;

finish:
        router_status_done(&s);
        return r;
}

/* Pretty-prints a JSON field under its label, indented. */
static void print_json_field(const char *label, const char *text) {
        cJSON *v;
        char *s = NULL;

        if (!text) {
                print_field(label, "-");
                return;
        }
        v = json_from_text(text);
        if (v)
                s = cJSON_IsRaw(v) ? strdup(text) : json_print_pretty(v);
        cJSON_Delete(v);
        printf("%*s:\n", LABEL_WIDTH, label);
        for (const char *p = s ?: text; *p;) {
                size_t l = strcspn(p, "\n");
                printf("%*s%.*s\n", LABEL_WIDTH + 2, "", (int) l, p);
                p += l;
                if (*p)
                        p++;
        }
        free(s);
}

static int status_job(const char *job_id, sd_journal *j, sd_bus *bus) {
        _cleanup_(herald_result_freep) HeraldResult *res = NULL;
        _cleanup_free_ char *router = NULL, *task = NULL, *unit = NULL;
        ResultQuery q = RESULT_QUERY_INIT;
        ResultList l = {};
        UnitState us = {};
        bool color = output_use_color();
        const char *state;
        char buf[256];
        int r;

        q.job_id = job_id;
        q.limit = 1;
        r = result_query(j, &q, &l);
        if (r < 0)
                return log_error_errno(r, "Failed to read results from the journal: %m");
        (void) result_list_fill_durations(j, &l);
        if (l.n > 0)
                res = TAKE_PTR(l.items[0]);
        result_list_done(&l);

        /* Without a result (still running, or the result was lost), the job's own lines
         * name its router, task and unit. */
        if (res) {
                router = res->router ? strdup(res->router) : NULL;
                task = res->task ? strdup(res->task) : NULL;
                unit = res->unit ? strdup(res->unit) : NULL;
        } else {
                r = journal_seek_last_lines(j, "HERALD_JOB_ID", job_id, 1);
                if (r >= 0 && sd_journal_next(j) > 0) {
                        JournalLine line;
                        if (journal_line_read(j, &line) >= 0) {
                                router = TAKE_PTR(line.router);
                                task = TAKE_PTR(line.task);
                                unit = TAKE_PTR(line.unit);
                                journal_line_done(&line);
                        }
                }
        }
        if (!unit && router && task && herald_id_valid(job_id))
                unit = unit_name_job_instance(router, task, job_id);
        if (unit) {
                r = unit_state_get(bus, unit, &us);
                if (r < 0)
                        return r;
        }

        state = res ? herald_result_state(res) : us.loaded && !streq_ptr(us.active_state, "inactive") &&
                                                                 !streq_ptr(us.active_state, "failed")
                                                         ? "running" : "unknown";

        if (arg_read.json != JSON_OFF) {
                cJSON *o = cJSON_CreateObject(), *log = cJSON_CreateArray();

                r = o && log ? 0 : -ENOMEM;
                if (r >= 0)
                        r = json_object_add(o, "job_id", cJSON_CreateString(job_id));
                if (r >= 0)
                        r = json_object_add(o, "router", json_string_or_null(router));
                if (r >= 0)
                        r = json_object_add(o, "task", json_string_or_null(task));
                if (r >= 0)
                        r = json_object_add(o, "state", cJSON_CreateString(state));
                if (r >= 0)
                        r = json_object_add(o, "entry", res ? herald_result_to_json(res) : cJSON_CreateNull());
                if (r >= 0)
                        r = json_object_add(o, "unit", unit ? unit_state_to_json(&us) : cJSON_CreateNull());
                if (r >= 0 && arg_read.lines > 0)
                        r = job_log(j, job_id, log);
                if (r >= 0) {
                        r = json_object_add(o, "log", log);
                        log = NULL;
                }
                cJSON_Delete(log);
                if (r < 0) {
                        cJSON_Delete(o);
                        o = NULL;
                }
                unit_state_done(&us);
                r = output_json(o);
                return r < 0 ? r : res && res->success > 0 ? 0 : TASKCTL_EXIT_FAILED;
        }

        pager_open(arg_read.no_pager);
        {
                const char *c = streq(state, "success") ? ANSI_GREEN : streq(state, "failed") ? ANSI_RED : ANSI_GREY;
                printf("%s●%s job %s (%s/%s)\n", color ? c : "", color ? ANSI_NORMAL : "", job_id, strna(router),
                       strna(task));
        }
        if (res) {
                char ts[TIMESTAMP_MAX];

                if (res->has_exit_code)
                        print_field("Result", "%s%s%s (exit code %" PRIi64 ")", color ? (res->success > 0 ? ANSI_GREEN : ANSI_RED) : "",
                                    state, color ? ANSI_NORMAL : "", res->exit_code);
                else
                        print_field("Result", "%s", state);
                if (!isempty(res->error))
                        print_field("Error", "%s", res->error);
                print_field("Finished", "%s", time_with_relative(res->realtime, buf, sizeof buf));
                if (res->duration != USEC_INFINITY)
                        print_field("Duration", "%s", timespan_format(res->duration, ts));
                print_field("Router", "%s", strna(res->router));
                print_field("Task", "%s", strna(res->task));
                print_field("Trigger", "%s", strna(res->trigger));
                print_field("Trigger id", "%s", strna(res->trigger_id));
                if (res->has_counter)
                        print_field("Counter", "%" PRIu64, res->counter);
                print_field("Selector", "%s", strna(res->selector));
                print_field("Executor", "%s", strna(res->executor));
                print_field("Unit", "%s", res->unit ?: "- (no unit)");
                print_field("Invocation", "%s", strna(res->invocation_id));
                print_field("Service result", "%s", strna(res->service_result));
        } else {
                print_field("Result", "%s", streq(state, "running") ? "none yet (running)" : "none in the journal");
                if (unit)
                        print_field("Unit", "%s", unit);
        }
        if (unit && us.loaded) {
                char since[160];
                print_field("Unit state", "%s since %s", unit_state_string(&us, buf, sizeof buf),
                            time_with_relative(us.active_enter, since, sizeof since));
        }
        if (res) {
                print_json_field("Param", res->param_text);
                print_json_field("Result JSON", res->result_text);
        }

        if (arg_read.lines > 0) {
                printf("\nOutput, last %zu lines (all: taskctl logs %s -n all):\n", arg_read.lines, job_id);
                fflush(stdout);
                r = job_log(j, job_id, NULL);
                if (r < 0) {
                        unit_state_done(&us);
                        return log_error_errno(r, "Failed to read the job's output: %m");
                }
        }
        unit_state_done(&us);
        return res && res->success > 0 ? 0 : TASKCTL_EXIT_FAILED;
}

/**
 * verb_status: `taskctl status [ROUTER|JOB_ID]`.
 * Return: 0, TASKCTL_EXIT_FAILED, TASKCTL_EXIT_NOT_FOUND, TASKCTL_EXIT_NO_ACCESS, or a
 * negative errno (logged).
 */
int verb_status(int argc, char **argv) {
        _cleanup_(workflow_freep) Workflow *w = NULL;
        _cleanup_(sd_journal_closep) sd_journal *j = NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_free_ char *job_id = NULL;
        const char *target = NULL;
        const Router *router = NULL;
        bool observed = false;
        int r;

        r = parse_argv(argc, argv, &target);
        if (r <= 0 || r == TASKCTL_EXIT_USAGE)
                return r;

        r = read_args_open_journal(&arg_read, &j);
        if (r < 0)
                return r;

        /* A job id does not need the workflow; a router (or the summary) does. Load it
         * quietly first when the argument may be either. */
        if (target && job_id_prefix_valid(target)) {
                if (workflow_load(arg_read.workflow ?: taskctl_workflow_path(), NULL, &w) >= 0 && !w->unloadable)
                        router = workflow_find_router(w, target);
                if (!router) {
                        r = journal_resolve_job_id(j, target, &job_id);
                        if (r < 0)
                                return log_error_errno(r, "Failed to look up job ids in the journal: %m");
                        if (r == JOB_ID_AMBIGUOUS)
                                return log_error_errno(EINVAL,
                                                       "Job id prefix '%s' matches more than one job; give more characters.",
                                                       target);
                        if (r == JOB_ID_NOT_FOUND) {
                                if (journal_access_denied(j, arg_read.directory))
                                        return journal_report_unreadable(arg_read.directory);
                                log_error("No router or job '%s' found.", target);
                                return TASKCTL_EXIT_NOT_FOUND;
                        }
                        (void) unit_bus_open(&bus);
                        return status_job(job_id, j, bus);
                }
        }

        (void) unit_bus_open(&bus);
        if (!w || w->unloadable) {
                w = workflow_free(w);
                r = taskctl_workflow_load_or_observe(arg_read.workflow, j, arg_read.directory, bus, &w, &observed);
                if (r != 0)
                        return r;
        }
        if (target && !router) {
                router = workflow_find_router(w, target);
                if (!router) {
                        if (observed) {
                                log_error("No router '%s' has results in the journal, and no job has that id.", target);
                                return TASKCTL_EXIT_NOT_FOUND;
                        }
                        (void) taskctl_router_unknown(w, target);
                        log_error("('%s' is no job id either: those have 8 or more hex digits.)", target);
                        return TASKCTL_EXIT_NOT_FOUND;
                }
        }

        if (router)
                return status_router(router, j, bus);
        return status_summary(w, j, bus);
}
