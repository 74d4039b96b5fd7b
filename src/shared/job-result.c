/* SPDX-License-Identifier: MIT */
/* job-result.c: a job's outcome (success, error, result object) and Herald's rules for it
 *
 * Herald's `local` executor (observed, see herald-behaviour.md) turns a finished
 * command into {success, error, result}: stdout that is exactly one JSON object (with
 * whitespace around it) is the result, and `exit_code` is set in it afterwards,
 * overwriting one the command printed; any other stdout (an array, a scalar, null,
 * trailing text, nothing) goes into `result.output` as a string beside `exit_code`.
 * A non-zero exit fails with "Command failed with code N"; death by a signal counts as
 * exit code -1. herald adds `signal` (the signal's name) and, when stdout was longer
 * than it keeps, `output_truncated`. An object nested as deep as json_parse() goes
 * (JSON_DEPTH_MAX) is kept as text too: inside result.json it would be one level
 * deeper, and `herald-done` could not read the result back.
 *
 * When the job leaves no result at all (it crashed, was stopped, ran out of time),
 * `herald-done` builds one from what systemd tells ExecStopPost=:
 * job_result_from_service().
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "job-result.h"
#include "json-parse.h"
#include "json-util.h"
#include "macro.h"

/**
 * job_result_done: free what a JobResult holds and reset it.
 * @r: the result (may be all zero)
 */
void job_result_done(JobResult *r) {
        free(r->error);
        cJSON_Delete(r->result);
        *r = (JobResult) {};
}

static int job_result_take(bool success, const char *error, cJSON *result, JobResult *ret) {
        char *e;

        e = strdup(error ?: "");
        if (!e) {
                cJSON_Delete(result);
                return -ENOMEM;
        }
        *ret = (JobResult) { .success = success, .error = e, .result = result };
        return 0;
}

/**
 * job_result_new: a result with an empty result object.
 * @success: whether the job succeeded
 * @error: the error text (NULL means "")
 * @ret: the result; release with job_result_done()
 *
 * For `print` and `none` jobs (success, `{}`) and for jobs that could not run
 * (JOB_ERROR_EXECUTE, JOB_ERROR_EMPTY_COMMAND, git errors).
 *
 * Return: 0, or -ENOMEM.
 */
int job_result_new(bool success, const char *error, JobResult *ret) {
        cJSON *o = cJSON_CreateObject();

        if (!o)
                return -ENOMEM;
        return job_result_take(success, error, o, ret);
}

/* Sets obj[key] = item, dropping any member of that name first. Takes item. */
static int object_set(cJSON *obj, const char *key, cJSON *item) {
        if (!item)
                return -ENOMEM;
        while (cJSON_GetObjectItemCaseSensitive(obj, key))
                cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
        if (!cJSON_AddItemToObject(obj, key, item)) {
                cJSON_Delete(item);
                return -ENOMEM;
        }
        return 0;
}

/**
 * job_signal_name: the name of a signal, with its SIG prefix.
 * @signo: the signal number
 * @buf: room for the name when it must be formatted
 *
 * Return: "SIGSEGV", "SIGRTMIN+3", or "SIG99" for a number without a name.
 */
const char *job_signal_name(int signo, char buf[static 16]) {
        const char *abbrev = sigabbrev_np(signo);

        if (abbrev)
                snprintf(buf, 16, "SIG%s", abbrev);
        else if (signo >= SIGRTMIN && signo <= SIGRTMAX)
                snprintf(buf, 16, "SIGRTMIN+%d", signo - SIGRTMIN);
        else
                snprintf(buf, 16, "SIG%d", signo);
        return buf;
}

/**
 * job_result_from_command: the result of a command that ran, by Herald's rules.
 * @output: the first bytes of the command's stdout
 * @size: how many
 * @truncated: whether stdout was longer than what @output holds
 * @exit_status: the exit status (ignored when @signo is set)
 * @signo: the signal that killed the command, or 0
 * @ret: the result; release with job_result_done()
 *
 * Return: 0, or -ENOMEM.
 */
int job_result_from_command(const char *output, size_t size, bool truncated,
                            int exit_status, int signo, JobResult *ret) {
        _cleanup_json_ cJSON *result = NULL;
        _cleanup_free_ char *error = NULL;
        int code = signo > 0 ? -1 : exit_status;
        int r;

        /* Output that was cut cannot be the one JSON object; don't even try. */
        if (!truncated) {
                cJSON *v = NULL;

                r = json_parse(output, size, &v);
                if (r == -ENOMEM)
                        return r;
                /* result.json holds the result one level down: keep it readable. */
                if (r >= 0 && cJSON_IsObject(v) && json_depth(v) < JSON_DEPTH_MAX)
                        result = v;
                else
                        cJSON_Delete(v);
        }

        if (!result) {
                result = cJSON_CreateObject();
                if (!result)
                        return -ENOMEM;
                r = object_set(result, "output", json_string_from_bytes(output, size));
                if (r < 0)
                        return r;
                if (truncated) {
                        r = object_set(result, "output_truncated", cJSON_CreateTrue());
                        if (r < 0)
                                return r;
                }
        }

        r = object_set(result, "exit_code", cJSON_CreateNumber(code));
        if (r < 0)
                return r;
        if (signo > 0) {
                char buf[16];

                r = object_set(result, "signal", cJSON_CreateString(job_signal_name(signo, buf)));
                if (r < 0)
                        return r;
        }

        if (code != 0 && asprintf(&error, "Command failed with code %d", code) < 0)
                return -ENOMEM;

        return job_result_take(code == 0, error, TAKE_PTR(result), ret);
}

