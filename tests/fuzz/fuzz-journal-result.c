/* SPDX-License-Identifier: MIT */
/* fuzz-journal-result.c: journal entries as taskctl reads them back
 *
 * Result entries are trusted by _UID=0, but their values still come from what jobs
 * said (error texts, results), and a job's output lines carry fields the job chose.
 * The input is a little journal in the export format (journalctl -o export):
 * entries separated by an empty line, each field "NAME=value\n", or, for values
 * with any bytes, "NAME\n" + the size (64-bit little-endian) + the bytes + "\n";
 * __REALTIME_TIMESTAMP= sets the entry's time. Every field goes to
 * herald_result_add_field() (src/shared/result-read.c, then herald_result_parse_json())
 * and journal_line_add_field() (src/taskctl/journal-read.c),
 * and the entries to what taskctl prints from them: --json (compact and pretty), the
 * runs table (both modes), the log lines.
 *
 * Invariants: the result and param objects are objects; the JSON taskctl prints
 * parses (when the HERALD_RESULT and HERALD_PARAM values themselves are JSON, which is
 * all herald writes); the table and the log lines hold no control characters a job
 * could drive a terminal with.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fuzz-util.h"
#include "journal-read.h"
#include "json-parse.h"
#include "json-util.h"
#include "macro.h"
#include "table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ENTRIES_MAX 64

typedef struct Entry {
        HeraldResult *res;
        JournalLine line;
} Entry;

static bool json_text_ok(const char *s) {
        _cleanup_json_ cJSON *v = NULL;

        return !s || json_parse(s, strlen(s), &v) == 0;
}

/* Parses with our strict parser (ENOMEM aside). */
static void check_json_text(const char *s) {
        _cleanup_json_ cJSON *v = NULL;
        int r;

        if (!s)
                return;
        r = json_parse(s, strlen(s), &v);
        if (r != 0 && r != -ENOMEM && getenv("HERALD_FUZZ_VERBOSE"))
                fprintf(stderr, "taskctl printed invalid JSON (%s): %.300s\n", strerror(-r), s);
        FUZZ_CHECK(r == 0 || r == -ENOMEM);
}

/* Nothing that drives a terminal: no control character but the allowed ones. */
static void check_terminal_safe(const char *s, size_t n, const char *allowed) {
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char) s[i];
                if (c < 0x20 || c == 0x7f)
                        FUZZ_CHECK(c != 0 && strchr(allowed, c));
        }
}

static bool has_control(const char *s, size_t max) {
        for (size_t i = 0; s && s[i] && i < max; i++)
                if ((unsigned char) s[i] < 0x20 || s[i] == 0x7f)
                        return true;
        return false;
}

static void check_line(const JournalLine *l) {
        _cleanup_json_ cJSON *o = journal_line_to_json(l);
        _cleanup_free_ char *compact = NULL, *buf = NULL;
        size_t n = 0;
        FILE *f;

        if (o) {
                compact = cJSON_PrintUnformatted(o);
                check_json_text(compact);
        }

        f = open_memstream(&buf, &n);
        if (!f)
                return;
        journal_line_print(l, f, false);
        if (fclose(f) != 0)
                return;
        /* The message is escaped; router, task and job id are printed as they are (the
         * job's unit sets them through LogExtraFields=), so only check when they are plain. */
        if (!has_control(l->router, SIZE_MAX) && !has_control(l->task, SIZE_MAX) && !has_control(l->job_id, 8))
                check_terminal_safe(buf, n, "\n\t");
}

static void check_result(const HeraldResult *res) {
        _cleanup_json_ cJSON *o = herald_result_to_json(res);
        _cleanup_free_ char *compact = NULL, *pretty = NULL;
        const char *state = herald_result_state(res);

        FUZZ_CHECK(streq(state, "success") || streq(state, "failed") || streq(state, "unknown"));
        FUZZ_CHECK(res->success >= -1 && res->success <= 1);
        FUZZ_CHECK(res->priority >= -1 && res->priority <= 7);
        if (!o)
                return;
        compact = cJSON_PrintUnformatted(o);
        pretty = json_print_pretty(o);
        /* Values that are not JSON come out as strings; JSON ones as JSON. */
        if (json_text_ok(res->result_text) && json_text_ok(res->param_text)) {
                check_json_text(compact);
                check_json_text(pretty);
        }
}

/* The runs table, as `taskctl history` prints it: to a pipe (the real function, with
 * stdout swapped for a buffer) and, the same cells, to a terminal. */
