/* SPDX-License-Identifier: MIT */
/* path-beneath.c: open a path that may not leave a directory, whatever its symlinks say
 *
 * A job names paths (its command, the files of its result) that a more privileged
 * process then opens: herald-runner reads the files and sends them over the network.
 * Checking a path as text and opening it afterwards is a race the job can win (swap a
 * component for a symlink in between), so the check is the open: every component is
 * resolved relative to a directory fd we already hold, never through the path again.
 *
 * openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS) does exactly this in the kernel
 * (Linux 5.6). Where it is missing (an old kernel, or a seccomp filter answering
 * ENOSYS or EPERM) we walk the components with O_PATH | O_NOFOLLOW and keep a stack of
 * the directories we went through, with the same rules: ".." never goes above the
 * root (our stack pops, the real parent is never looked up, so a directory renamed
 * away meanwhile cannot lead out), a relative symlink is followed from the directory
 * that holds it, an absolute one is refused (-EXDEV, as the kernel does under
 * RESOLVE_BENEATH), and at most BENEATH_SYMLINKS_MAX symlinks are followed (-ELOOP).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "macro.h"
#include "path-beneath.h"

static int openat2_beneath(int root_fd, const char *path, int *ret_fd) {
#ifdef SYS_openat2
        struct open_how how = {
                .flags = O_PATH | O_CLOEXEC,
                .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
        };
        int fd;

        do
                fd = (int) syscall(SYS_openat2, root_fd, path, &how, sizeof how);
        while (fd < 0 && (errno == EINTR || errno == EAGAIN));
        if (fd < 0)
                return -errno;
        *ret_fd = fd;
        return 0;
#else
        return -ENOSYS;
#endif
}

typedef struct FdStack {
        int *fds;
        size_t n, allocated;
} FdStack;

static void fd_stack_done(FdStack *s) {
        for (size_t i = 0; i < s->n; i++)
                close(s->fds[i]);
        free(s->fds);
        *s = (FdStack) {};
}

static int fd_stack_push(FdStack *s, int fd) {
        if (s->n == s->allocated) {
                size_t m = s->allocated ? s->allocated * 2 : 16;
                int *a = realloc(s->fds, m * sizeof *a);
                if (!a)
                        return -ENOMEM;
                s->fds = a;
                s->allocated = m;
        }
        s->fds[s->n++] = fd;
        return 0;
}

/* The component walk. @todo holds what is left to resolve; a symlink's target is put
 * in front of the rest, so it resolves from the directory that holds the link. */
