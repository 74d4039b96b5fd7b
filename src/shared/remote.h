/* SPDX-License-Identifier: MIT */
/* remote.h: http_remote's pure parts: its options, the signed request, the answer's classification */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "hmac.h"
#include "job-result.h"

/* Defaults and limits of the executor's herald keys (seconds, bytes). */
#define REMOTE_TIMEOUT_DEFAULT_SEC 3600
#define REMOTE_CONNECT_TIMEOUT_DEFAULT_SEC 30
#define REMOTE_TIMEOUT_MAX_SEC (365 * 24 * 3600)
/* A JSON answer (and a multipart answer's `result` part) is kept in memory. */
#define REMOTE_JSON_ANSWER_MAX (4U * 1024U * 1024U)
/* The files of one multipart answer together, unless `max_answer` says otherwise. */
#define REMOTE_ANSWER_MAX_DEFAULT (UINT64_C(16) * 1024U * 1024U * 1024U)
/* How much of a refused answer's body goes into the error text. */
#define REMOTE_ERROR_BODY_MAX 200
/* A JSON answer whose result names files (Herald Runner sends files multipart only). */
#define REMOTE_ERROR_FILES_NOT_SENT \
        "The remote runner answered files without sending them (a 'file' map in a JSON answer); " \
        "its paths are not this host's, so the result goes on without them"
/* The most a secret_file may hold. */
#define REMOTE_SECRET_FILE_MAX 4096
/* The longest host URL taken. */
#define REMOTE_URL_MAX 4096

typedef struct RemoteOptions {
        char *url;                      /* `host`: http:// or https:// */
        char *secret;                   /* `secret`; "" when unset (Herald signs with an empty key) */
        size_t secret_len;
        char *secret_file;              /* `secret_file` (herald's): the key is read from it at run time */
        char *data_dir;                 /* `data_dir`, absolute, or NULL */
        char *ca_file;                  /* `ca_file`, or NULL: the system's CAs */
        uint64_t timeout_sec;           /* `timeout`: the whole request; 0: none */
        uint64_t connect_timeout_sec;   /* `connect_timeout` */
        uint64_t max_answer;            /* `max_answer`: bytes of files in one answer */
        bool signed_timestamp;          /* `signed_timestamp` (herald's): send X-Herald-Timestamp */
} RemoteOptions;

void remote_options_done(RemoteOptions *o);
int remote_options_parse(const cJSON *executor_param, RemoteOptions *ret, char **ret_error);
int remote_options_load_secret(RemoteOptions *o, char **ret_error);

/* What a host URL says, as far as herald checks it. */
typedef struct RemoteUrl {
        bool tls;                       /* https:// */
        bool loopback;                  /* localhost, 127.0.0.0/8, ::1 */
} RemoteUrl;

int remote_url_parse(const char *url, RemoteUrl *ret, const char **ret_why);

int remote_request_sign(const RemoteOptions *o, const char *body, size_t size,
                        char ret[static HMAC_SHA256_HEX_SIZE + 1]);
int remote_request_build(const cJSON *param, const RemoteOptions *o, uint64_t now_sec, char **ret_body,
                         char **ret_signature_header, char **ret_timestamp_header);

typedef enum RemoteAnswerKind {
        REMOTE_ANSWER_JSON,             /* 200, application/json */
        REMOTE_ANSWER_MULTIPART,        /* 200, multipart/form-data */
        REMOTE_ANSWER_BAD_STATUS,       /* not 200 */
        REMOTE_ANSWER_BAD_TYPE,         /* 200, but another or no content type */
        _REMOTE_ANSWER_KIND_MAX,
        _REMOTE_ANSWER_KIND_INVALID = -EINVAL,
} RemoteAnswerKind;

RemoteAnswerKind remote_answer_classify(long status, const char *content_type);
int remote_result_from_object(cJSON *result, JobResult *ret);
int remote_result_from_json(const char *body, size_t size, JobResult *ret);
int remote_error_refused(long status, const char *content_type, const char *body, size_t size, char **ret);
