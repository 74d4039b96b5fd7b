/* SPDX-License-Identifier: MIT */
/* test-cron.c: robfig/cron v3 parsing, OnCalendar= translation and the reference evaluator */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "cron.h"
#include "macro.h"

#define BIT(n) (UINT64_C(1) << (n))

static uint64_t bits_range(unsigned a, unsigned b, unsigned step) {
        uint64_t r = 0;
        for (unsigned i = a; i <= b; i += step)
                r |= BIT(i);
        return r;
}

#define ALL_SEC bits_range(0, 59, 1)
#define ALL_HOUR bits_range(0, 23, 1)
#define ALL_DOM bits_range(1, 31, 1)
#define ALL_MONTH bits_range(1, 12, 1)
#define ALL_DOW bits_range(0, 6, 1)

static CronSchedule *parse_ok(const char *spec, bool with_seconds) {
        CronSchedule *s = NULL;
        CronError e = {};
        int r;

        r = cron_parse(spec, with_seconds, &s, &e);
        if (r < 0)
                fail_msg("'%s' (with_seconds=%d): %d at %zu: %s", spec, with_seconds, r, e.offset, e.message);
        assert_non_null(s);
        return s;
}

static void expect_error(const char *spec, bool with_seconds, size_t offset, const char *needle1, const char *needle2) {
        CronSchedule *s = NULL;
        CronError e = {};
        int r;

        r = cron_parse(spec, with_seconds, &s, &e);
        if (r != -EINVAL)
                fail_msg("'%s' (with_seconds=%d): expected -EINVAL, got %d", spec, with_seconds, r);
        assert_null(s);
        if (e.offset != offset || !strstr(e.message, needle1) || (needle2 && !strstr(e.message, needle2)))
                fail_msg("'%s': got offset %zu '%s', expected offset %zu with '%s' and '%s'",
                         spec, e.offset, e.message, offset, needle1, strna(needle2));
}

static int64_t utc(int y, int mo, int d, int h, int mi, int s) {
        struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi, .tm_sec = s };
        return (int64_t) timegm(&tm) * 1000000;
}

static void test_fields_basic(void **state) {
        CronSchedule *s = parse_ok("30 6 * * 3", false);

        assert_int_equal(s->second, BIT(0));
        assert_int_equal(s->minute, BIT(30));
        assert_int_equal(s->hour, BIT(6));
        assert_int_equal(s->dom, ALL_DOM);
        assert_true(s->dom_star);
        assert_int_equal(s->month, ALL_MONTH);
        assert_int_equal(s->dow, BIT(3));
        assert_false(s->dow_star);
        assert_int_equal(s->every_sec, 0);
        assert_null(s->timezone);
        cron_schedule_free(s);

        s = parse_ok("*/2 * * * * *", true);
        assert_int_equal(s->second, bits_range(0, 58, 2));
        assert_int_equal(s->minute, ALL_SEC);
        assert_int_equal(s->hour, ALL_HOUR);
        cron_schedule_free(s);

        /* Any whitespace separates fields. */
        s = parse_ok("  1\t2 \t 3   4  5  ", false);
        assert_int_equal(s->minute, BIT(1));
        assert_int_equal(s->hour, BIT(2));
        assert_int_equal(s->dom, BIT(3));
        assert_int_equal(s->month, BIT(4));
        assert_int_equal(s->dow, BIT(5));
        cron_schedule_free(s);

        assert_null(cron_schedule_free(NULL));
}

