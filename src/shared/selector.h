/* SPDX-License-Identifier: MIT */
/* selector.h: Herald's selectors, evaluated without a daemon */
#pragma once

#include <stdbool.h>

#include <cjson/cJSON.h>

#include "workflow.h"

/* Deep equality; numbers compare by value (Herald's float-vs-int mismatch is fixed). */
bool json_equal(const cJSON *a, const cJSON *b);

/**
 * selector_select: does the selector pass this firing for this task?
 * @timeout_usec: for 'external', how long the program may run before it is killed
 * Return: 1 selected, 0 not selected, negative errno when it could not be decided
 * (e.g. the external program could not be started) — treated as not selected.
 */
int selector_select(const Component *selector, const cJSON *trigger_param, const cJSON *select_param,
                    uint64_t timeout_usec);
