/* SPDX-License-Identifier: MIT */
/* yaml-tree.c: build a positioned node tree from libyaml's event stream
 *
 * libyaml gives us events with marks (line, column); we turn them into a small
 * tree so the loader can report every error with its position. Aliases are
 * expanded by copying, with every copied node counted against max_nodes, so a
 * "billion laughs" document fails with E2BIG instead of eating memory.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "macro.h"
#include "yaml-tree.h"

typedef struct Anchor {
        char *name;
        YamlNode *node;
} Anchor;

typedef struct Parser {
        yaml_parser_t parser;
        const YamlLimits *limits;
        YamlDuplicateKeyFn on_duplicate;
        void *userdata;
        size_t n_nodes;
        Anchor *anchors;
        size_t n_anchors;
        YamlNode **replaced;            /* pairs a duplicate key replaced (see map_add()) */
        size_t n_replaced;
        YamlError *error;
        const char *data;               /* the input, to point at what confused libyaml */
        size_t size;
} Parser;

static int set_error(Parser *p, unsigned line, unsigned column, int r, const char *fmt, ...) _printf_(5, 6);
static int set_error(Parser *p, unsigned line, unsigned column, int r, const char *fmt, ...) {
        va_list ap;

        if (p->error) {
                p->error->line = line;
                p->error->column = column;
                va_start(ap, fmt);
                vsnprintf(p->error->message, sizeof p->error->message, fmt, ap);
                va_end(ap);
        }
        return r;
}

YamlNode *yaml_node_free(YamlNode *n) {
        if (!n)
                return NULL;
        free(n->value);
        free(n->tag);
        for (size_t i = 0; i < n->n_pairs; i++) {
                yaml_node_free(n->pairs[i].key);
                yaml_node_free(n->pairs[i].value);
        }
        free(n->pairs);
        for (size_t i = 0; i < n->n_items; i++)
                yaml_node_free(n->items[i]);
        free(n->items);
        free(n);
        return NULL;
}

static int node_new(Parser *p, YamlKind kind, const yaml_mark_t *mark, YamlNode **ret) {
        YamlNode *n;

        if (++p->n_nodes > p->limits->max_nodes)
                return set_error(p, mark->line + 1, mark->column + 1, -E2BIG,
                                 "document has more than %zu nodes", p->limits->max_nodes);
        n = calloc(1, sizeof *n);
        if (!n)
                return -ENOMEM;
        n->kind = kind;
        n->line = mark->line + 1;
        n->column = mark->column + 1;
        *ret = n;
        return 0;
}

static int node_copy(Parser *p, const YamlNode *src, const yaml_mark_t *mark, YamlNode **ret) {
        _cleanup_(yaml_node_freep) YamlNode *n = NULL;
        int r;

        r = node_new(p, src->kind, mark, &n);
        if (r < 0)
                return r;
        /* Errors inside an alias point at the anchored original. */
        n->line = src->line;
        n->column = src->column;
        n->quoted = src->quoted;
        n->length = src->length;
        if (src->value && !(n->value = memdup_nul(src->value, src->length)))
                return -ENOMEM;
        if (src->tag && !(n->tag = strdup(src->tag)))
                return -ENOMEM;
        if (src->n_pairs) {
                n->pairs = calloc(src->n_pairs, sizeof *n->pairs);
                if (!n->pairs)
                        return -ENOMEM;
                for (size_t i = 0; i < src->n_pairs; i++) {
                        r = node_copy(p, src->pairs[i].key, mark, &n->pairs[i].key);
                        if (r >= 0)
                                r = node_copy(p, src->pairs[i].value, mark, &n->pairs[i].value);
                        n->n_pairs = i + 1;
                        if (r < 0)
                                return r;
                }
        }
        if (src->n_items) {
                n->items = calloc(src->n_items, sizeof *n->items);
                if (!n->items)
                        return -ENOMEM;
                for (size_t i = 0; i < src->n_items; i++) {
                        r = node_copy(p, src->items[i], mark, &n->items[i]);
                        n->n_items = i + 1;
                        if (r < 0)
                                return r;
                }
        }
        *ret = TAKE_PTR(n);
        return 0;
}

