/* SPDX-License-Identifier: MIT */
/* test-runner-confine.c: a job's cmd and result files, against real trees with symlinks, FIFOs and ".." */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "fs-util.h"
#include "path-beneath.h"
#include "runner-confine.h"

static char tmpdir[] = "/tmp/test-runner-confine-XXXXXX";
static char *work, *outside;

/* Both ways of resolving: openat2() and the component walk. */
static const unsigned modes[] = { 0, BENEATH_NO_OPENAT2 };

static char *at(const char *rel) {
        char *p = NULL;
        assert_true(asprintf(&p, "%s/%s", tmpdir, rel) > 0);
        return p;
}

static void mkfile(const char *rel, const char *content, mode_t mode) {
        _cleanup_free_ char *p = at(rel);
        assert_int_equal(write_file_atomic(p, content, strlen(content), mode), 0);
        assert_int_equal(chmod(p, mode), 0);
}

static void mklink(const char *target, const char *rel) {
        _cleanup_free_ char *p = at(rel);
        assert_int_equal(symlink(target, p), 0);
}

static void mkdirs(const char *rel) {
        _cleanup_free_ char *p = at(rel);
        assert_int_equal(mkdir_p(p, 0755), 0);
}

/*
 * tmpdir/
 *   outside/secret                      a file no job may send
 *   work/run/out.txt, sub/deep.txt      the job's outputs
 *   work/run/script.sh (0755), data.txt (0644, not executable)
 *   work/run/up -> ../../outside/secret, abs -> /etc/passwd, loop -> loop
 *   work/run/inlink -> sub/deep.txt     (stays inside)
 *   work/run/subdir-link -> sub         (a directory, inside)
 *   work/run/fifo, hard (hard link to outside/secret)
 *   work/gitrepo/example.com/team/repo/bin/job.sh (0755)
 *   work/gitrepo/example.com/team/repo/esc -> ../../../../run/script.sh  (leaves the checkout)
 *   extra/allowed.txt                   an allow_file_paths entry
 */
static int setup(void **state) {
        if (!mkdtemp(tmpdir))
                return -1;
        work = at("work");
        outside = at("outside");
        mkdirs("outside");
        mkdirs("work/run/sub");
        mkdirs("work/gitrepo/example.com/team/repo/bin");
        mkdirs("extra");
        mkfile("outside/secret", "root:x:0:0\n", 0600);
        mkfile("outside/tool", "#!/bin/sh\n", 0755);
        mkfile("work/run/out.txt", "output\n", 0644);
        mkfile("work/run/sub/deep.txt", "deep\n", 0644);
        mkfile("work/run/script.sh", "#!/bin/sh\necho hi\n", 0755);
        mkfile("work/run/data.txt", "data\n", 0644);
        mkfile("work/gitrepo/example.com/team/repo/bin/job.sh", "#!/bin/sh\n", 0755);
        mkfile("extra/allowed.txt", "allowed\n", 0644);
        mklink("../../outside/secret", "work/run/up");
        mklink("/etc/passwd", "work/run/abs");
        mklink("loop", "work/run/loop");
        mklink("sub/deep.txt", "work/run/inlink");
        mklink("sub", "work/run/subdir-link");
        mklink("../../../../run/script.sh", "work/gitrepo/example.com/team/repo/esc");
        mklink("../../outside/tool", "work/run/tool-link");
        {
                _cleanup_free_ char *fifo = at("work/run/fifo"), *hard = at("work/run/hard"), *sec = at("outside/secret");
                assert_int_equal(mkfifo(fifo, 0644), 0);
                assert_int_equal(link(sec, hard), 0);
        }
        return 0;
}

static int teardown(void **state) {
        free(work);
        free(outside);
        return rm_rf(tmpdir) < 0 ? -1 : 0;
}

static void dirs_init(RunnerJobDirs *d, const char *git_repo) {
        assert_int_equal(runner_job_dirs_init(d, work, git_repo, NULL), 0);
}

