/* SPDX-License-Identifier: MIT */
/* http-server.c: heraldd's HTTP listeners (libmicrohttpd on sd-event): checks a trigger
 * request and hands its trigger param on
 *
 * One MHD daemon per listening socket (one per http trigger), in MHD's "external
 * polling" mode with epoll: MHD's epoll fd is an io source on heraldd's sd-event loop
 * and one timer per daemon carries MHD's timeouts, so everything runs on the loop's
 * thread, as systemd-journal-remote does it. Unlike journal-remote, the timer is armed
 * with what MHD_get_timeout() means: a time *relative* to now, in *milliseconds*.
 *
 * A request goes through the checks in the order that costs least first:
 *   headers:  method (405), Content-Length against max_body (413, before any of the
 *             body is read; MHD then closes the connection rather than read the rest)
 *   body:     stored up to max_body; a chunked body that passes it closes the
 *             connection (MHD 0.9.75 cannot queue an answer in the middle of an upload)
 *   complete: signature (401/403, when the trigger has a secret), JSON object (400),
 *             then the trigger callback, with the connection suspended until the
 *             callee replies (at once, or later: wait: true, backpressure).
 * Herald answers any path the same way (its Go server has one handler for "/"), so
 * herald ignores the path too. docs/HERALDD.md lists every answer beside Herald's.
 *
 * Slow clients: MHD's connection timeout counts from the last byte received, so a
 * client that sends a header byte every few seconds (slowloris) would hold its
 * connection for ever. Each connection therefore has a deadline of its own: its
 * headers must be in within the connection timeout (counted from the connection or
 * from the end of the previous request), and its body within the timeout plus
 * max_body at HTTP_BODY_MIN_RATE. Past it, the socket is shut down and MHD closes the
 * connection at its next read.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>

#include <microhttpd.h>

#include "http-server.h"
#include "log.h"
#include "macro.h"
#include "signature.h"
#include "trigger-request.h"

/* Herald's texts (heraldd 1.9.0 util/http_server.go, trigger/http.go). */
#define TEXT_METHOD "Request validation error: Only POST request allowed\n"
/* herald's own: Herald reads any body whole. */
#define TEXT_TOO_LARGE "Request body too large\n"
#define TEXT_INTERNAL "Internal error\n"
#define TEXT_SHUTDOWN "Server shutting down\n"
#define CONTENT_TYPE_TEXT "text/plain; charset=utf-8"
#define BODY_PREALLOC_MAX ((size_t) 64 * 1024)
/* File descriptors kept out of the connections' reach: the bus, the journal's files,
 * request files, selectors' pipes. */
#define HTTP_FD_RESERVE 256U
#define HTTP_FD_BUDGET_MIN 16U
/* A body must come at least this fast on average (as Apache's mod_reqtimeout MinRate). */
#define HTTP_BODY_MIN_RATE ((size_t) 16 * 1024)

typedef struct HttpConnection HttpConnection;

typedef struct HttpListener HttpListener;

struct HttpListener {
        HttpServer *server;
        HttpListener *next;

        char *name;
        size_t max_body;
        uint8_t *secret;                /* NULL: no signature check */
        size_t secret_len;
        uint64_t replay_window_sec;     /* 0: off; else the server's replay cache is used */

        struct MHD_Daemon *daemon;
        sd_event_source *io;            /* MHD's epoll fd */
        sd_event_source *timer;         /* MHD's next timeout, or "run again now" */
        bool kick;                      /* MHD must run again soon (see listener_kick()) */

        uint64_t rejects[_HTTP_REJECT_MAX];
        HttpPageFunc page;              /* a page listener (status page), not a trigger */
        void *page_userdata;
};

/* One open connection (MHD's socket context), for its request deadline. */
struct HttpConnection {
        HttpListener *listener;
        struct MHD_Connection *connection;
        HttpConnection *prev, *next;    /* in server->connections */
        uint64_t deadline;              /* CLOCK_MONOTONIC µs; 0: none (a request past its checks) */
};

struct HttpServer {
        sd_event *event;
        HttpServerLimits limits;
        HttpTriggerFunc cb;
        void *userdata;

        HttpListener *listeners;
        HttpRequest *pending;           /* handed to the callback, not replied yet */
        unsigned n_pending;
        unsigned n_connections;
        unsigned max_connections;       /* all listeners together: what RLIMIT_NOFILE allows */
        HttpConnection *connections;
        sd_event_source *deadline_timer; /* the earliest connection deadline */
        struct MHD_Response *fixed[3];  /* the answers without variable parts, made once */
        /* The MACs taken within a replay window, one cache for every listener (a MAC is
         * its secret's own), made when a listener first needs it; kept in
         * @replay_cache_path when set, so an idle exit or restart forgets nothing. */
        SignatureCache *replay_cache;
        char *replay_cache_path;
};

enum {
        FIXED_METHOD,
        FIXED_TOO_LARGE,
        FIXED_INTERNAL,
};

struct HttpRequest {
        HttpListener *listener;
        struct MHD_Connection *connection;      /* NULL once MHD is done with it */
        HttpRequest *prev, *next;               /* in server->pending */

        size_t max_body;        /* the listener's, when the request began (a reload may change it) */
        char *body;
        size_t size, allocated;

        bool handed;            /* given to the callback */
        bool suspended;
        bool replied;
        bool reply_failed;      /* no answer could be queued: close the connection */
};

static void secret_free(uint8_t *secret, size_t len) {
        if (!secret)
                return;
        explicit_bzero(secret, len);
        free(secret);
}

