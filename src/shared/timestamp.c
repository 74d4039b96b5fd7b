/* SPDX-License-Identifier: MIT */
/* timestamp.c: parsing time arguments (taskctl's --since/--until) and formatting times
 *
 * The accepted forms follow journalctl's, minus the ones nobody types: an
 * absolute local date "YYYY-MM-DD [HH:MM[:SS[.frac]]]" (a 'T' may stand for the
 * space, " UTC" or "Z" may follow), a time of today "HH:MM[:SS]", "@EPOCH[.frac]",
 * the words now/today/yesterday/tomorrow, and spans relative to now: "-1h",
 * "+30min", "-1h30min", "2d ago". Every function takes "now" from its caller,
 * so the unit tests pin it and set TZ. */
#include <ctype.h>
#include <time.h>

#include "json-util.h"
#include "macro.h"
#include "timestamp.h"

static usec_t timespec_to_usec(const struct timespec *ts) {
        return (usec_t) ts->tv_sec * USEC_PER_SEC + (usec_t) ts->tv_nsec / 1000;
}

usec_t now_realtime(void) {
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return timespec_to_usec(&ts);
}

usec_t now_monotonic(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return timespec_to_usec(&ts);
}

/* Reads between min and max decimal digits; *p is advanced past them. */
static int read_digits(const char **p, unsigned min, unsigned max, unsigned *ret) {
        unsigned v = 0, n = 0;

        while (n < max && isdigit((unsigned char) (*p)[n])) {
                v = v * 10 + (unsigned) ((*p)[n] - '0');
                n++;
        }
        if (n < min)
                return -EINVAL;
        *p += n;
        *ret = v;
        return 0;
}

/* ".123" -> 123000 us; at most 6 digits count, more are accepted and dropped. */
static int read_fraction(const char **p, usec_t *ret) {
        usec_t v = 0, scale = 100000;
        const char *q = *p;

        if (*q != '.') {
                *ret = 0;
                return 0;
        }
        q++;
        if (!isdigit((unsigned char) *q))
                return -EINVAL;
        for (; isdigit((unsigned char) *q); q++) {
                v += (usec_t) (*q - '0') * scale;
                scale /= 10;
        }
        *p = q;
        *ret = v;
        return 0;
}

static const struct {
        const char *name;
        usec_t usec;
} span_units[] = {
        { "us", 1 }, { "usec", 1 },
        { "ms", USEC_PER_MSEC }, { "msec", USEC_PER_MSEC },
        { "s", USEC_PER_SEC }, { "sec", USEC_PER_SEC }, { "secs", USEC_PER_SEC },
        { "second", USEC_PER_SEC }, { "seconds", USEC_PER_SEC },
        { "m", USEC_PER_MINUTE }, { "min", USEC_PER_MINUTE }, { "mins", USEC_PER_MINUTE },
        { "minute", USEC_PER_MINUTE }, { "minutes", USEC_PER_MINUTE },
        { "h", USEC_PER_HOUR }, { "hr", USEC_PER_HOUR }, { "hrs", USEC_PER_HOUR },
        { "hour", USEC_PER_HOUR }, { "hours", USEC_PER_HOUR },
        { "d", USEC_PER_DAY }, { "day", USEC_PER_DAY }, { "days", USEC_PER_DAY },
        { "w", USEC_PER_WEEK }, { "week", USEC_PER_WEEK }, { "weeks", USEC_PER_WEEK },
};

