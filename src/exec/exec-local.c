/* SPDX-License-Identifier: MIT */
/* exec-local.c: Herald's `local` executor: an optional git checkout, then a command
 *
 * job_param keys, as in Herald: `cmd`, `arg` (a string or a list; non-string items are
 * dropped), `env` (a map; non-string values are dropped), `param_env_name` (default
 * HERALD_EXECUTE_PARAM: the variable that carries the execution param as compact
 * JSON), `ignore_param_env`, `background`, and `git_repo` with `git_branch`,
 * `git_username`, `git_password`, `git_ssh_key`, `git_ssh_key_file`,
 * `git_ssh_key_password`. herald adds `git_ssh_known_hosts` (a known hosts file) and
 * `git_timeout` (seconds without progress before a git operation is given up).
 * Booleans count only when they are real booleans (`background: "true"` is ignored).
 *
 * The executor's `work_dir` (default /var/lib/herald/work) holds the checkouts in
 * gitrepo/<host>/<path> and the working directory of every command, run/. With a git
 * repo, `cmd` is a path inside the checkout.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exec-local.h"
#include "fs-util.h"
#include "git-sync.h"
#include "git-url.h"
#include "json-util.h"
#include "log.h"
#include "command.h"
#include "runner-confine.h"

extern char **environ;

typedef struct StrvBuilder {
        char **v;
        size_t n;
        size_t allocated;
} StrvBuilder;

static int strv_push(StrvBuilder *b, char *s) {
        if (!s)
                return -ENOMEM;
        if (b->n + 2 > b->allocated) {
                size_t a = b->allocated ? b->allocated * 2 : 16;
                char **t = reallocarray(b->v, a, sizeof(char *));
                if (!t) {
                        free(s);
                        return -ENOMEM;
                }
                b->v = t;
                b->allocated = a;
        }
        b->v[b->n++] = s;
        b->v[b->n] = NULL;
        return 0;
}

/* Sets NAME=value, replacing an earlier NAME (later settings win, as in Go's exec). */
static int env_set(StrvBuilder *b, const char *name, const char *value) {
        size_t l = strlen(name);
        char *s;

        if (asprintf(&s, "%s=%s", name, value) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < b->n; i++)
                if (strncmp(b->v[i], name, l) == 0 && b->v[i][l] == '=') {
                        free(b->v[i]);
                        b->v[i] = s;
                        return 0;
                }
        return strv_push(b, s);
}

static bool env_name_valid(const char *name) {
        return !isempty(name) && !strchr(name, '=');
}

static int build_env(const JobSpec *spec, const cJSON *jp, char ***ret) {
        StrvBuilder b = {};
        const cJSON *env = cJSON_GetObjectItemCaseSensitive(jp, "env"), *e;
        int r = 0;

        for (char **i = environ; r >= 0 && i && *i; i++)
                r = strv_push(&b, strdup(*i));

        if (cJSON_IsObject(env))
                cJSON_ArrayForEach(e, env) {
                        if (r < 0)
                                break;
                        if (!cJSON_IsString(e) || !env_name_valid(e->string))
                                continue;
                        r = env_set(&b, e->string, e->valuestring);
                }

        if (r >= 0 && !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(jp, "ignore_param_env"))) {
                _cleanup_free_ char *text = NULL;
                const char *name = json_object_get_string(jp, "param_env_name");

                if (!env_name_valid(name))
                        name = HERALD_PARAM_ENV_DEFAULT;
                r = json_print_compact(spec->param, &text);
                if (r >= 0)
                        r = env_set(&b, name, text);
        }

        if (r < 0) {
                strv_free(b.v);
                return r;
        }
        *ret = b.v ?: calloc(1, sizeof(char *));
        return *ret ? 0 : -ENOMEM;
}

static int build_argv(const char *cmd, const cJSON *jp, char ***ret) {
        StrvBuilder b = {};
        const cJSON *arg = cJSON_GetObjectItemCaseSensitive(jp, "arg"), *a;
        int r;

        r = strv_push(&b, strdup(cmd));
        if (r >= 0 && cJSON_IsString(arg))
                r = strv_push(&b, strdup(arg->valuestring));
        else if (r >= 0 && cJSON_IsArray(arg))
                cJSON_ArrayForEach(a, arg) {
                        if (r < 0)
                                break;
                        if (cJSON_IsString(a))
                                r = strv_push(&b, strdup(a->valuestring));
                }
        if (r < 0) {
                strv_free(b.v);
                return r;
        }
        *ret = b.v;
        return 0;
}

