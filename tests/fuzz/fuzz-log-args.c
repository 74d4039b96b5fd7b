/* SPDX-License-Identifier: MIT */
/* fuzz-log-args.c: what `taskctl logs` and the read verbs take from outside besides the
 * journal entries themselves: -p (log_priority_parse()), -g with a message to match
 * (log_query_compile_grep(), log_query_line_wanted()), and a timer's Description= as
 * the bus hands it to a reader who may not read the workflow (trigger_from_description()).
 *
 * The input is split at its first two newlines: priority, pattern, then the rest as both
 * the message and the description.
 *
 * Invariants:
 *  - a priority parses to 0 <= min <= max <= 7, or -EINVAL with nothing written;
 *  - a pattern compiles or is refused with -EINVAL; matching never fails otherwise;
 *  - a description is no trigger, or a tick trigger with an interval > 0 or a cron
 *    trigger with a spec, its name non-empty, and the description printed back from it
 *    as plan.c writes one is the input.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "fuzz-util.h"
#include "log-query.h"
#include "macro.h"
#include "workflow-observed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define INPUT_MAX 4096

static void check_priority(const char *s) {
        int a = 100, b = 100, r;

        r = log_priority_parse(s, &a, &b);
        FUZZ_CHECK(r == 0 || r == -EINVAL);
        if (r == 0)
                FUZZ_CHECK(a >= 0 && a <= b && b <= 7);
        else
                FUZZ_CHECK(a == 100 && b == 100);
}

static void check_grep(const char *pattern, const char *message) {
        LogQuery q = LOG_QUERY_INIT;
        JournalLine l = { .realtime = 1, .message = (char *) message };
        int r;

        q.grep_arg = pattern;
        r = log_query_compile_grep(&q);
        FUZZ_CHECK(r == 0 || r == -EINVAL);
        FUZZ_CHECK((r == 0) == (q.grep != NULL));
        (void) log_query_line_wanted(&q, &l);
        log_query_done(&q);
}

static void check_description(const char *s) {
        Component *c = trigger_from_description(s);
        _cleanup_free_ char *back = NULL;
        int r;

        if (!c)
                return;
        FUZZ_CHECK(c->kind == COMPONENT_TRIGGER && c->name && *c->name);
        if (c->type == TRIGGER_TICK) {
                FUZZ_CHECK(c->interval_sec > 0);
                r = asprintf(&back, "herald trigger '%s' (tick every %" PRIu64 " s)", c->name, c->interval_sec);
        } else {
                FUZZ_CHECK(c->type == TRIGGER_CRON && c->cron_spec);
                r = asprintf(&back, "herald trigger '%s' (cron '%s')", c->name, c->cron_spec);
        }
        /* a tick interval may be written with leading zeros: only the cron form
         * must print back exactly */
        if (r >= 0 && c->type == TRIGGER_CRON)
                FUZZ_CHECK(streq(back, s));
        free(c->name);
        free(c->type_name);
        free(c->cron_spec);
        free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *in = NULL;
        char *pattern, *rest;

        if (size > INPUT_MAX)
                return 0;
        in = memdup_nul((const char *) data, size);
        if (!in)
                return 0;
        pattern = strchr(in, '\n');
        if (pattern)
                *pattern++ = 0;
        rest = pattern ? strchr(pattern, '\n') : NULL;
        if (rest)
                *rest++ = 0;

        check_priority(in);
        if (pattern)
                check_grep(pattern, rest ?: "");
        check_description(rest ?: in);
        return 0;
}
