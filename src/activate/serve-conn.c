/* SPDX-License-Identifier: MIT */
/* serve-conn.c: the SOCK_SEQPACKET server of herald-activate --serve and --serve-runner
 *
 * One connection per client daemon (heraldd, herald-runner), one message per packet.
 * A connection is counted: a start in flight holds a reference, so its answer can go
 * out once PID 1 ran the start job, or nowhere if the client went meanwhile. The
 * service exits when no connection is open and nothing is in flight for a while; the
 * socket stays with PID 1.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>

#include "bus-unit.h"
#include "fs-util.h"
#include "log.h"
#include "macro.h"
#include "serve-conn.h"

/* Start jobs in PID 1 at once; the clients send fewer. */
#define SERVE_WINDOW 64
#define SERVE_CONNECTIONS_MAX 16

struct ServeConn {
        ServeServer *server;
        int fd;
        sd_event_source *source;
        unsigned n_ref;
        ServeConn *prev, *next;
};

struct ServeServer {
        const ServeInfo *info;
        sd_event *event;
        sd_bus *bus;
        StartWindow *window;
        ServeConn *conns;
        unsigned n_conns;
        uint64_t idle_usec;
        sd_event_source *idle_timer;
};

ServeConn *serve_conn_ref(ServeConn *c) {
        if (c)
                c->n_ref++;
        return c;
}

ServeConn *serve_conn_unref(ServeConn *c) {
        if (c && --c->n_ref == 0) {
                safe_close(c->fd);
                free(c);
        }
        return NULL;
}

static void server_arm_idle(ServeServer *s) {
        if (!s->idle_timer || s->n_conns > 0 || s->idle_usec == 0)
                return;
        (void) sd_event_source_set_time_relative(s->idle_timer, s->idle_usec);
        (void) sd_event_source_set_enabled(s->idle_timer, SD_EVENT_ONESHOT);
}

/* A start's end: its reference goes, and the idle timer may run again. */
void serve_conn_release(ServeConn *c) {
        ServeServer *s;

        if (!c)
                return;
        s = c->server;
        serve_conn_unref(c);
        server_arm_idle(s);
}

sd_bus *serve_conn_bus(const ServeConn *c) {
        return c->server->bus;
}

StartWindow *serve_conn_window(const ServeConn *c) {
        return c->server->window;
}

static void conn_close(ServeConn *c) {
        ServeServer *s = c->server;

        if (c->fd < 0)
                return;
        c->source = sd_event_source_disable_unref(c->source);
        c->fd = safe_close(c->fd);
        if (c->prev)
                c->prev->next = c->next;
        else
                s->conns = c->next;
        if (c->next)
                c->next->prev = c->prev;
        s->n_conns--;
        serve_conn_unref(c);
        server_arm_idle(s);
}

/**
 * serve_conn_reply() - answer a client about one job
 * @c: the connection (NULL or closed: the client went, it learns the end from the journal)
 *
 * A connection that cannot take the answer is closed.
 */
void serve_conn_reply(ServeConn *c, ActivateVerb verb, const char *job_id, const char *text) {
        char buf[ACTIVATE_MESSAGE_MAX];
        size_t len;
        int r;

        if (!c || c->fd < 0)
                return;
        r = activate_message_format(&(ActivateMessage) { .verb = verb, .job_id = job_id, .text = text }, buf,
                                    sizeof buf, &len);
        if (r >= 0 && send(c->fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
                r = -errno;
        if (r < 0) {
                log_warning_errno(r, "Could not answer %s about job %s, closing the connection: %m",
                                  c->server->info->peer, job_id);
                conn_close(c);
        }
}

static int on_conn(sd_event_source *source, int fd, uint32_t revents, void *userdata) {
        ServeConn *c = userdata;
        const ServeInfo *info = c->server->info;
        char buf[ACTIVATE_MESSAGE_MAX + 1];
        ActivateMessage m;
        ssize_t n;

        if (revents & EPOLLIN) {
                n = recv(fd, buf, sizeof buf, MSG_DONTWAIT | MSG_TRUNC);
                if (n < 0 && (errno == EAGAIN || errno == EINTR))
                        return 0;
                if (n > 0 && (size_t) n <= ACTIVATE_MESSAGE_MAX) {
                        if (activate_message_parse(buf, (size_t) n, &m) < 0 || !(info->verbs & (1u << m.verb))) {
                                log_warning("Ignoring a malformed message from %s (%zd bytes).", info->peer, n);
                                return 0;
                        }
                        /* The handler may close c (an answer that failed). */
                        serve_conn_ref(c);
                        info->handle(c, &m, info->userdata);
                        serve_conn_unref(c);
                        return 0;
                }
                if (n > 0) {
                        log_warning("Ignoring a message from %s larger than %d bytes.", info->peer,
                                    ACTIVATE_MESSAGE_MAX);
                        return 0;
                }
        }
        /* EOF, an error, or a hang-up */
        conn_close(c);
        return 0;
}

static int on_accept(sd_event_source *source, int fd, uint32_t revents, void *userdata) {
        ServeServer *s = userdata;
        struct ucred cred;
        socklen_t len = sizeof cred;
        ServeConn *c;
        int cfd, r;

        cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (cfd < 0)
                return 0;
        /* The socket's mode lets root and a group in; of those, only the client daemon's
         * own user (or root) may ask: a member of the group is not the daemon. */
        if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 ||
            (cred.uid != 0 && cred.uid != s->info->peer_uid)) {
                log_warning("Refusing a connection from uid %d: only root and %s.",
                            len == sizeof cred ? (int) cred.uid : -1, s->info->peer_allowed);
                safe_close(cfd);
                return 0;
        }
        if (s->n_conns >= SERVE_CONNECTIONS_MAX) {
                log_warning("Refusing a connection: %d are open already.", SERVE_CONNECTIONS_MAX);
                safe_close(cfd);
                return 0;
        }
        c = calloc(1, sizeof *c);
        if (!c) {
                safe_close(cfd);
                return log_oom();
        }
        *c = (ServeConn) { .server = s, .fd = cfd, .n_ref = 1 };
        r = sd_event_add_io(s->event, &c->source, cfd, EPOLLIN, on_conn, c);
        if (r < 0) {
                serve_conn_unref(c);
                return log_error_errno(r, "Could not watch a connection: %m");
        }
        c->next = s->conns;
        if (s->conns)
                s->conns->prev = c;
        s->conns = c;
        s->n_conns++;
        (void) sd_event_source_set_enabled(s->idle_timer, SD_EVENT_OFF);
        return 0;
}

static int on_idle(sd_event_source *source, uint64_t usec, void *userdata) {
        ServeServer *s = userdata;

        if (s->n_conns == 0 && start_window_in_flight(s->window) == 0) {
                log_debug("Idle: exiting; the socket stays.");
                (void) sd_notify(false, "STOPPING=1");
                return sd_event_exit(s->event, 0);
        }
        return 0;
}

static int listen_bind(const char *path, int *ret) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        _cleanup_close_ int fd = -1;

        if (strlen(path) >= sizeof sa.sun_path)
                return -ENAMETOOLONG;
        strcpy(sa.sun_path, path);
        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        (void) unlink(path);
        if (bind(fd, (struct sockaddr *) &sa, sizeof sa) < 0 || listen(fd, 16) < 0)
                return -errno;
        *ret = TAKE_FD(fd);
        return 0;
}

