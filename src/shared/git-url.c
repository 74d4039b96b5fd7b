/* SPDX-License-Identifier: MIT */
/* git-url.c: the parts of a git remote URL, and where Herald keeps its checkout
 *
 * Herald keeps a repository in work_dir/gitrepo/<host>/<path>, host with its port as
 * in Go's url.URL.Host. Three spellings of a remote are understood, as git does:
 * "scheme://[user[:password]@]host[:port]/path", the scp-like "[user@]host:path"
 * (SSH), and a local path.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "git-url.h"
#include "macro.h"

/**
 * git_url_done: free what a GitUrl holds and reset it.
 * @u: the URL (may be all zero)
 */
void git_url_done(GitUrl *u) {
        free(u->scheme);
        free(u->user);
        free(u->host);
        free(u->path);
        *u = (GitUrl) {};
}

static int parse_port(const char *s, size_t n, int *ret) {
        int port = 0;

        if (n == 0 || n > 5)
                return -EINVAL;
        for (size_t i = 0; i < n; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return -EINVAL;
                port = port * 10 + (s[i] - '0');
        }
        if (port < 1 || port > 65535)
                return -EINVAL;
        *ret = port;
        return 0;
}

/* authority = [user[:password]@]host[:port]; host may be an [IPv6] literal */
static int parse_authority(const char *a, size_t n, GitUrl *u) {
        const char *at = memrchr(a, '@', n), *host, *end = a + n, *colon = NULL;

        if (at) {
                const char *c = memchr(a, ':', (size_t) (at - a));
                u->user = strndup(a, (size_t) ((c ?: at) - a));
                if (!u->user)
                        return -ENOMEM;
                host = at + 1;
        } else
                host = a;

        if (host < end && *host == '[') {
                const char *close = memchr(host, ']', (size_t) (end - host));
                if (!close)
                        return -EINVAL;
                if (close + 1 < end) {
                        if (close[1] != ':')
                                return -EINVAL;
                        colon = close + 1;
                }
        } else
                colon = memchr(host, ':', (size_t) (end - host));

        if (colon && parse_port(colon + 1, (size_t) (end - colon - 1), &u->port) < 0)
                return -EINVAL;

        u->host = strndup(host, (size_t) ((colon ?: end) - host));
        return u->host ? 0 : -ENOMEM;
}

/**
 * git_url_parse: split a git remote URL.
 * @url: "scheme://[user[:password]@]host[:port]/path", "[user@]host:path", or a path
 * @ret: the parts; release with git_url_done(). The password is not kept.
 *
 * Return: 0; -EINVAL for an empty URL, a bad port or a bracket without its pair,
 * -ENOMEM.
 */
int git_url_parse(const char *url, GitUrl *ret) {
        _cleanup_(git_url_done) GitUrl u = {};
        const char *sep, *slash, *colon;
        int r;

        if (isempty(url))
                return -EINVAL;

        sep = strstr(url, "://");
        slash = strchr(url, '/');
        colon = strchr(url, ':');

        if (sep && (!slash || sep < slash)) {
                const char *auth = sep + 3, *path = strchr(auth, '/');

                u.scheme = strndup(url, (size_t) (sep - url));
                if (!u.scheme)
                        return -ENOMEM;
                r = parse_authority(auth, path ? (size_t) (path - auth) : strlen(auth), &u);
                if (r < 0)
                        return r;
                u.path = strdup(path ?: "/");
        } else if (colon && (!slash || colon < slash) && colon != url) {
                /* scp-like: [user@]host:path — never a port after the colon */
                const char *at = memchr(url, '@', (size_t) (colon - url));
                const char *host = at ? at + 1 : url;

                u.scheme = strdup("ssh");
                if (!u.scheme)
                        return -ENOMEM;
                if (at) {
                        u.user = strndup(url, (size_t) (at - url));
                        if (!u.user)
                                return -ENOMEM;
                }
                u.host = strndup(host, (size_t) (colon - host));
                if (!u.host)
                        return -ENOMEM;
                u.path = strdup(colon + 1);
        } else {
                u.scheme = strdup("");
                u.host = strdup("");
                if (!u.scheme || !u.host)
                        return -ENOMEM;
                u.path = strdup(url);
        }
        if (!u.path)
                return -ENOMEM;

        *ret = u;
        u = (GitUrl) {};
        return 0;
}

/**
 * git_url_repo_dir: where Herald keeps the checkout of a remote.
 * @work_dir: the executor's work_dir
 * @url: the remote
 * @ret: work_dir/gitrepo/<host>[:<port>]/<path>, without "." or empty components;
 *       free() it
 *
 * Return: 0; -EINVAL when the URL does not parse or its host or path holds a ".."
 * component (it would leave work_dir/gitrepo), or names no path at all; -ENOMEM.
 */
int git_url_repo_dir(const char *work_dir, const char *url, char **ret) {
        _cleanup_(git_url_done) GitUrl u = {};
        _cleanup_free_ char *joined = NULL, *out = NULL;
        size_t k = 0, n_components = 0;
        char port[16] = "";
        int r;

        r = git_url_parse(url, &u);
        if (r < 0)
                return r;
        if (strchr(u.host, '/'))
                return -EINVAL;
        if (u.port > 0)
                snprintf(port, sizeof port, ":%d", u.port);

        if (asprintf(&joined, "%s%s/%s", u.host, port, u.path) < 0)
                return -ENOMEM;

        out = malloc(strlen(work_dir) + strlen("/gitrepo/") + strlen(joined) + 1);
        if (!out)
                return -ENOMEM;
        k = (size_t) sprintf(out, "%s/gitrepo", work_dir);

        /* Walk the components: drop empty ones and ".", refuse "..". */
        for (char *c = joined, *next; c; c = next) {
                char *s = strchr(c, '/');
                size_t l = s ? (size_t) (s - c) : strlen(c);

                next = s ? s + 1 : NULL;
                if (l == 0 || (l == 1 && c[0] == '.'))
                        continue;
                if (l == 2 && c[0] == '.' && c[1] == '.')
                        return -EINVAL;
                out[k++] = '/';
                memcpy(out + k, c, l);
                k += l;
                n_components++;
        }
        out[k] = 0;

        if (n_components == 0)
                return -EINVAL;

        *ret = TAKE_PTR(out);
        return 0;
}

/**
 * git_url_redact: a remote URL fit for logs and results: a password in it is replaced.
 * @url: the URL
 *
 * Return: "scheme://user:***@host/path" for "scheme://user:secret@host/path", a copy
 * of @url otherwise; NULL on OOM.
 */
char *git_url_redact(const char *url) {
        const char *sep = strstr(url, "://"), *auth, *end, *at, *colon;
        char *s;

        if (!sep)
                return strdup(url);
        auth = sep + 3;
        end = auth + strcspn(auth, "/");
        at = memrchr(auth, '@', (size_t) (end - auth));
        if (!at)
                return strdup(url);
        colon = memchr(auth, ':', (size_t) (at - auth));
        if (!colon)
                return strdup(url);

        if (asprintf(&s, "%.*s:***%s", (int) (colon - url), url, at) < 0)
                return NULL;
        return s;
}
