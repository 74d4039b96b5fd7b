/* SPDX-License-Identifier: MIT */
/* verb-list.c: `taskctl list`, every router and task with its schedule, timer and last result */
#include <getopt.h>

#include "json-util.h"
#include "log.h"
#include "read-args.h"
#include "table.h"
#include "taskctl-verbs.h"
#include "unit-state.h"
#include "workflow-path.h"

static ReadArgs arg_read;

static void help(void) {
        printf("Usage: taskctl list [OPTION...]\n"
               "\n"
               "List every router and task of the workflow with its trigger, its schedule,\n"
               "its timer and its last result.\n"
               "\n"
               "One line per task (a router without tasks gets one line with TASK '-'):\n"
               "  ROUTER, TASK, TRIGGER\n"
               "                names from the workflow\n"
               "  SCHEDULE      'every 5s' (tick), 'cron SPEC', 'http HOST:PORT' or\n"
               "                'http unix:PATH', 'exe_done'\n"
               "  NEXT, LAST    when the trigger's timer (herald-trigger-NAME.timer) elapses\n"
               "                next and elapsed last, as systemd reports them; '-' for\n"
               "                triggers without a timer and timers systemd has not loaded\n"
               "  RESULT, WHEN  the task's newest result in the journal (success or failed)\n"
               "                and when it was written (within --since/--until if given)\n"
               "On a terminal the table is aligned and paged; piped, it is tab-separated\n"
               "without a header.\n"
               "\n"
               "Options:\n"
               "  -S, --since=TIME Only results at or after TIME count as a task's newest\n"
               "  -U, --until=TIME Only results at or before TIME count (the state as of TIME)\n"
               READ_ARGS_HELP
               "\n"
               "With --json, an array of objects with the keys router, task, executor,\n"
               "trigger, trigger_type, schedule, broken, timer_unit, timer_loaded,\n"
               "next_elapse and last_trigger (RFC 3339 or null) with their *_usec twins, and\n"
               "last_result (an object as 'taskctl history --json' prints, or null).\n"
               "\n"
               "Examples:\n"
               "  taskctl list\n"
               "  taskctl list --workflow ./workflow.yml\n"
               "  taskctl list --json | jq -r '.[] | select(.last_result.success == false) | .router'\n"
               "\n"
               "Exit status: 0 on success; 1 on error (e.g. the workflow cannot be loaded); 2 on\n"
               "wrong usage.\n");
}

static int parse_argv(int argc, char **argv) {
        static const struct option options[] = {
                READ_ARGS_LONG_OPTIONS,
                READ_ARGS_TIME_OPTIONS,
                {}
        };
        int r;

        arg_read = READ_ARGS_INIT;
        r = read_args_parse_argv(&arg_read, argc, argv, READ_ARGS_SHORT_OPTIONS "S:U:", options, help, NULL, NULL);
        if (r <= 0 || r == TASKCTL_EXIT_USAGE)
                return r;
        if (optind < argc)
                return log_error("Unexpected argument '%s'; list takes none.", argv[optind]), TASKCTL_EXIT_USAGE;
        return 1;
}

/* One row of the listing, before it becomes a table row or a JSON object. */
typedef struct ListRow {
        const Router *router;
        const Task *task;               /* NULL: a router without tasks */
        const char *schedule;
        const UnitState *timer;         /* NULL: the trigger has no timer */
        HeraldResult *last;             /* NULL: no result yet */
} ListRow;