/* Does line @line (0-based) of the input start its indentation with a tab? libyaml's
 * own words for one ("found character that cannot start any token") do not say so. */
static bool line_indented_with_tab(const Parser *p, size_t line) {
        size_t at = 0;

        for (size_t l = 0; l < line && at < p->size; at++)
                if (p->data[at] == '\n')
                        l++;
        while (at < p->size && p->data[at] == ' ')
                at++;
        return at < p->size && p->data[at] == '\t';
}

static int next_event(Parser *p, yaml_event_t *ev) {
        if (!yaml_parser_parse(&p->parser, ev)) {
                size_t line = p->parser.problem_mark.line;
                bool tab = line_indented_with_tab(p, line) ||
                           (line > 0 && p->parser.problem_mark.column == 0 && line_indented_with_tab(p, line - 1));

                return set_error(p, p->parser.problem_mark.line + 1, p->parser.problem_mark.column + 1, -EBADMSG,
                                 "%s%s%s%s", strempty(p->parser.problem),
                                 p->parser.context ? " " : "", strempty(p->parser.context),
                                 tab ? " (this line is indented with a tab: YAML indents with spaces only)" : "");
        }
        return 0;
}

static int remember_anchor(Parser *p, const unsigned char *anchor, YamlNode *node) {
        Anchor *a;

        if (!anchor)
                return 0;
        a = reallocarray(p->anchors, p->n_anchors + 1, sizeof *a);
        if (!a)
                return -ENOMEM;
        p->anchors = a;
        a[p->n_anchors].name = strdup((const char *) anchor);
        if (!a[p->n_anchors].name)
                return -ENOMEM;
        a[p->n_anchors++].node = node;
        return 0;
}

static int parse_node(Parser *p, yaml_event_t *ev, unsigned depth, YamlNode **ret);

static int map_add(Parser *p, YamlNode *map, YamlNode *key, YamlNode *value) {
        /* Herald (Go yaml) keeps the last of duplicate keys. */
        if (key->kind == YAML_NODE_SCALAR)
                for (size_t i = 0; i < map->n_pairs; i++) {
                        YamlNode *k = map->pairs[i].key;
                        if (k->kind == YAML_NODE_SCALAR && k->length == key->length &&
                            memcmp(k->value, key->value, key->length) == 0) {
                                /* An anchor may be inside the replaced pair, and an
                                 * alias further on still copies it (as in Go): it is
                                 * freed with the parser, not now. */
                                YamlNode **l = reallocarray(p->replaced, p->n_replaced + 2, sizeof *l);
                                if (!l)
                                        return -ENOMEM;
                                p->replaced = l;
                                if (p->on_duplicate)
                                        p->on_duplicate(k, key, p->userdata);
                                l[p->n_replaced++] = map->pairs[i].key;
                                l[p->n_replaced++] = map->pairs[i].value;
                                map->pairs[i].key = key;
                                map->pairs[i].value = value;
                                return 0;
                        }
                }

        YamlPair *pairs = reallocarray(map->pairs, map->n_pairs + 1, sizeof *pairs);
        if (!pairs)
                return -ENOMEM;
        map->pairs = pairs;
        pairs[map->n_pairs++] = (YamlPair) { key, value };
        return 0;
}

