/* SPDX-License-Identifier: MIT */
/* yaml-json.c: convert YAML nodes to cJSON values */
#include <inttypes.h>
#include <math.h>

#include "json-util.h"
#include "macro.h"
#include "yaml-json.h"

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
