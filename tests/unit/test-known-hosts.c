/* SPDX-License-Identifier: MIT */
/* test-known-hosts.c: SSH host keys against known_hosts files (libssh2's parser, our
 * line reading, limits and @revoked markers) */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <git2/cert.h>
#include <openssl/evp.h>

#include "fs-util.h"
#include "known-hosts.h"
#include "macro.h"

/* Public keys made once with ssh-keygen (the base64 part of each .pub line). The
 * ECDSA ones end in padding ('=', '=='); the others have none. */
#define ED25519_A "AAAAC3NzaC1lZDI1NTE5AAAAIG5m9oiI288r0gRbpTASGpTZerXchLD1VObcnFu3cuAL"
#define ED25519_B "AAAAC3NzaC1lZDI1NTE5AAAAINS1ItkAqyATfhi8DWdrfLp8mfedKdVbmG4bGwseAUZg"
#define RSA_C                                                                                           \
        "AAAAB3NzaC1yc2EAAAADAQABAAABAQDDjMLpmc0gzlpV026yyqt+UkzaKPaz90u20X1A+bH4G7cjPZOCgvdeH4uFXna8"  \
        "laaehgfGEVRTPCNlbkdAGU3P/bS/AQqeWwmmTLDVATeCDM5oe6D78bhdFy7/TMTe/uyoNw6vdRsly9T1W6Xxj2ddj38r" \
        "CKf1uXD5z2oOVtGegYzuQVGW6a/f7eqpy2dbL/SHSs4Dd4rhJP0HzDHEXQ8Ncu+qbwVM+b0JVUC9ZtgMAOHboNVn8cSr" \
        "UgKeEIbsEL9oiRWTT+RxREChn5GfC0pskBpYjpKvSZG/HWdgO8HgNtnBe8UEfejuHm/BQvtX36GoVubewo0Puc+k1MB7oOy9"
#define ECDSA256_D                                                                                      \
        "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBIRuupDiPXcFUV6GUm1hl4lyj+hjwZyETpGP2hSt"  \
        "Zk5TSCpczejnaoGvFbhOBWwQQ6XaUTVHoZeefaG+xjd4abg="
#define ECDSA384_E                                                                                      \
        "AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBO2YZbzvVzx2EMGBsfNzNHL08kHVc4Ay4Cl6y854"  \
        "mtEX26JQWZEgWZrHYZSEb1SV9rkPNsn2pCfNUvnxffr98BgnDTkaFVfbEekQxtSVilIIOWN7Trv+K2Y64l/bu3KHCw=="

/* ssh-keygen -H of "hashed.example.com ssh-ed25519 ED25519_A" and of the same line for
 * "[hashed.example.com]:2222". */
#define HASHED_22 "|1|8GHNZXizgHOe7jibuD89ikqt4IU=|1TqKsAAengg6lqUK4/BIgyqaDpg= ssh-ed25519 " ED25519_A
#define HASHED_2222 "|1|EIsumBxzcLMP05AvFYbz57rjqeg=|dDAZCXWp09aVE7a8r4BcMvgj5dM= ssh-ed25519 " ED25519_A

enum { T_ED25519 = GIT_CERT_SSH_RAW_TYPE_KEY_ED25519, T_RSA = GIT_CERT_SSH_RAW_TYPE_RSA,
       T_ECDSA256 = GIT_CERT_SSH_RAW_TYPE_KEY_ECDSA_256, T_ECDSA384 = GIT_CERT_SSH_RAW_TYPE_KEY_ECDSA_384 };

static char dir[] = "/tmp/test-known-hosts-XXXXXX";

static int dir_setup(void **state) {
        return mkdtemp(dir) ? 0 : -1;
}

static int dir_teardown(void **state) {
        return rm_rf(dir) < 0 ? -1 : 0;
}

/* The raw key (SSH wire format) of a base64 key: what libgit2 hands us. */
static size_t decode(const char *b64, unsigned char *buf, size_t size) {
        size_t len = strlen(b64), pad = 0;
        int n;

        assert_true(len / 4 * 3 <= size);
        while (pad < len && b64[len - 1 - pad] == '=')
                pad++;
        n = EVP_DecodeBlock(buf, (const unsigned char *) b64, (int) len);
        assert_true(n > 0);
        return (size_t) n - pad;
}

