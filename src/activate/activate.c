/* SPDX-License-Identifier: MIT */
/* activate.c: one firing of a trigger: one trigger_id, selectors, one unit per selected task
 *
 * Runs as the ExecStart= of herald-trigger-<T>.service, which the trigger's timer starts.
 * Every router and task reached by this firing shares its trigger_id (and tick counter),
 * as in Herald. Selectors run here, so timer routes need no daemon. Job units are started
 * asynchronously with a bounded window of calls in flight (dbus-daemon refuses more than
 * 128 pending replies per connection).
 */
#include <systemd/sd-bus.h>
#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-journal.h>

#include "activate.h"
#include "bus-unit.h"
#include "config.h"
#include "dispatch.h"
#include "herald-id.h"
#include "herald-ids.h"
#include "job-dir.h"
#include "json-util.h"
#include "log.h"
#include "plan.h"
#include "request.h"
#include "result-entry.h"
#include "selector.h"
#include "start-window.h"
#include "unit-name.h"
#include "workflow.h"

#define EXTERNAL_SELECTOR_TIMEOUT_USEC (30ULL * 1000000ULL)

typedef struct Activation {
        sd_bus *bus;
        StartWindow *window;
        unsigned started, failed, skipped, selected;
        char **running;                 /* herald's running units, listed once per firing */
} Activation;

/* The running job units of one task. systemd is asked once per firing, not once per
 * task: a synchronous call per task made a 300-task firing take 3.3 s instead of
 * 0.4 s (bench/job-throughput.sh). */
static int running_units(Activation *a, const char *pattern, char ***ret) {
        int r;

        if (!a->running) {
                r = dispatch_running_units(a->bus, "herald-*", &a->running);
                if (r < 0)
                        return r;
        }
        return dispatch_units_matching(a->running, pattern, ret);
}

typedef struct TimerJob {
        Activation *activation;
        PreparedJob job;
} TimerJob;

static void timer_job_freep(TimerJob **j) {
        if (*j) {
                prepared_job_done(&(*j)->job);
                free(*j);
        }
}

static void on_started(const char *unit, const sd_bus_error *error, void *userdata) {
        TimerJob *j = userdata;

        if (error) {
                job_start_failed(&j->job, error->message);
                j->activation->failed++;
        } else
                j->activation->started++;
        prepared_job_done(&j->job);
        free(j);
}

static int start_task(Activation *a, const Router *r, const Task *t, const char *trigger_id, const cJSON *trigger_param,
                      int64_t counter) {
        _cleanup_free_ char *pattern = NULL;
        _cleanup_(timer_job_freep) TimerJob *j = NULL;
        _cleanup_strv_free_ char **running = NULL;
        _cleanup_json_ cJSON *param = NULL;
        char job_id[HERALD_ID_LEN + 1];
        int s;

        s = selector_select(r->selector, r->trigger->type, trigger_param, t->select_param, EXTERNAL_SELECTOR_TIMEOUT_USEC);
        if (s < 0)
                log_warning_errno(s, "Selector '%s' of router '%s' failed for task '%s' (%m); not selected.",
                                  r->selector_name, r->name, t->name);
        if (s <= 0)
                return 0;
        a->selected++;

        if (t->executor->type != EXECUTOR_NONE && r->concurrency != CONCURRENCY_ALLOW) {
                pattern = unit_name_job_pattern(r->name, t->name);
                if (!pattern)
                        return log_oom();
                s = running_units(a, pattern, &running);
                if (s == -ENOMEM)
                        return log_oom();
                if (s < 0)
                        log_warning_errno(s, "Failed to list running units of %s/%s: %m, ignoring", r->name, t->name);
                else if (running[0] && r->concurrency == CONCURRENCY_FORBID) {
                        a->skipped++;
                        return dispatch_skipped_entry_send(r, t, trigger_id, running[0]);
                } else
                        for (char **u = running; *u; u++)
                                (void) bus_stop_unit(a->bus, *u, NULL);
        }

        s = herald_id_new(job_id);
        if (s < 0)
                return log_error_errno(s, "Failed to make a job id: %m");
        param = dispatch_exec_param_new(job_id, trigger_id, r, t, trigger_param);
        if (!param)
                return log_oom();

        if (t->executor->type == EXECUTOR_NONE) {
                /* No unit: Herald's none executor does nothing and succeeds. */
                _cleanup_json_ cJSON *result = cJSON_CreateObject();
                if (!result)
                        return log_oom();
                s = result_entry_send(param, NULL, NULL, true, "", result, "success",
                                      r->trigger->type == TRIGGER_TICK ? counter : -1);
                if (s < 0)
                        return log_error_errno(s, "Failed to write the result of %s/%s: %m", r->name, t->name);
                a->started++;
                return 0;
        }

        /* An instance of the task's template unit, as heraldd's jobs are: a transient
         * unit's ExecStopPost=+ is lost at the next daemon-reload on systemd 252
         * (plan_job_template_unit()). */
        j = calloc(1, sizeof *j);
        if (!j)
                return log_oom();
        j->activation = a;
        strcpy(j->job.job_id, job_id);
        j->job.param = TAKE_PTR(param);
        j->job.unit = unit_name_job_instance(r->name, t->name, job_id);
        if (!j->job.unit)
                return log_oom();
        s = job_dir_create(job_id, j->job.param, t, j->job.unit, r->trigger->type == TRIGGER_TICK ? counter : -1,
                           &j->job.dir);
        if (s < 0) {
                a->failed++;
                if (s == -ENOMEM)
                        return log_oom();
                return log_error_errno(s, "Failed to prepare job %s of %s/%s: %m", job_id, r->name, t->name);
        }

        s = start_window_start_unit(a->window, j->job.unit, on_started, j);
        if (s < 0) {
                a->failed++;
                job_start_failed(&j->job, strerror(-s));
                return log_error_errno(s, "Failed to start the unit of job %s: %m", job_id);
        }
        TAKE_PTR(j);
        return start_window_drain(a->window, START_WINDOW_DEFAULT - 1);
}

