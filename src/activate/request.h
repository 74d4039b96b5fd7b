/* SPDX-License-Identifier: MIT */
/* request.h: heraldd's request file, taken by root and made into a job ready to start */
#pragma once

#include <cjson/cJSON.h>

#include "herald-id.h"
#include "workflow.h"

typedef struct PreparedJob {
        char job_id[HERALD_ID_LEN + 1];
        cJSON *param;           /* the execution param (for a failed result entry) */
        char *unit;             /* herald-<router>-<task>@<job_id>.service, to start */
        char *dir;              /* its job directory */
} PreparedJob;

void prepared_job_done(PreparedJob *p);

int request_take(const Workflow *w, const char *workflow_path, const char *job_id, const char *router,
                 const char *task, PreparedJob *ret);
void request_refuse(const char *job_id, const char *router, const char *task, int error);
void job_start_failed(PreparedJob *p, const char *why);
