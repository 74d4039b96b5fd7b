/* SPDX-License-Identifier: MIT */
/* activate.c: one firing of a trigger: one trigger_id, selectors, one unit per selected task
 *
 * Runs as the ExecStart= of herald-trigger-<T>.service, which the trigger's timer starts.
 * Every router and task reached by this firing shares its trigger_id (and tick counter),
 * as in Herald. Selectors run here, so timer routes need no daemon. Job units are started
 * asynchronously with a bounded window of calls in flight (dbus-daemon refuses more than
 * 128 pending replies per connection).
 */
#include <fcntl.h>
#include <fnmatch.h>
#include <grp.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <systemd/sd-id128.h>
#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-journal.h>

#include "activate.h"
#include "bus-unit.h"
#include "config.h"
#include "fs-util.h"
#include "herald-ids.h"
#include "job-dir.h"
#include "log.h"
#include "plan.h"
#include "result-entry.h"
#include "selector.h"
#include "unit-name.h"
#include "workflow.h"
#include "json-util.h"

#define START_WINDOW 64
#define EXTERNAL_SELECTOR_TIMEOUT_USEC (30ULL * 1000000ULL)

typedef struct Activation {
        sd_bus *bus;
        unsigned in_flight;
        unsigned started, failed, skipped, selected;
        char **running;                 /* herald's running units, listed once per firing */
} Activation;

/* The running job units of one task. systemd is asked once per firing, not once per
 * task: a synchronous call per task made a 300-task firing take 3.3 s instead of
 * 0.4 s (bench/job-throughput.sh). Unit globs are matched as systemd matches them. */
static int running_units(Activation *a, const char *pattern, char ***ret) {
        static const char *const states[] = { "active", "activating", "deactivating", "reloading", NULL };
        _cleanup_strv_free_ char **list = NULL;
        size_t n = 0;
        int r;

        if (!a->running) {
                r = bus_list_units(a->bus, "herald-*", states, &a->running);
                if (r < 0)
                        return r;
        }
        list = calloc(1, sizeof *list);
        if (!list)
                return -ENOMEM;
        for (char **u = a->running; *u; u++) {
                if (fnmatch(pattern, *u, FNM_NOESCAPE) != 0)
                        continue;
                char **t = reallocarray(list, n + 2, sizeof *t);
                if (!t)
                        return -ENOMEM;
                list = t;
                if (!(list[n] = strdup(*u)))
                        return -ENOMEM;
                list[++n] = NULL;
        }
        *ret = TAKE_PTR(list);
        return 0;
}

static int uuid_new(char ret[37]) {
        sd_id128_t id;
        int r = sd_id128_randomize(&id);
        if (r < 0)
                return r;
        /* Herald's ids are upper-case UUIDs; keep their shape. */
        snprintf(ret, 37, "%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-%02X%02X%02X%02X%02X%02X",
                 id.bytes[0], id.bytes[1], id.bytes[2], id.bytes[3], id.bytes[4], id.bytes[5], id.bytes[6], id.bytes[7],
                 id.bytes[8], id.bytes[9], id.bytes[10], id.bytes[11], id.bytes[12], id.bytes[13], id.bytes[14], id.bytes[15]);
        return 0;
}

/* Herald's tick counter: 1 at the first firing, one more each time; kept in /run, so it
 * restarts at boot as Herald's restarts with the daemon. */
static int tick_counter_next(const char *trigger, int64_t *ret) {
        _cleanup_free_ char *name = unit_name_escape_part(trigger), *path = NULL;
        _cleanup_close_ int fd = -1;
        char buf[32] = {};
        int64_t n = 0;

        if (!name || asprintf(&path, HERALD_TICK_DIR "/%s", name) < 0)
                return -ENOMEM;
        (void) mkdir(HERALD_RUN_DIR, 0755);
        (void) mkdir(HERALD_TICK_DIR, 0700);
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0)
                return -errno;
        if (flock(fd, LOCK_EX) < 0)
                return -errno;
        if (read(fd, buf, sizeof buf - 1) > 0)
                n = strtoll(buf, NULL, 10);
        n = n < 0 ? 1 : n + 1;
        int len = snprintf(buf, sizeof buf, "%lld\n", (long long) n);
        if (pwrite(fd, buf, (size_t) len, 0) != len || ftruncate(fd, len) < 0)
                return -errno;
        *ret = n;
        return 0;
}

