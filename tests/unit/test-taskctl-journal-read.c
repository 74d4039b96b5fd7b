/* SPDX-License-Identifier: MIT */
/* test-taskctl-journal-read.c: jobs' output lines, mapped to structs, JSON and text; job ids; --json modes */
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
#include "json-util.h"
#include "macro.h"
#include "table.h"

static void add_line(JournalLine *l, const char *datum) {
        assert_int_equal(journal_line_add_field(l, datum, strlen(datum)), 0);
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
                cmocka_unit_test(test_line_fields),
                cmocka_unit_test(test_line_print),
                cmocka_unit_test(test_line_json),
                cmocka_unit_test(test_job_id_prefix),
                cmocka_unit_test(test_json_mode_and_pretty),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
