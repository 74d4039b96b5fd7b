/* SPDX-License-Identifier: MIT */
/* plan.c: turn a checked workflow into units with typed properties
 *
 * Both emitters (unit files for the generator, StartTransientUnit for 'taskctl apply')
 * read the same UnitProp list, so the two ways of installing a workflow cannot drift
 * apart; tests compare them through 'systemctl show'.
 */
#include <inttypes.h>
#include <stdarg.h>

#include "cron.h"
#include "activate-protocol.h"
#include "herald-ids.h"
#include "plan.h"
#include "unit-name.h"

static const char *const kind_names[_PLAN_UNIT_KIND_MAX] = { "timer", "activation", "socket", "job-template",
                                                              "notify-socket", "activate-socket", "drop-in" };

const char *plan_unit_kind_to_string(PlanUnitKind k) {
        return k < _PLAN_UNIT_KIND_MAX ? kind_names[k] : NULL;
}

bool trigger_has_timer(const Component *trigger) {
        return trigger && !trigger->broken && (trigger->type == TRIGGER_TICK || trigger->type == TRIGGER_CRON);
}

bool trigger_needs_heraldd(const Component *trigger) {
        return trigger && !trigger->broken && (trigger->type == TRIGGER_HTTP || trigger->type == TRIGGER_EXE_DONE);
}

/* A literal for a unit-file value that also holds specifiers: every '%' doubled. */
static char *percent_escape(const char *s) {
        char *out = malloc(strlen(s) * 2 + 1), *o = out;

        if (!out)
                return NULL;
        for (; *s; s++) {
                if (*s == '%')
                        *o++ = '%';
                *o++ = *s;
        }
        *o = 0;
        return out;
}

void plan_unit_done(PlanUnit *u) {
        for (size_t i = 0; i < u->n_props; i++) {
                free(u->props[i].key);
                free(u->props[i].bus_name);
                free(u->props[i].string);
                strv_free(u->props[i].argv);
        }
        free(u->props);
        free(u->name);
        free(u->trigger);
        free(u->router);
        free(u->task);
        free(u->wanted_by);
        free(u->note);
        *u = (PlanUnit) {};
}

Plan *plan_free(Plan *p) {
        if (!p)
                return NULL;
        for (size_t i = 0; i < p->n_units; i++)
                plan_unit_done(&p->units[i]);
        free(p->units);
        for (size_t i = 0; i < p->n_routes; i++) {
                free(p->routes[i].trigger);
                free(p->routes[i].router);
                free(p->routes[i].selector);
                strv_free(p->routes[i].tasks);
        }
        free(p->routes);
        free(p);
        return NULL;
}

static UnitProp *prop_add(PlanUnit *u, const char *section, const char *key, const char *bus_name, UnitPropType type) {
        UnitProp *a = reallocarray(u->props, u->n_props + 1, sizeof *a);
        if (!a)
                return NULL;
        u->props = a;
        UnitProp *p = &a[u->n_props];
        *p = (UnitProp) { .section = section, .type = type };
        p->key = strdup(key);
        p->bus_name = bus_name ? strdup(bus_name) : NULL;
        if (!p->key || (bus_name && !p->bus_name)) {
                free(p->key);
                free(p->bus_name);
                return NULL;
        }
        u->n_props++;
        return p;
}

static int prop_string(PlanUnit *u, const char *section, const char *key, const char *bus, const char *v) {
        UnitProp *p = prop_add(u, section, key, bus, UNIT_PROP_STRING);
        if (!p || !(p->string = strdup(v)))
                return -ENOMEM;
        return 0;
}

static int prop_bool(PlanUnit *u, const char *section, const char *key, const char *bus, bool v) {
        UnitProp *p = prop_add(u, section, key, bus, UNIT_PROP_BOOL);
        if (!p)
                return -ENOMEM;
        p->b = v;
        return 0;
}

static int prop_u(PlanUnit *u, const char *section, const char *key, const char *bus, UnitPropType type, uint64_t v) {
        UnitProp *p = prop_add(u, section, key, bus, type);
        if (!p)
                return -ENOMEM;
        p->u = v;
        p->i = (int64_t) v;
        return 0;
}

static int prop_exec(PlanUnit *u, const char *key, bool privileged, char **argv) {
        UnitProp *p = prop_add(u, "Service", key, key, UNIT_PROP_EXEC);
        if (!p) {
                strv_free(argv);
                return -ENOMEM;
        }
        p->argv = argv;
        p->privileged = privileged;
        return 0;
}

