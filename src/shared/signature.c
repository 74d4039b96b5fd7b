/* SPDX-License-Identifier: MIT */
/* signature.c: the signature headers of an HTTP trigger request, checked against its secret
 *
 * Two header forms carry the same thing, the hex HMAC-SHA256 of the raw body under the
 * trigger's secret:
 *   X-Herald-Signature: <64 hex digits>            what Herald's http_remote sends
 *   X-Hub-Signature-256: sha256=<64 hex digits>    what GitHub (and Gitea, Gogs) send
 * When both are sent, X-Herald-Signature is the one checked. Hex digits may be upper
 * case: Herald Runner decodes the header with Go's hex.DecodeString(), which takes both.
 *
 * Replay protection is optional. A client that sends X-Herald-Timestamp (decimal unix
 * seconds) signs "<timestamp>.<body>" instead of the body, so the time cannot be changed
 * without the secret. With a replay window of N seconds, the timestamp is required and
 * must be within N seconds of now (either way: clocks differ), and a MAC seen before
 * within its window is refused. The cache of seen MACs is bounded: an entry lives until
 * its timestamp leaves the window (after that the timestamp check refuses the request
 * anyway). When the cache is full of live entries, the one that leaves the window first
 * is dropped: only correctly signed requests enter it, so filling it takes more than
 * max_entries genuine requests within one window, and the cache size is the bound on
 * the replay protection then.
 *
 * A cache kept in a file (signature_cache_keep_in()) outlives its process: heraldd and
 * herald-runner exit when idle and restart on the next request, and a window may be a
 * day long. The file is a header and one record per MAC taken, appended as it is taken
 * (one write(), before the request goes on), rewritten with the live entries only when
 * opened and when it holds twice the entries the cache may. It is not fsync()ed: a
 * process exit or SIGKILL keeps what was written; a power loss may lose the last
 * seconds, and the boot that follows takes longer than most windows anyway.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fs-util.h"
#include "hmac.h"
#include "log.h"
#include "macro.h"
#include "signature.h"

#define CACHE_FILE_MAGIC "HRLDRPC1"
#define CACHE_FILE_MAGIC_SIZE 8
/* Records read back at most when a cache file is opened (a file never grows past twice
 * the cache's size; this bounds what a damaged one costs). */
#define CACHE_FILE_RECORDS_MAX ((size_t) 1 << 20)

typedef struct SignatureCacheEntry {
        uint8_t mac[HMAC_SHA256_SIZE];
        uint64_t expire_sec;    /* 0: a free slot */
} SignatureCacheEntry;

/* An open-addressing hash table (the MACs are uniformly random, their first bytes are a
 * fine hash), at most half full, rebuilt when pruned. */
struct SignatureCache {
        size_t max_entries;
        size_t n_entries;
        size_t n_slots;         /* a power of two, >= 2 * n_entries */
        SignatureCacheEntry *slots;

        char *path;             /* the file it is kept in (signature_cache_keep_in()), or NULL */
        int fd;                 /* open for appending to @path; -1: memory only */
        size_t n_records;       /* records in the file */
        bool write_failed;      /* logged once; the cache goes on in memory */
};

/**
 * signature_cache_new() - an empty replay cache
 * @max_entries: how many seen MACs it keeps at most (0: SIGNATURE_CACHE_MAX_DEFAULT)
 * @ret: the cache
 *
 * Return: 0 or -ENOMEM.
 */
int signature_cache_new(size_t max_entries, SignatureCache **ret) {
        SignatureCache *c;

        c = calloc(1, sizeof *c);
        if (!c)
                return -ENOMEM;
        c->max_entries = max_entries > 0 ? max_entries : SIGNATURE_CACHE_MAX_DEFAULT;
        c->fd = -1;
        *ret = c;
        return 0;
}

/**
 * signature_cache_free() - free a replay cache
 * @c: the cache, or NULL
 *
 * Return: NULL.
 */
SignatureCache *signature_cache_free(SignatureCache *c) {
        if (!c)
                return NULL;
        safe_close(c->fd);
        free(c->path);
        free(c->slots);
        free(c);
        return NULL;
}

/**
 * signature_cache_size() - how many MACs the cache holds now (expired ones included
 * until the next prune)
 * @c: the cache
 *
 * Return: the number of entries.
 */
size_t signature_cache_size(const SignatureCache *c) {
        return c->n_entries;
}

static size_t slot_of(const SignatureCache *c, const uint8_t mac[static HMAC_SHA256_SIZE]) {
        uint64_t h;

        memcpy(&h, mac, sizeof h);
        return (size_t) h & (c->n_slots - 1);
}

