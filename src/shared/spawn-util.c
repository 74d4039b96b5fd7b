/* SPDX-License-Identifier: MIT */
/* spawn-util.c: start a child process (a job's command, an external selector)
 *
 * (Not spawn.[ch]: src/shared is on every include path, and a "spawn.h" there would
 * hide the C library's <spawn.h>.)
 *
 * One spawner for the processes herald starts (a job's command, external selectors), so
 * each gets the same care: posix_spawn() (glibc's is clone(CLONE_VM|CLONE_VFORK) + exec, and it reports a
 * failed exec as its return value, so "not found" is an error of the caller's, not a
 * child that exits 127), signal dispositions reset and the mask emptied (a caller that
 * blocks SIGCHLD for sd-event, or ignores SIGPIPE, must not pass that on), stdin
 * /dev/null unless given, no argv but the one the caller built.
 *
 * The caller waits as suits it: waitpid() (herald-exec), or an sd-event child source
 * on the pidfd returned here (heraldd, the selectors). pidfd_open() (Linux >= 5.3)
 * after posix_spawn() is race-free: the child cannot be reaped, so its pid cannot be
 * reused, before we wait for it ourselves. Without pidfds (an older kernel, a seccomp
 * filter) the caller gets -1 and uses the pid; sd_event_add_child() falls back to
 * SIGCHLD then.
 *
 * Two helpers fork by hand instead: herald-exec's herald-remote (exec-remote.c) and
 * herald-git (git-sync.c). Each must die with herald-exec (PR_SET_PDEATHSIG, then a
 * check that the parent is still there), which has to happen in the child between
 * fork and exec; posix_spawn() runs no code there.
 */
#include <errno.h>
#include <string.h>
#include <stdlib.h>
#include <stdio.h>
#include <limits.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "macro.h"
#include "spawn-util.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

extern char **environ;

static int pidfd_open_child(pid_t pid) {
        long fd = syscall(SYS_pidfd_open, pid, 0);      /* pidfds are always O_CLOEXEC */

        return fd < 0 ? -errno : (int) fd;
}

