/* SPDX-License-Identifier: MIT */
/* job-spec.h: job.json, what the activation hands to `herald-exec job` and `done` */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

/* The most job.json may weigh; the param carries the trigger param (an HTTP body). */
#define JOB_SPEC_SIZE_MAX ((size_t) 16 * 1024 * 1024)

typedef struct JobSpec {
        cJSON *root;                    /* owns everything below */
        const cJSON *param;             /* the execution param: always an object */
        const char *executor_type;      /* "local", "print", "none", ... */
        const cJSON *executor_param;    /* an object, or NULL */
        const char *unit;               /* the job's unit, or NULL */
        int64_t counter;                /* the tick counter, or -1 */
} JobSpec;

void job_spec_done(JobSpec *s);
int job_spec_parse(const char *data, size_t size, JobSpec *ret);
int job_spec_format(const cJSON *param, const char *executor_type, const cJSON *executor_param,
                    const char *unit, int64_t counter, char **ret);
