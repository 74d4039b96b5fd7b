/* SPDX-License-Identifier: MIT */
/* test-notify.c: the datagram herald-done sends heraldd (notify.c): its two forms,
 * what the strict reader refuses, and sending it over a real socket */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "json-parse.h"
#include "json-util.h"
#include "macro.h"
#include "notify.h"
#include "param-redact.h"

#define JOB_ID "0F3C2A4E-8B1D-4C6F-9E2A-7D5B3C1A9F80"

static cJSON *json(const char *text) {
        cJSON *v = NULL;

        if (json_parse(text, strlen(text), &v) < 0)
                fail_msg("test JSON does not parse: %s", text);
        return v;
}

static bool same(const cJSON *a, const char *text) {
        _cleanup_free_ char *x = cJSON_PrintUnformatted(a);
        _cleanup_json_ cJSON *b = json(text);
        _cleanup_free_ char *y = cJSON_PrintUnformatted(b);

        return x && y && streq(x, y);
}

static int parse(const char *text, NotifyMessage *m) {
        return notify_parse(text, strlen(text), m);
}

static void test_round_trip(void **state) {
        _cleanup_json_ cJSON *param = json("{\"job_id\":\"" JOB_ID "\",\"router\":\"r\",\"task\":\"t\","
                                           "\"job_param\":{\"cmd\":\"x\",\"git_password\":\"hunter2\",\"n\":18446744073709551615}}");
        _cleanup_json_ cJSON *result = json("{\"exit_code\":3,\"output\":\"a\\nb\"}");
        _cleanup_(notify_message_done) NotifyMessage m = {};
        _cleanup_free_ char *text = NULL, *again = NULL;
        size_t size, size2;

        assert_int_equal(notify_format(param, false, "Execute command error", result, &text, &size), 0);
        assert_int_equal(size, strlen(text));
        assert_true(size <= HERALD_NOTIFY_SIZE_MAX);
        /* the credential does not leave herald-done */
        assert_null(strstr(text, "hunter2"));

        assert_int_equal(notify_parse(text, size, &m), 0);
        assert_true(m.complete);
        assert_string_equal(m.job_id, JOB_ID);
        assert_false(m.success);
        assert_string_equal(m.error, "Execute command error");
        assert_true(same(m.result, "{\"exit_code\":3,\"output\":\"a\\nb\"}"));
        assert_true(same(m.param, "{\"job_id\":\"" JOB_ID "\",\"router\":\"r\",\"task\":\"t\","
                                  "\"job_param\":{\"cmd\":\"x\",\"git_password\":\"" PARAM_REDACTED "\","
                                  "\"n\":18446744073709551615}}"));
        /* the input is untouched */
        assert_string_equal(json_object_get_string(cJSON_GetObjectItem(param, "job_param"), "git_password"), "hunter2");

        /* formatting what was read gives the same bytes */
        assert_int_equal(notify_format(m.param, m.success, m.error, m.result, &again, &size2), 0);
        assert_int_equal(size2, size);
        assert_string_equal(again, text);
}

static void test_defaults(void **state) {
        _cleanup_json_ cJSON *param = json("{\"job_id\":\"A-1\"}");
        _cleanup_(notify_message_done) NotifyMessage m = {};
        _cleanup_free_ char *text = NULL;
        size_t size;

        /* no error, no result: "" and {} (Herald: result is {}, never null) */
        assert_int_equal(notify_format(param, true, NULL, NULL, &text, &size), 0);
        assert_int_equal(notify_parse(text, size, &m), 0);
        assert_true(m.success);
        assert_string_equal(m.error, "");
        assert_true(same(m.result, "{}"));
}

