/* SPDX-License-Identifier: MIT */
/* file-sink.h: the files of one http_remote answer, written under data_dir/<job_id>/<name>/<filename> */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "macro.h"

/* The longest name or filename (one path component, as NAME_MAX). */
#define FILE_SINK_COMPONENT_MAX 255
#define FILE_SINK_SHA256_HEX_LEN 64

typedef struct FileSink FileSink;

bool file_sink_component_valid(const char *s);

int file_sink_new(int data_dir_fd, const char *data_dir_path, const char *job_id, uint64_t max_bytes, FileSink **ret);
int file_sink_begin(FileSink *s, const char *name, const char *filename, const char *sha256sum);
int file_sink_write(FileSink *s, const void *data, size_t size);
int file_sink_end(FileSink *s);
int file_sink_abort(FileSink *s);
int file_sink_discard(FileSink *s);
int file_sink_file_map(FileSink *s, cJSON **ret);
FileSink *file_sink_free(FileSink *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(FileSink *, file_sink_free);
