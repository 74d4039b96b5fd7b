/* SPDX-License-Identifier: MIT */
/* json-parse.c: a strict JSON parser (RFC 8259, as Go reads it) that loses no integer digits
 *
 * Why not cJSON_Parse()? Two reasons, both about giving a job's consumers the same
 * values Herald gives them:
 *
 * - Precision. cJSON keeps every number as a double, so 9007199254740993 comes back as
 *   9007199254740992, and prints doubles with 15 significant digits (9007199254740991
 *   comes out as 9007199254740990). Here a number literal with more than 15
 *   significant digits becomes a cJSON "raw" item holding the literal, which cJSON
 *   prints verbatim: integers keep every digit, other numbers their exact value.
 * - Strictness. Herald decides "is the job's stdout one JSON object?" with Go's
 *   encoding/json. cJSON is lenient where Go is not (it skips any byte <= 0x20 as
 *   whitespace, takes "01", "1." and raw control characters in strings), so a job
 *   whose output Herald keeps as text would have it merged here. This parser accepts
 *   what Go accepts: whitespace is space, tab, CR, LF; numbers follow the RFC grammar
 *   and must fit a float64; strings reject raw control characters; invalid UTF-8 and
 *   lone surrogates become U+FFFD; the last of duplicate object keys wins.
 *
 * Strings containing U+0000 cannot live in a cJSON string (a C string), so they, too,
 * become raw items holding their escaped literal. Object keys containing U+0000 are
 * refused (Go would take them; no workflow relies on that).
 */
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json-parse.h"
#include "json-util.h"
#include "macro.h"
#include "utf8.h"

typedef struct JsonParser {
        const char *p;
        const char *end;
        unsigned depth;
} JsonParser;

typedef struct StrBuf {
        char *data;
        size_t size;
        size_t allocated;
} StrBuf;

static int strbuf_put(StrBuf *b, const char *s, size_t n) {
        if (n > SIZE_MAX / 2 - b->size - 1)
                return -ENOMEM;
        if (b->size + n + 1 > b->allocated) {
                size_t a = b->allocated * 2;
                char *t;

                if (a < b->size + n + 1)
                        a = b->size + n + 1;
                if (a < 32)
                        a = 32;
                t = realloc(b->data, a);
                if (!t)
                        return -ENOMEM;
                b->data = t;
                b->allocated = a;
        }
        memcpy(b->data + b->size, s, n);
        b->size += n;
        b->data[b->size] = 0;
        return 0;
}

