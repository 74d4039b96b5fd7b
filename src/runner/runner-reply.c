/* SPDX-License-Identifier: MIT */
/* runner-reply.c: a runner job's result, from herald-done (root) to herald-runner, with its files' fds
 *
 * herald-runner (unprivileged) answers the HTTP request with the job's result and the
 * files it names; root decides which files may go (runner_confine_file()), opens them,
 * and hands over the open fds: herald-runner reads exactly what root checked and never
 * opens a path itself. One SOCK_SEQPACKET message per job: the text "RESULT\0<job_id>\0"
 * and, in SCM_RIGHTS, a sealed memfd holding the reply object (a result may weigh
 * megabytes, more than a socket buffer), then one fd per file, in the order of the
 * reply's "files".
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "fs-util.h"
#include "json-parse.h"
#include "json-util.h"
#include "macro.h"
#include "runner-reply.h"

#define RUNNER_REPLY_TAG "RESULT"

void runner_reply_done(RunnerReply *r) {
        cJSON_Delete(r->reply);
        for (size_t i = 0; i < r->n_fds; i++)
                safe_close(r->fds[i]);
        *r = (RunnerReply) {};
}

/* herald-done links neither libsystemd nor OpenSSL, which herald-id.c needs; the
 * receiver matches the id against the jobs it waits for, so its shape is enough here. */
static bool id_shape_valid(const char *s) {
        if (strlen(s) != HERALD_ID_LEN)
                return false;
        for (const char *p = s; *p; p++)
                if (!strchr("0123456789ABCDEF-", *p))
                        return false;
        return true;
}

/* The socket herald-runner made, opened without following a symlink: root connects
 * here, and the directory is herald-runner's, which could otherwise point root's
 * connection (and the files' fds) at any socket root may reach. It must be a socket
 * owned by the directory's owner; connect() then goes through the fd, not the path. */