/* "1h30min", "2 days", "90": a sum of <integer><unit>; a bare last number is seconds. */
static int parse_span(const char *s, size_t len, usec_t *ret) {
        const char *p = s, *end = s + len;
        usec_t total = 0;
        bool any = false;

        while (p < end) {
                unsigned long long n = 0;
                usec_t unit = 0;
                const char *w;
                size_t wl;

                while (p < end && *p == ' ')
                        p++;
                if (p >= end)
                        break;
                if (!isdigit((unsigned char) *p))
                        return -EINVAL;
                for (; p < end && isdigit((unsigned char) *p); p++) {
                        if (n > (UINT64_MAX - 9) / 10)
                                return -ERANGE;
                        n = n * 10 + (unsigned long long) (*p - '0');
                }
                while (p < end && *p == ' ')
                        p++;
                for (w = p; p < end && isalpha((unsigned char) *p); p++)
                        ;
                wl = (size_t) (p - w);
                if (wl == 0) {
                        /* A number without a unit: seconds, and only as the last part. */
                        while (p < end && *p == ' ')
                                p++;
                        if (p < end)
                                return -EINVAL;
                        unit = USEC_PER_SEC;
                } else
                        for (size_t i = 0; i < ELEMENTSOF(span_units); i++)
                                if (strlen(span_units[i].name) == wl && strncmp(span_units[i].name, w, wl) == 0) {
                                        unit = span_units[i].usec;
                                        break;
                                }
                if (unit == 0)
                        return -EINVAL;
                if (n > (UINT64_MAX - total) / unit)
                        return -ERANGE;
                total += n * unit;
                any = true;
        }
        if (!any)
                return -EINVAL;
        *ret = total;
        return 0;
}

/* Seconds since the epoch (and a fraction) as µs: -ERANGE past the last µs before
 * USEC_INFINITY, as for "+SPAN", rather than wrapping around to a time in 1970. Only a
 * "now" far in the future (or "@EPOCH") gets there, but the caller decides what now is. */
static int sec_to_usec(time_t sec, usec_t frac, usec_t *ret) {
        if (sec < 0 || (usec_t) sec > (USEC_INFINITY - 1 - frac) / USEC_PER_SEC)
                return -ERANGE;
        *ret = (usec_t) sec * USEC_PER_SEC + frac;
        return 0;
}

/* Local midnight of the day "now" falls on, moved by days. */
static int local_midnight(usec_t now, int days, usec_t *ret) {
        time_t sec = (time_t) (now / USEC_PER_SEC), t;
        struct tm tm;

        if (!localtime_r(&sec, &tm))
                return -EINVAL;
        tm.tm_sec = tm.tm_min = tm.tm_hour = 0;
        tm.tm_mday += days;
        tm.tm_isdst = -1;
        t = mktime(&tm);
        if (t == (time_t) -1)
                return -ERANGE;
        return sec_to_usec(t, 0, ret);
}

