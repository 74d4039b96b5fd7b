/* SPDX-License-Identifier: MIT */
/* test-job-spec.c: job.json, as the activation writes it and herald-exec reads it */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "job-spec.h"
#include "json-parse.h"
#include "json-util.h"
#include "macro.h"

static void test_parse(void **state) {
        const char *text =
                "{\"param\":{\"job_id\":\"J\",\"trigger_param\":{\"n\":12345678901234567890}},"
                "\"executor_type\":\"local\",\"executor_param\":{\"work_dir\":\"/w\"},"
                "\"unit\":\"herald-r-t-0123abcd.service\",\"counter\":3}";
        _cleanup_(job_spec_done) JobSpec s = {};
        _cleanup_free_ char *p = NULL;

        assert_int_equal(job_spec_parse(text, strlen(text), &s), 0);
        assert_string_equal(s.executor_type, "local");
        assert_string_equal(s.unit, "herald-r-t-0123abcd.service");
        assert_true(s.counter == 3);
        assert_string_equal(json_object_get_string(s.executor_param, "work_dir"), "/w");
        p = cJSON_PrintUnformatted(s.param);
        assert_string_equal(p, "{\"job_id\":\"J\",\"trigger_param\":{\"n\":12345678901234567890}}");
}

static void test_optional(void **state) {
        _cleanup_(job_spec_done) JobSpec a = {}, b = {};
        const char *ta = "{\"param\":{},\"executor_type\":\"print\"}";
        /* the activation writes counter -1 and null executor_param for non-tick triggers */
        const char *tb = "{\"param\":{},\"executor_type\":\"print\",\"executor_param\":null,\"counter\":-1}";

        assert_int_equal(job_spec_parse(ta, strlen(ta), &a), 0);
        assert_null(a.unit);
        assert_null(a.executor_param);
        assert_true(a.counter == -1);
        assert_int_equal(job_spec_parse(tb, strlen(tb), &b), 0);
        assert_true(b.counter == -1);
        assert_null(b.executor_param);
}

static void check_bad(const char *text) {
        JobSpec s = {};

        if (job_spec_parse(text, strlen(text), &s) >= 0)
                fail_msg("'%s' parsed", text);
}

static void test_bad(void **state) {
        check_bad("");
        check_bad("[]");
        check_bad("{}");
        check_bad("{\"param\":{}}");
        check_bad("{\"param\":[],\"executor_type\":\"local\"}");
        check_bad("{\"param\":{},\"executor_type\":1}");
        check_bad("{\"param\":{},\"executor_type\":\"local\",\"executor_param\":\"x\"}");
        check_bad("{\"param\":{},\"executor_type\":\"local\",\"unit\":1}");
        check_bad("{\"param\":{},\"executor_type\":\"local\",\"counter\":\"3\"}");
        check_bad("{\"param\":{},\"executor_type\":\"local\",\"counter\":1.5}");
}

static void test_format(void **state) {
        _cleanup_json_ cJSON *param = NULL, *ep = NULL;
        _cleanup_free_ char *text = NULL, *none = NULL;
        _cleanup_(job_spec_done) JobSpec s = {};
        const char *pt = "{\"job_id\":\"J\",\"trigger_param\":{\"big\":-99999999999999999999}}";

        assert_int_equal(json_parse(pt, strlen(pt), &param), 0);
        ep = cJSON_Parse("{\"work_dir\":\"/w\"}");
        assert_int_equal(job_spec_format(param, "local", ep, "u.service", 7, &text), 0);
        assert_string_equal(text, "{\"param\":{\"job_id\":\"J\",\"trigger_param\":{\"big\":-99999999999999999999}},"
                                  "\"executor_type\":\"local\",\"executor_param\":{\"work_dir\":\"/w\"},"
                                  "\"unit\":\"u.service\",\"counter\":7}");
        assert_int_equal(job_spec_parse(text, strlen(text), &s), 0);
        assert_true(s.counter == 7);

        assert_int_equal(job_spec_format(param, "print", NULL, NULL, -1, &none), 0);
        assert_string_equal(none, "{\"param\":{\"job_id\":\"J\",\"trigger_param\":{\"big\":-99999999999999999999}},"
                                  "\"executor_type\":\"print\"}");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse),
                cmocka_unit_test(test_optional),
                cmocka_unit_test(test_bad),
                cmocka_unit_test(test_format),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
