/* SPDX-License-Identifier: MIT */
/* spawn-util.h: start a child process (a job's command, an external selector) */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

typedef struct SpawnOptions {
        const char *path;               /* what to run: a path, never split; with search_path a
                                         * name without '/' is looked up in $PATH */
        char *const *argv;              /* its argv; NULL: { path, NULL } (no arguments) */
        char *const *envp;              /* its environment; NULL: ours */
        const char *cwd;                /* its working directory; NULL: ours */
        int stdin_fd;                   /* its stdin; -1: /dev/null */
        int stdout_fd;                  /* its stdout; -1: ours */
        bool search_path;
        bool new_process_group;         /* it leads a process group of its own (to kill all it starts) */
        bool close_fds;                 /* fds above 2 are closed, not only the O_CLOEXEC ones */
} SpawnOptions;

/* Every fd field at its default; set the others by name after it. */
#define SPAWN_OPTIONS_INIT { .stdin_fd = -1, .stdout_fd = -1 }

int spawn_process(const SpawnOptions *o, pid_t *ret_pid, int *ret_pidfd);
int spawn_env_merge(char *const *base, char *const *add, char ***ret);
int spawn_kill(pid_t pid, int pidfd, bool group, int sig);
char *spawn_helper_path(const char *name, const char *build_rel, const char *installed);
