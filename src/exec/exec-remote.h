/* SPDX-License-Identifier: MIT */
/* exec-remote.h: Herald's `http_remote` executor: herald-remote runs the request */
#pragma once

#include <sys/types.h>

#include "job-result.h"
#include "job-spec.h"

int exec_remote(const JobSpec *spec, JobResult *ret, pid_t *ret_background);
