/* SPDX-License-Identifier: MIT */
/* test-strmap.c: the string hash map heraldd keeps its jobs and chained ids in */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "strmap.h"

static void test_put_get_remove(void **state) {
        StrMap m = {};
        int a = 1, b = 2;

        assert_null(strmap_get(&m, "x"));
        assert_null(strmap_remove(&m, "x"));
        assert_int_equal(strmap_put(&m, "x", &a), 1);
        assert_int_equal(strmap_put(&m, "y", &b), 1);
        assert_ptr_equal(strmap_get(&m, "x"), &a);
        assert_int_equal(strmap_put(&m, "x", &b), 0);    /* replaced */
        assert_ptr_equal(strmap_get(&m, "x"), &b);
        assert_int_equal(strmap_size(&m), 2);
        assert_ptr_equal(strmap_remove(&m, "x"), &b);
        assert_false(strmap_contains(&m, "x"));
        assert_true(strmap_contains(&m, "y"));
        assert_int_equal(strmap_size(&m), 1);
        strmap_done(&m, NULL);
        assert_int_equal(strmap_size(&m), 0);
}

/* Many keys, removed and added again: tombstones must neither lose keys nor fill the
 * table (every probe would then walk it all). */
static void test_churn(void **state) {
        StrMap m = {};
        char key[32];

        for (int round = 0; round < 20; round++) {
                for (int i = 0; i < 5000; i++) {
                        snprintf(key, sizeof key, "job-%d-%d", round, i);
                        assert_int_equal(strmap_put(&m, key, (void *) (intptr_t) (i + 1)), 1);
                }
                for (int i = 0; i < 5000; i++) {
                        snprintf(key, sizeof key, "job-%d-%d", round, i);
                        assert_int_equal((intptr_t) strmap_get(&m, key), i + 1);
                        if (i % 2 == 0)
                                assert_int_equal((intptr_t) strmap_remove(&m, key), i + 1);
                }
        }
        assert_int_equal(strmap_size(&m), 20 * 2500);
        assert_true(m.n_buckets <= 4 * 65536);
        size_t n = 0, i = 0;
        const char *k;
        void *v;
        while (strmap_next(&m, &i, &k, &v)) {
                assert_ptr_equal(strmap_get(&m, k), v);
                n++;
        }
        assert_int_equal(n, strmap_size(&m));
        strmap_done(&m, NULL);
}

static void test_free_values(void **state) {
        StrMap m = {};

        assert_int_equal(strmap_put(&m, "a", strdup("1")), 1);
        assert_int_equal(strmap_put(&m, "b", strdup("2")), 1);
        strmap_done(&m, free);          /* ASan reports a leak if a value is missed */
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_put_get_remove),
                cmocka_unit_test(test_churn),
                cmocka_unit_test(test_free_values),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
