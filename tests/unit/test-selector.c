/* SPDX-License-Identifier: MIT */
/* test-selector.c: Herald's selectors as herald evaluates them (selector.c), and
 * json_equal(), the comparison match_map and except_map use
 *
 * The cases follow ../shared/reference/herald-behaviour.md (Selectors): what Herald does
 * is kept, except numbers compare by value and maps and lists compare deeply (Herald
 * compares them with Go's == and crashes on maps).
 *
 * 'external' runs its program under the caller's event loop (selector_select_async());
 * the tests below prove what heraldd counts on: a slow program holds up nothing else,
 * programs run side by side, the time limit kills the program and all it started, and
 * cancelling kills and reaps it. The times are wide enough for a loaded 2-core machine
 * and still fail when the programs run one after the other.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "json-parse.h"
#include "json-util.h"
#include "macro.h"
#include "selector.h"
#include "workflow.h"

#define TIMEOUT_USEC (5 * 1000000ULL)

static cJSON *json(const char *text) {
        cJSON *v = NULL;

        if (json_parse(text, strlen(text), &v) < 0)
                fail_msg("test JSON does not parse: %s", text);
        return v;
}

/* selector_select() with a selector of TYPE and params PARAMS (JSON text), on a firing
 * with TRIGGER_PARAM and a task with SELECT_PARAM. */
static int select_on(TriggerType trigger, int type, const char *params, const char *trigger_param,
                     const char *select_param) {
        _cleanup_json_ cJSON *tp = json(trigger_param), *sp = json(select_param);
        Component sel = { .kind = COMPONENT_SELECTOR, .name = (char *) "s", .type = type, .params = json(params) };
        int r;

        r = selector_select(&sel, trigger, tp, sp, TIMEOUT_USEC);
        cJSON_Delete(sel.params);
        return r;
}

/* ... on a tick firing. */
static int select3(int type, const char *params, const char *trigger_param, const char *select_param) {
        return select_on(TRIGGER_TICK, type, params, trigger_param, select_param);
}

static int match(const char *trigger_param, const char *select_param) {
        return select3(SELECTOR_MATCH_MAP, "{}", trigger_param, select_param);
}

static int except(const char *trigger_param, const char *select_param) {
        return select3(SELECTOR_EXCEPT_MAP, "{}", trigger_param, select_param);
}

static int select_skip(const char *trigger_param, const char *select_param) {
        return select3(SELECTOR_SKIP, "{}", trigger_param, select_param);
}

static bool equal(const char *a, const char *b) {
        _cleanup_json_ cJSON *x = json(a), *y = json(b);
        bool r = json_equal(x, y);

        /* the comparison is symmetric whatever the case */
        assert_int_equal(json_equal(y, x), r);
        return r;
}

static void test_json_equal(void **state) {
        /* numbers by value: a YAML 1 matches an HTTP body's 1.0 (Herald: never) */
        assert_true(equal("1", "1.0"));
        assert_true(equal("1", "1e0"));
        assert_true(equal("-0", "0"));
        assert_false(equal("1", "2"));
        assert_false(equal("1", "\"1\""));
        /* integers past a double's 53 bits keep every digit and compare exactly */
        assert_true(equal("18446744073709551615", "18446744073709551615"));
        assert_false(equal("18446744073709551615", "18446744073709551614"));
        assert_true(equal("true", "true"));
        assert_false(equal("true", "false"));
        assert_false(equal("true", "1"));
        assert_true(equal("null", "null"));
        assert_false(equal("null", "false"));
        assert_true(equal("\"x\"", "\"x\""));
        assert_false(equal("\"x\"", "\"X\""));
        /* strings holding U+0000 (kept as escaped literals; found by fuzz-selector) */
        assert_true(equal("\"a\\u0000b\"", "\"a\\u0000b\""));
        assert_true(equal("\"a\\u0000b\"", "\"\\u0061\\u0000b\""));
        assert_false(equal("\"a\\u0000b\"", "\"a\\u0000c\""));
        assert_false(equal("\"a\\u0000\"", "\"a\""));
        /* deep: maps by members (order does not matter), lists by position */
        assert_true(equal("{\"a\":1,\"b\":[1,{\"c\":null}]}", "{\"b\":[1.0,{\"c\":null}],\"a\":1}"));
        assert_false(equal("{\"a\":1}", "{\"a\":1,\"b\":2}"));
        assert_false(equal("{\"a\":1}", "{\"b\":1}"));
        assert_false(equal("[1,2]", "[2,1]"));
        assert_false(equal("[1,2]", "[1,2,3]"));
        assert_true(equal("[]", "[]"));
        assert_false(equal("[]", "{}"));
        assert_true(json_equal(NULL, NULL));
}

