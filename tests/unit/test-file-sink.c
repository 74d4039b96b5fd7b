/* SPDX-License-Identifier: MIT */
/* test-file-sink.c: an answer's files under data_dir/<job_id>/<name>/<filename>, and every escape refused */
#include <fcntl.h>
#include <ftw.h>
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

#include "file-sink.h"
#include "fs-util.h"
#include "json-util.h"
#include "macro.h"

#define JOB "0123ABCD-EF01-4567-89AB-CDEF01234567"

static void *mfree_p(void *p) {
        free(p);
        return NULL;
}

static char tmp[] = "/tmp/test-file-sink-XXXXXX";
static char data_dir[64], outside[64];
static int data_fd = -1;

/* Every path below tmp, with its type, size and link target: what a test must leave
 * unchanged. */
static char *snap;
static size_t snap_size;

static int snap_one(const char *path, const struct stat *st, int type, struct FTW *ftw) {
        char line[8192], target[4096] = "";
        int n;

        if (S_ISLNK(st->st_mode)) {
                ssize_t l = readlink(path, target, sizeof target - 1);
                if (l >= 0)
                        target[l] = 0;
        }
        n = snprintf(line, sizeof line, "%s %o %lld %s\n", path + strlen(tmp), (unsigned) st->st_mode,
                     S_ISREG(st->st_mode) ? (long long) st->st_size : 0LL, target);
        snap = realloc(snap, snap_size + (size_t) n + 1);
        assert_non_null(snap);
        memcpy(snap + snap_size, line, (size_t) n + 1);
        snap_size += (size_t) n;
        return 0;
}

/* The tree as text (entries in nftw's order, which is the directory order: the same
 * tree read twice gives the same text). */
static char *tree(void) {
        snap = NULL;
        snap_size = 0;
        assert_int_equal(nftw(tmp, snap_one, 16, FTW_PHYS), 0);
        return snap;
}

