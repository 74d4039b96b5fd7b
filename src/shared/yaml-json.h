/* SPDX-License-Identifier: MIT */
/* yaml-json.h: YAML values as JSON values, the way Herald hands them to components */
#pragma once

#include <cjson/cJSON.h>

#include "yaml-tree.h"

/* Converts a node to JSON: maps to objects (keys as written), lists to arrays, scalars
 * by YAML 1.1 resolution. Integers beyond 2^53 keep their digits (a raw number), so
 * no precision is lost on the way to the job. Returns NULL on OOM. */
cJSON *yaml_to_json(const YamlNode *n);

