/* SPDX-License-Identifier: MIT */
/* dispatch.h: what every firing needs, for herald-activate and heraldd alike */
#pragma once

#include <stdint.h>

#include <cjson/cJSON.h>
#include <systemd/sd-bus.h>

#include "workflow.h"

int dispatch_tick_counter_next(const char *trigger, int64_t *ret);
cJSON *dispatch_trigger_param_new(const Component *trigger, int64_t counter);
cJSON *dispatch_exec_param_new(const char *job_id, const char *trigger_id, const Router *r, const Task *t,
                               const cJSON *trigger_param);

/* The job units that count as "still running" for the concurrency policy. */
int dispatch_running_units(sd_bus *bus, const char *pattern, char ***ret);
int dispatch_units_matching(char *const *units, const char *pattern, char ***ret);
int dispatch_skipped_entry_send(const Router *r, const Task *t, const char *trigger_id, const char *running_unit);
