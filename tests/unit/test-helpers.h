/* SPDX-License-Identifier: MIT */
/* test-helpers.h: what several unit tests build their input with (include after cmocka.h)
 *
 * Buf: a growing byte buffer for answers and bodies built a few bytes at a time
 * (test-multipart, test-multipart-receive). test_workflow_load(): a workflow from a
 * YAML string that must load (test-dispatch, test-job-dir).
 */
#pragma once

#include <stdlib.h>
#include <string.h>

#include "workflow.h"

typedef struct Buf {
        char *data;
        size_t size, allocated;
} Buf;

static inline void buf_add(Buf *b, const void *data, size_t size) {
        /* grown by doubling: the 10,000-part answers are built a few bytes at a time */
        if (b->size + size + 1 > b->allocated) {
                size_t n = b->allocated * 2 > b->size + size + 1 ? b->allocated * 2 : b->size + size + 1;

                b->data = realloc(b->data, n);
                assert_non_null(b->data);
                b->allocated = n;
        }
        memcpy(b->data + b->size, data, size);
        b->size += size;
        b->data[b->size] = 0;
}

static inline void buf_adds(Buf *b, const char *s) {
        buf_add(b, s, strlen(s));
}

static inline void buf_done(Buf *b) {
        free(b->data);
        *b = (Buf) {};
}

static inline Workflow *test_workflow_load(const char *yaml) {
        Workflow *w = NULL;

        assert_int_equal(workflow_load_string("t.yml", yaml, strlen(yaml), NULL, &w), 0);
        assert_false(w->unloadable);
        return w;
}
