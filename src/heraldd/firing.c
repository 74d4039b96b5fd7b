/* SPDX-License-Identifier: MIT */
/* firing.c: one firing of an http trigger or of exe_done
 *
 * A firing has one trigger_id and one trigger param, shared by every router on the
 * trigger and every task they reach (as in Herald). Selectors run asynchronously: a slow
 * external selector holds up its own firing only. Each selected task becomes a request
 * file and a queued job (jobs.c); a task whose executor is 'none' runs nothing, its
 * result entry is written here.
 *
 * An HTTP firing is answered 200 once every selector has decided and every request file
 * is written: from then on a crash loses nothing (the files are started again at the
 * next start). A router with 'wait: true' holds the answer until its jobs have ended and
 * answers with their result, or 504 after its wait_timeout.
 *
 * exe_done firings take their ids from the finished job's (herald_id_derive()): a chain
 * step has one job id however often the finished job is seen (the result datagram, the
 * journal, a replay after a crash), and a step that has started once is never started
 * again (manager_chain_step_started()).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"
#include "job-request.h"
#include "json-util.h"
#include "log.h"
#include "macro.h"
#include "manager.h"
#include "result-entry.h"
#include "trigger-request.h"
#include "unit-name.h"
#include "unit-state.h"


typedef struct TaskSelection {
        Firing *firing;
        const Router *router;
        const Task *task;
        SelectorQuery *query;
} TaskSelection;

struct Firing {
        Manager *m;
        WorkflowRef *wf;
        const Component *trigger;
        char trigger_id[HERALD_ID_LEN + 1];
        cJSON *trigger_param;
        unsigned chain_depth;
        char *parent_job_id;            /* exe_done: the finished job */
        bool check_started;             /* exe_done seen again (journal, replay) */
        HttpRequest *req;               /* an HTTP firing not answered yet */

        TaskSelection *selections;
        size_t n_selections;
        unsigned pending_selectors;
        unsigned n_selected, n_failed;
        bool starting;                  /* firing_start() is still walking the routers */

        unsigned waiting_jobs;          /* wait: true jobs not ended */
        cJSON *wait_results;            /* their results, an array */
        uint64_t wait_timeout_usec;
        sd_event_source *wait_timer;
};

static Firing *firing_free(Firing *f) {
        if (!f)
                return NULL;
        for (size_t i = 0; i < f->n_selections; i++)
                selector_query_free(f->selections[i].query);
        free(f->selections);
        sd_event_source_disable_unref(f->wait_timer);
        cJSON_Delete(f->trigger_param);
        cJSON_Delete(f->wait_results);
        free(f->parent_job_id);
        workflow_unref(f->wf);
        if (f->req)
                http_request_reply(f->req, 503, "text/plain", "heraldd is shutting down\n", MANAGER_RETRY_AFTER_SEC);
        f->m->n_firings--;
        free(f);
        return NULL;
}

static void firing_reply_waited(Firing *f) {
        _cleanup_free_ char *text = NULL;
        /* A job that could not be accepted has no result here: the answer is not 200. */
        bool all_ok = f->n_failed == 0;
        cJSON *item;
        int n = cJSON_GetArraySize(f->wait_results);

        cJSON_ArrayForEach(item, f->wait_results)
                all_ok = all_ok && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(item, "success"));
        /* One job: its result object, as exe_done would see it; several: all of them. */
        const cJSON *body = n == 1 ? cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(f->wait_results, 0), "result")
                                   : f->wait_results;
        if (json_print_compact(body, &text) < 0) {
                http_request_reply(f->req, 500, "text/plain", "Out of memory\n", 0);
        } else {
                size_t l = strlen(text);
                char *t = realloc(text, l + 2);
                if (t) {
                        text = t;
                        memcpy(text + l, "\n", 2);
                }
                http_request_reply(f->req, all_ok ? 200 : 500, "application/json", text, 0);
        }
        f->req = NULL;
}

