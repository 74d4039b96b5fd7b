/* SPDX-License-Identifier: MIT */
/* test-workflow.c: the loader, presets and checks, against herald-behaviour.md */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "plan.h"
#include "unit-emit.h"
#include "unit-name.h"
#include "workflow.h"

static Workflow *load(const char *yaml) {
        Workflow *w = NULL;
        assert_int_equal(workflow_load_string("t.yml", yaml, strlen(yaml), NULL, &w), 0);
        assert_non_null(w);
        return w;
}

/* Finds a diagnostic whose message or hint contains needle, at line (0: any line). */
static const Diag *find_diag(const Workflow *w, DiagLevel level, unsigned line, const char *needle) {
        for (size_t i = 0; i < w->diag.n_items; i++) {
                const Diag *d = &w->diag.items[i];
                if (d->level == level && (line == 0 || d->line == line) &&
                    (strstr(d->message, needle) || (d->hint && strstr(d->hint, needle)) || (d->key && streq(d->key, needle))))
                        return d;
        }
        diag_list_print(&w->diag, stderr, false);
        return NULL;
}

static const Task *task(const Workflow *w, const char *router, const char *name) {
        const Router *r = workflow_find_router(w, router);
        assert_non_null(r);
        for (size_t i = 0; i < r->n_tasks; i++)
                if (streq(r->tasks[i].name, name))
                        return &r->tasks[i];
        fail_msg("no task %s", name);
        return NULL;
}

static void test_preset_priority(void **state) {
        Workflow *w = load("trigger:\n  t: {type: tick, interval: 2}\n"
                           "preset:\n"
                           "  p1: {a: p1, b: p1, c: p1, d: p1}\n"
                           "  p2: {a: p2, b: p2, c: p2, d: p2, e: p2}\n"
                           "  p3: {a: p3, b: p3}\n"
                           "router:\n"
                           "  r:\n"
                           "    trigger: t\n"
                           "    selector: all\n"
                           "    job_param: {preset: [p2, p1], c: router, d: router}\n"
                           "    task:\n"
                           "      x:\n"
                           "        executor: print\n"
                           "        job_param: {preset: p3, a: task}\n");
        const Task *t = task(w, "r", "x");
        const cJSON *jp = t->job_param;
        /* task inline > task presets > router inline > router presets (first name wins) */
        assert_string_equal(cJSON_GetObjectItem(jp, "a")->valuestring, "task");
        assert_string_equal(cJSON_GetObjectItem(jp, "b")->valuestring, "p3");
        assert_string_equal(cJSON_GetObjectItem(jp, "c")->valuestring, "router");
        assert_string_equal(cJSON_GetObjectItem(jp, "e")->valuestring, "p2");
        assert_null(cJSON_GetObjectItem(jp, "preset"));
        assert_int_equal(w->diag.n_errors, 0);
        workflow_free(w);
}

static void test_task_preset_forms(void **state) {
        Workflow *w = load("preset:\n  p: {cmd: hostname}\n  q: {cmd: df, arg: [-h]}\n"
                           "router:\n  r:\n    trigger: tick\n    selector: all\n    job_param: p\n"
                           "    task:\n      a: {executor: local, job_param: p}\n      b: {executor: local, job_param: [q, p]}\n");
        assert_string_equal(cJSON_GetObjectItem(task(w, "r", "a")->job_param, "cmd")->valuestring, "hostname");
        assert_string_equal(cJSON_GetObjectItem(task(w, "r", "b")->job_param, "cmd")->valuestring, "df");
        /* a bare preset name at router level is silently ignored by Herald: we warn */
        assert_non_null(find_diag(w, DIAG_WARNING, 8, "only a map counts"));
        workflow_free(w);
}

static void test_cmd_true(void **state) {
        Workflow *w = load("router:\n  r:\n    trigger: tick\n    selector: all\n    task: {x: local}\n"
                           "    job_param:\n      cmd: true\n");
        const Diag *d = find_diag(w, DIAG_ERROR, 7, "cmd: \"true\"");
        assert_non_null(d);
        assert_int_equal(d->column, 12);
        assert_string_equal(d->key, "job_param/cmd");
        assert_true(task(w, "r", "x")->broken);
        workflow_free(w);
}