static void test_too_large(void **state) {
        _cleanup_json_ cJSON *param = json("{\"job_id\":\"" JOB_ID "\"}"), *result = cJSON_CreateObject();
        _cleanup_(notify_message_done) NotifyMessage m = {};
        _cleanup_free_ char *text = NULL, *big = malloc(HERALD_NOTIFY_SIZE_MAX + 1), *fits = NULL;
        size_t size;

        assert_non_null(big);
        memset(big, 'x', HERALD_NOTIFY_SIZE_MAX);
        big[HERALD_NOTIFY_SIZE_MAX] = 0;
        assert_non_null(cJSON_AddStringToObject(result, "output", big));

        assert_int_equal(notify_format(param, true, "", result, &text, &size), 0);
        assert_string_equal(text, "{\"job_id\":\"" JOB_ID "\",\"complete\":false}");
        assert_int_equal(notify_parse(text, size, &m), 0);
        assert_false(m.complete);
        assert_string_equal(m.job_id, JOB_ID);
        assert_null(m.param);
        assert_null(m.result);
        assert_null(m.error);

        /* the limit is on the whole datagram: one byte under it still goes whole */
        {
                _cleanup_free_ char *probe = NULL;
                _cleanup_json_ cJSON *r2 = json("{\"output\":\"\"}");
                size_t overhead, n;

                assert_int_equal(notify_format(param, true, "", r2, &probe, &overhead), 0);
                n = HERALD_NOTIFY_SIZE_MAX - overhead;
                big[n] = 0;
                cJSON_SetValuestring(cJSON_GetObjectItem(r2, "output"), big);
                assert_int_equal(notify_format(param, true, "", r2, &fits, &size), 0);
                assert_int_equal(size, HERALD_NOTIFY_SIZE_MAX);
                assert_null(strstr(fits, "\"complete\""));
                free(fits);
                fits = NULL;
                big[n] = 'x';
                big[n + 1] = 0;
                cJSON_SetValuestring(cJSON_GetObjectItem(r2, "output"), big);
                assert_int_equal(notify_format(param, true, "", r2, &fits, &size), 0);
                assert_string_equal(fits, "{\"job_id\":\"" JOB_ID "\",\"complete\":false}");
        }
}

static void test_format_refuses(void **state) {
        _cleanup_json_ cJSON *no_id = json("{}"), *bad_id = json("{\"job_id\":\"../x\"}"),
                             *num_id = json("{\"job_id\":5}"), *ok = json("{\"job_id\":\"a\"}"), *list = json("[]");
        char *text = NULL;
        size_t size;

        /* no job id: nothing heraldd could act on (herald-done without job.json) */
        assert_int_equal(notify_format(no_id, true, "", NULL, &text, &size), -EINVAL);
        assert_int_equal(notify_format(bad_id, true, "", NULL, &text, &size), -EINVAL);
        assert_int_equal(notify_format(num_id, true, "", NULL, &text, &size), -EINVAL);
        assert_int_equal(notify_format(list, true, "", NULL, &text, &size), -EINVAL);
        assert_int_equal(notify_format(ok, true, "", list, &text, &size), -EINVAL);
        assert_null(text);
}

