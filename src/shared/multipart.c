/* SPDX-License-Identifier: MIT */
/* multipart.c: a streaming multipart/form-data parser (RFC 7578, RFC 2046) for http_remote's answers
 *
 * Herald Runner answers a job with files as multipart/form-data, written by Go's
 * mime/multipart: a `result` part with the JSON result, then one part per file, its
 * name, filename and sha256sum in Content-Disposition. The answer may be gigabytes, so
 * the parser is fed whatever libcurl hands over (CURLOPT_WRITEFUNCTION: any size, split
 * anywhere) and passes a part's bytes on as they come. It holds only the header block of
 * the current part (bounded by MultipartLimits) and the bytes that might be the start of
 * a delimiter, which are always a prefix of the delimiter itself, so it keeps a count of
 * them rather than a copy.
 *
 * The body is scanned for the delimiter CRLF "--" boundary. A boundary holds no CR
 * (RFC 2046's bchars), so when a partial match fails the next delimiter can only start
 * at the failing byte, and only if that byte is a CR: no backtracking, and memchr() for
 * CR over the data in between. The stream is parsed as if it began with CRLF, so the
 * first delimiter may be the first line (as Go writes it) or follow a preamble.
 *
 * Liberal where the RFCs allow: a preamble and an epilogue (both ignored), transport
 * padding after a delimiter, header names in any case, folded header lines, parameters
 * quoted or not with backslash escapes, unknown headers and parameters ignored. Strict
 * where safety needs it: CRLF line ends only, no control characters in a header block,
 * one Content-Disposition (form-data, with a name), no parameter given twice, no
 * transfer encoding that would change the bytes, a delimiter line that is nothing but a
 * delimiter (RFC 2046 forbids the delimiter inside a part, so "--boundaryX" inside a
 * part is an error, not data), bounded header blocks and part counts, and a stream is
 * complete only with its close delimiter.
 */
#include <errno.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "macro.h"
#include "multipart.h"

/* CRLF "--" boundary */
#define DELIM_MAX (4 + MULTIPART_BOUNDARY_MAX)

typedef enum State {
        STATE_BODY,             /* the preamble or a part's body: looking for the delimiter */
        STATE_DELIM_END,        /* right after a delimiter: "--", padding or CRLF */
        STATE_DELIM_DASH,       /* after "--boundary-": the second '-' of the close delimiter */
        STATE_DELIM_PAD,        /* transport padding (spaces, tabs) before the CRLF */
        STATE_DELIM_LF,         /* the CR of the delimiter line seen, now its LF */
        STATE_HEADERS,          /* a part's header block, up to its empty line */
        STATE_EPILOGUE,         /* after the close delimiter: ignored */
        STATE_FAILED,
} State;

struct MultipartParser {
        MultipartCallbacks cb;
        void *userdata;
        MultipartLimits limits;

        char delim[DELIM_MAX + 1];
        size_t delim_len;
        size_t match;           /* the input so far ends with delim[0..match): held back */
        size_t held_virtual;    /* how many of those are the CRLF that is not data (below) */

        State state;
        int error;              /* STATE_FAILED's error */
        bool preamble;          /* no delimiter line yet */
        bool in_part;           /* between part_begin and part_end */
        size_t n_parts;

        char *header;           /* the current header block */
        size_t header_len, header_allocated;

        char *name, *filename, *sha256sum, *content_type;
};

static void *mfree(void *p) {
        free(p);
        return NULL;
}

static bool is_wsp(char c) {
        return c == ' ' || c == '\t';
}

/* RFC 2045 token: printable ASCII without space and tspecials. */
static bool is_token_char(char c) {
        return c > 0x20 && c < 0x7f && !strchr("()<>@,;:\\\"/[]?=", c);
}

/* RFC 2046 bchars */
static bool is_bchar(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
               (c != 0 && strchr("'()+_,-./:=? ", c));
}

static bool boundary_valid(const char *b) {
        size_t n = strlen(b);

        if (n < 1 || n > MULTIPART_BOUNDARY_MAX || b[n - 1] == ' ')
                return false;
        for (size_t i = 0; i < n; i++)
                if (!is_bchar(b[i]))
                        return false;
        return true;
}

static const char *skip_wsp(const char *s) {
        while (is_wsp(*s))
                s++;
        return s;
}

/* A parameter value, a token or a quoted-string (backslash escapes any character), at
 * *ps; *ps moves past it. */
