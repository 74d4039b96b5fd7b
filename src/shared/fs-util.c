/* SPDX-License-Identifier: MIT */
/* fs-util.c: file operations that never follow a symlink they are given
 *
 * `herald-done` runs as root on a directory the job's user owns, so whatever it
 * opens there is opened relative to a directory fd, with O_NOFOLLOW, and must be a
 * regular file: a job cannot make root read (and publish in the journal) another file
 * through a symlink, or block it on a FIFO.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs-util.h"
#include "macro.h"

/* Deep enough for any job directory; keeps the fds a removal holds bounded. */
#define RM_RF_DEPTH_MAX 64

/**
 * read_fd_full() - read all of an fd (a file, a pipe, stdin) up to its end
 * @fd: what to read; read until EOF
 * @max: the most bytes accepted
 * @size_hint: the first allocation (a file's size, a pipe's usual output)
 * @ret: the contents, NUL-terminated; free() it
 * @ret_size: their length (may be NULL)
 *
 * Return: 0; -EFBIG when more than @max bytes came (nothing past max + 1 is read),
 * -ENOMEM, or the negative errno of read().
 */
int read_fd_full(int fd, size_t max, size_t size_hint, char **ret, size_t *ret_size) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0, allocated = 0;

        for (;;) {
                ssize_t n;

                if (size + 1 >= allocated) {
                        /* Room for max + 1 bytes at most: one more than allowed tells
                         * input past the limit (a file that grew while we read it). */
                        size_t a = allocated ? allocated * 2 : size_hint;
                        char *t;

                        if (a > max + 2 || a == 0)
                                a = max + 2;
                        t = realloc(buf, a);
                        if (!t)
                                return -ENOMEM;
                        buf = t;
                        allocated = a;
                }

                n = read(fd, buf + size, allocated - size - 1);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        break;
                size += (size_t) n;
                if (size > max)
                        return -EFBIG;
        }

        buf[size] = 0;
        *ret = TAKE_PTR(buf);
        if (ret_size)
                *ret_size = size;
        return 0;
}

/**
 * read_file_at: read a whole regular file below a directory.
 * @dfd: the directory
 * @name: the file's name; a symlink is refused
 * @max: the most bytes accepted
 * @ret: the contents, NUL-terminated; free() it
 * @ret_size: their length (may be NULL)
 *
 * Return: 0; -ELOOP for a symlink, -EBADFD for something other than a regular file,
 * -EFBIG when larger than @max, or the negative errno of open/read.
 */
static int read_file_flags(int dfd, const char *name, int flags, size_t max, char **ret, size_t *ret_size) {
        _cleanup_close_ int fd = -1;
        struct stat st;

        /* O_NONBLOCK so a FIFO planted here cannot block the open. */
        fd = openat(dfd, name, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY | flags);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EBADFD;
        if ((uintmax_t) st.st_size > max)
                return -EFBIG;

        return read_fd_full(fd, max, (size_t) st.st_size + 4096, ret, ret_size);
}

int read_file_at(int dfd, const char *name, size_t max, char **ret, size_t *ret_size) {
        return read_file_flags(dfd, name, O_NOFOLLOW, max, ret, ret_size);
}

int loop_write(int fd, const void *data, size_t size) {
        const char *p = data;

        while (size > 0) {
                ssize_t n = write(fd, p, size);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        return -EIO;
                p += n;
                size -= (size_t) n;
        }
        return 0;
}

/* Sealed, so the reader (journald, the runner's reply) knows the bytes cannot change
 * under it once it has the descriptor. */
int memfd_new_sealed(const char *name, const void *data, size_t size, int *ret) {
        _cleanup_close_ int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
        int r;

        if (fd < 0)
                return -errno;
        r = loop_write(fd, data, size);
        if (r < 0)
                return r;
        if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0)
                return -errno;
        *ret = TAKE_FD(fd);
        return 0;
}

static int write_atomic(int dfd, const char *name, const char *data, size_t size, mode_t mode, bool durable) {
        _cleanup_free_ char *tmp = NULL;
        _cleanup_close_ int fd = -1;
        int r;

        if (asprintf(&tmp, ".%s.%ld.tmp", name, (long) getpid()) < 0)
                return -ENOMEM;

        fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode);
        if (fd < 0)
                return -errno;
        r = loop_write(fd, data, size);
        if (r >= 0 && durable && fsync(fd) < 0)
                r = -errno;
        if (r >= 0 && close(fd) < 0)
                r = -errno;
        fd = -1;
        if (r >= 0 && renameat(dfd, tmp, dfd, name) < 0)
                r = -errno;
        if (r < 0) {
                (void) unlinkat(dfd, tmp, 0);
                return r;
        }
        /* the rename itself reaches the disk with the directory */
        if (durable && fsync(dfd) < 0)
                return -errno;
        return 0;
}