static void test_misspelled_key_and_types(void **state) {
        Workflow *w = load("trigger:\n  t:\n    type: tick\n    intervl: 5\n"
                           "  h:\n    type: http\n    port: \"9999\"\n"
                           "router:\n  r: {trigger: t, selector: all, task: {x: print}}\n");
        const Diag *d = find_diag(w, DIAG_WARNING, 4, "did you mean 'interval'?");
        assert_non_null(d);
        d = find_diag(w, DIAG_ERROR, 7, "quoted number");
        assert_non_null(d);
        assert_non_null(strstr(d->message, "expected an integer from 1 to 65535, found the string \"9999\""));
        /* several problems in one run */
        assert_true(w->diag.n_items >= 2);
        workflow_free(w);
}

static void test_exe_done_loop(void **state) {
        Workflow *w = load("router:\n"
                           "  a: {trigger: exe_done, selector: all, task: {p: print}}\n"
                           "  b:\n    trigger: exe_done\n    selector: match_map\n    task: {p: print}\n"
                           "    select_param: {match_key: router, match_value: b}\n"
                           "  c:\n    trigger: exe_done\n    selector: match_map\n    task: {p: print}\n"
                           "    select_param: {match_key: router, match_value: a}\n"
                           "  d:\n    trigger: exe_done\n    selector: except_map\n    task: {p: print}\n"
                           "    select_param: {except_key: router, except_value: d}\n");
        assert_non_null(find_diag(w, DIAG_ERROR, 2, "endless loop"));
        assert_non_null(find_diag(w, DIAG_ERROR, 5, "endless loop"));
        assert_false(workflow_find_router(w, "c")->broken);
        assert_false(workflow_find_router(w, "d")->broken);
        workflow_free(w);
}

/* skip counts only a tick's counter (Herald): with a positive skip_number it never
 * selects on another trigger, which validate says; on exe_done it is then no loop. */
static void test_skip_not_tick(void **state) {
        Workflow *w = load("trigger:\n  h: {type: http}\n  t: {type: tick, interval: 5}\n"
                           "router:\n"
                           "  a: {trigger: h, selector: skip, task: {x: print}, select_param: {skip_number: 2}}\n"
                           "  b: {trigger: t, selector: skip, task: {x: print}, select_param: {skip_number: 2}}\n"
                           "  c: {trigger: h, selector: skip, task: {x: print}}\n"
                           "  d: {trigger: exe_done, selector: skip, task: {x: print}, select_param: {skip_number: 1}}\n"
                           "  e: {trigger: exe_done, selector: skip, task: {x: print}}\n");
        assert_non_null(find_diag(w, DIAG_WARNING, 5, "never selects on a 'http' trigger"));
        assert_null(find_diag(w, DIAG_WARNING, 6, "never selects"));
        assert_null(find_diag(w, DIAG_WARNING, 7, "never selects"));
        assert_non_null(find_diag(w, DIAG_WARNING, 8, "never selects on a 'exe_done' trigger"));
        assert_null(find_diag(w, DIAG_ERROR, 8, "endless loop"));
        assert_non_null(find_diag(w, DIAG_ERROR, 9, "endless loop"));
        workflow_free(w);
}

static void test_http_without_secret(void **state) {
        Workflow *w = load("trigger:\n  h: {type: http, host: 0.0.0.0, port: 8181}\n  l: {type: http}\n"
                           "router:\n  r: {trigger: h, selector: all, task: {x: print}}\n  s: {trigger: l, selector: all, task: {x: print}}\n");
        assert_non_null(find_diag(w, DIAG_WARNING, 2, "without a secret"));
        assert_null(find_diag(w, DIAG_WARNING, 3, "without a secret"));
        Component *l = workflow_find_component(w, COMPONENT_TRIGGER, "l");
        assert_string_equal(l->host, "127.0.0.1");
        assert_int_equal(l->port, 8123);
        workflow_free(w);
}

