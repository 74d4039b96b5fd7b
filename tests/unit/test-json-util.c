/* SPDX-License-Identifier: MIT */
/* test-json-util.c: escaping, lookups, integers, and printing under a size cap */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json-parse.h"
#include "json-util.h"
#include "macro.h"

static cJSON *parse(const char *s) {
        cJSON *v = NULL;

        assert_int_equal(json_parse(s, strlen(s), &v), 0);
        return v;
}

static void test_escape(void **state) {
        _cleanup_free_ char *a = json_escape_string("a\"b\\c\n\t\x01\x1f\x7f\xc3\xa9", 12);
        _cleanup_free_ char *b = json_escape_string("x\0y", 3);
        _cleanup_free_ char *c = json_escape_string("", 0);

        assert_string_equal(a, "\"a\\\"b\\\\c\\n\\t\\u0001\\u001f\x7f\xc3\xa9\"");
        assert_string_equal(b, "\"x\\u0000y\"");
        assert_string_equal(c, "\"\"");
}

static void test_string_from_bytes(void **state) {
        _cleanup_json_ cJSON *a = json_string_from_bytes("plain", 5);
        _cleanup_json_ cJSON *b = json_string_from_bytes("bad\xff", 4);
        _cleanup_json_ cJSON *c = json_string_from_bytes("nul\0x", 5);
        _cleanup_free_ char *pc = NULL;

        assert_true(cJSON_IsString(a));
        assert_string_equal(a->valuestring, "plain");
        assert_true(cJSON_IsString(b));
        assert_string_equal(b->valuestring, "bad\xef\xbf\xbd");
        assert_true(cJSON_IsRaw(c));
        pc = cJSON_PrintUnformatted(c);
        assert_string_equal(pc, "\"nul\\u0000x\"");
}

static void test_get_string(void **state) {
        _cleanup_json_ cJSON *o = parse("{\"s\":\"v\",\"n\":1,\"S\":\"upper\"}");

        assert_string_equal(json_object_get_string(o, "s"), "v");
        assert_string_equal(json_object_get_string(o, "S"), "upper");
        assert_null(json_object_get_string(o, "n"));
        assert_null(json_object_get_string(o, "missing"));
        assert_null(json_object_get_string(NULL, "s"));
}

static void test_int64(void **state) {
        _cleanup_json_ cJSON *o = parse("{\"a\":3,\"b\":-1,\"c\":1.5,\"d\":\"3\",\"e\":-9223372036854775808,"
                                        "\"f\":99999999999999999999,\"g\":1e300}");
        int64_t v;

        assert_int_equal(json_number_to_int64(cJSON_GetObjectItem(o, "a"), &v), 0);
        assert_true(v == 3);
        assert_int_equal(json_number_to_int64(cJSON_GetObjectItem(o, "b"), &v), 0);
        assert_true(v == -1);
        assert_int_equal(json_number_to_int64(cJSON_GetObjectItem(o, "c"), &v), -EINVAL);
        assert_int_equal(json_number_to_int64(cJSON_GetObjectItem(o, "d"), &v), -EINVAL);
        assert_int_equal(json_number_to_int64(cJSON_GetObjectItem(o, "e"), &v), 0);
        assert_true(v == INT64_MIN);
        assert_int_equal(json_number_to_int64(cJSON_GetObjectItem(o, "f"), &v), -ERANGE);
        assert_int_equal(json_number_to_int64(cJSON_GetObjectItem(o, "g"), &v), -ERANGE);
        assert_int_equal(json_number_to_int64(NULL, &v), -EINVAL);

        assert_true(json_is_integer_literal("0"));
        assert_true(json_is_integer_literal("-12"));
        assert_false(json_is_integer_literal("01"));
        assert_false(json_is_integer_literal("1.0"));
        assert_false(json_is_integer_literal(""));
        assert_false(json_is_integer_literal("-"));
        assert_true(json_number_literal_exact("-999999999999999"));
        assert_false(json_number_literal_exact("9007199254740992"));
        assert_false(json_number_literal_exact("1000000000000000"));
        assert_true(json_number_literal_exact("0.000000000000000000123456789012345"));
        assert_true(json_number_literal_exact("1.5e300"));
        assert_false(json_number_literal_exact("1.2345678901234567e-5"));
}

static void test_path_lookup(void **state) {
        _cleanup_json_ cJSON *o = parse("{\"a\":{\"b\":{\"c\":7},\"l\":[1,2]},\"x\":1,\"\":{\"e\":2},\"s/t\":3}");
        const cJSON *v;

        v = json_path_lookup(o, "a/b/c");
        assert_non_null(v);
        assert_true(v->valuedouble == 7);
        assert_true(cJSON_IsObject(json_path_lookup(o, "a/b")));
        assert_true(cJSON_IsArray(json_path_lookup(o, "a/l")));
        /* arrays are not walked */
        assert_null(json_path_lookup(o, "a/l/0"));
        /* scalars are not walked */
        assert_null(json_path_lookup(o, "x/y"));
        assert_null(json_path_lookup(o, "a/missing"));
        assert_null(json_path_lookup(o, "a/b/c/d"));
        /* empty segments are names too */
        v = json_path_lookup(o, "/e");
        assert_non_null(v);
        assert_true(v->valuedouble == 2);
        /* a '/' in a key cannot be addressed (as in Herald) */
        assert_null(json_path_lookup(o, "s/t"));
}

