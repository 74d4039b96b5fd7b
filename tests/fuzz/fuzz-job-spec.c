/* SPDX-License-Identifier: MIT */
/* fuzz-job-spec.c: job.json as `herald-exec job` and `herald-done` read it
 *
 * job_spec_parse() on arbitrary text; what it accepts must come back unchanged through
 * job_spec_format() (the writer's side) and parse again, and the result entry made
 * from its param (result_entry_build(), as `done` does) must be valid JSON with every
 * credential taken out of HERALD_PARAM (param-redact.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fuzz-util.h"
#include "git-url.h"
#include "job-spec.h"
#include "json-parse.h"
#include "json-util.h"
#include "macro.h"
#include "param-redact.h"
#include "result-entry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_round_trip(const JobSpec *s) {
        _cleanup_free_ char *text = NULL, *again = NULL;
        _cleanup_(job_spec_done) JobSpec back = { .counter = -1 };
        int r;

        r = job_spec_format(s->param, s->executor_type, s->executor_param, s->unit, s->counter, &text);
        if (r == -ENOMEM)
                return;
        FUZZ_CHECK(r == 0 && text);
        r = job_spec_parse(text, strlen(text), &back);
        if (r == -ENOMEM)
                return;
        if (r != 0 && getenv("HERALD_FUZZ_VERBOSE"))
                fprintf(stderr, "job.json not readable (%s): %.200s\n", strerror(-r), text);
        FUZZ_CHECK(r == 0);
        FUZZ_CHECK(streq(back.executor_type, s->executor_type));
        FUZZ_CHECK(streq_ptr(back.unit, s->unit));
        FUZZ_CHECK(back.counter == s->counter);
        FUZZ_CHECK(fuzz_json_same(back.param, s->param));
        FUZZ_CHECK(fuzz_json_same(back.executor_param, s->executor_param));

        r = job_spec_format(back.param, back.executor_type, back.executor_param, back.unit, back.counter, &again);
        if (r == -ENOMEM)
                return;
        FUZZ_CHECK(r == 0 && streq(text, again));
}

static bool is_secret_key(const char *k) {
        return streq(k, "git_password") || streq(k, "git_ssh_key") || streq(k, "git_ssh_key_password");
}

/* At every depth: credentials are "(redacted)" (or null), git URLs carry no password. */
static void check_redacted(const cJSON *v) {
        const cJSON *c;

        cJSON_ArrayForEach(c, v) {
                if (cJSON_IsObject(v) && c->string && is_secret_key(c->string))
                        FUZZ_CHECK(cJSON_IsNull(c) || (cJSON_IsString(c) && streq(c->valuestring, PARAM_REDACTED)));
                else if (cJSON_IsObject(v) && c->string && streq(c->string, "git_repo") && cJSON_IsString(c)) {
                        _cleanup_free_ char *again = git_url_redact(c->valuestring);
                        FUZZ_CHECK(!again || streq(again, c->valuestring));
                }
                if (cJSON_IsObject(c) || cJSON_IsArray(c))
                        check_redacted(c);
        }
}

/* The entry `done` sends for a job of this spec. */
static void check_entry(const JobSpec *s) {
        _cleanup_strv_free_ char **fields = NULL;
        _cleanup_json_ cJSON *result = cJSON_CreateObject(), *v = NULL, *redacted = NULL;
        const char *text;
        char num[32];
        int r;

        if (!result)
                return;
        r = result_entry_build(s->param, s->unit, NULL, true, "", result, "success", s->counter, &fields);
        if (r == -ENOMEM)
                return;
        FUZZ_CHECK(r == 0 && fields);
        fuzz_check_native_encoding(fields);     /* also: every field is NAME=value */

        /* The ids are copied from the param as they are. */
        FUZZ_CHECK(streq_ptr(fuzz_field_value(fields, "HERALD_JOB_ID"), json_object_get_string(s->param, "job_id")));
        FUZZ_CHECK(streq_ptr(fuzz_field_value(fields, "HERALD_ROUTER"), json_object_get_string(s->param, "router")));
        FUZZ_CHECK(streq_ptr(fuzz_field_value(fields, "HERALD_TASK"), json_object_get_string(s->param, "task")));
        if (s->counter >= 0) {
                snprintf(num, sizeof num, "%" PRIi64, s->counter);
                FUZZ_CHECK(streq_ptr(fuzz_field_value(fields, "HERALD_COUNTER"), num));
        } else
                FUZZ_CHECK(!fuzz_field_value(fields, "HERALD_COUNTER"));

        text = fuzz_field_value(fields, "HERALD_PARAM");
        FUZZ_CHECK(text && strlen(text) <= RESULT_ENTRY_JSON_MAX);
        r = json_parse(text, strlen(text), &v);
        if (r == -ENOMEM)
                return;
        FUZZ_CHECK(r == 0 && cJSON_IsObject(v));
        check_redacted(v);

        /* Uncut, HERALD_PARAM is the redacted param itself. */
        if (!fuzz_field_value(fields, "HERALD_PARAM_TRUNCATED")) {
                redacted = param_redact_secrets(s->param);
                if (redacted)
                        FUZZ_CHECK(fuzz_json_same(v, redacted));
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(job_spec_done) JobSpec s = { .counter = -1 };
        int r;

        if (size > JOB_SPEC_SIZE_MAX)
                return 0;
        r = job_spec_parse((const char *) data, size, &s);
        if (r < 0) {
                FUZZ_CHECK(FUZZ_PARSE_ERROR(r));
                FUZZ_CHECK(!s.root);
                return 0;
        }
        FUZZ_CHECK(s.root && cJSON_IsObject(s.param) && s.executor_type);
        FUZZ_CHECK(!s.executor_param || cJSON_IsObject(s.executor_param));
        FUZZ_CHECK(s.counter >= -1);

        check_round_trip(&s);
        check_entry(&s);
        return 0;
}
