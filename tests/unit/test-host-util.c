/* SPDX-License-Identifier: MIT */
/* test-host-util.c: the one loopback check (workflow validation, heraldd's warning,
 * http_remote's plain-http rule) */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "host-util.h"

static void test_loopback(void **state) {
        static const char *const yes[] = {
                "localhost", "LocalHost", "127.0.0.1", "127.0.0.2", "127.255.255.254", "::1", "[::1]",
                "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1", "[::ffff:127.1.2.3]",
        };
        for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
                if (!host_is_loopback(yes[i]))
                        fail_msg("'%s' should be loopback", yes[i]);
}

static void test_not_loopback(void **state) {
        static const char *const no[] = {
                "", "0.0.0.0", "::", "[::]", "10.0.0.1", "128.0.0.1", "126.255.255.255", "::2", "2001:db8::1",
                "127.evil.example", "127.0.0.1.evil.example", "localhost.evil.example", "evil-localhost",
                "[127.0.0.1]", "[::1", "::1]", "::ffff:10.0.0.1", "127.0.0.1 ", " 127.0.0.1",
        };
        for (size_t i = 0; i < sizeof no / sizeof *no; i++)
                if (host_is_loopback(no[i]))
                        fail_msg("'%s' should not be loopback", no[i]);
        assert_false(host_is_loopback(NULL));
}

static void test_length(void **state) {
        /* Part of a longer string, as remote.c hands the host of a URL. */
        const char *url = "127.0.0.1:8080/x";
        assert_true(host_is_loopback_n(url, strlen("127.0.0.1")));
        assert_false(host_is_loopback_n("localhostx", 10));
        assert_true(host_is_loopback_n("localhostx", 9));
        assert_false(host_is_loopback_n("127.0.0.1\0", 10));     /* an embedded NUL */
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_loopback),
                cmocka_unit_test(test_not_loopback),
                cmocka_unit_test(test_length),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