static int parse_absolute(const char *s, usec_t now, usec_t *ret) {
        unsigned year = 0, mon = 0, day = 0, hour = 0, min = 0, sec = 0;
        const char *p = s;
        bool have_date = false, utc = false;
        int wday = -1;
        usec_t frac = 0;
        struct tm tm = {};
        time_t t;
        int r;

        /* A weekday first, as timestamp_format() and systemctl print it ("Sat ..."); it
         * must be the date's (checked below). */
        for (int i = 0; i < 7; i++) {
                static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };

                if (strncmp(p, days[i], 3) == 0 && p[3] == ' ') {
                        wday = i;
                        p += 4;
                        while (*p == ' ')
                                p++;
                        break;
                }
        }

        /* Either "YYYY-MM-DD[ HH:MM[:SS]]" or "HH:MM[:SS]" (today). */
        if (isdigit((unsigned char) p[0]) && isdigit((unsigned char) p[1]) && isdigit((unsigned char) p[2]) &&
            isdigit((unsigned char) p[3]) && p[4] == '-') {
                if (read_digits(&p, 4, 4, &year) < 0 || *p++ != '-' || read_digits(&p, 1, 2, &mon) < 0 ||
                    *p++ != '-' || read_digits(&p, 1, 2, &day) < 0)
                        return -EINVAL;
                have_date = true;
                if (*p == ' ' || *p == 'T') {
                        const char *q = p + 1;
                        while (*q == ' ')
                                q++;
                        if (isdigit((unsigned char) *q))
                                p = q;
                }
        }
        if (isdigit((unsigned char) *p)) {
                if (read_digits(&p, 1, 2, &hour) < 0 || *p++ != ':' || read_digits(&p, 2, 2, &min) < 0)
                        return -EINVAL;
                if (*p == ':') {
                        p++;
                        if (read_digits(&p, 2, 2, &sec) < 0)
                                return -EINVAL;
                        r = read_fraction(&p, &frac);
                        if (r < 0)
                                return r;
                }
        } else if (!have_date)
                return -EINVAL;

        while (*p == ' ')
                p++;
        if (streq(p, "Z") || streq(p, "UTC")) {
                utc = true;
                p += strlen(p);
        } else if (*p) {
                /* this machine's own zone, as timestamp_format() prints it */
                tzset();
                if ((tzname[0] && streq(p, tzname[0])) || (tzname[1] && streq(p, tzname[1])))
                        p += strlen(p);
        }
        if (*p)
                return -EINVAL;
        if (hour > 23 || min > 59 || sec > 60 || (have_date && (mon < 1 || mon > 12 || day < 1 || day > 31)))
                return -EINVAL;

        if (!have_date) {
                time_t nsec = (time_t) (now / USEC_PER_SEC);
                struct tm today;

                if (!(utc ? gmtime_r(&nsec, &today) : localtime_r(&nsec, &today)))
                        return -EINVAL;
                year = (unsigned) today.tm_year + 1900;
                mon = (unsigned) today.tm_mon + 1;
                day = (unsigned) today.tm_mday;
        }

        tm.tm_year = (int) year - 1900;
        tm.tm_mon = (int) mon - 1;
        tm.tm_mday = (int) day;
        tm.tm_hour = (int) hour;
        tm.tm_min = (int) min;
        tm.tm_sec = (int) sec;
        tm.tm_isdst = -1;
        t = utc ? timegm(&tm) : mktime(&tm);
        if (t == (time_t) -1 || t < 0)
                return -ERANGE;
        /* mktime() normalizes 2024-02-31 to March 2nd: refuse dates that do not exist. */
        if (tm.tm_year != (int) year - 1900 || tm.tm_mon != (int) mon - 1 || tm.tm_mday != (int) day)
                return -EINVAL;
        if (wday >= 0 && tm.tm_wday != wday)
                return -EINVAL;

        return sec_to_usec(t, frac, ret);
}

/**
 * timestamp_parse: parse a --since/--until argument.
 * @s: the argument, surrounding blanks allowed
 * @now: the current realtime in µs (the reference for relative forms)
 * @ret: the point in time, realtime µs
 *
 * Return: 0, -EINVAL for text that is no time, -ERANGE for one out of range
 * (before 1970 or past what a µs counter holds).
 */
int timestamp_parse(const char *s, usec_t now, usec_t *ret) {
        char buf[128];
        size_t len;
        const char *b;
        usec_t span, t;
        int r;

        while (*s == ' ' || *s == '\t')
                s++;
        len = strlen(s);
        while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
                len--;
        if (len == 0 || len >= sizeof buf)
                return -EINVAL;
        memcpy(buf, s, len);
        buf[len] = 0;
        b = buf;

        if (streq(b, "now")) {
                *ret = now;
                return 0;
        }
        if (streq(b, "today") || streq(b, "yesterday") || streq(b, "tomorrow")) {
                r = local_midnight(now, streq(b, "today") ? 0 : streq(b, "yesterday") ? -1 : 1, &t);
                if (r < 0)
                        return r;
                *ret = t;
                return 0;
        }

        if (b[0] == '@') {
                unsigned long long sec = 0;
                const char *p = b + 1;
                usec_t frac;

                if (!isdigit((unsigned char) *p))
                        return -EINVAL;
                /* Exact bounds, no margin: "+SPAN" reaches up to the last µs before
                 * USEC_INFINITY, and every time we return must read back as "@SEC.USEC". */
                for (; isdigit((unsigned char) *p); p++) {
                        unsigned d = (unsigned) (*p - '0');

                        if (sec > (UINT64_MAX / USEC_PER_SEC - d) / 10)
                                return -ERANGE;
                        sec = sec * 10 + d;
                }
                r = read_fraction(&p, &frac);
                if (r < 0 || *p)
                        return -EINVAL;
                return sec_to_usec((time_t) sec, frac, ret);
        }

        if (b[0] == '-' || b[0] == '+') {
                r = parse_span(b + 1, len - 1, &span);
                if (r < 0)
                        return r;
                if (b[0] == '-') {
                        if (span > now)
                                return -ERANGE;
                        *ret = now - span;
                } else {
                        if (span > UINT64_MAX - 1 - now)
                                return -ERANGE;
                        *ret = now + span;
                }
                return 0;
        }

        if (len > 4 && streq(b + len - 4, " ago")) {
                r = parse_span(b, len - 4, &span);
                if (r < 0)
                        return r;
                if (span > now)
                        return -ERANGE;
                *ret = now - span;
                return 0;
        }

        return parse_absolute(b, now, ret);
}

