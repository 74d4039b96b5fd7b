/* SPDX-License-Identifier: MIT */
/* json-output.h: --json[=short|pretty] of every taskctl verb */
#pragma once

#include <cjson/cJSON.h>

typedef enum JsonMode {
        JSON_OFF,
        JSON_SHORT,
        JSON_PRETTY,
} JsonMode;

/* NULL (a bare --json) and "short": compact; "pretty": indented; "off". */
int json_mode_from_string(const char *s, JsonMode *ret);
/* Indented with two spaces (cJSON indents with tabs). */
char *json_print_pretty(const cJSON *doc);
/* Writes one JSON document and a newline to stdout. */
int json_output(const cJSON *doc, JsonMode mode);
