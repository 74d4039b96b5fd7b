/* SPDX-License-Identifier: MIT */
/* fuzz-html-escape.c: html_escape() (src/shared/html-escape.c) on arbitrary bytes
 *
 * Invariants:
 *  - it succeeds (or runs out of memory) and the length it reports is the string's;
 *  - the output is valid UTF-8 without NUL, other C0 controls than tab, LF and CR,
 *    DEL or C1 controls;
 *  - no < > " ' appears, and every & starts one of the five references it writes;
 *  - text that needed nothing (valid UTF-8, none of the five, no control) is unchanged,
 *    and anything is at most 6 times as long (&quot;);
 *  - html_escape_write() writes the same bytes in two pieces cut at any point that is
 *    not inside a UTF-8 sequence.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-util.h"
#include "html-escape.h"
#include "macro.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define INPUT_MAX (64 * 1024)

static bool needs_nothing(const char *s, size_t n) {
        if (!utf8_is_valid(s, n))
                return false;
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char) s[i];
                if (strchr("&<>\"'", c) && c != 0)
                        return false;
                if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
                        return false;
                if (c == 0xc2 && i + 1 < n && (unsigned char) s[i + 1] < 0xa0)
                        return false;
        }
        return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *out = NULL;
        const char *s = (const char *) data;
        size_t n = 0;
        int r;

        if (size > INPUT_MAX)
                return 0;
        r = html_escape(s, size, &out, &n);
        if (r == -ENOMEM)
                return 0;
        FUZZ_CHECK(r == 0);
        FUZZ_CHECK(strlen(out) == n);
        FUZZ_CHECK(n <= size * 6);
        FUZZ_CHECK(utf8_is_valid(out, n));
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char) out[i];

                FUZZ_CHECK(!strchr("<>\"'", c) || c == 0);
                FUZZ_CHECK(c >= 0x20 || c == '\t' || c == '\n' || c == '\r');
                FUZZ_CHECK(c != 0x7f);
                if (c == 0xc2 && i + 1 < n)
                        FUZZ_CHECK((unsigned char) out[i + 1] >= 0xa0);
                if (c == '&')
                        FUZZ_CHECK(startswith(out + i, "&amp;") || startswith(out + i, "&lt;") ||
                                   startswith(out + i, "&gt;") || startswith(out + i, "&quot;") ||
                                   startswith(out + i, "&#39;"));
        }
        if (needs_nothing(s, size))
                FUZZ_CHECK(n == size && memcmp(out, s, size) == 0);

        /* two pieces, cut where a sequence begins */
        size_t cut = size / 2;
        while (cut > 0 && cut < size && ((unsigned char) s[cut] & 0xc0) == 0x80)
                cut--;
        {
                char *buf = NULL;
                size_t bsize = 0;
                FILE *f = open_memstream(&buf, &bsize);
                if (!f)
                        return 0;
                r = html_escape_write(f, s, cut);
                if (r >= 0)
                        r = html_escape_write(f, s + cut, size - cut);
                if (fclose(f) == 0 && r >= 0) {
                        /* A cut before a continuation byte run that was not a valid sequence
                         * anyway changes nothing: bad bytes are replaced one by one. */
                        FUZZ_CHECK(bsize == n && memcmp(buf, out, n) == 0);
                }
                free(buf);
        }
        return 0;
}
