/* SPDX-License-Identifier: MIT */
/* test-json-parse.c: the strict JSON parser: Go's grammar, no lost digits, last key wins */
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

/* Parses s and prints it back compactly; NULL when it does not parse. */
static char *roundtrip(const char *s) {
        cJSON *v = NULL;
        char *out;

        if (json_parse(s, strlen(s), &v) < 0)
                return NULL;
        out = cJSON_PrintUnformatted(v);
        cJSON_Delete(v);
        assert_non_null(out);
        return out;
}

static void assert_roundtrip(const char *in, const char *expected) {
        _cleanup_free_ char *out = roundtrip(in);

        if (!out)
                fail_msg("'%s' did not parse", in);
        if (!streq(out, expected))
                fail_msg("'%s' printed as '%s', expected '%s'", in, out, expected);
}

static void assert_parse_error(const char *in, int expected) {
        cJSON *v = NULL;
        int r = json_parse(in, strlen(in), &v);

        if (r != expected)
                fail_msg("'%s' gave %d, expected %d", in, r, expected);
        assert_null(v);
}

static void test_values(void **state) {
        assert_roundtrip("{}", "{}");
        assert_roundtrip("[]", "[]");
        assert_roundtrip("true", "true");
        assert_roundtrip("false", "false");
        assert_roundtrip("null", "null");
        assert_roundtrip("\"x\"", "\"x\"");
        assert_roundtrip("0", "0");
        assert_roundtrip("-0.5", "-0.5");
        assert_roundtrip("1e3", "1000");
        assert_roundtrip("1.5E-2", "0.015");
        assert_roundtrip("{\"a\":[1,{\"b\":null}],\"c\":\"d\"}", "{\"a\":[1,{\"b\":null}],\"c\":\"d\"}");
}

static void test_whitespace(void **state) {
        /* JSON whitespace around and inside is fine */
        assert_roundtrip(" \t\r\n{ \"a\" : 1 , \"b\" : [ 1 , 2 ] }\n\n", "{\"a\":1,\"b\":[1,2]}");
        /* anything else is not (cJSON would skip these) */
        assert_parse_error("\v{}", -EBADMSG);
        assert_parse_error("\f{}", -EBADMSG);
        assert_parse_error("{}\v", -EBADMSG);
        cJSON *v = NULL;
        assert_int_equal(json_parse("{}\0", 3, &v), -EBADMSG);
        assert_null(v);
}

static void test_syntax_errors(void **state) {
        assert_parse_error("", -EBADMSG);
        assert_parse_error("   ", -EBADMSG);
        assert_parse_error("{", -EBADMSG);
        assert_parse_error("{\"a\"}", -EBADMSG);
        assert_parse_error("{\"a\":}", -EBADMSG);
        assert_parse_error("{\"a\":1,}", -EBADMSG);
        assert_parse_error("[1,]", -EBADMSG);
        assert_parse_error("{a:1}", -EBADMSG);
        assert_parse_error("{'a':1}", -EBADMSG);
        assert_parse_error("{} {}", -EBADMSG);
        assert_parse_error("{}x", -EBADMSG);
        assert_parse_error("tru", -EBADMSG);
        assert_parse_error("nul", -EBADMSG);
        assert_parse_error("True", -EBADMSG);
        /* numbers Go refuses */
        assert_parse_error("01", -EBADMSG);
        assert_parse_error("1.", -EBADMSG);
        assert_parse_error(".5", -EBADMSG);
        assert_parse_error("+1", -EBADMSG);
        assert_parse_error("-", -EBADMSG);
        assert_parse_error("1e", -EBADMSG);
        assert_parse_error("1e+", -EBADMSG);
        assert_parse_error("0x10", -EBADMSG);
        assert_parse_error("NaN", -EBADMSG);
        assert_parse_error("Infinity", -EBADMSG);
        /* strings */
        assert_parse_error("\"abc", -EBADMSG);
        assert_parse_error("\"a\tb\"", -EBADMSG);      /* raw control character */
        assert_parse_error("\"a\nb\"", -EBADMSG);
        assert_parse_error("\"\\x\"", -EBADMSG);
        assert_parse_error("\"\\u12\"", -EBADMSG);
        assert_parse_error("\"\\u12G4\"", -EBADMSG);
}

