/* SPDX-License-Identifier: MIT */
/* test-dispatch.c: trigger and execution params, unit names of both job shapes, the
 * concurrency policy's unit matching */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dispatch.h"
#include "json-util.h"
#include "macro.h"
#include "unit-name.h"
#include "workflow.h"
#include "test-helpers.h"

#define JOB "0123ABCD-EF01-4567-89AB-CDEF01234567"
#define TRG "89ABCDEF-0000-4000-8000-000000000001"

static const char *const yaml =
        "trigger:\n"
        "  every: {type: tick, interval: 5}\n"
        "  nightly: {type: cron, cron: '0 3 * * *'}\n"
        "  web: {type: http, port: 8123}\n"
        "router:\n"
        "  r-1:\n"
        "    trigger: web\n"
        "    selector: all\n"
        "    select_param: {k: v}\n"
        "    task:\n"
        "      t: {executor: print, job_param: {print_key: a, n: 1}}\n";

static Workflow *load(void) {
        return test_workflow_load(yaml);
}

static void test_trigger_param(void **state) {
        _cleanup_(workflow_freep) Workflow *w = load();
        _cleanup_json_ cJSON *tick = NULL, *cron = NULL, *http = NULL;
        _cleanup_free_ char *text = NULL;
        const char *when;

        tick = dispatch_trigger_param_new(workflow_find_component(w, COMPONENT_TRIGGER, "every"), 9007199254740993);
        assert_int_equal(json_print_compact(tick, &text), 0);
        assert_string_equal(text, "{\"counter\":9007199254740993}");

        cron = dispatch_trigger_param_new(workflow_find_component(w, COMPONENT_TRIGGER, "nightly"), -1);
        assert_string_equal(json_object_get_string(cron, "cron"), "0 3 * * *");
        when = json_object_get_string(cron, "time");
        assert_non_null(when);
        /* RFC 3339, whole seconds: 2024-01-02T03:04:05Z or ...+02:00 */
        assert_true(strlen(when) == 20 || strlen(when) == 25);
        assert_int_equal(when[10], 'T');
        assert_true(when[19] == 'Z' || when[22] == ':');

        http = dispatch_trigger_param_new(workflow_find_component(w, COMPONENT_TRIGGER, "web"), -1);
        assert_true(cJSON_IsObject(http));
        assert_null(http->child);
}

static void test_exec_param(void **state) {
        _cleanup_(workflow_freep) Workflow *w = load();
        _cleanup_json_ cJSON *tp = cJSON_Parse("{\"body\":[1,2]}"), *p = NULL;
        _cleanup_free_ char *text = NULL;
        const Router *r = workflow_find_router(w, "r-1");

        assert_non_null(r);
        p = dispatch_exec_param_new(JOB, TRG, r, &r->tasks[0], tp);
        assert_non_null(p);
        assert_int_equal(json_print_compact(p, &text), 0);
        /* Herald's keys, in Herald's order */
        assert_string_equal(text, "{\"job_id\":\"" JOB "\",\"trigger_id\":\"" TRG "\",\"router\":\"r-1\",\"trigger\":\"web\","
                                  "\"selector\":\"all\",\"task\":\"t\",\"executor\":\"print\","
                                  "\"trigger_param\":{\"body\":[1,2]},\"select_param\":{\"k\":\"v\"},"
                                  "\"job_param\":{\"print_key\":\"a\",\"n\":1}}");
}

static void test_unit_names(void **state) {
        _cleanup_free_ char *tmpl = unit_name_job_template("r-1", "t@x"), *inst = unit_name_job_instance("r-1", "t@x", JOB),
                            *pattern = unit_name_job_pattern("r-1", "t@x"),
                            *router_pattern = unit_name_job_pattern("r-1", NULL);
        _cleanup_strv_free_ char **m = NULL, **mr = NULL;
        /* the shape herald gave timer jobs before they were template instances */
        char transient[] = "herald-r\\x2d1-t\\x40x-0123abcd.service";
        char *units[] = {
                inst, transient,
                "herald-r\\x2d1-t\\x40xy@" JOB ".service",      /* task "t@xy" */
                "herald-r\\x2d1-t\\x40x\\x2dy-0123abcd.service", /* task "t@x-y" */
                "herald-r\\x2d1-t\\x40x@.service",               /* the template: never running, but not a job either */
                "herald-r-t\\x40x@" JOB ".service",              /* router "r" */
                "herald-trigger-r\\x2d1.service",
                NULL,
        };

        assert_string_equal(tmpl, "herald-r\\x2d1-t\\x40x@.service");
        assert_string_equal(inst, "herald-r\\x2d1-t\\x40x@" JOB ".service");
        assert_string_equal(pattern, "herald-r\\x2d1-t\\x40x[-@]*.service");
        /* the job id back from an instance; none from a transient name or the template */
        char *id = unit_name_job_id(inst);
        assert_string_equal(id, JOB);
        free(id);
        assert_null(unit_name_job_id(transient));
        assert_null(unit_name_job_id(units[4]));

        /* the task's pattern: both shapes of its jobs, nothing of another task */
        assert_int_equal(dispatch_units_matching(units, pattern, &m), 0);
        assert_non_null(m[0]);
        assert_string_equal(m[0], inst);
        assert_non_null(m[1]);
        assert_string_equal(m[1], transient);
        assert_non_null(m[2]);
        assert_string_equal(m[2], "herald-r\\x2d1-t\\x40x@.service");
        assert_null(m[3]);

        /* the router's: every task's jobs of both shapes, no other router's */
        assert_int_equal(dispatch_units_matching(units, router_pattern, &mr), 0);
        size_t n = 0;
        while (mr[n])
                n++;
        assert_int_equal(n, 5);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_trigger_param),
                cmocka_unit_test(test_exec_param),
                cmocka_unit_test(test_unit_names),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
