/* SPDX-License-Identifier: MIT */
/* job.h: herald-exec job [--result-entry] DIR */
#pragma once

#include <stdbool.h>

#include "job-dir.h"

int job_main(const char *dir, bool result_entry);
