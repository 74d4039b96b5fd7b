/* SPDX-License-Identifier: MIT */
/* test-signature.c: every form of the signature headers, the replay window and its cache */
#include <ctype.h>
#include <errno.h>
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

#include "hmac.h"
#include "macro.h"
#include "signature.h"

#define KEY ((const uint8_t *) "secret")
#define KEY_LEN 6
#define BODY "{\"a\":1}"
/* HMAC-SHA256("secret", BODY), from openssl dgst -sha256 -hmac secret */
#define SIG "aa9e2e3575f5d7098b6caccd790888c36d5fdb63342a73bada2d6a51747a8494"
#define NOW 1700000000ULL

static int verify(const char *herald, const char *hub, const char *ts, const char *body,
                  uint64_t window, uint64_t now, SignatureCache *cache) {
        return signature_verify(KEY, KEY_LEN, herald, hub, ts, body, strlen(body), window, now, cache);
}

/* The signature of "<ts>.<body>" (or of the body when ts is NULL). */
static void sign(const char *ts, const char *body, char hex[static HMAC_SHA256_HEX_SIZE + 1]) {
        char buf[512];

        snprintf(buf, sizeof buf, "%s%s%s", ts ?: "", ts ? "." : "", body);
        assert_int_equal(hmac_sha256_hex(KEY, KEY_LEN, buf, strlen(buf), hex), 0);
}

static void test_forms(void **state) {
        char upper[] = SIG;

        for (char *p = upper; *p; p++)
                *p = (char) toupper((unsigned char) *p);

        assert_int_equal(verify(SIG, NULL, NULL, BODY, 0, NOW, NULL), SIGNATURE_OK);
        assert_int_equal(verify(NULL, "sha256=" SIG, NULL, BODY, 0, NOW, NULL), SIGNATURE_OK);
        /* upper case hex, as Herald Runner (Go's hex.DecodeString) takes it */
        assert_int_equal(verify(upper, NULL, NULL, BODY, 0, NOW, NULL), SIGNATURE_OK);
        /* missing */
        assert_int_equal(verify(NULL, NULL, NULL, BODY, 0, NOW, NULL), SIGNATURE_MISSING);
        /* empty, short, long, non-hex */
        assert_int_equal(verify("", NULL, NULL, BODY, 0, NOW, NULL), SIGNATURE_MALFORMED);
        assert_int_equal(verify("aa9e2e35", NULL, NULL, BODY, 0, NOW, NULL), SIGNATURE_MALFORMED);
        assert_int_equal(verify(SIG "00", NULL, NULL, BODY, 0, NOW, NULL), SIGNATURE_MALFORMED);
        assert_int_equal(verify("zz9e2e3575f5d7098b6caccd790888c36d5fdb63342a73bada2d6a51747a8494", NULL, NULL, BODY, 0, NOW, NULL),
                         SIGNATURE_MALFORMED);
        assert_int_equal(verify(SIG " ", NULL, NULL, BODY, 0, NOW, NULL), SIGNATURE_MALFORMED);
        /* sha256= on the wrong header, and missing on GitHub's */
        assert_int_equal(verify("sha256=" SIG, NULL, NULL, BODY, 0, NOW, NULL), SIGNATURE_MALFORMED);
        assert_int_equal(verify(NULL, SIG, NULL, BODY, 0, NOW, NULL), SIGNATURE_MALFORMED);
        assert_int_equal(verify(NULL, "sha1=" SIG, NULL, BODY, 0, NOW, NULL), SIGNATURE_MALFORMED);
        assert_int_equal(verify(NULL, "sha256=", NULL, BODY, 0, NOW, NULL), SIGNATURE_MALFORMED);
        /* wrong key, wrong body, one bit off */
        assert_int_equal(signature_verify((const uint8_t *) "Secret", 6, SIG, NULL, NULL, BODY, strlen(BODY), 0, NOW, NULL),
                         SIGNATURE_MISMATCH);
        assert_int_equal(verify(SIG, NULL, NULL, "{\"a\":2}", 0, NOW, NULL), SIGNATURE_MISMATCH);
        assert_int_equal(verify("ba9e2e3575f5d7098b6caccd790888c36d5fdb63342a73bada2d6a51747a8494", NULL, NULL, BODY, 0, NOW, NULL),
                         SIGNATURE_MISMATCH);
        /* both headers: X-Herald-Signature is the one checked */
        assert_int_equal(verify(SIG, "sha256=00", NULL, BODY, 0, NOW, NULL), SIGNATURE_OK);
        assert_int_equal(verify("00", "sha256=" SIG, NULL, BODY, 0, NOW, NULL), SIGNATURE_MALFORMED);
}