static int param_value(const char **ps, char **ret) {
        const char *s = *ps;
        _cleanup_free_ char *v = NULL;
        size_t n = 0;

        if (*s != '"') {
                while (is_token_char(s[n]))
                        n++;
                if (n == 0)
                        return -EBADMSG;
                v = memdup_nul(s, n);
                if (!v)
                        return -ENOMEM;
                *ps = s + n;
                *ret = TAKE_PTR(v);
                return 0;
        }

        s++;
        v = malloc(strlen(s) + 1);      /* the decoded value is never longer */
        if (!v)
                return -ENOMEM;
        for (;;) {
                char c = *s++;

                if (c == 0)
                        return -EBADMSG;        /* unterminated */
                if (c == '"')
                        break;
                if (c == '\\') {
                        c = *s++;
                        if (c == 0)
                                return -EBADMSG;
                }
                v[n++] = c;
        }
        v[n] = 0;
        *ps = s;
        *ret = TAKE_PTR(v);
        return 0;
}

/* A header value of the shape `type *(";" attribute "=" value)` (RFC 2045, RFC 2183):
 * @type must match (case-insensitive); the values of the attributes in @keys (matched
 * case-insensitive) go to @values (NULL when absent; a key given twice is refused, as
 * Go's mime.ParseMediaType does). Other attributes are checked and skipped. On failure
 * @values holds nothing. */
static int parse_params(const char *s, const char *type, const char *const *keys, char **values, size_t n_keys) {
        const char *t;
        int r = 0;

        for (size_t i = 0; i < n_keys; i++)
                values[i] = NULL;

        s = skip_wsp(s);
        t = s;
        while (*s && *s != ';' && !is_wsp(*s))
                s++;
        if ((size_t) (s - t) != strlen(type) || strncasecmp(t, type, (size_t) (s - t)) != 0)
                return -EBADMSG;

        for (;;) {
                _cleanup_free_ char *v = NULL;
                const char *a;
                size_t a_len;

                s = skip_wsp(s);
                if (*s == 0)
                        return 0;
                if (*s != ';') {
                        r = -EBADMSG;
                        break;
                }
                s = skip_wsp(s + 1);
                if (*s == 0)
                        return 0;       /* a trailing ';', which Go also takes */
                a = s;
                while (is_token_char(*s))
                        s++;
                a_len = (size_t) (s - a);
                s = skip_wsp(s);
                if (a_len == 0 || *s != '=') {
                        r = -EBADMSG;
                        break;
                }
                s = skip_wsp(s + 1);
                r = param_value(&s, &v);
                if (r < 0)
                        break;

                for (size_t i = 0; i < n_keys; i++) {
                        if (strlen(keys[i]) != a_len || strncasecmp(a, keys[i], a_len) != 0)
                                continue;
                        if (values[i]) {
                                r = -EBADMSG;
                                break;
                        }
                        values[i] = TAKE_PTR(v);
                }
                if (r < 0)
                        break;
        }

        for (size_t i = 0; i < n_keys; i++)
                values[i] = mfree(values[i]);
        return r;
}

/**
 * multipart_boundary_from_content_type: the boundary of a multipart/form-data answer.
 * @content_type: the answer's Content-Type header value
 * @ret: the boundary; free() it
 *
 * Return: 0; -EINVAL when @content_type is not multipart/form-data (any case), is
 * malformed, longer than MULTIPART_CONTENT_TYPE_MAX, or has no boundary or one that is
 * not 1-70 of RFC 2046's characters; -ENOMEM.
 */
int multipart_boundary_from_content_type(const char *content_type, char **ret) {
        static const char *const keys[] = { "boundary" };
        char *boundary = NULL;
        size_t n;
        int r;

        if (!content_type)
                return -EINVAL;
        n = strnlen(content_type, MULTIPART_CONTENT_TYPE_MAX + 1);
        if (n > MULTIPART_CONTENT_TYPE_MAX)
                return -EINVAL;
        for (size_t i = 0; i < n; i++)
                if (((unsigned char) content_type[i] < 0x20 && content_type[i] != '\t') || content_type[i] == 0x7f)
                        return -EINVAL;

        r = parse_params(content_type, "multipart/form-data", keys, &boundary, 1);
        if (r == -ENOMEM)
                return r;
        if (r < 0 || !boundary || !boundary_valid(boundary)) {
                free(boundary);
                return -EINVAL;
        }
        *ret = boundary;
        return 0;
}