/* A file in the test directory with @text; its path, static. */
static const char *write_hosts(const char *name, const char *text) {
        static char path[4][256];
        static unsigned i;
        char *p = path[i++ % ELEMENTSOF(path)];

        snprintf(p, sizeof path[0], "%s/%s", dir, name);
        assert_int_equal(write_file_atomic(p, text, strlen(text), 0644), 0);
        return p;
}

/* known_hosts_check() of @host:@port with the key @b64 of type @type against @files. */
static int check_files(char *const files[], const char *host, int port, int type, const char *b64,
                       const char **ret_file) {
        unsigned char key[1024];
        size_t len = decode(b64, key, sizeof key);

        return known_hosts_check(files, host, port, type, (const char *) key, len, ret_file);
}

/* The same against one file holding @text. */
static int check(const char *text, const char *host, int port, int type, const char *b64) {
        char *files[] = { (char *) write_hosts("known_hosts", text), NULL };
        const char *bad = (const char *) 1;
        int r = check_files(files, host, port, type, b64, &bad);

        /* Only an @revoked line, a size or a read error names a file. */
        if (r == KNOWN_HOSTS_E_REVOKED || r == -EFBIG || r == -EISDIR)
                assert_string_equal(bad, files[0]);
        else
                assert_null(bad);
        return r;
}

static void test_match(void **state) {
        const char *kh = "git.example.com ssh-ed25519 " ED25519_A "\n"
                         "rsa.example.com,192.0.2.1 ssh-rsa " RSA_C " a comment\n"
                         "ecdsa.example.com ecdsa-sha2-nistp256 " ECDSA256_D "\n";

        assert_int_equal(check(kh, "git.example.com", 0, T_ED25519, ED25519_A), 0);
        assert_int_equal(check(kh, "git.example.com", 22, T_ED25519, ED25519_A), 0);
        assert_int_equal(check(kh, "rsa.example.com", 0, T_RSA, RSA_C), 0);
        assert_int_equal(check(kh, "192.0.2.1", 0, T_RSA, RSA_C), 0);
        assert_int_equal(check(kh, "ecdsa.example.com", 0, T_ECDSA256, ECDSA256_D), 0);
        /* no newline after the last line */
        assert_int_equal(check("git.example.com ssh-ed25519 " ED25519_A, "git.example.com", 0, T_ED25519, ED25519_A), 0);
}

static void test_unknown(void **state) {
        const char *kh = "git.example.com ssh-ed25519 " ED25519_A "\n";

        assert_int_equal(check(kh, "other.example.com", 0, T_ED25519, ED25519_A), KNOWN_HOSTS_E_UNKNOWN);
        /* host names are not patterns, and not prefixes */
        assert_int_equal(check(kh, "git.example.co", 0, T_ED25519, ED25519_A), KNOWN_HOSTS_E_UNKNOWN);
        /* a key of another type than the listed one: unknown, as with ssh(1) */
        assert_int_equal(check(kh, "git.example.com", 0, T_RSA, RSA_C), KNOWN_HOSTS_E_UNKNOWN);
        assert_int_equal(check("", "git.example.com", 0, T_ED25519, ED25519_A), KNOWN_HOSTS_E_UNKNOWN);
}

static void test_changed(void **state) {
        const char *kh = "git.example.com ssh-ed25519 " ED25519_B "\n"
                         "git.example.com ssh-rsa " RSA_C "\n";

        assert_int_equal(check(kh, "git.example.com", 0, T_ED25519, ED25519_A), KNOWN_HOSTS_E_CHANGED);
        assert_int_equal(check(kh, "git.example.com", 0, T_ED25519, ED25519_B), 0);
        assert_int_equal(check(kh, "git.example.com", 0, T_RSA, RSA_C), 0);
        /* a second line with the right key wins over one with another */
        assert_int_equal(check("git.example.com ssh-ed25519 " ED25519_B "\n"
                               "git.example.com ssh-ed25519 " ED25519_A "\n",
                               "git.example.com", 0, T_ED25519, ED25519_A), 0);
}

