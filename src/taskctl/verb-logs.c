/* SPDX-License-Identifier: MIT */
/* verb-logs.c: `taskctl logs`, a job's or a router's own output from the journal */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <unistd.h>

#include "journal-field.h"
#include "log-query.h"
#include "log.h"
#include "read-args.h"
#include "table.h"
#include "taskctl-verbs.h"
#include "workflow-path.h"

#define LINES_DEFAULT 50
/* A cursor is ~150 bytes; a --cursor-file bigger than this is not one. */
#define CURSOR_FILE_MAX 4096

static ReadArgs arg_read;
static bool arg_follow;
static const char *arg_output;
static LogQuery arg_query = LOG_QUERY_INIT;
static const char *arg_cursor_file;

static void help(void) {
        printf("Usage: taskctl logs [OPTION...] JOB_ID|ROUTER\n"
               "\n"
               "Show what a job, or every job of a router, printed.\n"
               "\n"
               "Job units carry LogExtraFields=HERALD_JOB_ID=, HERALD_ROUTER= and\n"
               "HERALD_TASK=, so every line a job writes to stdout, stderr or the journal can\n"
               "be found by its job id or its router. logs shows those entries, including\n"
               "the job's result entry, oldest first:\n"
               "\n"
               "  TIMESTAMP ROUTER/TASK[JOBID8]: MESSAGE\n"
               "\n"
               "JOB_ID is a full job id or a unique prefix of at least 8 characters (as\n"
               "'taskctl history' shows them). Any other argument is taken as a router name.\n"
               "\n"
               "Options:\n"
               "  -n, --lines=N    Show the last N lines (0 or 'all': all; default: all of one\n"
               "                   job's lines, the last 50 of a router's); with --since or\n"
               "                   --after-cursor the first N after it, as journalctl\n"
               "  -f, --follow     Keep printing new lines as they arrive, until interrupted\n"
               "                   (Ctrl-C); no pager\n"
               "  -o, --output=MODE\n"
               "                   Hand over to journalctl with the same match and options,\n"
               "                   in its output mode MODE: short, short-iso, short-precise,\n"
               "                   short-full, short-iso-precise, short-monotonic,\n"
               "                   short-delta, short-unix, cat, with-unit, verbose, export,\n"
               "                   json, json-pretty, json-sse, json-seq\n"
               "  -p, --priority=RANGE\n"
               "                   Only lines of this priority or more important: a level\n"
               "                   (emerg alert crit err warning notice info debug, or 0-7)\n"
               "                   or a range FROM..TO\n"
               "  -g, --grep=PATTERN\n"
               "                   Only lines whose message matches PATTERN (PCRE2, as\n"
               "                   journalctl reads it; case-insensitive unless PATTERN has\n"
               "                   an upper-case letter)\n"
               "  -r, --reverse    Newest line first\n"
               "  -S, --since=TIME Only lines at or after TIME\n"
               "  -U, --until=TIME Only lines at or before TIME\n"
               "      --after-cursor=CURSOR\n"
               "                   Only lines after the entry CURSOR names (the \"cursor\" of\n"
               "                   --json, or journalctl's __CURSOR)\n"
               "      --cursor-file=FILE\n"
               "                   Only lines after the cursor in FILE, if it exists; then\n"
               "                   write the newest shown line's cursor to FILE\n"
               READ_ARGS_HELP
               "\n"
               "TIME is as 'taskctl history --help' describes it: 'YYYY-MM-DD [HH:MM[:SS]]',\n"
               "a time as taskctl prints it, '-2h', '@EPOCH', 'today', 'yesterday', 'now'.\n"
               "\n"
               "With --json, an array of objects with the keys time, timestamp_usec,\n"
               "priority, router, task, job_id, unit, identifier, message_id, message and\n"
               "cursor. With --json and --follow, one object per line instead, as they\n"
               "arrive. With -o, taskctl finds the job or router, then runs\n"
               "'journalctl -o MODE ... -- HERALD_JOB_ID=ID' (or HERALD_ROUTER=ROUTER), so the\n"
               "pager, the colors and every format are journalctl's own.\n"
               "\n"
               "Examples:\n"
               "  taskctl logs 3f2a9c1e\n"
               "  taskctl logs backup -n 200 -p warning --since today\n"
               "  taskctl logs -f backup\n"
               "  taskctl logs backup -o json-pretty -n 1\n"
               "  taskctl logs backup --cursor-file ~/.cache/backup.cursor   # only what is new\n"
               "  taskctl logs --json 3f2a9c1e-5d7b-4c1a-9e4f-0a1b2c3d4e5f | jq -r '.[].message'\n"
               "\n"
               "Exit status: 0 on success, also when the router has no output yet or nothing\n"
               "matched; 1 on error or an ambiguous job id prefix; 4 when there is no such job\n"
               "or router, or the journal cannot be read by the caller; 2 on wrong usage.\n");
}