static int cmd(const RunnerConfig *c, const RunnerJobDirs *d, const char *s, unsigned mode, char **ret_path) {
        RunnerCommand rc = { .fd = -1 };
        int r = runner_confine_cmd(c, d, s, mode, &rc);
        if (r >= 0) {
                assert_true(rc.fd >= 0);
                if (ret_path)
                        *ret_path = strdup(rc.path);
                runner_command_done(&rc);
        }
        return r;
}

static int file(const RunnerConfig *c, const RunnerJobDirs *d, const char *s, unsigned mode, char *ret_content,
                size_t size, char **ret_filename) {
        RunnerFile f = { .fd = -1 };
        int r = runner_confine_file(c, d, s, mode, &f);
        if (r >= 0) {
                ssize_t n;
                int fl = fcntl(f.fd, F_GETFL);

                /* a real read fd, not O_PATH, not writable */
                assert_true(fl >= 0 && (fl & O_ACCMODE) == O_RDONLY && !(fl & O_PATH));
                assert_true(fcntl(f.fd, F_GETFD) & FD_CLOEXEC);
                n = read(f.fd, ret_content, size - 1);
                assert_true(n >= 0);
                ret_content[n] = 0;
                if (ret_filename)
                        *ret_filename = strdup(f.filename);
                runner_file_done(&f);
        }
        return r;
}

static void test_cmd(void **state) {
        RunnerConfig c = {};
        RunnerJobDirs d, g;

        dirs_init(&d, NULL);
        dirs_init(&g, "https://example.com/team/repo");
        assert_non_null(g.repo_dir);

        for (size_t m = 0; m < ELEMENTSOF(modes); m++) {
                _cleanup_free_ char *p = NULL, *want = at("work/run/script.sh"), *job = at("work/gitrepo/example.com/team/repo/bin/job.sh");

                /* relative with '/': in work_dir/run */
                assert_int_equal(cmd(&c, &d, "./script.sh", modes[m], &p), 0);
                assert_string_equal(p, want);
                free(p);
                assert_int_equal(cmd(&c, &d, "sub/../script.sh", modes[m], NULL), 0);
                /* Herald Runner runs '../../../../bin/true'; herald refuses it */
                assert_int_equal(cmd(&c, &d, "../../../../bin/true", modes[m], NULL), -EXDEV);
                assert_int_equal(cmd(&c, &d, "./../run/script.sh", modes[m], NULL), -EXDEV);
                /* a symlink leading out */
                assert_int_equal(cmd(&c, &d, "./tool-link", modes[m], NULL), -EXDEV);
                assert_int_equal(cmd(&c, &d, "./abs", modes[m], NULL), -EXDEV);
                assert_int_equal(cmd(&c, &d, "./loop", modes[m], NULL), -ELOOP);
                assert_int_equal(cmd(&c, &d, "./data.txt", modes[m], NULL), -ENOEXEC);
                assert_int_equal(cmd(&c, &d, "./sub", modes[m], NULL), -EISDIR);
                assert_int_equal(cmd(&c, &d, "./fifo", modes[m], NULL), -EBADFD);
                assert_int_equal(cmd(&c, &d, "./missing", modes[m], NULL), -ENOENT);
                assert_int_equal(cmd(&c, &d, "", modes[m], NULL), -EINVAL);
                /* absolute: inside work_dir/run it is the job's own; elsewhere only when allowed */
                assert_int_equal(cmd(&c, &d, want, modes[m], NULL), 0);
                assert_int_equal(cmd(&c, &d, "/bin/true", modes[m], NULL), -EPERM);
                /* a bare name is Herald's $PATH lookup: only when allowed */
                assert_int_equal(cmd(&c, &d, "true", modes[m], NULL), -EPERM);

                /* with git_repo: inside the checkout (a leading '/' is Join()ed in, as Herald) */
                assert_int_equal(cmd(&c, &g, "bin/job.sh", modes[m], &p), 0);
                assert_string_equal(p, job);
                free(p);
                p = NULL;
                assert_int_equal(cmd(&c, &g, "/bin/job.sh", modes[m], NULL), 0);
                assert_int_equal(cmd(&c, &g, "../../../../run/script.sh", modes[m], NULL), -EXDEV);
                assert_int_equal(cmd(&c, &g, "esc", modes[m], NULL), -EXDEV);
                assert_int_equal(cmd(&c, &g, "true", modes[m], NULL), -ENOENT);
                assert_int_equal(cmd(&c, &g, "/bin/true", modes[m], NULL), -ENOENT);
        }

        /* allow_absolute_cmd: absolute paths and the $PATH lookup, as Herald Runner */
        c.allow_absolute_cmd = true;
        {
                _cleanup_free_ char *p = NULL, *tool = at("outside/tool");
                assert_int_equal(cmd(&c, &d, tool, 0, &p), 0);
                assert_string_equal(p, tool);
                free(p);
                p = NULL;
                setenv("PATH", outside, 1);
                assert_int_equal(cmd(&c, &d, "tool", 0, &p), 0);
                assert_string_equal(p, tool);
                assert_int_equal(cmd(&c, &d, "secret", 0, NULL), -ENOENT);     /* not executable */
                setenv("PATH", "/usr/bin:/bin", 1);
                /* relative paths stay confined even then */
                assert_int_equal(cmd(&c, &d, "../../../../bin/true", 0, NULL), -EXDEV);
                /* the checkout still holds a git job's command */
                assert_int_equal(cmd(&c, &g, "/bin/true", 0, NULL), -ENOENT);
        }

        runner_job_dirs_done(&d);
        runner_job_dirs_done(&g);
}

