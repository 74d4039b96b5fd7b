/* SPDX-License-Identifier: MIT */
/* unit-state.h: what systemd says about herald's timers and job units, over sd-bus */
#pragma once

#include <stdbool.h>

#include <systemd/sd-bus.h>

#include "timestamp.h"

typedef struct UnitState {
        char *name;
        bool loaded;            /* false: systemd does not know the unit (not loaded) */
        char *active_state;
        char *sub_state;
        usec_t active_enter;    /* realtime µs the unit became active; 0: never */
        usec_t next_elapse;     /* timers: realtime µs of the next elapse; 0: none */
        usec_t last_trigger;    /* timers: realtime µs of the last elapse; 0: never */
} UnitState;

void unit_state_done(UnitState *u);

typedef struct UnitStateList {
        UnitState *items;
        size_t n;
} UnitStateList;

void unit_state_list_done(UnitStateList *l);

/* The system bus ($DBUS_SYSTEM_BUS_ADDRESS honoured). A failure is logged as a warning
 * and *ret set to NULL: the verbs then show "-" where systemd's view would go. */
int unit_bus_open(sd_bus **ret);

/* Unit (and, for a .timer, Timer) properties. Not loaded is no error: loaded = false. */
int unit_state_get(sd_bus *bus, const char *unit, UnitState *ret);

/* The loaded job units of a router (of one task of it, or all when @task is NULL) that
 * are running (active, activating, deactivating, reloading) in herald.slice. */
int unit_list_running_jobs(sd_bus *bus, const char *router, const char *task, UnitStateList *ret);


/* The Description= of each loaded unit matching the glob (e.g. herald's trigger timers). */
int unit_list_descriptions(sd_bus *bus, const char *pattern, char ***ret);
