/* SPDX-License-Identifier: MIT */
/* exec-remote.c: Herald's `http_remote` executor: herald-remote runs the request
 *
 * The client itself (libcurl multi on sd-event, src/remote/) is a program of its own,
 * so that libcurl and the libraries it pulls in load for http_remote jobs only, not at
 * the start of every job. This side hands it job.json on stdin through a memfd (the
 * executor's secret is in it: never argv, never the environment) and takes its result
 * from a pipe.
 *
 * `systemctl stop` sends SIGTERM to every process of the unit. herald-remote ends its
 * request on it, removes what it had received and reports "stopped"; this process
 * ignores SIGTERM meanwhile, so that it is still there to write that result. When
 * herald-exec itself is killed, herald-remote gets SIGTERM (PR_SET_PDEATHSIG).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "exec-remote.h"
#include "fs-util.h"
#include "job-dir.h"
#include "log.h"
#include "macro.h"
#include "spawn-util.h"

/* The job description, secret included, in a sealed-off memfd for the child's stdin. */
static int spec_memfd(const JobSpec *spec) {
        _cleanup_close_ int fd = -1;
        char *text;
        size_t len;
        ssize_t n;

        text = cJSON_PrintUnformatted(spec->root);
        if (!text)
                return -ENOMEM;
        len = strlen(text);
        fd = memfd_create("herald-remote-job", MFD_CLOEXEC);
        n = fd < 0 ? -1 : write(fd, text, len);
        explicit_bzero(text, len);
        cJSON_free(text);
        if (fd < 0 || n < 0)
                return -errno;
        if ((size_t) n != len)
                return -EIO;
        if (lseek(fd, 0, SEEK_SET) < 0)
                return -errno;
        return TAKE_FD(fd);
}

static _Noreturn void child(const char *helper, int in_fd, int out_fd) {
        sigset_t none;

        /* the parent ignores SIGTERM; herald-remote must not */
        signal(SIGTERM, SIG_DFL);
        signal(SIGINT, SIG_DFL);
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        (void) prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() == 1)
                _exit(EXIT_FAILURE);
        if (dup2(in_fd, STDIN_FILENO) < 0 || dup2(out_fd, STDOUT_FILENO) < 0)
                _exit(EXIT_FAILURE);
        execl(helper, "herald-remote", (char *) NULL);
        log_error_errno(errno, "Could not run '%s': %m", helper);
        _exit(127);
}

/**
 * exec_remote: run an http_remote job through herald-remote.
 * @spec: the job
 * @ret: the job's result: the runner's, or a failure saying why there is none
 * @ret_background: always 0
 *
 * Return: 0, or a negative errno (logged) when no result could be made.
 */
int exec_remote(const JobSpec *spec, JobResult *ret, pid_t *ret_background) {
        _cleanup_free_ char *helper = NULL, *text = NULL, *msg = NULL;
        _cleanup_close_ int in_fd = -1;
        int pipefd[2], status = 0, r;
        size_t size = 0;
        pid_t pid;

        *ret_background = 0;

        /* next to this program (libexecdir), or in the build tree */
        helper = spawn_helper_path("herald-remote", "../remote/herald-remote", HERALD_REMOTE_PATH);
        if (!helper)
                return log_oom();
        in_fd = spec_memfd(spec);
        if (in_fd == -ENOMEM)
                return log_oom();
        if (in_fd < 0)
                return log_error_errno(in_fd, "Could not hand the job to herald-remote: %m");
        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return log_error_errno(errno, "Could not make a pipe for herald-remote: %m");

        /* From here on SIGTERM is herald-remote's to answer (see the top). */
        signal(SIGTERM, SIG_IGN);
        signal(SIGINT, SIG_IGN);
        fflush(stdout);
        fflush(stderr);
        pid = fork();
        if (pid < 0) {
                r = -errno;
                close(pipefd[0]);
                close(pipefd[1]);
                return log_error_errno(r, "Could not start herald-remote: %m");
        }
        if (pid == 0)
                child(helper, in_fd, pipefd[1]);
        close(pipefd[1]);

        r = read_fd_full(pipefd[0], JOB_RESULT_SIZE_MAX, 16384, &text, &size);
        close(pipefd[0]);
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR) {
                        status = -1;
                        break;
                }

        if (r >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
                r = job_result_parse(text, size, ret);
                if (r == -ENOMEM)
                        return log_oom();
                if (r >= 0)
                        return 0;
                log_error_errno(r, "Could not read herald-remote's result: %m");
        }

        char buf[16];
        if (status != -1 && WIFSIGNALED(status))
                r = asprintf(&msg, "The http_remote client (herald-remote) was killed by %s", job_signal_name(WTERMSIG(status), buf));
        else if (status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 127)
                r = asprintf(&msg, "Could not run the http_remote client '%s'", helper);
        else
                r = asprintf(&msg, "The http_remote client (herald-remote) failed; see the job's log");
        if (r < 0)
                return log_oom();
        log_error("%s.", msg);
        return job_result_new(false, msg, ret) < 0 ? log_oom() : 0;
}