static void test_all(void **state) {
        assert_int_equal(select3(SELECTOR_ALL, "{}", "{}", "{}"), 1);
        assert_int_equal(select3(SELECTOR_ALL, "{}", "{\"counter\":3}", "{\"match_key\":\"x\"}"), 1);
}

static void test_match_map(void **state) {
        assert_int_equal(match("{\"env\":\"prod\"}", "{\"match_key\":\"env\",\"match_value\":\"prod\"}"), 1);
        assert_int_equal(match("{\"env\":\"dev\"}", "{\"match_key\":\"env\",\"match_value\":\"prod\"}"), 0);
        /* the key walks maps along '/' */
        assert_int_equal(match("{\"a\":{\"b\":{\"c\":5}}}", "{\"match_key\":\"a/b/c\",\"match_value\":5}"), 1);
        assert_int_equal(match("{\"a\":{\"b\":[5]}}", "{\"match_key\":\"a/b/0\",\"match_value\":5}"), 0);
        /* an HTTP body's numbers are floats in Herald; here they match by value */
        assert_int_equal(match("{\"v\":1.0}", "{\"match_key\":\"v\",\"match_value\":1}"), 1);
        /* maps and lists compare deeply (Herald crashed) */
        assert_int_equal(match("{\"m\":{\"x\":[1,2]}}", "{\"match_key\":\"m\",\"match_value\":{\"x\":[1,2]}}"), 1);
        assert_int_equal(match("{\"m\":{\"x\":[1,2]}}", "{\"match_key\":\"m\",\"match_value\":{\"x\":[2,1]}}"), 0);
        assert_int_equal(match("{\"n\":\"a\\u0000b\"}", "{\"match_key\":\"n\",\"match_value\":\"a\\u0000b\"}"), 1);
        /* nothing to match: not selected */
        assert_int_equal(match("{}", "{\"match_key\":\"env\",\"match_value\":\"prod\"}"), 0);
        assert_int_equal(match("{\"env\":\"prod\"}", "{}"), 0);
        assert_int_equal(match("{\"env\":\"prod\"}", "{\"match_key\":1,\"match_value\":\"prod\"}"), 0);
}

static void test_except_map(void **state) {
        assert_int_equal(except("{\"env\":\"prod\"}", "{\"except_key\":\"env\",\"except_value\":\"prod\"}"), 0);
        assert_int_equal(except("{\"env\":\"dev\"}", "{\"except_key\":\"env\",\"except_value\":\"prod\"}"), 1);
        assert_int_equal(except("{\"a\":{\"b\":2}}", "{\"except_key\":\"a/b\",\"except_value\":2.0}"), 0);
        assert_int_equal(except("{}", "{\"except_key\":\"env\",\"except_value\":\"prod\"}"), 1);
        assert_int_equal(except("{\"env\":\"prod\"}", "{}"), 1);
        /* match_map's keys mean nothing to except_map */
        assert_int_equal(except("{\"env\":\"prod\"}", "{\"match_key\":\"env\",\"match_value\":\"prod\"}"), 1);
}