static int prop_typed(PlanUnit *u, const char *section, const char *key, const char *bus, UnitPropType type,
                      const char *s, uint64_t v) {
        UnitProp *p = prop_add(u, section, key, bus, type);
        if (!p || !(p->string = strdup(s)))
                return -ENOMEM;
        p->u = v;
        return 0;
}

static char **strv_new(const char *first, ...) {
        va_list ap;
        size_t n = 0;
        char **l;

        va_start(ap, first);
        for (const char *s = first; s; s = va_arg(ap, const char *))
                n++;
        va_end(ap);
        l = calloc(n + 1, sizeof *l);
        if (!l)
                return NULL;
        va_start(ap, first);
        n = 0;
        for (const char *s = first; s; s = va_arg(ap, const char *))
                if (!(l[n++] = strdup(s))) {
                        va_end(ap);
                        return strv_free(l);
                }
        va_end(ap);
        return l;
}

static int unit_settings_to_props(PlanUnit *u, const char *section, const UnitSettings *s) {
        for (size_t i = 0; i < s->n_items; i++) {
                const UnitSetting *v = &s->items[i];
                UnitProp *p;
                UnitPropType t = v->spec->bus_type == 's' ? UNIT_PROP_STRING : v->spec->bus_type == 'b' ? UNIT_PROP_BOOL
                               : v->spec->bus_type == 'i' ? UNIT_PROP_I32 : v->spec->bus_type == 'u' ? UNIT_PROP_U32
                               : v->spec->bus_type == 'a' ? UNIT_PROP_UNIT_NAMES : UNIT_PROP_U64;
                /* Replace a default the planner set (e.g. AccuracySec) rather than adding a second one. */
                p = NULL;
                for (size_t k = 0; k < u->n_props; k++)
                        if (streq(u->props[k].key, v->spec->name))
                                p = &u->props[k];
                if (!p && !(p = prop_add(u, v->spec->section ?: section, v->spec->name, v->spec->bus_name, t)))
                        return -ENOMEM;
                free(p->string);
                p->type = t;
                /* unit names may carry specifiers on purpose (alert@%n.service) */
                p->specifiers = t == UNIT_PROP_UNIT_NAMES;
                /* The unit file gets the text as the user wrote it, normalized. */
                p->string = strdup(t == UNIT_PROP_STRING ? v->string : v->text);
                if (!p->string)
                        return -ENOMEM;
                p->u = v->u;
                p->i = v->i;
                p->b = v->b;
        }
        return 0;
}

static int unit_new(Plan *plan, PlanUnitKind kind, const char *name, const char *trigger, PlanUnit **ret) {
        PlanUnit *a = reallocarray(plan->units, plan->n_units + 1, sizeof *a);
        if (!a)
                return -ENOMEM;
        plan->units = a;
        PlanUnit *u = &a[plan->n_units];
        *u = (PlanUnit) { .kind = kind, .emitted = true };
        u->name = strdup(name);
        u->trigger = trigger ? strdup(trigger) : NULL;
        if (!u->name || (trigger && !u->trigger)) {
                free(u->name);
                free(u->trigger);
                return -ENOMEM;
        }
        plan->n_units++;
        *ret = u;
        /* Timers, activations, sockets: 'systemctl stop herald.target' stops them (jobs go
         * with herald.slice, a drop-in is no unit), so herald leaves nothing running once
         * its package is removed, which stops herald.target first. */
        if (kind != PLAN_UNIT_JOB_TEMPLATE && kind != PLAN_UNIT_DROPIN) {
                UnitProp *p = prop_add(u, "Unit", "PartOf", "PartOf", UNIT_PROP_UNIT_NAMES);
                if (!p || !(p->string = strdup(HERALD_TARGET)))
                        return -ENOMEM;
        }
        return 0;
}

