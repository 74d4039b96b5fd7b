/* SPDX-License-Identifier: MIT */
/* journal-field.h: taking journal entries apart, one "FIELD=value" datum at a time */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <systemd/sd-journal.h>

/* Walks every field of the current entry; fields compressed with an algorithm this
 * libsystemd lacks are skipped instead of failing the entry. */
#define JOURNAL_FOREACH_AVAILABLE_DATA(j, data, size) \
        for (sd_journal_restart_data(j); sd_journal_enumerate_available_data((j), &(data), &(size)) > 0;)

bool journal_field_split(const void *data, size_t size, const char **ret_name, size_t *ret_name_len,
                         const char **ret_value, size_t *ret_value_len);
bool journal_field_is(const char *name, size_t len, const char *want);
int journal_field_set_string(char **slot, const char *value, size_t len);
int journal_field_priority(const char *value, size_t len);
int journal_add_match_pair(sd_journal *j, const char *field, const char *value);