static void request_free(HttpRequest *req) {
        if (!req)
                return;
        free(req->body);
        free(req);
}

static void pending_unlink(HttpServer *s, HttpRequest *req) {
        if (req->prev)
                req->prev->next = req->next;
        else
                s->pending = req->next;
        if (req->next)
                req->next->prev = req->prev;
        req->prev = req->next = NULL;
        s->n_pending--;
}

static void pending_link(HttpServer *s, HttpRequest *req) {
        req->prev = NULL;
        req->next = s->pending;
        if (s->pending)
                s->pending->prev = req;
        s->pending = req;
        s->n_pending++;
}

static struct MHD_Response *response_new(const char *content_type, const char *body, unsigned retry_after_sec) {
        struct MHD_Response *resp;
        const char *text = strempty(body);

        resp = MHD_create_response_from_buffer(strlen(text), (void *) text, MHD_RESPMEM_MUST_COPY);
        if (!resp)
                return NULL;
        /* Herald's Go server sends "Server: herald"; clients may log it. */
        if (MHD_add_response_header(resp, "Server", "herald") != MHD_YES ||
            MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type ?: CONTENT_TYPE_TEXT) != MHD_YES)
                goto fail;
        if (retry_after_sec > 0) {
                char buf[16];

                snprintf(buf, sizeof buf, "%u", retry_after_sec);
                if (MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, buf) != MHD_YES)
                        goto fail;
        }
        return resp;
fail:
        MHD_destroy_response(resp);
        return NULL;
}

static enum MHD_Result respond_fixed(HttpServer *s, struct MHD_Connection *c, unsigned status, int which) {
        if (!s->fixed[which])
                return MHD_NO;
        return MHD_queue_response(c, status, s->fixed[which]);
}

static enum MHD_Result respond_text(struct MHD_Connection *c, unsigned status, const char *text) {
        struct MHD_Response *resp;
        enum MHD_Result r;

        resp = response_new(CONTENT_TYPE_TEXT, text, 0);
        if (!resp)
                return MHD_NO;
        r = MHD_queue_response(c, status, resp);
        MHD_destroy_response(resp);
        return r;
}

static void listener_kick(HttpListener *l);
static int listener_add(HttpServer *s, int listen_fd, const HttpTriggerConfig *cfg, HttpPageFunc page, void *page_userdata);

static void count_reject(HttpListener *l, HttpReject r) {
        l->rejects[r]++;
}

static void count_reject_status(HttpListener *l, unsigned status) {
        for (HttpReject r = 0; r < _HTTP_REJECT_MAX; r++)
                if (http_reject_status(r) == status) {
                        count_reject(l, r);
                        return;
                }
}

static HttpConnection *connection_get(struct MHD_Connection *c) {
        const union MHD_ConnectionInfo *info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

        return info ? info->socket_context : NULL;
}

/* Sets the connection's deadline @usec from now (0: none) and arms the timer for it. */
static void connection_set_deadline(HttpConnection *hc, uint64_t usec) {
        HttpServer *s;
        uint64_t now, next;

        if (!hc)
                return;
        if (usec == 0) {
                hc->deadline = 0;
                return;
        }
        s = hc->listener->server;
        if (sd_event_now(s->event, CLOCK_MONOTONIC, &now) < 0)
                return;
        hc->deadline = now + usec;
        if (sd_event_source_get_enabled(s->deadline_timer, NULL) > 0 &&
            sd_event_source_get_time(s->deadline_timer, &next) >= 0 && next <= hc->deadline)
                return;
        if (sd_event_source_set_time(s->deadline_timer, hc->deadline) < 0 ||
            sd_event_source_set_enabled(s->deadline_timer, SD_EVENT_ONESHOT) < 0)
                log_debug("Cannot arm the HTTP deadline timer, ignoring.");
}

/* Closes the connections past their deadline; arms the timer for the next one. */
static int on_deadline(sd_event_source *source, uint64_t usec, void *userdata) {
        HttpServer *s = userdata;
        uint64_t next = UINT64_MAX;

        for (HttpConnection *hc = s->connections; hc; hc = hc->next) {
                const union MHD_ConnectionInfo *info;

                if (hc->deadline == 0)
                        continue;
                if (hc->deadline > usec) {
                        if (hc->deadline < next)
                                next = hc->deadline;
                        continue;
                }
                hc->deadline = 0;
                info = MHD_get_connection_info(hc->connection, MHD_CONNECTION_INFO_CONNECTION_FD);
                log_debug("Trigger '%s': a request did not arrive within its time, connection closed.", hc->listener->name);
                /* MHD sees the end of the stream at its next read and closes the connection. */
                if (info)
                        (void) shutdown(info->connect_fd, SHUT_RDWR);
                listener_kick(hc->listener);
        }
        if (next != UINT64_MAX && sd_event_source_set_time(source, next) >= 0)
                (void) sd_event_source_set_enabled(source, SD_EVENT_ONESHOT);
        return 0;
}

/* The first call of a request: its headers are in, none of its body. */
static enum MHD_Result request_begin(HttpListener *l, struct MHD_Connection *c, const char *method, void **req_cls) {
        HttpServer *s = l->server;
        const char *cl;
        uint64_t length = 0;
        HttpRequest *req;

        /* From now on the body has its time, by max_body (an answer from the headers
         * is sent within it too). */
        connection_set_deadline(connection_get(c), ((uint64_t) s->limits.connection_timeout_sec +
                                                     l->max_body / HTTP_BODY_MIN_RATE) * 1000000ULL);