static SignatureCacheEntry *cache_find(SignatureCache *c, const uint8_t mac[static HMAC_SHA256_SIZE]) {
        if (c->n_slots == 0)
                return NULL;
        for (size_t i = slot_of(c, mac);; i = (i + 1) & (c->n_slots - 1)) {
                SignatureCacheEntry *e = &c->slots[i];

                if (e->expire_sec == 0)
                        return NULL;
                if (memcmp(e->mac, mac, HMAC_SHA256_SIZE) == 0)
                        return e;
        }
}

static void cache_put(SignatureCache *c, const uint8_t mac[static HMAC_SHA256_SIZE], uint64_t expire_sec) {
        size_t i = slot_of(c, mac);

        while (c->slots[i].expire_sec != 0)
                i = (i + 1) & (c->n_slots - 1);
        memcpy(c->slots[i].mac, mac, HMAC_SHA256_SIZE);
        c->slots[i].expire_sec = expire_sec;
        c->n_entries++;
}

/* Rebuilds the table with room for one more entry, keeping the live entries except
 * @drop (when set). */
static int cache_rebuild(SignatureCache *c, uint64_t now_sec, const SignatureCacheEntry *drop) {
        SignatureCacheEntry *old = c->slots;
        size_t n_old = c->n_slots, live = 0, n_slots = 16;

        for (size_t i = 0; i < n_old; i++)
                if (old[i].expire_sec > now_sec && &old[i] != drop)
                        live++;
        while (n_slots < 2 * (live + 1))
                n_slots *= 2;

        c->slots = calloc(n_slots, sizeof *c->slots);
        if (!c->slots) {
                c->slots = old;
                return -ENOMEM;
        }
        c->n_slots = n_slots;
        c->n_entries = 0;
        for (size_t i = 0; i < n_old; i++)
                if (old[i].expire_sec > now_sec && &old[i] != drop)
                        cache_put(c, old[i].mac, old[i].expire_sec);
        free(old);
        return 0;
}

static int cache_add(SignatureCache *c, const uint8_t mac[static HMAC_SHA256_SIZE], uint64_t now_sec, uint64_t expire_sec) {
        int r;

        if (c->n_entries >= c->max_entries) {
                SignatureCacheEntry *first = NULL;

                /* Full: drop what has expired; when all are live, the one expiring first. */
                for (size_t i = 0; i < c->n_slots; i++) {
                        SignatureCacheEntry *e = &c->slots[i];

                        if (e->expire_sec == 0)
                                continue;
                        if (e->expire_sec <= now_sec) {
                                first = NULL;
                                break;
                        }
                        if (!first || e->expire_sec < first->expire_sec)
                                first = e;
                }
                r = cache_rebuild(c, now_sec, first);
                if (r < 0)
                        return r;
        } else if (2 * (c->n_entries + 1) > c->n_slots) {
                r = cache_rebuild(c, now_sec, NULL);
                if (r < 0)
                        return r;
        }
        cache_put(c, mac, expire_sec);
        return 0;
}

/* One MAC taken, as kept in a cache file (host byte order: the file never leaves its host). */
typedef struct CacheRecord {
        uint8_t mac[HMAC_SHA256_SIZE];
        uint64_t expire_sec;
} CacheRecord;

/* Replaces the file with the live entries (a new file renamed over it, so a crash
 * midway leaves the old one) and keeps it open for appending. */
static int cache_file_rewrite(SignatureCache *c, uint64_t now_sec) {
        _cleanup_free_ char *tmp = NULL;
        _cleanup_close_ int fd = -1;
        CacheRecord buf[64];
        size_t n = 0, total = 0;
        int r;

        if (asprintf(&tmp, "%s.new", c->path) < 0)
                return -ENOMEM;
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return -errno;
        r = loop_write(fd, CACHE_FILE_MAGIC, CACHE_FILE_MAGIC_SIZE);
        for (size_t i = 0; r >= 0 && i < c->n_slots; i++) {
                const SignatureCacheEntry *e = &c->slots[i];

                if (e->expire_sec <= now_sec)
                        continue;
                memcpy(buf[n].mac, e->mac, HMAC_SHA256_SIZE);
                buf[n].expire_sec = e->expire_sec;
                total++;
                if (++n == ELEMENTSOF(buf)) {
                        r = loop_write(fd, buf, n * sizeof buf[0]);
                        n = 0;
                }
        }
        if (r >= 0 && n > 0)
                r = loop_write(fd, buf, n * sizeof buf[0]);
        if (r >= 0 && rename(tmp, c->path) < 0)
                r = -errno;
        if (r < 0) {
                (void) unlink(tmp);
                return r;
        }
        safe_close(c->fd);
        c->fd = TAKE_FD(fd);
        c->n_records = total;
        return 0;
}