static void test_skip(void **state) {
        char tp[64];
        int got[7];

        /* skip_number N selects when counter % (N+1) == 0; the counter starts at 1 */
        for (int c = 1; c <= 6; c++) {
                snprintf(tp, sizeof tp, "{\"counter\":%d}", c);
                got[c] = select_skip(tp, "{\"skip_number\":2}");
        }
        assert_int_equal(got[1], 0);
        assert_int_equal(got[2], 0);
        assert_int_equal(got[3], 1);
        assert_int_equal(got[4], 0);
        assert_int_equal(got[5], 0);
        assert_int_equal(got[6], 1);
        assert_int_equal(select_skip("{\"counter\":5}", "{\"skip_number\":0}"), 1);   /* 0: every firing */

        /* 0, negative, missing, a string or a fraction: always selected */
        assert_int_equal(select_skip("{\"counter\":5}", "{\"skip_number\":-3}"), 1);
        assert_int_equal(select_skip("{\"counter\":5}", "{}"), 1);
        assert_int_equal(select_skip("{\"counter\":5}", "{\"skip_number\":\"2\"}"), 1);
        assert_int_equal(select_skip("{\"counter\":5}", "{\"skip_number\":1.5}"), 1);
        /* a positive skip_number and no integer counter: never */
        assert_int_equal(select_skip("{}", "{\"skip_number\":1}"), 0);
        assert_int_equal(select_skip("{\"counter\":\"4\"}", "{\"skip_number\":1}"), 0);
        assert_int_equal(select_skip("{\"counter\":4.5}", "{\"skip_number\":1}"), 0);
}

/* Herald (reference, kept): only the tick trigger's counter is an int; a counter that
 * came as JSON (an HTTP body, exe_done) is a float64 and never selects with a positive
 * skip_number, even when it is integral. */
static void test_skip_not_tick(void **state) {
        static const TriggerType others[] = { TRIGGER_HTTP, TRIGGER_EXE_DONE, TRIGGER_CRON };

        for (size_t i = 0; i < sizeof others / sizeof *others; i++) {
                for (int c = 0; c <= 6; c++) {
                        char tp[64];
                        snprintf(tp, sizeof tp, "{\"counter\":%d}", c);
                        assert_int_equal(select_on(others[i], SELECTOR_SKIP, "{}", tp, "{\"skip_number\":1}"), 0);
                }
                /* what selects always still does */
                assert_int_equal(select_on(others[i], SELECTOR_SKIP, "{}", "{\"counter\":4}", "{\"skip_number\":0}"), 1);
                assert_int_equal(select_on(others[i], SELECTOR_SKIP, "{}", "{\"counter\":4}", "{}"), 1);
        }
        /* the same counter on a tick firing does select */
        assert_int_equal(select_on(TRIGGER_TICK, SELECTOR_SKIP, "{}", "{\"counter\":4}", "{\"skip_number\":1}"), 1);
}

static char *script(const char *dir, const char *name, const char *body) {
        char *path = NULL;
        FILE *f;

        assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
        f = fopen(path, "we");
        assert_non_null(f);
        fprintf(f, "#!/bin/sh\n%s\n", body);
        assert_int_equal(fclose(f), 0);
        assert_int_equal(chmod(path, 0755), 0);
        return path;
}

static int external(const char *program, const char *extra_params, uint64_t timeout_usec) {
        _cleanup_free_ char *params = NULL;
        _cleanup_json_ cJSON *tp = json("{\"counter\":7,\"a\":\"b c\"}"), *sp = json("{\"k\":[1,2]}");
        Component sel = { .kind = COMPONENT_SELECTOR, .name = (char *) "s", .type = SELECTOR_EXTERNAL };
        int r;

        assert_true(asprintf(&params, "{\"program\":\"%s\"%s}", program, extra_params) > 0);
        sel.params = json(params);
        r = selector_select(&sel, TRIGGER_TICK, tp, sp, timeout_usec);
        cJSON_Delete(sel.params);
        return r;
}

