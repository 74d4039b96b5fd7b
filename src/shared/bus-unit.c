/* SPDX-License-Identifier: MIT */
/* bus-unit.c: StartTransientUnit, StopUnit, ListUnitsByPatterns */
#include <time.h>
#include <unistd.h>

#include "bus-unit.h"
#include "log.h"
#include "macro.h"
#include "unit-emit.h"

#define SD_DEST "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"

int bus_message_new_start_transient(sd_bus *bus, const PlanUnit *main_unit, const PlanUnit *aux, sd_bus_message **ret) {
        sd_bus_message *m = NULL;
        int r;

        r = sd_bus_message_new_method_call(bus, &m, SD_DEST, SD_PATH, SD_MANAGER, "StartTransientUnit");
        if (r >= 0)
                r = sd_bus_message_append(m, "ss", main_unit->name, "fail");
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "(sv)");
        if (r >= 0)
                r = unit_bus_append_properties(m, main_unit);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "(sa(sv))");
        if (r >= 0 && aux) {
                r = sd_bus_message_open_container(m, 'r', "sa(sv)");
                if (r >= 0)
                        r = sd_bus_message_append(m, "s", aux->name);
                if (r >= 0)
                        r = sd_bus_message_open_container(m, 'a', "(sv)");
                if (r >= 0)
                        r = unit_bus_append_properties(m, aux);
                if (r >= 0)
                        r = sd_bus_message_close_container(m);
                if (r >= 0)
                        r = sd_bus_message_close_container(m);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r < 0) {
                sd_bus_message_unref(m);
                return r;
        }
        *ret = m;
        return 0;
}

int bus_start_transient(sd_bus *bus, const PlanUnit *main_unit, const PlanUnit *aux, sd_bus_error *ret_error) {
        sd_bus_message *m = NULL, *reply = NULL;
        int r;

        r = bus_message_new_start_transient(bus, main_unit, aux, &m);
        if (r < 0)
                return r;
        r = sd_bus_call(bus, m, 0, ret_error, &reply);
        sd_bus_message_unref(m);
        sd_bus_message_unref(reply);
        return r;
}

int bus_stop_unit(sd_bus *bus, const char *name, sd_bus_error *ret_error) {
        return sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, "StopUnit", ret_error, NULL, "ss", name, "replace");
}

/* daemon-reload, waited for (it may take as long as the generators do). */
int bus_daemon_reload(sd_bus *bus, uint64_t timeout_usec, sd_bus_error *ret_error) {
        sd_bus_message *m = NULL, *reply = NULL;
        int r;

        r = sd_bus_message_new_method_call(bus, &m, SD_DEST, SD_PATH, SD_MANAGER, "Reload");
        if (r >= 0)
                r = sd_bus_call(bus, m, timeout_usec, ret_error, &reply);
        sd_bus_message_unref(m);
        sd_bus_message_unref(reply);
        return r;
}

/* A failed unit stays loaded (and listed) until its failure is reset. */
int bus_reset_failed_unit(sd_bus *bus, const char *name, sd_bus_error *ret_error) {
        return sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, "ResetFailedUnit", ret_error, NULL, "s", name);
}

/* The one ListUnitsByPatterns call: units matching the glob in one of @states
 * (NULL-terminated; NULL or empty means any state). The reply's array is "(ssssssouso)". */
int bus_call_list_units(sd_bus *bus, const char *const *states, const char *pattern, sd_bus_error *ret_error,
                        sd_bus_message **ret_reply) {
        sd_bus_message *m = NULL;
        int r;

        r = sd_bus_message_new_method_call(bus, &m, SD_DEST, SD_PATH, SD_MANAGER, "ListUnitsByPatterns");
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "s");
        for (const char *const *s = states; r >= 0 && s && *s; s++)
                r = sd_bus_message_append(m, "s", *s);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r >= 0)
                r = sd_bus_message_append(m, "as", 1, pattern);
        if (r >= 0)
                r = sd_bus_call(bus, m, 0, ret_error, ret_reply);
        sd_bus_message_unref(m);
        return r;
}

int bus_list_units(sd_bus *bus, const char *pattern, const char *const *states, char ***ret) {
        sd_bus_message *reply = NULL;
        char **list = NULL;
        size_t n = 0;
        const char *name;
        int r;

        r = bus_call_list_units(bus, states, pattern, NULL, &reply);
        if (r < 0)
                return r;

        list = calloc(1, sizeof *list);
        r = list ? sd_bus_message_enter_container(reply, 'a', "(ssssssouso)") : -ENOMEM;
        while (r >= 0) {
                r = sd_bus_message_read(reply, "(ssssssouso)", &name, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
                if (r <= 0)
                        break;
                char **a = reallocarray(list, n + 2, sizeof *a);
                if (!a || !(a[n] = strdup(name))) {
                        if (a)
                                list = a;
                        r = -ENOMEM;
                        break;
                }
                list = a;
                list[++n] = NULL;
        }
        sd_bus_message_unref(reply);
        if (r < 0) {
                strv_free(list);
                return r;
        }
        *ret = list;
        return 0;
}

/* Waiting for a unit or a job to go: systemd's UnitRemoved and JobRemoved signals, not
 * a poll. The match is in place before the one check of whether it is gone already, so
 * its removal cannot fall between the two. */
typedef struct RemovedWait {
        const char *what;               /* the unit's name or the job's object path */
        bool gone;
} RemovedWait;

static int on_removed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        RemovedWait *w = userdata;
        const char *name = NULL, *path = NULL;
        uint32_t id;

        /* UnitRemoved(s name, o path); JobRemoved(u id, o job, s unit, s result) */
        if (sd_bus_message_is_signal(m, SD_MANAGER, "UnitRemoved")) {
                if (sd_bus_message_read(m, "so", &name, &path) >= 0 && streq(name, w->what))
                        w->gone = true;
        } else if (sd_bus_message_read(m, "uo", &id, &path) >= 0 && streq(path, w->what))
                w->gone = true;
        return 0;
}