static void git_options(const cJSON *jp, GitSyncOptions *o) {
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(jp, "git_timeout");

        *o = (GitSyncOptions) {
                .url = json_object_get_string(jp, "git_repo"),
                .branch = json_object_get_string(jp, "git_branch"),
                .username = json_object_get_string(jp, "git_username"),
                .password = json_object_get_string(jp, "git_password"),
                .ssh_key = json_object_get_string(jp, "git_ssh_key"),
                .ssh_key_file = json_object_get_string(jp, "git_ssh_key_file"),
                .ssh_key_password = json_object_get_string(jp, "git_ssh_key_password"),
                .known_hosts = json_object_get_string(jp, "git_ssh_known_hosts"),
        };
        /* Herald treats empty strings as not set. */
        if (isempty(o->branch))
                o->branch = NULL;
        if (isempty(o->username))
                o->username = NULL;
        if (isempty(o->password))
                o->password = NULL;
        if (isempty(o->ssh_key))
                o->ssh_key = NULL;
        if (isempty(o->ssh_key_file))
                o->ssh_key_file = NULL;
        if (isempty(o->known_hosts))
                o->known_hosts = NULL;
        if (cJSON_IsNumber(t) && t->valuedouble >= 1 && t->valuedouble <= 86400)
                o->timeout_sec = (unsigned) t->valuedouble;
}

static int fail_result(JobResult *ret, const char *fmt, ...) _printf_(2, 3);
static int fail_result(JobResult *ret, const char *fmt, ...) {
        _cleanup_free_ char *msg = NULL;
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&msg, fmt, ap);
        va_end(ap);
        if (r < 0)
                return log_oom();
        log_error("%s", msg);
        r = job_result_new(false, msg, ret);
        return r < 0 ? log_oom() : 0;
}

/* herald-runner's confinement of cmd (runner-confine.c), from the job's executor_param,
 * which herald-activate --serve-runner wrote from the runner's root-owned config. The
 * command is opened where it is allowed and run by that fd, so what was checked is what
 * runs. Returns 1 with @ret_exec_fd set (no O_CLOEXEC), 0 with @ret the refusal, or a
 * negative errno (logged). */
static int runner_cmd(const JobSpec *spec, const char *work_dir, const char *cmd, const char *git_repo,
                      int *ret_exec_fd, JobResult *ret) {
        _cleanup_(runner_job_dirs_done) RunnerJobDirs dirs = {};
        _cleanup_(runner_command_done) RunnerCommand c = { .fd = -1 };
        RunnerConfig cfg = {
                .allow_absolute_cmd = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(spec->executor_param,
                                                                                    "allow_absolute_cmd")),
        };
        int r, fd;

        r = runner_job_dirs_init(&dirs, work_dir, git_repo, NULL);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0)
                return fail_result(ret, "Invalid git_repo");
        r = runner_confine_cmd(&cfg, &dirs, cmd, 0, &c);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0)
                return fail_result(ret, "Refusing to run cmd '%s': it %s", cmd, runner_confine_strerror(r));
        fd = fcntl(c.fd, F_DUPFD, 3);
        if (fd < 0)
                return log_error_errno(errno, "Could not duplicate the fd of '%s': %m", c.path);
        log_debug("Running '%s' (checked: %s).", cmd, c.path);
        *ret_exec_fd = fd;
        return 1;
}

static int run_local(const JobSpec *spec, bool confined, JobResult *ret, pid_t *ret_background);

/**
 * exec_local: run a `local` job.
 * @spec: the job
 * @ret: its result, by Herald's rules (see job-result.c)
 * @ret_background: for `background: true`, the command's pid (still running; the
 *                  caller writes the result, then waits for it), else 0
 *
 * Failures of the job (empty command, git, a command that cannot start, a non-zero
 * exit) are results, not errors; they are logged here, with the details the result
 * does not carry.
 *
 * Return: 0, or a negative errno (logged) when no result could be made at all.
 */
int exec_local(const JobSpec *spec, JobResult *ret, pid_t *ret_background) {
        return run_local(spec, false, ret, ret_background);
}

/**
 * exec_runner: run a job herald-runner received (the `runner` executor).
 * @spec: the job; executor_param has work_dir and allow_absolute_cmd from the runner's
 *        config
 * @ret: its result, as exec_local()
 * @ret_background: as exec_local()
 *
 * As `local`, but cmd must lie where runner_confine_cmd() allows (docs/RUNNER.md,
 * Commands), and the file it found is the one executed. A refused cmd is a failed
 * result that says why.
 *
 * Return: as exec_local().
 */
int exec_runner(const JobSpec *spec, JobResult *ret, pid_t *ret_background) {
        return run_local(spec, true, ret, ret_background);
}