static int plan_timer(Plan *plan, const Component *t, const PlanOptions *o) {
        _cleanup_free_ char *timer = unit_name_trigger(t->name, "timer");
        _cleanup_free_ char *service = unit_name_trigger(t->name, "service");
        _cleanup_free_ char *desc = NULL;
        PlanUnit *u;
        int r;

        if (!timer || !service)
                return -ENOMEM;

        /* The timer. */
        r = unit_new(plan, PLAN_UNIT_TIMER, timer, t->name, &u);
        if (r < 0)
                return r;
        if (!(u->wanted_by = strdup("timers.target")))
                return -ENOMEM;
        if (t->type == TRIGGER_TICK)
                r = asprintf(&desc, "herald trigger '%s' (tick every %" PRIu64 " s)", t->name, t->interval_sec);
        else
                r = asprintf(&desc, "herald trigger '%s' (cron '%s')", t->name, t->cron_spec);
        if (r < 0)
                return -ENOMEM;
        r = prop_string(u, "Unit", "Description", "Description", desc);
        if (r >= 0 && o->source_path)
                r = prop_string(u, "Unit", "SourcePath", NULL, o->source_path);
        if (r < 0)
                return r;

        if (t->type == TRIGGER_TICK) {
                /* Herald's ticker: first firing one interval after start, then every interval. */
                uint64_t usec = t->interval_sec * UINT64_C(1000000);
                r = prop_typed(u, "Timer", "OnActiveSec", "TimersMonotonic", UNIT_PROP_MONOTONIC, "OnActiveSec", usec);
                if (r >= 0)
                        r = prop_typed(u, "Timer", "OnUnitActiveSec", "TimersMonotonic", UNIT_PROP_MONOTONIC,
                                       "OnUnitActiveSec", usec);
                if (r >= 0)
                        r = prop_u(u, "Timer", "AccuracySec", "AccuracyUSec", UNIT_PROP_USEC, 1000);
        } else if (t->cron->every_sec > 0) {
                uint64_t usec = t->cron->every_sec * UINT64_C(1000000);
                r = prop_typed(u, "Timer", "OnActiveSec", "TimersMonotonic", UNIT_PROP_MONOTONIC, "OnActiveSec", usec);
                if (r >= 0)
                        r = prop_typed(u, "Timer", "OnUnitActiveSec", "TimersMonotonic", UNIT_PROP_MONOTONIC,
                                       "OnUnitActiveSec", usec);
                if (r >= 0)
                        r = prop_u(u, "Timer", "AccuracySec", "AccuracyUSec", UNIT_PROP_USEC, 1000);
        } else {
                _cleanup_strv_free_ char **specs = NULL;
                r = cron_to_oncalendar(t->cron, &specs);
                if (r < 0)
                        return r;
                for (char **s = specs; *s; s++) {
                        r = prop_typed(u, "Timer", "OnCalendar", "TimersCalendar", UNIT_PROP_CALENDAR, *s, 0);
                        if (r < 0)
                                return r;
                }
                /* A backup whose slot was missed while the box was down runs once at boot. */
                r = prop_u(u, "Timer", "AccuracySec", "AccuracyUSec", UNIT_PROP_USEC, 1000000);
                if (r >= 0)
                        r = prop_bool(u, "Timer", "Persistent", "Persistent", true);
        }
        if (r >= 0)
                r = unit_settings_to_props(u, "Timer", &t->unit);
        if (r < 0)
                return r;

        /* The activation service the timer starts (same name, so no Unit= is needed: transient
         * timers cannot set it). */
        r = unit_new(plan, PLAN_UNIT_ACTIVATION, service, t->name, &u);
        if (r < 0)
                return r;
        free(desc);
        desc = NULL;
        if (asprintf(&desc, "herald activation for trigger '%s'", t->name) < 0)
                return -ENOMEM;
        r = prop_string(u, "Unit", "Description", "Description", desc);
        if (r >= 0 && o->source_path)
                r = prop_string(u, "Unit", "SourcePath", NULL, o->source_path);
        /* A tick every second must never hit the start limit. */
        if (r >= 0)
                r = prop_u(u, "Unit", "StartLimitIntervalSec", "StartLimitIntervalUSec", UNIT_PROP_USEC, 0);
        if (r >= 0)
                r = prop_string(u, "Service", "Type", "Type", "oneshot");
        if (r >= 0) {
                char **argv = strv_new(o->activate_path, "--workflow", o->workflow_path, "--trigger", t->name, NULL);
                r = argv ? prop_exec(u, "ExecStart", false, argv) : -ENOMEM;
        }
        /* The activation writes 'none' results and skip entries: give it its own large burst. */
        if (r >= 0)
                r = prop_u(u, "Service", "LogRateLimitIntervalSec", "LogRateLimitIntervalUSec", UNIT_PROP_USEC, 1000000);
        if (r >= 0)
                r = prop_u(u, "Service", "LogRateLimitBurst", "LogRateLimitBurst", UNIT_PROP_U32, 100000);
        return r;
}