static int walk_beneath(int root_fd, const char *path, int *ret_fd) {
        _cleanup_(fd_stack_done) FdStack stack = {};
        _cleanup_free_ char *todo = NULL;
        _cleanup_close_ int cur = -1;
        unsigned n_links = 0;
        size_t pos = 0;
        int r;

        cur = openat(root_fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (cur < 0)
                return -errno;
        todo = strdup(path);
        if (!todo)
                return -ENOMEM;

        for (;;) {
                _cleanup_close_ int fd = -1;
                struct stat st;
                const char *name;
                size_t len;

                while (todo[pos] == '/')
                        pos++;
                if (!todo[pos])
                        break;
                name = todo + pos;
                len = strcspn(name, "/");
                pos += len;
                if (len == 1 && name[0] == '.')
                        continue;
                if (len == 2 && name[0] == '.' && name[1] == '.') {
                        if (stack.n == 0)
                                return -EXDEV;
                        close(cur);
                        cur = stack.fds[--stack.n];
                        continue;
                }
                if (len > NAME_MAX)
                        return -ENAMETOOLONG;

                char component[NAME_MAX + 1];
                memcpy(component, name, len);
                component[len] = 0;

                fd = openat(cur, component, O_PATH | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0)
                        return -errno;
                if (fstat(fd, &st) < 0)
                        return -errno;

                if (S_ISLNK(st.st_mode)) {
                        char target[PATH_MAX];
                        ssize_t n;

                        if (++n_links > BENEATH_SYMLINKS_MAX)
                                return -ELOOP;
                        n = readlinkat(fd, "", target, sizeof target);
                        if (n < 0)
                                return -errno;
                        if ((size_t) n >= sizeof target)
                                return -ENAMETOOLONG;
                        target[n] = 0;
                        if (target[0] == '/')
                                return -EXDEV;

                        /* target + the rest (which starts with its '/', or is empty:
                         * no '/' may be added then, it would ask for a directory). */
                        size_t rest = strlen(todo + pos);
                        char *next = malloc((size_t) n + rest + 1);
                        if (!next)
                                return -ENOMEM;
                        memcpy(next, target, (size_t) n);
                        memcpy(next + n, todo + pos, rest + 1);
                        free(todo);
                        todo = next;
                        pos = 0;
                        continue;
                }

                if (S_ISDIR(st.st_mode)) {
                        r = fd_stack_push(&stack, cur);
                        if (r < 0)
                                return r;
                        cur = TAKE_FD(fd);
                        continue;
                }

                /* Not a directory: it must be the last component (a trailing '/' asks
                 * for a directory, as the kernel says). */
                if (todo[pos])
                        return -ENOTDIR;
                close(cur);
                cur = TAKE_FD(fd);
                break;
        }

        *ret_fd = TAKE_FD(cur);
        return 0;
}

/**
 * open_beneath() - open a path relative to a directory, never leaving it
 * @root_fd: the directory (any fd that names it; O_PATH is enough)
 * @path: relative to @root_fd; symlinks inside are followed while they stay beneath
 * @flags: BeneathFlags
 * @ret_fd: an O_PATH | O_CLOEXEC fd of what @path names (any file type: the caller
 *          checks it with fstat() before it opens anything for reading)
 *
 * Return: 0; -EXDEV when @path is absolute, or a ".." or a symlink (absolute, or
 * relative with enough "..") would leave @root_fd; -ELOOP for more than
 * BENEATH_SYMLINKS_MAX symlinks or a /proc magic link; -ENOENT, -ENOTDIR, -EACCES, ...
 * from the lookups; -ENOMEM.
 */
int open_beneath(int root_fd, const char *path, unsigned flags, int *ret_fd) {
        int r;

        if (path[0] == '/')
                return -EXDEV;
        if (!path[0])
                path = ".";        /* the directory itself, both ways alike */
        if (!(flags & BENEATH_NO_OPENAT2)) {
                r = openat2_beneath(root_fd, path, ret_fd);
                if (r != -ENOSYS && r != -EPERM)
                        return r;
        }
        return walk_beneath(root_fd, path, ret_fd);
}

/**
 * fd_reopen_read() - open for reading the very inode an O_PATH fd names
 * @path_fd: the O_PATH fd (already checked to be a regular file by the caller)
 * @ret_fd: O_RDONLY | O_CLOEXEC | O_NOCTTY
 *
 * Through /proc/self/fd, a magic link to the inode itself: no path is looked up again,
 * so nothing swapped in since the check can be opened instead.
 *
 * Return: 0; -ESTALE when the opened file is not the same inode (cannot happen through
 * the magic link; checked all the same); -ENOENT without /proc; other -errno.
 */
int fd_reopen_read(int path_fd, int *ret_fd) {
        char proc[STRLEN("/proc/self/fd/") + 12];
        struct stat a, b;
        int fd;

        if (fstat(path_fd, &a) < 0)
                return -errno;
        snprintf(proc, sizeof proc, "/proc/self/fd/%d", path_fd);
        fd = open(proc, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &b) < 0 || a.st_dev != b.st_dev || a.st_ino != b.st_ino) {
                close(fd);
                return -ESTALE;
        }
        *ret_fd = fd;
        return 0;
}

/**
 * fd_get_path() - the path an fd names now, as the kernel has it
 * @fd: any fd
 * @ret: the path; free() it
 *
 * Return: 0; -ENOENT without /proc; -ENAMETOOLONG; -ENOMEM.
 */
int fd_get_path(int fd, char **ret) {
        char proc[STRLEN("/proc/self/fd/") + 12], buf[PATH_MAX];
        ssize_t n;

        snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
        n = readlink(proc, buf, sizeof buf);
        if (n < 0)
                return -errno;
        if ((size_t) n >= sizeof buf)
                return -ENAMETOOLONG;
        *ret = memdup_nul(buf, (size_t) n);
        return *ret ? 0 : -ENOMEM;
}

/**
 * path_startswith_dir() - whether a path lies in a directory, by its components
 * @path: an absolute path
 * @dir: an absolute directory path
 *
 * Empty and "." components are skipped on both sides; ".." is compared as a name (the
 * rest is resolved beneath the directory, where ".." cannot lead out). "/a/bc" is not
 * in "/a/b".
 *
 * Return: the rest of @path after @dir's components (without leading '/', "" for
 * @dir itself), or NULL when @path is not in @dir or either is relative.
 */
const char *path_startswith_dir(const char *path, const char *dir) {
        if (path[0] != '/' || dir[0] != '/')
                return NULL;
        for (;;) {
                size_t lp, ld;

                /* Skip separators and "." components on both sides. */
                for (;;) {
                        while (*dir == '/')
                                dir++;
                        if (dir[0] == '.' && (dir[1] == '/' || dir[1] == 0))
                                dir++;
                        else
                                break;
                }
                for (;;) {
                        while (*path == '/')
                                path++;
                        if (path[0] == '.' && (path[1] == '/' || path[1] == 0))
                                path++;
                        else
                                break;
                }
                if (!*dir)
                        return path;
                lp = strcspn(path, "/");
                ld = strcspn(dir, "/");
                if (lp != ld || strncmp(path, dir, ld) != 0)
                        return NULL;
                path += lp;
                dir += ld;
        }
}
