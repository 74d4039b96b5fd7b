/* SPDX-License-Identifier: MIT */
/* selector.h: Herald's selectors, evaluated without a daemon */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>
#include <systemd/sd-event.h>

#include "macro.h"
#include "workflow.h"

/* Deep equality; numbers compare by value (Herald's float-vs-int mismatch is fixed). */
bool json_equal(const cJSON *a, const cJSON *b);

/* selector_select_async(): decided later, from the event loop. */
#define SELECTOR_PENDING 2

typedef struct SelectorQuery SelectorQuery;

/* @result: 1 selected, 0 not selected, a negative errno when it could not be decided
 * (-ETIME: killed at the time limit). The query is finished when this is called; free
 * it (here or later) with selector_query_free(). */
typedef void (*SelectorDoneFunc)(int result, void *userdata);

/* @trigger: the firing trigger's type ('skip' counts only a tick's counter). */
int selector_select_async(sd_event *e, const Component *selector, TriggerType trigger, const cJSON *trigger_param,
                          const cJSON *select_param, uint64_t timeout_usec,
                          SelectorDoneFunc cb, void *userdata, SelectorQuery **ret);
SelectorQuery *selector_query_free(SelectorQuery *q);
DEFINE_TRIVIAL_CLEANUP_FUNC(SelectorQuery *, selector_query_free);

int selector_select(const Component *selector, TriggerType trigger, const cJSON *trigger_param, const cJSON *select_param,
                    uint64_t timeout_usec);
