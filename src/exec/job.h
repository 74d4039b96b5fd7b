/* SPDX-License-Identifier: MIT */
/* job.h: herald-exec job DIR */
#pragma once

#include "job-dir.h"

int job_main(const char *dir);
