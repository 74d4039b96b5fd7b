/* SPDX-License-Identifier: MIT */
/* test-result-entry.c: the fields of the result entry (docs/ARCHITECTURE.md, "Result entry") */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "herald-ids.h"
#include "json-parse.h"
#include "json-util.h"
#include "macro.h"
#include "param-redact.h"
#include "result-entry.h"

static const char *PARAM =
        "{\"job_id\":\"6F1C\",\"trigger_id\":\"AB12\",\"router\":\"r1\",\"trigger\":\"tick\","
        "\"selector\":\"all\",\"task\":\"t1\",\"executor\":\"local\","
        "\"trigger_param\":{\"counter\":3},\"select_param\":{},\"job_param\":{\"cmd\":\"true\"}}";

/* The value of a field; NULL when absent. Fails when a field appears twice. */
static const char *field(char **fields, const char *name) {
        const char *found = NULL;
        size_t l = strlen(name);

        for (char **f = fields; *f; f++)
                if (strncmp(*f, name, l) == 0 && (*f)[l] == '=') {
                        if (found)
                                fail_msg("field %s appears twice", name);
                        found = *f + l + 1;
                }
        return found;
}

static void test_success(void **state) {
        _cleanup_json_ cJSON *param = NULL, *result = NULL;
        _cleanup_strv_free_ char **f = NULL;

        assert_int_equal(json_parse(PARAM, strlen(PARAM), &param), 0);
        result = cJSON_Parse("{\"exit_code\":0,\"output\":\"hi\\n\"}");
        assert_int_equal(result_entry_build(param, "herald-r1-t1-6f1c.service", "0123abcd", true, "", result,
                                            "success", 3, &f), 0);

        assert_string_equal(field(f, "MESSAGE_ID"), HERALD_MESSAGE_RESULT);
        assert_string_equal(field(f, "MESSAGE_ID"), "39d34c102f1d482caf41e75fca8199a7");
        assert_string_equal(field(f, "PRIORITY"), "5");
        assert_string_equal(field(f, "MESSAGE"), "Job 't1' of router 'r1' succeeded.");
        assert_string_equal(field(f, "HERALD_JOB_ID"), "6F1C");
        assert_string_equal(field(f, "HERALD_TRIGGER_ID"), "AB12");
        assert_string_equal(field(f, "HERALD_ROUTER"), "r1");
        assert_string_equal(field(f, "HERALD_TASK"), "t1");
        assert_string_equal(field(f, "HERALD_TRIGGER"), "tick");
        assert_string_equal(field(f, "HERALD_SELECTOR"), "all");
        assert_string_equal(field(f, "HERALD_EXECUTOR"), "local");
        assert_string_equal(field(f, "HERALD_SUCCESS"), "true");
        assert_string_equal(field(f, "HERALD_EXIT_CODE"), "0");
        assert_string_equal(field(f, "HERALD_ERROR"), "");
        /* trailing whitespace kept: the entry goes out with sd_journal_sendv() */
        assert_string_equal(field(f, "HERALD_RESULT"), "{\"exit_code\":0,\"output\":\"hi\\n\"}");
        assert_string_equal(field(f, "HERALD_PARAM"), PARAM);
        assert_string_equal(field(f, "HERALD_UNIT"), "herald-r1-t1-6f1c.service");
        assert_string_equal(field(f, "HERALD_INVOCATION_ID"), "0123abcd");
        assert_string_equal(field(f, "HERALD_SERVICE_RESULT"), "success");
        assert_string_equal(field(f, "HERALD_COUNTER"), "3");
        assert_null(field(f, "HERALD_RESULT_TRUNCATED"));
        assert_null(field(f, "HERALD_PARAM_TRUNCATED"));
        assert_null(field(f, "CODE_FILE"));
}

static void test_failure(void **state) {
        _cleanup_json_ cJSON *param = NULL, *result = NULL;
        _cleanup_strv_free_ char **f = NULL;

        assert_int_equal(json_parse(PARAM, strlen(PARAM), &param), 0);
        result = cJSON_Parse("{\"exit_code\":-1,\"signal\":\"SIGTERM\"}");
        assert_int_equal(result_entry_build(param, "u.service", "inv", false, "Job was stopped (SIGTERM)\n",
                                            result, "success", -1, &f), 0);
        assert_string_equal(field(f, "PRIORITY"), "4");
        assert_string_equal(field(f, "HERALD_SUCCESS"), "false");
        assert_string_equal(field(f, "HERALD_EXIT_CODE"), "-1");
        assert_string_equal(field(f, "HERALD_ERROR"), "Job was stopped (SIGTERM)\n");
        assert_string_equal(field(f, "MESSAGE"), "Job 't1' of router 'r1' failed: Job was stopped (SIGTERM)\n");
        assert_null(field(f, "HERALD_COUNTER"));
}