static void test_port(void **state) {
        const char *kh = "[git.example.com]:2222 ssh-ed25519 " ED25519_A "\n";

        assert_int_equal(check(kh, "git.example.com", 2222, T_ED25519, ED25519_A), 0);
        assert_int_equal(check(kh, "git.example.com", 2222, T_ED25519, ED25519_B), KNOWN_HOSTS_E_CHANGED);
        assert_int_equal(check(kh, "git.example.com", 22, T_ED25519, ED25519_A), KNOWN_HOSTS_E_UNKNOWN);
        assert_int_equal(check(kh, "git.example.com", 2223, T_ED25519, ED25519_A), KNOWN_HOSTS_E_UNKNOWN);
        /* the key listed for port 22 does not stand for another port's, as with ssh(1) */
        assert_int_equal(check("git.example.com ssh-ed25519 " ED25519_A "\n",
                               "git.example.com", 2222, T_ED25519, ED25519_A), KNOWN_HOSTS_E_UNKNOWN);
        assert_int_equal(check("git.example.com ssh-ed25519 " ED25519_A "\n"
                               "[git.example.com]:2222 ssh-ed25519 " ED25519_B "\n",
                               "git.example.com", 2222, T_ED25519, ED25519_A), KNOWN_HOSTS_E_CHANGED);
}

static void test_hashed(void **state) {
        const char *kh = HASHED_22 "\n" HASHED_2222 "\n";

        assert_int_equal(check(kh, "hashed.example.com", 0, T_ED25519, ED25519_A), 0);
        assert_int_equal(check(kh, "hashed.example.com", 2222, T_ED25519, ED25519_A), 0);
        assert_int_equal(check(kh, "hashed.example.com", 0, T_ED25519, ED25519_B), KNOWN_HOSTS_E_CHANGED);
        assert_int_equal(check(kh, "hashed.example.com", 2223, T_ED25519, ED25519_A), KNOWN_HOSTS_E_UNKNOWN);
        assert_int_equal(check(kh, "git.example.com", 0, T_ED25519, ED25519_A), KNOWN_HOSTS_E_UNKNOWN);
        /* Hashes and salts that are not 20 bytes are skipped (libssh2 leaked memory for
         * them at each check: run under ASan), and do not hide the next line. */
        assert_int_equal(check("|1|c2hvcnQ=|aGFzaA== ssh-ed25519 " ED25519_B "\n"
                               "|1|c2hvcnQ=|1TqKsAAengg6lqUK4/BIgyqaDpg= ssh-ed25519 " ED25519_B "\n"
                               "|1|8GHNZXizgHOe7jibuD89ikqt4IU=|1TqKsAAengg6lqUK4/BIgyqaDpg ssh-ed25519 " ED25519_B "\n"
                               "|1|8GHNZXizgHOe7jibuD89ikqt4IU=|1TqKsAAengg6lqUK4/BIgyqaDpg=x ssh-ed25519 " ED25519_B "\n"
                               "|1| ssh-ed25519 " ED25519_B " |x\n"
                               HASHED_22 "\n",
                               "hashed.example.com", 0, T_ED25519, ED25519_A), 0);
}

static void test_comments(void **state) {
        const char *kh = "# a comment\n"
                         "\n"
                         "   \n"
                         "\t# an indented comment\n"
                         "#git.example.com ssh-ed25519 " ED25519_B "\n"
                         "  git.example.com ssh-ed25519 " ED25519_A " root@host\n";

        assert_int_equal(check(kh, "git.example.com", 0, T_ED25519, ED25519_A), 0);
        /* the commented out line does not count */
        assert_int_equal(check(kh, "git.example.com", 0, T_ED25519, ED25519_B), KNOWN_HOSTS_E_CHANGED);
}

/* A file saved with CRLF line ends reads as ssh(1) reads it: libssh2 alone matched none
 * of its lines (with or without a comment after the key), nor did an @revoked line count. */