static void check_tables(Entry *e, size_t n) {
        _cleanup_free_ HeraldResult **items = NULL;
        _cleanup_free_ char *buf = NULL;
        _cleanup_table_free_ Table *t = NULL;
        ResultList l;
        size_t len = 0;
        FILE *f, *saved;
        int r = 0;

        items = calloc(n ?: 1, sizeof *items);
        if (!items)
                return;
        for (size_t i = 0; i < n; i++)
                items[i] = e[i].res;
        l = (ResultList) { .items = items, .n = n };

        f = open_memstream(&buf, &len);
        if (!f)
                return;
        fflush(stdout);
        saved = stdout;
        stdout = f;
        r = result_list_print_table(&l, n % 2 == 0);
        stdout = saved;
        if (fclose(f) != 0)
                return;
        if (r >= 0 && !output_is_tty()) {
                /* plain: one tab between cells, one row a line, nothing else */
                size_t cols = n % 2 == 0 ? 8 : 7, tabs = 0, rows = 0;

                check_terminal_safe(buf, len, "\n\t");
                for (size_t i = 0; i < len; i++) {
                        if (buf[i] == '\t')
                                tabs++;
                        else if (buf[i] == '\n') {
                                FUZZ_CHECK(tabs == cols - 1);
                                tabs = 0;
                                rows++;
                        }
                }
                FUZZ_CHECK(rows == n);
        }
        free(buf);
        buf = NULL;
        len = 0;

        t = table_new("ROUTER", "TASK", "RESULT", "EXIT", "ERROR", "JOB", NULL);
        if (!t)
                return;
        table_set_align_right(t, 3, true);
        table_set_max_width(t, 4, 60);
        for (size_t i = 0; i < n && r >= 0; i++) {
                const HeraldResult *res = e[i].res;
                r = table_add_cell(t, res->router);
                if (r >= 0)
                        r = table_add_cell(t, res->task);
                if (r >= 0)
                        r = table_add_cell_color(t, herald_result_state(res), res->success > 0 ? ANSI_GREEN : NULL);
                if (r >= 0)
                        r = res->has_exit_code ? table_add_cellf(t, "%" PRIi64, res->exit_code) : table_add_cell(t, NULL);
                if (r >= 0)
                        r = table_add_cell(t, res->error);
                if (r >= 0)
                        r = table_add_cell(t, res->job_id);
        }
        if (r < 0)
                return;
        f = open_memstream(&buf, &len);
        if (!f)
                return;
        (void) table_print(t, f, TABLE_PRETTY, false);
        if (fclose(f) != 0)
                return;
        check_terminal_safe(buf, len, "\n");
}

/* One datum to both readers, as sd_journal_enumerate_data() hands it over. */
static int add_datum(Entry *e, const char *d, size_t n) {
        int r;

        if (n > strlen("__REALTIME_TIMESTAMP=") && memcmp(d, "__REALTIME_TIMESTAMP=", 21) == 0) {
                char buf[32];
                size_t l = n - 21;
                if (l < sizeof buf) {
                        memcpy(buf, d + 21, l);
                        buf[l] = 0;
                        e->res->realtime = e->line.realtime = strtoull(buf, NULL, 10);
                }
                return 0;
        }
        r = herald_result_add_field(e->res, d, n);
        FUZZ_CHECK(r == 0 || r == -ENOMEM);
        if (r < 0)
                return r;
        r = journal_line_add_field(&e->line, d, n);
        FUZZ_CHECK(r == 0 || r == -ENOMEM);
        return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const char *p = (const char *) data, *end = p + size;
        Entry e[ENTRIES_MAX] = {};
        size_t n = 0;

        while (p < end && n < ENTRIES_MAX) {
                Entry *cur = &e[n];

                cur->res = herald_result_new();
                if (!cur->res)
                        break;
                cur->line = (JournalLine) { .priority = -1 };
                n++;

                /* fields up to an empty line */
                while (p < end && *p != '\n') {
                        const char *nl = memchr(p, '\n', (size_t) (end - p)) ?: end;
                        const char *eq = memchr(p, '=', (size_t) (nl - p));

                        if (eq) {
                                if (add_datum(cur, p, (size_t) (nl - p)) < 0)
                                        goto finish;
                                p = nl < end ? nl + 1 : end;
                                continue;
                        }

                        /* binary: NAME\n, le64 size, the bytes, \n */
                        {
                                _cleanup_free_ char *d = NULL;
                                size_t nl_len = (size_t) (nl - p);
                                uint64_t len = 0;

                                if ((size_t) (end - nl) < 9)
                                        goto finish;
                                for (int i = 0; i < 8; i++)
                                        len |= (uint64_t) (uint8_t) nl[1 + i] << (8 * i);
                                if (len > (uint64_t) (end - nl - 9))
                                        goto finish;
                                d = malloc(nl_len + 1 + (size_t) len);
                                if (!d)
                                        goto finish;
                                memcpy(d, p, nl_len);
                                d[nl_len] = '=';
                                memcpy(d + nl_len + 1, nl + 9, (size_t) len);
                                if (add_datum(cur, d, nl_len + 1 + (size_t) len) < 0)
                                        goto finish;
                                p = nl + 9 + len;
                                if (p < end && *p == '\n')
                                        p++;
                        }
                }
                if (p < end)
                        p++; /* the empty line */
        }

finish:
        for (size_t i = 0; i < n; i++) {
                int r = herald_result_parse_json(e[i].res);

                FUZZ_CHECK(r == 0 || r == -ENOMEM);
                /* the objects heraldd builds exe_done's trigger param from: always objects */
                FUZZ_CHECK(cJSON_IsObject(e[i].res->result) && cJSON_IsObject(e[i].res->param));
                /* as result_list_fill_durations() would: since the entry before */
                if (i > 0 && e[i].res->realtime > e[i - 1].res->realtime)
                        e[i].res->duration = e[i].res->realtime - e[i - 1].res->realtime;
                check_result(e[i].res);
                check_line(&e[i].line);
        }
        check_tables(e, n);

        for (size_t i = 0; i < n; i++) {
                herald_result_free(e[i].res);
                journal_line_done(&e[i].line);
        }
        return 0;
}
