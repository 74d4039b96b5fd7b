/* SPDX-License-Identifier: MIT */
/* test-multipart-receive.c: a whole Herald Runner answer, in one piece and split at every byte, and hostile ones */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "fs-util.h"
#include "json-util.h"
#include "macro.h"
#include "multipart-receive.h"
#include "test-helpers.h"

#define JOB "0123ABCD-EF01-4567-89AB-CDEF01234567"
#define B "9c2f0d8e1b7a6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b"
#define CT "multipart/form-data; boundary=" B
#define EMPTY_SHA "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

static char tmp[] = "/tmp/test-multipart-receive-XXXXXX";
static char job_dir[128];
static int data_fd = -1;

static int setup(void **state) {
        umask(022);
        assert_non_null(mkdtemp(tmp));
        snprintf(job_dir, sizeof job_dir, "%s/" JOB, tmp);
        data_fd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(data_fd >= 0);
        return 0;
}

static int teardown(void **state) {
        close(data_fd);
        assert_int_equal(rm_rf(tmp), 0);
        return 0;
}

static void sha256_hex(const void *data, size_t size, char ret[65]) {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned len = 0;

        assert_int_equal(EVP_Digest(data, size, md, &len, EVP_sha256(), NULL), 1);
        for (unsigned i = 0; i < len; i++)
                sprintf(ret + 2 * i, "%02x", md[i]);
}

static void file_part(Buf *b, const char *name, const char *filename, const void *content, size_t size) {
        char sha[65], line[1024];

        sha256_hex(content, size, sha);
        snprintf(line, sizeof line,
                 "\r\n--" B "\r\n"
                 "Content-Disposition: form-data; name=\"%s\"; filename=\"%s\"; sha256sum=\"%s\"\r\n"
                 "Content-Type: application/octet-stream\r\n\r\n", name, filename, sha);
        buf_adds(b, line);
        buf_add(b, content, size);
}

/* bytes around a delimiter, but no delimiter (RFC 2046: a part never holds one) */
static const char bin[] = "\0\r\n--9c2f0d8e1b7a6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3\r\n-\xff\r\r\n--9c2f\0";

/* Herald Runner's answer, as Go's mime/multipart writes it. */
static void runner_answer(Buf *b) {
        buf_adds(b, "--" B "\r\n"
                    "Content-Disposition: form-data; name=\"result\"\r\n"
                    "\r\n"
                    "{\"exit_code\":0,\"output\":\"done\",\"n\":12345678901234567890,"
                    "\"file\":{\"dump\":\"/srv/w/run/db.sql\",\"empty\":\"/srv/w/run/e\"}}");
        file_part(b, "dump", "db.sql", bin, sizeof bin - 1);
        file_part(b, "empty", "e", "", 0);
        buf_adds(b, "\r\n--" B "--\r\n");
}

#define EXPECTED_RESULT "{\"exit_code\":0,\"output\":\"done\",\"n\":12345678901234567890," \
        "\"file\":{\"dump\":\"%s/" JOB "/dump/db.sql\",\"empty\":\"%s/" JOB "/empty/e\"}," \
        "\"context_type\":\"multipart/form-data\"}"

/* Feed @in cut at @cut (or whole: @cut == @size), finish; the result printed. */
static int receive(const MultipartReceiveLimits *limits, const Buf *in, size_t cut, char **ret_text) {
        _cleanup_(multipart_receiver_freep) MultipartReceiver *r = NULL;
        _cleanup_json_ cJSON *result = NULL;
        int q;

        assert_int_equal(multipart_receiver_new(CT, data_fd, tmp, JOB, limits, &r), 0);
        q = multipart_receiver_feed(r, in->data, cut);
        if (q >= 0)
                q = multipart_receiver_feed(r, in->data + cut, in->size - cut);
        if (q >= 0)
                q = multipart_receiver_finish(r, &result);
        if (q < 0) {
                assert_null(result);
                assert_int_equal(multipart_receiver_finish(r, &result), q);
                assert_int_equal(multipart_receiver_feed(r, "x", 1), q);
                return q;
        }
        assert_int_equal(json_print_compact(result, ret_text), 0);
        return 0;
}

