/* SPDX-License-Identifier: MIT */
/* html-escape.h: text from jobs and the journal, made safe to put in HTML */
#pragma once

#include <stddef.h>
#include <stdio.h>

/* The one escaping function of the status page (src/heraldd/status-page.c): every
 * string that did not come from heraldd's own code goes through it, in element text and
 * in quoted attribute values alike.
 *
 * & < > " ' become character references; bytes that are not valid UTF-8, NUL and the
 * other C0 controls but tab, LF and CR, DEL and the C1 controls (U+0080-U+009F) become
 * U+FFFD. What comes out is valid UTF-8 and contains none of & < > " ' unescaped, so it
 * cannot open or close an element, an attribute or a comment. */
int html_escape(const char *s, size_t n, char **ret, size_t *ret_size);

/* The same, written to @f (a memstream, typically). Return: 0 or -EIO. */
int html_escape_write(FILE *f, const char *s, size_t n);