static void test_file(void **state) {
        _cleanup_free_ char *extra = at("extra"), *allowed = at("extra/allowed.txt"), *out_abs = at("work/run/out.txt"),
                            *secret = at("outside/secret"), *job = at("work/gitrepo/example.com/team/repo/bin/job.sh"),
                            *dotdot = at("work/run/../run/out.txt"), *runner = at("work/runner/x");
        char *allow[] = { extra, NULL };
        RunnerConfig c = {};
        RunnerJobDirs d, g;
        char buf[256];

        dirs_init(&d, NULL);
        dirs_init(&g, "git@example.com:team/repo");

        for (size_t m = 0; m < ELEMENTSOF(modes); m++) {
                _cleanup_free_ char *fn = NULL;

                /* relative: from work_dir/run, as Herald */
                assert_int_equal(file(&c, &d, "out.txt", modes[m], buf, sizeof buf, &fn), 0);
                assert_string_equal(buf, "output\n");
                assert_string_equal(fn, "out.txt");
                free(fn);
                fn = NULL;
                assert_int_equal(file(&c, &d, "sub/deep.txt", modes[m], buf, sizeof buf, &fn), 0);
                assert_string_equal(buf, "deep\n");
                assert_string_equal(fn, "deep.txt");
                free(fn);
                fn = NULL;
                /* a symlink that stays inside: followed; filename is the link's, as Herald's Base() */
                assert_int_equal(file(&c, &d, "inlink", modes[m], buf, sizeof buf, &fn), 0);
                assert_string_equal(buf, "deep\n");
                assert_string_equal(fn, "inlink");
                free(fn);
                fn = NULL;
                assert_int_equal(file(&c, &d, "subdir-link/deep.txt", modes[m], buf, sizeof buf, NULL), 0);
                assert_int_equal(file(&c, &d, out_abs, modes[m], buf, sizeof buf, NULL), 0);
                assert_string_equal(buf, "output\n");

                /* exfiltration attempts */
                assert_int_equal(file(&c, &d, "/etc/shadow", modes[m], buf, sizeof buf, NULL), -EXDEV);
                assert_int_equal(file(&c, &d, "/etc/passwd", modes[m], buf, sizeof buf, NULL), -EXDEV);
                assert_int_equal(file(&c, &d, secret, modes[m], buf, sizeof buf, NULL), -EXDEV);
                assert_int_equal(file(&c, &d, "../../outside/secret", modes[m], buf, sizeof buf, NULL), -EXDEV);
                assert_int_equal(file(&c, &d, "sub/../../../outside/secret", modes[m], buf, sizeof buf, NULL), -EXDEV);
                assert_int_equal(file(&c, &d, dotdot, modes[m], buf, sizeof buf, NULL), -EXDEV);
                assert_int_equal(file(&c, &d, runner, modes[m], buf, sizeof buf, NULL), -EXDEV);
                assert_int_equal(file(&c, &d, "up", modes[m], buf, sizeof buf, NULL), -EXDEV);
                assert_int_equal(file(&c, &d, "abs", modes[m], buf, sizeof buf, NULL), -EXDEV);
                assert_int_equal(file(&c, &d, "/proc/self/root/etc/passwd", modes[m], buf, sizeof buf, NULL), -EXDEV);
                assert_int_equal(file(&c, &d, "hard", modes[m], buf, sizeof buf, NULL), -EMLINK);
                assert_int_equal(file(&c, &d, "fifo", modes[m], buf, sizeof buf, NULL), -EBADFD);
                assert_int_equal(file(&c, &d, "sub", modes[m], buf, sizeof buf, NULL), -EISDIR);
                assert_int_equal(file(&c, &d, "loop", modes[m], buf, sizeof buf, NULL), -ELOOP);
                assert_int_equal(file(&c, &d, "out.txt/", modes[m], buf, sizeof buf, NULL), -ENOTDIR);
                assert_int_equal(file(&c, &d, "missing", modes[m], buf, sizeof buf, NULL), -ENOENT);
                assert_int_equal(file(&c, &d, "", modes[m], buf, sizeof buf, NULL), -EINVAL);

                /* the checkout counts for a git job only */
                assert_int_equal(file(&c, &d, job, modes[m], buf, sizeof buf, NULL), -EXDEV);
                assert_int_equal(file(&c, &g, job, modes[m], buf, sizeof buf, NULL), 0);

                /* allow_file_paths */
                c.allow_file_paths = NULL;
                assert_int_equal(file(&c, &d, allowed, modes[m], buf, sizeof buf, NULL), -EXDEV);
                c.allow_file_paths = allow;
                assert_int_equal(file(&c, &d, allowed, modes[m], buf, sizeof buf, NULL), 0);
                assert_string_equal(buf, "allowed\n");
                assert_int_equal(file(&c, &d, secret, modes[m], buf, sizeof buf, NULL), -EXDEV);
                c.allow_file_paths = NULL;
        }

        /* a device node: refused before it is opened */
        if (geteuid() == 0) {
                _cleanup_free_ char *dev = at("work/run/null");
                if (mknod(dev, S_IFCHR | 0666, makedev(1, 3)) >= 0) {
                        assert_int_equal(file(&c, &d, "null", 0, buf, sizeof buf, NULL), -EBADFD);
                        assert_int_equal(file(&c, &d, "null", BENEATH_NO_OPENAT2, buf, sizeof buf, NULL), -EBADFD);
                        unlink(dev);
                }
        }

        runner_job_dirs_done(&d);
        runner_job_dirs_done(&g);
}