/* Frees the firing once nothing refers to it any more. */
static void firing_maybe_done(Firing *f) {
        if (f->starting || f->pending_selectors > 0)
                return;
        if (f->req && f->waiting_jobs == 0) {
                if (f->wait_results)
                        firing_reply_waited(f);
                else if (f->n_failed > 0) {
                        /* 200 promises that every selected job is written. When only some
                         * are, the client must hear of it: 500, though the others start
                         * (docs/HERALDD.md: a retry runs those again). */
                        http_request_reply(f->req, 500, "text/plain",
                                           f->n_failed == f->n_selected
                                                   ? "Could not accept the trigger: see heraldd's journal\n"
                                                   : "Could not accept every job of the trigger; the others start: see heraldd's journal\n",
                                           0);
                        f->req = NULL;
                } else {
                        http_request_reply(f->req, 200, "text/plain", HTTP_TEXT_ACCEPTED, 0);
                        f->req = NULL;
                }
        }
        if (f->req || f->waiting_jobs > 0)
                return;
        firing_free(f);
}

static int on_wait_timeout(sd_event_source *s, uint64_t usec, void *userdata) {
        Firing *f = userdata;
        _cleanup_free_ char *text = NULL;

        if (!f->req)
                return 0;
        if (asprintf(&text, "{\"error\":\"the job did not end within the router's wait_timeout; it goes on, see 'taskctl history'\",\"trigger_id\":\"%s\"}\n",
                     f->trigger_id) < 0)
                text = NULL;
        http_request_reply(f->req, 504, "application/json", text ?: "{}\n", 0);
        f->req = NULL;
        /* The jobs keep their pointer to the firing until they end. */
        return 0;
}

static int wait_result_add(Firing *f, const char *job_id, const char *router, const char *task, bool success,
                           const char *error, const cJSON *result) {
        _cleanup_json_ cJSON *o = cJSON_CreateObject();
        cJSON *r = result ? cJSON_Duplicate(result, true) : cJSON_CreateObject();

        if (!r || !o || !cJSON_AddItemToObject(o, "result", r)) {
                cJSON_Delete(r);
                return -ENOMEM;
        }
        if (!cJSON_AddStringToObject(o, "job_id", job_id) || !cJSON_AddStringToObject(o, "router", router) ||
            !cJSON_AddStringToObject(o, "task", task) || !cJSON_AddBoolToObject(o, "success", success) ||
            !cJSON_AddStringToObject(o, "error", strempty(error)))
                return -ENOMEM;
        if (!f->wait_results && !(f->wait_results = cJSON_CreateArray()))
                return -ENOMEM;
        return cJSON_AddItemToArray(f->wait_results, TAKE_PTR(o)) ? 0 : -ENOMEM;
}

void firing_job_finished(Firing *f, const Job *j, bool success, const char *error, const cJSON *result) {
        if (wait_result_add(f, j->job_id, j->router, j->task, success, error, result) < 0)
                log_oom();
        if (f->waiting_jobs > 0)
                f->waiting_jobs--;
        firing_maybe_done(f);
}

static bool router_waits(const Router *r) {
        return r->wait;
}

/* A 'none' task: nothing runs; the result entry says so, and its chain fires. */
static int run_none(Firing *f, const Router *r, const Task *t, const char *job_id) {
        _cleanup_json_ cJSON *param = NULL, *result = cJSON_CreateObject();
        int k;

        param = dispatch_exec_param_new(job_id, f->trigger_id, r, t, f->trigger_param);
        if (!param || !result)
                return -ENOMEM;
        k = result_entry_send(param, NULL, NULL, true, "", result, "success", -1);
        if (k < 0)
                return k;
        if (router_waits(r) && f->req) {
                k = wait_result_add(f, job_id, r->name, t->name, true, "", result);
                if (k < 0)
                        return k;
        }
        /* Chained now, and only here: the journal follower passes over the entries this
         * heraldd wrote (chain.c), so the id is not remembered as chained either. */
        return manager_fire_exe_done(f->m, job_id, param, true, "", result, false);
}

/* Concurrency against the jobs of this task an earlier heraldd started (still running
 * when this one began), as systemd lists them: 1 when the task is skipped (forbid), 0
 * to go on (none, or replace has asked to stop them), or a negative errno. */
