/* SPDX-License-Identifier: MIT */
/* selector.c: all, match_map, except_map, skip and external, as Herald defines them
 *
 * The pure selectors decide at once. 'external' runs a program (Herald's interface,
 * kept) and decides when it exits; Herald ran it in its one dispatch loop, so a slow
 * selector held up every trigger. Here the program is started (spawn-util.c) and watched
 * by the caller's sd-event loop, with a time limit; heraldd goes on meanwhile.
 * selector_select() is the same with a private loop, for herald-activate.
 */
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>

#include "json-util.h"
#include "log.h"
#include "selector.h"
#include "spawn-util.h"

/* The time limit is a kill, not a deadline to the microsecond; sd-event's default
 * (250 ms) would let a short limit run far over. */
#define SELECTOR_TIMER_ACCURACY_USEC 1000

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

/* Herald's skip (reference: herald-behaviour.md, kept): its selector takes the counter
 * only as a Go int, which only the tick trigger makes. A `counter` that came as JSON (an
 * HTTP body, an exe_done param) is a float64 in Herald and never selects with a positive
 * skip_number, whatever its value: so here too, though herald's JSON keeps integers. */
static int select_skip(TriggerType trigger, const cJSON *trigger_param, const cJSON *select_param) {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(select_param, "skip_number");
        const cJSON *counter = cJSON_GetObjectItemCaseSensitive(trigger_param, "counter");
        double k, c;

        /* Herald: a missing, zero, negative, string or fractional skip_number selects always. */
        if (!cJSON_IsNumber(n) || n->valuedouble <= 0 || n->valuedouble != floor(n->valuedouble))
                return 1;
        k = n->valuedouble;
        if (trigger != TRIGGER_TICK)
                return 0;
        if (!cJSON_IsNumber(counter) || counter->valuedouble != floor(counter->valuedouble))
                return 0;
        c = counter->valuedouble;
        return fmod(c, k + 1) == 0;
}

/* The names of the two variables, Herald's or the selector's own. */
static int env_names(const Component *sel, const char **ret_trigger, const char **ret_select) {
        const cJSON *tenv = cJSON_GetObjectItemCaseSensitive(sel->params, "trigger_param_env");
        const cJSON *senv = cJSON_GetObjectItemCaseSensitive(sel->params, "select_param_env");
        const char *t = cJSON_IsString(tenv) ? tenv->valuestring : "HERALD_TRIGGER_PARAM";
        const char *s = cJSON_IsString(senv) ? senv->valuestring : "HERALD_SELECT_PARAM";

        if (isempty(t) || isempty(s) || strchr(t, '=') || strchr(s, '='))
                return -EINVAL;
        *ret_trigger = t;
        *ret_select = s;
        return 0;
}

/* Our environment, and the two params as compact JSON. */
static int external_env(const Component *sel, const cJSON *trigger_param, const cJSON *select_param, char ***ret) {
        _cleanup_free_ char *tp = NULL, *sp = NULL, *e1 = NULL, *e2 = NULL;
        const char *tname, *sname;
        int r;

        r = env_names(sel, &tname, &sname);
        if (r < 0)
                return r;
        tp = trigger_param ? cJSON_PrintUnformatted(trigger_param) : strdup("null");
        sp = select_param ? cJSON_PrintUnformatted(select_param) : strdup("null");
        if (!tp || !sp || asprintf(&e1, "%s=%s", tname, tp) < 0 || asprintf(&e2, "%s=%s", sname, sp) < 0)
                return -ENOMEM;

        return spawn_env_merge(environ, (char *const[]) { e1, e2, NULL }, ret);
}

struct SelectorQuery {
        sd_event_source *child;         /* watches the child; owns no pidfd (we do) */
        sd_event_source *timer;         /* the time limit, NULL for none */
        pid_t pid;                      /* leads its own process group */
        int pidfd;                      /* or -1 */
        bool exited;                    /* the child event came: sd-event reaps it */
        bool timed_out;
        SelectorDoneFunc cb;
        void *userdata;
};

/* Kill the child and all it started. Only while it is not reaped (exited, it is a
 * zombie at worst, which keeps its pid and group id from being reused). The leader is
 * also killed through its pidfd, in case it left its group. */
static void query_kill(SelectorQuery *q) {
        int r;

        r = spawn_kill(q->pid, -1, true, SIGKILL);
        if (r < 0)
                log_debug_errno(r, "Could not kill the process group of external selector %d: %m", (int) q->pid);
        r = spawn_kill(q->pid, q->pidfd, false, SIGKILL);
        if (r < 0)
                log_debug_errno(r, "Could not kill external selector %d: %m", (int) q->pid);
}

