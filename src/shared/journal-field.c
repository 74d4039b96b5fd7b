/* SPDX-License-Identifier: MIT */
/* journal-field.c: taking journal entries apart, one "FIELD=value" datum at a time
 *
 * sd_journal_enumerate_data() hands out each field as "FIELD=value", not
 * NUL-terminated, and a field may repeat within one entry. The readers of result
 * entries and of jobs' output lines share these few steps. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journal-field.h"
#include "macro.h"

/**
 * journal_field_split: split a datum into its name and value.
 * @data: "FIELD=value", not NUL-terminated
 * @size: its length
 * @ret_name: the name (not NUL-terminated)
 * @ret_name_len: its length
 * @ret_value: the value (not NUL-terminated)
 * @ret_value_len: its length
 *
 * Return: true, or false (outputs untouched) when there is no '='.
 */
bool journal_field_split(const void *data, size_t size, const char **ret_name, size_t *ret_name_len,
                         const char **ret_value, size_t *ret_value_len) {
        const char *d = data, *eq = memchr(d, '=', size);

        if (!eq)
                return false;
        *ret_name = d;
        *ret_name_len = (size_t) (eq - d);
        *ret_value = eq + 1;
        *ret_value_len = size - (size_t) (eq - d) - 1;
        return true;
}

/* Is the name of length len the string want? */
bool journal_field_is(const char *name, size_t len, const char *want) {
        return strlen(want) == len && memcmp(name, want, len) == 0;
}

/**
 * journal_field_set_string: keep a value, the first occurrence of its field only.
 * @slot: where the copy goes; left alone when it holds one already
 * @value: the value (not NUL-terminated)
 * @len: its length
 *
 * Return: 0, or -ENOMEM.
 */
int journal_field_set_string(char **slot, const char *value, size_t len) {
        if (*slot)
                return 0;
        *slot = memdup_nul(value, len);
        return *slot ? 0 : -ENOMEM;
}

/* PRIORITY's value: 0 to 7, or -1 when it is anything else. */
int journal_field_priority(const char *value, size_t len) {
        return len == 1 && value[0] >= '0' && value[0] <= '7' ? value[0] - '0' : -1;
}

/**
 * journal_add_match_pair: add the match FIELD=value.
 * Return: 0, or a negative errno.
 */
int journal_add_match_pair(sd_journal *j, const char *field, const char *value) {
        _cleanup_free_ char *m = NULL;

        if (asprintf(&m, "%s=%s", field, value) < 0)
                return -ENOMEM;
        return sd_journal_add_match(j, m, 0);
}