static int setup_actions(const SpawnOptions *o, posix_spawn_file_actions_t *fa) {
        int r;

        if (o->stdin_fd < 0)
                r = posix_spawn_file_actions_addopen(fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
        else if (o->stdin_fd != STDIN_FILENO)
                r = posix_spawn_file_actions_adddup2(fa, o->stdin_fd, STDIN_FILENO);
        else
                r = 0;
        if (r == 0 && o->stdout_fd >= 0 && o->stdout_fd != STDOUT_FILENO)
                r = posix_spawn_file_actions_adddup2(fa, o->stdout_fd, STDOUT_FILENO);
        if (r == 0 && o->cwd)
                r = posix_spawn_file_actions_addchdir_np(fa, o->cwd);
        /* What a long-running caller holds without O_CLOEXEC (an fd a library leaked)
         * must not reach an untrusted program. */
        if (r == 0 && o->close_fds)
                r = posix_spawn_file_actions_addclosefrom_np(fa, STDERR_FILENO + 1);
        return r;
}

static int setup_attr(const SpawnOptions *o, posix_spawnattr_t *attr) {
        sigset_t all, none;
        short flags = POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK;
        int r;

        sigfillset(&all);
        sigemptyset(&none);
        r = posix_spawnattr_setsigdefault(attr, &all);
        if (r == 0)
                r = posix_spawnattr_setsigmask(attr, &none);
        if (r == 0 && o->new_process_group) {
                r = posix_spawnattr_setpgroup(attr, 0);
                flags |= POSIX_SPAWN_SETPGROUP;
        }
        if (r == 0)
                r = posix_spawnattr_setflags(attr, flags);
        return r;
}

/**
 * spawn_process: start a program.
 * @o: what to run and how (SpawnOptions; start from SPAWN_OPTIONS_INIT)
 * @ret_pid: its pid
 * @ret_pidfd: when not NULL, a pidfd for it (O_CLOEXEC, the caller's to close), or -1
 *      when the kernel gives none; then watch @ret_pid
 *
 * The fds given in @o are only dup'ed in the child; they stay the caller's. The child
 * must be waited for (reaped) by the caller, and only by it.
 *
 * Return: 0; a negative errno when the program could not be started (-ENOENT,
 * -EACCES, -E2BIG for an environment string over the kernel's 128 KiB, ...).
 */
int spawn_process(const SpawnOptions *o, pid_t *ret_pid, int *ret_pidfd) {
        char *default_argv[] = { (char *) o->path, NULL };
        posix_spawn_file_actions_t fa;
        posix_spawnattr_t attr;
        pid_t pid;
        int r;

        if (!o->path || !ret_pid)
                return -EINVAL;

        r = posix_spawn_file_actions_init(&fa);
        if (r != 0)
                return -r;
        r = posix_spawnattr_init(&attr);
        if (r != 0) {
                posix_spawn_file_actions_destroy(&fa);
                return -r;
        }

        r = setup_actions(o, &fa);
        if (r == 0)
                r = setup_attr(o, &attr);
        if (r == 0)
                r = (o->search_path ? posix_spawnp : posix_spawn)(&pid, o->path, &fa, &attr,
                                                                 o->argv ?: default_argv, o->envp ?: environ);
        posix_spawnattr_destroy(&attr);
        posix_spawn_file_actions_destroy(&fa);
        if (r != 0)
                return -r;

        *ret_pid = pid;
        if (ret_pidfd) {
                int fd = pidfd_open_child(pid);
                *ret_pidfd = fd >= 0 ? fd : -1;
        }
        return 0;
}

static bool env_name_valid(const char *entry) {
        const char *eq = strchr(entry, '=');

        return eq && eq != entry;
}

static bool env_same_name(const char *a, const char *b) {
        size_t n = strcspn(a, "=");

        return strncmp(a, b, n) == 0 && b[n] == '=';
}

/**
 * spawn_env_merge: an environment with some variables set.
 * @base: "NAME=value" strings, NULL-terminated (NULL: none)
 * @add: "NAME=value" strings to set, NULL-terminated; each replaces the variable of that
 *      name in @base (getenv() takes the first of duplicates: a variable inherited
 *      from our own environment must not shadow what we set)
 * @ret: the new environment, copies of the strings; free with strv_free()
 *
 * Return: 0; -EINVAL when an entry of @add has no name or no '='; -ENOMEM.
 */
int spawn_env_merge(char *const *base, char *const *add, char ***ret) {
        _cleanup_strv_free_ char **env = NULL;
        size_t n_base = 0, n_add = 0, n = 0;

        for (char *const *a = add; a && *a; a++, n_add++)
                if (!env_name_valid(*a))
                        return -EINVAL;
        for (char *const *b = base; b && *b; b++)
                n_base++;

        env = calloc(n_base + n_add + 1, sizeof(char *));
        if (!env)
                return -ENOMEM;
        for (char *const *b = base; b && *b; b++) {
                bool replaced = false;

                for (char *const *a = add; a && *a && !replaced; a++)
                        replaced = env_same_name(*a, *b);
                if (replaced)
                        continue;
                env[n] = strdup(*b);
                if (!env[n++])
                        return -ENOMEM;
        }
        for (char *const *a = add; a && *a; a++) {
                env[n] = strdup(*a);
                if (!env[n++])
                        return -ENOMEM;
        }

        *ret = TAKE_PTR(env);
        return 0;
}

/**
 * spawn_kill: send a signal to a child, or to its whole process group.
 * @pid: the child, not reaped yet (a zombie still holds its pid and group id, so
 *      neither can name another process)
 * @pidfd: its pidfd, or -1
 * @group: signal the process group @pid leads (SpawnOptions.new_process_group), so
 *      what the child started goes too
 * @sig: the signal
 *
 * Return: 0, also when nothing was left to signal; a negative errno.
 */
int spawn_kill(pid_t pid, int pidfd, bool group, int sig) {
        if (pid <= 0)
                return -EINVAL;
        if (group) {
                if (kill(-pid, sig) < 0 && errno != ESRCH)
                        return -errno;
                return 0;
        }
        if (pidfd >= 0 && syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) >= 0)
                return 0;
        if (pidfd >= 0 && errno == ESRCH)
                return 0;
        if (kill(pid, sig) < 0 && errno != ESRCH)
                return -errno;
        return 0;
}

/**
 * spawn_helper_path() - where a helper program of herald's is
 * @name: its file name ("herald-git")
 * @build_rel: where it is built, relative to the running program's folder in the build
 *             tree ("../git/herald-git")
 * @installed: its installed path (config.h), the answer when neither is found
 *
 * Installed, it sits next to the running program (libexecdir); run from the build tree,
 * in a sibling folder. Looked for in that order, so an installed program never runs a
 * build tree's helper.
 *
 * Return: the path (free() it), or NULL when out of memory.
 */
char *spawn_helper_path(const char *name, const char *build_rel, const char *installed) {
        char self[PATH_MAX], *slash, *path;
        ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);

        if (n <= 0)
                return strdup(installed);
        self[n] = 0;
        slash = strrchr(self, '/');
        if (!slash)
                return strdup(installed);
        *slash = 0;
        for (const char *const *rel = (const char *const[]) { name, build_rel, NULL }; *rel; rel++) {
                if (asprintf(&path, "%s/%s", self, *rel) < 0)
                        return NULL;
                if (access(path, X_OK) >= 0)
                        return path;
                free(path);
        }
        return strdup(installed);
}
