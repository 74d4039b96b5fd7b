/* SPDX-License-Identifier: MIT */
/* test-taskctl-journal-read.c: result entries and output lines, mapped to structs, JSON and text */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "journal-read.h"
#include "macro.h"
#include "table.h"

static void add(HeraldResult *r, const char *datum) {
        assert_int_equal(herald_result_add_field(r, datum, strlen(datum)), 0);
}

static void add_line(JournalLine *l, const char *datum) {
        assert_int_equal(journal_line_add_field(l, datum, strlen(datum)), 0);
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

/* 64-bit integers are raw items, so they print digit for digit. */
static const char *raw(const cJSON *o, const char *key) {
        const cJSON *v = cJSON_GetObjectItem(o, key);

        if (!v || !cJSON_IsRaw(v))
                fail_msg("'%s' is not a raw number", key);
        return v->valuestring;
}

static void test_to_json(void **state) {
        _cleanup_(herald_result_freep) HeraldResult *r = full_entry();
        cJSON *o, *v;

        r->duration = 1212987;
        o = herald_result_to_json(r);
        assert_non_null(o);
        assert_string_equal(cJSON_GetObjectItem(o, "time")->valuestring, "2024-03-15T14:30:45.250000Z");
        assert_string_equal(raw(o, "timestamp_usec"), "1710513045250000");
        assert_string_equal(cJSON_GetObjectItem(o, "job_id")->valuestring, "aaaa1111-2222-4333-8444-555566667777");
        assert_string_equal(cJSON_GetObjectItem(o, "router")->valuestring, "backup");
        assert_true(cJSON_IsTrue(cJSON_GetObjectItem(o, "success")));
        assert_string_equal(raw(o, "exit_code"), "0");
        assert_string_equal(cJSON_GetObjectItem(o, "error")->valuestring, "");
        v = cJSON_GetObjectItem(o, "result");
        assert_true(cJSON_IsObject(v));
        assert_string_equal(cJSON_GetObjectItem(v, "output")->valuestring, "ok");
        v = cJSON_GetObjectItem(o, "param");
        assert_true(cJSON_IsObject(v));
        assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(v, "trigger_param"), "counter")->valueint, 3);
        assert_string_equal(raw(o, "counter"), "3");
        assert_string_equal(raw(o, "duration_usec"), "1212987");
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
        assert_string_equal(raw(o, "exit_code"), "-9223372036854775808");
        assert_string_equal(raw(o, "counter"), "18446744073709551615");
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

static char *compact(const cJSON *v) {
        char *s = cJSON_PrintUnformatted(v);
        assert_non_null(s);
        return s;
}

static void test_json_from_text(void **state) {
        cJSON *v;
        char *s;

        /* plain JSON comes back parsed */
        v = json_from_text("{\"a\":[1,2,{\"b\":null}]}");
        assert_true(cJSON_IsObject(v));
        cJSON_Delete(v);

        /* a number cJSON would round keeps every digit: the text goes out raw */
        v = json_from_text("{\"big\":12345678901234567890}");
        assert_true(cJSON_IsRaw(v));
        s = compact(v);
        assert_string_equal(s, "{\"big\":12345678901234567890}");
        free(s);
        cJSON_Delete(v);

        /* not JSON: a string, nothing lost */
        v = json_from_text("exit 3, see log");
        assert_true(cJSON_IsString(v));
        assert_string_equal(v->valuestring, "exit 3, see log");
        cJSON_Delete(v);
        v = json_from_text("{\"a\":1} trailing");
        assert_true(cJSON_IsString(v));
        cJSON_Delete(v);

        /* invalid UTF-8 never reaches the output: replaced by U+FFFD */
        v = json_from_text("\"a\xff\"");
        assert_true(cJSON_IsString(v));
        assert_string_equal(v->valuestring, "\"a\xef\xbf\xbd\"");
        cJSON_Delete(v);
}

static void test_lossy_string(void **state) {
        static const char good[] = "ok \xc3\xbc \xe2\x82\xac \xf0\x9f\x98\x80";
        static const char bad[] = "\xc0\xaf|\xed\xa0\x80|\xe2\x82|a\0b";
        cJSON *v;

        v = json_create_string_lossy(good, sizeof good - 1);
        assert_string_equal(v->valuestring, "ok \xc3\xbc \xe2\x82\xac \xf0\x9f\x98\x80");
        cJSON_Delete(v);
        /* overlong, surrogate, truncated sequence, and an embedded NUL */
        v = json_create_string_lossy(bad, sizeof bad - 1);
        assert_string_equal(v->valuestring,
                            "\xef\xbf\xbd\xef\xbf\xbd|\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd|\xef\xbf\xbd\xef\xbf\xbd|a\xef\xbf\xbd" "b");
        cJSON_Delete(v);
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
        assert_string_equal(raw(cJSON_GetArrayItem(a, 1), "exit_code"), "3");
        cJSON_Delete(a);
        result_list_done(&l);
        assert_null(l.items);
}

