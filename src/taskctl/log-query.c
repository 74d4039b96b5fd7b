/* SPDX-License-Identifier: MIT */
/* log-query.c: the lines `taskctl logs` shows, selected as journalctl selects them
 *
 * Priority and the job or router are journal matches (indexed; one field's values
 * OR, different fields AND). Time bounds, the cursor and the pattern are checked
 * per entry while walking back from the newest, so -n N reads N wanted entries and
 * stops. With -o, taskctl does not print at all: it hands the same matches and
 * options to journalctl, which has every output mode sd-journal can print. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journal-field.h"
#include "log-query.h"
#include "log.h"
#include "macro.h"

static const char *const priority_names[] = { "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug" };

static int priority_from_string(const char *s, size_t n) {
        for (size_t i = 0; i < ELEMENTSOF(priority_names); i++)
                if (strlen(priority_names[i]) == n && strncmp(s, priority_names[i], n) == 0)
                        return (int) i;
        if (n == 1 && s[0] >= '0' && s[0] <= '7')
                return s[0] - '0';
        return -EINVAL;
}

int log_priority_parse(const char *s, int *ret_min, int *ret_max) {
        const char *dots = strstr(s, "..");
        int a, b;

        if (!dots) {
                a = priority_from_string(s, strlen(s));
                if (a < 0)
                        return a;
                *ret_min = 0;
                *ret_max = a;
                return 0;
        }
        a = priority_from_string(s, (size_t) (dots - s));
        b = priority_from_string(dots + 2, strlen(dots + 2));
        if (a < 0 || b < 0)
                return -EINVAL;
        *ret_min = a < b ? a : b;
        *ret_max = a < b ? b : a;
        return 0;
}

void log_query_done(LogQuery *q) {
        pcre2_match_data_free(q->grep_match);
        pcre2_code_free(q->grep);
        q->grep_match = NULL;
        q->grep = NULL;
}

static bool has_upper(const char *s) {
        for (; *s; s++)
                if (isupper((unsigned char) *s))
                        return true;
        return false;
}

int log_query_compile_grep(LogQuery *q) {
        uint32_t flags = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF;
        PCRE2_UCHAR err[256];
        PCRE2_SIZE offset;
        int code;

        if (!has_upper(q->grep_arg))
                flags |= PCRE2_CASELESS;
        q->grep = pcre2_compile((PCRE2_SPTR) q->grep_arg, PCRE2_ZERO_TERMINATED, flags, &code, &offset, NULL);
        if (!q->grep) {
                if (pcre2_get_error_message(code, err, sizeof err) < 0)
                        snprintf((char *) err, sizeof err, "error %d", code);
                return log_error_errno(EINVAL, "Invalid --grep= pattern '%s' at offset %zu: %s.",
                                       q->grep_arg, (size_t) offset, (const char *) err);
        }
        q->grep_match = pcre2_match_data_create_from_pattern(q->grep, NULL);
        if (!q->grep_match) {
                log_query_done(q);
                return log_oom();
        }
        return 0;
}

/* A match that fails for another reason than "no match" (PCRE2's match or heap limit
 * on a pathological pattern) shows no line rather than every line. */
static bool grep_matches(const LogQuery *q, const char *message) {
        return pcre2_match(q->grep, (PCRE2_SPTR) message, PCRE2_ZERO_TERMINATED, 0, 0, q->grep_match, NULL) >= 0;
}

bool log_query_line_wanted(const LogQuery *q, const JournalLine *l) {
        if (l->realtime < q->since || l->realtime > q->until)
                return false;
        if (q->grep && !grep_matches(q, strempty(l->message)))
                return false;
        return true;
}

int log_query_add_matches(sd_journal *j, const LogQuery *q) {
        int r;

        sd_journal_flush_matches(j);
        r = journal_add_match_pair(j, q->field, q->value);
        if (r < 0 || !q->priority_arg)
                return r;
        for (int p = q->priority_min; p <= q->priority_max; p++) {
                char m[] = "PRIORITY=0";

                m[strlen(m) - 1] = (char) ('0' + p);
                r = sd_journal_add_match(j, m, 0);
                if (r < 0)
                        return r;
        }
        return 0;
}

void journal_lines_free(JournalLine *lines, size_t n) {
        for (size_t i = 0; i < n; i++)
                journal_line_done(&lines[i]);
        free(lines);
}