static void test_malformed(void **state) {
        static const char *const bad[] = {
                "",
                "   ",
                "null",
                "[]",
                "\"" JOB_ID "\"",
                "{",
                "{\"job_id\":\"A\",\"complete\":false",
                "{}",
                /* job id: missing, wrong type, empty, too long, outside [A-Za-z0-9_-] */
                "{\"complete\":false}",
                "{\"job_id\":5,\"complete\":false}",
                "{\"job_id\":\"\",\"complete\":false}",
                "{\"job_id\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\",\"complete\":false}",
                "{\"job_id\":\"../etc\",\"complete\":false}",
                "{\"job_id\":\"a b\",\"complete\":false}",
                "{\"job_id\":\"a\\u0000b\",\"complete\":false}",
                "{\"job_id\":\"a/b\",\"complete\":false}",
                /* complete must be a boolean, and false stands alone */
                "{\"job_id\":\"A\",\"complete\":0}",
                "{\"job_id\":\"A\",\"complete\":\"false\"}",
                "{\"job_id\":\"A\",\"complete\":false,\"success\":true}",
                /* the complete form: every member, each of its type */
                "{\"job_id\":\"A\",\"param\":{\"job_id\":\"A\"},\"success\":true,\"error\":\"\"}",
                "{\"job_id\":\"A\",\"param\":{\"job_id\":\"A\"},\"success\":true,\"result\":{}}",
                "{\"job_id\":\"A\",\"param\":{\"job_id\":\"A\"},\"error\":\"\",\"result\":{}}",
                "{\"job_id\":\"A\",\"success\":true,\"error\":\"\",\"result\":{}}",
                "{\"job_id\":\"A\",\"param\":[],\"success\":true,\"error\":\"\",\"result\":{}}",
                "{\"job_id\":\"A\",\"param\":{\"job_id\":\"A\"},\"success\":1,\"error\":\"\",\"result\":{}}",
                "{\"job_id\":\"A\",\"param\":{\"job_id\":\"A\"},\"success\":true,\"error\":null,\"result\":{}}",
                "{\"job_id\":\"A\",\"param\":{\"job_id\":\"A\"},\"success\":true,\"error\":\"a\\u0000\",\"result\":{}}",
                "{\"job_id\":\"A\",\"param\":{\"job_id\":\"A\"},\"success\":true,\"error\":\"\",\"result\":null}",
                "{\"job_id\":\"A\",\"param\":{\"job_id\":\"A\"},\"success\":true,\"error\":\"\",\"result\":\"x\"}",
                /* the param is another job's */
                "{\"job_id\":\"A\",\"param\":{\"job_id\":\"B\"},\"success\":true,\"error\":\"\",\"result\":{}}",
                "{\"job_id\":\"A\",\"param\":{},\"success\":true,\"error\":\"\",\"result\":{}}",
                /* unknown members */
                "{\"job_id\":\"A\",\"complete\":false,\"x\":1}",
                "{\"job_id\":\"A\",\"param\":{\"job_id\":\"A\"},\"success\":true,\"error\":\"\",\"result\":{},\"uid\":0}",
                /* trailing bytes */
                "{\"job_id\":\"A\",\"complete\":false}x",
                "{\"job_id\":\"A\",\"complete\":false}{}",
        };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                NotifyMessage m = {};
                int r = parse(bad[i], &m);

                if (r >= 0)
                        fail_msg("accepted: %s", bad[i]);
                assert_null(m.root);
        }

        /* NUL inside the datagram: not JSON */
        {
                NotifyMessage m = {};
                static const char nul[] = "{\"job_id\":\"A\",\0\"complete\":false}";
                assert_true(notify_parse(nul, sizeof nul - 1, &m) < 0);
        }
        /* larger than a datagram may be: refused before it is parsed */
        {
                NotifyMessage m = {};
                _cleanup_free_ char *big = malloc(HERALD_NOTIFY_SIZE_MAX + 1);
                assert_non_null(big);
                memset(big, ' ', HERALD_NOTIFY_SIZE_MAX + 1);
                memcpy(big, "{\"job_id\":\"A\",\"complete\":false}", 31);
                assert_int_equal(notify_parse(big, HERALD_NOTIFY_SIZE_MAX + 1, &m), -E2BIG);
                assert_int_equal(notify_parse(big, HERALD_NOTIFY_SIZE_MAX, &m), 0);
                notify_message_done(&m);
        }
}

static void test_accepted(void **state) {
        _cleanup_(notify_message_done) NotifyMessage a = {}, b = {};

        /* complete=true may be said; whitespace around and between is JSON's */
        assert_int_equal(parse(" {\"complete\": true, \"result\": {}, \"error\": \"e\", \"success\": true,"
                               " \"param\": {\"job_id\": \"a_B-9\"}, \"job_id\": \"a_B-9\"}\n", &a), 0);
        assert_true(a.complete && a.success);
        assert_string_equal(a.job_id, "a_B-9");
        assert_string_equal(a.error, "e");
        assert_int_equal(parse("{\"job_id\":\"" JOB_ID "\",\"complete\":false}", &b), 0);
        assert_false(b.complete);
}

