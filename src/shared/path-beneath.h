/* SPDX-License-Identifier: MIT */
/* path-beneath.h: open a path that may not leave a directory, whatever its symlinks say */
#pragma once

#include <stdbool.h>

typedef enum BeneathFlags {
        /* Walk the components ourselves even where openat2() exists (tests cover both). */
        BENEATH_NO_OPENAT2 = 1 << 0,
} BeneathFlags;

/* The most symlinks followed in one resolution (the kernel's own limit, MAXSYMLINKS). */
#define BENEATH_SYMLINKS_MAX 40

int open_beneath(int root_fd, const char *path, unsigned flags, int *ret_fd);
int fd_reopen_read(int path_fd, int *ret_fd);
int fd_get_path(int fd, char **ret);
const char *path_startswith_dir(const char *path, const char *dir);
