/* SPDX-License-Identifier: MIT */
/* test-taskctl-table.c: taskctl's aligned and tab-separated tables */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "macro.h"
#include "table.h"

/* Prints t into a string; the caller frees it. */
static char *render(const Table *t, TableMode mode, bool color) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        assert_non_null(f);
        assert_int_equal(table_print(t, f, mode, color), 0);
        assert_int_equal(fclose(f), 0);
        return buf;
}

static Table *sample(void) {
        Table *t = table_new("TIME", "ROUTER", "EXIT", "ERROR", NULL);

        assert_non_null(t);
        assert_int_equal(table_add_cell(t, "2024-03-15 14:30:45"), 0);
        assert_int_equal(table_add_cell(t, "backup"), 0);
        assert_int_equal(table_add_cell(t, "0"), 0);
        assert_int_equal(table_add_cell(t, NULL), 0);
        assert_int_equal(table_add_cell(t, "2024-03-15 14:31:00"), 0);
        assert_int_equal(table_add_cell(t, "a"), 0);
        assert_int_equal(table_add_cellf(t, "%d", 127), 0);
        assert_int_equal(table_add_cell(t, "Command failed with code 127"), 0);
        return t;
}

static void test_pretty(void **state) {
        _cleanup_table_free_ Table *t = sample();
        _cleanup_free_ char *out = NULL;

        table_set_align_right(t, 2, true);
        assert_int_equal(table_n_rows(t), 2);
        out = render(t, TABLE_PRETTY, false);
        assert_string_equal(out,
                            "TIME                 ROUTER  EXIT  ERROR\n"
                            "2024-03-15 14:30:45  backup     0  -\n"
                            "2024-03-15 14:31:00  a        127  Command failed with code 127\n");
}

static void test_plain(void **state) {
        _cleanup_table_free_ Table *t = sample();
        _cleanup_free_ char *out = NULL;

        /* no header, no padding, no colors, never cut */
        table_set_max_width(t, 3, 5);
        out = render(t, TABLE_PLAIN, true);
        assert_string_equal(out,
                            "2024-03-15 14:30:45\tbackup\t0\t-\n"
                            "2024-03-15 14:31:00\ta\t127\tCommand failed with code 127\n");
}

static void test_max_width(void **state) {
        _cleanup_table_free_ Table *t = table_new("A", "ERROR", NULL);
        _cleanup_free_ char *out = NULL, *plain = NULL;

        assert_non_null(t);
        assert_int_equal(table_add_cell(t, "x"), 0);
        assert_int_equal(table_add_cell(t, "abcdefghij"), 0);
        assert_int_equal(table_add_cell(t, "y"), 0);
        assert_int_equal(table_add_cell(t, "abc"), 0);
        table_set_max_width(t, 1, 6);
        out = render(t, TABLE_PRETTY, false);
        assert_string_equal(out,
                            "A  ERROR\n"
                            "x  abcde…\n"
                            "y  abc\n");
        plain = render(t, TABLE_PLAIN, false);
        assert_string_equal(plain, "x\tabcdefghij\ny\tabc\n");
}

static void test_utf8_and_control(void **state) {
        _cleanup_table_free_ Table *t = table_new("NAME", "V", NULL);
        _cleanup_free_ char *out = NULL, *plain = NULL;

        assert_non_null(t);
        /* "über" is 4 code points, 5 bytes: padding counts code points */
        assert_int_equal(table_add_cell(t, "\xc3\xbc" "ber"), 0);
        assert_int_equal(table_add_cell(t, "1"), 0);
        /* a newline or tab inside a cell must not break the row, nor the tab format */
        assert_int_equal(table_add_cell(t, "a\tb\nc"), 0);
        assert_int_equal(table_add_cell(t, "2"), 0);
        out = render(t, TABLE_PRETTY, false);
        assert_string_equal(out,
                            "NAME   V\n"
                            "\xc3\xbc" "ber   1\n"
                            "a b c  2\n");
        plain = render(t, TABLE_PLAIN, false);
        assert_string_equal(plain, "\xc3\xbc" "ber\t1\na b c\t2\n");
}

