/* SPDX-License-Identifier: MIT */
/* test-job-result.c: Herald's result rules (herald-behaviour.md, "Executors and results") */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "job-result.h"
#include "json-util.h"
#include "macro.h"

/* Runs the command rules on some stdout and checks every part of the outcome. */
static void check_command(const char *out, size_t size, bool truncated, int status, int signo,
                          bool success, const char *error, const char *result) {
        _cleanup_(job_result_done) JobResult r = {};
        _cleanup_free_ char *text = NULL;

        assert_int_equal(job_result_from_command(out, size, truncated, status, signo, &r), 0);
        text = cJSON_PrintUnformatted(r.result);
        if (!streq(text, result))
                fail_msg("stdout '%.*s': result %s, expected %s", (int) size, out, text, result);
        assert_int_equal(r.success, success);
        assert_string_equal(r.error, error);
}

#define CHECK_OK(out, result) check_command(out, strlen(out), false, 0, 0, true, "", result)

static void test_object_merged(void **state) {
        CHECK_OK("{\"a\":1,\"b\":\"x\"}", "{\"a\":1,\"b\":\"x\",\"exit_code\":0}");
        CHECK_OK("{}", "{\"exit_code\":0}");
        CHECK_OK("{\"nested\":{\"l\":[1,true,null]}}", "{\"nested\":{\"l\":[1,true,null]},\"exit_code\":0}");
}

static void test_object_whitespace(void **state) {
        CHECK_OK("\n  {\"a\":1}  \n\n", "{\"a\":1,\"exit_code\":0}");
        CHECK_OK("\t\r\n{ \"a\" :\n1 }\r\n", "{\"a\":1,\"exit_code\":0}");
        /* not JSON whitespace: Go refuses it, so it stays text */
        CHECK_OK("\v{\"a\":1}", "{\"output\":\"\\u000b{\\\"a\\\":1}\",\"exit_code\":0}");
}

static void test_exit_code_overwritten(void **state) {
        CHECK_OK("{\"exit_code\":5,\"x\":1}", "{\"x\":1,\"exit_code\":0}");
        check_command("{\"exit_code\":0}", 15, false, 4, 0, false, "Command failed with code 4", "{\"exit_code\":4}");
}

static void test_not_an_object(void **state) {
        CHECK_OK("[1,2]", "{\"output\":\"[1,2]\",\"exit_code\":0}");
        CHECK_OK("42", "{\"output\":\"42\",\"exit_code\":0}");
        CHECK_OK("\"s\"", "{\"output\":\"\\\"s\\\"\",\"exit_code\":0}");
        CHECK_OK("true", "{\"output\":\"true\",\"exit_code\":0}");
        CHECK_OK("null", "{\"output\":\"null\",\"exit_code\":0}");
        CHECK_OK("null\n", "{\"output\":\"null\\n\",\"exit_code\":0}");
        CHECK_OK("{\"a\":1} trailing", "{\"output\":\"{\\\"a\\\":1} trailing\",\"exit_code\":0}");
        CHECK_OK("{}{}", "{\"output\":\"{}{}\",\"exit_code\":0}");
        CHECK_OK("{\"a\":1,}", "{\"output\":\"{\\\"a\\\":1,}\",\"exit_code\":0}");
        CHECK_OK("hello\nworld\n", "{\"output\":\"hello\\nworld\\n\",\"exit_code\":0}");
        CHECK_OK("", "{\"output\":\"\",\"exit_code\":0}");
        CHECK_OK("  \n", "{\"output\":\"  \\n\",\"exit_code\":0}");
        /* a number Go cannot hold: the object does not parse, so it is text */
        CHECK_OK("{\"a\":1e999}", "{\"output\":\"{\\\"a\\\":1e999}\",\"exit_code\":0}");
}

