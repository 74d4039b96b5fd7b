/* SPDX-License-Identifier: MIT */
/* json-util.c: small cJSON helpers shared by the programs (lookups, escaping, capped printing) */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json-util.h"
#include "utf8.h"

/**
 * json_escape_string: a JSON string literal (with its quotes) for some bytes.
 * @s: valid UTF-8, may contain NUL
 * @n: its length
 *
 * Escapes what cJSON's printer escapes, the same way, and NUL as \u0000.
 *
 * Return: the literal, NUL-terminated, or NULL on OOM.
 */
char *json_escape_string(const char *s, size_t n) {
        char *t, *q;

        if (n > (SIZE_MAX - 3) / 6)
                return NULL;
        t = malloc(n * 6 + 3);
        if (!t)
                return NULL;

        q = t;
        *q++ = '"';
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char) s[i];

                switch (c) {
                case '"':
                case '\\':
                        *q++ = '\\';
                        *q++ = (char) c;
                        break;
                case '\b':
                        *q++ = '\\';
                        *q++ = 'b';
                        break;
                case '\f':
                        *q++ = '\\';
                        *q++ = 'f';
                        break;
                case '\n':
                        *q++ = '\\';
                        *q++ = 'n';
                        break;
                case '\r':
                        *q++ = '\\';
                        *q++ = 'r';
                        break;
                case '\t':
                        *q++ = '\\';
                        *q++ = 't';
                        break;
                default:
                        if (c < 0x20) {
                                static const char hex[] = "0123456789abcdef";
                                memcpy(q, "\\u00", 4);
                                q[4] = hex[c >> 4];
                                q[5] = hex[c & 0xf];
                                q += 6;
                        } else
                                *q++ = (char) c;
                }
        }
        *q++ = '"';
        *q = 0;
        return t;
}

/**
 * json_string_from_bytes: a JSON string value holding arbitrary bytes (a command's
 * output, say).
 * @s: the bytes
 * @n: their number
 *
 * Invalid UTF-8 becomes U+FFFD, as when Go encodes the string. Output containing NUL
 * cannot be a cJSON string (a C string), so it becomes a raw item holding the escaped
 * literal; it prints the same.
 *
 * Return: a new item, or NULL on OOM.
 */
cJSON *json_string_from_bytes(const char *s, size_t n) {
        _cleanup_free_ char *valid = NULL, *lit = NULL;
        size_t len;

        if (utf8_make_valid(s, n, &valid, &len) < 0)
                return NULL;
        if (!memchr(valid, 0, len))
                return cJSON_CreateString(valid);

        lit = json_escape_string(valid, len);
        if (!lit)
                return NULL;
        return cJSON_CreateRaw(lit);
}

/**
 * json_object_get_string: a string member of an object.
 * @obj: an object, or anything else (then there is no member)
 * @key: the member's name (case-sensitive)
 *
 * Return: the string, or NULL when there is no such member or it is not a string.
 */
const char *json_object_get_string(const cJSON *obj, const char *key) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

        return cJSON_IsString(v) ? v->valuestring : NULL;
}

/**
 * json_is_integer_literal: whether a string is a JSON integer (-?(0|[1-9][0-9]*)).
 * @s: the string
 *
 * Return: true or false.
 */
bool json_is_integer_literal(const char *s) {
        if (*s == '-')
                s++;
        if (*s == '0')
                return s[1] == 0;
        if (*s < '1' || *s > '9')
                return false;
        for (; *s; s++)
                if (*s < '0' || *s > '9')
                        return false;
        return true;
}

/**
 * json_number_literal_exact: whether a number survives a trip through cJSON (a double
 * printed with 15 significant digits, or a neighbour within an ULP), i.e. whether the
 * literal has at most 15 significant digits.
 * @lit: a JSON number literal
 *
 * Return: true or false.
 */
bool json_number_literal_exact(const char *lit) {
        unsigned digits = 0;
        bool leading = true;

        for (const char *p = lit; *p && *p != 'e' && *p != 'E'; p++) {
                if (*p < '0' || *p > '9')
                        continue;
                if (leading && *p == '0')
                        continue;
                leading = false;
                digits++;
        }
        return digits <= 15;
}

