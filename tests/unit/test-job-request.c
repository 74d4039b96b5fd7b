/* SPDX-License-Identifier: MIT */
/* test-job-request.c: heraldd's request file: round trip, and every shape refused */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "fs-util.h"
#include "job-request.h"
#include "json-parse.h"
#include "json-util.h"
#include "macro.h"

#define JOB "0123ABCD-EF01-4567-89AB-CDEF01234567"
#define TRG "89ABCDEF-0000-4000-8000-000000000001"

static void test_round_trip(void **state) {
        _cleanup_json_ cJSON *tp = NULL;
        _cleanup_free_ char *text = NULL, *again = NULL;
        _cleanup_(job_request_done) JobRequest r = {};
        const char *body = "{\"n\":12345678901234567890,\"s\":\"\\u00e9\",\"deep\":{\"a\":[1,2,{}]}}";

        assert_int_equal(json_parse(body, strlen(body), &tp), 0);
        assert_int_equal(job_request_format(JOB, TRG, "r-1", "t x", "web", tp, 3, &text), 0);
        assert_string_equal(text, "{\"job_id\":\"" JOB "\",\"trigger_id\":\"" TRG "\",\"router\":\"r-1\",\"task\":\"t x\","
                                  "\"trigger\":\"web\",\"trigger_param\":{\"n\":12345678901234567890,\"s\":\"\xc3\xa9\","
                                  "\"deep\":{\"a\":[1,2,{}]}},\"chain_depth\":3}");

        assert_int_equal(job_request_parse(text, strlen(text), &r), 0);
        assert_string_equal(r.job_id, JOB);
        assert_string_equal(r.trigger_id, TRG);
        assert_string_equal(r.router, "r-1");
        assert_string_equal(r.task, "t x");
        assert_string_equal(r.trigger, "web");
        assert_int_equal(r.chain_depth, 3);
        assert_true(cJSON_IsObject(r.trigger_param));
        /* every digit kept, as Herald's Go reads it */
        assert_int_equal(json_print_compact(r.trigger_param, &again), 0);
        assert_string_equal(again, "{\"n\":12345678901234567890,\"s\":\"\xc3\xa9\",\"deep\":{\"a\":[1,2,{}]}}");
}

static void test_format_refuses(void **state) {
        _cleanup_json_ cJSON *tp = cJSON_CreateObject(), *arr = cJSON_CreateArray();
        char *text = NULL;
        char long_name[JOB_REQUEST_NAME_MAX + 2];

        memset(long_name, 'a', sizeof long_name - 1);
        long_name[sizeof long_name - 1] = 0;
        assert_int_equal(job_request_format("x", TRG, "r", "t", "w", tp, 0, &text), -EINVAL);
        assert_int_equal(job_request_format(JOB, "x", "r", "t", "w", tp, 0, &text), -EINVAL);
        assert_int_equal(job_request_format(JOB, TRG, "", "t", "w", tp, 0, &text), -EINVAL);
        assert_int_equal(job_request_format(JOB, TRG, "r", NULL, "w", tp, 0, &text), -EINVAL);
        assert_int_equal(job_request_format(JOB, TRG, "r", "t", "w\n", tp, 0, &text), -EINVAL);
        assert_int_equal(job_request_format(JOB, TRG, long_name, "t", "w", tp, 0, &text), -EINVAL);
        assert_int_equal(job_request_format(JOB, TRG, "r", "t", "w", arr, 0, &text), -EINVAL);
        assert_int_equal(job_request_format(JOB, TRG, "r", "t", "w", NULL, 0, &text), -EINVAL);
        assert_int_equal(job_request_format(JOB, TRG, "r", "t", "w", tp, JOB_REQUEST_CHAIN_DEPTH_MAX + 1, &text), -EINVAL);
        assert_null(text);
}

static void check_bad(const char *text) {
        JobRequest r = {};
        int q = job_request_parse(text, strlen(text), &r);

        if (q >= 0) {
                job_request_done(&r);
                fail_msg("'%s' parsed", text);
        }
        assert_null(r.root);
}

/* A good request with one member replaced (or dropped, when value is NULL). */
static void check_bad_member(const char *key, const char *value) {
        static const char *const keys[] = { "job_id", "trigger_id", "router", "task", "trigger", "trigger_param", "chain_depth" };
        static const char *const good[] = { "\"" JOB "\"", "\"" TRG "\"", "\"r\"", "\"t\"", "\"w\"", "{}", "0" };
        char text[8192];
        size_t n = 0;

        n += (size_t) snprintf(text + n, sizeof text - n, "{");
        for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                const char *v = streq(keys[i], key) ? value : good[i];
                if (!v)
                        continue;
                n += (size_t) snprintf(text + n, sizeof text - n, "%s\"%s\":%s", text[n - 1] == '{' ? "" : ",", keys[i], v);
        }
        snprintf(text + n, sizeof text - n, "}");
        check_bad(text);
}