static void test_number_range(void **state) {
        /* float64 overflow: Go refuses, so do we */
        assert_parse_error("1e400", -ERANGE);
        assert_parse_error("{\"a\":-1e309}", -ERANGE);
        /* underflow is a plain 0 */
        assert_roundtrip("1e-400", "0");
}

static void test_big_integers(void **state) {
        cJSON *v = NULL;
        int64_t i;

        /* cJSON prints 15 significant digits and takes one ULP off as equal:
         * 9007199254740991 would come back as 9007199254740990 */
        assert_roundtrip("9007199254740991", "9007199254740991");
        assert_roundtrip("9007199254740992", "9007199254740992");
        assert_roundtrip("-9007199254740992", "-9007199254740992");
        assert_roundtrip("1234567890123456", "1234567890123456");
        assert_roundtrip("999999999999999", "999999999999999");
        /* beyond 2^53 the digits are kept verbatim */
        assert_roundtrip("9007199254740993", "9007199254740993");
        assert_roundtrip("-9007199254740993", "-9007199254740993");
        assert_roundtrip("{\"id\":18446744073709551615}", "{\"id\":18446744073709551615}");
        assert_roundtrip("[123456789012345678901234567890]", "[123456789012345678901234567890]");
        /* other numbers with many digits are kept as written: the same value for
         * whoever parses them (Go would print the float64 nearest to it) */
        assert_roundtrip("0.12345678901234567", "0.12345678901234567");
        assert_roundtrip("9007199254740993.0", "9007199254740993.0");
        /* short ones are doubles and print their shortest form */
        assert_roundtrip("2.50", "2.5");
        assert_roundtrip("1E+2", "100");

        assert_int_equal(json_parse("9223372036854775807", 19, &v), 0);
        assert_true(cJSON_IsRaw(v));
        assert_int_equal(json_number_to_int64(v, &i), 0);
        assert_true(i == INT64_MAX);
        cJSON_Delete(v);

        assert_int_equal(json_parse("9223372036854775808", 19, &v), 0);
        assert_int_equal(json_number_to_int64(v, &i), -ERANGE);
        cJSON_Delete(v);
}

static void test_strings(void **state) {
        _cleanup_free_ char *out = NULL;
        cJSON *v = NULL;

        assert_roundtrip("\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"", "\"a\\\"b\\\\c/d\\b\\f\\n\\r\\t\"");
        assert_roundtrip("\"\\u00e9\\u4e2d\"", "\"\xc3\xa9\xe4\xb8\xad\"");
        /* a surrogate pair is one character */
        assert_roundtrip("\"\\ud83d\\ude00\"", "\"\xf0\x9f\x98\x80\"");
        /* lone surrogates become U+FFFD, as in Go */
        assert_roundtrip("\"\\ud83d\"", "\"\xef\xbf\xbd\"");
        assert_roundtrip("\"\\ude00x\"", "\"\xef\xbf\xbdx\"");
        assert_roundtrip("\"\\ud83d\\u0041\"", "\"\xef\xbf\xbd" "A\"");
        /* invalid UTF-8 bytes become U+FFFD each */
        assert_roundtrip("\"a\xff\xfe" "b\"", "\"a\xef\xbf\xbd\xef\xbf\xbd" "b\"");
        assert_roundtrip("\"\xc0\xaf\"", "\"\xef\xbf\xbd\xef\xbf\xbd\"");             /* overlong */
        assert_roundtrip("\"\xed\xa0\x80\"", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""); /* encoded surrogate */
        /* valid multi-byte UTF-8 passes through */
        assert_roundtrip("\"\xf0\x9f\x98\x80\"", "\"\xf0\x9f\x98\x80\"");
        /* DEL is not a control character for JSON */
        assert_roundtrip("\"\x7f\"", "\"\x7f\"");

        /* U+0000 cannot live in a C string: the value is kept as a raw literal */
        assert_int_equal(json_parse("\"a\\u0000b\"", 10, &v), 0);
        assert_true(cJSON_IsRaw(v));
        out = cJSON_PrintUnformatted(v);
        assert_string_equal(out, "\"a\\u0000b\"");
        cJSON_Delete(v);
        /* ... but not as a key */
        assert_parse_error("{\"a\\u0000\":1}", -EBADMSG);
}