/**
 * multipart_parser_new: a parser for one multipart/form-data stream.
 * @boundary: the boundary (multipart_boundary_from_content_type())
 * @limits: the limits; NULL, or a field left 0, takes the defaults
 *          (MULTIPART_PARTS_MAX_DEFAULT, MULTIPART_HEADER_SIZE_MAX_DEFAULT)
 * @cb: the callbacks (copied; any may be NULL)
 * @userdata: passed to the callbacks
 * @ret: the parser; multipart_parser_free() it
 *
 * The callbacks must not free the parser.
 *
 * Return: 0; -EINVAL for a boundary that is not 1-70 of RFC 2046's characters; -ENOMEM.
 */
int multipart_parser_new(const char *boundary, const MultipartLimits *limits, const MultipartCallbacks *cb,
                         void *userdata, MultipartParser **ret) {
        MultipartParser *p;

        if (!boundary || !boundary_valid(boundary) || !cb)
                return -EINVAL;

        p = calloc(1, sizeof *p);
        if (!p)
                return -ENOMEM;
        p->cb = *cb;
        p->userdata = userdata;
        if (limits)
                p->limits = *limits;
        if (p->limits.max_parts == 0)
                p->limits.max_parts = MULTIPART_PARTS_MAX_DEFAULT;
        if (p->limits.max_header_size == 0)
                p->limits.max_header_size = MULTIPART_HEADER_SIZE_MAX_DEFAULT;
        p->delim_len = (size_t) snprintf(p->delim, sizeof p->delim, "\r\n--%s", boundary);
        /* As if a CRLF came first: the first delimiter may open the stream. */
        p->match = p->held_virtual = 2;
        p->state = STATE_BODY;
        p->preamble = true;
        *ret = p;
        return 0;
}

static void part_clear(MultipartParser *p) {
        p->name = mfree(p->name);
        p->filename = mfree(p->filename);
        p->sha256sum = mfree(p->sha256sum);
        p->content_type = mfree(p->content_type);
}

/**
 * multipart_parser_free: free a parser.
 * @p: the parser (may be NULL)
 *
 * No callback is called: a part left open is the caller's to clean up.
 *
 * Return: NULL
 */
MultipartParser *multipart_parser_free(MultipartParser *p) {
        if (!p)
                return NULL;
        part_clear(p);
        free(p->header);
        free(p);
        return NULL;
}

static int emit(MultipartParser *p, const char *data, size_t size) {
        if (size == 0 || !p->in_part || !p->cb.part_data)
                return 0;
        return p->cb.part_data(data, size, p->userdata);
}

static int part_end(MultipartParser *p) {
        int r = 0;

        if (!p->in_part)
                return 0;
        p->in_part = false;
        if (p->cb.part_end)
                r = p->cb.part_end(p->userdata);
        part_clear(p);
        return r;
}

/* A part's bytes, up to the delimiter that ends it. */
static int feed_body(MultipartParser *p, const char **ps, const char *end) {
        const char *s = *ps;
        int r;

        while (s < end) {
                if (p->match == 0) {
                        /* Everything before the next CR is data. */
                        const char *cr = memchr(s, '\r', (size_t) (end - s));
                        size_t n = (size_t) ((cr ?: end) - s);

                        r = emit(p, s, n);
                        if (r < 0)
                                return r;
                        s += n;
                        if (!cr)
                                break;
                        p->match = 1;
                        s++;
                        continue;
                }

                if (*s == p->delim[p->match]) {
                        s++;
                        if (++p->match < p->delim_len)
                                continue;
                        p->match = p->held_virtual = 0;
                        p->state = STATE_DELIM_END;
                        *ps = s;
                        return part_end(p);
                }

                /* Not the delimiter: the bytes held back were data (but for a CRLF
                 * that was never data). This byte is looked at again with nothing
                 * held (a delimiter can start only at a CR). */
                r = emit(p, p->delim + p->held_virtual, p->match - p->held_virtual);
                if (r < 0)
                        return r;
                p->match = p->held_virtual = 0;
        }
        *ps = s;
        return 0;
}

static bool header_name_is(const char *name, size_t n, const char *what) {
        return strlen(what) == n && strncasecmp(name, what, n) == 0;
}

