/* SPDX-License-Identifier: MIT */
/* hmac.h: HMAC-SHA256 over one or more pieces, lower-case hex, constant-time comparison */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HMAC_SHA256_SIZE 32
#define HMAC_SHA256_HEX_SIZE (2 * HMAC_SHA256_SIZE)

/* One piece of the message; the MAC covers the pieces one after the other. */
typedef struct HmacPiece {
        const void *data;
        size_t size;
} HmacPiece;

int hmac_sha256(const uint8_t *key, size_t key_len, const HmacPiece *pieces, size_t n_pieces,
                uint8_t ret[static HMAC_SHA256_SIZE]);
int hmac_sha256_hex(const uint8_t *key, size_t key_len, const void *data, size_t size,
                    char ret[static HMAC_SHA256_HEX_SIZE + 1]);
bool hmac_equal(const uint8_t *a, const uint8_t *b, size_t size);

void hex_encode(const uint8_t *data, size_t size, char *ret);
int hex_decode(const char *s, size_t len, uint8_t *ret, size_t ret_size);
