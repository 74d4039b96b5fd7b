/* SPDX-License-Identifier: MIT */
/* test-multipart-answer.c: herald-runner's answer bytes, read whole and in chunks; checksums against sha256sum */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#include "fs-util.h"
#include "macro.h"
#include "multipart-answer.h"

static char tmpdir[] = "/tmp/test-multipart-answer-XXXXXX";

static int open_file(const char *name, const void *data, size_t size) {
        _cleanup_free_ char *p = NULL;
        int fd;

        assert_true(asprintf(&p, "%s/%s", tmpdir, name) > 0);
        assert_int_equal(write_file_atomic(p, data, size, 0644), 0);
        fd = open(p, O_RDONLY | O_CLOEXEC);
        assert_true(fd >= 0);
        return fd;
}

/* The whole body, read @chunk bytes at a time (0: all at once). */
static char *read_all(MultipartAnswer *a, size_t chunk, size_t *ret_size) {
        uint64_t size = multipart_answer_size(a), pos = 0;
        char *buf = malloc(size + 1);

        assert_non_null(buf);
        while (pos < size) {
                size_t max = chunk ? chunk : size - pos;
                ssize_t n = multipart_answer_read(a, pos, buf + pos, max > size - pos ? size - pos + 7 : max);
                assert_true(n > 0);
                assert_true((size_t) n <= max || chunk == 0);
                pos += (uint64_t) n;
        }
        assert_int_equal(multipart_answer_read(a, size, buf, 10), 0);
        buf[size] = 0;
        *ret_size = size;
        return buf;
}

static void test_single_json(void **state) {
        cJSON *result = cJSON_Parse("{\"exit_code\":0,\"output\":\"\",\"file\":{}}");
        MultipartAnswer *a = NULL;
        _cleanup_free_ char *body = NULL;
        size_t size;

        assert_int_equal(multipart_answer_new(result, NULL, 0, &a), 0);
        assert_string_equal(multipart_answer_content_type(a), "application/json");
        body = read_all(a, 0, &size);
        /* Herald Runner's single answer: the result without "file" */
        assert_string_equal(body, "{\"exit_code\":0,\"output\":\"\"}");
        assert_int_equal(size, strlen(body));
        multipart_answer_free(a);
        cJSON_Delete(result);
}

static const char expected[] =
        "--b0undary\r\n"
        "Content-Disposition: form-data; name=\"result\"\r\n"
        "Content-Type: application/json\r\n"
        "\r\n"
        "{\"exit_code\":0,\"output\":\"done\"}"
        "\r\n--b0undary\r\n"
        "Content-Disposition: form-data; name=\"backup\"; filename=\"db.sql\"; "
        "sha256sum=\"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\"\r\n"
        "Content-Type: application/octet-stream\r\n"
        "\r\n"
        "abc"
        "\r\n--b0undary\r\n"
        "Content-Disposition: form-data; name=\"we\\\"ird\\\\%0D%0AX-Evil: 1\"; filename=\"empty\"; "
        "sha256sum=\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"\r\n"
        "Content-Type: application/octet-stream\r\n"
        "\r\n"
        "\r\n--b0undary--\r\n";

