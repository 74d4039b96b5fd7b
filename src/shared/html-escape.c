/* SPDX-License-Identifier: MIT */
/* html-escape.c: text from jobs and the journal, made safe to put in HTML
 *
 * The status page shows job output, error texts, router and task names: anything a job
 * (or a workflow author) wrote. Character references for the five characters HTML gives
 * meaning to cover element text and quoted attributes alike, so one function serves both
 * and there is no context to get wrong. Invalid UTF-8 and control characters are replaced
 * rather than passed on: browsers differ in how they recover from them, and a page that
 * is valid UTF-8 leaves them nothing to guess. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "html-escape.h"
#include "macro.h"
#include "utf8.h"

/* What one piece of input becomes: a reference, U+FFFD, or the bytes themselves (NULL). */
static const char *escape_of(const char *s, size_t n, size_t *ret_len) {
        unsigned char c = (unsigned char) s[0];
        size_t l;

        switch (c) {
        case '&':
                *ret_len = 1;
                return "&amp;";
        case '<':
                *ret_len = 1;
                return "&lt;";
        case '>':
                *ret_len = 1;
                return "&gt;";
        case '"':
                *ret_len = 1;
                return "&quot;";
        case '\'':
                *ret_len = 1;
                return "&#39;";
        case '\t':
        case '\n':
        case '\r':
                *ret_len = 1;
                return NULL;
        }
        if (c < 0x20 || c == 0x7f) {
                *ret_len = 1;
                return UTF8_REPLACEMENT;
        }
        if (c < 0x80) {
                *ret_len = 1;
                return NULL;
        }
        l = utf8_sequence_length(s, n);
        if (l == 0) {
                *ret_len = 1;   /* one bad byte, one replacement, as Go and browsers do */
                return UTF8_REPLACEMENT;
        }
        *ret_len = l;
        /* C1 controls: U+0080-U+009F, encoded as C2 80 - C2 9F */
        if (l == 2 && c == 0xc2 && (unsigned char) s[1] < 0xa0)
                return UTF8_REPLACEMENT;
        return NULL;
}

int html_escape_write(FILE *f, const char *s, size_t n) {
        size_t i = 0, plain = 0;

        while (i < n) {
                size_t l;
                const char *e = escape_of(s + i, n - i, &l);

                if (!e) {
                        i += l;
                        continue;
                }
                if (i > plain && fwrite(s + plain, 1, i - plain, f) != i - plain)
                        return -EIO;
                if (fputs(e, f) < 0)
                        return -EIO;
                i += l;
                plain = i;
        }
        if (n > plain && fwrite(s + plain, 1, n - plain, f) != n - plain)
                return -EIO;
        return 0;
}

/**
 * html_escape() - a string for HTML element text or a quoted attribute value
 * @s: the text (any bytes, NULs included)
 * @n: its length
 * @ret: the escaped text, NUL-terminated (free() it)
 * @ret_size: its length, or NULL
 *
 * Return: 0 or -ENOMEM.
 */
int html_escape(const char *s, size_t n, char **ret, size_t *ret_size) {
        _cleanup_fclose_ FILE *f = NULL;
        char *buf = NULL;
        size_t size = 0;
        int r;

        f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;
        r = html_escape_write(f, s, n);
        if (fclose(TAKE_PTR(f)) != 0 || r < 0) {
                free(buf);
                return -ENOMEM;
        }
        *ret = buf;
        if (ret_size)
                *ret_size = size;
        return 0;
}
