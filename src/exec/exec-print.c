/* SPDX-License-Identifier: MIT */
/* exec-print.c: Herald's `print` executor */
#include <stdio.h>

#include "exec-print.h"
#include "json-util.h"
#include "log.h"
#include "param-redact.h"
#include "print-key.h"

/**
 * exec_print: log the execution param (or its print_key selection) as one line of
 * compact JSON on stdout, which is the job's journal stream.
 * @spec: the job
 * @ret: the result: always a success with `{}`, as in Herald
 *
 * Credentials are printed as "(redacted)" (param-redact.c).
 *
 * Return: 0, or -ENOMEM (logged).
 */
int exec_print(const JobSpec *spec, JobResult *ret) {
        _cleanup_json_ cJSON *v = NULL, *param = NULL;
        _cleanup_free_ char *text = NULL;
        int r;

        /* Herald prints credentials too; the journal is no place for them. */
        param = param_redact_secrets(spec->param);
        if (!param)
                return log_oom();
        r = print_key_select(param, &v);
        if (r >= 0)
                r = json_print_compact(v, &text);
        if (r < 0)
                return log_oom();

        if (printf("%s\n", text) < 0 || fflush(stdout) != 0)
                log_warning_errno(errno, "Could not write to stdout, ignoring: %m");

        r = job_result_new(true, "", ret);
        return r < 0 ? log_oom() : 0;
}
