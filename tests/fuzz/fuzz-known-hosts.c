/* SPDX-License-Identifier: MIT */
/* fuzz-known-hosts.c: herald-git's host key check (known-hosts.c, libssh2's parser) on
 * an arbitrary known_hosts file
 *
 * The input is the file, in a memfd (nothing is written to disk), read back through
 * /proc/self/fd. Properties: the check gives one of its documented results; and a line
 * for a host the input cannot name (plain, and one hashed), added at its end, decides
 * for that host: its key matches, another key of its type has changed, a key of another
 * type is unknown, the same host on another port is unknown; except for a key an
 * @revoked line of the input lists, which is refused. Which keys those are is worked
 * out here, on the input's text, with a base64 decoder of our own. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <git2/cert.h>

#include "fuzz-util.h"
#include "known-hosts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Host names no input may contain (one that does skips the second part); the second
 * is added hashed (ssh-keygen -H), and the input may not contain that either. */
#define HOST "fuzz-known-host.invalid"
#define HASHED_HOST "fuzz-hashed.invalid"
#define HASHED_HOST_FIELD "|1|lcnaR5XCzTHln/NWgefHfRu1wio=|qcn5zudzU4aI7ADbc5HEbXjux6o="

/* Fixed keys (ssh-keygen): two ed25519 ones, and an ECDSA one for another type. */
#define KEY_A "AAAAC3NzaC1lZDI1NTE5AAAAIG5m9oiI288r0gRbpTASGpTZerXchLD1VObcnFu3cuAL"
#define KEY_B "AAAAC3NzaC1lZDI1NTE5AAAAINS1ItkAqyATfhi8DWdrfLp8mfedKdVbmG4bGwseAUZg"
#define KEY_D                                                                                           \
        "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBIRuupDiPXcFUV6GUm1hl4lyj+hjwZyETpGP2hSt"  \
        "Zk5TSCpczejnaoGvFbhOBWwQQ6XaUTVHoZeefaG+xjd4abg="

typedef struct Key {
        unsigned char raw[128];
        size_t len;
} Key;

static int b64_value(char c) {
        if (c >= 'A' && c <= 'Z')
                return c - 'A';
        if (c >= 'a' && c <= 'z')
                return c - 'a' + 26;
        if (c >= '0' && c <= '9')
                return c - '0' + 52;
        if (c == '+')
                return 62;
        if (c == '/')
                return 63;
        return -1;
}

/* Strict base64 (length a multiple of 4, '=' only as the last one or two characters),
 * what the known hosts code accepts in an @revoked line. Return: the length, or -1. */
static ssize_t b64_decode(const char *s, size_t len, unsigned char *out, size_t size) {
        size_t pad = 0, o = 0;
        uint32_t acc = 0;

        if (len == 0 || len % 4 != 0)
                return -1;
        while (pad < 2 && s[len - 1 - pad] == '=')
                pad++;
        if (len / 4 * 3 - pad > size)
                return -1;
        for (size_t i = 0; i < len; i++) {
                int v = i < len - pad ? b64_value(s[i]) : 0;

                if (v < 0)
                        return -1;
                acc = acc << 6 | (uint32_t) v;
                if (i % 4 == 3) {
                        unsigned char b[3] = { (unsigned char) (acc >> 16), (unsigned char) (acc >> 8),
                                               (unsigned char) acc };

                        for (int k = 0; k < 3 && o < len / 4 * 3 - pad; k++)
                                out[o++] = b[k];
                        acc = 0;
                }
        }
        return (ssize_t) o;
}

static Key key_of(const char *b64) {
        Key k = {};
        ssize_t n = b64_decode(b64, strlen(b64), k.raw, sizeof k.raw);

        FUZZ_CHECK(n > 0);
        k.len = (size_t) n;
        return k;
}

/* Whether every byte is printable ASCII, a tab or a newline: then the input's lines
 * are read here as known-hosts.c reads them (no NUL ending a line early, no '\r'). */
static bool plain_text(const uint8_t *data, size_t size) {
        for (size_t i = 0; i < size; i++)
                if ((data[i] < 0x20 || data[i] > 0x7e) && data[i] != '\t' && data[i] != '\n')
                        return false;
        return true;
}

/* Whether a line of @data is "@revoked <hosts> <type> <base64 of @k> ...": lines longer
 * than KNOWN_HOSTS_LINE_MAX (newline included; the last one gets ours) do not count. */
static bool input_revokes(const uint8_t *data, size_t size, const Key *k) {
        const char *s = (const char *) data, *end = s + size;

        while (s < end) {
                const char *nl = memchr(s, '\n', (size_t) (end - s)), *e = nl ?: end;
                const char *p = s, *field[4];
                size_t flen[4], n = 0;

                s = e + 1;
                if ((size_t) (e - p) + 1 > KNOWN_HOSTS_LINE_MAX)
                        continue;
                /* the fields, blank-separated: the marker, hosts, type, key */
                while (n < 4) {
                        while (p < e && (*p == ' ' || *p == '\t'))
                                p++;
                        if (p == e)
                                break;
                        field[n] = p;
                        while (p < e && *p != ' ' && *p != '\t')
                                p++;
                        flen[n] = (size_t) (p - field[n]);
                        n++;
                }
                if (n == 4 && flen[0] == strlen("@revoked") && memcmp(field[0], "@revoked", flen[0]) == 0) {
                        unsigned char raw[sizeof k->raw];
                        ssize_t l = b64_decode(field[3], flen[3], raw, sizeof raw);

                        if (l == (ssize_t) k->len && memcmp(raw, k->raw, k->len) == 0)
                                return true;
                }
        }
        return false;
}

