/* SPDX-License-Identifier: MIT */
/* param-redact.c: the execution param with its secrets taken out, for logs
 *
 * Herald puts the whole execution param into results and `print` output, credentials
 * included (`git_password`, `git_ssh_key`, `git_ssh_key_password`, a password in a
 * `git_repo` URL). The journal is a log that many may read, so herald writes a copy
 * with those values replaced; the job itself still gets them ($HERALD_EXECUTE_PARAM).
 * The keys are looked for at every depth: an exe_done trigger param carries the
 * finished job's param inside it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "git-url.h"
#include "macro.h"
#include "param-redact.h"

static const char *const secret_keys[] = { "git_password", "git_ssh_key", "git_ssh_key_password", NULL };

static bool is_secret_key(const char *key) {
        for (const char *const *k = secret_keys; *k; k++)
                if (streq(key, *k))
                        return true;
        return false;
}

static int redact(cJSON *v) {
        cJSON *c;

        cJSON_ArrayForEach(c, v) {
                if (cJSON_IsObject(v) && c->string && is_secret_key(c->string) && !cJSON_IsNull(c)) {
                        /* ReplaceItemViaPointer() keeps the new item's own (missing) key */
                        cJSON *r = cJSON_CreateString(PARAM_REDACTED);
                        if (r)
                                r->string = strdup(c->string);
                        if (!r || !r->string || !cJSON_ReplaceItemViaPointer(v, c, r)) {
                                cJSON_Delete(r);
                                return -ENOMEM;
                        }
                        c = r;
                } else if (cJSON_IsObject(v) && c->string && streq(c->string, "git_repo") && cJSON_IsString(c)) {
                        char *url = git_url_redact(c->valuestring);
                        if (!url || !cJSON_SetValuestring(c, url)) {
                                free(url);
                                return -ENOMEM;
                        }
                        free(url);
                } else if (cJSON_IsObject(c) || cJSON_IsArray(c)) {
                        int r = redact(c);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

/**
 * param_has_secrets: whether param_redact_secrets() would change anything in @param.
 * @param: the execution param (any JSON)
 *
 * Any `git_repo` string counts (its URL may hold a password). Lets a caller that only
 * prints the param skip the deep copy: most params hold no credentials, and copying
 * one was a tenth of heraldd's work for a `none` request (callgrind).
 *
 * Return: true when a copy is needed.
 */
bool param_has_secrets(const cJSON *param) {
        const cJSON *c;

        cJSON_ArrayForEach(c, param) {
                if (cJSON_IsObject(param) && c->string &&
                    ((is_secret_key(c->string) && !cJSON_IsNull(c)) || (streq(c->string, "git_repo") && cJSON_IsString(c))))
                        return true;
                if ((cJSON_IsObject(c) || cJSON_IsArray(c)) && param_has_secrets(c))
                        return true;
        }
        return false;
}

/**
 * param_redact_secrets: a deep copy of @param with every credential replaced by
 * "(redacted)" and passwords cut out of git URLs.
 * Return: the copy (free with cJSON_Delete()), or NULL on out of memory.
 */
cJSON *param_redact_secrets(const cJSON *param) {
        cJSON *copy = cJSON_Duplicate(param, true);

        if (copy && redact(copy) < 0) {
                cJSON_Delete(copy);
                return NULL;
        }
        return copy;
}