static void test_failure(void **state) {
        check_command("oops\n", 5, false, 3, 0, false, "Command failed with code 3",
                      "{\"output\":\"oops\\n\",\"exit_code\":3}");
        check_command("{\"why\":\"disk\"}", 14, false, 1, 0, false, "Command failed with code 1",
                      "{\"why\":\"disk\",\"exit_code\":1}");
        check_command("", 0, false, 255, 0, false, "Command failed with code 255",
                      "{\"output\":\"\",\"exit_code\":255}");
}

static void test_signal(void **state) {
        check_command("partial", 7, false, 0, SIGSEGV, false, "Command failed with code -1",
                      "{\"output\":\"partial\",\"exit_code\":-1,\"signal\":\"SIGSEGV\"}");
        check_command("{\"a\":1}", 7, false, 0, SIGKILL, false, "Command failed with code -1",
                      "{\"a\":1,\"exit_code\":-1,\"signal\":\"SIGKILL\"}");
}

static void test_truncated(void **state) {
        /* the head looks like an object, but the output went on: never merged */
        check_command("{\"a\":1}", 7, true, 0, 0, true, "",
                      "{\"output\":\"{\\\"a\\\":1}\",\"output_truncated\":true,\"exit_code\":0}");
        check_command("xxxx", 4, true, 2, 0, false, "Command failed with code 2",
                      "{\"output\":\"xxxx\",\"output_truncated\":true,\"exit_code\":2}");
}

static void test_big_integers(void **state) {
        CHECK_OK("{\"id\":12345678901234567890,\"n\":-9007199254740993,\"ok\":9007199254740992}",
                 "{\"id\":12345678901234567890,\"n\":-9007199254740993,\"ok\":9007199254740992,\"exit_code\":0}");
}

static void test_bytes(void **state) {
        /* invalid UTF-8 becomes U+FFFD, as when Go encodes the string */
        check_command("a\xff" "b", 3, false, 0, 0, true, "", "{\"output\":\"a\xef\xbf\xbd" "b\",\"exit_code\":0}");
        /* NUL is kept, escaped */
        check_command("a\0b", 3, false, 0, 0, true, "", "{\"output\":\"a\\u0000b\",\"exit_code\":0}");
        /* a cut inside a character: the stray byte is replaced, never invalid JSON */
        check_command("ab\xe4\xb8", 4, true, 0, 0, true, "",
                      "{\"output\":\"ab\xef\xbf\xbd\xef\xbf\xbd\",\"output_truncated\":true,\"exit_code\":0}");
}

static void test_simple_results(void **state) {
        _cleanup_(job_result_done) JobResult a = {}, b = {}, c = {}, d = {};
        _cleanup_free_ char *ta = NULL, *tb = NULL, *tc = NULL, *td = NULL;

        /* a command that cannot start: Herald's words, and {} */
        assert_int_equal(job_result_new(false, JOB_ERROR_EXECUTE, &a), 0);
        ta = cJSON_PrintUnformatted(a.result);
        assert_string_equal(ta, "{}");
        assert_string_equal(a.error, "Execute command error");
        assert_false(a.success);

        assert_int_equal(job_result_new(false, JOB_ERROR_EMPTY_COMMAND, &b), 0);
        tb = cJSON_PrintUnformatted(b.result);
        assert_string_equal(tb, "{}");
        assert_string_equal(b.error, "Could not execute empty command");

        /* print and none */
        assert_int_equal(job_result_new(true, NULL, &c), 0);
        tc = cJSON_PrintUnformatted(c.result);
        assert_string_equal(tc, "{}");
        assert_string_equal(c.error, "");
        assert_true(c.success);

        /* background: at once, success, exit code 0, empty output */
        assert_int_equal(job_result_background(&d), 0);
        td = cJSON_PrintUnformatted(d.result);
        assert_string_equal(td, "{\"output\":\"\",\"exit_code\":0}");
        assert_true(d.success);
        assert_string_equal(d.error, "");
}

