/* SPDX-License-Identifier: MIT */
/* metrics.c: heraldd's /metrics, in the OpenMetrics text format (or Prometheus' 0.0.4)
 *
 * heraldd exits when idle, so what it counts in memory starts again at every start. Two
 * kinds of numbers therefore:
 *  - runs and their durations come from the result entries in the journal, the durable
 *    record: the first scrape of a heraldd reads back the newest METRICS_READ_BACK_MAX
 *    of them, each later scrape adds the entries written since (from a cursor, at most
 *    METRICS_SCRAPE_MAX a scrape). They reset (drop) when a new heraldd starts and the
 *    read-back window has moved on, as any counter of a restarted process does;
 *  - running, queued and starting jobs, connections and rejected requests are heraldd's
 *    own, since its start (herald_daemon_start_time_seconds).
 * Prometheus' rate() and increase() take resets in their stride.
 *
 * The format is chosen by the Accept header as Prometheus' client libraries do it:
 * OpenMetrics when asked for (Prometheus asks for it first), else the 0.0.4 text format
 * that promtool, curl users and older scrapers read.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <systemd/sd-journal.h>

#include "log.h"
#include "macro.h"
#include "manager.h"
#include "result-read.h"
#include "status.h"
#include "strmap.h"
#include "utf8.h"

/* Seconds: from a quick 'true' to an hour-long job. */
static const double duration_buckets[] = { 0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600 };
#define N_BUCKETS ELEMENTSOF(duration_buckets)

enum { RUN_SUCCESS, RUN_FAILED, RUN_UNKNOWN, _RUN_STATE_MAX };
static const char *const run_state[_RUN_STATE_MAX] = { "success", "failed", "unknown" };

typedef struct Series {
        char *router, *task;
        uint64_t runs[_RUN_STATE_MAX];
        uint64_t buckets[N_BUCKETS];    /* not cumulative here; summed when written */
        uint64_t n_durations;
        double duration_sum;            /* seconds */
} Series;

struct MetricsState {
        StrMap series;                  /* "<len(router)>:<router><task>" -> Series */
        char *cursor;                   /* the last result entry counted */
        uint64_t dropped;               /* entries of router/task pairs beyond METRICS_SERIES_MAX */
        uint64_t read;                  /* result entries read from the journal */
};

static void series_free(void *p) {
        Series *s = p;

        if (!s)
                return;
        free(s->router);
        free(s->task);
        free(s);
}

MetricsState *metrics_state_free(MetricsState *s) {
        if (!s)
                return NULL;
        strmap_done(&s->series, series_free);
        free(s->cursor);
        free(s);
        return NULL;
}

static Series *series_get(MetricsState *s, const char *router, const char *task) {
        _cleanup_free_ char *key = NULL;
        Series *e;

        if (asprintf(&key, "%zu:%s%s", strlen(router), router, task) < 0)
                return NULL;
        e = strmap_get(&s->series, key);
        if (e || strmap_size(&s->series) >= METRICS_SERIES_MAX)
                return e;
        e = calloc(1, sizeof *e);
        if (!e)
                return NULL;
        e->router = strdup(router);
        e->task = strdup(task);
        if (!e->router || !e->task || strmap_put(&s->series, key, e) < 0) {
                series_free(e);
                return NULL;
        }
        return e;
}

static void count_result(MetricsState *s, const HeraldResult *res) {
        Series *e;
        const char *state;

        /* A second copy of an entry (herald-done's resend) is the same run. */
        if (res->resent || !res->router || !res->task)
                return;
        e = series_get(s, res->router, res->task);
        if (!e) {
                s->dropped++;
                return;
        }
        state = herald_result_state(res);
        e->runs[streq(state, "success") ? RUN_SUCCESS : streq(state, "failed") ? RUN_FAILED : RUN_UNKNOWN]++;
        if (res->duration != USEC_INFINITY) {
                double sec = (double) res->duration / USEC_PER_SEC;

                e->n_durations++;
                e->duration_sum += sec;
                for (size_t i = 0; i < N_BUCKETS; i++)
                        if (sec <= duration_buckets[i]) {
                                e->buckets[i]++;
                                break;
                        }
        }
}