/* The time of the entry @cursor names, read with no match in force (it need not be
 * one of the job's lines). Return: 0, or -ESRCH when the journal has no such entry. */
static int cursor_realtime(sd_journal *j, const char *cursor, usec_t *ret) {
        int r;

        sd_journal_flush_matches(j);
        r = sd_journal_seek_cursor(j, cursor);
        if (r < 0)
                return r;
        r = sd_journal_next(j);
        if (r < 0)
                return r;
        if (r == 0 || sd_journal_test_cursor(j, cursor) <= 0)
                return -ESRCH;
        return sd_journal_get_realtime_usec(j, ret);
}

/* Appends l to the array (taking it over). Return: 0 or -ENOMEM (l freed). */
static int lines_push(JournalLine **lines, size_t *n, size_t *allocated, JournalLine *l) {
        if (*n == *allocated) {
                size_t m = *allocated ? *allocated * 2 : 64;
                JournalLine *a = reallocarray(*lines, m, sizeof *a);
                if (!a) {
                        journal_line_done(l);
                        return -ENOMEM;
                }
                *lines = a;
                *allocated = m;
        }
        (*lines)[(*n)++] = *l;
        return 0;
}

/* Reads the entry the journal stands on and keeps it if the query wants it.
 * Return: 1 kept, 0 not wanted, or a negative errno. */
static int take_current_line(sd_journal *j, const LogQuery *q, JournalLine **lines, size_t *n, size_t *allocated) {
        JournalLine l;
        int r;

        r = journal_line_read(j, &l);
        if (r < 0)
                return r;
        if (!log_query_line_wanted(q, &l)) {
                journal_line_done(&l);
                return 0;
        }
        r = lines_push(lines, n, allocated, &l);
        return r < 0 ? r : 1;
}

/**
 * log_query_run: the lines of the query.
 *
 * As journalctl: with a start (--since, --after-cursor) and -n N, the first N lines
 * after it; otherwise the last N (all: -n 0) before --until, or the journal's end.
 * The walk goes from the end it keeps, so it stops after N wanted lines.
 */
int log_query_run(sd_journal *j, const LogQuery *q, JournalLine **ret, size_t *ret_n, char **ret_newest) {
        _cleanup_free_ char *newest = NULL;
        JournalLine *lines = NULL;
        size_t n = 0, allocated = 0;
        usec_t floor = q->since;
        bool forward = (q->since > 0 || q->after_cursor) && !q->reverse && q->lines > 0;
        int r;

        if (q->after_cursor) {
                usec_t t;

                r = cursor_realtime(j, q->after_cursor, &t);
                if (r < 0)
                        return r;
                if (t > floor)
                        floor = t;
        }
        r = log_query_add_matches(j, q);
        if (r < 0)
                return r;
        if (forward) {
                r = sd_journal_seek_realtime_usec(j, floor);
                if (r < 0)
                        return r;
                while ((r = sd_journal_next(j)) > 0) {
                        usec_t t;

                        r = sd_journal_get_realtime_usec(j, &t);
                        if (r < 0)
                                break;
                        if (t > q->until)
                                break;
                        if (t < floor || (q->after_cursor && sd_journal_test_cursor(j, q->after_cursor) > 0))
                                continue;
                        r = take_current_line(j, q, &lines, &n, &allocated);
                        if (r < 0 || n >= q->lines)
                                break;
                }
                if (r < 0) {
                        journal_lines_free(lines, n);
                        return r;
                }
                *ret = lines;
                *ret_n = n;
                if (ret_newest)
                        *ret_newest = NULL;
                return 0;
        }

        /* From the newest entry at or before --until, backwards. */
        r = q->until == USEC_INFINITY ? sd_journal_seek_tail(j) : sd_journal_seek_realtime_usec(j, q->until + 1);
        if (r < 0)
                return r;

        while ((r = sd_journal_previous(j)) > 0) {
                usec_t t;

                if (!newest && q->until == USEC_INFINITY) {
                        r = sd_journal_get_cursor(j, &newest);
                        if (r < 0)
                                break;
                }
                r = sd_journal_get_realtime_usec(j, &t);
                if (r < 0)
                        break;
                if (t < floor)
                        break;
                if (q->after_cursor && sd_journal_test_cursor(j, q->after_cursor) > 0)
                        break;
                r = take_current_line(j, q, &lines, &n, &allocated);
                if (r < 0 || (q->lines > 0 && n >= q->lines))
                        break;
        }
        if (r < 0) {
                journal_lines_free(lines, n);
                return r;
        }
        /* collected newest first; the default order is the journal's */
        if (!q->reverse)
                for (size_t i = 0; i < n / 2; i++) {
                        JournalLine tmp = lines[i];
                        lines[i] = lines[n - 1 - i];
                        lines[n - 1 - i] = tmp;
                }
        *ret = lines;
        *ret_n = n;
        if (ret_newest)
                *ret_newest = TAKE_PTR(newest);
        return 0;
}