cJSON *json_create_int64(int64_t v) {
        char buf[32];

        /* cJSON keeps numbers as doubles, and prints them with 15 significant digits
         * when that reads back within an ULP: 9007199254740991 (below 2^53) comes out
         * as 9007199254740990. Up to 15 digits, a number is exact (as in json-parse.c). */
        if (v > -INT64_C(1000000000000000) && v < INT64_C(1000000000000000))
                return cJSON_CreateNumber((double) v);
        snprintf(buf, sizeof buf, "%" PRIi64, v);
        return cJSON_CreateRaw(buf);
}

/**
 * json_create_uint64: a JSON number that keeps every digit of an unsigned 64-bit integer.
 * @v: the value
 *
 * The same as json_create_int64() up to INT64_MAX, a raw item of the digits above.
 *
 * Return: a new item, or NULL on OOM.
 */
cJSON *json_create_uint64(uint64_t v) {
        char buf[32];

        if (v <= INT64_MAX)
                return json_create_int64((int64_t) v);
        snprintf(buf, sizeof buf, "%" PRIu64, v);
        return cJSON_CreateRaw(buf);
}

/**
 * json_object_add: add a member to an object, taking the value over.
 * @o: the object
 * @key: the member's name
 * @v: the value, or NULL (what a cJSON_Create*() call returns on OOM)
 *
 * Lets a caller chain "r = json_object_add(o, k, cJSON_Create...(...))" without checking
 * each value: a NULL value is the OOM it stands for, and @v is freed when it cannot be
 * added.
 *
 * Return: 0, or -ENOMEM.
 */
int json_object_add(cJSON *o, const char *key, cJSON *v) {
        if (!v)
                return -ENOMEM;
        if (!cJSON_AddItemToObject(o, key, v)) {
                cJSON_Delete(v);
                return -ENOMEM;
        }
        return 0;
}

/**
 * json_string_or_null: a C string as JSON.
 * @s: the string, or NULL
 *
 * Invalid UTF-8 becomes U+FFFD (json_string_from_bytes()).
 *
 * Return: a new string item, a null item for NULL, or NULL on OOM.
 */
cJSON *json_string_or_null(const char *s) {
        return s ? json_string_from_bytes(s, strlen(s)) : cJSON_CreateNull();
}

/**
 * json_from_text: a text that holds JSON (a journal field, say), as JSON.
 * @text: the text
 *
 * cJSON keeps numbers as doubles, so re-printing what it parsed can change a large
 * integer. When the compact re-print differs from the text, the text itself goes out
 * as a raw value (it parsed, so it is JSON); an indented print then leaves that one
 * value compact, which beats a wrong digit. Text that is not JSON, or not UTF-8, comes
 * back as a string (invalid bytes as U+FFFD), so nothing is lost.
 *
 * Return: a new item, or NULL on OOM.
 */
cJSON *json_from_text(const char *text) {
        _cleanup_free_ char *again = NULL;
        const char *end = NULL;
        cJSON *parsed;

        parsed = cJSON_ParseWithOpts(text, &end, true);
        if (!parsed || !utf8_is_valid(text, strlen(text))) {
                cJSON_Delete(parsed);
                return json_string_from_bytes(text, strlen(text));
        }
        again = cJSON_PrintUnformatted(parsed);
        if (again && streq(again, text))
                return parsed;
        cJSON_Delete(parsed);
        return cJSON_CreateRaw(text);
}

/* How deep a value nests: 0 for a scalar, 1 for {} or [], one more per level. */
unsigned json_depth(const cJSON *v) {
        unsigned max = 0;

        if (!cJSON_IsObject(v) && !cJSON_IsArray(v))
                return 0;
        for (const cJSON *c = v->child; c; c = c->next) {
                unsigned d = json_depth(c);
                if (d > max)
                        max = d;
        }
        return max + 1;
}

/**
 * json_number_to_int64: the value of an integral JSON number.
 * @v: a number, or a raw item holding an integer literal (see json_parse())
 * @ret: the value
 *
 * Return: 0; -EINVAL when @v is not an integral number, -ERANGE when it does not fit.
 */
