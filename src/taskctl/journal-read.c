/* SPDX-License-Identifier: MIT */
/* journal-read.c: herald's results and jobs' output, read back from the journal
 *
 * The journal is herald's result store (docs/ARCHITECTURE.md): every finished job
 * left one entry with MESSAGE_ID=HERALD_MESSAGE_RESULT and HERALD_* fields, and
 * every line a job printed carries HERALD_JOB_ID, HERALD_ROUTER and HERALD_TASK
 * through LogExtraFields=. Everything here is an exact-value match on those fields
 * (cheap: journald indexes every FIELD=value), never a scan with string tests.
 *
 * Trust: a result is only believed when journald itself stamped the sender as root
 * (_UID=0). A job can write any field it likes, MESSAGE_ID included, but not _UID.
 *
 * Parsing an entry is split from reading it (herald_result_add_field() takes one
 * "FIELD=value" datum at a time) so the mapping is unit-tested without a journal. */
#include <ctype.h>
#include <grp.h>
#include <inttypes.h>
#include <strings.h>

#include <systemd/sd-id128.h>

#include "herald-ids.h"
#include "journal-read.h"
#include "log.h"
#include "table.h"
#include "taskctl-verbs.h"

#define RESULT_MATCH "MESSAGE_ID=" HERALD_MESSAGE_RESULT
#define TRUSTED_MATCH "_UID=0"

HeraldResult *herald_result_new(void) {
        HeraldResult *r = calloc(1, sizeof *r);

        if (!r)
                return NULL;
        r->success = -1;
        r->priority = -1;
        r->duration = USEC_INFINITY;
        return r;
}

HeraldResult *herald_result_free(HeraldResult *r) {
        if (!r)
                return NULL;
        free(r->job_id);
        free(r->trigger_id);
        free(r->router);
        free(r->task);
        free(r->trigger);
        free(r->selector);
        free(r->executor);
        free(r->error);
        free(r->result);
        free(r->param);
        free(r->unit);
        free(r->invocation_id);
        free(r->service_result);
        free(r->message);
        free(r);
        return NULL;
}

/* Splits "FIELD=value"; false when there is no '='. */
static bool split_field(const void *data, size_t size, const char **ret_name, size_t *ret_name_len,
                        const char **ret_value, size_t *ret_value_len) {
        const char *d = data, *eq = memchr(d, '=', size);

        if (!eq)
                return false;
        *ret_name = d;
        *ret_name_len = (size_t) (eq - d);
        *ret_value = eq + 1;
        *ret_value_len = size - (size_t) (eq - d) - 1;
        return true;
}

static bool name_is(const char *name, size_t len, const char *want) {
        return strlen(want) == len && memcmp(name, want, len) == 0;
}

/* Keeps the first occurrence of a field: a field may repeat in one entry. */
static int set_string(char **slot, const char *value, size_t len) {
        if (*slot)
                return 0;
        *slot = memdup_nul(value, len);
        return *slot ? 0 : -ENOMEM;
}

static bool parse_int64(const char *value, size_t len, int64_t *ret) {
        char buf[32], *end;
        long long v;

        if (len == 0 || len >= sizeof buf)
                return false;
        memcpy(buf, value, len);
        buf[len] = 0;
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

        if (len == 0 || len >= sizeof buf || !isdigit((unsigned char) value[0]))
                return false;
        memcpy(buf, value, len);
        buf[len] = 0;
        errno = 0;
        v = strtoull(buf, &end, 10);
        if (errno != 0 || *end)
                return false;
        *ret = v;
        return true;
}

static int parse_priority(const char *value, size_t len) {
        return len == 1 && value[0] >= '0' && value[0] <= '7' ? value[0] - '0' : -1;
}

