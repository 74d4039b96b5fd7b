/* SPDX-License-Identifier: MIT */
/* fuzz-signature.c: the signature headers of an HTTP trigger request
 *
 * Input: "<X-Herald-Signature>\n<X-Hub-Signature-256>\n<X-Herald-Timestamp>\n<body>",
 * where a header line starting with '-' stands for "not sent" and the first byte of
 * the body picks the replay window (its low bits, 0: off). signature_verify() must give
 * a result in range and never crash; then the same body, correctly signed (both header
 * forms, and with a timestamp inside the window), must verify, and its replay must be
 * refused.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fuzz-util.h"
#include "hmac.h"
#include "macro.h"
#include "signature.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define KEY ((const uint8_t *) "fuzz-secret")
#define KEY_LEN 11
#define NOW 1700000000ULL

/* The next '\n'-terminated field of the input, NULL when it starts with '-'. */
static char *next_field(char **p, bool *ok) {
        char *s = *p, *nl = strchr(s, '\n');

        if (!nl) {
                *ok = false;
                return NULL;
        }
        *nl = 0;
        *p = nl + 1;
        return s[0] == '-' ? NULL : s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(signature_cache_freep) SignatureCache *cache = NULL;
        _cleanup_free_ char *buf = NULL, *signed_ts = NULL;
        char sig[HMAC_SHA256_HEX_SIZE + 1], hub[80], ts[32];
        char *p, *herald, *hubh, *tsh;
        size_t body_len;
        uint64_t window;
        bool ok = true;
        int r;

        if (size > 65536)
                return 0;
        buf = memdup_nul((const char *) data, size);
        if (!buf)
                return 0;
        p = buf;
        herald = next_field(&p, &ok);
        hubh = next_field(&p, &ok);
        tsh = next_field(&p, &ok);
        if (!ok)
                return 0;
        body_len = size - (size_t) (p - buf);
        window = body_len > 0 ? (uint8_t) p[0] % 8 * 100 : 0;

        if (signature_cache_new(4, &cache) < 0)
                return 0;
        r = signature_verify(KEY, KEY_LEN, herald, hubh, tsh, p, body_len, window, NOW, cache);
        if (r == -ENOMEM)
                return 0;
        FUZZ_CHECK(r >= 0 && r < _SIGNATURE_RESULT_MAX);
        FUZZ_CHECK(signature_result_to_string(r));
        FUZZ_CHECK(!herald && !hubh ? r == SIGNATURE_MISSING : r != SIGNATURE_MISSING);
        FUZZ_CHECK(signature_cache_size(cache) <= 1);

        /* The body signed correctly verifies, in either header form. */
        if (hmac_sha256_hex(KEY, KEY_LEN, p, body_len, sig) < 0)
                return 0;
        snprintf(hub, sizeof hub, "sha256=%s", sig);
        r = signature_verify(KEY, KEY_LEN, sig, NULL, NULL, p, body_len, 0, NOW, NULL);
        FUZZ_CHECK(r == SIGNATURE_OK || r == -ENOMEM);
        r = signature_verify(KEY, KEY_LEN, NULL, hub, NULL, p, body_len, 0, NOW, NULL);
        FUZZ_CHECK(r == SIGNATURE_OK || r == -ENOMEM);
        /* ... and one bit off does not */
        sig[0] = sig[0] == '0' ? '1' : '0';
        r = signature_verify(KEY, KEY_LEN, sig, NULL, NULL, p, body_len, 0, NOW, NULL);
        FUZZ_CHECK(r == SIGNATURE_MISMATCH || r == -ENOMEM);

        /* With a window: a fresh timestamp is taken once. */
        snprintf(ts, sizeof ts, "%llu", NOW - 5);
        if (asprintf(&signed_ts, "%s.", ts) < 0)
                return 0;
        {
                HmacPiece pieces[] = { { signed_ts, strlen(signed_ts) }, { p, body_len } };
                uint8_t mac[HMAC_SHA256_SIZE];

                if (hmac_sha256(KEY, KEY_LEN, pieces, 2, mac) < 0)
                        return 0;
                hex_encode(mac, sizeof mac, sig);
        }
        r = signature_verify(KEY, KEY_LEN, sig, NULL, ts, p, body_len, 60, NOW, cache);
        if (r == -ENOMEM)
                return 0;
        FUZZ_CHECK(r == SIGNATURE_OK);
        r = signature_verify(KEY, KEY_LEN, sig, NULL, ts, p, body_len, 60, NOW, cache);
        FUZZ_CHECK(r == SIGNATURE_REPLAYED);
        r = signature_verify(KEY, KEY_LEN, sig, NULL, ts, p, body_len, 60, NOW + 100, cache);
        FUZZ_CHECK(r == SIGNATURE_STALE);
        return 0;
}