static bool is_ws(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void skip_ws(JsonParser *ps) {
        while (ps->p < ps->end && is_ws(*ps->p))
                ps->p++;
}

static int hex4(const char *s, uint32_t *ret) {
        uint32_t v = 0;

        for (int i = 0; i < 4; i++) {
                char c = s[i];
                v <<= 4;
                if (c >= '0' && c <= '9')
                        v |= (uint32_t) (c - '0');
                else if (c >= 'a' && c <= 'f')
                        v |= (uint32_t) (c - 'a' + 10);
                else if (c >= 'A' && c <= 'F')
                        v |= (uint32_t) (c - 'A' + 10);
                else
                        return -EBADMSG;
        }
        *ret = v;
        return 0;
}

static int parse_escape(JsonParser *ps, StrBuf *b) {
        char c, u[4];
        uint32_t cp, lo;

        /* ps->p points after the backslash */
        if (ps->p >= ps->end)
                return -EBADMSG;
        c = *ps->p++;
        switch (c) {
        case '"':
        case '\\':
        case '/':
                return strbuf_put(b, &c, 1);
        case 'b':
                return strbuf_put(b, "\b", 1);
        case 'f':
                return strbuf_put(b, "\f", 1);
        case 'n':
                return strbuf_put(b, "\n", 1);
        case 'r':
                return strbuf_put(b, "\r", 1);
        case 't':
                return strbuf_put(b, "\t", 1);
        case 'u':
                if (ps->end - ps->p < 4 || hex4(ps->p, &cp) < 0)
                        return -EBADMSG;
                ps->p += 4;
                /* A high surrogate followed by an escaped low one is one character; any
                 * other surrogate becomes U+FFFD (utf8_encode() does that), as in Go. */
                if (cp >= 0xd800 && cp < 0xdc00 && ps->end - ps->p >= 6 &&
                    ps->p[0] == '\\' && ps->p[1] == 'u' &&
                    hex4(ps->p + 2, &lo) == 0 && lo >= 0xdc00 && lo <= 0xdfff) {
                        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                        ps->p += 6;
                }
                return strbuf_put(b, u, utf8_encode(cp, u));
        default:
                return -EBADMSG;
        }
}

/* Parses a string literal at ps->p (which is '"') into b (always NUL-terminated). */
static int parse_string(JsonParser *ps, StrBuf *b) {
        int r;

        ps->p++;
        r = strbuf_put(b, "", 0);
        if (r < 0)
                return r;

        for (;;) {
                const char *run = ps->p;
                unsigned char c;

                /* Copy plain ASCII in one go: most strings are mostly that. */
                while (ps->p < ps->end) {
                        c = (unsigned char) *ps->p;
                        if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\')
                                break;
                        ps->p++;
                }
                if (ps->p > run) {
                        r = strbuf_put(b, run, (size_t) (ps->p - run));
                        if (r < 0)
                                return r;
                }

                if (ps->p >= ps->end)
                        return -EBADMSG;
                c = (unsigned char) *ps->p;
                if (c == '"') {
                        ps->p++;
                        return 0;
                }
                if (c < 0x20)
                        return -EBADMSG;
                if (c == '\\') {
                        ps->p++;
                        r = parse_escape(ps, b);
                } else {
                        size_t l = utf8_sequence_length(ps->p, (size_t) (ps->end - ps->p));
                        if (l == 0) {
                                r = strbuf_put(b, UTF8_REPLACEMENT, 3);
                                ps->p++;
                        } else {
                                r = strbuf_put(b, ps->p, l);
                                ps->p += l;
                        }
                }
                if (r < 0)
                        return r;
        }
}

static cJSON *string_item(const StrBuf *b) {
        _cleanup_free_ char *lit = NULL;

        if (!memchr(b->data, 0, b->size))
                return cJSON_CreateString(b->data);

        lit = json_escape_string(b->data, b->size);
        if (!lit)
                return NULL;
        return cJSON_CreateRaw(lit);
}

static double parse_double(const char *s) {
        static locale_t c_locale = (locale_t) 0;

        /* The library may run in a program that called setlocale(); numbers are C. */
        if (c_locale == (locale_t) 0)
                c_locale = newlocale(LC_ALL_MASK, "C", (locale_t) 0);
        if (c_locale != (locale_t) 0)
                return strtod_l(s, NULL, c_locale);
        return strtod(s, NULL);
}

static int parse_number(JsonParser *ps, cJSON **ret) {
        const char *s = ps->p, *q = ps->p;
        _cleanup_free_ char *lit = NULL;
        double d;
        cJSON *item;

        if (q < ps->end && *q == '-')
                q++;
        if (q >= ps->end)
                return -EBADMSG;
        if (*q == '0')
                q++;
        else if (*q >= '1' && *q <= '9')
                while (q < ps->end && *q >= '0' && *q <= '9')
                        q++;
        else
                return -EBADMSG;

        if (q < ps->end && *q == '.') {
                q++;
                if (q >= ps->end || *q < '0' || *q > '9')
                        return -EBADMSG;
                while (q < ps->end && *q >= '0' && *q <= '9')
                        q++;
        }
        if (q < ps->end && (*q == 'e' || *q == 'E')) {
                q++;
                if (q < ps->end && (*q == '+' || *q == '-'))
                        q++;
                if (q >= ps->end || *q < '0' || *q > '9')
                        return -EBADMSG;
                while (q < ps->end && *q >= '0' && *q <= '9')
                        q++;
        }

        lit = memdup_nul(s, (size_t) (q - s));
        if (!lit)
                return -ENOMEM;

        /* Go refuses what does not fit a float64; so do we (the value would be lost). */
        d = parse_double(lit);
        if (isinf(d))
                return -ERANGE;

        /* cJSON prints a double with 15 significant digits and accepts one ULP off;
         * a literal with more digits is kept as written. */
        if (!json_number_literal_exact(lit))
                item = cJSON_CreateRaw(lit);
        else
                item = cJSON_CreateNumber(d);
        if (!item)
                return -ENOMEM;

        ps->p = q;
        *ret = item;
        return 0;
}

static int key_compare(const void *a, const void *b) {
        const cJSON *x = *(const cJSON *const *) a, *y = *(const cJSON *const *) b;
        int c = strcmp(x->string, y->string);

        if (c != 0)
                return c;
        /* Same key: keep document order, so the last of a run is the one to keep. The
         * items' addresses do not give that order; their valueint field is free in
         * this pass (see object_dedup()). */
        return (x->valueint > y->valueint) - (x->valueint < y->valueint);
}

/* The last of duplicate keys wins, as in a Go map. Keys stay in document order. */
static int object_dedup(cJSON *obj, size_t n) {
        _cleanup_free_ cJSON **items = NULL;
        size_t i = 0;

        if (n < 2)
                return 0;

        if (n <= 16) {
                for (cJSON *a = obj->child, *next; a; a = next) {
                        next = a->next;
                        for (cJSON *b = a->next; b; b = b->next)
                                if (strcmp(a->string, b->string) == 0) {
                                        cJSON_Delete(cJSON_DetachItemViaPointer(obj, a));
                                        break;
                                }
                }
                return 0;
        }

        items = calloc(n, sizeof *items);
        if (!items)
                return -ENOMEM;

        /* Numbers keep their value in valuedouble; valueint is only a cached copy that
         * cJSON's printer compares against, so save and restore it around the sort. */
        _cleanup_free_ int *saved = calloc(n, sizeof *saved);
        if (!saved)
                return -ENOMEM;
        for (cJSON *c = obj->child; c && i < n; c = c->next, i++) {
                items[i] = c;
                saved[i] = c->valueint;
                c->valueint = (int) i;
        }
        n = i;

        qsort(items, n, sizeof *items, key_compare);

        for (i = 0; i < n; i++)
                items[i]->valueint = saved[items[i]->valueint];

        for (i = 0; i + 1 < n; i++)
                if (strcmp(items[i]->string, items[i + 1]->string) == 0)
                        cJSON_Delete(cJSON_DetachItemViaPointer(obj, items[i]));
        return 0;
}

static int parse_value(JsonParser *ps, cJSON **ret);

static int parse_object(JsonParser *ps, cJSON **ret) {
        _cleanup_json_ cJSON *obj = NULL;
        size_t n = 0;
        int r;

        if (++ps->depth > JSON_DEPTH_MAX)
                return -E2BIG;
        ps->p++;

        obj = cJSON_CreateObject();
        if (!obj)
                return -ENOMEM;

        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == '}')
                ps->p++;
        else
                for (;;) {
                        _cleanup_free_ char *key = NULL;
                        StrBuf b = {};
                        cJSON *item = NULL;

                        skip_ws(ps);
                        if (ps->p >= ps->end || *ps->p != '"')
                                return -EBADMSG;
                        r = parse_string(ps, &b);
                        key = b.data;
                        if (r < 0)
                                return r;
                        if (memchr(key, 0, b.size))
                                return -EBADMSG;

                        skip_ws(ps);
                        if (ps->p >= ps->end || *ps->p != ':')
                                return -EBADMSG;
                        ps->p++;

                        r = parse_value(ps, &item);
                        if (r < 0)
                                return r;
                        if (!cJSON_AddItemToObject(obj, key, item)) {
                                cJSON_Delete(item);
                                return -ENOMEM;
                        }
                        n++;

                        skip_ws(ps);
                        if (ps->p < ps->end && *ps->p == ',') {
                                ps->p++;
                                continue;
                        }
                        if (ps->p < ps->end && *ps->p == '}') {
                                ps->p++;
                                break;
                        }
                        return -EBADMSG;
                }

        r = object_dedup(obj, n);
        if (r < 0)
                return r;

        ps->depth--;
        *ret = TAKE_PTR(obj);
        return 0;
}

