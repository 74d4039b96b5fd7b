/* SPDX-License-Identifier: MIT */
/* journal-check.h: did an entry we sent reach the journal? */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

int journal_check_sent(const char *message_id, pid_t pid, const char *match, uint64_t timeout_usec, bool *ret_found);
bool journal_rate_limit_can_drop(const char *unit);
