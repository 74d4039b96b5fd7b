/* SPDX-License-Identifier: MIT */
/* command.h: start a job's command and stream its stdout to the journal */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct CommandOutput {
        char *head;             /* the first bytes of stdout, NUL-terminated */
        size_t size;            /* how many head holds */
        bool truncated;         /* stdout was longer than what head keeps */
        size_t total;           /* all bytes read */
} CommandOutput;

void command_output_done(CommandOutput *o);
int command_start(const char *exec_path, char *const argv[], char *const envp[], const char *cwd, bool capture,
                pid_t *ret_pid, int *ret_fd);
int command_stream(int fd, size_t keep, CommandOutput *ret);
int command_wait(pid_t pid, int *ret_status, int *ret_signo);