/* One unfolded header line, NUL-terminated. */
static int header_line(MultipartParser *p, char *line, bool *seen_disposition) {
        static const char *const keys[] = { "name", "filename", "sha256sum" };
        char *colon, *value, *e;
        size_t name_len;

        colon = strchr(line, ':');
        if (!colon || colon == line)
                return -EBADMSG;
        name_len = (size_t) (colon - line);
        for (size_t i = 0; i < name_len; i++)
                if (!is_token_char(line[i]))
                        return -EBADMSG;
        value = (char *) skip_wsp(colon + 1);
        e = value + strlen(value);
        while (e > value && is_wsp(e[-1]))
                e--;
        *e = 0;

        if (header_name_is(line, name_len, "Content-Disposition")) {
                char *values[ELEMENTSOF(keys)];
                int r;

                if (*seen_disposition)
                        return -EBADMSG;
                *seen_disposition = true;
                r = parse_params(value, "form-data", keys, values, ELEMENTSOF(keys));
                if (r < 0)
                        return r;
                p->name = values[0];
                p->filename = values[1];
                p->sha256sum = values[2];
                return 0;
        }
        if (header_name_is(line, name_len, "Content-Type")) {
                if (p->content_type)
                        return -EBADMSG;
                p->content_type = strdup(value);
                return p->content_type ? 0 : -ENOMEM;
        }
        if (header_name_is(line, name_len, "Content-Transfer-Encoding")) {
                /* RFC 7578 deprecates it; an encoding that changes the bytes would make
                 * the checksum lie about what lands on disk. */
                if (strcasecmp(value, "binary") != 0 && strcasecmp(value, "8bit") != 0 &&
                    strcasecmp(value, "7bit") != 0)
                        return -EBADMSG;
        }
        return 0;
}

/* The header block in p->header ends with its empty line: check it, unfold it in place
 * (RFC 5322: a line starting with a space or tab continues the one before), read it. */
static int header_block(MultipartParser *p) {
        char *buf = p->header, *w = buf, *cur = NULL;
        const char *end = buf + p->header_len - 2;     /* without the empty line */
        bool seen_disposition = false;
        int r;

        for (size_t i = 0; i < p->header_len; i++) {
                unsigned char c = (unsigned char) buf[i];

                if (c == '\r') {
                        if (i + 1 >= p->header_len || buf[i + 1] != '\n')
                                return -EBADMSG;
                        i++;
                        continue;
                }
                if (c == '\n' || (c < 0x20 && c != '\t') || c == 0x7f)
                        return -EBADMSG;
        }

        for (char *s = buf; s < end;) {
                char *eol = memchr(s, '\r', (size_t) (end - s));
                size_t n = (size_t) (eol - s);

                if (is_wsp(*s)) {
                        if (!cur)
                                return -EBADMSG;
                } else {
                        if (cur) {
                                *w++ = 0;
                                r = header_line(p, cur, &seen_disposition);
                                if (r < 0)
                                        return r;
                        }
                        cur = w;
                }
                memmove(w, s, n);
                w += n;
                s = eol + 2;
        }
        if (cur) {
                *w = 0;
                r = header_line(p, cur, &seen_disposition);
                if (r < 0)
                        return r;
        }
        if (!p->name)
                return -EBADMSG;        /* RFC 7578: every part has form-data and a name */
        return 0;
}

static int feed_headers(MultipartParser *p, const char **ps, const char *end) {
        const char *s = *ps;
        int r;

        while (s < end) {
                const char *nl = memchr(s, '\n', (size_t) (end - s));
                size_t n = (size_t) ((nl ? nl + 1 : end) - s);

                if (n > p->limits.max_header_size - p->header_len)
                        return -E2BIG;
                if (p->header_len + n > p->header_allocated) {
                        size_t a = p->header_allocated ? p->header_allocated * 2 : 256;
                        char *t;

                        if (a < p->header_len + n)
                                a = p->header_len + n;
                        if (a > p->limits.max_header_size)
                                a = p->limits.max_header_size;
                        t = realloc(p->header, a + 1);
                        if (!t)
                                return -ENOMEM;
                        p->header = t;
                        p->header_allocated = a;
                }
                memcpy(p->header + p->header_len, s, n);
                p->header_len += n;
                s += n;
                if (!nl)
                        break;

                /* The block ends at an empty line: CRLF alone, or CRLF CRLF. */
                if (!((p->header_len == 2 && p->header[0] == '\r') ||
                      (p->header_len >= 4 && memcmp(p->header + p->header_len - 4, "\r\n\r\n", 4) == 0)))
                        continue;

                p->header[p->header_len] = 0;
                r = header_block(p);
                p->header_len = 0;
                if (r < 0)
                        return r;
                p->in_part = true;
                p->state = STATE_BODY;
                /* The empty line may also be the CRLF of the next delimiter: a part
                 * with no body (RFC 2046's body-part is headers [CRLF *OCTET]; Go's
                 * reader takes "--boundary" right at a body's start, too). */
                p->match = p->held_virtual = 2;
                *ps = s;
                if (p->cb.part_begin) {
                        MultipartPart part = {
                                .name = p->name,
                                .filename = p->filename,
                                .sha256sum = p->sha256sum,
                                .content_type = p->content_type,
                        };
                        return p->cb.part_begin(&part, p->userdata);
                }
                return 0;
        }
        *ps = s;
        return 0;
}