static void test_http_remote_keys(void **state) {
        Workflow *w = load("trigger:\n  t: {type: cron, cron: '0 0 * * *'}\n"
                           "executor:\n"
                           "  a: {type: http_remote, host: 'https://runner.example.com/', secret: s, data_dir: /d, ca_file: /nonexistent/ca.pem,"
                           " timeout: 60, connect_timeout: 5, max_answer: 1000}\n"
                           "  b: {type: http_remote, host: 'http://10.0.0.1:8124/', secret: s}\n"
                           "  c: {type: http_remote, host: 'http://127.0.0.1:8124/'}\n"
                           "  d: {type: http_remote, host: 'ftp://x/', secret: s, data_dir: rel, timeout: -1, max_answer: 0}\n"
                           "  e: {type: http_remote, host: 'http://localhost/', secret: s, ca_file: /etc/hostname, connect_timeout: '5'}\n"
                           "  f: {type: http_remote, host: 'http://localhost/', secret: s, secret_file: /etc/x}\n"
                           "  g: {type: http_remote, host: 'http://localhost/', secret_file: /nonexistent/runner.secret}\n"
                           "router:\n  r: {trigger: t, selector: all, task: {a: a, b: b, c: c, d: d, e: e, f: f, g: g}, job_param: {cmd: hostname}}\n");

        /* https with every herald key: only the unreadable ca_file is said */
        assert_non_null(find_diag(w, DIAG_WARNING, 4, "not a readable file here"));
        assert_null(find_diag(w, DIAG_WARNING, 4, "plain http"));
        assert_null(find_diag(w, DIAG_ERROR, 4, "host"));
        assert_null(find_diag(w, DIAG_WARNING, 4, "no secret"));
        assert_false(workflow_find_component(w, COMPONENT_EXECUTOR, "a")->broken);
        /* no "cannot run" warning any more */
        assert_null(find_diag(w, DIAG_WARNING, 0, "cannot run"));
        assert_non_null(find_diag(w, DIAG_WARNING, 5, "plain http to another host"));
        assert_null(find_diag(w, DIAG_WARNING, 6, "plain http"));
        assert_non_null(find_diag(w, DIAG_WARNING, 6, "no secret"));
        assert_non_null(find_diag(w, DIAG_ERROR, 7, "not an http:// or https:// URL"));
        assert_non_null(find_diag(w, DIAG_ERROR, 7, "expected an absolute path"));
        assert_non_null(find_diag(w, DIAG_ERROR, 7, "an integer from 0 to 31536000"));
        assert_non_null(find_diag(w, DIAG_ERROR, 7, "max_answer"));
        assert_true(workflow_find_component(w, COMPONENT_EXECUTOR, "d")->broken);
        assert_non_null(find_diag(w, DIAG_WARNING, 8, "is used for https:// hosts only"));
        assert_non_null(find_diag(w, DIAG_WARNING, 4, "an inline secret is readable by heraldd's user"));
        assert_non_null(find_diag(w, DIAG_ERROR, 9, "both 'secret' and 'secret_file'"));
        assert_non_null(find_diag(w, DIAG_WARNING, 10, "cannot be read here"));
        assert_null(find_diag(w, DIAG_WARNING, 10, "no secret"));
        assert_null(find_diag(w, DIAG_WARNING, 10, "inline secret"));
        assert_non_null(find_diag(w, DIAG_ERROR, 8, "connect_timeout"));
        workflow_free(w);
}