static void test_timestamp(void **state) {
        _cleanup_(signature_cache_freep) SignatureCache *cache = NULL;
        char sig[HMAC_SHA256_HEX_SIZE + 1], hub[80];

        assert_int_equal(signature_cache_new(0, &cache), 0);
        sign("1700000000", BODY, sig);

        /* Without a window, a sent timestamp is still signed, never judged. */
        assert_int_equal(verify(sig, NULL, "1700000000", BODY, 0, NOW + 1000000, NULL), SIGNATURE_OK);
        assert_int_equal(verify(SIG, NULL, "1700000000", BODY, 0, NOW, NULL), SIGNATURE_MISMATCH);
        /* the timestamp is covered by the MAC */
        assert_int_equal(verify(sig, NULL, "1700000001", BODY, 300, NOW, cache), SIGNATURE_MISMATCH);
        /* malformed timestamps */
        assert_int_equal(verify(sig, NULL, "", BODY, 300, NOW, cache), SIGNATURE_MALFORMED);
        assert_int_equal(verify(sig, NULL, "-1700000000", BODY, 300, NOW, cache), SIGNATURE_MALFORMED);
        assert_int_equal(verify(sig, NULL, "1700000000.5", BODY, 300, NOW, cache), SIGNATURE_MALFORMED);
        assert_int_equal(verify(sig, NULL, "99999999999999999999", BODY, 300, NOW, cache), SIGNATURE_MALFORMED);
        /* a window needs a timestamp */
        assert_int_equal(verify(SIG, NULL, NULL, BODY, 300, NOW, cache), SIGNATURE_TIMESTAMP_MISSING);
        /* stale: either way beyond the window; the edges are inside */
        assert_int_equal(verify(sig, NULL, "1700000000", BODY, 300, NOW + 301, cache), SIGNATURE_STALE);
        assert_int_equal(verify(sig, NULL, "1700000000", BODY, 300, NOW - 301, cache), SIGNATURE_STALE);
        assert_int_equal(signature_cache_size(cache), 0u);
        assert_int_equal(verify(sig, NULL, "1700000000", BODY, 300, NOW + 300, cache), SIGNATURE_OK);
        /* replayed: the same MAC again, in either header form */
        assert_int_equal(verify(sig, NULL, "1700000000", BODY, 300, NOW - 300, cache), SIGNATURE_REPLAYED);
        snprintf(hub, sizeof hub, "sha256=%s", sig);
        assert_int_equal(verify(NULL, hub, "1700000000", BODY, 300, NOW, cache), SIGNATURE_REPLAYED);
        /* a replay after the window is stale, never accepted */
        assert_int_equal(verify(sig, NULL, "1700000000", BODY, 300, NOW + 301, cache), SIGNATURE_STALE);
        /* another body at the same second is another request */
        sign("1700000000", "{}", sig);
        assert_int_equal(verify(sig, NULL, "1700000000", "{}", 300, NOW, cache), SIGNATURE_OK);
        assert_int_equal(signature_cache_size(cache), 2u);
        /* a huge window does not overflow */
        sign("1700000000", "[]", sig);
        assert_int_equal(verify(sig, NULL, "1700000000", "[]", UINT64_MAX, NOW, cache), SIGNATURE_OK);
        assert_int_equal(verify(sig, NULL, "1700000000", "[]", UINT64_MAX, NOW, cache), SIGNATURE_REPLAYED);
}

