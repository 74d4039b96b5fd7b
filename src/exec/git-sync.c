/* SPDX-License-Identifier: MIT */
/* git-sync.c: bring a job's git checkout up to date, within a time limit
 *
 * libgit2 1.5 has no network timeout: a server that accepts the connection and then
 * says nothing keeps it blocked in recv() for ever, where no callback runs. So the
 * work is done in a child process, herald-git (git-main.c, git-fetch.c), that writes a
 * byte on a pipe whenever a libgit2 callback shows progress; when nothing arrives for
 * the time limit, the child is killed. On failure the child writes 'E' and its error
 * text before exiting. Only herald-git links libgit2 and libssh2, which keeps the start
 * of every other job cheap.
 *
 * Jobs often share a repository (the tasks of one firing, through a preset), and so
 * its checkout, work_dir/gitrepo/<host>/<path>. One job at a time updates it: each
 * holds an exclusive flock() on <checkout>.lock while its child works, or one job's
 * failed first clone removes the directory another is fetching into.
 */
#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "fs-util.h"
#include "git-sync.h"
#include "log.h"
#include "macro.h"
#include "spawn-util.h"

/* The most error text taken from the child. */
#define GIT_SYNC_ERROR_MAX 4096

static _Noreturn void child(const GitSyncOptions *o, int fd) {
        _cleanup_free_ char *json = NULL, *helper = NULL;
        const char *e = "Could not start herald-git";
        int mfd;

        /* Die with herald-exec, whatever kills it (kept across execve()). */
        (void) prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() == 1)
                _exit(EXIT_FAILURE);

        /* next to this program (libexecdir), or in the build tree */
        helper = spawn_helper_path("herald-git", "../git/herald-git", HERALD_GIT_PATH);
        mfd = memfd_create("herald-git-options", MFD_CLOEXEC);
        if (helper && mfd >= 0 && git_options_format(o, &json) >= 0) {
                size_t len = strlen(json);
                if (write(mfd, json, len) == (ssize_t) len && lseek(mfd, 0, SEEK_SET) == 0 &&
                    dup2(mfd, STDIN_FILENO) >= 0 && dup2(fd, STDOUT_FILENO) >= 0) {
                        execl(helper, "herald-git", (char *) NULL);
                        e = "Could not run herald-git";
                }
        }
        (void) !write(fd, "E", 1);
        (void) !write(fd, e, strlen(e));
        if (helper) {
                (void) !write(fd, " (", 2);
                (void) !write(fd, helper, strlen(helper));
                (void) !write(fd, ")", 1);
        }
        _exit(EXIT_FAILURE);
}

static uint64_t now_msec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}

/* Takes the checkout's lock, waiting while another job updates it (that job's own time
 * limit bounds the wait). Returns the lock's fd, or a negative errno. */
static int lock_checkout(const char *repo_dir, const char *display_url) {
        _cleanup_free_ char *path = NULL;
        _cleanup_close_ int fd = -1;
        char *slash;
        int r;

        if (asprintf(&path, "%s.lock", repo_dir) < 0)
                return -ENOMEM;
        slash = strrchr(path, '/');
        if (slash && slash != path) {
                *slash = 0;
                r = mkdir_p(path, 0755);
                if (r < 0)
                        return r;
                *slash = '/';
        }
        fd = open(path, O_RDONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd < 0)
                return -errno;
        if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
                if (errno != EWOULDBLOCK)
                        return -errno;
                log_info("Another job is updating the checkout of '%s'; waiting for it.", display_url);
                while (flock(fd, LOCK_EX) < 0)
                        if (errno != EINTR)
                                return -errno;
        }
        return TAKE_FD(fd);
}

/**
 * git_sync: clone or fetch a repository and check out its branch, giving up when the
 * work shows no progress for o->timeout_sec seconds.
 * @o: what to fetch, where, and with which credentials
 * @ret_error: on failure, a message for the job's result ("Could not fetch '...':
 *             ...", "Branch '...' does not exist in '...'", a timeout, ...); free() it
 *
 * Return: 0; -ETIMEDOUT, or another negative errno on failure (*ret_error set).
 */
int git_sync(const GitSyncOptions *o, char **ret_error) {
        char error[GIT_SYNC_ERROR_MAX + 1];
        size_t elen = 0;
        bool in_error = false, timed_out = false;
        unsigned timeout = o->timeout_sec > 0 ? o->timeout_sec : GIT_SYNC_TIMEOUT_DEFAULT;
        uint64_t deadline;
        int pipefd[2], status, r;
        _cleanup_close_ int lock_fd = -1;
        pid_t pid;

        lock_fd = lock_checkout(o->repo_dir, o->display_url);
        if (lock_fd < 0) {
                if (asprintf(ret_error, "Could not lock the checkout of '%s': %s", o->display_url, strerror(-lock_fd)) < 0)
                        *ret_error = NULL;
                return lock_fd;
        }

        if (pipe2(pipefd, O_CLOEXEC) < 0)
                goto fail_errno;

        /* Output buffered in stdio would be written twice, by both processes. */
        fflush(stdout);
        fflush(stderr);
        pid = fork();
        if (pid < 0) {
                r = -errno;
                close(pipefd[0]);
                close(pipefd[1]);
                errno = -r;
                goto fail_errno;
        }
        if (pid == 0) {
                close(pipefd[0]);
                child(o, pipefd[1]);
        }
        close(pipefd[1]);

        deadline = now_msec() + (uint64_t) timeout * 1000;
        for (;;) {
                struct pollfd p = { .fd = pipefd[0], .events = POLLIN };
                uint64_t now = now_msec();
                char buf[1024];
                ssize_t n;

                if (now >= deadline) {
                        timed_out = true;
                        break;
                }
                r = poll(&p, 1, (int) (deadline - now));
                if (r < 0) {
                        if (errno == EINTR)
                                continue;
                        timed_out = true;       /* cannot watch it: stop it */
                        break;
                }
                if (r == 0)
                        continue;

                n = read(pipefd[0], buf, sizeof buf);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        break;
                }
                if (n == 0)
                        break;

                deadline = now_msec() + (uint64_t) timeout * 1000;
                for (ssize_t i = 0; i < n; i++) {
                        if (!in_error) {
                                in_error = buf[i] == 'E';
                                continue;
                        }
                        if (elen < GIT_SYNC_ERROR_MAX)
                                error[elen++] = buf[i];
                }
        }
        close(pipefd[0]);

        if (timed_out)
                (void) kill(pid, SIGKILL);
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR) {
                        status = -1;
                        break;
                }

        if (timed_out) {
                if (asprintf(ret_error, "Git operation on '%s' made no progress for %u s and was aborted",
                             o->display_url, timeout) < 0)
                        *ret_error = NULL;
                return -ETIMEDOUT;
        }
        if (status == 0 && !in_error)
                return 0;

        error[elen] = 0;
        if (in_error && elen > 0)
                *ret_error = strdup(error);
        else if (WIFSIGNALED(status)) {
                if (asprintf(ret_error, "Git operation on '%s' was killed by signal %d", o->display_url, WTERMSIG(status)) < 0)
                        *ret_error = NULL;
        } else if (asprintf(ret_error, "Git operation on '%s' failed", o->display_url) < 0)
                *ret_error = NULL;
        return -EIO;

fail_errno:
        r = -errno;
        if (asprintf(ret_error, "Could not start the git operation on '%s': %s", o->display_url, strerror(errno)) < 0)
                *ret_error = NULL;
        return r;
}