/* A bound datagram socket in a fresh directory. */
static int receiver(char dir[], char **ret_path) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd, one = 1;

        assert_non_null(mkdtemp(dir));
        assert_true(asprintf(ret_path, "%s/notify", dir) > 0);
        assert_true(strlen(*ret_path) < sizeof sa.sun_path);
        strcpy(sa.sun_path, *ret_path);
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        assert_true(fd >= 0);
        assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof one), 0);
        assert_int_equal(bind(fd, (struct sockaddr *) &sa, sizeof sa), 0);
        return fd;
}

static void test_send(void **state) {
        char dir[] = "/tmp/test-notify-XXXXXX";
        _cleanup_free_ char *path = NULL, *missing = NULL, *text = NULL, *buf = malloc(HERALD_NOTIFY_SIZE_MAX + 1);
        _cleanup_json_ cJSON *param = json("{\"job_id\":\"" JOB_ID "\"}");
        _cleanup_(notify_message_done) NotifyMessage m = {};
        char control[CMSG_SPACE(sizeof(struct ucred))];
        struct iovec iov;
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control };
        struct cmsghdr *cm;
        struct ucred cred = {};
        size_t size;
        ssize_t n;
        int fd;

        assert_non_null(buf);
        fd = receiver(dir, &path);
        assert_int_equal(notify_format(param, true, "", NULL, &text, &size), 0);
        assert_int_equal(notify_send(path, text, size, 0), 0);

        /* one datagram, the very bytes, and the kernel vouches for the sender */
        iov = (struct iovec) { .iov_base = buf, .iov_len = HERALD_NOTIFY_SIZE_MAX + 1 };
        n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
        assert_int_equal(n, (ssize_t) size);
        assert_memory_equal(buf, text, size);
        for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
                if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_CREDENTIALS)
                        memcpy(&cred, CMSG_DATA(cm), sizeof cred);
        assert_int_equal(cred.pid, getpid());
        assert_int_equal(cred.uid, getuid());
        assert_int_equal(notify_parse(buf, (size_t) n, &m), 0);
        assert_string_equal(m.job_id, JOB_ID);

        /* a full queue: EAGAIN at once, never a wait */
        {
                uint64_t start = (uint64_t) time(NULL);
                int r = 0;

                for (int i = 0; i < 100000 && r == 0; i++)
                        r = notify_send(path, text, size, 0);
                assert_int_equal(r, -EAGAIN);
                assert_true((uint64_t) time(NULL) - start < 10);
        }

        /* nobody listening: the path is left, the socket gone */
        close(fd);
        assert_int_equal(notify_send(path, text, size, 0), -ECONNREFUSED);
        assert_int_equal(unlink(path), 0);
        assert_int_equal(notify_send(path, text, size, 0), -ENOENT);

        assert_int_equal(notify_send(path, buf, HERALD_NOTIFY_SIZE_MAX + 1, 0), -E2BIG);
        missing = calloc(200, 1);
        assert_non_null(missing);
        memset(missing, 'a', 199);
        missing[0] = '/';
        assert_int_equal(notify_send(missing, text, size, 0), -ENAMETOOLONG);
        assert_int_equal(notify_send("", text, size, 0), -EINVAL);
        assert_int_equal(rmdir(dir), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_round_trip),
                cmocka_unit_test(test_defaults),
                cmocka_unit_test(test_too_large),
                cmocka_unit_test(test_format_refuses),
                cmocka_unit_test(test_malformed),
                cmocka_unit_test(test_accepted),
                cmocka_unit_test(test_send),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