static void test_external(void **state) {
        char dir[] = "/tmp/test-selector-XXXXXX";
        _cleanup_free_ char *yes = NULL, *no = NULL, *env = NULL, *renamed = NULL, *argv = NULL, *slow = NULL;
        struct timespec a, b;
        int r;

        assert_non_null(mkdtemp(dir));
        yes = script(dir, "yes", "exit 0");
        no = script(dir, "no", "exit 3");
        /* the params reach the program as compact JSON in its environment */
        env = script(dir, "env", "[ \"$HERALD_TRIGGER_PARAM\" = '{\"counter\":7,\"a\":\"b c\"}' ] && "
                                 "[ \"$HERALD_SELECT_PARAM\" = '{\"k\":[1,2]}' ]");
        renamed = script(dir, "renamed", "[ \"$TP\" = '{\"counter\":7,\"a\":\"b c\"}' ] && [ \"$SP\" = '{\"k\":[1,2]}' ] && "
                                         "[ -z \"$HERALD_TRIGGER_PARAM\" ]");
        /* no arguments, ever */
        argv = script(dir, "argv", "[ $# -eq 0 ]");
        slow = script(dir, "slow", "exec sleep 30");

        assert_int_equal(external(yes, "", TIMEOUT_USEC), 1);
        assert_int_equal(external(no, "", TIMEOUT_USEC), 0);
        assert_int_equal(external(env, "", TIMEOUT_USEC), 1);
        assert_int_equal(external(renamed, ",\"trigger_param_env\":\"TP\",\"select_param_env\":\"SP\"", TIMEOUT_USEC), 1);
        assert_int_equal(external(argv, "", TIMEOUT_USEC), 1);
        /* a program that cannot start decides nothing (the caller counts it as not selected) */
        assert_true(external("/nonexistent/selector", "", TIMEOUT_USEC) < 0);

        /* a hanging program is killed at the time limit */
        clock_gettime(CLOCK_MONOTONIC, &a);
        r = external(slow, "", 200 * 1000);
        clock_gettime(CLOCK_MONOTONIC, &b);
        assert_int_equal(r, -ETIME);
        assert_true((b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000 < 5000);

        /* no program: an error, not a selection */
        {
                _cleanup_json_ cJSON *tp = json("{}"), *sp = json("{}");
                Component sel = { .kind = COMPONENT_SELECTOR, .name = (char *) "s", .type = SELECTOR_EXTERNAL,
                                  .params = json("{}") };
                assert_true(selector_select(&sel, TRIGGER_TICK, tp, sp, TIMEOUT_USEC) < 0);
                cJSON_Delete(sel.params);
        }

        for (const char *const *p = (const char *const[]) { yes, no, env, renamed, argv, slow, NULL }; *p; p++)
                assert_int_equal(unlink(*p), 0);
        assert_int_equal(rmdir(dir), 0);
}

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

/* sd-event's rule for child sources; restored by unblock_sigchld(). */
static sigset_t block_sigchld(void) {
        sigset_t chld, old;

        sigemptyset(&chld);
        sigaddset(&chld, SIGCHLD);
        assert_int_equal(sigprocmask(SIG_BLOCK, &chld, &old), 0);
        return old;
}

static void unblock_sigchld(sigset_t old) {
        assert_int_equal(sigprocmask(SIG_SETMASK, &old, NULL), 0);
}

/* No child of ours is left, not even a zombie. */
static void assert_no_children(void) {
        siginfo_t si = {};

        assert_int_equal(waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT), -1);
        assert_int_equal(errno, ECHILD);
}

/* The process is dead: gone, or a zombie waiting for whoever it was reparented to.
 * SIGKILL takes effect when the process next runs: waits up to 5 s for that. */
static bool process_dead(pid_t pid) {
        for (int i = 0; i < 500; i++) {
                char path[64], buf[512];
                const char *paren;
                ssize_t n;
                int fd;

                snprintf(path, sizeof path, "/proc/%d/stat", (int) pid);
                fd = open(path, O_RDONLY | O_CLOEXEC);
                if (fd < 0)
                        return errno == ENOENT;
                n = read(fd, buf, sizeof buf - 1);
                close(fd);
                if (n <= 0)
                        return true;
                buf[n] = 0;
                paren = strrchr(buf, ')');
                if (paren && paren[1] == ' ' && (paren[2] == 'Z' || paren[2] == 'X'))
                        return true;
                usleep(10 * 1000);
        }
        return false;
}