static void test_duplicates(void **state) {
        _cleanup_free_ char *big = NULL, *expected = NULL;
        FILE *f, *g;
        size_t n, m;

        assert_roundtrip("{\"a\":1,\"a\":2}", "{\"a\":2}");
        assert_roundtrip("{\"a\":1,\"b\":2,\"a\":3}", "{\"b\":2,\"a\":3}");
        assert_roundtrip("{\"x\":{\"k\":1,\"k\":[1]},\"x\":{\"k\":true,\"k\":false}}", "{\"x\":{\"k\":false}}");

        /* many keys take the sorting path; numbers keep their values across it */
        f = open_memstream(&big, &n);
        g = open_memstream(&expected, &m);
        assert_non_null(f);
        assert_non_null(g);
        fputc('{', f);
        fputc('{', g);
        for (int i = 0; i < 100; i++)
                fprintf(f, "\"k%d\":%d,", i, i);
        for (int i = 0; i < 100; i += 2)
                fprintf(f, "\"k%d\":%d,", i, 1000 + i);
        fputs("\"k1\":\"last\"}", f);
        for (int i = 3; i < 100; i += 2)
                fprintf(g, "\"k%d\":%d,", i, i);
        for (int i = 0; i < 100; i += 2)
                fprintf(g, "\"k%d\":%d,", i, 1000 + i);
        fputs("\"k1\":\"last\"}", g);
        fclose(f);
        fclose(g);
        assert_roundtrip(big, expected);
}

static void test_depth(void **state) {
        char deep[2 * (JSON_DEPTH_MAX + 1) + 1];

        memset(deep, '[', JSON_DEPTH_MAX);
        memset(deep + JSON_DEPTH_MAX, ']', JSON_DEPTH_MAX);
        deep[2 * JSON_DEPTH_MAX] = 0;
        _cleanup_free_ char *ok = roundtrip(deep);
        assert_non_null(ok);

        memset(deep, '[', JSON_DEPTH_MAX + 1);
        memset(deep + JSON_DEPTH_MAX + 1, ']', JSON_DEPTH_MAX + 1);
        deep[2 * (JSON_DEPTH_MAX + 1)] = 0;
        assert_parse_error(deep, -E2BIG);
}

static void test_not_nul_terminated(void **state) {
        const char buf[] = { '{', '"', 'a', '"', ':', '1', '}', 'x' };
        _cleanup_free_ char *out = NULL;
        cJSON *v = NULL;

        assert_int_equal(json_parse(buf, 7, &v), 0);
        out = cJSON_PrintUnformatted(v);
        assert_string_equal(out, "{\"a\":1}");
        cJSON_Delete(v);
        /* a number ending the buffer */
        assert_int_equal(json_parse("12345", 3, &v), 0);
        assert_true(v->valuedouble == 123);
        cJSON_Delete(v);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_values),
                cmocka_unit_test(test_whitespace),
                cmocka_unit_test(test_syntax_errors),
                cmocka_unit_test(test_number_range),
                cmocka_unit_test(test_big_integers),
                cmocka_unit_test(test_strings),
                cmocka_unit_test(test_duplicates),
                cmocka_unit_test(test_depth),
                cmocka_unit_test(test_not_nul_terminated),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
