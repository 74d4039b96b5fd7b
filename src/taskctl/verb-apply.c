/* SPDX-License-Identifier: MIT */
/* verb-apply.c: taskctl apply, the transient twin of herald-generator */
#include <fcntl.h>
#include <getopt.h>
#include <sys/stat.h>

#include "bus-unit.h"
#include "config.h"
#include "fs-util.h"
#include "herald-ids.h"
#include "log.h"
#include "plan.h"
#include "taskctl-write.h"
#include "verb-options.h"
#include "workflow.h"

#define APPLIED_WORKFLOW HERALD_APPLIED_DIR "/workflow.yml"
#define APPLIED_UNITS HERALD_APPLIED_DIR "/units"

static void apply_help(void) {
        printf("Usage: taskctl apply [OPTIONS...] FILE\n"
               "       taskctl apply --remove\n\n"
               "Run a workflow now without writing unit files: every timer and activation service the\n"
               "workflow needs is started as a transient unit over D-Bus (the same units herald-generator\n"
               "writes, property for property). A copy of FILE is kept in " APPLIED_WORKFLOW ", which\n"
               "the activations read, so editing FILE later changes nothing until the next apply. What a\n"
               "previous apply started is stopped first. Transient units do not survive a reboot; for a\n"
               "permanent workflow install it as /etc/herald/workflow.yml and run 'systemctl daemon-reload'.\n\n"
               "A workflow with errors is refused (see 'taskctl validate').\n\n"
               "Options:\n"
               "  -h --help     Show this help\n"
               "     --remove   Stop and remove everything a previous apply started\n\n"
               "Exit status: 0 on success, 1 on failure, 2 on wrong usage.\n");
}

/* Stop what the previous apply started; each timer takes its activation service along. */
static int remove_applied(sd_bus *bus) {
        _cleanup_fclose_ FILE *f = fopen(APPLIED_UNITS, "re");
        char line[512];
        int n = 0;

        if (!f)
                return errno == ENOENT ? 0 : -errno;
        while (fgets(line, sizeof line, f)) {
                sd_bus_error error = SD_BUS_ERROR_NULL;
                line[strcspn(line, "\n")] = 0;
                if (!*line)
                        continue;
                int r = bus_stop_unit(bus, line, &error);
                if (r < 0 && !sd_bus_error_has_name(&error, "org.freedesktop.systemd1.NoSuchUnit"))
                        log_warning("Failed to stop %s: %s, ignoring", line, error.message ?: strerror(-r));
                sd_bus_error_free(&error);
                (void) bus_wait_unit_gone(bus, line, 5 * 1000000);
                n++;
        }
        unlink(APPLIED_UNITS);
        return n;
}

enum { ARG_REMOVE = 0x100 };

static int apply_option(int c, const char *arg, void *userdata) {
        bool *remove_only = userdata;

        if (c != ARG_REMOVE)
                return 0;
        *remove_only = true;
        return 1;
}

