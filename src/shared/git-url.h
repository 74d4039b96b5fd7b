/* SPDX-License-Identifier: MIT */
/* git-url.h: the parts of a git remote URL, and where Herald keeps its checkout */
#pragma once

typedef struct GitUrl {
        char *scheme;   /* "https", "ssh", "git", "file", ...; "ssh" for scp-like, "" for a path */
        char *user;     /* or NULL */
        char *host;     /* without user and port; "" for file:// and plain paths */
        int port;       /* 0 when not given */
        char *path;     /* as in the URL, starting with '/' for URLs */
} GitUrl;

void git_url_done(GitUrl *u);
int git_url_parse(const char *url, GitUrl *ret);
int git_url_repo_dir(const char *work_dir, const char *url, char **ret);
char *git_url_redact(const char *url);
