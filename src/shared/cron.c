/* SPDX-License-Identifier: MIT */
/* cron.c: robfig/cron v3 schedules, their systemd OnCalendar= form, and a reference evaluator
 *
 * Herald Daemon reads its cron triggers with robfig/cron v3.0.1, so that is the
 * dialect we accept, quirks included: day-of-week is 0-6 (no 7), '?' means '*',
 * 'a/n' means 'a-max/n', empty list elements ("1,,2") are skipped, and the
 * day-of-month/day-of-week rule depends on robfig's "star bit" (a field written
 * as '*' or '?' with no step or step 1), not on the set of values: '*' and
 * '*' + '/1' are stars, but '*' + '/2' and '1-31' are not. When neither day field
 * is a star, a day matches if either field matches (OR); otherwise both must.
 * Where robfig accepts nonsense by accident ('*-5' is read as '*', 'TZ=UTC'
 * with nothing after it panics) we report an error instead.
 *
 * Every error carries the byte offset of the offending text, so the workflow
 * loader can point at the exact column of a YAML scalar.
 *
 * systemd ANDs the weekday and the date of one OnCalendar= expression, and
 * ORs separate OnCalendar= lines. The OR case therefore becomes two
 * expressions, one with the days of the month, one with the weekdays; every
 * other schedule is one expression. Sets are printed from the bitsets, not from
 * the text the user wrote, so the output is exact by construction: runs
 * collapse to 'a..b', arithmetic progressions to 'a..b/n' (never the open
 * 'a/n': systemd 252 skips values with it when it wraps into the next day or
 * month), and weekdays are listed in systemd's Mon..Sun order so no range
 * wraps.
 *
 * cron_next() is deliberately written without looking at the OnCalendar= text:
 * it walks days, then hours, minutes and seconds through the bitsets, the way
 * robfig's SpecSchedule.Next() does, so tests can compare it with what
 * systemd computes from our translation. In a time zone it matches every
 * instant whose local wall-clock time matches the fields, which is what robfig
 * does across DST changes (a repeated hour fires twice, a skipped one never).
 * For that it reads TZif files itself (transitions plus the POSIX TZ footer),
 * because the C library offers no per-zone conversion without touching the
 * process-wide TZ variable.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cron.h"
#include "macro.h"

#define ZONEINFO_DIR "/usr/share/zoneinfo"
#define ZONE_NAME_MAX 255
#define ZONE_FILE_MAX (1024 * 1024)
#define USEC_PER_SEC INT64_C(1000000)
#define SEC_PER_DAY INT64_C(86400)
/* How far cron_next() looks ahead. The sparsest robfig schedule (Feb 29 with
 * a '*' weekday) has gaps of 8 years around 2100. */
#define SEARCH_HORIZON_SEC (INT64_C(30) * 366 * SEC_PER_DAY)

typedef enum CronField {
        CRON_SECOND,
        CRON_MINUTE,
        CRON_HOUR,
        CRON_DOM,
        CRON_MONTH,
        CRON_DOW,
        _CRON_FIELD_MAX,
} CronField;

typedef struct FieldInfo {
        const char *name;
        unsigned min, max;
        const char *const *names;       /* names[i] is value i + name_base */
        size_t n_names;
        unsigned name_base;
        const char *expected;
} FieldInfo;

static const char *const month_names[] = {
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
};
static const char *const dow_names[] = { "sun", "mon", "tue", "wed", "thu", "fri", "sat" };

static const FieldInfo field_info[_CRON_FIELD_MAX] = {
        [CRON_SECOND] = { "second", 0, 59, NULL, 0, 0, "a number from 0 to 59" },
        [CRON_MINUTE] = { "minute", 0, 59, NULL, 0, 0, "a number from 0 to 59" },
        [CRON_HOUR] = { "hour", 0, 23, NULL, 0, 0, "a number from 0 to 23" },
        [CRON_DOM] = { "day-of-month", 1, 31, NULL, 0, 0, "a number from 1 to 31" },
        [CRON_MONTH] = { "month", 1, 12, month_names, ELEMENTSOF(month_names), 1,
                         "a number from 1 to 12 or a month name (jan..dec)" },
        [CRON_DOW] = { "day-of-week", 0, 6, dow_names, ELEMENTSOF(dow_names), 0,
                       "a number from 0 to 6 or a weekday name (sun..sat)" },
};

/* ---- time zones ------------------------------------------------------- */

typedef struct RuleDate {
        char kind;              /* 'J': Julian 1..365 without Feb 29, 'N': 0..365, 'M': month.week.day */
        int n, month, week, wday;
        int32_t time;           /* seconds after local midnight, may be negative or > 24 h */
} RuleDate;

/* The POSIX TZ footer of a TZif file, e.g. "CET-1CEST,M3.5.0,M10.5.0/3". */
typedef struct PosixRule {
        int32_t std_off, dst_off;       /* seconds east of UTC */
        bool has_dst;
        RuleDate start, end;
} PosixRule;

struct CronZone {
        int64_t *times;         /* transition instants, strictly increasing */
        int32_t *offsets;       /* offsets[i] is in force from times[i] on */
        size_t n;
        int32_t initial_offset; /* before the first transition */
        bool has_rule;
        PosixRule rule;         /* after the last transition */
};

static CronZone *cron_zone_free(CronZone *z) {
        if (!z)
                return NULL;
        free(z->times);
        free(z->offsets);
        free(z);
        return NULL;
}
DEFINE_TRIVIAL_CLEANUP_FUNC(CronZone *, cron_zone_free);

/* ---- calendar arithmetic ---------------------------------------------- */

