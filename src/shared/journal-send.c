/* SPDX-License-Identifier: MIT */
/* journal-send.c: one structured entry to journald over its native protocol
 *
 * This is what sd_journal_sendv() does, written out so that herald-done needs no
 * libsystemd: it runs once per job, and loading libsystemd with the libraries it pulls
 * in (libgcrypt, liblzma, libzstd, liblz4, libcap) cost more CPU than all the rest of
 * its work (bench/job-throughput.sh). The protocol is systemd's documented, stable one
 * (systemd.io/JOURNAL_NATIVE_PROTOCOL): one datagram to /run/systemd/journal/socket
 * holding "NAME=value\n" per field, or, for a value with a newline in it, "NAME\n", the
 * value's length as a little-endian 64-bit number, the value and "\n". An entry too
 * big for a datagram goes into a sealed memfd whose descriptor is sent instead.
 *
 * journald trusts nothing in the entry: _PID, _UID, _SYSTEMD_UNIT and the other
 * trusted fields come from the socket's credentials, as with sd_journal_sendv().
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "fs-util.h"
#include "journal-send.h"
#include "macro.h"

/* journald's own limits on a field name (journal-file.c: journal_field_valid()) */
#define FIELD_NAME_MAX 64

static bool field_name_valid(const char *name, size_t len) {
        if (len == 0 || len > FIELD_NAME_MAX)
                return false;
        if (name[0] >= '0' && name[0] <= '9')
                return false;
        for (size_t i = 0; i < len; i++)
                if (!(name[i] == '_' || (name[i] >= 'A' && name[i] <= 'Z') || (name[i] >= '0' && name[i] <= '9')))
                        return false;
        return true;
}

/**
 * journal_native_encode: the native-protocol form of one entry.
 * @iov: the fields, each "NAME=value" (the value may hold any bytes, newlines too)
 * @n: how many
 * @ret: the encoded entry (malloc'd)
 * @ret_size: its size
 *
 * Return: 0; -EINVAL when a field has no '=' or an invalid name (upper-case letters,
 * digits and '_', not starting with a digit, at most 64 characters; names starting
 * with '_' are journald's trusted fields and are refused too); -ENOMEM.
 */
int journal_native_encode(const struct iovec *iov, size_t n, char **ret, size_t *ret_size) {
        size_t size = 0, off = 0;
        char *buf;

        for (size_t i = 0; i < n; i++) {
                const char *f = iov[i].iov_base, *eq = memchr(f, '=', iov[i].iov_len);
                size_t name_len = eq ? (size_t) (eq - f) : 0;

                if (!eq || !field_name_valid(f, name_len) || f[0] == '_')
                        return -EINVAL;
                /* at worst NAME + '\n' + 8 length bytes + value + '\n' */
                if (iov[i].iov_len > SIZE_MAX / 2 - size - 10)
                        return -ENOMEM;
                size += iov[i].iov_len + 10;
        }

        buf = malloc(size > 0 ? size : 1);
        if (!buf)
                return -ENOMEM;

        for (size_t i = 0; i < n; i++) {
                const char *f = iov[i].iov_base, *eq = memchr(f, '=', iov[i].iov_len);
                size_t name_len = (size_t) (eq - f), value_len = iov[i].iov_len - name_len - 1;

                if (!memchr(eq + 1, '\n', value_len)) {
                        memcpy(buf + off, f, iov[i].iov_len);
                        off += iov[i].iov_len;
                } else {
                        uint64_t le = value_len;

                        memcpy(buf + off, f, name_len);
                        off += name_len;
                        buf[off++] = '\n';
                        for (size_t b = 0; b < 8; b++, le >>= 8)
                                buf[off++] = (char) (le & 0xff);
                        memcpy(buf + off, eq + 1, value_len);
                        off += value_len;
                }
                buf[off++] = '\n';
        }

        *ret = buf;
        *ret_size = off;
        return 0;
}