static void test_none_job(void **state) {
        /* what the activation sends for `none` jobs: no unit, no invocation */
        _cleanup_json_ cJSON *param = cJSON_Parse("{\"job_id\":\"J\",\"task\":\"t\"}"), *result = cJSON_CreateObject();
        _cleanup_strv_free_ char **f = NULL;

        assert_int_equal(result_entry_build(param, NULL, NULL, true, NULL, result, NULL, -1, &f), 0);
        assert_null(field(f, "HERALD_UNIT"));
        assert_null(field(f, "HERALD_INVOCATION_ID"));
        assert_null(field(f, "HERALD_SERVICE_RESULT"));
        assert_null(field(f, "HERALD_ROUTER"));
        assert_string_equal(field(f, "HERALD_RESULT"), "{}");
        assert_string_equal(field(f, "HERALD_EXIT_CODE"), "0");
        assert_string_equal(field(f, "HERALD_ERROR"), "");
        assert_string_equal(field(f, "MESSAGE"), "Job 't' of router 'n/a' succeeded.");
}

static void test_exit_code_from_result(void **state) {
        _cleanup_json_ cJSON *param = cJSON_CreateObject(), *r1 = cJSON_Parse("{\"exit_code\":3}"), *r2 = cJSON_CreateObject();
        _cleanup_strv_free_ char **a = NULL, **b = NULL;

        assert_int_equal(result_entry_build(param, NULL, NULL, false, "Command failed with code 3", r1, NULL, -1, &a), 0);
        assert_string_equal(field(a, "HERALD_EXIT_CODE"), "3");
        /* Execute command error: result {} and no exit code; -1 then */
        assert_int_equal(result_entry_build(param, NULL, NULL, false, "Execute command error", r2, NULL, -1, &b), 0);
        assert_string_equal(field(b, "HERALD_EXIT_CODE"), "-1");
        assert_string_equal(field(b, "HERALD_RESULT"), "{}");
}

static void test_caps(void **state) {
        _cleanup_json_ cJSON *param = NULL, *result = cJSON_CreateObject(), *back = NULL, *pback = NULL;
        _cleanup_free_ char *big = malloc(1024 * 1024 + 1), *longerr = malloc(10001), *ptext = NULL;
        _cleanup_strv_free_ char **f = NULL;
        const char *r, *p;

        memset(big, 'x', 1024 * 1024);
        big[1024 * 1024] = 0;
        memset(longerr, 'e', 10000);
        longerr[10000] = 0;
        cJSON_AddStringToObject(result, "output", big);
        cJSON_AddTrueToObject(result, "output_truncated");
        cJSON_AddNumberToObject(result, "exit_code", 0);
        assert_true(asprintf(&ptext, "{\"job_id\":\"J\",\"task\":\"t\",\"trigger_param\":{\"body\":\"%s\"}}", big) > 0);
        assert_int_equal(json_parse(ptext, strlen(ptext), &param), 0);

        assert_int_equal(result_entry_build(param, "u", "i", false, longerr, result, NULL, -1, &f), 0);

        r = field(f, "HERALD_RESULT");
        assert_true(strlen(r) <= RESULT_ENTRY_JSON_MAX);
        assert_true(strlen(r) > RESULT_ENTRY_JSON_MAX - 1024);
        assert_string_equal(field(f, "HERALD_RESULT_TRUNCATED"), "true");
        assert_int_equal(json_parse(r, strlen(r), &back), 0);
        assert_true(cJSON_IsTrue(cJSON_GetObjectItem(back, "output_truncated")));
        assert_true(cJSON_GetObjectItem(back, "exit_code")->valuedouble == 0);

        p = field(f, "HERALD_PARAM");
        assert_true(strlen(p) <= RESULT_ENTRY_JSON_MAX);
        assert_string_equal(field(f, "HERALD_PARAM_TRUNCATED"), "true");
        assert_int_equal(json_parse(p, strlen(p), &pback), 0);
        /* the ids survive; the big trigger param gives way */
        assert_string_equal(json_object_get_string(pback, "job_id"), "J");
        assert_null(cJSON_GetObjectItem(pback, "trigger_param"));

        assert_int_equal(strlen(field(f, "HERALD_ERROR")), RESULT_ENTRY_ERROR_MAX);
}