int json_number_to_int64(const cJSON *v, int64_t *ret) {
        if (cJSON_IsNumber(v)) {
                double d = v->valuedouble;

                if (!isfinite(d) || d != trunc(d))
                        return -EINVAL;
                if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0))
                        return -ERANGE;
                *ret = (int64_t) d;
                return 0;
        }

        if (cJSON_IsRaw(v) && v->valuestring && json_is_integer_literal(v->valuestring)) {
                long long l;

                errno = 0;
                l = strtoll(v->valuestring, NULL, 10);
                if (errno == ERANGE)
                        return -ERANGE;
                *ret = (int64_t) l;
                return 0;
        }

        return -EINVAL;
}

/**
 * json_path_lookup: walk maps along a '/'-separated path, as Herald's print_key and the
 * match_key/except_key of its map selectors do.
 * @root: where to start
 * @path: member names joined by '/' (each segment taken literally, empty ones too)
 *
 * Only objects are walked: a segment applied to an array or a scalar resolves nothing.
 *
 * Return: the value, or NULL when the path does not resolve.
 */
const cJSON *json_path_lookup(const cJSON *root, const char *path) {
        const cJSON *cur = root;
        const char *seg = path;

        for (;;) {
                const char *slash = strchr(seg, '/');
                size_t l = slash ? (size_t) (slash - seg) : strlen(seg);
                const cJSON *found = NULL;

                if (!cJSON_IsObject(cur))
                        return NULL;
                /* The last member of a name wins, as when Go decodes into a map (our
                 * parser already drops earlier duplicates; others may not). */
                for (const cJSON *c = cur->child; c; c = c->next)
                        if (c->string && strncmp(c->string, seg, l) == 0 && c->string[l] == 0)
                                found = c;
                if (!found)
                        return NULL;
                cur = found;

                if (!slash)
                        return cur;
                seg = slash + 1;
        }
}

/**
 * json_print_compact: print a value as compact JSON.
 * @v: the value
 * @ret: the text; free() it
 *
 * Return: 0, or -ENOMEM.
 */