/* One datagram socket per process, connected to journald's socket at the first entry:
 * heraldd writes an entry per 'none' request, and naming the socket in each sendto()
 * made the kernel look its path up every time. When journald restarts, its socket is a
 * new one and a send on the old connection fails (ECONNREFUSED): the socket is then
 * connected again, once per entry at most. */
static struct {
        int fd;
        char path[sizeof(((struct sockaddr_un *) NULL)->sun_path)];
} journal_conn = { .fd = -1 };

static void journal_disconnect(void) {
        if (journal_conn.fd >= 0)
                (void) close(journal_conn.fd);
        journal_conn.fd = -1;
}

static int journal_connect(const char *path) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd;

        if (journal_conn.fd >= 0 && streq(journal_conn.path, path))
                return journal_conn.fd;
        journal_disconnect();
        if (strlen(path) >= sizeof sa.sun_path)
                return -EINVAL;
        strcpy(sa.sun_path, path);
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (connect(fd, (const struct sockaddr *) &sa, (socklen_t) (offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1)) < 0) {
                int r = -errno;
                (void) close(fd);
                return r;
        }
        journal_conn.fd = fd;
        strcpy(journal_conn.path, path);
        return fd;
}

/* The entry in a sealed memfd, its descriptor in an otherwise empty datagram: what
 * journald takes for entries bigger than the socket's send buffer. */
static int send_as_memfd(int fd, const char *buf, size_t size) {
        _cleanup_close_ int mfd = -1;
        union {
                struct cmsghdr cmsghdr;
                char buf[CMSG_SPACE(sizeof(int))];
        } control = {};
        struct msghdr mh = {
                .msg_control = &control,
                .msg_controllen = sizeof control,
        };
        struct cmsghdr *cmsg;
        int r;

        r = memfd_new_sealed("herald-journal-entry", buf, size, &mfd);
        if (r < 0)
                return r;

        cmsg = CMSG_FIRSTHDR(&mh);
        cmsg->cmsg_level = SOL_SOCKET;
        cmsg->cmsg_type = SCM_RIGHTS;
        cmsg->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cmsg), &mfd, sizeof(int));

        return sendmsg(fd, &mh, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

/**
 * journal_native_send_to: send one entry to the native-protocol socket at @path.
 * @path: the socket (JOURNAL_NATIVE_SOCKET, or a test's)
 * @iov: the fields, each "NAME=value"
 * @n: how many
 *
 * Like sd_journal_sendv(), success means journald has the datagram: it may still drop
 * the entry (rate limits), which only reading the journal can tell.
 *
 * Return: 0; -EINVAL for a malformed field (see journal_native_encode()), -ENOMEM, or
 * the negative errno of socket(), sendmsg() or memfd_create().
 */
int journal_native_send_to(const char *path, const struct iovec *iov, size_t n) {
        _cleanup_free_ char *buf = NULL;
        size_t size;
        int fd, r;

        if (strlen(path) >= sizeof journal_conn.path)
                return -EINVAL;
        r = journal_native_encode(iov, n, &buf, &size);
        if (r < 0)
                return r;

        for (int attempt = 0;; attempt++) {
                fd = journal_connect(path);
                if (fd < 0)
                        return fd;
                /* blocking: when journald is behind, wait for room rather than lose the entry */
                if (send(fd, buf, size, MSG_NOSIGNAL) >= 0)
                        return 0;
                if (errno == EINTR) {
                        attempt--;
                        continue;
                }
                if (errno == EMSGSIZE || errno == ENOBUFS)
                        break;
                r = -errno;
                journal_disconnect();
                /* journald's socket was made anew (a restart): connect to the new one */
                if (attempt > 0 || !(r == -ECONNREFUSED || r == -ENOTCONN || r == -ECONNRESET || r == -EPIPE))
                        return r;
        }

        return send_as_memfd(fd, buf, size);
}

int journal_native_send(const struct iovec *iov, size_t n) {
        return journal_native_send_to(JOURNAL_NATIVE_SOCKET, iov, n);
}
