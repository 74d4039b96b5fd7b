/* SPDX-License-Identifier: MIT */
/* git-options.c: GitSyncOptions to JSON and back, between herald-exec and herald-git
 *
 * The options hold credentials, so they travel on the helper's stdin (a memfd only the
 * two processes see), never in its argv or environment.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "git-options.h"
#include "json-parse.h"
#include "json-util.h"
#include "macro.h"

#define OPTION_STRINGS(X) \
        X(url) X(display_url) X(branch) X(username) X(password) X(ssh_key) X(ssh_key_file) \
        X(ssh_key_password) X(known_hosts) X(repo_dir)

int git_options_format(const GitSyncOptions *o, char **ret) {
        _cleanup_json_ cJSON *j = cJSON_CreateObject();

        if (!j)
                return -ENOMEM;
#define ADD(name) \
        if (o->name && !cJSON_AddStringToObject(j, #name, o->name)) \
                return -ENOMEM;
        OPTION_STRINGS(ADD)
#undef ADD
        if (!cJSON_AddNumberToObject(j, "timeout_sec", o->timeout_sec))
                return -ENOMEM;
        return json_print_compact(j, ret);
}

/* @ret points into *ret_json, which the caller keeps and frees with cJSON_Delete(). */
int git_options_parse(const char *text, size_t size, GitSyncOptions *ret, cJSON **ret_json) {
        _cleanup_json_ cJSON *j = NULL;
        const cJSON *t;
        int r;

        r = json_parse(text, size, &j);
        if (r < 0)
                return r;
        if (!cJSON_IsObject(j))
                return -EINVAL;
        *ret = (GitSyncOptions) {};
#define GET(name) ret->name = json_object_get_string(j, #name);
        OPTION_STRINGS(GET)
#undef GET
        t = cJSON_GetObjectItemCaseSensitive(j, "timeout_sec");
        if (cJSON_IsNumber(t) && t->valuedouble >= 0 && t->valuedouble <= 86400)
                ret->timeout_sec = (unsigned) t->valuedouble;
        if (!ret->url || !ret->display_url || !ret->repo_dir)
                return -EINVAL;
        *ret_json = TAKE_PTR(j);
        return 0;
}