static void test_lists_ranges_steps(void **state) {
        CronSchedule *s = parse_ok("1-10/3,20 0-5,7 */10 1-12/4 1-5", false);

        assert_int_equal(s->minute, BIT(1) | BIT(4) | BIT(7) | BIT(10) | BIT(20));
        assert_int_equal(s->hour, bits_range(0, 5, 1) | BIT(7));
        assert_int_equal(s->dom, BIT(1) | BIT(11) | BIT(21) | BIT(31));
        assert_int_equal(s->month, BIT(1) | BIT(5) | BIT(9));
        assert_int_equal(s->dow, bits_range(1, 5, 1));
        cron_schedule_free(s);

        /* "a/n" means "a-max/n". */
        s = parse_ok("5/15 3/6 10/5 2/3 1/2", false);
        assert_int_equal(s->minute, BIT(5) | BIT(20) | BIT(35) | BIT(50));
        assert_int_equal(s->hour, BIT(3) | BIT(9) | BIT(15) | BIT(21));
        assert_int_equal(s->dom, bits_range(10, 30, 5));
        assert_int_equal(s->month, BIT(2) | BIT(5) | BIT(8) | BIT(11));
        assert_int_equal(s->dow, BIT(1) | BIT(3) | BIT(5));
        cron_schedule_free(s);

        /* Leading zeros, '+' (Go's Atoi), a step past the end, empty list elements. */
        s = parse_ok("05 +7 1,,2, */100 *", false);
        assert_int_equal(s->minute, BIT(5));
        assert_int_equal(s->hour, BIT(7));
        assert_int_equal(s->dom, BIT(1) | BIT(2));
        assert_int_equal(s->month, BIT(1));
        cron_schedule_free(s);
}

static void test_names(void **state) {
        CronSchedule *s = parse_ok("0 0 * jan-MAR,Dec MON-fri", false);

        assert_int_equal(s->month, BIT(1) | BIT(2) | BIT(3) | BIT(12));
        assert_int_equal(s->dow, bits_range(1, 5, 1));
        cron_schedule_free(s);

        s = parse_ok("0 0 * * SUN,sat", false);
        assert_int_equal(s->dow, BIT(0) | BIT(6));
        cron_schedule_free(s);

        s = parse_ok("0 0 * feb/3 tue/2", false);
        assert_int_equal(s->month, BIT(2) | BIT(5) | BIT(8) | BIT(11));
        assert_int_equal(s->dow, BIT(2) | BIT(4) | BIT(6));
        cron_schedule_free(s);
}

static void test_star_bit(void **state) {
        static const struct {
                const char *dom, *dow;
                bool dom_star, dow_star;
        } cases[] = {
                { "*", "*", true, true },
                { "?", "?", true, true },
                { "*/1", "?/1", true, true },
                { "*/2", "*/2", false, false },
                { "1-31", "0-6", false, false },
                { "*,5", "1,*", true, true },
                { "5,*/2", "*/3,1", false, false },
                { "1/1", "0/1", false, false },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                char spec[64];
                CronSchedule *s;

                snprintf(spec, sizeof spec, "0 0 %s * %s", cases[i].dom, cases[i].dow);
                s = parse_ok(spec, false);
                if (s->dom_star != cases[i].dom_star || s->dow_star != cases[i].dow_star)
                        fail_msg("'%s': star bits %d/%d", spec, s->dom_star, s->dow_star);
                cron_schedule_free(s);
        }

        /* '?' is '*'. */
        CronSchedule *a = parse_ok("? ? ? ? ?", false), *b = parse_ok("* * * * *", false);
        assert_memory_equal(a, b, offsetof(CronSchedule, every_sec));
        cron_schedule_free(a);
        cron_schedule_free(b);
}