static void test_answer(void **state) {
        _cleanup_free_ char *expected = NULL;
        Buf in = {};

        runner_answer(&in);
        assert_true(asprintf(&expected, EXPECTED_RESULT, tmp, tmp) > 0);

        for (size_t cut = 0; cut <= in.size; cut++) {
                _cleanup_free_ char *text = NULL, *got = NULL, *dump = NULL, *empty = NULL;
                size_t n;

                assert_int_equal(receive(NULL, &in, cut, &text), 0);
                assert_string_equal(text, expected);

                assert_true(asprintf(&dump, "%s/dump/db.sql", job_dir) > 0);
                assert_int_equal(read_file(dump, 4096, &got, &n), 0);
                assert_int_equal(n, sizeof bin - 1);
                assert_memory_equal(got, bin, n);
                free(got);
                got = NULL;
                assert_true(asprintf(&empty, "%s/empty/e", job_dir) > 0);
                assert_int_equal(read_file(empty, 4096, &got, &n), 0);
                assert_int_equal(n, 0);
                /* the files are the caller's after a success: kept past the free */
                assert_int_equal(rm_rf(job_dir), 0);
        }
        buf_done(&in);
}

/* A hostile answer: refused with @expected, and nothing left under data_dir. */
static void check_refused(const MultipartReceiveLimits *limits, const Buf *in, int expected) {
        for (size_t cut = 0; cut <= in->size; cut += in->size > 2000 ? in->size : 1) {
                char *text = NULL;

                if (receive(limits, in, cut, &text) != expected)
                        fail_msg("cut at %zu: not %d: %.300s", cut, expected, in->data);
                assert_int_equal(access(job_dir, F_OK), -1);
        }
}