static cJSON *row_to_json(const ListRow *row) {
        const Component *trig = row->router->trigger;
        const UnitState *t = row->timer;
        cJSON *o = cJSON_CreateObject();
        int r;

        if (!o)
                return NULL;
        r = json_object_add(o, "router", cJSON_CreateString(row->router->name));
        if (r >= 0)
                r = json_object_add(o, "task", json_string_or_null(row->task ? row->task->name : NULL));
        if (r >= 0)
                r = json_object_add(o, "executor", json_string_or_null(row->task ? row->task->executor_name : NULL));
        if (r >= 0)
                r = json_object_add(o, "trigger", json_string_or_null(row->router->trigger_name));
        if (r >= 0)
                r = json_object_add(o, "trigger_type", json_string_or_null(trig ? trigger_type_to_string(trig->type) : NULL));
        if (r >= 0)
                r = json_object_add(o, "schedule", json_string_or_null(row->schedule));
        if (r >= 0)
                r = json_object_add(o, "broken", cJSON_CreateBool(row->router->broken || (row->task && row->task->broken)));
        if (r >= 0)
                r = json_object_add(o, "timer_unit", json_string_or_null(t ? t->name : NULL));
        if (r >= 0)
                r = json_object_add(o, "timer_loaded", t ? cJSON_CreateBool(t->loaded) : cJSON_CreateNull());
        if (r >= 0)
                r = json_object_add(o, "next_elapse", timestamp_to_json(t ? t->next_elapse : 0));
        if (r >= 0)
                r = json_object_add(o, "next_elapse_usec", timestamp_usec_to_json(t ? t->next_elapse : 0));
        if (r >= 0)
                r = json_object_add(o, "last_trigger", timestamp_to_json(t ? t->last_trigger : 0));
        if (r >= 0)
                r = json_object_add(o, "last_trigger_usec", timestamp_usec_to_json(t ? t->last_trigger : 0));
        if (r >= 0)
                r = json_object_add(o, "last_result", row->last ? herald_result_to_json(row->last) : cJSON_CreateNull());
        if (r < 0) {
                cJSON_Delete(o);
                return NULL;
        }
        return o;
}

static int row_to_table(Table *t, const ListRow *row) {
        const UnitState *timer = row->timer;
        bool broken = row->router->broken || (row->task && row->task->broken);
        char a[TIMESTAMP_MAX], b[TIMESTAMP_MAX], c[TIMESTAMP_MAX];
        int r;

        r = table_add_cell_color(t, row->router->name, broken ? ANSI_RED : NULL);
        if (r >= 0)
                r = table_add_cell(t, row->task ? row->task->name : NULL);
        if (r >= 0)
                r = table_add_cell(t, row->router->trigger_name);
        if (r >= 0)
                r = table_add_cell(t, row->schedule);
        if (r >= 0)
                r = table_add_cell(t, timer && timer->loaded ? timestamp_format(timer->next_elapse, a) : NULL);
        if (r >= 0)
                r = table_add_cell(t, timer && timer->loaded ? timestamp_format(timer->last_trigger, b) : NULL);
        if (r >= 0)
                r = table_add_cell_color(t, row->last ? herald_result_state(row->last) : NULL,
                                         !row->last ? NULL : row->last->success > 0 ? ANSI_GREEN
                                                                                   : row->last->success == 0 ? ANSI_RED : NULL);
        if (r >= 0)
                r = table_add_cell(t, row->last ? timestamp_format(row->last->realtime, c) : NULL);
        return r;
}

/**
 * verb_list: `taskctl list`.
 * Return: 0 or a negative errno (logged).
 */