        if (!streq(method, MHD_HTTP_METHOD_POST)) {
                count_reject(l, HTTP_REJECT_METHOD);
                return respond_fixed(s, c, MHD_HTTP_METHOD_NOT_ALLOWED, FIXED_METHOD);
        }

        /* MHD has already refused a Content-Length that is not a number. */
        cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl) {
                char *end;

                errno = 0;
                length = strtoull(cl, &end, 10);
                if (errno != 0 || end == cl || *end != 0)
                        length = UINT64_MAX;
                if (length > l->max_body) {
                        log_debug("Trigger '%s': Content-Length %s beyond max_body %zu, refused.", l->name, cl, l->max_body);
                        count_reject(l, HTTP_REJECT_TOO_LARGE);
                        return respond_fixed(s, c, MHD_HTTP_CONTENT_TOO_LARGE, FIXED_TOO_LARGE);
                }
        }

        req = calloc(1, sizeof *req);
        if (!req)
                return respond_fixed(s, c, MHD_HTTP_INTERNAL_SERVER_ERROR, FIXED_INTERNAL);
        req->listener = l;
        req->connection = c;
        req->max_body = l->max_body;
        /* A known small length is allocated once; a large or chunked body grows as it
         * arrives, so an announced length that is never sent costs nothing. */
        if (length > 0) {
                size_t a = length < BODY_PREALLOC_MAX ? (size_t) length : BODY_PREALLOC_MAX;

                req->body = malloc(a);
                if (!req->body) {
                        free(req);
                        return respond_fixed(s, c, MHD_HTTP_INTERNAL_SERVER_ERROR, FIXED_INTERNAL);
                }
                req->allocated = a;
        }
        *req_cls = req;
        return MHD_YES;
}

static int request_append(HttpRequest *req, const char *data, size_t size) {
        if (size > req->max_body - req->size)
                return -E2BIG;
        if (req->size + size > req->allocated) {
                size_t a = req->allocated > 0 ? req->allocated : 256;
                char *p;

                while (a < req->size + size)
                        a = a > req->max_body / 2 ? req->max_body : a * 2;
                p = realloc(req->body, a);
                if (!p)
                        return -ENOMEM;
                req->body = p;
                req->allocated = a;
        }
        memcpy(req->body + req->size, data, size);
        req->size += size;
        return 0;
}

/* The last call: the whole body is in. */
static enum MHD_Result request_complete(HttpRequest *req) {
        HttpListener *l = req->listener;
        HttpServer *s = l->server;
        struct MHD_Connection *c = req->connection;
        cJSON *param = NULL;
        const char *text = NULL;
        int r;

        if (l->secret) {
                r = signature_verify(l->secret, l->secret_len,
                                     MHD_lookup_connection_value(c, MHD_HEADER_KIND, SIGNATURE_HEADER_HERALD),
                                     MHD_lookup_connection_value(c, MHD_HEADER_KIND, SIGNATURE_HEADER_HUB),
                                     MHD_lookup_connection_value(c, MHD_HEADER_KIND, SIGNATURE_HEADER_TIMESTAMP),
                                     req->body, req->size, l->replay_window_sec, (uint64_t) time(NULL), s->replay_cache);
                if (r < 0)
                        return respond_fixed(s, c, MHD_HTTP_INTERNAL_SERVER_ERROR, FIXED_INTERNAL);
                if (r != SIGNATURE_OK) {
                        char buf[256];

                        log_debug("Trigger '%s': %s", l->name, signature_result_to_string(r));
                        snprintf(buf, sizeof buf, "%s\n", signature_result_to_string(r));
                        count_reject_status(l, signature_result_http_status(r));
                        return respond_text(c, signature_result_http_status(r), buf);
                }
        }

        /* The request is in: an answer may take long (wait: true), the time is the callee's. */
        connection_set_deadline(connection_get(c), 0);

        r = trigger_request_parse(req->body ?: "", req->size, &param, &text);
        /* The body is not needed any more; a request waiting for its answer keeps only this. */
        free(req->body);
        req->body = NULL;
        req->size = req->allocated = 0;
        if (r < 0)
                return respond_fixed(s, c, MHD_HTTP_INTERNAL_SERVER_ERROR, FIXED_INTERNAL);
        if (r > 0) {
                count_reject_status(l, (unsigned) r);
                return respond_text(c, (unsigned) r, text);
        }

        req->handed = true;
        pending_link(s, req);
        s->cb(req, l->name, param, s->userdata);
        /* Still ours: MHD frees it only after this handler returns (on_completed). */
        if (req->reply_failed)
                return MHD_NO;
        if (!req->replied) {
                MHD_suspend_connection(c);
                req->suspended = true;
        }
        return MHD_YES;
}

/* A page listener answers from the headers, whatever body follows (MHD then closes
 * the connection rather than read it). */
static enum MHD_Result page_access(HttpListener *l, struct MHD_Connection *c, const char *url, const char *method) {
        HttpPage page = { .status = MHD_HTTP_INTERNAL_SERVER_ERROR };
        struct MHD_Response *resp;
        enum MHD_Result ret;

        connection_set_deadline(connection_get(c), (uint64_t) l->server->limits.connection_timeout_sec * 1000000ULL);
        if (!streq(method, MHD_HTTP_METHOD_GET) && !streq(method, MHD_HTTP_METHOD_HEAD)) {
                resp = response_new(CONTENT_TYPE_TEXT, "Method not allowed: this page is read-only (GET, HEAD)\n", 0);
                if (!resp || MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD") != MHD_YES) {
                        if (resp)
                                MHD_destroy_response(resp);
                        return MHD_NO;
                }
                ret = MHD_queue_response(c, MHD_HTTP_METHOD_NOT_ALLOWED, resp);
                MHD_destroy_response(resp);
                return ret;
        }

