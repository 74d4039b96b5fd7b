/* SPDX-License-Identifier: MIT */
/* job-request.h: the request file heraldd writes and `herald-activate --serve` reads */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "herald-ids.h"

/* heraldd's StateDirectory: one <job_id>.json per accepted firing not yet started. */
#define JOB_REQUEST_DIR "/var/lib/herald/requests"
/* Tombstones: one empty file <job_id> per request a job unit has taken. */
#define JOB_STARTED_DIR HERALD_RUN_DIR "/started"
/* The most a request may weigh; the trigger param is most of it (an HTTP body). */
#define JOB_REQUEST_SIZE_MAX ((size_t) 4 * 1024 * 1024)
/* The longest router, task or trigger name a request may carry. */
#define JOB_REQUEST_NAME_MAX 1024
/* The deepest chain a request may claim; heraldd's own guard is far lower. */
#define JOB_REQUEST_CHAIN_DEPTH_MAX 1000

typedef struct JobRequest {
        cJSON *root;                    /* owns the rest */
        const char *job_id, *trigger_id, *router, *task, *trigger;
        const cJSON *trigger_param;     /* always an object */
        unsigned chain_depth;
} JobRequest;

int job_request_format(const char *job_id, const char *trigger_id, const char *router, const char *task,
                       const char *trigger, const cJSON *trigger_param, unsigned chain_depth, char **ret);
int job_request_parse(const char *text, size_t size, JobRequest *ret);
void job_request_done(JobRequest *r);
/* A router, task or trigger name a request may carry: 1..JOB_REQUEST_NAME_MAX bytes, no control characters. */
bool job_request_name_valid(const char *s);
int job_request_write(int dir_fd, const char *job_id, const char *text);
