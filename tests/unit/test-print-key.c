/* SPDX-License-Identifier: MIT */
/* test-print-key.c: what the print executor prints, with and without print_key */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json-parse.h"
#include "json-util.h"
#include "macro.h"
#include "print-key.h"

#define PARAM_BASE                                                                      \
        "\"job_id\":\"J\",\"trigger_id\":\"T\",\"router\":\"r\",\"trigger\":\"tick\","  \
        "\"selector\":\"all\",\"task\":\"t\",\"executor\":\"print\","                    \
        "\"trigger_param\":{\"counter\":3,\"a\":{\"b\":[1,2],\"c\":\"x\"},\"big\":18446744073709551615},"   \
        "\"select_param\":{}"

static void check(const char *job_param, const char *expected) {
        _cleanup_free_ char *text = NULL, *out = NULL;
        _cleanup_json_ cJSON *param = NULL, *v = NULL;

        assert_true(asprintf(&text, "{" PARAM_BASE ",\"job_param\":%s}", job_param) > 0);
        assert_int_equal(json_parse(text, strlen(text), &param), 0);
        assert_int_equal(print_key_select(param, &v), 0);
        out = cJSON_PrintUnformatted(v);
        if (streq(expected, "WHOLE")) {
                _cleanup_free_ char *whole = cJSON_PrintUnformatted(param);
                assert_string_equal(out, whole);
        } else if (!streq(out, expected))
                fail_msg("job_param %s printed %s, expected %s", job_param, out, expected);
}

static void test_whole_param(void **state) {
        check("{}", "WHOLE");
        check("{\"cmd\":\"x\"}", "WHOLE");
        /* a print_key of another type, or no string in the list, counts as absent */
        check("{\"print_key\":3}", "WHOLE");
        check("{\"print_key\":{\"a\":1}}", "WHOLE");
        check("{\"print_key\":[]}", "WHOLE");
        check("{\"print_key\":[1,true]}", "WHOLE");
}

static void test_single_key(void **state) {
        check("{\"print_key\":\"job_id\"}", "{\"job_id\":\"J\"}");
        check("{\"print_key\":\"trigger_param\"}",
              "{\"trigger_param\":{\"counter\":3,\"a\":{\"b\":[1,2],\"c\":\"x\"},\"big\":18446744073709551615}}");
        check("{\"print_key\":\"trigger_param/counter\"}", "{\"trigger_param/counter\":3}");
        check("{\"print_key\":\"trigger_param/a/c\"}", "{\"trigger_param/a/c\":\"x\"}");
        /* big integers keep their digits */
        check("{\"print_key\":\"trigger_param/big\"}", "{\"trigger_param/big\":18446744073709551615}");
}

static void test_list(void **state) {
        check("{\"print_key\":[\"task\",\"trigger_param/a/b\",\"router\"]}",
              "{\"task\":\"t\",\"trigger_param/a/b\":[1,2],\"router\":\"r\"}");
        /* non-string items are skipped, duplicates appear once */
        check("{\"print_key\":[\"task\",7,\"task\"]}", "{\"task\":\"t\"}");
        /* print_key can print job_param itself */
        check("{\"print_key\":\"job_param/print_key\"}", "{\"job_param/print_key\":\"job_param/print_key\"}");
}

static void test_unresolved(void **state) {
        /* unresolved keys are left out; an object may end up empty */
        check("{\"print_key\":\"nope\"}", "{}");
        check("{\"print_key\":[\"nope\",\"task\"]}", "{\"task\":\"t\"}");
        /* arrays are not walked */
        check("{\"print_key\":\"trigger_param/a/b/0\"}", "{}");
        /* nor scalars */
        check("{\"print_key\":\"task/x\"}", "{}");
        check("{\"print_key\":\"\"}", "{}");
        check("{\"print_key\":\"trigger_param/\"}", "{}");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_whole_param),
                cmocka_unit_test(test_single_key),
                cmocka_unit_test(test_list),
                cmocka_unit_test(test_unresolved),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