        l->page(url, MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT), &page, l->page_userdata);
        /* MHD frees the body with the response; HEAD gets the headers only (MHD). */
        resp = MHD_create_response_from_buffer(page.size, page.body ?: (char *) "",
                                               page.body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
        if (!resp) {
                free(page.body);
                return MHD_NO;
        }
        /* Nothing on the page is script or from elsewhere: a policy that forbids both
         * stops whatever an escaping bug would let through. */
        if (MHD_add_response_header(resp, "Server", "herald") != MHD_YES ||
            MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, page.content_type ?: CONTENT_TYPE_TEXT) != MHD_YES ||
            MHD_add_response_header(resp, "Content-Security-Policy",
                                    "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; "
                                    "form-action 'none'; frame-ancestors 'none'") != MHD_YES ||
            MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff") != MHD_YES ||
            MHD_add_response_header(resp, "Referrer-Policy", "no-referrer") != MHD_YES ||
            MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store") != MHD_YES) {
                MHD_destroy_response(resp);
                return MHD_NO;
        }
        ret = MHD_queue_response(c, page.status, resp);
        MHD_destroy_response(resp);
        return ret;
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                 const char *version, const char *upload_data, size_t *upload_data_size,
                                 void **req_cls) {
        HttpListener *l = cls;
        HttpRequest *req = *req_cls;
        int r;

        if (l->page)
                return page_access(l, c, url, method);
        if (!req)
                return request_begin(l, c, method, req_cls);

        if (req->handed)
                /* Called again after a resume: the answer is queued (or could not be). */
                return req->reply_failed ? MHD_NO : MHD_YES;

        if (*upload_data_size > 0) {
                r = request_append(req, upload_data, *upload_data_size);
                if (r < 0) {
                        /* A chunked body past max_body, or no memory: MHD cannot answer
                         * now (an upload is in progress), so the connection is closed. */
                        log_debug("Trigger '%s': body beyond max_body %zu (or out of memory), connection closed.",
                                  l->name, req->max_body);
                        if (r == -E2BIG)
                                count_reject(l, HTTP_REJECT_TOO_LARGE);
                        return MHD_NO;
                }
                *upload_data_size = 0;
                return MHD_YES;
        }

        return request_complete(req);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls, enum MHD_RequestTerminationCode toe) {
        HttpListener *l = cls;
        HttpRequest *req = *req_cls;

        /* Kept alive: the next request's headers have the connection timeout. */
        connection_set_deadline(connection_get(c), (uint64_t) l->server->limits.connection_timeout_sec * 1000000ULL);
        if (!req)
                return;
        *req_cls = NULL;
        if (req->handed && !req->replied) {
                /* The callee still holds it: http_request_reply() frees it. */
                req->connection = NULL;
                return;
        }
        request_free(req);
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context, enum MHD_ConnectionNotificationCode toe) {
        HttpListener *l = cls;
        HttpServer *s = l->server;
        HttpConnection *hc = *socket_context;

        if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
                s->n_connections++;
                hc = calloc(1, sizeof *hc);
                if (!hc) {
                        /* No deadline could be kept: refuse the connection. */
                        const union MHD_ConnectionInfo *info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
                        if (info)
                                (void) shutdown(info->connect_fd, SHUT_RDWR);
                        return;
                }
                hc->listener = l;
                hc->connection = c;
                hc->next = s->connections;
                if (s->connections)
                        s->connections->prev = hc;
                s->connections = hc;
                *socket_context = hc;
                connection_set_deadline(hc, (uint64_t) s->limits.connection_timeout_sec * 1000000ULL);
        } else if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
                if (hc) {
                        if (hc->prev)
                                hc->prev->next = hc->next;
                        else
                                s->connections = hc->next;
                        if (hc->next)
                                hc->next->prev = hc->prev;
                        free(hc);
                        *socket_context = NULL;
                }
                if (s->n_connections > 0)
                        s->n_connections--;
                /* a slot is free: let MHD put the listening socket back */
                l->kick = true;
        }
}

/* Each listener has its connection limit, beyond which connections wait in the kernel's
 * backlog; all listeners together must stay within the fds heraldd may open, or a flood
 * on a few triggers would leave it no fd for anything else (the other triggers, the
 * request files, the journal). Beyond that a connection is closed at once. */
static enum MHD_Result on_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen) {
        HttpListener *l = cls;
        HttpServer *s = l->server;

        if (s->n_connections < s->max_connections)
                return MHD_YES;
        log_debug("Trigger '%s': %u connections open on all triggers (the limit), connection refused.", l->name,
                  s->n_connections);
        count_reject(l, HTTP_REJECT_CONNECTION);
        return MHD_NO;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap) {
        char buf[512];
        size_t l;

        vsnprintf(buf, sizeof buf, fmt, ap);
        l = strlen(buf);
        if (l > 0 && buf[l - 1] == '\n')
                buf[l - 1] = 0;
        log_debug("libmicrohttpd: %s", buf);
}

/* MHD in external mode has no wake-up channel of its own (0.9.75 drops MHD_USE_ITC
 * without an internal thread), so two things would wait for an unrelated event:
 * a connection resumed from outside MHD_run(), and, at the connection limit, the
 * listening socket MHD takes out of its epoll set and puts back only at the start of
 * its next run. Both arm the timer to run MHD again at once. */
