/* SPDX-License-Identifier: MIT */
/* fuzz-git-url.c: git remote URLs (a workflow's git_repo) on arbitrary input
 *
 * Two runs per input:
 *  - the input (up to its first NUL) as a URL: git_url_parse(), git_url_repo_dir() and
 *    git_url_redact(). A checkout directory, when there is one, is work_dir/gitrepo/...
 *    with no ".", ".." or empty component; redacting is idempotent and does not move
 *    the checkout.
 *  - when the input has at least three lines, a URL built from them,
 *    SCHEME://USER:PASSWORD@REST (line 1, 2, 3, and the rest), so that the fuzzer
 *    controls which part is the password: the redacted URL is exactly
 *    SCHEME://USER:***@REST and the parsed URL keeps no trace of the password.
 *    (A '/' ends the authority, as in RFC 3986 and git, so a password holding one is
 *    no password; lines that break the form are skipped.)
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fuzz-util.h"
#include "git-url.h"
#include "macro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define WORK_DIR "/var/lib/herald/work"
#define URL_MAX 4096

static void check_repo_dir(const char *url, bool parsed) {
        _cleanup_free_ char *dir = NULL;
        const char *rest;
        int r;

        r = git_url_repo_dir(WORK_DIR, url, &dir);
        if (r == -ENOMEM)
                return;
        if (!parsed)
                FUZZ_CHECK(r == -EINVAL);
        if (r < 0) {
                FUZZ_CHECK(r == -EINVAL && !dir);
                return;
        }
        FUZZ_CHECK(r == 0 && dir);

        /* Under work_dir/gitrepo, and every component a real name. */
        rest = startswith(dir, WORK_DIR "/gitrepo/");
        FUZZ_CHECK(rest && *rest);
        for (const char *c = rest;;) {
                const char *s = strchrnul(c, '/');
                size_t l = (size_t) (s - c);

                FUZZ_CHECK(l > 0);
                FUZZ_CHECK(!(l == 1 && c[0] == '.'));
                FUZZ_CHECK(!(l == 2 && c[0] == '.' && c[1] == '.'));
                if (!*s)
                        break;
                c = s + 1;
        }
}

static void run_url(const char *url) {
        _cleanup_(git_url_done) GitUrl u = {};
        _cleanup_free_ char *red = NULL, *red2 = NULL, *dir = NULL, *dir_red = NULL;
        const char *sep, *slash;
        int r, rd, rr;

        r = git_url_parse(url, &u);
        if (r == -ENOMEM)
                return;
        if (r < 0)
                FUZZ_CHECK(r == -EINVAL && !u.scheme && !u.host && !u.path && !u.user);
        else {
                FUZZ_CHECK(u.scheme && u.host && u.path);
                FUZZ_CHECK(u.port >= 0 && u.port <= 65535);
                /* user:password@ keeps only the user */
                FUZZ_CHECK(!u.user || !strchr(u.user, ':'));
        }
        check_repo_dir(url, r == 0);

        red = git_url_redact(url);
        if (!red)
                return;
        /* Redacting twice changes nothing more. */
        red2 = git_url_redact(red);
        if (red2)
                FUZZ_CHECK(streq(red, red2));
        /* A URL (scheme:// before any '/', as git_url_parse() tells them) redacted names
         * the same checkout, so logs show where it went. (git_url_redact() also masks
         * "user:x@" in a path or scp-like remote that holds "://": no password there,
         * nothing leaks, the log just shows less.) */
        sep = strstr(url, "://");
        slash = strchr(url, '/');
        if (!sep || (slash && slash < sep))
                return;
        rd = git_url_repo_dir(WORK_DIR, url, &dir);
        rr = git_url_repo_dir(WORK_DIR, red, &dir_red);
        if (rd != -ENOMEM && rr != -ENOMEM) {
                FUZZ_CHECK((rd == 0) == (rr == 0));
                if (rd == 0)
                        FUZZ_CHECK(streq(dir, dir_red));
        }
}

/* SCHEME://USER:PASSWORD@REST from the first three lines and the rest. */
static void run_built(const char *s) {
        _cleanup_(git_url_done) GitUrl u = {};
        _cleanup_free_ char *url = NULL, *red = NULL, *want = NULL;
        const char *nl1, *nl2, *nl3, *scheme, *user, *pass, *rest;
        size_t ls, lu, lp, lauth;
        int r;

        nl1 = strchr(s, '\n');
        nl2 = nl1 ? strchr(nl1 + 1, '\n') : NULL;
        nl3 = nl2 ? strchr(nl2 + 1, '\n') : NULL;
        if (!nl3)
                return;
        scheme = s, ls = (size_t) (nl1 - s);
        user = nl1 + 1, lu = (size_t) (nl2 - user);
        pass = nl2 + 1, lp = (size_t) (nl3 - pass);
        rest = nl3 + 1;

        /* A scheme is letters, digits, '+', '-', '.'; the user holds no ':' nor '/';
         * the password no '/'; REST's authority (up to its first '/') no '@'. */
        if (ls == 0 || strcspn(scheme, ":/\n") < ls || strcspn(user, ":/\n") < lu || strcspn(pass, "/\n") < lp || lp == 0)
                return;
        lauth = strcspn(rest, "/");
        if (memchr(rest, '@', lauth))
                return;

        if (asprintf(&url, "%.*s://%.*s:%.*s@%s", (int) ls, scheme, (int) lu, user, (int) lp, pass, rest) < 0 ||
            asprintf(&want, "%.*s://%.*s:***@%s", (int) ls, scheme, (int) lu, user, rest) < 0)
                return;

        red = git_url_redact(url);
        if (!red)
                return;
        if (!streq(red, want) && getenv("HERALD_FUZZ_VERBOSE"))
                fprintf(stderr, "'%s' redacted to '%s', not '%s'\n", url, red, want);
        FUZZ_CHECK(streq(red, want));

        /* The parts keep no password: the user is USER; the password is not kept. */
        r = git_url_parse(url, &u);
        if (r == 0) {
                _cleanup_free_ char *p = strndup(pass, lp);

                FUZZ_CHECK(u.user && strlen(u.user) == lu && strncmp(u.user, user, lu) == 0);
                FUZZ_CHECK(strlen(u.scheme) == ls && strncmp(u.scheme, scheme, ls) == 0);
                if (p && !strstr(rest, p))
                        FUZZ_CHECK(!strstr(u.host, p) && !strstr(u.path, p));
        } else
                FUZZ_CHECK(r == -EINVAL || r == -ENOMEM);
        run_url(url);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *s = NULL;

        /* git_repo comes from the workflow, where a scalar is bounded anyway. */
        if (size > URL_MAX)
                return 0;
        s = memdup_nul((const char *) data, size);
        if (!s)
                return 0;
        run_url(s);
        run_built(s);
        return 0;
}
