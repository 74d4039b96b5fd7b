/* SPDX-License-Identifier: MIT */
/* yaml-json.c: convert YAML nodes to cJSON values */
#include <inttypes.h>
#include <math.h>

#include "macro.h"
#include "yaml-json.h"

cJSON *json_create_int64(int64_t v) {
        char buf[32];

        /* cJSON keeps numbers as doubles, and prints them with 15 significant digits
         * when that reads back within an ULP: 9007199254740991 (below 2^53) comes out
         * as 9007199254740990. Up to 15 digits, a number is exact (as in json-parse.c). */
        if (v > -INT64_C(1000000000000000) && v < INT64_C(1000000000000000))
                return cJSON_CreateNumber((double) v);
        snprintf(buf, sizeof buf, "%" PRIi64, v);
        return cJSON_CreateRaw(buf);
}

cJSON *yaml_to_json(const YamlNode *n) {
        cJSON *j;
        bool b;
        int64_t i;
        double d;

        if (!n)
                return cJSON_CreateNull();

        switch (n->kind) {
        case YAML_NODE_MAP:
                j = cJSON_CreateObject();
                for (size_t k = 0; j && k < n->n_pairs; k++) {
                        const YamlNode *key = n->pairs[k].key;
                        cJSON *v = yaml_to_json(n->pairs[k].value);
                        if (!v) {
                                cJSON_Delete(j);
                                return NULL;
                        }
                        cJSON_AddItemToObject(j, key->kind == YAML_NODE_SCALAR ? key->value : "", v);
                }
                return j;
        case YAML_NODE_SEQ:
                j = cJSON_CreateArray();
                for (size_t k = 0; j && k < n->n_items; k++) {
                        cJSON *v = yaml_to_json(n->items[k]);
                        if (!v) {
                                cJSON_Delete(j);
                                return NULL;
                        }
                        cJSON_AddItemToArray(j, v);
                }
                return j;
        default:
                break;
        }

        switch (yaml_scalar_resolve(n, &b, &i, &d)) {
        case YAML_SCALAR_NULL:
                return cJSON_CreateNull();
        case YAML_SCALAR_BOOL:
                return cJSON_CreateBool(b);
        case YAML_SCALAR_INT:
                return json_create_int64(i);
        case YAML_SCALAR_FLOAT:
                /* JSON has no inf/nan; Herald's encoder would fail too. Keep the text. */
                if (!isfinite(d))
                        return cJSON_CreateString(n->value);
                return cJSON_CreateNumber(d);
        default:
                return cJSON_CreateString(n->value);
        }
}