static int concurrency_foreign(Firing *f, const Router *r, const Task *t) {
        _cleanup_(unit_state_list_done) UnitStateList l = {};

        if (unit_list_running_jobs(f->m->bus, r->name, t->name, &l) < 0 || l.n == 0)
                return 0;       /* logged; then only heraldd's own jobs count, as before */
        if (r->concurrency == CONCURRENCY_FORBID) {
                log_info("Skipped %s/%s for trigger id %s: %s is still going (concurrency: forbid).", r->name, t->name,
                         f->trigger_id, l.items[0].name);
                int k = dispatch_skipped_entry_send(r, t, f->trigger_id, l.items[0].name);
                return k < 0 ? k : 1;
        }
        for (size_t i = 0; i < l.n; i++) {
                _cleanup_free_ char *job_id = unit_name_job_id(l.items[i].name);
                int k = job_id ? manager_starter_send(f->m, ACTIVATE_STOP, job_id, r->name, t->name) : -EINVAL;

                if (k < 0)
                        log_warning_errno(k, "Could not stop %s (concurrency: replace), ignoring: %m", l.items[i].name);
                else
                        log_info("Stopping %s: a new job of %s/%s replaces it (concurrency: replace).", l.items[i].name,
                                 r->name, t->name);
        }
        return 0;
}

static int select_task(Firing *f, const Router *r, const Task *t) {
        _cleanup_free_ char *text = NULL;
        char job_id[HERALD_ID_LEN + 1];
        bool none = t->executor->type == EXECUTOR_NONE;
        Job *job;
        int k;

        f->n_selected++;
        k = f->parent_job_id ? herald_id_derive(f->parent_job_id, r->name, t->name, job_id) : herald_id_new(job_id);
        if (k < 0)
                return k;
        if (f->check_started && manager_chain_step_started(f->m, job_id)) {
                log_debug("Chain step %s/%s of job %s has started before, not starting it again.", r->name, t->name,
                          f->parent_job_id);
                return 0;
        }
        if (none)
                return run_none(f, r, t, job_id);
        if (r->concurrency != CONCURRENCY_ALLOW) {
                /* heraldd starts every instance of this template, so its own jobs are all
                 * there is to look at, but for those an earlier heraldd started. */
                const Job *running = manager_find_job(f->m, r->name, t->name);
                if (running && r->concurrency == CONCURRENCY_FORBID) {
                        log_info("Skipped %s/%s for trigger id %s: job %s is still going (concurrency: forbid).", r->name,
                                 t->name, f->trigger_id, running->job_id);
                        return dispatch_skipped_entry_send(r, t, f->trigger_id, running->unit);
                }
                if (running)
                        manager_stop_jobs(f->m, r->name, t->name);
                else if (f->m->foreign_jobs) {
                        k = concurrency_foreign(f, r, t);
                        if (k != 0)
                                return k < 0 ? k : 0;
                }
        }

        k = job_request_format(job_id, f->trigger_id, r->name, t->name, f->trigger->name, f->trigger_param, f->chain_depth,
                               &text);
        if (k < 0)
                return k;
        k = job_request_write(f->m->requests_fd, job_id, text);
        if (k < 0)
                return log_error_errno(k, "Could not write the request of job %s (%s/%s): %m", job_id, r->name, t->name);
        k = manager_queue_job(f->m, job_id, r->name, t->name, router_max_running(r->max_running), f->parent_job_id != NULL,
                              router_waits(r) && f->req ? f : NULL, &job);
        if (k < 0)
                return k;
        if (job->firing) {
                if (!f->wait_results && !(f->wait_results = cJSON_CreateArray()))
                        return -ENOMEM;
                f->waiting_jobs++;
                if (r->wait_timeout_sec * 1000000ULL > f->wait_timeout_usec) {
                        f->wait_timeout_usec = r->wait_timeout_sec * 1000000ULL;
                        (void) sd_event_source_disable_unref(f->wait_timer);
                        f->wait_timer = NULL;
                        k = sd_event_add_time_relative(f->m->event, &f->wait_timer, CLOCK_MONOTONIC, f->wait_timeout_usec, 0,
                                                       on_wait_timeout, f);
                        if (k < 0)
                                return k;
                }
        }
        return 0;
}