/* Reads the live records of an existing file into the cache; a missing, foreign or
 * truncated file gives what it holds (possibly nothing). */
static int cache_file_load(SignatureCache *c, uint64_t now_sec) {
        _cleanup_close_ int fd = -1;
        char magic[CACHE_FILE_MAGIC_SIZE];
        CacheRecord buf[64];
        size_t seen = 0;
        ssize_t n;
        int r;

        fd = open(c->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return errno == ENOENT ? 0 : -errno;
        n = read(fd, magic, sizeof magic);
        if (n < 0)
                return -errno;
        if (n != (ssize_t) sizeof magic || memcmp(magic, CACHE_FILE_MAGIC, sizeof magic) != 0)
                return 0;
        while (seen < CACHE_FILE_RECORDS_MAX) {
                n = read(fd, buf, sizeof buf);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        break;
                /* a record cut by a crash mid-write is dropped: whole ones only */
                for (size_t i = 0; i < (size_t) n / sizeof buf[0]; i++, seen++) {
                        if (buf[i].expire_sec <= now_sec || cache_find(c, buf[i].mac))
                                continue;
                        r = cache_add(c, buf[i].mac, now_sec, buf[i].expire_sec);
                        if (r < 0)
                                return r;
                }
                if ((size_t) n % sizeof buf[0] != 0)
                        break;
        }
        return 0;
}

/**
 * signature_cache_keep_in() - keep a replay cache in a file, so that the MACs it took
 * are still refused after the process exits and another starts
 * @c: the cache (usually new and empty)
 * @path: the file (created 0600; its directory must exist and be the caller's)
 * @now_sec: the current unix time
 *
 * Reads the live entries the file holds, then rewrites it with the cache's live
 * entries. From then on every MAC the cache takes is appended to it.
 *
 * Return: 0, or a negative errno (the cache then stays in memory only).
 */
int signature_cache_keep_in(SignatureCache *c, const char *path, uint64_t now_sec) {
        int r;

        free(c->path);
        c->path = strdup(path);
        if (!c->path)
                return -ENOMEM;
        r = cache_file_load(c, now_sec);
        if (r >= 0)
                r = cache_file_rewrite(c, now_sec);
        if (r < 0) {
                free(c->path);
                c->path = NULL;
        }
        return r;
}

/* Records a MAC just taken. A failure is logged once and the cache goes on in memory:
 * refusing the request would make the client's retry of it look like a replay. */
static void cache_file_append(SignatureCache *c, const uint8_t mac[static HMAC_SHA256_SIZE], uint64_t expire_sec,
                              uint64_t now_sec) {
        CacheRecord rec = { .expire_sec = expire_sec };
        int r;

        if (c->fd < 0)
                return;
        if (c->n_records >= 2 * c->max_entries)
                r = cache_file_rewrite(c, now_sec);     /* the new MAC is in memory already */
        else {
                memcpy(rec.mac, mac, HMAC_SHA256_SIZE);
                r = loop_write(c->fd, &rec, sizeof rec);
                if (r >= 0)
                        c->n_records++;
        }
        if (r < 0 && !c->write_failed)
                log_warning_errno(r, "Could not write the replay cache %s, it is kept in memory only until this process exits: %m",
                                  c->path);
        c->write_failed = r < 0;
}

static uint64_t add_sat(uint64_t a, uint64_t b) {
        return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* Decimal unix seconds, digits only, no overflow. */
static int parse_timestamp(const char *s, uint64_t *ret) {
        uint64_t v = 0;

        if (isempty(s) || strlen(s) > 19)
                return -EBADMSG;
        for (const char *p = s; *p; p++) {
                if (*p < '0' || *p > '9')
                        return -EBADMSG;
                v = v * 10 + (uint64_t) (*p - '0');
        }
        *ret = v;
        return 0;
}

/**
 * signature_verify() - check a request's signature headers against the trigger's secret
 * @key: the secret
 * @key_len: its length
 * @herald_header: the value of X-Herald-Signature, or NULL when not sent
 * @hub_header: the value of X-Hub-Signature-256, or NULL
 * @timestamp_header: the value of X-Herald-Timestamp, or NULL
 * @body: the raw body
 * @body_len: its length
 * @replay_window_sec: 0: no replay protection; otherwise the timestamp is required and
 *                     must be within this many seconds of @now_sec, and a MAC is taken once
 * @now_sec: the current unix time
 * @cache: the seen MACs (used when @replay_window_sec is not 0; may then not be NULL)
 *
 * Return: a SignatureResult (SIGNATURE_OK when the request may go on), or -ENOMEM.
 */
int signature_verify(const uint8_t *key, size_t key_len,
                     const char *herald_header, const char *hub_header, const char *timestamp_header,
                     const void *body, size_t body_len,
                     uint64_t replay_window_sec, uint64_t now_sec, SignatureCache *cache) {
        uint8_t sent[HMAC_SHA256_SIZE], expected[HMAC_SHA256_SIZE];
        HmacPiece pieces[3];
        size_t n_pieces = 0;
        uint64_t ts = 0, expire;
        const char *hex;
        int r;

        if (herald_header)
                hex = herald_header;
        else if (hub_header) {
                hex = startswith(hub_header, "sha256=");
                if (!hex)
                        return SIGNATURE_MALFORMED;
        } else
                return SIGNATURE_MISSING;
        if (hex_decode(hex, strlen(hex), sent, sizeof sent) < 0)
                return SIGNATURE_MALFORMED;

        if (timestamp_header) {
                if (parse_timestamp(timestamp_header, &ts) < 0)
                        return SIGNATURE_MALFORMED;
                pieces[n_pieces++] = (HmacPiece) { timestamp_header, strlen(timestamp_header) };
                pieces[n_pieces++] = (HmacPiece) { ".", 1 };
        } else if (replay_window_sec > 0)
                return SIGNATURE_TIMESTAMP_MISSING;
        pieces[n_pieces++] = (HmacPiece) { body, body_len };

        r = hmac_sha256(key, key_len, pieces, n_pieces, expected);
        if (r < 0)
                return -ENOMEM;
        if (!hmac_equal(sent, expected, sizeof sent))
                return SIGNATURE_MISMATCH;

        if (replay_window_sec == 0)
                return SIGNATURE_OK;
        /* Only a correctly signed timestamp is judged, so a forged one reads "mismatch". */
        if ((ts > now_sec ? ts - now_sec : now_sec - ts) > replay_window_sec)
                return SIGNATURE_STALE;
        assert(cache);
        if (cache_find(cache, expected))
                return SIGNATURE_REPLAYED;
        /* Live until the timestamp leaves the window; the stale check covers the rest. */
        expire = add_sat(add_sat(ts, replay_window_sec), 1);
        r = cache_add(cache, expected, now_sec, expire);
        if (r < 0)
                return r;
        cache_file_append(cache, expected, expire, now_sec);
        return SIGNATURE_OK;
}

static const char *const signature_result_table[_SIGNATURE_RESULT_MAX] = {
        [SIGNATURE_OK] = "Signature valid",
        [SIGNATURE_MISSING] = "Signature missing: send X-Herald-Signature (hex HMAC-SHA256 of the body) or X-Hub-Signature-256 (sha256=<hex>)",
        [SIGNATURE_MALFORMED] = "Signature malformed: expected 64 hex digits (X-Hub-Signature-256: sha256=<64 hex digits>) and a decimal X-Herald-Timestamp",
        [SIGNATURE_MISMATCH] = "Signature mismatch: not the HMAC-SHA256 of this body under the trigger's secret",
        [SIGNATURE_REPLAYED] = "Signature replayed: this request was already received",
        [SIGNATURE_STALE] = "Signature stale: X-Herald-Timestamp is outside the replay window",
        [SIGNATURE_TIMESTAMP_MISSING] = "Signature timestamp missing: this trigger needs X-Herald-Timestamp (unix seconds, signed as <timestamp>.<body>)",
};

/**
 * signature_result_to_string() - the one-line text of a result, for the HTTP answer
 * @r: the result
 *
 * Return: a static string, or NULL for a value out of range.
 */
const char *signature_result_to_string(SignatureResult r) {
        if (r < 0 || r >= _SIGNATURE_RESULT_MAX)
                return NULL;
        return signature_result_table[r];
}

/**
 * signature_result_http_status() - the HTTP status of a result
 * @r: the result
 *
 * Missing and malformed are 401 (the client did not authenticate), a wrong, replayed or
 * stale signature is 403 (it did, and is refused).
 *
 * Return: 200, 401 or 403.
 */
unsigned signature_result_http_status(SignatureResult r) {
        switch (r) {
        case SIGNATURE_OK:
                return 200;
        case SIGNATURE_MISSING:
        case SIGNATURE_MALFORMED:
        case SIGNATURE_TIMESTAMP_MISSING:
                return 401;
        default:
                return 403;
        }
}