static void test_http_keys(void **state) {
        Workflow *w = load("trigger:\n"
                           "  a: {type: http, secret: abc}\n"
                           "  b: {type: http, host: 0.0.0.0, secret_file: /nonexistent/herald-secret, max_body: 4096, replay_window: 300}\n"
                           "  c: {type: http, max_body: 67108865}\n"
                           "  d: {type: http, secret: x, secret_file: /x}\n"
                           "  e: {type: http, replay_window: -1, secret: ''}\n"
                           "router:\n"
                           "  r: {trigger: a, selector: all, task: {x: print}, wait: true, wait_timeout: 5, max_running: 3}\n"
                           "  s: {trigger: b, selector: all, task: {x: print}}\n"
                           "  t: {trigger: a, selector: all, task: {x: print}, wait: 'yes', wait_timeout: 0, max_running: -1}\n"
                           "  u: {trigger: exe_done, selector: all, task: {x: print}, wait: true}\n");
        Component *a = workflow_find_component(w, COMPONENT_TRIGGER, "a");
        Component *b = workflow_find_component(w, COMPONENT_TRIGGER, "b");
        const Router *r = workflow_find_router(w, "r"), *s = workflow_find_router(w, "s"), *t = workflow_find_router(w, "t");

        /* An inline secret works, with a warning; a file is the credential. */
        assert_string_equal(a->secret, "abc");
        assert_true(a->has_secret);
        assert_int_equal(a->max_body, HTTP_MAX_BODY_DEFAULT);
        assert_int_equal(a->replay_window_sec, 0);
        assert_non_null(find_diag(w, DIAG_WARNING, 2, "readable by heraldd's user"));
        assert_string_equal(b->secret_file, "/nonexistent/herald-secret");
        assert_null(b->secret);
        assert_int_equal(b->max_body, 4096);
        assert_int_equal(b->replay_window_sec, 300);
        assert_non_null(find_diag(w, DIAG_WARNING, 3, "heraldd.service will not start without it"));
        /* secret_file counts as a secret for the non-loopback warning. */
        assert_null(find_diag(w, DIAG_WARNING, 3, "without a secret"));
        assert_non_null(find_diag(w, DIAG_ERROR, 4, "an integer from 1 to 67108864"));
        assert_non_null(find_diag(w, DIAG_ERROR, 5, "both 'secret' and 'secret_file'"));
        assert_non_null(find_diag(w, DIAG_ERROR, 6, "an integer from 0 to 86400"));
        assert_non_null(find_diag(w, DIAG_ERROR, 6, "an empty secret"));

        assert_true(r->wait);
        assert_int_equal(r->wait_timeout_sec, 5);
        assert_int_equal(r->max_running, 3);
        assert_false(r->broken);
        assert_false(s->wait);
        assert_int_equal(s->wait_timeout_sec, ROUTER_WAIT_TIMEOUT_DEFAULT);
        assert_int_equal(s->max_running, 0);
        /* Wrong types are errors with the line and the expected form. */
        assert_true(t->broken);
        const Diag *d = find_diag(w, DIAG_ERROR, 10, "expected true or false");
        assert_non_null(d);
        assert_string_equal(d->key, "wait");
        assert_non_null(find_diag(w, DIAG_ERROR, 10, "expected an integer from 1 to 86400"));
        assert_non_null(find_diag(w, DIAG_ERROR, 10, "expected an integer from 0 to 1000000"));
        assert_non_null(find_diag(w, DIAG_WARNING, 11, "only an http trigger"));
        /* They are router keys now: no 'unknown router key'. */
        for (size_t i = 0; i < w->diag.n_items; i++)
                assert_null(strstr(w->diag.items[i].message, "unknown router key"));
        workflow_free(w);
}

static void test_references_and_broken_parts(void **state) {
        Workflow *w = load("trigger:\n  t: {type: tick, interval: 1}\n  bad: {type: cron, cron: '61 * * * *'}\n"
                           "router:\n"
                           "  ok: {trigger: t, selector: all, task: {x: print}}\n"
                           "  unknown_trigger: {trigger: nope, selector: all, task: {x: print}}\n"
                           "  bad_cron: {trigger: bad, selector: all, task: {x: print}}\n"
                           "  no_selector: {trigger: t, task: {x: print}}\n"
                           "  typo: {trigger: t, selector: al, task: {x: print}}\n");
        assert_false(workflow_find_router(w, "ok")->broken);
        assert_true(workflow_find_router(w, "unknown_trigger")->broken);
        assert_true(workflow_find_router(w, "bad_cron")->broken);
        assert_non_null(find_diag(w, DIAG_ERROR, 3, "invalid cron spec"));
        assert_non_null(find_diag(w, DIAG_WARNING, 8, "never runs its tasks"));
        assert_non_null(find_diag(w, DIAG_ERROR, 9, "did you mean 'all'?"));
        assert_false(w->unloadable);
        workflow_free(w);
}

