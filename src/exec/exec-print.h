/* SPDX-License-Identifier: MIT */
/* exec-print.h: Herald's `print` executor */
#pragma once

#include "job-result.h"
#include "job-spec.h"

int exec_print(const JobSpec *spec, JobResult *ret);