static char *format_local(usec_t t, bool weekday_zone, char buf[static TIMESTAMP_MAX]) {
        time_t sec = (time_t) (t / USEC_PER_SEC);
        struct tm tm;
        size_t n = 0;

        if (t != 0 && t != USEC_INFINITY && localtime_r(&sec, &tm))
                n = weekday_zone ? strftime(buf, TIMESTAMP_MAX, "%a %Y-%m-%d %H:%M:%S %Z", &tm)
                                 : strftime(buf, TIMESTAMP_MAX, "%Y-%m-%d %H:%M:%S", &tm);
        if (n == 0)
                strcpy(buf, "-");
        return buf;
}

/**
 * timestamp_format: local time as systemctl prints one, "Sat 2026-12-05 08:20:00 UTC",
 * or "-" for 0 and infinity (systemd's "never"). timestamp_parse() reads it back.
 * Return: buf.
 */
char *timestamp_format(usec_t t, char buf[static TIMESTAMP_MAX]) {
        return format_local(t, true, buf);
}

/* The shorter "YYYY-MM-DD HH:MM:SS" in front of each line of a job's output. */
char *timestamp_format_line(usec_t t, char buf[static TIMESTAMP_MAX]) {
        return format_local(t, false, buf);
}

/**
 * timestamp_format_iso: RFC 3339 in UTC with microseconds, for --json; "" for 0 and
 * infinity. Return: buf.
 */
char *timestamp_format_iso(usec_t t, char buf[static TIMESTAMP_MAX]) {
        time_t sec = (time_t) (t / USEC_PER_SEC);
        struct tm tm;
        size_t n;

        buf[0] = 0;
        if (t == 0 || t == USEC_INFINITY || !gmtime_r(&sec, &tm))
                return buf;
        n = strftime(buf, TIMESTAMP_MAX, "%Y-%m-%dT%H:%M:%S", &tm);
        if (n == 0)
                return buf;
        snprintf(buf + n, TIMESTAMP_MAX - n, ".%06uZ", (unsigned) (t % USEC_PER_SEC));
        return buf;
}

/**
 * timespan_format: a duration for humans, at most two units: "850ms", "12.3s",
 * "4min 5s", "2h 10min", "3d 4h". Return: buf.
 */
/**
 * timespan_format_exact: a span as systemd's own tools write one in a unit file.
 * @d: the span (USEC_INFINITY: "infinity")
 * @buf: where
 *
 * The biggest units first, each only when not zero, nothing rounded: systemd parses it
 * back to the same microsecond. 0 is "0".
 */
char *timespan_format_exact(usec_t d, char buf[static TIMESTAMP_MAX]) {
        static const struct {
                const char *name;
                usec_t usec;
        } units[] = {
                { "d", USEC_PER_DAY }, { "h", USEC_PER_HOUR }, { "min", USEC_PER_MINUTE },
                { "s", USEC_PER_SEC }, { "ms", USEC_PER_MSEC }, { "us", 1 },
        };
        size_t n = 0;

        if (d == USEC_INFINITY) {
                strcpy(buf, "infinity");
                return buf;
        }
        if (d == 0) {
                strcpy(buf, "0");
                return buf;
        }
        /* at most "213503982d 20h 59min 59s 999ms 999us": 37 characters */
        for (size_t i = 0; i < ELEMENTSOF(units) && d > 0; i++) {
                usec_t k = d / units[i].usec;

                if (k == 0)
                        continue;
                n += (size_t) snprintf(buf + n, TIMESTAMP_MAX - n, "%s%llu%s", n ? " " : "", (unsigned long long) k,
                                       units[i].name);
                d %= units[i].usec;
        }
        return buf;
}