/* Reads the result entries written since the last scrape (the newest few on the first). */
static int metrics_update(MetricsState *s) {
        _cleanup_(sd_journal_closep) sd_journal *j = NULL;
        const uid_t *trusted;
        size_t n_trusted, n = 0;
        int r;

        trusted = result_trusted_writers(&n_trusted);
        r = sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY);
        if (r < 0)
                return r;
        /* A result entry's JSON may be 64 KiB; only its names and numbers count here. */
        (void) sd_journal_set_data_threshold(j, METRICS_DATA_THRESHOLD);
        r = result_add_matches(j);
        if (r < 0)
                return r;

        if (s->cursor) {
                r = sd_journal_seek_cursor(j, s->cursor);
                if (r < 0)
                        return r;
                r = sd_journal_next(j);
                /* the entry itself was counted; one rotated away leaves us on the next */
                if (r > 0 && sd_journal_test_cursor(j, s->cursor) > 0)
                        r = sd_journal_next(j);
        } else {
                r = sd_journal_seek_tail(j);
                if (r < 0)
                        return r;
                r = sd_journal_previous_skip(j, METRICS_READ_BACK_MAX);
        }
        if (r < 0)
                return r;

        for (; r > 0 && n < METRICS_SCRAPE_MAX; r = sd_journal_next(j), n++) {
                _cleanup_(herald_result_freep) HeraldResult *res = NULL;
                char *c = NULL;

                r = result_read_entry(j, trusted, n_trusted, &res);
                if (r < 0)
                        return r;
                if (r > 0) {
                        s->read++;
                        count_result(s, res);
                }
                if (sd_journal_get_cursor(j, &c) >= 0) {
                        free(s->cursor);
                        s->cursor = c;
                }
        }
        return r < 0 ? r : 0;
}

/* A label value: \ " and newline escaped, invalid UTF-8 replaced (both formats). */
static void write_label(FILE *f, const char *name, const char *value) {
        _cleanup_free_ char *valid = NULL;
        size_t size = 0;

        if (utf8_make_valid(value, strlen(value), &valid, &size) < 0 || !valid)
                valid = strdup("");
        fprintf(f, "%s=\"", name);
        for (const char *p = strempty(valid); *p; p++)
                if (*p == '\\')
                        fputs("\\\\", f);
                else if (*p == '"')
                        fputs("\\\"", f);
                else if (*p == '\n')
                        fputs("\\n", f);
                else
                        fputc(*p, f);
        fputc('"', f);
}

/* A float as both formats read it: "0.1", "1.0", "+Inf". */
static void write_float(FILE *f, double v) {
        char buf[64];

        if (isinf(v)) {
                fputs(v > 0 ? "+Inf" : "-Inf", f);
                return;
        }
        /* whole numbers as "60.0", not "6e+01"; others in the shortest form that reads back */
        if (v == floor(v) && fabs(v) < 1e15) {
                fprintf(f, "%.1f", v);
                return;
        }
        snprintf(buf, sizeof buf, "%.17g", v);
        for (int prec = 1; prec <= 17; prec++) {
                snprintf(buf, sizeof buf, "%.*g", prec, v);
                if (strtod(buf, NULL) == v)
                        break;
        }
        fputs(buf, f);
        if (!strpbrk(buf, ".eEn"))
                fputs(".0", f);
}

/* # HELP, # TYPE (and # UNIT in OpenMetrics) of a family. OpenMetrics names a counter's
 * family without "_total", 0.0.4 with it. */
static void write_family(FILE *f, bool om, const char *name, const char *type, const char *unit, const char *help) {
        const char *suffix = !om && streq(type, "counter") ? "_total" : "";

        fprintf(f, "# HELP %s%s %s\n", name, suffix, help);
        fprintf(f, "# TYPE %s%s %s\n", name, suffix, type);
        if (om && unit)
                fprintf(f, "# UNIT %s %s\n", name, unit);
}

static void write_gauge(FILE *f, bool om, const char *name, const char *unit, const char *help, double v) {
        write_family(f, om, name, "gauge", unit, help);
        fprintf(f, "%s ", name);
        write_float(f, v);
        fputc('\n', f);
}

static void write_runs(FILE *f, bool om, MetricsState *s) {
        const char *key;
        void *v;

        write_family(f, om, "herald_runs", "counter", NULL,
                     "Finished runs by router, task and result (from the journal's result entries).");
        for (size_t i = 0; strmap_next(&s->series, &i, &key, &v);) {
                Series *e = v;

                for (int k = 0; k < _RUN_STATE_MAX; k++) {
                        fputs("herald_runs_total{", f);
                        write_label(f, "router", e->router);
                        fputc(',', f);
                        write_label(f, "task", e->task);
                        fputc(',', f);
                        write_label(f, "result", run_state[k]);
                        fprintf(f, "} %" PRIu64 "\n", e->runs[k]);
                }
        }

        write_family(f, om, "herald_run_duration_seconds", "histogram", "seconds",
                     "How long runs took, by router and task (runs whose entry has a duration).");
        for (size_t i = 0; strmap_next(&s->series, &i, &key, &v);) {
                Series *e = v;
                uint64_t cum = 0;

                for (size_t b = 0; b <= N_BUCKETS; b++) {
                        if (b < N_BUCKETS)
                                cum += e->buckets[b];
                        fputs("herald_run_duration_seconds_bucket{", f);
                        write_label(f, "router", e->router);
                        fputc(',', f);
                        write_label(f, "task", e->task);
                        fputs(",le=\"", f);
                        write_float(f, b < N_BUCKETS ? duration_buckets[b] : INFINITY);
                        fprintf(f, "\"} %" PRIu64 "\n", b < N_BUCKETS ? cum : e->n_durations);
                }
                fputs("herald_run_duration_seconds_count{", f);
                write_label(f, "router", e->router);
                fputc(',', f);
                write_label(f, "task", e->task);
                fprintf(f, "} %" PRIu64 "\n", e->n_durations);
                fputs("herald_run_duration_seconds_sum{", f);
                write_label(f, "router", e->router);
                fputc(',', f);
                write_label(f, "task", e->task);
                fputs("} ", f);
                write_float(f, e->duration_sum);
                fputc('\n', f);
        }
}

