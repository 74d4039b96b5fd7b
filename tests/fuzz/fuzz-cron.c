/* SPDX-License-Identifier: MIT */
/* fuzz-cron.c: the cron parser, the OnCalendar= translation and the evaluator on arbitrary input */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cron.h"
#include "macro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What may appear in an OnCalendar= value we write into a unit file. */
static bool calendar_chars_ok(const char *s) {
        return s[strspn(s, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ *-:.,/+_")] == 0;
}

static void run(const char *spec, bool with_seconds, bool verbose) {
        _cleanup_cron_schedule_ CronSchedule *s = NULL;
        _cleanup_strv_free_ char **l = NULL;
        const int64_t after = INT64_C(1700000000) * 1000000;
        CronError e = {};
        int64_t next = 0;
        int r;

        r = cron_parse(spec, with_seconds, &s, &e);
        if (r < 0) {
                /* A rejected spec says where: inside the string (or just past its end). */
                if ((r != -EINVAL && r != -ENOMEM) || (r == -EINVAL && (e.offset > strlen(spec) || e.message[0] == 0)) || s)
                        abort();
                if (verbose)
                        fprintf(stderr, "'%s' (seconds=%d): error at %zu: %s\n", spec, with_seconds, e.offset, e.message);
                return;
        }

        r = cron_to_oncalendar(s, &l);
        if (s->every_sec > 0) {
                if (r != -EINVAL || l)
                        abort();
        } else if (r == 0) {
                if (!l[0] || (l[1] && l[2]))
                        abort();
                for (char **i = l; *i; i++) {
                        if (!calendar_chars_ok(*i))
                                abort();
                        if (verbose)
                                fprintf(stderr, "'%s' (seconds=%d): OnCalendar=%s\n", spec, with_seconds, *i);
                }
        } else if (r != -ENOMEM)
                abort();

        /* cron_parse() refuses schedules that never fire, so there is always a next time. */
        r = cron_next(s, after, &next);
        if (r == -ENOMEM)
                return;
        if (r < 0 || next <= after)
                abort();
        if (verbose)
                fprintf(stderr, "'%s' (seconds=%d): next %" PRIi64 "\n", spec, with_seconds, next);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *spec = NULL;
        bool verbose = getenv("HERALD_FUZZ_VERBOSE");

        /* Past the parser's limit only the length check runs; keep a little beyond it. */
        if (size > 2 * CRON_SPEC_MAX)
                return 0;
        spec = memdup_nul((const char *) data, size);
        if (!spec)
                return 0;
        run(spec, false, verbose);
        run(spec, true, verbose);
        return 0;
}