bool journalctl_output_mode_valid(const char *s) {
        static const char *const modes[] = {
                "short", "short-full", "short-iso", "short-iso-precise", "short-precise", "short-monotonic",
                "short-delta", "short-unix", "verbose", "export", "json", "json-pretty", "json-sse", "json-seq",
                "cat", "with-unit",
        };

        for (size_t i = 0; i < ELEMENTSOF(modes); i++)
                if (streq(s, modes[i]))
                        return true;
        return false;
}

static int strv_push(char ***l, size_t *n, char *s) {
        char **a;

        if (!s)
                return -ENOMEM;
        a = reallocarray(*l, *n + 2, sizeof *a);
        if (!a) {
                free(s);
                return -ENOMEM;
        }
        a[(*n)++] = s;
        a[*n] = NULL;
        *l = a;
        return 0;
}

static int strv_pushf(char ***l, size_t *n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int strv_pushf(char ***l, size_t *n, const char *fmt, ...) {
        char *s = NULL;
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&s, fmt, ap);
        va_end(ap);
        return strv_push(l, n, r < 0 ? NULL : s);
}

/**
 * log_query_journalctl_argv: journalctl's command line for the same selection.
 *
 * Times go over as "@SECONDS.MICROSECONDS", so journalctl reads exactly the instant
 * taskctl parsed (taskctl takes the times it prints, with weekday and zone). The
 * pattern goes over as given: both read it as PCRE2 with the same smart case.
 * --namespace=+NS is journalctl's
 * "this namespace and the default one", which is what taskctl reads.
 */
int log_query_journalctl_argv(const LogQuery *q, const JournalctlExtra *x, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        size_t n = 0;
        int r;

        r = strv_push(&l, &n, strdup("journalctl"));
        if (r >= 0)
                r = strv_pushf(&l, &n, "--output=%s", x->output);
        if (r >= 0)
                r = q->lines > 0 ? strv_pushf(&l, &n, "--lines=%zu", q->lines) : strv_push(&l, &n, strdup("--lines=all"));
        if (r >= 0 && q->priority_arg)
                r = strv_pushf(&l, &n, "--priority=%s", q->priority_arg);
        if (r >= 0 && q->reverse)
                r = strv_push(&l, &n, strdup("--reverse"));
        if (r >= 0 && q->grep_arg)
                r = strv_pushf(&l, &n, "--grep=%s", q->grep_arg);
        if (r >= 0 && q->since > 0)
                r = strv_pushf(&l, &n, "--since=@%" PRIu64 ".%06" PRIu64, q->since / USEC_PER_SEC, q->since % USEC_PER_SEC);
        if (r >= 0 && q->until != USEC_INFINITY)
                r = strv_pushf(&l, &n, "--until=@%" PRIu64 ".%06" PRIu64, q->until / USEC_PER_SEC, q->until % USEC_PER_SEC);
        if (r >= 0 && q->after_cursor)
                r = strv_pushf(&l, &n, "--after-cursor=%s", q->after_cursor);
        if (r >= 0 && x->cursor_file)
                r = strv_pushf(&l, &n, "--cursor-file=%s", x->cursor_file);
        if (r >= 0 && x->follow)
                r = strv_push(&l, &n, strdup("--follow"));
        if (r >= 0 && x->no_pager)
                r = strv_push(&l, &n, strdup("--no-pager"));
        if (r >= 0 && x->directory)
                r = strv_pushf(&l, &n, "--directory=%s", x->directory);
        else if (r >= 0 && x->name_space)
                r = strv_pushf(&l, &n, "--namespace=+%s", x->name_space);
        /* the one match taskctl itself reads with; "--" so a value is never an option */
        if (r >= 0)
                r = strv_push(&l, &n, strdup("--"));
        if (r >= 0)
                r = strv_pushf(&l, &n, "%s=%s", q->field, q->value);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(l);
        return 0;
}
