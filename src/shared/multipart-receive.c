/* SPDX-License-Identifier: MIT */
/* multipart-receive.c: an http_remote answer in multipart/form-data: the result in memory, the files on disk
 *
 * The glue between the streaming parser (multipart.c) and the file sink (file-sink.c),
 * so the executor only feeds the bytes libcurl hands it and gets the result at the end.
 * Herald Runner's answer: a part named `result` holding the JSON result, then one part
 * per entry of the result's `file` map, named by its key, with a filename and the
 * sha256sum. The result part is kept in memory (bounded) and must be a JSON object; it
 * may come anywhere, once. Every other part must be a file. At the end the result's
 * `file` map is replaced by the local paths of the files received, and `context_type`
 * (sic) = "multipart/form-data" added, as Herald's http_remote does.
 *
 * An answer is taken whole or not at all: on any error (and when the receiver is freed
 * before a successful finish) the files it wrote are removed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "file-sink.h"
#include "json-parse.h"
#include "json-util.h"
#include "macro.h"
#include "multipart-receive.h"
#include "multipart.h"

#define RESULT_PART_NAME "result"

struct MultipartReceiver {
        MultipartParser *parser;
        FileSink *sink;
        size_t max_result_size;

        char *result;
        size_t result_size, result_allocated;
        bool have_result, in_result, in_file;
        bool done;              /* finished successfully: the files are the caller's */
        int error;
};

static int on_begin(const MultipartPart *part, void *userdata) {
        MultipartReceiver *r = userdata;
        int q;

        if (streq(part->name, RESULT_PART_NAME)) {
                if (r->have_result)
                        return -EBADMSG;
                r->have_result = r->in_result = true;
                return 0;
        }
        if (!part->filename)
                return -EBADMSG;        /* neither the result nor a file */
        q = file_sink_begin(r->sink, part->name, part->filename, part->sha256sum);
        if (q < 0)
                return q;
        r->in_file = true;
        return 0;
}

static int on_data(const void *data, size_t size, void *userdata) {
        MultipartReceiver *r = userdata;

        if (r->in_file)
                return file_sink_write(r->sink, data, size);

        if (size > r->max_result_size - r->result_size)
                return -E2BIG;
        if (r->result_size + size + 1 > r->result_allocated) {
                size_t a = r->result_allocated ? r->result_allocated * 2 : 4096;
                char *t;

                if (a < r->result_size + size + 1)
                        a = r->result_size + size + 1;
                if (a > r->max_result_size + 1)
                        a = r->max_result_size + 1;
                t = realloc(r->result, a);
                if (!t)
                        return -ENOMEM;
                r->result = t;
                r->result_allocated = a;
        }
        memcpy(r->result + r->result_size, data, size);
        r->result_size += size;
        r->result[r->result_size] = 0;
        return 0;
}

static int on_end(void *userdata) {
        MultipartReceiver *r = userdata;

        if (r->in_file) {
                r->in_file = false;
                return file_sink_end(r->sink);
        }
        r->in_result = false;
        return 0;
}

/**
 * multipart_receiver_new: a receiver for one multipart/form-data answer.
 * @content_type: the answer's Content-Type (multipart/form-data with a boundary)
 * @data_dir_fd: an O_DIRECTORY fd of the executor's data_dir (duplicated)
 * @data_dir_path: its absolute path
 * @job_id: the job's id: the files go to data_dir/<job_id>/<name>/<filename>
 * @limits: the limits; NULL, or a field left 0, takes the defaults (MultipartLimits',
 *          MULTIPART_RECEIVE_RESULT_MAX_DEFAULT, MULTIPART_RECEIVE_FILE_BYTES_MAX_DEFAULT)
 * @ret: the receiver; multipart_receiver_free() it
 *
 * Return: 0; -EINVAL for a @content_type that is not multipart/form-data with a valid
 * boundary, a relative @data_dir_path or a @job_id that is not one path component;
 * -EBADF; -ENOMEM.
 */
