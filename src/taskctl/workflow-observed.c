/* SPDX-License-Identifier: MIT */
/* workflow-observed.c: the routers a journal reader can see without the workflow
 *
 * The workflow in force may hold secrets, so it is root's (and herald's). A member of
 * systemd-journal or adm still sees every result entry, which names its router, task,
 * trigger and executor, and every unit over the bus, whose Description= herald writes.
 * From those this builds a Workflow with just the parts list and status print: routers
 * that have run, their tasks, and the schedule of the trigger timers systemd has. A
 * router that never ran and a trigger without a timer (http, exe_done) are not seen. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "macro.h"
#include "result-read.h"
#include "unit-state.h"
#include "workflow-observed.h"

#define DESC_PREFIX "herald trigger '"

static char *find_last(const char *s, const char *needle) {
        char *last = NULL;

        for (char *p = strstr(s, needle); p; p = strstr(p + 1, needle))
                last = p;
        return last;
}

Component *trigger_from_description(const char *description) {
        _cleanup_free_ Component *c = NULL;
        const char *rest;
        char *tick, *cron, *end;
        unsigned long long n;

        if (!description || strncmp(description, DESC_PREFIX, strlen(DESC_PREFIX)) != 0)
                return NULL;
        rest = description + strlen(DESC_PREFIX);
        c = calloc(1, sizeof *c);
        if (!c)
                return NULL;
        c->kind = COMPONENT_TRIGGER;

        tick = find_last(rest, "' (tick every ");
        cron = find_last(rest, "' (cron '");
        if (tick && (!cron || tick > cron)) {
                const char *num = tick + strlen("' (tick every ");

                if (!isdigit((unsigned char) num[0]))
                        return NULL;
                errno = 0;
                n = strtoull(num, &end, 10);
                if (errno != 0 || n == 0 || !streq(end, " s)"))
                        return NULL;
                c->type = TRIGGER_TICK;
                c->interval_sec = n;
                c->name = strndup(rest, (size_t) (tick - rest));
        } else if (cron) {
                const char *spec = cron + strlen("' (cron '");
                size_t l = strlen(spec);

                if (l < 2 || !streq(spec + l - 2, "')"))
                        return NULL;
                c->type = TRIGGER_CRON;
                c->cron_spec = strndup(spec, l - 2);
                c->name = strndup(rest, (size_t) (cron - rest));
                if (!c->cron_spec) {
                        free(c->name);
                        return NULL;
                }
        } else
                return NULL;
        if (!c->name || !*c->name) {
                free(c->name);
                free(c->cron_spec);
                return NULL;
        }
        c->type_name = strdup(c->type == TRIGGER_TICK ? "tick" : "cron");
        if (!c->type_name) {
                free(c->name);
                free(c->cron_spec);
                return NULL;
        }
        return TAKE_PTR(c);
}

int observed_add_trigger(Workflow *w, Component *c) {
        Component **a = reallocarray(w->components, w->n_components + 1, sizeof *a);

        if (!a) {
                free(c->name);
                free(c->type_name);
                free(c->cron_spec);
                free(c);
                return -ENOMEM;
        }
        w->components = a;
        a[w->n_components++] = c;
        return 0;
}

Router *observed_router(Workflow *w, const char *name) {
        Router *a;

        for (size_t i = 0; i < w->n_routers; i++)
                if (streq(w->routers[i].name, name))
                        return &w->routers[i];
        a = reallocarray(w->routers, w->n_routers + 1, sizeof *a);
        if (!a)
                return NULL;
        w->routers = a;
        a[w->n_routers] = (Router) { .name = strdup(name) };
        if (!a[w->n_routers].name)
                return NULL;
        return &a[w->n_routers++];
}

int observed_task(Router *r, const char *name, const char *executor) {
        Task *a;

        for (size_t i = 0; i < r->n_tasks; i++)
                if (streq(r->tasks[i].name, name))
                        return 0;
        a = reallocarray(r->tasks, r->n_tasks + 1, sizeof *a);
        if (!a)
                return -ENOMEM;
        r->tasks = a;
        a[r->n_tasks] = (Task) { .name = strdup(name), .executor_name = executor ? strdup(executor) : NULL };
        if (!a[r->n_tasks].name || (executor && !a[r->n_tasks].executor_name)) {
                free(a[r->n_tasks].name);
                free(a[r->n_tasks].executor_name);
                return -ENOMEM;
        }
        r->n_tasks++;
        return 0;
}

void observed_link_triggers(Workflow *w) {
        for (size_t i = 0; i < w->n_routers; i++)
                if (w->routers[i].trigger_name)
                        w->routers[i].trigger = workflow_find_component(w, COMPONENT_TRIGGER, w->routers[i].trigger_name);
}

static int observe_results(Workflow *w, sd_journal *j) {
        ResultQuery q = RESULT_QUERY_INIT;
        ResultList l = {};
        int r;

        r = result_query(j, &q, &l);
        if (r < 0)
                return log_error_errno(r, "Failed to read results from the journal: %m");
        /* oldest first: the newest result's trigger is the one that stays */
        for (size_t i = 0; i < l.n && r >= 0; i++) {
                const HeraldResult *res = l.items[i];
                Router *router;

                if (isempty(res->router) || isempty(res->task))
                        continue;
                router = observed_router(w, res->router);
                if (!router) {
                        r = -ENOMEM;
                        break;
                }
                if (!isempty(res->trigger) && !streq_ptr(router->trigger_name, res->trigger)) {
                        free(router->trigger_name);
                        router->trigger_name = strdup(res->trigger);
                        if (!router->trigger_name)
                                r = -ENOMEM;
                }
                if (r >= 0)
                        r = observed_task(router, res->task, res->executor);
        }
        result_list_done(&l);
        return r < 0 ? log_oom() : 0;
}

int taskctl_workflow_observe(sd_journal *j, sd_bus *bus, const char *path, Workflow **ret) {
        _cleanup_(workflow_freep) Workflow *w = calloc(1, sizeof *w);
        _cleanup_strv_free_ char **descs = NULL;
        int r;

        if (!w || !(w->path = strdup(path)))
                return log_oom();
        r = observe_results(w, j);
        if (r < 0)
                return r;
        r = unit_list_descriptions(bus, "herald-trigger-*.timer", &descs);
        if (r < 0)
                return r;
        for (char **d = descs; *d; d++) {
                Component *c = trigger_from_description(*d);

                if (!c || workflow_find_component(w, COMPONENT_TRIGGER, c->name)) {
                        if (c) {
                                free(c->name);
                                free(c->type_name);
                                free(c->cron_spec);
                                free(c);
                        }
                        continue;
                }
                r = observed_add_trigger(w, c);
                if (r < 0)
                        return log_oom();
        }
        observed_link_triggers(w);
        *ret = TAKE_PTR(w);
        return 0;
}
