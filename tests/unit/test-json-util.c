/* SPDX-License-Identifier: MIT */
/* test-json-util.c: escaping, lookups, integers, text as JSON, and printing under a size cap */
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

static void test_string_or_null(void **state) {
        static const char good[] = "ok \xc3\xbc \xe2\x82\xac \xf0\x9f\x98\x80";
        static const char bad[] = "\xc0\xaf|\xed\xa0\x80|\xe2\x82|a";
        cJSON *v;

        v = json_string_or_null(good);
        assert_string_equal(v->valuestring, good);
        cJSON_Delete(v);
        /* overlong, surrogate, truncated sequence */
        v = json_string_or_null(bad);
        assert_string_equal(v->valuestring,
                            "\xef\xbf\xbd\xef\xbf\xbd|\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd|\xef\xbf\xbd\xef\xbf\xbd|a");
        cJSON_Delete(v);
        v = json_string_or_null(NULL);
        assert_true(cJSON_IsNull(v));
        cJSON_Delete(v);
}

/* Every integer prints digit for digit, as a number item while cJSON prints it exactly. */
static void test_create_integers(void **state) {
        static const struct {
                int64_t v;
                const char *text;
                bool raw;
        } ints[] = {
                { 0, "0", false },
                { -1, "-1", false },
                { INT64_C(2147483648), "2147483648", false },
                { INT64_C(999999999999999), "999999999999999", false },
                { INT64_C(-999999999999999), "-999999999999999", false },
                { INT64_C(1000000000000000), "1000000000000000", true },
                { INT64_C(1710513045250000), "1710513045250000", true },
                { INT64_MAX, "9223372036854775807", true },
                { INT64_MIN, "-9223372036854775808", true },
        };

        for (size_t i = 0; i < ELEMENTSOF(ints); i++) {
                _cleanup_json_ cJSON *v = json_create_int64(ints[i].v);
                _cleanup_free_ char *s = cJSON_PrintUnformatted(v);

                assert_string_equal(s, ints[i].text);
                assert_int_equal(cJSON_IsRaw(v), ints[i].raw);
        }

        _cleanup_json_ cJSON *small = json_create_uint64(42), *big = json_create_uint64(UINT64_MAX);
        _cleanup_free_ char *ss = cJSON_PrintUnformatted(small), *sb = cJSON_PrintUnformatted(big);
        assert_true(cJSON_IsNumber(small));
        assert_string_equal(ss, "42");
        assert_string_equal(sb, "18446744073709551615");
}

static void test_object_add(void **state) {
        _cleanup_json_ cJSON *o = cJSON_CreateObject();
        _cleanup_free_ char *s = NULL;

        assert_int_equal(json_object_add(o, "a", cJSON_CreateTrue()), 0);
        /* a NULL value is the OOM of the call that made it */
        assert_int_equal(json_object_add(o, "b", NULL), -ENOMEM);
        s = cJSON_PrintUnformatted(o);
        assert_string_equal(s, "{\"a\":true}");
}

static void test_wipe_secrets(void **state) {
        _cleanup_json_ cJSON *o = parse("{\"executor_param\":{\"host\":\"http://h/\",\"secret\":\"k3y-bytes\","
                                        "\"secret_file\":\"/etc/k\"},\"list\":[{\"secret\":\"deep\"},\"secret\"],"
                                        "\"secret\":{\"secret\":\"in-object\"},\"n\":{\"secret\":1}}");
        const cJSON *ep = cJSON_GetObjectItemCaseSensitive(o, "executor_param");
        char *top = cJSON_GetObjectItemCaseSensitive(ep, "secret")->valuestring;
        char *deep = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(o, "list"), 0),
                                                      "secret")->valuestring;
        char *inner = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, "secret"), "secret")->valuestring;
        static const char zeros[16] = {};
        _cleanup_free_ char *text = NULL;

        json_wipe_secrets(o);
        /* the bytes themselves are zero, where the freed string would have left them */
        assert_memory_equal(top, zeros, strlen("k3y-bytes"));
        assert_memory_equal(deep, zeros, strlen("deep"));
        assert_memory_equal(inner, zeros, strlen("in-object"));
        text = cJSON_PrintUnformatted(o);
        assert_string_equal(text, "{\"executor_param\":{\"host\":\"http://h/\",\"secret\":\"\",\"secret_file\":\"/etc/k\"},"
                                  "\"list\":[{\"secret\":\"\"},\"secret\"],\"secret\":{\"secret\":\"\"},\"n\":{\"secret\":1}}");
        json_wipe_secrets(NULL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_escape),
                cmocka_unit_test(test_string_from_bytes),
                cmocka_unit_test(test_get_string),
                cmocka_unit_test(test_int64),
                cmocka_unit_test(test_path_lookup),
                cmocka_unit_test(test_json_from_text),
                cmocka_unit_test(test_string_or_null),
                cmocka_unit_test(test_create_integers),
                cmocka_unit_test(test_object_add),
                cmocka_unit_test(test_wipe_secrets),
                cmocka_unit_test(test_print_capped_fits),
                cmocka_unit_test(test_print_capped_cuts_output),
                cmocka_unit_test(test_print_capped_escapes),
                cmocka_unit_test(test_print_capped_drops_members),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
