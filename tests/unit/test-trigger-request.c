/* SPDX-License-Identifier: MIT */
/* test-trigger-request.c: request body -> trigger param, and Herald's 400 texts */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json-util.h"
#include "macro.h"
#include "trigger-request.h"

static void assert_param(const char *body, const char *expected) {
        _cleanup_json_ cJSON *param = NULL;
        _cleanup_free_ char *out = NULL;
        const char *text = NULL;

        assert_int_equal(trigger_request_parse(body, strlen(body), &param, &text), 0);
        assert_non_null(param);
        assert_null(text);
        assert_int_equal(json_print_compact(param, &out), 0);
        assert_string_equal(out, expected);
}

static void assert_refused(const char *body, size_t size, const char *expected_text) {
        cJSON *param = NULL;
        const char *text = NULL;

        assert_int_equal(trigger_request_parse(body, size, &param, &text), 400);
        assert_null(param);
        assert_non_null(text);
        assert_string_equal(text, expected_text);
}

static void test_object(void **state) {
        assert_param("{}", "{}");
        assert_param(" \r\n\t{\"a\": 1, \"b\": {\"c\": [true, null, \"x\"]}} \n", "{\"a\":1,\"b\":{\"c\":[true,null,\"x\"]}}");
        /* the last of duplicate keys wins, as in Go */
        assert_param("{\"a\":1,\"a\":2}", "{\"a\":2}");
}

static void test_not_object(void **state) {
        assert_refused("[1,2]", 5, "Request body error: Input json is not a map");
        assert_refused("\"x\"", 3, "Request body error: Input json is not a map");
        assert_refused("42", 2, "Request body error: Input json is not a map");
        assert_refused("null", 4, "Request body error: Input json is not a map");
        assert_refused("true", 4, "Request body error: Input json is not a map");
}

static void test_empty_invalid(void **state) {
        assert_refused("", 0, "Request body error: Parse json error (unexpected end of JSON input)");
        assert_refused(" \n", 2, "Request body error: Parse json error (unexpected end of JSON input)");
        assert_refused("{\"a\":", 5, "Request body error: Parse json error (invalid JSON)");
        assert_refused("{\"a\":1", 6, "Request body error: Parse json error (invalid JSON)");
        assert_refused("{\"a\":1}x", 8, "Request body error: Parse json error (invalid JSON)");
        assert_refused("{a:1}", 5, "Request body error: Parse json error (invalid JSON)");
        assert_refused("{\"a\":01}", 8, "Request body error: Parse json error (invalid JSON)");
        /* a NUL inside the buffer is not the end of the body */
        assert_refused("{}\0{}", 5, "Request body error: Parse json error (invalid JSON)");
        assert_refused("\0", 1, "Request body error: Parse json error (invalid JSON)");
        assert_refused("{\"a\":1e999}", 11, "Request body error: Parse json error (number out of range)");
}

static void test_depth(void **state) {
        char buf[2 * (TRIGGER_PARAM_DEPTH_MAX + 2) + 16];
        size_t n = 0;

        /* {"a":[[...[]...]]} exactly at the limit, then one deeper */
        for (unsigned extra = 0; extra < 2; extra++) {
                cJSON *param = NULL;
                const char *text = NULL;
                unsigned arrays = TRIGGER_PARAM_DEPTH_MAX - 1 + extra;
                int r;

                n = 0;
                memcpy(buf, "{\"a\":", 5);
                n = 5;
                for (unsigned i = 0; i < arrays; i++)
                        buf[n++] = '[';
                for (unsigned i = 0; i < arrays; i++)
                        buf[n++] = ']';
                buf[n++] = '}';
                r = trigger_request_parse(buf, n, &param, &text);
                if (extra == 0) {
                        assert_int_equal(r, 0);
                        assert_int_equal(json_depth(param), TRIGGER_PARAM_DEPTH_MAX);
                        cJSON_Delete(param);
                } else {
                        assert_int_equal(r, 400);
                        assert_string_equal(text, "Request body error: Parse json error (exceeded max depth)");
                }
        }

        /* far deeper than the parser's own limit: refused, no stack overflow */
        {
                size_t big = 100000;
                _cleanup_free_ char *deep = malloc(big + 2);

                assert_non_null(deep);
                deep[0] = '{';
                memcpy(deep + 1, "\"a\":", 4);
                memset(deep + 5, '[', big - 5);
                assert_refused(deep, big, "Request body error: Parse json error (exceeded max depth)");
        }
}

static void test_big_integers(void **state) {
        /* every digit kept (Herald's float64 would make 9007199254740993 ...992) */
        assert_param("{\"id\":9007199254740993}", "{\"id\":9007199254740993}");
        assert_param("{\"id\":-9223372036854775808}", "{\"id\":-9223372036854775808}");
        assert_param("{\"id\":123456789012345678901234567890}", "{\"id\":123456789012345678901234567890}");
        assert_param("{\"x\":1.5,\"y\":1e21,\"z\":0}", "{\"x\":1.5,\"y\":1e+21,\"z\":0}");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_object),
                cmocka_unit_test(test_not_object),
                cmocka_unit_test(test_empty_invalid),
                cmocka_unit_test(test_depth),
                cmocka_unit_test(test_big_integers),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