int verb_apply(int argc, char **argv) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "remove", no_argument, NULL, ARG_REMOVE },
                {}
        };
        _cleanup_(workflow_freep) Workflow *w = NULL;
        _cleanup_(plan_freep) Plan *plan = NULL;
        _cleanup_free_ char *data = NULL;
        sd_bus *bus = NULL;
        bool remove_only = false;
        size_t size = 0;
        int r;

        r = verb_parse_options(argc, argv, "h", options, apply_help, apply_option, &remove_only);
        if (r <= 0 || r == TASKCTL_EXIT_USAGE)
                return r;
        if (remove_only ? optind != argc : optind + 1 != argc) {
                log_error(remove_only ? "--remove takes no file." : "Expected exactly one workflow file. See 'taskctl apply --help'.");
                return 2;
        }

        r = sd_bus_default_system(&bus);
        if (r < 0)
                return log_error_errno(r, "Failed to connect to the system bus: %m");

        if (remove_only) {
                r = remove_applied(bus);
                sd_bus_flush_close_unref(bus);
                if (r < 0)
                        return log_error_errno(r, "Failed to read %s: %m", APPLIED_UNITS);
                unlink(APPLIED_WORKFLOW);
                printf("Removed %d applied unit%s.\n", r, r == 1 ? "" : "s");
                return 0;
        }

        const char *file = argv[optind];
        r = read_file(file, 16u << 20, &data, &size);
        if (r < 0) {
                sd_bus_flush_close_unref(bus);
                return log_error_errno(r, "Failed to read '%s': %m", file);
        }
        r = workflow_load_string(file, data ?: "", size, NULL, &w);
        if (r < 0) {
                sd_bus_flush_close_unref(bus);
                return log_error_errno(r, "Failed to load '%s': %m", file);
        }
        diag_list_print(&w->diag, stderr, isatty(STDERR_FILENO));
        if (w->unloadable || w->diag.n_errors > 0) {
                sd_bus_flush_close_unref(bus);
                log_error("'%s' has errors; nothing applied, what runs now keeps running.", file);
                return 1;
        }

        r = plan_build(w, &(PlanOptions) { .workflow_path = APPLIED_WORKFLOW, .activate_path = HERALD_ACTIVATE_PATH, .exec_path = HERALD_EXEC_PATH, .done_path = HERALD_DONE_PATH }, &plan);
        if (r < 0) {
                sd_bus_flush_close_unref(bus);
                return log_error_errno(r, "Failed to plan '%s': %m", file);
        }

        (void) mkdir(HERALD_RUN_DIR, 0755);
        (void) mkdir(HERALD_APPLIED_DIR, 0700);
        r = remove_applied(bus);
        if (r < 0)
                log_warning_errno(r, "Failed to remove the previous apply: %m, ignoring");
        r = write_file_atomic(APPLIED_WORKFLOW, data ?: "", size, 0600);
        if (r < 0) {
                sd_bus_flush_close_unref(bus);
                return log_error_errno(r, "Failed to write %s: %m", APPLIED_WORKFLOW);
        }

        _cleanup_fclose_ FILE *units = fopen(APPLIED_UNITS, "we");
        if (!units) {
                sd_bus_flush_close_unref(bus);
                return log_error_errno(errno, "Failed to write %s: %m", APPLIED_UNITS);
        }
        int started = 0, failed = 0;
        for (size_t i = 0; i < plan->n_units; i++) {
                const PlanUnit *u = &plan->units[i];
                const PlanUnit *aux = NULL;
                sd_bus_error error = SD_BUS_ERROR_NULL;

                if (u->kind != PLAN_UNIT_TIMER || !u->emitted)
                        continue;
                for (size_t k = 0; k < plan->n_units; k++)
                        if (plan->units[k].kind == PLAN_UNIT_ACTIVATION && streq(plan->units[k].trigger, u->trigger))
                                aux = &plan->units[k];
                r = bus_start_transient(bus, u, aux, &error);
                if (r < 0) {
                        log_error("Failed to start %s: %s", u->name, error.message ?: strerror(-r));
                        if (sd_bus_error_has_name(&error, "org.freedesktop.systemd1.UnitExists"))
                                log_error("A unit of that name exists already: is this workflow also installed as "
                                          "/etc/herald/workflow.yml (herald-generator)? Remove one of the two.");
                        failed++;
                } else {
                        fprintf(units, "%s\n", u->name);
                        printf("Started %s (trigger '%s')\n", u->name, u->trigger);
                        started++;
                }
                sd_bus_error_free(&error);
        }
        for (size_t i = 0; i < plan->n_units; i++)
                if (plan->units[i].kind == PLAN_UNIT_SOCKET)
                        log_warning("HTTP trigger '%s' is served by heraldd through units that only the generator "
                                    "writes (job templates cannot be transient): install the workflow as "
                                    HERALD_WORKFLOW_DEFAULT " and run 'taskctl reload'; skipping it here.",
                                    plan->units[i].trigger);
        fflush(units);
        sd_bus_flush_close_unref(bus);
        printf("Applied '%s': %d timer%s started, %d failed.\n", file, started, started == 1 ? "" : "s", failed);
        return failed > 0 ? 1 : 0;
}
