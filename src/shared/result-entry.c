/* SPDX-License-Identifier: MIT */
/* result-entry.c: the one journal entry per finished job (the result store)
 *
 * The fields are the contract in docs/ARCHITECTURE.md ("Result entry"). The entry is
 * sent as iovecs over the native protocol (journal-send.c): unlike sd_journal_send()
 * that keeps trailing whitespace (an error text or an output may end in a newline) and
 * takes values with any bytes.
 * Readers trust the entry by its trusted _UID=0, so it must be written by root (the
 * ExecStopPost=+ of the job unit, or the activation for `none` jobs).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "herald-ids.h"
#include "job-result.h"
#include "journal-send.h"
#include "json-util.h"
#include "macro.h"
#include "param-redact.h"
#include "result-entry.h"
#include "utf8.h"

typedef struct FieldList {
        char **fields;
        size_t n;
        size_t allocated;
} FieldList;

static int field_add(FieldList *l, const char *name, const char *value) {
        size_t nl = strlen(name), vl = strlen(value);
        char *f;

        if (l->n + 2 > l->allocated) {
                size_t a = l->allocated ? l->allocated * 2 : 32;
                char **t = realloc(l->fields, a * sizeof(char *));
                if (!t)
                        return -ENOMEM;
                l->fields = t;
                l->allocated = a;
        }
        /* not asprintf(): heraldd builds an entry per 'none' request, and printf's
         * machinery was a tenth of its time */
        f = malloc(nl + vl + 2);
        if (!f)
                return -ENOMEM;
        memcpy(f, name, nl);
        f[nl] = '=';
        memcpy(f + nl + 1, value, vl + 1);
        l->fields[l->n++] = f;
        l->fields[l->n] = NULL;
        return 0;
}

static int field_add_param(FieldList *l, const char *name, const cJSON *param, const char *key) {
        const char *v = json_object_get_string(param, key);

        return v ? field_add(l, name, v) : 0;
}

static int field_add_json(FieldList *l, const char *name, const char *flag, const cJSON *v) {
        _cleanup_free_ char *text = NULL;
        bool cut = false;
        int r;

        if (cJSON_IsObject(v))
                r = json_print_capped(v, RESULT_ENTRY_JSON_MAX, &text, &cut);
        else
                r = (text = strdup("{}")) ? 0 : -ENOMEM;
        if (r < 0)
                return r;

        r = field_add(l, name, text);
        if (r < 0)
                return r;
        return cut ? field_add(l, flag, "true") : 0;
}

/**
 * result_entry_build: the fields of a result entry, each "NAME=value".
 * @param: the execution param (job_id, trigger_id, router, task, trigger, selector,
 *         executor, ...); its string ids become HERALD_* fields
 * @unit: the job's unit, or NULL (e.g. for `none` jobs)
 * @invocation_id: the unit's invocation id, or NULL
 * @success: whether the job succeeded
 * @error: the error text, or NULL for ""
 * @result: the result object (NULL counts as {})
 * @service_result: systemd's $SERVICE_RESULT, or NULL
 * @counter: the tick counter, or a negative number for none
 * @ret: a NULL-terminated list of fields; free with strv_free()
 *
 * HERALD_PARAM is @param without its credentials (param-redact.c).
 * HERALD_RESULT and HERALD_PARAM stay valid JSON of at most RESULT_ENTRY_JSON_MAX
 * bytes; when cut, HERALD_RESULT_TRUNCATED=true or HERALD_PARAM_TRUNCATED=true says so.
 *
 * Return: 0, or -ENOMEM.
 */
