/* SPDX-License-Identifier: MIT */
/* unit-state.c: herald's timers and job units as systemd sees them, over sd-bus
 *
 * Read-only calls on org.freedesktop.systemd1, which any user may make. GetUnit
 * (not LoadUnit) is used on purpose: asking about a unit must not load it, and
 * "not loaded" is an answer ("-" in the tables), not an error. */
#include "bus-unit.h"
#include "herald-ids.h"
#include "log.h"
#include "unit-name.h"
#include "unit-state.h"

#define SD_DEST "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"
#define SD_UNIT "org.freedesktop.systemd1.Unit"
#define SD_TIMER "org.freedesktop.systemd1.Timer"

void unit_state_done(UnitState *u) {
        free(u->name);
        free(u->active_state);
        free(u->sub_state);
        *u = (UnitState) {};
}

void unit_state_list_done(UnitStateList *l) {
        for (size_t i = 0; i < l->n; i++)
                unit_state_done(&l->items[i]);
        free(l->items);
        *l = (UnitStateList) {};
}

int unit_bus_open(sd_bus **ret) {
        int r;

        r = sd_bus_default_system(ret);
        if (r < 0) {
                log_warning_errno(r, "Cannot connect to the system bus, not showing timer and unit state: %m");
                *ret = NULL;
        }
        return 0;
}

static int get_string(sd_bus *bus, const char *path, const char *iface, const char *member, char **ret) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        r = sd_bus_get_property_string(bus, SD_DEST, path, iface, member, &error, ret);
        if (r < 0)
                log_debug_errno(r, "Failed to get %s.%s of %s: %s", iface, member, path, error.message ?: "-");
        sd_bus_error_free(&error);
        return r;
}

static int get_usec(sd_bus *bus, const char *path, const char *iface, const char *member, usec_t *ret) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        uint64_t v = 0;
        int r;

        r = sd_bus_get_property_trivial(bus, SD_DEST, path, iface, member, &error, 't', &v);
        if (r < 0)
                log_debug_errno(r, "Failed to get %s.%s of %s: %s", iface, member, path, error.message ?: "-");
        sd_bus_error_free(&error);
        if (r >= 0)
                *ret = v;
        return r;
}

/* Monotonic timers (tick triggers: OnUnitActiveSec=) publish their next elapse on
 * CLOCK_MONOTONIC only; put it on the wall clock and take the earlier of the two. */
static usec_t next_elapse_realtime(usec_t realtime, usec_t monotonic) {
        usec_t converted, nr, nm;

        if (monotonic == 0 || monotonic == USEC_INFINITY)
                return realtime == USEC_INFINITY ? 0 : realtime;
        nr = now_realtime();
        nm = now_monotonic();
        if (monotonic >= nm)
                converted = nr + (monotonic - nm);
        else
                converted = nr > nm - monotonic ? nr - (nm - monotonic) : 0;
        if (realtime != 0 && realtime != USEC_INFINITY && realtime < converted)
                return realtime;
        return converted;
}

static int unit_state_fill(sd_bus *bus, const char *path, const char *unit, UnitState *u) {
        _cleanup_free_ char *load = NULL;
        int r;

        r = get_string(bus, path, SD_UNIT, "LoadState", &load);
        if (r < 0)
                return r;
        u->loaded = streq(load, "loaded");
        r = get_string(bus, path, SD_UNIT, "ActiveState", &u->active_state);
        if (r < 0)
                return r;
        r = get_string(bus, path, SD_UNIT, "SubState", &u->sub_state);
        if (r < 0)
                return r;
        r = get_usec(bus, path, SD_UNIT, "ActiveEnterTimestamp", &u->active_enter);
        if (r < 0)
                return r;

        if (u->loaded && strlen(unit) > 6 && streq(unit + strlen(unit) - 6, ".timer")) {
                usec_t rt = 0, mono = 0;

                r = get_usec(bus, path, SD_TIMER, "NextElapseUSecRealtime", &rt);
                if (r >= 0)
                        r = get_usec(bus, path, SD_TIMER, "NextElapseUSecMonotonic", &mono);
                if (r >= 0)
                        r = get_usec(bus, path, SD_TIMER, "LastTriggerUSec", &u->last_trigger);
                if (r < 0)
                        return r;
                u->next_elapse = next_elapse_realtime(rt, mono);
        }
        return 0;
}

/**
 * unit_state_get: systemd's view of one unit.
 * @bus: may be NULL (no bus): the unit then reads as not loaded
 *
 * Return: 0 with *ret filled (ret->loaded false when systemd does not have the unit
 * loaded), or a negative errno, logged.
 */
