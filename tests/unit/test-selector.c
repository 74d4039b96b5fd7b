/* SPDX-License-Identifier: MIT */
/* test-selector.c: Herald's selectors as herald evaluates them (selector.c), and
 * json_equal(), the comparison match_map and except_map use
 *
 * The cases follow ../shared/reference/herald-behaviour.md (Selectors): what Herald does
 * is kept, except numbers compare by value and maps and lists compare deeply (Herald
 * compares them with Go's == and crashes on maps).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "json-parse.h"
#include "json-util.h"
#include "macro.h"
#include "selector.h"
#include "workflow.h"

#define TIMEOUT_USEC (5 * 1000000ULL)

static cJSON *json(const char *text) {
        cJSON *v = NULL;

        if (json_parse(text, strlen(text), &v) < 0)
                fail_msg("test JSON does not parse: %s", text);
        return v;
}

/* selector_select() with a selector of TYPE and params PARAMS (JSON text), on a firing
 * with TRIGGER_PARAM and a task with SELECT_PARAM. */
static int select3(int type, const char *params, const char *trigger_param, const char *select_param) {
        _cleanup_json_ cJSON *tp = json(trigger_param), *sp = json(select_param);
        Component sel = { .kind = COMPONENT_SELECTOR, .name = (char *) "s", .type = type, .params = json(params) };
        int r;

        r = selector_select(&sel, tp, sp, TIMEOUT_USEC);
        cJSON_Delete(sel.params);
        return r;
}

static int match(const char *trigger_param, const char *select_param) {
        return select3(SELECTOR_MATCH_MAP, "{}", trigger_param, select_param);
}

static int except(const char *trigger_param, const char *select_param) {
        return select3(SELECTOR_EXCEPT_MAP, "{}", trigger_param, select_param);
}

static int select_skip(const char *trigger_param, const char *select_param) {
        return select3(SELECTOR_SKIP, "{}", trigger_param, select_param);
}

static bool equal(const char *a, const char *b) {
        _cleanup_json_ cJSON *x = json(a), *y = json(b);
        bool r = json_equal(x, y);

        /* the comparison is symmetric whatever the case */
        assert_int_equal(json_equal(y, x), r);
        return r;
}

static void test_json_equal(void **state) {
        /* numbers by value: a YAML 1 matches an HTTP body's 1.0 (Herald: never) */
        assert_true(equal("1", "1.0"));
        assert_true(equal("1", "1e0"));
        assert_true(equal("-0", "0"));
        assert_false(equal("1", "2"));
        assert_false(equal("1", "\"1\""));
        /* integers past a double's 53 bits keep every digit and compare exactly */
        assert_true(equal("18446744073709551615", "18446744073709551615"));
        assert_false(equal("18446744073709551615", "18446744073709551614"));
        assert_true(equal("true", "true"));
        assert_false(equal("true", "false"));
        assert_false(equal("true", "1"));
        assert_true(equal("null", "null"));
        assert_false(equal("null", "false"));
        assert_true(equal("\"x\"", "\"x\""));
        assert_false(equal("\"x\"", "\"X\""));
        /* strings holding U+0000 (kept as escaped literals; found by fuzz-selector) */
        assert_true(equal("\"a\\u0000b\"", "\"a\\u0000b\""));
        assert_true(equal("\"a\\u0000b\"", "\"\\u0061\\u0000b\""));
        assert_false(equal("\"a\\u0000b\"", "\"a\\u0000c\""));
        assert_false(equal("\"a\\u0000\"", "\"a\""));
        /* deep: maps by members (order does not matter), lists by position */
        assert_true(equal("{\"a\":1,\"b\":[1,{\"c\":null}]}", "{\"b\":[1.0,{\"c\":null}],\"a\":1}"));
        assert_false(equal("{\"a\":1}", "{\"a\":1,\"b\":2}"));
        assert_false(equal("{\"a\":1}", "{\"b\":1}"));
        assert_false(equal("[1,2]", "[2,1]"));
        assert_false(equal("[1,2]", "[1,2,3]"));
        assert_true(equal("[]", "[]"));
        assert_false(equal("[]", "{}"));
        assert_true(json_equal(NULL, NULL));
}

static void test_all(void **state) {
        assert_int_equal(select3(SELECTOR_ALL, "{}", "{}", "{}"), 1);
        assert_int_equal(select3(SELECTOR_ALL, "{}", "{\"counter\":3}", "{\"match_key\":\"x\"}"), 1);
}