int json_print_compact(const cJSON *v, char **ret) {
        char *s = cJSON_PrintUnformatted(v);

        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

typedef struct Member {
        cJSON *item;
        size_t size;            /* printed: "key":value, */
        size_t value_size;      /* printed: value */
} Member;

/* The longest head of s that prints (escaped as cJSON does) in at most budget bytes. */
static size_t escaped_prefix(const char *s, size_t budget) {
        size_t used = 0, i = 0;

        for (; s[i]; i++) {
                unsigned char c = (unsigned char) s[i];
                size_t w = 1;

                if (c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t')
                        w = 2;
                else if (c < 0x20)
                        w = 6;
                if (used + w > budget)
                        break;
                used += w;
        }
        return utf8_cut(s, i);
}

static int member_compare(const void *a, const void *b) {
        const Member *x = a, *y = b;

        /* largest first */
        return (x->size < y->size) - (x->size > y->size);
}

/* Is c a "<name>_truncated": true beside a string <name> (the flag an earlier round set
 * when it cut that string)? Dropping it would hide the cut, so it stays while the
 * string does; with a long name it can be larger than the string it flags. */
static bool is_cut_flag(const cJSON *obj, const cJSON *c) {
        static const char suffix[] = "_truncated";
        _cleanup_free_ char *base = NULL;
        size_t l;

        if (!cJSON_IsTrue(c) || !c->string)
                return false;
        l = strlen(c->string);
        if (l < strlen(suffix) || strcmp(c->string + l - strlen(suffix), suffix) != 0)
                return false;
        base = strndup(c->string, l - strlen(suffix));
        return base && cJSON_IsString(cJSON_GetObjectItemCaseSensitive(obj, base));
}

/* One round of shrinking: cut or drop the largest members until the estimate fits. */
static int shrink_round(cJSON *obj, size_t len, size_t max) {
        _cleanup_free_ Member *m = NULL;
        size_t n = 0, i = 0, excess = len - max;

        for (cJSON *c = obj->child; c; c = c->next)
                n++;
        if (n == 0)
                return -E2BIG;
        m = calloc(n, sizeof *m);
        if (!m)
                return -ENOMEM;

        for (cJSON *c = obj->child; c; c = c->next, i++) {
                _cleanup_free_ char *s = cJSON_PrintUnformatted(c);
                if (!s)
                        return -ENOMEM;
                /* value + quoted key + colon + comma; keys rarely need escaping */
                m[i] = (Member) {
                        .item = c,
                        .size = strlen(s) + strlen(c->string ?: "") + 4,
                        .value_size = strlen(s),
                };
        }
        qsort(m, n, sizeof *m, member_compare);

        for (i = 0; i < n && excess > 0; i++) {
                cJSON *c = m[i].item;
                size_t l = cJSON_IsString(c) ? strlen(c->valuestring) : 0;
                size_t flag = strlen(c->string ?: "") + sizeof("\"_truncated\":true,");

                if (is_cut_flag(obj, c))
                        continue;
                /* A long string keeps its head, as much of it as fits. */
                if (l > 0 && m[i].value_size > excess + flag + 66) {
                        _cleanup_free_ char *head = NULL, *flag_key = NULL;
                        size_t keep = escaped_prefix(c->valuestring, m[i].value_size - 2 - excess - flag - 64);

                        head = memdup_nul(c->valuestring, keep);
                        if (!head)
                                return -ENOMEM;
                        if (!cJSON_SetValuestring(c, head))
                                return -ENOMEM;
                        if (asprintf(&flag_key, "%s_truncated", c->string ?: "") < 0)
                                return -ENOMEM;
                        cJSON_DeleteItemFromObjectCaseSensitive(obj, flag_key);
                        if (!cJSON_AddTrueToObject(obj, flag_key))
                                return -ENOMEM;
                        excess = 0;
                } else {
                        cJSON_Delete(cJSON_DetachItemViaPointer(obj, c));
                        excess = excess > m[i].size ? excess - m[i].size : 0;
                }
        }
        return 0;
}

/**
 * json_print_capped: print an object as compact JSON of at most @max bytes, always
 * valid JSON.
 * @obj: the object
 * @max: the most bytes the text may have (without the NUL)
 * @ret: the text; free() it
 * @ret_cut: set to whether anything had to be cut (may be NULL)
 *
 * When the object is too large, its largest members give way first: a long string
 * keeps its beginning (cut on a character boundary) and gets a sibling
 * "<name>_truncated": true; any other large member is left out. If that does not
 * do, the result is "{}".
 *
 * Return: 0; -EINVAL when @obj is not an object, -ENOMEM.
 */
int json_print_capped(const cJSON *obj, size_t max, char **ret, bool *ret_cut) {
        _cleanup_json_ cJSON *copy = NULL;
        _cleanup_free_ char *s = NULL;
        int r;

        if (!cJSON_IsObject(obj))
                return -EINVAL;

        s = cJSON_PrintUnformatted(obj);
        if (!s)
                return -ENOMEM;
        if (strlen(s) <= max) {
                *ret = TAKE_PTR(s);
                if (ret_cut)
                        *ret_cut = false;
                return 0;
        }

        copy = cJSON_Duplicate(obj, true);
        if (!copy)
                return -ENOMEM;

        /* Each round works from estimates; printing again tells whether it did. */
        for (int round = 0; round < 8; round++) {
                size_t len = strlen(s);

                if (len <= max)
                        break;
                r = shrink_round(copy, len, max);
                if (r == -E2BIG)
                        break;
                if (r < 0)
                        return r;
                free(s);
                s = cJSON_PrintUnformatted(copy);
                if (!s)
                        return -ENOMEM;
        }

        if (strlen(s) > max) {
                free(s);
                s = strdup("{}");
                if (!s)
                        return -ENOMEM;
        }

        *ret = TAKE_PTR(s);
        if (ret_cut)
                *ret_cut = true;
        return 0;
}

/**
 * json_wipe_secrets: overwrite with zeros the text of every string under a key named
 * `secret`, at any depth, before a tree is freed.
 * @v: the tree (may be NULL)
 *
 * free() leaves a string's bytes in the heap, where a later core dump or a bug that
 * reads freed memory finds them; an http_remote executor's inline `secret` is one.
 * Only the bytes change: the tree keeps its shape, those strings read as "".
 */
void json_wipe_secrets(cJSON *v) {
        for (cJSON *c = v ? v->child : NULL; c; c = c->next) {
                if (cJSON_IsString(c) && c->valuestring && c->string && strcmp(c->string, "secret") == 0)
                        explicit_bzero(c->valuestring, strlen(c->valuestring));
                else
                        json_wipe_secrets(c);
        }
}