/* The pid a script wrote to FILE, waiting up to 5 s for it. */
static pid_t read_pid(const char *file) {
        for (int i = 0; i < 500; i++) {
                FILE *f = fopen(file, "re");
                int pid = 0;

                if (f) {
                        bool ok = fscanf(f, "%d", &pid) == 1;
                        fclose(f);
                        if (ok && pid > 0)
                                return pid;
                }
                usleep(10 * 1000);
        }
        fail_msg("no pid in %s", file);
        return 0;
}

typedef struct Done {
        int result;
        unsigned calls;
        uint64_t at_usec;
        bool free_query;                /* free the query from the callback */
        SelectorQuery *query;
} Done;

static void on_done(int result, void *userdata) {
        Done *d = userdata;

        d->result = result;
        d->calls++;
        d->at_usec = now_usec();
        if (d->free_query)
                d->query = selector_query_free(d->query);
}

/* selector_select_async() of an external selector running PROGRAM, on E. */
static int start(sd_event *e, const char *program, const char *extra_params, uint64_t timeout_usec,
                 Done *d, SelectorQuery **ret) {
        _cleanup_free_ char *params = NULL;
        _cleanup_json_ cJSON *tp = json("{\"counter\":7}"), *sp = json("{}");
        Component sel = { .kind = COMPONENT_SELECTOR, .name = (char *) "s", .type = SELECTOR_EXTERNAL };
        int r;

        assert_true(asprintf(&params, "{\"program\":\"%s\"%s}", program, extra_params) > 0);
        sel.params = json(params);
        /* the selector and params may go once it started: the program has its copy */
        r = selector_select_async(e, &sel, TRIGGER_HTTP, tp, sp, timeout_usec, on_done, d, ret);
        cJSON_Delete(sel.params);
        return r;
}

/* Runs E until every Done in D has its callback, or 10 s passed. */
static void run_until_done(sd_event *e, Done *const *d) {
        uint64_t until = now_usec() + 10 * 1000000ULL;

        for (;;) {
                bool all = true;

                for (Done *const *i = d; *i; i++)
                        all = all && (*i)->calls > 0;
                if (all)
                        return;
                assert_true(now_usec() < until);
                assert_true(sd_event_run(e, 100 * 1000) >= 0);
        }
}

typedef struct PureLater {
        sd_event *e;
        const Done *slow;
        int result;
        bool slow_was_pending;
        uint64_t at_usec;
} PureLater;

static void never_called(int result, void *userdata) {
        fail_msg("a pure selector called back");
}

static int on_pure_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        PureLater *p = userdata;
        _cleanup_json_ cJSON *tp = json("{\"env\":\"prod\"}"), *sp = json("{\"match_key\":\"env\",\"match_value\":\"prod\"}");
        Component sel = { .kind = COMPONENT_SELECTOR, .name = (char *) "m", .type = SELECTOR_MATCH_MAP };
        SelectorQuery *q = NULL;

        sel.params = json("{}");
        p->result = selector_select_async(p->e, &sel, TRIGGER_HTTP, tp, sp, TIMEOUT_USEC, never_called, NULL, &q);
        cJSON_Delete(sel.params);
        assert_null(q);
        p->slow_was_pending = p->slow->calls == 0;
        p->at_usec = now_usec();
        return 0;
}

static void test_async_pure_not_blocked(void **state) {
        char dir[] = "/tmp/test-selector-XXXXXX";
        _cleanup_free_ char *slow = NULL;
        _cleanup_(selector_query_freep) SelectorQuery *q = NULL;
        sigset_t old = block_sigchld();
        Done d = {};
        PureLater p = { .slow = &d, .result = -1 };
        sd_event_source *timer = NULL;
        sd_event *e = NULL;
        uint64_t t0;

        assert_non_null(mkdtemp(dir));
        slow = script(dir, "slow", "sleep 1; exit 0");
        assert_int_equal(sd_event_new(&e), 0);
        p.e = e;

        t0 = now_usec();
        assert_int_equal(start(e, slow, "", TIMEOUT_USEC, &d, &q), SELECTOR_PENDING);
        assert_non_null(q);
        /* a pure selector, asked on the same loop 100 ms later, decides at once */
        assert_true(sd_event_add_time_relative(e, &timer, CLOCK_MONOTONIC, 100 * 1000, 1000, on_pure_timer, &p) >= 0);
        run_until_done(e, (Done *const[]) { &d, NULL });

        assert_int_equal(p.result, 1);
        assert_true(p.slow_was_pending);
        assert_true(p.at_usec - t0 < 700 * 1000);
        assert_true(p.at_usec < d.at_usec);
        assert_int_equal(d.calls, 1);
        assert_int_equal(d.result, 1);
        assert_true(d.at_usec - t0 >= 1000 * 1000);

        q = selector_query_free(q);
        sd_event_source_unref(timer);
        sd_event_unref(e);
        assert_no_children();
        unblock_sigchld(old);
        assert_int_equal(unlink(slow), 0);
        assert_int_equal(rmdir(dir), 0);
}