/**
 * herald_result_add_field: take one datum of a result entry.
 * @data: "FIELD=value", not NUL-terminated (as sd_journal_enumerate_data() gives it)
 * @size: its length
 *
 * Unknown fields are ignored, and so are values that do not parse (HERALD_SUCCESS
 * other than true/false, a HERALD_EXIT_CODE that is no integer): the entry stays
 * readable and shows them as unknown.
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
                { "HERALD_RESULT", offsetof(HeraldResult, result) },
                { "HERALD_PARAM", offsetof(HeraldResult, param) },
                { "HERALD_UNIT", offsetof(HeraldResult, unit) },
                { "HERALD_INVOCATION_ID", offsetof(HeraldResult, invocation_id) },
                { "HERALD_SERVICE_RESULT", offsetof(HeraldResult, service_result) },
                { "MESSAGE", offsetof(HeraldResult, message) },
        };
        const char *name, *value;
        size_t nl, vl;

        if (!split_field(data, size, &name, &nl, &value, &vl))
                return 0;

        for (size_t i = 0; i < ELEMENTSOF(strings); i++)
                if (name_is(name, nl, strings[i].name))
                        return set_string((char **) ((uint8_t *) r + strings[i].offset), value, vl);

        if (name_is(name, nl, "HERALD_SUCCESS")) {
                if (vl == 4 && memcmp(value, "true", 4) == 0)
                        r->success = 1;
                else if (vl == 5 && memcmp(value, "false", 5) == 0)
                        r->success = 0;
        } else if (name_is(name, nl, "HERALD_RESULT_TRUNCATED"))
                r->result_truncated = vl == 4 && memcmp(value, "true", 4) == 0;
        else if (name_is(name, nl, "HERALD_RESENT"))
                r->resent = vl == 4 && memcmp(value, "true", 4) == 0;
        else if (name_is(name, nl, "HERALD_PARAM_TRUNCATED"))
                r->param_truncated = vl == 4 && memcmp(value, "true", 4) == 0;
        else if (name_is(name, nl, "HERALD_EXIT_CODE"))
                r->has_exit_code = parse_int64(value, vl, &r->exit_code);
        else if (name_is(name, nl, "HERALD_DURATION_USEC")) {
                uint64_t d;
                if (parse_uint64(value, vl, &d) && d != USEC_INFINITY)
                        r->duration = d;
        } else if (name_is(name, nl, "HERALD_COUNTER"))
                r->has_counter = parse_uint64(value, vl, &r->counter);
        else if (name_is(name, nl, "PRIORITY"))
                r->priority = parse_priority(value, vl);
        return 0;
}

/* Walks every field of the current entry; fields compressed with an algorithm this
 * libsystemd lacks are skipped instead of failing the entry. */
#define FOREACH_AVAILABLE_DATA(j, data, size) \
        for (sd_journal_restart_data(j); sd_journal_enumerate_available_data((j), &(data), &(size)) > 0;)

/**
 * herald_result_read: the journal's current entry as a HeraldResult.
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
        FOREACH_AVAILABLE_DATA(j, data, size) {
                r = herald_result_add_field(res, data, size);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(res);
        return 0;
}

const char *herald_result_state(const HeraldResult *r) {
        return r->success > 0 ? "success" : r->success == 0 ? "failed" : "unknown";
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if there is none. */
static size_t utf8_valid_length(const unsigned char *s, size_t n) {
        size_t need;

        if (s[0] < 0x80)
                return s[0] ? 1 : 0;
        if (s[0] >= 0xc2 && s[0] <= 0xdf)
                need = 1;
        else if (s[0] >= 0xe0 && s[0] <= 0xef)
                need = 2;
        else if (s[0] >= 0xf0 && s[0] <= 0xf4)
                need = 3;
        else
                return 0;
        if (n < need + 1)
                return 0;
        for (size_t i = 1; i <= need; i++)
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
        /* overlong forms, surrogates, and past U+10FFFF */
        if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f) || (s[0] == 0xf0 && s[1] < 0x90) ||
            (s[0] == 0xf4 && s[1] > 0x8f))
                return 0;
        return need + 1;
}

cJSON *json_create_string_lossy(const char *s, size_t size) {
        _cleanup_free_ char *t = NULL;
        size_t k = 0;
        cJSON *j;

        if (size > (SIZE_MAX - 1) / 3)
                return NULL;
        t = malloc(size * 3 + 1);
        if (!t)
                return NULL;
        for (size_t i = 0; i < size;) {
                size_t l = utf8_valid_length((const unsigned char *) s + i, size - i);
                if (l == 0) {
                        memcpy(t + k, "\xef\xbf\xbd", 3);
                        k += 3;
                        i++;
                } else {
                        memcpy(t + k, s + i, l);
                        k += l;
                        i += l;
                }
        }
        t[k] = 0;
        j = cJSON_CreateString(t);
        return j;
}

