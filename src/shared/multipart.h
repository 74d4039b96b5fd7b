/* SPDX-License-Identifier: MIT */
/* multipart.h: a streaming multipart/form-data parser (RFC 7578, RFC 2046) for http_remote's answers */
#pragma once

#include <stddef.h>

#include "macro.h"

/* RFC 2046: a boundary is 1 to 70 characters. */
#define MULTIPART_BOUNDARY_MAX 70
/* Defaults of MultipartLimits (a field left 0 takes its default). */
#define MULTIPART_PARTS_MAX_DEFAULT 1000
#define MULTIPART_HEADER_SIZE_MAX_DEFAULT (16U * 1024U)
/* The longest Content-Type value multipart_boundary_from_content_type() reads. */
#define MULTIPART_CONTENT_TYPE_MAX 4096

/* What a part's header block said. The strings are the parameters' decoded values (or
 * NULL when absent) and live until part_end (or the parser's end). */
typedef struct MultipartPart {
        const char *name;               /* Content-Disposition's name, never NULL */
        const char *filename;           /* Content-Disposition's filename */
        const char *sha256sum;          /* Content-Disposition's sha256sum (Herald Runner's) */
        const char *content_type;       /* the Content-Type header's value, as sent */
} MultipartPart;

/* Called in stream order: part_begin, part_data zero or more times (a part's bytes, in
 * pieces of any size), part_end. A negative return stops the parser with that error. */
typedef struct MultipartCallbacks {
        int (*part_begin)(const MultipartPart *part, void *userdata);
        int (*part_data)(const void *data, size_t size, void *userdata);
        int (*part_end)(void *userdata);
} MultipartCallbacks;

typedef struct MultipartLimits {
        size_t max_parts;               /* more parts: -E2BIG */
        size_t max_header_size;         /* a longer header block: -E2BIG */
} MultipartLimits;

typedef struct MultipartParser MultipartParser;

int multipart_boundary_from_content_type(const char *content_type, char **ret);

int multipart_parser_new(const char *boundary, const MultipartLimits *limits, const MultipartCallbacks *cb,
                         void *userdata, MultipartParser **ret);
int multipart_parser_feed(MultipartParser *p, const void *data, size_t size);
int multipart_parser_finish(MultipartParser *p);
MultipartParser *multipart_parser_free(MultipartParser *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(MultipartParser *, multipart_parser_free);
