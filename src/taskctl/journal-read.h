/* SPDX-License-Identifier: MIT */
/* journal-read.h: jobs' output lines, job ids and the runs table, from the journal (results: result-read.h) */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>
#include <systemd/sd-journal.h>

#include "json-output.h"
#include "macro.h"
#include "result-read.h"
#include "timestamp.h"

/* The runs table: TIME [ROUTER] TASK RESULT EXIT DURATION ERROR JOB, on stdout. */
int result_list_print_table(const ResultList *l, bool show_router);

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

/* Prints or collects the lines from the journal's position to its end. Return: how many, or <0. */
int journal_lines_output(sd_journal *j, cJSON *collect, JsonMode json, bool color);
int journal_follow(sd_journal *j, int fd, int (*step)(sd_journal *j, void *userdata), void *userdata);

/* Colors of a journal priority on a terminal (NULL: none). */
const char *priority_color(int priority);
