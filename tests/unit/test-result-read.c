/* SPDX-License-Identifier: MIT */
/* test-result-read.c: result entries, mapped to a HeraldResult, trusted or not, and to JSON */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "herald-ids.h"
#include "json-util.h"
#include "macro.h"
#include "result-read.h"

static void add(HeraldResult *r, const char *datum) {
        assert_int_equal(herald_result_add_field(r, datum, strlen(datum)), 0);
}

static HeraldResult *full_entry(void) {
        HeraldResult *r = herald_result_new();

        assert_non_null(r);
        r->realtime = UINT64_C(1710513045250000);
        add(r, "MESSAGE_ID=39d34c102f1d482caf41e75fca8199a7");
        add(r, "MESSAGE=Job backup/dump succeeded");
        add(r, "PRIORITY=5");
        add(r, "HERALD_JOB_ID=aaaa1111-2222-4333-8444-555566667777");
        add(r, "HERALD_TRIGGER_ID=11111111-0000-4000-8000-000000000001");
        add(r, "HERALD_ROUTER=backup");
        add(r, "HERALD_TASK=dump");
        add(r, "HERALD_TRIGGER=nightly");
        add(r, "HERALD_SELECTOR=all");
        add(r, "HERALD_EXECUTOR=sh");
        add(r, "HERALD_SUCCESS=true");
        add(r, "HERALD_EXIT_CODE=0");
        add(r, "HERALD_ERROR=");
        add(r, "HERALD_RESULT={\"exit_code\":0,\"output\":\"ok\"}");
        add(r, "HERALD_PARAM={\"job_id\":\"aaaa1111-2222-4333-8444-555566667777\",\"trigger_param\":{\"counter\":3}}");
        add(r, "HERALD_UNIT=herald-backup-dump-aaaa1111.service");
        add(r, "HERALD_INVOCATION_ID=5841cd5132564656a6b6c9ee7e45de9c");
        add(r, "HERALD_SERVICE_RESULT=success");
        add(r, "HERALD_COUNTER=3");
        add(r, "_UID=0");
        return r;
}

static void test_fields(void **state) {
        _cleanup_(herald_result_freep) HeraldResult *r = full_entry();

        assert_string_equal(r->job_id, "aaaa1111-2222-4333-8444-555566667777");
        assert_string_equal(r->trigger_id, "11111111-0000-4000-8000-000000000001");
        assert_string_equal(r->router, "backup");
        assert_string_equal(r->task, "dump");
        assert_string_equal(r->trigger, "nightly");
        assert_string_equal(r->selector, "all");
        assert_string_equal(r->executor, "sh");
        assert_int_equal(r->success, 1);
        assert_true(r->has_exit_code);
        assert_int_equal(r->exit_code, 0);
        assert_string_equal(r->error, "");
        assert_string_equal(r->unit, "herald-backup-dump-aaaa1111.service");
        assert_string_equal(r->invocation_id, "5841cd5132564656a6b6c9ee7e45de9c");
        assert_string_equal(r->service_result, "success");
        assert_true(r->has_counter);
        assert_int_equal(r->counter, 3);
        assert_int_equal(r->priority, 5);
        assert_string_equal(r->message, "Job backup/dump succeeded");
        assert_string_equal(herald_result_state(r), "success");
        assert_int_equal(r->duration, USEC_INFINITY);
}

static void test_odd_fields(void **state) {
        _cleanup_(herald_result_freep) HeraldResult *r = herald_result_new();

        assert_non_null(r);
        assert_string_equal(herald_result_state(r), "unknown");
        add(r, "HERALD_SUCCESS=yes");           /* neither true nor false: unknown */
        assert_int_equal(r->success, -1);
        add(r, "HERALD_SUCCESS=false");
        assert_int_equal(r->success, 0);
        assert_string_equal(herald_result_state(r), "failed");
        add(r, "HERALD_EXIT_CODE=abc");
        assert_false(r->has_exit_code);
        add(r, "HERALD_EXIT_CODE=-1");          /* death by signal */
        assert_true(r->has_exit_code);
        assert_int_equal(r->exit_code, -1);
        add(r, "HERALD_EXIT_CODE= 3");
        assert_false(r->has_exit_code);
        add(r, "HERALD_COUNTER=-4");
        assert_false(r->has_counter);
        add(r, "HERALD_ROUTER=first");
        add(r, "HERALD_ROUTER=second");         /* a repeated field: the first counts */
        assert_string_equal(r->router, "first");
        add(r, "NOEQUALSIGN");
        add(r, "PRIORITY=9");
        assert_int_equal(r->priority, -1);
        add(r, "HERALD_RESULT_TRUNCATED=true");
        assert_true(r->result_truncated);
        assert_false(r->param_truncated);
        /* a value may hold '=' and binary data */
        static const char datum[] = "HERALD_ERROR=a=b\x01";
        assert_int_equal(herald_result_add_field(r, datum, sizeof datum - 1), 0);
        assert_string_equal(r->error, "a=b\x01");
}

