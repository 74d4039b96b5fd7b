/* SPDX-License-Identifier: MIT */
/* notify.h: the datagram herald-done sends heraldd with a finished job's result */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>


/* The socket, heraldd-notify.socket's ListenDatagram=, is HERALD_NOTIFY_SOCKET (herald-ids.h). */
/* One datagram at most: what is larger goes in the short form below. */
#define HERALD_NOTIFY_SIZE_MAX ((size_t) 64 * 1024)
/* A job id: [A-Za-z0-9_-], at most this long (Herald's are upper-case UUIDs). */
#define HERALD_NOTIFY_JOB_ID_MAX 64

/* {"job_id": "...", "param": {exec param}, "success": b, "error": "...", "result": {...}};
 * when that is over HERALD_NOTIFY_SIZE_MAX: {"job_id": "...", "complete": false}, and the
 * reader takes the result from the journal entry instead. */
int notify_format(const cJSON *param, bool success, const char *error, const cJSON *result,
                  char **ret, size_t *ret_size);

typedef struct NotifyMessage {
        cJSON *root;            /* owns what the rest points into */
        const char *job_id;
        const cJSON *param;     /* complete only: the execution param, credentials redacted */
        bool complete, success;
        const char *error;      /* complete only */
        const cJSON *result;    /* complete only: an object */
} NotifyMessage;

int notify_parse(const char *data, size_t size, NotifyMessage *ret);
void notify_message_done(NotifyMessage *m);

int notify_send(const char *socket_path, const char *data, size_t size, uint64_t timeout_usec);
