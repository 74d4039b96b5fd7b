/* SPDX-License-Identifier: MIT */
/* result-entry.h: the one journal entry per finished job (the result store) */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

/* HERALD_RESULT and HERALD_PARAM are cut (as valid JSON) to this, and flagged. */
#define RESULT_ENTRY_JSON_MAX ((size_t) 256 * 1024)
/* HERALD_ERROR (and the error in MESSAGE) is cut to this. */
#define RESULT_ENTRY_ERROR_MAX ((size_t) 4096)

int result_entry_build(const cJSON *param, const char *unit, const char *invocation_id,
                       bool success, const char *error, const cJSON *result,
                       const char *service_result, int64_t counter, char ***ret);
int result_entry_send_fields(char **fields);
int result_entry_send(const cJSON *param, const char *unit, const char *invocation_id,
                      bool success, const char *error, const cJSON *result,
                      const char *service_result, int64_t counter);
