/* SPDX-License-Identifier: MIT */
/* result-read.c: reading herald's result entries back from the journal
 *
 * The journal is herald's result store (docs/ARCHITECTURE.md): every finished job
 * left one entry with MESSAGE_ID=HERALD_MESSAGE_RESULT and HERALD_* fields
 * (result-entry.c writes it). taskctl reads them to show runs, heraldd to fire
 * exe_done chains. Every lookup here is an exact-value match on those fields (cheap:
 * journald indexes every FIELD=value), never a scan with string tests.
 *
 * Trust: a result is only believed when journald itself stamped the sender with a
 * trusted _UID (root, for taskctl; heraldd adds its own uid for `none` results). A job
 * can write any field it likes, MESSAGE_ID included, but not _UID.
 *
 * Parsing an entry is split from reading it (herald_result_add_field() takes one
 * "FIELD=value" datum at a time) so the mapping is unit-tested without a journal. */
#include <ctype.h>
#include <errno.h>
#include <pwd.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "herald-ids.h"
#include "journal-field.h"
#include "json-parse.h"
#include "json-util.h"
#include "result-entry.h"
#include "result-read.h"

#define RESULT_MATCH "MESSAGE_ID=" HERALD_MESSAGE_RESULT

const uid_t result_trusted_root[1] = { 0 };

const uid_t *result_trusted_writers(size_t *ret_n) {
        static uid_t uids[2] = { 0 };
        static size_t n = 0;

        if (n == 0) {
                struct passwd *pw = getpwnam(HERALD_USER);
                n = 1;
                if (pw && pw->pw_uid != 0)
                        uids[n++] = pw->pw_uid;
        }
        *ret_n = n;
        return uids;
}

/* The query's trusted uids, or the result writers. */
static const uid_t *query_trusted(const ResultQuery *q, size_t *ret_n) {
        if (q->trusted_uids) {
                *ret_n = q->n_trusted;
                return q->trusted_uids;
        }
        return result_trusted_writers(ret_n);
}

/**
 * herald_result_new: an empty result: every string NULL, success, priority and the
 * exit code unknown, result and param {}.
 * Return: the result, or NULL on OOM.
 */
HeraldResult *herald_result_new(void) {
        _cleanup_(herald_result_freep) HeraldResult *r = calloc(1, sizeof *r);

        if (!r)
                return NULL;
        r->success = -1;
        r->priority = -1;
        r->duration = USEC_INFINITY;
        r->result = cJSON_CreateObject();
        r->param = cJSON_CreateObject();
        if (!r->result || !r->param)
                return NULL;
        return TAKE_PTR(r);
}

HeraldResult *herald_result_free(HeraldResult *r) {
        if (!r)
                return NULL;
        free(r->cursor);
        free(r->job_id);
        free(r->trigger_id);
        free(r->router);
        free(r->task);
        free(r->trigger);
        free(r->selector);
        free(r->executor);
        free(r->error);
        free(r->result_text);
        free(r->param_text);
        cJSON_Delete(r->result);
        cJSON_Delete(r->param);
        free(r->unit);
        free(r->invocation_id);
        free(r->service_result);
        free(r->message);
        free(r->hostname);
        free(r);
        return NULL;
}

/* A field's value as a NUL-terminated copy on the stack, for strto*(). */
static bool copy_number(const char *value, size_t len, char buf[static 32]) {
        if (len == 0 || len >= 32)
                return false;
        memcpy(buf, value, len);
        buf[len] = 0;
        return true;
}

static bool parse_int64(const char *value, size_t len, int64_t *ret) {
        char buf[32], *end;
        long long v;

        if (!copy_number(value, len, buf))
                return false;
        errno = 0;
        v = strtoll(buf, &end, 10);
        if (errno != 0 || *end || isspace((unsigned char) buf[0]))
                return false;
        *ret = v;
        return true;
}

static bool parse_uint64(const char *value, size_t len, uint64_t *ret) {
        char buf[32], *end;
        unsigned long long v;

        if (!copy_number(value, len, buf) || !isdigit((unsigned char) value[0]))
                return false;
        errno = 0;
        v = strtoull(buf, &end, 10);
        if (errno != 0 || *end)
                return false;
        *ret = v;
        return true;
}

