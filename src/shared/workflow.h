/* SPDX-License-Identifier: MIT */
/* workflow.h: a Herald Daemon workflow, loaded and checked */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "diag.h"
#include "unit-settings.h"
#include "yaml-tree.h"

typedef struct CronSchedule CronSchedule;

typedef enum ComponentKind {
        COMPONENT_TRIGGER,
        COMPONENT_SELECTOR,
        COMPONENT_EXECUTOR,
        _COMPONENT_KIND_MAX,
} ComponentKind;

typedef enum TriggerType {
        TRIGGER_TICK,
        TRIGGER_CRON,
        TRIGGER_HTTP,
        TRIGGER_EXE_DONE,
        _TRIGGER_TYPE_MAX,
} TriggerType;

typedef enum SelectorType {
        SELECTOR_ALL,
        SELECTOR_MATCH_MAP,
        SELECTOR_EXCEPT_MAP,
        SELECTOR_SKIP,
        SELECTOR_EXTERNAL,
        _SELECTOR_TYPE_MAX,
} SelectorType;

typedef enum ExecutorType {
        EXECUTOR_NONE,
        EXECUTOR_PRINT,
        EXECUTOR_LOCAL,
        EXECUTOR_HTTP_REMOTE,
        _EXECUTOR_TYPE_MAX,
} ExecutorType;

/* Overlap policy per router, with Kubernetes' CronJob names. */
typedef enum Concurrency {
        CONCURRENCY_ALLOW,
        CONCURRENCY_FORBID,
        CONCURRENCY_REPLACE,
        _CONCURRENCY_MAX,
        _CONCURRENCY_INVALID = -EINVAL,
} Concurrency;

/* The 'http' trigger's body limit (Herald has none) and its ceiling. */
#define HTTP_MAX_BODY_DEFAULT (UINT64_C(1) << 20)
#define HTTP_MAX_BODY_MAX (UINT64_C(64) << 20)
#define HTTP_REPLAY_WINDOW_MAX 86400
/* How long an HTTP answer waits for its job when the router has 'wait: true'. */
#define ROUTER_WAIT_TIMEOUT_DEFAULT 60
#define ROUTER_WAIT_TIMEOUT_MAX 86400
#define ROUTER_MAX_RUNNING_MAX 1000000

typedef struct Component {
        ComponentKind kind;
        char *name;
        char *type_name;
        int type;                       /* TriggerType / SelectorType / ExecutorType */
        bool implicit;                  /* a router named a built-in type directly */
        bool broken;
        const YamlNode *node;           /* the component's map, or the router's reference */
        cJSON *params;                  /* everything but 'type', as Herald passes it */

        /* triggers */
        uint64_t interval_sec;          /* tick */
        char *cron_spec;                /* cron, as written */
        bool with_seconds;
        CronSchedule *cron;
        char *host;                     /* http */
        uint16_t port;
        char *unix_socket;
        bool has_secret;                /* 'secret' or 'secret_file' */
        char *secret;                   /* inline; readable by heraldd's user with the workflow */
        char *secret_file;              /* root-only file, handed to heraldd as a credential */
        uint64_t max_body;              /* bytes; HTTP_MAX_BODY_DEFAULT */
        uint64_t replay_window_sec;     /* 0: no replay protection */

        UnitSettings unit;              /* the 'unit:' extension key */
} Component;

typedef struct Task {
        char *name;
        char *executor_name;
        Component *executor;
        cJSON *job_param;               /* merged: task inline > task presets > router inline > router presets */
        cJSON *select_param;            /* router and task merged key by key, task wins */
        UnitSettings unit;              /* executor's 'unit:' overridden by job_param's */
        const YamlNode *node;
        bool broken;
} Task;

typedef struct Router {
        char *name;
        char *trigger_name;
        Component *trigger;
        char *selector_name;
        Component *selector;            /* NULL: Herald registers the router but never runs its tasks */
        Task *tasks;
        size_t n_tasks;
        Concurrency concurrency;
        bool wait;                      /* http: the answer waits for the job and carries its result */
        uint64_t wait_timeout_sec;      /* ROUTER_WAIT_TIMEOUT_DEFAULT */
        uint64_t max_running;           /* jobs of this router at once; 0: no limit */
        const YamlNode *node;
        bool broken;
} Router;

typedef struct WorkflowLimits {
        YamlLimits yaml;
        size_t max_components;          /* triggers + selectors + executors + presets + routers + tasks */
} WorkflowLimits;

#define WORKFLOW_LIMITS_DEFAULT \
        ((WorkflowLimits) { .yaml = YAML_LIMITS_DEFAULT, .max_components = 20000 })

typedef struct Workflow {
        char *path;
        YamlNode *root;
        DiagList diag;
        bool unloadable;                /* not readable, not YAML, not a map, over a limit */

        Component **components;         /* all of them, owned here */
        size_t n_components;
        Router *routers;
        size_t n_routers;
} Workflow;

/**
 * workflow_load: read, parse and check a workflow file.
 * Return: 0 with *ret set — check (*ret)->unloadable and (*ret)->diag.n_errors —
 * or -ENOMEM. A file that cannot be read or parsed still yields a Workflow with its
 * diagnostics, so every caller reports the same way.
 */
int workflow_load(const char *path, const WorkflowLimits *limits, Workflow **ret);
int workflow_load_string(const char *name, const char *data, size_t size, const WorkflowLimits *limits,
                         Workflow **ret);
Workflow *workflow_free(Workflow *w);
static inline void workflow_freep(Workflow **w) {
        if (*w)
                workflow_free(*w);
}

Component *workflow_find_component(const Workflow *w, ComponentKind kind, const char *name);
const Router *workflow_find_router(const Workflow *w, const char *name);
size_t workflow_count_tasks(const Workflow *w);

const char *component_kind_to_string(ComponentKind k);
const char *trigger_type_to_string(TriggerType t);
int trigger_type_from_string(const char *s);
const char *selector_type_to_string(SelectorType t);
int selector_type_from_string(const char *s);
const char *executor_type_to_string(ExecutorType t);
int executor_type_from_string(const char *s);
const char *concurrency_to_string(Concurrency c);
Concurrency concurrency_from_string(const char *s);