static int parse_collection(Parser *p, yaml_event_t *start, unsigned depth, YamlNode **ret) {
        _cleanup_(yaml_node_freep) YamlNode *n = NULL;
        bool is_map = start->type == YAML_MAPPING_START_EVENT;
        yaml_event_type_t end = is_map ? YAML_MAPPING_END_EVENT : YAML_SEQUENCE_END_EVENT;
        int r;

        if (depth >= p->limits->max_depth)
                return set_error(p, start->start_mark.line + 1, start->start_mark.column + 1, -E2BIG,
                                 "nesting deeper than %u levels", p->limits->max_depth);

        r = node_new(p, is_map ? YAML_NODE_MAP : YAML_NODE_SEQ, &start->start_mark, &n);
        if (r < 0)
                return r;
        const unsigned char *tag = is_map ? start->data.mapping_start.tag : start->data.sequence_start.tag;
        if (tag && !(n->tag = strdup((const char *) tag)))
                return -ENOMEM;

        for (;;) {
                yaml_event_t ev;
                YamlNode *key = NULL, *value = NULL;

                r = next_event(p, &ev);
                if (r < 0)
                        return r;
                if (ev.type == end) {
                        yaml_event_delete(&ev);
                        break;
                }
                r = parse_node(p, &ev, depth + 1, &key);
                yaml_event_delete(&ev);
                if (r < 0)
                        return r;

                if (!is_map) {
                        YamlNode **items = reallocarray(n->items, n->n_items + 1, sizeof *items);
                        if (!items) {
                                yaml_node_free(key);
                                return -ENOMEM;
                        }
                        n->items = items;
                        items[n->n_items++] = key;
                        continue;
                }

                r = next_event(p, &ev);
                if (r >= 0) {
                        r = parse_node(p, &ev, depth + 1, &value);
                        yaml_event_delete(&ev);
                }
                if (r >= 0)
                        r = map_add(p, n, key, value);
                if (r < 0) {
                        yaml_node_free(key);
                        yaml_node_free(value);
                        return r;
                }
        }

        *ret = TAKE_PTR(n);
        return 0;
}

static int parse_node(Parser *p, yaml_event_t *ev, unsigned depth, YamlNode **ret) {
        YamlNode *n = NULL;
        int r;

        switch (ev->type) {
        case YAML_SCALAR_EVENT:
                r = node_new(p, YAML_NODE_SCALAR, &ev->start_mark, &n);
                if (r < 0)
                        return r;
                n->length = ev->data.scalar.length;
                n->value = memdup_nul((const char *) ev->data.scalar.value, n->length);
                n->quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
                if (!n->value || (ev->data.scalar.tag && !(n->tag = strdup((const char *) ev->data.scalar.tag)))) {
                        yaml_node_free(n);
                        return -ENOMEM;
                }
                r = remember_anchor(p, ev->data.scalar.anchor, n);
                break;

        case YAML_MAPPING_START_EVENT:
        case YAML_SEQUENCE_START_EVENT:
                r = parse_collection(p, ev, depth, &n);
                if (r < 0)
                        return r;
                r = remember_anchor(p, ev->type == YAML_MAPPING_START_EVENT ? ev->data.mapping_start.anchor
                                                                            : ev->data.sequence_start.anchor, n);
                break;

        case YAML_ALIAS_EVENT:
                for (size_t i = p->n_anchors; i > 0; i--)
                        if (streq(p->anchors[i - 1].name, (const char *) ev->data.alias.anchor))
                                return node_copy(p, p->anchors[i - 1].node, &ev->start_mark, ret);
                return set_error(p, ev->start_mark.line + 1, ev->start_mark.column + 1, -EBADMSG,
                                 "unknown alias '%s'", (const char *) ev->data.alias.anchor);

        default:
                return set_error(p, ev->start_mark.line + 1, ev->start_mark.column + 1, -EBADMSG,
                                 "unexpected YAML event");
        }

        if (r < 0) {
                yaml_node_free(n);
                return r;
        }
        *ret = n;
        return 0;
}

