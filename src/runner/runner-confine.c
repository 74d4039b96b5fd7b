/* SPDX-License-Identifier: MIT */
/* runner-confine.c: where a job's cmd and the files of its result may come from
 *
 * Herald Runner runs whatever `cmd` names and sends whatever files the result names:
 * `cmd: ../../../../bin/sh` or `file: {x: /etc/shadow}` in a request signed with the
 * secret (or printed by a compromised script) reaches anything the runner can read.
 * herald-runner keeps Herald's meaning of each path and adds where it must lie:
 *
 * cmd (Herald: with git_repo, filepath.Join(checkout, cmd); without, exec.Command(cmd)
 * in work_dir/run, which looks a bare name up in $PATH):
 *   - with git_repo: inside the checkout, as Herald (a leading '/' is dropped, as
 *     Join does);
 *   - without: a relative path with a '/' inside work_dir/run; an absolute path inside
 *     work_dir/run too, or anywhere with allow_absolute_cmd; a bare name ('uptime') is
 *     Herald's $PATH lookup, which runs a program from outside the job's directories,
 *     so it needs allow_absolute_cmd as well (-EPERM otherwise, with a message saying
 *     so); only absolute $PATH entries are searched (Go >= 1.19 refuses "." too).
 *   It must be a regular file with an execute bit.
 *
 * file (Herald: relative to work_dir/run, or absolute):
 *   - a relative path inside work_dir/run; an absolute one inside work_dir/run, the
 *     checkout, herald's job directory or an allow_file_paths entry;
 *   - a regular file with one link: a hard link is another name of a file that may
 *     live outside (a job running as root could link /etc/shadow into run/);
 *   - opened here, and that fd is what the answer sends: no path is looked up twice.
 *
 * "Inside" is decided by open_beneath() (path-beneath.c): symlinks are followed while
 * they stay beneath the directory; ".." or a symlink leading out, an absolute symlink,
 * and /proc magic links are refused. An absolute path is first matched to a directory
 * by its components, then resolved beneath that directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "git-url.h"
#include "path-beneath.h"
#include "runner-confine.h"

/* What a service has when $PATH is unset (systemd's default). */
#define RUNNER_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/**
 * runner_job_dirs_init() - the directories of one job
 * @d: filled; free with runner_job_dirs_done()
 * @work_dir: the runner's work_dir
 * @git_repo: the job's git_repo, or NULL/empty
 * @job_dir: herald's directory of the job, or NULL
 *
 * Return: 0; -EINVAL when @git_repo names no checkout (git_url_repo_dir()); -ENOMEM.
 */
int runner_job_dirs_init(RunnerJobDirs *d, const char *work_dir, const char *git_repo, const char *job_dir) {
        RunnerJobDirs n = {};
        int r;

        if (asprintf(&n.run_dir, "%s/run", work_dir) < 0)
                return -ENOMEM;
        if (!isempty(git_repo)) {
                r = git_url_repo_dir(work_dir, git_repo, &n.repo_dir);
                if (r < 0) {
                        runner_job_dirs_done(&n);
                        return r;
                }
        }
        if (job_dir && !(n.job_dir = strdup(job_dir))) {
                runner_job_dirs_done(&n);
                return -ENOMEM;
        }
        *d = n;
        return 0;
}

void runner_job_dirs_done(RunnerJobDirs *d) {
        free(d->run_dir);
        free(d->repo_dir);
        free(d->job_dir);
        *d = (RunnerJobDirs) {};
}

void runner_command_done(RunnerCommand *c) {
        if (c->fd >= 0)
                close(c->fd);
        free(c->path);
        *c = (RunnerCommand) { .fd = -1 };
}

void runner_file_done(RunnerFile *f) {
        if (f->fd >= 0)
                close(f->fd);
        free(f->filename);
        *f = (RunnerFile) { .fd = -1 };
}

/* open_beneath() from a directory given by path (the directory itself is trusted: it
 * comes from the runner's config). */
