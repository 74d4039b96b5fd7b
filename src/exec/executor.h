/* SPDX-License-Identifier: MIT */
/* executor.h: the executors herald-exec runs, by name */
#pragma once

#include <sys/types.h>

#include "job-result.h"
#include "job-spec.h"

/* Runs the job @spec describes and fills *ret (the job's success or failure, never an
 * error of ours). *ret_background is the pid of a command left running (`background`),
 * or 0. Returns 0, or a negative errno (logged) when no result could be made. */
typedef int (*ExecutorRunFunc)(const JobSpec *spec, JobResult *ret, pid_t *ret_background);

typedef struct Executor {
        const char *name;               /* Herald's executor type */
        ExecutorRunFunc run;
} Executor;

const Executor *executor_find(const char *name);
