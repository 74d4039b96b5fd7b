/* SPDX-License-Identifier: MIT */
/* done.h: a job's one result entry (herald-done DIR, or herald-exec job --result-entry) */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "job-dir.h"

/* How the job ended, as far as the writer knows it: what systemd passes to
 * ExecStopPost= ($SERVICE_RESULT, $EXIT_CODE, $EXIT_STATUS, $INVOCATION_ID) or to an
 * OnFailure= unit ($MONITOR_...), or what herald-exec saw itself. */
typedef struct JobEnd {
        const char *service_result;     /* "success", "exit-code", "signal", "timeout", ... or NULL */
        const char *exit_code;          /* "exited", "killed", "dumped", or NULL */
        const char *exit_status;        /* "1", "TERM", ... */
        const char *invocation_id;      /* the job unit's invocation */
        uint64_t duration_usec;         /* how long the job ran when its result does not say; 0: ask systemd */
        bool dir_gone_is_written;       /* an OnFailure= unit: no DIR means the entry was written */
} JobEnd;

int done_main(const char *dir, const JobEnd *end);