int result_entry_build(const cJSON *param, const char *unit, const char *invocation_id,
                       bool success, const char *error, const cJSON *result,
                       const char *service_result, int64_t counter, char ***ret) {
        _cleanup_free_ char *err = NULL, *message = NULL;
        _cleanup_(strv_freep) char **fields = NULL;
        _cleanup_json_ cJSON *redacted = NULL;
        FieldList l = {};
        const char *task, *router;
        char num[32];
        size_t elen;
        int r;

        elen = strlen(strempty(error));
        if (elen > RESULT_ENTRY_ERROR_MAX)
                elen = utf8_cut(error, RESULT_ENTRY_ERROR_MAX);
        err = memdup_nul(strempty(error), elen);
        if (!err)
                return -ENOMEM;

        task = json_object_get_string(param, "task");
        router = json_object_get_string(param, "router");
        if (success)
                r = asprintf(&message, "Job '%s' of router '%s' succeeded.", strna(task), strna(router));
        else
                r = asprintf(&message, "Job '%s' of router '%s' failed: %s", strna(task), strna(router), err);
        if (r < 0)
                return -ENOMEM;

        /* Every field_add() below leaves l.fields NULL-terminated; hand it to the
         * cleanup right away so any failure frees what was built. */
#define ADD(expr) do { r = (expr); fields = l.fields; if (r < 0) return r; } while (0)
        ADD(field_add(&l, "MESSAGE_ID", HERALD_MESSAGE_RESULT));
        ADD(field_add(&l, "PRIORITY", success ? "5" : "4"));
        ADD(field_add(&l, "SYSLOG_IDENTIFIER", "herald"));
        ADD(field_add(&l, "MESSAGE", message));
        ADD(field_add_param(&l, "HERALD_JOB_ID", param, "job_id"));
        ADD(field_add_param(&l, "HERALD_TRIGGER_ID", param, "trigger_id"));
        ADD(field_add_param(&l, "HERALD_ROUTER", param, "router"));
        ADD(field_add_param(&l, "HERALD_TASK", param, "task"));
        ADD(field_add_param(&l, "HERALD_TRIGGER", param, "trigger"));
        ADD(field_add_param(&l, "HERALD_SELECTOR", param, "selector"));
        ADD(field_add_param(&l, "HERALD_EXECUTOR", param, "executor"));
        ADD(field_add(&l, "HERALD_SUCCESS", success ? "true" : "false"));
        snprintf(num, sizeof num, "%" PRIi64, job_result_exit_code(result, success));
        ADD(field_add(&l, "HERALD_EXIT_CODE", num));
        ADD(field_add(&l, "HERALD_ERROR", err));
        ADD(field_add_json(&l, "HERALD_RESULT", "HERALD_RESULT_TRUNCATED", result));
        if (param_has_secrets(param)) {
                redacted = param_redact_secrets(param);
                if (!redacted)
                        return -ENOMEM;
        }
        ADD(field_add_json(&l, "HERALD_PARAM", "HERALD_PARAM_TRUNCATED", redacted ?: param));
        if (unit)
                ADD(field_add(&l, "HERALD_UNIT", unit));
        if (invocation_id)
                ADD(field_add(&l, "HERALD_INVOCATION_ID", invocation_id));
        if (service_result)
                ADD(field_add(&l, "HERALD_SERVICE_RESULT", service_result));
        if (counter >= 0) {
                snprintf(num, sizeof num, "%" PRIi64, counter);
                ADD(field_add(&l, "HERALD_COUNTER", num));
        }
#undef ADD

        *ret = TAKE_PTR(fields);
        return 0;
}

/**
 * result_entry_send_fields: send fields made by result_entry_build() as one entry.
 * @fields: NULL-terminated "NAME=value" strings
 *
 * Return: 0; -ENOMEM, or the negative errno of journal_native_send().
 */
int result_entry_send_fields(char **fields) {
        _cleanup_free_ struct iovec *iov = NULL;
        size_t n = 0;

        for (char **f = fields; *f; f++)
                n++;
        iov = calloc(n, sizeof *iov);
        if (!iov)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                iov[i] = (struct iovec) { .iov_base = fields[i], .iov_len = strlen(fields[i]) };

        return journal_native_send(iov, n);
}

/**
 * result_entry_send: write a job's result entry to the journal.
 *
 * Takes the arguments of result_entry_build(), which see. journald drops entries
 * silently past a unit's rate limit; a success here means the entry was handed over.
 *
 * Return: 0; -ENOMEM, or the negative errno of journal_native_send().
 */
int result_entry_send(const cJSON *param, const char *unit, const char *invocation_id,
                      bool success, const char *error, const cJSON *result,
                      const char *service_result, int64_t counter) {
        _cleanup_(strv_freep) char **fields = NULL;
        int r;

        r = result_entry_build(param, unit, invocation_id, success, error, result,
                               service_result, counter, &fields);
        if (r < 0)
                return r;
        return result_entry_send_fields(fields);
}