static int run_local(const JobSpec *spec, bool confined, JobResult *ret, pid_t *ret_background) {
        const cJSON *jp = cJSON_GetObjectItemCaseSensitive(spec->param, "job_param");
        const cJSON *wd = cJSON_GetObjectItemCaseSensitive(spec->executor_param, "work_dir");
        const char *cmd = json_object_get_string(jp, "cmd"), *work_dir = HERALD_WORK_DIR_DEFAULT;
        _cleanup_free_ char *run_dir = NULL, *repo_dir = NULL, *cmd_path = NULL, *git_error = NULL,
                *display_url = NULL;
        _cleanup_strv_free_ char **argv = NULL, **envp = NULL;
        _cleanup_(command_output_done) CommandOutput out = {};
        _cleanup_free_ char *exec_path = NULL;
        _cleanup_close_ int exec_fd = -1;
        GitSyncOptions git;
        bool background;
        int r, fd = -1, status, signo;
        pid_t pid;

        *ret_background = 0;

        /* Herald: a missing, empty or non-string cmd (an unquoted `cmd: true` is a YAML boolean). */
        if (isempty(cmd)) {
                log_error("%s", JOB_ERROR_EMPTY_COMMAND);
                r = job_result_new(false, JOB_ERROR_EMPTY_COMMAND, ret);
                return r < 0 ? log_oom() : 0;
        }

        if (wd && !cJSON_IsString(wd))
                return fail_result(ret, "Invalid work_dir: not a string");
        if (cJSON_IsString(wd) && !isempty(wd->valuestring))
                work_dir = wd->valuestring;

        if (asprintf(&run_dir, "%s/run", work_dir) < 0)
                return log_oom();
        r = mkdir_p(run_dir, 0755);
        if (r < 0)
                return fail_result(ret, "Could not create the working directory '%s': %s", run_dir, strerror(-r));

        git_options(jp, &git);
        if (!isempty(git.url)) {
                display_url = git_url_redact(git.url);
                if (!display_url)
                        return log_oom();
                git.display_url = display_url;

                r = git_url_repo_dir(work_dir, git.url, &repo_dir);
                if (r == -ENOMEM)
                        return log_oom();
                if (r < 0)
                        return fail_result(ret, "Invalid git_repo '%s'", display_url);
                git.repo_dir = repo_dir;

                log_info("Updating '%s' from '%s'%s%s.", repo_dir, display_url,
                         git.branch ? ", branch " : "", strempty(git.branch));
                r = git_sync(&git, &git_error);
                if (r < 0)
                        return fail_result(ret, "%s", git_error ?: "Git operation failed");

                /* As Go's filepath.Join: the command is inside the checkout. */
                while (*cmd == '/')
                        cmd++;
                if (asprintf(&cmd_path, "%s/%s", repo_dir, cmd) < 0)
                        return log_oom();
                cmd = cmd_path;
        }

        if (confined) {
                r = runner_cmd(spec, work_dir, json_object_get_string(jp, "cmd"), git.url, &exec_fd, ret);
                if (r <= 0)
                        return r;
                if (asprintf(&exec_path, "/proc/self/fd/%d", exec_fd) < 0)
                        return log_oom();
        }

        r = build_argv(cmd, jp, &argv);
        if (r >= 0)
                r = build_env(spec, jp, &envp);
        if (r < 0)
                return log_oom();

        background = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(jp, "background"));

        r = command_start(exec_path, argv, envp, run_dir, !background, &pid, &fd);
        if (r < 0) {
                log_error_errno(r, "Could not execute '%s' in '%s': %m", cmd, run_dir);
                r = job_result_new(false, JOB_ERROR_EXECUTE, ret);
                return r < 0 ? log_oom() : 0;
        }

        if (background) {
                *ret_background = pid;
                r = job_result_background(ret);
                return r < 0 ? log_oom() : 0;
        }

        r = command_stream(fd, JOB_OUTPUT_MAX, &out);
        if (r < 0) {
                /* Without its output there is no result to make; stop the command. */
                log_error_errno(r, "Could not read the output of '%s': %m", cmd);
                (void) kill(pid, SIGKILL);
                (void) command_wait(pid, &status, &signo);
                return r;
        }

        r = command_wait(pid, &status, &signo);
        if (r < 0)
                return log_error_errno(r, "Could not wait for '%s': %m", cmd);

        if (out.truncated)
                log_info("The command printed %zu bytes; the result keeps the first %zu.", out.total, out.size);

        r = job_result_from_command(out.head, out.size, out.truncated, status, signo, ret);
        return r < 0 ? log_oom() : 0;
}