static int open_in_dir(const char *dir, const char *rel, unsigned flags, int *ret_fd) {
        _cleanup_close_ int dfd = -1;

        dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return -errno;
        return open_beneath(dfd, rel, flags, ret_fd);
}

/* Tries each directory that @path lies in by its components; the first error is the
 * one reported when none succeeds. -EXDEV when it lies in none. */
static int open_in_dirs(const char *const *dirs, size_t n_dirs, const char *path, unsigned flags, int *ret_fd) {
        int first = -EXDEV;

        for (size_t i = 0; i < n_dirs; i++) {
                const char *rest;
                int r;

                if (!dirs[i] || !(rest = path_startswith_dir(path, dirs[i])))
                        continue;
                r = open_in_dir(dirs[i], rest, flags, ret_fd);
                if (r >= 0)
                        return r;
                if (first == -EXDEV)
                        first = r;
        }
        return first;
}

static int check_type(int fd, struct stat *st) {
        if (fstat(fd, st) < 0)
                return -errno;
        if (S_ISDIR(st->st_mode))
                return -EISDIR;
        if (!S_ISREG(st->st_mode))
                return -EBADFD;
        return 0;
}

/* Herald's $PATH lookup (exec.LookPath) of a bare name, absolute entries only. */
static int search_path(const char *name, int *ret_fd) {
        const char *path = getenv("PATH");

        if (isempty(path))
                path = RUNNER_DEFAULT_PATH;
        for (const char *p = path; *p;) {
                size_t l = strcspn(p, ":");
                _cleanup_free_ char *full = NULL;

                if (l > 0 && p[0] == '/' && asprintf(&full, "%.*s/%s", (int) l, p, name) >= 0) {
                        _cleanup_close_ int fd = open(full, O_PATH | O_CLOEXEC);
                        struct stat st;

                        if (fd >= 0 && fstat(fd, &st) >= 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111)) {
                                *ret_fd = TAKE_FD(fd);
                                return 0;
                        }
                }
                p += l;
                if (*p == ':')
                        p++;
        }
        return -ENOENT;
}

/**
 * runner_confine_cmd() - find a job's command where herald-runner allows it
 * @c: the runner's config (allow_absolute_cmd)
 * @d: the job's directories
 * @cmd: job_param's cmd
 * @beneath_flags: BeneathFlags (tests force the component walk)
 * @ret: the command; free with runner_command_done()
 *
 * Return: 0; -EINVAL for an empty cmd; -EXDEV when it leads out of the checkout or
 * work_dir/run; -EPERM for an absolute path outside them, or a bare name, without
 * allow_absolute_cmd; -ENOENT; -EISDIR, -EBADFD (not a regular file); -ENOEXEC (no
 * execute bit); -EACCES; -ELOOP; -ENOMEM.
 */
int runner_confine_cmd(const RunnerConfig *c, const RunnerJobDirs *d, const char *cmd, unsigned beneath_flags,
                       RunnerCommand *ret) {
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *path = NULL;
        struct stat st;
        int r;

        if (isempty(cmd))
                return -EINVAL;

        if (d->repo_dir) {
                while (*cmd == '/')
                        cmd++;
                r = open_in_dir(d->repo_dir, cmd, beneath_flags, &fd);
        } else if (cmd[0] == '/') {
                const char *rest = path_startswith_dir(cmd, d->run_dir);
                if (rest)
                        r = open_in_dir(d->run_dir, rest, beneath_flags, &fd);
                else if (!c->allow_absolute_cmd)
                        return -EPERM;
                else {
                        fd = open(cmd, O_PATH | O_CLOEXEC);
                        r = fd < 0 ? -errno : 0;
                }
        } else if (!strchr(cmd, '/')) {
                if (!c->allow_absolute_cmd)
                        return -EPERM;
                r = search_path(cmd, &fd);
        } else
                r = open_in_dir(d->run_dir, cmd, beneath_flags, &fd);
        if (r < 0)
                return r;

        r = check_type(fd, &st);
        if (r < 0)
                return r;
        if (!(st.st_mode & 0111))
                return -ENOEXEC;
        r = fd_get_path(fd, &path);
        if (r < 0)
                return r;

        *ret = (RunnerCommand) { .fd = TAKE_FD(fd), .path = TAKE_PTR(path) };
        return 0;
}

