/* SPDX-License-Identifier: MIT */
/* done-runner.h: a herald-runner job's result and files, handed to herald-runner */
#pragma once

#include "job-result.h"
#include "job-spec.h"

void done_runner_reply(const JobSpec *spec, const JobResult *res, const char *dir);