static void test_exe_done_trigger_name(void **state) {
        Workflow *w = load("trigger:\n  exe_done: {type: tick}\nrouter: {}\n");
        assert_non_null(find_diag(w, DIAG_ERROR, 2, "never registers"));
        workflow_free(w);
}

static void test_unloadable(void **state) {
        Workflow *w = load("trigger: [\n");
        assert_true(w->unloadable);
        assert_non_null(find_diag(w, DIAG_ERROR, 0, "not valid YAML"));
        assert_null(find_diag(w, DIAG_ERROR, 0, "tab"));
        workflow_free(w);
        /* a tab-indented line: the error says that tabs are the problem */
        w = load("trigger:\n\tt: {type: tick, interval: 5}\n");
        assert_true(w->unloadable);
        assert_non_null(find_diag(w, DIAG_ERROR, 2, "indented with a tab: YAML indents with spaces only"));
        workflow_free(w);
        w = load("- a\n- b\n");
        assert_true(w->unloadable);
        workflow_free(w);

        /* nesting over the limit: an error, not a crash */
        char deep[4096] = "a: ";
        for (int i = 0; i < 200; i++)
                strcat(deep, "[");
        w = load(deep);
        assert_true(w->unloadable);
        assert_non_null(find_diag(w, DIAG_ERROR, 0, "over a limit"));
        workflow_free(w);

        /* alias bombs stop at the node limit */
        WorkflowLimits lim = WORKFLOW_LIMITS_DEFAULT;
        lim.yaml.max_nodes = 10000;
        const char *bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                           "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n";
        assert_int_equal(workflow_load_string("bomb.yml", bomb, strlen(bomb), &lim, &w), 0);
        assert_true(w->unloadable);
        workflow_free(w);
}

static void test_duplicate_keys(void **state) {
        Workflow *w = load("router:\n  r: {trigger: tick, selector: all, task: {x: print}}\n  r: {trigger: tick, selector: all, task: {y: print}}\n");
        assert_non_null(find_diag(w, DIAG_WARNING, 3, "last one wins"));
        assert_int_equal(w->n_routers, 1);
        assert_string_equal(w->routers[0].tasks[0].name, "y");
        workflow_free(w);
}

/* An alias of a value whose key was given again later: the anchored value is what the
 * alias copies (as in Go), even though its pair was replaced. It was freed with the
 * pair, and the alias read freed memory (found by fuzz-unit-settings). */
static void test_alias_of_replaced_value(void **state) {
        Workflow *w = load("trigger:\n  t: {type: tick, interval: &iv 7}\n  t: {type: tick, interval: 9}\n"
                           "  u: {type: tick, interval: *iv}\n"
                           "router:\n  r: {trigger: u, selector: all, task: {x: print}}\n");
        const Component *u = workflow_find_component(w, COMPONENT_TRIGGER, "u");
        const Component *t = workflow_find_component(w, COMPONENT_TRIGGER, "t");
        assert_non_null(u);
        assert_non_null(t);
        assert_int_equal(u->interval_sec, 7);
        assert_int_equal(t->interval_sec, 9);
        workflow_free(w);
}

static void test_unit_settings(void **state) {
        Workflow *w = load("executor:\n  l:\n    type: local\n    unit: {MemoryMax: 512M, RuntimeMaxSec: 30s}\n"
                           "router:\n  r:\n    trigger: tick\n    selector: all\n    task: {x: l}\n"
                           "    job_param:\n      cmd: x\n      unit: {RuntimeMaxSec: 1min, Nice: 40, MemroyMax: 1G}\n");
        assert_non_null(find_diag(w, DIAG_ERROR, 12, "from -20 to 19"));
        assert_non_null(find_diag(w, DIAG_ERROR, 12, "did you mean 'MemoryMax'?"));
        const Task *t = task(w, "r", "x");
        assert_true(t->broken);
        const UnitSetting *s = unit_settings_get(&t->unit, "RuntimeMaxSec");
        assert_non_null(s);
        assert_int_equal(s->u, 60000000);
        s = unit_settings_get(&t->unit, "MemoryMax");
        assert_int_equal(s->u, 512u << 20);
        workflow_free(w);
}

