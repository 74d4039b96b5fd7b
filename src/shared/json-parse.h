/* SPDX-License-Identifier: MIT */
/* json-parse.h: a strict JSON parser (RFC 8259, as Go reads it) that loses no integer digits */
#pragma once

#include <stddef.h>

#include <cjson/cJSON.h>

/* Nesting deeper than this is refused (cJSON's own printer and Delete recurse). */
#define JSON_DEPTH_MAX 1000

int json_parse(const char *data, size_t size, cJSON **ret);