static void test_crlf(void **state) {
        assert_int_equal(check("git.example.com ssh-ed25519 " ED25519_A "\r\n", "git.example.com", 0, T_ED25519,
                               ED25519_A),
                         0);
        assert_int_equal(check("# keys\r\ngit.example.com ssh-ed25519 " ED25519_A " root@host\r\n", "git.example.com",
                               0, T_ED25519, ED25519_A),
                         0);
        assert_int_equal(check("git.example.com ssh-ed25519 " ED25519_A "\r\n", "git.example.com", 0, T_ED25519,
                               ED25519_B),
                         KNOWN_HOSTS_E_CHANGED);
        assert_int_equal(check("git.example.com ssh-ed25519 " ED25519_A "\r\n@revoked * ssh-ed25519 " ED25519_A "\r\n",
                               "git.example.com", 0, T_ED25519, ED25519_A),
                         KNOWN_HOSTS_E_REVOKED);
        assert_int_equal(check("git.example.com ssh-ed25519 " ED25519_A "\r\r\n", "git.example.com", 0, T_ED25519,
                               ED25519_A),
                         0);
        /* a CR inside the key is no line end: that key is another one */
        assert_int_equal(check("git.example.com ssh-ed25519 AAAA\rC3NzaC1lZDI1NTE5\r\n", "git.example.com", 0,
                               T_ED25519, ED25519_A),
                         KNOWN_HOSTS_E_CHANGED);
}

static void test_garbage(void **state) {
        const char *kh = "garbage\n"
                         "git.example.com\n"
                         "git.example.com ssh-ed25519\n"
                         "git.example.com ssh-unknown-type AAAAB3Nz\n"
                         "\x01\x02\xff binary\n"
                         "|1|notbase64|x ssh-ed25519 " ED25519_B "\n"
                         "@unknown-marker git.example.com ssh-ed25519 " ED25519_B "\n"
                         "git.example.com ssh-ed25519 " ED25519_A "\n";

        assert_int_equal(check(kh, "git.example.com", 0, T_ED25519, ED25519_A), 0);
        assert_int_equal(check(kh, "git.example.com", 0, T_ED25519, ED25519_B), KNOWN_HOSTS_E_CHANGED);
        /* a NUL ends a line's text, not the file */
        {
                static const char with_nul[] = "x\0y ssh-ed25519 " ED25519_B "\ngit.example.com ssh-ed25519 " ED25519_A "\n";
                const char *p = write_hosts("nul", "");
                _cleanup_fclose_ FILE *f = fopen(p, "we");
                char *files[] = { (char *) p, NULL };

                assert_non_null(f);
                assert_int_equal(fwrite(with_nul, 1, sizeof with_nul - 1, f), sizeof with_nul - 1);
                assert_int_equal(fflush(f), 0);
                assert_int_equal(check_files(files, "git.example.com", 0, T_ED25519, ED25519_A, NULL), 0);
        }
}

/* A line for git.example.com with key B, padded with a comment to @len bytes (newline
 * included when @newline), then one with key A. */
static char *long_line(size_t len, bool newline) {
        const char *start = "git.example.com ssh-ed25519 " ED25519_B " ";
        char *s = malloc(len + 100);

        assert_non_null(s);
        assert_true(len > strlen(start) + 1);
        strcpy(s, start);
        memset(s + strlen(start), 'x', len - strlen(start));
        if (newline)
                s[len - 1] = '\n';
        s[len] = 0;
        return s;
}