static void test_async_parallel(void **state) {
        char dir[] = "/tmp/test-selector-XXXXXX";
        _cleanup_free_ char *a = NULL, *b = NULL;
        _cleanup_(selector_query_freep) SelectorQuery *qa = NULL, *qb = NULL;
        sigset_t old = block_sigchld();
        Done da = {}, db = {};
        sd_event *e = NULL;
        uint64_t t0, wall;

        assert_non_null(mkdtemp(dir));
        a = script(dir, "a", "sleep 1; exit 0");
        b = script(dir, "b", "sleep 1; exit 1");
        assert_int_equal(sd_event_new(&e), 0);

        t0 = now_usec();
        assert_int_equal(start(e, a, "", TIMEOUT_USEC, &da, &qa), SELECTOR_PENDING);
        assert_int_equal(start(e, b, "", TIMEOUT_USEC, &db, &qb), SELECTOR_PENDING);
        run_until_done(e, (Done *const[]) { &da, &db, NULL });
        wall = now_usec() - t0;

        assert_int_equal(da.result, 1);
        assert_int_equal(db.result, 0);
        assert_int_equal(da.calls, 1);
        assert_int_equal(db.calls, 1);
        /* side by side: one after the other would take 2 s */
        assert_true(wall >= 1000 * 1000);
        assert_true(wall < 1800 * 1000);

        qa = selector_query_free(qa);
        qb = selector_query_free(qb);
        sd_event_unref(e);
        assert_no_children();
        unblock_sigchld(old);
        assert_int_equal(unlink(a), 0);
        assert_int_equal(unlink(b), 0);
        assert_int_equal(rmdir(dir), 0);
}

static void test_async_timeout(void **state) {
        char dir[] = "/tmp/test-selector-XXXXXX";
        _cleanup_free_ char *forever = NULL, *body = NULL, *pidfile = NULL;
        _cleanup_(selector_query_freep) SelectorQuery *q = NULL;
        sigset_t old = block_sigchld();
        Done d = {};
        sd_event *e = NULL;
        uint64_t t0;
        pid_t grandchild;

        assert_non_null(mkdtemp(dir));
        assert_true(asprintf(&pidfile, "%s/pid", dir) > 0);
        /* the shell waits for a child of its own: the kill must reach both */
        assert_true(asprintf(&body, "sleep 1000 & echo $! > %s; wait", pidfile) > 0);
        forever = script(dir, "forever", body);
        assert_int_equal(sd_event_new(&e), 0);

        t0 = now_usec();
        assert_int_equal(start(e, forever, "", 300 * 1000, &d, &q), SELECTOR_PENDING);
        run_until_done(e, (Done *const[]) { &d, NULL });

        assert_int_equal(d.calls, 1);
        assert_int_equal(d.result, -ETIME);
        assert_true(d.at_usec - t0 >= 300 * 1000);
        assert_true(d.at_usec - t0 < 3000 * 1000);
        grandchild = read_pid(pidfile);
        assert_true(process_dead(grandchild));

        /* nothing more comes */
        assert_true(sd_event_run(e, 200 * 1000) >= 0);
        assert_int_equal(d.calls, 1);

        q = selector_query_free(q);
        sd_event_unref(e);
        assert_no_children();
        unblock_sigchld(old);
        assert_int_equal(unlink(pidfile), 0);
        assert_int_equal(unlink(forever), 0);
        assert_int_equal(rmdir(dir), 0);
}