static void test_line_fields(void **state) {
        JournalLine a = { .priority = -1 }, b = { .priority = -1 };

        /* _SYSTEMD_UNIT wins over PID 1's UNIT=, in either order */
        add_line(&a, "UNIT=from-pid1.service");
        add_line(&a, "_SYSTEMD_UNIT=herald-r-t-1.service");
        assert_string_equal(a.unit, "herald-r-t-1.service");
        add_line(&b, "_SYSTEMD_UNIT=herald-r-t-1.service");
        add_line(&b, "UNIT=from-pid1.service");
        assert_string_equal(b.unit, "herald-r-t-1.service");
        add_line(&a, "PRIORITY=3");
        add_line(&a, "HERALD_JOB_ID=aaaa1111-2222");
        add_line(&a, "HERALD_ROUTER=r");
        add_line(&a, "HERALD_TASK=t");
        add_line(&a, "SYSLOG_IDENTIFIER=sh");
        add_line(&a, "MESSAGE=hello");
        assert_int_equal(a.priority, 3);
        assert_string_equal(a.job_id, "aaaa1111-2222");
        assert_string_equal(a.identifier, "sh");
        assert_string_equal(a.message, "hello");
        journal_line_done(&a);
        journal_line_done(&b);
        assert_null(a.message);
        assert_int_equal(a.priority, -1);
}

static char *print_line(const JournalLine *l, bool color) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        assert_non_null(f);
        journal_line_print(l, f, color);
        assert_int_equal(fclose(f), 0);
        return buf;
}

static void test_line_print(void **state) {
        JournalLine l = { .priority = 6, .realtime = UINT64_C(1710513045250000) };
        JournalLine bare = { .priority = -1, .realtime = UINT64_C(1710513045250000) };
        char *s;

        setenv("TZ", "UTC", 1);
        tzset();
        l.router = strdup("backup");
        l.task = strdup("dump");
        l.job_id = strdup("aaaa1111-2222-4333-8444-555566667777");
        l.message = strdup("first\nsecond\x1b[31m\tx");
        s = print_line(&l, false);
        /* further lines indented under the first; ESC shown, tab kept */
        assert_string_equal(s, "2024-03-15 14:30:45 backup/dump[aaaa1111]: first\n"
                               "                                           second\\x1b[31m\tx\n");
        free(s);

        free(l.message);
        l.message = strdup("boom");
        l.priority = 3;
        s = print_line(&l, true);
        assert_string_equal(s, "2024-03-15 14:30:45 backup/dump[aaaa1111]: " ANSI_RED "boom" ANSI_NORMAL "\n");
        free(s);

        s = print_line(&bare, true);
        assert_string_equal(s, "2024-03-15 14:30:45 ?/?[?]: \n");
        free(s);
        journal_line_done(&l);
}

static void test_line_json(void **state) {
        JournalLine l = { .priority = 4, .realtime = UINT64_C(1710513045250000) };
        cJSON *o;

        l.message = strdup("warn");
        l.job_id = strdup("aaaa1111");
        o = journal_line_to_json(&l);
        assert_non_null(o);
        assert_string_equal(cJSON_GetObjectItem(o, "message")->valuestring, "warn");
        assert_int_equal(cJSON_GetObjectItem(o, "priority")->valueint, 4);
        assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "router")));
        assert_string_equal(cJSON_GetObjectItem(o, "time")->valuestring, "2024-03-15T14:30:45.250000Z");
        cJSON_Delete(o);
        journal_line_done(&l);
}

static void test_job_id_prefix(void **state) {
        assert_true(job_id_prefix_valid("aaaa1111"));
        assert_true(job_id_prefix_valid("AAAA1111-22"));
        assert_true(job_id_prefix_valid("aaaa1111-2222-4333-8444-555566667777"));
        assert_false(job_id_prefix_valid("aaaa111"));          /* too short */
        assert_false(job_id_prefix_valid("backup01"));         /* not hex */
        assert_false(job_id_prefix_valid("aaaa1111-2222-4333-8444-5555666677770"));
        assert_false(job_id_prefix_valid(""));
}

static void test_json_mode_and_pretty(void **state) {
        JsonMode m = JSON_OFF;
        cJSON *o;
        char *s;

        assert_int_equal(json_mode_from_string(NULL, &m), 0);
        assert_int_equal(m, JSON_SHORT);
        assert_int_equal(json_mode_from_string("pretty", &m), 0);
        assert_int_equal(m, JSON_PRETTY);
        assert_int_equal(json_mode_from_string("short", &m), 0);
        assert_int_equal(m, JSON_SHORT);
        assert_int_equal(json_mode_from_string("yaml", &m), -EINVAL);
        assert_int_equal(m, JSON_SHORT);

        o = cJSON_Parse("{\"a\":{\"b\":\"x\\ty\"},\"c\":[1]}");
        s = json_print_pretty(o);
        assert_string_equal(s, "{\n  \"a\": {\n    \"b\": \"x\\ty\"\n  },\n  \"c\": [1]\n}");
        free(s);
        cJSON_Delete(o);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_fields),
                cmocka_unit_test(test_odd_fields),
                cmocka_unit_test(test_to_json),
                cmocka_unit_test(test_to_json_missing),
                cmocka_unit_test(test_big_numbers),
                cmocka_unit_test(test_json_from_text),
                cmocka_unit_test(test_lossy_string),
                cmocka_unit_test(test_list_to_json),
                cmocka_unit_test(test_line_fields),
                cmocka_unit_test(test_line_print),
                cmocka_unit_test(test_line_json),
                cmocka_unit_test(test_job_id_prefix),
                cmocka_unit_test(test_json_mode_and_pretty),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
