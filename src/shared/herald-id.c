/* SPDX-License-Identifier: MIT */
/* herald-id.c: job and trigger ids, upper-case UUIDs as Herald makes them
 *
 * Herald's ids are random UUIDs printed in upper case, and clients (and taskctl) may
 * rely on that shape, so every id herald makes has it: random ones for a firing, and
 * derived ones for a chain step. A chain step's id is a function of the finished job's
 * id, the router and the task, so the step has one id however often heraldd replays
 * it after a crash; that is what lets it fire exactly once (docs/HERALDD.md, Ids).
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <unistd.h>

#include "herald-id.h"
#include "libcrypto-dl.h"

static void format_uuid(const uint8_t b[16], char ret[HERALD_ID_LEN + 1]) {
        static const char hex[] = "0123456789ABCDEF";
        size_t o = 0;

        for (size_t i = 0; i < 16; i++) {
                if (i == 4 || i == 6 || i == 8 || i == 10)
                        ret[o++] = '-';
                ret[o++] = hex[b[i] >> 4];
                ret[o++] = hex[b[i] & 15];
        }
        ret[o] = 0;
}

/* heraldd makes two ids per HTTP request, and one getrandom() call for each was a tenth
 * of its time per request: the bytes come from a pool that one getrandom() refills
 * every 32 ids. The pool sits in a page the kernel wipes in a forked child
 * (MADV_WIPEONFORK), so a child finds it empty and never hands out its parent's bytes.
 * Used bytes are wiped at once. herald's programs are single-threaded. */
typedef struct RandomPool {
        size_t left;
        uint8_t bytes[512];
} RandomPool;

static RandomPool *random_pool(void) {
        static RandomPool *pool;
        size_t size = (size_t) sysconf(_SC_PAGESIZE);
        void *p;

        if (pool)
                return pool;
        if (size < sizeof(RandomPool))
                return NULL;
        p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
                return NULL;
        if (madvise(p, size, MADV_WIPEONFORK) < 0) {
                (void) munmap(p, size);
                return NULL;
        }
        return (pool = p);
}

static int fill_random(uint8_t *p, size_t n) {
        while (n > 0) {
                ssize_t k = getrandom(p, n, 0);

                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                p += k;
                n -= (size_t) k;
        }
        return 0;
}

static int random_bytes(uint8_t *p, size_t n) {
        RandomPool *pool = random_pool();
        int r;

        /* Without the pool (no WIPEONFORK), every call asks the kernel: slower, still right. */
        if (!pool || n > sizeof pool->bytes)
                return fill_random(p, n);
        if (pool->left < n) {
                r = fill_random(pool->bytes, sizeof pool->bytes);
                if (r < 0)
                        return r;
                pool->left = sizeof pool->bytes;
        }
        uint8_t *from = pool->bytes + sizeof pool->bytes - pool->left;
        memcpy(p, from, n);
        explicit_bzero(from, n);
        pool->left -= n;
        return 0;
}

/**
 * herald_id_new: a fresh random id (a version 4 UUID, upper case).
 * @ret: the id, NUL-terminated
 *
 * Return: 0, or the negative errno of getrandom().
 */
int herald_id_new(char ret[HERALD_ID_LEN + 1]) {
        uint8_t b[16];
        int r;

        r = random_bytes(b, sizeof b);
        if (r < 0)
                return r;
        b[6] = (b[6] & 0x0f) | 0x40;           /* version 4 */
        b[8] = (b[8] & 0x3f) | 0x80;           /* RFC 4122 variant */
        format_uuid(b, ret);
        return 0;
}

/**
 * herald_id_derive: the id of a chain step, the same every time it is asked for.
 * @parent_job_id: the finished job's id
 * @router: the exe_done router that fires the step
 * @task: the task of that router
 * @ret: the id, NUL-terminated
 *
 * SHA-256 over the three strings, each followed by a NUL (so "ab","c" and "a","bc"
 * differ), cut to 16 bytes and marked as a version 5 (name-based), RFC 4122 UUID.
 *
 * Return: 0; -EINVAL when a string is NULL; -ENOMEM when OpenSSL fails.
 */
int herald_id_derive(const char *parent_job_id, const char *router, const char *task, char ret[HERALD_ID_LEN + 1]) {
        unsigned char md[32];
        int r;

        if (!parent_job_id || !router || !task)
                return -EINVAL;

        r = sha256_pieces((const Sha256Piece[]) {
                                  { parent_job_id, strlen(parent_job_id) + 1 },
                                  { router, strlen(router) + 1 },
                                  { task, strlen(task) + 1 },
                          }, 3, md);
        if (r < 0)
                return r;

        md[6] = (md[6] & 0x0f) | 0x50;         /* version 5 */
        md[8] = (md[8] & 0x3f) | 0x80;         /* RFC 4122 variant */
        format_uuid(md, ret);
        return 0;
}

/**
 * herald_id_valid: whether a string has the shape of an id.
 * @s: the string (may be NULL)
 *
 * 36 characters, 8-4-4-4-12 hex digits (either case: Herald clients may send lower
 * case) separated by '-'. Such a string is safe in a file name and a unit name.
 *
 * Return: true for that shape.
 */
bool herald_id_valid(const char *s) {
        if (!s)
                return false;
        for (size_t i = 0; i < HERALD_ID_LEN; i++) {
                char c = s[i];

                if (i == 8 || i == 13 || i == 18 || i == 23) {
                        if (c != '-')
                                return false;
                } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
                        return false;   /* also the NUL of a short string */
        }
        return s[HERALD_ID_LEN] == 0;
}
