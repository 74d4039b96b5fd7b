/* SPDX-License-Identifier: MIT */
/* fuzz-timestamp.c: taskctl's --since/--until parser, timestamp_parse() (src/taskctl/timestamp.c),
 * on arbitrary input, and taskctl's time formats on what it returns
 *
 * The input (up to its first NUL) is parsed against four "now"s: a usual one, 0 (nothing
 * may come before the epoch), one in the middle of the range with a fraction of a second,
 * and the last µs before USEC_INFINITY (nothing may come after it), so that the range
 * checks of every form run at both ends. TZ is UTC: local time is then UTC, with no
 * summer time, so no local time is skipped or repeated and a round trip through local
 * time must hold. (In a zone with summer time the autumn hour prints the same twice,
 * and mktime() may read it back as the other one.)
 *
 * Invariants, for every now:
 *  - the result is 0, -EINVAL or -ERANGE; *ret is written only on success; blanks
 *    around the argument change nothing;
 *  - no time is USEC_INFINITY, which the formatters print as "never": no form means it;
 *  - "now" is now; "-SPAN" and "SPAN ago" are not after now, "+SPAN" not before it;
 *    today/yesterday/tomorrow are the UTC midnights of now's day and its neighbours
 *    (or -ERANGE when those are out of range); a time of day alone falls on now's day;
 *    "@EPOCH" and dated forms do not depend on now;
 *  - round trips: "@SEC.USEC" parses back to the time, and so do timestamp_format()
 *    (with ".USEC" added when there is a fraction) and timestamp_format_iso() for times
 *    before the year 10000 (the parser reads four-digit years, "YYYY-MM-DD");
 *  - the formatters return NUL-terminated text shorter than TIMESTAMP_MAX.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "fuzz-util.h"
#include "macro.h"
#include "timestamp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* timestamp_parse() refuses 128 characters and more once the blanks around them are cut:
 * past this, only the blank skipping and the length check would run. */
#define INPUT_MAX 1024

/* 10000-01-01 00:00:00 UTC: from then on timestamp_format() prints a fifth year digit. */
#define YEAR_10000_SEC UINT64_C(253402300800)

/* What *ret holds before each call: a failed parse must leave it so. */
#define UNWRITTEN ((usec_t) UINT64_C(0x5a5a5a5a5a5a5a5a))

static const usec_t nows[] = {
        UINT64_C(1700000000) * USEC_PER_SEC,
        0,
        UINT64_MAX / 2,
        USEC_INFINITY - 1,
};

typedef enum Form {
        FORM_NOW,
        FORM_DAY,       /* today, yesterday, tomorrow */
        FORM_EPOCH,     /* @EPOCH[.frac] */
        FORM_BEFORE,    /* -SPAN, SPAN ago */
        FORM_AFTER,     /* +SPAN */
        FORM_DATE,      /* YYYY-MM-DD ... */
        FORM_TIME,      /* the rest: a time of today, or no time at all */
} Form;

typedef struct Parsed {
        int r;
        usec_t t;
} Parsed;

static bool verbose;

/* Which form the argument (blanks cut) is meant as, in the order timestamp_parse() tries them. */
static Form classify(const char *s, int *ret_days) {
        size_t l = strlen(s);

        if (streq(s, "now"))
                return FORM_NOW;
        if (streq(s, "today") || streq(s, "yesterday") || streq(s, "tomorrow")) {
                *ret_days = streq(s, "today") ? 0 : streq(s, "yesterday") ? -1 : 1;
                return FORM_DAY;
        }
        if (s[0] == '@')
                return FORM_EPOCH;
        if (s[0] == '-')
                return FORM_BEFORE;
        if (s[0] == '+')
                return FORM_AFTER;
        if (l > 4 && streq(s + l - 4, " ago"))
                return FORM_BEFORE;
        /* a weekday first ("Sat 2026-12-05 ..."), as tables print times: the rest decides */
        for (const char *d = "SunMonTueWedThuFriSat"; *d; d += 3)
                if (l > 4 && strncmp(s, d, 3) == 0 && s[3] == ' ') {
                        s += 4 + strspn(s + 4, " ");
                        l = strlen(s);
                        break;
                }
        if (l > 4 && isdigit((unsigned char) s[0]) && isdigit((unsigned char) s[1]) &&
            isdigit((unsigned char) s[2]) && isdigit((unsigned char) s[3]) && s[4] == '-')
                return FORM_DATE;
        return FORM_TIME;
}

static Parsed parse(const char *s, usec_t now) {
        usec_t t = UNWRITTEN;
        int r;

        r = timestamp_parse(s, now, &t);
        if (verbose)
                fprintf(stderr, "'%s' (now %" PRIu64 "): %d, %" PRIu64 "\n", s, now, r, t);
        FUZZ_CHECK(r == 0 || r == -EINVAL || r == -ERANGE);
        if (r < 0)
                FUZZ_CHECK(t == UNWRITTEN);
        return (Parsed) { r, t };
}

static void check_parses_to(const char *text, usec_t now, usec_t want) {
        Parsed b = parse(text, now);

        if ((b.r != 0 || b.t != want) && verbose)
                fprintf(stderr, "'%s' read back as %d, %" PRIu64 ", not %" PRIu64 "\n", text, b.r, b.t, want);
        FUZZ_CHECK(b.r == 0 && b.t == want);
}

