/* SPDX-License-Identifier: MIT */
/* status-page.c: heraldd's read-only status page (docs/HERALDD.md, "Status page")
 *
 *   /            routers, their triggers and next firing, running jobs, the last runs
 *   /job/JOB_ID  one run: its result entry and its output (the job's journal lines)
 *   /style.css   the page's only style; there is no script at all
 *   /metrics     metrics.c
 *
 * Everything a job, the journal or the workflow supplies goes through html_escape()
 * (src/shared/html-escape.c), in text and attributes alike; heraldd's own text is
 * written as is. The Content-Security-Policy (http-server.c) allows no script and
 * nothing from elsewhere, so even an escaping slip could not run anything.
 *
 * Each page opens the journal for itself and reads a bounded number of entries
 * (status.h), so a page costs what the bounds allow however long the journal is.
 * Timers' next firing comes from systemd over the bus (unit-state.c, as taskctl list).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <systemd/sd-journal.h>

#include "config.h"
#include "herald-id.h"
#include "html-escape.h"
#include "journal-field.h"
#include "log.h"
#include "macro.h"
#include "manager.h"
#include "result-read.h"
#include "status.h"
#include "unit-name.h"
#include "unit-state.h"
#include "utf8.h"

#define CONTENT_TYPE_HTML "text/html; charset=utf-8"
#define CONTENT_TYPE_CSS "text/css; charset=utf-8"
#define CONTENT_TYPE_TEXT "text/plain; charset=utf-8"
#define CONTENT_TYPE_OPENMETRICS "application/openmetrics-text; version=1.0.0; charset=utf-8"
#define CONTENT_TYPE_PROMETHEUS "text/plain; version=0.0.4; charset=utf-8"
#define JOB_PATH "/job/"

static const char style_css[] =
        "body{font-family:sans-serif;margin:1.5em;color:#222;background:#fff}\n"
        "h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em}\n"
        "table{border-collapse:collapse}th,td{padding:.25em .7em;text-align:left;border-bottom:1px solid #ddd;vertical-align:top}\n"
        "th{background:#f3f3f3}.none{color:#888}\n"
        ".success{color:#176b1d}.failed{color:#b00020;font-weight:bold}.unknown,.running{color:#8a5a00}\n"
        "tr.failed td{background:#fdecee}\n"
        "pre.output{background:#111;color:#eee;padding:.8em;overflow-x:auto;white-space:pre-wrap}\n"
        ".cut{color:#f90}\n"
        "footer{margin-top:2em;color:#666;font-size:.9em}\n";

/* Job-, journal- and workflow-provided text: always through here. */
static void esc(FILE *f, const char *s) {
        if (!s)
                return;
        (void) html_escape_write(f, s, strlen(s));
}

static void esc_or_none(FILE *f, const char *s) {
        if (isempty(s))
                fputs("<span class=\"none\">\xe2\x80\x94</span>", f);
        else
                esc(f, s);
}

static void page_head(FILE *f, const char *title) {
        fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
              "<meta name=\"viewport\" content=\"width=device-width\">\n"
              "<link rel=\"stylesheet\" href=\"/style.css\">\n<title>", f);
        esc(f, title);
        fputs("</title></head><body>\n", f);
}

static void page_foot(FILE *f) {
        char buf[TIMESTAMP_MAX];

        fprintf(f, "<footer>heraldd %s, page made %s. Read-only; <a href=\"/metrics\">metrics</a>.</footer>\n"
                   "</body></html>\n",
                HERALD_VERSION, timestamp_format(now_realtime(), buf));
}

static void result_cell(FILE *f, const char *state) {
        fprintf(f, "<td class=\"result %s\">%s</td>", state, state);
}

static void duration_cell(FILE *f, usec_t d) {
        char buf[TIMESTAMP_MAX];

        if (d == USEC_INFINITY)
                fputs("<td class=\"none\">\xe2\x80\x94</td>", f);
        else
                fprintf(f, "<td>%s</td>", timespan_format(d, buf));
}

static bool job_id_valid(const char *s) {
        size_t n = strlen(s);

        return n > 0 && n <= HERALD_ID_LEN && strspn(s, "0123456789abcdefABCDEF-") == n;
}

