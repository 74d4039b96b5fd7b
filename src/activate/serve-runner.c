/* SPDX-License-Identifier: MIT */
/* serve-runner.c: herald-activate --serve-runner, the root end of herald-runner's jobs
 *
 * herald-runner faces the network as the unprivileged user herald-runner. For each
 * signed request it writes the execution param to RUNNER_REQUEST_DIR/<job_id>.json and
 * sends RUN <job_id> on herald-runner-activate.socket (SOCK_SEQPACKET, root:herald-runner
 * 0660; the peer is checked too). This service (root, no network) takes the request as
 * untrusted data, makes the job's directory with the `runner` executor, whose options
 * (work_dir, allow_absolute_cmd, allow_file_paths) come from the runner's root-owned
 * config read here, never from herald-runner, and starts herald-runner-job@<job_id>.service,
 * a static template: herald-exec runs the job as a job unit of this host, herald-done
 * writes its result entry and hands the result and the files it may send back to
 * herald-runner (done-runner.c). It answers STARTED once the start job ran, or FAILED.
 *
 * Separate from --serve (heraldd's): a runner host needs no workflow, no heraldd and
 * none of their directories.
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
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
#include "herald-id.h"
#include "herald-ids.h"
#include "job-dir.h"
#include "json-util.h"
#include "log.h"
#include "macro.h"
#include "result-entry.h"
#include "runner-config.h"
#include "runner-reply.h"
#include "runner-request.h"
#include "serve-runner.h"
#include "start-window.h"

#define SERVE_WINDOW 64
#define SERVE_CONNECTIONS_MAX 16
/* The request is the HTTP body, which herald-runner took up to max_body. */
#define REQUEST_SLACK 4096

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
        RunnerConfig *config;
        uid_t runner_uid;
        Conn *conns;
        unsigned n_conns;
        uint64_t idle_usec;
        sd_event_source *idle_timer;
};

typedef struct RunCtx {
        Server *server;
        Conn *conn;
        char job_id[HERALD_ID_LEN + 1];
        char *unit, *dir;
        cJSON *param;
} RunCtx;

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

static void run_ctx_free(RunCtx *ctx) {
        if (!ctx)
                return;
        conn_unref(ctx->conn);
        free(ctx->unit);
        free(ctx->dir);
        cJSON_Delete(ctx->param);
        free(ctx);
}

