/* SPDX-License-Identifier: MIT */
/* starter.c: heraldd's connection to herald-activate --serve, which starts its jobs
 *
 * heraldd is unprivileged; herald-activate.service (root) turns a request file into a
 * job unit (src/activate/serve.c; the messages: activate-protocol.c). One SOCK_SEQPACKET
 * connection, opened when the first job is to start; PID 1 starts the service through
 * herald-activate.socket if it is not running. Answers go to jobs.c.
 */
#include <errno.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "activate-protocol.h"
#include "log.h"
#include "macro.h"
#include "manager.h"

static void starter_close(Manager *m) {
        m->starter_source = sd_event_source_disable_unref(m->starter_source);
        m->starter_fd = safe_close(m->starter_fd);
}

static int on_starter(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Manager *m = userdata;
        char buf[ACTIVATE_MESSAGE_MAX + 1];
        ActivateMessage msg;
        ssize_t n;

        if (revents & EPOLLOUT) {
                /* Room again after a full send buffer. */
                (void) sd_event_source_set_io_events(m->starter_source, EPOLLIN);
                manager_pump(m);
                if (m->starter_fd < 0)
                        return 0;
        }
        if (!(revents & (EPOLLIN | EPOLLHUP | EPOLLERR)))
                return 0;
        n = recv(fd, buf, sizeof buf, MSG_DONTWAIT | MSG_TRUNC);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return 0;
        if (n > 0) {
                if ((size_t) n > ACTIVATE_MESSAGE_MAX || activate_message_parse(buf, (size_t) n, &msg) < 0 ||
                    msg.verb == ACTIVATE_START || msg.verb == ACTIVATE_STOP)
                        log_warning("Ignoring a malformed answer from herald-activate (%zd bytes).", n);
                else
                        manager_job_start_answered(m, msg.verb, msg.job_id, msg.text);
                return 0;
        }
        if (n < 0)
                log_warning_errno(errno, "Lost the connection to herald-activate: %m");
        else
                log_warning("herald-activate closed the connection.");
        starter_close(m);
        manager_starter_lost(m);
        return 0;
}

static int starter_connect(Manager *m) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd, r;

        if (strlen(m->starter_path) >= sizeof sa.sun_path)
                return -ENAMETOOLONG;
        strcpy(sa.sun_path, m->starter_path);
        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        if (connect(fd, (struct sockaddr *) &sa, sizeof sa) < 0) {
                r = -errno;
                close(fd);
                return r;
        }
        r = sd_event_add_io(m->event, &m->starter_source, fd, EPOLLIN, on_starter, m);
        if (r < 0) {
                close(fd);
                return r;
        }
        m->starter_fd = fd;
        return 0;
}

/**
 * manager_starter_send: ask herald-activate to start or stop a job.
 * @m: the manager
 * @verb: ACTIVATE_START or ACTIVATE_STOP
 * @job_id: the job
 * @router: its router
 * @task: its task
 *
 * Return: 0 once sent; -EAGAIN when the connection has no room now (sending is resumed
 * with manager_pump() when it has); another negative errno when herald-activate cannot
 * be reached.
 */
int manager_starter_send(Manager *m, ActivateVerb verb, const char *job_id, const char *router, const char *task) {
        char buf[ACTIVATE_MESSAGE_MAX];
        size_t len;
        int r;

        r = activate_message_format(&(ActivateMessage) { .verb = verb, .job_id = job_id, .router = router, .task = task },
                                    buf, sizeof buf, &len);
        if (r < 0)
                return r;
        if (m->starter_fd < 0) {
                r = starter_connect(m);
                if (r < 0)
                        return r;
        }
        if (send(m->starter_fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT) >= 0)
                return 0;
        r = -errno;
        if (r == -EAGAIN || r == -ENOBUFS) {
                (void) sd_event_source_set_io_events(m->starter_source, EPOLLIN | EPOLLOUT);
                return -EAGAIN;
        }
        /* The other end went: the jobs it had not answered are asked for again. */
        starter_close(m);
        manager_starter_lost(m);
        return r;
}

void manager_starter_done(Manager *m) {
        starter_close(m);
}
