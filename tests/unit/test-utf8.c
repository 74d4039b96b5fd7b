/* SPDX-License-Identifier: MIT */
/* test-utf8.c: UTF-8 checks and repairs, as Go sees them */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "macro.h"
#include "utf8.h"

static void test_sequence_length(void **state) {
        assert_int_equal(utf8_sequence_length("a", 1), 1);
        assert_int_equal(utf8_sequence_length("\0", 1), 1);
        assert_int_equal(utf8_sequence_length("\xc3\xa9", 2), 2);
        assert_int_equal(utf8_sequence_length("\xe4\xb8\xad", 3), 3);
        assert_int_equal(utf8_sequence_length("\xf0\x9f\x98\x80", 4), 4);
        assert_int_equal(utf8_sequence_length("\xf4\x8f\xbf\xbf", 4), 4);      /* U+10FFFF */

        assert_int_equal(utf8_sequence_length("", 0), 0);
        assert_int_equal(utf8_sequence_length("\x80", 1), 0);                  /* continuation */
        assert_int_equal(utf8_sequence_length("\xc0\x80", 2), 0);              /* overlong NUL */
        assert_int_equal(utf8_sequence_length("\xc1\xbf", 2), 0);              /* overlong */
        assert_int_equal(utf8_sequence_length("\xe0\x9f\xbf", 3), 0);          /* overlong */
        assert_int_equal(utf8_sequence_length("\xed\xa0\x80", 3), 0);          /* surrogate */
        assert_int_equal(utf8_sequence_length("\xf0\x8f\xbf\xbf", 4), 0);      /* overlong */
        assert_int_equal(utf8_sequence_length("\xf4\x90\x80\x80", 4), 0);      /* > U+10FFFF */
        assert_int_equal(utf8_sequence_length("\xf5\x80\x80\x80", 4), 0);
        assert_int_equal(utf8_sequence_length("\xc3", 1), 0);                  /* cut short */
        assert_int_equal(utf8_sequence_length("\xe4\xb8", 2), 0);
        assert_int_equal(utf8_sequence_length("\xe4\x41\xad", 3), 0);
}

static void test_encode(void **state) {
        char b[4];

        assert_int_equal(utf8_encode(0x41, b), 1);
        assert_memory_equal(b, "A", 1);
        assert_int_equal(utf8_encode(0xe9, b), 2);
        assert_memory_equal(b, "\xc3\xa9", 2);
        assert_int_equal(utf8_encode(0x4e2d, b), 3);
        assert_memory_equal(b, "\xe4\xb8\xad", 3);
        assert_int_equal(utf8_encode(0x1f600, b), 4);
        assert_memory_equal(b, "\xf0\x9f\x98\x80", 4);
        assert_int_equal(utf8_encode(0xd800, b), 3);
        assert_memory_equal(b, UTF8_REPLACEMENT, 3);
        assert_int_equal(utf8_encode(0x110000, b), 3);
        assert_memory_equal(b, UTF8_REPLACEMENT, 3);
}

static void test_make_valid(void **state) {
        _cleanup_free_ char *a = NULL, *b = NULL, *c = NULL;
        size_t n;

        assert_int_equal(utf8_make_valid("h\xc3\xa9llo", 6, &a, &n), 0);
        assert_int_equal(n, 6);
        assert_string_equal(a, "h\xc3\xa9llo");

        assert_int_equal(utf8_make_valid("a\xff" "b\xe4\xb8", 5, &b, &n), 0);
        assert_int_equal(n, 1 + 3 + 1 + 3 + 3);
        assert_memory_equal(b, "a" UTF8_REPLACEMENT "b" UTF8_REPLACEMENT UTF8_REPLACEMENT, n);

        /* NUL is valid UTF-8 and kept */
        assert_int_equal(utf8_make_valid("a\0b", 3, &c, &n), 0);
        assert_int_equal(n, 3);
        assert_memory_equal(c, "a\0b", 4);
}

static void test_is_valid(void **state) {
        assert_true(utf8_is_valid("", 0));
        assert_true(utf8_is_valid("h\xc3\xa9llo \xf0\x9f\x98\x80", 11));
        assert_true(utf8_is_valid("a\0b", 3));
        assert_false(utf8_is_valid("a\xff", 2));
        assert_false(utf8_is_valid("\xc0\xaf", 2));           /* overlong */
        assert_false(utf8_is_valid("\xed\xa0\x80", 3));       /* surrogate */
        assert_false(utf8_is_valid("\xe4\xb8", 2));           /* cut short */
        assert_false(utf8_is_valid("\xf4\x90\x80\x80", 4));   /* above U+10FFFF */
}

static void test_cut(void **state) {
        const char *s = "ab\xe4\xb8\xad" "c";

        assert_int_equal(utf8_cut(s, 0), 0);
        assert_int_equal(utf8_cut(s, 2), 2);
        assert_int_equal(utf8_cut(s, 3), 2);
        assert_int_equal(utf8_cut(s, 4), 2);
        assert_int_equal(utf8_cut(s, 5), 5);
        assert_int_equal(utf8_cut(s, 6), 6);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_sequence_length),
                cmocka_unit_test(test_encode),
                cmocka_unit_test(test_make_valid),
                cmocka_unit_test(test_is_valid),
                cmocka_unit_test(test_cut),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