static void test_parse_refuses(void **state) {
        static const char *const keys[] = { "job_id", "trigger_id", "router", "task", "trigger", "trigger_param", "chain_depth" };
        char long_name[JOB_REQUEST_NAME_MAX + 8];

        /* not one object */
        check_bad("");
        check_bad("null");
        check_bad("[]");
        check_bad("\"x\"");
        check_bad("{");
        check_bad("{}");
        check_bad("{\"job_id\":\"" JOB "\"} trailing");

        /* every key missing, one at a time; every key of the wrong type */
        for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                check_bad_member(keys[i], NULL);
                check_bad_member(keys[i], "null");
                check_bad_member(keys[i], "[]");
                check_bad_member(keys[i], "true");
                if (!streq(keys[i], "chain_depth"))
                        check_bad_member(keys[i], "1");
                if (!streq(keys[i], "trigger_param"))
                        check_bad_member(keys[i], "{}");
        }

        /* ids */
        check_bad_member("job_id", "\"\"");
        check_bad_member("job_id", "\"0123ABCD-EF01-4567-89AB-CDEF0123456\"");
        check_bad_member("job_id", "\"0123ABCD-EF01-4567-89AB-CDEF012345678\"");
        check_bad_member("job_id", "\"../../../../../../../../../etc/passw\"");
        check_bad_member("job_id", "\"0123ABCD-EF01-4567-89AB-CDEF0123456\\u0000\"");
        check_bad_member("trigger_id", "\"not-a-uuid\"");
        check_bad_member("trigger_id", "\"0123ABCDXEF01-4567-89AB-CDEF01234567\"");

        /* names */
        check_bad_member("router", "\"\"");
        check_bad_member("task", "\"a\\nb\"");
        check_bad_member("trigger", "\"a\\u0000b\"");
        check_bad_member("router", "\"\\u007f\"");
        memset(long_name, 'a', sizeof long_name);
        long_name[0] = '"';
        long_name[JOB_REQUEST_NAME_MAX + 2] = '"';
        long_name[JOB_REQUEST_NAME_MAX + 3] = 0;
        check_bad_member("task", long_name);

        /* trigger_param */
        check_bad_member("trigger_param", "\"{}\"");

        /* chain_depth */
        check_bad_member("chain_depth", "-1");
        check_bad_member("chain_depth", "1.5");
        check_bad_member("chain_depth", "\"1\"");
        check_bad_member("chain_depth", "1001");
        check_bad_member("chain_depth", "4294967296");
        check_bad_member("chain_depth", "99999999999999999999999");
        check_bad_member("chain_depth", "1e400");

        /* a key more */
        check_bad("{\"job_id\":\"" JOB "\",\"trigger_id\":\"" TRG "\",\"router\":\"r\",\"task\":\"t\",\"trigger\":\"w\","
                  "\"trigger_param\":{},\"chain_depth\":0,\"cmd\":\"rm -rf /\"}");
}

static void test_parse_limits(void **state) {
        _cleanup_(job_request_done) JobRequest r = {}, nested = {};
        _cleanup_free_ char *deep = NULL;
        const char *ok = "{\"job_id\":\"" JOB "\",\"trigger_id\":\"" TRG "\",\"router\":\"r\",\"task\":\"t\",\"trigger\":\"w\","
                         "\"trigger_param\":{},\"chain_depth\":1000}";
        size_t n;

        /* the limits themselves pass */
        assert_int_equal(job_request_parse(ok, strlen(ok), &r), 0);
        assert_int_equal(r.chain_depth, 1000);

        /* the size is checked before anything is parsed */
        assert_int_equal(job_request_parse(ok, JOB_REQUEST_SIZE_MAX + 1, &nested), -EFBIG);

        /* nesting beyond the parser's depth */
        n = 2 * JSON_DEPTH_MAX + 512;
        deep = malloc(n);
        assert_non_null(deep);
        int len = snprintf(deep, n, "{\"job_id\":\"" JOB "\",\"trigger_id\":\"" TRG "\",\"router\":\"r\",\"task\":\"t\","
                                    "\"trigger\":\"w\",\"chain_depth\":0,\"trigger_param\":");
        for (int i = 0; i < JSON_DEPTH_MAX + 1; i++)
                deep[len++] = '[';
        deep[len] = 0;
        assert_true(job_request_parse(deep, strlen(deep), &nested) < 0);
        assert_null(nested.root);
}

static void test_duplicate_key(void **state) {
        _cleanup_(job_request_done) JobRequest r = {};
        const char *t = "{\"job_id\":\"" JOB "\",\"trigger_id\":\"" TRG "\",\"router\":\"r\",\"task\":\"t\",\"trigger\":\"w\","
                        "\"trigger_param\":{},\"chain_depth\":0,\"router\":\"other\"}";

        /* as Go reads it: the last wins, and only that one is seen */
        assert_int_equal(job_request_parse(t, strlen(t), &r), 0);
        assert_string_equal(r.router, "other");
}

static void test_write(void **state) {
        char tmp[] = "/tmp/test-job-request-XXXXXX";
        _cleanup_free_ char *text = NULL, *back = NULL, *path = NULL;
        _cleanup_json_ cJSON *tp = cJSON_CreateObject();
        _cleanup_close_ int dfd = -1;
        struct stat st;
        size_t size;

        assert_non_null(mkdtemp(tmp));
        dfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(dfd >= 0);
        assert_int_equal(job_request_format(JOB, TRG, "r", "t", "w", tp, 0, &text), 0);
        assert_int_equal(job_request_write(dfd, JOB, text), 0);
        assert_int_equal(read_file_at(dfd, JOB ".json", JOB_REQUEST_SIZE_MAX, &back, &size), 0);
        assert_string_equal(back, text);
        assert_int_equal(fstatat(dfd, JOB ".json", &st, AT_SYMLINK_NOFOLLOW), 0);
        assert_int_equal(st.st_mode & 0777, 0640);

        assert_int_equal(job_request_write(dfd, "../x", text), -EINVAL);
        assert_int_equal(rm_rf(tmp), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_round_trip),
                cmocka_unit_test(test_format_refuses),
                cmocka_unit_test(test_parse_refuses),
                cmocka_unit_test(test_parse_limits),
                cmocka_unit_test(test_duplicate_key),
                cmocka_unit_test(test_write),
        };

        umask(022);
        return cmocka_run_group_tests(tests, NULL, NULL);
}