int yaml_parse(const char *data, size_t size, const YamlLimits *limits,
               YamlDuplicateKeyFn on_duplicate, void *userdata,
               YamlNode **ret, YamlError *error) {
        YamlLimits defaults = YAML_LIMITS_DEFAULT;
        Parser p = { .limits = limits ?: &defaults, .on_duplicate = on_duplicate, .userdata = userdata, .error = error,
                     .data = data, .size = size };
        YamlNode *root = NULL;
        yaml_event_t ev;
        int r;

        if (size > p.limits->max_bytes)
                return set_error(&p, 1, 1, -E2BIG, "file is %zu bytes, more than the limit of %zu", size, p.limits->max_bytes);

        if (!yaml_parser_initialize(&p.parser))
                return -ENOMEM;
        yaml_parser_set_input_string(&p.parser, (const unsigned char *) data, size);

        /* STREAM-START, then DOCUMENT-START or STREAM-END. */
        r = next_event(&p, &ev);
        if (r < 0)
                goto finish;
        yaml_event_delete(&ev);
        r = next_event(&p, &ev);
        if (r < 0)
                goto finish;
        if (ev.type == YAML_STREAM_END_EVENT) {
                yaml_event_delete(&ev);
                goto finish;
        }
        yaml_event_delete(&ev);

        r = next_event(&p, &ev);
        if (r < 0)
                goto finish;
        r = parse_node(&p, &ev, 0, &root);
        yaml_event_delete(&ev);
        if (r < 0)
                goto finish;

        /* DOCUMENT-END, then STREAM-END: a second document is an error, not silently dropped. */
        r = next_event(&p, &ev);
        if (r < 0)
                goto finish;
        yaml_event_delete(&ev);
        r = next_event(&p, &ev);
        if (r < 0)
                goto finish;
        if (ev.type != YAML_STREAM_END_EVENT)
                r = set_error(&p, ev.start_mark.line + 1, ev.start_mark.column + 1, -EBADMSG,
                              "more than one YAML document in the file");
        yaml_event_delete(&ev);

finish:
        yaml_parser_delete(&p.parser);
        for (size_t i = 0; i < p.n_anchors; i++)
                free(p.anchors[i].name);
        free(p.anchors);
        for (size_t i = 0; i < p.n_replaced; i++)
                yaml_node_free(p.replaced[i]);
        free(p.replaced);
        if (r < 0) {
                yaml_node_free(root);
                return r;
        }
        *ret = root;
        return 0;
}

const YamlPair *yaml_map_get_pair(const YamlNode *map, const char *key) {
        if (!map || map->kind != YAML_NODE_MAP)
                return NULL;
        for (size_t i = 0; i < map->n_pairs; i++) {
                const YamlNode *k = map->pairs[i].key;
                if (k->kind == YAML_NODE_SCALAR && streq(k->value, key))
                        return &map->pairs[i];
        }
        return NULL;
}

const YamlNode *yaml_map_get(const YamlNode *map, const char *key) {
        const YamlPair *p = yaml_map_get_pair(map, key);
        return p ? p->value : NULL;
}

static bool match_any(const char *s, const char *const *list) {
        for (; *list; list++)
                if (streq(s, *list))
                        return true;
        return false;
}