static void test_async_cancel(void **state) {
        char dir[] = "/tmp/test-selector-XXXXXX";
        _cleanup_free_ char *forever = NULL, *body = NULL, *pidfile = NULL, *gpidfile = NULL;
        SelectorQuery *q = NULL;
        sigset_t old = block_sigchld();
        Done d = {};
        sd_event *e = NULL;
        pid_t child, grandchild;

        assert_non_null(mkdtemp(dir));
        assert_true(asprintf(&pidfile, "%s/pid", dir) > 0);
        assert_true(asprintf(&gpidfile, "%s/gpid", dir) > 0);
        assert_true(asprintf(&body, "echo $$ > %s; sleep 1000 & echo $! > %s; wait", pidfile, gpidfile) > 0);
        forever = script(dir, "forever", body);
        assert_int_equal(sd_event_new(&e), 0);

        assert_int_equal(start(e, forever, "", TIMEOUT_USEC, &d, &q), SELECTOR_PENDING);
        child = read_pid(pidfile);
        grandchild = read_pid(gpidfile);

        q = selector_query_free(q);
        /* reaped here: not even a zombie is left, and no callback comes */
        assert_no_children();
        assert_true(process_dead(child));
        assert_true(process_dead(grandchild));
        assert_true(sd_event_run(e, 200 * 1000) >= 0);
        assert_int_equal(d.calls, 0);

        /* a query freed from its own callback: the child is reaped all the same */
        {
                _cleanup_free_ char *yes = script(dir, "yes", "exit 0");
                Done f = { .free_query = true };

                assert_int_equal(start(e, yes, "", TIMEOUT_USEC, &f, &f.query), SELECTOR_PENDING);
                run_until_done(e, (Done *const[]) { &f, NULL });
                assert_null(f.query);
                assert_int_equal(f.result, 1);
                assert_int_equal(unlink(yes), 0);
        }

        sd_event_unref(e);
        assert_no_children();
        unblock_sigchld(old);
        assert_int_equal(unlink(pidfile), 0);
        assert_int_equal(unlink(gpidfile), 0);
        assert_int_equal(unlink(forever), 0);
        assert_int_equal(rmdir(dir), 0);
}

static void test_async_errors(void **state) {
        _cleanup_json_ cJSON *tp = json("{}"), *sp = json("{}");
        Component sel = { .kind = COMPONENT_SELECTOR, .name = (char *) "s", .type = SELECTOR_EXTERNAL };
        SelectorQuery *q = NULL;
        sigset_t chld, old;
        sd_event *e = NULL;
        Done d = {};

        assert_int_equal(sd_event_new(&e), 0);
        sel.params = json("{\"program\":\"/bin/true\"}");

        /* SIGCHLD not blocked: refused before anything runs */
        sigemptyset(&chld);
        sigaddset(&chld, SIGCHLD);
        assert_int_equal(sigprocmask(SIG_UNBLOCK, &chld, &old), 0);
        assert_int_equal(selector_select_async(e, &sel, TRIGGER_HTTP, tp, sp, TIMEOUT_USEC, on_done, &d, &q), -EBUSY);
        assert_null(q);
        assert_no_children();

        /* selector_select() blocks it itself, and gives the mask back as it was */
        assert_int_equal(selector_select(&sel, TRIGGER_TICK, tp, sp, TIMEOUT_USEC), 1);
        {
                sigset_t now;
                assert_int_equal(sigprocmask(SIG_SETMASK, NULL, &now), 0);
                assert_false(sigismember(&now, SIGCHLD));
        }

        block_sigchld();
        /* a program that cannot start: an error now, no callback */
        cJSON_Delete(sel.params);
        sel.params = json("{\"program\":\"/nonexistent/selector\"}");
        assert_int_equal(selector_select_async(e, &sel, TRIGGER_HTTP, tp, sp, TIMEOUT_USEC, on_done, &d, &q), -ENOENT);
        assert_null(q);
        /* pure selectors need no loop and no callback */
        assert_int_equal(selector_select_async(NULL, NULL, TRIGGER_HTTP, tp, sp, TIMEOUT_USEC, NULL, NULL, NULL), 0);
        sel.type = SELECTOR_ALL;
        assert_int_equal(selector_select_async(NULL, &sel, TRIGGER_HTTP, tp, sp, TIMEOUT_USEC, NULL, NULL, NULL), 1);
        assert_int_equal(d.calls, 0);

        cJSON_Delete(sel.params);
        sd_event_unref(e);
        assert_no_children();
        assert_int_equal(sigprocmask(SIG_SETMASK, &old, NULL), 0);
}