int unit_state_get(sd_bus *bus, const char *unit, UnitState *ret) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        UnitState u = {};
        const char *path;
        int r;

        u.name = strdup(unit);
        if (!u.name)
                return log_oom();
        if (!bus) {
                *ret = u;
                return 0;
        }

        r = sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, "GetUnit", &error, &reply, "s", unit);
        if (r < 0) {
                if (sd_bus_error_has_name(&error, "org.freedesktop.systemd1.NoSuchUnit")) {
                        sd_bus_error_free(&error);
                        *ret = u;
                        return 0;
                }
                log_error_errno(r, "Failed to look up unit '%s': %s", unit, error.message ?: "-");
                sd_bus_error_free(&error);
                unit_state_done(&u);
                return r;
        }
        r = sd_bus_message_read(reply, "o", &path);
        if (r >= 0)
                r = unit_state_fill(bus, path, unit, &u);
        sd_bus_message_unref(reply);
        if (r < 0) {
                unit_state_done(&u);
                return log_error_errno(r, "Failed to read the state of unit '%s': %m", unit);
        }
        *ret = u;
        return 0;
}

/**
 * unit_list_running_jobs: a router's (or one of its tasks') job units that systemd is
 * running now.
 *
 * ListUnitsByPatterns with the router's job unit glob (the manager matches with
 * FNM_NOESCAPE, so the \xNN of an escaped name match literally), then only units in
 * herald.slice: that tells a router named "trigger" apart from the trigger units.
 * Return: 0 with *ret filled (empty without a bus), or a negative errno, logged.
 */
int unit_list_running_jobs(sd_bus *bus, const char *router, const char *task, UnitStateList *ret) {
        static const char *const states[] = { "active", "activating", "deactivating", "reloading", NULL };
        sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_free_ char *pattern = NULL;
        sd_bus_message *reply = NULL;
        UnitStateList l = {};
        const char *name, *path;
        int r;

        if (!bus) {
                *ret = l;
                return 0;
        }
        pattern = unit_name_job_pattern(router, task);
        if (!pattern)
                return log_oom();

        r = bus_call_list_units(bus, states, pattern, &error, &reply);
        if (r < 0) {
                log_error_errno(r, "Failed to list the job units of router '%s': %s", router, error.message ?: "-");
                sd_bus_error_free(&error);
                return r;
        }

        r = sd_bus_message_enter_container(reply, 'a', "(ssssssouso)");
        while (r >= 0) {
                _cleanup_free_ char *slice = NULL;
                UnitState u = {};

                r = sd_bus_message_read(reply, "(ssssssouso)", &name, NULL, NULL, NULL, NULL, NULL, &path, NULL, NULL,
                                        NULL);
                if (r <= 0)
                        break;
                r = get_string(bus, path, "org.freedesktop.systemd1.Service", "Slice", &slice);
                if (r < 0 || !streq(slice, HERALD_SLICE)) {
                        r = 0;
                        continue;
                }
                u.name = strdup(name);
                if (!u.name) {
                        r = -ENOMEM;
                        break;
                }
                r = unit_state_fill(bus, path, name, &u);
                if (r >= 0) {
                        UnitState *a = reallocarray(l.items, l.n + 1, sizeof *a);
                        if (a)
                                l.items = a;
                        else
                                r = -ENOMEM;
                }
                if (r < 0) {
                        unit_state_done(&u);
                        break;
                }
                l.items[l.n++] = u;
        }
        sd_bus_message_unref(reply);
        if (r < 0) {
                unit_state_list_done(&l);
                return log_error_errno(r, "Failed to read the job units of router '%s': %m", router);
        }
        *ret = l;
        return 0;
}

/**
 * unit_list_descriptions: the Description= of every loaded unit matching @pattern.
 * Return: 0 with *ret a strv (empty without a bus), or a negative errno, logged.
 */
int unit_list_descriptions(sd_bus *bus, const char *pattern, char ***ret) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        _cleanup_strv_free_ char **l = calloc(1, sizeof *l);
        const char *desc;
        size_t n = 0;
        int r;

        if (!l)
                return log_oom();
        if (!bus) {
                *ret = TAKE_PTR(l);
                return 0;
        }
        r = bus_call_list_units(bus, NULL, pattern, &error, &reply);
        if (r < 0) {
                log_error_errno(r, "Failed to list units '%s': %s", pattern, error.message ?: "-");
                sd_bus_error_free(&error);
                return r;
        }
        r = sd_bus_message_enter_container(reply, 'a', "(ssssssouso)");
        while (r >= 0) {
                char **a;

                r = sd_bus_message_read(reply, "(ssssssouso)", NULL, &desc, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                                        NULL);
                if (r <= 0)
                        break;
                a = reallocarray(l, n + 2, sizeof *a);
                if (!a) {
                        r = -ENOMEM;
                        break;
                }
                l = a;
                l[n] = strdup(desc);
                l[n + 1] = NULL;
                if (!l[n]) {
                        r = -ENOMEM;
                        break;
                }
                n++;
        }
        sd_bus_message_unref(reply);
        if (r < 0)
                return log_error_errno(r, "Failed to read the units '%s': %m", pattern);
        *ret = TAKE_PTR(l);
        return 0;
}
