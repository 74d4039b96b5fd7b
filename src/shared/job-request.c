/* SPDX-License-Identifier: MIT */
/* job-request.c: the request file heraldd writes and `herald-activate --prepare` reads
 *
 * heraldd (unprivileged, facing the network) hands a job to its template unit through
 * JOB_REQUEST_DIR/<job_id>.json; the unit's `herald-activate --prepare` (root) reads it.
 * So the reader takes it as untrusted data: a compromised heraldd may write anything
 * there. The parser is strict about every key, type and size, and the request carries
 * ids and the trigger param only: what the job runs comes from the root-written
 * workflow, never from here (docs/HERALDD.md, The request file).
 *
 *   {"job_id": "<UUID>", "trigger_id": "<UUID>", "router": "...", "task": "...",
 *    "trigger": "...", "trigger_param": {...}, "chain_depth": 0}
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fs-util.h"
#include "herald-id.h"
#include "job-request.h"
#include "json-parse.h"
#include "json-util.h"
#include "macro.h"

/**
 * job_request_done: free what a JobRequest holds and reset it.
 * @r: the request (may be all zero)
 */
void job_request_done(JobRequest *r) {
        cJSON_Delete(r->root);
        *r = (JobRequest) {};
}

bool job_request_name_valid(const char *s) {
        size_t n = s ? strlen(s) : 0;

        if (n == 0 || n > JOB_REQUEST_NAME_MAX)
                return false;
        for (const char *c = s; *c; c++)
                if ((unsigned char) *c < 0x20 || *c == 0x7f)
                        return false;
        return true;
}

/**
 * job_request_format: the text of a request file, for heraldd.
 * @job_id: the job's id (herald_id_valid())
 * @trigger_id: the firing's id (herald_id_valid())
 * @router: the router's name
 * @task: the task's name
 * @trigger: the trigger's name
 * @trigger_param: the trigger param, an object (copied)
 * @chain_depth: how many exe_done steps led here (0 for a trigger's own firing)
 * @ret: compact JSON; free() it
 *
 * Refuses what job_request_parse() would refuse, so whatever heraldd writes a job unit
 * can take.
 *
 * Return: 0; -EINVAL for a field job_request_parse() would refuse; -E2BIG when the text
 * would pass JOB_REQUEST_SIZE_MAX; -ENOMEM.
 */
int job_request_format(const char *job_id, const char *trigger_id, const char *router, const char *task,
                       const char *trigger, const cJSON *trigger_param, unsigned chain_depth, char **ret) {
        _cleanup_json_ cJSON *o = NULL;
        _cleanup_free_ char *text = NULL;
        int r;

        if (!herald_id_valid(job_id) || !herald_id_valid(trigger_id) || !job_request_name_valid(router) || !job_request_name_valid(task) ||
            !job_request_name_valid(trigger) || !cJSON_IsObject(trigger_param) || chain_depth > JOB_REQUEST_CHAIN_DEPTH_MAX)
                return -EINVAL;

        o = cJSON_CreateObject();
        if (!o)
                return -ENOMEM;
        if (json_object_add(o, "job_id", cJSON_CreateString(job_id)) < 0 ||
            json_object_add(o, "trigger_id", cJSON_CreateString(trigger_id)) < 0 ||
            json_object_add(o, "router", cJSON_CreateString(router)) < 0 ||
            json_object_add(o, "task", cJSON_CreateString(task)) < 0 ||
            json_object_add(o, "trigger", cJSON_CreateString(trigger)) < 0 ||
            json_object_add(o, "trigger_param", cJSON_Duplicate(trigger_param, true)) < 0 ||
            json_object_add(o, "chain_depth", cJSON_CreateNumber(chain_depth)) < 0)
                return -ENOMEM;
        r = json_print_compact(o, &text);
        if (r < 0)
                return r;
        if (strlen(text) > JOB_REQUEST_SIZE_MAX)
                return -E2BIG;
        *ret = TAKE_PTR(text);
        return 0;
}

enum {
        KEY_JOB_ID,
        KEY_TRIGGER_ID,
        KEY_ROUTER,
        KEY_TASK,
        KEY_TRIGGER,
        KEY_TRIGGER_PARAM,
        KEY_CHAIN_DEPTH,
        _KEY_MAX,
};