static int64_t floor_div(int64_t a, int64_t b) {
        int64_t q = a / b;
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static bool is_leap(int64_t y) {
        return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned days_in_month(int64_t y, unsigned m) {
        static const unsigned char dim[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
        return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

/* Days since 1970-01-01 of a proleptic Gregorian date. Years are shifted so
 * that they start in March: the leap day is then the last day of a year, and
 * the day of the year follows from the month with one linear formula. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
        int64_t yy = m <= 2 ? y - 1 : y;
        int64_t cycle = floor_div(yy, 400);              /* 400-year cycles of 146097 days */
        int64_t year_of_cycle = yy - cycle * 400;         /* 0..399 */
        unsigned month_from_march = m > 2 ? m - 3 : m + 9;
        int64_t day_of_year = (153 * month_from_march + 2) / 5 + d - 1;
        int64_t day_of_cycle = year_of_cycle * 365 + year_of_cycle / 4 - year_of_cycle / 100 + day_of_year;
        return cycle * 146097 + day_of_cycle - 719468;   /* 719468: 0000-03-01 to 1970-01-01 */
}

static void civil_from_days(int64_t days, int64_t *ret_y, unsigned *ret_m, unsigned *ret_d) {
        int64_t z = days + 719468;
        int64_t cycle = floor_div(z, 146097);
        int64_t day_of_cycle = z - cycle * 146097;                               /* 0..146096 */
        int64_t year_of_cycle = (day_of_cycle - day_of_cycle / 1460 + day_of_cycle / 36524
                                 - day_of_cycle / 146096) / 365;                 /* 0..399 */
        int64_t day_of_year = day_of_cycle - (365 * year_of_cycle + year_of_cycle / 4 - year_of_cycle / 100);
        unsigned month_from_march = (unsigned) ((5 * day_of_year + 2) / 153);   /* 0..11 */
        unsigned d = (unsigned) (day_of_year - (153 * month_from_march + 2) / 5 + 1);
        unsigned m = month_from_march < 10 ? month_from_march + 3 : month_from_march - 9;

        *ret_y = year_of_cycle + cycle * 400 + (m <= 2);
        *ret_m = m;
        *ret_d = d;
}

/* 0 = Sunday; 1970-01-01 was a Thursday. */
static unsigned weekday_from_days(int64_t days) {
        return (unsigned) ((days % 7 + 7 + 4) % 7);
}

/* ---- errors ----------------------------------------------------------- */

static int set_error(CronError *e, size_t offset, const char *fmt, ...) _printf_(3, 4);
static int set_error(CronError *e, size_t offset, const char *fmt, ...) {
        va_list ap;

        if (e) {
                e->offset = offset;
                va_start(ap, fmt);
                vsnprintf(e->message, sizeof e->message, fmt, ap);
                va_end(ap);
        }
        return -EINVAL;
}

/* Copy user text for a message: at most 48 bytes, control characters as '?'. */
typedef struct Quoted {
        char s[56];
} Quoted;

static Quoted quote(const char *p, size_t n) {
        Quoted q = {};
        size_t k = 0;

        for (size_t i = 0; i < n && i < 48; i++) {
                unsigned char c = (unsigned char) p[i];
                q.s[k++] = c < 0x20 || c == 0x7f ? '?' : (char) c;
        }
        if (n > 48) {
                memcpy(q.s + k, "...", 3);
                k += 3;
        }
        q.s[k] = 0;
        return q;
}

/* ---- field parsing ---------------------------------------------------- */

static bool is_space(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* Go's strconv.Atoi as robfig calls it: optional '+', then decimal digits. Values
 * saturate at a large number so absurd steps behave like any step past max. */
static bool parse_number(const char *p, size_t n, uint64_t *ret) {
        uint64_t v = 0;
        size_t i = 0;

        if (n > 0 && p[0] == '+')
                i++;
        if (i >= n)
                return false;
        for (; i < n; i++) {
                if (p[i] < '0' || p[i] > '9')
                        return false;
                v = v * 10 + (uint64_t) (p[i] - '0');
                if (v > UINT32_MAX)
                        v = UINT32_MAX;
        }
        *ret = v;
        return true;
}

/* Quartz-style day syntax: "L", "LW", "15W", "5L", "5#3". */
static bool is_quartz_day(const char *p, size_t n) {
        size_t i = 0;

        while (i < n && p[i] >= '0' && p[i] <= '9')
                i++;
        if (i < n && p[i] == '#')
                return true;
        return (n - i == 1 && (p[i] == 'L' || p[i] == 'W')) || (n - i == 2 && p[i] == 'L' && p[i + 1] == 'W');
}

static uint64_t field_full(const FieldInfo *f) {
        return (f->max >= 63 ? ~UINT64_C(0) : (UINT64_C(1) << (f->max + 1)) - 1) & (~UINT64_C(0) << f->min);
}

static int parse_value(const FieldInfo *f, const char *p, size_t n, size_t off, unsigned *ret, CronError *e) {
        uint64_t v;

        if (n == 0)
                return set_error(e, off, "%s: found nothing, expected %s", f->name, f->expected);

        for (size_t i = 0; i < f->n_names; i++)
                if (n == strlen(f->names[i]) && strncasecmp(p, f->names[i], n) == 0) {
                        *ret = (unsigned) i + f->name_base;
                        return 0;
                }

        if (!parse_number(p, n, &v)) {
                if ((f == &field_info[CRON_DOM] || f == &field_info[CRON_DOW]) && is_quartz_day(p, n))
                        return set_error(e, off,
                                         "%s: found '%s', expected %s ('L', 'W' and '#' are not supported by robfig/cron)",
                                         f->name, quote(p, n).s, f->expected);
                return set_error(e, off, "%s: found '%s', expected %s", f->name, quote(p, n).s, f->expected);
        }
        if (v < f->min || v > f->max) {
                if (f == &field_info[CRON_DOW] && v == 7)
                        return set_error(e, off, "%s: found '%s', expected %s (robfig/cron has no 7 for Sunday, use 0 or sun)",
                                         f->name, quote(p, n).s, f->expected);
                return set_error(e, off, "%s: found '%s', expected %s", f->name, quote(p, n).s, f->expected);
        }
        *ret = (unsigned) v;
        return 0;
}

/* One list element: '*', '?', 'a', 'a-b', each optionally followed by '/step'. */
static int parse_item(const FieldInfo *f, const char *p, size_t n, size_t off, uint64_t *bits, bool *star,
                      CronError *e) {
        const char *slash = memchr(p, '/', n), *hyphen;
        size_t range_len = slash ? (size_t) (slash - p) : n;
        unsigned start, end;
        uint64_t step = 1;
        bool is_star = false;
        int r;

        if (slash) {
                const char *second = memchr(slash + 1, '/', n - range_len - 1);
                if (second)
                        return set_error(e, off + (size_t) (second - p), "%s: found '%s', expected at most one '/' step",
                                         f->name, quote(p, n).s);
        }

        if (range_len >= 1 && (p[0] == '*' || p[0] == '?')) {
                if (range_len > 1)
                        return set_error(e, off, "%s: found '%s', expected '%c' alone or with a step ('%c/n')",
                                         f->name, quote(p, range_len).s, p[0], p[0]);
                start = f->min;
                end = f->max;
                is_star = true;
        } else {
                hyphen = memchr(p, '-', range_len);
                if (hyphen && memchr(hyphen + 1, '-', range_len - (size_t) (hyphen - p) - 1))
                        return set_error(e, off, "%s: found '%s', expected a single range 'a-b'",
                                         f->name, quote(p, range_len).s);
                if (!hyphen) {
                        r = parse_value(f, p, range_len, off, &start, e);
                        if (r < 0)
                                return r;
                        end = start;
                } else {
                        size_t low_len = (size_t) (hyphen - p);

                        r = parse_value(f, p, low_len, off, &start, e);
                        if (r < 0)
                                return r;
                        r = parse_value(f, hyphen + 1, range_len - low_len - 1, off + low_len + 1, &end, e);
                        if (r < 0)
                                return r;
                        if (start > end)
                                return set_error(e, off,
                                                 "%s: found range '%s' from %u down to %u, expected the start to be at most the end (ranges do not wrap)",
                                                 f->name, quote(p, range_len).s, start, end);
                }
        }

        if (slash) {
                size_t step_off = range_len + 1;

                if (!parse_number(slash + 1, n - step_off, &step) || step == 0)
                        return set_error(e, off + step_off, "%s: found step '%s', expected a positive number",
                                         f->name, quote(slash + 1, n - step_off).s);
                /* robfig: "N/step" means "N-max/step". */
                if (!is_star && !memchr(p, '-', range_len))
                        end = f->max;
                if (step > 1)
                        is_star = false;
        }

        for (uint64_t v = start; v <= end; v += step)
                *bits |= UINT64_C(1) << v;
        if (is_star)
                *star = true;
        return 0;
}

static int parse_field(CronField which, const char *p, size_t n, size_t off, CronSchedule *s, CronError *e) {
        const FieldInfo *f = &field_info[which];
        uint64_t bits = 0;
        bool star = false;
        size_t i = 0;
        int r;

        /* Like robfig (strings.FieldsFunc), empty elements of a list are skipped. */
        while (i < n) {
                const char *comma = memchr(p + i, ',', n - i);
                size_t len = comma ? (size_t) (comma - (p + i)) : n - i;

                if (len > 0) {
                        r = parse_item(f, p + i, len, off + i, &bits, &star, e);
                        if (r < 0)
                                return r;
                }
                i += len + 1;
        }
        if (bits == 0)
                return set_error(e, off, "%s: found '%s', expected %s", f->name, quote(p, n).s, f->expected);

        switch (which) {
        case CRON_SECOND:
                s->second = bits;
                break;
        case CRON_MINUTE:
                s->minute = bits;
                break;
        case CRON_HOUR:
                s->hour = bits;
                break;
        case CRON_DOM:
                s->dom = bits;
                s->dom_star = star;
                break;
        case CRON_MONTH:
                s->month = bits;
                break;
        case CRON_DOW:
                s->dow = bits;
                s->dow_star = star;
                break;
        default:
                assert(false); /* unreachable */
        }
        return 0;
}

/* ---- Go durations (time.ParseDuration) -------------------------------- */

static const struct {
        const char *name;
        uint64_t ns;
} duration_units[] = {
        { "ns", 1 },
        { "us", 1000 },
        { "\xc2\xb5s", 1000 },          /* U+00B5 micro sign */
        { "\xce\xbcs", 1000 },          /* U+03BC Greek mu */
        { "ms", 1000000 },
        { "s", 1000000000 },
        { "m", UINT64_C(60000000000) },
        { "h", UINT64_C(3600000000000) },
};

#define DURATION_EXPECTED "a Go duration such as '90s' or '1h30m' (units ns, us, ms, s, m, h)"

/* Parse p[0..n) as Go's time.ParseDuration does and return whole nanoseconds. */
static int parse_go_duration(const char *p, size_t n, size_t off, int64_t *ret_ns, CronError *e) {
        const uint64_t limit = UINT64_C(1) << 63;
        uint64_t total = 0;
        bool neg = false;
        size_t i = 0;

        if (n > 0 && (p[0] == '-' || p[0] == '+')) {
                neg = p[0] == '-';
                i++;
        }
        if (n - i == 1 && p[i] == '0') {
                *ret_ns = 0;
                return 0;
        }
        if (i == n)
                return set_error(e, off, "@every: found '%s', expected %s", quote(p, n).s, DURATION_EXPECTED);

        while (i < n) {
                uint64_t whole = 0, frac = 0, unit = 0;
                double scale = 1;
                bool digits = false, overflow = false;
                size_t unit_start, part_start = i;

                /* [0-9]* */
                for (; i < n && p[i] >= '0' && p[i] <= '9'; i++) {
                        digits = true;
                        if (whole > limit / 10)
                                return set_error(e, off + part_start, "@every: found '%s', the number is too large, expected %s",
                                                 quote(p, n).s, DURATION_EXPECTED);
                        whole = whole * 10 + (uint64_t) (p[i] - '0');
                        if (whole > limit)
                                return set_error(e, off + part_start, "@every: found '%s', the number is too large, expected %s",
                                                 quote(p, n).s, DURATION_EXPECTED);
                }
                /* (\.[0-9]*)? */
                if (i < n && p[i] == '.') {
                        for (i++; i < n && p[i] >= '0' && p[i] <= '9'; i++) {
                                uint64_t y;

                                digits = true;
                                if (overflow)
                                        continue;
                                if (frac > (limit - 1) / 10) {
                                        overflow = true;
                                        continue;
                                }
                                y = frac * 10 + (uint64_t) (p[i] - '0');
                                if (y > limit) {
                                        overflow = true;
                                        continue;
                                }
                                frac = y;
                                scale *= 10;
                        }
                }
                if (!digits)
                        return set_error(e, off + part_start, "@every: found '%s', expected %s",
                                         quote(p, n).s, DURATION_EXPECTED);

                unit_start = i;
                while (i < n && p[i] != '.' && !(p[i] >= '0' && p[i] <= '9'))
                        i++;
                if (i == unit_start)
                        return set_error(e, off + unit_start, "@every: found '%s' with no unit, expected %s",
                                         quote(p, n).s, DURATION_EXPECTED);
                for (size_t u = 0; u < ELEMENTSOF(duration_units); u++)
                        if (strlen(duration_units[u].name) == i - unit_start &&
                            memcmp(duration_units[u].name, p + unit_start, i - unit_start) == 0)
                                unit = duration_units[u].ns;
                if (unit == 0)
                        return set_error(e, off + unit_start, "@every: found unknown unit '%s', expected %s",
                                         quote(p + unit_start, i - unit_start).s, DURATION_EXPECTED);

                if (whole > limit / unit)
                        return set_error(e, off, "@every: found '%s', which is too long, expected %s",
                                         quote(p, n).s, DURATION_EXPECTED);
                whole *= unit;
                if (frac > 0) {
                        /* Go computes the fraction in float64 as well. */
                        whole += (uint64_t) ((double) frac * ((double) unit / scale));
                        if (whole > limit)
                                return set_error(e, off, "@every: found '%s', which is too long, expected %s",
                                                 quote(p, n).s, DURATION_EXPECTED);
                }
                total += whole;
                if (total > limit)
                        return set_error(e, off, "@every: found '%s', which is too long, expected %s",
                                         quote(p, n).s, DURATION_EXPECTED);
        }
        if (neg) {
                *ret_ns = total == limit ? INT64_MIN : -(int64_t) total;
                return 0;
        }
        if (total > (uint64_t) INT64_MAX)
                return set_error(e, off, "@every: found '%s', which is too long, expected %s", quote(p, n).s, DURATION_EXPECTED);
        *ret_ns = (int64_t) total;
        return 0;
}

/* ---- descriptors ------------------------------------------------------ */

#define DESCRIPTORS_EXPECTED "@yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly or '@every <duration>'"

static int parse_descriptor(const char *p, size_t n, size_t off, CronSchedule *s, CronError *e) {
        static const char *const names[] = {
                "@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly",
        };
        uint64_t all_dom = field_full(&field_info[CRON_DOM]), all_month = field_full(&field_info[CRON_MONTH]),
                 all_dow = field_full(&field_info[CRON_DOW]);
        size_t k;

        if (n >= 7 && memcmp(p, "@every ", 7) == 0) {
                int64_t ns = 0;
                int r;

                r = parse_go_duration(p + 7, n - 7, off + 7, &ns, e);
                if (r < 0)
                        return r;
                /* robfig's Every(): at least one second, sub-second part dropped. */
                s->every_sec = ns < 1000000000 ? 1 : (uint64_t) (ns / 1000000000);
                return 0;
        }
        if (n == 6 && memcmp(p, "@every", 6) == 0)
                return set_error(e, off + n, "found '@every' without a duration, expected '@every <duration>', e.g. '@every 1h30m'");
        if (n >= 7 && memcmp(p, "@reboot", 7) == 0)
                return set_error(e, off, "found '@reboot', which robfig/cron does not support, expected %s", DESCRIPTORS_EXPECTED);

        for (k = 0; k < ELEMENTSOF(names); k++) {
                size_t l = strlen(names[k]);

                if (n >= l && memcmp(p, names[k], l) == 0) {
                        if (n > l)
                                return set_error(e, off + l, "found '%s' after '%s', expected nothing",
                                                 quote(p + l, n - l).s, names[k]);
                        break;
                }
        }
        if (k >= ELEMENTSOF(names))
                return set_error(e, off, "found unknown descriptor '%s', expected %s", quote(p, n).s, DESCRIPTORS_EXPECTED);

        /* Every descriptor fires at second 0, minute 0; the rest as robfig's parseDescriptor(). */
        s->second = s->minute = UINT64_C(1);
        s->hour = UINT64_C(1);
        s->dom = all_dom;
        s->dom_star = true;
        s->month = all_month;
        s->dow = all_dow;
        s->dow_star = true;
        switch (k) {
        case 0: /* @yearly */
        case 1: /* @annually */
                s->dom = UINT64_C(1) << 1;
                s->dom_star = false;
                s->month = UINT64_C(1) << 1;
                break;
        case 2: /* @monthly */
                s->dom = UINT64_C(1) << 1;
                s->dom_star = false;
                break;
        case 3: /* @weekly: Sunday, unlike systemd's "weekly" */
                s->dow = UINT64_C(1) << 0;
                s->dow_star = false;
                break;
        case 4: /* @daily */
        case 5: /* @midnight */
                break;
        case 6: /* @hourly */
                s->hour = field_full(&field_info[CRON_HOUR]);
                break;
        default:
                assert(false); /* unreachable */
        }
        return 0;
}

/* ---- TZif ------------------------------------------------------------- */

/* [+-]hh[:mm[:ss]], hours up to 167 (RFC 8536 extension of POSIX). */
static bool posix_parse_hms(const char **pp, int32_t *ret) {
        const char *p = *pp;
        int sign = 1;
        int32_t part[3] = {};
        int k;

        if (*p == '+' || *p == '-')
                sign = *p++ == '-' ? -1 : 1;
        for (k = 0; k < 3; k++) {
                int digits = 0;

                if (k > 0) {
                        if (*p != ':')
                                break;
                        p++;
                }
                for (; *p >= '0' && *p <= '9' && digits < 3; p++, digits++)
                        part[k] = part[k] * 10 + (*p - '0');
                if (digits == 0)
                        return false;
        }
        if (part[0] > 167 || part[1] > 59 || part[2] > 59)
                return false;
        *ret = sign * (part[0] * 3600 + part[1] * 60 + part[2]);
        *pp = p;
        return true;
}

static bool posix_parse_name(const char **pp) {
        const char *p = *pp;

        if (*p == '<') {
                p = strchr(p, '>');
                if (!p)
                        return false;
                p++;
        } else {
                while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))
                        p++;
        }
        if (p == *pp)
                return false;
        *pp = p;
        return true;
}

static bool posix_parse_int(const char **pp, int lo, int hi, int *ret) {
        const char *p = *pp;
        int v = 0, digits = 0;

        for (; *p >= '0' && *p <= '9' && digits < 4; p++, digits++)
                v = v * 10 + (*p - '0');
        if (digits == 0 || v < lo || v > hi)
                return false;
        *ret = v;
        *pp = p;
        return true;
}

static bool posix_parse_date(const char **pp, RuleDate *d) {
        const char *p = *pp;

        *d = (RuleDate) { .time = 2 * 3600 };
        if (*p == 'J') {
                p++;
                d->kind = 'J';
                if (!posix_parse_int(&p, 1, 365, &d->n))
                        return false;
        } else if (*p == 'M') {
                p++;
                d->kind = 'M';
                if (!posix_parse_int(&p, 1, 12, &d->month) || *p++ != '.' ||
                    !posix_parse_int(&p, 1, 5, &d->week) || *p++ != '.' ||
                    !posix_parse_int(&p, 0, 6, &d->wday))
                        return false;
        } else {
                d->kind = 'N';
                if (!posix_parse_int(&p, 0, 365, &d->n))
                        return false;
        }
        if (*p == '/') {
                p++;
                if (!posix_parse_hms(&p, &d->time))
                        return false;
        }
        *pp = p;
        return true;
}

static bool posix_parse_rule(const char *p, PosixRule *rule) {
        int32_t v;

        *rule = (PosixRule) {};
        if (!posix_parse_name(&p) || !posix_parse_hms(&p, &v))
                return false;
        rule->std_off = -v;     /* POSIX counts west of UTC as positive */
        if (*p == 0)
                return true;
        if (!posix_parse_name(&p))
                return false;
        rule->has_dst = true;
        rule->dst_off = rule->std_off + 3600;
        if (*p != ',' && *p != 0) {
                if (!posix_parse_hms(&p, &v))
                        return false;
                rule->dst_off = -v;
        }
        if (*p == 0) {
                /* No rule given: the POSIX default (US rules since 2007). */
                rule->start = (RuleDate) { 'M', 0, 3, 2, 0, 2 * 3600 };
                rule->end = (RuleDate) { 'M', 0, 11, 1, 0, 2 * 3600 };
                return true;
        }
        if (*p++ != ',' || !posix_parse_date(&p, &rule->start) || *p++ != ',' || !posix_parse_date(&p, &rule->end))
                return false;
        return *p == 0;
}

static int64_t rule_date_days(int64_t y, const RuleDate *d) {
        int64_t jan1 = days_from_civil(y, 1, 1), first, day;

        switch (d->kind) {
        case 'J':
                return jan1 + d->n - 1 + (is_leap(y) && d->n >= 60);
        case 'N':
                return jan1 + d->n;
        default:
                first = days_from_civil(y, (unsigned) d->month, 1);
                day = first + (d->wday - (int) weekday_from_days(first) + 7) % 7 + (int64_t) (d->week - 1) * 7;
                while (day >= first + days_in_month(y, (unsigned) d->month))
                        day -= 7;
                return day;
        }
}

/* Offset at t under the footer rule, and the next change after t. */
static void rule_lookup(const PosixRule *rule, int64_t t, int32_t *ret_off, int64_t *ret_next) {
        struct {
                int64_t at;
                int32_t off;
        } tr[10], tmp;
        int64_t y;
        unsigned m, d;
        size_t n = 0;

        if (!rule->has_dst) {
                *ret_off = rule->std_off;
                *ret_next = INT64_MAX;
                return;
        }
        civil_from_days(floor_div(t + rule->std_off, SEC_PER_DAY), &y, &m, &d);
        /* Transition times may be up to 167 hours off midnight, so look two years each side. */
        for (int64_t yy = y - 2; yy <= y + 2; yy++) {
                tr[n].at = rule_date_days(yy, &rule->start) * SEC_PER_DAY + rule->start.time - rule->std_off;
                tr[n++].off = rule->dst_off;
                tr[n].at = rule_date_days(yy, &rule->end) * SEC_PER_DAY + rule->end.time - rule->dst_off;
                tr[n++].off = rule->std_off;
        }
        for (size_t i = 1; i < n; i++)
                for (size_t j = i; j > 0 && tr[j - 1].at > tr[j].at; j--) {
                        tmp = tr[j];
                        tr[j] = tr[j - 1];
                        tr[j - 1] = tmp;
                }
        *ret_off = rule->std_off;
        *ret_next = INT64_MAX;
        for (size_t i = 0; i < n; i++) {
                if (tr[i].at <= t)
                        *ret_off = tr[i].off;
                else {
                        *ret_next = tr[i].at;
                        break;
                }
        }
}

/* Offset in force at t, and the instant of the next change (INT64_MAX if none). */
static void zone_lookup(const CronZone *z, int64_t t, int32_t *ret_off, int64_t *ret_next) {
        size_t lo = 0, hi = z->n;

        if (z->n == 0 || t < z->times[0]) {
                if (z->n > 0) {
                        *ret_off = z->initial_offset;
                        *ret_next = z->times[0];
                } else if (z->has_rule)
                        rule_lookup(&z->rule, t, ret_off, ret_next);
                else {
                        *ret_off = z->initial_offset;
                        *ret_next = INT64_MAX;
                }
                return;
        }
        /* The last i with times[i] <= t. */
        while (hi - lo > 1) {
                size_t mid = lo + (hi - lo) / 2;
                if (z->times[mid] <= t)
                        lo = mid;
                else
                        hi = mid;
        }
        if (lo + 1 < z->n) {
                *ret_off = z->offsets[lo];
                *ret_next = z->times[lo + 1];
        } else if (z->has_rule)
                rule_lookup(&z->rule, t, ret_off, ret_next);
        else {
                *ret_off = z->offsets[lo];
                *ret_next = INT64_MAX;
        }
}

static uint32_t be32(const uint8_t *p) {
        return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}

static uint64_t be64(const uint8_t *p) {
        return (uint64_t) be32(p) << 32 | be32(p + 4);
}

/* Parse a TZif file (RFC 8536), versions 1 to 4. Leap-second records are ignored. */
static int zone_parse(const uint8_t *buf, size_t size, CronZone **ret) {
        _cleanup_(cron_zone_freep) CronZone *z = NULL;
        uint32_t cnt[6], isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
        size_t pos = 0, tsize = 4, need;
        const uint8_t *times, *idx, *types;

        for (int pass = 0;; pass++) {
                if (size - pos < 44 || memcmp(buf + pos, "TZif", 4) != 0)
                        return -EBADMSG;
                for (int i = 0; i < 6; i++)
                        cnt[i] = be32(buf + pos + 20 + 4 * i);
                isutcnt = cnt[0], isstdcnt = cnt[1], leapcnt = cnt[2], timecnt = cnt[3], typecnt = cnt[4], charcnt = cnt[5];
                if (typecnt == 0 || typecnt > 256 || timecnt > 100000 || leapcnt > 100000 || charcnt > 100000 ||
                    isutcnt > typecnt || isstdcnt > typecnt)
                        return -EBADMSG;
                pos += 44;
                need = (size_t) timecnt * (tsize + 1) + (size_t) typecnt * 6 + charcnt +
                       (size_t) leapcnt * (tsize + 4) + isstdcnt + isutcnt;
                if (size - pos < need)
                        return -EBADMSG;
                /* Version 2 and later repeat the data with 64-bit times; use that. */
                if (pass == 0 && buf[4] >= '2') {
                        pos += need;
                        tsize = 8;
                        continue;
                }
                break;
        }

        times = buf + pos;
        idx = times + (size_t) timecnt * tsize;
        types = idx + timecnt;

        z = calloc(1, sizeof *z);
        if (!z)
                return -ENOMEM;
        if (timecnt > 0) {
                z->times = calloc(timecnt, sizeof *z->times);
                z->offsets = calloc(timecnt, sizeof *z->offsets);
                if (!z->times || !z->offsets)
                        return -ENOMEM;
        }
        for (uint32_t i = 0; i < timecnt; i++) {
                int64_t at = tsize == 8 ? (int64_t) be64(times + 8 * i) : (int64_t) (int32_t) be32(times + 4 * i);
                if (idx[i] >= typecnt || (i > 0 && at <= z->times[i - 1]))
                        return -EBADMSG;
                z->times[i] = at;
                z->offsets[i] = (int32_t) be32(types + 6 * idx[i]);
        }
        z->n = timecnt;
        z->initial_offset = (int32_t) be32(types);
        for (uint32_t i = 0; i < typecnt; i++) {
                int32_t off = (int32_t) be32(types + 6 * i);
                if (off < -25 * 3600 || off > 26 * 3600)
                        return -EBADMSG;
        }

        if (tsize == 8) {
                const uint8_t *footer = buf + pos + need, *nl;
                size_t left = size - pos - need;
                char rule[256];

                if (left < 2 || footer[0] != '\n')
                        return -EBADMSG;
                nl = memchr(footer + 1, '\n', left - 1);
                if (!nl || (size_t) (nl - footer - 1) >= sizeof rule)
                        return -EBADMSG;
                memcpy(rule, footer + 1, (size_t) (nl - footer - 1));
                rule[nl - footer - 1] = 0;
                if (rule[0]) {
                        if (!posix_parse_rule(rule, &z->rule))
                                return -EBADMSG;
                        z->has_rule = true;
                }
        }

        *ret = TAKE_PTR(z);
        return 0;
}

/* The characters systemd accepts in a time zone name, so our OnCalendar= line is accepted too. */
static bool zone_name_valid(const char *p, size_t n) {
        if (n == 0 || n > ZONE_NAME_MAX || p[0] == '/' || p[n - 1] == '/')
                return false;
        for (size_t i = 0; i < n; i++) {
                char c = p[i];
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '_' || c == '-' || c == '+' || c == '/'))
                        return false;   /* no '.', so no ".." either: the name cannot leave ZONEINFO_DIR */
                if (c == '/' && i + 1 < n && p[i + 1] == '/')
                        return false;
        }
        return true;
}