int verb_list(int argc, char **argv) {
        _cleanup_(workflow_freep) Workflow *w = NULL;
        _cleanup_(sd_journal_closep) sd_journal *j = NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_table_free_ Table *table = NULL;
        ListRow *rows = NULL;
        UnitState *timers = NULL;
        char **schedules = NULL;
        size_t n_rows = 0, n_results = 0;
        cJSON *doc = NULL;
        bool observed = false;
        int r;

        r = parse_argv(argc, argv);
        if (r <= 0 || r == TASKCTL_EXIT_USAGE)
                return r;

        r = read_args_open_journal(&arg_read, &j);
        if (r < 0)
                return r;
        (void) unit_bus_open(&bus);
        r = taskctl_workflow_load_or_observe(arg_read.workflow, j, arg_read.directory, bus, &w, &observed);
        if (r != 0)
                return r;

        /* One timer and one schedule per router; one row per task. */
        timers = calloc(w->n_routers ?: 1, sizeof *timers);
        schedules = calloc(w->n_routers ?: 1, sizeof *schedules);
        rows = calloc(workflow_count_tasks(w) + w->n_routers + 1, sizeof *rows);
        if (!timers || !schedules || !rows) {
                r = log_oom();
                goto finish;
        }

        for (size_t i = 0; i < w->n_routers; i++) {
                const Router *router = &w->routers[i];
                _cleanup_free_ char *timer_unit = taskctl_trigger_timer_unit(router->trigger);
                bool has_timer = router->trigger &&
                                 (router->trigger->type == TRIGGER_TICK || router->trigger->type == TRIGGER_CRON);

                schedules[i] = taskctl_trigger_schedule(router->trigger);
                if (!schedules[i] || (has_timer && !timer_unit)) {
                        r = log_oom();
                        goto finish;
                }
                if (timer_unit) {
                        r = unit_state_get(bus, timer_unit, &timers[i]);
                        if (r < 0)
                                goto finish;
                }

                for (size_t k = 0; k < (router->n_tasks ?: 1); k++) {
                        ListRow *row = &rows[n_rows++];

                        row->router = router;
                        row->task = router->n_tasks > 0 ? &router->tasks[k] : NULL;
                        row->schedule = schedules[i];
                        row->timer = timer_unit ? &timers[i] : NULL;
                        if (row->task) {
                                r = result_query_last(j, router->name, row->task->name, arg_read.since, arg_read.until, &row->last);
                                if (r < 0) {
                                        log_error_errno(r, "Failed to read results from the journal: %m");
                                        goto finish;
                                }
                                if (row->last)
                                        n_results++;
                        }
                }
        }

        if (n_results == 0 && workflow_count_tasks(w) > 0 && journal_access_denied(j, arg_read.directory))
                log_warning("No results can be shown: %s",
                            arg_read.directory ? "no readable journal files in that directory."
                                               : "you cannot read the system journal; add yourself to group "
                                                 "'systemd-journal' (usermod -a -G systemd-journal \"$USER\"), or run as root.");

        if (arg_read.json != JSON_OFF) {
                doc = cJSON_CreateArray();
                if (!doc) {
                        r = log_oom();
                        goto finish;
                }
                for (size_t i = 0; i < n_rows; i++) {
                        cJSON *o = row_to_json(&rows[i]);
                        if (!o || !cJSON_AddItemToArray(doc, o)) {
                                cJSON_Delete(o);
                                r = log_oom();
                                goto finish;
                        }
                }
                r = json_output(doc, arg_read.json);
                if (r < 0)
                        log_oom();
                goto finish;
        }

        if (n_rows == 0) {
                if (output_is_tty())
                        fprintf(stderr, observed ? "No router has results in the journal yet.\n" : "No routers in '%s'.\n",
                                w->path);
                r = 0;
                goto finish;
        }

        table = table_new("ROUTER", "TASK", "TRIGGER", "SCHEDULE", "NEXT", "LAST", "RESULT", "WHEN", NULL);
        if (!table) {
                r = log_oom();
                goto finish;
        }
        for (size_t i = 0; i < n_rows; i++) {
                r = row_to_table(table, &rows[i]);
                if (r < 0) {
                        log_oom();
                        goto finish;
                }
        }
        pager_open(arg_read.no_pager);
        (void) table_print(table, stdout, output_table_mode(), output_use_color());
        table_print_legend(table, "task", "tasks");
        r = 0;

finish:
        cJSON_Delete(doc);
        if (rows)
                for (size_t i = 0; i < n_rows; i++)
                        herald_result_free(rows[i].last);
        if (timers)
                for (size_t i = 0; i < w->n_routers; i++)
                        unit_state_done(&timers[i]);
        if (schedules)
                for (size_t i = 0; i < w->n_routers; i++)
                        free(schedules[i]);
        free(rows);
        free(timers);
        free(schedules);
        return r;
}