static void test_external_env(void **state) {
        char dir[] = "/tmp/test-selector-XXXXXX";
        _cleanup_free_ char *check = NULL, *body = NULL;
        int fd;

        assert_non_null(mkdtemp(dir));
        /* an fd we hold without O_CLOEXEC does not reach the program */
        fd = open("/dev/null", O_RDONLY);
        assert_true(fd > 2);
        /* our variables of the same names are replaced, not shadowing; the rest is
         * passed on; stdin is /dev/null */
        assert_int_equal(setenv("HERALD_TRIGGER_PARAM", "stale", 1), 0);
        assert_int_equal(setenv("HERALD_TEST_KEPT", "yes", 1), 0);
        assert_true(asprintf(&body,
                             "[ \"$HERALD_TRIGGER_PARAM\" = '{\"counter\":7,\"a\":\"b c\"}' ] || exit 1\n"
                             "[ \"$(env | grep -c '^HERALD_TRIGGER_PARAM=')\" = 1 ] || exit 2\n"
                             "[ \"$HERALD_TEST_KEPT\" = yes ] || exit 3\n"
                             "[ ! -e /proc/$$/fd/%d ] || exit 4\n"
                             "[ \"$(readlink /proc/$$/fd/0)\" = /dev/null ] || exit 5\n"
                             "[ \"$(cut -d' ' -f5 /proc/$$/stat)\" = $$ ] || exit 6\n"
                             "exit 0", fd) > 0);
        check = script(dir, "check", body);

        /* (6: the program leads a process group of its own) */
        assert_int_equal(external(check, "", TIMEOUT_USEC), 1);
        /* a variable name that is empty or holds '=' cannot be set */
        assert_int_equal(external(check, ",\"trigger_param_env\":\"A=B\"", TIMEOUT_USEC), -EINVAL);
        assert_int_equal(external(check, ",\"select_param_env\":\"\"", TIMEOUT_USEC), -EINVAL);

        assert_int_equal(unsetenv("HERALD_TRIGGER_PARAM"), 0);
        assert_int_equal(unsetenv("HERALD_TEST_KEPT"), 0);
        close(fd);
        assert_int_equal(unlink(check), 0);
        assert_int_equal(rmdir(dir), 0);
}

static void test_broken_or_missing(void **state) {
        _cleanup_json_ cJSON *tp = json("{}"), *sp = json("{}");
        Component sel = { .kind = COMPONENT_SELECTOR, .name = (char *) "s", .type = SELECTOR_ALL, .broken = true };

        /* a router whose selector is missing or broken runs none of its tasks (Herald) */
        assert_int_equal(selector_select(NULL, TRIGGER_TICK, tp, sp, TIMEOUT_USEC), 0);
        assert_int_equal(selector_select(&sel, TRIGGER_TICK, tp, sp, TIMEOUT_USEC), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_json_equal),
                cmocka_unit_test(test_all),
                cmocka_unit_test(test_match_map),
                cmocka_unit_test(test_except_map),
                cmocka_unit_test(test_skip),
                cmocka_unit_test(test_skip_not_tick),
                cmocka_unit_test(test_external),
                cmocka_unit_test(test_external_env),
                cmocka_unit_test(test_async_pure_not_blocked),
                cmocka_unit_test(test_async_parallel),
                cmocka_unit_test(test_async_timeout),
                cmocka_unit_test(test_async_cancel),
                cmocka_unit_test(test_async_errors),
                cmocka_unit_test(test_broken_or_missing),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
