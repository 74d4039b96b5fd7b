/* SPDX-License-Identifier: MIT */
/* dispatch.c: what every firing needs, for herald-activate and heraldd alike
 *
 * A firing of a trigger (a timer's, an HTTP request's, a finished job's for exe_done)
 * goes the same way whoever handles it: a trigger param, one execution param per
 * selected task (Herald's JSON, passed to the job), the concurrency policy against the
 * task's running units, and a journal entry when the policy skips a task. Keeping that
 * here is what makes a job started by heraldd indistinguishable from a timer's.
 */
#include <fcntl.h>
#include <fnmatch.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-journal.h>

#include "bus-unit.h"
#include "dispatch.h"
#include "herald-ids.h"
#include "json-util.h"
#include "macro.h"
#include "unit-name.h"

/**
 * dispatch_tick_counter_next: count one more firing of a tick trigger.
 * @trigger: the trigger's name
 * @ret: the count: 1 at the first firing
 *
 * Herald's tick counter starts at 1 and grows by one a firing. It is kept in
 * HERALD_TICK_DIR (in /run), so it restarts at boot as Herald's restarts with the
 * daemon; a lock makes two firings at once count two.
 *
 * Return: 0, or a negative errno.
 */
int dispatch_tick_counter_next(const char *trigger, int64_t *ret) {
        _cleanup_free_ char *name = unit_name_escape_part(trigger), *path = NULL;
        _cleanup_close_ int fd = -1;
        char buf[32] = {};
        int64_t n = 0;
        int len;

        if (!name || asprintf(&path, HERALD_TICK_DIR "/%s", name) < 0)
                return -ENOMEM;
        (void) mkdir(HERALD_RUN_DIR, 0755);
        (void) mkdir(HERALD_TICK_DIR, 0700);
        fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
                return -errno;
        if (flock(fd, LOCK_EX) < 0)
                return -errno;
        if (read(fd, buf, sizeof buf - 1) > 0)
                n = strtoll(buf, NULL, 10);
        n = n < 0 ? 1 : n + 1;
        len = snprintf(buf, sizeof buf, "%lld\n", (long long) n);
        if (pwrite(fd, buf, (size_t) len, 0) != len || ftruncate(fd, len) < 0)
                return -errno;
        *ret = n;
        return 0;
}

/* Herald's cron time: the local time, RFC 3339, whole seconds, "Z" for UTC. */
static void cron_time_now(char *buf, size_t size) {
        time_t now = time(NULL);
        struct tm tm;
        size_t l;

        localtime_r(&now, &tm);
        if (strftime(buf, size, "%Y-%m-%dT%H:%M:%S%z", &tm) == 0) {
                buf[0] = 0;
                return;
        }
        l = strlen(buf);
        if (l > 5 && (buf[l - 5] == '+' || buf[l - 5] == '-')) {
                if (streq(buf + l - 5, "+0000"))
                        strcpy(buf + l - 5, "Z");
                else if (l + 1 < size) {
                        /* +0200 -> +02:00 */
                        memmove(buf + l - 1, buf + l - 2, 3);
                        buf[l - 2] = ':';
                }
        }
}

/**
 * dispatch_trigger_param_new: the trigger param of a timer's firing, as Herald's.
 * @trigger: the trigger
 * @counter: the tick counter (tick triggers only)
 *
 * tick: {"counter": n}; cron: {"cron": spec as written, "time": local RFC 3339};
 * other types: {} (an HTTP trigger's param is the request body, heraldd's).
 *
 * Return: a new object, or NULL when out of memory.
 */
cJSON *dispatch_trigger_param_new(const Component *trigger, int64_t counter) {
        _cleanup_json_ cJSON *p = cJSON_CreateObject();
        char when[64];

        if (!p)
                return NULL;
        if (trigger->type == TRIGGER_TICK) {
                if (json_object_add(p, "counter", json_create_int64(counter)) < 0)
                        return NULL;
        } else if (trigger->type == TRIGGER_CRON) {
                cron_time_now(when, sizeof when);
                if (json_object_add(p, "cron", cJSON_CreateString(strempty(trigger->cron_spec))) < 0 ||
                    json_object_add(p, "time", cJSON_CreateString(when)) < 0)
                        return NULL;
        }
        return TAKE_PTR(p);
}

/* A deep copy of an object; NULL (no such param) becomes {} as Herald always has one. */
static cJSON *object_copy(const cJSON *o) {
        return o ? cJSON_Duplicate(o, true) : cJSON_CreateObject();
}

