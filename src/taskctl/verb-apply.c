/* SPDX-License-Identifier: MIT */
/* verb-apply.c: taskctl apply, the transient twin of herald-generator */
#include <fcntl.h>
#include <getopt.h>
#include <sys/stat.h>

#include "bus-unit.h"
#include "config.h"
#include "dispatch.h"
#include "fs-util.h"
#include "herald-ids.h"
#include "log.h"
#include "plan.h"
#include "taskctl-write.h"
#include "unit-emit.h"
#include "verb-options.h"
#include "workflow.h"

#define APPLIED_WORKFLOW HERALD_APPLIED_DIR "/workflow.yml"
#define APPLIED_UNITS HERALD_APPLIED_DIR "/units"
#define APPLIED_TEMPLATES HERALD_APPLIED_DIR "/templates"
#define RUNTIME_UNIT_DIR "/run/systemd/system"
/* A reload regenerates and reloads every unit; systemctl waits for it as long. */
#define RELOAD_TIMEOUT_USEC (90 * 1000000ULL)

static void apply_help(void) {
        printf("Usage: taskctl apply [OPTIONS...] FILE\n"
               "       taskctl apply --remove\n\n"
               "Run a workflow now without installing it: every timer and activation service the workflow\n"
               "needs is started as a transient unit over D-Bus (the same units herald-generator writes,\n"
               "property for property). Jobs are instances of a template unit per task, as with the\n"
               "generator; those templates are written to " RUNTIME_UNIT_DIR " (systemd is reloaded\n"
               "once to read them): a transient job unit would lose its result step at the next\n"
               "daemon-reload on systemd 252. A copy of FILE is kept in " APPLIED_WORKFLOW ", which\n"
               "the activations read, so editing FILE later changes nothing until the next apply. What a\n"
               "previous apply started is stopped first; its running jobs finish. Nothing of it survives\n"
               "a reboot; for a permanent workflow install it as " HERALD_WORKFLOW_DEFAULT " and run\n"
               "'taskctl reload'.\n\n"
               "A workflow with errors is refused (see 'taskctl validate').\n\n"
               "Options:\n"
               "  -h --help     Show this help\n"
               "     --remove   Stop and remove everything a previous apply started\n\n"
               "Exit status: 0 on success, 1 on failure, 2 on wrong usage.\n");
}

/* Appends a copy of @s to the NULL-terminated list @l of @n names. */
static int names_add(char ***l, size_t *n, const char *s) {
        char **a = reallocarray(*l, *n + 2, sizeof *a);

        if (!a)
                return -ENOMEM;
        *l = a;
        a[*n] = strdup(s);
        if (!a[*n])
                return -ENOMEM;
        a[++*n] = NULL;
        return 0;
}

/* Stop what the previous apply started (returns how many timers): each timer, then its activation service, which
 * the timer may have started just before it stopped (a failed one stays loaded until
 * its failure is reset). */
static int remove_applied(sd_bus *bus) {
        _cleanup_fclose_ FILE *f = fopen(APPLIED_UNITS, "re");
        _cleanup_strv_free_ char **names = NULL;
        char line[512];
        size_t n = 0;

        if (!f)
                return errno == ENOENT ? 0 : -errno;
        while (fgets(line, sizeof line, f)) {
                line[strcspn(line, "\n")] = 0;
                if (!*line)
                        continue;
                if (names_add(&names, &n, line) < 0)
                        return -ENOMEM;
        }
        for (size_t i = 0; i < n; i++) {
                sd_bus_error error = SD_BUS_ERROR_NULL;
                int r = bus_stop_unit(bus, names[i], &error);

                if (r < 0 && !sd_bus_error_has_name(&error, "org.freedesktop.systemd1.NoSuchUnit"))
                        log_warning("Failed to stop %s: %s, ignoring", names[i], error.message ?: strerror(-r));
                sd_bus_error_free(&error);
        }
        for (size_t i = 0; i < n; i++)
                if (bus_wait_unit_gone(bus, names[i], 5 * 1000000) < 0) {
                        (void) bus_reset_failed_unit(bus, names[i], NULL);
                        (void) bus_wait_unit_gone(bus, names[i], 2 * 1000000);
                }
        unlink(APPLIED_UNITS);
        int timers = 0;
        for (size_t i = 0; i < n; i++)
                timers += strlen(names[i]) > 6 && streq(names[i] + strlen(names[i]) - 6, ".timer");
        return timers;
}

/* Does a job of this template (herald-r-t@.service) still run? */
static bool template_in_use(char *const *running, const char *template_name) {
        size_t prefix = strcspn(template_name, "@") + 1;

        for (char *const *u = running; u && *u; u++)
                if (strncmp(*u, template_name, prefix) == 0)
                        return true;
        return false;
}

static bool plan_has_unit(const Plan *plan, const char *name) {
        for (size_t i = 0; plan && i < plan->n_units; i++)
                if (streq(plan->units[i].name, name))
                        return true;
        return false;
}