static int parse_array(JsonParser *ps, cJSON **ret) {
        _cleanup_json_ cJSON *arr = NULL;
        int r;

        if (++ps->depth > JSON_DEPTH_MAX)
                return -E2BIG;
        ps->p++;

        arr = cJSON_CreateArray();
        if (!arr)
                return -ENOMEM;

        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ']')
                ps->p++;
        else
                for (;;) {
                        cJSON *item = NULL;

                        r = parse_value(ps, &item);
                        if (r < 0)
                                return r;
                        if (!cJSON_AddItemToArray(arr, item)) {
                                cJSON_Delete(item);
                                return -ENOMEM;
                        }

                        skip_ws(ps);
                        if (ps->p < ps->end && *ps->p == ',') {
                                ps->p++;
                                continue;
                        }
                        if (ps->p < ps->end && *ps->p == ']') {
                                ps->p++;
                                break;
                        }
                        return -EBADMSG;
                }

        ps->depth--;
        *ret = TAKE_PTR(arr);
        return 0;
}

static int parse_literal(JsonParser *ps, const char *word, cJSON *(*create)(void), cJSON **ret) {
        size_t l = strlen(word);
        cJSON *item;

        if ((size_t) (ps->end - ps->p) < l || memcmp(ps->p, word, l) != 0)
                return -EBADMSG;
        item = create();
        if (!item)
                return -ENOMEM;
        ps->p += l;
        *ret = item;
        return 0;
}

