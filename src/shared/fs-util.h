/* SPDX-License-Identifier: MIT */
/* fs-util.h: file operations that never follow a symlink they are given */
#pragma once

#include <stddef.h>
#include <sys/types.h>

int read_file_at(int dfd, const char *name, size_t max, char **ret, size_t *ret_size);
/* All of an fd up to EOF, NUL-terminated: stdin, a child's pipe. */
int read_fd_full(int fd, size_t max, size_t size_hint, char **ret, size_t *ret_size);
int write_file_atomic_at(int dfd, const char *name, const char *data, size_t size, mode_t mode);
/* write_file_atomic_at(), fsync()ed (file and directory) before it returns. */
int write_file_durable_at(int dfd, const char *name, const char *data, size_t size, mode_t mode);
/* write() until all of it is written (EINTR retried); -EIO if the fd takes nothing. */
int loop_write(int fd, const void *data, size_t size);
/* A sealed memfd holding @data: a descriptor to hand over whose bytes cannot change. */
int memfd_new_sealed(const char *name, const void *data, size_t size, int *ret);
int mkdir_p(const char *path, mode_t mode);
int rm_rf(const char *path);

/* write_file_atomic_at() for a path: the directory is opened, the file replaced in it. */
int write_file_atomic(const char *path, const char *data, size_t size, mode_t mode);
/* read_file_at() for a path; unlike it, follows a symlink (configuration files may be links). */
int read_file(const char *path, size_t max, char **ret, size_t *ret_size);