static void test_exact_bytes(void **state) {
        cJSON *result = cJSON_Parse("{\"exit_code\":0,\"output\":\"done\",\"file\":{\"backup\":\"db.sql\"}}");
        int fd1 = open_file("db.sql", "abc", 3), fd2 = open_file("empty", "", 0);
        MultipartAnswerFile files[] = {
                { .name = "backup", .filename = "db.sql", .fd = fd1 },
                { .name = "we\"ird\\\r\nX-Evil: 1", .filename = "empty", .fd = fd2 },
        };
        MultipartAnswer *a = NULL;

        assert_int_equal(multipart_answer_new_with_boundary(result, files, 2, "b0undary", &a), 0);
        /* the fds were duplicated: ours may go */
        close(fd1);
        close(fd2);
        assert_string_equal(multipart_answer_content_type(a), "multipart/form-data; boundary=b0undary");
        assert_int_equal(multipart_answer_size(a), strlen(expected));

        /* every chunk size gives the same bytes */
        for (size_t chunk = 1; chunk <= strlen(expected) + 1; chunk++) {
                size_t size;
                _cleanup_free_ char *body = read_all(a, chunk, &size);
                if (size != strlen(expected) || memcmp(body, expected, size) != 0)
                        fail_msg("chunk %zu: body differs:\n%s", chunk, body);
        }
        /* reads from anywhere, backwards too */
        for (size_t pos = strlen(expected); pos-- > 0;) {
                char c;
                assert_int_equal(multipart_answer_read(a, pos, &c, 1), 1);
                assert_int_equal(c, expected[pos]);
        }
        assert_string_equal(multipart_answer_file_sha256(a, 0),
                            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_null(multipart_answer_file_sha256(a, 2));
        multipart_answer_free(a);
        cJSON_Delete(result);
}

static void test_random_boundary(void **state) {
        cJSON *result = cJSON_CreateObject();
        int fd = open_file("x", "x", 1);
        MultipartAnswerFile f = { .name = "x", .filename = "x", .fd = fd };
        MultipartAnswer *a = NULL, *b = NULL;
        const char *ct, *bd;

        assert_int_equal(multipart_answer_new(result, &f, 1, &a), 0);
        assert_int_equal(multipart_answer_new(result, &f, 1, &b), 0);
        ct = multipart_answer_content_type(a);
        bd = startswith(ct, "multipart/form-data; boundary=");
        assert_non_null(bd);
        assert_int_equal(strlen(bd), MULTIPART_BOUNDARY_LEN);
        assert_int_equal(strspn(bd, "0123456789abcdef"), MULTIPART_BOUNDARY_LEN);
        assert_string_not_equal(ct, multipart_answer_content_type(b));
        multipart_answer_free(a);
        multipart_answer_free(b);
        close(fd);
        cJSON_Delete(result);
}

/* A big file: its checksum is sha256sum's, and its bytes arrive whole. */
static void test_big_file_sha256sum(void **state) {
        size_t size = (3u << 20) + 12345;
        _cleanup_free_ char *data = malloc(size), *cmd = NULL, *body = NULL;
        cJSON *result = cJSON_CreateObject();
        MultipartAnswer *a = NULL;
        char line[128] = "";
        FILE *p;
        int fd;

        assert_non_null(data);
        for (size_t i = 0; i < size; i++)
                data[i] = (char) (i * 7919 % 251);
        fd = open_file("big", data, size);
        assert_true(asprintf(&cmd, "sha256sum %s/big", tmpdir) > 0);
        p = popen(cmd, "r");
        if (!p || !fgets(line, sizeof line, p)) {
                if (p)
                        pclose(p);
                skip();
        }
        pclose(p);
        line[64] = 0;

        MultipartAnswerFile f = { .name = "big", .filename = "big", .fd = fd };
        assert_int_equal(multipart_answer_new_with_boundary(result, &f, 1, "B", &a), 0);
        assert_string_equal(multipart_answer_file_sha256(a, 0), line);

        size_t got;
        body = read_all(a, 65536, &got);
        char *part = strstr(body, "sha256sum=\"");
        assert_non_null(part);
        assert_memory_equal(part + strlen("sha256sum=\""), line, 64);
        char *start = strstr(part, "\r\n\r\n") + 4;
        assert_memory_equal(start, data, size);
        assert_string_equal(start + size, "\r\n--B--\r\n");
        multipart_answer_free(a);
        close(fd);
        cJSON_Delete(result);
}

/* A file that changes after it was hashed: an error, never a corrupt answer. */
static void test_file_changes(void **state) {
        cJSON *result = cJSON_CreateObject();
        _cleanup_free_ char *path = NULL;
        MultipartAnswer *a = NULL;
        char buf[4096];
        int fd = open_file("grow", "0123456789", 10), wfd;
        MultipartAnswerFile f = { .name = "g", .filename = "grow", .fd = fd };
        uint64_t size, pos = 0;
        ssize_t n = 1;

        assert_true(asprintf(&path, "%s/grow", tmpdir) > 0);

        /* grows */
        assert_int_equal(multipart_answer_new(result, &f, 1, &a), 0);
        size = multipart_answer_size(a);
        wfd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
        assert_true(wfd >= 0);
        assert_int_equal(write(wfd, "more", 4), 4);
        while (pos < size && n > 0) {
                n = multipart_answer_read(a, pos, buf, sizeof buf);
                if (n > 0)
                        pos += (uint64_t) n;
        }
        assert_int_equal(n, -ESTALE);
        multipart_answer_free(a);

        /* shrinks */
        assert_int_equal(multipart_answer_new(result, &f, 1, &a), 0);
        size = multipart_answer_size(a);
        assert_int_equal(ftruncate(wfd, 3), 0);
        for (pos = 0, n = 1; pos < size && n > 0;) {
                n = multipart_answer_read(a, pos, buf, sizeof buf);
                if (n > 0)
                        pos += (uint64_t) n;
        }
        assert_int_equal(n, -ESTALE);
        multipart_answer_free(a);

        /* rewritten in place, same size */
        assert_int_equal(multipart_answer_new(result, &f, 1, &a), 0);
        size = multipart_answer_size(a);
        usleep(10000);
        assert_int_equal(pwrite(wfd, "X", 1, 0), 1);
        for (pos = 0, n = 1; pos < size && n > 0;) {
                n = multipart_answer_read(a, pos, buf, sizeof buf);
                if (n > 0)
                        pos += (uint64_t) n;
        }
        assert_int_equal(n, -ESTALE);
        multipart_answer_free(a);

        close(wfd);
        close(fd);
        cJSON_Delete(result);
}

static void test_refused(void **state) {
        cJSON *result = cJSON_CreateObject(), *arr = cJSON_CreateArray();
        int fd = open_file("r", "r", 1), dfd = open(tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        MultipartAnswerFile f = { .name = "r", .filename = "r", .fd = fd }, d = { .name = "d", .filename = "d", .fd = dfd };
        MultipartAnswer *a = NULL;
        _cleanup_free_ char *longname = malloc(MULTIPART_ANSWER_NAME_MAX + 2);

        assert_int_equal(multipart_answer_new(arr, NULL, 0, &a), -EINVAL);
        assert_int_equal(multipart_answer_new(result, &d, 1, &a), -EBADFD);
        assert_int_equal(multipart_answer_new_with_boundary(result, &f, 1, "has space", &a), -EINVAL);
        assert_int_equal(multipart_answer_new_with_boundary(result, &f, 1, "", &a), -EINVAL);
        memset(longname, 'n', MULTIPART_ANSWER_NAME_MAX + 1);
        longname[MULTIPART_ANSWER_NAME_MAX + 1] = 0;
        f.name = longname;
        assert_int_equal(multipart_answer_new(result, &f, 1, &a), -E2BIG);
        assert_int_equal(multipart_answer_new(result, &f, MULTIPART_ANSWER_FILES_MAX + 1, &a), -E2BIG);
        close(fd);
        close(dfd);
        cJSON_Delete(result);
        cJSON_Delete(arr);
}

static int setup(void **state) {
        return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state) {
        return rm_rf(tmpdir) < 0 ? -1 : 0;
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_single_json),
                cmocka_unit_test(test_exact_bytes),
                cmocka_unit_test(test_random_boundary),
                cmocka_unit_test(test_big_file_sha256sum),
                cmocka_unit_test(test_file_changes),
                cmocka_unit_test(test_refused),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
