/* SPDX-License-Identifier: MIT */
/* strmap.h: a small hash map from strings to pointers (open addressing, tombstones) */
#pragma once

#include <stdbool.h>
#include <stddef.h>

typedef struct StrMapEntry {
        char *key;                      /* owned; NULL: empty; STRMAP_DELETED: tombstone */
        void *value;
} StrMapEntry;

typedef struct StrMap {
        StrMapEntry *entries;
        size_t n_buckets;               /* a power of two, or 0 */
        size_t n_entries;
        size_t n_used;                  /* entries + tombstones */
} StrMap;

int strmap_put(StrMap *m, const char *key, void *value);        /* 1 added, 0 replaced, -ENOMEM */
void *strmap_get(const StrMap *m, const char *key);
bool strmap_contains(const StrMap *m, const char *key);
void *strmap_remove(StrMap *m, const char *key);                 /* the value, or NULL */
size_t strmap_size(const StrMap *m);
/* Frees the keys; values belong to the caller (free_value, when given, is called on each). */
void strmap_done(StrMap *m, void (*free_value)(void *));

/* Iteration: for (size_t i = 0; strmap_next(m, &i, &key, &value); ) — no changes meanwhile. */
bool strmap_next(const StrMap *m, size_t *i, const char **ret_key, void **ret_value);
