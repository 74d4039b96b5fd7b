/* SPDX-License-Identifier: MIT */
/* fuzz-job-stdout.c: a job's stdout as `herald-exec job` turns it into a result
 *
 * The input is the captured stdout. It goes through job_result_from_command() as a
 * command that exited 0, as one that failed (for short inputs), and as one killed by a
 * signal whose output was cut at the size limit (JOB_OUTPUT_MAX); each result is then
 * written as result.json (job_result_format()) and read back the way `herald-done`
 * reads it (job_result_parse()), which must give the same result.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fuzz-util.h"
#include "job-result.h"
#include "json-parse.h"
#include "json-util.h"
#include "macro.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* How many members an object has. */
static int members(const cJSON *o) {
        return cJSON_GetArraySize(o);
}

static void check_common(const JobResult *res, int code, int signo) {
        const cJSON *ec = cJSON_GetObjectItemCaseSensitive(res->result, "exit_code");
        char want[64];

        FUZZ_CHECK(res->error && cJSON_IsObject(res->result));
        FUZZ_CHECK(cJSON_IsNumber(ec) && ec->valuedouble == code);
        FUZZ_CHECK(job_result_exit_code(res->result, res->success) == code);
        FUZZ_CHECK(res->success == (code == 0));
        if (code == 0)
                FUZZ_CHECK(streq(res->error, ""));
        else {
                snprintf(want, sizeof want, "Command failed with code %d", code);
                FUZZ_CHECK(streq(res->error, want));
        }
        /* Without a signal, a "signal" member can only be the job's own (a JSON object
         * printed on stdout is the result): run_exited() checks that it is. */
        if (signo > 0) {
                const char *sig = json_object_get_string(res->result, "signal");
                FUZZ_CHECK(sig && startswith(sig, "SIG"));
        }
}

/* `output` holds the stdout as text: the bytes themselves when they are valid UTF-8
 * without NUL; otherwise still some JSON string (a raw literal when it holds NUL). */
static void check_output(const JobResult *res, const char *out, size_t size) {
        const cJSON *o = cJSON_GetObjectItemCaseSensitive(res->result, "output");
        _cleanup_free_ char *valid = NULL;
        size_t len;

        FUZZ_CHECK(cJSON_IsString(o) || cJSON_IsRaw(o));
        if (utf8_make_valid(out, size, &valid, &len) < 0)
                return;
        if (len == size && memcmp(valid, out, size) == 0 && !memchr(out, 0, size))
                FUZZ_CHECK(cJSON_IsString(o) && strlen(o->valuestring) == size &&
                           memcmp(o->valuestring, out, size) == 0);
        if (cJSON_IsRaw(o))
                FUZZ_CHECK(o->valuestring[0] == '"' && memchr(valid, 0, len));
}

/* A command that ran to its end and printed the whole input. */
static void run_exited(const char *out, size_t size, int status) {
        _cleanup_(job_result_done) JobResult res = {};
        _cleanup_json_ cJSON *v = NULL;
        int r, pr;

        r = job_result_from_command(out, size, false, status, 0, &res);
        if (r == -ENOMEM)
                return;
        FUZZ_CHECK(r == 0);
        check_common(&res, status, 0);

        /* One JSON object (and only that) is the result, with exit_code set in it,
         * unless result.json could not hold it (one level deeper than JSON_DEPTH_MAX);
         * anything else is kept as text in `output`. */
        pr = json_parse(out, size, &v);
        if (pr == -ENOMEM)
                return;
        if (pr == 0 && cJSON_IsObject(v) && json_depth(v) < JSON_DEPTH_MAX) {
                bool had_exit_code = cJSON_GetObjectItemCaseSensitive(v, "exit_code");

                FUZZ_CHECK(members(res.result) == members(v) + (had_exit_code ? 0 : 1));
                for (const cJSON *c = v->child; c; c = c->next)
                        if (!streq(c->string, "exit_code"))
                                FUZZ_CHECK(fuzz_json_same(c, cJSON_GetObjectItemCaseSensitive(res.result, c->string)));
        } else {
                FUZZ_CHECK(members(res.result) == 2);
                check_output(&res, out, size);
        }

        fuzz_check_result_round_trip(&res);
}

/* Killed by a signal, and its stdout was longer than the result keeps. */
static void run_cut(const char *out, size_t size, int signo) {
        _cleanup_(job_result_done) JobResult res = {};
        int r;

        if (size > JOB_OUTPUT_MAX)
                size = JOB_OUTPUT_MAX;
        r = job_result_from_command(out, size, true, 0, signo, &res);
        if (r == -ENOMEM)
                return;
        FUZZ_CHECK(r == 0);
        check_common(&res, -1, signo);
        FUZZ_CHECK(members(res.result) == 4);
        FUZZ_CHECK(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(res.result, "output_truncated")));
        check_output(&res, out, size);
        fuzz_check_result_round_trip(&res);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const char *out = (const char *) data;

        /* What the command printed past JOB_OUTPUT_MAX never reaches the result: the
         * whole output can only be the one JSON object when it fits. */
        if (size <= JOB_OUTPUT_MAX)
                run_exited(out, size, 0);
        if (size > 0 && size <= 256)
                run_exited(out, size, (uint8_t) out[size - 1] ?: 1);
        /* 1..64: named signals, real-time ones, and numbers without a name */
        run_cut(out, size, 1 + (int) (size % 64));
        return 0;
}