static void job_link(FILE *f, const char *job_id) {
        if (isempty(job_id)) {
                fputs("<span class=\"none\">\xe2\x80\x94</span>", f);
                return;
        }
        if (job_id_valid(job_id)) {
                /* only hex digits and '-': nothing to escape, but the rule is the rule */
                fputs("<a href=\"" JOB_PATH, f);
                esc(f, job_id);
                fputs("\">", f);
                esc(f, job_id);
                fputs("</a>", f);
        } else
                esc(f, job_id);
}

/* When a router's trigger fires next, as far as heraldd can know. */
static void next_firing_cell(FILE *f, Manager *m, const Router *rt) {
        const Component *t = rt->trigger;
        char buf[TIMESTAMP_MAX];

        fputs("<td>", f);
        if (!t || t->broken) {
                fputs("<span class=\"none\">\xe2\x80\x94</span></td>", f);
                return;
        }
        switch (t->type) {
        case TRIGGER_TICK:
        case TRIGGER_CRON: {
                _cleanup_free_ char *unit = unit_name_trigger(t->name, "timer");
                UnitState u = {};

                if (unit && m->bus && unit_state_get(m->bus, unit, &u) >= 0 && u.loaded && u.next_elapse > 0)
                        fprintf(f, "%s", timestamp_format(u.next_elapse, buf));
                else
                        fputs("<span class=\"none\" title=\"systemd has no next elapse for this timer\">\xe2\x80\x94</span>", f);
                unit_state_done(&u);
                break;
        }
        case TRIGGER_HTTP:
                fputs("on request (", f);
                if (t->unix_socket)
                        esc(f, t->unix_socket);
                else {
                        esc(f, t->host ?: "*");
                        fprintf(f, ":%u", t->port);
                }
                fputs(")", f);
                break;
        case TRIGGER_EXE_DONE:
                fputs("when a job ends", f);
                break;
        default:
                fputs("<span class=\"none\">\xe2\x80\x94</span>", f);
        }
        fputs("</td>", f);
}

static const HeraldResult *last_run_of(const ResultList *recent, const char *router) {
        for (size_t i = recent->n; i > 0; i--)
                if (streq_ptr(recent->items[i - 1]->router, router))
                        return recent->items[i - 1];
        return NULL;
}

/* @threshold: the bytes of a field read at most; what the page does not show in full
 * (a result's JSON on the overview) is not read in full either. */
static int journal_open_status(size_t threshold, sd_journal **ret) {
        int r;

        r = sd_journal_open(ret, SD_JOURNAL_LOCAL_ONLY);
        if (r < 0)
                return r;
        (void) sd_journal_set_data_threshold(*ret, threshold);
        return 0;
}

static void write_runs_table(FILE *f, const ResultList *runs) {
        char buf[TIMESTAMP_MAX];

        if (runs->n == 0) {
                fputs("<p class=\"none\">No runs in the journal.</p>\n", f);
                return;
        }
        fputs("<table id=\"runs\"><thead><tr><th>Finished</th><th>Router</th><th>Task</th><th>Result</th>"
              "<th>Exit</th><th>Duration</th><th>Error</th><th>Job</th></tr></thead><tbody>\n", f);
        /* newest first */
        for (size_t i = runs->n; i > 0; i--) {
                const HeraldResult *res = runs->items[i - 1];
                const char *state = herald_result_state(res);

                fprintf(f, "<tr class=\"run %s\"><td>%s</td><td class=\"router\">", state,
                        timestamp_format(res->realtime, buf));
                esc_or_none(f, res->router);
                fputs("</td><td class=\"task\">", f);
                esc_or_none(f, res->task);
                fputs("</td>", f);
                result_cell(f, state);
                if (res->has_exit_code)
                        fprintf(f, "<td>%" PRIi64 "</td>", res->exit_code);
                else
                        fputs("<td class=\"none\">\xe2\x80\x94</td>", f);
                duration_cell(f, res->duration);
                fputs("<td class=\"error\">", f);
                esc(f, res->error);
                fputs("</td><td>", f);
                job_link(f, res->job_id);
                fputs("</td></tr>\n", f);
        }
        fputs("</tbody></table>\n", f);
}

/* What runs now: every router's job units as systemd has them (timer jobs too), then
 * heraldd's accepted jobs that systemd does not run yet. */