/**
 * json_create_u64, json_create_i64: integers as JSON numbers, digit for digit.
 *
 * cJSON prints a number above INT_MAX with "%1.15g" (1.79552215718569e+15 for a
 * µs timestamp), which jq and Python then read as floats. A raw item keeps the digits.
 * Return: a new item, or NULL on OOM.
 */
cJSON *json_create_u64(uint64_t v) {
        char buf[32];

        snprintf(buf, sizeof buf, "%" PRIu64, v);
        return cJSON_CreateRaw(buf);
}

cJSON *json_create_i64(int64_t v) {
        char buf[32];

        snprintf(buf, sizeof buf, "%" PRIi64, v);
        return cJSON_CreateRaw(buf);
}

static cJSON *json_string_or_null(const char *s) {
        return s ? json_create_string_lossy(s, strlen(s)) : cJSON_CreateNull();
}

static bool text_is_utf8(const char *s) {
        size_t n = strlen(s);

        for (size_t i = 0; i < n;) {
                size_t l = utf8_valid_length((const unsigned char *) s + i, n - i);
                if (l == 0)
                        return false;
                i += l;
        }
        return true;
}

/**
 * json_from_text: a field that holds JSON, as JSON.
 *
 * cJSON keeps numbers as doubles, so re-printing what it parsed can change a large
 * integer. When the compact re-print differs from the text, the text itself goes
 * out as a raw value (it parsed, so it is JSON); --json=pretty then leaves that one
 * value compact, which beats a wrong digit. Text that is not JSON comes back as a
 * string, so nothing is lost.
 * Return: a new item, or NULL on OOM.
 */
cJSON *json_from_text(const char *text) {
        const char *end = NULL;
        cJSON *parsed;
        _cleanup_free_ char *again = NULL;

        parsed = cJSON_ParseWithOpts(text, &end, true);
        if (!parsed || !text_is_utf8(text)) {
                cJSON_Delete(parsed);
                return json_create_string_lossy(text, strlen(text));
        }
        again = cJSON_PrintUnformatted(parsed);
        if (again && streq(again, text))
                return parsed;
        cJSON_Delete(parsed);
        return cJSON_CreateRaw(text);
}

static int json_add(cJSON *o, const char *key, cJSON *v) {
        if (!v)
                return -ENOMEM;
        if (!cJSON_AddItemToObject(o, key, v)) {
                cJSON_Delete(v);
                return -ENOMEM;
        }
        return 0;
}

static int json_add_time(cJSON *o, usec_t t) {
        char buf[TIMESTAMP_MAX];
        int r;

        r = json_add(o, "time", t > 0 ? cJSON_CreateString(timestamp_format_iso(t, buf)) : cJSON_CreateNull());
        if (r < 0)
                return r;
        return json_add(o, "timestamp_usec", t > 0 ? json_create_u64(t) : cJSON_CreateNull());
}

/**
 * herald_result_to_json: the machine form of a result, as `--json` prints it.
 *
 * Every key is always there (null when the entry lacks the field), so consumers can
 * rely on the shape: time (RFC 3339, UTC), timestamp_usec, job_id, trigger_id,
 * router, task, trigger, selector, executor, success (bool), exit_code (number),
 * error, result and param (parsed JSON), result_truncated and param_truncated
 * (bool: the writer cut the JSON to its size limit), unit, invocation_id,
 * service_result, counter, duration_usec.
 * Return: a new object, or NULL on OOM.
 */