static bool parse_int(const char *s, int64_t *ret) {
        const char *digits = s;
        bool neg = false;
        int base = 10;
        uint64_t v = 0;

        if (*digits == '+' || *digits == '-')
                neg = *digits++ == '-';
        if (digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X'))
                base = 16, digits += 2;
        else if (digits[0] == '0' && (digits[1] == 'o' || digits[1] == 'O'))
                base = 8, digits += 2;
        else if (digits[0] == '0' && (digits[1] == 'b' || digits[1] == 'B'))
                base = 2, digits += 2;
        else if (digits[0] == '0' && digits[1])
                base = 8, digits += 1;          /* YAML 1.1: leading zero is octal */
        if (!*digits)
                return false;
        for (const char *c = digits; *c; c++) {
                int d;
                if (*c == '_')
                        continue;
                if (isdigit((unsigned char) *c))
                        d = *c - '0';
                else if (isxdigit((unsigned char) *c))
                        d = tolower((unsigned char) *c) - 'a' + 10;
                else
                        return false;
                if (d >= base)
                        return false;
                if (v > (UINT64_MAX - (uint64_t) d) / (uint64_t) base)
                        return false;
                v = v * (uint64_t) base + (uint64_t) d;
        }
        if (neg ? v > (uint64_t) INT64_MAX + 1 : v > (uint64_t) INT64_MAX)
                return false;
        if (ret)
                *ret = neg ? (int64_t) (0 - v) : (int64_t) v;
        return true;
}

static bool parse_float(const char *s, double *ret) {
        static const char *const inf[] = { ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", NULL };
        static const char *const ninf[] = { "-.inf", "-.Inf", "-.INF", NULL };
        static const char *const nan_[] = { ".nan", ".NaN", ".NAN", NULL };
        bool digit = false;
        char *end;

        if (match_any(s, inf)) {
                if (ret)
                        *ret = INFINITY;
                return true;
        }
        if (match_any(s, ninf)) {
                if (ret)
                        *ret = -INFINITY;
                return true;
        }
        if (match_any(s, nan_)) {
                if (ret)
                        *ret = NAN;
                return true;
        }
        for (const char *c = s; *c; c++) {
                if (isdigit((unsigned char) *c))
                        digit = true;
                else if (!strchr(".eE+-", *c))
                        return false;
        }
        if (!digit)
                return false;
        errno = 0;
        double d = strtod(s, &end);
        if (*end || errno == ERANGE)
                return false;
        if (ret)
                *ret = d;
        return true;
}

YamlScalarType yaml_scalar_resolve(const YamlNode *n, bool *ret_bool, int64_t *ret_int, double *ret_float) {
        static const char *const nulls[] = { "", "~", "null", "Null", "NULL", NULL };
        static const char *const trues[] = { "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON",
                                             "y", "Y", NULL };
        static const char *const falses[] = { "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF",
                                              "n", "N", NULL };

        if (!n || n->kind != YAML_NODE_SCALAR)
                return _YAML_SCALAR_MAX;
        if (n->tag) {
                if (streq(n->tag, "tag:yaml.org,2002:str"))
                        return YAML_SCALAR_STRING;
        }
        if (n->quoted)
                return YAML_SCALAR_STRING;
        if (match_any(n->value, nulls))
                return YAML_SCALAR_NULL;
        if (match_any(n->value, trues)) {
                if (ret_bool)
                        *ret_bool = true;
                return YAML_SCALAR_BOOL;
        }
        if (match_any(n->value, falses)) {
                if (ret_bool)
                        *ret_bool = false;
                return YAML_SCALAR_BOOL;
        }
        if (parse_int(n->value, ret_int))
                return YAML_SCALAR_INT;
        if (parse_float(n->value, ret_float))
                return YAML_SCALAR_FLOAT;
        return YAML_SCALAR_STRING;
}

const char *yaml_kind_to_string(YamlKind k) {
        static const char *const t[_YAML_NODE_MAX] = { "scalar", "map", "list" };
        return k < _YAML_NODE_MAX ? t[k] : NULL;
}

const char *yaml_scalar_type_to_string(YamlScalarType t) {
        static const char *const s[_YAML_SCALAR_MAX] = { "null", "boolean", "integer", "number", "string" };
        return t < _YAML_SCALAR_MAX ? s[t] : NULL;
}

char *yaml_node_describe(const YamlNode *n) {
        char *s = NULL;
        bool b;
        int r;

        if (!n)
                return strdup("nothing");
        if (n->kind == YAML_NODE_MAP)
                return strdup("a map");
        if (n->kind == YAML_NODE_SEQ)
                return strdup("a list");

        switch (yaml_scalar_resolve(n, &b, NULL, NULL)) {
        case YAML_SCALAR_NULL:
                return strdup("null (an empty value)");
        case YAML_SCALAR_BOOL:
                r = asprintf(&s, "the boolean %s (unquoted '%s')", b ? "true" : "false", n->value);
                break;
        case YAML_SCALAR_INT:
                r = asprintf(&s, "the integer %s", n->value);
                break;
        case YAML_SCALAR_FLOAT:
                r = asprintf(&s, "the number %s", n->value);
                break;
        default:
                r = asprintf(&s, "the string \"%.60s%s\"", n->value, n->length > 60 ? "..." : "");
        }
        return r < 0 ? NULL : s;
}
