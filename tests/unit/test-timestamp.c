/* SPDX-License-Identifier: MIT */
/* test-timestamp.c: the --since/--until parser and the time formats */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "macro.h"
#include "timestamp.h"

/* 2024-03-15 14:30:45.250000 UTC, a Friday */
#define NOW (UINT64_C(1710513045) * USEC_PER_SEC + 250000)
#define SEC(s) ((usec_t) (s) * USEC_PER_SEC)

static void set_tz(const char *tz) {
        setenv("TZ", tz, 1);
        tzset();
}

static usec_t parse_ok(const char *s) {
        usec_t t = 0;
        int r = timestamp_parse(s, NOW, &t);

        if (r < 0)
                fail_msg("'%s' did not parse: %d", s, r);
        return t;
}

static void parse_fails(const char *s, int expected) {
        usec_t t = 12345;
        int r = timestamp_parse(s, NOW, &t);

        if (r != expected)
                fail_msg("'%s': expected %d, got %d", s, expected, r);
        assert_int_equal(t, 12345);     /* ret is written only on success */
}

static void test_words(void **state) {
        set_tz("UTC");
        assert_int_equal(parse_ok("now"), NOW);
        assert_int_equal(parse_ok("  now\t"), NOW);
        assert_int_equal(parse_ok("today"), SEC(1710460800));          /* 2024-03-15 00:00 */
        assert_int_equal(parse_ok("yesterday"), SEC(1710460800 - 86400));
        assert_int_equal(parse_ok("tomorrow"), SEC(1710460800 + 86400));
}

static void test_absolute(void **state) {
        set_tz("UTC");
        assert_int_equal(parse_ok("2024-03-15"), SEC(1710460800));
        assert_int_equal(parse_ok("2024-03-15 08:05"), SEC(1710460800 + 8 * 3600 + 5 * 60));
        assert_int_equal(parse_ok("2024-03-15 08:05:09"), SEC(1710460800 + 8 * 3600 + 5 * 60 + 9));
        assert_int_equal(parse_ok("2024-03-15T08:05:09"), SEC(1710460800 + 8 * 3600 + 5 * 60 + 9));
        assert_int_equal(parse_ok("2024-03-15 08:05:09.5"), SEC(1710460800 + 8 * 3600 + 5 * 60 + 9) + 500000);
        assert_int_equal(parse_ok("2024-3-5"), SEC(1709596800));        /* single digits are fine */
        assert_int_equal(parse_ok("2024-02-29"), SEC(1709164800));      /* leap day */
        assert_int_equal(parse_ok("1970-01-01"), 0);
        /* a time alone is today */
        assert_int_equal(parse_ok("08:00"), SEC(1710460800 + 8 * 3600));
        assert_int_equal(parse_ok("23:59:59"), SEC(1710460800 + 86399));
}

static void test_local_zone(void **state) {
        /* Berlin is UTC+1 in March before the switch: local midnight is 23:00 UTC. */
        set_tz("CET-1CEST,M3.5.0,M10.5.0/3");
        assert_int_equal(parse_ok("2024-03-15"), SEC(1710460800 - 3600));
        assert_int_equal(parse_ok("2024-03-15 UTC"), SEC(1710460800));
        assert_int_equal(parse_ok("2024-03-15 00:00Z"), SEC(1710460800));
        assert_int_equal(parse_ok("today"), SEC(1710460800 - 3600));
        /* summer time: UTC+2 */
        assert_int_equal(parse_ok("2024-07-01 12:00"), SEC(1719835200 - 2 * 3600));
        set_tz("UTC");
}

static void test_epoch(void **state) {
        assert_int_equal(parse_ok("@0"), 0);
        assert_int_equal(parse_ok("@1710513045"), SEC(1710513045));
        assert_int_equal(parse_ok("@1710513045.25"), SEC(1710513045) + 250000);
        assert_int_equal(parse_ok("@1.000001"), SEC(1) + 1);
        parse_fails("@", -EINVAL);
        parse_fails("@-5", -EINVAL);
        parse_fails("@12x", -EINVAL);
        parse_fails("@1.", -EINVAL);
        parse_fails("@99999999999999999999999", -ERANGE);
}

