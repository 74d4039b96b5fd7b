/* SPDX-License-Identifier: MIT */
/* job-spec.c: job.json, what the activation hands to `herald-exec job` and `done` */
#include <errno.h>

#include "job-spec.h"
#include "json-parse.h"
#include "json-util.h"
#include "macro.h"

/**
 * job_spec_done: free what a JobSpec holds and reset it; `secret` strings are wiped first.
 * @s: the spec (may be all zero)
 */
void job_spec_done(JobSpec *s) {
        json_wipe_secrets(s->root);     /* an http_remote executor's inline `secret` */
        cJSON_Delete(s->root);
        *s = (JobSpec) { .counter = -1 };
}

/**
 * job_spec_parse: read job.json (see docs/ARCHITECTURE.md).
 * @data: the text
 * @size: its length
 * @ret: the spec; release with job_spec_done()
 *
 * `param` must be an object and `executor_type` a string; `executor_param` is an
 * object, null or missing; `unit` a string or missing; `counter` an integer, null
 * or missing (a negative one, as for non-tick triggers, means none). Integers beyond 2^53 in the param keep their digits.
 *
 * Return: 0; -EBADMSG for text that is not such an object, -ERANGE, -E2BIG (see
 * json_parse()), -ENOMEM.
 */
int job_spec_parse(const char *data, size_t size, JobSpec *ret) {
        _cleanup_json_ cJSON *root = NULL;
        const cJSON *param, *type, *ep, *unit, *counter;
        int64_t c = -1;
        int r;

        r = json_parse(data, size, &root);
        if (r < 0)
                return r;
        if (!cJSON_IsObject(root))
                return -EBADMSG;

        param = cJSON_GetObjectItemCaseSensitive(root, "param");
        type = cJSON_GetObjectItemCaseSensitive(root, "executor_type");
        ep = cJSON_GetObjectItemCaseSensitive(root, "executor_param");
        unit = cJSON_GetObjectItemCaseSensitive(root, "unit");
        counter = cJSON_GetObjectItemCaseSensitive(root, "counter");

        if (!cJSON_IsObject(param) || !cJSON_IsString(type))
                return -EBADMSG;
        if (ep && !cJSON_IsObject(ep) && !cJSON_IsNull(ep))
                return -EBADMSG;
        if (unit && !cJSON_IsString(unit))
                return -EBADMSG;
        if (counter && !cJSON_IsNull(counter) && json_number_to_int64(counter, &c) < 0)
                return -EBADMSG;
        if (c < 0)
                c = -1;

        *ret = (JobSpec) {
                .param = param,
                .executor_type = type->valuestring,
                .executor_param = cJSON_IsObject(ep) ? ep : NULL,
                .unit = unit ? unit->valuestring : NULL,
                .counter = c,
                .root = TAKE_PTR(root),
        };
        return 0;
}

static int add_copy(cJSON *o, const char *key, const cJSON *v) {
        cJSON *copy = cJSON_Duplicate(v, true);

        if (!copy)
                return -ENOMEM;
        if (!cJSON_AddItemToObject(o, key, copy)) {
                cJSON_Delete(copy);
                return -ENOMEM;
        }
        return 0;
}

/**
 * job_spec_format: the text of job.json, for the activation.
 * @param: the execution param (an object)
 * @executor_type: "local", "print", ...
 * @executor_param: the executor's params (e.g. work_dir), or NULL
 * @unit: the job's unit name, or NULL
 * @counter: the tick counter, or -1 for none
 * @ret: compact JSON; free() it
 *
 * Return: 0; -EINVAL when @param is not an object, -ENOMEM.
 */
int job_spec_format(const cJSON *param, const char *executor_type, const cJSON *executor_param,
                    const char *unit, int64_t counter, char **ret) {
        _cleanup_json_ cJSON *o = NULL;
        int r;

        if (!cJSON_IsObject(param) || !executor_type)
                return -EINVAL;

        o = cJSON_CreateObject();
        if (!o)
                return -ENOMEM;
        r = add_copy(o, "param", param);
        if (r < 0)
                return r;
        if (!cJSON_AddStringToObject(o, "executor_type", executor_type))
                return -ENOMEM;
        if (executor_param) {
                r = add_copy(o, "executor_param", executor_param);
                if (r < 0)
                        return r;
        }
        if (unit && !cJSON_AddStringToObject(o, "unit", unit))
                return -ENOMEM;
        /* every digit: as a double, cJSON prints a counter of 16 digits or more rounded
         * (9007199254740992 as 9.00719925474099e+15), and one near INT64_MAX in a
         * form (9.2233720368547758e+18) job_spec_parse() refuses */
        if (counter >= 0) {
                cJSON *c = json_create_int64(counter);
                if (!c || !cJSON_AddItemToObject(o, "counter", c)) {
                        cJSON_Delete(c);
                        return -ENOMEM;
                }
        }

        return json_print_compact(o, ret);
}
