/* SPDX-License-Identifier: MIT */
/* test-git-url.c: remote URLs, and where Herald keeps their checkouts */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "git-url.h"
#include "macro.h"

static void check_url(const char *url, const char *scheme, const char *user, const char *host,
                      int port, const char *path) {
        _cleanup_(git_url_done) GitUrl u = {};

        assert_int_equal(git_url_parse(url, &u), 0);
        assert_string_equal(u.scheme, scheme);
        assert_true(streq_ptr(u.user, user));
        assert_string_equal(u.host, host);
        assert_int_equal(u.port, port);
        assert_string_equal(u.path, path);
}

static void test_parse(void **state) {
        check_url("https://github.com/heraldgo/heraldd.git", "https", NULL, "github.com", 0, "/heraldgo/heraldd.git");
        check_url("https://user:secret@git.example.com:8443/a/b", "https", "user", "git.example.com", 8443, "/a/b");
        check_url("ssh://git@host:2222/srv/repo.git", "ssh", "git", "host", 2222, "/srv/repo.git");
        check_url("git://127.0.0.1:9418/repo", "git", NULL, "127.0.0.1", 9418, "/repo");
        check_url("file:///srv/git/repo.git", "file", NULL, "", 0, "/srv/git/repo.git");
        check_url("git@github.com:org/repo.git", "ssh", "git", "github.com", 0, "org/repo.git");
        check_url("host:repo", "ssh", NULL, "host", 0, "repo");
        check_url("/srv/git/repo", "", NULL, "", 0, "/srv/git/repo");
        check_url("./rel/repo", "", NULL, "", 0, "./rel/repo");
        check_url("ssh://[::1]:22/r", "ssh", NULL, "[::1]", 22, "/r");
        check_url("https://host", "https", NULL, "host", 0, "/");
}

static void test_parse_errors(void **state) {
        GitUrl u = {};

        assert_int_equal(git_url_parse("", &u), -EINVAL);
        assert_int_equal(git_url_parse("https://host:99999/x", &u), -EINVAL);
        assert_int_equal(git_url_parse("https://host:abc/x", &u), -EINVAL);
        assert_int_equal(git_url_parse("ssh://[::1/x", &u), -EINVAL);
}

static void check_dir(const char *url, const char *expected) {
        _cleanup_free_ char *dir = NULL;
        int r = git_url_repo_dir("/var/lib/herald/work", url, &dir);

        if (!expected) {
                if (r >= 0)
                        fail_msg("'%s' gave '%s'", url, dir);
                return;
        }
        assert_int_equal(r, 0);
        assert_string_equal(dir, expected);
}

static void test_repo_dir(void **state) {
        check_dir("https://github.com/heraldgo/heraldd.git", "/var/lib/herald/work/gitrepo/github.com/heraldgo/heraldd.git");
        check_dir("https://u:p@github.com:8443/a//b/", "/var/lib/herald/work/gitrepo/github.com:8443/a/b");
        check_dir("git@github.com:org/repo.git", "/var/lib/herald/work/gitrepo/github.com/org/repo.git");
        check_dir("file:///srv/git/repo.git", "/var/lib/herald/work/gitrepo/srv/git/repo.git");
        check_dir("/srv/./git/repo", "/var/lib/herald/work/gitrepo/srv/git/repo");
        /* nothing may lead out of work_dir/gitrepo */
        check_dir("https://host/../../etc", NULL);
        check_dir("file:///srv/../..", NULL);
        check_dir("host:../x", NULL);
        check_dir("..:x", NULL);
        check_dir("file:///", NULL);
        check_dir("", NULL);
}

static void test_redact(void **state) {
        _cleanup_free_ char *a = git_url_redact("https://user:secret@host/x");
        _cleanup_free_ char *b = git_url_redact("https://user@host/x");
        _cleanup_free_ char *c = git_url_redact("git@host:x");
        _cleanup_free_ char *d = git_url_redact("https://host/a:b@c");

        assert_string_equal(a, "https://user:***@host/x");
        assert_string_equal(b, "https://user@host/x");
        assert_string_equal(c, "git@host:x");
        assert_string_equal(d, "https://host/a:b@c");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse),
                cmocka_unit_test(test_parse_errors),
                cmocka_unit_test(test_repo_dir),
                cmocka_unit_test(test_redact),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