static void test_relative(void **state) {
        assert_int_equal(parse_ok("-1h"), NOW - 3600 * USEC_PER_SEC);
        assert_int_equal(parse_ok("-30min"), NOW - 30 * 60 * USEC_PER_SEC);
        assert_int_equal(parse_ok("-2d"), NOW - 2 * USEC_PER_DAY);
        assert_int_equal(parse_ok("-1h30min"), NOW - 90 * 60 * USEC_PER_SEC);
        assert_int_equal(parse_ok("-1h 30min"), NOW - 90 * 60 * USEC_PER_SEC);
        assert_int_equal(parse_ok("-1w"), NOW - USEC_PER_WEEK);
        assert_int_equal(parse_ok("-90"), NOW - 90 * USEC_PER_SEC);   /* bare number: seconds */
        assert_int_equal(parse_ok("-500ms"), NOW - 500 * USEC_PER_MSEC);
        assert_int_equal(parse_ok("-3 hours"), NOW - 3 * USEC_PER_HOUR);
        assert_int_equal(parse_ok("+5min"), NOW + 5 * USEC_PER_MINUTE);
        assert_int_equal(parse_ok("2 days ago"), NOW - 2 * USEC_PER_DAY);
        assert_int_equal(parse_ok("1h30min ago"), NOW - 90 * USEC_PER_MINUTE);
        parse_fails("-", -EINVAL);
        parse_fails("-h", -EINVAL);
        parse_fails("-1x", -EINVAL);
        assert_int_equal(parse_ok("-1hour2"), NOW - 3602 * USEC_PER_SEC); /* a unitless number at the end... */
        parse_fails("-5 5min", -EINVAL);        /* ...but nowhere else */
        parse_fails(" ago", -EINVAL);
        parse_fails("-100000d", -ERANGE);       /* before 1970 */
        parse_fails("-99999999999999999999d", -ERANGE);
}

/* The end of the range: the last µs before USEC_INFINITY, 18446744073709.551614 s, which is
 * 08:01:49.551614 of its day. Every form reaches exactly up to it and says -ERANGE past it
 * (found by fuzz-timestamp: "@" refused its last 10 s, and a time of day or "tomorrow"
 * near it wrapped around to 1970). */
static void test_range_end(void **state) {
        const usec_t last = USEC_INFINITY - 1, day0 = last - last % USEC_PER_DAY;
        usec_t t = 0;

        set_tz("UTC");
        assert_int_equal(parse_ok("@18446744073709.551614"), last);
        assert_int_equal(parse_ok("@18446744073709"), SEC(UINT64_C(18446744073709)));
        parse_fails("@18446744073709.551615", -ERANGE);        /* USEC_INFINITY itself */
        parse_fails("@18446744073710", -ERANGE);

        /* what "+SPAN" returns reads back as "@SEC.USEC" */
        assert_int_equal(timestamp_parse("+18446744073709s", 0, &t), 0);
        assert_int_equal(t, SEC(UINT64_C(18446744073709)));
        assert_int_equal(timestamp_parse("+18446744073709s 551614us", 0, &t), 0);
        assert_int_equal(t, last);

        assert_int_equal(timestamp_parse("today", last, &t), 0);
        assert_int_equal(t, day0);
        assert_int_equal(timestamp_parse("08:01:49.551614", last, &t), 0);
        assert_int_equal(t, last);
        t = 12345;
        assert_int_equal(timestamp_parse("08:01:49.551615", last, &t), -ERANGE);
        assert_int_equal(timestamp_parse("08:01:50", last, &t), -ERANGE);
        assert_int_equal(timestamp_parse("23:59", last, &t), -ERANGE);
        assert_int_equal(timestamp_parse("tomorrow", last, &t), -ERANGE);
        assert_int_equal(t, 12345);
}

static void test_invalid(void **state) {
        parse_fails("", -EINVAL);
        parse_fails("   ", -EINVAL);
        parse_fails("bogus", -EINVAL);
        parse_fails("Today", -EINVAL);
        parse_fails("2024", -EINVAL);
        parse_fails("2024-13-01", -EINVAL);
        parse_fails("2024-00-01", -EINVAL);
        parse_fails("2024-02-30", -EINVAL);     /* mktime() would make it March 1st */
        parse_fails("2023-02-29", -EINVAL);
        parse_fails("2024-03-15 24:00", -EINVAL);
        parse_fails("2024-03-15 12:60", -EINVAL);
        parse_fails("2024-03-15 12:5", -EINVAL);
        parse_fails("2024-03-15 12", -EINVAL);
        parse_fails("2024-03-15T", -EINVAL);
        parse_fails("2024-03-15 08:00 PST", -EINVAL);
        parse_fails("1969-12-31", -ERANGE);
        parse_fails("2024-03-15x", -EINVAL);
}

