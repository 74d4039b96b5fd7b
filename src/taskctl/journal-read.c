/* SPDX-License-Identifier: MIT */
/* journal-read.c: jobs' output and job ids, read back from the journal; the runs table
 *
 * Every line a job printed carries HERALD_JOB_ID, HERALD_ROUTER and HERALD_TASK
 * through LogExtraFields=. Everything here is an exact-value match on those fields
 * (cheap: journald indexes every FIELD=value), never a scan with string tests. The
 * result entries are read by src/shared/result-read.c.
 *
 * Parsing a line is split from reading it (journal_line_add_field() takes one
 * "FIELD=value" datum at a time) so the mapping is unit-tested without a journal. */
#include <ctype.h>
#include <grp.h>
#include <inttypes.h>
#include <strings.h>
#include <unistd.h>

#include <systemd/sd-id128.h>

#include "journal-field.h"
#include "journal-read.h"
#include "json-util.h"
#include "log.h"
#include "table.h"
#include "taskctl-verbs.h"

/**
 * result_list_print_table: the runs table, oldest first, in the mode stdout calls
 * for (aligned and colored on a terminal, tab-separated when piped).
 * Return: 0 or a negative errno.
 */
int result_list_print_table(const ResultList *l, bool show_router) {
        _cleanup_table_free_ Table *t = NULL;
        bool show_host = false;
        size_t col;
        int r = 0;

        /* results merged from several machines (taskctl history --directory of a
         * systemd-journal-remote output) say which machine ran each job, as journalctl
         * does */
        for (size_t i = 1; i < l->n && !show_host; i++)
                show_host = !streq_ptr(l->items[i]->hostname, l->items[0]->hostname);

        {
                const char *h[10] = { "TIME" };
                size_t n = 1;

                if (show_host)
                        h[n++] = "HOST";
                if (show_router)
                        h[n++] = "ROUTER";
                static const char *const rest[] = { "TASK", "RESULT", "EXIT", "DURATION", "ERROR", "JOB" };

                for (size_t i = 0; i < ELEMENTSOF(rest); i++)
                        h[n++] = rest[i];
                /* the slots not used stay NULL and end the list early */
                t = table_new(h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8], h[9], NULL);
        }
        if (!t)
                return -ENOMEM;
        col = 1 + show_host + show_router;      /* TASK */
        table_set_align_right(t, col + 2, true);
        table_set_max_width(t, col + 4, 60);

        for (size_t i = 0; i < l->n && r >= 0; i++) {
                const HeraldResult *res = l->items[i];
                char ts[TIMESTAMP_MAX], span[TIMESTAMP_MAX];

                r = table_add_cell(t, timestamp_format(res->realtime, ts));
                if (r >= 0 && show_host)
                        r = table_add_cell(t, res->hostname);
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

        if (!journal_field_split(data, size, &name, &nl, &value, &vl))
                return 0;
        if (journal_field_is(name, nl, "MESSAGE"))
                return journal_field_set_string(&l->message, value, vl);
        if (journal_field_is(name, nl, "HERALD_ROUTER"))
                return journal_field_set_string(&l->router, value, vl);
        if (journal_field_is(name, nl, "HERALD_TASK"))
                return journal_field_set_string(&l->task, value, vl);
        if (journal_field_is(name, nl, "HERALD_JOB_ID"))
                return journal_field_set_string(&l->job_id, value, vl);
        if (journal_field_is(name, nl, "SYSLOG_IDENTIFIER"))
                return journal_field_set_string(&l->identifier, value, vl);
        if (journal_field_is(name, nl, "MESSAGE_ID"))
                return journal_field_set_string(&l->message_id, value, vl);
        if (journal_field_is(name, nl, "UNIT"))
                return journal_field_set_string(&l->unit, value, vl);
        if (journal_field_is(name, nl, "_SYSTEMD_UNIT")) {
                free(l->unit);
                l->unit = NULL;
                return journal_field_set_string(&l->unit, value, vl);
        }
        if (journal_field_is(name, nl, "PRIORITY"))
                l->priority = journal_field_priority(value, vl);
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
        JOURNAL_FOREACH_AVAILABLE_DATA(j, data, size) {
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

        prefix = fprintf(f, "%s %s/%s[%.8s]: ", timestamp_format_line(l->realtime, ts), l->router ?: "?", l->task ?: "?",
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
 * journal_lines_output: the lines from the journal's position to its end.
 * @collect: a JSON array to append them to, or NULL
 * @json: without @collect: JSON_OFF prints text lines, anything else one JSON
 *        document a line (as `logs --json --follow` streams them)
 * @color: color text lines by priority
 *
 * Return: how many, or a negative errno.
 */
int journal_lines_output(sd_journal *j, cJSON *collect, JsonMode json, bool color) {
        int r, n = 0;

        while ((r = sd_journal_next(j)) > 0) {
                JournalLine line;

                r = journal_line_read(j, &line);
                if (r < 0)
                        return r;
                if (collect) {
                        cJSON *o = journal_line_to_json(&line);
                        if (!o || !cJSON_AddItemToArray(collect, o)) {
                                cJSON_Delete(o);
                                journal_line_done(&line);
                                return -ENOMEM;
                        }
                } else if (json != JSON_OFF) {
                        cJSON *o = journal_line_to_json(&line);
                        r = o ? json_output(o, json) : -ENOMEM;
                        cJSON_Delete(o);
                        if (r < 0) {
                                journal_line_done(&line);
                                return r;
                        }
                } else
                        journal_line_print(&line, stdout, color);
                journal_line_done(&line);
                n++;
        }
        return r < 0 ? r : n;
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
        r = json_object_add(o, "time", timestamp_to_json(l->realtime));
        if (r >= 0)
                r = json_object_add(o, "timestamp_usec", timestamp_usec_to_json(l->realtime));
        if (r >= 0)
                r = json_object_add(o, "priority", l->priority >= 0 ? cJSON_CreateNumber(l->priority) : cJSON_CreateNull());
        if (r >= 0)
                r = json_object_add(o, "router", json_string_or_null(l->router));
        if (r >= 0)
                r = json_object_add(o, "task", json_string_or_null(l->task));
        if (r >= 0)
                r = json_object_add(o, "job_id", json_string_or_null(l->job_id));
        if (r >= 0)
                r = json_object_add(o, "unit", json_string_or_null(l->unit));
        if (r >= 0)
                r = json_object_add(o, "identifier", json_string_or_null(l->identifier));
        if (r >= 0)
                r = json_object_add(o, "message_id", json_string_or_null(l->message_id));
        if (r >= 0)
                r = json_object_add(o, "message", json_string_or_null(l->message));
        if (r >= 0)
                r = json_object_add(o, "cursor", json_string_or_null(l->cursor));
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
        r = journal_add_match_pair(j, field, value);
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