static const char *const key_names[_KEY_MAX] = {
        [KEY_JOB_ID] = "job_id",
        [KEY_TRIGGER_ID] = "trigger_id",
        [KEY_ROUTER] = "router",
        [KEY_TASK] = "task",
        [KEY_TRIGGER] = "trigger",
        [KEY_TRIGGER_PARAM] = "trigger_param",
        [KEY_CHAIN_DEPTH] = "chain_depth",
};

/**
 * job_request_parse: read a request file, as untrusted data.
 * @text: the text, not necessarily NUL-terminated
 * @size: its length
 * @ret: the request; release with job_request_done()
 *
 * One JSON object (json_parse(): strict, depth-limited) with exactly the keys above:
 * `job_id` and `trigger_id` UUIDs, `router`, `task` and `trigger` strings of 1 to
 * JOB_REQUEST_NAME_MAX bytes without control characters, `trigger_param` an object,
 * `chain_depth` an integer from 0 to JOB_REQUEST_CHAIN_DEPTH_MAX. Nothing is missing,
 * nothing else is there.
 *
 * Return: 0; -EFBIG when @size passes JOB_REQUEST_SIZE_MAX; -EBADMSG for text that is
 * not such an object; -ERANGE, -E2BIG (see json_parse()); -ENOMEM.
 */
int job_request_parse(const char *text, size_t size, JobRequest *ret) {
        _cleanup_json_ cJSON *root = NULL;
        const cJSON *v[_KEY_MAX] = {};
        int64_t depth;
        int r;

        if (size > JOB_REQUEST_SIZE_MAX)
                return -EFBIG;
        r = json_parse(text, size, &root);
        if (r < 0)
                return r;
        if (!cJSON_IsObject(root))
                return -EBADMSG;

        /* json_parse() keeps the last of duplicate keys only */
        for (const cJSON *c = root->child; c; c = c->next) {
                size_t k;

                for (k = 0; k < _KEY_MAX; k++)
                        if (streq(c->string, key_names[k]))
                                break;
                if (k == _KEY_MAX)
                        return -EBADMSG;
                v[k] = c;
        }
        for (size_t k = 0; k < _KEY_MAX; k++)
                if (!v[k])
                        return -EBADMSG;

        for (size_t k = KEY_JOB_ID; k <= KEY_TRIGGER; k++)
                if (!cJSON_IsString(v[k]))
                        return -EBADMSG;
        if (!herald_id_valid(v[KEY_JOB_ID]->valuestring) || !herald_id_valid(v[KEY_TRIGGER_ID]->valuestring) ||
            !job_request_name_valid(v[KEY_ROUTER]->valuestring) || !job_request_name_valid(v[KEY_TASK]->valuestring) ||
            !job_request_name_valid(v[KEY_TRIGGER]->valuestring))
                return -EBADMSG;
        if (!cJSON_IsObject(v[KEY_TRIGGER_PARAM]))
                return -EBADMSG;
        if (json_number_to_int64(v[KEY_CHAIN_DEPTH], &depth) < 0 || depth < 0 || depth > JOB_REQUEST_CHAIN_DEPTH_MAX)
                return -EBADMSG;

        *ret = (JobRequest) {
                .job_id = v[KEY_JOB_ID]->valuestring,
                .trigger_id = v[KEY_TRIGGER_ID]->valuestring,
                .router = v[KEY_ROUTER]->valuestring,
                .task = v[KEY_TASK]->valuestring,
                .trigger = v[KEY_TRIGGER]->valuestring,
                .trigger_param = v[KEY_TRIGGER_PARAM],
                .chain_depth = (unsigned) depth,
                .root = TAKE_PTR(root),
        };
        return 0;
}

/**
 * job_request_write: put a request file in place, atomically and durably.
 * @dir_fd: JOB_REQUEST_DIR, opened (O_DIRECTORY)
 * @job_id: the job's id: the file is <job_id>.json
 * @text: job_request_format()'s text
 *
 * The file appears whole or not at all (a rename), mode 0640, and is on the disk when
 * this returns: an accepted firing survives a crash and a power cut.
 *
 * Return: 0; -EINVAL for a malformed id; another negative errno.
 */
int job_request_write(int dir_fd, const char *job_id, const char *text) {
        char name[HERALD_ID_LEN + sizeof ".json"];

        if (!herald_id_valid(job_id) || !text)
                return -EINVAL;
        snprintf(name, sizeof name, "%s.json", job_id);
        return write_file_durable_at(dir_fd, name, text, strlen(text), 0640);
}
