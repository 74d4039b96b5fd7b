/* SPDX-License-Identifier: MIT */
/* journal-read.h: reading herald's result entries and jobs' output lines from the journal */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>
#include <systemd/sd-journal.h>

#include "macro.h"
#include "timestamp.h"

/* One job's result entry (docs/ARCHITECTURE.md, "Result entry"). Strings are NULL when
 * the entry lacks the field. */
typedef struct HeraldResult {
        usec_t realtime;                /* when journald received it */
        char *job_id;
        char *trigger_id;
        char *router;
        char *task;
        char *trigger;
        char *selector;
        char *executor;
        int success;                    /* 1, 0, or -1: missing or neither true nor false */
        bool has_exit_code;
        int64_t exit_code;
        char *error;
        char *result;                   /* compact JSON, as written */
        char *param;                    /* compact JSON, as written */
        bool result_truncated;          /* HERALD_RESULT_TRUNCATED=true: the writer cut it */
        bool param_truncated;
        bool resent;                    /* HERALD_RESENT=true: a second copy (see done.c) */
        char *unit;
        char *invocation_id;
        char *service_result;
        bool has_counter;
        uint64_t counter;
        char *message;
        int priority;                   /* -1: missing */
        usec_t duration;                /* USEC_INFINITY: unknown; see journal_fill_durations() */
} HeraldResult;

HeraldResult *herald_result_new(void);
HeraldResult *herald_result_free(HeraldResult *r);
DEFINE_TRIVIAL_CLEANUP_FUNC(HeraldResult *, herald_result_free);

int herald_result_add_field(HeraldResult *r, const void *data, size_t size);
int herald_result_read(sd_journal *j, HeraldResult **ret);
cJSON *herald_result_to_json(const HeraldResult *r);
/* "success", "failed" or "unknown" */
const char *herald_result_state(const HeraldResult *r);

typedef struct ResultList {
        HeraldResult **items;
        size_t n;
} ResultList;

void result_list_done(ResultList *l);
cJSON *result_list_to_json(const ResultList *l);
/* The runs table: TIME [ROUTER] TASK RESULT EXIT DURATION ERROR JOB, on stdout. */
int result_list_print_table(const ResultList *l, bool show_router);

typedef struct ResultQuery {
        const char *router;
        const char *task;
        const char *job_id;             /* full id */
        bool failed_only;
        usec_t since;                   /* 0: unbounded */
        usec_t until;                   /* USEC_INFINITY: unbounded */
        size_t limit;                   /* only the newest N; 0: all */
} ResultQuery;

#define RESULT_QUERY_INIT ((ResultQuery) { .until = USEC_INFINITY })

int journal_query_results(sd_journal *j, const ResultQuery *q, ResultList *ret);
int journal_query_last_result(sd_journal *j, const char *router, const char *task, HeraldResult **ret);
int journal_fill_durations(sd_journal *j, ResultList *l);

/* One line of a job's own output, or any other entry that carries HERALD_JOB_ID. */
typedef struct JournalLine {
        usec_t realtime;
        int priority;                   /* -1: missing */
        char *message;
        char *router;
        char *task;
        char *job_id;
        char *unit;                     /* _SYSTEMD_UNIT, or UNIT= of PID 1's lines */
        char *identifier;               /* SYSLOG_IDENTIFIER */
        char *message_id;
        char *cursor;
} JournalLine;

void journal_line_done(JournalLine *l);
int journal_line_add_field(JournalLine *l, const void *data, size_t size);
int journal_line_read(sd_journal *j, JournalLine *ret);
void journal_line_print(const JournalLine *l, FILE *f, bool color);
cJSON *journal_line_to_json(const JournalLine *l);

/* Matches FIELD=value (HERALD_JOB_ID or HERALD_ROUTER) and leaves the journal so that
 * sd_journal_next() walks the last n such entries, oldest first (n == 0: all of them). */
int journal_seek_last_lines(sd_journal *j, const char *field, const char *value, size_t n);

/* directory (-D) wins over name_space (--namespace); neither: the local system journal. */
int journal_open(const char *directory, const char *name_space, sd_journal **ret);

/* Job ids are UUIDs; a prefix of at least this many characters may stand for one. */
#define JOB_ID_PREFIX_MIN 8
bool job_id_prefix_valid(const char *s);

/* Positive outcomes of journal_resolve_job_id(); the caller reports them. */
enum {
        JOB_ID_NOT_FOUND = 1,
        JOB_ID_AMBIGUOUS = 2,
};
int journal_resolve_job_id(sd_journal *j, const char *prefix, char **ret);

/* Would the caller see nothing because it may not read the journal? */
bool journal_access_denied(sd_journal *j, const char *directory);
/* Says so on stderr; returns TASKCTL_EXIT_NO_ACCESS. */
int journal_report_unreadable(const char *directory);

typedef enum JsonMode {
        JSON_OFF,
        JSON_SHORT,
        JSON_PRETTY,
} JsonMode;

int json_mode_from_string(const char *s, JsonMode *ret);
/* Indented with two spaces (cJSON indents with tabs). */
char *json_print_pretty(const cJSON *doc);
/* Writes one JSON document and a newline to stdout. */
int json_output(const cJSON *doc, JsonMode mode);
/* Integers that print digit for digit (raw items; cJSON would print 1.79e+15). */
cJSON *json_create_u64(uint64_t v);
cJSON *json_create_i64(int64_t v);
/* A JSON string from bytes that may not be UTF-8 (bad bytes become U+FFFD). */
cJSON *json_create_string_lossy(const char *s, size_t size);
/* Parsed JSON when text is JSON (a raw value when re-printing it would change its
 * numbers), else the text as a string. */
cJSON *json_from_text(const char *text);

/* Colors of a journal priority on a terminal (NULL: none). */
const char *priority_color(int priority);
