/* SPDX-License-Identifier: MIT */
/* journal-send.h: one structured entry to journald over its native protocol */
#pragma once

#include <stddef.h>
#include <sys/uio.h>

#define JOURNAL_NATIVE_SOCKET "/run/systemd/journal/socket"

int journal_native_encode(const struct iovec *iov, size_t n, char **ret, size_t *ret_size);
int journal_native_send_to(const char *path, const struct iovec *iov, size_t n);
int journal_native_send(const struct iovec *iov, size_t n);
