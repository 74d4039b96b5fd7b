/* SPDX-License-Identifier: MIT */
/* yaml-tree.h: a YAML document as a tree of nodes that remember their position */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum YamlKind {
        YAML_NODE_SCALAR,
        YAML_NODE_MAP,
        YAML_NODE_SEQ,
        _YAML_NODE_MAX,
} YamlKind;

/* What a scalar means under YAML 1.1 resolution, as Go's yaml.v2 (Herald) reads it. */
typedef enum YamlScalarType {
        YAML_SCALAR_NULL,
        YAML_SCALAR_BOOL,
        YAML_SCALAR_INT,
        YAML_SCALAR_FLOAT,
        YAML_SCALAR_STRING,
        _YAML_SCALAR_MAX,
} YamlScalarType;

typedef struct YamlNode YamlNode;
typedef struct YamlPair {
        YamlNode *key;
        YamlNode *value;
} YamlPair;

struct YamlNode {
        YamlKind kind;
        unsigned line, column;          /* 1-based, of the node's first character */

        /* scalars */
        char *value;
        size_t length;
        bool quoted;                    /* single/double quoted or block scalar: always a string */
        char *tag;                      /* explicit tag (!!str, !!int, ...), or NULL */

        /* maps (pairs in document order; a duplicate key keeps only the last pair) and sequences */
        YamlPair *pairs;
        size_t n_pairs;
        YamlNode **items;
        size_t n_items;
};

typedef struct YamlLimits {
        size_t max_bytes;               /* the whole document */
        unsigned max_depth;             /* nesting of maps and sequences */
        size_t max_nodes;               /* after alias expansion */
} YamlLimits;

#define YAML_LIMITS_DEFAULT ((YamlLimits) { .max_bytes = 4u << 20, .max_depth = 64, .max_nodes = 1000000 })

/* Called for each duplicate key, so the loader can warn (Herald keeps the last silently). */
typedef void (*YamlDuplicateKeyFn)(const YamlNode *first, const YamlNode *dup, void *userdata);

typedef struct YamlError {
        unsigned line, column;
        char message[256];
} YamlError;

/**
 * yaml_parse: parse one YAML document from memory.
 * Return: 0 and a tree in *ret (NULL for an empty document), -EBADMSG with *error
 * filled for a syntax error, -E2BIG when a limit is exceeded (also described in *error),
 * -ENOMEM.
 */
int yaml_parse(const char *data, size_t size, const YamlLimits *limits,
               YamlDuplicateKeyFn on_duplicate, void *userdata,
               YamlNode **ret, YamlError *error);

YamlNode *yaml_node_free(YamlNode *n);
static inline void yaml_node_freep(YamlNode **n) {
        if (*n)
                yaml_node_free(*n);
}

const YamlNode *yaml_map_get(const YamlNode *map, const char *key);
const YamlPair *yaml_map_get_pair(const YamlNode *map, const char *key);

/* Resolve a scalar. For INT fills *ret_int, for FLOAT *ret_float, for BOOL *ret_bool
 * (each may be NULL). Integers that do not fit in int64 resolve to FLOAT. */
YamlScalarType yaml_scalar_resolve(const YamlNode *n, bool *ret_bool, int64_t *ret_int, double *ret_float);

const char *yaml_kind_to_string(YamlKind k);
const char *yaml_scalar_type_to_string(YamlScalarType t);

/* A short description of what a node is, for "found ..." in error messages:
 * 'a map', 'a list', 'the boolean true', 'the integer 30', 'the string "30"', 'null'. */
char *yaml_node_describe(const YamlNode *n);

static inline bool is_scalar_string(const YamlNode *n) {
        return n && n->kind == YAML_NODE_SCALAR && yaml_scalar_resolve(n, NULL, NULL, NULL) == YAML_SCALAR_STRING;
}
