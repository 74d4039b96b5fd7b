/* SPDX-License-Identifier: MIT */
/* result-read.h: reading herald's result entries back from the journal (result-entry.c writes them) */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <cjson/cJSON.h>
#include <systemd/sd-journal.h>

#include "macro.h"
#include "timestamp.h"

/* One job's result entry (docs/ARCHITECTURE.md, "Result entry"). Strings are NULL when
 * the entry lacks the field. */
typedef struct HeraldResult {
        usec_t realtime;                /* when journald received it */
        char *cursor;                   /* the entry's cursor; NULL when not read from a journal */
        bool is_result;                 /* MESSAGE_ID is HERALD_MESSAGE_RESULT */
        bool has_uid;
        uid_t uid;                      /* _UID, stamped by journald: the writer's */
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
        char *result_text;              /* HERALD_RESULT: compact JSON, as written */
        char *param_text;               /* HERALD_PARAM: compact JSON, as written */
        cJSON *result;                  /* result_text parsed; {} when missing or no object, never NULL */
        cJSON *param;                   /* param_text parsed; {} when missing or no object, never NULL */
        bool result_truncated;          /* HERALD_RESULT_TRUNCATED=true: the writer cut it */
        bool param_truncated;
        bool resent;                    /* HERALD_RESENT=true: a second copy (see done.c) */
        char *unit;
        char *invocation_id;
        char *service_result;
        bool has_counter;
        uint64_t counter;
        char *message;
        char *hostname;                 /* _HOSTNAME: which machine ran it (journals merged
                                         * from several hosts, systemd-journal-remote) */
        int priority;                   /* -1: missing */
        usec_t duration;                /* USEC_INFINITY: unknown; see result_list_fill_durations() */
} HeraldResult;

HeraldResult *herald_result_new(void);
HeraldResult *herald_result_free(HeraldResult *r);
DEFINE_TRIVIAL_CLEANUP_FUNC(HeraldResult *, herald_result_free);

int herald_result_add_field(HeraldResult *r, const void *data, size_t size);
int herald_result_parse_json(HeraldResult *r);
int herald_result_read(sd_journal *j, HeraldResult **ret);
bool herald_result_is_trusted(const HeraldResult *r, const uid_t *trusted_uids, size_t n_trusted);
cJSON *herald_result_to_json(const HeraldResult *r);
/* "success", "failed" or "unknown" */
const char *herald_result_state(const HeraldResult *r);

/* The writer of result entries: root (herald-done, herald-activate). taskctl trusts it alone. */
extern const uid_t result_trusted_root[1];
/* The uids that write result entries: root (herald-done, herald-activate) and heraldd's
 * user 'herald' when it exists ('none' jobs of http and exe_done routes). */
const uid_t *result_trusted_writers(size_t *ret_n);

/* Reads the entry at the current position: 1 and *ret when it is a result entry
 * (MESSAGE_ID) from a trusted _UID, 0 when it is not one to believe. */
int result_read_entry(sd_journal *j, const uid_t *trusted_uids, size_t n_trusted, HeraldResult **ret);
/* Adds the match MESSAGE_ID=<result> (nothing flushed). */
int result_add_matches(sd_journal *j);
/* The newest trusted result entry of a job: 1 and *ret, or 0 when there is none. */
int result_find_by_job_id(sd_journal *j, const char *job_id, const uid_t *trusted_uids, size_t n_trusted,
                          HeraldResult **ret);

typedef struct ResultList {
        HeraldResult **items;
        size_t n;
} ResultList;

void result_list_done(ResultList *l);
cJSON *result_list_to_json(const ResultList *l);
int result_list_fill_durations(sd_journal *j, ResultList *l);

typedef struct ResultQuery {
        const char *router;
        const char *task;
        const char *job_id;             /* full id */
        bool failed_only;
        usec_t since;                   /* 0: unbounded */
        usec_t until;                   /* USEC_INFINITY: unbounded */
        size_t limit;                   /* only the newest N; 0: all */
        const uid_t *trusted_uids;      /* whose entries count (_UID); at least one */
        size_t n_trusted;
} ResultQuery;

/* trusted_uids NULL: the result writers (result_trusted_writers()) */
#define RESULT_QUERY_INIT ((ResultQuery) { .until = USEC_INFINITY })

int result_query(sd_journal *j, const ResultQuery *q, ResultList *ret);
int result_query_last(sd_journal *j, const char *router, const char *task, usec_t since, usec_t until, HeraldResult **ret);
