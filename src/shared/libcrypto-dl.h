/* SPDX-License-Identifier: MIT */
/* libcrypto-dl.h: OpenSSL's libcrypto, loaded on first use */
#pragma once

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

typedef struct LibCrypto {
        typeof(EVP_MAC_fetch) *EVP_MAC_fetch;
        typeof(EVP_MAC_free) *EVP_MAC_free;
        typeof(EVP_MAC_CTX_new) *EVP_MAC_CTX_new;
        typeof(EVP_MAC_CTX_free) *EVP_MAC_CTX_free;
        typeof(EVP_MAC_init) *EVP_MAC_init;
        typeof(EVP_MAC_update) *EVP_MAC_update;
        typeof(EVP_MAC_final) *EVP_MAC_final;
        typeof(OSSL_PARAM_construct_utf8_string) *OSSL_PARAM_construct_utf8_string;
        typeof(OSSL_PARAM_construct_end) *OSSL_PARAM_construct_end;
        typeof(CRYPTO_memcmp) *CRYPTO_memcmp;
        typeof(EVP_MD_CTX_new) *EVP_MD_CTX_new;
        typeof(EVP_MD_CTX_free) *EVP_MD_CTX_free;
        typeof(EVP_DigestInit_ex) *EVP_DigestInit_ex;
        typeof(EVP_DigestUpdate) *EVP_DigestUpdate;
        typeof(EVP_DigestFinal_ex) *EVP_DigestFinal_ex;
        typeof(EVP_sha256) *EVP_sha256;
        typeof(OPENSSL_init_crypto) *OPENSSL_init_crypto;
} LibCrypto;

const LibCrypto *libcrypto_get(void);

/* For a program that uses no TLS and prints none of OpenSSL's errors (heraldd,
 * herald-runner): call before anything uses libcrypto, and its error strings are never
 * loaded. Not for programs with libcurl, whose TLS errors are those strings. */
void libcrypto_skip_error_strings(void);

/* SHA-256 of the pieces, in order; -ENOMEM when libcrypto is missing or fails. */
typedef struct Sha256Piece {
        const void *data;
        size_t size;
} Sha256Piece;
int sha256_pieces(const Sha256Piece *pieces, size_t n_pieces, unsigned char ret[32]);
