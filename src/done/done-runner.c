/* SPDX-License-Identifier: MIT */
/* done-runner.c: a herald-runner job's result and files, handed to herald-runner
 *
 * herald-runner answers its HTTP client with the job's result and the files the result
 * names in its `file` map. It runs unprivileged, and the job may name any path, so the
 * files are opened here, as root, only where runner_confine_file() allows them (the
 * job's directories and the config's allow_file_paths, which came into job.json from
 * the runner's root-owned config), and herald-runner gets the open fds (runner-reply.c).
 *
 * A file that is refused is left out of the answer: its key leaves the `file` map and
 * goes into `file_refused`, with the path and why, so the client sees what happened.
 * Best effort as a whole: the result entry is already written, and when herald-runner
 * is gone (its client left, it restarted) the journal holds the result.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "done-runner.h"
#include "json-util.h"
#include "log.h"
#include "macro.h"
#include "runner-confine.h"
#include "runner-reply.h"

#define REPLY_TIMEOUT_SEC 5

static int refuse(cJSON *refused, const char *key, const char *path, const char *why) {
        _cleanup_free_ char *text = NULL;

        if (asprintf(&text, "'%s' %s", path, why) < 0)
                return -ENOMEM;
        return json_object_add(refused, key, cJSON_CreateString(text));
}

/* Splits the result's `file` map into the files that may go (opened) and the rest. */
static int take_files(const JobSpec *spec, const char *dir, cJSON *result, cJSON *keys, RunnerFile *files,
                      size_t *n_files) {
        const cJSON *ep = spec->executor_param, *jp = cJSON_GetObjectItemCaseSensitive(spec->param, "job_param");
        const cJSON *allow = cJSON_GetObjectItemCaseSensitive(ep, "allow_file_paths"), *a;
        _cleanup_(runner_job_dirs_done) RunnerJobDirs dirs = {};
        _cleanup_strv_free_ char **allow_paths = NULL;
        cJSON *map = cJSON_GetObjectItemCaseSensitive(result, "file"), *refused = NULL, *f, *next;
        const char *work_dir = json_object_get_string(ep, "work_dir");
        size_t n = 0;
        int r;

        if (!map)
                return 0;
        if (!work_dir)
                return -EINVAL;
        refused = cJSON_CreateObject();
        if (!refused || json_object_add(result, "file_refused", refused) < 0)
                return -ENOMEM;

        allow_paths = calloc((size_t) cJSON_GetArraySize(allow) + 1, sizeof(char *));
        if (!allow_paths)
                return -ENOMEM;
        cJSON_ArrayForEach(a, allow)
                if (cJSON_IsString(a) && a->valuestring[0] == '/' && !(allow_paths[n++] = strdup(a->valuestring)))
                        return -ENOMEM;
        RunnerConfig cfg = { .allow_file_paths = allow_paths };

        r = runner_job_dirs_init(&dirs, work_dir, json_object_get_string(jp, "git_repo"), dir);
        if (r == -EINVAL)       /* no checkout could be named: only run/ and the job's directory */
                r = runner_job_dirs_init(&dirs, work_dir, NULL, dir);
        if (r < 0)
                return r;

        /* Herald Runner sends whatever the map names; a non-string value it cannot send. */
        for (f = cJSON_IsObject(map) ? map->child : NULL; f; f = next) {
                next = f->next;
                if (!cJSON_IsString(f))
                        r = refuse(refused, f->string, "(not a string)", "is not a path");
                else if (*n_files >= RUNNER_REPLY_FILES_MAX)
                        r = refuse(refused, f->string, f->valuestring, "is one file too many for one answer");
                else {
                        RunnerFile rf = { .fd = -1 };

                        r = runner_confine_file(&cfg, &dirs, f->valuestring, 0, &rf);
                        if (r == -ENOMEM)
                                return r;
                        if (r < 0) {
                                log_warning("Leaving result file '%s' (%s) out of the answer: it %s.", f->string,
                                            f->valuestring, runner_confine_strerror(r));
                                r = refuse(refused, f->string, f->valuestring, runner_confine_strerror(r));
                        } else {
                                files[(*n_files)++] = rf;
                                cJSON *k = cJSON_CreateObject();

                                if (!cJSON_AddItemToArray(keys, k) ||
                                    json_object_add(k, "name", cJSON_CreateString(f->string)) < 0 ||
                                    json_object_add(k, "filename", cJSON_CreateString(rf.filename)) < 0)
                                        return -ENOMEM;
                                continue;
                        }
                }
                if (r < 0)
                        return r;
                cJSON_Delete(cJSON_DetachItemViaPointer(map, f));
        }
        if (!cJSON_IsObject(map))
                cJSON_DeleteItemFromObjectCaseSensitive(result, "file");
        if (!refused->child)
                cJSON_DeleteItemFromObjectCaseSensitive(result, "file_refused");
        return 0;
}

