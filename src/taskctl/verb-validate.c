/* SPDX-License-Identifier: MIT */
/* verb-validate.c: taskctl validate and taskctl plan */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>

#include "config.h"
#include "herald-ids.h"
#include "json-output.h"
#include "log.h"
#include "plan.h"
#include "taskctl-write.h"
#include "unit-emit.h"
#include "verb-options.h"
#include "workflow.h"

#define PLURAL(n) ((n) == 1 ? "" : "s")

static void validate_help(void) {
        printf("Usage: taskctl validate [OPTIONS...] FILE...\n\n"
               "Check Herald Daemon workflow files the way herald will run them. Every problem is\n"
               "reported, not only the first, as FILE:LINE:COLUMN: LEVEL: WHERE: key 'KEY': what was\n"
               "expected, what was found (hint).\n\n"
               "Errors are what Herald would refuse at start or what can never work: a name that refers\n"
               "to nothing, a bad cron spec, a value of the wrong type (a quoted port, cmd: true), an\n"
               "exe_done router that would trigger itself forever. Warnings are what Herald silently\n"
               "tolerates: unknown keys (with 'did you mean'), duplicate keys, a router without a selector,\n"
               "an HTTP trigger reachable from other hosts without a secret or secret_file, an http_remote\n"
               "host in plain http:// to another host, an http_remote ca_file that is not readable here.\n\n"
               "http_remote executors take Herald's host (an http:// or https:// URL), secret and\n"
               "data_dir (absolute), and herald's secret_file (a root-only file with the key, instead\n"
               "of secret), ca_file (PEM CAs for https://), timeout (seconds for the whole request,\n"
               "default 3600, 0: none), connect_timeout (default 30), max_answer (bytes of files one\n"
               "answer may bring, default 16 GiB) and signed_timestamp (true: send X-Herald-Timestamp\n"
               "and sign <timestamp>.<body>, for a runner with replay_window); docs/REMOTE.md.\n\n"
               "Options:\n"
               "  -h --help      Show this help\n"
               "     --strict    Treat warnings as errors\n"
               "  -q --quiet     Print nothing; only the exit status tells\n"
               "     --json[=pretty|short]\n"
               "                 Print the diagnostics as JSON on stdout (compact by default)\n\n"
               "The 'unit:' extension key (in an executor, a trigger or job_param) takes these systemd\n"
               "settings: jobs: User Group MemoryMax MemoryHigh CPUQuota CPUWeight IOWeight TasksMax Nice\n"
               "RuntimeMaxSec TimeoutStopSec LogRateLimitIntervalSec LogRateLimitBurst ProtectSystem\n"
               "ProtectHome PrivateTmp PrivateNetwork PrivateDevices NoNewPrivileges ProtectKernelTunables\n"
               "ProtectControlGroups OnFailure; timers (cron, tick): AccuracySec RandomizedDelaySec\n"
               "Persistent. OnFailure= names units systemd starts when a job fails (the job unit's name\n"
               "is %%n: 'OnFailure: alert@%%n.service'): how an admin gets told, as for any unit.\n"
               "Jobs have no practical journald rate limit (LogRateLimitIntervalSec=1s,\n"
               "LogRateLimitBurst=10000000: more than journald takes in) unless 'unit:' sets one; then\n"
               "herald-done checks that each result entry reached the journal, and resends it if not.\n\n"
               "herald's keys for heraldd (Herald ignores them):\n"
               "  http trigger: secret          HMAC-SHA256 key for signed requests, inline (a warning:\n"
               "                                heraldd's user 'herald' reads the workflow)\n"
               "                secret_file     an absolute path to a root-only file holding the key; it\n"
               "                                reaches heraldd as the systemd credential trigger-NAME\n"
               "                max_body        request body limit in bytes (default 1048576, at most\n"
               "                                67108864; Herald has none)\n"
               "                replay_window   seconds a signed request stays valid (0: off, the default)\n"
               "  router:       wait            true: the HTTP answer waits for the job and carries its\n"
               "                                result (http triggers only)\n"
               "                wait_timeout    seconds such an answer waits (default 60)\n"
               "                max_running     jobs of this router at once (0: no limit, the default)\n\n"
               "Where herald runs a workflow differently from Herald on purpose (docs/HERALDD.md):\n"
               "  - match_map/except_map compare numbers by value: match_value: 1 matches a POSTed\n"
               "    {\"v\": 1} (Herald's never does: its body numbers are floats, YAML's are ints);\n"
               "    a map or list match_value is compared in depth (Herald crashes);\n"
               "  - HTTP bodies keep every digit of big integers (Herald rounds them to float64),\n"
               "    nest at most 100 levels, and weigh at most max_body (413 before reading);\n"
               "  - a method other than POST gets 405 (Herald: 400), with Herald's text;\n"
               "  - an exe_done chain stops after 16 steps with a log line (heraldd\n"
               "    --max-chain-depth), and each finished job is chained exactly once, also\n"
               "    across a crash of heraldd (Herald loses its chains when it dies).\n"
               "Kept as Herald has it: skip counts only a tick trigger's counter; a POSTed\n"
               "{\"counter\": 4} (a float in Herald) never selects with a positive skip_number.\n\n"
               "Exit status: 0 valid, 1 invalid (or unreadable), 2 wrong usage.\n");
}

