/* SPDX-License-Identifier: MIT */
/* libcrypto-dl.c: OpenSSL's libcrypto, loaded on first use
 *
 * heraldd needs libcrypto for a signed trigger's HMAC and a chain step's id (SHA-256),
 * and for a unit name too long to keep whole. Until one of those comes, linking it
 * cost heraldd 1.4 MB of RSS for nothing (its relocations and the pages they touch;
 * `ldd` and /proc/PID/smaps), a sixth of an idle heraldd. So hmac.c, herald-id.c and
 * unit-name.c call it through this table, opened once, as systemd opens its optional
 * libraries (dlopen-util.c); the compiler checks every pointer's type against the
 * installed headers. Programs that hash files (herald-runner, herald-remote) link it
 * anyway; dlopen() then returns the copy already loaded. Single-threaded callers only.
 */
#include <dlfcn.h>
#include <errno.h>
#include <string.h>

#include "libcrypto-dl.h"
#include "log.h"
#include "macro.h"

#define LIBCRYPTO_SONAME "libcrypto.so.3"

static LibCrypto lib;
static int lib_state;   /* 0 not tried, 1 loaded, -1 failed */

#define SYM(name)                                                                       \
        do {                                                                            \
                lib.name = (typeof(lib.name)) dlsym(lib.handle, #name);                 \
                if (!lib.name) {                                                        \
                        log_error("Could not find %s in " LIBCRYPTO_SONAME ": %s",     \
                                  #name, dlerror());                                    \
                        goto fail;                                                      \
                }                                                                       \
        } while (0)

/**
 * libcrypto_get: the libcrypto functions herald calls through this table, loaded once.
 *
 * Return: the table, or NULL (logged once) when the library or one of its functions
 * is missing; callers then fail closed (no MAC matches, no id is made).
 */
const LibCrypto *libcrypto_get(void) {
        if (lib_state != 0)
                return lib_state > 0 ? &lib : NULL;

        lib.handle = dlopen(LIBCRYPTO_SONAME, RTLD_NOW | RTLD_LOCAL);
        if (!lib.handle) {
                log_error("Could not load " LIBCRYPTO_SONAME ": %s", dlerror());
                goto fail;
        }
        SYM(EVP_MAC_fetch);
        SYM(EVP_MAC_free);
        SYM(EVP_MAC_CTX_new);
        SYM(EVP_MAC_CTX_free);
        SYM(EVP_MAC_init);
        SYM(EVP_MAC_update);
        SYM(EVP_MAC_final);
        SYM(OSSL_PARAM_construct_utf8_string);
        SYM(OSSL_PARAM_construct_end);
        SYM(CRYPTO_memcmp);
        SYM(EVP_MD_CTX_new);
        SYM(EVP_MD_CTX_free);
        SYM(EVP_DigestInit_ex);
        SYM(EVP_DigestUpdate);
        SYM(EVP_DigestFinal_ex);
        SYM(EVP_sha256);
        lib_state = 1;
        return &lib;
fail:
        if (lib.handle)
                dlclose(lib.handle);
        lib = (LibCrypto) {};
        lib_state = -1;
        return NULL;
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
