/* SPDX-License-Identifier: MIT */
/* test-runner-request.c: a runner request made into a job's param; the reply from herald-done, with fds */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "activate-protocol.h"
#include "fs-util.h"
#include "json-util.h"
#include "macro.h"
#include "runner-reply.h"
#include "runner-request.h"

#define ID "0D3C4B5A-0000-4000-8000-000000000001"

static void test_param(void **state) {
        const char *body = "{\"job_id\":\"remote-1\",\"trigger_id\":\"T\",\"router\":\"r\",\"task\":\"x\","
                           "\"job_param\":{\"cmd\":\"./a\",\"n\":9007199254740993},\"extra\":1,\"executor_type\":\"local\"}";
        _cleanup_json_ cJSON *p = NULL;
        _cleanup_free_ char *text = NULL;

        assert_int_equal(runner_request_param(body, strlen(body), ID, &p), 0);
        assert_int_equal(json_print_compact(p, &text), 0);
        /* our id, the client's kept aside, Herald's keys only, every digit kept */
        assert_string_equal(text, "{\"job_id\":\"" ID "\",\"remote_job_id\":\"remote-1\",\"trigger_id\":\"T\",\"router\":\"r\","
                                  "\"task\":\"x\",\"job_param\":{\"cmd\":\"./a\",\"n\":9007199254740993}}");
}

static void test_param_bad(void **state) {
        static const char *const bad[] = { "", "[1]", "\"x\"", "null", "{\"a\":", "{} x", "{\"a\":1e999}" };
        cJSON *p = NULL;

        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                assert_int_equal(runner_request_param(bad[i], strlen(bad[i]), ID, &p), -EBADMSG);
        assert_int_equal(runner_request_param("{}", 2, "not-an-id", &p), -EINVAL);
        assert_null(p);
}

static void test_executor_param(void **state) {
        char *allow[] = { (char *) "/srv/a", (char *) "/srv/b", NULL };
        RunnerConfig c = { .work_dir = (char *) "/w", .allow_absolute_cmd = true, .allow_file_paths = allow };
        _cleanup_json_ cJSON *ep = NULL;
        _cleanup_free_ char *text = NULL;

        assert_int_equal(runner_executor_param(&c, "/run/x", &ep), 0);
        assert_int_equal(json_print_compact(ep, &text), 0);
        assert_string_equal(text, "{\"allow_file_paths\":[\"/srv/a\",\"/srv/b\"],\"work_dir\":\"/w\","
                                  "\"allow_absolute_cmd\":true,\"reply_socket\":\"/run/x\"}");
}

static char sock_path[sizeof "/tmp/test-runner-request-XXXXXX/s"];

static int listen_at(void) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

        assert_true(fd >= 0);
        strcpy(sa.sun_path, sock_path);
        (void) unlink(sock_path);
        assert_int_equal(bind(fd, (struct sockaddr *) &sa, sizeof sa), 0);
        assert_int_equal(listen(fd, 4), 0);
        return fd;
}

static void test_reply_roundtrip(void **state) {
        _cleanup_close_ int lfd = listen_at(), cfd = -1, f1 = -1;
        _cleanup_json_ cJSON *reply = NULL;
        _cleanup_(runner_reply_done) RunnerReply got = {};
        const char *text = "{\"success\":true,\"error\":\"\",\"result\":{\"exit_code\":0},"
                           "\"files\":[{\"name\":\"k\",\"filename\":\"f.txt\"}]}";
        char buf[8] = {};

        f1 = open("/dev/null", O_RDONLY | O_CLOEXEC);
        assert_true(f1 >= 0);
        reply = cJSON_Parse(text);
        assert_non_null(reply);
        assert_int_equal(runner_reply_send(sock_path, ID, reply, &f1, 1, 1), 0);
        cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        assert_true(cfd >= 0);
        assert_int_equal(runner_reply_receive(cfd, &got), 0);
        assert_string_equal(got.job_id, ID);
        assert_int_equal(got.n_fds, 1);
        assert_int_equal(read(got.fds[0], buf, sizeof buf), 0);     /* /dev/null, the fd sent */
        assert_true(cJSON_IsTrue(cJSON_GetObjectItem(got.reply, "success")));
}

