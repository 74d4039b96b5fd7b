/* SPDX-License-Identifier: MIT */
/* utf8.h: checking and repairing UTF-8, as Go's encoding/json sees it */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What Go (and so Herald) puts in place of every byte that is not part of valid UTF-8. */
#define UTF8_REPLACEMENT "\xef\xbf\xbd"

size_t utf8_sequence_length(const char *s, size_t n);
bool utf8_is_valid(const char *s, size_t n);
size_t utf8_encode(uint32_t cp, char out[static 4]);
int utf8_make_valid(const char *s, size_t n, char **ret, size_t *ret_size);
size_t utf8_cut(const char *s, size_t n);