/**
 * done_runner_reply() - send a runner job's result and files to herald-runner
 * @spec: the job (executor "runner": executor_param names the reply socket)
 * @res: its result, as written to the journal
 * @dir: its job directory (result files may lie in it)
 *
 * Logs what fails; the caller goes on either way.
 */
void done_runner_reply(const JobSpec *spec, const JobResult *res, const char *dir) {
        const char *socket_path = json_object_get_string(spec->executor_param, "reply_socket");
        const char *job_id = json_object_get_string(spec->param, "job_id");
        _cleanup_json_ cJSON *reply = cJSON_CreateObject();
        RunnerFile *files = NULL;
        int fds[RUNNER_REPLY_FILES_MAX];
        cJSON *result, *keys;
        size_t n_files = 0;
        int r;

        if (!socket_path || !job_id)
                return;
        files = calloc(RUNNER_REPLY_FILES_MAX, sizeof *files);
        if (!reply || !files)
                goto oom;
        result = cJSON_Duplicate(res->result, true);
        keys = cJSON_CreateArray();
        if (json_object_add(reply, "success", cJSON_CreateBool(res->success)) < 0 ||
            json_object_add(reply, "error", cJSON_CreateString(res->error)) < 0 ||
            json_object_add(reply, "result", result) < 0 || json_object_add(reply, "files", keys) < 0)
                goto oom;

        r = take_files(spec, dir, result, keys, files, &n_files);
        if (r == -ENOMEM)
                goto oom;
        if (r < 0) {
                log_warning_errno(r, "Could not look at the result files of job %s, answering without them: %m", job_id);
                cJSON_DeleteItemFromObjectCaseSensitive(result, "file");
                for (size_t i = 0; i < n_files; i++)
                        runner_file_done(&files[i]);
                n_files = 0;
                cJSON_DeleteItemFromObjectCaseSensitive(reply, "files");
        }
        for (size_t i = 0; i < n_files; i++)
                fds[i] = files[i].fd;

        r = runner_reply_send(socket_path, job_id, reply, fds, n_files, REPLY_TIMEOUT_SEC);
        if (r < 0 && n_files > 0 && r != -ENOENT && r != -ECONNREFUSED && r != -EPERM) {
                /* The files could not go (too many fds for the receiver, say): the result
                 * alone is better than a client left waiting. */
                log_warning_errno(r, "Could not hand the files of job %s to herald-runner, sending its result alone: %m",
                                  job_id);
                cJSON_DeleteItemFromObjectCaseSensitive(result, "file");
                cJSON_DeleteItemFromObjectCaseSensitive(reply, "files");
                r = runner_reply_send(socket_path, job_id, reply, NULL, 0, REPLY_TIMEOUT_SEC);
        }
        if (r == -ENOENT || r == -ECONNREFUSED)
                log_info("herald-runner is not listening on '%s' (its client went away?); the result of job %s is in the journal.",
                         socket_path, job_id);
        else if (r < 0)
                log_warning_errno(r, "Could not hand the result of job %s to herald-runner on '%s', ignoring: %m", job_id,
                                  socket_path);
        goto finish;
oom:
        log_oom();
finish:
        for (size_t i = 0; i < n_files; i++)
                runner_file_done(&files[i]);
        free(files);
}