/* filepath.Base() of the path as given: the last non-empty component. */
static char *herald_basename(const char *path) {
        size_t l = strlen(path);
        const char *s;

        while (l > 1 && path[l - 1] == '/')
                l--;
        s = memrchr(path, '/', l);
        if (s && l > 1)
                return memdup_nul(s + 1, l - (size_t) (s + 1 - path));
        return memdup_nul(path, l);
}

/**
 * runner_confine_file() - open a result's file where herald-runner allows it
 * @c: the runner's config (allow_file_paths)
 * @d: the job's directories
 * @path: the value in the result's `file` map
 * @beneath_flags: BeneathFlags (tests force the component walk)
 * @ret: the open file; free with runner_file_done()
 *
 * Return: 0; -EINVAL for an empty path; -EXDEV when it lies outside the job's
 * directories and allow_file_paths, or leads out of them; -ENOENT; -EISDIR; -EBADFD
 * (a FIFO, device or socket); -EMLINK (more than one hard link); -ELOOP; -ENOMEM.
 */
int runner_confine_file(const RunnerConfig *c, const RunnerJobDirs *d, const char *path, unsigned beneath_flags,
                        RunnerFile *ret) {
        _cleanup_close_ int pfd = -1, fd = -1;
        _cleanup_free_ char *filename = NULL;
        _cleanup_free_ const char **dirs = NULL;
        size_t n = 0, n_extra = 0;
        struct stat st;
        int r;

        if (isempty(path))
                return -EINVAL;

        if (path[0] != '/')
                r = open_in_dir(d->run_dir, path, beneath_flags, &pfd);
        else {
                for (char **p = c->allow_file_paths; p && *p; p++)
                        n_extra++;
                dirs = calloc(3 + n_extra, sizeof *dirs);
                if (!dirs)
                        return -ENOMEM;
                dirs[n++] = d->run_dir;
                dirs[n++] = d->repo_dir;
                dirs[n++] = d->job_dir;
                for (char **p = c->allow_file_paths; p && *p; p++)
                        dirs[n++] = *p;
                r = open_in_dirs(dirs, n, path, beneath_flags, &pfd);
        }
        if (r < 0)
                return r;

        r = check_type(pfd, &st);
        if (r < 0)
                return r;
        if (st.st_nlink != 1)
                return -EMLINK;
        r = fd_reopen_read(pfd, &fd);
        if (r < 0)
                return r;
        if (fstat(fd, &st) < 0)
                return -errno;

        filename = herald_basename(path);
        if (!filename)
                return -ENOMEM;
        *ret = (RunnerFile) { .fd = TAKE_FD(fd), .filename = TAKE_PTR(filename), .st = st };
        return 0;
}

/**
 * runner_confine_strerror() - why a cmd or file was refused, for the job's result
 * @error: a negative errno from runner_confine_cmd() or runner_confine_file()
 *
 * Return: a sentence fragment ("leads outside the job's directories").
 */
const char *runner_confine_strerror(int error) {
        switch (error) {
        case -EXDEV:
                return "lies or leads outside the job's directories (its checkout, work_dir/run, allow_file_paths)";
        case -EPERM:
                return "is outside the job's directories; set allow_absolute_cmd: true in the runner's config to allow it";
        case -EISDIR:
                return "is a directory";
        case -EBADFD:
                return "is not a regular file";
        case -EMLINK:
                return "has more than one hard link";
        case -ENOEXEC:
                return "is not executable (no execute bit)";
        case -ELOOP:
                return "has too many levels of symlinks, or a /proc magic link";
        case -EINVAL:
                return "is empty";
        default:
                return strerror(-error);
        }
}
