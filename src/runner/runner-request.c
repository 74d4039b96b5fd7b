/* SPDX-License-Identifier: MIT */
/* runner-request.c: a request herald-runner received, made into a job's param and executor options
 *
 * The request is the HTTP body herald-runner took (its signature checked there), written
 * by the unprivileged side and read again by root: untrusted data. Of it, only Herald's
 * execution param keys go into the job's param (the command sees them in
 * HERALD_EXECUTE_PARAM, as with Herald Runner); the job id is the one the runner made,
 * so the result entry and the unit name belong to this host, and the client's id is
 * kept as remote_job_id. What the runner executor may do (work_dir, allow_absolute_cmd,
 * allow_file_paths) comes from the root-owned config, never from the request.
 */
#include <errno.h>

#include "herald-id.h"
#include "json-parse.h"
#include "json-util.h"
#include "macro.h"
#include "runner-request.h"

/* Herald's execution param keys, besides job_id. */
static const char *const param_keys[] = {
        "trigger_id", "router", "trigger", "selector", "task", "executor",
        "trigger_param", "select_param", "job_param",
};

/**
 * runner_request_param() - the param of a job from the request's text
 * @text: the request (need not be NUL-terminated)
 * @size: its length (the caller bounds it: max_body)
 * @job_id: the job's id, made by herald-runner (herald_id_valid())
 * @ret: the param, an object
 *
 * Return: 0; -EBADMSG when the text is not a JSON object (or too deep); -EINVAL for a
 * malformed @job_id; -ENOMEM.
 */
int runner_request_param(const char *text, size_t size, const char *job_id, cJSON **ret) {
        _cleanup_json_ cJSON *request = NULL, *p = NULL;
        const cJSON *remote;
        int r;

        if (!herald_id_valid(job_id))
                return -EINVAL;
        r = json_parse(text, size, &request);
        if (r == -ENOMEM)
                return r;
        if (r < 0 || !cJSON_IsObject(request))
                return -EBADMSG;

        p = cJSON_CreateObject();
        if (!p || json_object_add(p, "job_id", cJSON_CreateString(job_id)) < 0)
                return -ENOMEM;
        remote = cJSON_GetObjectItemCaseSensitive(request, "job_id");
        if (cJSON_IsString(remote) && json_object_add(p, "remote_job_id", cJSON_CreateString(remote->valuestring)) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < ELEMENTSOF(param_keys); i++) {
                cJSON *v = cJSON_DetachItemFromObjectCaseSensitive(request, param_keys[i]);

                if (v && json_object_add(p, param_keys[i], v) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(p);
        return 0;
}

/**
 * runner_executor_param() - the runner executor's options, from the config
 * @c: the runner's config, as root loaded it
 * @reply_socket: where herald-done sends the result and files
 * @ret: job.json's executor_param
 *
 * Return: 0 or -ENOMEM.
 */
int runner_executor_param(const RunnerConfig *c, const char *reply_socket, cJSON **ret) {
        _cleanup_json_ cJSON *ep = cJSON_CreateObject();
        cJSON *allow = cJSON_CreateArray();

        if (!ep || json_object_add(ep, "allow_file_paths", allow) < 0 ||
            json_object_add(ep, "work_dir", cJSON_CreateString(c->work_dir)) < 0 ||
            json_object_add(ep, "allow_absolute_cmd", cJSON_CreateBool(c->allow_absolute_cmd)) < 0 ||
            json_object_add(ep, "reply_socket", cJSON_CreateString(reply_socket)) < 0)
                return -ENOMEM;
        for (char **p = c->allow_file_paths; p && *p; p++)
                if (!cJSON_AddItemToArray(allow, cJSON_CreateString(*p)))
                        return -ENOMEM;
        *ret = TAKE_PTR(ep);
        return 0;
}
