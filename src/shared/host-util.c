/* SPDX-License-Identifier: MIT */
/* host-util.c: one answer to "is this host loopback?"
 *
 * The workflow check, heraldd's start-up warning (an unsigned trigger open to others)
 * and http_remote's plain-http check all ask it; answering it in three places had them
 * disagree (127.0.0.2 was loopback to one and not to another). Addresses are parsed,
 * not matched by prefix, so "127.evil.example" is a name, not loopback. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <strings.h>

#include "host-util.h"

/* Longer than any address text (INET6_ADDRSTRLEN with brackets): no loopback. */
#define HOST_TEXT_MAX 64

bool host_is_loopback_n(const char *host, size_t n) {
        char buf[HOST_TEXT_MAX];
        struct in_addr a4;
        struct in6_addr a6;
        bool bracketed = false;

        if (!host)
                return false;
        if (n == strlen("localhost") && strncasecmp(host, "localhost", n) == 0)
                return true;
        if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
                host++;
                n -= 2;
                bracketed = true;       /* URL style: an IPv6 address only */
        }
        if (n == 0 || n >= sizeof buf || memchr(host, '\0', n))
                return false;
        memcpy(buf, host, n);
        buf[n] = '\0';
        if (!bracketed && inet_pton(AF_INET, buf, &a4) == 1)
                return (ntohl(a4.s_addr) >> 24) == 127;
        if (inet_pton(AF_INET6, buf, &a6) == 1)
                return IN6_IS_ADDR_LOOPBACK(&a6) || (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127);
        return false;
}

bool host_is_loopback(const char *host) {
        return host && host_is_loopback_n(host, strlen(host));
}