static void test_match_map(void **state) {
        assert_int_equal(match("{\"env\":\"prod\"}", "{\"match_key\":\"env\",\"match_value\":\"prod\"}"), 1);
        assert_int_equal(match("{\"env\":\"dev\"}", "{\"match_key\":\"env\",\"match_value\":\"prod\"}"), 0);
        /* the key walks maps along '/' */
        assert_int_equal(match("{\"a\":{\"b\":{\"c\":5}}}", "{\"match_key\":\"a/b/c\",\"match_value\":5}"), 1);
        assert_int_equal(match("{\"a\":{\"b\":[5]}}", "{\"match_key\":\"a/b/0\",\"match_value\":5}"), 0);
        /* an HTTP body's numbers are floats in Herald; here they match by value */
        assert_int_equal(match("{\"v\":1.0}", "{\"match_key\":\"v\",\"match_value\":1}"), 1);
        /* maps and lists compare deeply (Herald crashed) */
        assert_int_equal(match("{\"m\":{\"x\":[1,2]}}", "{\"match_key\":\"m\",\"match_value\":{\"x\":[1,2]}}"), 1);
        assert_int_equal(match("{\"m\":{\"x\":[1,2]}}", "{\"match_key\":\"m\",\"match_value\":{\"x\":[2,1]}}"), 0);
        assert_int_equal(match("{\"n\":\"a\\u0000b\"}", "{\"match_key\":\"n\",\"match_value\":\"a\\u0000b\"}"), 1);
        /* nothing to match: not selected */
        assert_int_equal(match("{}", "{\"match_key\":\"env\",\"match_value\":\"prod\"}"), 0);
        assert_int_equal(match("{\"env\":\"prod\"}", "{}"), 0);
        assert_int_equal(match("{\"env\":\"prod\"}", "{\"match_key\":1,\"match_value\":\"prod\"}"), 0);
}

static void test_except_map(void **state) {
        assert_int_equal(except("{\"env\":\"prod\"}", "{\"except_key\":\"env\",\"except_value\":\"prod\"}"), 0);
        assert_int_equal(except("{\"env\":\"dev\"}", "{\"except_key\":\"env\",\"except_value\":\"prod\"}"), 1);
        assert_int_equal(except("{\"a\":{\"b\":2}}", "{\"except_key\":\"a/b\",\"except_value\":2.0}"), 0);
        assert_int_equal(except("{}", "{\"except_key\":\"env\",\"except_value\":\"prod\"}"), 1);
        assert_int_equal(except("{\"env\":\"prod\"}", "{}"), 1);
        /* match_map's keys mean nothing to except_map */
        assert_int_equal(except("{\"env\":\"prod\"}", "{\"match_key\":\"env\",\"match_value\":\"prod\"}"), 1);
}

static void test_skip(void **state) {
        char tp[64];
        int got[7];

        /* skip_number N selects when counter % (N+1) == 0; the counter starts at 1 */
        for (int c = 1; c <= 6; c++) {
                snprintf(tp, sizeof tp, "{\"counter\":%d}", c);
                got[c] = select_skip(tp, "{\"skip_number\":2}");
        }
        assert_int_equal(got[1], 0);
        assert_int_equal(got[2], 0);
        assert_int_equal(got[3], 1);
        assert_int_equal(got[4], 0);
        assert_int_equal(got[5], 0);
        assert_int_equal(got[6], 1);
        assert_int_equal(select_skip("{\"counter\":5}", "{\"skip_number\":0}"), 1);   /* 0: every firing */

        /* 0, negative, missing, a string or a fraction: always selected */
        assert_int_equal(select_skip("{\"counter\":5}", "{\"skip_number\":-3}"), 1);
        assert_int_equal(select_skip("{\"counter\":5}", "{}"), 1);
        assert_int_equal(select_skip("{\"counter\":5}", "{\"skip_number\":\"2\"}"), 1);
        assert_int_equal(select_skip("{\"counter\":5}", "{\"skip_number\":1.5}"), 1);
        /* a positive skip_number and no integer counter: never */
        assert_int_equal(select_skip("{}", "{\"skip_number\":1}"), 0);
        assert_int_equal(select_skip("{\"counter\":\"4\"}", "{\"skip_number\":1}"), 0);
        assert_int_equal(select_skip("{\"counter\":4.5}", "{\"skip_number\":1}"), 0);
}

static char *script(const char *dir, const char *name, const char *body) {
        char *path = NULL;
        FILE *f;

        assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
        f = fopen(path, "we");
        assert_non_null(f);
        fprintf(f, "#!/bin/sh\n%s\n", body);
        assert_int_equal(fclose(f), 0);
        assert_int_equal(chmod(path, 0755), 0);
        return path;
}