/* Remove the job templates of the previous apply that @keep does not have, except those
 * whose jobs still run: the next daemon-reload would take a removed template's
 * ExecStopPost= (the job's result entry) from its running instances. Returns how many
 * stay for that reason; the list of what stays is written back. */
static int remove_templates(sd_bus *bus, const Plan *keep) {
        _cleanup_fclose_ FILE *f = fopen(APPLIED_TEMPLATES, "re");
        _cleanup_strv_free_ char **running = NULL, **kept = NULL;
        char line[512];
        size_t n_kept = 0;
        int r, in_use = 0;

        if (!f)
                return errno == ENOENT ? 0 : -errno;
        r = dispatch_running_units(bus, "herald-*@*.service", &running);
        if (r < 0)
                log_warning_errno(r, "Failed to list running jobs: %m; keeping every job template");
        while (fgets(line, sizeof line, f)) {
                _cleanup_free_ char *path = NULL;

                line[strcspn(line, "\n")] = 0;
                if (!*line || strchr(line, '/') || !strchr(line, '@'))
                        continue;
                if (plan_has_unit(keep, line))
                        continue;       /* written again below */
                if (r < 0 || template_in_use(running, line)) {
                        in_use++;
                        if (names_add(&kept, &n_kept, line) < 0)
                                return -ENOMEM;
                        continue;
                }
                if (asprintf(&path, RUNTIME_UNIT_DIR "/%s", line) < 0)
                        return -ENOMEM;
                if (unlink(path) < 0 && errno != ENOENT)
                        log_warning_errno(errno, "Failed to remove %s, ignoring: %m", path);
        }
        fclose(f);
        f = fopen(APPLIED_TEMPLATES, "we");
        if (!f)
                return -errno;
        for (size_t i = 0; i < n_kept; i++)
                fprintf(f, "%s\n", kept[i]);
        if (fflush(f) != 0)
                return -errno;
        return in_use;
}

/* The job templates of @plan as runtime unit files (gone at the next boot, as the
 * transient timers are): a job is an instance of one, never a transient unit. */
static int write_templates(const Plan *plan) {
        _cleanup_fclose_ FILE *list = NULL;

        list = fopen(APPLIED_TEMPLATES, "ae");
        if (!list)
                return -errno;
        (void) mkdir(RUNTIME_UNIT_DIR, 0755);
        for (size_t i = 0; i < plan->n_units; i++) {
                const PlanUnit *u = &plan->units[i];
                _cleanup_free_ char *path = NULL, *text = NULL;
                size_t size = 0;
                FILE *m;
                int r;

                if (u->kind != PLAN_UNIT_JOB_TEMPLATE)
                        continue;
                m = open_memstream(&text, &size);
                if (!m)
                        return -ENOMEM;
                r = unit_file_write(u, "taskctl apply", m);
                if (fclose(m) != 0 && r >= 0)
                        r = -errno;
                if (r < 0)
                        return r;
                if (asprintf(&path, RUNTIME_UNIT_DIR "/%s", u->name) < 0)
                        return -ENOMEM;
                r = write_file_atomic(path, text, size, 0644);
                if (r < 0)
                        return log_error_errno(r, "Failed to write %s: %m", path);
                fprintf(list, "%s\n", u->name);
        }
        return fflush(list) == 0 ? 0 : -errno;
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
                int in_use;

                r = remove_applied(bus);
                if (r < 0) {
                        sd_bus_flush_close_unref(bus);
                        return log_error_errno(r, "Failed to read %s: %m", APPLIED_UNITS);
                }
                in_use = remove_templates(bus, NULL);
                sd_bus_flush_close_unref(bus);
                if (in_use < 0)
                        return log_error_errno(in_use, "Failed to remove the job templates: %m");
                /* The workflow stays while jobs of it run: herald-done reads nothing from
                 * it, but 'taskctl status' of those jobs does. */
                if (in_use == 0)
                        unlink(APPLIED_WORKFLOW);
                printf("Removed %d applied timer%s, %s activation service%s and job templates.\n", r, r == 1 ? "" : "s",
                       r == 1 ? "its" : "their", r == 1 ? "" : "s");
                if (in_use > 0)
                        printf("Kept %d job template%s in " RUNTIME_UNIT_DIR " whose jobs still run; the next "
                               "'taskctl apply --remove' removes %s.\n", in_use, in_use == 1 ? "" : "s",
                               in_use == 1 ? "it" : "them");
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
        r = remove_templates(bus, plan);
        if (r < 0)
                log_warning_errno(r, "Failed to remove the previous apply's job templates: %m, ignoring");
        r = write_templates(plan);
        if (r >= 0) {
                sd_bus_error error = SD_BUS_ERROR_NULL;

                r = bus_daemon_reload(bus, RELOAD_TIMEOUT_USEC, &error);
                if (r < 0)
                        log_error("Failed to reload systemd for the job templates: %s", error.message ?: strerror(-r));
                sd_bus_error_free(&error);
        } else
                log_error_errno(r, "Failed to write the job templates: %m");
        if (r < 0) {
                sd_bus_flush_close_unref(bus);
                return 1;
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
                        if (aux)
                                fprintf(units, "%s\n", aux->name);
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