enum {
        ARG_AFTER_CURSOR = _ARG_READ_MAX,
        ARG_CURSOR_FILE,
};

static int parse_option(int c, const char *arg, void *userdata) {
        switch (c) {
        case 'f':
                arg_follow = true;
                return 1;
        case 'o':
                if (!journalctl_output_mode_valid(arg))
                        return log_error_errno(EINVAL, "Unknown --output= mode '%s'; see 'taskctl logs --help'.", arg);
                arg_output = arg;
                return 1;
        case 'p':
                if (log_priority_parse(arg, &arg_query.priority_min, &arg_query.priority_max) < 0)
                        return log_error_errno(EINVAL, "Invalid --priority= '%s', expected a level (emerg ... debug, 0-7) or FROM..TO.", arg);
                arg_query.priority_arg = arg;
                return 1;
        case 'g':
                arg_query.grep_arg = arg;
                return 1;
        case 'r':
                arg_query.reverse = true;
                return 1;
        case ARG_AFTER_CURSOR:
                arg_query.after_cursor = arg;
                return 1;
        case ARG_CURSOR_FILE:
                arg_cursor_file = arg;
                return 1;
        default:
                return 0;
        }
}

static int parse_argv(int argc, char **argv, const char **ret_target) {
        static const struct option options[] = {
                READ_ARGS_LONG_OPTIONS,
                READ_ARGS_LINES_OPTION,
                { "follow", no_argument, NULL, 'f' },
                { "output", required_argument, NULL, 'o' },
                { "priority", required_argument, NULL, 'p' },
                { "grep", required_argument, NULL, 'g' },
                { "reverse", no_argument, NULL, 'r' },
                READ_ARGS_TIME_OPTIONS,
                { "after-cursor", required_argument, NULL, ARG_AFTER_CURSOR },
                { "cursor-file", required_argument, NULL, ARG_CURSOR_FILE },
                {}
        };
        int r;

        /* SIZE_MAX: not given; a job's whole run, or a router's last LINES_DEFAULT */
        arg_read = READ_ARGS_INIT;
        arg_read.lines = SIZE_MAX;
        arg_read.lines_all = true;
        arg_follow = false;
        arg_output = NULL;
        arg_cursor_file = NULL;
        log_query_done(&arg_query);
        arg_query = (LogQuery) LOG_QUERY_INIT;

        r = read_args_parse_argv(&arg_read, argc, argv, READ_ARGS_SHORT_OPTIONS "n:fo:p:g:rS:U:", options, help,
                                 parse_option, NULL);
        if (r <= 0 || r == TASKCTL_EXIT_USAGE)
                return r;
        if (optind >= argc)
                return log_error("Missing JOB_ID or ROUTER; see 'taskctl logs --help'."), TASKCTL_EXIT_USAGE;
        if (optind + 1 < argc)
                return log_error("Too many arguments: '%s'; logs takes one JOB_ID or ROUTER.", argv[optind + 1]), TASKCTL_EXIT_USAGE;
        if (arg_output && arg_read.json != JSON_OFF)
                return log_error("--json and --output= exclude each other (journalctl's JSON is -o json)."), TASKCTL_EXIT_USAGE;
        if (arg_follow && arg_query.reverse)
                return log_error("--follow and --reverse exclude each other."), TASKCTL_EXIT_USAGE;
        if (arg_cursor_file && arg_query.after_cursor)
                return log_error("--after-cursor= and --cursor-file= exclude each other."), TASKCTL_EXIT_USAGE;
        arg_query.since = arg_read.since;
        arg_query.until = arg_read.until;
        if (arg_query.grep_arg && log_query_compile_grep(&arg_query) < 0)
                return TASKCTL_EXIT_USAGE;
        *ret_target = argv[optind];
        return 1;
}

/* Is name a router of the workflow? Only asked when nothing was found, to tell "no
 * output yet" from "no such thing"; a workflow that cannot be loaded says no. */
static bool workflow_has_router(const char *name) {
        _cleanup_(workflow_freep) Workflow *w = NULL;

        if (workflow_load(arg_read.workflow ?: taskctl_workflow_path(), NULL, &w) < 0 || w->unloadable)
                return false;
        return workflow_find_router(w, name) != NULL;
}

/* Does the journal hold any entry of this router? Asked before handing over, so an
 * unknown name is exit 4 with -o as without. */