static void listener_kick(HttpListener *l) {
        l->kick = true;
        if (sd_event_source_set_time_relative(l->timer, 0) < 0 ||
            sd_event_source_set_enabled(l->timer, SD_EVENT_ONESHOT) < 0)
                log_debug("Trigger '%s': cannot arm the HTTP timer, ignoring.", l->name);
}

/* Runs MHD, then arms the timer for MHD's next timeout (relative, ms). */
static int listener_process(HttpListener *l) {
        MHD_UNSIGNED_LONG_LONG ms = 0;
        int r;

        l->kick = false;
        if (MHD_run(l->daemon) != MHD_YES)
                log_debug("Trigger '%s': MHD_run() failed, ignoring.", l->name);

        if (l->kick)
                ms = 0;
        else if (MHD_get_timeout(l->daemon, &ms) != MHD_YES)
                return sd_event_source_set_enabled(l->timer, SD_EVENT_OFF);
        r = sd_event_source_set_time_relative(l->timer, ms > UINT64_MAX / 1000 ? UINT64_MAX - 1 : (uint64_t) ms * 1000);
        if (r < 0)
                return r;
        return sd_event_source_set_enabled(l->timer, SD_EVENT_ONESHOT);
}

static int on_io(sd_event_source *source, int fd, uint32_t revents, void *userdata) {
        HttpListener *l = userdata;
        int r;

        r = listener_process(l);
        if (r < 0)
                log_warning_errno(r, "Trigger '%s': cannot arm the HTTP timer, ignoring: %m", l->name);
        return 0;
}

static int on_timer(sd_event_source *source, uint64_t usec, void *userdata) {
        return on_io(source, -1, 0, userdata);
}

static HttpListener *listener_free(HttpListener *l) {
        if (!l)
                return NULL;
        sd_event_source_disable_unref(l->io);
        sd_event_source_disable_unref(l->timer);
        if (l->daemon)
                MHD_stop_daemon(l->daemon);
        secret_free(l->secret, l->secret_len);
        free(l->name);
        free(l);
        return NULL;
}

/* The server's replay cache, made (and read back from its file) on first use. */
static int server_replay_cache(HttpServer *s) {
        int r;

        if (s->replay_cache)
                return 0;
        r = signature_cache_new(HTTP_REPLAY_CACHE_MAX, &s->replay_cache);
        if (r < 0)
                return r;
        if (s->replay_cache_path) {
                r = signature_cache_keep_in(s->replay_cache, s->replay_cache_path, (uint64_t) time(NULL));
                if (r < 0)
                        log_warning_errno(r, "Could not keep the replay cache in %s, keeping it in memory only "
                                          "(a replay after this process exits is not caught): %m",
                                          s->replay_cache_path);
        }
        return 0;
}

/* Copies what may change on reload into @l; on failure @l is unchanged. */
static int listener_configure(HttpListener *l, const HttpTriggerConfig *cfg) {
        uint8_t *secret = NULL;
        int r;

        if (cfg->secret && cfg->replay_window_sec > 0) {
                r = server_replay_cache(l->server);
                if (r < 0)
                        return r;
        }
        if (cfg->secret) {
                secret = malloc(cfg->secret_len > 0 ? cfg->secret_len : 1);
                if (!secret)
                        return -ENOMEM;
                memcpy(secret, cfg->secret, cfg->secret_len);
        }

        secret_free(l->secret, l->secret_len);
        l->secret = secret;
        l->secret_len = cfg->secret_len;
        l->replay_window_sec = cfg->secret ? cfg->replay_window_sec : 0;
        l->max_body = cfg->max_body > 0 ? cfg->max_body : TRIGGER_BODY_MAX_DEFAULT;
        return 0;
}

/* How many connections the fd limit leaves room for, the reserve kept aside. */
static unsigned http_connection_budget(void) {
        struct rlimit rl;
        rlim_t n;

        if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
                return UINT_MAX;
        n = rl.rlim_cur > HTTP_FD_RESERVE + HTTP_FD_BUDGET_MIN ? rl.rlim_cur - HTTP_FD_RESERVE : HTTP_FD_BUDGET_MIN;
        return n > UINT_MAX ? UINT_MAX : (unsigned) n;
}

/**
 * http_server_new() - an HTTP server on an event loop, with no listener yet
 * @e: the event loop (referenced)
 * @limits: connection limits, or NULL for the defaults (a 0 field: its default); the
 *          connections of all listeners together stay within RLIMIT_NOFILE less a reserve
 * @cb: called with every accepted trigger request
 * @userdata: passed to @cb
 * @ret: the server
 *
 * Return: 0 or -ENOMEM.
 */
