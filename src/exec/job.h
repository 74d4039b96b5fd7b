/* SPDX-License-Identifier: MIT */
/* job.h: herald-exec job DIR and herald-done DIR */
#pragma once

#define JOB_SPEC_FILE "job.json"
/* The job's own corner of its directory (see write_job_dir() in activate.c). */
#define JOB_OUT_DIR "out"
#define JOB_RESULT_FILE "result.json"
/* The most result.json may weigh: 1 MiB of output, escaped, plus a merged object. */
#define JOB_RESULT_SIZE_MAX ((size_t) 16 * 1024 * 1024)

int job_main(const char *dir);
int done_main(const char *dir);
