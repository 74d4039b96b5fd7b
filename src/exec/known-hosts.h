/* SPDX-License-Identifier: MIT */
/* known-hosts.h: checking an SSH server's host key against OpenSSH known_hosts files */
#pragma once

#include <stddef.h>

/* Expected outcomes of known_hosts_check() besides a match (0). */
enum {
        KNOWN_HOSTS_E_UNKNOWN = 1,      /* no entry for this host and key type */
        KNOWN_HOSTS_E_CHANGED = 2,      /* an entry for this host and key type with another key */
};

/* The files OpenSSH's client reads by default (the user's is added at run time). */
#define KNOWN_HOSTS_SYSTEM "/etc/ssh/ssh_known_hosts"

int known_hosts_check(char *const files[], const char *host, int port,
                      int git_raw_type, const char *key, size_t key_len);
const char *known_hosts_key_type_name(int git_raw_type);
int known_hosts_fingerprint(const char *key, size_t key_len, char **ret);
