/* SPDX-License-Identifier: MIT */
/* multipart-answer.h: herald-runner's answer body, JSON or multipart with files, read piece by piece */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

#define MULTIPART_ANSWER_FILES_MAX 1024
#define MULTIPART_ANSWER_NAME_MAX 4096
/* Go's multipart.Writer: 30 random bytes in hex. */
#define MULTIPART_BOUNDARY_LEN 60

typedef struct MultipartAnswer MultipartAnswer;

/* One file of the answer: the key in the result's `file` map, the basename sent as
 * filename=, and the checked fd (runner-confine.c). The fd is duplicated: the caller
 * keeps its own. */
typedef struct MultipartAnswerFile {
        const char *name;
        const char *filename;
        int fd;
} MultipartAnswerFile;

int multipart_answer_new(const cJSON *result, const MultipartAnswerFile *files, size_t n_files,
                         MultipartAnswer **ret);
int multipart_answer_new_with_boundary(const cJSON *result, const MultipartAnswerFile *files, size_t n_files,
                                       const char *boundary, MultipartAnswer **ret);
MultipartAnswer *multipart_answer_free(MultipartAnswer *a);
static inline void multipart_answer_freep(MultipartAnswer **a) {
        if (*a)
                multipart_answer_free(*a);
}

const char *multipart_answer_content_type(const MultipartAnswer *a);
uint64_t multipart_answer_size(const MultipartAnswer *a);
ssize_t multipart_answer_read(MultipartAnswer *a, uint64_t pos, char *buf, size_t max);
const char *multipart_answer_file_sha256(const MultipartAnswer *a, size_t i);