static void test_plan(void **state) {
        Workflow *w = load("trigger:\n  t: {type: tick, interval: 2}\n  c: {type: cron, cron: '30 4 1,15 * 5'}\n"
                           "router:\n  r: {trigger: t, selector: all, task: {x: print, n: none}}\n"
                           "  s: {trigger: c, selector: all, task: {y: print}}\n");
        Plan *p = NULL;
        assert_int_equal(plan_build(w, &(PlanOptions) { .workflow_path = "/w.yml", .activate_path = "/x/herald-activate", .exec_path = "/x/herald-exec", .done_path = "/x/herald-done" }, &p), 0);
        size_t timers = 0, calendars = 0, jobs = 0;
        for (size_t i = 0; i < p->n_units; i++) {
                if (p->units[i].kind == PLAN_UNIT_TIMER)
                        timers++;
                if (p->units[i].kind == PLAN_UNIT_JOB_TEMPLATE)
                        jobs++;
                for (size_t k = 0; k < p->units[i].n_props; k++)
                        if (streq(p->units[i].props[k].key, "OnCalendar"))
                                calendars++;
        }
        /* Everything but the job templates (in herald.slice) is stopped with herald.target,
         * as the package's removal does. */
        for (size_t i = 0; i < p->n_units; i++) {
                bool part_of = false;
                for (size_t k = 0; k < p->units[i].n_props; k++)
                        if (streq(p->units[i].props[k].key, "PartOf"))
                                part_of = streq(p->units[i].props[k].string, "herald.target");
                assert_int_equal(part_of, p->units[i].kind != PLAN_UNIT_JOB_TEMPLATE);
        }
        assert_int_equal(timers, 2);
        assert_int_equal(calendars, 2);        /* day-of-month OR day-of-week */
        assert_int_equal(jobs, 2);             /* one template per task; none starts no unit */
        assert_string_equal(p->units[0].name, "herald-trigger-t.timer");
        plan_free(p);
        workflow_free(w);
}

static char *unit_text(const PlanUnit *u) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);
        assert_non_null(f);
        assert_int_equal(unit_file_write(u, "test", f), 0);
        fclose(f);
        return buf;
}

static const PlanUnit *plan_unit(const Plan *p, const char *name) {
        for (size_t i = 0; i < p->n_units; i++)
                if (streq(p->units[i].name, name))
                        return &p->units[i];
        fail_msg("no unit %s", name);
        return NULL;
}