static void test_descriptors(void **state) {
        static const struct {
                const char *spec;
                uint64_t hour, dom, month, dow;
                bool dom_star, dow_star;
        } cases[] = {
                { "@yearly", BIT(0), BIT(1), BIT(1), 0x7f, false, true },
                { "@annually", BIT(0), BIT(1), BIT(1), 0x7f, false, true },
                { "@monthly", BIT(0), BIT(1), 0x1ffe, 0x7f, false, true },
                { "@weekly", BIT(0), 0xfffffffe, 0x1ffe, BIT(0), true, false },
                { "@daily", BIT(0), 0xfffffffe, 0x1ffe, 0x7f, true, true },
                { "@midnight", BIT(0), 0xfffffffe, 0x1ffe, 0x7f, true, true },
                { "@hourly", 0xffffff, 0xfffffffe, 0x1ffe, 0x7f, true, true },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                for (int ws = 0; ws <= 1; ws++) {
                        CronSchedule *s = parse_ok(cases[i].spec, ws);

                        assert_int_equal(s->second, BIT(0));
                        assert_int_equal(s->minute, BIT(0));
                        assert_int_equal(s->hour, cases[i].hour);
                        assert_int_equal(s->dom, cases[i].dom);
                        assert_int_equal(s->month, cases[i].month);
                        assert_int_equal(s->dow, cases[i].dow);
                        assert_int_equal(s->dom_star, cases[i].dom_star);
                        assert_int_equal(s->dow_star, cases[i].dow_star);
                        cron_schedule_free(s);
                }
}

static void test_every(void **state) {
        static const struct {
                const char *spec;
                uint64_t sec;
        } cases[] = {
                { "@every 2s", 2 },
                { "@every 1h30m", 5400 },
                { "@every 1.5h", 5400 },
                { "@every 300ms", 1 },
                { "@every 1m30.9s", 90 },
                { "@every 2h0m0.999s", 7200 },
                { "@every .5m", 30 },
                { "@every 5.s", 5 },
                { "@every 1000000us", 1 },
                { "@every 3000000000ns", 3 },
                { "@every 2000\xc2\xb5s", 1 },
                { "@every 2000000\xce\xbcs", 2 },
                { "@every 0", 1 },              /* robfig: at least one second */
                { "@every -5s", 1 },
                { "@every +90s", 90 },
                { "@every 24h", 86400 },
                { "@every 2562047h", UINT64_C(2562047) * 3600 },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                CronSchedule *s = parse_ok(cases[i].spec, false);
                char **l = NULL;

                if (s->every_sec != cases[i].sec)
                        fail_msg("'%s': %" PRIu64 " s, expected %" PRIu64, cases[i].spec, s->every_sec, cases[i].sec);
                assert_int_equal(cron_to_oncalendar(s, &l), -EINVAL);
                assert_null(l);
                cron_schedule_free(s);
        }

        expect_error("@every", false, 6, "without a duration", NULL);
        expect_error("@every ", false, 7, "@every: found ''", "Go duration");
        expect_error("@every 5", false, 8, "no unit", NULL);
        expect_error("@every 5x", false, 8, "unknown unit 'x'", NULL);
        expect_error("@every 1h5", false, 10, "no unit", NULL);
        expect_error("@every 1.5.5s", false, 10, "no unit", NULL);
        expect_error("@every .s", false, 7, "@every: found '.s'", NULL);
        expect_error("@every 5 s", false, 8, "unknown unit ' s'", NULL);
        expect_error("@every 2562048h", false, 7, "too long", NULL);
        expect_error("@every 99999999999999999999s", false, 7, "too large", NULL);
        expect_error("@every 1d", false, 8, "unknown unit 'd'", NULL);
}

static void test_timezone(void **state) {
        CronSchedule *s = parse_ok("CRON_TZ=Europe/Berlin 0 9 * * *", false);
        _cleanup_strv_free_ char **l = NULL;

        assert_string_equal(s->timezone, "Europe/Berlin");
        assert_non_null(s->zone);
        assert_int_equal(s->hour, BIT(9));
        assert_int_equal(cron_to_oncalendar(s, &l), 0);
        assert_string_equal(l[0], "*-*-* 09:00:00 Europe/Berlin");
        cron_schedule_free(s);

        s = parse_ok("TZ=UTC @daily", false);
        assert_string_equal(s->timezone, "UTC");
        cron_schedule_free(s);

        /* robfig trims what follows the zone. */
        s = parse_ok("TZ=Asia/Kolkata   @hourly  ", false);
        assert_string_equal(s->timezone, "Asia/Kolkata");
        assert_int_equal(s->hour, ALL_HOUR);
        cron_schedule_free(s);

        s = parse_ok("TZ=Etc/GMT+5 0 0 0 1 * *", true);
        assert_string_equal(s->timezone, "Etc/GMT+5");
        cron_schedule_free(s);

        expect_error("TZ=Nowhere/Atlantis 0 9 * * *", false, 3, "time zone: found 'Nowhere/Atlantis'", "/usr/share/zoneinfo");
        expect_error("CRON_TZ=../../etc/passwd 0 9 * * *", false, 8, "time zone", "expected a zone name");
        expect_error("TZ=/etc/localtime 0 9 * * *", false, 3, "time zone", NULL);
        expect_error("TZ=Europe 0 9 * * *", false, 3, "time zone: found 'Europe'", NULL);
        expect_error("TZ= 0 9 * * *", false, 3, "time zone: found nothing", NULL);
        expect_error("TZ=UTC", false, 6, "no schedule", NULL);
        expect_error("TZ=UTC   ", false, 9, "found an empty cron spec", NULL);
        expect_error("TZ=UTC 0 9 * *", false, 14, "day-of-week field is missing", NULL);
        expect_error("TZ=UTC 0 9 * * *", true, 7, "seconds field first", NULL);
        /* Only a leading prefix counts. */
        expect_error(" TZ=UTC 9 * * *", false, 1, "minute: found 'TZ=UTC'", NULL);
}

static void test_errors(void **state) {
        char long_spec[CRON_SPEC_MAX + 2];

        expect_error("", false, 0, "empty cron spec", "5 fields");
        expect_error("   ", true, 0, "empty cron spec", "6 fields");
        expect_error("* * * *", false, 7, "found 4 fields", "day-of-week field is missing");
        expect_error(" * * * * *", true, 1, "found 5 fields", "seconds field first");
        expect_error("* * * *", true, 7, "found 4 fields", "fields from month to day-of-week are missing");
        expect_error("*", true, 1, "found 1 field,", "fields from minute to day-of-week are missing");
        expect_error("0 * * * * *", false, 10, "found 6 fields", "with_seconds");
        expect_error("0 0 * * * * 2024", true, 12, "found 7 fields", "no year field");

        expect_error("60 * * * *", false, 0, "minute: found '60'", "from 0 to 59");
        expect_error("0 24 * * *", false, 2, "hour: found '24'", "from 0 to 23");
        expect_error("60 0 * * * *", true, 0, "second: found '60'", NULL);
        expect_error("0 0 32 * *", false, 4, "day-of-month: found '32'", "from 1 to 31");
        expect_error("0 0 0 * *", false, 4, "day-of-month: found '0'", NULL);
        expect_error("0 0 * 13 *", false, 6, "month: found '13'", "jan..dec");
        expect_error("0 0 * 0 *", false, 6, "month: found '0'", NULL);
        expect_error("0 0 * foo *", false, 6, "month: found 'foo'", NULL);
        expect_error("0 0 * january *", false, 6, "month: found 'january'", NULL);
        expect_error("0 0 * * 7", false, 8, "day-of-week: found '7'", "no 7 for Sunday");
        expect_error("0 0 * * 1-7", false, 10, "day-of-week: found '7'", NULL);
        expect_error("0 0 * * monday", false, 8, "day-of-week: found 'monday'", "sun..sat");
        expect_error("0 0 * * fri-mon", false, 8, "day-of-week: found range 'fri-mon' from 5 down to 1", "do not wrap");
        expect_error("5-1 * * * *", false, 0, "minute: found range '5-1'", NULL);
        expect_error("*/0 * * * *", false, 2, "minute: found step '0'", "positive");
        expect_error("0 1-5/0 * * *", false, 6, "hour: found step '0'", NULL);
        expect_error("0 */x * * *", false, 4, "hour: found step 'x'", NULL);
        expect_error("0 */ * * *", false, 4, "hour: found step ''", NULL);
        expect_error("*/5/2 * * * *", false, 3, "at most one '/'", NULL);
        expect_error("1-2-3 * * * *", false, 0, "single range", NULL);
        expect_error("*-5 * * * *", false, 0, "minute: found '*-5'", "'*' alone");
        expect_error("0 ?5 * * *", false, 2, "hour: found '?5'", NULL);
        expect_error("0 -5 * * *", false, 2, "hour: found nothing", NULL);
        expect_error("0 5- * * *", false, 4, "hour: found nothing", NULL);
        expect_error("/5 * * * *", false, 0, "minute: found nothing", NULL);
        expect_error("a * * * *", false, 0, "minute: found 'a'", NULL);
        expect_error("0 0 1,,x * *", false, 7, "day-of-month: found 'x'", NULL);
        expect_error("0 0 , * *", false, 4, "day-of-month: found ','", NULL);
        expect_error("0 0 * * -1", false, 8, "day-of-week: found nothing", NULL);
        expect_error("0 0 L * *", false, 4, "day-of-month: found 'L'", "not supported");
        expect_error("0 0 15W * *", false, 4, "day-of-month: found '15W'", "not supported");
        expect_error("0 0 * * 5#3", false, 8, "day-of-week: found '5#3'", "not supported");
        expect_error("0 0 * * 5L", false, 8, "day-of-week: found '5L'", "not supported");
        expect_error("0 0 0 * * \x01", true, 10, "day-of-week: found '?'", NULL);

        expect_error("@reboot", false, 0, "'@reboot'", "@yearly");
        expect_error("@fortnightly", false, 0, "unknown descriptor '@fortnightly'", "@every");
        expect_error("@daily x", false, 6, "found ' x' after '@daily'", NULL);
        expect_error("@Daily", false, 0, "unknown descriptor", NULL);

        /* Schedules that can never fire. */
        expect_error("0 0 30 2 *", false, 4, "day-of-month: found '30' in month '2'", "never");
        expect_error("0 0 0 31 4,6,9,11 *", true, 6, "day-of-month: found '31' in month '4,6,9,11'", NULL);
        expect_error("0 0 30-31 feb ?", false, 4, "never", NULL);

        memset(long_spec, '*', sizeof long_spec - 1);
        long_spec[sizeof long_spec - 1] = 0;
        expect_error(long_spec, false, CRON_SPEC_MAX, "at most 1024", NULL);
}

static void test_can_fire(void **state) {
        /* OR: February 30 never exists, but every Monday does. */
        CronSchedule *s = parse_ok("0 0 30 2 1", false);
        cron_schedule_free(s);
        /* Leap days exist. */
        s = parse_ok("0 0 29 2 *", false);
        cron_schedule_free(s);
        s = parse_ok("0 0 30,31 2,3 *", false);
        cron_schedule_free(s);
}

static void check_translation(const char *spec, bool with_seconds, const char *first, const char *second) {
        CronSchedule *s = parse_ok(spec, with_seconds);
        _cleanup_strv_free_ char **l = NULL;

        assert_int_equal(cron_to_oncalendar(s, &l), 0);
        if (!streq(l[0], first) || !streq_ptr(l[1], second) || (l[1] && l[2]))
                fail_msg("'%s': got '%s' / '%s', expected '%s' / '%s'", spec, l[0], strna(l[1]), first, strna(second));
        cron_schedule_free(s);
}

static void test_translation(void **state) {
        static const struct {
                const char *spec;
                bool with_seconds;
                const char *first, *second;
        } cases[] = {
                { "30 6 * * 3", false, "Wed *-*-* 06:30:00" },
                { "0 18 * * *", false, "*-*-* 18:00:00" },
                { "*/2 * * * * *", true, "*-*-* *:*:00..58/2" },
                { "* * * * *", false, "*-*-* *:*:00" },
                { "*/15 * * * *", false, "*-*-* *:00..45/15:00" },
                { "7/15 * * * *", false, "*-*-* *:07..52/15:00" },
                { "0 9-17/2 * * MON-FRI", false, "Mon..Fri *-*-* 09..17/2:00:00" },
                { "0 9-17 * * 1-5", false, "Mon..Fri *-*-* 09..17:00:00" },
                { "30 4 1,15 * 5", false, "*-*-01,15 04:30:00", "Fri *-*-* 04:30:00" },
                { "0 0 13 * fri", false, "*-*-13 00:00:00", "Fri *-*-* 00:00:00" },
                { "0 0 * * 0,6", false, "Sat,Sun *-*-* 00:00:00" },
                { "0 0 * * 5-6,0", false, "Fri..Sun *-*-* 00:00:00" },
                { "0 0 * * 0-2", false, "Mon,Tue,Sun *-*-* 00:00:00" },
                { "0 0 * * sun", false, "Sun *-*-* 00:00:00" },
                { "0 0 * * 0-6", false, "*-*-* 00:00:00" },
                { "@weekly", false, "Sun *-*-* 00:00:00" },
                { "@yearly", true, "*-01-01 00:00:00" },
                { "@monthly", false, "*-*-01 00:00:00" },
                { "@daily", false, "*-*-* 00:00:00" },
                { "@hourly", false, "*-*-* *:00:00" },
                { "0 0 */2 * *", false, "*-*-01..31/2 00:00:00" },
                { "0 0 */2 * */2", false, "*-*-01..31/2 00:00:00", "Tue,Thu,Sat,Sun *-*-* 00:00:00" },
                { "0 0 1-31 * 1", false, "*-*-* 00:00:00" },             /* OR with every day */
                { "0 0 5 * 0-6", false, "*-*-* 00:00:00" },
                { "0 0 1-7 * *", false, "*-*-01..07 00:00:00" },
                { "0 0 * * 1", false, "Mon *-*-* 00:00:00" },
                { "0 0 */1 * 1", false, "Mon *-*-* 00:00:00" },          /* '*' + '/1' is still a star */
                { "0 0 1 jan,jul *", false, "*-01,07-01 00:00:00" },
                { "0 0 1 */3 *", false, "*-01..10/3-01 00:00:00" },
                { "0 0 1 2-12/5 *", false, "*-02..12/5-01 00:00:00" },
                { "0 0 1 2-7/5 *", false, "*-02,07-01 00:00:00" },
                { "0 0 1 1-8/3 *", false, "*-01..07/3-01 00:00:00" },
                { "0 5,10,15,20 * * *", false, "*-*-* 05..20/5:00:00" },
                { "0 1,2,3,5 * * *", false, "*-*-* 01..03,05:00:00" },
                { "0 1,3 * * *", false, "*-*-* 01,03:00:00" },
                { "0,30 * * * *", false, "*-*-* *:00,30:00" },
                { "0 0 ? * ?", false, "*-*-* 00:00:00" },
                { "15,45 */6 10-20 2-4 mon,wed", false, "*-02..04-10..20 00..18/6:15,45:00", "Mon,Wed *-02..04-* 00..18/6:15,45:00" },
                { "1-59/2 * * * * *", true, "*-*-* *:*:01..59/2" },
                { "0 0 0 29 2 *", true, "*-02-29 00:00:00" },
                { "CRON_TZ=Asia/Tokyo 0 0 1 * 1", false, "*-*-01 00:00:00 Asia/Tokyo", "Mon *-*-* 00:00:00 Asia/Tokyo" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                check_translation(cases[i].spec, cases[i].with_seconds, cases[i].first, cases[i].second);
}

static void expect_next(const char *spec, bool with_seconds, int64_t after, const int64_t *want, size_t n) {
        CronSchedule *s = parse_ok(spec, with_seconds);
        int64_t t = after;

        for (size_t i = 0; i < n; i++) {
                int64_t next;
                int r = cron_next(s, t, &next);

                if (r < 0 || next != want[i])
                        fail_msg("'%s' #%zu after %" PRIi64 ": r=%d got %" PRIi64 ", expected %" PRIi64,
                                 spec, i, t, r, next, want[i]);
                t = next;
        }
        cron_schedule_free(s);
}

static void test_next(void **state) {
        int64_t base = utc(2023, 11, 14, 22, 13, 20); /* a Tuesday */

        expect_next("30 6 * * 3", false, base,
                    (int64_t[]) { utc(2023, 11, 15, 6, 30, 0), utc(2023, 11, 22, 6, 30, 0) }, 2);
        /* Strictly after: a match at the base time itself does not count. */
        expect_next("20 * * * * *", true, base,
                    (int64_t[]) { utc(2023, 11, 14, 22, 14, 20), utc(2023, 11, 14, 22, 15, 20) }, 2);
        expect_next("20 * * * * *", true, base - 1,
                    (int64_t[]) { base }, 1);
        /* OR: the 13th or any Friday. */
        expect_next("0 0 13 * 5", false, utc(2024, 1, 1, 0, 0, 0),
                    (int64_t[]) { utc(2024, 1, 5, 0, 0, 0), utc(2024, 1, 12, 0, 0, 0), utc(2024, 1, 13, 0, 0, 0),
                                  utc(2024, 1, 19, 0, 0, 0) }, 4);
        /* AND: '*' in day-of-month, so Fridays only. */
        expect_next("0 0 * * 5", false, utc(2024, 1, 1, 0, 0, 0), (int64_t[]) { utc(2024, 1, 5, 0, 0, 0) }, 1);
        /* '*' + '/2' is restricted: OR of odd days and even weekdays (Sun, Tue, Thu, Sat). */
        expect_next("0 0 */2 * */2", false, utc(2024, 1, 1, 12, 0, 0), /* Mon Jan 1 */
                    (int64_t[]) { utc(2024, 1, 2, 0, 0, 0), utc(2024, 1, 3, 0, 0, 0), utc(2024, 1, 4, 0, 0, 0),
                                  utc(2024, 1, 5, 0, 0, 0), utc(2024, 1, 6, 0, 0, 0), utc(2024, 1, 7, 0, 0, 0),
                                  utc(2024, 1, 9, 0, 0, 0) }, 7);
        /* @weekly is Sunday. */
        expect_next("@weekly", false, base, (int64_t[]) { utc(2023, 11, 19, 0, 0, 0) }, 1);
        expect_next("@yearly", false, base, (int64_t[]) { utc(2024, 1, 1, 0, 0, 0), utc(2025, 1, 1, 0, 0, 0) }, 2);
        /* Leap days across 2100, which is not a leap year. */
        expect_next("0 0 29 2 *", false, utc(2097, 1, 1, 0, 0, 0),
                    (int64_t[]) { utc(2104, 2, 29, 0, 0, 0), utc(2108, 2, 29, 0, 0, 0) }, 2);
        /* Month and year rollover. */
        expect_next("59 59 23 31 12 *", true, utc(2023, 12, 31, 23, 59, 58),
                    (int64_t[]) { utc(2023, 12, 31, 23, 59, 59), utc(2024, 12, 31, 23, 59, 59) }, 2);
        /* Before 1970. */
        expect_next("0 0 1 1 *", false, utc(1960, 6, 1, 0, 0, 0), (int64_t[]) { utc(1961, 1, 1, 0, 0, 0) }, 1);

        /* @every: the time rounded down to the second, plus the delay. */
        expect_next("@every 90s", false, 10500000, (int64_t[]) { 100000000, 190000000 }, 2);
}

static void test_next_zones(void **state) {
        /* Fixed offsets. */
        expect_next("TZ=Asia/Kolkata 0 0 * * *", false, utc(2024, 1, 1, 0, 0, 0),
                    (int64_t[]) { utc(2024, 1, 1, 18, 30, 0), utc(2024, 1, 2, 18, 30, 0) }, 2);
        expect_next("CRON_TZ=Etc/GMT+5 0 0 12 * * *", true, utc(2024, 1, 1, 0, 0, 0),
                    (int64_t[]) { utc(2024, 1, 1, 17, 0, 0) }, 1);
        /* Berlin, autumn: the repeated hour fires twice, as in robfig. */
        expect_next("TZ=Europe/Berlin 30 2 * * *", false, utc(2024, 10, 26, 22, 0, 0),
                    (int64_t[]) { utc(2024, 10, 27, 0, 30, 0), utc(2024, 10, 27, 1, 30, 0), utc(2024, 10, 28, 1, 30, 0) }, 3);
        /* Berlin, spring: 02:30 does not exist on 2024-03-31. */
        expect_next("TZ=Europe/Berlin 30 2 * * *", false, utc(2024, 3, 30, 12, 0, 0),
                    (int64_t[]) { utc(2024, 4, 1, 0, 30, 0) }, 1);
        expect_next("TZ=Europe/Berlin 0 * * * *", false, utc(2024, 10, 26, 23, 30, 0),
                    (int64_t[]) { utc(2024, 10, 27, 0, 0, 0), utc(2024, 10, 27, 1, 0, 0), utc(2024, 10, 27, 2, 0, 0) }, 3);
        /* Past the table of transitions: the POSIX rule of the footer. */
        expect_next("TZ=Europe/Berlin 0 12 1 7 *", false, utc(2050, 1, 1, 0, 0, 0),
                    (int64_t[]) { utc(2050, 7, 1, 10, 0, 0) }, 1);
        expect_next("TZ=Europe/Berlin 0 12 1 1 *", false, utc(2050, 1, 1, 0, 0, 0),
                    (int64_t[]) { utc(2050, 1, 1, 11, 0, 0), utc(2051, 1, 1, 11, 0, 0) }, 2);
        expect_next("TZ=Europe/Berlin 30 2 * * *", false, utc(2061, 3, 26, 12, 0, 0), /* DST from Sun 2061-03-27 */
                    (int64_t[]) { utc(2061, 3, 28, 0, 30, 0) }, 1);
        /* Southern hemisphere: summer time in January. */
        expect_next("TZ=Australia/Sydney 0 12 1 1 *", false, utc(2045, 6, 1, 0, 0, 0),
                    (int64_t[]) { utc(2046, 1, 1, 1, 0, 0) }, 1);
        expect_next("TZ=Australia/Sydney 0 12 1 7 *", false, utc(2045, 1, 1, 0, 0, 0),
                    (int64_t[]) { utc(2045, 7, 1, 2, 0, 0) }, 1);
        expect_next("TZ=America/New_York 0 9 * * *", false, utc(2024, 3, 9, 0, 0, 0),
                    (int64_t[]) { utc(2024, 3, 9, 14, 0, 0), utc(2024, 3, 10, 13, 0, 0) }, 2);
}

static void test_next_none(void **state) {
        /* cron_parse() refuses this; built by hand, nothing is found. */
        CronSchedule s = {
                .second = BIT(0), .minute = BIT(0), .hour = BIT(0),
                .dom = BIT(30), .month = BIT(2), .dow = ALL_DOW, .dow_star = true,
        };
        int64_t t = 0;

        assert_int_equal(cron_next(&s, 0, &t), -ENOENT);
        assert_int_equal(t, 0);

        /* Far in the future, no overflow. */
        s.dom = BIT(1);
        assert_int_equal(cron_next(&s, INT64_MAX, &t), -ENOENT);
        assert_int_equal(cron_next(&s, INT64_MIN, &t), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_fields_basic),
                cmocka_unit_test(test_lists_ranges_steps),
                cmocka_unit_test(test_names),
                cmocka_unit_test(test_star_bit),
                cmocka_unit_test(test_descriptors),
                cmocka_unit_test(test_every),
                cmocka_unit_test(test_timezone),
                cmocka_unit_test(test_errors),
                cmocka_unit_test(test_can_fire),
                cmocka_unit_test(test_translation),
                cmocka_unit_test(test_next),
                cmocka_unit_test(test_next_zones),
                cmocka_unit_test(test_next_none),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