/**
 * selector_query_free: cancel or release a query.
 * @q: the query, or NULL
 *
 * A pending query's program is killed (its whole process group) and reaped here, and
 * its callback is never called. May be called from the query's own callback.
 *
 * Return: NULL.
 */
SelectorQuery *selector_query_free(SelectorQuery *q) {
        if (!q)
                return NULL;

        q->timer = sd_event_source_disable_unref(q->timer);
        if (!q->exited && q->pid > 0) {
                /* Stop watching first: from here on the child is ours to reap. */
                q->child = sd_event_source_disable_unref(q->child);
                query_kill(q);
                for (;;) {
                        siginfo_t si = {};

                        if (waitid(P_PID, (id_t) q->pid, &si, WEXITED) >= 0 || errno != EINTR)
                                break;
                }
        }
        /* After the child event, sd-event reaps the child once the callback returns,
         * also when the source was unreferenced in the callback. */
        q->child = sd_event_source_disable_unref(q->child);
        if (q->pidfd >= 0)
                close(q->pidfd);
        free(q);
        return NULL;
}

static int on_timeout(sd_event_source *s, uint64_t usec, void *userdata) {
        SelectorQuery *q = userdata;

        log_debug("External selector %d ran past its time limit, killing it.", (int) q->pid);
        q->timed_out = true;
        query_kill(q);
        return 0;
}

static int on_child(sd_event_source *s, const siginfo_t *si, void *userdata) {
        SelectorQuery *q = userdata;
        int result;

        /* A selector decides by its exit; what it leaves running in its group (a
         * background process) would outlive it in the daemon's cgroup: killed too. */
        (void) spawn_kill(q->pid, -1, true, SIGKILL);
        q->exited = true;
        q->timer = sd_event_source_disable_unref(q->timer);

        if (q->timed_out)
                result = -ETIME;
        else
                result = si->si_code == CLD_EXITED && si->si_status == 0;
        log_debug("External selector %d ended (code %d, status %d): %s.", (int) q->pid, si->si_code, si->si_status,
                  result > 0 ? "selected" : result == 0 ? "not selected" : "timed out");

        q->cb(result, q->userdata);     /* may free q */
        return 0;
}

static bool sigchld_blocked(void) {
        sigset_t cur;

        return pthread_sigmask(SIG_SETMASK, NULL, &cur) == 0 && sigismember(&cur, SIGCHLD) == 1;
}

static int select_external_async(sd_event *e, const Component *sel, const cJSON *trigger_param,
                                 const cJSON *select_param, uint64_t timeout_usec,
                                 SelectorDoneFunc cb, void *userdata, SelectorQuery **ret) {
        const cJSON *prog = cJSON_GetObjectItemCaseSensitive(sel->params, "program");
        _cleanup_(selector_query_freep) SelectorQuery *q = NULL;
        _cleanup_strv_free_ char **env = NULL;
        int r;

        if (!cJSON_IsString(prog) || isempty(prog->valuestring))
                return -EINVAL;
        /* sd-event's requirement for child sources; checked before anything runs */
        if (!sigchld_blocked())
                return -EBUSY;

        r = external_env(sel, trigger_param, select_param, &env);
        if (r < 0)
                return r;

        q = calloc(1, sizeof *q);
        if (!q)
                return -ENOMEM;
        *q = (SelectorQuery) { .pidfd = -1, .cb = cb, .userdata = userdata };

        /* Herald: no argv, the program is one path, never split; cwd is ours. */
        SpawnOptions o = SPAWN_OPTIONS_INIT;
        o.path = prog->valuestring;
        o.envp = env;
        o.new_process_group = true;
        o.close_fds = true;
        r = spawn_process(&o, &q->pid, &q->pidfd);
        if (r < 0) {
                q->pid = 0;     /* nothing to kill */
                return r;
        }

        if (q->pidfd >= 0)
                r = sd_event_add_child_pidfd(e, &q->child, q->pidfd, WEXITED, on_child, q);
        else
                r = sd_event_add_child(e, &q->child, q->pid, WEXITED, on_child, q);
        if (r < 0)
                return r;       /* the cleanup kills and reaps it */

        if (timeout_usec != UINT64_MAX) {
                r = sd_event_add_time_relative(e, &q->timer, CLOCK_MONOTONIC, timeout_usec,
                                               SELECTOR_TIMER_ACCURACY_USEC, on_timeout, q);
                if (r < 0)
                        return r;
        }

        log_debug("External selector '%s' started as %d.", prog->valuestring, (int) q->pid);
        *ret = TAKE_PTR(q);
        return SELECTOR_PENDING;
}