static bool value_is(const char *value, size_t len, const char *want) {
        return journal_field_is(value, len, want);
}

/**
 * herald_result_add_field: take one datum of a result entry.
 * @data: "FIELD=value", not NUL-terminated (as sd_journal_enumerate_data() gives it)
 * @size: its length
 *
 * Unknown fields are ignored, and so are values that do not parse (HERALD_SUCCESS
 * other than true/false, a HERALD_EXIT_CODE that is no integer): the entry stays
 * readable and shows them as unknown. The result and param objects are set by
 * herald_result_parse_json(), once every field is in.
 * Return: 0 or -ENOMEM.
 */
int herald_result_add_field(HeraldResult *r, const void *data, size_t size) {
        static const struct {
                const char *name;
                size_t offset;
        } strings[] = {
                { "HERALD_JOB_ID", offsetof(HeraldResult, job_id) },
                { "HERALD_TRIGGER_ID", offsetof(HeraldResult, trigger_id) },
                { "HERALD_ROUTER", offsetof(HeraldResult, router) },
                { "HERALD_TASK", offsetof(HeraldResult, task) },
                { "HERALD_TRIGGER", offsetof(HeraldResult, trigger) },
                { "HERALD_SELECTOR", offsetof(HeraldResult, selector) },
                { "HERALD_EXECUTOR", offsetof(HeraldResult, executor) },
                { "HERALD_ERROR", offsetof(HeraldResult, error) },
                { "HERALD_RESULT", offsetof(HeraldResult, result_text) },
                { "HERALD_PARAM", offsetof(HeraldResult, param_text) },
                { "HERALD_UNIT", offsetof(HeraldResult, unit) },
                { "HERALD_INVOCATION_ID", offsetof(HeraldResult, invocation_id) },
                { "HERALD_SERVICE_RESULT", offsetof(HeraldResult, service_result) },
                { "MESSAGE", offsetof(HeraldResult, message) },
                { "_HOSTNAME", offsetof(HeraldResult, hostname) },
        };
        const char *name, *value;
        size_t nl, vl;

        if (!journal_field_split(data, size, &name, &nl, &value, &vl))
                return 0;

        for (size_t i = 0; i < ELEMENTSOF(strings); i++)
                if (journal_field_is(name, nl, strings[i].name))
                        return journal_field_set_string((char **) ((uint8_t *) r + strings[i].offset), value, vl);

        if (journal_field_is(name, nl, "HERALD_SUCCESS")) {
                if (value_is(value, vl, "true"))
                        r->success = 1;
                else if (value_is(value, vl, "false"))
                        r->success = 0;
        } else if (journal_field_is(name, nl, "HERALD_RESULT_TRUNCATED"))
                r->result_truncated = value_is(value, vl, "true");
        else if (journal_field_is(name, nl, "HERALD_RESENT"))
                r->resent = value_is(value, vl, "true");
        else if (journal_field_is(name, nl, "HERALD_PARAM_TRUNCATED"))
                r->param_truncated = value_is(value, vl, "true");
        else if (journal_field_is(name, nl, "HERALD_EXIT_CODE"))
                r->has_exit_code = parse_int64(value, vl, &r->exit_code);
        else if (journal_field_is(name, nl, "HERALD_DURATION_USEC")) {
                uint64_t d;
                if (parse_uint64(value, vl, &d) && d != USEC_INFINITY)
                        r->duration = d;
        } else if (journal_field_is(name, nl, "HERALD_COUNTER"))
                r->has_counter = parse_uint64(value, vl, &r->counter);
        else if (journal_field_is(name, nl, "PRIORITY"))
                r->priority = journal_field_priority(value, vl);
        else if (journal_field_is(name, nl, "MESSAGE_ID"))
                r->is_result = r->is_result || value_is(value, vl, HERALD_MESSAGE_RESULT);
        else if (journal_field_is(name, nl, "_UID") && !r->has_uid) {
                uint64_t u;
                /* uid_t is 32 bits; (uid_t) -1 is "no user" and never trusted */
                if (parse_uint64(value, vl, &u) && u < UINT32_MAX) {
                        r->uid = (uid_t) u;
                        r->has_uid = true;
                }
        }
        return 0;
}

