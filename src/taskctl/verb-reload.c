/* SPDX-License-Identifier: MIT */
/* verb-reload.c: taskctl reload, daemon-reload done the way a herald workflow needs it
 *
 * `systemctl daemon-reload` runs herald-generator, but on a running system it starts
 * nothing new and stops nothing that went away: a new trigger's timer would wait for
 * the next boot, and a removed trigger's timer would keep firing an activation that no
 * longer finds its trigger in the snapshot. So after the reload we start timers.target,
 * which pulls in the new timers (and herald-last-good.service, which keeps the workflow
 * that loaded), and stop the herald units whose unit file is gone. An http trigger's
 * socket whose address changed is restarted (restart_changed_sockets()).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bus-unit.h"
#include "config.h"
#include "herald-ids.h"
#include "log.h"
#include "macro.h"
#include "taskctl-write.h"
#include "verb-options.h"
#include "workflow.h"

#define SD_DEST "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"
#define SD_SOCKET "org.freedesktop.systemd1.Socket"
/* A reload regenerates and reloads every unit; systemctl waits for it as long. */
#define RELOAD_TIMEOUT_USEC (90 * 1000000ULL)
/* Starting timers is quick; a hung start job is reported, not waited for forever. */
#define START_TIMEOUT_USEC (30 * 1000000ULL)
#define LAST_GOOD_WORKFLOW HERALD_SYSCONFDIR "/last-good.yml"

static void reload_help(void) {
        printf("Usage: taskctl reload [OPTIONS...]\n\n"
               "Make systemd run the workflow in " HERALD_WORKFLOW_DEFAULT " now: check it, reload\n"
               "systemd (herald-generator writes the units again), start the timers of new triggers,\n"
               "and stop the timers of triggers that are gone. A plain 'systemctl daemon-reload' does\n"
               "the first part only. An http trigger whose address changed is listened on anew: heraldd\n"
               "is stopped (requests in flight get 503) and the trigger's socket restarted, since\n"
               "systemd keeps a running socket's old descriptors. A workflow that cannot be loaded\n"
               "leaves the last good one in force (" HERALD_SYSCONFDIR "/last-good.yml); its problems\n"
               "are printed first.\n\n"
               "Options:\n"
               "  -h --help     Show this help\n\n"
               "Exit status: 0 when the workflow is in force as written; 1 when it is not (it cannot\n"
               "be loaded, so the last good one, if any, stays in force; or broken routers or tasks\n"
               "were left out; or systemd failed), and the last line says what is in force; 2 on\n"
               "wrong usage.\n");
}

typedef enum WorkflowCheck {
        WORKFLOW_OK,
        WORKFLOW_NONE,          /* no workflow file: herald's units go */
        WORKFLOW_PARTIAL,       /* loaded, broken routers or tasks left out */
        WORKFLOW_UNLOADABLE,    /* the last good one (if any) stays in force */
} WorkflowCheck;

static int check_workflow(WorkflowCheck *ret) {
        _cleanup_(workflow_freep) Workflow *w = NULL;
        int r;

        r = workflow_load(HERALD_WORKFLOW_DEFAULT, NULL, &w);
        if (r == -ENOENT) {
                log_warning("There is no %s: herald's units go away.", HERALD_WORKFLOW_DEFAULT);
                *ret = WORKFLOW_NONE;
                return 0;
        }
        if (r < 0)
                return log_error_errno(r, "Failed to read %s: %m", HERALD_WORKFLOW_DEFAULT);
        diag_list_print(&w->diag, stderr, isatty(STDERR_FILENO));
        if (w->unloadable) {
                if (access(LAST_GOOD_WORKFLOW, F_OK) >= 0)
                        log_error("%s cannot be loaded: the last good workflow (%s) stays in force.",
                                  HERALD_WORKFLOW_DEFAULT, LAST_GOOD_WORKFLOW);
                else
                        log_error("%s cannot be loaded, and there is no last good workflow (%s): herald runs "
                                  "no workflow.", HERALD_WORKFLOW_DEFAULT, LAST_GOOD_WORKFLOW);
                *ret = WORKFLOW_UNLOADABLE;
        } else if (w->diag.n_errors > 0) {
                log_warning("%s has errors: the broken routers and tasks are left out, the rest runs.",
                            HERALD_WORKFLOW_DEFAULT);
                *ret = WORKFLOW_PARTIAL;
        } else
                *ret = WORKFLOW_OK;
        return 0;
}