/* The fd is the file that was checked: replacing the path afterwards changes nothing. */
static void test_file_no_toctou(void **state) {
        _cleanup_free_ char *p = at("work/run/swap.txt"), *sec = at("outside/secret");
        RunnerConfig c = {};
        RunnerJobDirs d;
        RunnerFile f = { .fd = -1 };
        char buf[64];
        ssize_t n;

        dirs_init(&d, NULL);
        mkfile("work/run/swap.txt", "checked\n", 0644);
        assert_int_equal(runner_confine_file(&c, &d, "swap.txt", 0, &f), 0);
        assert_int_equal(unlink(p), 0);
        assert_int_equal(symlink(sec, p), 0);
        n = pread(f.fd, buf, sizeof buf - 1, 0);
        assert_true(n >= 0);
        buf[n] = 0;
        assert_string_equal(buf, "checked\n");
        assert_int_equal(f.st.st_size, 8);
        runner_file_done(&f);
        assert_int_equal(runner_confine_file(&c, &d, "swap.txt", 0, &f), -EXDEV);
        unlink(p);
        runner_job_dirs_done(&d);
}

static void test_path_startswith_dir(void **state) {
        assert_string_equal(path_startswith_dir("/a/b/c", "/a/b"), "c");
        assert_string_equal(path_startswith_dir("/a//b/./c", "/a/b/"), "c");
        assert_string_equal(path_startswith_dir("/a/b", "/a/b"), "");
        assert_string_equal(path_startswith_dir("/a/b/../x", "/a/b"), "../x");
        assert_string_equal(path_startswith_dir("/x", "/"), "x");
        assert_null(path_startswith_dir("/a/bc", "/a/b"));
        assert_null(path_startswith_dir("/a", "/a/b"));
        assert_null(path_startswith_dir("a/b", "/a"));
        assert_null(path_startswith_dir("/a/b", "a"));
}