static void test_hostile(void **state) {
        static const char result_part[] = "--" B "\r\nContent-Disposition: form-data; name=\"result\"\r\n\r\n{\"file\":{}}";
        static const char *const names[][2] = {
                { "../x", "f" }, { "..", "f" }, { "n", "../../etc/passwd" }, { "n", "/etc/passwd" }, { "a/b", "f" },
                { "n", "." }, { "n", "" },
        };
        Buf in = {};

        /* a good file, then a part that escapes: the good file goes too */
        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                buf_adds(&in, result_part);
                file_part(&in, "good", "g", "good", 4);
                file_part(&in, names[i][0], names[i][1], "evil", 4);
                buf_adds(&in, "\r\n--" B "--\r\n");
                check_refused(NULL, &in, -EINVAL);
                buf_done(&in);
        }

        /* a wrong checksum, a missing one */
        buf_adds(&in, result_part);
        file_part(&in, "good", "g", "good", 4);
        buf_adds(&in, "\r\n--" B "\r\nContent-Disposition: form-data; name=\"n\"; filename=\"f\"; sha256sum=\"" EMPTY_SHA "\"\r\n\r\nx");
        buf_adds(&in, "\r\n--" B "--\r\n");
        check_refused(NULL, &in, -EBADMSG);
        buf_done(&in);
        buf_adds(&in, result_part);
        buf_adds(&in, "\r\n--" B "\r\nContent-Disposition: form-data; name=\"n\"; filename=\"f\"\r\n\r\n");
        buf_adds(&in, "\r\n--" B "--\r\n");
        check_refused(NULL, &in, -EBADMSG);
        buf_done(&in);

        /* truncated in a file, after a file */
        buf_adds(&in, result_part);
        file_part(&in, "good", "g", "good", 4);
        buf_adds(&in, "\r\n--" B "\r\nContent-Disposition: form-data; name=\"n\"; filename=\"f\"; sha256sum=\"" EMPTY_SHA "\"\r\n\r\nx");
        check_refused(NULL, &in, -EBADMSG);
        buf_done(&in);
        buf_adds(&in, result_part);
        file_part(&in, "good", "g", "good", 4);
        buf_adds(&in, "\r\n--" B);
        check_refused(NULL, &in, -EBADMSG);
        buf_done(&in);

        /* no result, two results, a result that is no object or no JSON, a field that is no file */
        file_part(&in, "good", "g", "good", 4);
        buf_adds(&in, "\r\n--" B "--\r\n");
        check_refused(NULL, &in, -EBADMSG);
        buf_done(&in);
        buf_adds(&in, result_part);
        file_part(&in, "good", "g", "good", 4);
        buf_adds(&in, "\r\n--" B "\r\nContent-Disposition: form-data; name=\"result\"\r\n\r\n{}\r\n--" B "--\r\n");
        check_refused(NULL, &in, -EBADMSG);
        buf_done(&in);
        buf_adds(&in, "--" B "\r\nContent-Disposition: form-data; name=\"result\"\r\n\r\n[1]");
        file_part(&in, "good", "g", "good", 4);
        buf_adds(&in, "\r\n--" B "--\r\n");
        check_refused(NULL, &in, -EBADMSG);
        buf_done(&in);
        buf_adds(&in, "--" B "\r\nContent-Disposition: form-data; name=\"result\"\r\n\r\n{\"a\":");
        buf_adds(&in, "\r\n--" B "--\r\n");
        check_refused(NULL, &in, -EBADMSG);
        buf_done(&in);
        buf_adds(&in, result_part);
        buf_adds(&in, "\r\n--" B "\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nx\r\n--" B "--\r\n");
        check_refused(NULL, &in, -EBADMSG);
        buf_done(&in);

        /* a name twice */
        buf_adds(&in, result_part);
        file_part(&in, "good", "g", "good", 4);
        file_part(&in, "good", "h", "good", 4);
        buf_adds(&in, "\r\n--" B "--\r\n");
        check_refused(NULL, &in, -EEXIST);
        buf_done(&in);

        /* limits: the result's size, the files' bytes, 10,000 parts */
        buf_adds(&in, result_part);
        file_part(&in, "good", "g", "good", 4);
        file_part(&in, "more", "m", "12345", 5);
        buf_adds(&in, "\r\n--" B "--\r\n");
        check_refused(&(MultipartReceiveLimits) { .max_file_bytes = 8 }, &in, -EFBIG);
        check_refused(&(MultipartReceiveLimits) { .max_result_size = 10 }, &in, -E2BIG);
        {
                char *text = NULL;

                assert_int_equal(receive(&(MultipartReceiveLimits) { .max_file_bytes = 9, .max_result_size = 11 },
                                         &in, 0, &text), 0);
                free(text);
                assert_int_equal(rm_rf(job_dir), 0);
        }
        buf_done(&in);

        buf_adds(&in, result_part);
        for (int i = 0; i < 10000; i++) {
                char name[32];

                snprintf(name, sizeof name, "f%d", i);
                file_part(&in, name, "f", "", 0);
        }
        buf_adds(&in, "\r\n--" B "--\r\n");
        check_refused(NULL, &in, -E2BIG);
        buf_done(&in);

        /* not a multipart answer */
        {
                MultipartReceiver *r = NULL;

                assert_int_equal(multipart_receiver_new("application/json", data_fd, tmp, JOB, NULL, &r), -EINVAL);
                assert_int_equal(multipart_receiver_new(CT, data_fd, tmp, "../x", NULL, &r), -EINVAL);
                assert_int_equal(multipart_receiver_new(CT, data_fd, "rel", JOB, NULL, &r), -EINVAL);
                assert_null(r);
        }

        /* freed before the end: nothing kept */
        {
                _cleanup_(multipart_receiver_freep) MultipartReceiver *r = NULL;

                runner_answer(&in);
                assert_int_equal(multipart_receiver_new(CT, data_fd, tmp, JOB, NULL, &r), 0);
                assert_int_equal(multipart_receiver_feed(r, in.data, in.size - 10), 0);
                assert_int_equal(access(job_dir, F_OK), 0);
                r = multipart_receiver_free(r);
                assert_int_equal(access(job_dir, F_OK), -1);
                buf_done(&in);
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_answer),
                cmocka_unit_test(test_hostile),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
