/* SPDX-License-Identifier: MIT */
/* executor.c: the executors herald-exec runs, by name
 *
 * One table from Herald's executor type (job.json's `executor_type`) to the function
 * that runs it. A new executor is one line here and one file.
 * By name, not by ExecutorType: that enum lives with the workflow model, which
 * herald-exec does not link (libyaml would load on every job start).
 */
#include <stdlib.h>

#include "exec-local.h"
#include "exec-remote.h"
#include "exec-print.h"
#include "executor.h"
#include "log.h"
#include "macro.h"

static int run_print(const JobSpec *spec, JobResult *ret, pid_t *ret_background) {
        *ret_background = 0;
        return exec_print(spec, ret);
}

/* Herald's none executor does nothing and succeeds. */
static int run_none(const JobSpec *spec, JobResult *ret, pid_t *ret_background) {
        *ret_background = 0;
        return job_result_new(true, "", ret) < 0 ? log_oom() : 0;
}

static const Executor executors[] = {
        { "local",       exec_local      },
        { "print",       run_print       },
        { "none",        run_none        },
        { "http_remote", exec_remote     },
        /* herald-runner's jobs; a workflow cannot name it (workflow.c knows no such type) */
        { "runner",      exec_runner     },
};

/**
 * executor_find: the executor of a type.
 * @name: Herald's executor type ("local", "print", ...)
 *
 * Return: the executor, or NULL for a type herald-exec does not know.
 */
const Executor *executor_find(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(executors); i++)
                if (streq(executors[i].name, name))
                        return &executors[i];
        return NULL;
}