static bool journal_has_router(sd_journal *j, const char *name) {
        sd_journal_flush_matches(j);
        if (journal_add_match_pair(j, "HERALD_ROUTER", name) < 0 || sd_journal_seek_head(j) < 0)
                return false;
        return sd_journal_next(j) > 0;
}

/* --cursor-file: the cursor in FILE; *ret NULL when there is no FILE yet. */
static int cursor_file_read(const char *path, char **ret) {
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        char buf[CURSOR_FILE_MAX + 1];
        size_t n;

        *ret = NULL;
        if (!f)
                return errno == ENOENT ? 0 : log_error_errno(errno, "Failed to open cursor file '%s': %m", path);
        n = fread(buf, 1, sizeof buf, f);
        if (ferror(f))
                return log_error_errno(EIO, "Failed to read cursor file '%s'.", path);
        if (n > CURSOR_FILE_MAX)
                return log_error_errno(EINVAL, "Cursor file '%s' is larger than %d bytes; it holds no cursor.", path,
                                       CURSOR_FILE_MAX);
        while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
                n--;
        if (n == 0)
                return 0;
        *ret = strndup(buf, n);
        return *ret ? 0 : log_oom();
}

/* Replaces FILE atomically, so an interrupted write never leaves half a cursor. */
static int cursor_file_write(const char *path, const char *cursor) {
        _cleanup_free_ char *tmp = NULL;
        FILE *f;
        int fd;

        if (asprintf(&tmp, "%s.XXXXXX", path) < 0)
                return log_oom();
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return log_error_errno(errno, "Failed to write cursor file '%s': %m", path);
        f = fdopen(fd, "w");
        if (!f) {
                close(fd);
                (void) unlink(tmp);
                return log_oom();
        }
        fprintf(f, "%s\n", cursor);
        if (fclose(f) != 0 || rename(tmp, path) < 0) {
                int e = errno;
                (void) unlink(tmp);
                return log_error_errno(e, "Failed to write cursor file '%s': %m", path);
        }
        return 0;
}

/* The cursor of the newest line shown, for --cursor-file. */
static char *last_cursor;

static int line_output(const JournalLine *l, cJSON *collect) {
        if (collect) {
                cJSON *o = journal_line_to_json(l);
                if (!o || !cJSON_AddItemToArray(collect, o)) {
                        cJSON_Delete(o);
                        return -ENOMEM;
                }
        } else if (arg_read.json != JSON_OFF) {
                cJSON *o = journal_line_to_json(l);
                int r = o ? json_output(o, arg_read.json) : -ENOMEM;
                cJSON_Delete(o);
                if (r < 0)
                        return r;
        } else
                journal_line_print(l, stdout, output_use_color());
        return 0;
}

static int remember_cursor(const char *cursor) {
        char *c = strdup(cursor);

        if (!c)
                return -ENOMEM;
        free(last_cursor);
        last_cursor = c;
        return 0;
}

/* -f: each new line the query wants, from the journal's position on. */
static int print_new_lines(sd_journal *j, void *userdata) {
        int r;

        while ((r = sd_journal_next(j)) > 0) {
                JournalLine l;

                r = journal_line_read(j, &l);
                if (r < 0)
                        return r;
                if (log_query_line_wanted(&arg_query, &l)) {
                        r = line_output(&l, NULL);
                        if (r >= 0 && arg_cursor_file)
                                r = remember_cursor(l.cursor);
                }
                journal_line_done(&l);
                if (r < 0)
                        return r;
        }
        return r;
}

/* -o: journalctl prints, with the pager and colors it would pick itself. */
static int hand_over(void) {
        _cleanup_strv_free_ char **argv = NULL;
        JournalctlExtra x = {
                .output = arg_output,
                .follow = arg_follow,
                .no_pager = arg_read.no_pager,
                .directory = arg_read.directory,
                .name_space = arg_read.name_space,
                .cursor_file = arg_cursor_file,
        };

        if (log_query_journalctl_argv(&arg_query, &x, &argv) < 0)
                return log_oom();
        fflush(stdout);
        execvp(argv[0], argv);
        return log_error_errno(errno, "Failed to run journalctl: %m");
}

/* Leaves the journal so that the next sd_journal_next() returns what comes after
 * @newest (or after the journal's current end without one). */
static int seek_for_follow(sd_journal *j, const char *newest) {
        int r;

        r = log_query_add_matches(j, &arg_query);
        if (r < 0)
                return r;
        if (newest) {
                r = sd_journal_seek_cursor(j, newest);
                if (r >= 0)
                        r = sd_journal_next(j);
                return r < 0 ? r : 0;
        }
        r = sd_journal_seek_tail(j);
        if (r >= 0)
                r = sd_journal_previous(j);
        return r < 0 ? r : 0;
}