int http_server_new(sd_event *e, const HttpServerLimits *limits, HttpTriggerFunc cb, void *userdata, HttpServer **ret) {
        _cleanup_(http_server_freep) HttpServer *s = NULL;

        assert(e);
        assert(cb);

        s = calloc(1, sizeof *s);
        if (!s)
                return -ENOMEM;
        s->event = sd_event_ref(e);
        s->cb = cb;
        s->userdata = userdata;
        if (limits)
                s->limits = *limits;
        if (s->limits.connection_limit == 0)
                s->limits.connection_limit = HTTP_CONNECTION_LIMIT_DEFAULT;
        if (s->limits.connection_memory == 0)
                s->limits.connection_memory = HTTP_CONNECTION_MEMORY_DEFAULT;
        if (s->limits.connection_timeout_sec == 0)
                s->limits.connection_timeout_sec = HTTP_CONNECTION_TIMEOUT_SEC_DEFAULT;
        s->max_connections = http_connection_budget();
        if (s->limits.connection_limit > s->max_connections)
                s->limits.connection_limit = s->max_connections;
        if (sd_event_add_time(e, &s->deadline_timer, CLOCK_MONOTONIC, UINT64_MAX, 250 * 1000, on_deadline, s) < 0 ||
            sd_event_source_set_enabled(s->deadline_timer, SD_EVENT_OFF) < 0)
                return -ENOMEM;

        s->fixed[FIXED_METHOD] = response_new(CONTENT_TYPE_TEXT, TEXT_METHOD, 0);
        s->fixed[FIXED_TOO_LARGE] = response_new(CONTENT_TYPE_TEXT, TEXT_TOO_LARGE, 0);
        s->fixed[FIXED_INTERNAL] = response_new(CONTENT_TYPE_TEXT, TEXT_INTERNAL, 0);
        for (size_t i = 0; i < ELEMENTSOF(s->fixed); i++)
                if (!s->fixed[i])
                        return -ENOMEM;
        if (MHD_add_response_header(s->fixed[FIXED_METHOD], MHD_HTTP_HEADER_ALLOW, MHD_HTTP_METHOD_POST) != MHD_YES)
                return -ENOMEM;

        *ret = TAKE_PTR(s);
        return 0;
}

/**
 * http_server_free() - stop listening and free the server
 * @s: the server, or NULL
 *
 * Requests handed to the callback and not replied yet are answered 503 first (the
 * callee must not use them afterwards); other connections are closed.
 *
 * Return: NULL.
 */
HttpServer *http_server_free(HttpServer *s) {
        if (!s)
                return NULL;
        while (s->pending)
                http_request_reply(s->pending, MHD_HTTP_SERVICE_UNAVAILABLE, CONTENT_TYPE_TEXT, TEXT_SHUTDOWN, 0);
        /* Give MHD one round to send those answers; what is not sent now is dropped. */
        for (HttpListener *l = s->listeners; l; l = l->next)
                MHD_run(l->daemon);
        while (s->listeners) {
                HttpListener *l = s->listeners;

                s->listeners = l->next;
                listener_free(l);
        }
        for (size_t i = 0; i < ELEMENTSOF(s->fixed); i++)
                if (s->fixed[i])
                        MHD_destroy_response(s->fixed[i]);
        sd_event_source_disable_unref(s->deadline_timer);
        signature_cache_free(s->replay_cache);
        free(s->replay_cache_path);
        sd_event_unref(s->event);
        free(s);
        return NULL;
}

/**
 * http_server_keep_replay_cache() - keep the MACs taken within replay windows in a file
 * @s: the server, before its first listener with a replay window is added
 * @path: the file (in the caller's state directory)
 *
 * Without it the cache lives as long as the process: a request replayed after an idle
 * exit or a restart would be taken again.
 *
 * Return: 0, -EBUSY when the cache is in use already, or -ENOMEM.
 */
int http_server_keep_replay_cache(HttpServer *s, const char *path) {
        char *p;

        if (s->replay_cache)
                return -EBUSY;
        p = strdup(path);
        if (!p)
                return -ENOMEM;
        free(s->replay_cache_path);
        s->replay_cache_path = p;
        return 0;
}

/**
 * http_server_add_listener() - serve one http trigger on a listening socket
 * @s: the server
 * @listen_fd: a listening stream socket (TCP or AF_UNIX); the server works on a
 *             duplicate, so the caller keeps (and closes) @listen_fd
 * @cfg: the trigger (copied, secret included)
 *
 * Return: 0; -EINVAL for a config without a name, -EEXIST when a listener of that
 * name exists, -ENOMEM, -EIO when libmicrohttpd cannot start (it logs why at debug),
 * or a negative errno from dup or sd-event.
 */
int http_server_add_listener(HttpServer *s, int listen_fd, const HttpTriggerConfig *cfg) {
        return listener_add(s, listen_fd, cfg, NULL, NULL);
}

static int listener_add(HttpServer *s, int listen_fd, const HttpTriggerConfig *cfg, HttpPageFunc page, void *page_userdata) {
        HttpListener *l;
        const union MHD_DaemonInfo *info;
        int fd, r;

        if (!cfg || isempty(cfg->name))
                return -EINVAL;
        /* Trigger names are unique among triggers; a page listener has a name of its own. */
        for (HttpListener *i = s->listeners; i; i = i->next)
                if (!i->page && !page && streq(i->name, cfg->name))
                        return -EEXIST;

        l = calloc(1, sizeof *l);
        if (!l)
                return -ENOMEM;
        l->server = s;
        l->page = page;
        l->page_userdata = page_userdata;
        l->name = strdup(cfg->name);
        if (!l->name) {
                r = -ENOMEM;
                goto fail;
        }
        r = listener_configure(l, cfg);
        if (r < 0)
                goto fail;

        fd = fcntl(listen_fd, F_DUPFD_CLOEXEC, 3);
        if (fd < 0) {
                r = -errno;
                goto fail;
        }
        l->daemon = MHD_start_daemon(MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG,
                                     0, on_accept, l, on_access, l,
                                     MHD_OPTION_LISTEN_SOCKET, fd,
                                     MHD_OPTION_CONNECTION_LIMIT, s->limits.connection_limit,
                                     MHD_OPTION_CONNECTION_MEMORY_LIMIT, s->limits.connection_memory,
                                     MHD_OPTION_CONNECTION_TIMEOUT, s->limits.connection_timeout_sec,
                                     MHD_OPTION_NOTIFY_COMPLETED, on_completed, l,
                                     MHD_OPTION_NOTIFY_CONNECTION, on_connection, l,
                                     MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
                                     MHD_OPTION_END);
        if (!l->daemon) {
                /* Some of MHD's failure paths close the socket, some do not. */
                if (fcntl(fd, F_GETFD) >= 0)
                        close(fd);
                r = -EIO;
                goto fail;
        }

        info = MHD_get_daemon_info(l->daemon, MHD_DAEMON_INFO_EPOLL_FD);
        if (!info) {
                r = -EIO;
                goto fail;
        }
        r = sd_event_add_io(s->event, &l->io, info->epoll_fd, EPOLLIN, on_io, l);
        if (r < 0)
                goto fail;
        r = sd_event_add_time(s->event, &l->timer, CLOCK_MONOTONIC, UINT64_MAX, 0, on_timer, l);
        if (r < 0)
                goto fail;
        /* sd-event's default accuracy is 250 ms; MHD asks for 0 ms when it has work queued. */
        r = sd_event_source_set_time_accuracy(l->timer, 1);
        if (r < 0)
                goto fail;
        r = sd_event_source_set_enabled(l->timer, SD_EVENT_OFF);
        if (r < 0)
                goto fail;

        l->next = s->listeners;
        s->listeners = l;
        return 0;
fail:
        listener_free(l);
        return r;
}