static void selection_decided(TaskSelection *s, int selected) {
        Firing *f = s->firing;
        int k;

        if (selected < 0)
                log_warning_errno(selected, "Selector '%s' of router '%s' failed for task '%s' (%m); not selected.",
                                  s->router->selector_name, s->router->name, s->task->name);
        if (selected <= 0)
                return;
        k = select_task(f, s->router, s->task);
        if (k < 0) {
                f->n_failed++;
                log_error_errno(k, "Could not start task %s/%s for trigger id %s: %m", s->router->name, s->task->name,
                                f->trigger_id);
        }
}

static void on_selector_done(int selected, void *userdata) {
        TaskSelection *s = userdata;
        Firing *f = s->firing;

        /* The query is freed with the firing: not from inside its own callback. */
        selection_decided(s, selected);
        f->pending_selectors--;
        if (f->pending_selectors == 0 && f->parent_job_id)
                f->m->n_chain_firings_pending--;
        manager_pump(f->m);
        firing_maybe_done(f);
}

/* Runs the selectors of every router on the trigger; decided ones act at once. */
static int firing_start(Firing *f) {
        const Workflow *w = f->wf->w;
        size_t n = 0;

        for (size_t i = 0; i < w->n_routers; i++)
                if (w->routers[i].trigger == f->trigger)
                        n += w->routers[i].n_tasks;
        f->selections = calloc(n ?: 1, sizeof *f->selections);
        if (!f->selections)
                return -ENOMEM;
        f->starting = true;

        for (size_t i = 0; i < w->n_routers; i++) {
                const Router *r = &w->routers[i];
                if (r->trigger != f->trigger || r->broken || !r->selector)
                        continue;
                for (size_t k = 0; k < r->n_tasks; k++) {
                        const Task *t = &r->tasks[k];
                        TaskSelection *s;
                        int q;

                        if (t->broken || !t->executor)
                                continue;
                        s = &f->selections[f->n_selections++];
                        *s = (TaskSelection) { .firing = f, .router = r, .task = t };
                        q = selector_select_async(f->m->event, r->selector, f->trigger->type, f->trigger_param, t->select_param,
                                                  MANAGER_SELECTOR_TIMEOUT_USEC, on_selector_done, s, &s->query);
                        if (q == SELECTOR_PENDING)
                                f->pending_selectors++;
                        else
                                selection_decided(s, q);
                }
        }
        if (f->pending_selectors > 0 && f->parent_job_id)
                f->m->n_chain_firings_pending++;
        f->starting = false;
        manager_pump(f->m);
        firing_maybe_done(f);           /* may free f */
        return 0;
}

static Firing *firing_new(Manager *m, const Component *trigger, cJSON *trigger_param) {
        Firing *f = calloc(1, sizeof *f);

        if (!f)
                return NULL;
        f->m = m;
        f->wf = workflow_ref(m->workflow);
        f->trigger = trigger;
        f->trigger_param = trigger_param;
        m->n_firings++;
        return f;
}

void manager_on_http_trigger(HttpRequest *req, const char *trigger_name, cJSON *trigger_param, void *userdata) {
        Manager *m = userdata;
        Component *t = workflow_find_component(m->workflow->w, COMPONENT_TRIGGER, trigger_name);
        Firing *f;
        int k;

        if (!t || t->broken || t->type != TRIGGER_HTTP) {
                cJSON_Delete(trigger_param);
                log_warning("A request came for trigger '%s', which the workflow in force does not have (or is broken).",
                            trigger_name);
                http_request_reply(req, 503, "text/plain", "This trigger is not in the workflow in force\n", 0);
                return;
        }
        /* Its listener holds no secret (or a stale one): never fire it unsigned. */
        const char *refused = strmap_get(&m->refused, trigger_name);
        if (refused) {
                cJSON_Delete(trigger_param);
                log_debug("A request for trigger '%s' answered 503: %s.", trigger_name, refused);
                http_request_reply(req, 503, "text/plain", "This trigger's secret is not in force yet; try again later\n",
                                   MANAGER_RETRY_AFTER_SEC);
                return;
        }
        if (m->n_queued >= m->max_queued) {
                cJSON_Delete(trigger_param);
                log_warning("Trigger '%s' refused: %u jobs are waiting to start (the limit); answered 503.", trigger_name,
                            m->n_queued);
                http_request_reply(req, 503, "text/plain", "Too many jobs waiting to start; try again later\n",
                                   MANAGER_RETRY_AFTER_SEC);
                return;
        }
        f = firing_new(m, t, trigger_param);
        if (!f) {
                cJSON_Delete(trigger_param);
                http_request_reply(req, 500, "text/plain", "Out of memory\n", 0);
                return;
        }
        f->req = req;
        k = herald_id_new(f->trigger_id);
        if (k >= 0)
                k = firing_start(f);
        if (k < 0) {
                log_error_errno(k, "Could not fire trigger '%s': %m", trigger_name);
                if (f->req) {
                        http_request_reply(f->req, 500, "text/plain", "Could not fire the trigger\n", 0);
                        f->req = NULL;
                }
                if (f->pending_selectors == 0 && f->waiting_jobs == 0)
                        firing_free(f);
        }
}