static int zone_load(const char *name, CronZone **ret) {
        _cleanup_free_ char *path = NULL;
        _cleanup_free_ uint8_t *buf = NULL;
        _cleanup_close_ int fd = -1;
        struct stat st;
        size_t size = 0;

        if (asprintf(&path, "%s/%s", ZONEINFO_DIR, name) < 0)
                return -ENOMEM;
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EISDIR;
        if (st.st_size > ZONE_FILE_MAX)
                return -EFBIG;
        buf = malloc((size_t) st.st_size + 1);
        if (!buf)
                return -ENOMEM;
        while (size < (size_t) st.st_size) {
                ssize_t k = read(fd, buf + size, (size_t) st.st_size - size);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        break;
                size += (size_t) k;
        }
        return zone_parse(buf, size, ret);
}

/* ---- parse ------------------------------------------------------------ */

/* Every spec can fire unless the day-of-month is restricted, the weekday is a
 * star (so the two are ANDed) and no listed day exists in any listed month. */
static bool can_fire(const CronSchedule *s) {
        if (!s->dom_star && !s->dow_star)
                return true;
        if (!s->dow_star)
                return true;    /* dom is a star: every day of every month, weekdays restrict */
        for (unsigned m = 1; m <= 12; m++)
                if (s->month & (UINT64_C(1) << m))
                        for (unsigned d = 1; d <= days_in_month(2000, m); d++)    /* 2000: a leap year */
                                if (s->dom & (UINT64_C(1) << d))
                                        return true;
        return false;
}