/**
 * job_result_background: the result of a command started with `background: true`,
 * which Herald reports at once: success, exit code 0, empty output.
 * @ret: the result; release with job_result_done()
 *
 * Return: 0, or -ENOMEM.
 */
int job_result_background(JobResult *ret) {
        _cleanup_json_ cJSON *result = cJSON_CreateObject();

        if (!result ||
            !cJSON_AddStringToObject(result, "output", "") ||
            !cJSON_AddNumberToObject(result, "exit_code", 0))
                return -ENOMEM;
        return job_result_take(true, "", TAKE_PTR(result), ret);
}

/* systemd's own exit statuses for failures before the command ran (exit-status.h). */
static const char *systemd_exit_status_name(int status) {
        static const struct {
                int status;
                const char *name;
        } table[] = {
                { 200, "CHDIR" },             { 203, "EXEC" },
                { 204, "MEMORY" },            { 209, "STDOUT" },
                { 214, "SETSCHEDULER" },      { 216, "GROUP" },
                { 217, "USER" },              { 218, "CAPABILITIES" },
                { 219, "CGROUP" },            { 222, "STDERR" },
                { 226, "NAMESPACE" },         { 228, "SECCOMP" },
                { 233, "RUNTIME_DIRECTORY" }, { 238, "STATE_DIRECTORY" },
                { 243, "CREDENTIALS" },
        };

        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                if (table[i].status == status)
                        return table[i].name;
        return NULL;
}

