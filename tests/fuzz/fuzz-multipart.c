/* SPDX-License-Identifier: MIT */
/* fuzz-multipart.c: the streaming multipart parser on a hostile runner's answer, in pieces the input chooses
 *
 * Input: two bytes choosing the piece sizes, then the stream (boundary "xYzZY"). The
 * stream is parsed whole, in the chosen pieces, and byte by byte: the outcome and the
 * callbacks (parts' headers, their bytes joined) must be the same every time, the
 * callbacks in order, the errors only those documented. The whole input (NUL-terminated)
 * is also read as a Content-Type: a boundary found there is a valid one.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-util.h"
#include "macro.h"
#include "multipart.h"

#define BOUNDARY "xYzZY"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct Log {
        char *text;             /* the callbacks, in a form that does not depend on the pieces */
        size_t size;
        size_t data_pending;    /* bytes of the current part not logged yet */
        char *data;
        bool open;
        bool oom;
} Log;

static void log_add(Log *l, const void *p, size_t n) {
        char *t;

        if (l->oom)
                return;
        t = realloc(l->text, l->size + n + 1);
        if (!t) {
                l->oom = true;
                return;
        }
        l->text = t;
        memcpy(l->text + l->size, p, n);
        l->size += n;
}

static void log_str(Log *l, const char *s) {
        /* with its length, so fields cannot run into each other */
        size_t n = s ? strlen(s) : SIZE_MAX;

        log_add(l, &n, sizeof n);
        if (s)
                log_add(l, s, n);
}

static void log_flush(Log *l) {
        if (l->data_pending == 0)
                return;
        log_add(l, "D", 1);
        log_add(l, &l->data_pending, sizeof l->data_pending);
        log_add(l, l->data, l->data_pending);
        l->data_pending = 0;
}

static int on_begin(const MultipartPart *part, void *userdata) {
        Log *l = userdata;

        FUZZ_CHECK(!l->open);
        FUZZ_CHECK(part->name);
        FUZZ_CHECK(!part->sha256sum || strlen(part->sha256sum) < 1024);
        l->open = true;
        log_add(l, "B", 1);
        log_str(l, part->name);
        log_str(l, part->filename);
        log_str(l, part->sha256sum);
        log_str(l, part->content_type);
        return 0;
}

static int on_data(const void *data, size_t size, void *userdata) {
        Log *l = userdata;
        char *t;

        FUZZ_CHECK(l->open && size > 0);
        t = realloc(l->data, l->data_pending + size);
        if (!t) {
                l->oom = true;
                return -ENOMEM;
        }
        l->data = t;
        memcpy(l->data + l->data_pending, data, size);
        l->data_pending += size;
        return 0;
}

static int on_end(void *userdata) {
        Log *l = userdata;

        FUZZ_CHECK(l->open);
        l->open = false;
        log_flush(l);
        log_add(l, "E", 1);
        return 0;
}

static const MultipartCallbacks callbacks = {
        .part_begin = on_begin,
        .part_data = on_data,
        .part_end = on_end,
};

/* Parse in pieces of sizes a, b, a, b, ... (0: whole); the outcome. */
static int run(const uint8_t *data, size_t size, size_t a, size_t b, Log *l) {
        static const MultipartLimits limits = { .max_parts = 8, .max_header_size = 512 };
        _cleanup_(multipart_parser_freep) MultipartParser *p = NULL;
        size_t at = 0;
        int r;

        r = multipart_parser_new(BOUNDARY, &limits, &callbacks, l, &p);
        if (r < 0)
                return r;
        for (unsigned i = 0; at < size; i++) {
                size_t n = a == 0 ? size : (i % 2 ? b : a);

                if (n > size - at)
                        n = size - at;
                r = multipart_parser_feed(p, data + at, n);
                if (r < 0) {
                        FUZZ_CHECK(multipart_parser_finish(p) == r);
                        break;
                }
                at += n;
        }
        if (r >= 0)
                r = multipart_parser_finish(p);
        log_flush(l);
        FUZZ_CHECK(r == 0 || r == -EBADMSG || r == -E2BIG || r == -ENOMEM);
        if (r == 0)
                FUZZ_CHECK(!l->open);
        return r;
}

static void log_done(Log *l) {
        free(l->text);
        free(l->data);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        Log whole = {}, pieces = {}, bytes = {};
        _cleanup_free_ char *text = NULL, *boundary = NULL;
        int r, q;

        if (size < 2)
                return 0;

        text = memdup_nul((const char *) data, size);
        if (text && multipart_boundary_from_content_type(text, &boundary) == 0) {
                MultipartParser *p = NULL;

                FUZZ_CHECK(strlen(boundary) >= 1 && strlen(boundary) <= MULTIPART_BOUNDARY_MAX);
                q = multipart_parser_new(boundary, NULL, &callbacks, NULL, &p);
                FUZZ_CHECK(q == 0 || q == -ENOMEM);
                multipart_parser_free(p);
        }

        r = run(data + 2, size - 2, 0, 0, &whole);
        q = run(data + 2, size - 2, (size_t) data[0] % 17 + 1, (size_t) data[1] + 1, &pieces);
        if (!whole.oom && !pieces.oom && r != -ENOMEM && q != -ENOMEM) {
                FUZZ_CHECK(q == r);
                FUZZ_CHECK(pieces.size == whole.size && (whole.size == 0 || memcmp(pieces.text, whole.text, whole.size) == 0));
        }
        q = run(data + 2, size - 2, 1, 1, &bytes);
        if (!whole.oom && !bytes.oom && r != -ENOMEM && q != -ENOMEM) {
                FUZZ_CHECK(q == r);
                FUZZ_CHECK(bytes.size == whole.size && (whole.size == 0 || memcmp(bytes.text, whole.text, whole.size) == 0));
        }
        if (getenv("HERALD_FUZZ_VERBOSE"))
                fprintf(stderr, "outcome %d, log %zu bytes\n", r, whole.size);

        log_done(&whole);
        log_done(&pieces);
        log_done(&bytes);
        return 0;
}