/* An http trigger's listening socket. PID 1 owns it and hands it to heraldd (Service=),
 * named by FileDescriptorName=, so heraldd can run as an unprivileged user, exit when
 * idle and be started again by the next request. A unix socket is 0660 root:herald,
 * not Herald's 0777: a client must be in group herald (or root) to trigger. */
static int plan_socket(Plan *plan, const Component *t) {
        _cleanup_free_ char *name = unit_name_trigger(t->name, "socket");
        _cleanup_free_ char *desc = NULL, *addr = NULL, *fdname = unit_name_trigger_id(t->name);
        PlanUnit *u;
        int r = 0;

        if (!name || !fdname)
                return -ENOMEM;
        r = unit_new(plan, PLAN_UNIT_SOCKET, name, t->name, &u);
        if (r < 0)
                return r;
        if (!(u->wanted_by = strdup("sockets.target")))
                return -ENOMEM;
        if (asprintf(&desc, "herald HTTP trigger '%s'", t->name) < 0)
                return -ENOMEM;
        if (t->unix_socket)
                addr = strdup(t->unix_socket);
        else if (strchr(t->host, ':'))
                r = asprintf(&addr, "[%s]:%u", t->host, t->port);
        else
                r = asprintf(&addr, "%s:%u", t->host, t->port);
        if (r < 0 || !addr)
                return -ENOMEM;
        r = prop_string(u, "Unit", "Description", "Description", desc);
        if (r >= 0)
                r = prop_typed(u, "Socket", "ListenStream", "Listen", UNIT_PROP_LISTEN, addr, 0);
        if (r >= 0 && t->unix_socket) {
                r = prop_typed(u, "Socket", "SocketMode", "SocketMode", UNIT_PROP_U32, "0660", 0660);
                if (r >= 0)
                        r = prop_string(u, "Socket", "SocketUser", "SocketUser", "root");
                if (r >= 0)
                        r = prop_string(u, "Socket", "SocketGroup", "SocketGroup", HERALD_GROUP);
                if (r >= 0)
                        r = prop_bool(u, "Socket", "RemoveOnStop", "RemoveOnStop", true);
        }
        if (r >= 0)
                r = prop_string(u, "Socket", "FileDescriptorName", "FileDescriptorName", fdname);
        /* Not settable on a transient socket in systemd 252: unit files only. */
        if (r >= 0)
                r = prop_string(u, "Socket", "Service", NULL, HERALDD_SERVICE);
        return r;
}

/* heraldd-notify.socket: herald-done sends each result here (the fast path of exe_done
 * chains and of 'wait: true' answers; the journal entry stays the durable record).
 * Only root may send (0600: herald-done runs as root) and heraldd checks SCM_CREDENTIALS.
 * A datagram to it starts heraldd when it is not running. */
static int plan_notify_socket(Plan *plan) {
        PlanUnit *u;
        int r;

        r = unit_new(plan, PLAN_UNIT_NOTIFY_SOCKET, HERALDD_NOTIFY_SOCKET_UNIT, NULL, &u);
        if (r < 0)
                return r;
        if (!(u->wanted_by = strdup("sockets.target")))
                return -ENOMEM;
        r = prop_string(u, "Unit", "Description", "Description", "herald job results for heraldd");
        if (r >= 0)
                r = prop_typed(u, "Socket", "ListenDatagram", "Listen", UNIT_PROP_LISTEN, HERALD_NOTIFY_SOCKET, 0);
        if (r >= 0)
                r = prop_typed(u, "Socket", "SocketMode", "SocketMode", UNIT_PROP_U32, "0600", 0600);
        if (r >= 0)
                r = prop_bool(u, "Socket", "PassCredentials", "PassCredentials", true);
        if (r >= 0)
                r = prop_string(u, "Socket", "FileDescriptorName", "FileDescriptorName", HERALDD_NOTIFY_FD_NAME);
        if (r >= 0)
                r = prop_string(u, "Socket", "Service", NULL, HERALDD_SERVICE);
        return r;
}

