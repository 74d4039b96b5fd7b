/* SPDX-License-Identifier: MIT */
/* host-util.h: what counts as a loopback host, for every place that asks */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* "localhost" (any case), an IPv4 address in 127.0.0.0/8, or ::1 (bracketed or not, also
 * as ::ffff:127.x.y.z): a host only this machine reaches. Anything else, names included,
 * is not. @n: the host's length (it need not be NUL-terminated). */
bool host_is_loopback_n(const char *host, size_t n);
bool host_is_loopback(const char *host);