cJSON *herald_result_to_json(const HeraldResult *res) {
        cJSON *o = cJSON_CreateObject();
        int r = 0;

        if (!o)
                return NULL;
        r = json_add_time(o, res->realtime);
        if (r >= 0)
                r = json_add(o, "job_id", json_string_or_null(res->job_id));
        if (r >= 0)
                r = json_add(o, "trigger_id", json_string_or_null(res->trigger_id));
        if (r >= 0)
                r = json_add(o, "router", json_string_or_null(res->router));
        if (r >= 0)
                r = json_add(o, "task", json_string_or_null(res->task));
        if (r >= 0)
                r = json_add(o, "trigger", json_string_or_null(res->trigger));
        if (r >= 0)
                r = json_add(o, "selector", json_string_or_null(res->selector));
        if (r >= 0)
                r = json_add(o, "executor", json_string_or_null(res->executor));
        if (r >= 0)
                r = json_add(o, "success", res->success >= 0 ? cJSON_CreateBool(res->success) : cJSON_CreateNull());
        if (r >= 0)
                r = json_add(o, "exit_code", res->has_exit_code ? json_create_i64(res->exit_code) : cJSON_CreateNull());
        if (r >= 0)
                r = json_add(o, "error", json_string_or_null(res->error));
        if (r >= 0)
                r = json_add(o, "result", res->result ? json_from_text(res->result) : cJSON_CreateNull());
        if (r >= 0)
                r = json_add(o, "param", res->param ? json_from_text(res->param) : cJSON_CreateNull());
        if (r >= 0)
                r = json_add(o, "result_truncated", cJSON_CreateBool(res->result_truncated));
        if (r >= 0)
                r = json_add(o, "param_truncated", cJSON_CreateBool(res->param_truncated));
        if (r >= 0)
                r = json_add(o, "unit", json_string_or_null(res->unit));
        if (r >= 0)
                r = json_add(o, "invocation_id", json_string_or_null(res->invocation_id));
        if (r >= 0)
                r = json_add(o, "service_result", json_string_or_null(res->service_result));
        if (r >= 0)
                r = json_add(o, "counter",
                             res->has_counter ? json_create_u64(res->counter) : cJSON_CreateNull());
        if (r >= 0)
                r = json_add(o, "duration_usec",
                             res->duration != USEC_INFINITY ? json_create_u64(res->duration) : cJSON_CreateNull());
        if (r < 0) {
                cJSON_Delete(o);
                return NULL;
        }
        return o;
}

void result_list_done(ResultList *l) {
        for (size_t i = 0; i < l->n; i++)
                herald_result_free(l->items[i]);
        free(l->items);
        l->items = NULL;
        l->n = 0;
}

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

/**
 * result_list_print_table: the runs table, oldest first, in the mode stdout calls
 * for (aligned and colored on a terminal, tab-separated when piped).
 * Return: 0 or a negative errno.
 */
int result_list_print_table(const ResultList *l, bool show_router) {
        _cleanup_table_free_ Table *t = NULL;
        int r = 0;

        if (show_router)
                t = table_new("TIME", "ROUTER", "TASK", "RESULT", "EXIT", "DURATION", "ERROR", "JOB", NULL);
        else
                t = table_new("TIME", "TASK", "RESULT", "EXIT", "DURATION", "ERROR", "JOB", NULL);
        if (!t)
                return -ENOMEM;
        table_set_align_right(t, show_router ? 4 : 3, true);
        table_set_max_width(t, show_router ? 6 : 5, 60);

        for (size_t i = 0; i < l->n && r >= 0; i++) {
                const HeraldResult *res = l->items[i];
                char ts[TIMESTAMP_MAX], span[TIMESTAMP_MAX];

                r = table_add_cell(t, timestamp_format(res->realtime, ts));
                if (r >= 0 && show_router)
                        r = table_add_cell(t, res->router);
                if (r >= 0)
                        r = table_add_cell(t, res->task);
                if (r >= 0)
                        r = table_add_cell_color(t, herald_result_state(res),
                                                 res->success > 0 ? ANSI_GREEN : res->success == 0 ? ANSI_RED : NULL);
                if (r >= 0)
                        r = res->has_exit_code ? table_add_cellf(t, "%" PRIi64, res->exit_code) : table_add_cell(t, NULL);
                if (r >= 0)
                        r = table_add_cell(t, res->duration != USEC_INFINITY ? timespan_format(res->duration, span) : NULL);
                if (r >= 0)
                        r = table_add_cell(t, res->error);
                if (r >= 0)
                        r = table_add_cell(t, res->job_id);
        }
        if (r < 0)
                return r;
        (void) table_print(t, stdout, output_table_mode(), output_use_color());
        return 0;
}

static int add_match_pair(sd_journal *j, const char *field, const char *value) {
        _cleanup_free_ char *m = NULL;

        if (asprintf(&m, "%s=%s", field, value) < 0)
                return -ENOMEM;
        return sd_journal_add_match(j, m, 0);
}