/* herald-activate.socket: heraldd (user herald) asks root's herald-activate.service to
 * start its jobs here (src/activate/serve.c). Only root and the group herald may
 * connect; herald-activate also checks that the peer is heraldd's user. */
static int plan_activate_socket(Plan *plan) {
        PlanUnit *u;
        int r;

        r = unit_new(plan, PLAN_UNIT_ACTIVATE_SOCKET, HERALD_ACTIVATE_SOCKET_UNIT, NULL, &u);
        if (r < 0)
                return r;
        if (!(u->wanted_by = strdup("sockets.target")))
                return -ENOMEM;
        r = prop_string(u, "Unit", "Description", "Description", "herald job starts for heraldd");
        if (r >= 0)
                r = prop_typed(u, "Socket", "ListenSequentialPacket", "Listen", UNIT_PROP_LISTEN, ACTIVATE_SOCKET, 0);
        if (r >= 0)
                r = prop_typed(u, "Socket", "SocketMode", "SocketMode", UNIT_PROP_U32, "0660", 0660);
        if (r >= 0)
                r = prop_string(u, "Socket", "SocketGroup", "SocketGroup", HERALD_USER);
        return r;
}

/* heraldd.service.d/50-herald-credentials.conf: one LoadCredential=trigger-<id>:<path>
 * per 'secret_file'. PID 1 (root) reads the root-only file when heraldd starts and
 * puts it in heraldd's $CREDENTIALS_DIRECTORY; the secret itself is in no unit file. */