static void check_service(const char *sr, const char *code, const char *status,
                          const char *error, const char *result) {
        _cleanup_(job_result_done) JobResult r = {};
        _cleanup_free_ char *text = NULL;

        assert_int_equal(job_result_from_service(sr, code, status, &r), 0);
        assert_false(r.success);
        text = cJSON_PrintUnformatted(r.result);
        if (!streq(r.error, error) || !streq(text, result))
                fail_msg("%s/%s/%s: error '%s' result %s; expected '%s' %s",
                         strna(sr), strna(code), strna(status), r.error, text, error, result);
}

static void test_from_service(void **state) {
        /* systemctl stop: SIGTERM is a clean exit signal for systemd */
        check_service("success", "killed", "TERM", "Job was stopped (SIGTERM)",
                      "{\"exit_code\":-1,\"signal\":\"SIGTERM\"}");
        /* RuntimeMaxSec= */
        check_service("timeout", "killed", "TERM",
                      "Job exceeded its time limit (RuntimeMaxSec=) and was stopped (SIGTERM)",
                      "{\"exit_code\":-1,\"signal\":\"SIGTERM\"}");
        check_service("timeout", NULL, NULL, "Job exceeded its time limit (RuntimeMaxSec=)",
                      "{\"exit_code\":-1}");
        /* killed outright, crashed */
        check_service("signal", "killed", "KILL", "Job was killed (SIGKILL)",
                      "{\"exit_code\":-1,\"signal\":\"SIGKILL\"}");
        check_service("core-dump", "dumped", "SEGV", "Job crashed (SIGSEGV, core dumped)",
                      "{\"exit_code\":-1,\"signal\":\"SIGSEGV\"}");
        check_service("signal", "killed", "9", "Job was killed (SIGKILL)",
                      "{\"exit_code\":-1,\"signal\":\"SIGKILL\"}");
        check_service("signal", "killed", "SIGINT", "Job was stopped (SIGINT)",
                      "{\"exit_code\":-1,\"signal\":\"SIGINT\"}");
        check_service("oom-kill", "killed", "KILL", "Job was killed by the OOM killer (MemoryMax=)",
                      "{\"exit_code\":-1,\"signal\":\"SIGKILL\"}");
        check_service("watchdog", "killed", "ABRT", "Job missed its watchdog deadline (WatchdogSec=)",
                      "{\"exit_code\":-1,\"signal\":\"SIGABRT\"}");
        /* exited, but no result.json */
        check_service("exit-code", "exited", "217", "Job could not be started (systemd exit status 217/USER)",
                      "{\"exit_code\":217}");
        check_service("exit-code", "exited", "3", "Job exited with status 3 without a result",
                      "{\"exit_code\":3}");
        check_service("success", "exited", "0", "Job ended without a result", "{\"exit_code\":0}");
        /* the main process never ran */
        check_service("resources", NULL, NULL, "Job could not be started (resources)", "{\"exit_code\":-1}");
        check_service(NULL, NULL, NULL, "Job ended without a result", "{\"exit_code\":-1}");
        /* junk from the environment is not repeated */
        check_service("signal", "killed", "TERM; rm -rf", "Job was killed (signal)", "{\"exit_code\":-1}");
        check_service("exit-code", "exited", "x", "Job ended without a result", "{\"exit_code\":-1}");
}

static void test_format_parse(void **state) {
        _cleanup_(job_result_done) JobResult r = {}, back = {};
        _cleanup_free_ char *text = NULL, *t2 = NULL;

        assert_int_equal(job_result_from_command("{\"big\":123456789012345678901}", 29, false, 2, 0, &r), 0);
        assert_int_equal(job_result_format(&r, &text), 0);
        assert_string_equal(text, "{\"success\":false,\"error\":\"Command failed with code 2\","
                                  "\"result\":{\"big\":123456789012345678901,\"exit_code\":2}}");

        assert_int_equal(job_result_parse(text, strlen(text), &back), 0);
        assert_false(back.success);
        assert_string_equal(back.error, "Command failed with code 2");
        t2 = cJSON_PrintUnformatted(back.result);
        assert_string_equal(t2, "{\"big\":123456789012345678901,\"exit_code\":2}");
}