static int socket_open_checked(const char *path, int *ret) {
        _cleanup_free_ char *dir = NULL;
        _cleanup_close_ int dfd = -1, fd = -1;
        const char *base = strrchr(path, '/');
        struct stat dst, st;

        if (!base || base == path || !base[1])
                return -EINVAL;
        dir = strndup(path, (size_t) (base - path));
        if (!dir)
                return -ENOMEM;
        dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return -errno;
        fd = openat(dfd, base + 1, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (fstat(dfd, &dst) < 0 || fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISSOCK(st.st_mode) || st.st_uid != dst.st_uid)
                return -EPERM;
        *ret = TAKE_FD(fd);
        return 0;
}

/**
 * runner_reply_send() - send a job's reply and its files' fds to herald-runner
 * @socket_path: herald-runner's result socket
 * @job_id: the job
 * @reply: the reply object (see runner-reply.h)
 * @fds: the files' fds, in the order of the reply's "files"
 * @n_fds: how many (at most RUNNER_REPLY_FILES_MAX)
 * @timeout_sec: how long to wait for room in the socket
 *
 * Return: 0; -ENOENT or -ECONNREFUSED when no herald-runner listens (it went away: the
 * result is in the journal all the same); -EPERM when the path is not a socket of the
 * directory's owner (a symlink, say); -E2BIG; another negative errno.
 */
int runner_reply_send(const char *socket_path, const char *job_id, const cJSON *reply, const int *fds, size_t n_fds,
                      unsigned timeout_sec) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        _cleanup_close_ int sfd = -1, mfd = -1, pfd = -1;
        _cleanup_free_ char *text = NULL;
        char head[sizeof RUNNER_REPLY_TAG + HERALD_ID_LEN + 1];
        union {
                struct cmsghdr h;
                char buf[CMSG_SPACE(sizeof(int) * (RUNNER_REPLY_FILES_MAX + 1))];
        } control = {};
        struct iovec iov;
        struct msghdr mh = {};
        struct cmsghdr *cm;
        size_t len;
        int r;

        if (!id_shape_valid(job_id) || n_fds > RUNNER_REPLY_FILES_MAX)
                return -EINVAL;
        r = json_print_compact(reply, &text);
        if (r < 0)
                return r;
        if (strlen(text) > RUNNER_REPLY_SIZE_MAX)
                return -E2BIG;
        r = memfd_new_sealed("herald-runner-reply", text, strlen(text), &mfd);
        if (r < 0)
                return r;

        memcpy(head, RUNNER_REPLY_TAG, sizeof RUNNER_REPLY_TAG);
        memcpy(head + sizeof RUNNER_REPLY_TAG, job_id, HERALD_ID_LEN + 1);
        iov = (struct iovec) { .iov_base = head, .iov_len = sizeof head };
        len = sizeof(int) * (n_fds + 1);
        mh = (struct msghdr) { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &control,
                               .msg_controllen = CMSG_SPACE(len) };
        cm = CMSG_FIRSTHDR(&mh);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(len);
        memcpy(CMSG_DATA(cm), &mfd, sizeof(int));
        if (n_fds > 0)
                memcpy(CMSG_DATA(cm) + sizeof(int), fds, sizeof(int) * n_fds);

        r = socket_open_checked(socket_path, &pfd);
        if (r < 0)
                return r;
        snprintf(sa.sun_path, sizeof sa.sun_path, "/proc/self/fd/%d", pfd);
        sfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        if (sfd < 0)
                return -errno;
        struct timeval tv = { .tv_sec = timeout_sec };
        (void) setsockopt(sfd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        if (connect(sfd, (struct sockaddr *) &sa, sizeof sa) < 0)
                return -errno;
        if (sendmsg(sfd, &mh, MSG_NOSIGNAL) < 0)
                return -errno;
        return 0;
}

static int read_all(int fd, size_t max, char **ret, size_t *ret_size) {
        _cleanup_free_ char *buf = NULL;
        struct stat st;
        size_t done = 0;

        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EBADMSG;
        if ((uint64_t) st.st_size > max)
                return -EFBIG;
        buf = malloc((size_t) st.st_size + 1);
        if (!buf)
                return -ENOMEM;
        while (done < (size_t) st.st_size) {
                ssize_t n = pread(fd, buf + done, (size_t) st.st_size - done, (off_t) done);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        break;
                done += (size_t) n;
        }
        buf[done] = 0;
        *ret = TAKE_PTR(buf);
        *ret_size = done;
        return 0;
}

/**
 * runner_reply_receive() - take one reply from an accepted connection
 * @fd: the connection (its peer checked by the caller)
 * @ret: the reply; release with runner_reply_done(); must be zeroed before the call
 *
 * The reply is checked for its shape: a job id, an object with a boolean "success",
 * an object "result", and exactly as many "files" ({"name", "filename"}) as fds came.
 *
 * Return: 0; -EAGAIN when nothing is there yet; -EBADMSG for anything else than a
 * whole, well-formed reply (with @ret's job_id set, and nothing else, when the packet
 * named a job: its fds did not all fit, say, at the fd limit); -ENOMEM; another
 * negative errno (job_id set likewise once known).
 */
int runner_reply_receive(int fd, RunnerReply *ret) {
        union {
                struct cmsghdr h;
                char buf[CMSG_SPACE(sizeof(int) * (RUNNER_REPLY_FILES_MAX + 1))];
        } control = {};
        char head[sizeof RUNNER_REPLY_TAG + HERALD_ID_LEN + 2];
        struct iovec iov = { .iov_base = head, .iov_len = sizeof head };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &control,
                             .msg_controllen = sizeof control };
        _cleanup_(runner_reply_done) RunnerReply r = {};
        _cleanup_close_ int mfd = -1;
        _cleanup_free_ char *text = NULL;
        const cJSON *files, *f;
        size_t size = 0, n = 0;
        ssize_t len;
        int q;

        len = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
        if (len < 0)
                return -errno;
        /* Take every fd that came, whatever else is wrong, so none leaks. */
        for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
                if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
                        continue;
                size_t k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                for (size_t i = 0; i < k; i++) {
                        int x;

                        memcpy(&x, CMSG_DATA(cm) + i * sizeof(int), sizeof x);
                        if (mfd < 0)
                                mfd = x;
                        else if (r.n_fds < RUNNER_REPLY_FILES_MAX)
                                r.fds[r.n_fds++] = x;
                        else
                                safe_close(x);
                }
        }
        if ((mh.msg_flags & MSG_TRUNC) || (size_t) len != sizeof RUNNER_REPLY_TAG + HERALD_ID_LEN + 1 ||
            memcmp(head, RUNNER_REPLY_TAG, sizeof RUNNER_REPLY_TAG) != 0 || head[len - 1] != 0 ||
            !id_shape_valid(head + sizeof RUNNER_REPLY_TAG))
                return -EBADMSG;
        /* From here on the job is known: a reply that fails still tells which job's
         * answer is lost, so its client is not left waiting. */
        memcpy(ret->job_id, head + sizeof RUNNER_REPLY_TAG, HERALD_ID_LEN + 1);
        memcpy(r.job_id, ret->job_id, HERALD_ID_LEN + 1);
        if ((mh.msg_flags & MSG_CTRUNC) || mfd < 0)
                return -EBADMSG;

        q = read_all(mfd, RUNNER_REPLY_SIZE_MAX, &text, &size);
        if (q == -ENOMEM)
                return q;
        if (q < 0)
                return -EBADMSG;
        q = json_parse(text, size, &r.reply);
        if (q == -ENOMEM)
                return q;
        if (q < 0 || !cJSON_IsObject(r.reply) || !cJSON_IsBool(cJSON_GetObjectItemCaseSensitive(r.reply, "success")) ||
            !cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(r.reply, "result")))
                return -EBADMSG;
        files = cJSON_GetObjectItemCaseSensitive(r.reply, "files");
        if (files && !cJSON_IsArray(files))
                return -EBADMSG;
        cJSON_ArrayForEach(f, files) {
                if (!cJSON_IsObject(f) || !json_object_get_string(f, "name") || !json_object_get_string(f, "filename"))
                        return -EBADMSG;
                n++;
        }
        if (n != r.n_fds)
                return -EBADMSG;
        *ret = r;
        r = (RunnerReply) {};
        return 0;
}