/* "TERM", "SIGTERM" or "15" → "SIGTERM" in buf; NULL when it is none of these. */
static const char *canonical_signal(const char *s, char buf[static 16]) {
        if (isempty(s))
                return NULL;

        if (s[strspn(s, "0123456789")] == 0) {
                long n = strtol(s, NULL, 10);
                if (n <= 0 || n > 64)
                        return NULL;
                return job_signal_name((int) n, buf);
        }

        if (strlen(s) > 12 || s[strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+")] != 0)
                return NULL;
        snprintf(buf, 16, "%s%s", startswith(s, "SIG") ? "" : "SIG", s);
        return buf;
}

static int service_error(const char *service_result, const char *exit_code,
                         int status, const char *sig, char **ret) {
        const char *sr = strempty(service_result);
        int n;

        if (streq(sr, "timeout"))
                n = sig ? asprintf(ret, "Job exceeded its time limit (RuntimeMaxSec=) and was stopped (%s)", sig)
                        : asprintf(ret, "Job exceeded its time limit (RuntimeMaxSec=)");
        else if (streq(sr, "oom-kill"))
                n = asprintf(ret, "Job was killed by the OOM killer (MemoryMax=)");
        else if (streq(sr, "watchdog"))
                n = asprintf(ret, "Job missed its watchdog deadline (WatchdogSec=)");
        else if (streq_ptr(exit_code, "dumped") || streq(sr, "core-dump"))
                n = asprintf(ret, "Job crashed (%s, core dumped)", sig ?: "signal");
        else if (streq_ptr(exit_code, "killed")) {
                if (sig && (streq(sig, "SIGTERM") || streq(sig, "SIGINT") || streq(sig, "SIGHUP")))
                        n = asprintf(ret, "Job was stopped (%s)", sig);
                else
                        n = asprintf(ret, "Job was killed (%s)", sig ?: "signal");
        } else if (streq_ptr(exit_code, "exited")) {
                const char *name = systemd_exit_status_name(status);

                if (status <= 0)
                        n = asprintf(ret, "Job ended without a result");
                else if (name)
                        n = asprintf(ret, "Job could not be started (systemd exit status %d/%s)", status, name);
                else
                        n = asprintf(ret, "Job exited with status %d without a result", status);
        } else if (!isempty(service_result) && !streq(sr, "success"))
                n = asprintf(ret, "Job could not be started (%s)", sr);
        else
                n = asprintf(ret, "Job ended without a result");

        return n < 0 ? -ENOMEM : 0;
}

/**
 * job_result_from_service: the result of a job that left none, from what systemd
 * passes to ExecStopPost= ($SERVICE_RESULT, $EXIT_CODE, $EXIT_STATUS).
 * @service_result: "success", "exit-code", "signal", "core-dump", "timeout",
 *                  "oom-kill", "watchdog", "resources", ... or NULL
 * @exit_code: "exited", "killed", "dumped", or NULL when the main process never ran
 * @exit_status: the exit status, or the signal's name ("TERM") when killed
 * @ret: the result, always a failure; release with job_result_done()
 *
 * `result` gets `exit_code` (the status, or -1 for a signal or when unknown) and, for
 * a signal, `signal`; `error` says what happened in words, e.g. "Job was stopped
 * (SIGTERM)" for `systemctl stop`, or names RuntimeMaxSec= for a timeout.
 *
 * Return: 0, or -ENOMEM.
 */
int job_result_from_service(const char *service_result, const char *exit_code,
                            const char *exit_status, JobResult *ret) {
        _cleanup_json_ cJSON *result = NULL;
        _cleanup_free_ char *error = NULL;
        const char *sig = NULL;
        char buf[16];
        int status = -1, r;

        if (streq_ptr(exit_code, "exited")) {
                if (exit_status && exit_status[0] && exit_status[strspn(exit_status, "0123456789")] == 0 &&
                    strlen(exit_status) <= 3)
                        status = atoi(exit_status);
        } else if (streq_ptr(exit_code, "killed") || streq_ptr(exit_code, "dumped"))
                sig = canonical_signal(exit_status, buf);

        r = service_error(service_result, exit_code, status, sig, &error);
        if (r < 0)
                return r;

        result = cJSON_CreateObject();
        if (!result)
                return -ENOMEM;
        if (!cJSON_AddNumberToObject(result, "exit_code", status))
                return -ENOMEM;
        if (sig && !cJSON_AddStringToObject(result, "signal", sig))
                return -ENOMEM;

        return job_result_take(false, error, TAKE_PTR(result), ret);
}

/**
 * job_result_format: the text of result.json.
 * @r: the result
 * @ret: compact JSON {"success": ..., "error": ..., "result": {...}}, with
 *       "duration_usec" when it is known; free() it
 *
 * Return: 0, or -ENOMEM.
 */
int job_result_format(const JobResult *r, char **ret) {
        _cleanup_json_ cJSON *o = cJSON_CreateObject();
        cJSON *copy;

        if (!o ||
            !cJSON_AddBoolToObject(o, "success", r->success) ||
            !cJSON_AddStringToObject(o, "error", strempty(r->error)))
                return -ENOMEM;

        copy = r->result ? cJSON_Duplicate(r->result, true) : cJSON_CreateObject();
        if (!copy)
                return -ENOMEM;
        if (!cJSON_AddItemToObject(o, "result", copy)) {
                cJSON_Delete(copy);
                return -ENOMEM;
        }
        if (r->duration_usec > 0) {
                cJSON *d = json_create_int64(r->duration_usec > INT64_MAX ? INT64_MAX : (int64_t) r->duration_usec);
                if (!d || !cJSON_AddItemToObject(o, "duration_usec", d)) {
                        cJSON_Delete(d);
                        return -ENOMEM;
                }
        }

        return json_print_compact(o, ret);
}

/**
 * job_result_parse: read result.json.
 * @data: its text
 * @size: its length
 * @ret: the result; release with job_result_done()
 *
 * `success` must be a boolean; `error` a string or missing (""), `result` an object,
 * null or missing (`{}`); `duration_usec` a positive integer or missing (0).
 *
 * Return: 0; -EBADMSG when the text is not such an object, -ERANGE, -E2BIG (see
 * json_parse()), -ENOMEM.
 */
int job_result_parse(const char *data, size_t size, JobResult *ret) {
        _cleanup_json_ cJSON *root = NULL;
        cJSON *success, *error, *result, *duration;
        int64_t duration_usec = 0;
        int r;

        r = json_parse(data, size, &root);
        if (r < 0)
                return r;
        if (!cJSON_IsObject(root))
                return -EBADMSG;

        success = cJSON_GetObjectItemCaseSensitive(root, "success");
        error = cJSON_GetObjectItemCaseSensitive(root, "error");
        result = cJSON_GetObjectItemCaseSensitive(root, "result");
        if (!cJSON_IsBool(success))
                return -EBADMSG;
        if (error && !cJSON_IsString(error))
                return -EBADMSG;
        if (result && !cJSON_IsObject(result) && !cJSON_IsNull(result))
                return -EBADMSG;
        duration = cJSON_GetObjectItemCaseSensitive(root, "duration_usec");
        if (duration && (json_number_to_int64(duration, &duration_usec) < 0 || duration_usec <= 0))
                return -EBADMSG;

        if (cJSON_IsObject(result))
                result = cJSON_DetachItemViaPointer(root, result);
        else
                result = cJSON_CreateObject();
        if (!result)
                return -ENOMEM;

        r = job_result_take(cJSON_IsTrue(success), error ? error->valuestring : "", result, ret);
        if (r >= 0)
                ret->duration_usec = (uint64_t) duration_usec;
        return r;
}

/**
 * job_result_exit_code: the exit code a result reports.
 * @result: the result object
 * @success: whether the job succeeded
 *
 * Return: `result.exit_code` when it is an integer; otherwise 0 for a success and -1
 * for a failure (a command that could not start has no exit code, as in Herald).
 */
int64_t job_result_exit_code(const cJSON *result, bool success) {
        int64_t v;

        if (json_number_to_int64(cJSON_GetObjectItemCaseSensitive(result, "exit_code"), &v) >= 0)
                return v;
        return success ? 0 : -1;
}