static void write_rejects(FILE *f, bool om, const HttpServer *http) {
        const char *name;
        const uint64_t *counts;

        write_family(f, om, "herald_http_rejected", "counter", NULL,
                     "Trigger requests refused, by trigger and reason, since heraldd started.");
        for (size_t i = 0; http && http_server_rejects(http, i, &name, &counts) >= 0; i++)
                for (HttpReject r = 0; r < _HTTP_REJECT_MAX; r++) {
                        char code[16] = "none";

                        if (http_reject_status(r) > 0)
                                snprintf(code, sizeof code, "%u", http_reject_status(r));
                        fputs("herald_http_rejected_total{", f);
                        write_label(f, "trigger", name);
                        fputc(',', f);
                        write_label(f, "reason", http_reject_reason(r));
                        fputc(',', f);
                        write_label(f, "code", code);
                        fprintf(f, "} %" PRIu64 "\n", counts[r]);
                }
}

bool metrics_accept_openmetrics(const char *accept) {
        return accept && strstr(accept, "application/openmetrics-text");
}

/**
 * metrics_write() - heraldd's metrics
 * @m: the manager
 * @f: where to write them
 * @openmetrics: OpenMetrics 1.0.0 (ends with "# EOF"), else Prometheus' text format 0.0.4
 *
 * Reads the result entries written since the last call first (see the top of this file).
 * A journal that cannot be read leaves the runs as they were and sets
 * herald_journal_readable to 0, so a scrape always answers.
 *
 * Return: 0 or -ENOMEM.
 */
int metrics_write(Manager *m, FILE *f, bool om) {
        int r = 0;

        if (!m->metrics) {
                m->metrics = calloc(1, sizeof *m->metrics);
                if (!m->metrics)
                        return -ENOMEM;
        }
        r = metrics_update(m->metrics);
        if (r < 0)
                log_warning_errno(r, "/metrics: cannot read result entries from the journal: %m");

        write_runs(f, om, m->metrics);
        write_gauge(f, om, "herald_jobs_running", NULL, "Jobs heraldd started that have not ended.", m->n_running);
        write_gauge(f, om, "herald_jobs_queued", NULL, "Accepted jobs waiting to be started (the queue's depth).",
                    m->n_queued);
        write_gauge(f, om, "herald_jobs_starting", NULL, "Starts asked of herald-activate, not answered yet.",
                    m->n_starting);
        write_gauge(f, om, "herald_jobs_queue_limit", NULL, "Queued jobs beyond which requests are answered 503.",
                    m->max_queued);
        write_gauge(f, om, "herald_http_busy", NULL, "Open HTTP connections and requests not answered yet.",
                    m->http ? http_server_busy(m->http) : 0);
        write_rejects(f, om, m->http);
        write_family(f, om, "herald_journal_results_read", "counter", NULL,
                     "Result entries read from the journal for these metrics since heraldd started.");
        fprintf(f, "herald_journal_results_read_total %" PRIu64 "\n", m->metrics->read);
        write_family(f, om, "herald_metrics_series_dropped", "counter", NULL,
                     "Result entries not counted: more router/task pairs than the metrics keep.");
        fprintf(f, "herald_metrics_series_dropped_total %" PRIu64 "\n", m->metrics->dropped);
        write_gauge(f, om, "herald_journal_readable", NULL, "1 when heraldd could read the result entries, else 0.",
                    r < 0 ? 0 : 1);
        write_gauge(f, om, "herald_daemon_start_time_seconds", "seconds",
                    "When this heraldd started (Unix time): its own counters count from here.",
                    (double) m->start_realtime_usec / USEC_PER_SEC);
        if (om)
                fputs("# EOF\n", f);
        return ferror(f) ? -ENOMEM : 0;
}
