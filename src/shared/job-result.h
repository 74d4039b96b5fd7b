/* SPDX-License-Identifier: MIT */
/* job-result.h: a job's outcome (success, error, result object) and Herald's rules for it */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

/* How much of a command's stdout is kept for the result (the rest is only streamed to
 * the journal). Output longer than this cannot be a JSON object to merge. */
#define JOB_OUTPUT_MAX ((size_t) 1024 * 1024)

/* Herald's error texts, kept word for word (exe_done routes may match on them). */
#define JOB_ERROR_EXECUTE "Execute command error"
#define JOB_ERROR_EMPTY_COMMAND "Could not execute empty command"

typedef struct JobResult {
        bool success;
        char *error;            /* never NULL once set up: "" on success */
        cJSON *result;          /* never NULL once set up: always an object */
        uint64_t duration_usec; /* how long `herald-exec job` ran, by its own clock; 0: unknown */
} JobResult;

void job_result_done(JobResult *r);

int job_result_new(bool success, const char *error, JobResult *ret);
int job_result_from_command(const char *output, size_t size, bool truncated,
                            int exit_status, int signo, JobResult *ret);
int job_result_background(JobResult *ret);
int job_result_from_service(const char *service_result, const char *exit_code,
                            const char *exit_status, JobResult *ret);
int job_result_format(const JobResult *r, char **ret);
int job_result_parse(const char *data, size_t size, JobResult *ret);
int64_t job_result_exit_code(const cJSON *result, bool success);
const char *job_signal_name(int signo, char buf[static 16]);
