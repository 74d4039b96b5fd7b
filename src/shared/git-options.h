/* SPDX-License-Identifier: MIT */
/* git-options.h: what a job's git checkout needs, passed from herald-exec to herald-git */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

/* Seconds without any sign of progress after which a git operation is abandoned. */
#define GIT_SYNC_TIMEOUT_DEFAULT 60

typedef struct GitSyncOptions {
        const char *url;
        const char *display_url;        /* url without its password, for messages */
        const char *branch;             /* NULL: the remote's default branch (its HEAD) */
        const char *username;
        const char *password;
        const char *ssh_key;            /* private key text */
        const char *ssh_key_file;
        const char *ssh_key_password;
        const char *known_hosts;        /* NULL: the system's and the user's files */
        const char *repo_dir;           /* work_dir/gitrepo/<host>/<path> */
        unsigned timeout_sec;
} GitSyncOptions;

/* herald-git's input (git-options.c): the options as JSON. */
int git_options_format(const GitSyncOptions *o, char **ret);
int git_options_parse(const char *text, size_t size, GitSyncOptions *ret, cJSON **ret_json);
