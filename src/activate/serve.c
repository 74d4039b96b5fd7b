/* SPDX-License-Identifier: MIT */
/* serve.c: herald-activate --serve, the root end of heraldd's job starts
 *
 * heraldd runs as the unprivileged user herald and faces the network; starting a unit
 * needs root (or a polkit rule, and polkitd's JavaScript for every job: 3.7 ms of
 * polkitd per start here, and a unit shape of three processes). So heraldd writes a
 * request file and asks this small root service, over herald-activate.socket (a
 * SOCK_SEQPACKET socket only root and the group herald may connect to), to start it.
 * What runs comes from the root-written workflow snapshot and the template units the
 * generator wrote from it, never from heraldd (request.c).
 *
 * A START is answered once its start job has run (JobRemoved), not when PID 1 queued
 * it: heraldd holds back its next starts until then, so PID 1's queue stays short and
 * a chain's next step never waits behind a burst that PID 1 has swallowed whole.
 *
 * The service exits when no connection is open and nothing is in flight for a while;
 * the socket stays with PID 1.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>

#include "activate-protocol.h"
#include "fs-util.h"
#include "job-request.h"
#include "log.h"
#include "macro.h"
#include "request.h"
#include "serve.h"
#include "start-window.h"
#include "unit-name.h"
#include "workflow.h"

/* Start jobs one connection may have in PID 1 at once; heraldd sends fewer. */
#define SERVE_WINDOW 64
#define SERVE_CONNECTIONS_MAX 16

typedef struct Server Server;
typedef struct Conn Conn;

struct Conn {
        Server *server;
        int fd;
        sd_event_source *source;
        unsigned n_ref;
        Conn *prev, *next;
};

struct Server {
        sd_event *event;
        sd_bus *bus;
        StartWindow *window;
        const char *workflow_path;
        Workflow *workflow;
        struct stat workflow_stat;
        uid_t herald_uid;
        Conn *conns;
        unsigned n_conns;
        uint64_t idle_usec;
        sd_event_source *idle_timer;
};

typedef struct StartCtx {
        Server *server;
        Conn *conn;
        PreparedJob job;
} StartCtx;

static Conn *conn_unref(Conn *c) {
        if (c && --c->n_ref == 0) {
                safe_close(c->fd);
                free(c);
        }
        return NULL;
}

static void server_arm_idle(Server *s);

static void conn_close(Conn *c) {
        Server *s = c->server;

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
        conn_unref(c);
        server_arm_idle(s);
}