/**
 * cron_parse() - parse a robfig/cron v3 spec
 * @spec: the spec as written, e.g. "30 6 * * 3", "CRON_TZ=Europe/Berlin 0 9 * * MON-FRI", "@every 1h30m"
 * @with_seconds: expect 6 fields with seconds first (Herald's "with_seconds: true"); descriptors work either way
 * @ret: the schedule, free with cron_schedule_free()
 * @error: optional; on -EINVAL, the message (naming the field, what was found and
 *         what was expected) and the byte offset in @spec where the problem starts
 *
 * Return: 0, -EINVAL for a spec robfig/cron rejects or one that can never fire,
 * -ENOMEM.
 */
int cron_parse(const char *spec, bool with_seconds, CronSchedule **ret, CronError *error) {
        _cleanup_cron_schedule_ CronSchedule *s = NULL;
        static const CronField order[] = { CRON_SECOND, CRON_MINUTE, CRON_HOUR, CRON_DOM, CRON_MONTH, CRON_DOW };
        const char *expected = with_seconds ? "6 fields (second minute hour day-of-month month day-of-week)"
                                            : "5 fields (minute hour day-of-month month day-of-week)";
        size_t len, begin = 0, end, field_start[7], field_end[7], n_fields = 0, want = with_seconds ? 6 : 5;
        const char *p;
        int r;

        assert(spec);
        assert(ret);

        len = strlen(spec);
        if (len > CRON_SPEC_MAX)
                return set_error(error, CRON_SPEC_MAX, "found a cron spec of %zu bytes, expected at most %d", len, CRON_SPEC_MAX);
        end = len;

        s = calloc(1, sizeof *s);
        if (!s)
                return -ENOMEM;

        p = startswith(spec, "CRON_TZ=") ?: startswith(spec, "TZ=");
        if (p) {
                size_t zone_off = (size_t) (p - spec);
                const char *space = strchr(p, ' ');
                size_t zone_len = space ? (size_t) (space - p) : strlen(p);

                if (zone_len == 0)
                        return set_error(error, zone_off, "time zone: found nothing, expected a zone name such as 'Europe/Berlin'");
                if (!zone_name_valid(p, zone_len))
                        return set_error(error, zone_off,
                                         "time zone: found '%s', expected a zone name such as 'Europe/Berlin' (letters, digits, '_', '-', '+' and '/')",
                                         quote(p, zone_len).s);
                if (!space)
                        return set_error(error, len, "found the time zone '%s' and no schedule after it, expected '%.*s<zone> <schedule>'",
                                         quote(p, zone_len).s, (int) zone_off, spec);
                s->timezone = memdup_nul(p, zone_len);
                if (!s->timezone)
                        return -ENOMEM;
                r = zone_load(s->timezone, &s->zone);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        return set_error(error, zone_off, "time zone: found '%s', expected a zone that exists in " ZONEINFO_DIR,
                                         quote(p, zone_len).s);
                /* robfig trims the rest on both sides (strings.TrimSpace). */
                begin = (size_t) (space - spec);
                while (begin < end && is_space(spec[begin]))
                        begin++;
                while (end > begin && is_space(spec[end - 1]))
                        end--;
        }

        if (begin < end && spec[begin] == '@') {
                r = parse_descriptor(spec + begin, end - begin, begin, s, error);
                if (r < 0)
                        return r;
                *ret = TAKE_PTR(s);
                return 0;
        }

        for (size_t i = begin; i < end;) {
                while (i < end && is_space(spec[i]))
                        i++;
                if (i >= end)
                        break;
                if (n_fields < ELEMENTSOF(field_start))
                        field_start[n_fields] = i;
                while (i < end && !is_space(spec[i]))
                        i++;
                if (n_fields < ELEMENTSOF(field_end))
                        field_end[n_fields] = i;
                n_fields++;
        }

        if (n_fields == 0)
                return set_error(error, begin, "found an empty cron spec, expected %s or a descriptor such as '@daily'", expected);
        if (with_seconds && n_fields == 5)
                return set_error(error, field_start[0], "found 5 fields, expected %s: with_seconds needs a seconds field first",
                                 expected);
        if (n_fields < want) {
                const FieldInfo *missing = &field_info[order[with_seconds ? n_fields : n_fields + 1]];

                if (want - n_fields == 1)
                        return set_error(error, end, "found %zu fields, expected %s: the %s field is missing",
                                         n_fields, expected, missing->name);
                return set_error(error, end, "found %zu field%s, expected %s: the fields from %s to day-of-week are missing",
                                 n_fields, n_fields == 1 ? "" : "s", expected, missing->name);
        }
        if (n_fields > want)
                return set_error(error, field_start[want], "found %zu fields, expected %s%s", n_fields, expected,
                                 !with_seconds && n_fields == 6 ? " (6 fields with seconds first need 'with_seconds: true')"
                                                                : " (robfig/cron has no year field)");

        if (!with_seconds)
                s->second = UINT64_C(1);
        for (size_t i = 0; i < want; i++) {
                CronField which = order[with_seconds ? i : i + 1];

                r = parse_field(which, spec + field_start[i], field_end[i] - field_start[i], field_start[i], s, error);
                if (r < 0)
                        return r;
        }

        if (!can_fire(s)) {
                size_t dom_i = with_seconds ? 3 : 2, month_i = dom_i + 1;
                return set_error(error, field_start[dom_i],
                                 "day-of-month: found '%s' in month '%s', which never happens, expected a day that exists in one of the months",
                                 quote(spec + field_start[dom_i], field_end[dom_i] - field_start[dom_i]).s,
                                 quote(spec + field_start[month_i], field_end[month_i] - field_start[month_i]).s);
        }

        *ret = TAKE_PTR(s);
        return 0;
}