static void test_long_line(void **state) {
        _cleanup_free_ char *at_max = long_line(KNOWN_HOSTS_LINE_MAX, true);
        _cleanup_free_ char *over = long_line(KNOWN_HOSTS_LINE_MAX + 1, true);
        _cleanup_free_ char *huge = long_line(10 * KNOWN_HOSTS_LINE_MAX, true);
        _cleanup_free_ char *last_at_max = long_line(KNOWN_HOSTS_LINE_MAX, false);
        _cleanup_free_ char *last_over = long_line(KNOWN_HOSTS_LINE_MAX + 1, false);
        _cleanup_free_ char *text = NULL;

        /* A line of the longest length is read: B matches. */
        assert_int_equal(check(at_max, "git.example.com", 0, T_ED25519, ED25519_B), 0);
        assert_int_equal(check(last_at_max, "git.example.com", 0, T_ED25519, ED25519_B), 0);
        /* One byte more and it is skipped... */
        assert_int_equal(check(over, "git.example.com", 0, T_ED25519, ED25519_B), KNOWN_HOSTS_E_UNKNOWN);
        assert_int_equal(check(last_over, "git.example.com", 0, T_ED25519, ED25519_B), KNOWN_HOSTS_E_UNKNOWN);
        /* ... up to its newline: the next line counts, and the rest of the long one is
         * not read as a line of its own. */
        assert_true(asprintf(&text, "%sgit.example.com ssh-ed25519 %s\n", huge, ED25519_A) > 0);
        assert_int_equal(check(text, "git.example.com", 0, T_ED25519, ED25519_A), 0);
        assert_int_equal(check(text, "git.example.com", 0, T_ED25519, ED25519_B), KNOWN_HOSTS_E_CHANGED);
        free(text);
        /* a long @revoked line is skipped too */
        huge[0] = '@';
        assert_true(asprintf(&text, "@revoked * ssh-ed25519 %s %s\ngit.example.com ssh-ed25519 %s\n",
                             ED25519_A, huge, ED25519_A) > 0);
        assert_int_equal(check(text, "git.example.com", 0, T_ED25519, ED25519_A), 0);
}

static void test_file_size(void **state) {
        const char *line = "git.example.com ssh-ed25519 " ED25519_A "\n";
        const char *p = write_hosts("big", line), *bad = NULL;
        char *files[] = { (char *) p, NULL };
        char *dev_zero[] = { (char *) "/dev/zero", NULL };

        /* The limit itself is fine (the NULs after the line: one long line, skipped)... */
        assert_int_equal(truncate(p, KNOWN_HOSTS_FILE_MAX), 0);
        assert_int_equal(check_files(files, "git.example.com", 0, T_ED25519, ED25519_A, &bad), 0);
        assert_null(bad);
        /* ... a byte more is refused, although the key is in the first line. */
        assert_int_equal(truncate(p, KNOWN_HOSTS_FILE_MAX + 1), 0);
        assert_int_equal(check_files(files, "git.example.com", 0, T_ED25519, ED25519_A, &bad), -EFBIG);
        assert_string_equal(bad, p);
        /* Something that is not a regular file is stopped at the limit as it is read. */
        assert_int_equal(check_files(dev_zero, "git.example.com", 0, T_ED25519, ED25519_A, &bad), -EFBIG);
        assert_string_equal(bad, "/dev/zero");
}