/* How many exe_done steps led to the job that ran with this param. */
static unsigned chain_depth_of(const Workflow *w, const cJSON *param) {
        unsigned depth = 0;

        for (const cJSON *p = param; p && depth < 1000; depth++) {
                const char *trigger = json_object_get_string(p, "trigger");
                const Component *c = trigger ? workflow_find_component(w, COMPONENT_TRIGGER, trigger) : NULL;
                if (!c || c->type != TRIGGER_EXE_DONE)
                        break;
                p = cJSON_GetObjectItemCaseSensitive(p, "trigger_param");
        }
        return depth;
}

/**
 * manager_fire_exe_done: a job ended; fire the exe_done routes with Herald's trigger param.
 * @finished_job_id: the job that ended (the chain steps' ids derive from it)
 * @param: its execution param
 * @check_started: seen before or replayed: start only steps that never started
 *
 * Return: 0, or a negative errno (logged).
 */
int manager_fire_exe_done(Manager *m, const char *finished_job_id, const cJSON *param, bool success, const char *error,
                          const cJSON *result, bool check_started) {
        const Workflow *w = m->workflow->w;
        Component *t = workflow_find_component(w, COMPONENT_TRIGGER, "exe_done");
        cJSON *tp;
        Firing *f;
        unsigned depth;
        int k;

        if (!t || t->type != TRIGGER_EXE_DONE)
                return 0;       /* no exe_done routers */
        depth = chain_depth_of(w, param) + 1;
        if (depth > m->chain_depth_max) {
                log_error("Job %s ended at chain depth %u; not firing exe_done again (the chain depth limit is %u: a loop?).",
                          finished_job_id, depth - 1, m->chain_depth_max);
                return 0;
        }
        /* Herald: the finished job's execution param plus success, error and result ({}, never null). */
        tp = cJSON_IsObject(param) ? cJSON_Duplicate(param, true) : cJSON_CreateObject();
        if (!tp)
                return log_oom();
        cJSON_DeleteItemFromObjectCaseSensitive(tp, "success");
        cJSON_DeleteItemFromObjectCaseSensitive(tp, "error");
        cJSON_DeleteItemFromObjectCaseSensitive(tp, "result");
        if (!cJSON_AddBoolToObject(tp, "success", success) || !cJSON_AddStringToObject(tp, "error", strempty(error)) ||
            !cJSON_AddItemToObject(tp, "result", cJSON_IsObject(result) ? cJSON_Duplicate(result, true) : cJSON_CreateObject())) {
                cJSON_Delete(tp);
                return log_oom();
        }
        f = firing_new(m, t, tp);
        if (!f) {
                cJSON_Delete(tp);
                return log_oom();
        }
        f->chain_depth = depth;
        f->check_started = check_started;
        f->parent_job_id = strdup(finished_job_id);
        k = f->parent_job_id ? herald_id_derive(finished_job_id, "exe_done", "", f->trigger_id) : -ENOMEM;
        if (k >= 0)
                k = firing_start(f);
        if (k < 0) {
                log_error_errno(k, "Could not fire exe_done for job %s: %m", finished_job_id);
                if (f->pending_selectors == 0 && f->waiting_jobs == 0)
                        firing_free(f);
                return k;
        }
        return 0;
}