static int setup(void **state) {
        umask(022);
        assert_non_null(mkdtemp(tmp));
        snprintf(data_dir, sizeof data_dir, "%s/data", tmp);
        snprintf(outside, sizeof outside, "%s/outside", tmp);
        assert_int_equal(mkdir(data_dir, 0750), 0);
        assert_int_equal(mkdir(outside, 0750), 0);
        data_fd = open(data_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
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

static void write_file(FileSink *s, const char *name, const char *filename, const char *content) {
        char sha[65];

        sha256_hex(content, strlen(content), sha);
        assert_int_equal(file_sink_begin(s, name, filename, sha), 0);
        assert_int_equal(file_sink_write(s, content, strlen(content)), 0);
        assert_int_equal(file_sink_end(s), 0);
}

static void assert_file(const char *path, const char *content, mode_t mode) {
        _cleanup_free_ char *got = NULL;
        struct stat st;

        assert_int_equal(read_file(path, 1 << 24, &got, NULL), 0);
        assert_string_equal(got, content);
        assert_int_equal(lstat(path, &st), 0);
        assert_true(S_ISREG(st.st_mode));
        assert_int_equal(st.st_mode & 07777, mode);
}

static void test_good(void **state) {
        _cleanup_(file_sink_freep) FileSink *s = NULL;
        _cleanup_json_ cJSON *map = NULL;
        _cleanup_free_ char *before = tree(), *after = NULL, *big = NULL, *p1 = NULL, *p2 = NULL, *p3 = NULL,
                            *data_slash = NULL;
        char sha[65];
        struct stat st;
        size_t big_size = 3 * 1024 * 1024 + 7;

        assert_true(asprintf(&data_slash, "%s//", data_dir) > 0);
        assert_int_equal(file_sink_new(data_fd, data_slash, JOB, UINT64_MAX, &s), 0);
        /* nothing created before the first file */
        after = tree();
        assert_string_equal(before, after);
        after = mfree_p(after);

        write_file(s, "log", "out.txt", "hello\n");
        write_file(s, "empty", "empty", "");
        write_file(s, "caf\xc3\xa9 \"x\"", "name with spaces, 'quotes' and \xc3\xa9", "x");

        /* a big one in odd pieces, with an upper-case checksum */
        big = malloc(big_size + 1);
        assert_non_null(big);
        for (size_t i = 0; i < big_size; i++)
                big[i] = (char) (i * 7 + i / 251);
        big[big_size] = 0;
        sha256_hex(big, big_size, sha);
        for (char *c = sha; *c; c++)
                if (*c >= 'a')
                        *c = (char) (*c - 'a' + 'A');
        assert_int_equal(file_sink_begin(s, "big", "big.bin", sha), 0);
        for (size_t at = 0; at < big_size;) {
                size_t n = big_size - at < 65537 ? big_size - at : 65537;
                assert_int_equal(file_sink_write(s, big + at, n), 0);
                at += n;
        }
        assert_int_equal(file_sink_end(s), 0);

        assert_true(asprintf(&p1, "%s/" JOB "/log/out.txt", data_dir) > 0);
        assert_true(asprintf(&p2, "%s/" JOB "/empty/empty", data_dir) > 0);
        assert_true(asprintf(&p3, "%s/" JOB "/big/big.bin", data_dir) > 0);
        assert_file(p1, "hello\n", 0640);
        assert_file(p2, "", 0640);
        assert_int_equal(stat(p3, &st), 0);
        assert_int_equal(st.st_size, big_size);
        {
                _cleanup_free_ char *got = NULL, *dir = NULL;
                size_t n;

                assert_int_equal(read_file(p3, big_size, &got, &n), 0);
                assert_int_equal(n, big_size);
                assert_memory_equal(got, big, big_size);
                assert_true(asprintf(&dir, "%s/" JOB, data_dir) > 0);
                assert_int_equal(stat(dir, &st), 0);
                assert_int_equal(st.st_mode & 07777, 0750);
                dir = mfree_p(dir);
                assert_true(asprintf(&dir, "%s/" JOB "/log", data_dir) > 0);
                assert_int_equal(stat(dir, &st), 0);
                assert_int_equal(st.st_mode & 07777, 0750);
        }

        assert_int_equal(file_sink_file_map(s, &map), 0);
        assert_int_equal(cJSON_GetArraySize(map), 4);
        assert_string_equal(json_object_get_string(map, "log"), p1);
        assert_string_equal(json_object_get_string(map, "empty"), p2);
        assert_string_equal(json_object_get_string(map, "big"), p3);
        {
                _cleanup_free_ char *p4 = NULL;

                assert_true(asprintf(&p4, "%s/" JOB "/caf\xc3\xa9 \"x\"/name with spaces, 'quotes' and \xc3\xa9", data_dir) > 0);
                assert_string_equal(json_object_get_string(map, "caf\xc3\xa9 \"x\""), p4);
                assert_file(p4, "x", 0640);
        }

        /* one name per answer */
        sha256_hex("", 0, sha);
        assert_int_equal(file_sink_begin(s, "log", "other", sha), -EEXIST);

        /* a failed answer keeps none of its files */
        assert_int_equal(file_sink_discard(s), 0);
        after = tree();
        assert_string_equal(before, after);
        cJSON_Delete(map);
        assert_int_equal(file_sink_file_map(s, &map), 0);
        assert_int_equal(cJSON_GetArraySize(map), 0);
}

static void test_escapes(void **state) {
        static const char *const bad[] = {
                "../x", "..", ".", "a/b", "/etc/passwd", "", "\x01", "a\nb", "a\x7f", "x/", "/", "\xff\xfe", "\xc3",
        };
        _cleanup_(file_sink_freep) FileSink *s = NULL;
        _cleanup_free_ char *before = tree(), *long_name = malloc(257);
        char sha[65];

        memset(long_name, 'a', 256);
        long_name[256] = 0;
        sha256_hex("", 0, sha);
        assert_int_equal(file_sink_new(data_fd, data_dir, JOB, UINT64_MAX, &s), 0);
        for (size_t i = 0; i <= ELEMENTSOF(bad); i++) {
                const char *b = i < ELEMENTSOF(bad) ? bad[i] : long_name;
                _cleanup_free_ char *after = NULL;

                assert_int_equal(file_sink_begin(s, b, "f", sha), -EINVAL);
                assert_int_equal(file_sink_begin(s, "n", b, sha), -EINVAL);
                assert_int_equal(file_sink_begin(s, b, b, sha), -EINVAL);
                after = tree();
                assert_string_equal(before, after);
        }
        assert_int_equal(file_sink_begin(s, NULL, "f", sha), -EINVAL);
        assert_int_equal(file_sink_begin(s, "n", NULL, sha), -EINVAL);
        long_name[255] = 0;     /* 255 bytes is one component still */
        write_file(s, long_name, long_name, "ok");
        assert_int_equal(file_sink_discard(s), 0);
        {
                _cleanup_free_ char *after = tree();
                assert_string_equal(before, after);
        }

        /* the job id is a component too; data_dir's path must be absolute */
        {
                FileSink *t = NULL;

                assert_int_equal(file_sink_new(data_fd, data_dir, "../x", 1, &t), -EINVAL);
                assert_int_equal(file_sink_new(data_fd, data_dir, "", 1, &t), -EINVAL);
                assert_int_equal(file_sink_new(data_fd, "data", JOB, 1, &t), -EINVAL);
                assert_int_equal(file_sink_new(-1, data_dir, JOB, 1, &t), -EBADF);
                assert_null(t);
        }
}

static void test_symlinks(void **state) {
        _cleanup_free_ char *link1 = NULL, *before = NULL, *after = NULL, *dir = NULL, *target = NULL;
        char sha[65];

        sha256_hex("evil", 4, sha);

        /* data_dir/<job_id> -> outside */
        assert_true(asprintf(&link1, "%s/" JOB, data_dir) > 0);
        assert_int_equal(symlink(outside, link1), 0);
        before = tree();
        {
                _cleanup_(file_sink_freep) FileSink *s = NULL;
                int r;

                assert_int_equal(file_sink_new(data_fd, data_dir, JOB, UINT64_MAX, &s), 0);
                r = file_sink_begin(s, "n", "f", sha);
                assert_true(r == -ELOOP || r == -ENOTDIR);
        }
        after = tree();
        assert_string_equal(before, after);
        assert_int_equal(unlink(link1), 0);
        before = mfree_p(before);
        after = mfree_p(after);

        /* data_dir/<job_id>/<name> -> outside */
        assert_int_equal(mkdir(link1, 0750), 0);
        assert_true(asprintf(&dir, "%s/n", link1) > 0);
        assert_int_equal(symlink(outside, dir), 0);
        before = tree();
        {
                _cleanup_(file_sink_freep) FileSink *s = NULL;
                int r;

                assert_int_equal(file_sink_new(data_fd, data_dir, JOB, UINT64_MAX, &s), 0);
                r = file_sink_begin(s, "n", "f", sha);
                assert_true(r == -ELOOP || r == -ENOTDIR);
        }
        after = tree();
        assert_string_equal(before, after);
        assert_int_equal(unlink(dir), 0);
        before = mfree_p(before);
        after = mfree_p(after);

        /* data_dir/<job_id>/<name>/<filename> -> outside/target (dangling: O_CREAT
         * would create the target) */
        assert_int_equal(mkdir(dir, 0750), 0);
        dir = mfree_p(dir);
        assert_true(asprintf(&dir, "%s/n/f", link1) > 0);
        assert_true(asprintf(&target, "%s/target", outside) > 0);
        assert_int_equal(symlink(target, dir), 0);
        before = tree();
        {
                _cleanup_(file_sink_freep) FileSink *s = NULL;

                assert_int_equal(file_sink_new(data_fd, data_dir, JOB, UINT64_MAX, &s), 0);
                assert_int_equal(file_sink_begin(s, "n", "f", sha), -EEXIST);
                /* an existing directory is used, an existing file never overwritten */
                write_file(s, "n", "g", "fine");
        }
        after = tree();
        assert_string_not_equal(before, after);
        assert_int_equal(access(target, F_OK), -1);
        assert_int_equal(rm_rf(link1), 0);
}

static void test_checksum_and_limits(void **state) {
        _cleanup_free_ char *before = tree();
        char sha[65], upper[65];

        sha256_hex("content", 7, sha);
        for (size_t i = 0; i < 65; i++)
                upper[i] = sha[i] >= 'a' ? (char) (sha[i] - 'a' + 'A') : sha[i];

        {
                _cleanup_(file_sink_freep) FileSink *s = NULL;
                _cleanup_free_ char *short_sum = strndup(sha, 63), *long_sum = NULL, *after = NULL;
                char non_hex[65];

                assert_int_equal(file_sink_new(data_fd, data_dir, JOB, UINT64_MAX, &s), 0);
                /* missing, short, long, non-hex checksums: refused before anything exists */
                assert_true(asprintf(&long_sum, "%s0", sha) > 0);
                memcpy(non_hex, sha, 65);
                non_hex[10] = 'g';
                assert_int_equal(file_sink_begin(s, "n", "f", NULL), -EBADMSG);
                assert_int_equal(file_sink_begin(s, "n", "f", short_sum), -EBADMSG);
                assert_int_equal(file_sink_begin(s, "n", "f", long_sum), -EBADMSG);
                assert_int_equal(file_sink_begin(s, "n", "f", non_hex), -EBADMSG);
                assert_int_equal(file_sink_begin(s, "n", "f", "sha256=0123"), -EBADMSG);
                after = tree();
                assert_string_equal(before, after);
                after = mfree_p(after);

                /* the wrong content, a truncated one, one byte more: removed */
                assert_int_equal(file_sink_begin(s, "n", "f", sha), 0);
                assert_int_equal(file_sink_begin(s, "m", "f", sha), -EBUSY);
                assert_int_equal(file_sink_write(s, "contenT", 7), 0);
                assert_int_equal(file_sink_end(s), -EBADMSG);
                assert_int_equal(file_sink_begin(s, "n", "f", upper), 0);
                assert_int_equal(file_sink_write(s, "conten", 6), 0);
                assert_int_equal(file_sink_end(s), -EBADMSG);
                assert_int_equal(file_sink_begin(s, "n", "f", sha), 0);
                assert_int_equal(file_sink_write(s, "content", 7), 0);
                assert_int_equal(file_sink_write(s, "\n", 1), 0);
                assert_int_equal(file_sink_end(s), -EBADMSG);
                /* a stream cut in the middle of the part */
                assert_int_equal(file_sink_begin(s, "n", "f", sha), 0);
                assert_int_equal(file_sink_write(s, "cont", 4), 0);
                assert_int_equal(file_sink_abort(s), 0);
                after = tree();
                assert_string_equal(before, after);
                after = mfree_p(after);

                /* no file open */
                assert_int_equal(file_sink_write(s, "x", 1), -EBADF);
                assert_int_equal(file_sink_end(s), -EBADF);
                assert_int_equal(file_sink_abort(s), 0);

                /* a failed name can be sent again (the answer is the caller's to fail) */
                write_file(s, "n", "f", "content");
                assert_int_equal(file_sink_discard(s), 0);
        }

        {
                /* 10 bytes for all files of the answer */
                _cleanup_(file_sink_freep) FileSink *s = NULL;
                _cleanup_free_ char *after = NULL, *p = NULL;
                char sha6[65];

                sha256_hex("123456", 6, sha6);
                assert_int_equal(file_sink_new(data_fd, data_dir, JOB, 10, &s), 0);
                write_file(s, "a", "a", "123456");
                assert_int_equal(file_sink_begin(s, "b", "b", sha6), 0);
                assert_int_equal(file_sink_write(s, "1234", 4), 0);
                assert_int_equal(file_sink_write(s, "5", 1), -EFBIG);
                assert_int_equal(file_sink_write(s, "5", 1), -EBADF);
                assert_true(asprintf(&p, "%s/" JOB "/b", data_dir) > 0);
                assert_int_equal(access(p, F_OK), -1);          /* file and its directory gone */
                p = mfree_p(p);
                assert_true(asprintf(&p, "%s/" JOB "/a/a", data_dir) > 0);
                assert_file(p, "123456", 0640);
                assert_int_equal(file_sink_discard(s), 0);
                after = tree();
                assert_string_equal(before, after);
        }

        {
                /* freed with a file open: the file goes, completed ones stay */
                FileSink *s = NULL;
                _cleanup_free_ char *p = NULL;

                assert_int_equal(file_sink_new(data_fd, data_dir, JOB, UINT64_MAX, &s), 0);
                write_file(s, "a", "a", "kept");
                assert_int_equal(file_sink_begin(s, "b", "b", sha), 0);
                assert_int_equal(file_sink_write(s, "cont", 4), 0);
                s = file_sink_free(s);
                assert_true(asprintf(&p, "%s/" JOB "/b", data_dir) > 0);
                assert_int_equal(access(p, F_OK), -1);
                p = mfree_p(p);
                assert_true(asprintf(&p, "%s/" JOB "/a/a", data_dir) > 0);
                assert_file(p, "kept", 0640);
                p = mfree_p(p);
                assert_true(asprintf(&p, "%s/" JOB, data_dir) > 0);
                assert_int_equal(rm_rf(p), 0);
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_good),
                cmocka_unit_test(test_escapes),
                cmocka_unit_test(test_symlinks),
                cmocka_unit_test(test_checksum_and_limits),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