char *timespan_format(usec_t d, char buf[static TIMESTAMP_MAX]) {
        static const struct {
                const char *name;
                usec_t usec;
        } units[] = {
                { "d", USEC_PER_DAY }, { "h", USEC_PER_HOUR }, { "min", USEC_PER_MINUTE }, { "s", USEC_PER_SEC },
        };

        if (d == USEC_INFINITY) {
                strcpy(buf, "-");
                return buf;
        }
        if (d < USEC_PER_SEC) {
                snprintf(buf, TIMESTAMP_MAX, "%llums", (unsigned long long) (d / USEC_PER_MSEC));
                return buf;
        }
        if (d < USEC_PER_MINUTE) {
                snprintf(buf, TIMESTAMP_MAX, "%llu.%llus", (unsigned long long) (d / USEC_PER_SEC),
                         (unsigned long long) (d % USEC_PER_SEC / (USEC_PER_SEC / 10)));
                return buf;
        }
        for (size_t i = 0; i + 1 < ELEMENTSOF(units); i++) {
                usec_t major = d / units[i].usec, minor = d % units[i].usec / units[i + 1].usec;

                if (major == 0)
                        continue;
                if (minor == 0)
                        snprintf(buf, TIMESTAMP_MAX, "%llu%s", (unsigned long long) major, units[i].name);
                else
                        snprintf(buf, TIMESTAMP_MAX, "%llu%s %llu%s", (unsigned long long) major, units[i].name,
                                 (unsigned long long) minor, units[i + 1].name);
                return buf;
        }
        /* not reached: d >= 1min always has a major unit */
        strcpy(buf, "-");
        return buf;
}

/**
 * timestamp_format_relative: "5min ago", "in 3s", "now"; "-" for 0 and infinity.
 * Return: buf.
 */
char *timestamp_format_relative(usec_t t, usec_t now, char buf[static TIMESTAMP_MAX]) {
        char span[TIMESTAMP_MAX];
        usec_t d;

        if (t == 0 || t == USEC_INFINITY) {
                strcpy(buf, "-");
                return buf;
        }
        d = t > now ? t - now : now - t;
        if (d < USEC_PER_SEC) {
                strcpy(buf, "now");
                return buf;
        }
        /* Whole seconds read better here than "12.3s ago". */
        if (d < USEC_PER_MINUTE)
                snprintf(span, sizeof span, "%llus", (unsigned long long) (d / USEC_PER_SEC));
        else
                timespan_format(d, span);
        snprintf(buf, TIMESTAMP_MAX, t > now ? "in %s" : "%s ago", span);
        return buf;
}

/**
 * timestamp_to_json: a point in time as JSON, RFC 3339 in UTC with microseconds.
 * @t: the time; 0 and USEC_INFINITY stand for "none"
 *
 * Return: a new string item, a null item for "none", or NULL on OOM.
 */
cJSON *timestamp_to_json(usec_t t) {
        char buf[TIMESTAMP_MAX];

        return t > 0 && t != USEC_INFINITY ? cJSON_CreateString(timestamp_format_iso(t, buf)) : cJSON_CreateNull();
}

/**
 * timestamp_usec_to_json: a point in time as JSON, in µs since the epoch, every digit kept.
 * @t: the time; 0 and USEC_INFINITY stand for "none"
 *
 * Return: a new number item, a null item for "none", or NULL on OOM.
 */
cJSON *timestamp_usec_to_json(usec_t t) {
        return t > 0 && t != USEC_INFINITY ? json_create_uint64(t) : cJSON_CreateNull();
}
