/* SPDX-License-Identifier: MIT */
/* utf8.c: checking and repairing UTF-8, as Go's encoding/json sees it */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

/**
 * utf8_sequence_length: the length of the valid UTF-8 sequence at @s.
 * @s: the bytes
 * @n: how many bytes are available at @s (at least 1)
 *
 * Overlong forms, surrogates (U+D800..U+DFFF) and code points above U+10FFFF are
 * invalid, as in Go's unicode/utf8.
 *
 * Return: 1 to 4, or 0 when the bytes at @s do not start a valid sequence.
 */
size_t utf8_sequence_length(const char *s, size_t n) {
        const unsigned char *u = (const unsigned char *) s;
        unsigned char lo = 0x80, hi = 0xbf;
        size_t len;

        if (n == 0)
                return 0;
        if (u[0] < 0x80)
                return 1;
        if (u[0] < 0xc2)
                return 0;               /* continuation byte, or overlong 2-byte lead */
        if (u[0] < 0xe0)
                len = 2;
        else if (u[0] < 0xf0) {
                len = 3;
                if (u[0] == 0xe0)
                        lo = 0xa0;      /* overlong */
                else if (u[0] == 0xed)
                        hi = 0x9f;      /* surrogates */
        } else if (u[0] < 0xf5) {
                len = 4;
                if (u[0] == 0xf0)
                        lo = 0x90;      /* overlong */
                else if (u[0] == 0xf4)
                        hi = 0x8f;      /* above U+10FFFF */
        } else
                return 0;

        if (n < len)
                return 0;
        if (u[1] < lo || u[1] > hi)
                return 0;
        for (size_t i = 2; i < len; i++)
                if (u[i] < 0x80 || u[i] > 0xbf)
                        return 0;
        return len;
}

/**
 * utf8_is_valid: whether bytes are valid UTF-8 as utf8_sequence_length() sees it.
 * @s: the bytes
 * @n: their number
 *
 * Return: true or false.
 */
bool utf8_is_valid(const char *s, size_t n) {
        for (size_t i = 0; i < n;) {
                size_t l = utf8_sequence_length(s + i, n - i);
                if (l == 0)
                        return false;
                i += l;
        }
        return true;
}

/**
 * utf8_encode: write the UTF-8 form of a code point.
 * @cp: the code point; surrogates and values above U+10FFFF become U+FFFD
 * @out: room for 4 bytes
 *
 * Return: the number of bytes written (1 to 4).
 */
size_t utf8_encode(uint32_t cp, char out[static 4]) {
        if ((cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
                cp = 0xfffd;

        if (cp < 0x80) {
                out[0] = (char) cp;
                return 1;
        }
        if (cp < 0x800) {
                out[0] = (char) (0xc0 | (cp >> 6));
                out[1] = (char) (0x80 | (cp & 0x3f));
                return 2;
        }
        if (cp < 0x10000) {
                out[0] = (char) (0xe0 | (cp >> 12));
                out[1] = (char) (0x80 | ((cp >> 6) & 0x3f));
                out[2] = (char) (0x80 | (cp & 0x3f));
                return 3;
        }
        out[0] = (char) (0xf0 | (cp >> 18));
        out[1] = (char) (0x80 | ((cp >> 12) & 0x3f));
        out[2] = (char) (0x80 | ((cp >> 6) & 0x3f));
        out[3] = (char) (0x80 | (cp & 0x3f));
        return 4;
}

/**
 * utf8_make_valid: copy bytes, replacing every byte that is not part of valid UTF-8
 * with U+FFFD (what Go's encoding/json does when it encodes such a string).
 * @s: the bytes (may contain NUL, which is valid UTF-8 and kept)
 * @n: their number
 * @ret: the copy, NUL-terminated
 * @ret_size: its length without the terminator (may be NULL)
 *
 * Return: 0, or -ENOMEM.
 */
int utf8_make_valid(const char *s, size_t n, char **ret, size_t *ret_size) {
        size_t bad = 0, k = 0;
        char *t;

        for (size_t i = 0; i < n;) {
                size_t l = utf8_sequence_length(s + i, n - i);
                if (l == 0) {
                        bad++;
                        i++;
                } else
                        i += l;
        }

        /* Each bad byte grows by 2 (1 byte becomes 3); check before multiplying. */
        if (bad > (SIZE_MAX - n - 1) / 2)
                return -ENOMEM;
        t = malloc(n + 2 * bad + 1);
        if (!t)
                return -ENOMEM;

        if (bad == 0) {
                memcpy(t, s, n);
                k = n;
        } else
                for (size_t i = 0; i < n;) {
                        size_t l = utf8_sequence_length(s + i, n - i);
                        if (l == 0) {
                                memcpy(t + k, UTF8_REPLACEMENT, 3);
                                k += 3;
                                i++;
                        } else {
                                memcpy(t + k, s + i, l);
                                k += l;
                                i += l;
                        }
                }
        t[k] = 0;

        *ret = t;
        if (ret_size)
                *ret_size = k;
        return 0;
}

/**
 * utf8_cut: where to cut valid UTF-8 so that no character is split.
 * @s: valid UTF-8 with at least @n + 1 readable bytes (a NUL-terminated string
 *      longer than @n qualifies)
 * @n: the wanted length
 *
 * Return: the largest length <= @n that ends on a character boundary.
 */
size_t utf8_cut(const char *s, size_t n) {
        while (n > 0 && ((unsigned char) s[n] & 0xc0) == 0x80)
                n--;
        return n;
}