static int plan_credentials(Plan *plan, const Workflow *w) {
        PlanUnit *u = NULL;
        int r;

        for (size_t i = 0; i < w->n_components; i++) {
                const Component *c = w->components[i];
                _cleanup_free_ char *cred = NULL, *value = NULL;
                bool used = false;

                if (c->kind != COMPONENT_TRIGGER || c->broken || c->type != TRIGGER_HTTP || !c->secret_file)
                        continue;
                for (size_t k = 0; k < w->n_routers && !used; k++)
                        used = w->routers[k].trigger == c && !w->routers[k].broken && w->routers[k].selector;
                if (!used)
                        continue;
                if (!u) {
                        r = unit_new(plan, PLAN_UNIT_DROPIN, HERALDD_CREDENTIALS_DROPIN, NULL, &u);
                        if (r < 0)
                                return r;
                }
                cred = unit_credential_name_trigger(c->name);
                if (!cred || asprintf(&value, "%s:%s", cred, c->secret_file) < 0)
                        return -ENOMEM;
                r = prop_string(u, "Service", "LoadCredential", NULL, value);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Does herald-exec write this task's result entry itself (job.c)? A root job whose unit
 * nothing in 'unit:' changes (no User=, LogNamespace=, RuntimeMaxSec=, KillSignal=, ...),
 * run by an executor inside herald-exec: its entry is what herald-done would write, and
 * PID 1 forks one process per job instead of two (half a job unit's cost here;
 * bench/README.md). Every other job keeps ExecStopPost=+herald-done. */
static bool job_writes_own_entry(const Task *t) {
        return t->unit.n_items == 0 && t->executor &&
               (t->executor->type == EXECUTOR_LOCAL || t->executor->type == EXECUTOR_PRINT);
}

#define JOB_LOG_RATE_LIMIT_INTERVAL_USEC 1000000
#define JOB_LOG_RATE_LIMIT_BURST 10000000

/* What every job unit has. With @template the strings carry the specifier %i (the
 * instance: the job id) and literal parts are %-escaped. */
static int job_props(PlanUnit *u, const Router *router, const Task *t, const char *job_id, const char *job_dir,
                     const PlanOptions *o, bool template) {
        _cleanup_free_ char *desc = NULL, *ident = NULL, *f1 = NULL, *f2 = NULL, *f3 = NULL;
        _cleanup_free_ char *rname = template ? percent_escape(router->name) : strdup(router->name);
        _cleanup_free_ char *tname = template ? percent_escape(t->name) : strdup(t->name);
        UnitProp *p;
        int r;

        if (!rname || !tname || asprintf(&desc, "herald job %s/%s (%s)", rname, tname, job_id) < 0 ||
            asprintf(&ident, "%s/%s", router->name, t->name) < 0 || asprintf(&f1, "HERALD_JOB_ID=%s", job_id) < 0 ||
            asprintf(&f2, "HERALD_ROUTER=%s", rname) < 0 || asprintf(&f3, "HERALD_TASK=%s", tname) < 0)
                return -ENOMEM;

        r = prop_string(u, "Unit", "Description", "Description", desc);
        if (r >= 0)
                u->props[u->n_props - 1].specifiers = template;
        /* The result is in the journal; the unit may go as soon as it ends. */
        if (r >= 0)
                r = prop_string(u, "Unit", "CollectMode", "CollectMode", "inactive-or-failed");
        if (r >= 0)
                r = prop_string(u, "Service", "Type", "Type", "exec");
        if (r >= 0)
                r = prop_string(u, "Service", "Slice", "Slice", HERALD_SLICE);
        if (r >= 0) {
                /* With --result-entry herald-exec writes the entry once the command is gone;
                 * what it cannot (it was killed) fails the unit: herald-done --on-failure. */
                bool own_entry = job_writes_own_entry(t);
                _cleanup_free_ char *e = template ? percent_escape(o->exec_path) : strdup(o->exec_path);
                char **argv = !e ? NULL : own_entry ? strv_new(e, "job", "--result-entry", job_dir, NULL)
                                                    : strv_new(e, "job", job_dir, NULL);
                r = argv ? prop_exec(u, "ExecStart", false, argv) : -ENOMEM;
                if (r >= 0 && own_entry) {
                        p = prop_add(u, "Unit", "OnFailure", "OnFailure", UNIT_PROP_UNIT_NAMES);
                        r = p && asprintf(&p->string, HERALD_RESULT_UNIT_PREFIX "%s.service", job_id) >= 0 ? 0 : -ENOMEM;
                        if (r >= 0)
                                p->specifiers = template;
                } else if (r >= 0) {
                        /* Runs as root after the job's processes are gone: the one result entry. */
                        _cleanup_free_ char *d = template ? percent_escape(o->done_path) : strdup(o->done_path);
                        argv = d ? strv_new(d, job_dir, NULL) : NULL;
                        r = argv ? prop_exec(u, "ExecStopPost", true, argv) : -ENOMEM;
                }
        }
        if (r >= 0 && template)
                for (size_t i = 0; i < u->n_props; i++)
                        if (u->props[i].type == UNIT_PROP_EXEC)
                                u->props[i].specifiers = true;
        if (r >= 0)
                r = prop_string(u, "Service", "SyslogIdentifier", "SyslogIdentifier", ident);
        /* A job printing "<5>..." must not reach the result entries' rate-limit pool. */
        if (r >= 0)
                r = prop_bool(u, "Service", "SyslogLevelPrefix", "SyslogLevelPrefix", false);
        for (const char *f = f1; r >= 0 && f; f = f == f1 ? f2 : f == f2 ? f3 : NULL) {
                p = prop_add(u, "Service", "LogExtraFields", "LogExtraFields", UNIT_PROP_EXTRA_FIELDS);
                r = p && (p->string = strdup(f)) ? 0 : -ENOMEM;
                if (r >= 0)
                        p->specifiers = template;
        }
        /* journald's default (10,000 lines per 30 s, notice and info in one pool) drops
         * most of a chatty job's output, and with it the result entry that `done` sends
         * from the same unit. A job's output is what its user wants to read, and its
         * result must land: 10,000,000 entries a second, more than journald can take
         * in (~75,000 a second here), so herald-done need not read the journal to see
         * its entry arrive (journal-check.c). A workflow may set its own ('unit:'). */
        if (r >= 0 && !unit_settings_get(&t->unit, "LogRateLimitIntervalSec"))
                r = prop_u(u, "Service", "LogRateLimitIntervalSec", "LogRateLimitIntervalUSec", UNIT_PROP_USEC,
                           JOB_LOG_RATE_LIMIT_INTERVAL_USEC);
        if (r >= 0 && !unit_settings_get(&t->unit, "LogRateLimitBurst"))
                r = prop_u(u, "Service", "LogRateLimitBurst", "LogRateLimitBurst", UNIT_PROP_U32, JOB_LOG_RATE_LIMIT_BURST);
        if (r >= 0)
                r = unit_settings_to_props(u, "Service", &t->unit);
        return r;
}

/**
 * plan_job_template_unit: the template unit every job of one task is an instance of.
 * @router: a runnable router
 * @t: one of its tasks (executor other than none)
 * @o: the paths
 * @ret: the unit, herald-<router>-<task>@.service (emitted: the generator writes it,
 *       taskctl apply puts it in /run/systemd/system)
 *
 * herald-activate starts herald-<router>-<task>@<job_id>.service for each job, after
 * making its job directory: for a timer's firing itself, for heraldd's jobs through
 * --serve. A unit file, not a transient unit: systemd 252 writes a transient unit's
 * ExecStopPost=+ back as "ExecStopPostEx=", which its own parser does not know, so a
 * daemon-reload while a transient job runs dropped the job's result step (seen in
 * test-heraldd-limits; test-jobs reloads during a timer job).
 *
 * Return: 0, or -ENOMEM.
 */
int plan_job_template_unit(const Router *router, const Task *t, const PlanOptions *o, PlanUnit *ret) {
        PlanUnit u = { .kind = PLAN_UNIT_JOB_TEMPLATE, .emitted = true };
        int r;

        u.name = unit_name_job_template(router->name, t->name);
        u.trigger = strdup(router->trigger_name);
        u.router = strdup(router->name);
        u.task = strdup(t->name);
        u.note = strdup("herald-activate starts one instance per job");
        if (!u.name || !u.trigger || !u.router || !u.task || !u.note) {
                r = -ENOMEM;
                goto fail;
        }
        r = job_props(&u, router, t, "%i", HERALD_JOBS_DIR "/%i", o, true);
        if (r < 0)
                goto fail;
        *ret = u;
        return 0;
fail:
        plan_unit_done(&u);
        return r;
}

static int route_add(Plan *plan, const Router *router) {
        PlanRoute *a = reallocarray(plan->routes, plan->n_routes + 1, sizeof *a);
        if (!a)
                return -ENOMEM;
        plan->routes = a;
        PlanRoute *rt = &a[plan->n_routes++];
        *rt = (PlanRoute) { .runnable = !router->broken && router->selector };
        rt->trigger = strdup(strempty(router->trigger_name));
        rt->router = strdup(router->name);
        rt->selector = router->selector_name ? strdup(router->selector_name) : NULL;
        rt->tasks = calloc(router->n_tasks + 1, sizeof *rt->tasks);
        if (!rt->trigger || !rt->router || !rt->tasks || (router->selector_name && !rt->selector))
                return -ENOMEM;
        for (size_t i = 0, n = 0; i < router->n_tasks; i++) {
                if (router->tasks[i].broken)
                        continue;
                if (asprintf(&rt->tasks[n++], "%s:%s", router->tasks[i].name, strempty(router->tasks[i].executor_name)) < 0)
                        return -ENOMEM;
        }
        return 0;
}

int plan_build(const Workflow *w, const PlanOptions *o, Plan **ret) {
        _cleanup_(plan_freep) Plan *plan = calloc(1, sizeof *plan);
        bool heraldd = false;
        int r;

        if (!plan)
                return -ENOMEM;

        /* One timer per trigger that has a runnable router: one firing, one trigger_id. */
        for (size_t i = 0; i < w->n_components; i++) {
                const Component *c = w->components[i];
                bool used = false;

                if (c->kind != COMPONENT_TRIGGER || c->broken)
                        continue;
                for (size_t k = 0; k < w->n_routers && !used; k++)
                        used = w->routers[k].trigger == c && !w->routers[k].broken && w->routers[k].selector;
                if (!used)
                        continue;
                if (trigger_has_timer(c))
                        r = plan_timer(plan, c, o);
                else if (c->type == TRIGGER_HTTP)
                        r = plan_socket(plan, c);
                else
                        r = 0;
                if (r < 0)
                        return r;
        }

        for (size_t k = 0; k < w->n_routers; k++) {
                const Router *router = &w->routers[k];

                r = route_add(plan, router);
                if (r < 0)
                        return r;
                if (router->broken || !router->selector)
                        continue;
                if (trigger_needs_heraldd(router->trigger))
                        heraldd = true;
                for (size_t i = 0; i < router->n_tasks; i++) {
                        const Task *t = &router->tasks[i];
                        PlanUnit u;

                        if (t->broken || !t->executor || t->executor->type == EXECUTOR_NONE)
                                continue;
                        r = plan_job_template_unit(router, t, o, &u);
                        if (r < 0)
                                return r;
                        PlanUnit *a = reallocarray(plan->units, plan->n_units + 1, sizeof *a);
                        if (!a) {
                                plan_unit_done(&u);
                                return -ENOMEM;
                        }
                        plan->units = a;
                        a[plan->n_units++] = u;
                }
        }

        /* Without http or exe_done routes nothing starts heraldd: timer jobs' results
         * then go to the journal only (herald-done's datagram finds no socket). */
        if (heraldd) {
                r = plan_notify_socket(plan);
                if (r >= 0)
                        r = plan_activate_socket(plan);
                if (r < 0)
                        return r;
        }
        r = plan_credentials(plan, w);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(plan);
        return 0;
}

static cJSON *prop_to_json(const UnitProp *p) {
        cJSON *o = cJSON_CreateObject();

        if (!o)
                return NULL;
        cJSON_AddStringToObject(o, "section", p->section);
        cJSON_AddStringToObject(o, "key", p->key);
        if (p->bus_name)
                cJSON_AddStringToObject(o, "bus_property", p->bus_name);
        switch (p->type) {
        case UNIT_PROP_BOOL:
                cJSON_AddBoolToObject(o, "value", p->b);
                break;
        case UNIT_PROP_U64:
        case UNIT_PROP_USEC:
        case UNIT_PROP_U32:
        case UNIT_PROP_I32:
                if (p->string)
                        cJSON_AddStringToObject(o, "value", p->string);
                else
                        cJSON_AddNumberToObject(o, "value", (double) (p->type == UNIT_PROP_I32 ? (double) p->i : (double) p->u));
                break;
        case UNIT_PROP_EXEC: {
                cJSON *a = cJSON_AddArrayToObject(o, "argv");
                for (char **s = p->argv; a && *s; s++)
                        cJSON_AddItemToArray(a, cJSON_CreateString(*s));
                cJSON_AddBoolToObject(o, "privileged", p->privileged);
                break;
        }
        case UNIT_PROP_MONOTONIC:
                cJSON_AddNumberToObject(o, "usec", (double) p->u);
                break;
        default:
                cJSON_AddStringToObject(o, "value", strempty(p->string));
        }
        return o;
}

cJSON *plan_to_json(const Plan *plan) {
        cJSON *root = cJSON_CreateObject(), *units, *routes;

        if (!root)
                return NULL;
        units = cJSON_AddArrayToObject(root, "units");
        routes = cJSON_AddArrayToObject(root, "routes");
        for (size_t i = 0; units && i < plan->n_units; i++) {
                const PlanUnit *u = &plan->units[i];
                cJSON *o = cJSON_CreateObject(), *props;
                if (!o)
                        break;
                cJSON_AddItemToArray(units, o);
                cJSON_AddStringToObject(o, "name", u->name);
                cJSON_AddStringToObject(o, "kind", plan_unit_kind_to_string(u->kind));
                if (u->trigger)
                        cJSON_AddStringToObject(o, "trigger", u->trigger);
                if (u->router)
                        cJSON_AddStringToObject(o, "router", u->router);
                if (u->task)
                        cJSON_AddStringToObject(o, "task", u->task);
                if (u->wanted_by)
                        cJSON_AddStringToObject(o, "wanted_by", u->wanted_by);
                cJSON_AddBoolToObject(o, "installed", u->emitted);
                if (u->note)
                        cJSON_AddStringToObject(o, "note", u->note);
                props = cJSON_AddArrayToObject(o, "properties");
                for (size_t k = 0; props && k < u->n_props; k++)
                        cJSON_AddItemToArray(props, prop_to_json(&u->props[k]));
        }
        for (size_t i = 0; routes && i < plan->n_routes; i++) {
                const PlanRoute *rt = &plan->routes[i];
                cJSON *o = cJSON_CreateObject(), *tasks;
                if (!o)
                        break;
                cJSON_AddItemToArray(routes, o);
                cJSON_AddStringToObject(o, "trigger", rt->trigger);
                cJSON_AddStringToObject(o, "router", rt->router);
                if (rt->selector)
                        cJSON_AddStringToObject(o, "selector", rt->selector);
                else
                        cJSON_AddNullToObject(o, "selector");
                cJSON_AddBoolToObject(o, "runnable", rt->runnable);
                tasks = cJSON_AddArrayToObject(o, "tasks");
                for (char **t = rt->tasks; tasks && t && *t; t++)
                        cJSON_AddItemToArray(tasks, cJSON_CreateString(*t));
        }
        return root;
}
