/* SPDX-License-Identifier: MIT */
/* runner-reply.h: a runner job's result, from herald-done (root) to herald-runner, with its files' fds */
#pragma once

#include <stddef.h>

#include <cjson/cJSON.h>

#include "herald-id.h"

/* herald-runner's RuntimeDirectory: the requests it hands to root, and the socket
 * herald-done sends results to (SOCK_SEQPACKET, made by herald-runner; only uid 0 may
 * send). */
#define RUNNER_RUN_DIR "/run/herald-runner"
#define RUNNER_REQUEST_DIR RUNNER_RUN_DIR "/requests"
#define RUNNER_RESULT_SOCKET RUNNER_RUN_DIR "/results"
/* herald-runner-activate.socket: where herald-runner asks root to run a job. */
#define RUNNER_ACTIVATE_SOCKET "/run/herald/runner-activate"
#define RUNNER_USER "herald-runner"
#define RUNNER_JOB_UNIT_PREFIX "herald-runner-job@"
#define RUNNER_EXECUTOR "runner"

/* At most this many files go with one answer (SCM_RIGHTS carries 253 fds per message;
 * one is the result's memfd). The others are named in the result as refused. */
#define RUNNER_REPLY_FILES_MAX 250
/* The reply object: the job's result (16 MiB at most) and a little more. */
#define RUNNER_REPLY_SIZE_MAX ((size_t) 17 * 1024 * 1024)

/* The reply object:
 *   {"success": bool, "error": "...", "result": {...},
 *    "files": [{"name": "<file key>", "filename": "<basename>"}, ...]}
 * "files" names, in order, the `file` entries whose fds follow the memfd. */
typedef struct RunnerReply {
        char job_id[HERALD_ID_LEN + 1];
        cJSON *reply;
        int fds[RUNNER_REPLY_FILES_MAX];
        size_t n_fds;
} RunnerReply;

void runner_reply_done(RunnerReply *r);
int runner_reply_send(const char *socket_path, const char *job_id, const cJSON *reply, const int *fds, size_t n_fds,
                      unsigned timeout_sec);
int runner_reply_receive(int fd, RunnerReply *ret);