/* text as a JSON object, or NULL when it is none (or too big to be what the writer wrote). */
static int parse_object(const char *text, cJSON **ret) {
        _cleanup_json_ cJSON *v = NULL;
        size_t n;
        int r;

        *ret = NULL;
        if (!text)
                return 0;
        n = strlen(text);
        if (n > RESULT_ENTRY_JSON_MAX)
                return 0;
        r = json_parse(text, n, &v);
        if (r == -ENOMEM)
                return r;
        if (r < 0 || !cJSON_IsObject(v))
                return 0;
        *ret = TAKE_PTR(v);
        return 0;
}

/**
 * herald_result_parse_json: set the result and param objects from HERALD_RESULT and
 * HERALD_PARAM, once every field is in.
 *
 * A field that is missing, no JSON object, or larger than the writer writes
 * (RESULT_ENTRY_JSON_MAX) leaves its object {}. Numbers keep every digit (json_parse()).
 * Return: 0 or -ENOMEM.
 */
int herald_result_parse_json(HeraldResult *r) {
        cJSON *v;
        int k;

        k = parse_object(r->result_text, &v);
        if (k < 0)
                return k;
        if (v) {
                cJSON_Delete(r->result);
                r->result = v;
        }
        k = parse_object(r->param_text, &v);
        if (k < 0)
                return k;
        if (v) {
                cJSON_Delete(r->param);
                r->param = v;
        }
        return 0;
}

/**
 * herald_result_read: the journal's current entry as a HeraldResult, whatever it is
 * (result_read_entry() also checks that it is a trusted result).
 * Return: 0, or a negative errno from sd-journal or -ENOMEM.
 */
int herald_result_read(sd_journal *j, HeraldResult **ret) {
        _cleanup_(herald_result_freep) HeraldResult *res = herald_result_new();
        const void *data;
        size_t size;
        int r;

        if (!res)
                return -ENOMEM;
        r = sd_journal_get_realtime_usec(j, &res->realtime);
        if (r < 0)
                return r;
        r = sd_journal_get_cursor(j, &res->cursor);
        if (r < 0)
                return r;
        JOURNAL_FOREACH_AVAILABLE_DATA(j, data, size) {
                r = herald_result_add_field(res, data, size);
                if (r < 0)
                        return r;
        }
        r = herald_result_parse_json(res);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(res);
        return 0;
}

/**
 * herald_result_is_trusted: is this a result entry, written by one of the trusted?
 * @trusted_uids: the uids whose result entries count
 * @n_trusted: their number
 *
 * Return: true when MESSAGE_ID is the result's and _UID is one of @trusted_uids.
 */
bool herald_result_is_trusted(const HeraldResult *r, const uid_t *trusted_uids, size_t n_trusted) {
        if (!r->is_result || !r->has_uid)
                return false;
        for (size_t i = 0; i < n_trusted; i++)
                if (trusted_uids[i] == r->uid)
                        return true;
        return false;
}

const char *herald_result_state(const HeraldResult *r) {
        return r->success > 0 ? "success" : r->success == 0 ? "failed" : "unknown";
}

/**
 * herald_result_to_json: the machine form of a result, as `taskctl history --json`
 * prints it.
 *
 * Every key is always there (null when the entry lacks the field), so consumers can
 * rely on the shape: time (RFC 3339, UTC), timestamp_usec, job_id, trigger_id,
 * router, task, trigger, selector, executor, success (bool), exit_code (number),
 * error, result and param (the JSON as written: json_from_text()), result_truncated
 * and param_truncated (bool: the writer cut the JSON to its size limit), unit,
 * invocation_id, service_result, counter, duration_usec.
 * Return: a new object, or NULL on OOM.
 */