static void test_plan_heraldd(void **state) {
        Workflow *w = load("executor:\n  lu: {type: local, unit: {MemoryMax: 512M}}\n"
                           "trigger:\n  h: {type: http, unix_socket: /run/h.sock, secret_file: /etc/h%.key}\n"
                           "  'o:dd': {type: http, port: 9000}\n"
                           "router:\n  'r%1': {trigger: h, selector: all, task: {t-1: print, n: none, u: lu}}\n"
                           "  o: {trigger: 'o:dd', selector: all, task: {p: print}}\n");
        Plan *p = NULL;
        char *text;

        assert_int_equal(plan_build(w, &(PlanOptions) { .workflow_path = "/s/w%.yml", .activate_path = "/x/herald-activate", .exec_path = "/x/herald-exec", .done_path = "/x/herald-done" }, &p), 0);
        const PlanUnit *t = plan_unit(p, "herald-r\\x251-t\\x2d1@.service");
        assert_true(t->emitted);
        text = unit_text(t);
        /* %i is the specifier; every literal '%' is doubled. */
        assert_non_null(strstr(text, "Description=herald job r%%1/t-1 (%i)\n"));
        assert_null(strstr(text, "ExecStartPre="));   /* herald-activate --serve prepares the job */
        /* a root job with no 'unit:' settings: herald-exec writes its result entry, and
         * the OnFailure= unit what a killed herald-exec could not */
        assert_non_null(strstr(text, "ExecStart=/x/herald-exec job --result-entry /run/herald/jobs/%i\n"));
        assert_non_null(strstr(text, "OnFailure=herald-result@%i.service\n"));
        assert_null(strstr(text, "ExecStopPost="));
        assert_non_null(strstr(text, "LogExtraFields=HERALD_JOB_ID=%i\nLogExtraFields=HERALD_ROUTER=r%%1\n"));
        assert_non_null(strstr(text, "SyslogIdentifier=r%%1/t-1\n"));
        free(text);
        /* with 'unit:' settings (here MemoryMax=; User=, LogNamespace=, RuntimeMaxSec= could
         * change who or what writes the entry): herald-done, as root, after the job */
        text = unit_text(plan_unit(p, "herald-r\\x251-u@.service"));
        assert_non_null(strstr(text, "ExecStart=/x/herald-exec job /run/herald/jobs/%i\n"));
        assert_non_null(strstr(text, "ExecStopPost=+/x/herald-done /run/herald/jobs/%i\n"));
        assert_null(strstr(text, "OnFailure="));
        assert_non_null(strstr(text, "MemoryMax=536870912\n"));
        free(text);

        text = unit_text(plan_unit(p, "herald-activate.socket"));
        assert_non_null(strstr(text, "ListenSequentialPacket=/run/herald/activate\nSocketMode=0660\nSocketGroup=herald\n"));
        free(text);

        text = unit_text(plan_unit(p, "herald-trigger-h.socket"));
        assert_non_null(strstr(text, "ListenStream=/run/h.sock\nSocketMode=0660\nSocketUser=root\nSocketGroup=herald\n"));
        assert_non_null(strstr(text, "FileDescriptorName=h\nService=heraldd.service\n"));
        free(text);
        /* ':' is not allowed in fd names: the odd name becomes a hash. */
        text = unit_text(plan_unit(p, "herald-trigger-o:dd.socket"));
        assert_non_null(strstr(text, "ListenStream=127.0.0.1:9000\n"));
        assert_non_null(strstr(text, "FileDescriptorName=="));
        free(text);

        text = unit_text(plan_unit(p, "heraldd-notify.socket"));
        assert_non_null(strstr(text, "ListenDatagram=/run/herald/notify\nSocketMode=0600\nPassCredentials=yes\n"));
        free(text);
        text = unit_text(plan_unit(p, "heraldd.service.d/50-herald-credentials.conf"));
        assert_non_null(strstr(text, "[Service]\nLoadCredential=trigger-h:/etc/h%%.key\n"));
        free(text);
        plan_free(p);
        workflow_free(w);

        char *id = unit_name_trigger_id("web_hook-1.x"), *odd = unit_name_trigger_id("a:b"), *odd2 = unit_name_trigger_id("a/b");
        assert_string_equal(id, "web_hook-1.x");
        assert_int_equal(strlen(odd), 33);
        assert_int_equal(odd[0], '=');
        assert_string_not_equal(odd, odd2);
        free(id);
        free(odd);
        free(odd2);
        id = unit_credential_name_trigger("hook");
        assert_string_equal(id, "trigger-hook");
        free(id);
        id = unit_name_job_template("a-b", "c/d");
        assert_string_equal(id, "herald-a\\x2db-c-d@.service");
        free(id);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_preset_priority),
                cmocka_unit_test(test_task_preset_forms),
                cmocka_unit_test(test_cmd_true),
                cmocka_unit_test(test_misspelled_key_and_types),
                cmocka_unit_test(test_exe_done_loop),
                cmocka_unit_test(test_skip_not_tick),
                cmocka_unit_test(test_http_without_secret),
                cmocka_unit_test(test_http_remote_keys),
                cmocka_unit_test(test_http_keys),
                cmocka_unit_test(test_references_and_broken_parts),
                cmocka_unit_test(test_exe_done_trigger_name),
                cmocka_unit_test(test_unloadable),
                cmocka_unit_test(test_duplicate_keys),
                cmocka_unit_test(test_alias_of_replaced_value),
                cmocka_unit_test(test_unit_settings),
                cmocka_unit_test(test_plan),
                cmocka_unit_test(test_plan_heraldd),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
