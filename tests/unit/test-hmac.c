/* SPDX-License-Identifier: MIT */
/* test-hmac.c: HMAC-SHA256 against RFC 4231 and Python's hmac, hex both ways */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hmac.h"
#include "macro.h"

static void assert_hmac_hex(const char *key, size_t key_len, const char *msg, const char *expected) {
        char hex[HMAC_SHA256_HEX_SIZE + 1];

        assert_int_equal(hmac_sha256_hex((const uint8_t *) key, key_len, msg, strlen(msg), hex), 0);
        assert_string_equal(hex, expected);
}

static void test_vectors(void **state) {
        uint8_t k20[20];

        memset(k20, 0x0b, sizeof k20);
        /* RFC 4231 test cases 1 and 2 */
        assert_hmac_hex((const char *) k20, sizeof k20, "Hi There",
                        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
        assert_hmac_hex("Jefe", 4, "what do ya want for nothing?",
                        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        /* An empty key and message, as Go's hmac.New(sha256.New, []byte("")) takes them */
        assert_hmac_hex("", 0, "", "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
        /* A key longer than the block is hashed first */
        {
                char k[200];

                memset(k, 'k', sizeof k);
                assert_hmac_hex(k, sizeof k, "x", "a34abd1b081e75091b5f15447fb45ea6a1a7d624c190b880750d5d0f52ca715e");
        }
}

static void test_pieces(void **state) {
        const char *msg = "1700000000.{\"a\":1}";
        uint8_t whole[HMAC_SHA256_SIZE], split[HMAC_SHA256_SIZE];
        HmacPiece one = { msg, strlen(msg) };
        HmacPiece three[] = { { msg, 10 }, { msg + 10, 1 }, { msg + 11, strlen(msg) - 11 } };
        HmacPiece with_empty[] = { { msg, 0 }, { msg, strlen(msg) }, { NULL, 0 } };
        char hex[HMAC_SHA256_HEX_SIZE + 1];

        assert_int_equal(hmac_sha256((const uint8_t *) "secret", 6, &one, 1, whole), 0);
        hex_encode(whole, sizeof whole, hex);
        assert_string_equal(hex, "49f24e537407743fa4a0242bb63b94b9a47ee99cbbe071ccd8a22550ae411686");
        assert_int_equal(hmac_sha256((const uint8_t *) "secret", 6, three, 3, split), 0);
        assert_true(hmac_equal(whole, split, sizeof whole));
        assert_int_equal(hmac_sha256((const uint8_t *) "secret", 6, with_empty, 3, split), 0);
        assert_true(hmac_equal(whole, split, sizeof whole));
        split[31] ^= 1;
        assert_false(hmac_equal(whole, split, sizeof whole));
}

static void test_hex(void **state) {
        const uint8_t bytes[] = { 0x00, 0x7f, 0x80, 0xff, 0xab };
        uint8_t back[5];
        char hex[11];

        hex_encode(bytes, sizeof bytes, hex);
        assert_string_equal(hex, "007f80ffab");
        assert_int_equal(hex_decode(hex, 10, back, sizeof back), 0);
        assert_memory_equal(back, bytes, sizeof bytes);
        /* upper case is taken, as Go's hex.DecodeString() takes it */
        assert_int_equal(hex_decode("007F80FFAB", 10, back, sizeof back), 0);
        assert_memory_equal(back, bytes, sizeof bytes);
        assert_int_equal(hex_decode("007f80ffa", 9, back, sizeof back), -EBADMSG);
        assert_int_equal(hex_decode("007f80ffabcd", 12, back, sizeof back), -EBADMSG);
        assert_int_equal(hex_decode("007f80ffag", 10, back, sizeof back), -EBADMSG);
        assert_int_equal(hex_decode("007f80ff a", 10, back, sizeof back), -EBADMSG);
        assert_int_equal(hex_decode("", 0, back, 0), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_vectors),
                cmocka_unit_test(test_pieces),
                cmocka_unit_test(test_hex),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