int multipart_receiver_new(const char *content_type, int data_dir_fd, const char *data_dir_path, const char *job_id,
                           const MultipartReceiveLimits *limits, MultipartReceiver **ret) {
        static const MultipartCallbacks cb = {
                .part_begin = on_begin,
                .part_data = on_data,
                .part_end = on_end,
        };
        _cleanup_(multipart_receiver_freep) MultipartReceiver *r = NULL;
        _cleanup_free_ char *boundary = NULL;
        MultipartReceiveLimits l = limits ? *limits : (MultipartReceiveLimits) {};
        int q;

        q = multipart_boundary_from_content_type(content_type, &boundary);
        if (q < 0)
                return q;

        r = calloc(1, sizeof *r);
        if (!r)
                return -ENOMEM;
        r->max_result_size = l.max_result_size ?: MULTIPART_RECEIVE_RESULT_MAX_DEFAULT;
        q = file_sink_new(data_dir_fd, data_dir_path, job_id, l.max_file_bytes ?: MULTIPART_RECEIVE_FILE_BYTES_MAX_DEFAULT,
                          &r->sink);
        if (q < 0)
                return q;
        q = multipart_parser_new(boundary, &(MultipartLimits) { .max_parts = l.max_parts, .max_header_size = l.max_header_size },
                                 &cb, r, &r->parser);
        if (q < 0)
                return q;

        *ret = TAKE_PTR(r);
        return 0;
}

/* An answer that failed keeps no file. */
static int fail(MultipartReceiver *r, int q) {
        if (r->error == 0) {
                r->error = q;
                (void) file_sink_discard(r->sink);
        }
        return r->error;
}

/**
 * multipart_receiver_feed: the answer's next bytes (a CURLOPT_WRITEFUNCTION's).
 * @r: the receiver
 * @data: the bytes
 * @size: how many
 *
 * Return: 0; or, with every file of the answer removed: -EBADMSG for a malformed answer
 * (a bad stream, a second `result` part, a part that is neither the result nor a file,
 * a missing or wrong sha256sum); -EINVAL for a part name or filename that is not one
 * path component; -EEXIST for a name sent twice or a file that exists; -E2BIG past the
 * parts, header or result limit; -EFBIG past the files' byte limit; -ELOOP or -ENOTDIR
 * for a symlink in the way; -ENOMEM; or another negative errno of the file system. The
 * same error for every later call.
 */
int multipart_receiver_feed(MultipartReceiver *r, const void *data, size_t size) {
        int q;

        if (r->error < 0)
                return r->error;
        q = multipart_parser_feed(r->parser, data, size);
        if (q < 0)
                return fail(r, q);
        return 0;
}

/**
 * multipart_receiver_finish: the answer is complete: its result.
 * @r: the receiver
 * @ret_result: the result object, with `file` = {"<name>": "<local path>", ...} and
 *              `context_type` = "multipart/form-data"; cJSON_Delete() it
 *
 * After success the files are the caller's (freeing the receiver keeps them).
 *
 * Return: 0; -EBADMSG for a truncated answer, one without a `result` part, or one
 * whose result is not a JSON object; an error multipart_receiver_feed() returned; or
 * -ENOMEM. On an error every file of the answer is removed.
 */
int multipart_receiver_finish(MultipartReceiver *r, cJSON **ret_result) {
        _cleanup_json_ cJSON *result = NULL, *map = NULL;
        int q;

        if (r->error < 0)
                return r->error;
        q = multipart_parser_finish(r->parser);
        if (q < 0)
                return fail(r, q);
        if (!r->have_result)
                return fail(r, -EBADMSG);
        q = json_parse(r->result ?: "", r->result_size, &result);
        if (q == -ENOMEM)
                return fail(r, q);
        if (q < 0 || !cJSON_IsObject(result))
                return fail(r, -EBADMSG);

        q = file_sink_file_map(r->sink, &map);
        if (q < 0)
                return fail(r, q);
        cJSON_DeleteItemFromObjectCaseSensitive(result, "file");
        cJSON_DeleteItemFromObjectCaseSensitive(result, "context_type");
        if (json_object_add(result, "file", TAKE_PTR(map)) < 0 ||
            json_object_add(result, "context_type", cJSON_CreateString("multipart/form-data")) < 0)
                return fail(r, -ENOMEM);

        r->done = true;
        *ret_result = TAKE_PTR(result);
        return 0;
}

/**
 * multipart_receiver_free: free a receiver.
 * @r: the receiver (may be NULL)
 *
 * Unless multipart_receiver_finish() succeeded, the files of the answer are removed.
 *
 * Return: NULL
 */
MultipartReceiver *multipart_receiver_free(MultipartReceiver *r) {
        if (!r)
                return NULL;
        if (!r->done && r->sink)
                (void) file_sink_discard(r->sink);
        multipart_parser_free(r->parser);
        file_sink_free(r->sink);
        free(r->result);
        free(r);
        return NULL;
}
