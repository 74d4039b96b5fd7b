/* SPDX-License-Identifier: MIT */
/* test-html-escape.c: the status page's one escaping function */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "html-escape.h"
#include "macro.h"
#include "utf8.h"

static void check(const char *in, size_t n, const char *want) {
        _cleanup_free_ char *out = NULL;
        size_t size = 0;

        assert_int_equal(html_escape(in, n, &out, &size), 0);
        assert_string_equal(out, want);
        assert_int_equal(size, strlen(want));
}

#define CHECK(in, want) check(in, sizeof(in) - 1, want)

static void test_plain(void **state) {
        CHECK("", "");
        CHECK("router build-1, task a.b_c", "router build-1, task a.b_c");
        CHECK("tab\tnewline\ncr\r", "tab\tnewline\ncr\r");
        CHECK("caf\xc3\xa9 \xe4\xb8\xad \xf0\x9f\x98\x80", "caf\xc3\xa9 \xe4\xb8\xad \xf0\x9f\x98\x80");
        CHECK("\xc2\xa0nbsp", "\xc2\xa0nbsp");     /* U+00A0 is no control */
}

static void test_specials(void **state) {
        CHECK("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;");
        CHECK("a & b", "a &amp; b");
        CHECK("&amp;", "&amp;amp;");            /* escaped again, never taken as escaped */
        CHECK("\"onmouseover='x'", "&quot;onmouseover=&#39;x&#39;");
        CHECK("<!-- -->", "&lt;!-- --&gt;");
        CHECK("<<<>>>", "&lt;&lt;&lt;&gt;&gt;&gt;");
}

static void test_controls(void **state) {
        CHECK("a\0b", "a" UTF8_REPLACEMENT "b");
        CHECK("\x1b[31mred", UTF8_REPLACEMENT "[31mred");
        CHECK("\x7f", UTF8_REPLACEMENT);
        CHECK("\xc2\x85", UTF8_REPLACEMENT);     /* U+0085 NEL, a C1 control */
        CHECK("\xc2\x9f", UTF8_REPLACEMENT);
}

static void test_invalid_utf8(void **state) {
        CHECK("\xff", UTF8_REPLACEMENT);
        CHECK("a\x80z", "a" UTF8_REPLACEMENT "z");
        CHECK("\xc0\xbc", UTF8_REPLACEMENT UTF8_REPLACEMENT);     /* overlong '<' stays harmless */
        CHECK("\xe4\xb8", UTF8_REPLACEMENT UTF8_REPLACEMENT);     /* cut short */
        CHECK("\xed\xa0\x80", UTF8_REPLACEMENT UTF8_REPLACEMENT UTF8_REPLACEMENT); /* surrogate */
        CHECK("\xe4<", UTF8_REPLACEMENT "&lt;");
}

static void test_write(void **state) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        assert_non_null(f);
        assert_int_equal(html_escape_write(f, "x<y", 3), 0);
        assert_int_equal(html_escape_write(f, "", 0), 0);
        assert_int_equal(html_escape_write(f, "&", 1), 0);
        assert_int_equal(fclose(f), 0);
        assert_string_equal(buf, "x&lt;y&amp;");
        free(buf);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_plain),
                cmocka_unit_test(test_specials),
                cmocka_unit_test(test_controls),
                cmocka_unit_test(test_invalid_utf8),
                cmocka_unit_test(test_write),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