/* The receiver takes every fd that came, and refuses a reply whose files and fds differ. */
static void test_reply_mismatch(void **state) {
        _cleanup_close_ int lfd = listen_at(), cfd = -1;
        _cleanup_json_ cJSON *reply = cJSON_Parse("{\"success\":true,\"result\":{},\"files\":[{\"name\":\"k\",\"filename\":\"f\"}]}");
        RunnerReply got = {};

        assert_int_equal(runner_reply_send(sock_path, ID, reply, NULL, 0, 1), 0);
        cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        assert_int_equal(runner_reply_receive(cfd, &got), -EBADMSG);
        assert_int_equal(runner_reply_send("/nonexistent/x", ID, reply, NULL, 0, 1), -ENOENT);
        assert_int_equal(runner_reply_send(sock_path, "bad id", reply, NULL, 0, 1), -EINVAL);
}

/* root connects to herald-runner's socket by what is there, never through a symlink the
 * unprivileged side could point at another socket. */
static void test_reply_symlink(void **state) {
        _cleanup_close_ int lfd = listen_at();
        _cleanup_json_ cJSON *reply = cJSON_Parse("{\"success\":true,\"result\":{}}");
        char link[sizeof sock_path + 1];

        snprintf(link, sizeof link, "%sl", sock_path);
        assert_int_equal(symlink(sock_path, link), 0);
        assert_int_equal(runner_reply_send(link, ID, reply, NULL, 0, 1), -EPERM);
        assert_int_equal(unlink(link), 0);
}

/* A packet that is not a reply: no memfd, wrong tag. */
static void test_reply_garbage(void **state) {
        _cleanup_close_ int lfd = listen_at(), sfd = -1, cfd = -1;
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        RunnerReply got = {};

        strcpy(sa.sun_path, sock_path);
        sfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        assert_int_equal(connect(sfd, (struct sockaddr *) &sa, sizeof sa), 0);
        cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        assert_int_equal(send(sfd, "RESULT\0" ID, sizeof "RESULT\0" ID, 0), (ssize_t) sizeof "RESULT\0" ID);
        assert_int_equal(runner_reply_receive(cfd, &got), -EBADMSG);
        assert_int_equal(send(sfd, "HELLO", 5, 0), 5);
        assert_int_equal(runner_reply_receive(cfd, &got), -EBADMSG);
        assert_int_equal(runner_reply_receive(cfd, &got), -EAGAIN);
}

/* herald-runner <-> herald-activate --serve-runner: RUN, and the answers it adds (BUSY). */
static void test_protocol(void **state) {
        char buf[ACTIVATE_MESSAGE_MAX];
        ActivateMessage m;
        size_t len;

        assert_int_equal(activate_message_format(&(ActivateMessage) { .verb = ACTIVATE_RUN, .job_id = ID }, buf,
                                                 sizeof buf, &len), 0);
        assert_int_equal(len, sizeof "RUN\0" ID);
        assert_memory_equal(buf, "RUN\0" ID, len);
        assert_int_equal(activate_message_parse(buf, len, &m), 0);
        assert_int_equal(m.verb, ACTIVATE_RUN);
        assert_string_equal(m.job_id, ID);
        assert_int_equal(activate_message_parse("BUSY\0" ID, sizeof "BUSY\0" ID, &m), 0);
        assert_int_equal(m.verb, ACTIVATE_BUSY);
        /* no more fields, no less, a real id */
        assert_int_equal(activate_message_parse("RUN\0" ID "\0x", sizeof "RUN\0" ID "\0x", &m), -EBADMSG);
        assert_int_equal(activate_message_parse("RUN", sizeof "RUN", &m), -EBADMSG);
        assert_int_equal(activate_message_parse("RUN\0../x", sizeof "RUN\0../x", &m), -EBADMSG);
        assert_int_equal(activate_message_format(&(ActivateMessage) { .verb = ACTIVATE_RUN, .job_id = "x" }, buf,
                                                 sizeof buf, &len), -EINVAL);
}

static int setup(void **state) {
        strcpy(sock_path, "/tmp/test-runner-request-XXXXXX");
        if (!mkdtemp(sock_path))
                return -1;
        strcat(sock_path, "/s");
        return 0;
}

static int teardown(void **state) {
        char dir[sizeof sock_path];

        strcpy(dir, sock_path);
        *strrchr(dir, '/') = 0;
        return rm_rf(dir) < 0 ? -1 : 0;
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_param),
                cmocka_unit_test(test_param_bad),
                cmocka_unit_test(test_executor_param),
                cmocka_unit_test(test_reply_roundtrip),
                cmocka_unit_test(test_reply_mismatch),
                cmocka_unit_test(test_reply_garbage),
                cmocka_unit_test(test_reply_symlink),
                cmocka_unit_test(test_protocol),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