cJSON *herald_result_to_json(const HeraldResult *res) {
        cJSON *o = cJSON_CreateObject();
        int r;

        if (!o)
                return NULL;
        r = json_object_add(o, "time", timestamp_to_json(res->realtime));
        if (r >= 0)
                r = json_object_add(o, "timestamp_usec", timestamp_usec_to_json(res->realtime));
        if (r >= 0)
                r = json_object_add(o, "job_id", json_string_or_null(res->job_id));
        if (r >= 0)
                r = json_object_add(o, "hostname", json_string_or_null(res->hostname));
        if (r >= 0)
                r = json_object_add(o, "trigger_id", json_string_or_null(res->trigger_id));
        if (r >= 0)
                r = json_object_add(o, "router", json_string_or_null(res->router));
        if (r >= 0)
                r = json_object_add(o, "task", json_string_or_null(res->task));
        if (r >= 0)
                r = json_object_add(o, "trigger", json_string_or_null(res->trigger));
        if (r >= 0)
                r = json_object_add(o, "selector", json_string_or_null(res->selector));
        if (r >= 0)
                r = json_object_add(o, "executor", json_string_or_null(res->executor));
        if (r >= 0)
                r = json_object_add(o, "success", res->success >= 0 ? cJSON_CreateBool(res->success) : cJSON_CreateNull());
        if (r >= 0)
                r = json_object_add(o, "exit_code", res->has_exit_code ? json_create_int64(res->exit_code) : cJSON_CreateNull());
        if (r >= 0)
                r = json_object_add(o, "error", json_string_or_null(res->error));
        if (r >= 0)
                r = json_object_add(o, "result", res->result_text ? json_from_text(res->result_text) : cJSON_CreateNull());
        if (r >= 0)
                r = json_object_add(o, "param", res->param_text ? json_from_text(res->param_text) : cJSON_CreateNull());
        if (r >= 0)
                r = json_object_add(o, "result_truncated", cJSON_CreateBool(res->result_truncated));
        if (r >= 0)
                r = json_object_add(o, "param_truncated", cJSON_CreateBool(res->param_truncated));
        if (r >= 0)
                r = json_object_add(o, "unit", json_string_or_null(res->unit));
        if (r >= 0)
                r = json_object_add(o, "invocation_id", json_string_or_null(res->invocation_id));
        if (r >= 0)
                r = json_object_add(o, "service_result", json_string_or_null(res->service_result));
        if (r >= 0)
                r = json_object_add(o, "counter", res->has_counter ? json_create_uint64(res->counter) : cJSON_CreateNull());
        if (r >= 0)
                r = json_object_add(o, "duration_usec",
                                    res->duration != USEC_INFINITY ? json_create_uint64(res->duration) : cJSON_CreateNull());
        if (r < 0) {
                cJSON_Delete(o);
                return NULL;
        }
        return o;
}

/**
 * result_read_entry: the entry at the journal's current position, if it is a result
 * to believe.
 * @j: the journal, positioned on an entry
 * @trusted_uids: the uids whose result entries count (journald's _UID, which the
 *                sender cannot set)
 * @n_trusted: their number
 * @ret: the result
 *
 * Return: 1 with *ret set when the entry is a result entry (MESSAGE_ID) from a trusted
 * _UID, 0 when it is not one to believe, or a negative errno.
 */
int result_read_entry(sd_journal *j, const uid_t *trusted_uids, size_t n_trusted, HeraldResult **ret) {
        _cleanup_(herald_result_freep) HeraldResult *res = NULL;
        int r;

        r = herald_result_read(j, &res);
        if (r < 0)
                return r;
        if (!herald_result_is_trusted(res, trusted_uids, n_trusted))
                return 0;
        *ret = TAKE_PTR(res);
        return 1;
}

/**
 * result_add_matches: add the match on result entries (MESSAGE_ID), to the matches
 * the journal has (nothing is flushed).
 * Return: 0, or a negative errno.
 */
int result_add_matches(sd_journal *j) {
        return sd_journal_add_match(j, RESULT_MATCH, 0);
}

/* Matches the trusted uids: sd-journal ORs matches on one field. */
static int add_trusted_matches(sd_journal *j, const uid_t *trusted_uids, size_t n_trusted) {
        int r;

        if (n_trusted == 0)
                return -EINVAL;
        for (size_t i = 0; i < n_trusted; i++) {
                char m[32];

                snprintf(m, sizeof m, "_UID=%u", (unsigned) trusted_uids[i]);
                r = sd_journal_add_match(j, m, 0);
                if (r < 0)
                        return r;
        }
        return 0;
}