/**
 * cron_schedule_free() - free a schedule
 * @s: the schedule, or NULL
 *
 * Return: NULL
 */
CronSchedule *cron_schedule_free(CronSchedule *s) {
        if (!s)
                return NULL;
        free(s->timezone);
        cron_zone_free(s->zone);
        free(s);
        return NULL;
}

/* ---- OnCalendar= ------------------------------------------------------ */

typedef struct Buf {
        char s[1024];
        size_t n;
} Buf;

static void buf_add(Buf *b, const char *fmt, ...) _printf_(2, 3);
static void buf_add(Buf *b, const char *fmt, ...) {
        va_list ap;
        int k;

        va_start(ap, fmt);
        k = vsnprintf(b->s + b->n, sizeof b->s - b->n, fmt, ap);
        va_end(ap);
        /* The longest output (every field a 30-element list plus a zone) fits easily. */
        assert(k >= 0 && (size_t) k < sizeof b->s - b->n);
        b->n += (size_t) k;
}

/* Print a value set as systemd reads it: '*', 'a..b/n' (an arithmetic
 * progression), or a list of values and 'a..b' runs. */
static void format_set(Buf *b, uint64_t bits, unsigned min, unsigned max) {
        unsigned v[64], n = 0;

        if (bits == ((max >= 63 ? ~UINT64_C(0) : (UINT64_C(1) << (max + 1)) - 1) & (~UINT64_C(0) << min))) {
                buf_add(b, "*");
                return;
        }
        for (unsigned i = min; i <= max; i++)
                if (bits & (UINT64_C(1) << i))
                        v[n++] = i;
        assert(n > 0);

        if (n >= 3) {
                unsigned step = v[1] - v[0];
                bool progression = step >= 2;

                for (unsigned i = 2; progression && i < n; i++)
                        progression = v[i] - v[i - 1] == step;
                /* Always with an explicit end: systemd 252 mishandles an open 'a/n'
                 * whose next value overshoots the field (e.g. '*:00/7' at 23:56
                 * yields 00:07 of the next day, skipping 00:00). */
                if (progression) {
                        buf_add(b, "%02u..%02u/%u", v[0], v[n - 1], step);
                        return;
                }
        }

        for (unsigned i = 0; i < n;) {
                unsigned j = i;

                while (j + 1 < n && v[j + 1] == v[j] + 1)
                        j++;
                if (i > 0)
                        buf_add(b, ",");
                if (j - i >= 2) {
                        buf_add(b, "%02u..%02u", v[i], v[j]);
                        i = j + 1;
                } else {
                        buf_add(b, "%02u", v[i]);
                        i++;
                }
        }
}