enum {
        ARG_STRICT = 0x100,
        ARG_JSON,
        ARG_WORKFLOW_PATH,
};

typedef struct ValidateArgs {
        bool strict, quiet;
        JsonMode json;
} ValidateArgs;

static int json_option(const char *arg, JsonMode *ret) {
        if (json_mode_from_string(arg, ret) < 0 || *ret == JSON_OFF)
                return log_error_errno(EINVAL, "Invalid --json= mode '%s', expected 'short' or 'pretty'.", arg);
        return 1;
}

static int validate_option(int c, const char *arg, void *userdata) {
        ValidateArgs *a = userdata;

        switch (c) {
        case ARG_STRICT:
                a->strict = true;
                return 1;
        case 'q':
                a->quiet = true;
                return 1;
        case ARG_JSON:
                return json_option(arg, &a->json);
        default:
                return 0;
        }
}

int verb_validate(int argc, char **argv) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "strict", no_argument, NULL, ARG_STRICT },
                { "quiet", no_argument, NULL, 'q' },
                { "json", optional_argument, NULL, ARG_JSON },
                {}
        };
        ValidateArgs a = {};
        bool strict, quiet, json, ok = true;
        cJSON *out = NULL;
        int r;

        r = verb_parse_options(argc, argv, "hq", options, validate_help, validate_option, &a);
        if (r <= 0 || r == TASKCTL_EXIT_USAGE)
                return r;
        strict = a.strict;
        quiet = a.quiet;
        json = a.json;
        if (optind >= argc) {
                log_error("No workflow file given. See 'taskctl validate --help'.");
                return 2;
        }
        if (json && !(out = cJSON_CreateArray()))
                return log_oom();

        for (int i = optind; i < argc; i++) {
                _cleanup_(workflow_freep) Workflow *w = NULL;
                r = workflow_load(argv[i], NULL, &w);
                if (r < 0) {
                        cJSON_Delete(out);
                        return log_error_errno(r, "Failed to load '%s': %m", argv[i]);
                }
                bool valid = !w->unloadable && w->diag.n_errors == 0 && (!strict || w->diag.n_warnings == 0);
                ok = ok && valid;

                if (json) {
                        cJSON *o = cJSON_CreateObject();
                        cJSON_AddItemToArray(out, o);
                        cJSON_AddStringToObject(o, "file", argv[i]);
                        cJSON_AddBoolToObject(o, "valid", valid);
                        cJSON_AddNumberToObject(o, "errors", (double) w->diag.n_errors);
                        cJSON_AddNumberToObject(o, "warnings", (double) w->diag.n_warnings);
                        cJSON_AddNumberToObject(o, "routers", (double) w->n_routers);
                        cJSON_AddNumberToObject(o, "tasks", (double) workflow_count_tasks(w));
                        cJSON_AddItemToObject(o, "diagnostics", diag_list_to_json(&w->diag));
                } else if (!quiet) {
                        diag_list_print(&w->diag, stderr, isatty(STDERR_FILENO));
                        size_t n_tasks = workflow_count_tasks(w);
                        printf("%s: %s (%zu router%s, %zu task%s, %zu error%s, %zu warning%s)\n", argv[i],
                               valid ? "valid" : "invalid", w->n_routers, PLURAL(w->n_routers), n_tasks,
                               PLURAL(n_tasks), w->diag.n_errors, PLURAL(w->diag.n_errors), w->diag.n_warnings,
                               PLURAL(w->diag.n_warnings));
                }
        }
        if (json) {
                if (json_output(out, a.json) < 0)
                        log_oom();
                cJSON_Delete(out);
        }
        return ok ? 0 : 1;
}

