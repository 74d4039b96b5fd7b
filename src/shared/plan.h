/* SPDX-License-Identifier: MIT */
/* plan.h: the typed list of units a workflow becomes, shared by both emitters */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "workflow.h"

typedef enum UnitPropType {
        UNIT_PROP_STRING,               /* s */
        UNIT_PROP_BOOL,                 /* b */
        UNIT_PROP_U64,                  /* t */
        UNIT_PROP_USEC,                 /* t, written "<n>us" in files */
        UNIT_PROP_U32,                  /* u */
        UNIT_PROP_I32,                  /* i */
        UNIT_PROP_EXEC,                 /* ExecStart-like: a(sasb), or ...Ex a(sasas) when privileged */
        UNIT_PROP_CALENDAR,             /* OnCalendar= / TimersCalendar a(ss) */
        UNIT_PROP_MONOTONIC,            /* OnActiveSec= ... / TimersMonotonic a(st) */
        UNIT_PROP_EXTRA_FIELDS,         /* LogExtraFields= / aay */
        UNIT_PROP_LISTEN,               /* ListenStream= / Listen a(ss) */
        UNIT_PROP_UNIT_NAMES,           /* OnFailure= / as: names separated by spaces in string */
        _UNIT_PROP_TYPE_MAX,
} UnitPropType;

typedef struct UnitProp {
        const char *section;            /* Unit, Service, Timer, Socket */
        char *key;                      /* unit-file key */
        char *bus_name;                 /* D-Bus property; NULL: unit files only */
        UnitPropType type;
        char *string;                   /* STRING, CALENDAR spec, EXTRA_FIELDS "F=v", LISTEN address */
        uint64_t u;
        int64_t i;
        bool b;
        char **argv;                    /* EXEC */
        bool privileged;                /* EXEC: '+' prefix */
        bool specifiers;                /* unit files: the strings hold specifiers (%i); literal '%' is
                                         * already written '%%', so the writer leaves '%' alone */
} UnitProp;

typedef enum PlanUnitKind {
        PLAN_UNIT_TIMER,
        PLAN_UNIT_ACTIVATION,
        PLAN_UNIT_SOCKET,               /* an http trigger's listening socket, for heraldd */
        PLAN_UNIT_JOB_TEMPLATE,         /* herald-<router>-<task>@.service: every job is an instance */
        PLAN_UNIT_NOTIFY_SOCKET,        /* heraldd-notify.socket: results from herald-done */
        PLAN_UNIT_ACTIVATE_SOCKET,      /* herald-activate.socket: heraldd's job starts */
        PLAN_UNIT_DROPIN,               /* heraldd.service.d/...: LoadCredential= for secret_file */
        _PLAN_UNIT_KIND_MAX,
} PlanUnitKind;

typedef struct PlanUnit {
        PlanUnitKind kind;
        char *name;                     /* for a drop-in: "<unit>.d/<file>.conf" */
        char *trigger, *router, *task;  /* what it belongs to (NULL where it does not apply) */
        char *wanted_by;                /* generator's .wants link, e.g. timers.target */
        bool emitted;                   /* false: listed in the plan, not written (jobs are per firing) */
        char *note;                     /* why not emitted, for 'taskctl plan' */
        UnitProp *props;
        size_t n_props;
} PlanUnit;

typedef struct PlanRoute {
        char *trigger, *router, *selector;
        char **tasks;                   /* "task:executor" */
        bool runnable;                  /* false: broken or no selector */
} PlanRoute;

typedef struct Plan {
        PlanUnit *units;
        size_t n_units;
        PlanRoute *routes;
        size_t n_routes;
} Plan;

typedef struct PlanOptions {
        const char *workflow_path;      /* what the activation reads (a snapshot, never the live file) */
        const char *activate_path;      /* herald-activate, the timer services' ExecStart= */
        const char *exec_path;          /* herald-exec, the job units' ExecStart= */
        const char *done_path;          /* herald-done, their ExecStopPost=+ */
        const char *source_path;        /* SourcePath= for generated units, or NULL */
} PlanOptions;

int plan_build(const Workflow *w, const PlanOptions *o, Plan **ret);
Plan *plan_free(Plan *p);
static inline void plan_freep(Plan **p) {
        if (*p)
                plan_free(*p);
}

void plan_unit_done(PlanUnit *u);

/* The template unit every job of a task is an instance of. */
int plan_job_template_unit(const Router *r, const Task *t, const PlanOptions *o, PlanUnit *ret);

/* Is this router's trigger one that herald drives with a timer? */
bool trigger_has_timer(const Component *trigger);
/* Does heraldd start this router's jobs (an http or exe_done trigger)? */
bool trigger_needs_heraldd(const Component *trigger);

const char *plan_unit_kind_to_string(PlanUnitKind k);
cJSON *plan_to_json(const Plan *p);
