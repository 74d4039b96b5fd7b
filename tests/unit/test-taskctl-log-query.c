/* SPDX-License-Identifier: MIT */
/* test-taskctl-log-query.c: logs' -p, -g, time bounds, and the journalctl command line of -o */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "log-query.h"
#include "macro.h"
#include "workflow-observed.h"

static void test_priority(void **state) {
        int a = -1, b = -1;

        assert_int_equal(log_priority_parse("err", &a, &b), 0);
        assert_int_equal(a, 0);
        assert_int_equal(b, 3);
        assert_int_equal(log_priority_parse("6", &a, &b), 0);
        assert_int_equal(b, 6);
        /* a range, in either order */
        assert_int_equal(log_priority_parse("warning..crit", &a, &b), 0);
        assert_int_equal(a, 2);
        assert_int_equal(b, 4);
        assert_int_equal(log_priority_parse("2..debug", &a, &b), 0);
        assert_int_equal(a, 2);
        assert_int_equal(b, 7);
        assert_int_equal(log_priority_parse("error", &a, &b), -EINVAL);
        assert_int_equal(log_priority_parse("8", &a, &b), -EINVAL);
        assert_int_equal(log_priority_parse("", &a, &b), -EINVAL);
        assert_int_equal(log_priority_parse("err..", &a, &b), -EINVAL);
        assert_int_equal(log_priority_parse("..err", &a, &b), -EINVAL);
        assert_int_equal(log_priority_parse("33", &a, &b), -EINVAL);
}

/* Whether a line with @message (NULL: none) is shown under --grep=@pattern. */
static bool grep_wants(const char *pattern, const char *message) {
        LogQuery q = LOG_QUERY_INIT;
        JournalLine l = { .realtime = 1000, .message = (char *) message };
        bool wanted;

        q.grep_arg = pattern;
        assert_int_equal(log_query_compile_grep(&q), 0);
        wanted = log_query_line_wanted(&q, &l);
        log_query_done(&q);
        return wanted;
}

/* --grep=@pattern is refused, with nothing kept. */
static void grep_refused(const char *pattern) {
        LogQuery q = LOG_QUERY_INIT;

        q.grep_arg = pattern;
        assert_int_equal(log_query_compile_grep(&q), -EINVAL);
        assert_null(q.grep);
        log_query_done(&q);
}

static void test_wanted(void **state) {
        LogQuery q = LOG_QUERY_INIT;
        JournalLine l = { .realtime = 1000, .message = (char *) "Connection REFUSED by host" };

        assert_true(log_query_line_wanted(&q, &l));
        q.since = 1001;
        assert_false(log_query_line_wanted(&q, &l));
        q.since = 1000;
        q.until = 1000;
        assert_true(log_query_line_wanted(&q, &l));
        q.until = 999;
        assert_false(log_query_line_wanted(&q, &l));
        q.until = USEC_INFINITY;

        /* smart case: lower-case pattern matches any case */
        assert_true(grep_wants("refused", l.message));
        assert_false(grep_wants("Refused", l.message));
        assert_true(grep_wants("^Conn.*(REFUSED|denied)", l.message));
        /* no message: matches only what matches the empty string */
        assert_false(grep_wants("x", NULL));
        grep_refused("(unclosed");

        /* PCRE2 as journalctl reads it: classes, a lazy quantifier, a look-ahead */
        assert_true(grep_wants("\\d{2}\\s+tries$", "Connection refused after 42 tries"));
        assert_true(grep_wants("con.*?ref(?=used)", "Connection refused after 42 tries"));
        /* a run of repeat operators: glibc's regcomp() took 2 GB for this (found by
         * fuzz-log-args); PCRE2 refuses it at once */
        grep_refused(" ++++++++++++++++++++++++++++++++++++++++++++++++(tick");
        /* a message that is not UTF-8 is still searched, not an error */
        assert_true(grep_wants("refused", "bad \xff\xfe byte, then refused"));
        /* a pattern that is not UTF-8 is refused */
        grep_refused("\xff");
}

