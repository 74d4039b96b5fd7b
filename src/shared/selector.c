/* SPDX-License-Identifier: MIT */
/* selector.c: all, match_map, except_map, skip and external, as Herald defines them */
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>

#include "json-util.h"
#include "selector.h"

extern char **environ;

static double json_number(const cJSON *j) {
        if (cJSON_IsRaw(j))
                return strtod(j->valuestring, NULL);
        return j->valuedouble;
}

static bool is_number(const cJSON *j) {
        return cJSON_IsNumber(j) || (cJSON_IsRaw(j) && j->valuestring &&
                                     (j->valuestring[0] == '-' || (j->valuestring[0] >= '0' && j->valuestring[0] <= '9')));
}

bool json_equal(const cJSON *a, const cJSON *b) {
        if (!a || !b)
                return a == b;
        if (is_number(a) && is_number(b)) {
                if (cJSON_IsRaw(a) && cJSON_IsRaw(b))
                        return streq(a->valuestring, b->valuestring);
                return json_number(a) == json_number(b);
        }
        if (cJSON_IsBool(a) && cJSON_IsBool(b))
                return cJSON_IsTrue(a) == cJSON_IsTrue(b);
        if ((a->type & 0xff) != (b->type & 0xff))
                return false;
        if (cJSON_IsNull(a))
                return true;
        /* a string holding U+0000 is a raw item with its escaped literal (json-parse.c),
         * escaped one way only, so equal strings have equal literals */
        if (cJSON_IsString(a) || cJSON_IsRaw(a))
                return streq(a->valuestring, b->valuestring);
        if (cJSON_IsArray(a)) {
                const cJSON *x = a->child, *y = b->child;
                for (; x && y; x = x->next, y = y->next)
                        if (!json_equal(x, y))
                                return false;
                return !x && !y;
        }
        if (cJSON_IsObject(a)) {
                if (cJSON_GetArraySize(a) != cJSON_GetArraySize(b))
                        return false;
                for (const cJSON *x = a->child; x; x = x->next)
                        if (!json_equal(x, cJSON_GetObjectItemCaseSensitive(b, x->string)))
                                return false;
                return true;
        }
        return false;
}

static int select_map(const cJSON *trigger_param, const cJSON *select_param, bool match) {
        const cJSON *key = cJSON_GetObjectItemCaseSensitive(select_param, match ? "match_key" : "except_key");
        const cJSON *want = cJSON_GetObjectItemCaseSensitive(select_param, match ? "match_value" : "except_value");
        const cJSON *have;
        bool hit;

        if (!cJSON_IsString(key))
                return match ? 0 : 1;
        have = json_path_lookup(trigger_param, key->valuestring);
        hit = have && (!want || json_equal(have, want));
        return match ? hit : !hit;
}

static int select_skip(const cJSON *trigger_param, const cJSON *select_param) {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(select_param, "skip_number");
        const cJSON *counter = cJSON_GetObjectItemCaseSensitive(trigger_param, "counter");
        double k, c;

        /* Herald: a missing, zero, negative, string or fractional skip_number selects always. */
        if (!cJSON_IsNumber(n) || n->valuedouble <= 0 || n->valuedouble != floor(n->valuedouble))
                return 1;
        k = n->valuedouble;
        if (!cJSON_IsNumber(counter) || counter->valuedouble != floor(counter->valuedouble))
                return 0;
        c = counter->valuedouble;
        return fmod(c, k + 1) == 0;
}

static int select_external(const Component *sel, const cJSON *trigger_param, const cJSON *select_param,
                           uint64_t timeout_usec) {
        const cJSON *prog = cJSON_GetObjectItemCaseSensitive(sel->params, "program");
        const cJSON *tenv = cJSON_GetObjectItemCaseSensitive(sel->params, "trigger_param_env");
        const cJSON *senv = cJSON_GetObjectItemCaseSensitive(sel->params, "select_param_env");
        _cleanup_free_ char *tp = NULL, *sp = NULL, *e1 = NULL, *e2 = NULL;
        posix_spawn_file_actions_t fa;
        char **env = NULL;
        size_t n = 0;
        pid_t pid;
        int r, status;

        if (!cJSON_IsString(prog))
                return -EINVAL;
        tp = cJSON_PrintUnformatted(trigger_param);
        sp = cJSON_PrintUnformatted(select_param);
        if (!tp || !sp ||
            asprintf(&e1, "%s=%s", cJSON_IsString(tenv) ? tenv->valuestring : "HERALD_TRIGGER_PARAM", tp) < 0 ||
            asprintf(&e2, "%s=%s", cJSON_IsString(senv) ? senv->valuestring : "HERALD_SELECT_PARAM", sp) < 0)
                return -ENOMEM;
        for (char **e = environ; e && *e; e++)
                n++;
        env = calloc(n + 3, sizeof *env);
        if (!env)
                return -ENOMEM;
        memcpy(env, environ, n * sizeof *env);
        env[n] = e1;
        env[n + 1] = e2;

        /* Herald: no argv, the program is one path, never split. */
        char *argv[] = { prog->valuestring, NULL };
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
        r = -posix_spawn(&pid, prog->valuestring, &fa, NULL, argv, env);
        posix_spawn_file_actions_destroy(&fa);
        free(env);
        if (r < 0)
                return r;

        /* Bounded: a hanging selector is killed, and counts as "not selected". */
        struct timespec start;
        clock_gettime(CLOCK_MONOTONIC, &start);
        for (;;) {
                pid_t w = waitpid(pid, &status, WNOHANG);
                if (w == pid)
                        break;
                if (w < 0 && errno != EINTR)
                        return -errno;
                struct timespec now;
                clock_gettime(CLOCK_MONOTONIC, &now);
                uint64_t elapsed = (uint64_t) (now.tv_sec - start.tv_sec) * 1000000 +
                                   (uint64_t) ((now.tv_nsec - start.tv_nsec) / 1000);
                if (elapsed > timeout_usec) {
                        kill(pid, SIGKILL);
                        waitpid(pid, &status, 0);
                        return -ETIME;
                }
                struct timespec d = { 0, 5 * 1000 * 1000 };
                nanosleep(&d, NULL);
        }
        return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

int selector_select(const Component *sel, const cJSON *trigger_param, const cJSON *select_param, uint64_t timeout_usec) {
        if (!sel || sel->broken)
                return 0;
        switch (sel->type) {
        case SELECTOR_ALL:
                return 1;
        case SELECTOR_MATCH_MAP:
                return select_map(trigger_param, select_param, true);
        case SELECTOR_EXCEPT_MAP:
                return select_map(trigger_param, select_param, false);
        case SELECTOR_SKIP:
                return select_skip(trigger_param, select_param);
        case SELECTOR_EXTERNAL:
                return select_external(sel, trigger_param, select_param, timeout_usec);
        default:
                return 0;
        }
}