/* A number as it prints: 64-bit integers keep every digit (cJSON alone prints 15). */
static const char *number(const cJSON *o, const char *key) {
        static char buf[64];
        const cJSON *v = cJSON_GetObjectItem(o, key);
        char *s;

        if (!v || !(cJSON_IsRaw(v) || cJSON_IsNumber(v)))
                fail_msg("'%s' is not a number", key);
        s = cJSON_PrintUnformatted(v);
        assert_non_null(s);
        snprintf(buf, sizeof buf, "%s", s);
        free(s);
        return buf;
}

static void test_to_json(void **state) {
        _cleanup_(herald_result_freep) HeraldResult *r = full_entry();
        cJSON *o, *v;

        r->duration = 1212987;
        o = herald_result_to_json(r);
        assert_non_null(o);
        assert_string_equal(cJSON_GetObjectItem(o, "time")->valuestring, "2024-03-15T14:30:45.250000Z");
        assert_string_equal(number(o, "timestamp_usec"), "1710513045250000");
        assert_string_equal(cJSON_GetObjectItem(o, "job_id")->valuestring, "aaaa1111-2222-4333-8444-555566667777");
        assert_string_equal(cJSON_GetObjectItem(o, "router")->valuestring, "backup");
        assert_true(cJSON_IsTrue(cJSON_GetObjectItem(o, "success")));
        assert_string_equal(number(o, "exit_code"), "0");
        assert_string_equal(cJSON_GetObjectItem(o, "error")->valuestring, "");
        v = cJSON_GetObjectItem(o, "result");
        assert_true(cJSON_IsObject(v));
        assert_string_equal(cJSON_GetObjectItem(v, "output")->valuestring, "ok");
        v = cJSON_GetObjectItem(o, "param");
        assert_true(cJSON_IsObject(v));
        assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(v, "trigger_param"), "counter")->valueint, 3);
        assert_string_equal(number(o, "counter"), "3");
        assert_string_equal(number(o, "duration_usec"), "1212987");
        assert_true(cJSON_IsFalse(cJSON_GetObjectItem(o, "result_truncated")));
        assert_string_equal(cJSON_GetObjectItem(o, "service_result")->valuestring, "success");
        {
                /* the printed document keeps every digit; cJSON alone would write 1.71051304525e+15 */
                char *text = cJSON_PrintUnformatted(o);
                assert_non_null(strstr(text, "\"timestamp_usec\":1710513045250000,"));
                assert_non_null(strstr(text, "\"success\":true,\"exit_code\":0,"));
                free(text);
        }
        cJSON_Delete(o);
}

static void test_big_numbers(void **state) {
        _cleanup_(herald_result_freep) HeraldResult *r = herald_result_new();
        cJSON *o;

        assert_non_null(r);
        add(r, "HERALD_EXIT_CODE=-9223372036854775808");
        add(r, "HERALD_COUNTER=18446744073709551615");
        o = herald_result_to_json(r);
        assert_non_null(o);
        assert_string_equal(number(o, "exit_code"), "-9223372036854775808");
        assert_string_equal(number(o, "counter"), "18446744073709551615");
        cJSON_Delete(o);
}

static void test_to_json_missing(void **state) {
        _cleanup_(herald_result_freep) HeraldResult *r = herald_result_new();
        static const char *const keys[] = {
                "time", "timestamp_usec", "job_id", "trigger_id", "router", "task", "trigger", "selector",
                "executor", "success", "exit_code", "error", "result", "param", "unit", "invocation_id",
                "service_result", "counter", "duration_usec",
        };
        cJSON *o;

        assert_non_null(r);
        o = herald_result_to_json(r);
        assert_non_null(o);
        /* every key is there, null when the entry lacks it: a stable shape for jq */
        for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                cJSON *v = cJSON_GetObjectItem(o, keys[i]);
                if (!v || !cJSON_IsNull(v))
                        fail_msg("key '%s' missing or not null", keys[i]);
        }
        cJSON_Delete(o);
}

static void test_list_to_json(void **state) {
        ResultList l = {};
        cJSON *a;

        l.items = calloc(2, sizeof *l.items);
        assert_non_null(l.items);
        l.items[l.n++] = full_entry();
        l.items[l.n] = herald_result_new();
        add(l.items[l.n], "HERALD_SUCCESS=false");
        add(l.items[l.n], "HERALD_EXIT_CODE=3");
        l.n++;
        a = result_list_to_json(&l);
        assert_int_equal(cJSON_GetArraySize(a), 2);
        assert_true(cJSON_IsFalse(cJSON_GetObjectItem(cJSON_GetArrayItem(a, 1), "success")));
        assert_string_equal(number(cJSON_GetArrayItem(a, 1), "exit_code"), "3");
        cJSON_Delete(a);
        result_list_done(&l);
        assert_null(l.items);
}