/* Credentials never reach the journal, at any depth; everything else is kept. */
static void test_secrets_redacted(void **state) {
        static const char *p =
                "{\"job_id\":\"J\",\"router\":\"r\",\"task\":\"t\",\"job_param\":{\"cmd\":\"x\","
                "\"git_repo\":\"https://u:hunter2@git.example/r.git\",\"git_password\":\"hunter2\","
                "\"git_ssh_key\":\"-----BEGIN KEY-----\",\"git_ssh_key_password\":\"pw\",\"git_username\":\"u\"},"
                "\"trigger_param\":{\"job_param\":{\"git_password\":\"hunter2\"},\"list\":[{\"git_ssh_key\":\"k\"}]}}";
        _cleanup_json_ cJSON *param = NULL, *back = NULL;
        _cleanup_strv_free_ char **f = NULL;
        const char *text;

        (void) state;
        assert_int_equal(json_parse(p, strlen(p), &param), 0);
        assert_int_equal(result_entry_build(param, NULL, NULL, true, "", NULL, NULL, -1, &f), 0);
        text = field(f, "HERALD_PARAM");
        assert_non_null(text);
        assert_null(strstr(text, "hunter2"));
        assert_null(strstr(text, "BEGIN KEY"));
        assert_null(strstr(text, "\"pw\""));
        assert_null(strstr(text, "\"k\""));
        assert_int_equal(json_parse(text, strlen(text), &back), 0);
        const cJSON *jp = cJSON_GetObjectItemCaseSensitive(back, "job_param");
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(jp, "git_password")->valuestring, "(redacted)");
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(jp, "git_repo")->valuestring, "https://u:***@git.example/r.git");
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(jp, "git_username")->valuestring, "u");
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(jp, "cmd")->valuestring, "x");
        /* the caller's param is untouched: the job still gets its credentials */
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(param, "job_param"),
                                                             "git_password")->valuestring, "hunter2");
}

/* The copy is skipped only when nothing needs redacting: each credential alone, at any
 * depth, is found, and never reaches HERALD_PARAM. */
static void test_secret_found_alone(void **state) {
        static const char *const with[] = {
                "{\"job_id\":\"J\",\"job_param\":{\"git_password\":\"s3cr3t\"}}",
                "{\"job_id\":\"J\",\"job_param\":{\"git_ssh_key\":\"s3cr3t\"}}",
                "{\"job_id\":\"J\",\"job_param\":{\"git_ssh_key_password\":\"s3cr3t\"}}",
                "{\"job_id\":\"J\",\"job_param\":{\"git_repo\":\"https://u:s3cr3t@h/r.git\"}}",
                "{\"job_id\":\"J\",\"trigger_param\":{\"a\":[1,{\"b\":[{\"git_password\":\"s3cr3t\"}]}]}}",
                "{\"job_id\":\"J\",\"git_ssh_key\":{\"nested\":\"s3cr3t\"}}",
        };
        static const char *const without[] = {
                "{\"job_id\":\"J\",\"trigger_param\":{\"bench\":\"heraldd\",\"n\":1}}",
                "{\"job_id\":\"J\",\"job_param\":{\"git_password\":null,\"password\":\"p\"}}",
                "{\"job_id\":\"J\",\"trigger_param\":[\"git_password\",\"git_repo\"]}",
        };

        (void) state;
        for (size_t i = 0; i < ELEMENTSOF(with) + ELEMENTSOF(without); i++) {
                bool secret = i < ELEMENTSOF(with);
                const char *p = secret ? with[i] : without[i - ELEMENTSOF(with)];
                _cleanup_json_ cJSON *param = NULL;
                _cleanup_strv_free_ char **f = NULL;
                _cleanup_free_ char *plain = NULL;

                assert_int_equal(json_parse(p, strlen(p), &param), 0);
                assert_int_equal(param_has_secrets(param), secret);
                assert_int_equal(result_entry_build(param, NULL, NULL, true, "", NULL, NULL, -1, &f), 0);
                assert_non_null(field(f, "HERALD_PARAM"));
                if (secret)
                        assert_null(strstr(field(f, "HERALD_PARAM"), "s3cr3t"));
                else {
                        plain = cJSON_PrintUnformatted(param);
                        assert_string_equal(field(f, "HERALD_PARAM"), plain);
                }
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_success),
                cmocka_unit_test(test_failure),
                cmocka_unit_test(test_none_job),
                cmocka_unit_test(test_exit_code_from_result),
                cmocka_unit_test(test_caps),
                cmocka_unit_test(test_secrets_redacted),
                cmocka_unit_test(test_secret_found_alone),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