/**
 * http_server_update_listener() - take a reloaded trigger's settings
 * @s: the server
 * @name: the trigger
 * @cfg: its new settings (copied; its name is not used)
 *
 * Requests already past their checks keep the old settings; the next ones get these.
 * The replay cache is kept when the window stays the same.
 *
 * Return: 0, -ENOENT when no listener has that name, or -ENOMEM (the old settings stay).
 */
int http_server_update_listener(HttpServer *s, const char *name, const HttpTriggerConfig *cfg) {
        for (HttpListener *l = s->listeners; l; l = l->next)
                if (!l->page && streq(l->name, name))
                        return listener_configure(l, cfg);
        return -ENOENT;
}

/**
 * http_request_reply() - answer an accepted trigger request
 * @req: the request (invalid afterwards)
 * @status: the HTTP status
 * @content_type: its Content-Type, or NULL for text/plain; charset=utf-8
 * @body: the body (copied), or NULL for none
 * @retry_after_sec: a Retry-After header with this many seconds, or 0 for none
 *
 * May be called from the trigger callback or later from the event loop, exactly once.
 * When the client has gone meanwhile (or the answer cannot be built) the connection
 * is closed.
 */
void http_request_reply(HttpRequest *req, unsigned status, const char *content_type, const char *body,
                        unsigned retry_after_sec) {
        HttpServer *s = req->listener->server;
        struct MHD_Response *resp;

        assert(req->handed && !req->replied);
        req->replied = true;
        pending_unlink(s, req);
        if (status == MHD_HTTP_SERVICE_UNAVAILABLE)
                count_reject(req->listener, HTTP_REJECT_UNAVAILABLE);

        if (!req->connection) {
                /* MHD closed it already (on_completed left it to us). */
                request_free(req);
                return;
        }

        resp = response_new(content_type, body, retry_after_sec);
        if (!resp || MHD_queue_response(req->connection, status, resp) != MHD_YES) {
                log_debug("Trigger '%s': cannot queue the answer %u, closing the connection.", req->listener->name, status);
                req->reply_failed = true;
        }
        if (resp)
                MHD_destroy_response(resp);
        if (req->suspended) {
                req->suspended = false;
                MHD_resume_connection(req->connection);
                listener_kick(req->listener);
        }
}

/**
 * http_request_reply_stream() - answer an accepted request with a body read piece by piece
 * @req: the request (invalid afterwards)
 * @status: the HTTP status
 * @content_type: its Content-Type
 * @size: the body's length (Content-Length)
 * @read: called by libmicrohttpd for the bytes at a position: returns how many it put
 *        in the buffer (> 0), or < 0 to cut the connection (a file that changed)
 * @free_cb: called with @cls once the answer is sent or dropped (also when it could
 *           not be queued)
 * @cls: passed to both
 *
 * As http_request_reply(), for an answer too large to copy: herald-runner's multipart
 * answer with its files (multipart-answer.c).
 */
void http_request_reply_stream(HttpRequest *req, unsigned status, const char *content_type, uint64_t size,
                               HttpReadFunc read, void (*free_cb)(void *cls), void *cls) {
        HttpServer *s = req->listener->server;
        struct MHD_Response *resp = NULL;

        assert(req->handed && !req->replied);
        req->replied = true;
        pending_unlink(s, req);

        if (!req->connection) {
                request_free(req);
                free_cb(cls);
                return;
        }

        /* MHD calls free_cb when it destroys the response, whether it was sent or not. */
        resp = MHD_create_response_from_callback(size, 64 * 1024, (MHD_ContentReaderCallback) read, cls, free_cb);
        if (!resp) {
                free_cb(cls);
                req->reply_failed = true;
        } else if (MHD_add_response_header(resp, "Server", "herald") != MHD_YES ||
                   MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type) != MHD_YES ||
                   MHD_queue_response(req->connection, status, resp) != MHD_YES) {
                log_debug("Trigger '%s': cannot queue the answer %u, closing the connection.", req->listener->name, status);
                req->reply_failed = true;
        }
        if (resp)
                MHD_destroy_response(resp);
        if (req->suspended) {
                req->suspended = false;
                MHD_resume_connection(req->connection);
                listener_kick(req->listener);
        }
}

