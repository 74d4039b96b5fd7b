/* SPDX-License-Identifier: MIT */
/* test-journal-send.c: journald's native protocol as journal-send.c writes it, sent to a
 * real datagram socket (a temporary one standing in for journald's) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "journal-send.h"
#include "macro.h"

#define IOV(s) ((struct iovec) { .iov_base = (char *) (s), .iov_len = strlen(s) })

static void encode_expect(const struct iovec *iov, size_t n, const char *want, size_t want_size) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;

        assert_int_equal(journal_native_encode(iov, n, &buf, &size), 0);
        assert_int_equal(size, want_size);
        assert_memory_equal(buf, want, want_size);
}

static void test_encode_plain(void **state) {
        struct iovec iov[] = { IOV("MESSAGE=hello"), IOV("PRIORITY=5"), IOV("EMPTY="), IOV("A1_B=x=y") };
        static const char want[] = "MESSAGE=hello\nPRIORITY=5\nEMPTY=\nA1_B=x=y\n";

        (void) state;
        encode_expect(iov, ELEMENTSOF(iov), want, sizeof want - 1);
        encode_expect(iov, 0, "", 0);
}

static void test_encode_newline(void **state) {
        /* a value with a newline: NAME, '\n', the length as 64-bit little endian, value */
        struct iovec iov[] = { IOV("MESSAGE=a\nb"), IOV("X=\n") };
        static const char want[] = "MESSAGE\n\x03\0\0\0\0\0\0\0a\nb\nX\n\x01\0\0\0\0\0\0\0\n\n";

        (void) state;
        encode_expect(iov, ELEMENTSOF(iov), want, sizeof want - 1);
}

static void test_encode_binary_value(void **state) {
        /* any bytes, NUL included, when iov_len says so */
        static const char field[] = "DATA=\0\xff\n";
        struct iovec iov[] = { { .iov_base = (char *) field, .iov_len = sizeof field - 1 } };
        static const char want[] = "DATA\n\x03\0\0\0\0\0\0\0\0\xff\n\n";

        (void) state;
        encode_expect(iov, 1, want, sizeof want - 1);
}

static void test_encode_invalid(void **state) {
        const char *bad[] = {
                "MESSAGE",      /* no '=' */
                "=value",       /* no name */
                "message=x",    /* lower case */
                "1ABC=x",       /* a digit first */
                "_PID=1",       /* journald's trusted fields */
                "A-B=x",
                "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=x", /* 65 */
        };
        char *buf = NULL;
        size_t size;

        (void) state;
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                struct iovec iov[] = { IOV("MESSAGE=ok"), IOV(bad[i]) };
                assert_int_equal(journal_native_encode(iov, ELEMENTSOF(iov), &buf, &size), -EINVAL);
                assert_null(buf);
        }

        struct iovec max[] = { IOV("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=x") }; /* 64 */
        assert_int_equal(journal_native_encode(max, 1, &buf, &size), 0);
        free(buf);
}

typedef struct Listener {
        char dir[64];
        char path[128];
        int fd;
} Listener;

