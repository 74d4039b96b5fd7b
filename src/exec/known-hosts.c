/* SPDX-License-Identifier: MIT */
/* known-hosts.c: checking an SSH server's host key against OpenSSH known_hosts files
 *
 * Herald connects to any SSH server without checking its key. herald refuses a server
 * whose key is not listed, or is listed with another key, in the known hosts files
 * (the executor's `git_ssh_known_hosts`, or the system's and the user's, as ssh(1)).
 * The files are read line by line through libssh2's parser, so one line it cannot
 * read (an @cert-authority or @revoked marker, a key type it does not know) is skipped
 * instead of hiding every line after it, as libssh2_knownhost_readfile() would.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <git2/cert.h>
#include <libssh2.h>
#include <openssl/evp.h>

#include "known-hosts.h"
#include "macro.h"

/* Longer lines (huge RSA keys) are not expected; they are skipped. */
#define KNOWN_HOSTS_LINE_MAX 16384

static int libssh2_key_type(int git_raw_type) {
        switch (git_raw_type) {
        case GIT_CERT_SSH_RAW_TYPE_RSA:
                return LIBSSH2_KNOWNHOST_KEY_SSHRSA;
        case GIT_CERT_SSH_RAW_TYPE_DSS:
                return LIBSSH2_KNOWNHOST_KEY_SSHDSS;
        case GIT_CERT_SSH_RAW_TYPE_KEY_ECDSA_256:
                return LIBSSH2_KNOWNHOST_KEY_ECDSA_256;
        case GIT_CERT_SSH_RAW_TYPE_KEY_ECDSA_384:
                return LIBSSH2_KNOWNHOST_KEY_ECDSA_384;
        case GIT_CERT_SSH_RAW_TYPE_KEY_ECDSA_521:
                return LIBSSH2_KNOWNHOST_KEY_ECDSA_521;
        case GIT_CERT_SSH_RAW_TYPE_KEY_ED25519:
                return LIBSSH2_KNOWNHOST_KEY_ED25519;
        default:
                return 0;       /* compare with entries of any type */
        }
}

/**
 * known_hosts_key_type_name: the OpenSSH name of a host key type.
 * @git_raw_type: a GIT_CERT_SSH_RAW_TYPE_* value
 *
 * Return: "ssh-ed25519", "ssh-rsa", ..., or "unknown".
 */
const char *known_hosts_key_type_name(int git_raw_type) {
        switch (git_raw_type) {
        case GIT_CERT_SSH_RAW_TYPE_RSA:
                return "ssh-rsa";
        case GIT_CERT_SSH_RAW_TYPE_DSS:
                return "ssh-dss";
        case GIT_CERT_SSH_RAW_TYPE_KEY_ECDSA_256:
                return "ecdsa-sha2-nistp256";
        case GIT_CERT_SSH_RAW_TYPE_KEY_ECDSA_384:
                return "ecdsa-sha2-nistp384";
        case GIT_CERT_SSH_RAW_TYPE_KEY_ECDSA_521:
                return "ecdsa-sha2-nistp521";
        case GIT_CERT_SSH_RAW_TYPE_KEY_ED25519:
                return "ssh-ed25519";
        default:
                return "unknown";
        }
}

/**
 * known_hosts_fingerprint: a host key's fingerprint as ssh-keygen -l prints it.
 * @key: the raw key (the SSH wire format)
 * @key_len: its length
 * @ret: "SHA256:<base64 without padding>"; free() it
 *
 * Return: 0, -EIO when hashing fails, or -ENOMEM.
 */
int known_hosts_fingerprint(const char *key, size_t key_len, char **ret) {
        unsigned char digest[EVP_MAX_MD_SIZE], b64[2 * EVP_MAX_MD_SIZE];
        unsigned int dlen = 0;
        int l;

        if (EVP_Digest(key, key_len, digest, &dlen, EVP_sha256(), NULL) != 1)
                return -EIO;
        l = EVP_EncodeBlock(b64, digest, (int) dlen);
        while (l > 0 && b64[l - 1] == '=')
                l--;
        if (asprintf(ret, "SHA256:%.*s", l, (const char *) b64) < 0)
                return -ENOMEM;
        return 0;
}

static void load_file(LIBSSH2_KNOWNHOSTS *kh, const char *path) {
        _cleanup_fclose_ FILE *f = NULL;
        _cleanup_free_ char *line = NULL;
        size_t allocated = 0;
        ssize_t n;

        f = fopen(path, "re");
        if (!f)
                return;         /* a missing file trusts nothing, as with ssh(1) */

        while ((n = getline(&line, &allocated, f)) >= 0) {
                const char *p = line + strspn(line, " \t");

                if (n > KNOWN_HOSTS_LINE_MAX || *p == '#' || *p == '\n' || *p == 0 || *p == '@')
                        continue;
                (void) libssh2_knownhost_readline(kh, p, strlen(p), LIBSSH2_KNOWNHOST_FILE_OPENSSH);
        }
}

/**
 * known_hosts_check: whether a host key is the one known for a host.
 * @files: NULL-terminated list of known_hosts files; missing ones are skipped
 * @host: the host name (or address) as it appears in the remote URL
 * @port: the port (22 matches "host", others "[host]:port", as in OpenSSH)
 * @git_raw_type: the key's type (GIT_CERT_SSH_RAW_TYPE_*)
 * @key: the raw key
 * @key_len: its length
 *
 * Hashed host names (HashKnownHosts) are understood.
 *
 * Return: 0 for a match; KNOWN_HOSTS_E_UNKNOWN, KNOWN_HOSTS_E_CHANGED; -ENOMEM, or
 * -EIO when libssh2 fails.
 */
int known_hosts_check(char *const files[], const char *host, int port,
                      int git_raw_type, const char *key, size_t key_len) {
        LIBSSH2_SESSION *session;
        LIBSSH2_KNOWNHOSTS *kh;
        struct libssh2_knownhost *entry = NULL;
        int check, r;

        session = libssh2_session_init();
        if (!session)
                return -ENOMEM;
        kh = libssh2_knownhost_init(session);
        if (!kh) {
                libssh2_session_free(session);
                return -ENOMEM;
        }

        for (char *const *f = files; f && *f; f++)
                load_file(kh, *f);

        check = libssh2_knownhost_checkp(kh, host, port > 0 ? port : 22, key, key_len,
                                         LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW |
                                         libssh2_key_type(git_raw_type),
                                         &entry);
        switch (check) {
        case LIBSSH2_KNOWNHOST_CHECK_MATCH:
                r = 0;
                break;
        case LIBSSH2_KNOWNHOST_CHECK_MISMATCH:
                r = KNOWN_HOSTS_E_CHANGED;
                break;
        case LIBSSH2_KNOWNHOST_CHECK_NOTFOUND:
                r = KNOWN_HOSTS_E_UNKNOWN;
                break;
        default:
                r = -EIO;
        }

        libssh2_knownhost_free(kh);
        libssh2_session_free(session);
        return r;
}
