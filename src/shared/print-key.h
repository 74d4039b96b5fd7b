/* SPDX-License-Identifier: MIT */
/* print-key.h: what Herald's `print` executor prints for an execution param */
#pragma once

#include <cjson/cJSON.h>

int print_key_select(const cJSON *param, cJSON **ret);