/* What a formatter returned: its buffer, filled beforehand with non-NULs, now a string. */
static void check_text(const char *buf, const char *ret) {
        FUZZ_CHECK(ret == buf);
        FUZZ_CHECK(memchr(buf, 0, TIMESTAMP_MAX));
}

/* A time timestamp_parse() returned: printable every way, and it reads back. */
static void check_time(usec_t t, usec_t now) {
        char buf[TIMESTAMP_MAX], text[TIMESTAMP_MAX + 16];
        usec_t sec = t / USEC_PER_SEC, frac = t % USEC_PER_SEC;

        FUZZ_CHECK(t != USEC_INFINITY);

        memset(buf, 'x', sizeof buf);
        check_text(buf, timestamp_format_iso(t, buf));
        memset(buf, 'x', sizeof buf);
        check_text(buf, timestamp_format_relative(t, now, buf));
        memset(buf, 'x', sizeof buf);
        check_text(buf, timespan_format(t, buf));
        memset(buf, 'x', sizeof buf);
        check_text(buf, timespan_format(t > now ? t - now : now - t, buf));
        memset(buf, 'x', sizeof buf);
        check_text(buf, timestamp_format(t, buf));

        /* -ERANGE is only for what a µs counter cannot hold, so every time it
         * returned reads back as seconds since the epoch. */
        snprintf(text, sizeof text, "@%" PRIu64 ".%06" PRIu64, sec, frac);
        check_parses_to(text, now, t);
        if (frac == 0) {
                snprintf(text, sizeof text, "@%" PRIu64, sec);
                check_parses_to(text, now, t);
        }

        /* What taskctl prints, it reads back: local time (UTC here) with weekday and zone,
         * the short form with the fraction both leave out, and the ISO form --json
         * prints. 0 prints as "-". */
        if (t == 0 || sec >= YEAR_10000_SEC)
                return;
        /* buf: timestamp_format(), as tables print it ("Sat 2026-12-05 08:20:00 UTC") */
        check_parses_to(buf, now, t - frac);
        if (frac != 0) {
                char line[TIMESTAMP_MAX];

                snprintf(text, sizeof text, "%s.%06" PRIu64, timestamp_format_line(t, line), frac);
                check_parses_to(text, now, t);
        }
        check_parses_to(timestamp_format_iso(t, buf), now, t);
}

static void run(const char *arg) {
        _cleanup_free_ char *padded = NULL, *cut = NULL;
        Parsed first = {};
        const char *b;
        size_t l;
        int days = 0;
        Form form;

        /* The form, from the argument without the blanks timestamp_parse() skips. */
        b = arg + strspn(arg, " \t");
        l = strlen(b);
        while (l > 0 && (b[l - 1] == ' ' || b[l - 1] == '\t'))
                l--;
        cut = strndup(b, l);
        if (asprintf(&padded, " \t%s\t ", arg) < 0)
                padded = NULL;
        if (!cut || !padded)
                return;
        form = classify(cut, &days);

        for (size_t i = 0; i < ELEMENTSOF(nows); i++) {
                usec_t now = nows[i], day0 = now - now % USEC_PER_DAY;
                Parsed a = parse(arg, now), p = parse(padded, now);

                FUZZ_CHECK(p.r == a.r && (a.r < 0 || p.t == a.t));

                switch (form) {
                case FORM_NOW:
                        FUZZ_CHECK(a.r == 0 && a.t == now);
                        break;
                case FORM_DAY:
                        /* UTC midnights are whole days since the epoch. */
                        if ((days < 0 && day0 < USEC_PER_DAY) || (days > 0 && day0 > USEC_INFINITY - 1 - USEC_PER_DAY))
                                FUZZ_CHECK(a.r == -ERANGE);
                        else
                                FUZZ_CHECK(a.r == 0 && a.t == day0 + (usec_t) days * USEC_PER_DAY);
                        break;
                case FORM_BEFORE:
                        FUZZ_CHECK(a.r < 0 || a.t <= now);
                        break;
                case FORM_AFTER:
                        FUZZ_CHECK(a.r < 0 || a.t >= now);
                        break;
                case FORM_TIME:
                        FUZZ_CHECK(a.r < 0 || a.t / USEC_PER_DAY == now / USEC_PER_DAY);
                        break;
                case FORM_EPOCH:
                case FORM_DATE:
                        if (i == 0)
                                first = a;
                        else
                                FUZZ_CHECK(a.r == first.r && (a.r < 0 || a.t == first.t));
                        break;
                }

                if (a.r == 0)
                        check_time(a.t, now);
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *arg = NULL;
        static bool tz_set = false;

        /* Once: local time is UTC, so that what is local reads back the same (see above). */
        if (!tz_set) {
                setenv("TZ", "UTC", 1);
                tzset();
                verbose = getenv("HERALD_FUZZ_VERBOSE");
                tz_set = true;
        }

        if (size > INPUT_MAX)
                return 0;
        arg = memdup_nul((const char *) data, size);
        if (!arg)
                return 0;
        run(arg);
        return 0;
}