/**
 * http_server_busy() - whether the server has work in flight (for the idle exit)
 * @s: the server
 *
 * Return: open connections plus requests not replied yet; 0 when idle.
 */
unsigned http_server_busy(const HttpServer *s) {
        return s->n_connections + s->n_pending;
}

/**
 * http_listen_bind() - a listening socket of our own (heraldd --workflow, development)
 * @host: the address or name to bind (NULL or "": all addresses), with @port
 * @port: the TCP port (0: any free one)
 * @unix_socket: a path to bind instead, or NULL; a stale socket there is replaced,
 *               the new one is mode 0660
 * @ret_fd: the socket (CLOEXEC, non-blocking, listening)
 *
 * Return: 0 or a negative errno (-EADDRNOTAVAIL when @host does not resolve,
 * -ENAMETOOLONG for a path too long for sockaddr_un).
 */
int http_listen_bind(const char *host, uint16_t port, const char *unix_socket, int *ret_fd) {
        _cleanup_close_ int fd = -1;
        int r;

        if (unix_socket) {
                struct sockaddr_un sa = { .sun_family = AF_UNIX };
                struct stat st;

                if (strlen(unix_socket) >= sizeof sa.sun_path)
                        return -ENAMETOOLONG;
                strcpy(sa.sun_path, unix_socket);
                fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
                if (fd < 0)
                        return -errno;
                /* Herald removes whatever is there; only a socket is replaced here. */
                if (lstat(unix_socket, &st) == 0 && S_ISSOCK(st.st_mode))
                        (void) unlink(unix_socket);
                if (bind(fd, (struct sockaddr *) &sa, sizeof sa) < 0)
                        return -errno;
                if (chmod(unix_socket, 0660) < 0)
                        return -errno;
        } else {
                struct addrinfo hints = {
                        .ai_family = AF_UNSPEC,
                        .ai_socktype = SOCK_STREAM,
                        .ai_flags = AI_PASSIVE | AI_NUMERICSERV,
                }, *ai = NULL;
                char service[8];
                int one = 1;

                snprintf(service, sizeof service, "%u", (unsigned) port);
                r = getaddrinfo(isempty(host) ? NULL : host, service, &hints, &ai);
                if (r != 0)
                        return r == EAI_MEMORY ? -ENOMEM : -EADDRNOTAVAIL;
                fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
                if (fd < 0) {
                        r = -errno;
                        freeaddrinfo(ai);
                        return r;
                }
                (void) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
                r = bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 ? -errno : 0;
                freeaddrinfo(ai);
                if (r < 0)
                        return r;
        }
        if (listen(fd, SOMAXCONN) < 0)
                return -errno;
        *ret_fd = TAKE_FD(fd);
        return 0;
}

const char *http_reject_reason(HttpReject r) {
        static const char *const reasons[_HTTP_REJECT_MAX] = {
                [HTTP_REJECT_BAD_REQUEST] = "bad_request",
                [HTTP_REJECT_UNAUTHORIZED] = "unauthorized",
                [HTTP_REJECT_FORBIDDEN] = "forbidden",
                [HTTP_REJECT_METHOD] = "method",
                [HTTP_REJECT_TOO_LARGE] = "too_large",
                [HTTP_REJECT_UNAVAILABLE] = "unavailable",
                [HTTP_REJECT_CONNECTION] = "connection_limit",
        };
        return r < _HTTP_REJECT_MAX ? reasons[r] : NULL;
}

unsigned http_reject_status(HttpReject r) {
        static const unsigned codes[_HTTP_REJECT_MAX] = {
                [HTTP_REJECT_BAD_REQUEST] = 400,
                [HTTP_REJECT_UNAUTHORIZED] = 401,
                [HTTP_REJECT_FORBIDDEN] = 403,
                [HTTP_REJECT_METHOD] = 405,
                [HTTP_REJECT_TOO_LARGE] = 413,
                [HTTP_REJECT_UNAVAILABLE] = 503,
        };
        return r < _HTTP_REJECT_MAX ? codes[r] : 0;
}

/**
 * http_server_rejects() - one trigger listener's refused requests
 * @s: the server
 * @i: which listener (0, 1, ...); page listeners are skipped
 * @ret_name: its trigger's name
 * @ret_counts: _HTTP_REJECT_MAX counters, by HttpReject, since the listener was added
 *
 * Return: 0, or -ENOENT when there are fewer than @i + 1 trigger listeners.
 */
int http_server_rejects(const HttpServer *s, size_t i, const char **ret_name, const uint64_t **ret_counts) {
        for (HttpListener *l = s->listeners; l; l = l->next) {
                if (l->page)
                        continue;
                if (i-- > 0)
                        continue;
                *ret_name = l->name;
                *ret_counts = l->rejects;
                return 0;
        }
        return -ENOENT;
}

/**
 * http_server_add_page_listener() - serve read-only pages on a listening socket
 * @s: the server
 * @listen_fd: a listening stream socket (duplicated, as http_server_add_listener())
 * @name: the listener's name (its fd name, for the logs)
 * @cb: makes the answer to a GET or HEAD of a path
 * @userdata: passed to @cb
 *
 * The same limits, deadlines and idle accounting as the triggers' listeners.
 *
 * Return: as http_server_add_listener().
 */
int http_server_add_page_listener(HttpServer *s, int listen_fd, const char *name, HttpPageFunc cb, void *userdata) {
        HttpTriggerConfig cfg = { .name = name };

        assert(cb);
        return listener_add(s, listen_fd, &cfg, cb, userdata);
}
