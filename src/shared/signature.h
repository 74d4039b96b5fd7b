/* SPDX-License-Identifier: MIT */
/* signature.h: the signature headers of an HTTP trigger request, checked against its secret */
#pragma once

#include <stddef.h>
#include <stdint.h>

typedef enum SignatureResult {
        SIGNATURE_OK = 0,
        SIGNATURE_MISSING = 1,            /* neither X-Herald-Signature nor X-Hub-Signature-256 */
        SIGNATURE_MALFORMED = 2,          /* not 64 hex digits (after "sha256=" for GitHub's), or a bad timestamp */
        SIGNATURE_MISMATCH = 3,           /* well formed, but not the body's MAC under this secret */
        SIGNATURE_REPLAYED = 4,           /* seen before within the replay window */
        SIGNATURE_STALE = 5,              /* X-Herald-Timestamp outside the replay window */
        SIGNATURE_TIMESTAMP_MISSING = 6,  /* a replay window is set and X-Herald-Timestamp is not sent */
        _SIGNATURE_RESULT_MAX,
} SignatureResult;

#define SIGNATURE_HEADER_HERALD "X-Herald-Signature"
#define SIGNATURE_HEADER_HUB "X-Hub-Signature-256"
#define SIGNATURE_HEADER_TIMESTAMP "X-Herald-Timestamp"

/* Entries a replay cache holds at most by default (about 40 bytes each, allocated as used). */
#define SIGNATURE_CACHE_MAX_DEFAULT 4096

typedef struct SignatureCache SignatureCache;

int signature_cache_new(size_t max_entries, SignatureCache **ret);
SignatureCache *signature_cache_free(SignatureCache *c);
size_t signature_cache_size(const SignatureCache *c);
int signature_cache_keep_in(SignatureCache *c, const char *path, uint64_t now_sec);
static inline void signature_cache_freep(SignatureCache **c) {
        if (*c)
                signature_cache_free(*c);
}

int signature_verify(const uint8_t *key, size_t key_len,
                     const char *herald_header, const char *hub_header, const char *timestamp_header,
                     const void *body, size_t body_len,
                     uint64_t replay_window_sec, uint64_t now_sec, SignatureCache *cache);
const char *signature_result_to_string(SignatureResult r);
unsigned signature_result_http_status(SignatureResult r);
