/* SPDX-License-Identifier: MIT */
/* known-hosts.h: checking an SSH server's host key against OpenSSH known_hosts files */
#pragma once

#include <stddef.h>

/* Expected outcomes of known_hosts_check() besides a match (0). */
enum {
        KNOWN_HOSTS_E_UNKNOWN = 1,      /* no entry for this host and key type */
        KNOWN_HOSTS_E_CHANGED = 2,      /* an entry for this host and key type with another key */
        KNOWN_HOSTS_E_REVOKED = 3,      /* an @revoked line lists the key */
};

/* The files OpenSSH's client reads by default (the user's is added at run time). */
#define KNOWN_HOSTS_SYSTEM "/etc/ssh/ssh_known_hosts"

/* The longest line read, its newline included: an RSA key of 16384 bits (OpenSSH's
 * largest) takes about 2.8 kB of base64, so longer lines hold no key we could use;
 * they are skipped, never buffered whole. */
#define KNOWN_HOSTS_LINE_MAX 16384

/* The largest known hosts file read: 16 MiB is over 20000 hosts with 4096-bit RSA
 * keys, or 100000 with ed25519 ones. libssh2 keeps every entry in memory and compares
 * them one by one, so a larger file (or /dev/zero given as one) would only cost memory
 * and time; it is refused (-EFBIG) rather than read in part, since the part not read
 * could hold an @revoked line. */
#define KNOWN_HOSTS_FILE_MAX (16 * 1024 * 1024)

int known_hosts_check(char *const files[], const char *host, int port,
                      int git_raw_type, const char *key, size_t key_len,
                      const char **ret_file);
const char *known_hosts_key_type_name(int git_raw_type);
int known_hosts_fingerprint(const char *key, size_t key_len, char **ret);