/* Calls METHOD(unit, "replace") on systemd's manager and waits for the job it queued. */
static int unit_job_wait(sd_bus *bus, const char *method, const char *unit) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        const char *job;
        int r;

        r = sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, method, &error, &reply, "ss", unit, "replace");
        if (r >= 0)
                r = sd_bus_message_read(reply, "o", &job);
        if (r >= 0)
                r = bus_wait_job_gone(bus, job, START_TIMEOUT_USEC);
        sd_bus_message_unref(reply);
        if (r < 0)
                log_error("Failed to %s %s: %s", streq(method, "StartUnit") ? "start" : "reload", unit,
                          error.message ?: strerror(-r));
        return r;
}

/* An http trigger's socket as systemd has it configured: its Listen= entries, mode and
 * group, as one text. After a daemon-reload this is the new configuration, whatever the
 * socket still has open. */
static int socket_config_text(sd_bus *bus, const char *unit, char **ret) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_free_ char *path = NULL, *text = NULL, *group = NULL;
        sd_bus_message *reply = NULL;
        const char *type, *address;
        uint32_t mode = 0;
        size_t size = 0;
        FILE *f;
        int r;

        r = sd_bus_path_encode("/org/freedesktop/systemd1/unit", unit, &path);
        if (r < 0)
                return r;
        r = sd_bus_get_property(bus, SD_DEST, path, SD_SOCKET, "Listen", &error, &reply, "a(ss)");
        if (r < 0)
                return r;
        f = open_memstream(&text, &size);
        if (!f) {
                sd_bus_message_unref(reply);
                return -ENOMEM;
        }
        r = sd_bus_message_enter_container(reply, 'a', "(ss)");
        while (r >= 0 && (r = sd_bus_message_read(reply, "(ss)", &type, &address)) > 0)
                fprintf(f, "%s %s\n", type, address);
        sd_bus_message_unref(reply);
        if (r >= 0)
                r = sd_bus_get_property_trivial(bus, SD_DEST, path, SD_SOCKET, "SocketMode", &error, 'u', &mode);
        if (r >= 0)
                r = sd_bus_get_property_string(bus, SD_DEST, path, SD_SOCKET, "SocketGroup", &error, &group);
        if (r >= 0)
                fprintf(f, "mode %o group %s\n", mode, strempty(group));
        if (fclose(f) != 0 && r >= 0)
                r = -ENOMEM;
        if (r < 0)
                return r;
        *ret = TAKE_PTR(text);
        return 0;
}

typedef struct TriggerSocket {
        char *unit;
        char *config;           /* before the reload */
} TriggerSocket;

static void trigger_sockets_free(TriggerSocket *s) {
        for (TriggerSocket *p = s; p && p->unit; p++) {
                free(p->unit);
                free(p->config);
        }
        free(s);
}
DEFINE_TRIVIAL_CLEANUP_FUNC(TriggerSocket *, trigger_sockets_free);

/* The active http trigger sockets and their configuration, before the reload. */
static int trigger_sockets_get(sd_bus *bus, TriggerSocket **ret) {
        static const char *const active[] = { "active", NULL };
        _cleanup_strv_free_ char **units = NULL;
        _cleanup_(trigger_sockets_freep) TriggerSocket *s = NULL;
        size_t n = 0;
        int r;

        r = bus_list_units(bus, "herald-trigger-*.socket", active, &units);
        if (r < 0)
                return r;
        while (units[n])
                n++;
        s = calloc(n + 1, sizeof *s);
        if (!s)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                r = socket_config_text(bus, units[i], &s[i].config);
                if (r < 0)
                        return r;
                s[i].unit = TAKE_PTR(units[i]);
        }
        *ret = TAKE_PTR(s);
        return 0;
}

/* systemd keeps a running socket's open fds across a reload, and one whose address
 * changed has none left ("not functional until restarted"); it refuses to restart it
 * while heraldd, which holds the old fds, runs. So when an http trigger's address,
 * mode or group changed: stop heraldd, restart those sockets; the next request starts
 * heraldd on the new ones. Returns how many were restarted, or a negative errno. */
static int restart_changed_sockets(sd_bus *bus, const TriggerSocket *before) {
        bool stopped = false;
        int n = 0, r;

        for (const TriggerSocket *p = before; p && p->unit; p++) {
                _cleanup_free_ char *now = NULL;

                r = socket_config_text(bus, p->unit, &now);
                if (r < 0 || streq(now, p->config))
                        continue;       /* gone (stop_vanished() stops it), or the same */
                if (!stopped) {
                        r = unit_job_wait(bus, "StopUnit", HERALDD_SERVICE);
                        if (r < 0)
                                return r;
                        stopped = true;
                }
                r = unit_job_wait(bus, "RestartUnit", p->unit);
                if (r < 0)
                        return r;
                printf("Restarted %s: its address changed (heraldd starts again on the next request).\n", p->unit);
                n++;
        }
        return n;
}