static void test_format(void **state) {
        char buf[TIMESTAMP_MAX];

        set_tz("UTC");
        assert_string_equal(timestamp_format(NOW, buf), "Fri 2024-03-15 14:30:45 UTC");
        assert_string_equal(timestamp_format_line(NOW, buf), "2024-03-15 14:30:45");
        assert_string_equal(timestamp_format(0, buf), "-");
        assert_string_equal(timestamp_format(USEC_INFINITY, buf), "-");
        assert_string_equal(timestamp_format_iso(NOW, buf), "2024-03-15T14:30:45.250000Z");
        assert_string_equal(timestamp_format_iso(0, buf), "");
        /* what is printed parses back to the same second */
        assert_int_equal(parse_ok(timestamp_format(NOW, buf)), NOW - 250000);

        set_tz("CET-1CEST,M3.5.0,M10.5.0/3");
        assert_string_equal(timestamp_format(NOW, buf), "Fri 2024-03-15 15:30:45 CET");
        assert_string_equal(timestamp_format_iso(NOW, buf), "2024-03-15T14:30:45.250000Z");   /* always UTC */
        assert_int_equal(parse_ok(timestamp_format(NOW, buf)), NOW - 250000);
        assert_int_equal(parse_ok("Fri 2024-03-15 15:30:45"), NOW - 250000);
        parse_fails("Sat 2024-03-15 15:30:45", -EINVAL);        /* not that day's weekday */
        parse_fails("Fri 2024-03-15 15:30:45 PST", -EINVAL);    /* not this machine's zone */
        set_tz("UTC");
}

static void test_timespan(void **state) {
        char buf[TIMESTAMP_MAX];

        assert_string_equal(timespan_format(0, buf), "0ms");
        assert_string_equal(timespan_format(850 * USEC_PER_MSEC, buf), "850ms");
        assert_string_equal(timespan_format(USEC_PER_SEC, buf), "1.0s");
        assert_string_equal(timespan_format(12345 * USEC_PER_MSEC, buf), "12.3s");
        assert_string_equal(timespan_format(USEC_PER_MINUTE, buf), "1min");
        assert_string_equal(timespan_format(4 * USEC_PER_MINUTE + 5 * USEC_PER_SEC, buf), "4min 5s");
        assert_string_equal(timespan_format(2 * USEC_PER_HOUR + 10 * USEC_PER_MINUTE + 59 * USEC_PER_SEC, buf), "2h 10min");
        assert_string_equal(timespan_format(3 * USEC_PER_DAY + 4 * USEC_PER_HOUR, buf), "3d 4h");
        assert_string_equal(timespan_format(USEC_PER_WEEK, buf), "7d");
        assert_string_equal(timespan_format(USEC_INFINITY, buf), "-");
}

static void test_timespan_exact(void **state) {
        char buf[TIMESTAMP_MAX];

        assert_string_equal(timespan_format_exact(0, buf), "0");
        assert_string_equal(timespan_format_exact(1, buf), "1us");
        assert_string_equal(timespan_format_exact(5 * USEC_PER_SEC, buf), "5s");
        assert_string_equal(timespan_format_exact(1500 * USEC_PER_MSEC, buf), "1s 500ms");
        assert_string_equal(timespan_format_exact(USEC_PER_HOUR + 30 * USEC_PER_MINUTE, buf), "1h 30min");
        assert_string_equal(timespan_format_exact(USEC_PER_DAY + 1, buf), "1d 1us");
        assert_string_equal(timespan_format_exact(USEC_INFINITY - 1, buf), "213503982d 8h 1min 49s 551ms 614us");
        assert_string_equal(timespan_format_exact(USEC_INFINITY, buf), "infinity");
}

static void test_relative_format(void **state) {
        char buf[TIMESTAMP_MAX];

        assert_string_equal(timestamp_format_relative(NOW - 5 * USEC_PER_MINUTE, NOW, buf), "5min ago");
        assert_string_equal(timestamp_format_relative(NOW + 3 * USEC_PER_SEC + 400000, NOW, buf), "in 3s");
        assert_string_equal(timestamp_format_relative(NOW - 12345 * USEC_PER_MSEC, NOW, buf), "12s ago");
        assert_string_equal(timestamp_format_relative(NOW + 100, NOW, buf), "now");
        assert_string_equal(timestamp_format_relative(NOW + 26 * USEC_PER_HOUR, NOW, buf), "in 1d 2h");
        assert_string_equal(timestamp_format_relative(0, NOW, buf), "-");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_words),
                cmocka_unit_test(test_absolute),
                cmocka_unit_test(test_local_zone),
                cmocka_unit_test(test_epoch),
                cmocka_unit_test(test_relative),
                cmocka_unit_test(test_range_end),
                cmocka_unit_test(test_invalid),
                cmocka_unit_test(test_format),
                cmocka_unit_test(test_timespan),
                cmocka_unit_test(test_timespan_exact),
                cmocka_unit_test(test_relative_format),
        };

        set_tz("UTC");
        return cmocka_run_group_tests(tests, NULL, NULL);
}