static int parse_value(JsonParser *ps, cJSON **ret) {
        skip_ws(ps);
        if (ps->p >= ps->end)
                return -EBADMSG;

        switch (*ps->p) {
        case '{':
                return parse_object(ps, ret);
        case '[':
                return parse_array(ps, ret);
        case '"': {
                StrBuf b = {};
                cJSON *item;
                int r;

                r = parse_string(ps, &b);
                if (r >= 0) {
                        item = string_item(&b);
                        if (item)
                                *ret = item;
                        else
                                r = -ENOMEM;
                }
                /* the string's bytes, a secret's included, are not left in the heap */
                if (b.data)
                        explicit_bzero(b.data, b.allocated);
                free(b.data);
                return r;
        }
        case 't':
                return parse_literal(ps, "true", cJSON_CreateTrue, ret);
        case 'f':
                return parse_literal(ps, "false", cJSON_CreateFalse, ret);
        case 'n':
                return parse_literal(ps, "null", cJSON_CreateNull, ret);
        default:
                return parse_number(ps, ret);
        }
}

/**
 * json_parse: parse one JSON value that fills the whole buffer.
 * @data: the text, not necessarily NUL-terminated
 * @size: its length
 * @ret: the value; free with cJSON_Delete()
 *
 * Whitespace (space, tab, CR, LF) may surround the value; anything else after it is an
 * error. See the top of this file for what differs from cJSON_Parse().
 *
 * Return: 0; -EBADMSG on a syntax error or an empty input, -ERANGE for a number that
 * does not fit a float64, -E2BIG for nesting deeper than JSON_DEPTH_MAX, -ENOMEM.
 */
int json_parse(const char *data, size_t size, cJSON **ret) {
        JsonParser ps = { .p = data, .end = data + size };
        _cleanup_json_ cJSON *v = NULL;
        int r;

        r = parse_value(&ps, &v);
        if (r < 0)
                return r;
        skip_ws(&ps);
        if (ps.p != ps.end)
                return -EBADMSG;

        *ret = TAKE_PTR(v);
        return 0;
}
