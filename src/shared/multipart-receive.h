/* SPDX-License-Identifier: MIT */
/* multipart-receive.h: an http_remote answer in multipart/form-data: the result in memory, the files on disk */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "macro.h"

/* Defaults of MultipartReceiveLimits (a field left 0 takes its default). */
#define MULTIPART_RECEIVE_RESULT_MAX_DEFAULT (4U * 1024U * 1024U)
#define MULTIPART_RECEIVE_FILE_BYTES_MAX_DEFAULT (UINT64_C(16) * 1024U * 1024U * 1024U)

typedef struct MultipartReceiveLimits {
        size_t max_parts;               /* MultipartLimits */
        size_t max_header_size;         /* MultipartLimits */
        size_t max_result_size;         /* the `result` part's bytes */
        uint64_t max_file_bytes;        /* all files of the answer together */
} MultipartReceiveLimits;

typedef struct MultipartReceiver MultipartReceiver;

int multipart_receiver_new(const char *content_type, int data_dir_fd, const char *data_dir_path, const char *job_id,
                           const MultipartReceiveLimits *limits, MultipartReceiver **ret);
int multipart_receiver_feed(MultipartReceiver *r, const void *data, size_t size);
int multipart_receiver_finish(MultipartReceiver *r, cJSON **ret_result);
MultipartReceiver *multipart_receiver_free(MultipartReceiver *r);
DEFINE_TRIVIAL_CLEANUP_FUNC(MultipartReceiver *, multipart_receiver_free);
