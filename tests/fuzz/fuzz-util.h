/* SPDX-License-Identifier: MIT */
/* fuzz-util.h: what the fuzz targets share: a check that says what failed, then aborts */
#pragma once

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

/* An invariant of the code under test: on failure, say which one (libFuzzer then
 * saves the input as crash-*), and abort. Not assert(): NDEBUG must not turn it off. */
#define FUZZ_CHECK(expr)                                                                  \
        do {                                                                              \
                if (!(expr)) {                                                            \
                        fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #expr); \
                        abort();                                                          \
                }                                                                         \
        } while (0)

/* Errors the parsers may return for bad input (or for running out of memory). */
#define FUZZ_PARSE_ERROR(r) ((r) == -EBADMSG || (r) == -ERANGE || (r) == -E2BIG || (r) == -ENOMEM)

/* Whether two values print the same (compact). Not cJSON_Compare(): it compares each
 * object's members both ways, so its time doubles with every level of nesting.
 * Out of memory counts as the same (nothing can be told then). */
static inline bool fuzz_json_same(const cJSON *a, const cJSON *b) {
        char *x, *y;
        bool same = true;

        if (!a || !b)
                return !a && !b;
        x = cJSON_PrintUnformatted(a);
        y = cJSON_PrintUnformatted(b);
        if (x && y)
                same = strcmp(x, y) == 0;
        free(x);
        free(y);
        return same;
}
