/* SPDX-License-Identifier: MIT */
/* known-hosts.c: checking an SSH server's host key against OpenSSH known_hosts files
 *
 * Herald connects to any SSH server without checking its key. herald refuses a server
 * whose key is not listed, or is listed with another key, in the known hosts files
 * (the executor's `git_ssh_known_hosts`, or the system's and the user's, as ssh(1)).
 * The files are read line by line through libssh2's parser, so one line it cannot
 * read (a key type it does not know, an @cert-authority marker: we do not do
 * certificates) is skipped instead of hiding every line after it, as
 * libssh2_knownhost_readfile() would. libssh2 does not know @revoked markers; we read
 * those ourselves, and a revoked key is refused even where another line lists it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <git2/cert.h>
#include <libssh2.h>
#include <openssl/evp.h>

#include "known-hosts.h"
#include "macro.h"

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

/* The next line of @f, its newline included, into @buf (KNOWN_HOSTS_LINE_MAX + 1 bytes),
 * NUL-terminated, CRs before its LF dropped; @total counts the bytes read from the file.
 *
 * Return: 1 for a line; 0 at the end of the file; -E2BIG for a line longer than
 * KNOWN_HOSTS_LINE_MAX (read up to its newline, not kept); -EFBIG once the file gave
 * more than KNOWN_HOSTS_FILE_MAX bytes (one that is not regular, or grew); the
 * negative errno of a read error. */
static int read_line(FILE *f, char *buf, size_t *total) {
        size_t n = 0;
        int c;

        while ((c = getc_unlocked(f)) != EOF) {
                if (++*total > KNOWN_HOSTS_FILE_MAX)
                        return -EFBIG;
                if (n < KNOWN_HOSTS_LINE_MAX)
                        buf[n] = (char) c;
                n++;
                if (c == '\n')
                        break;
        }
        if (ferror(f))
                return ERRNO_OR(EIO);
        if (n == 0)
                return 0;
        if (n > KNOWN_HOSTS_LINE_MAX)
                return -E2BIG;
        /* A CRLF line ends as an LF one: ssh(1) takes a CR for a blank, libssh2 would
         * keep it in the key and never match the line. */
        if (buf[n - 1] == '\n')
                while (n >= 2 && buf[n - 2] == '\r')
                        buf[--n - 1] = '\n';
        buf[n] = 0;
        return 1;
}

/* What follows @marker at the start of @p, when a blank ends the marker, as OpenSSH
 * reads them; NULL otherwise. */
static const char *after_marker(const char *p, const char *marker) {
        const char *e = startswith(p, marker);

        return e && (*e == ' ' || *e == '\t') ? e : NULL;
}

static bool is_base64_char(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                c == '+' || c == '/';
}

/* Whether @s (@len bytes) is a SHA-1 digest (20 bytes) in base64, as OpenSSH writes it. */
static bool is_base64_sha1(const char *s, size_t len) {
        if (len != 28 || s[27] != '=')
                return false;
        for (size_t i = 0; i < 27; i++)
                if (!is_base64_char(s[i]))
                        return false;
        return true;
}

/* Whether the host field of a line (@p: the line, after its leading blanks) may go to
 * libssh2. A hashed one, "|1|<salt>|<hash>", must be as ssh-keygen -H writes it: salt
 * and hash of 20 bytes each, which OpenSSH requires too (hostfile.c). A hash of another
 * length can never match, and libssh2 (1.10; its current source still) leaks an HMAC
 * context for each such entry at every check: knownhost_check() makes one before it
 * looks at the length. */
static bool host_field_ok(const char *p) {
        size_t len = strcspn(p, " \t");

        if (!startswith(p, "|1|"))
                return true;
        return len == 3 + 28 + 1 + 28 && p[3 + 28] == '|' &&
                is_base64_sha1(p + 3, 28) && is_base64_sha1(p + 3 + 28 + 1, 28);
}

/* Whether an @revoked line (@p: what follows its marker: "<hostpatterns> <keytype>
 * <base64 key> [comment]") lists @key.
 *
 * Return: 1 if it does, 0 if not (or the line is malformed), -ENOMEM. */
static int revokes(const char *p, const char *key, size_t key_len) {
        _cleanup_free_ unsigned char *raw = NULL;
        const char *b64;
        size_t len, pad = 0;

        /* Over the host patterns and the key type: the key is the third field. */
        for (int i = 0; i < 2; i++) {
                p += strspn(p, " \t");
                p += strcspn(p, " \t\r\n");
        }
        b64 = p + strspn(p, " \t");
        len = strcspn(b64, " \t\r\n");

        /* EVP_DecodeBlock() takes '=' anywhere as zero bits and counts the padding in
         * its result: accept only canonical padding, and take the real length from it. */
        if (len == 0 || len % 4 != 0)
                return 0;
        while (pad < 2 && b64[len - 1 - pad] == '=')
                pad++;
        for (size_t i = 0; i < len - pad; i++)
                if (!is_base64_char(b64[i]))
                        return 0;
        if (len / 4 * 3 - pad != key_len)
                return 0;

        raw = malloc(len / 4 * 3 + 1);
        if (!raw)
                return -ENOMEM;
        if (EVP_DecodeBlock(raw, (const unsigned char *) b64, (int) len) != (int) (len / 4 * 3))
                return 0;
        return memcmp(raw, key, key_len) == 0;
}

