/* SPDX-License-Identifier: MIT */
/* fuzz-job-result.c: result.json as `herald-done` reads it
 *
 * result.json lies in the job's out/ directory, so the job's user writes what it likes
 * there, and root reads it: job_result_parse(). What it accepts must survive the trip
 * back to text (job_result_format(), the writer's side) unchanged, and must make a
 * result entry (result_entry_build()) whose HERALD_RESULT is valid JSON within its
 * size limit; json_print_capped(), which keeps it there, also runs with small limits
 * so that its shrinking is exercised by inputs far below RESULT_ENTRY_JSON_MAX.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fuzz-util.h"
#include "job-result.h"
#include "json-parse.h"
#include "json-util.h"
#include "macro.h"
#include "result-entry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* result.json is read up to 16 MiB (src/shared/job-dir.h); libFuzzer's inputs stay far below. */
#define FUZZ_RESULT_SIZE_MAX ((size_t) 16 * 1024 * 1024)

static bool endswith_truncated(const char *s) {
        size_t l = strlen(s), k = strlen("_truncated");

        return l >= k && streq(s + l - k, "_truncated");
}

/* Printed within max (or "{}" when nothing fits), valid JSON, and every member either
 * as it was, or a string cut to a head of itself and flagged "<name>_truncated". */
static void check_capped(const cJSON *obj, size_t max) {
        _cleanup_free_ char *full = NULL, *s = NULL;
        _cleanup_json_ cJSON *v = NULL;
        bool cut = false;
        int r;

        if (json_print_compact(obj, &full) < 0)
                return;
        r = json_print_capped(obj, max, &s, &cut);
        if (r == -ENOMEM)
                return;
        FUZZ_CHECK(r == 0);
        FUZZ_CHECK(strlen(s) <= max || streq(s, "{}"));
        FUZZ_CHECK(cut == (strlen(full) > max));
        if (!cut)
                FUZZ_CHECK(streq(s, full));

        r = json_parse(s, strlen(s), &v);
        if (r == -ENOMEM)
                return;
        FUZZ_CHECK(r == 0 && cJSON_IsObject(v));
        for (const cJSON *m = v->child; m; m = m->next) {
                const cJSON *orig = cJSON_GetObjectItemCaseSensitive(obj, m->string);
                _cleanup_free_ char *flag = NULL;

                if (orig && fuzz_json_same(orig, m))
                        continue;
                if (cJSON_IsTrue(m) && endswith_truncated(m->string))
                        continue;
                FUZZ_CHECK(asprintf(&flag, "%s_truncated", m->string) >= 0);
                FUZZ_CHECK(cJSON_IsString(orig) && cJSON_IsString(m) &&
                           startswith(orig->valuestring, m->valuestring) &&
                           cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(v, flag)));
        }
}

/* The entry `done` sends for this result. */
static void check_entry(const JobResult *res) {
        static const char param_text[] =
                "{\"job_id\":\"6f1c1a52-5b43-4a4f-9d1e-7f0e3a1b2c3d\",\"trigger_id\":\"0b6f0c1e-2a3b-4c5d-8e9f-a0b1c2d3e4f5\","
                "\"router\":\"r\",\"trigger\":\"t\",\"selector\":\"s\",\"task\":\"k\",\"executor\":\"local\","
                "\"trigger_param\":{},\"select_param\":{},\"job_param\":{\"cmd\":\"true\"}}";
        _cleanup_strv_free_ char **fields = NULL;
        _cleanup_json_ cJSON *param = NULL, *v = NULL;
        const char *text, *err;
        char num[32];
        int r;

        if (json_parse(param_text, strlen(param_text), &param) < 0)
                return;
        r = result_entry_build(param, "herald-r-k-6f1c1a52.service", "0123456789abcdef0123456789abcdef",
                               res->success, res->error, res->result, "success", -1, &fields);
        if (r == -ENOMEM)
                return;
        FUZZ_CHECK(r == 0 && fields);
        fuzz_check_native_encoding(fields);     /* also: every field is NAME=value */

        FUZZ_CHECK(streq_ptr(fuzz_field_value(fields, "HERALD_SUCCESS"), res->success ? "true" : "false"));
        snprintf(num, sizeof num, "%" PRIi64, job_result_exit_code(res->result, res->success));
        FUZZ_CHECK(streq_ptr(fuzz_field_value(fields, "HERALD_EXIT_CODE"), num));

        err = fuzz_field_value(fields, "HERALD_ERROR");
        FUZZ_CHECK(err && strlen(err) <= RESULT_ENTRY_ERROR_MAX && startswith(res->error, err));

        text = fuzz_field_value(fields, "HERALD_RESULT");
        FUZZ_CHECK(text && strlen(text) <= RESULT_ENTRY_JSON_MAX);
        r = json_parse(text, strlen(text), &v);
        if (r == -ENOMEM)
                return;
        FUZZ_CHECK(r == 0 && cJSON_IsObject(v));
        if (!fuzz_field_value(fields, "HERALD_RESULT_TRUNCATED"))
                FUZZ_CHECK(fuzz_json_same(v, res->result));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(job_result_done) JobResult res = {};
        _cleanup_free_ char *full = NULL;
        int r;

        if (size > FUZZ_RESULT_SIZE_MAX)
                return 0;
        r = job_result_parse((const char *) data, size, &res);
        if (r < 0) {
                FUZZ_CHECK(FUZZ_PARSE_ERROR(r));
                FUZZ_CHECK(!res.error && !res.result);
                return 0;
        }
        FUZZ_CHECK(res.error && cJSON_IsObject(res.result));

        fuzz_check_result_round_trip(&res);
        check_entry(&res);

        /* HERALD_RESULT's cap, at sizes these inputs reach: a fraction of the text. */
        if (json_print_compact(res.result, &full) >= 0) {
                size_t len = strlen(full);
                check_capped(res.result, len * (size % 8) / 8);
                check_capped(res.result, len > 64 ? len - 64 : 0);
        }
        return 0;
}