/* Weekdays in systemd's week order, Monday first, so ranges never wrap. */
static void format_weekdays(Buf *b, uint64_t dow) {
        static const char *const names[7] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
        bool in[7];
        unsigned i = 0;
        bool first = true;

        for (unsigned k = 0; k < 7; k++)
                in[k] = dow & (UINT64_C(1) << ((k + 1) % 7));   /* k=0 Monday (1) .. k=6 Sunday (0) */
        while (i < 7) {
                unsigned j;

                if (!in[i]) {
                        i++;
                        continue;
                }
                for (j = i; j + 1 < 7 && in[j + 1]; j++)
                        ;
                if (!first)
                        buf_add(b, ",");
                first = false;
                if (j - i >= 2) {
                        buf_add(b, "%s..%s", names[i], names[j]);
                        i = j + 1;
                } else {
                        buf_add(b, "%s", names[i]);
                        i++;
                }
        }
}

static char *format_calendar(const CronSchedule *s, bool weekdays, bool days) {
        Buf b = {};

        if (weekdays) {
                format_weekdays(&b, s->dow);
                buf_add(&b, " ");
        }
        buf_add(&b, "*-");
        format_set(&b, s->month, 1, 12);
        buf_add(&b, "-");
        if (days)
                format_set(&b, s->dom, 1, 31);
        else
                buf_add(&b, "*");
        buf_add(&b, " ");
        format_set(&b, s->hour, 0, 23);
        buf_add(&b, ":");
        format_set(&b, s->minute, 0, 59);
        buf_add(&b, ":");
        format_set(&b, s->second, 0, 59);
        if (s->timezone)
                buf_add(&b, " %s", s->timezone);
        return strdup(b.s);
}