/**
 * activate_run: one firing of a trigger.
 * @workflow: the workflow snapshot the units were made from
 * @trigger: the trigger that fired
 *
 * Return: 0; -EIO when some job could not be started; another negative errno when
 * nothing could be (logged).
 */
int activate_run(const char *workflow, const char *trigger) {
        _cleanup_(workflow_freep) Workflow *w = NULL;
        Activation a = {};
        char trigger_id[HERALD_ID_LEN + 1];
        int64_t counter = -1;
        cJSON *trigger_param = NULL;
        Component *t;
        int r;

        r = workflow_load(workflow, NULL, &w);
        if (r < 0)
                return log_error_errno(r, "Failed to load %s: %m", workflow);
        if (w->unloadable) {
                diag_list_print(&w->diag, stderr, false);
                return log_error_errno(EINVAL, "Workflow %s cannot be loaded.", workflow);
        }
        t = workflow_find_component(w, COMPONENT_TRIGGER, trigger);
        if (!t || t->broken)
                return log_error_errno(ENOENT, "Trigger '%s' is not in %s (or is broken).", trigger, workflow);

        if (t->type == TRIGGER_TICK) {
                r = dispatch_tick_counter_next(t->name, &counter);
                if (r < 0)
                        return log_error_errno(r, "Failed to count the firing of '%s': %m", trigger);
        }
        r = herald_id_new(trigger_id);
        if (r < 0)
                return log_error_errno(r, "Failed to make a trigger id: %m");
        trigger_param = dispatch_trigger_param_new(t, counter);
        if (!trigger_param)
                return log_oom();

        r = sd_bus_open_system(&a.bus);
        if (r >= 0)
                r = start_window_new(a.bus, START_WINDOW_DEFAULT, &a.window);
        if (r < 0) {
                cJSON_Delete(trigger_param);
                sd_bus_unref(a.bus);
                return log_error_errno(r, "Failed to connect to the system bus: %m");
        }

        for (size_t i = 0; i < w->n_routers; i++) {
                const Router *router = &w->routers[i];
                if (router->trigger != t || router->broken || !router->selector)
                        continue;
                for (size_t k = 0; k < router->n_tasks; k++)
                        if (!router->tasks[k].broken) {
                                r = start_task(&a, router, &router->tasks[k], trigger_id, trigger_param, counter);
                                if (r < 0 && r == -ENOMEM)
                                        break;
                        }
        }
        r = start_window_drain(a.window, 0);
        if (r < 0)
                log_error_errno(r, "Lost the bus while starting jobs: %m");

        char counter_text[32] = "";
        if (counter >= 0)
                snprintf(counter_text, sizeof counter_text, ", counter %lld", (long long) counter);
        sd_journal_send("MESSAGE_ID=" HERALD_MESSAGE_ACTIVATION, "PRIORITY=6",
                        "MESSAGE=Trigger '%s' fired (id %s%s): %u selected, %u started, %u skipped, %u failed",
                        trigger, trigger_id, counter_text, a.selected, a.started, a.skipped, a.failed,
                        "HERALD_TRIGGER=%s", trigger, "HERALD_TRIGGER_ID=%s", trigger_id,
                        "HERALD_JOBS_STARTED=%u", a.started, "HERALD_JOBS_SKIPPED=%u", a.skipped,
                        "HERALD_JOBS_FAILED=%u", a.failed,
                        /* last: only tick triggers count their firings (NULL ends the list) */
                        counter >= 0 ? "HERALD_COUNTER=%lld" : NULL, (long long) counter, NULL);
        cJSON_Delete(trigger_param);
        start_window_free(a.window);
        sd_bus_flush_close_unref(a.bus);
        strv_free(a.running);
        return a.failed > 0 ? -EIO : 0;
}
