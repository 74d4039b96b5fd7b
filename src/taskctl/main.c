/* SPDX-License-Identifier: MIT */
/* taskctl: the operator's tool for herald workflows */
#include <getopt.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "taskctl-write.h"
#if HAVE_READ_VERBS
#include "diag.h"
#include "taskctl-verbs.h"
#endif

typedef struct Verb {
        const char *name;
        int (*run)(int argc, char **argv);
        const char *summary;
} Verb;

static const Verb verbs[] = {
        { "validate", verb_validate, "check workflow files; every problem with file:line:column" },
        { "plan", verb_plan, "print the units a workflow becomes (--json: the plan)" },
        { "apply", verb_apply, "run a workflow now, as transient units (--remove to stop it)" },
        { "reload", verb_reload, "daemon-reload for " HERALD_WORKFLOW_DEFAULT ": start new timers, stop gone ones" },
#if HAVE_READ_VERBS
        { "list", verb_list, "routers and tasks, their schedule, next and last run" },
        { "status", verb_status, "state of routers and jobs, recent runs and log lines" },
        { "logs", verb_logs, "a job's or router's own output (-f to follow)" },
        { "history", verb_history, "past results from the journal" },
#endif
};

static void help(void) {
        printf("Usage: taskctl [-h|--help] [--version] COMMAND [OPTIONS...]\n\n"
               "Run Herald Daemon workflows as systemd units, and see what they did.\n\n"
               "Commands:\n");
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                printf("  %-10s %s\n", verbs[i].name, verbs[i].summary);
        printf("\nRun 'taskctl COMMAND --help' for a command's options.\n\n"
               "Exit status: 0 on success, 1 on failure (for validate: an invalid workflow), 2 on wrong usage.\n"
               "See also: journalctl(1), systemctl(1), systemd.timer(5).\n");
}

static const Verb *verb_find(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (streq(name, verbs[i].name))
                        return &verbs[i];
        return NULL;
}

static int run(int argc, char **argv) {
        const char *known[ELEMENTSOF(verbs) + 1] = {};
        const Verb *v = NULL;
        int at = 1;

        if (argc < 2) {
                help();
                return 2;
        }
        if (streq(argv[1], "-h") || streq(argv[1], "--help")) {
                help();
                return 0;
        }
        if (streq(argv[1], "--version")) {
                printf("taskctl (herald) %s\n", HERALD_VERSION);
                return 0;
        }
        /* As systemctl: options may come before the verb ("taskctl --no-pager history");
         * the verb is the first argument that names one, and moves to the front so its
         * parser sees every option. */
        for (at = 1; at < argc && !v; at++)
                v = verb_find(argv[at]);
        if (v) {
                char *verb = argv[--at];

                memmove(argv + 2, argv + 1, (size_t) (at - 1) * sizeof *argv);
                argv[1] = verb;
                return v->run(argc - 1, argv + 1);
        }
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                known[i] = verbs[i].name;
        at = 1;
        while (at < argc - 1 && argv[at][0] == '-')
                at++;
        const char *hint = diag_closest(argv[at], known);
        if (hint)
                log_error("Unknown command '%s'; did you mean '%s'? See 'taskctl --help'.", argv[at], hint);
        else
                log_error("Unknown command '%s'. See 'taskctl --help'.", argv[at]);
        return 2;
}

int main(int argc, char **argv) {
        int r;

        log_setup("taskctl", LOG_TARGET_STDERR);
        r = run(argc, argv);
        return r < 0 ? 1 : r;
}