/* The pure selectors, decided at once; SELECTOR_PENDING for 'external'. */
static int select_now(const Component *sel, TriggerType trigger, const cJSON *trigger_param, const cJSON *select_param) {
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
                return select_skip(trigger, trigger_param, select_param);
        case SELECTOR_EXTERNAL:
                return SELECTOR_PENDING;
        default:
                return 0;
        }
}

/**
 * selector_select_async: does the selector pass this firing for this task?
 * @e: the event loop that watches an external program
 * @selector: the selector; NULL or broken selects nothing (Herald)
 * @trigger_param: the firing's trigger param
 * @select_param: the task's select param
 * @timeout_usec: how long an external program may run before its process group is
 *      killed with SIGKILL (then @cb gets -ETIME); UINT64_MAX for no limit
 * @cb: called once, from @e, with the decision when it was not made at once
 * @userdata: for @cb
 * @ret: the query, when SELECTOR_PENDING; selector_query_free() cancels it or
 *      releases it once @cb was called
 *
 * all, match_map, except_map and skip decide at once. external starts its program
 * (no argv; the environment adds the params as compact JSON under HERALD_TRIGGER_PARAM
 * and HERALD_SELECT_PARAM, or the names in trigger_param_env/select_param_env; exit 0
 * selects) and returns; the child is watched by @e (a child event, never polling).
 * What the program leaves running in its process group when it exits is killed.
 *
 * SIGCHLD must be blocked in every thread (sd-event's rule for child sources).
 *
 * Return: 1 or 0, decided now (@cb is not called); SELECTOR_PENDING, @ret set; or a
 * negative errno (-EINVAL: no usable program or variable name, -EBUSY: SIGCHLD not
 * blocked, or spawn_process()'s error), which callers count as not selected.
 */
int selector_select_async(sd_event *e, const Component *selector, TriggerType trigger, const cJSON *trigger_param,
                          const cJSON *select_param, uint64_t timeout_usec,
                          SelectorDoneFunc cb, void *userdata, SelectorQuery **ret) {
        int r = select_now(selector, trigger, trigger_param, select_param);

        if (r != SELECTOR_PENDING)
                return r;
        if (!e || !cb || !ret)
                return -EINVAL;
        return select_external_async(e, selector, trigger_param, select_param, timeout_usec, cb, userdata, ret);
}

static void on_sync_done(int result, void *userdata) {
        int *r = userdata;

        *r = result;
}

/**
 * selector_select: selector_select_async(), waited for.
 * @selector: the selector
 * @trigger: the type of the firing's trigger
 * @trigger_param: the firing's trigger param
 * @select_param: the task's select param
 * @timeout_usec: for 'external', how long the program may run before it is killed
 *
 * An external program is watched by a private event loop; SIGCHLD is blocked while
 * it runs and the signal mask restored after.
 *
 * Return: 1 selected, 0 not selected, negative errno when it could not be decided
 * (e.g. the external program could not be started, -ETIME when it was killed at the
 * time limit): treated as not selected.
 */
int selector_select(const Component *selector, TriggerType trigger, const cJSON *trigger_param, const cJSON *select_param,
                    uint64_t timeout_usec) {
        _cleanup_(selector_query_freep) SelectorQuery *q = NULL;
        sd_event *e = NULL;
        sigset_t chld, old;
        int r, result = INT_MIN;

        r = select_now(selector, trigger, trigger_param, select_param);
        if (r != SELECTOR_PENDING)
                return r;

        sigemptyset(&chld);
        sigaddset(&chld, SIGCHLD);
        r = -pthread_sigmask(SIG_BLOCK, &chld, &old);
        if (r < 0)
                return r;

        r = sd_event_new(&e);
        if (r >= 0)
                r = selector_select_async(e, selector, trigger, trigger_param, select_param, timeout_usec,
                                          on_sync_done, &result, &q);
        while (r == SELECTOR_PENDING && result == INT_MIN) {
                int k = sd_event_run(e, UINT64_MAX);
                if (k < 0)
                        r = k;
        }
        if (r == SELECTOR_PENDING)
                r = result;

        q = selector_query_free(q);     /* before the loop goes */
        sd_event_unref(e);
        (void) pthread_sigmask(SIG_SETMASK, &old, NULL);
        return r;
}