static int add_result_matches(sd_journal *j, const ResultQuery *q) {
        int r;

        sd_journal_flush_matches(j);
        r = sd_journal_add_match(j, RESULT_MATCH, 0);
        if (r >= 0)
                r = sd_journal_add_match(j, TRUSTED_MATCH, 0);
        if (r >= 0 && q->router)
                r = add_match_pair(j, "HERALD_ROUTER", q->router);
        if (r >= 0 && q->task)
                r = add_match_pair(j, "HERALD_TASK", q->task);
        if (r >= 0 && q->job_id)
                r = add_match_pair(j, "HERALD_JOB_ID", q->job_id);
        if (r >= 0 && q->failed_only)
                r = sd_journal_add_match(j, "HERALD_SUCCESS=false", 0);
        return r;
}

/**
 * journal_query_results: the trusted result entries that match q, oldest first.
 *
 * Walks backwards from q->until (or the end) so that q->limit stops the walk after
 * the newest N, then turns the list around.
 * Return: 0 with *ret filled (possibly empty), or a negative errno.
 */
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

int journal_query_results(sd_journal *j, const ResultQuery *q, ResultList *ret) {
        ResultList l = {};
        size_t allocated = 0, n_resent = 0;
        int r;

        r = add_result_matches(j, q);
        if (r < 0)
                return r;
        if (q->until == USEC_INFINITY)
                r = sd_journal_seek_tail(j);
        else
                r = sd_journal_seek_realtime_usec(j, q->until + 1);
        if (r < 0)
                return r;

        for (;;) {
                HeraldResult *res;
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
                r = herald_result_read(j, &res);
                if (r < 0)
                        goto fail;
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
 * journal_query_last_result: the newest trusted result of router (and task, if not NULL).
 * Return: 0 with *ret set, or NULL when there is none; a negative errno on failure.
 */
int journal_query_last_result(sd_journal *j, const char *router, const char *task, HeraldResult **ret) {
        ResultQuery q = RESULT_QUERY_INIT;
        ResultList l = {};
        int r;

        q.router = router;
        q.task = task;
        q.limit = 1;
        r = journal_query_results(j, &q, &l);
        if (r < 0)
                return r;
        *ret = l.n > 0 ? TAKE_PTR(l.items[0]) : NULL;
        result_list_done(&l);
        return 0;
}

/**
 * journal_fill_durations: how long each job ran, where the journal can tell.
 *
 * Result entries carry HERALD_DURATION_USEC (herald-exec's or systemd's measure of the
 * job's main process). For entries without it (older ones, or when neither could tell), the run's
 * first entry stands in: PID 1's "Starting ..." line carries INVOCATION_ID=, and the
 * job's own lines carry _SYSTEMD_INVOCATION_ID=. Duration = result entry - the first of
 * those, in journald's receive times, which may lag by tens of milliseconds under load.
 * Jobs without a unit (executor none) stay unknown. Changes the journal's matches.
 * Return: 0 or a negative errno.
 */
int journal_fill_durations(sd_journal *j, ResultList *l) {
        int r;

        for (size_t i = 0; i < l->n; i++) {
                HeraldResult *res = l->items[i];
                usec_t start;

                /* HERALD_DURATION_USEC when the entry has it */
                if (res->duration != USEC_INFINITY || isempty(res->invocation_id))
                        continue;
                sd_journal_flush_matches(j);
                r = add_match_pair(j, "INVOCATION_ID", res->invocation_id);
                if (r >= 0)
                        r = sd_journal_add_match(j, "_PID=1", 0);
                if (r >= 0)
                        r = sd_journal_add_disjunction(j);
                if (r >= 0)
                        r = add_match_pair(j, "_SYSTEMD_INVOCATION_ID", res->invocation_id);
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

void journal_line_done(JournalLine *l) {
        free(l->message);
        free(l->router);
        free(l->task);
        free(l->job_id);
        free(l->unit);
        free(l->identifier);
        free(l->message_id);
        free(l->cursor);
        *l = (JournalLine) { .priority = -1 };
}

/**
 * journal_line_add_field: take one "FIELD=value" datum of an output line.
 * _SYSTEMD_UNIT wins over UNIT= (which PID 1 sets on its lines about a unit).
 * Return: 0 or -ENOMEM.
 */
int journal_line_add_field(JournalLine *l, const void *data, size_t size) {
        const char *name, *value;
        size_t nl, vl;

        if (!split_field(data, size, &name, &nl, &value, &vl))
                return 0;
        if (name_is(name, nl, "MESSAGE"))
                return set_string(&l->message, value, vl);
        if (name_is(name, nl, "HERALD_ROUTER"))
                return set_string(&l->router, value, vl);
        if (name_is(name, nl, "HERALD_TASK"))
                return set_string(&l->task, value, vl);
        if (name_is(name, nl, "HERALD_JOB_ID"))
                return set_string(&l->job_id, value, vl);
        if (name_is(name, nl, "SYSLOG_IDENTIFIER"))
                return set_string(&l->identifier, value, vl);
        if (name_is(name, nl, "MESSAGE_ID"))
                return set_string(&l->message_id, value, vl);
        if (name_is(name, nl, "UNIT"))
                return set_string(&l->unit, value, vl);
        if (name_is(name, nl, "_SYSTEMD_UNIT")) {
                free(l->unit);
                l->unit = NULL;
                return set_string(&l->unit, value, vl);
        }
        if (name_is(name, nl, "PRIORITY"))
                l->priority = parse_priority(value, vl);
        return 0;
}

/**
 * journal_line_read: the journal's current entry as a JournalLine.
 * Return: 0, or a negative errno.
 */
int journal_line_read(sd_journal *j, JournalLine *ret) {
        JournalLine l = { .priority = -1 };
        const void *data;
        size_t size;
        int r;

        r = sd_journal_get_realtime_usec(j, &l.realtime);
        if (r < 0)
                return r;
        r = sd_journal_get_cursor(j, &l.cursor);
        if (r < 0)
                return r;
        FOREACH_AVAILABLE_DATA(j, data, size) {
                r = journal_line_add_field(&l, data, size);
                if (r < 0) {
                        journal_line_done(&l);
                        return r;
                }
        }
        *ret = l;
        return 0;
}

const char *priority_color(int priority) {
        if (priority >= 0 && priority <= 3)
                return ANSI_RED;
        if (priority == 4)
                return ANSI_YELLOW;
        if (priority == 5)
                return ANSI_BOLD;
        if (priority == 7)
                return ANSI_GREY;
        return NULL;
}

/**
 * journal_line_print: "TIMESTAMP ROUTER/TASK[JOBID8]: MESSAGE".
 *
 * A message's further lines are indented under its first; control characters other
 * than newline and tab are shown as \xNN, so a job's output cannot drive the
 * terminal.
 */
void journal_line_print(const JournalLine *l, FILE *f, bool color) {
        char ts[TIMESTAMP_MAX];
        const char *c = color ? priority_color(l->priority) : NULL;
        int prefix;

        prefix = fprintf(f, "%s %s/%s[%.8s]: ", timestamp_format(l->realtime, ts), l->router ?: "?", l->task ?: "?",
                         l->job_id ?: "?");
        if (c)
                fputs(c, f);
        for (const char *m = strempty(l->message); *m; m++) {
                unsigned char ch = (unsigned char) *m;

                if (ch == '\n') {
                        fputc('\n', f);
                        for (int i = 0; i < prefix; i++)
                                fputc(' ', f);
                } else if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
                        fprintf(f, "\\x%02x", ch);
                else
                        fputc(ch, f);
        }
        if (c)
                fputs(ANSI_NORMAL, f);
        fputc('\n', f);
}

/**
 * journal_line_to_json: {time, timestamp_usec, priority, router, task, job_id, unit,
 * identifier, message_id, message, cursor}; missing fields are null.
 * Return: a new object, or NULL on OOM.
 */
cJSON *journal_line_to_json(const JournalLine *l) {
        cJSON *o = cJSON_CreateObject();
        int r;

        if (!o)
                return NULL;
        r = json_add_time(o, l->realtime);
        if (r >= 0)
                r = json_add(o, "priority", l->priority >= 0 ? cJSON_CreateNumber(l->priority) : cJSON_CreateNull());
        if (r >= 0)
                r = json_add(o, "router", json_string_or_null(l->router));
        if (r >= 0)
                r = json_add(o, "task", json_string_or_null(l->task));
        if (r >= 0)
                r = json_add(o, "job_id", json_string_or_null(l->job_id));
        if (r >= 0)
                r = json_add(o, "unit", json_string_or_null(l->unit));
        if (r >= 0)
                r = json_add(o, "identifier", json_string_or_null(l->identifier));
        if (r >= 0)
                r = json_add(o, "message_id", json_string_or_null(l->message_id));
        if (r >= 0)
                r = json_add(o, "message", json_string_or_null(l->message));
        if (r >= 0)
                r = json_add(o, "cursor", json_string_or_null(l->cursor));
        if (r < 0) {
                cJSON_Delete(o);
                return NULL;
        }
        return o;
}

int journal_seek_last_lines(sd_journal *j, const char *field, const char *value, size_t n) {
        _cleanup_free_ char *cursor = NULL;
        int r;

        sd_journal_flush_matches(j);
        r = add_match_pair(j, field, value);
        if (r < 0)
                return r;
        if (n == 0)
                return sd_journal_seek_head(j);

        r = sd_journal_seek_tail(j);
        if (r < 0)
                return r;
        r = sd_journal_previous_skip(j, n);
        if (r < 0)
                return r;
        if (r == 0)
                return sd_journal_seek_tail(j);
        /* previous_skip() made the oldest wanted entry current; seeking to its cursor lets
         * the caller's first sd_journal_next() return it. */
        r = sd_journal_get_cursor(j, &cursor);
        if (r < 0)
                return r;
        return sd_journal_seek_cursor(j, cursor);
}

/**
 * journal_open: open the journal the read verbs look at.
 * @directory: -D: the journal files in this directory (e.g. a runner's, uploaded)
 * @name_space: --namespace: that namespace together with the default one, which
 *              holds the result entries
 *
 * The data threshold is lifted: HERALD_RESULT and HERALD_PARAM may exceed 64 KiB.
 * Return: 0 or a negative errno (logged by the caller).
 */
int journal_open(const char *directory, const char *name_space, sd_journal **ret) {
        sd_journal *j = NULL;
        int r;

        if (directory)
                r = sd_journal_open_directory(&j, directory, 0);
        else if (name_space)
                r = sd_journal_open_namespace(&j, name_space, SD_JOURNAL_LOCAL_ONLY | SD_JOURNAL_INCLUDE_DEFAULT_NAMESPACE);
        else
                r = sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY);
        if (r < 0)
                return r;
        r = sd_journal_set_data_threshold(j, 0);
        if (r < 0) {
                sd_journal_close(j);
                return r;
        }
        *ret = j;
        return 0;
}

bool job_id_prefix_valid(const char *s) {
        size_t n = strlen(s);

        if (n < JOB_ID_PREFIX_MIN || n > 36)
                return false;
        for (; *s; s++)
                if (!isxdigit((unsigned char) *s) && *s != '-')
                        return false;
        return true;
}

/**
 * journal_resolve_job_id: the full job id a prefix stands for.
 * @prefix: a full id, or its first JOB_ID_PREFIX_MIN or more characters
 *
 * Looks through the unique values of HERALD_JOB_ID (result entries and job output
 * alike), so a job that is still running is found too.
 * Return: 0 with *ret set, JOB_ID_NOT_FOUND, JOB_ID_AMBIGUOUS, or a negative errno.
 */
int journal_resolve_job_id(sd_journal *j, const char *prefix, char **ret) {
        static const char field[] = "HERALD_JOB_ID=";
        _cleanup_free_ char *found = NULL;
        size_t plen = strlen(prefix);
        const void *data;
        size_t size;
        int r;

        if (!job_id_prefix_valid(prefix))
                return JOB_ID_NOT_FOUND;

        r = sd_journal_query_unique(j, "HERALD_JOB_ID");
        if (r < 0)
                return r;
        SD_JOURNAL_FOREACH_UNIQUE(j, data, size) {
                const char *v;
                size_t vl;

                if (size < strlen(field) || memcmp(data, field, strlen(field)) != 0)
                        continue;
                v = (const char *) data + strlen(field);
                vl = size - strlen(field);
                if (vl < plen || strncasecmp(v, prefix, plen) != 0)
                        continue;
                if (found) {
                        if (strlen(found) == vl && memcmp(found, v, vl) == 0)
                                continue;
                        return JOB_ID_AMBIGUOUS;
                }
                found = memdup_nul(v, vl);
                if (!found)
                        return -ENOMEM;
        }
        if (!found)
                return JOB_ID_NOT_FOUND;
        *ret = TAKE_PTR(found);
        return 0;
}

static bool in_group(const char *name) {
        _cleanup_free_ gid_t *groups = NULL;
        struct group *g = getgrnam(name);
        int n;

        if (!g)
                return false;
        if (getegid() == g->gr_gid)
                return true;
        n = getgroups(0, NULL);
        if (n <= 0)
                return false;
        groups = calloc((size_t) n, sizeof *groups);
        if (!groups)
                return false;
        n = getgroups(n, groups);
        for (int i = 0; i < n; i++)
                if (groups[i] == g->gr_gid)
                        return true;
        return false;
}

/* Can we read this machine's system.journal, in /run or /var (ACLs count too)? */
static bool system_journal_readable(void) {
        static const char *const bases[] = { "/run/log/journal", "/var/log/journal" };
        sd_id128_t machine;
        char path[128];

        if (sd_id128_get_machine(&machine) < 0)
                return false;
        for (size_t i = 0; i < ELEMENTSOF(bases); i++) {
                snprintf(path, sizeof path, "%s/" SD_ID128_FORMAT_STR "/system.journal", bases[i],
                         SD_ID128_FORMAT_VAL(machine));
                if (access(path, R_OK) == 0)
                        return true;
        }
        return false;
}

/**
 * journal_access_denied: would an empty answer only mean that the caller may not read
 * the journal? With -D: no journal file there could be opened. Otherwise: not root,
 * and this machine's system.journal is not readable (group systemd-journal or adm,
 * or an ACL, is what makes it readable).
 */
bool journal_access_denied(sd_journal *j, const char *directory) {
        uint64_t usage = 0;

        if (directory)
                return sd_journal_get_usage(j, &usage) >= 0 && usage == 0;
        if (geteuid() == 0)
                return false;
        return !system_journal_readable();
}

/**
 * journal_report_unreadable: say why nothing can be shown, instead of an empty list.
 * Return: TASKCTL_EXIT_NO_ACCESS.
 */
int journal_report_unreadable(const char *directory) {
        if (directory)
                log_error("No journal files that can be read in '%s'.", directory);
        else if (in_group("systemd-journal") || in_group("adm"))
                log_error("you cannot read the system journal, although you are in group 'systemd-journal' or 'adm'; "
                          "check the permissions of /var/log/journal and /run/log/journal (systemd-tmpfiles sets them).");
        else
                log_error("you cannot read the system journal; add yourself to group 'systemd-journal' "
                          "(usermod -a -G systemd-journal \"$USER\", then log in again), or run taskctl as root.");
        return TASKCTL_EXIT_NO_ACCESS;
}

int json_mode_from_string(const char *s, JsonMode *ret) {
        if (!s || streq(s, "short"))
                *ret = JSON_SHORT;
        else if (streq(s, "pretty"))
                *ret = JSON_PRETTY;
        else if (streq(s, "off"))
                *ret = JSON_OFF;
        else
                return -EINVAL;
        return 0;
}

/**
 * json_print_pretty: cJSON's indented form with two spaces per level and one after
 * each colon, instead of tabs. Tabs inside strings are escaped by cJSON, so every
 * raw tab in its output is layout.
 * Return: a new string, or NULL on OOM.
 */
char *json_print_pretty(const cJSON *doc) {
        _cleanup_free_ char *s = cJSON_Print(doc);
        size_t tabs = 0, k = 0;
        bool line_start = true;
        char *t;

        if (!s)
                return NULL;
        for (const char *p = s; *p; p++)
                tabs += *p == '\t';
        t = malloc(strlen(s) + tabs + 1);
        if (!t)
                return NULL;
        for (const char *p = s; *p; p++) {
                if (*p == '\t') {
                        if (line_start) {
                                t[k++] = ' ';
                                t[k++] = ' ';
                        } else
                                t[k++] = ' ';
                        continue;
                }
                line_start = *p == '\n';
                t[k++] = *p;
        }
        t[k] = 0;
        return t;
}

int json_output(const cJSON *doc, JsonMode mode) {
        _cleanup_free_ char *s = mode == JSON_PRETTY ? json_print_pretty(doc) : cJSON_PrintUnformatted(doc);

        if (!s)
                return -ENOMEM;
        fputs(s, stdout);
        fputc('\n', stdout);
        return 0;
}
