/* SPDX-License-Identifier: MIT */
/* command.c: start a job's command and stream its stdout to the journal
 *
 * herald-exec's own stdout is the job unit's journal stream. The command's stdout goes
 * through a pipe: every chunk is written on to our stdout as it comes (so a job's
 * output is in the journal live, whatever its size), and only the first bytes are kept
 * for the result. Memory stays bounded however much the command prints. stderr is
 * inherited: it reaches the journal directly (Herald throws it away).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "macro.h"
#include "command.h"
#include "fs-util.h"
#include "spawn-util.h"

#define COMMAND_CHUNK (64 * 1024)

/**
 * command_output_done: free what a CommandOutput holds and reset it.
 * @o: the output (may be all zero)
 */
void command_output_done(CommandOutput *o) {
        free(o->head);
        *o = (CommandOutput) {};
}

/**
 * command_start: start a command.
 * @exec_path: what to execute, or NULL for argv[0] (argv[0] without a '/' is looked up
 *      in $PATH); herald-runner's jobs run the command they checked by its fd
 *      ("/proc/self/fd/N", an fd without O_CLOEXEC: a script's interpreter opens it too)
 * @argv: the command and its arguments
 * @envp: its environment
 * @cwd: its working directory
 * @capture: whether its stdout goes to a pipe (returned in @ret_fd) or is inherited
 * @ret_pid: its pid
 * @ret_fd: the pipe's read end when @capture, else -1
 *
 * stdin is /dev/null; signal dispositions and the mask are reset to the defaults (we
 * ignore SIGPIPE ourselves, which exec would otherwise pass on): spawn-util.c.
 *
 * Return: 0; a negative errno when the command could not be started (not found, not
 * executable, no such directory, ...).
 */
int command_start(const char *exec_path, char *const argv[], char *const envp[], const char *cwd, bool capture,
                pid_t *ret_pid, int *ret_fd) {
        _cleanup_close_ int read_fd = -1, write_fd = -1;
        pid_t pid;
        int r;

        if (capture) {
                int pipefd[2];

                if (pipe2(pipefd, O_CLOEXEC) < 0)
                        return -errno;
                read_fd = pipefd[0];
                write_fd = pipefd[1];
        }

        SpawnOptions o = SPAWN_OPTIONS_INIT;
        o.path = exec_path ?: argv[0];
        o.argv = argv;
        o.envp = envp;
        o.cwd = cwd;
        o.stdout_fd = write_fd;
        o.search_path = !exec_path;
        r = spawn_process(&o, &pid, NULL);
        if (r < 0)
                return r;

        *ret_pid = pid;
        *ret_fd = TAKE_FD(read_fd);
        return 0;
}

/**
 * command_stream: copy a command's stdout to ours until it ends, keeping its head.
 * @fd: the pipe's read end (taken: closed here)
 * @keep: how many bytes to keep
 * @ret: what was kept; release with command_output_done()
 *
 * Writing to our stdout may fail (the journal stream gone); then the rest is still
 * read, so the command is not killed by SIGPIPE, and kept, but no longer forwarded.
 *
 * Return: 0; -ENOMEM, or the negative errno of read().
 */
int command_stream(int fd, size_t keep, CommandOutput *ret) {
        _cleanup_close_ int pfd = fd;
        _cleanup_free_ char *chunk = NULL, *head = NULL;
        size_t size = 0, total = 0;
        bool forwarding = true;

        chunk = malloc(COMMAND_CHUNK);
        head = malloc(keep + 1);
        if (!chunk || !head)
                return -ENOMEM;

        for (;;) {
                ssize_t n = read(pfd, chunk, COMMAND_CHUNK);
                int r;

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        break;

                if (forwarding) {
                        r = loop_write(STDOUT_FILENO, chunk, (size_t) n);
                        if (r < 0) {
                                log_warning_errno(r, "Could not pass the command's output on to the journal, ignoring: %m");
                                forwarding = false;
                        }
                }
                if (size < keep) {
                        size_t k = (size_t) n < keep - size ? (size_t) n : keep - size;
                        memcpy(head + size, chunk, k);
                        size += k;
                }
                total += (size_t) n;
        }

        head[size] = 0;
        *ret = (CommandOutput) {
                .head = TAKE_PTR(head),
                .size = size,
                .truncated = total > size,
                .total = total,
        };
        return 0;
}

/**
 * command_wait: wait for a command to end.
 * @pid: its pid
 * @ret_status: its exit status (0 when killed)
 * @ret_signo: the signal that killed it, or 0
 *
 * Return: 0, or the negative errno of waitpid().
 */
int command_wait(pid_t pid, int *ret_status, int *ret_signo) {
        int status;

        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -errno;

        if (WIFSIGNALED(status)) {
                *ret_status = 0;
                *ret_signo = WTERMSIG(status);
        } else {
                *ret_status = WEXITSTATUS(status);
                *ret_signo = 0;
        }
        return 0;
}