static void plan_help(void) {
        printf("Usage: taskctl plan [OPTIONS...] FILE\n\n"
               "Print the systemd units herald makes of a workflow: for each trigger with a timer, the\n"
               "timer and its activation service (what herald-generator writes and 'taskctl apply'\n"
               "starts), and the unit every job of every task runs in (started per firing). Broken\n"
               "routers and tasks are left out, as at run time, and reported on stderr.\n\n"
               "Options:\n"
               "  -h --help             Show this help\n"
               "     --json[=pretty|short]\n"
               "                        Print the plan (units, typed properties, routes) as JSON\n"
               "                        (compact by default)\n"
               "     --workflow-path P  The path the activation services read (default: FILE; with\n"
               "                        --output-dir, FILE made absolute)\n"
               "  -o --output-dir DIR   Write the timers and activation services into DIR (for example\n"
               "                        /etc/systemd/system), with their timers.target.wants/ links,\n"
               "                        instead of printing them; then run 'systemctl daemon-reload'\n"
               "                        and 'systemctl start timers.target' (a reload alone starts\n"
               "                        no timer). Existing files are not overwritten. For the\n"
               "                        installed workflow, 'taskctl reload' does all of this.\n\n"
               "Exit status: 0 valid, 1 invalid (the plan of the valid part is still printed), 2 usage.\n");
}

typedef struct PlanArgs {
        JsonMode json;
        const char *workflow_path, *output_dir;
} PlanArgs;

static int plan_option(int c, const char *arg, void *userdata) {
        PlanArgs *a = userdata;

        switch (c) {
        case 'o':
                a->output_dir = arg;
                return 1;
        case ARG_JSON:
                return json_option(arg, &a->json);
        case ARG_WORKFLOW_PATH:
                a->workflow_path = arg;
                return 1;
        default:
                return 0;
        }
}

int verb_plan(int argc, char **argv) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "json", optional_argument, NULL, ARG_JSON },
                { "workflow-path", required_argument, NULL, ARG_WORKFLOW_PATH },
                { "output-dir", required_argument, NULL, 'o' },
                {}
        };
        _cleanup_(workflow_freep) Workflow *w = NULL;
        _cleanup_(plan_freep) Plan *plan = NULL;
        _cleanup_free_ char *absolute = NULL;
        PlanArgs a = {};
        const char *workflow_path, *output_dir;
        bool json;
        int r;

        r = verb_parse_options(argc, argv, "ho:", options, plan_help, plan_option, &a);
        if (r <= 0 || r == TASKCTL_EXIT_USAGE)
                return r;
        json = a.json;
        workflow_path = a.workflow_path;
        output_dir = a.output_dir;
        if (optind + 1 != argc) {
                log_error("Expected exactly one workflow file. See 'taskctl plan --help'.");
                return 2;
        }
        if (json && output_dir) {
                log_error("--json and --output-dir do not go together. See 'taskctl plan --help'.");
                return 2;
        }

        r = workflow_load(argv[optind], NULL, &w);
        if (r < 0)
                return log_error_errno(r, "Failed to load '%s': %m", argv[optind]);
        diag_list_print(&w->diag, stderr, isatty(STDERR_FILENO));
        if (w->unloadable)
                return 1;

        /* Units outlive this directory: they must name the workflow absolutely. */
        if (output_dir && !workflow_path) {
                absolute = realpath(argv[optind], NULL);
                if (!absolute)
                        return log_error_errno(errno, "Failed to resolve '%s': %m", argv[optind]);
                workflow_path = absolute;
        }

        r = plan_build(w, &(PlanOptions) { .workflow_path = workflow_path ?: argv[optind], .activate_path = HERALD_ACTIVATE_PATH, .exec_path = HERALD_EXEC_PATH, .done_path = HERALD_DONE_PATH,
                                           .source_path = argv[optind] }, &plan);
        if (r < 0)
                return log_error_errno(r, "Failed to plan '%s': %m", argv[optind]);

        if (output_dir) {
                for (size_t i = 0; i < plan->n_units; i++) {
                        if (!plan->units[i].emitted)
                                continue;
                        r = unit_file_install(output_dir, &plan->units[i], "taskctl plan");
                        if (r < 0)
                                return log_error_errno(r, "Failed to write %s/%s: %m", output_dir, plan->units[i].name);
                        printf("%s/%s\n", output_dir, plan->units[i].name);
                }
        } else if (json) {
                cJSON *j = plan_to_json(plan);
                r = j ? json_output(j, a.json) : -ENOMEM;
                cJSON_Delete(j);
                if (r < 0)
                        return log_oom();
        } else
                for (size_t i = 0; i < plan->n_units; i++) {
                        const PlanUnit *u = &plan->units[i];
                        printf("%s# %s%s%s\n", i > 0 ? "\n" : "", u->name, u->emitted ? "" : " -- ", u->emitted ? "" : u->note);
                        if (u->wanted_by && u->emitted)
                                printf("# wanted by %s\n", u->wanted_by);
                        r = unit_file_write(u, "herald-generator", stdout);
                        if (r < 0)
                                return log_error_errno(r, "Failed to format unit %s: %m", u->name);
                }
        return w->diag.n_errors > 0 ? 1 : 0;
}
