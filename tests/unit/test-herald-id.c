/* SPDX-License-Identifier: MIT */
/* test-herald-id.c: random and derived ids, and the id shape check */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "herald-id.h"
#include "macro.h"

static void test_new(void **state) {
        char a[HERALD_ID_LEN + 1], b[HERALD_ID_LEN + 1];

        assert_int_equal(herald_id_new(a), 0);
        assert_int_equal(herald_id_new(b), 0);
        assert_true(herald_id_valid(a));
        assert_int_equal(strlen(a), HERALD_ID_LEN);
        assert_string_not_equal(a, b);
        /* Herald's shape: upper case, a version 4 UUID */
        for (const char *c = a; *c; c++)
                assert_false(*c >= 'a' && *c <= 'f');
        assert_int_equal(a[14], '4');
}

/* Many ids span several refills of the random pool: all distinct, all version 4 with
 * the RFC 4122 variant. */
static void test_new_many(void **state) {
        enum { N = 2000 };
        static char ids[N][HERALD_ID_LEN + 1];

        for (size_t i = 0; i < N; i++) {
                assert_int_equal(herald_id_new(ids[i]), 0);
                assert_true(herald_id_valid(ids[i]));
                assert_int_equal(ids[i][14], '4');
                assert_non_null(strchr("89AB", ids[i][19]));
        }
        qsort(ids, N, sizeof ids[0], (int (*)(const void *, const void *)) strcmp);
        for (size_t i = 1; i < N; i++)
                assert_string_not_equal(ids[i - 1], ids[i]);
}

/* A forked child must not make the ids its parent makes next (the pool's page is wiped
 * in the child). */
static void test_new_fork(void **state) {
        char parent[HERALD_ID_LEN + 1], child[HERALD_ID_LEN + 1] = "";
        int p[2];
        pid_t pid;
        int status;

        assert_int_equal(herald_id_new(parent), 0);     /* the pool is filled now */
        assert_int_equal(pipe(p), 0);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                char id[HERALD_ID_LEN + 1];
                _exit(herald_id_new(id) == 0 && write(p[1], id, sizeof id) == (ssize_t) sizeof id ? 0 : 1);
        }
        close(p[1]);
        assert_int_equal(read(p[0], child, sizeof child), (ssize_t) sizeof child);
        close(p[0]);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        assert_int_equal(herald_id_new(parent), 0);
        assert_true(herald_id_valid(child));
        assert_string_not_equal(parent, child);
}

static void test_derive(void **state) {
        char a[HERALD_ID_LEN + 1], b[HERALD_ID_LEN + 1];
        const char *parent = "0123ABCD-0000-4000-8000-000000000001";

        /* sha256("<parent>\0r\0t\0"), first 16 bytes, version 5, RFC 4122 variant
         * (computed apart, with Python's hashlib) */
        assert_int_equal(herald_id_derive(parent, "r", "t", a), 0);
        assert_string_equal(a, "EBFDA50E-8B7E-5905-9EFF-A46DDA70CA80");
        assert_true(herald_id_valid(a));

        /* the same step, the same id; another step, another */
        assert_int_equal(herald_id_derive(parent, "r", "t", b), 0);
        assert_string_equal(a, b);
        assert_int_equal(herald_id_derive(parent, "r", "u", b), 0);
        assert_string_not_equal(a, b);
        assert_int_equal(herald_id_derive("0123ABCD-0000-4000-8000-000000000002", "r", "t", b), 0);
        assert_string_not_equal(a, b);
        /* the parts are separated: "ab"+"c" is not "a"+"bc" */
        assert_int_equal(herald_id_derive(parent, "ab", "c", a), 0);
        assert_int_equal(herald_id_derive(parent, "a", "bc", b), 0);
        assert_string_not_equal(a, b);

        assert_int_equal(herald_id_derive(NULL, "r", "t", a), -EINVAL);
        assert_int_equal(herald_id_derive(parent, NULL, "t", a), -EINVAL);
        assert_int_equal(herald_id_derive(parent, "r", NULL, a), -EINVAL);
}

static void test_valid(void **state) {
        assert_true(herald_id_valid("0123ABCD-EF01-4567-89AB-CDEF01234567"));
        assert_true(herald_id_valid("0123abcd-ef01-4567-89ab-cdef01234567"));

        assert_false(herald_id_valid(NULL));
        assert_false(herald_id_valid(""));
        assert_false(herald_id_valid("0123ABCD-EF01-4567-89AB-CDEF0123456"));    /* 35 */
        assert_false(herald_id_valid("0123ABCD-EF01-4567-89AB-CDEF012345678"));  /* 37 */
        assert_false(herald_id_valid("0123ABCDEEF01-4567-89AB-CDEF01234567"));   /* no dash */
        assert_false(herald_id_valid("0123ABC-DEF01-4567-89AB-CDEF01234567"));   /* dash moved */
        assert_false(herald_id_valid("0123ABCG-EF01-4567-89AB-CDEF01234567"));   /* not hex */
        assert_false(herald_id_valid("0123ABCD-EF01-4567-89AB-CDEF0123456/"));
        assert_false(herald_id_valid("../../../../../../../../../etc/passw"));
        assert_false(herald_id_valid("0123ABCD-EF01-4567-89AB-CDEF01234567\n"));
        assert_false(herald_id_valid("------------------------------------"));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_new),
                cmocka_unit_test(test_new_many),
                cmocka_unit_test(test_new_fork),
                cmocka_unit_test(test_derive),
                cmocka_unit_test(test_valid),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