static cJSON *trigger_param_new(const Component *t, int64_t counter) {
        cJSON *p = cJSON_CreateObject();
        char when[64];
        time_t now = time(NULL);
        struct tm tm;

        if (!p)
                return NULL;
        if (t->type == TRIGGER_TICK)
                cJSON_AddItemToObject(p, "counter", json_create_int64(counter));
        else if (t->type == TRIGGER_CRON) {
                /* Herald: the spec as written and the local time, RFC 3339, whole seconds. */
                localtime_r(&now, &tm);
                strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S%z", &tm);
                size_t l = strlen(when);
                if (l > 5 && (when[l - 5] == '+' || when[l - 5] == '-')) {
                        if (streq(when + l - 5, "+0000"))
                                strcpy(when + l - 5, "Z");
                        else {
                                memmove(when + l - 1, when + l - 2, 3);
                                when[l - 2] = ':';
                        }
                }
                cJSON_AddStringToObject(p, "cron", t->cron_spec);
                cJSON_AddStringToObject(p, "time", when);
        }
        return p;
}

static cJSON *exec_param_new(const char *job_id, const char *trigger_id, const Router *r, const Task *t,
                             const cJSON *trigger_param) {
        cJSON *p = cJSON_CreateObject();

        if (!p)
                return NULL;
        cJSON_AddStringToObject(p, "job_id", job_id);
        cJSON_AddStringToObject(p, "trigger_id", trigger_id);
        cJSON_AddStringToObject(p, "router", r->name);
        cJSON_AddStringToObject(p, "trigger", r->trigger_name);
        cJSON_AddStringToObject(p, "selector", strempty(r->selector_name));
        cJSON_AddStringToObject(p, "task", t->name);
        cJSON_AddStringToObject(p, "executor", t->executor_name);
        cJSON_AddItemToObject(p, "trigger_param", cJSON_Duplicate(trigger_param, true));
        cJSON_AddItemToObject(p, "select_param", cJSON_Duplicate(t->select_param, true));
        cJSON_AddItemToObject(p, "job_param", cJSON_Duplicate(t->job_param, true));
        return p;
}

/* The job directory: DIR (root, 0750) holds job.json (root, 0640), which carries the
 * job's ids, and DIR/out (the job's user, 0700), where the job writes its result. The
 * job's user reads job.json through the directory's group but can change neither it
 * nor DIR, so the ids `done` writes into the result entry cannot be forged by the job. */
