/* SPDX-License-Identifier: MIT */
/* bus-unit.h: the few systemd Manager calls herald makes */
#pragma once

#include <systemd/sd-bus.h>

#include "plan.h"

/* PID 1's private socket as root, else the system bus. */
int bus_open_systemd(sd_bus **ret);
/* Builds a StartTransientUnit call for main (and optionally one aux unit). */
int bus_message_new_start_transient(sd_bus *bus, const PlanUnit *main_unit, const PlanUnit *aux, sd_bus_message **ret);
/* Starts it and waits for the reply; error text in *ret_error (may be NULL). */
int bus_start_transient(sd_bus *bus, const PlanUnit *main_unit, const PlanUnit *aux, sd_bus_error *ret_error);
int bus_stop_unit(sd_bus *bus, const char *name, sd_bus_error *ret_error);
int bus_daemon_reload(sd_bus *bus, uint64_t timeout_usec, sd_bus_error *ret_error);
int bus_reset_failed_unit(sd_bus *bus, const char *name, sd_bus_error *ret_error);
/* ListUnitsByPatterns: units matching the glob in one of @states (NULL: any); the
 * reply's array is "(ssssssouso)". Error text in *ret_error (may be NULL). */
int bus_call_list_units(sd_bus *bus, const char *const *states, const char *pattern, sd_bus_error *ret_error,
                        sd_bus_message **ret_reply);
/* Unit names matching the glob in one of the given states (NULL-terminated), as a strv. */
int bus_list_units(sd_bus *bus, const char *pattern, const char *const *states, char ***ret);
/* Waits (bounded) until the unit is no longer loaded. */
int bus_wait_unit_gone(sd_bus *bus, const char *name, uint64_t timeout_usec);
/* Waits (bounded) until the job object is gone, i.e. the job finished. */
int bus_wait_job_gone(sd_bus *bus, const char *job_path, uint64_t timeout_usec);