/* The walk itself, beyond what the runner asks: many links, relative links up and down. */
static void test_open_beneath(void **state) {
        _cleanup_free_ char *root = at("beneath");
        _cleanup_close_ int rfd = -1;

        mkdirs("beneath/a/b");
        mkfile("beneath/a/b/f", "f", 0644);
        mklink("b/../b/f", "beneath/a/l1");     /* relative, with "..", inside */
        mklink("../a/l1", "beneath/a/l2");
        mklink("a/../../beneath/a/b/f", "beneath/l3"); /* leaves and comes back: refused */
        rfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        assert_true(rfd >= 0);

        for (size_t m = 0; m < ELEMENTSOF(modes); m++) {
                int fd = -1;
                assert_int_equal(open_beneath(rfd, "a/l2", modes[m], &fd), 0);
                close(fd);
                assert_int_equal(open_beneath(rfd, "a/b/../../a/b/f", modes[m], &fd), 0);
                close(fd);
                assert_int_equal(open_beneath(rfd, "", modes[m], &fd), 0);
                close(fd);
                assert_int_equal(open_beneath(rfd, "l3", modes[m], &fd), -EXDEV);
                assert_int_equal(open_beneath(rfd, "/a/b/f", modes[m], &fd), -EXDEV);
                assert_int_equal(open_beneath(rfd, "..", modes[m], &fd), -EXDEV);
        }

        /* 41 links in a chain: over the limit, both ways */
        {
                char name[32], target[32];
                for (int i = 0; i <= BENEATH_SYMLINKS_MAX; i++) {
                        _cleanup_free_ char *p = NULL;
                        snprintf(name, sizeof name, "beneath/c%d", i);
                        snprintf(target, sizeof target, i == BENEATH_SYMLINKS_MAX ? "a/b/f" : "c%d", i + 1);
                        mklink(target, name);
                }
                for (size_t m = 0; m < ELEMENTSOF(modes); m++) {
                        int fd = -1;
                        assert_int_equal(open_beneath(rfd, "c0", modes[m], &fd), -ELOOP);
                        assert_int_equal(open_beneath(rfd, "c1", modes[m], &fd), 0);
                        close(fd);
                }
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_cmd),
                cmocka_unit_test(test_file),
                cmocka_unit_test(test_file_no_toctou),
                cmocka_unit_test(test_path_startswith_dir),
                cmocka_unit_test(test_open_beneath),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