/**
 * serve_server_run() - take connections until idle or SIGTERM
 * @info: who may connect, what they may ask and who handles it (outlives the call)
 * @listen_path: bind this socket (development, tests), or NULL for the one systemd passes
 * @idle_usec: exit after this long with no connection and nothing in flight (0: never)
 *
 * Return: 0 at an idle exit or SIGTERM; a negative errno (logged).
 */
int serve_server_run(const ServeInfo *info, const char *listen_path, uint64_t idle_usec) {
        ServeServer s = { .info = info, .idle_usec = idle_usec };
        _cleanup_close_ int own_fd = -1;
        sd_event_source *listen_source = NULL;
        sigset_t ss;
        int fd, n, r;

        if (listen_path) {
                r = listen_bind(listen_path, &own_fd);
                if (r < 0)
                        return log_error_errno(r, "Could not listen on %s: %m", listen_path);
                fd = own_fd;
        } else {
                n = sd_listen_fds(true);
                if (n < 0)
                        return log_error_errno(n, "Could not take the socket systemd passed: %m");
                if (n != 1)
                        return log_error_errno(EINVAL, "Expected one socket from %s, got %d.", info->socket_unit, n);
                fd = SD_LISTEN_FDS_START;
        }

        sigemptyset(&ss);
        sigaddset(&ss, SIGTERM);
        sigaddset(&ss, SIGINT);
        (void) sigprocmask(SIG_BLOCK, &ss, NULL);
        r = sd_event_default(&s.event);
        if (r >= 0)
                r = bus_open_systemd(&s.bus);
        if (r >= 0)
                r = sd_bus_attach_event(s.bus, s.event, SD_EVENT_PRIORITY_NORMAL);
        if (r >= 0)
                r = start_window_new(s.bus, SERVE_WINDOW, &s.window);
        if (r >= 0)
                r = start_window_wait_jobs(s.window);
        if (r < 0) {
                log_error_errno(r, "Could not connect to systemd on the system bus: %m");
                goto finish;
        }
        r = sd_event_add_io(s.event, &listen_source, fd, EPOLLIN, on_accept, &s);
        if (r >= 0)
                r = sd_event_add_time_relative(s.event, &s.idle_timer, CLOCK_MONOTONIC, idle_usec ?: 3600ULL * 1000000ULL, 0,
                                               on_idle, &s);
        if (r >= 0 && idle_usec == 0)
                r = sd_event_source_set_enabled(s.idle_timer, SD_EVENT_OFF);
        if (r >= 0)
                r = sd_event_add_signal(s.event, NULL, SIGTERM, NULL, NULL);
        if (r >= 0)
                r = sd_event_add_signal(s.event, NULL, SIGINT, NULL, NULL);
        if (r < 0) {
                log_error_errno(r, "Could not set up the event loop: %m");
                goto finish;
        }
        (void) sd_notify(false, "READY=1");
        r = sd_event_loop(s.event);
        if (r < 0)
                log_error_errno(r, "The event loop failed: %m");
finish:
        while (s.conns)
                conn_close(s.conns);
        sd_event_source_disable_unref(listen_source);
        sd_event_source_disable_unref(s.idle_timer);
        start_window_free(s.window);
        sd_bus_flush_close_unref(s.bus);
        sd_event_unref(s.event);
        return r < 0 ? r : 0;
}
