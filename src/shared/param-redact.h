/* SPDX-License-Identifier: MIT */
/* param-redact.h: the execution param with its secrets taken out, for logs */
#pragma once

#include <stdbool.h>
#include <cjson/cJSON.h>

#define PARAM_REDACTED "(redacted)"

bool param_has_secrets(const cJSON *param);
cJSON *param_redact_secrets(const cJSON *param);