static void write_running(FILE *f, Manager *m) {
        const Workflow *w = m->workflow->w;
        char buf[TIMESTAMP_MAX];
        const char *key;
        void *v;
        size_t n = 0;

        fputs("<h2>Running</h2>\n<table id=\"jobs\"><thead><tr><th>Router</th><th>Unit</th><th>State</th>"
              "<th>Since</th><th>Job</th></tr></thead><tbody>\n", f);
        for (size_t i = 0; i < w->n_routers && n < STATUS_RUNNING_MAX; i++) {
                _cleanup_(unit_state_list_done) UnitStateList l = {};

                if (unit_list_running_jobs(m->bus, w->routers[i].name, NULL, &l) < 0)
                        continue;
                for (size_t k = 0; k < l.n && n < STATUS_RUNNING_MAX; k++, n++) {
                        _cleanup_free_ char *job_id = unit_name_job_id(l.items[k].name);

                        fputs("<tr><td class=\"router\">", f);
                        esc(f, w->routers[i].name);
                        fputs("</td><td>", f);
                        esc(f, l.items[k].name);
                        fputs("</td><td class=\"running\">", f);
                        esc(f, l.items[k].sub_state);
                        fprintf(f, "</td><td>%s</td><td>",
                                l.items[k].active_enter > 0 ? timestamp_format(l.items[k].active_enter, buf) : "");
                        job_link(f, job_id);
                        fputs("</td></tr>\n", f);
                }
        }
        for (size_t i = 0; strmap_next(&m->jobs, &i, &key, &v) && n < STATUS_RUNNING_MAX;) {
                const Job *job = v;

                if (job->started)
                        continue;       /* systemd's, above */
                fputs("<tr><td class=\"router\">", f);
                esc(f, job->router);
                fputs("</td><td>", f);
                esc_or_none(f, job->unit);
                fprintf(f, "</td><td class=\"running\">%s</td><td></td><td>", job->starting ? "starting" : "queued");
                job_link(f, job->job_id);
                fputs("</td></tr>\n", f);
                n++;
        }
        fputs("</tbody></table>\n", f);
        if (n == 0)
                fputs("<p class=\"none\">Nothing runs now.</p>\n", f);
        else if (n >= STATUS_RUNNING_MAX)
                fprintf(f, "<p>The first %u shown.</p>\n", STATUS_RUNNING_MAX);
}

static int page_index(Manager *m, FILE *f) {
        _cleanup_(sd_journal_closep) sd_journal *j = NULL;
        _cleanup_(result_list_done) ResultList recent = {};
        ResultList runs = {};
        const Workflow *w = m->workflow->w;
        ResultQuery q = RESULT_QUERY_INIT;
        bool journal_ok = false;
        int r;

        r = journal_open_status(STATUS_INDEX_DATA_THRESHOLD, &j);
        if (r >= 0) {
                q.limit = STATUS_LAST_RUN_SCAN;
                r = result_query(j, &q, &recent);
        }
        if (r >= 0) {
                /* the runs listed: the newest of those, not read twice (recent owns them) */
                size_t n = recent.n < STATUS_RUNS_MAX ? recent.n : STATUS_RUNS_MAX;

                runs = (ResultList) { .items = recent.items + (recent.n - n), .n = n };
                r = result_list_fill_durations(j, &runs);
        }
        if (r < 0)
                log_warning_errno(r, "Status page: cannot read result entries from the journal: %m");
        else
                journal_ok = true;

        page_head(f, "herald status");
        fputs("<h1>herald status</h1>\n<p id=\"summary\">Workflow <code>", f);
        esc(f, w->path ?: m->workflow_path);
        fprintf(f, "</code>: %zu routers. Jobs running: <span id=\"running\">%u</span>, queued: %u, starting: %u.</p>\n",
                w->n_routers, m->n_running, m->n_queued, m->n_starting);
        if (!journal_ok)
                fputs("<p class=\"failed\">heraldd cannot read the journal: no runs shown "
                      "(heraldd.service needs SupplementaryGroups=systemd-journal).</p>\n", f);

        fputs("<h2>Routers</h2>\n<table id=\"routers\"><thead><tr><th>Router</th><th>Trigger</th><th>Next firing</th>"
              "<th>Tasks</th><th>Last run</th></tr></thead><tbody>\n", f);
        for (size_t i = 0; i < w->n_routers; i++) {
                const Router *rt = &w->routers[i];
                const HeraldResult *last = last_run_of(&recent, rt->name);
                char buf[TIMESTAMP_MAX];

                fputs("<tr class=\"router-row\"><td class=\"router\">", f);
                esc(f, rt->name);
                fputs("</td><td>", f);
                esc_or_none(f, rt->trigger_name);
                if (rt->trigger && rt->trigger->type_name) {
                        fputs(" (", f);
                        esc(f, rt->trigger->type_name);
                        fputs(")", f);
                }
                fputs("</td>", f);
                next_firing_cell(f, m, rt);
                fputs("<td>", f);
                for (size_t k = 0; k < rt->n_tasks; k++) {
                        if (k > 0)
                                fputs(", ", f);
                        esc(f, rt->tasks[k].name);
                }
                fputs("</td>", f);
                if (last) {
                        const char *state = herald_result_state(last);

                        fprintf(f, "<td class=\"result %s\">%s, %s (", state, state,
                                timestamp_format(last->realtime, buf));
                        job_link(f, last->job_id);
                        fputs(")</td>", f);
                } else
                        fputs("<td class=\"none\">\xe2\x80\x94</td>", f);
                fputs("</tr>\n", f);
        }
        fputs("</tbody></table>\n", f);

        write_running(f, m);

        fprintf(f, "<h2>Last runs</h2>\n");
        write_runs_table(f, &runs);
        page_foot(f);
        return 0;
}

