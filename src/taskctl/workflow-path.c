/* SPDX-License-Identifier: MIT */
/* workflow-path.c: the workflow the read verbs take routers and tasks from */
#include <errno.h>
#include <inttypes.h>
#include <unistd.h>

#include "config.h"
#include "diag.h"
#include "herald-ids.h"
#include "journal-read.h"
#include "log.h"
#include "taskctl-verbs.h"
#include "unit-name.h"
#include "workflow-observed.h"
#include "workflow-path.h"

/**
 * taskctl_workflow_path: the workflow in force on this machine.
 *
 * `taskctl apply` leaves the workflow it applied in /run/herald/applied, the
 * generator a copy of the one it compiled next to its units; either is what
 * systemd actually runs, so both beat the file in /etc, which may have been edited
 * since. A candidate that this user may not look at (EACCES: /run/herald/applied is
 * root's) is still the one in force: it is returned, so the error names the real
 * cause instead of a missing /etc file.
 * Return: a static string.
 */
const char *taskctl_workflow_path(void) {
        static const char *const candidates[] = {
                HERALD_APPLIED_DIR "/workflow.yml",
                "/run/systemd/generator/herald/workflow.yml",
        };

        for (size_t i = 0; i < ELEMENTSOF(candidates); i++)
                if (access(candidates[i], F_OK) == 0 || errno != ENOENT)
                        return candidates[i];
        return HERALD_WORKFLOW_DEFAULT;
}

/**
 * taskctl_workflow_load: load the workflow for list and status.
 *
 * Errors inside the workflow do not stop the read verbs (the routers that loaded are
 * shown, broken ones marked); only a file that cannot be loaded at all does.
 * Return: 0 with *ret set, or a negative errno, logged.
 */
int taskctl_workflow_load(const char *path, Workflow **ret) {
        _cleanup_(workflow_freep) Workflow *w = NULL;
        int r;

        if (!path)
                path = taskctl_workflow_path();
        r = workflow_load(path, NULL, &w);
        if (r < 0)
                return log_error_errno(r, "Failed to load workflow '%s': %m", path);
        if (w->unloadable) {
                diag_list_print(&w->diag, stderr, false);
                if (access(path, R_OK) < 0 && (errno == EACCES || errno == EPERM))
                        log_error("Cannot read workflow '%s': permission denied. The workflow in force is "
                                  "readable by root (and the group herald) only, as it may hold secrets: run as "
                                  "root, or pass --workflow FILE. 'taskctl history' and 'taskctl logs' need no "
                                  "workflow.", path);
                else
                        log_error("Cannot load workflow '%s'; use --workflow FILE to name another.", path);
                return -EINVAL;
        }
        *ret = TAKE_PTR(w);
        return 0;
}

/**
 * taskctl_workflow_load_or_observe: the workflow for list and status, or what can be
 * seen of it.
 *
 * When no --workflow was given and the workflow in force exists but this user may not
 * read it (a journal reader who is not root), the routers come from the journal and
 * the bus instead (workflow-observed.c), after one hint line on stderr.
 * Return: 0 with *ret set (*ret_observed true for the second case),
 * TASKCTL_EXIT_NO_ACCESS when the journal cannot be read either, or a negative errno;
 * logged.
 */
int taskctl_workflow_load_or_observe(const char *path, sd_journal *j, const char *directory, sd_bus *bus, Workflow **ret,
                                     bool *ret_observed) {
        const char *p = path ?: taskctl_workflow_path();

        *ret_observed = false;
        if (path || access(p, R_OK) == 0 || (errno != EACCES && errno != EPERM))
                return taskctl_workflow_load(path, ret);
        /* neither the workflow nor the journal: the second is what a group membership fixes */
        if (journal_access_denied(j, directory))
                return journal_report_unreadable(directory);

        fprintf(stderr, "Hint: cannot read the workflow '%s' (permission denied: it is root's); "
                        "showing the routers that have results in the journal and the trigger timers systemd has.\n", p);
        *ret_observed = true;
        return taskctl_workflow_observe(j, bus, p, ret);
}

bool taskctl_router_unknown(const Workflow *w, const char *name) {
        _cleanup_free_ const char **known = NULL;
        const char *hint;

        if (!w || w->unloadable || workflow_find_router(w, name))
                return false;
        known = calloc(w->n_routers + 1, sizeof *known);
        for (size_t i = 0; known && i < w->n_routers; i++)
                known[i] = w->routers[i].name;
        hint = known ? diag_closest(name, known) : NULL;
        if (hint)
                log_error("No router '%s' in '%s'; did you mean '%s'?", name, w->path, hint);
        else
                log_error("No router '%s' in '%s'.", name, w->path);
        return true;
}

char *taskctl_trigger_schedule(const Component *trigger) {
        static const struct {
                uint64_t sec;
                const char *unit;
        } units[] = { { 86400, "d" }, { 3600, "h" }, { 60, "min" }, { 1, "s" } };
        char *s = NULL;
        int r = -1;

        if (!trigger)
                return strdup("-");
        switch (trigger->type) {
        case TRIGGER_TICK:
                for (size_t i = 0; i < ELEMENTSOF(units); i++)
                        if (trigger->interval_sec % units[i].sec == 0) {
                                r = asprintf(&s, "every %" PRIu64 "%s", trigger->interval_sec / units[i].sec,
                                             units[i].unit);
                                break;
                        }
                break;
        case TRIGGER_CRON:
                r = asprintf(&s, "cron %s", strna(trigger->cron_spec));
                break;
        case TRIGGER_HTTP:
                if (trigger->unix_socket)
                        r = asprintf(&s, "http unix:%s", trigger->unix_socket);
                else if (trigger->host && strchr(trigger->host, ':') && trigger->host[0] != '[')
                        r = asprintf(&s, "http [%s]:%u", trigger->host, (unsigned) trigger->port);
                else
                        r = asprintf(&s, "http %s:%u", strna(trigger->host), (unsigned) trigger->port);
                break;
        case TRIGGER_EXE_DONE:
                return strdup("exe_done");
        default:
                return strdup("-");
        }
        return r < 0 ? NULL : s;
}

char *taskctl_trigger_timer_unit(const Component *trigger) {
        if (!trigger || (trigger->type != TRIGGER_TICK && trigger->type != TRIGGER_CRON))
                return NULL;
        return unit_name_trigger(trigger->name, "timer");
}

char *taskctl_trigger_socket_unit(const Component *trigger) {
        if (!trigger)
                return NULL;
        if (trigger->type == TRIGGER_HTTP)
                return unit_name_trigger(trigger->name, "socket");
        if (trigger->type == TRIGGER_EXE_DONE)
                return strdup(HERALDD_NOTIFY_SOCKET_UNIT);
        return NULL;
}