static void test_cache_bound(void **state) {
        _cleanup_(signature_cache_freep) SignatureCache *cache = NULL;
        char sig[HMAC_SHA256_HEX_SIZE + 1], body[32], ts[32];

        assert_int_equal(signature_cache_new(8, &cache), 0);

        /* 20 requests one second apart, window 100 s: all live, the cache keeps 8 */
        for (unsigned i = 0; i < 20; i++) {
                snprintf(body, sizeof body, "{\"n\":%u}", i);
                snprintf(ts, sizeof ts, "%llu", NOW + i);
                sign(ts, body, sig);
                assert_int_equal(verify(sig, NULL, ts, body, 100, NOW + i, cache), SIGNATURE_OK);
                assert_true(signature_cache_size(cache) <= 8);
        }
        assert_int_equal(signature_cache_size(cache), 8u);
        /* the newest 8 are still refused; the oldest ones were dropped first */
        for (unsigned i = 12; i < 20; i++) {
                snprintf(body, sizeof body, "{\"n\":%u}", i);
                snprintf(ts, sizeof ts, "%llu", NOW + i);
                sign(ts, body, sig);
                assert_int_equal(verify(sig, NULL, ts, body, 100, NOW + 20, cache), SIGNATURE_REPLAYED);
        }
        /* Past the window, expired entries make room without dropping live ones. */
        snprintf(ts, sizeof ts, "%llu", NOW + 500);
        sign(ts, "{}", sig);
        assert_int_equal(verify(sig, NULL, ts, "{}", 100, NOW + 500, cache), SIGNATURE_OK);
        /* the 8 old ones were all expired: one prune dropped them */
        assert_int_equal(signature_cache_size(cache), 1u);
        snprintf(ts, sizeof ts, "%llu", NOW + 501);
        sign(ts, "{}", sig);
        assert_int_equal(verify(sig, NULL, ts, "{}", 100, NOW + 501, cache), SIGNATURE_OK);
        assert_int_equal(signature_cache_size(cache), 2u);
}

/* One signed request with a timestamp: @n picks the body. */
static int verify_nth(unsigned n, uint64_t ts, uint64_t now, SignatureCache *cache) {
        char sig[HMAC_SHA256_HEX_SIZE + 1], body[32], t[32];

        snprintf(body, sizeof body, "{\"n\":%u}", n);
        snprintf(t, sizeof t, "%llu", (unsigned long long) ts);
        sign(t, body, sig);
        return verify(sig, NULL, t, body, 100, now, cache);
}

static off_t file_size(const char *path) {
        struct stat st;

        assert_int_equal(stat(path, &st), 0);
        return st.st_size;
}

