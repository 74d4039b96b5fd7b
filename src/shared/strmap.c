/* SPDX-License-Identifier: MIT */
/* strmap.c: a small hash map from strings to pointers
 *
 * heraldd keeps its jobs and the ids it has chained in maps of a few thousand entries;
 * FNV-1a and linear probing are plenty, and removal leaves a tombstone that the next
 * resize drops.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strmap.h"

static char strmap_deleted_marker;
#define STRMAP_DELETED (&strmap_deleted_marker)

static uint64_t hash(const char *s) {
        uint64_t h = 0xcbf29ce484222325ULL;

        for (; *s; s++) {
                h ^= (unsigned char) *s;
                h *= 0x100000001b3ULL;
        }
        return h;
}

static StrMapEntry *find(const StrMap *m, const char *key) {
        if (m->n_buckets == 0)
                return NULL;
        for (size_t i = hash(key) & (m->n_buckets - 1), n = 0; n < m->n_buckets; i = (i + 1) & (m->n_buckets - 1), n++) {
                StrMapEntry *e = &m->entries[i];
                if (!e->key)
                        return NULL;
                if (e->key != STRMAP_DELETED && strcmp(e->key, key) == 0)
                        return e;
        }
        return NULL;
}

static int resize(StrMap *m, size_t n_buckets) {
        StrMapEntry *entries = calloc(n_buckets, sizeof *entries);

        if (!entries)
                return -ENOMEM;
        for (size_t i = 0; i < m->n_buckets; i++) {
                StrMapEntry *e = &m->entries[i];
                if (!e->key || e->key == STRMAP_DELETED)
                        continue;
                size_t k = hash(e->key) & (n_buckets - 1);
                while (entries[k].key)
                        k = (k + 1) & (n_buckets - 1);
                entries[k] = *e;
        }
        free(m->entries);
        m->entries = entries;
        m->n_buckets = n_buckets;
        m->n_used = m->n_entries;
        return 0;
}

int strmap_put(StrMap *m, const char *key, void *value) {
        StrMapEntry *e = find(m, key);
        char *k;
        int r;

        if (e) {
                e->value = value;
                return 0;
        }
        /* Keep the table at most half used (tombstones count), so probes stay short. */
        if ((m->n_used + 1) * 2 > m->n_buckets) {
                size_t n = m->n_buckets ? m->n_buckets : 16;
                while ((m->n_entries + 1) * 2 > n)
                        n *= 2;
                /* Mostly tombstones: rehash at the same size; else grow. Either way the
                 * table stays bounded by the live entries, however much they churn. */
                if (n == m->n_buckets && (m->n_entries + 1) * 4 > n)
                        n *= 2;
                r = resize(m, n);
                if (r < 0)
                        return r;
        }
        k = strdup(key);
        if (!k)
                return -ENOMEM;
        for (size_t i = hash(key) & (m->n_buckets - 1);; i = (i + 1) & (m->n_buckets - 1)) {
                e = &m->entries[i];
                if (!e->key || e->key == STRMAP_DELETED) {
                        if (!e->key)
                                m->n_used++;
                        *e = (StrMapEntry) { .key = k, .value = value };
                        m->n_entries++;
                        return 1;
                }
        }
}

void *strmap_get(const StrMap *m, const char *key) {
        StrMapEntry *e = find(m, key);
        return e ? e->value : NULL;
}

bool strmap_contains(const StrMap *m, const char *key) {
        return find(m, key) != NULL;
}

void *strmap_remove(StrMap *m, const char *key) {
        StrMapEntry *e = find(m, key);
        void *v;

        if (!e)
                return NULL;
        v = e->value;
        free(e->key);
        *e = (StrMapEntry) { .key = STRMAP_DELETED };
        m->n_entries--;
        return v;
}

size_t strmap_size(const StrMap *m) {
        return m->n_entries;
}

bool strmap_next(const StrMap *m, size_t *i, const char **ret_key, void **ret_value) {
        for (; *i < m->n_buckets; (*i)++) {
                StrMapEntry *e = &m->entries[*i];
                if (e->key && e->key != STRMAP_DELETED) {
                        if (ret_key)
                                *ret_key = e->key;
                        if (ret_value)
                                *ret_value = e->value;
                        (*i)++;
                        return true;
                }
        }
        return false;
}

void strmap_done(StrMap *m, void (*free_value)(void *)) {
        for (size_t i = 0; i < m->n_buckets; i++) {
                StrMapEntry *e = &m->entries[i];
                if (!e->key || e->key == STRMAP_DELETED)
                        continue;
                if (free_value)
                        free_value(e->value);
                free(e->key);
        }
        free(m->entries);
        *m = (StrMap) {};
}