/* One byte of a delimiter line after the boundary. */
static int feed_delim(MultipartParser *p, char c) {
        switch (p->state) {
        case STATE_DELIM_END:
                if (c == '-') {
                        p->state = STATE_DELIM_DASH;
                        return 1;
                }
                /* padding or the CRLF */
                __attribute__((fallthrough));
        case STATE_DELIM_PAD:
                if (is_wsp(c)) {
                        p->state = STATE_DELIM_PAD;
                        return 1;
                }
                if (c == '\r') {
                        p->state = STATE_DELIM_LF;
                        return 1;
                }
                return 0;
        case STATE_DELIM_DASH:
                if (c != '-')
                        return 0;
                p->preamble = false;
                p->state = STATE_EPILOGUE;
                return 1;
        case STATE_DELIM_LF:
                if (c != '\n')
                        return 0;
                p->preamble = false;
                if (++p->n_parts > p->limits.max_parts)
                        return -E2BIG;
                p->state = STATE_HEADERS;
                return 1;
        default:
                abort();        /* unreachable: called only in the delimiter states */
        }
}

static int fail(MultipartParser *p, int r) {
        p->state = STATE_FAILED;
        p->error = r;
        return r;
}

/**
 * multipart_parser_feed: parse the next bytes of the stream.
 * @p: the parser
 * @data: the bytes
 * @size: how many (any number, 0 too)
 *
 * Calls the callbacks for what these bytes complete. A part's bytes are passed on at
 * once, except the few at the end of @data that may begin a delimiter.
 *
 * Return: 0; -EBADMSG for a malformed stream; -E2BIG past a limit; -ENOMEM; or the
 * negative value a callback returned. After an error the parser calls no callback and
 * returns the same error for every later call.
 */
int multipart_parser_feed(MultipartParser *p, const void *data, size_t size) {
        const char *s = data, *end = s + size;
        int r;

        if (p->state == STATE_FAILED)
                return p->error;

        while (s < end) {
                switch (p->state) {
                case STATE_BODY:
                        r = feed_body(p, &s, end);
                        break;
                case STATE_HEADERS:
                        r = feed_headers(p, &s, end);
                        break;
                case STATE_EPILOGUE:
                        return 0;
                case STATE_DELIM_END:
                case STATE_DELIM_DASH:
                case STATE_DELIM_PAD:
                case STATE_DELIM_LF:
                        r = feed_delim(p, *s);
                        if (r > 0) {
                                s++;
                                r = 0;
                        } else if (r == 0) {
                                /* Not a delimiter line after all. In the preamble that is
                                 * allowed (it is ignored); this byte is scanned again. */
                                if (!p->preamble)
                                        r = -EBADMSG;
                                p->state = STATE_BODY;
                        }
                        break;
                default:
                        abort();        /* unreachable: STATE_FAILED returned above */
                }
                if (r < 0)
                        return fail(p, r);
        }
        return 0;
}

/**
 * multipart_parser_finish: the stream has ended.
 * @p: the parser
 *
 * Return: 0 when the close delimiter was seen; -EBADMSG when the stream ended before it
 * (truncated: a part left open gets no part_end); or the parser's earlier error.
 */
int multipart_parser_finish(MultipartParser *p) {
        if (p->state == STATE_FAILED)
                return p->error;
        if (p->state != STATE_EPILOGUE)
                return fail(p, -EBADMSG);
        return 0;
}
