/* SPDX-License-Identifier: MIT */
/* activate-protocol.h: heraldd <-> herald-activate --serve, one message per packet */
#pragma once

#include <stddef.h>

#include "herald-ids.h"

/* herald-activate.socket's ListenSequentialPacket= (root:herald, 0660). */
#define ACTIVATE_SOCKET HERALD_RUN_DIR "/activate"
/* The longest message: two names of JOB_REQUEST_NAME_MAX, an id, a text. */
#define ACTIVATE_MESSAGE_MAX 4096
#define ACTIVATE_TEXT_MAX 1024

typedef enum ActivateVerb {
        ACTIVATE_START,         /* heraldd: start job_id of router/task (its request file is written) */
        ACTIVATE_STOP,          /* heraldd: stop job_id's unit (concurrency: replace) */
        ACTIVATE_STARTED,       /* activate: its start job ran; the unit's end comes as a result */
        ACTIVATE_ALREADY,       /* activate: no request (anymore): it was started before */
        ACTIVATE_FAILED,        /* activate: not started; its failed result entry is written */
        ACTIVATE_RUN,           /* herald-runner: run job_id (its request is in RUNNER_REQUEST_DIR) */
        ACTIVATE_BUSY,          /* activate: not started, too many starts in flight; nothing written */
        _ACTIVATE_VERB_MAX,
        _ACTIVATE_VERB_INVALID = -1,
} ActivateVerb;

/* Fields point into the buffer a message was parsed from. */
typedef struct ActivateMessage {
        ActivateVerb verb;
        const char *job_id;
        const char *router, *task;      /* START, STOP */
        const char *text;               /* FAILED: why */
} ActivateMessage;

int activate_message_format(const ActivateMessage *m, char *buf, size_t size, size_t *ret_len);
int activate_message_parse(const char *buf, size_t len, ActivateMessage *ret);
const char *activate_verb_to_string(ActivateVerb v);