static void reply(Conn *c, ActivateVerb verb, const char *job_id, const char *text) {
        char buf[ACTIVATE_MESSAGE_MAX];
        size_t len;
        int r;

        if (!c || c->fd < 0)
                return;         /* herald-runner went: the result is in the journal */
        r = activate_message_format(&(ActivateMessage) { .verb = verb, .job_id = job_id, .text = text }, buf,
                                    sizeof buf, &len);
        if (r >= 0 && send(c->fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
                r = -errno;
        if (r < 0) {
                log_warning_errno(r, "Could not answer herald-runner about job %s, closing the connection: %m", job_id);
                conn_close(c);
        }
}

/* A job that will not run still has its result entry, so the journal tells of every
 * request that was accepted. */
static void failed_entry(const cJSON *param, const char *unit, const char *text) {
        _cleanup_json_ cJSON *result = cJSON_CreateObject();

        if (!result)
                return (void) log_oom();
        if (result_entry_send(param, unit, NULL, false, text, result, "resources", -1) < 0)
                log_error("Failed to write the result entry of job %s either.",
                          strna(json_object_get_string(param, "job_id")));
}

/* Reads and removes the request (untrusted, at most max_body): the job's param. */
static int request_read(const Server *s, const char *job_id, cJSON **ret) {
        _cleanup_close_ int dfd = -1;
        _cleanup_free_ char *text = NULL;
        char name[HERALD_ID_LEN + sizeof ".json"];
        size_t size;
        int r;

        snprintf(name, sizeof name, "%s.json", job_id);
        dfd = open(RUNNER_REQUEST_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dfd < 0)
                return log_error_errno(errno, "Failed to open " RUNNER_REQUEST_DIR ": %m");
        r = read_file_at(dfd, name, (size_t) s->config->max_body + REQUEST_SLACK, &text, &size);
        (void) unlinkat(dfd, name, 0);  /* taken once, whatever it holds */
        if (r == -ENOENT)
                return log_error_errno(r, "No request " RUNNER_REQUEST_DIR "/%s.", name);
        if (r == -ELOOP || r == -EBADFD)
                return log_error_errno(r, "Refusing the request " RUNNER_REQUEST_DIR "/%s: not a regular file.", name);
        if (r == -EFBIG)
                return log_error_errno(r, "Refusing the request " RUNNER_REQUEST_DIR "/%s: larger than max_body.", name);
        if (r < 0)
                return log_error_errno(r, "Failed to read the request " RUNNER_REQUEST_DIR "/%s: %m", name);
        r = runner_request_param(text, size, job_id, ret);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0)
                return log_error_errno(r, "Refusing the request " RUNNER_REQUEST_DIR "/%s: not a JSON object.", name);
        return 0;
}

static void on_started(const char *unit, const sd_bus_error *error, void *userdata) {
        RunCtx *ctx = userdata;
        Server *s = ctx->server;

        if (error && !sd_bus_error_has_name(error, "org.herald.StartJobResult")) {
                _cleanup_free_ char *text = NULL;
                const char *why = error->message ?: error->name;

                log_error("Failed to start %s (job %s): %s", unit, ctx->job_id, why);
                if (asprintf(&text, "Could not start the job unit %s: %s", unit, why) >= 0)
                        failed_entry(ctx->param, unit, text);
                (void) job_dir_remove(ctx->dir);
                reply(ctx->conn, ACTIVATE_FAILED, ctx->job_id, why);
        } else {
                if (error)
                        log_warning("The start job of %s ended with result '%s'.", unit, error->message);
                reply(ctx->conn, ACTIVATE_STARTED, ctx->job_id, NULL);
        }
        run_ctx_free(ctx);
        server_arm_idle(s);
}

static void handle_run(Conn *c, const char *job_id) {
        Server *s = c->server;
        _cleanup_json_ cJSON *ep = NULL;
        RunCtx *ctx;
        const char *why;
        int r;

        ctx = calloc(1, sizeof *ctx);
        if (!ctx) {
                reply(c, ACTIVATE_FAILED, job_id, "out of memory");
                return;
        }
        snprintf(ctx->job_id, sizeof ctx->job_id, "%s", job_id);

        r = request_read(s, job_id, &ctx->param);
        if (r < 0) {
                why = "the request could not be read (see the journal of herald-runner-activate.service)";
                goto fail;
        }
        if (runner_executor_param(s->config, RUNNER_RESULT_SOCKET, &ep) < 0 ||
            asprintf(&ctx->unit, RUNNER_JOB_UNIT_PREFIX "%s.service", job_id) < 0) {
                why = "out of memory";
                goto fail;
        }
        r = job_dir_create_spec(HERALD_JOBS_DIR, job_id, ctx->param, RUNNER_EXECUTOR, ep, ctx->unit, 0, 0, &ctx->dir);
        if (r < 0) {
                log_error_errno(r, "Failed to prepare job %s in " HERALD_JOBS_DIR ": %m", job_id);
                why = r == -EEXIST ? "a job of this id exists" : "its job directory could not be made";
                goto fail;
        }
        if (start_window_full(s->window)) {
                /* Nothing was accepted: herald-runner answers 503, the client retries. */
                log_warning("Not starting job %s: %u starts are in flight.", job_id, start_window_in_flight(s->window));
                (void) job_dir_remove(ctx->dir);
                reply(c, ACTIVATE_BUSY, job_id, NULL);
                run_ctx_free(ctx);
                return;
        }
        ctx->server = s;
        ctx->conn = c;
        c->n_ref++;
        r = start_window_start_unit(s->window, ctx->unit, on_started, ctx);
        if (r < 0) {
                (void) job_dir_remove(ctx->dir);
                errno = -r;
                why = strerror(-r);
                goto fail;
        }
        log_debug("Starting %s.", ctx->unit);
        return;
fail:
        if (ctx->param)
                failed_entry(ctx->param, ctx->unit, why);
        reply(c, ACTIVATE_FAILED, job_id, why);
        run_ctx_free(ctx);
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
                        if (activate_message_parse(buf, (size_t) n, &m) < 0 || m.verb != ACTIVATE_RUN) {
                                log_warning("Ignoring a malformed message from herald-runner (%zd bytes).", n);
                                return 0;
                        }
                        c->n_ref++;
                        handle_run(c, m.job_id);
                        conn_unref(c);
                        return 0;
                }
                if (n > 0) {
                        log_warning("Ignoring a message from herald-runner larger than %d bytes.", ACTIVATE_MESSAGE_MAX);
                        return 0;
                }
        }
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
        /* The socket's mode lets root and the group herald-runner in; of those, only
         * herald-runner's user (or root) may ask. */
        if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 ||
            (cred.uid != 0 && cred.uid != s->runner_uid)) {
                log_warning("Refusing a connection from uid %d: only root and " RUNNER_USER " may run jobs.",
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
 * serve_runner_run() - herald-activate --serve-runner
 * @config_path: herald-runner's config (root-owned: the executor's options)
 * @listen_path: bind this socket (tests), or NULL for the one systemd passes
 * @idle_usec: exit after this long with no connection and nothing in flight (0: never)
 *
 * Return: 0 at an idle exit or SIGTERM; a negative errno (logged).
 */
int serve_runner_run(const char *config_path, const char *listen_path, uint64_t idle_usec) {
        Server s = { .idle_usec = idle_usec };
        _cleanup_close_ int own_fd = -1;
        sd_event_source *listen_source = NULL;
        struct passwd *pw;
        int fd, n, r;

        r = runner_config_load(config_path, &s.config);
        if (r < 0)
                return log_error_errno(r, "Could not load %s: %m", config_path);
        if (s.config->diag.n_errors > 0) {
                diag_list_print(&s.config->diag, stderr, false);
                r = log_error_errno(EINVAL, "%s has errors; not starting.", config_path);
                goto finish;
        }
        pw = getpwnam(RUNNER_USER);
        if (!pw) {
                r = log_error_errno(ESRCH, "No user " RUNNER_USER " (see herald's sysusers.d).");
                goto finish;
        }
        s.runner_uid = pw->pw_uid;

        if (listen_path) {
                r = listen_bind(listen_path, &own_fd);
                if (r < 0) {
                        log_error_errno(r, "Could not listen on %s: %m", listen_path);
                        goto finish;
                }
                fd = own_fd;
        } else {
                n = sd_listen_fds(true);
                if (n != 1) {
                        r = log_error_errno(n < 0 ? n : EINVAL, "Expected one socket from herald-runner-activate.socket, got %d.", n);
                        goto finish;
                }
                fd = SD_LISTEN_FDS_START;
        }

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
        runner_config_free(s.config);
        return r < 0 ? r : 0;
}