static void test_revoked(void **state) {
        const char *listed = "git.example.com ssh-ed25519 " ED25519_A "\n";
        const char *revoked = "@revoked git.example.com ssh-ed25519 " ED25519_A "\n";
        _cleanup_free_ char *text = NULL, *both = NULL;

        assert_true(asprintf(&both, "%s%s", listed, revoked) > 0);
        assert_int_equal(check(both, "git.example.com", 0, T_ED25519, ED25519_A), KNOWN_HOSTS_E_REVOKED);
        /* before the line listing it, and in a file of its own (named in the result) */
        assert_true(asprintf(&text, "%s%s", revoked, listed) > 0);
        assert_int_equal(check(text, "git.example.com", 0, T_ED25519, ED25519_A), KNOWN_HOSTS_E_REVOKED);
        {
                char *files[] = { (char *) write_hosts("listed", listed), (char *) write_hosts("revoked", revoked), NULL };
                const char *bad = NULL;

                assert_int_equal(check_files(files, "git.example.com", 0, T_ED25519, ED25519_A, &bad),
                                 KNOWN_HOSTS_E_REVOKED);
                assert_string_equal(bad, files[1]);
        }
        /* whatever host patterns the line has (stricter than ssh(1)), and for unlisted hosts */
        assert_int_equal(check("@revoked other.example.com,!git.example.com ssh-ed25519 " ED25519_A " comment\n",
                               "git.example.com", 2222, T_ED25519, ED25519_A), KNOWN_HOSTS_E_REVOKED);
        assert_int_equal(check(both, "unlisted.example.com", 0, T_ED25519, ED25519_A), KNOWN_HOSTS_E_REVOKED);
        /* the key, not its type name, decides */
        assert_int_equal(check("\t@revoked\t*\tssh-rsa\t" ED25519_A "\n", "git.example.com", 0, T_ED25519, ED25519_A),
                         KNOWN_HOSTS_E_REVOKED);
        /* padded keys: the decoded length is the key's, not the padding's */
        assert_int_equal(check("ecdsa.example.com ecdsa-sha2-nistp256 " ECDSA256_D "\n"
                               "@revoked * ecdsa-sha2-nistp256 " ECDSA256_D "\n",
                               "ecdsa.example.com", 0, T_ECDSA256, ECDSA256_D), KNOWN_HOSTS_E_REVOKED);
        assert_int_equal(check("@revoked * ecdsa-sha2-nistp384 " ECDSA384_E "\n",
                               "ecdsa.example.com", 0, T_ECDSA384, ECDSA384_E), KNOWN_HOSTS_E_REVOKED);
        assert_int_equal(check("@revoked * ssh-rsa " RSA_C "\n", "rsa.example.com", 0, T_RSA, RSA_C),
                         KNOWN_HOSTS_E_REVOKED);
        /* ... and a key one byte shorter or longer than the revoked one is another key:
         * "...abg=" is 104 bytes; without its last 4 characters ("abg=") 102, and "...abg"
         * with "AA==" in their place (a zero byte more) 103 */
        assert_int_equal(check("ecdsa.example.com ecdsa-sha2-nistp256 " ECDSA256_D "\n"
                               "@revoked * ecdsa-sha2-nistp256 "
                               "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBIRuupDiPXcFUV6GUm1hl4lyj+hjwZyETpGP2hSt"
                               "Zk5TSCpczejnaoGvFbhOBWwQQ6XaUTVHoZeefaG+xjd4\n",
                               "ecdsa.example.com", 0, T_ECDSA256, ECDSA256_D), 0);
        assert_int_equal(check("ecdsa.example.com ecdsa-sha2-nistp256 " ECDSA256_D "\n"
                               "@revoked * ecdsa-sha2-nistp256 "
                               "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBIRuupDiPXcFUV6GUm1hl4lyj+hjwZyETpGP2hSt"
                               "Zk5TSCpczejnaoGvFbhOBWwQQ6XaUTVHoZeefaG+xjd4AA==\n",
                               "ecdsa.example.com", 0, T_ECDSA256, ECDSA256_D), 0);
        /* another key revoked: this one still matches */
        assert_int_equal(check("git.example.com ssh-ed25519 " ED25519_A "\n"
                               "@revoked git.example.com ssh-ed25519 " ED25519_B "\n",
                               "git.example.com", 0, T_ED25519, ED25519_A), 0);
        /* malformed markers and lines revoke nothing (and list nothing) */
        assert_int_equal(check("@revokedgit.example.com ssh-ed25519 " ED25519_A "\n"
                               "@revoked\n"
                               "@revoked *\n"
                               "@revoked * ssh-ed25519\n"
                               "@revoked " ED25519_A "\n"
                               "@revoked * " ED25519_A "\n"
                               "@revoked * ssh-ed25519 " ED25519_A "=\n"
                               "@revoked * ssh-ed25519 =" ED25519_A "\n"
                               "@revoked * ssh-ed25519 " ED25519_A "A===\n"
                               "@revoked * ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG5m9oiI288r0gRbpTASGpTZerXchLD1VObcnFu3=uAL\n"
                               "# @revoked * ssh-ed25519 " ED25519_A "\n",
                               "git.example.com", 0, T_ED25519, ED25519_A), KNOWN_HOSTS_E_UNKNOWN);
        /* a Windows line end does not hide a revocation */
        assert_int_equal(check("@revoked * ssh-ed25519 " ED25519_A "\r\n" "git.example.com ssh-ed25519 " ED25519_A "\n",
                               "git.example.com", 0, T_ED25519, ED25519_A), KNOWN_HOSTS_E_REVOKED);
}