static void reply(Conn *c, ActivateVerb verb, const char *job_id, const char *text) {
        char buf[ACTIVATE_MESSAGE_MAX];
        size_t len;
        int r;

        if (!c || c->fd < 0)
                return;         /* heraldd went: it learns the job's end from the journal */
        r = activate_message_format(&(ActivateMessage) { .verb = verb, .job_id = job_id, .text = text }, buf,
                                    sizeof buf, &len);
        if (r >= 0 && send(c->fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
                r = -errno;
        if (r < 0) {
                log_warning_errno(r, "Could not answer heraldd about job %s, closing the connection: %m", job_id);
                conn_close(c);
        }
}

/* The snapshot, loaded again when the generator has written a new one. */
static int server_workflow(Server *s, const Workflow **ret) {
        Workflow *w = NULL;
        struct stat st;
        int r;

        if (stat(s->workflow_path, &st) < 0) {
                if (!s->workflow)
                        return log_error_errno(errno, "Could not read %s: %m", s->workflow_path);
                /* The generator writes its output directory anew at each daemon-reload:
                 * for a moment there is no snapshot. The one loaded before stands. */
                *ret = s->workflow;
                return 0;
        }
        if (s->workflow && st.st_ino == s->workflow_stat.st_ino && st.st_dev == s->workflow_stat.st_dev &&
            st.st_size == s->workflow_stat.st_size && st.st_mtim.tv_sec == s->workflow_stat.st_mtim.tv_sec &&
            st.st_mtim.tv_nsec == s->workflow_stat.st_mtim.tv_nsec) {
                *ret = s->workflow;
                return 0;
        }
        r = workflow_load(s->workflow_path, NULL, &w);
        if (r >= 0 && w->unloadable) {
                diag_list_print(&w->diag, stderr, false);
                workflow_free(w);
                r = -EINVAL;
        }
        if (r < 0) {
                if (!s->workflow)
                        return log_error_errno(r, "Could not load %s: %m", s->workflow_path);
                /* Only root writes the snapshot, and the generator keeps the last good
                 * one; a broken one is a mistake caught here, as heraldd does: the
                 * snapshot loaded before stays in force (looked at again next time). */
                log_warning_errno(r, "Could not load the new %s (%m); the workflow loaded before stays in force.",
                                  s->workflow_path);
                *ret = s->workflow;
                return 0;
        }
        if (s->workflow)
                log_info("Loaded the new workflow snapshot %s.", s->workflow_path);
        workflow_free(s->workflow);
        s->workflow = w;
        s->workflow_stat = st;
        *ret = w;
        return 0;
}

static void on_started(const char *unit, const sd_bus_error *error, void *userdata) {
        StartCtx *ctx = userdata;

        if (error && !sd_bus_error_has_name(error, "org.herald.StartJobResult")) {
                /* systemd did not take the unit: nothing ran, no herald-done will. */
                job_start_failed(&ctx->job, error->message ?: error->name);
                reply(ctx->conn, ACTIVATE_FAILED, ctx->job.job_id, error->message ?: error->name);
        } else {
                /* A start job that did not end "done" still made a unit whose
                 * ExecStopPost= (herald-done) writes the failed result. */
                if (error)
                        log_warning("The start job of %s ended with result '%s'.", unit, error->message);
                reply(ctx->conn, ACTIVATE_STARTED, ctx->job.job_id, NULL);
        }
        Server *s = ctx->server;
        prepared_job_done(&ctx->job);
        conn_unref(ctx->conn);
        free(ctx);
        server_arm_idle(s);
}

static void handle_start(Conn *c, const ActivateMessage *m) {
        Server *s = c->server;
        const Workflow *w = NULL;
        StartCtx *ctx;
        int r;

        ctx = calloc(1, sizeof *ctx);
        if (!ctx) {
                reply(c, ACTIVATE_FAILED, m->job_id, "out of memory");
                return;
        }
        r = server_workflow(s, &w);
        if (r >= 0)
                r = request_take(w, s->workflow_path, m->job_id, m->router, m->task, &ctx->job);
        if (r == 0) {
                free(ctx);
                reply(c, ACTIVATE_ALREADY, m->job_id, NULL);
                return;
        }
        if (r < 0) {
                free(ctx);
                request_refuse(m->job_id, m->router, m->task, r);
                errno = -r;
                reply(c, ACTIVATE_FAILED, m->job_id, strerror(-r));
                return;
        }
        if (start_window_full(s->window)) {
                r = -EBUSY;
                job_start_failed(&ctx->job, "too many starts in flight");
        } else {
                ctx->server = s;
                ctx->conn = c;
                c->n_ref++;
                r = start_window_start_unit(s->window, ctx->job.unit, on_started, ctx);
                if (r < 0) {
                        conn_unref(ctx->conn);
                        errno = -r;
                        job_start_failed(&ctx->job, strerror(-r));
                }
        }
        if (r < 0) {
                reply(c, ACTIVATE_FAILED, m->job_id, strerror(-r));
                prepared_job_done(&ctx->job);
                free(ctx);
        }
}

/* concurrency: replace. Only a herald job unit can be named from (router, task, id). */
static void handle_stop(Conn *c, const ActivateMessage *m) {
        _cleanup_free_ char *unit = unit_name_job_instance(m->router, m->task, m->job_id);
        int r;

        if (!unit)
                return (void) log_oom();
        r = sd_bus_call_method_async(c->server->bus, NULL, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                     "org.freedesktop.systemd1.Manager", "StopUnit", NULL, NULL, "ss", unit, "replace");
        if (r < 0)
                log_warning_errno(r, "Could not stop %s, ignoring: %m", unit);
        else
                log_info("Stopping %s (job %s): a new job of %s/%s replaces it.", unit, m->job_id, m->router, m->task);
}

static int on_conn(sd_event_source *source, int fd, uint32_t revents, void *userdata) {
        Conn *c = userdata;
        char buf[ACTIVATE_MESSAGE_MAX + 1];
        ActivateMessage m;
        ssize_t n;

        if (revents & EPOLLIN) {
                n = recv(fd, buf, sizeof buf, MSG_DONTWAIT | MSG_TRUNC);
                if (n < 0 && (errno == EAGAIN || errno == EINTR))
                        return 0;
                if (n > 0 && (size_t) n <= ACTIVATE_MESSAGE_MAX) {
                        if (activate_message_parse(buf, (size_t) n, &m) < 0 ||
                            (m.verb != ACTIVATE_START && m.verb != ACTIVATE_STOP)) {
                                log_warning("Ignoring a malformed message from heraldd (%zd bytes).", n);
                                return 0;
                        }
                        c->n_ref++;
                        if (m.verb == ACTIVATE_START)
                                handle_start(c, &m);
                        else
                                handle_stop(c, &m);
                        conn_unref(c);
                        return 0;
                }
                if (n > 0) {
                        log_warning("Ignoring a message from heraldd larger than %d bytes.", ACTIVATE_MESSAGE_MAX);
                        return 0;
                }
        }
        /* EOF, an error, or a hang-up */
        conn_close(c);
        return 0;
}

static int on_accept(sd_event_source *source, int fd, uint32_t revents, void *userdata) {
        Server *s = userdata;
        struct ucred cred;
        socklen_t len = sizeof cred;
        Conn *c;
        int cfd, r;

        cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (cfd < 0)
                return 0;
        /* The socket's mode lets root and the group herald in; of those, only heraldd
         * itself (or root) may ask: a member of the group is not the daemon. */
        if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 ||
            (cred.uid != 0 && cred.uid != s->herald_uid)) {
                log_warning("Refusing a connection from uid %d: only root and heraldd's user may start jobs.",
                            len == sizeof cred ? (int) cred.uid : -1);
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
        *c = (Conn) { .server = s, .fd = cfd, .n_ref = 1 };
        r = sd_event_add_io(s->event, &c->source, cfd, EPOLLIN, on_conn, c);
        if (r < 0) {
                conn_unref(c);
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
        Server *s = userdata;

        if (s->n_conns == 0 && start_window_in_flight(s->window) == 0) {
                log_debug("Idle: exiting; the socket stays.");
                (void) sd_notify(false, "STOPPING=1");
                return sd_event_exit(s->event, 0);
        }
        return 0;
}

static void server_arm_idle(Server *s) {
        if (!s->idle_timer || s->n_conns > 0 || s->idle_usec == 0)
                return;
        (void) sd_event_source_set_time_relative(s->idle_timer, s->idle_usec);
        (void) sd_event_source_set_enabled(s->idle_timer, SD_EVENT_ONESHOT);
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
 * serve_run: herald-activate --serve.
 * @workflow: the workflow snapshot (reloaded when it changes)
 * @listen_path: bind this socket (development, tests), or NULL for the one systemd passes
 * @idle_usec: exit after this long with no connection and nothing in flight (0: never)
 *
 * Return: 0 at an idle exit or SIGTERM; a negative errno (logged).
 */
int serve_run(const char *workflow, const char *listen_path, uint64_t idle_usec) {
        Server s = { .workflow_path = workflow, .idle_usec = idle_usec };
        _cleanup_close_ int own_fd = -1;
        sd_event_source *listen_source = NULL;
        struct stat st;
        const Workflow *w;
        int fd, n, r;

        /* heraldd's user owns its request directory. */
        if (stat(JOB_REQUEST_DIR, &st) < 0)
                return log_error_errno(errno, "Could not find " JOB_REQUEST_DIR " (heraldd's; see herald's tmpfiles.d): %m");
        s.herald_uid = st.st_uid;

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
                        return log_error_errno(EINVAL, "Expected one socket from herald-activate.socket, got %d.", n);
                fd = SD_LISTEN_FDS_START;
        }

        r = server_workflow(&s, &w);
        if (r < 0)
                return r;
        sigset_t ss;
        sigemptyset(&ss);
        sigaddset(&ss, SIGTERM);
        sigaddset(&ss, SIGINT);
        (void) sigprocmask(SIG_BLOCK, &ss, NULL);
        r = sd_event_default(&s.event);
        if (r >= 0)
                r = sd_bus_open_system(&s.bus);
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
        workflow_free(s.workflow);
        return r < 0 ? r : 0;
}
