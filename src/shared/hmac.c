/* SPDX-License-Identifier: MIT */
/* hmac.c: HMAC-SHA256 over one or more pieces, lower-case hex, constant-time comparison
 *
 * OpenSSL 3's EVP_MAC interface (HMAC_CTX_* is deprecated there). The message may come
 * in pieces so that a signed timestamp and the body ("<ts>.<body>") need no copy.
 */
#include <errno.h>
#include <string.h>

#include <openssl/core_names.h>

#include "hmac.h"
#include "libcrypto-dl.h"
#include "macro.h"

/**
 * hmac_sha256() - HMAC-SHA256 of the concatenated pieces
 * @key: the key (any length, also 0)
 * @key_len: its length
 * @pieces: the message, in order
 * @n_pieces: how many pieces
 * @ret: the 32-byte MAC
 *
 * Return: 0, -ENOMEM when OpenSSL cannot set up the MAC (it reports nothing finer) or
 * cannot be loaded (libcrypto-dl.c), or -EIO when it fails half-way.
 */
int hmac_sha256(const uint8_t *key, size_t key_len, const HmacPiece *pieces, size_t n_pieces,
                uint8_t ret[static HMAC_SHA256_SIZE]) {
        const LibCrypto *c = libcrypto_get();
        static const uint8_t empty_key[1];
        char digest[] = "SHA256";
        EVP_MAC_CTX *ctx = NULL;
        EVP_MAC *mac = NULL;
        size_t out_len = 0;
        int r = 0;

        if (!c)
                return -ENOMEM;
        OSSL_PARAM params[] = {
                c->OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                c->OSSL_PARAM_construct_end(),
        };

        mac = c->EVP_MAC_fetch(NULL, "HMAC", NULL);
        ctx = mac ? c->EVP_MAC_CTX_new(mac) : NULL;
        if (!ctx)
                r = -ENOMEM;
        /* EVP_MAC_init() takes a NULL key as "keep the old key"; an empty secret is a
         * key of length 0, as in Go's hmac.New(). */
        else if (c->EVP_MAC_init(ctx, key_len > 0 ? key : empty_key, key_len, params) != 1)
                r = -EIO;
        for (size_t i = 0; r == 0 && i < n_pieces; i++)
                if (pieces[i].size > 0 && c->EVP_MAC_update(ctx, pieces[i].data, pieces[i].size) != 1)
                        r = -EIO;
        if (r == 0 && (c->EVP_MAC_final(ctx, ret, &out_len, HMAC_SHA256_SIZE) != 1 || out_len != HMAC_SHA256_SIZE))
                r = -EIO;
        c->EVP_MAC_CTX_free(ctx);
        c->EVP_MAC_free(mac);
        return r;
}

/**
 * hmac_sha256_hex() - the X-Herald-Signature value of a message
 * @key: the key
 * @key_len: its length
 * @data: the message
 * @size: its length
 * @ret: 64 lower-case hex digits and a NUL
 *
 * Return: 0 or a negative errno from hmac_sha256().
 */
int hmac_sha256_hex(const uint8_t *key, size_t key_len, const void *data, size_t size,
                    char ret[static HMAC_SHA256_HEX_SIZE + 1]) {
        uint8_t mac[HMAC_SHA256_SIZE];
        HmacPiece piece = { data, size };
        int r;

        r = hmac_sha256(key, key_len, &piece, 1, mac);
        if (r < 0)
                return r;
        hex_encode(mac, sizeof mac, ret);
        return 0;
}

/**
 * hmac_equal() - compare two MACs in constant time
 * @a: one MAC
 * @b: the other
 * @size: their length
 *
 * Return: whether they are equal; the time taken does not depend on where they differ.
 * Never equal when libcrypto cannot be loaded.
 */
bool hmac_equal(const uint8_t *a, const uint8_t *b, size_t size) {
        const LibCrypto *c = libcrypto_get();

        return c && c->CRYPTO_memcmp(a, b, size) == 0;
}

/**
 * hex_encode() - lower-case hex of bytes
 * @data: the bytes
 * @size: how many
 * @ret: 2 * @size digits and a NUL
 */
void hex_encode(const uint8_t *data, size_t size, char *ret) {
        static const char digits[] = "0123456789abcdef";

        for (size_t i = 0; i < size; i++) {
                ret[2 * i] = digits[data[i] >> 4];
                ret[2 * i + 1] = digits[data[i] & 0xf];
        }
        ret[2 * size] = 0;
}

static int unhex(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

/**
 * hex_decode() - exactly @ret_size bytes from hex digits (either case)
 * @s: the digits
 * @len: how many; must be 2 * @ret_size
 * @ret: the bytes
 * @ret_size: how many bytes are expected
 *
 * Upper-case digits are taken, as Go's hex.DecodeString() (Herald Runner's check) takes them.
 *
 * Return: 0, or -EBADMSG for a wrong length or a character that is not a hex digit
 * (@ret is then undefined).
 */
int hex_decode(const char *s, size_t len, uint8_t *ret, size_t ret_size) {
        if (len != 2 * ret_size)
                return -EBADMSG;
        for (size_t i = 0; i < ret_size; i++) {
                int hi = unhex(s[2 * i]), lo = unhex(s[2 * i + 1]);

                if (hi < 0 || lo < 0)
                        return -EBADMSG;
                ret[i] = (uint8_t) (hi << 4 | lo);
        }
        return 0;
}
