/* SPDX-License-Identifier: MIT */
/* log-query.h: which output lines `taskctl logs` shows: journalctl's -p, -g, -S/-U,
 * --after-cursor, -n and -r over one job's or one router's entries */
#pragma once

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdbool.h>
#include <stddef.h>

#include <systemd/sd-journal.h>

#include "journal-read.h"
#include "timestamp.h"

typedef struct LogQuery {
        const char *field;              /* HERALD_JOB_ID or HERALD_ROUTER */
        const char *value;
        int priority_min, priority_max; /* -p: 0..7; no -p: 0..7 and no match added */
        const char *priority_arg;       /* -p as given, NULL: none */
        usec_t since;                   /* 0: none */
        usec_t until;                   /* USEC_INFINITY: none */
        const char *grep_arg;           /* -g as given, NULL: none */
        pcre2_code *grep;               /* compiled grep_arg, NULL: none */
        pcre2_match_data *grep_match;
        const char *after_cursor;       /* NULL: none */
        size_t lines;                   /* 0: all */
        bool reverse;
} LogQuery;

#define LOG_QUERY_INIT { .priority_max = 7, .until = USEC_INFINITY }

void log_query_done(LogQuery *q);

/* "err", "3", or a range "warning..emerg" (either order), as journalctl -p takes them.
 * Return: 0, or -EINVAL. */
int log_priority_parse(const char *s, int *ret_min, int *ret_max);

/* Compiles q->grep_arg as journalctl does: a PCRE2 pattern, UTF-8, case-insensitive
 * unless the pattern has an upper-case letter ("smart case"). Messages that are not
 * valid UTF-8 are still matched (PCRE2_MATCH_INVALID_UTF).
 * Return: 0, -EINVAL (logged, with PCRE2's reason and offset), or -ENOMEM. */
int log_query_compile_grep(LogQuery *q);

/* Does a line the journal matches pass the filters no journal match can express
 * (time bounds, the pattern)? */
bool log_query_line_wanted(const LogQuery *q, const JournalLine *l);

/* Adds the journal matches: FIELD=value, and PRIORITY= for each level of -p. */
int log_query_add_matches(sd_journal *j, const LogQuery *q);

/**
 * Collects the lines the query selects: the last q->lines of them (all: 0), in
 * output order (oldest first, newest first with q->reverse).
 * @ret_newest: (optional) the cursor of the newest entry the matches found, read or
 *              not; NULL when the walk did not start at the journal's end (-U, or a
 *              forward walk). -f goes on after it, so nothing written meanwhile is lost.
 * Return: 0 with *ret (an array of *ret_n lines; free with journal_lines_free()), or a
 * negative errno; -ESRCH when q->after_cursor names no entry.
 */
int log_query_run(sd_journal *j, const LogQuery *q, JournalLine **ret, size_t *ret_n, char **ret_newest);
void journal_lines_free(JournalLine *lines, size_t n);

/* The journalctl command line that shows the same lines in output mode @output (-o),
 * with the same matches: NULL-terminated, the strings in *ret_strings to free with
 * strv_free(). Extra options (-f, --no-pager, -D, --namespace, --cursor-file) are
 * given as they are. Return: 0 or -ENOMEM. */
typedef struct JournalctlExtra {
        const char *output;
        bool follow;
        bool no_pager;
        const char *directory;
        const char *name_space;
        const char *cursor_file;
} JournalctlExtra;
int log_query_journalctl_argv(const LogQuery *q, const JournalctlExtra *x, char ***ret);

/* journalctl -o modes sd-journal's own printing gives; taskctl hands these over. */
bool journalctl_output_mode_valid(const char *s);