/* The objects heraldd builds exe_done's trigger param from: {} unless the field is one. */
static void test_parse_json(void **state) {
        _cleanup_(herald_result_freep) HeraldResult *r = full_entry(), *empty = herald_result_new(),
                                                     *odd = herald_result_new();
        _cleanup_free_ char *a = NULL, *b = NULL, *c = NULL;

        assert_int_equal(herald_result_parse_json(r), 0);
        assert_string_equal(json_object_get_string(r->result, "output"), "ok");
        assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(r->param, "trigger_param"), "counter")->valueint, 3);

        /* missing: {} from the start, and after parsing */
        assert_non_null(empty);
        assert_true(cJSON_IsObject(empty->result) && !empty->result->child);
        assert_int_equal(herald_result_parse_json(empty), 0);
        assert_true(cJSON_IsObject(empty->result) && !empty->result->child);
        assert_true(cJSON_IsObject(empty->param) && !empty->param->child);

        /* no object, or not JSON: {}; the text is kept for printing */
        assert_non_null(odd);
        add(odd, "HERALD_RESULT=[1,2]");
        add(odd, "HERALD_PARAM={\"cut");
        add(odd, "HERALD_EXECUTOR=none");
        assert_int_equal(herald_result_parse_json(odd), 0);
        a = cJSON_PrintUnformatted(odd->result);
        b = cJSON_PrintUnformatted(odd->param);
        assert_string_equal(a, "{}");
        assert_string_equal(b, "{}");
        assert_string_equal(odd->result_text, "[1,2]");

        /* every digit of a big number survives (json_parse() keeps the literal) */
        herald_result_free(odd);
        odd = herald_result_new();
        add(odd, "HERALD_RESULT={\"exit_code\":0,\"n\":12345678901234567890}");
        assert_int_equal(herald_result_parse_json(odd), 0);
        c = cJSON_PrintUnformatted(odd->result);
        assert_string_equal(c, "{\"exit_code\":0,\"n\":12345678901234567890}");
}

/* Only journald's _UID decides, together with the MESSAGE_ID. */
static void test_trusted(void **state) {
        static const uid_t root_and_herald[] = { 0, 981 };
        static const uid_t herald_only[] = { 981 };
        _cleanup_(herald_result_freep) HeraldResult *r = full_entry(), *job = herald_result_new(),
                                                     *other = herald_result_new(), *none = herald_result_new();

        assert_true(r->is_result);
        assert_true(r->has_uid);
        assert_int_equal(r->uid, 0);
        assert_true(herald_result_is_trusted(r, result_trusted_root, ELEMENTSOF(result_trusted_root)));
        assert_true(herald_result_is_trusted(r, root_and_herald, ELEMENTSOF(root_and_herald)));
        assert_false(herald_result_is_trusted(r, herald_only, ELEMENTSOF(herald_only)));
        assert_false(herald_result_is_trusted(r, NULL, 0));

        /* a job that forged the MESSAGE_ID and every HERALD_* field, under its own uid */
        add(job, "MESSAGE_ID=" HERALD_MESSAGE_RESULT);
        add(job, "HERALD_SUCCESS=true");
        add(job, "_UID=1000");
        add(job, "_UID=0");                     /* a repeated field: the first counts */
        assert_true(job->is_result);
        assert_int_equal(job->uid, 1000);
        assert_false(herald_result_is_trusted(job, result_trusted_root, 1));

        /* root, but another message */
        add(other, "MESSAGE_ID=0123456789abcdef0123456789abcdef");
        add(other, "_UID=0");
        assert_false(other->is_result);
        assert_false(herald_result_is_trusted(other, result_trusted_root, 1));

        /* no _UID (or none that parses) is never trusted */
        add(none, "MESSAGE_ID=" HERALD_MESSAGE_RESULT);
        add(none, "_UID=4294967295");
        add(none, "_UID=root");
        assert_false(none->has_uid);
        assert_false(herald_result_is_trusted(none, result_trusted_root, 1));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_fields),
                cmocka_unit_test(test_odd_fields),
                cmocka_unit_test(test_to_json),
                cmocka_unit_test(test_to_json_missing),
                cmocka_unit_test(test_big_numbers),
                cmocka_unit_test(test_list_to_json),
                cmocka_unit_test(test_parse_json),
                cmocka_unit_test(test_trusted),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