static char *joined(char **l) {
        char *s = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&s, &size);

        assert_non_null(f);
        for (char **p = l; *p; p++)
                fprintf(f, "%s%s", p == l ? "" : " ", *p);
        assert_int_equal(fclose(f), 0);
        return s;
}

static void test_journalctl_argv(void **state) {
        LogQuery q = LOG_QUERY_INIT;
        JournalctlExtra x = { .output = "json" };
        _cleanup_strv_free_ char **a = NULL, **b = NULL;
        _cleanup_free_ char *sa = NULL, *sb = NULL;

        q.field = "HERALD_JOB_ID";
        q.value = "aaaa1111-2222-4333-8444-555566667777";
        assert_int_equal(log_query_journalctl_argv(&q, &x, &a), 0);
        sa = joined(a);
        assert_string_equal(sa, "journalctl --output=json --lines=all -- HERALD_JOB_ID=aaaa1111-2222-4333-8444-555566667777");

        q.field = "HERALD_ROUTER";
        q.value = "-rf";
        q.lines = 50;
        q.priority_arg = "warning";
        q.reverse = true;
        q.grep_arg = "fail";
        q.since = 1700000000000001;
        q.until = 1700000060500000;
        q.after_cursor = "s=1;i=2";
        x = (JournalctlExtra) { .output = "cat", .follow = true, .no_pager = true, .name_space = "jobs",
                                .cursor_file = "/tmp/c" };
        assert_int_equal(log_query_journalctl_argv(&q, &x, &b), 0);
        sb = joined(b);
        assert_string_equal(sb, "journalctl --output=cat --lines=50 --priority=warning --reverse --grep=fail "
                                "--since=@1700000000.000001 --until=@1700000060.500000 --after-cursor=s=1;i=2 "
                                "--cursor-file=/tmp/c --follow --no-pager --namespace=+jobs -- HERALD_ROUTER=-rf");
}

static void test_output_modes(void **state) {
        assert_true(journalctl_output_mode_valid("short-iso"));
        assert_true(journalctl_output_mode_valid("json-pretty"));
        assert_true(journalctl_output_mode_valid("cat"));
        assert_false(journalctl_output_mode_valid("help"));
        assert_false(journalctl_output_mode_valid(""));
        assert_false(journalctl_output_mode_valid("short;rm"));
}

static void free_trigger(Component *c) {
        free(c->name);
        free(c->type_name);
        free(c->cron_spec);
        free(c);
}

/* A timer's Description= as plan.c writes it, read back for a reader without the workflow. */
static void test_trigger_description(void **state) {
        Component *c;

        c = trigger_from_description("herald trigger 'every5s' (tick every 5 s)");
        assert_non_null(c);
        assert_string_equal(c->name, "every5s");
        assert_int_equal(c->type, TRIGGER_TICK);
        assert_int_equal(c->interval_sec, 5);
        free_trigger(c);

        c = trigger_from_description("herald trigger 'it's late' (cron '0 3 * * *')");
        assert_non_null(c);
        assert_string_equal(c->name, "it's late");
        assert_int_equal(c->type, TRIGGER_CRON);
        assert_string_equal(c->cron_spec, "0 3 * * *");
        free_trigger(c);

        assert_null(trigger_from_description("/bin/true"));
        assert_null(trigger_from_description("herald trigger 'x' (tick every 0 s)"));
        assert_null(trigger_from_description("herald trigger 'x' (tick every -5 s)"));
        assert_null(trigger_from_description("herald trigger '' (tick every 5 s)"));
        assert_null(trigger_from_description("herald trigger 'x' (cron '0 3 * * *'"));
        assert_null(trigger_from_description("herald trigger 'x' (http 1.2.3.4:80)"));
        assert_null(trigger_from_description(NULL));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_priority),
                cmocka_unit_test(test_wanted),
                cmocka_unit_test(test_journalctl_argv),
                cmocka_unit_test(test_output_modes),
                cmocka_unit_test(test_trigger_description),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