static int check(const char *path, const char *host, int port, int type, const Key *k) {
        char *files[] = { (char *) path, NULL };
        const char *bad = (const char *) 1;
        int r = known_hosts_check(files, host, port, type, (const char *) k->raw, k->len, &bad);

        /* A memfd of at most a few kB reads fine and is not too large. */
        FUZZ_CHECK(r == 0 || r == KNOWN_HOSTS_E_UNKNOWN || r == KNOWN_HOSTS_E_CHANGED ||
                   r == KNOWN_HOSTS_E_REVOKED || r == -ENOMEM);
        /* Only a revocation (of these results) comes from one file. */
        FUZZ_CHECK(r == KNOWN_HOSTS_E_REVOKED ? bad && streq(bad, path) : !bad);
        return r;
}

/* What the check of a key gives, when an @revoked line of the input lists it (or may:
 * @revoked < 0 when that could not be told). */
static void expect(int r, int expected, int revoked) {
        if (r == -ENOMEM)
                return;
        if (revoked < 0)
                FUZZ_CHECK(r == expected || r == KNOWN_HOSTS_E_REVOKED);
        else
                FUZZ_CHECK(r == (revoked ? KNOWN_HOSTS_E_REVOKED : expected));
}

static bool write_all(int fd, const void *p, size_t n) {
        while (n > 0) {
                ssize_t w = write(fd, p, n);

                if (w <= 0)
                        return false;
                p = (const char *) p + w;
                n -= (size_t) w;
        }
        return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const char line[] = "\n" HOST " ssh-ed25519 " KEY_A " fuzz\n"
                                   HASHED_HOST_FIELD " ssh-ed25519 " KEY_A "\n";
        _cleanup_close_ int fd = -1;
        Key a = key_of(KEY_A), b = key_of(KEY_B), d = key_of(KEY_D);
        int revoked_a = -1, revoked_b = -1, revoked_d = -1;
        char path[64];

        /* Far from the size limit, so the line added below never takes the file over it. */
        if (size > KNOWN_HOSTS_FILE_MAX / 2)
                return 0;
        fd = memfd_create("known_hosts", MFD_CLOEXEC);
        if (fd < 0 || !write_all(fd, data, size))
                return 0;
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);

        /* Any host, any key: one of the documented results. */
        (void) check(path, "git.example.com", 0, GIT_CERT_SSH_RAW_TYPE_KEY_ED25519, &a);
        (void) check(path, "git.example.com", 2222, GIT_CERT_SSH_RAW_TYPE_KEY_ECDSA_256, &d);

        if (memmem(data, size, HOST, strlen(HOST)) || memmem(data, size, HASHED_HOST, strlen(HASHED_HOST)) ||
            memmem(data, size, HASHED_HOST_FIELD, strlen(HASHED_HOST_FIELD)))
                return 0;
        if (!write_all(fd, line, strlen(line)))
                return 0;

        if (!memmem(data, size, "@revoked", strlen("@revoked")))
                revoked_a = revoked_b = revoked_d = 0;
        else if (plain_text(data, size)) {
                revoked_a = input_revokes(data, size, &a);
                revoked_b = input_revokes(data, size, &b);
                revoked_d = input_revokes(data, size, &d);
        }
        if (getenv("HERALD_FUZZ_VERBOSE"))
                fprintf(stderr, "revoked: A %d, B %d, D %d\n", revoked_a, revoked_b, revoked_d);

        expect(check(path, HOST, 0, GIT_CERT_SSH_RAW_TYPE_KEY_ED25519, &a), 0, revoked_a);
        expect(check(path, HOST, 22, GIT_CERT_SSH_RAW_TYPE_KEY_ED25519, &a), 0, revoked_a);
        expect(check(path, HOST, 0, GIT_CERT_SSH_RAW_TYPE_KEY_ED25519, &b), KNOWN_HOSTS_E_CHANGED, revoked_b);
        expect(check(path, HOST, 0, GIT_CERT_SSH_RAW_TYPE_KEY_ECDSA_256, &d), KNOWN_HOSTS_E_UNKNOWN, revoked_d);
        expect(check(path, HOST, 2222, GIT_CERT_SSH_RAW_TYPE_KEY_ED25519, &a), KNOWN_HOSTS_E_UNKNOWN, revoked_a);
        expect(check(path, HASHED_HOST, 0, GIT_CERT_SSH_RAW_TYPE_KEY_ED25519, &a), 0, revoked_a);
        expect(check(path, HASHED_HOST, 0, GIT_CERT_SSH_RAW_TYPE_KEY_ED25519, &b), KNOWN_HOSTS_E_CHANGED, revoked_b);
        return 0;
}
