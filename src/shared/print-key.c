/* SPDX-License-Identifier: MIT */
/* print-key.c: what Herald's `print` executor prints for an execution param */
#include <errno.h>

#include "json-util.h"
#include "print-key.h"

static int select_one(const cJSON *param, const char *key, cJSON *out) {
        const cJSON *v = json_path_lookup(param, key);
        cJSON *copy;

        if (!v)
                return 0;       /* unresolved keys are left out */

        copy = cJSON_Duplicate(v, true);
        if (!copy)
                return -ENOMEM;
        /* A key listed twice appears once, as in Herald's map. */
        while (cJSON_GetObjectItemCaseSensitive(out, key))
                cJSON_DeleteItemFromObjectCaseSensitive(out, key);
        if (!cJSON_AddItemToObject(out, key, copy)) {
                cJSON_Delete(copy);
                return -ENOMEM;
        }
        return 0;
}

/**
 * print_key_select: the value the `print` executor logs.
 * @param: the execution param (job_id, trigger_id, ..., job_param)
 * @ret: a new value; free with cJSON_Delete()
 *
 * Without `job_param.print_key` this is the whole param. With it (a string, or a list
 * whose string items count), it is an object keyed by the print_key strings
 * themselves, e.g. {"trigger_param/a": 1}: each key is a path of member names joined
 * by '/', walking maps only; keys that resolve nothing are left out. A print_key of
 * another type, or a list with no strings, counts as absent.
 *
 * Return: 0, or -ENOMEM.
 */
int print_key_select(const cJSON *param, cJSON **ret) {
        const cJSON *keys = cJSON_GetObjectItemCaseSensitive(
                        cJSON_GetObjectItemCaseSensitive(param, "job_param"), "print_key");
        _cleanup_json_ cJSON *out = NULL;
        bool any = false;
        int r;

        out = cJSON_CreateObject();
        if (!out)
                return -ENOMEM;

        if (cJSON_IsString(keys)) {
                r = select_one(param, keys->valuestring, out);
                if (r < 0)
                        return r;
                any = true;
        } else if (cJSON_IsArray(keys)) {
                const cJSON *k;

                cJSON_ArrayForEach(k, keys) {
                        if (!cJSON_IsString(k))
                                continue;
                        r = select_one(param, k->valuestring, out);
                        if (r < 0)
                                return r;
                        any = true;
                }
        }

        if (!any) {
                cJSON *all = cJSON_Duplicate(param, true);
                if (!all)
                        return -ENOMEM;
                *ret = all;
                return 0;
        }

        *ret = TAKE_PTR(out);
        return 0;
}