static void test_duration(void **state) {
        _cleanup_(job_result_done) JobResult r = {}, back = {}, none = {};
        _cleanup_free_ char *text = NULL;

        assert_int_equal(job_result_new(true, "", &r), 0);
        r.duration_usec = 1234567;
        assert_int_equal(job_result_format(&r, &text), 0);
        assert_string_equal(text, "{\"success\":true,\"error\":\"\",\"result\":{},\"duration_usec\":1234567}");
        assert_int_equal(job_result_parse(text, strlen(text), &back), 0);
        assert_int_equal(back.duration_usec, 1234567);

        /* missing: unknown (herald-done asks systemd) */
        assert_int_equal(job_result_parse("{\"success\":true}", 16, &none), 0);
        assert_int_equal(none.duration_usec, 0);
}

static void check_parse_error(const char *text) {
        JobResult r = {};

        if (job_result_parse(text, strlen(text), &r) >= 0)
                fail_msg("'%s' parsed", text);
}

static void test_parse(void **state) {
        _cleanup_(job_result_done) JobResult a = {}, b = {};
        _cleanup_free_ char *ta = NULL;

        assert_int_equal(job_result_parse("{\"success\":true}", 16, &a), 0);
        assert_true(a.success);
        assert_string_equal(a.error, "");
        ta = cJSON_PrintUnformatted(a.result);
        assert_string_equal(ta, "{}");

        const char *t = "{\"success\":false,\"error\":\"e\",\"result\":null}";
        assert_int_equal(job_result_parse(t, strlen(t), &b), 0);
        assert_false(b.success);
        assert_string_equal(b.error, "e");

        check_parse_error("");
        check_parse_error("{\"success\":tru");
        check_parse_error("[]");
        check_parse_error("{}");
        check_parse_error("{\"success\":\"true\"}");
        check_parse_error("{\"success\":1}");
        check_parse_error("{\"success\":true,\"error\":1}");
        check_parse_error("{\"success\":true,\"result\":[]}");
        check_parse_error("{\"success\":true,\"result\":\"x\"}");
        check_parse_error("{\"success\":true,\"duration_usec\":\"5\"}");
        check_parse_error("{\"success\":true,\"duration_usec\":0}");
        check_parse_error("{\"success\":true,\"duration_usec\":-5}");
        check_parse_error("{\"success\":true,\"duration_usec\":1.5}");
        check_parse_error("{\"success\":true,\"duration_usec\":99999999999999999999}");
}

static void test_exit_code(void **state) {
        _cleanup_json_ cJSON *a = cJSON_Parse("{\"exit_code\":3}"), *b = cJSON_Parse("{}"),
                             *c = cJSON_Parse("{\"exit_code\":\"3\"}");

        assert_true(job_result_exit_code(a, false) == 3);
        assert_true(job_result_exit_code(b, true) == 0);
        assert_true(job_result_exit_code(b, false) == -1);
        assert_true(job_result_exit_code(c, false) == -1);
        assert_true(job_result_exit_code(NULL, true) == 0);
}

static void test_signal_name(void **state) {
        char buf[16];

        assert_string_equal(job_signal_name(SIGTERM, buf), "SIGTERM");
        assert_string_equal(job_signal_name(SIGSEGV, buf), "SIGSEGV");
        assert_string_equal(job_signal_name(SIGRTMIN + 2, buf), "SIGRTMIN+2");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_object_merged),
                cmocka_unit_test(test_object_whitespace),
                cmocka_unit_test(test_exit_code_overwritten),
                cmocka_unit_test(test_not_an_object),
                cmocka_unit_test(test_failure),
                cmocka_unit_test(test_signal),
                cmocka_unit_test(test_truncated),
                cmocka_unit_test(test_big_integers),
                cmocka_unit_test(test_bytes),
                cmocka_unit_test(test_simple_results),
                cmocka_unit_test(test_from_service),
                cmocka_unit_test(test_format_parse),
                cmocka_unit_test(test_duration),
                cmocka_unit_test(test_parse),
                cmocka_unit_test(test_exit_code),
                cmocka_unit_test(test_signal_name),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