/* Double-width characters take two columns: the cells after them still line up. */
static void test_double_width(void **state) {
        _cleanup_table_free_ Table *t = table_new("ROUTER", "TASK", "RESULT", NULL);
        _cleanup_free_ char *out = NULL, *cut = NULL;

        assert_non_null(t);
        /* "備份" (backup): 2 characters, 4 columns, 6 bytes */
        assert_int_equal(table_add_cell(t, "\xe5\x82\x99\xe4\xbb\xbd"), 0);
        assert_int_equal(table_add_cell(t, "dump"), 0);
        assert_int_equal(table_add_cell(t, "success"), 0);
        /* an emoji (U+1F680, 2 columns) and a combining acute accent (0 columns) */
        assert_int_equal(table_add_cell(t, "\xf0\x9f\x9a\x80go"), 0);
        assert_int_equal(table_add_cell(t, "e\xcc\x81t\xc3\xa9"), 0);
        assert_int_equal(table_add_cell(t, "failed"), 0);
        out = render(t, TABLE_PRETTY, false);
        assert_string_equal(out,
                            "ROUTER  TASK  RESULT\n"
                            "\xe5\x82\x99\xe4\xbb\xbd    dump  success\n"
                            "\xf0\x9f\x9a\x80go    e\xcc\x81t\xc3\xa9   failed\n");

        /* cut to 6 columns (the header's): "備份" (4) and "…" (1) fit, the next "備"
         * would not, so one column is padded */
        table_set_max_width(t, 0, 4);
        assert_int_equal(table_add_cell(t, "\xe5\x82\x99\xe4\xbb\xbd\xe5\x82\x99\xe4\xbb\xbd"), 0);
        assert_int_equal(table_add_cell(t, "x"), 0);
        assert_int_equal(table_add_cell(t, "y"), 0);
        cut = render(t, TABLE_PRETTY, false);
        assert_string_equal(cut,
                            "ROUTER  TASK  RESULT\n"
                            "\xe5\x82\x99\xe4\xbb\xbd    dump  success\n"
                            "\xf0\x9f\x9a\x80go    e\xcc\x81t\xc3\xa9   failed\n"
                            "\xe5\x82\x99\xe4\xbb\xbd\xe2\x80\xa6   x     y\n");
}

/* Right-aligned and cut before a double-width character: the pad goes to the left. */
static void test_double_width_right(void **state) {
        _cleanup_table_free_ Table *t = table_new("A", "N", NULL);
        _cleanup_free_ char *out = NULL;

        assert_non_null(t);
        table_set_align_right(t, 1, true);
        table_set_max_width(t, 1, 6);
        assert_int_equal(table_add_cell(t, "x"), 0);
        assert_int_equal(table_add_cell(t, "\xe5\x82\x99\xe4\xbb\xbd\xe5\x82\x99\xe4\xbb\xbd"), 0);
        assert_int_equal(table_add_cell(t, "y"), 0);
        assert_int_equal(table_add_cell(t, "12"), 0);
        out = render(t, TABLE_PRETTY, false);
        assert_string_equal(out,
                            "A       N\n"
                            "x   \xe5\x82\x99\xe4\xbb\xbd\xe2\x80\xa6\n"
                            "y      12\n");
}

static void test_color(void **state) {
        _cleanup_table_free_ Table *t = table_new("R", "X", NULL);
        _cleanup_free_ char *out = NULL, *nocolor = NULL;

        assert_non_null(t);
        assert_int_equal(table_add_cell_color(t, "failed", ANSI_RED), 0);
        assert_int_equal(table_add_cell(t, "1"), 0);
        out = render(t, TABLE_PRETTY, true);
        assert_string_equal(out,
                            ANSI_BOLD "R" ANSI_NORMAL "       " ANSI_BOLD "X" ANSI_NORMAL "\n"
                            ANSI_RED "failed" ANSI_NORMAL "  1\n");
        nocolor = render(t, TABLE_PRETTY, false);
        assert_string_equal(nocolor, "R       X\nfailed  1\n");
}

static void test_empty(void **state) {
        _cleanup_table_free_ Table *t = table_new("ONE", "TWO", NULL);
        _cleanup_free_ char *pretty = NULL, *plain = NULL;

        assert_non_null(t);
        assert_int_equal(table_n_rows(t), 0);
        pretty = render(t, TABLE_PRETTY, false);
        assert_string_equal(pretty, "ONE  TWO\n");
        plain = render(t, TABLE_PLAIN, false);
        assert_string_equal(plain, "");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_pretty),
                cmocka_unit_test(test_plain),
                cmocka_unit_test(test_max_width),
                cmocka_unit_test(test_utf8_and_control),
                cmocka_unit_test(test_double_width),
                cmocka_unit_test(test_double_width_right),
                cmocka_unit_test(test_color),
                cmocka_unit_test(test_empty),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