/* Waits until w->gone (set by on_removed()), for at most timeout_usec. */
static int wait_removed(sd_bus *bus, RemovedWait *w, uint64_t timeout_usec) {
        struct timespec ts;
        uint64_t now, deadline;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        now = (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
        deadline = now + timeout_usec;
        while (!w->gone) {
                int r = sd_bus_process(bus, NULL);
                if (r < 0)
                        return r;
                if (r > 0)
                        continue;
                clock_gettime(CLOCK_MONOTONIC, &ts);
                now = (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
                if (now >= deadline)
                        return -ETIMEDOUT;
                r = sd_bus_wait(bus, deadline - now);
                if (r < 0 && r != -EINTR)
                        return r;
        }
        return 0;
}

static int match_removed(sd_bus *bus, const char *member, RemovedWait *w, sd_bus_slot **ret) {
        int r = sd_bus_match_signal(bus, ret, SD_DEST, SD_PATH, SD_MANAGER, member, on_removed, w);
        if (r < 0)
                return r;
        /* systemd sends its signals only while some client has subscribed; a second
         * wait on the same connection finds it subscribed already. */
        sd_bus_error error = SD_BUS_ERROR_NULL;
        r = sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, "Subscribe", &error, NULL, NULL);
        if (r < 0 && sd_bus_error_has_name(&error, "org.freedesktop.systemd1.AlreadySubscribed"))
                r = 0;
        sd_bus_error_free(&error);
        return r;
}

int bus_wait_unit_gone(sd_bus *bus, const char *name, uint64_t timeout_usec) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        sd_bus_slot *slot = NULL;
        RemovedWait w = { .what = name };
        int r;

        r = match_removed(bus, "UnitRemoved", &w, &slot);
        if (r >= 0) {
                r = sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, "GetUnit", &error, &reply, "s", name);
                if (r < 0 && sd_bus_error_has_name(&error, "org.freedesktop.systemd1.NoSuchUnit"))
                        w.gone = true;
                r = wait_removed(bus, &w, timeout_usec);
        }
        sd_bus_error_free(&error);
        sd_bus_message_unref(reply);
        sd_bus_slot_unref(slot);
        return r;
}

int bus_wait_job_gone(sd_bus *bus, const char *job_path, uint64_t timeout_usec) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_slot *slot = NULL;
        RemovedWait w = { .what = job_path };
        char *state = NULL;
        int r;

        r = match_removed(bus, "JobRemoved", &w, &slot);
        if (r >= 0) {
                r = sd_bus_get_property_string(bus, SD_DEST, job_path, "org.freedesktop.systemd1.Job", "State", &error,
                                               &state);
                if (r < 0 && (sd_bus_error_has_name(&error, "org.freedesktop.DBus.Error.UnknownObject") ||
                              sd_bus_error_has_name(&error, "org.freedesktop.systemd1.NoSuchJob")))
                        w.gone = true;
                r = wait_removed(bus, &w, timeout_usec);
        }
        sd_bus_error_free(&error);
        free(state);
        sd_bus_slot_unref(slot);
        return r;
}

/**
 * bus_open_systemd: a connection to PID 1 for a root service that follows its jobs.
 * @ret: the connection
 *
 * As root, PID 1's own socket (/run/systemd/private, what systemctl uses as root);
 * otherwise, or when that fails, the system bus. Through dbus-daemon, a subscriber
 * (start_window_wait_jobs()) makes PID 1 send every unit's signals to the bus, which
 * dbus-daemon receives, matches and mostly drops: ~1.3 ms of dbus-daemon per job unit
 * here (bench/heraldd.sh, CPU table), a sixth of a job's cost outside the unit. On its
 * own socket PID 1 sends them to us directly, and our calls skip the hop as well.
 *
 * Return: 0, or a negative errno from the system bus.
 */
int bus_open_systemd(sd_bus **ret) {
        _cleanup_(sd_bus_unrefp) sd_bus *bus = NULL;
        int r;

        if (geteuid() == 0) {
                r = sd_bus_new(&bus);
                if (r >= 0)
                        r = sd_bus_set_address(bus, "unix:path=/run/systemd/private");
                if (r >= 0)
                        r = sd_bus_start(bus);
                if (r >= 0) {
                        *ret = TAKE_PTR(bus);
                        return 0;
                }
                log_debug_errno(r, "Could not connect to /run/systemd/private, using the system bus: %m");
                bus = sd_bus_unref(bus);
        }
        return sd_bus_open_system(ret);
}