static int external(const char *program, const char *extra_params, uint64_t timeout_usec) {
        _cleanup_free_ char *params = NULL;
        _cleanup_json_ cJSON *tp = json("{\"counter\":7,\"a\":\"b c\"}"), *sp = json("{\"k\":[1,2]}");
        Component sel = { .kind = COMPONENT_SELECTOR, .name = (char *) "s", .type = SELECTOR_EXTERNAL };
        int r;

        assert_true(asprintf(&params, "{\"program\":\"%s\"%s}", program, extra_params) > 0);
        sel.params = json(params);
        r = selector_select(&sel, tp, sp, timeout_usec);
        cJSON_Delete(sel.params);
        return r;
}

static void test_external(void **state) {
        char dir[] = "/tmp/test-selector-XXXXXX";
        _cleanup_free_ char *yes = NULL, *no = NULL, *env = NULL, *renamed = NULL, *argv = NULL, *slow = NULL;
        struct timespec a, b;
        int r;

        assert_non_null(mkdtemp(dir));
        yes = script(dir, "yes", "exit 0");
        no = script(dir, "no", "exit 3");
        /* the params reach the program as compact JSON in its environment */
        env = script(dir, "env", "[ \"$HERALD_TRIGGER_PARAM\" = '{\"counter\":7,\"a\":\"b c\"}' ] && "
                                 "[ \"$HERALD_SELECT_PARAM\" = '{\"k\":[1,2]}' ]");
        renamed = script(dir, "renamed", "[ \"$TP\" = '{\"counter\":7,\"a\":\"b c\"}' ] && [ \"$SP\" = '{\"k\":[1,2]}' ] && "
                                         "[ -z \"$HERALD_TRIGGER_PARAM\" ]");
        /* no arguments, ever */
        argv = script(dir, "argv", "[ $# -eq 0 ]");
        slow = script(dir, "slow", "exec sleep 30");

        assert_int_equal(external(yes, "", TIMEOUT_USEC), 1);
        assert_int_equal(external(no, "", TIMEOUT_USEC), 0);
        assert_int_equal(external(env, "", TIMEOUT_USEC), 1);
        assert_int_equal(external(renamed, ",\"trigger_param_env\":\"TP\",\"select_param_env\":\"SP\"", TIMEOUT_USEC), 1);
        assert_int_equal(external(argv, "", TIMEOUT_USEC), 1);
        /* a program that cannot start decides nothing (the caller counts it as not selected) */
        assert_true(external("/nonexistent/selector", "", TIMEOUT_USEC) < 0);

        /* a hanging program is killed at the time limit */
        clock_gettime(CLOCK_MONOTONIC, &a);
        r = external(slow, "", 200 * 1000);
        clock_gettime(CLOCK_MONOTONIC, &b);
        assert_int_equal(r, -ETIME);
        assert_true((b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000 < 5000);

        /* no program: an error, not a selection */
        {
                _cleanup_json_ cJSON *tp = json("{}"), *sp = json("{}");
                Component sel = { .kind = COMPONENT_SELECTOR, .name = (char *) "s", .type = SELECTOR_EXTERNAL,
                                  .params = json("{}") };
                assert_true(selector_select(&sel, tp, sp, TIMEOUT_USEC) < 0);
                cJSON_Delete(sel.params);
        }

        for (const char *const *p = (const char *const[]) { yes, no, env, renamed, argv, slow, NULL }; *p; p++)
                assert_int_equal(unlink(*p), 0);
        assert_int_equal(rmdir(dir), 0);
}

static void test_broken_or_missing(void **state) {
        _cleanup_json_ cJSON *tp = json("{}"), *sp = json("{}");
        Component sel = { .kind = COMPONENT_SELECTOR, .name = (char *) "s", .type = SELECTOR_ALL, .broken = true };

        /* a router whose selector is missing or broken runs none of its tasks (Herald) */
        assert_int_equal(selector_select(NULL, tp, sp, TIMEOUT_USEC), 0);
        assert_int_equal(selector_select(&sel, tp, sp, TIMEOUT_USEC), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_json_equal),
                cmocka_unit_test(test_all),
                cmocka_unit_test(test_match_map),
                cmocka_unit_test(test_except_map),
                cmocka_unit_test(test_skip),
                cmocka_unit_test(test_external),
                cmocka_unit_test(test_broken_or_missing),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