/**
 * cron_to_oncalendar() - translate a calendar schedule to systemd 252 OnCalendar= expressions
 * @s: a schedule from cron_parse(), not '@every'
 * @ret_specs: a NULL-terminated list of one or two expressions, free with strv_free().
 *             A timer with one OnCalendar= line per expression fires exactly when
 *             robfig would. Two are needed only when both day fields are restricted
 *             (robfig ORs them; systemd ANDs a weekday with a date): the first has
 *             the days of the month, the second the weekdays. If one of the two
 *             restricted fields still lists every value, the union is every day and
 *             one expression is returned.
 *
 * Return: 0, -EINVAL for '@every' (use s->every_sec with OnActiveSec= and
 * OnUnitActiveSec=), -ENOMEM.
 */
int cron_to_oncalendar(const CronSchedule *s, char ***ret_specs) {
        _cleanup_strv_free_ char **l = NULL;
        bool dom_full, dow_full;

        assert(s);
        assert(ret_specs);

        if (s->every_sec > 0)
                return -EINVAL;

        dom_full = s->dom == field_full(&field_info[CRON_DOM]);
        dow_full = s->dow == field_full(&field_info[CRON_DOW]);

        l = calloc(3, sizeof *l);
        if (!l)
                return -ENOMEM;

        if (!s->dom_star && !s->dow_star) {
                /* OR of the two day fields. */
                if (dom_full || dow_full)
                        l[0] = format_calendar(s, false, false);
                else {
                        l[0] = format_calendar(s, false, true);
                        if (!l[0])
                                return -ENOMEM;
                        l[1] = format_calendar(s, true, false);
                        if (!l[1])
                                return -ENOMEM;
                }
        } else
                l[0] = format_calendar(s, !dow_full, true);
        if (!l[0])
                return -ENOMEM;

        *ret_specs = TAKE_PTR(l);
        return 0;
}

