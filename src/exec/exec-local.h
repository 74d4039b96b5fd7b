/* SPDX-License-Identifier: MIT */
/* exec-local.h: Herald's `local` executor: an optional git checkout, then a command */
#pragma once

#include <sys/types.h>

#include "job-result.h"
#include "job-spec.h"

#define HERALD_WORK_DIR_DEFAULT "/var/lib/herald/work"
#define HERALD_PARAM_ENV_DEFAULT "HERALD_EXECUTE_PARAM"

int exec_local(const JobSpec *spec, JobResult *ret, pid_t *ret_background);
int exec_runner(const JobSpec *spec, JobResult *ret, pid_t *ret_background);