/* One journal line of a run's output, cut at STATUS_LINE_MAX bytes. */
static void write_output_line(FILE *f, sd_journal *j) {
        char buf[TIMESTAMP_MAX];
        const void *data;
        size_t size, n;
        usec_t t = 0;
        const char *msg;

        (void) sd_journal_get_realtime_usec(j, &t);
        fprintf(f, "<span class=\"line\">%s ", timestamp_format_line(t, buf));
        if (sd_journal_get_data(j, "SYSLOG_IDENTIFIER", &data, &size) >= 0 && size > STRLEN("SYSLOG_IDENTIFIER=")) {
                (void) html_escape_write(f, (const char *) data + STRLEN("SYSLOG_IDENTIFIER="),
                                         size - STRLEN("SYSLOG_IDENTIFIER=") > 64 ? 64 : size - STRLEN("SYSLOG_IDENTIFIER="));
                fputs(": ", f);
        }
        if (sd_journal_get_data(j, "MESSAGE", &data, &size) < 0 || size < STRLEN("MESSAGE=")) {
                fputs("</span>\n", f);
                return;
        }
        msg = (const char *) data + STRLEN("MESSAGE=");
        n = size - STRLEN("MESSAGE=");
        if (n > STATUS_LINE_MAX) {
                (void) html_escape_write(f, msg, utf8_cut(msg, STATUS_LINE_MAX));
                fprintf(f, "<span class=\"cut\"> [%zu bytes more]</span>", n - utf8_cut(msg, STATUS_LINE_MAX));
        } else
                (void) html_escape_write(f, msg, n);
        fputs("</span>\n", f);
}