/* ---- evaluator -------------------------------------------------------- */

/* The lowest set bit >= from and <= max, or -1. */
static int next_bit(uint64_t bits, unsigned from, unsigned max) {
        uint64_t m;

        if (from > max)
                return -1;
        m = bits & (~UINT64_C(0) << from);
        if (max < 63)
                m &= (UINT64_C(1) << (max + 1)) - 1;
        return m ? __builtin_ctzll(m) : -1;
}

/* robfig's dayMatches(): AND if either field has the star bit, else OR. */
static bool day_matches(const CronSchedule *s, unsigned d, unsigned wday) {
        bool dom_match = s->dom & (UINT64_C(1) << d), dow_match = s->dow & (UINT64_C(1) << wday);

        if (s->dom_star || s->dow_star)
                return dom_match && dow_match;
        return dom_match || dow_match;
}

/* The first second of the day >= from (0..86399) whose hour, minute and second match, or -1. */
static int64_t first_time_of_day(const CronSchedule *s, int64_t from) {
        unsigned h0 = (unsigned) (from / 3600), m0 = (unsigned) (from / 60 % 60), s0 = (unsigned) (from % 60);

        for (int h = next_bit(s->hour, h0, 23); h >= 0; h = next_bit(s->hour, (unsigned) h + 1, 23)) {
                unsigned m_from = (unsigned) h == h0 ? m0 : 0;

                for (int m = next_bit(s->minute, m_from, 59); m >= 0; m = next_bit(s->minute, (unsigned) m + 1, 59)) {
                        unsigned s_from = (unsigned) h == h0 && (unsigned) m == m0 ? s0 : 0;
                        int sec = next_bit(s->second, s_from, 59);

                        if (sec >= 0)
                                return (int64_t) h * 3600 + m * 60 + sec;
                }
        }
        return -1;
}

/* The first wall-clock second x with from <= x < until that matches, on a
 * timeline of local seconds (days of 86400 s). */
static bool search_wall_clock(const CronSchedule *s, int64_t from, int64_t until, int64_t *ret) {
        int64_t day = floor_div(from, SEC_PER_DAY), tod = from - day * SEC_PER_DAY;
        int64_t last_day = floor_div(until - 1, SEC_PER_DAY);

        while (day <= last_day) {
                int64_t y, t;
                unsigned m, d;

                civil_from_days(day, &y, &m, &d);
                if (!(s->month & (UINT64_C(1) << m))) {
                        /* Skip to the first day of the next month. */
                        day += days_in_month(y, m) - d + 1;
                        tod = 0;
                        continue;
                }
                if (day_matches(s, d, weekday_from_days(day))) {
                        t = first_time_of_day(s, tod);
                        if (t >= 0) {
                                t += day * SEC_PER_DAY;
                                if (t >= until)
                                        return false;
                                *ret = t;
                                return true;
                        }
                }
                day++;
                tod = 0;
        }
        return false;
}

/**
 * cron_next() - the next time a schedule fires, as robfig/cron computes it
 * @s: a schedule from cron_parse()
 * @after_usec: a point in time (µs since the epoch, UTC)
 * @ret_usec: the first whole second strictly after @after_usec at which @s fires
 *
 * Fields are matched in UTC, or in the schedule's time zone if it has one
 * (every instant whose local time matches: a repeated hour fires twice, a
 * skipped hour not at all). '@every D' returns @after_usec rounded down to the
 * second, plus D, like robfig's ConstantDelaySchedule. This is an independent
 * reference for tests; it does not use the OnCalendar= translation.
 *
 * Return: 0, -ENOENT if it does not fire within 30 years, -ENOMEM or a
 * negative errno if the zone cannot be loaded.
 */
int cron_next(const CronSchedule *s, int64_t after_usec, int64_t *ret_usec) {
        _cleanup_(cron_zone_freep) CronZone *loaded = NULL;
        const CronZone *z;
        int64_t t, limit, x;
        int r;

        assert(s);
        assert(ret_usec);

        t = floor_div(after_usec, USEC_PER_SEC);
        if (s->every_sec > 0) {
                if (s->every_sec > (uint64_t) (INT64_MAX / USEC_PER_SEC) ||
                    t > INT64_MAX / USEC_PER_SEC - (int64_t) s->every_sec)
                        return -ENOENT;
                *ret_usec = (t + (int64_t) s->every_sec) * USEC_PER_SEC;
                return 0;
        }

        t += 1;
        limit = INT64_MAX / USEC_PER_SEC - SEARCH_HORIZON_SEC;
        if (t > limit)
                return -ENOENT;
        limit = t + SEARCH_HORIZON_SEC;

        z = s->zone;
        if (!z && s->timezone) {
                r = zone_load(s->timezone, &loaded);
                if (r < 0)
                        return r;
                z = loaded;
        }

        if (!z) {
                if (!search_wall_clock(s, t, limit, &x))
                        return -ENOENT;
                *ret_usec = x * USEC_PER_SEC;
                return 0;
        }

        /* Walk the stretches of constant UTC offset in order. Within one, local
         * time is UTC shifted by a constant, so its first match is the earliest. */
        while (t < limit) {
                int32_t off;
                int64_t next, until;

                zone_lookup(z, t, &off, &next);
                until = next < limit ? next : limit;
                if (search_wall_clock(s, t + off, until + off, &x)) {
                        *ret_usec = (x - off) * USEC_PER_SEC;
                        return 0;
                }
                t = until;
        }
        return -ENOENT;
}