/* Feeds the lines of @path to libssh2, and tells whether an @revoked line lists @key.
 *
 * Return: 0, also for a file that is missing or cannot be opened (it trusts nothing,
 * as with ssh(1)); KNOWN_HOSTS_E_REVOKED; -EFBIG for a file larger than
 * KNOWN_HOSTS_FILE_MAX; the negative errno of a read error (-EISDIR for a directory,
 * -EBADFD for a FIFO), since what was not read could revoke the key; -ENOMEM. */
static int load_file(LIBSSH2_KNOWNHOSTS *kh, const char *path, const char *key, size_t key_len) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_fclose_ FILE *f = NULL;
        _cleanup_free_ char *line = NULL;
        size_t total = 0;
        struct stat st;
        int r;

        /* O_NONBLOCK: opening a FIFO without a writer would wait until herald-git's
         * watchdog ends the job; it is refused below instead. */
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return 0;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (S_ISDIR(st.st_mode))
                return -EISDIR;
        /* A device (/dev/null) is read as it is, up to the size limit; a FIFO is no
         * file of keys (a socket cannot be opened: skipped above, as ssh(1) does). */
        if (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode))
                return -EBADFD;
        /* Refuse a file that is too large before reading any of it. */
        if (S_ISREG(st.st_mode) && st.st_size > KNOWN_HOSTS_FILE_MAX)
                return -EFBIG;
        if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0)
                return -errno;
        f = fdopen(fd, "r");
        if (!f)
                return -errno;
        TAKE_FD(fd);

        line = malloc(KNOWN_HOSTS_LINE_MAX + 1);
        if (!line)
                return -ENOMEM;

        while ((r = read_line(f, line, &total)) != 0) {
                const char *p = line + strspn(line, " \t"), *m;

                if (r == -E2BIG)
                        continue;       /* too long for a key we could use */
                if (r < 0)
                        return r;
                if (*p == '#' || *p == '\n' || *p == 0)
                        continue;
                if (*p == '@') {
                        /* A revoked key is refused whatever host patterns the line has:
                         * stricter than ssh(1), which refuses it only for those hosts,
                         * but no host should be trusted with a key its admin revoked.
                         * Other markers (@cert-authority) are skipped. */
                        m = after_marker(p, "@revoked");
                        if (m) {
                                r = revokes(m, key, key_len);
                                if (r < 0)
                                        return r;
                                if (r > 0)
                                        return KNOWN_HOSTS_E_REVOKED;
                        }
                        continue;
                }
                if (!host_field_ok(p))
                        continue;
                (void) libssh2_knownhost_readline(kh, p, strlen(p), LIBSSH2_KNOWNHOST_FILE_OPENSSH);
        }
        return 0;
}

/**
 * known_hosts_check: whether a host key is the one known for a host.
 * @files: NULL-terminated list of known_hosts files; missing ones (and ones that
 *         cannot be opened) are skipped
 * @host: the host name (or address) as it appears in the remote URL
 * @port: the port (0 or 22 matches "host", also "[host]:22"; others only "[host]:port",
 *        as in OpenSSH)
 * @git_raw_type: the key's type (GIT_CERT_SSH_RAW_TYPE_*)
 * @key: the raw key
 * @key_len: its length
 * @ret_file: set to the file an @revoked line, -EFBIG or a read error comes from, else
 *            NULL (may be NULL)
 *
 * Hashed host names (HashKnownHosts) are understood. Lines longer than
 * KNOWN_HOSTS_LINE_MAX are skipped.
 *
 * Return: 0 for a match; KNOWN_HOSTS_E_UNKNOWN, KNOWN_HOSTS_E_CHANGED,
 * KNOWN_HOSTS_E_REVOKED; -EFBIG for a file larger than KNOWN_HOSTS_FILE_MAX; the
 * negative errno of a read error (past opening the file); -EIO when libssh2 fails;
 * -ENOMEM.
 */
int known_hosts_check(char *const files[], const char *host, int port,
                      int git_raw_type, const char *key, size_t key_len,
                      const char **ret_file) {
        LIBSSH2_SESSION *session;
        LIBSSH2_KNOWNHOSTS *kh;
        struct libssh2_knownhost *entry = NULL;
        _cleanup_free_ char *name = NULL;
        int check, r = 0;

        if (ret_file)
                *ret_file = NULL;

        session = libssh2_session_init();
        if (!session)
                return -ENOMEM;
        kh = libssh2_knownhost_init(session);
        if (!kh) {
                libssh2_session_free(session);
                return -ENOMEM;
        }

        for (char *const *f = files; f && *f; f++) {
                r = load_file(kh, *f, key, key_len);
                if (r != 0) {
                        if (ret_file && r != -ENOMEM)
                                *ret_file = *f;
                        goto finish;
                }
        }

        /* Given a port, libssh2 looks up "[host]:port" and then "host" whatever the port,
         * so the key listed for port 22 would be taken for any other port's. OpenSSH
         * looks up "[host]:port" only: we name it ourselves, and pass no port. */
        if (port > 0 && port != 22) {
                if (asprintf(&name, "[%s]:%d", host, port) < 0) {
                        name = NULL;
                        r = -ENOMEM;
                        goto finish;
                }
        }
        check = libssh2_knownhost_checkp(kh, name ?: host, name ? -1 : 22, key, key_len,
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

finish:
        libssh2_knownhost_free(kh);
        libssh2_session_free(session);
        return r;
}