static int listener_setup(void **state) {
        Listener *l = calloc(1, sizeof *l);
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int size = 4 * 1024 * 1024;

        assert_non_null(l);
        strcpy(l->dir, "/tmp/test-journal-send-XXXXXX");
        assert_non_null(mkdtemp(l->dir));
        snprintf(l->path, sizeof l->path, "%s/socket", l->dir);
        l->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        assert_true(l->fd >= 0);
        strcpy(sa.sun_path, l->path);
        assert_int_equal(bind(l->fd, (struct sockaddr *) &sa, sizeof sa), 0);
        (void) setsockopt(l->fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
        *state = l;
        return 0;
}

static int listener_teardown(void **state) {
        Listener *l = *state;

        close(l->fd);
        unlink(l->path);
        rmdir(l->dir);
        free(l);
        return 0;
}

/* One datagram: its bytes, and the descriptor it carried (-1 when none). */
static size_t receive(Listener *l, char *buf, size_t size, int *ret_fd) {
        union {
                struct cmsghdr cmsghdr;
                char buf[CMSG_SPACE(sizeof(int))];
        } control = {};
        struct iovec iov = { .iov_base = buf, .iov_len = size };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &control, .msg_controllen = sizeof control };
        ssize_t n = recvmsg(l->fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
        struct cmsghdr *cmsg = CMSG_FIRSTHDR(&mh);

        assert_true(n >= 0);
        *ret_fd = -1;
        if (cmsg && cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_RIGHTS)
                memcpy(ret_fd, CMSG_DATA(cmsg), sizeof(int));
        return (size_t) n;
}

static void test_send_datagram(void **state) {
        Listener *l = *state;
        struct iovec iov[] = { IOV("MESSAGE=two\nlines"), IOV("PRIORITY=6") };
        _cleanup_free_ char *want = NULL;
        char got[256];
        size_t want_size, n;
        int fd;

        assert_int_equal(journal_native_encode(iov, ELEMENTSOF(iov), &want, &want_size), 0);
        assert_int_equal(journal_native_send_to(l->path, iov, ELEMENTSOF(iov)), 0);
        n = receive(l, got, sizeof got, &fd);
        assert_int_equal(fd, -1);
        assert_int_equal(n, want_size);
        assert_memory_equal(got, want, want_size);
}

static void test_send_memfd(void **state) {
        /* bigger than any socket send buffer allows: the entry goes in a sealed memfd */
        const size_t big = 8 * 1024 * 1024;
        Listener *l = *state;
        _cleanup_free_ char *field = malloc(big + 8), *want = NULL, *content = NULL;
        _cleanup_close_ int fd = -1;
        size_t want_size, n;
        struct stat st;
        char got[16];

        assert_non_null(field);
        memcpy(field, "MESSAGE=", 8);
        memset(field + 8, 'x', big);
        struct iovec iov[] = { { .iov_base = field, .iov_len = big + 8 }, IOV("PRIORITY=5") };

        assert_int_equal(journal_native_encode(iov, ELEMENTSOF(iov), &want, &want_size), 0);
        assert_int_equal(journal_native_send_to(l->path, iov, ELEMENTSOF(iov)), 0);
        n = receive(l, got, sizeof got, &fd);
        assert_int_equal(n, 0);
        assert_true(fd >= 0);

        /* journald takes a memfd only when it cannot change any more */
        assert_int_equal(fcntl(fd, F_GET_SEALS), F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL);
        assert_int_equal(fstat(fd, &st), 0);
        assert_int_equal((size_t) st.st_size, want_size);
        content = malloc(want_size);
        assert_non_null(content);
        assert_int_equal(pread(fd, content, want_size, 0), (ssize_t) want_size);
        assert_memory_equal(content, want, want_size);
}

/* journald restarted: its socket is a new one at the same path. The next entry reaches
 * the new socket (the connection made for the old one is made again). */
static void test_send_after_restart(void **state) {
        Listener *l = *state;
        struct iovec one[] = { IOV("MESSAGE=before") }, two[] = { IOV("MESSAGE=after") };
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        char got[64];
        size_t n;
        int fd;

        assert_int_equal(journal_native_send_to(l->path, one, 1), 0);
        n = receive(l, got, sizeof got, &fd);
        assert_int_equal(n, strlen("MESSAGE=before\n"));

        close(l->fd);
        assert_int_equal(unlink(l->path), 0);
        l->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        assert_true(l->fd >= 0);
        strcpy(sa.sun_path, l->path);
        assert_int_equal(bind(l->fd, (struct sockaddr *) &sa, sizeof sa), 0);

        assert_int_equal(journal_native_send_to(l->path, two, 1), 0);
        n = receive(l, got, sizeof got, &fd);
        assert_int_equal(fd, -1);
        assert_int_equal(n, strlen("MESSAGE=after\n"));
        assert_memory_equal(got, "MESSAGE=after\n", n);
}

static void test_send_errors(void **state) {
        Listener *l = *state;
        char path[160];
        struct iovec bad[] = { IOV("lower=x") }, ok[] = { IOV("MESSAGE=x") };

        snprintf(path, sizeof path, "%s/nobody", l->dir);
        assert_int_equal(journal_native_send_to(path, ok, 1), -ENOENT);
        assert_int_equal(journal_native_send_to(l->path, bad, 1), -EINVAL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_encode_plain),
                cmocka_unit_test(test_encode_newline),
                cmocka_unit_test(test_encode_binary_value),
                cmocka_unit_test(test_encode_invalid),
                cmocka_unit_test_setup_teardown(test_send_datagram, listener_setup, listener_teardown),
                cmocka_unit_test_setup_teardown(test_send_memfd, listener_setup, listener_teardown),
                cmocka_unit_test_setup_teardown(test_send_after_restart, listener_setup, listener_teardown),
                cmocka_unit_test_setup_teardown(test_send_errors, listener_setup, listener_teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
