/* SPDX-License-Identifier: MIT */
/* fuzz-util.h: what the fuzz targets share: a check that says what failed, then aborts,
 * and the checks more than one target makes */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "job-result.h"
#include "journal-send.h"
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

/* The native-protocol form of @fields (journal-send.c) read back as journald reads it
 * (a line "NAME=value", or "NAME", a 64-bit little-endian length, the value and '\n')
 * gives every field back, byte for byte, in order. */
static inline void fuzz_check_native_encoding(char **fields) {
        _cleanup_free_ struct iovec *iov = NULL;
        _cleanup_free_ char *buf = NULL;
        size_t n = 0, size, off = 0;
        int r;

        while (fields[n])
                n++;
        iov = calloc(n + 1, sizeof *iov);
        if (!iov)
                return;
        for (size_t i = 0; i < n; i++)
                iov[i] = (struct iovec) { .iov_base = fields[i], .iov_len = strlen(fields[i]) };
        r = journal_native_encode(iov, n, &buf, &size);
        if (r == -ENOMEM)
                return;
        FUZZ_CHECK(r == 0);

        for (size_t i = 0; i < n; i++) {
                const char *line = buf + off, *nl = memchr(line, '\n', size - off), *eq;
                size_t name_len, value_len;
                const char *value;

                FUZZ_CHECK(nl);
                eq = memchr(line, '=', (size_t) (nl - line));
                if (eq) {
                        name_len = (size_t) (eq - line);
                        value = eq + 1;
                        value_len = (size_t) (nl - value);
                        off = (size_t) (nl - buf) + 1;
                } else {
                        uint64_t le = 0;

                        name_len = (size_t) (nl - line);
                        off = (size_t) (nl - buf) + 1;
                        FUZZ_CHECK(size - off >= 8);
                        for (int b = 7; b >= 0; b--)
                                le = le << 8 | (uint8_t) buf[off + (size_t) b];
                        off += 8;
                        FUZZ_CHECK(le <= size - off - 1 && buf[off + le] == '\n');
                        value = buf + off;
                        value_len = (size_t) le;
                        off += value_len + 1;
                }
                FUZZ_CHECK(name_len + 1 + value_len == iov[i].iov_len);
                FUZZ_CHECK(memcmp(fields[i], line, name_len) == 0 && fields[i][name_len] == '=');
                FUZZ_CHECK(memcmp(fields[i] + name_len + 1, value, value_len) == 0);
        }
        FUZZ_CHECK(off == size);
}
