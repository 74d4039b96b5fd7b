/* SPDX-License-Identifier: MIT */
/* job-dir.h: the layout of a job's directory, /run/herald/jobs/<job_id>/ */
#pragma once

#define JOB_SPEC_FILE "job.json"
/* The job's own corner of its directory: the job's user writes its result here. */
#define JOB_OUT_DIR "out"
#define JOB_RESULT_FILE "result.json"
/* The most result.json may weigh: 1 MiB of output, escaped, plus a merged object. */
#define JOB_RESULT_SIZE_MAX ((size_t) 16 * 1024 * 1024)
