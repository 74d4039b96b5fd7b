/* SPDX-License-Identifier: MIT */
/* json-util.h: small cJSON helpers shared by the programs (lookups, escaping, capped printing) */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "macro.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(cJSON *, cJSON_Delete);
#define _cleanup_json_ _cleanup_(cJSON_Deletep)

char *json_escape_string(const char *s, size_t n);
cJSON *json_string_from_bytes(const char *s, size_t n);
const char *json_object_get_string(const cJSON *obj, const char *key);
/* Adds v under key, taking v; v == NULL (a failed create) or a failed add: -ENOMEM, v freed. */
int json_object_add(cJSON *o, const char *key, cJSON *v);
/* A JSON number that keeps every digit of a 64-bit integer. */
cJSON *json_create_int64(int64_t v);
cJSON *json_create_uint64(uint64_t v);
/* Takes @v over (NULL: -ENOMEM), so calls chain without checking each value. */
/* A string (invalid UTF-8 as U+FFFD), or null for NULL. */
cJSON *json_string_or_null(const char *s);
/* Parsed JSON when text is JSON (a raw value when re-printing it would change its
 * numbers), else the text as a string. */
cJSON *json_from_text(const char *text);
int json_number_to_int64(const cJSON *v, int64_t *ret);
/* How deep a value nests: 0 for a scalar, 1 for {} or [], one more per level. */
unsigned json_depth(const cJSON *v);
bool json_is_integer_literal(const char *s);
bool json_number_literal_exact(const char *lit);
const cJSON *json_path_lookup(const cJSON *root, const char *path);
int json_print_compact(const cJSON *v, char **ret);
void json_wipe_secrets(cJSON *v);
int json_print_capped(const cJSON *obj, size_t max, char **ret, bool *ret_cut);