static void test_print_capped_fits(void **state) {
        _cleanup_json_ cJSON *o = parse("{\"a\":1,\"b\":\"xy\"}");
        _cleanup_free_ char *s = NULL;
        bool cut = true;

        assert_int_equal(json_print_capped(o, 100, &s, &cut), 0);
        assert_string_equal(s, "{\"a\":1,\"b\":\"xy\"}");
        assert_false(cut);
        free(s);
        s = NULL;
        assert_int_equal(json_print_capped(o, strlen("{\"a\":1,\"b\":\"xy\"}"), &s, &cut), 0);
        assert_false(cut);

        _cleanup_json_ cJSON *arr = parse("[1]");
        char *t = NULL;
        assert_int_equal(json_print_capped(arr, 100, &t, &cut), -EINVAL);
}

static void test_print_capped_cuts_output(void **state) {
        _cleanup_json_ cJSON *o = cJSON_CreateObject(), *back = NULL;
        _cleanup_free_ char *big = malloc(100001), *s = NULL;
        const cJSON *out;
        bool cut = false;

        /* 100000 bytes of multi-byte characters, so a cut could split one */
        for (size_t i = 0; i < 100000; i += 2)
                memcpy(big + i, "\xc3\xa9", 2);
        big[100000] = 0;
        cJSON_AddNumberToObject(o, "exit_code", 0);
        cJSON_AddStringToObject(o, "output", big);
        cJSON_AddStringToObject(o, "small", "kept");

        assert_int_equal(json_print_capped(o, 10000, &s, &cut), 0);
        assert_true(cut);
        assert_true(strlen(s) <= 10000);
        assert_true(strlen(s) > 9000);          /* most of the room is used */

        /* still valid JSON, the small members kept, the output's head kept and flagged */
        assert_int_equal(json_parse(s, strlen(s), &back), 0);
        assert_true(cJSON_GetObjectItem(back, "exit_code")->valuedouble == 0);
        assert_string_equal(json_object_get_string(back, "small"), "kept");
        assert_true(cJSON_IsTrue(cJSON_GetObjectItem(back, "output_truncated")));
        out = cJSON_GetObjectItem(back, "output");
        assert_true(cJSON_IsString(out));
        assert_true(strlen(out->valuestring) % 2 == 0);         /* no character split */
        assert_memory_equal(out->valuestring, big, strlen(out->valuestring));

        /* the original is untouched */
        assert_int_equal(strlen(json_object_get_string(o, "output")), 100000);
}

static void test_print_capped_escapes(void **state) {
        /* every byte of this output prints as 6 ("\u0001"): cutting by raw bytes must
         * still land under the cap */
        _cleanup_json_ cJSON *o = cJSON_CreateObject(), *back = NULL;
        _cleanup_free_ char *big = malloc(50001), *s = NULL;
        const char *out;
        bool cut;

        memset(big, 1, 50000);
        memset(big, 'a', 10000);        /* a plain head, an escaped tail */
        big[50000] = 0;
        cJSON_AddStringToObject(o, "output", big);
        assert_int_equal(json_print_capped(o, 4096, &s, &cut), 0);
        assert_true(cut);
        assert_true(strlen(s) <= 4096);
        assert_int_equal(json_parse(s, strlen(s), &back), 0);
        out = json_object_get_string(back, "output");
        assert_non_null(out);
        assert_true(strlen(out) > 1000);
        assert_true(cJSON_IsTrue(cJSON_GetObjectItem(back, "output_truncated")));
}

static void test_print_capped_drops_members(void **state) {
        _cleanup_json_ cJSON *o = cJSON_CreateObject(), *back = NULL;
        _cleanup_free_ char *s = NULL;
        cJSON *arr = cJSON_AddArrayToObject(o, "list");
        bool cut;

        for (int i = 0; i < 5000; i++)
                cJSON_AddItemToArray(arr, cJSON_CreateNumber(i));
        cJSON_AddStringToObject(o, "job_id", "J1");
        cJSON_AddNumberToObject(o, "exit_code", 3);

        assert_int_equal(json_print_capped(o, 200, &s, &cut), 0);
        assert_true(cut);
        assert_int_equal(json_parse(s, strlen(s), &back), 0);
        assert_null(cJSON_GetObjectItem(back, "list"));
        assert_string_equal(json_object_get_string(back, "job_id"), "J1");
        assert_true(cJSON_GetObjectItem(back, "exit_code")->valuedouble == 3);

        /* nothing fits: an empty object, still flagged */
        free(s);
        s = NULL;
        assert_int_equal(json_print_capped(o, 4, &s, &cut), 0);
        assert_true(cut);
        assert_string_equal(s, "{}");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_escape),
                cmocka_unit_test(test_string_from_bytes),
                cmocka_unit_test(test_get_string),
                cmocka_unit_test(test_int64),
                cmocka_unit_test(test_path_lookup),
                cmocka_unit_test(test_print_capped_fits),
                cmocka_unit_test(test_print_capped_cuts_output),
                cmocka_unit_test(test_print_capped_escapes),
                cmocka_unit_test(test_print_capped_drops_members),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
