/* SPDX-License-Identifier: MIT */
/* job-dir.h: a job's directory, /run/herald/jobs/<job_id>/: its layout, its creation, reading its job.json, its removal */
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

/* workflow.h; herald-exec and herald-done read the layout above without the model */
typedef struct Task Task;

#define JOB_SPEC_FILE "job.json"
/* The job's own corner of its directory: the job's user writes its result here. */
#define JOB_OUT_DIR "out"
#define JOB_RESULT_FILE "result.json"
/* The most result.json may weigh: 1 MiB of output, escaped, plus a merged object. */
#define JOB_RESULT_SIZE_MAX ((size_t) 16 * 1024 * 1024)

int job_dir_create(const char *job_id, const cJSON *param, const Task *t, const char *unit, int64_t counter,
                   char **ret_dir);
int job_dir_remove(const char *dir);
/* job.json of the job directory open at @dfd, parsed (job-spec.h's JobSpec; job_spec_done() it) */
typedef struct JobSpec JobSpec;
int job_dir_read_spec(int dfd, JobSpec *ret);
/* the same below another directory (tests) */
int job_dir_create_in(const char *jobs_dir, const char *job_id, const cJSON *param, const Task *t, const char *unit,
                      int64_t counter, char **ret_dir);
/* a job that comes from no workflow task: herald-runner's (executor "runner") */
int job_dir_create_spec(const char *jobs_dir, const char *job_id, const cJSON *param, const char *executor_type,
                        const cJSON *executor_param, const char *unit, uid_t uid, gid_t gid, char **ret_dir);
