/* SPDX-License-Identifier: MIT */
/* workflow-path.h: which workflow file taskctl reads, loading it, and describing its triggers */
#pragma once

#include <stdbool.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-journal.h>

#include "workflow.h"

/* The applied workflow, else the generator's copy, else the configured default. */
const char *taskctl_workflow_path(void);
/* Loads path (NULL: taskctl_workflow_path()); reports a file that cannot be loaded. */
int taskctl_workflow_load(const char *path, Workflow **ret);

/* As taskctl_workflow_load(), but a workflow in force this user may not read becomes
 * what the journal and the bus show of it (one hint line); *ret_observed says so.
 * Return: 0, TASKCTL_EXIT_NO_ACCESS (the journal cannot be read either), or <0. */
int taskctl_workflow_load_or_observe(const char *path, sd_journal *j, const char *directory, sd_bus *bus, Workflow **ret,
                                     bool *ret_observed);

/* Logs "No router 'X' in 'W'; did you mean 'Y'?" when the workflow loads and has no
 * router @name: returns true then. A workflow that cannot be read says nothing. */
bool taskctl_router_unknown(const Workflow *w, const char *name);

/* "every 5s", "cron 0 3 * * *", "http 127.0.0.1:8123", "http unix:/run/x.sock",
 * "exe_done"; "-" for NULL. */
char *taskctl_trigger_schedule(const Component *trigger);
/* herald-trigger-<escaped name>.timer for tick and cron triggers; NULL otherwise (and
 * on OOM: check the trigger type first). */
char *taskctl_trigger_timer_unit(const Component *trigger);
/* The socket a trigger's firings come through: herald-trigger-<escaped name>.socket for
 * http triggers, heraldd-notify.socket (the results) for exe_done; NULL otherwise (and
 * on OOM: check the trigger type first). */
char *taskctl_trigger_socket_unit(const Component *trigger);