static int write_job_dir(const char *dir, const cJSON *param, const Task *t, const char *unit, int64_t counter) {
        _cleanup_free_ char *text = NULL;
        _cleanup_close_ int dfd = -1;
        cJSON *job = cJSON_CreateObject();
        const UnitSetting *user = unit_settings_get(&t->unit, "User"), *group = unit_settings_get(&t->unit, "Group");
        uid_t uid = 0;
        gid_t gid = 0;
        int r;

        if (!job)
                return -ENOMEM;
        cJSON_AddItemToObject(job, "param", cJSON_Duplicate(param, true));
        cJSON_AddStringToObject(job, "executor_type", executor_type_to_string(t->executor->type));
        cJSON_AddItemToObject(job, "executor_param", cJSON_Duplicate(t->executor->params, true));
        cJSON_AddStringToObject(job, "unit", unit);
        cJSON_AddItemToObject(job, "counter", json_create_int64(counter));
        text = cJSON_PrintUnformatted(job);
        cJSON_Delete(job);
        if (!text)
                return -ENOMEM;

        if (user) {
                struct passwd *pw = getpwnam(user->string);
                if (!pw)
                        return -ESRCH;
                uid = pw->pw_uid;
                gid = pw->pw_gid;
        }
        if (group) {
                struct group *gr = getgrnam(group->string);
                if (!gr)
                        return -ESRCH;
                gid = gr->gr_gid;
        }
        (void) mkdir(HERALD_RUN_DIR, 0755);
        (void) mkdir(HERALD_JOBS_DIR, 0755);
        if (mkdir(dir, 0750) < 0)
                return -errno;
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dfd < 0)
                return -errno;
        if (fchown(dfd, 0, gid) < 0)
                return -errno;
        r = write_file_atomic_at(dfd, JOB_SPEC_FILE, text, strlen(text), 0640);
        if (r < 0)
                return r;
        if (fchownat(dfd, JOB_SPEC_FILE, 0, gid, AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        if (mkdirat(dfd, JOB_OUT_DIR, 0700) < 0)
                return -errno;
        if (fchownat(dfd, JOB_OUT_DIR, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        return 0;
}

static int on_started(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Activation *a = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(reply);

        a->in_flight--;
        if (e) {
                log_error("Failed to start a job unit: %s", e->message);
                a->failed++;
        } else
                a->started++;
        return 0;
}

static int pump_until(Activation *a, unsigned max_in_flight) {
        while (a->in_flight > max_in_flight) {
                int r = sd_bus_process(a->bus, NULL);
                if (r < 0)
                        return r;
                if (r == 0) {
                        r = sd_bus_wait(a->bus, UINT64_MAX);
                        if (r < 0 && r != -EINTR)
                                return r;
                }
        }
        return 0;
}

static int skip_entry(const Router *r, const Task *t, const char *trigger_id, char **running) {
        return sd_journal_send("MESSAGE_ID=" HERALD_MESSAGE_SKIPPED, "PRIORITY=5",
                               "MESSAGE=Skipped %s/%s for trigger id %s: the previous run (%s) is still going (concurrency: forbid)",
                               r->name, t->name, trigger_id, running[0],
                               "HERALD_ROUTER=%s", r->name, "HERALD_TASK=%s", t->name,
                               "HERALD_TRIGGER=%s", r->trigger_name, "HERALD_TRIGGER_ID=%s", trigger_id,
                               "HERALD_REASON=overlap", "HERALD_RUNNING_UNIT=%s", running[0], NULL);
}

static int start_task(Activation *a, const Router *r, const Task *t, const char *trigger_id, const cJSON *trigger_param,
                      int64_t counter) {
        _cleanup_free_ char *dir = NULL, *pattern = NULL;
        _cleanup_strv_free_ char **running = NULL;
        char job_id[37];
        PlanUnit unit = {};
        cJSON *param = NULL;
        sd_bus_message *m = NULL;
        int s;

        s = selector_select(r->selector, trigger_param, t->select_param, EXTERNAL_SELECTOR_TIMEOUT_USEC);
        if (s < 0)
                log_warning_errno(s, "Selector '%s' of router '%s' failed for task '%s' (%m); not selected.",
                                  r->selector_name, r->name, t->name);
        if (s <= 0)
                return 0;
        a->selected++;

        if (t->executor->type != EXECUTOR_NONE && r->concurrency != CONCURRENCY_ALLOW) {
                pattern = unit_name_job_pattern(r->name, t->name);
                if (!pattern)
                        return log_oom();
                s = running_units(a, pattern, &running);
                if (s < 0)
                        log_warning_errno(s, "Failed to list running units of %s/%s: %m, ignoring", r->name, t->name);
                else if (running[0] && r->concurrency == CONCURRENCY_FORBID) {
                        a->skipped++;
                        return skip_entry(r, t, trigger_id, running);
                } else
                        for (char **u = running; *u; u++)
                                (void) bus_stop_unit(a->bus, *u, NULL);
        }

        s = uuid_new(job_id);
        if (s < 0)
                return log_error_errno(s, "Failed to make a job id: %m");
        param = exec_param_new(job_id, trigger_id, r, t, trigger_param);
        if (!param)
                return log_oom();

        if (t->executor->type == EXECUTOR_NONE) {
                /* No unit: Herald's none executor does nothing and succeeds. */
                cJSON *result = cJSON_CreateObject();
                s = result_entry_send(param, NULL, NULL, true, "", result, "success",
                                      r->trigger->type == TRIGGER_TICK ? counter : -1);
                cJSON_Delete(result);
                cJSON_Delete(param);
                if (s < 0)
                        return log_error_errno(s, "Failed to write the result of %s/%s: %m", r->name, t->name);
                a->started++;
                return 0;
        }

        if (asprintf(&dir, HERALD_JOBS_DIR "/%s", job_id) < 0) {
                cJSON_Delete(param);
                return log_oom();
        }
        s = plan_job_unit(r, t, job_id, dir, &(PlanOptions) { .exec_path = HERALD_EXEC_PATH, .done_path = HERALD_DONE_PATH }, &unit);
        if (s >= 0)
                s = write_job_dir(dir, param, t, unit.name, r->trigger->type == TRIGGER_TICK ? counter : -1);
        cJSON_Delete(param);
        if (s < 0) {
                plan_unit_done(&unit);
                a->failed++;
                return log_error_errno(s, "Failed to prepare job %s of %s/%s: %m", job_id, r->name, t->name);
        }

        s = bus_message_new_start_transient(a->bus, &unit, NULL, &m);
        if (s >= 0)
                s = sd_bus_call_async(a->bus, NULL, m, on_started, a, 0);
        sd_bus_message_unref(m);
        plan_unit_done(&unit);
        if (s < 0) {
                a->failed++;
                return log_error_errno(s, "Failed to start the unit of job %s: %m", job_id);
        }
        a->in_flight++;
        return pump_until(a, START_WINDOW - 1);
}

/**
 * activate_run: one firing of a trigger.
 * @workflow: the workflow snapshot the units were made from
 * @trigger: the trigger that fired
 *
 * Return: 0; -EIO when some job could not be started; another negative errno when
 * nothing could be (logged).
 */
int activate_run(const char *workflow, const char *trigger) {
        _cleanup_(workflow_freep) Workflow *w = NULL;
        Activation a = {};
        char trigger_id[37];
        int64_t counter = -1;
        cJSON *trigger_param = NULL;
        Component *t;
        int r;

        r = workflow_load(workflow, NULL, &w);
        if (r < 0)
                return log_error_errno(r, "Failed to load %s: %m", workflow);
        if (w->unloadable) {
                diag_list_print(&w->diag, stderr, false);
                return log_error_errno(EINVAL, "Workflow %s cannot be loaded.", workflow);
        }
        t = workflow_find_component(w, COMPONENT_TRIGGER, trigger);
        if (!t || t->broken)
                return log_error_errno(ENOENT, "Trigger '%s' is not in %s (or is broken).", trigger, workflow);

        if (t->type == TRIGGER_TICK) {
                r = tick_counter_next(t->name, &counter);
                if (r < 0)
                        return log_error_errno(r, "Failed to count the firing of '%s': %m", trigger);
        }
        r = uuid_new(trigger_id);
        if (r < 0)
                return log_error_errno(r, "Failed to make a trigger id: %m");
        trigger_param = trigger_param_new(t, counter);
        if (!trigger_param)
                return log_oom();

        r = sd_bus_open_system(&a.bus);
        if (r < 0) {
                cJSON_Delete(trigger_param);
                return log_error_errno(r, "Failed to connect to the system bus: %m");
        }

        for (size_t i = 0; i < w->n_routers; i++) {
                const Router *router = &w->routers[i];
                if (router->trigger != t || router->broken || !router->selector)
                        continue;
                for (size_t k = 0; k < router->n_tasks; k++)
                        if (!router->tasks[k].broken) {
                                r = start_task(&a, router, &router->tasks[k], trigger_id, trigger_param, counter);
                                if (r < 0 && r == -ENOMEM)
                                        break;
                        }
        }
        r = pump_until(&a, 0);
        if (r < 0)
                log_error_errno(r, "Lost the bus while starting jobs: %m");

        char counter_text[32] = "";
        if (counter >= 0)
                snprintf(counter_text, sizeof counter_text, ", counter %lld", (long long) counter);
        sd_journal_send("MESSAGE_ID=" HERALD_MESSAGE_ACTIVATION, "PRIORITY=6",
                        "MESSAGE=Trigger '%s' fired (id %s%s): %u selected, %u started, %u skipped, %u failed",
                        trigger, trigger_id, counter_text, a.selected, a.started, a.skipped, a.failed,
                        "HERALD_TRIGGER=%s", trigger, "HERALD_TRIGGER_ID=%s", trigger_id,
                        "HERALD_JOBS_STARTED=%u", a.started, "HERALD_JOBS_SKIPPED=%u", a.skipped,
                        "HERALD_JOBS_FAILED=%u", a.failed,
                        /* last: only tick triggers count their firings (NULL ends the list) */
                        counter >= 0 ? "HERALD_COUNTER=%lld" : NULL, (long long) counter, NULL);
        cJSON_Delete(trigger_param);
        sd_bus_flush_close_unref(a.bus);
        strv_free(a.running);
        return a.failed > 0 ? -EIO : 0;
}