/**
 * write_file_atomic_at: replace a file below a directory in one step.
 * @dfd: the directory
 * @name: the file's name
 * @data: the new contents
 * @size: their length
 * @mode: the file's mode
 *
 * The data goes to a temporary file next to it, which is then renamed over @name, so
 * a reader sees the old file or the whole new one, never a part.
 *
 * Return: 0, or a negative errno.
 */
int write_file_atomic_at(int dfd, const char *name, const char *data, size_t size, mode_t mode) {
        return write_atomic(dfd, name, data, size, mode, false);
}

/**
 * write_file_durable_at: write_file_atomic_at(), and on the disk when it returns.
 * @dfd: the directory (opened for reading: it is fsync()ed)
 * @name: the file's name
 * @data: the new contents
 * @size: their length
 * @mode: the file's mode
 *
 * The file is fsync()ed before the rename and the directory after it, so a power cut
 * leaves the old file or the whole new one, never an empty one. For state that must
 * survive a reboot (heraldd's request files).
 *
 * Return: 0, or a negative errno.
 */
int write_file_durable_at(int dfd, const char *name, const char *data, size_t size, mode_t mode) {
        return write_atomic(dfd, name, data, size, mode, true);
}

/**
 * mkdir_p: create a directory and its missing parents.
 * @path: the directory
 * @mode: the mode of every directory created
 *
 * Return: 0 (also when it exists), or a negative errno; -ENOTDIR when a component
 * exists and is not a directory.
 */
int mkdir_p(const char *path, mode_t mode) {
        _cleanup_free_ char *p = strdup(path);
        struct stat st;

        if (!p)
                return -ENOMEM;

        for (char *s = p + 1;; s++) {
                char c = *s;

                if (c != '/' && c != 0)
                        continue;
                *s = 0;
                if (mkdir(p, mode) < 0 && errno != EEXIST)
                        return -errno;
                *s = c;
                if (c == 0)
                        break;
        }

        if (stat(path, &st) < 0)
                return -errno;
        return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

static int rm_rf_children(int fd, unsigned depth);

static int rm_rf_at(int dfd, const char *name, unsigned depth) {
        _cleanup_close_ int fd = -1;
        int r;

        if (unlinkat(dfd, name, 0) >= 0)
                return 0;
        if (errno != EISDIR)
                return -errno;
        if (depth >= RM_RF_DEPTH_MAX)
                return -ELOOP;

        fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        r = rm_rf_children(TAKE_FD(fd), depth + 1);
        if (r < 0)
                return r;
        if (unlinkat(dfd, name, AT_REMOVEDIR) < 0)
                return -errno;
        return 0;
}

/* Takes fd. */
static int rm_rf_children(int fd, unsigned depth) {
        DIR *d = fdopendir(fd);
        struct dirent *de;
        int r = 0;

        if (!d) {
                r = -errno;
                close(fd);
                return r;
        }

        while ((errno = 0, de = readdir(d))) {
                int q;

                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                q = rm_rf_at(dirfd(d), de->d_name, depth);
                if (q < 0 && r == 0)
                        r = q;
        }
        if (errno > 0 && r == 0)
                r = -errno;
        closedir(d);
        return r;
}

/**
 * rm_rf: remove a file or a directory tree, never following a symlink.
 * @path: what to remove; a symlink is removed itself
 *
 * Return: 0 (also when @path does not exist), or the first negative errno met.
 */
int rm_rf(const char *path) {
        _cleanup_free_ char *parent = NULL;
        _cleanup_close_ int dfd = -1;
        const char *base;
        char *slash;
        int r;

        parent = strdup(path);
        if (!parent)
                return -ENOMEM;
        /* drop trailing slashes, then split off the last component */
        for (size_t l = strlen(parent); l > 1 && parent[l - 1] == '/'; l--)
                parent[l - 1] = 0;
        slash = strrchr(parent, '/');
        if (!slash) {
                base = parent;
                dfd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        } else {
                *slash = 0;
                base = slash + 1;
                dfd = open(slash == parent ? "/" : parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        }
        if (dfd < 0)
                return errno == ENOENT ? 0 : -errno;
        if (isempty(base) || streq(base, ".") || streq(base, ".."))
                return -EINVAL;

        r = rm_rf_at(dfd, base, 0);
        return r == -ENOENT ? 0 : r;
}

int write_file_atomic(const char *path, const char *data, size_t size, mode_t mode) {
        _cleanup_free_ char *dir = strdup(path);
        _cleanup_close_ int dfd = -1;
        const char *slash = strrchr(path, '/');

        if (!dir)
                return -ENOMEM;
        if (!slash)
                return write_file_atomic_at(AT_FDCWD, path, data, size, mode);
        dir[slash - path] = 0;
        dfd = open(slash == path ? "/" : dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return -errno;
        return write_file_atomic_at(dfd, slash + 1, data, size, mode);
}

int read_file(const char *path, size_t max, char **ret, size_t *ret_size) {
        /* Configuration paths may be symlinks (an admin's choice), unlike job files. */
        return read_file_flags(AT_FDCWD, path, 0, max, ret, ret_size);
}
