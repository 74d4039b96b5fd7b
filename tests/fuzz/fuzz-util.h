/* SPDX-License-Identifier: MIT */
/* fuzz-util.h: what the fuzz targets share: a check that says what failed, then aborts,
 * and the checks more than one target makes */
#pragma once

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "job-result.h"
#include "macro.h"

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

/* A result as `herald-exec job` writes it to result.json, then as `herald-done` reads
 * it back: the same result, and the text a fixed point. */
static inline void fuzz_check_result_round_trip(const JobResult *res) {
        _cleanup_free_ char *text = NULL, *again = NULL;
        _cleanup_(job_result_done) JobResult back = {};
        int r;

        r = job_result_format(res, &text);
        if (r == -ENOMEM)
                return;
        FUZZ_CHECK(r == 0 && text);

        r = job_result_parse(text, strlen(text), &back);
        if (r == -ENOMEM)
                return;
        if (r != 0 && getenv("HERALD_FUZZ_VERBOSE"))
                fprintf(stderr, "result.json not readable (%s): %.200s\n", strerror(-r), text);
        FUZZ_CHECK(r == 0);
        FUZZ_CHECK(back.success == res->success && streq(back.error, res->error));
        FUZZ_CHECK(back.duration_usec == res->duration_usec);
        FUZZ_CHECK(fuzz_json_same(back.result, res->result));

        r = job_result_format(&back, &again);
        if (r == -ENOMEM)
                return;
        FUZZ_CHECK(r == 0 && streq(text, again));
}

/* The value of NAME in a NULL-terminated list of "NAME=value" journal fields. */
static inline const char *fuzz_field_value(char **fields, const char *name) {
        size_t l = strlen(name);

        for (char **f = fields; *f; f++)
                if (strncmp(*f, name, l) == 0 && (*f)[l] == '=')
                        return *f + l + 1;
        return NULL;
}