/**
 * dispatch_exec_param_new: a job's execution param, Herald's JSON.
 * @job_id: the job's id
 * @trigger_id: the firing's id
 * @r: the router
 * @t: the task
 * @trigger_param: the firing's trigger param (copied)
 *
 * The keys in Herald's order: job_id, trigger_id, router, trigger, selector, task,
 * executor, trigger_param, select_param, job_param.
 *
 * Return: a new object, or NULL when out of memory.
 */
cJSON *dispatch_exec_param_new(const char *job_id, const char *trigger_id, const Router *r, const Task *t,
                               const cJSON *trigger_param) {
        _cleanup_json_ cJSON *p = cJSON_CreateObject();

        if (!p)
                return NULL;
        if (json_object_add(p, "job_id", cJSON_CreateString(job_id)) < 0 ||
            json_object_add(p, "trigger_id", cJSON_CreateString(trigger_id)) < 0 ||
            json_object_add(p, "router", cJSON_CreateString(r->name)) < 0 ||
            json_object_add(p, "trigger", cJSON_CreateString(r->trigger_name)) < 0 ||
            json_object_add(p, "selector", cJSON_CreateString(strempty(r->selector_name))) < 0 ||
            json_object_add(p, "task", cJSON_CreateString(t->name)) < 0 ||
            json_object_add(p, "executor", cJSON_CreateString(t->executor_name)) < 0 ||
            json_object_add(p, "trigger_param", object_copy(trigger_param)) < 0 ||
            json_object_add(p, "select_param", object_copy(t->select_param)) < 0 ||
            json_object_add(p, "job_param", object_copy(t->job_param)) < 0)
                return NULL;
        return TAKE_PTR(p);
}

/**
 * dispatch_units_matching: the units of a list that match a unit glob.
 * @units: unit names, NULL-terminated
 * @pattern: the glob, as systemd matches it (fnmatch, no escapes)
 * @ret: the matching names (a new strv, possibly empty)
 *
 * For a caller that lists herald's running units once and asks per task: one bus call
 * per task made a 300-task firing take 3.3 s instead of 0.4 s (bench/job-throughput.sh).
 *
 * Return: 0, or -ENOMEM.
 */
int dispatch_units_matching(char *const *units, const char *pattern, char ***ret) {
        _cleanup_strv_free_ char **list = calloc(1, sizeof *list);
        size_t n = 0;

        if (!list)
                return -ENOMEM;
        for (char *const *u = units; u && *u; u++) {
                char **t;

                if (fnmatch(pattern, *u, FNM_NOESCAPE) != 0)
                        continue;
                t = reallocarray(list, n + 2, sizeof *t);
                if (!t)
                        return -ENOMEM;
                list = t;
                list[n + 1] = NULL;
                if (!(list[n] = strdup(*u)))
                        return -ENOMEM;
                n++;
        }
        *ret = TAKE_PTR(list);
        return 0;
}

/**
 * dispatch_running_units: the loaded units matching a glob that are still going.
 * @bus: a system bus connection
 * @pattern: the glob (unit_name_job_pattern(), or "herald-*" to list once)
 * @ret: their names (a new strv, possibly empty)
 *
 * "Still going": active, activating, deactivating or reloading; what the concurrency
 * policy (forbid, replace) looks at.
 *
 * Return: 0, or a negative errno from the bus.
 */
int dispatch_running_units(sd_bus *bus, const char *pattern, char ***ret) {
        static const char *const states[] = { "active", "activating", "deactivating", "reloading", NULL };

        return bus_list_units(bus, pattern, states, ret);
}

/**
 * dispatch_skipped_entry_send: the journal entry for a task a firing skipped.
 * @r: the router
 * @t: the task
 * @trigger_id: the firing's id
 * @running_unit: the unit of the run still going
 *
 * A record (MESSAGE_ID=HERALD_MESSAGE_SKIPPED), not a log line: taskctl reads it.
 *
 * Return: 0, or the negative errno of sd_journal_send().
 */
int dispatch_skipped_entry_send(const Router *r, const Task *t, const char *trigger_id, const char *running_unit) {
        return sd_journal_send("MESSAGE_ID=" HERALD_MESSAGE_SKIPPED, "PRIORITY=5",
                               "MESSAGE=Skipped %s/%s for trigger id %s: the previous run (%s) is still going (concurrency: forbid)",
                               r->name, t->name, trigger_id, running_unit,
                               "HERALD_ROUTER=%s", r->name, "HERALD_TASK=%s", t->name,
                               "HERALD_TRIGGER=%s", r->trigger_name, "HERALD_TRIGGER_ID=%s", trigger_id,
                               "HERALD_REASON=overlap", "HERALD_RUNNING_UNIT=%s", running_unit, NULL);
}