/**
 * result_find_by_job_id: a job's result entry.
 * @job_id: the job's full id
 *
 * Flushes the journal's matches and leaves it on the entry found. Should the entry be
 * there twice (HERALD_RESENT), the newer copy stands.
 * Return: 1 with *ret set, 0 when the journal holds no trusted result of that job,
 * or a negative errno.
 */
int result_find_by_job_id(sd_journal *j, const char *job_id, const uid_t *trusted_uids, size_t n_trusted,
                          HeraldResult **ret) {
        int r;

        sd_journal_flush_matches(j);
        r = result_add_matches(j);
        if (r >= 0)
                r = journal_add_match_pair(j, "HERALD_JOB_ID", job_id);
        if (r >= 0)
                r = add_trusted_matches(j, trusted_uids, n_trusted);
        if (r >= 0)
                r = sd_journal_seek_tail(j);
        if (r < 0)
                return r;
        for (;;) {
                r = sd_journal_previous(j);
                if (r <= 0)
                        return r;
                r = result_read_entry(j, trusted_uids, n_trusted, ret);
                if (r != 0)
                        return r;
        }
}

void result_list_done(ResultList *l) {
        for (size_t i = 0; i < l->n; i++)
                herald_result_free(l->items[i]);
        free(l->items);
        l->items = NULL;
        l->n = 0;
}

/* An array of herald_result_to_json() objects. Return: it, or NULL on OOM. */
cJSON *result_list_to_json(const ResultList *l) {
        cJSON *a = cJSON_CreateArray();

        if (!a)
                return NULL;
        for (size_t i = 0; i < l->n; i++) {
                cJSON *o = herald_result_to_json(l->items[i]);
                if (!o || !cJSON_AddItemToArray(a, o)) {
                        cJSON_Delete(o);
                        cJSON_Delete(a);
                        return NULL;
                }
        }
        return a;
}

static int add_query_matches(sd_journal *j, const ResultQuery *q) {
        int r;

        sd_journal_flush_matches(j);
        r = result_add_matches(j);
        if (r >= 0)
                {
                        size_t n;
                        const uid_t *uids = query_trusted(q, &n);
                        r = add_trusted_matches(j, uids, n);
                }
        if (r >= 0 && q->router)
                r = journal_add_match_pair(j, "HERALD_ROUTER", q->router);
        if (r >= 0 && q->task)
                r = journal_add_match_pair(j, "HERALD_TASK", q->task);
        if (r >= 0 && q->job_id)
                r = journal_add_match_pair(j, "HERALD_JOB_ID", q->job_id);
        if (r >= 0 && q->failed_only)
                r = sd_journal_add_match(j, "HERALD_SUCCESS=false", 0);
        return r;
}

/* `done` sends a result entry a second time (HERALD_RESENT=true) when it did not see
 * the first arrive; should both be there, the newer copy stands. Walking backwards,
 * the copy comes first; resent entries are rare, so a linear look is enough. */
static bool result_is_resent_copy(const ResultList *l, const HeraldResult *res) {
        if (!res->job_id || res->resent)
                return false;
        for (size_t i = 0; i < l->n; i++)
                if (l->items[i]->resent && streq_ptr(l->items[i]->job_id, res->job_id))
                        return true;
        return false;
}

/**
 * result_query: the trusted result entries that match q, oldest first.
 *
 * Walks backwards from q->until (or the end) so that q->limit stops the walk after
 * the newest N, then turns the list around. Changes the journal's matches.
 * Return: 0 with *ret filled (possibly empty), or a negative errno.
 */
