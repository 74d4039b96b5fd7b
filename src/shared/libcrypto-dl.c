/* SPDX-License-Identifier: MIT */
/* libcrypto-dl.c: OpenSSL's libcrypto, loaded on first use
 *
 * heraldd needs libcrypto for a signed trigger's HMAC and a chain step's id (SHA-256),
 * and for a unit name too long to keep whole. Until one of those comes, linking it
 * cost heraldd 1.4 MB of RSS for nothing (its relocations and the pages they touch;
 * `ldd` and /proc/PID/smaps), a sixth of an idle heraldd. So hmac.c, herald-id.c and
 * unit-name.c call it through this table, opened once, as systemd opens its optional
 * libraries (dlopen-util.c, as herald-done opens libsystemd); the compiler checks every
 * pointer's type against the installed headers. Programs that hash files (herald-runner,
 * herald-remote) link it anyway; dlopen() then returns the copy already loaded.
 * Single-threaded callers only.
 */
#include <errno.h>
#include <string.h>

#include "dlopen-util.h"
#include "libcrypto-dl.h"
#include "macro.h"

static LibCrypto lib;
static bool skip_error_strings;

/**
 * libcrypto_skip_error_strings: have libcrypto_get() initialize OpenSSL without its
 * error strings.
 *
 * OpenSSL loads them at its first use unless told otherwise: 450 kB of libcrypto's pages
 * and a hash table, a tenth of herald-runner's peak RSS, for texts heraldd and
 * herald-runner never print (they log their own messages, and use no TLS). Once skipped
 * they stay unloaded in the process, so a program whose libcurl reports TLS errors with
 * them must not call this.
 */
void libcrypto_skip_error_strings(void) {
        skip_error_strings = true;
}

/**
 * libcrypto_get: the libcrypto functions herald calls through this table, loaded once.
 *
 * Return: the table, or NULL (logged once) when the library or one of its functions
 * is missing; callers then fail closed (no MAC matches, no id is made).
 */
const LibCrypto *libcrypto_get(void) {
        static DlLibrary dl = { .soname = "libcrypto.so.3" };

        if (dl.state > 0)       /* every HMAC comes here: skip building the list */
                return &lib;
        const DlSymbol symbols[] = {
                DL_SYMBOL(lib, EVP_MAC_fetch),
                DL_SYMBOL(lib, EVP_MAC_free),
                DL_SYMBOL(lib, EVP_MAC_CTX_new),
                DL_SYMBOL(lib, EVP_MAC_CTX_free),
                DL_SYMBOL(lib, EVP_MAC_init),
                DL_SYMBOL(lib, EVP_MAC_update),
                DL_SYMBOL(lib, EVP_MAC_final),
                DL_SYMBOL(lib, OSSL_PARAM_construct_utf8_string),
                DL_SYMBOL(lib, OSSL_PARAM_construct_end),
                DL_SYMBOL(lib, CRYPTO_memcmp),
                DL_SYMBOL(lib, EVP_MD_CTX_new),
                DL_SYMBOL(lib, EVP_MD_CTX_free),
                DL_SYMBOL(lib, EVP_DigestInit_ex),
                DL_SYMBOL(lib, EVP_DigestUpdate),
                DL_SYMBOL(lib, EVP_DigestFinal_ex),
                DL_SYMBOL(lib, EVP_sha256),
                DL_SYMBOL(lib, OPENSSL_init_crypto),
        };

        if (dlopen_symbols(&dl, symbols, ELEMENTSOF(symbols)) < 0)
                return NULL;
        /* The first initialization decides (a failed one fails every call after it). */
        if (skip_error_strings)
                (void) lib.OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS, NULL);
        return &lib;
}

/**
 * sha256_pieces: SHA-256 of the concatenated pieces.
 * @pieces: the message, in order
 * @n_pieces: how many
 * @ret: the 32-byte digest
 *
 * Return: 0, or -ENOMEM when libcrypto is missing or fails.
 */
int sha256_pieces(const Sha256Piece *pieces, size_t n_pieces, unsigned char ret[32]) {
        const LibCrypto *c = libcrypto_get();
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned md_len = 0;
        EVP_MD_CTX *ctx;
        int ok;

        if (!c)
                return -ENOMEM;
        ctx = c->EVP_MD_CTX_new();
        if (!ctx)
                return -ENOMEM;
        ok = c->EVP_DigestInit_ex(ctx, c->EVP_sha256(), NULL);
        for (size_t i = 0; ok && i < n_pieces; i++)
                ok = c->EVP_DigestUpdate(ctx, pieces[i].data, pieces[i].size);
        if (ok)
                ok = c->EVP_DigestFinal_ex(ctx, md, &md_len);
        c->EVP_MD_CTX_free(ctx);
        if (!ok || md_len != 32)
                return -ENOMEM;
        memcpy(ret, md, 32);
        return 0;
}
