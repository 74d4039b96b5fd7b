/* SPDX-License-Identifier: MIT */
/* fs-util.h: the file operations of herald-exec, none of which follows a symlink it is given */
#pragma once

#include <stddef.h>
#include <sys/types.h>

int read_file_at(int dfd, const char *name, size_t max, char **ret, size_t *ret_size);
int write_file_atomic_at(int dfd, const char *name, const char *data, size_t size, mode_t mode);
int mkdir_p(const char *path, mode_t mode);
int rm_rf(const char *path);