static void test_cache_file(void **state) {
        char dir[] = "/tmp/test-signature-XXXXXX", path[64], tmp[80];
        SignatureCache *cache = NULL;
        FILE *f;

        assert_non_null(mkdtemp(dir));
        snprintf(path, sizeof path, "%s/replay-cache", dir);

        /* A new file; what one process takes, the next refuses. */
        assert_int_equal(signature_cache_new(8, &cache), 0);
        assert_int_equal(signature_cache_keep_in(cache, path, NOW), 0);
        assert_int_equal(file_size(path), 8);
        assert_int_equal(verify_nth(1, NOW, NOW, cache), SIGNATURE_OK);
        assert_int_equal(verify_nth(2, NOW, NOW + 1, cache), SIGNATURE_OK);
        signature_cache_free(cache);

        assert_int_equal(signature_cache_new(8, &cache), 0);
        assert_int_equal(signature_cache_keep_in(cache, path, NOW + 2), 0);
        assert_int_equal(signature_cache_size(cache), 2u);
        assert_int_equal(verify_nth(1, NOW, NOW + 2, cache), SIGNATURE_REPLAYED);
        assert_int_equal(verify_nth(2, NOW, NOW + 2, cache), SIGNATURE_REPLAYED);
        assert_int_equal(verify_nth(3, NOW + 2, NOW + 2, cache), SIGNATURE_OK);
        signature_cache_free(cache);

        /* A record cut short by a crash is dropped; the whole ones still count. */
        f = fopen(path, "a");
        assert_non_null(f);
        assert_int_equal(fwrite("12345", 1, 5, f), 5u);
        fclose(f);
        assert_int_equal(signature_cache_new(8, &cache), 0);
        assert_int_equal(signature_cache_keep_in(cache, path, NOW + 3), 0);
        assert_int_equal(signature_cache_size(cache), 3u);
        assert_int_equal(verify_nth(3, NOW + 2, NOW + 3, cache), SIGNATURE_REPLAYED);
        /* The file never holds more than twice the cache's bound (plus the header). */
        for (unsigned i = 10; i < 60; i++)
                assert_int_equal(verify_nth(i, NOW + 3, NOW + 3, cache), SIGNATURE_OK);
        assert_true(file_size(path) <= 8 + (2 * 8 + 1) * 40);
        signature_cache_free(cache);

        /* Read back after the window: nothing live is left, the file is rewritten empty. */
        assert_int_equal(signature_cache_new(8, &cache), 0);
        assert_int_equal(signature_cache_keep_in(cache, path, NOW + 1000), 0);
        assert_int_equal(signature_cache_size(cache), 0u);
        assert_int_equal(file_size(path), 8);
        signature_cache_free(cache);

        /* A foreign file is not believed (and replaced); no temporary file is left. */
        f = fopen(path, "w");
        assert_non_null(f);
        fputs("not a replay cache, just some text of forty and more bytes\n", f);
        fclose(f);
        assert_int_equal(signature_cache_new(8, &cache), 0);
        assert_int_equal(signature_cache_keep_in(cache, path, NOW), 0);
        assert_int_equal(signature_cache_size(cache), 0u);
        assert_int_equal(verify_nth(1, NOW, NOW, cache), SIGNATURE_OK);
        signature_cache_free(cache);
        snprintf(tmp, sizeof tmp, "%s.new", path);
        assert_int_equal(access(tmp, F_OK), -1);

        /* A directory that is not there: an error, and the cache works in memory. */
        assert_int_equal(signature_cache_new(8, &cache), 0);
        assert_int_equal(signature_cache_keep_in(cache, "/nonexistent-dir/replay-cache", NOW), -ENOENT);
        assert_int_equal(verify_nth(1, NOW, NOW, cache), SIGNATURE_OK);
        assert_int_equal(verify_nth(1, NOW, NOW, cache), SIGNATURE_REPLAYED);
        signature_cache_free(cache);

        assert_int_equal(unlink(path), 0);
        assert_int_equal(rmdir(dir), 0);
}

static void test_texts(void **state) {
        for (int r = 0; r < _SIGNATURE_RESULT_MAX; r++) {
                const char *t = signature_result_to_string(r);

                assert_non_null(t);
                assert_null(strchr(t, '\n'));
        }
        assert_null(signature_result_to_string(_SIGNATURE_RESULT_MAX));
        assert_int_equal(signature_result_http_status(SIGNATURE_MISSING), 401);
        assert_int_equal(signature_result_http_status(SIGNATURE_MALFORMED), 401);
        assert_int_equal(signature_result_http_status(SIGNATURE_TIMESTAMP_MISSING), 401);
        assert_int_equal(signature_result_http_status(SIGNATURE_MISMATCH), 403);
        assert_int_equal(signature_result_http_status(SIGNATURE_REPLAYED), 403);
        assert_int_equal(signature_result_http_status(SIGNATURE_STALE), 403);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_forms),
                cmocka_unit_test(test_timestamp),
                cmocka_unit_test(test_cache_bound),
                cmocka_unit_test(test_cache_file),
                cmocka_unit_test(test_texts),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