static int page_job(Manager *m, const char *job_id, FILE *f, unsigned *ret_status) {
        _cleanup_(sd_journal_closep) sd_journal *j = NULL;
        _cleanup_(herald_result_freep) HeraldResult *res = NULL;
        const uid_t *trusted;
        size_t n_trusted, n = 0;
        char buf[TIMESTAMP_MAX];
        int r;

        page_head(f, job_id);
        fputs("<p><a href=\"/\">\xe2\x86\x90 status</a></p>\n<h1>Run <code>", f);
        esc(f, job_id);
        fputs("</code></h1>\n", f);

        r = journal_open_status(STATUS_DATA_THRESHOLD, &j);
        if (r < 0) {
                fputs("<p class=\"failed\">heraldd cannot read the journal.</p>\n", f);
                page_foot(f);
                return 0;
        }
        trusted = result_trusted_writers(&n_trusted);
        r = result_find_by_job_id(j, job_id, trusted, n_trusted, &res);
        if (r < 0)
                return r;
        if (res) {
                ResultList one = { .items = &res, .n = 1 };
                const char *state = herald_result_state(res);

                (void) result_list_fill_durations(j, &one);
                fputs("<table id=\"result\"><tbody>\n<tr><th>Router</th><td class=\"router\">", f);
                esc_or_none(f, res->router);
                fputs("</td></tr>\n<tr><th>Task</th><td class=\"task\">", f);
                esc_or_none(f, res->task);
                fputs("</td></tr>\n<tr><th>Result</th>", f);
                result_cell(f, state);
                fprintf(f, "</tr>\n<tr><th>Finished</th><td>%s</td></tr>\n<tr><th>Duration</th>",
                        timestamp_format(res->realtime, buf));
                duration_cell(f, res->duration);
                fputs("</tr>\n<tr><th>Unit</th><td>", f);
                esc_or_none(f, res->unit);
                fputs("</td></tr>\n<tr><th>Error</th><td class=\"error\">", f);
                esc_or_none(f, res->error);
                fputs("</td></tr>\n<tr><th>Result JSON</th><td><code>", f);
                esc_or_none(f, res->result_text);
                fputs("</code></td></tr>\n</tbody></table>\n", f);
        } else if (strmap_get(&m->jobs, job_id))
                fputs("<p class=\"running\">Running: no result yet.</p>\n", f);
        else
                fputs("<p class=\"none\">No result entry for this job in the journal.</p>\n", f);

        /* Its lines: every entry with HERALD_JOB_ID=, as 'taskctl logs JOB_ID' shows them,
         * the newest STATUS_OUTPUT_LINES_MAX. */
        fprintf(f, "<h2>Output</h2>\n<pre class=\"output\" id=\"output\">");
        sd_journal_flush_matches(j);
        r = journal_add_match_pair(j, "HERALD_JOB_ID", job_id);
        if (r >= 0)
                r = sd_journal_seek_tail(j);
        if (r >= 0)
                r = sd_journal_previous_skip(j, STATUS_OUTPUT_LINES_MAX);
        for (; r > 0 && n < STATUS_OUTPUT_LINES_MAX; r = sd_journal_next(j), n++)
                write_output_line(f, j);
        fputs("</pre>\n", f);
        if (n == 0)
                fputs("<p class=\"none\">No output lines.</p>\n", f);
        else if (n >= STATUS_OUTPUT_LINES_MAX) {
                fprintf(f, "<p>The newest %u lines; <code>taskctl logs ", STATUS_OUTPUT_LINES_MAX);
                esc(f, job_id);
                fputs("</code> shows them all.</p>\n", f);
        }
        page_foot(f);
        *ret_status = res || strmap_get(&m->jobs, job_id) || n > 0 ? 200 : 404;
        return 0;
}

static void page_text(HttpPage *ret, unsigned status, const char *text) {
        ret->status = status;
        ret->content_type = CONTENT_TYPE_TEXT;
        ret->body = strdup(text);
        ret->size = ret->body ? strlen(ret->body) : 0;
}

/**
 * status_page_serve() - answer a GET (or HEAD) on the status listener
 * @path: the request's path (a query string is not part of it in MHD)
 * @accept: the Accept header (for /metrics), or NULL
 * @ret: the answer
 * @userdata: the Manager
 */
void status_page_serve(const char *path, const char *accept, HttpPage *ret, void *userdata) {
        Manager *m = userdata;
        _cleanup_fclose_ FILE *f = NULL;
        char *buf = NULL;
        size_t size = 0;
        unsigned status = 200;
        const char *job;
        int r;

        if (streq(path, "/style.css")) {
                ret->status = 200;
                ret->content_type = CONTENT_TYPE_CSS;
                ret->body = strdup(style_css);
                ret->size = ret->body ? strlen(style_css) : 0;
                return;
        }
        job = startswith(path, JOB_PATH);
        if (!streq(path, "/") && !streq(path, "/metrics") && !(job && job_id_valid(job))) {
                page_text(ret, 404, "Not found\n");
                return;
        }

        f = open_memstream(&buf, &size);
        if (!f) {
                page_text(ret, 500, "Internal error\n");
                return;
        }
        if (streq(path, "/metrics")) {
                bool om = metrics_accept_openmetrics(accept);

                r = metrics_write(m, f, om);
                ret->content_type = om ? CONTENT_TYPE_OPENMETRICS : CONTENT_TYPE_PROMETHEUS;
        } else if (job) {
                r = page_job(m, job, f, &status);
                ret->content_type = CONTENT_TYPE_HTML;
        } else {
                r = page_index(m, f);
                ret->content_type = CONTENT_TYPE_HTML;
        }
        if (fclose(TAKE_PTR(f)) != 0 || r < 0) {
                if (r < 0)
                        log_warning_errno(r, "Status page %s failed: %m", path);
                free(buf);
                page_text(ret, 500, "Internal error\n");
                return;
        }
        ret->status = status;
        ret->body = buf;
        ret->size = size;
}