/**
 * verb_logs: `taskctl logs JOB_ID|ROUTER`.
 * Return: 0, TASKCTL_EXIT_NOT_FOUND, TASKCTL_EXIT_NO_ACCESS, or a negative errno (logged).
 */
int verb_logs(int argc, char **argv) {
        _cleanup_(sd_journal_closep) sd_journal *j = NULL;
        _cleanup_free_ char *job_id = NULL, *file_cursor = NULL, *newest = NULL;
        const char *target = NULL;
        JournalLine *lines = NULL;
        size_t n = 0;
        cJSON *collect = NULL;
        int fd = -1, r;

        r = parse_argv(argc, argv, &target);
        if (r <= 0 || r == TASKCTL_EXIT_USAGE)
                return r;

        r = read_args_open_journal(&arg_read, &j);
        if (r < 0)
                return r;
        if (arg_follow && !arg_output) {
                /* Before the first read, so no entry written meanwhile goes unnoticed. */
                fd = sd_journal_get_fd(j);
                if (fd < 0)
                        return log_error_errno(fd, "Failed to watch the journal: %m");
        }

        r = journal_resolve_job_id(j, target, &job_id);
        if (r < 0)
                return log_error_errno(r, "Failed to look up job ids in the journal: %m");
        if (r == JOB_ID_AMBIGUOUS)
                return log_error_errno(EINVAL, "Job id prefix '%s' matches more than one job; give more characters.",
                                       target);
        if (r == 0) {
                arg_query.field = "HERALD_JOB_ID";
                arg_query.value = job_id;
                if (arg_read.lines == SIZE_MAX)
                        arg_read.lines = 0;     /* one run: all of it, as journalctl -u would */
        } else {
                arg_query.field = "HERALD_ROUTER";
                arg_query.value = target;
                if (arg_read.lines == SIZE_MAX)
                        arg_read.lines = LINES_DEFAULT;
        }
        arg_query.lines = arg_read.lines;

        if (!job_id && !journal_has_router(j, target)) {
                if (journal_access_denied(j, arg_read.directory))
                        return journal_report_unreadable(arg_read.directory);
                if (!workflow_has_router(target)) {
                        log_error("No job or router '%s' found.", target);
                        return TASKCTL_EXIT_NOT_FOUND;
                }
        }

        if (arg_output)
                return hand_over();

        if (arg_cursor_file) {
                r = cursor_file_read(arg_cursor_file, &file_cursor);
                if (r < 0)
                        return r;
                arg_query.after_cursor = file_cursor;
        }

        r = log_query_run(j, &arg_query, &lines, &n, arg_follow ? &newest : NULL);
        if (r == -ESRCH)
                return log_error_errno(r, "No journal entry has the cursor '%s'.", arg_query.after_cursor);
        if (r == -EINVAL && arg_query.after_cursor)
                return log_error_errno(r, "Invalid cursor '%s'.", arg_query.after_cursor);
        if (r < 0)
                return log_error_errno(r, "Failed to read the journal: %m");

        if (arg_read.json != JSON_OFF && !arg_follow) {
                collect = cJSON_CreateArray();
                if (!collect) {
                        journal_lines_free(lines, n);
                        return log_oom();
                }
        } else if (!arg_follow)
                pager_open(arg_read.no_pager);

        for (size_t i = 0; i < n && r >= 0; i++)
                r = line_output(&lines[i], collect);
        if (r >= 0 && n > 0 && arg_cursor_file)
                r = remember_cursor(lines[arg_query.reverse ? 0 : n - 1].cursor);
        journal_lines_free(lines, n);
        if (r < 0) {
                cJSON_Delete(collect);
                return log_error_errno(r, "Failed to print the journal's lines: %m");
        }
        if (n == 0 && !job_id && journal_access_denied(j, arg_read.directory)) {
                cJSON_Delete(collect);
                return journal_report_unreadable(arg_read.directory);
        }
        if (n == 0 && !collect && !arg_follow && output_is_tty())
                fprintf(stderr, "-- No entries --\n");
        if (collect) {
                r = json_output(collect, arg_read.json);
                cJSON_Delete(collect);
                if (r < 0)
                        return log_oom();
        }

        if (arg_follow) {
                r = seek_for_follow(j, newest);
                if (r < 0)
                        return log_error_errno(r, "Failed to seek in the journal: %m");
                r = journal_follow(j, fd, print_new_lines, NULL);
        }
        if (arg_cursor_file && last_cursor) {
                int k = cursor_file_write(arg_cursor_file, last_cursor);
                if (r >= 0)
                        r = k;
        }
        return r;
}