static int stop_vanished(sd_bus *bus) {
        static const char *const not_found[] = { "not-found", NULL };
        _cleanup_strv_free_ char **units = NULL;
        int n = 0, r;

        r = bus_list_units(bus, "herald-trigger-*", not_found, &units);
        if (r < 0)
                return r;
        for (char **u = units; *u; u++) {
                sd_bus_error error = SD_BUS_ERROR_NULL;
                r = bus_stop_unit(bus, *u, &error);
                if (r < 0)
                        log_warning("Failed to stop %s: %s, ignoring", *u, error.message ?: strerror(-r));
                else {
                        printf("Stopped %s (no longer in the workflow).\n", *u);
                        n++;
                }
                sd_bus_error_free(&error);
        }
        return n;
}

int verb_reload(int argc, char **argv) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                {}
        };
        static const char *const active[] = { "active", NULL };
        _cleanup_strv_free_ char **timers = NULL;
        _cleanup_(trigger_sockets_freep) TriggerSocket *sockets = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus *bus = NULL;
        size_t n_timers = 0;
        WorkflowCheck check = WORKFLOW_OK;
        int r, stopped;

        r = verb_parse_options(argc, argv, "h", options, reload_help, NULL, NULL);
        if (r <= 0 || r == TASKCTL_EXIT_USAGE)
                return r;
        if (optind != argc) {
                log_error("taskctl reload takes no arguments. See 'taskctl reload --help'.");
                return 2;
        }

        r = check_workflow(&check);
        if (r < 0)
                return 1;

        r = sd_bus_default_system(&bus);
        if (r < 0)
                return log_error_errno(r, "Failed to connect to the system bus: %m");

        r = trigger_sockets_get(bus, &sockets);
        if (r < 0) {
                log_error_errno(r, "Failed to read the http triggers' sockets: %m");
                goto finish;
        }
        r = bus_daemon_reload(bus, RELOAD_TIMEOUT_USEC, &error);
        if (r < 0) {
                log_error("Failed to reload systemd: %s", error.message ?: strerror(-r));
                goto finish;
        }
        r = restart_changed_sockets(bus, sockets);
        if (r < 0) {
                log_error_errno(r, "Failed to restart the http triggers whose address changed: %m");
                goto finish;
        }

        /* New timers, new http triggers' sockets; and heraldd, when it runs, loads the
         * new workflow (ReloadOrTryRestart does nothing when it does not run). */
        r = unit_job_wait(bus, "StartUnit", "timers.target");
        if (r >= 0)
                r = unit_job_wait(bus, "StartUnit", "sockets.target");
        if (r < 0)
                goto finish;
        if (unit_job_wait(bus, "ReloadOrTryRestartUnit", HERALDD_SERVICE) < 0)
                log_warning("heraldd keeps the workflow it loaded until it restarts, ignoring.");

        stopped = stop_vanished(bus);
        if (stopped < 0) {
                r = stopped;
                log_error_errno(r, "Failed to list herald's units: %m");
                goto finish;
        }
        r = bus_list_units(bus, "herald-trigger-*.timer", active, &timers);
        if (r < 0) {
                log_error_errno(r, "Failed to list herald's timers: %m");
                goto finish;
        }
        while (timers[n_timers])
                n_timers++;
        switch (check) {
        case WORKFLOW_OK:
        case WORKFLOW_NONE:
                printf("Reloaded: %zu herald timer%s active.\n", n_timers, n_timers == 1 ? "" : "s");
                break;
        case WORKFLOW_PARTIAL:
                printf("Reloaded with errors: %s runs without the routers and tasks listed above; %zu herald "
                       "timer%s active.\n", HERALD_WORKFLOW_DEFAULT, n_timers, n_timers == 1 ? "" : "s");
                r = -EINVAL;
                break;
        case WORKFLOW_UNLOADABLE:
                if (access(LAST_GOOD_WORKFLOW, F_OK) >= 0)
                        printf("Not applied: %s cannot be loaded; in force: the last good workflow %s, %zu "
                               "herald timer%s active.\n", HERALD_WORKFLOW_DEFAULT, LAST_GOOD_WORKFLOW, n_timers,
                               n_timers == 1 ? "" : "s");
                else
                        printf("Not applied: %s cannot be loaded and there is no last good workflow; %zu herald "
                               "timer%s active.\n", HERALD_WORKFLOW_DEFAULT, n_timers, n_timers == 1 ? "" : "s");
                r = -EINVAL;
                break;
        }

finish:
        sd_bus_error_free(&error);
        sd_bus_flush_close_unref(bus);
        return r < 0 ? 1 : 0;
}
