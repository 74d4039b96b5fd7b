/* SPDX-License-Identifier: MIT */
/* workflow-observed.h: routers and tasks as the journal and systemd show them, for a
 * caller who may read the journal but not the workflow */
#pragma once

#include <systemd/sd-bus.h>
#include <systemd/sd-journal.h>

#include "workflow.h"

/* A herald trigger timer's Description= ("herald trigger 'NAME' (tick every N s)" or
 * "... (cron 'SPEC')", as plan.c writes it) as a trigger component. Return: a new
 * component, NULL when the text is no such description (or on OOM). */
Component *trigger_from_description(const char *description);

/* Adds a trigger component to w, owned by it. Return: 0 or -ENOMEM (c freed). */
int observed_add_trigger(Workflow *w, Component *c);
/* The router named so, added (with no tasks) when missing. Return: it, or NULL on OOM. */
Router *observed_router(Workflow *w, const char *name);
/* Adds task NAME (executor EXECUTOR) to r unless it has one of that name. */
int observed_task(Router *r, const char *name, const char *executor);
/* Points each router at the trigger component its trigger_name names. */
void observed_link_triggers(Workflow *w);

/**
 * taskctl_workflow_observe: a Workflow built from what can be seen without reading it:
 * each router and task that has a result entry (with the trigger and executor the
 * newest names), and each herald trigger timer systemd has loaded (schedule from its
 * description). @path names the workflow that could not be read, for messages.
 * Return: 0 with *ret set, or a negative errno (logged).
 */
int taskctl_workflow_observe(sd_journal *j, sd_bus *bus, const char *path, Workflow **ret);