int result_query(sd_journal *j, const ResultQuery *q, ResultList *ret) {
        ResultList l = {};
        size_t allocated = 0, n_resent = 0;
        int r;

        r = add_query_matches(j, q);
        if (r < 0)
                return r;
        if (q->until == USEC_INFINITY)
                r = sd_journal_seek_tail(j);
        else
                r = sd_journal_seek_realtime_usec(j, q->until + 1);
        if (r < 0)
                return r;

        for (;;) {
                HeraldResult *res = NULL;
                usec_t t;

                r = sd_journal_previous(j);
                if (r < 0)
                        goto fail;
                if (r == 0)
                        break;
                r = sd_journal_get_realtime_usec(j, &t);
                if (r < 0)
                        goto fail;
                if (t > q->until)
                        continue;
                if (t < q->since)
                        break;
                if (l.n == allocated) {
                        size_t n = allocated ? allocated * 2 : 32;
                        HeraldResult **a = reallocarray(l.items, n, sizeof *a);
                        if (!a) {
                                r = -ENOMEM;
                                goto fail;
                        }
                        l.items = a;
                        allocated = n;
                }
                {
                        size_t n;
                        const uid_t *uids = query_trusted(q, &n);
                        r = result_read_entry(j, uids, n, &res);
                }
                if (r < 0)
                        goto fail;
                if (r == 0)
                        continue;
                if (n_resent > 0 && result_is_resent_copy(&l, res)) {
                        herald_result_free(res);
                        continue;
                }
                n_resent += res->resent;
                l.items[l.n++] = res;
                if (q->limit > 0 && l.n >= q->limit)
                        break;
        }

        for (size_t a = 0, b = l.n; b > a + 1; a++, b--) {
                HeraldResult *x = l.items[a];
                l.items[a] = l.items[b - 1];
                l.items[b - 1] = x;
        }
        *ret = l;
        return 0;

fail:
        result_list_done(&l);
        return r;
}

/**
 * result_query_last: the newest result (trusted as by RESULT_QUERY_INIT) of router,
 * and task if not NULL, written between @since and @until (0 and USEC_INFINITY: any time).
 * Return: 0 with *ret set, or NULL when there is none; a negative errno on failure.
 */
int result_query_last(sd_journal *j, const char *router, const char *task, usec_t since, usec_t until,
                      HeraldResult **ret) {
        ResultQuery q = RESULT_QUERY_INIT;
        ResultList l = {};
        int r;

        q.router = router;
        q.task = task;
        q.since = since;
        q.until = until;
        q.limit = 1;
        r = result_query(j, &q, &l);
        if (r < 0)
                return r;
        *ret = l.n > 0 ? TAKE_PTR(l.items[0]) : NULL;
        result_list_done(&l);
        return 0;
}

/**
 * result_list_fill_durations: how long each job ran, where the journal can tell.
 *
 * Result entries carry HERALD_DURATION_USEC (herald-exec's or systemd's measure of the
 * job's main process). For entries without it (older ones, or when neither could tell), the run's
 * first entry stands in: PID 1's "Starting ..." line carries INVOCATION_ID=, and the
 * job's own lines carry _SYSTEMD_INVOCATION_ID=. Duration = result entry - the first of
 * those, in journald's receive times, which may lag by tens of milliseconds under load.
 * Jobs without a unit (executor none) stay unknown. Changes the journal's matches.
 * Return: 0 or a negative errno.
 */
int result_list_fill_durations(sd_journal *j, ResultList *l) {
        int r;

        for (size_t i = 0; i < l->n; i++) {
                HeraldResult *res = l->items[i];
                usec_t start;

                /* HERALD_DURATION_USEC when the entry has it */
                if (res->duration != USEC_INFINITY || isempty(res->invocation_id))
                        continue;
                sd_journal_flush_matches(j);
                r = journal_add_match_pair(j, "INVOCATION_ID", res->invocation_id);
                if (r >= 0)
                        r = sd_journal_add_match(j, "_PID=1", 0);
                if (r >= 0)
                        r = sd_journal_add_disjunction(j);
                if (r >= 0)
                        r = journal_add_match_pair(j, "_SYSTEMD_INVOCATION_ID", res->invocation_id);
                if (r >= 0)
                        r = sd_journal_seek_head(j);
                if (r < 0)
                        return r;
                r = sd_journal_next(j);
                if (r < 0)
                        return r;
                if (r == 0)
                        continue;
                r = sd_journal_get_realtime_usec(j, &start);
                if (r < 0)
                        return r;
                if (start <= res->realtime)
                        res->duration = res->realtime - start;
        }
        sd_journal_flush_matches(j);
        return 0;
}
