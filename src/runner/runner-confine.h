/* SPDX-License-Identifier: MIT */
/* runner-confine.h: where a job's cmd and the files of its result may come from */
#pragma once

#include <stdbool.h>
#include <sys/stat.h>

#include "runner-config.h"

/* The directories that belong to one job. */
typedef struct RunnerJobDirs {
        char *run_dir;          /* work_dir/run: the working directory of every command */
        char *repo_dir;         /* work_dir/gitrepo/<host>/<path> when the job has git_repo, else NULL */
        char *job_dir;          /* herald's own directory of the job, or NULL */
} RunnerJobDirs;

int runner_job_dirs_init(RunnerJobDirs *d, const char *work_dir, const char *git_repo, const char *job_dir);
void runner_job_dirs_done(RunnerJobDirs *d);

/* A command that passed: run exactly it (execveat(fd, "", ..., AT_EMPTY_PATH) or the
 * path, which is where the fd was found). */
typedef struct RunnerCommand {
        int fd;                 /* O_PATH | O_CLOEXEC */
        char *path;             /* the real path, symlinks resolved */
} RunnerCommand;

void runner_command_done(RunnerCommand *c);

/* A result file that passed: send exactly this fd. */
typedef struct RunnerFile {
        int fd;                 /* O_RDONLY | O_CLOEXEC, a regular file */
        char *filename;         /* its basename as Herald sends it (filepath.Base of the path as given) */
        struct stat st;
} RunnerFile;

void runner_file_done(RunnerFile *f);

int runner_confine_cmd(const RunnerConfig *c, const RunnerJobDirs *d, const char *cmd, unsigned beneath_flags,
                       RunnerCommand *ret);
int runner_confine_file(const RunnerConfig *c, const RunnerJobDirs *d, const char *path, unsigned beneath_flags,
                        RunnerFile *ret);
const char *runner_confine_strerror(int error);