static void test_cert_authority(void **state) {
        /* We do not do certificates: a CA's key is not the host's. */
        assert_int_equal(check("@cert-authority git.example.com ssh-ed25519 " ED25519_A "\n",
                               "git.example.com", 0, T_ED25519, ED25519_A), KNOWN_HOSTS_E_UNKNOWN);
        assert_int_equal(check("@cert-authority git.example.com ssh-ed25519 " ED25519_B "\n"
                               "git.example.com ssh-ed25519 " ED25519_A "\n",
                               "git.example.com", 0, T_ED25519, ED25519_A), 0);
        assert_int_equal(check("@cert-authority git.example.com ssh-ed25519 " ED25519_A "\n"
                               "git.example.com ssh-ed25519 " ED25519_B "\n",
                               "git.example.com", 0, T_ED25519, ED25519_A), KNOWN_HOSTS_E_CHANGED);
}

static void test_files(void **state) {
        char missing[300];
        const char *bad = (const char *) 1;

        snprintf(missing, sizeof missing, "%s/missing", dir);
        /* A missing file trusts nothing, and does not stop the others. */
        assert_int_equal(check_files((char *[]) { missing, NULL }, "git.example.com", 0, T_ED25519, ED25519_A, &bad),
                         KNOWN_HOSTS_E_UNKNOWN);
        assert_null(bad);
        assert_int_equal(check_files((char *[]) { missing, (char *) write_hosts("second", "git.example.com ssh-ed25519 " ED25519_A "\n"), NULL },
                                     "git.example.com", 0, T_ED25519, ED25519_A, NULL), 0);
        assert_int_equal(check_files((char *[]) { NULL }, "git.example.com", 0, T_ED25519, ED25519_A, NULL),
                         KNOWN_HOSTS_E_UNKNOWN);
        assert_int_equal(check_files(NULL, "git.example.com", 0, T_ED25519, ED25519_A, NULL), KNOWN_HOSTS_E_UNKNOWN);
        /* One that cannot be read (a directory) is an error: it could have revoked the key. */
        assert_int_equal(check_files((char *[]) { dir, NULL }, "git.example.com", 0, T_ED25519, ED25519_A, &bad), -EISDIR);
        assert_string_equal(bad, dir);
}

static void test_not_a_file(void **state) {
        char fifo[300];
        const char *bad = NULL;

        /* A FIFO nobody writes to: refused at once (opening it waited for a writer until
         * herald-git's watchdog ended the job). */
        snprintf(fifo, sizeof fifo, "%s/fifo", dir);
        assert_int_equal(mkfifo(fifo, 0600), 0);
        assert_int_equal(check_files((char *[]) { fifo, NULL }, "git.example.com", 0, T_ED25519, ED25519_A, &bad),
                         -EBADFD);
        assert_string_equal(bad, fifo);
        /* A device is read as a file: /dev/null lists nothing, so the key is unknown. */
        bad = (const char *) 1;
        assert_int_equal(check_files((char *[]) { (char *) "/dev/null", NULL }, "git.example.com", 0, T_ED25519,
                                     ED25519_A, &bad),
                         KNOWN_HOSTS_E_UNKNOWN);
        assert_null(bad);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_match),
                cmocka_unit_test(test_unknown),
                cmocka_unit_test(test_changed),
                cmocka_unit_test(test_port),
                cmocka_unit_test(test_hashed),
                cmocka_unit_test(test_comments),
                cmocka_unit_test(test_crlf),
                cmocka_unit_test(test_garbage),
                cmocka_unit_test(test_long_line),
                cmocka_unit_test(test_file_size),
                cmocka_unit_test(test_revoked),
                cmocka_unit_test(test_cert_authority),
                cmocka_unit_test(test_files),
                cmocka_unit_test(test_not_a_file),
        };

        return cmocka_run_group_tests(tests, dir_setup, dir_teardown);
}
