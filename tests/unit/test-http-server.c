/* SPDX-License-Identifier: MIT */
/* test-http-server.c: heraldd's HTTP listeners, a real server on 127.0.0.1 talked to
 * over raw sockets
 *
 * The server runs its own sd-event loop in a thread (everything of it, callbacks
 * included, stays on that thread); the test thread is the client. Raw sockets rather
 * than libcurl: the bad cases (a 200 MB Content-Length never sent, a chunked body past
 * the limit, slow headers, connections held open) need byte-level control.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <systemd/sd-event.h>

#include "hmac.h"
#include "http-server.h"
#include "json-util.h"
#include "log.h"
#include "macro.h"

#define SECRET "secret"
#define OPEN_MAX_BODY 1024

/* What the server thread shares with the test; under the lock. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char last_trigger[64];
static char last_param[4096];
static unsigned n_callbacks;
static unsigned busy_in_callback;

/* In the server thread, cmocka's asserts (longjmp into the test) must not be used. */
#define CHECK(expr)                                                                       \
        do {                                                                              \
                if (!(expr)) {                                                            \
                        fprintf(stderr, "%s:%d: server thread: %s\n", __FILE__, __LINE__, #expr); \
                        abort();                                                          \
                }                                                                         \
        } while (0)

/* Server thread state */
static pthread_t server_thread;
static int exit_fd = -1, ready_fd = -1;
static uint16_t port_open, port_signed, port_replay, port_limited, port_page;
static sd_event *loop;
static HttpServer *server, *server_limited;
static HttpRequest *deferred, *held;

static int on_defer_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        http_request_reply(deferred, 202, "application/json", "{\"deferred\":true}", 0);
        deferred = NULL;
        return 0;
}

static void on_trigger(HttpRequest *req, const char *name, cJSON *param, void *userdata) {
        _cleanup_json_ cJSON *p = param;
        _cleanup_free_ char *text = NULL;
        HttpServer *s = *(HttpServer **) userdata;
        const char *mode;

        CHECK(json_print_compact(p, &text) == 0);
        pthread_mutex_lock(&lock);
        snprintf(last_trigger, sizeof last_trigger, "%s", name);
        snprintf(last_param, sizeof last_param, "%s", text);
        n_callbacks++;
        busy_in_callback = http_server_busy(s);
        pthread_mutex_unlock(&lock);

        mode = json_object_get_string(p, "mode");
        if (streq_ptr(mode, "defer")) {
                /* answered 200 ms later, from the loop */
                CHECK(!deferred);
                deferred = req;
                CHECK(sd_event_add_time_relative(loop, NULL, CLOCK_MONOTONIC, 200 * 1000, 1, on_defer_timer, NULL) >= 0);
                return;
        }
        if (streq_ptr(mode, "busy")) {
                http_request_reply(req, 503, NULL, "Queue full\n", 7);
                return;
        }
        if (streq_ptr(mode, "hold")) {
                held = req;     /* answered by http_server_free() */
                return;
        }
        http_request_reply(req, 200, NULL, HTTP_TEXT_ACCEPTED, 0);
}

static int on_exit_fd(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        return sd_event_exit(sd_event_source_get_event(s), 0);
}

static uint16_t add_listener(HttpServer *s, const HttpTriggerConfig *cfg) {
        struct sockaddr_in sa;
        socklen_t l = sizeof sa;
        int fd;

        CHECK(http_listen_bind("127.0.0.1", 0, NULL, &fd) == 0);
        CHECK(getsockname(fd, (struct sockaddr *) &sa, &l) == 0);
        CHECK(http_server_add_listener(s, fd, cfg) == 0);
        close(fd);      /* the server works on its own duplicate */
        return ntohs(sa.sin_port);
}

/* The status listener's callback: echoes the path and the Accept header. */
static void on_page(const char *path, const char *accept, HttpPage *ret, void *userdata) {
        ret->status = streq(path, "/missing") ? 404 : 200;
        ret->content_type = "text/html; charset=utf-8";
        if (asprintf(&ret->body, "page %s accept %s", path, accept ?: "-") < 0)
                ret->body = NULL;
        ret->size = ret->body ? strlen(ret->body) : 0;
}

static void *server_main(void *arg) {
        HttpServerLimits limited = { .connection_limit = 4, .connection_timeout_sec = 2 };
        uint64_t one = 1;
        int fd;

        CHECK(sd_event_new(&loop) >= 0);
        CHECK(sd_event_add_io(loop, NULL, exit_fd, EPOLLIN, on_exit_fd, NULL) >= 0);

        CHECK(http_server_new(loop, NULL, on_trigger, &server, &server) == 0);
        port_open = add_listener(server, &(HttpTriggerConfig) { .name = "open", .max_body = OPEN_MAX_BODY });
        port_signed = add_listener(server, &(HttpTriggerConfig) {
                .name = "signed", .secret = (const uint8_t *) SECRET, .secret_len = strlen(SECRET) });
        port_replay = add_listener(server, &(HttpTriggerConfig) {
                .name = "replay", .secret = (const uint8_t *) SECRET, .secret_len = strlen(SECRET),
                .replay_window_sec = 300 });
        CHECK(http_server_new(loop, &limited, on_trigger, &server_limited, &server_limited) == 0);
        port_limited = add_listener(server_limited, &(HttpTriggerConfig) { .name = "limited" });

        /* a page listener may share a trigger's name: it is no trigger */
        {
                struct sockaddr_in sa;
                socklen_t l = sizeof sa;

                CHECK(http_listen_bind("127.0.0.1", 0, NULL, &fd) == 0);
                CHECK(getsockname(fd, (struct sockaddr *) &sa, &l) == 0);
                CHECK(http_server_add_page_listener(server, fd, "open", on_page, NULL) == 0);
                close(fd);
                port_page = ntohs(sa.sin_port);
        }

        /* a duplicate name is refused; an unknown one cannot be updated */
        CHECK(http_listen_bind("127.0.0.1", 0, NULL, &fd) == 0);
        CHECK(http_server_add_listener(server, fd, &(HttpTriggerConfig) { .name = "open" }) == -EEXIST);
        close(fd);
        CHECK(http_server_update_listener(server, "nope", &(HttpTriggerConfig) { .name = "nope" }) == -ENOENT);

        CHECK(write(ready_fd, &one, sizeof one) == (ssize_t) sizeof one);
        CHECK(sd_event_loop(loop) >= 0);

        server = http_server_free(server);
        server_limited = http_server_free(server_limited);
        loop = sd_event_unref(loop);
        return NULL;
}

/* ---- the client side ---- */

typedef struct Response {
        int status;             /* -1: the connection was closed without an answer */
        char headers[4096];
        char body[4096];
} Response;

static int connect_to(uint16_t port) {
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
        struct timeval tv = { .tv_sec = 5 };
        int fd;

        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        assert_true(fd >= 0);
        assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv), 0);
        assert_int_equal(connect(fd, (struct sockaddr *) &sa, sizeof sa), 0);
        return fd;
}

static void send_str(int fd, const char *s) {
        size_t n = strlen(s);

        while (n > 0) {
                ssize_t k = send(fd, s, n, MSG_NOSIGNAL);

                assert_true(k > 0);
                s += k;
                n -= (size_t) k;
        }
}

/* Reads one answer (headers, then Content-Length bytes of body). */
static void read_response(int fd, Response *r) {
        char buf[8192];
        size_t n = 0, body_len = 0;
        char *end = NULL, *cl;

        *r = (Response) { .status = -1 };
        for (;;) {
                ssize_t k;

                if (end) {
                        size_t have = n - (size_t) (end + 4 - buf);
                        if (have >= body_len)
                                break;
                }
                assert_true(n < sizeof buf - 1);
                k = recv(fd, buf + n, sizeof buf - 1 - n, 0);
                if (k <= 0)
                        return; /* closed (or reset) without a full answer */
                n += (size_t) k;
                buf[n] = 0;
                if (!end) {
                        end = strstr(buf, "\r\n\r\n");
                        if (end) {
                                *end = 0;
                                cl = strcasestr(buf, "\r\nContent-Length:");
                                body_len = cl ? strtoul(cl + 17, NULL, 10) : 0;
                                *end = '\r';
                        }
                }
        }
        assert_int_equal(sscanf(buf, "HTTP/1.1 %d", &r->status), 1);
        snprintf(r->headers, sizeof r->headers, "%.*s", (int) (end - buf), buf);
        snprintf(r->body, sizeof r->body, "%.*s", (int) body_len, end + 4);
}

static void request(uint16_t port, const char *method, const char *path, const char *extra_headers,
                    const char *body, Response *r) {
        char head[2048];
        int fd = connect_to(port);

        snprintf(head, sizeof head, "%s %s HTTP/1.1\r\nHost: localhost\r\n%sContent-Length: %zu\r\n\r\n",
                 method, path, extra_headers ?: "", strlen(body));
        send_str(fd, head);
        send_str(fd, body);
        read_response(fd, r);
        close(fd);
}

/* HEAD / and all the server sends until it closes (MHD closes: Connection: close). */
static void head_request(uint16_t port, char *buf, size_t size) {
        int fd = connect_to(port);
        ssize_t k;

        send_str(fd, "HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        k = recv(fd, buf, size - 1, MSG_WAITALL);
        assert_true(k > 0);
        buf[k] = 0;
        close(fd);
}

static void post(uint16_t port, const char *extra_headers, const char *body, Response *r) {
        request(port, "POST", "/", extra_headers, body, r);
}

static unsigned callbacks(void) {
        unsigned n;

        pthread_mutex_lock(&lock);
        n = n_callbacks;
        pthread_mutex_unlock(&lock);
        return n;
}

static void assert_last_param(const char *trigger, const char *param) {
        pthread_mutex_lock(&lock);
        assert_string_equal(last_trigger, trigger);
        assert_string_equal(last_param, param);
        pthread_mutex_unlock(&lock);
}

/* Whether the peer closes fd (EOF or reset) within a few seconds, sending nothing. */
static bool closed_by_peer(int fd) {
        char c;
        ssize_t k = recv(fd, &c, 1, 0);

        return k == 0 || (k < 0 && errno == ECONNRESET);
}

static long rss_kib(void) {
        _cleanup_fclose_ FILE *f = fopen("/proc/self/status", "re");
        char line[256];
        long v = -1;

        assert_non_null(f);
        while (fgets(line, sizeof line, f))
                if (sscanf(line, "VmRSS: %ld kB", &v) == 1)
                        break;
        return v;
}

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

static void test_accepted(void **state) {
        Response r;
        unsigned n = callbacks();

        post(port_open, NULL, "{\"a\": 9007199254740993, \"b\": [1, {\"c\": null}]}", &r);
        assert_int_equal(r.status, 200);
        assert_string_equal(r.body, HTTP_TEXT_ACCEPTED);
        assert_non_null(strcasestr(r.headers, "\r\nContent-Type: text/plain; charset=utf-8"));
        assert_non_null(strcasestr(r.headers, "\r\nServer: herald"));
        assert_int_equal(callbacks(), n + 1);
        assert_last_param("open", "{\"a\":9007199254740993,\"b\":[1,{\"c\":null}]}");
        pthread_mutex_lock(&lock);
        assert_true(busy_in_callback >= 2);     /* its connection and itself */
        pthread_mutex_unlock(&lock);

        /* any path, as Herald */
        request(port_open, "POST", "/some/where?x=1", NULL, "{\"p\":1}", &r);
        assert_int_equal(r.status, 200);
        assert_last_param("open", "{\"p\":1}");
}

static void test_method(void **state) {
        const char *methods[] = { "GET", "PUT", "DELETE", "PATCH", "OPTIONS" };
        unsigned n = callbacks();
        Response r;
        char head[1024];

        for (size_t i = 0; i < ELEMENTSOF(methods); i++) {
                request(port_open, methods[i], "/", NULL, "{}", &r);
                assert_int_equal(r.status, 405);
                assert_string_equal(r.body, "Request validation error: Only POST request allowed\n");
                assert_non_null(strcasestr(r.headers, "\r\nAllow: POST"));
        }
        /* HEAD: the same answer without its body */
        head_request(port_open, head, sizeof head);
        assert_non_null(strstr(head, "HTTP/1.1 405"));
        assert_null(strstr(head, "Only POST"));
        assert_int_equal(callbacks(), n);
}

static void test_bad_body(void **state) {
        unsigned n = callbacks();
        Response r;

        post(port_open, NULL, "{\"a\":", &r);
        assert_int_equal(r.status, 400);
        assert_string_equal(r.body, "Request body error: Parse json error (invalid JSON)");
        post(port_open, NULL, "[1,2]", &r);
        assert_int_equal(r.status, 400);
        assert_string_equal(r.body, "Request body error: Input json is not a map");
        post(port_open, NULL, "", &r);
        assert_int_equal(r.status, 400);
        assert_string_equal(r.body, "Request body error: Parse json error (unexpected end of JSON input)");
        assert_int_equal(callbacks(), n);
}

static void test_too_large(void **state) {
        long before = rss_kib();
        uint64_t t0 = now_usec();
        unsigned n = callbacks();
        Response r;
        int fd;

        /* 200 MB announced, none sent: answered at once */
        fd = connect_to(port_open);
        send_str(fd, "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 200000000\r\n\r\n");
        read_response(fd, &r);
        assert_int_equal(r.status, 413);
        assert_string_equal(r.body, "Request body too large\n");
        /* ... and the connection is closed rather than the body read */
        assert_true(closed_by_peer(fd));
        close(fd);
        assert_true(now_usec() - t0 < 2 * 1000000);

        /* with Expect: 100-continue the client never sends the body */
        fd = connect_to(port_open);
        send_str(fd, "POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 200000000\r\n\r\n");
        read_response(fd, &r);
        assert_int_equal(r.status, 413);
        close(fd);

        /* one byte over the limit */
        {
                char body[OPEN_MAX_BODY + 2];

                memset(body, ' ', sizeof body - 1);
                body[0] = '{';
                body[sizeof body - 2] = '}';
                body[sizeof body - 1] = 0;
                post(port_open, NULL, body, &r);
                assert_int_equal(r.status, 413);
                body[sizeof body - 3] = '}';
                body[sizeof body - 2] = 0;
                post(port_open, NULL, body, &r);
                assert_int_equal(r.status, 200);
        }
        /* the server shares our process: 200 MB read would show */
        assert_true(rss_kib() - before < 8 * 1024);
        assert_int_equal(callbacks(), n + 1);
}

static void test_chunked(void **state) {
        unsigned n = callbacks();
        char chunk[600];
        Response r;
        int fd;

        /* under the limit: taken */
        fd = connect_to(port_open);
        send_str(fd, "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "5\r\n{\"c\":\r\n3\r\n42}\r\n0\r\n\r\n");
        read_response(fd, &r);
        assert_int_equal(r.status, 200);
        assert_last_param("open", "{\"c\":42}");
        close(fd);

        /* past it: the connection is closed, nothing reaches the callback */
        fd = connect_to(port_open);
        send_str(fd, "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
        memset(chunk, ' ', sizeof chunk);
        snprintf(chunk, sizeof chunk, "%x\r\n", 500);
        for (unsigned i = 0; i < 3; i++) {
                char data[512];

                memset(data, ' ', 500);
                memcpy(data + 500, "\r\n", 3);
                send_str(fd, chunk);
                if (send(fd, data, 502, MSG_NOSIGNAL) < 0)
                        break;
        }
        read_response(fd, &r);
        assert_int_equal(r.status, -1);
        close(fd);
        assert_int_equal(callbacks(), n + 1);
}

static void sign(const char *ts, const char *body, char hex[static HMAC_SHA256_HEX_SIZE + 1]) {
        char buf[512];

        snprintf(buf, sizeof buf, "%s%s%s", ts ?: "", ts ? "." : "", body);
        assert_int_equal(hmac_sha256_hex((const uint8_t *) SECRET, strlen(SECRET), buf, strlen(buf), hex), 0);
}

static void test_signature(void **state) {
        const char *body = "{\"s\":1}";
        char sig[HMAC_SHA256_HEX_SIZE + 1], h[256], ts[32];
        unsigned n = callbacks();
        Response r;

        sign(NULL, body, sig);

        post(port_signed, NULL, body, &r);
        assert_int_equal(r.status, 401);
        assert_non_null(strstr(r.body, "Signature missing"));
        post(port_signed, "X-Herald-Signature: abc\r\n", body, &r);
        assert_int_equal(r.status, 401);
        assert_non_null(strstr(r.body, "Signature malformed"));
        snprintf(h, sizeof h, "X-Herald-Signature: sha256=%s\r\n", sig);
        post(port_signed, h, body, &r);
        assert_int_equal(r.status, 401);
        post(port_signed, "X-Herald-Signature: 0000000000000000000000000000000000000000000000000000000000000000\r\n", body, &r);
        assert_int_equal(r.status, 403);
        assert_non_null(strstr(r.body, "Signature mismatch"));
        assert_int_equal(callbacks(), n);

        snprintf(h, sizeof h, "X-Herald-Signature: %s\r\n", sig);
        post(port_signed, h, body, &r);
        assert_int_equal(r.status, 200);
        assert_last_param("signed", body);
        snprintf(h, sizeof h, "X-Hub-Signature-256: sha256=%s\r\n", sig);
        post(port_signed, h, body, &r);
        assert_int_equal(r.status, 200);
        /* without a replay window, the same request is taken again (Herald's way) */
        assert_int_equal(callbacks(), n + 2);

        /* a valid signature does not excuse a bad body */
        sign(NULL, "[]", sig);
        snprintf(h, sizeof h, "X-Herald-Signature: %s\r\n", sig);
        post(port_signed, h, "[]", &r);
        assert_int_equal(r.status, 400);

        /* replay window: the timestamp is needed, and a request is taken once */
        sign(NULL, body, sig);
        snprintf(h, sizeof h, "X-Herald-Signature: %s\r\n", sig);
        post(port_replay, h, body, &r);
        assert_int_equal(r.status, 401);
        assert_non_null(strstr(r.body, "timestamp missing"));
        snprintf(ts, sizeof ts, "%lld", (long long) time(NULL));
        sign(ts, body, sig);
        snprintf(h, sizeof h, "X-Herald-Signature: %s\r\nX-Herald-Timestamp: %s\r\n", sig, ts);
        post(port_replay, h, body, &r);
        assert_int_equal(r.status, 200);
        post(port_replay, h, body, &r);
        assert_int_equal(r.status, 403);
        assert_non_null(strstr(r.body, "Signature replayed"));
        snprintf(ts, sizeof ts, "%lld", (long long) time(NULL) - 1000);
        sign(ts, body, sig);
        snprintf(h, sizeof h, "X-Herald-Signature: %s\r\nX-Herald-Timestamp: %s\r\n", sig, ts);
        post(port_replay, h, body, &r);
        assert_int_equal(r.status, 403);
        assert_non_null(strstr(r.body, "Signature stale"));
        assert_int_equal(callbacks(), n + 3);
}

static void test_deferred(void **state) {
        uint64_t t0 = now_usec();
        Response r;

        post(port_open, NULL, "{\"mode\":\"defer\"}", &r);
        assert_int_equal(r.status, 202);
        assert_string_equal(r.body, "{\"deferred\":true}");
        assert_non_null(strcasestr(r.headers, "\r\nContent-Type: application/json"));
        assert_true(now_usec() - t0 >= 150 * 1000);

        post(port_open, NULL, "{\"mode\":\"busy\"}", &r);
        assert_int_equal(r.status, 503);
        assert_non_null(strcasestr(r.headers, "\r\nRetry-After: 7"));
}

static void test_keep_alive(void **state) {
        int fd = connect_to(port_open);
        Response r;

        /* two requests, one connection; the second is sent only after the first answer */
        send_str(fd, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 8\r\n\r\n{\"k\":1}\n");
        read_response(fd, &r);
        assert_int_equal(r.status, 200);
        assert_last_param("open", "{\"k\":1}");
        send_str(fd, "POST /again HTTP/1.1\r\nHost: x\r\nContent-Length: 7\r\n\r\n{\"k\":2}");
        read_response(fd, &r);
        assert_int_equal(r.status, 200);
        assert_last_param("open", "{\"k\":2}");
        /* a deferred answer on a kept-alive connection, then another request */
        send_str(fd, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 16\r\n\r\n{\"mode\":\"defer\"}");
        read_response(fd, &r);
        assert_int_equal(r.status, 202);
        send_str(fd, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 7\r\n\r\n{\"k\":3}");
        read_response(fd, &r);
        assert_int_equal(r.status, 200);
        assert_last_param("open", "{\"k\":3}");
        close(fd);
}

static void test_connection_limit(void **state) {
        struct timeval short_wait = { .tv_usec = 500 * 1000 };
        int held_fds[4], fd;
        char c;
        Response r;

        for (size_t i = 0; i < ELEMENTSOF(held_fds); i++)
                held_fds[i] = connect_to(port_limited);
        usleep(200 * 1000);
        /* The fifth waits in the listen backlog: MHD does not accept it, nothing is
         * allocated for it, and its request is not answered ... */
        fd = connect_to(port_limited);
        send_str(fd, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 7\r\n\r\n{\"l\":5}");
        assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &short_wait, sizeof short_wait), 0);
        assert_int_equal(recv(fd, &c, 1, MSG_PEEK), -1);
        assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
        /* ... until a slot is free */
        close(held_fds[0]);
        read_response(fd, &r);
        assert_int_equal(r.status, 200);
        assert_last_param("limited", "{\"l\":5}");
        close(fd);
        for (size_t i = 1; i < ELEMENTSOF(held_fds); i++)
                close(held_fds[i]);
}

static void test_slow_headers(void **state) {
        uint64_t t0;
        int fd;

        /* slowloris: half a request line, then nothing; the 2 s idle timeout closes it */
        usleep(300 * 1000);
        fd = connect_to(port_limited);
        send_str(fd, "POST / HTTP/1.1\r\nHost: x\r\nX-Slow: ");
        t0 = now_usec();
        assert_true(closed_by_peer(fd));
        assert_true(now_usec() - t0 < 4 * 1000000);
        close(fd);

        /* headers beyond the connection memory (32 KiB): refused, never stored */
        fd = connect_to(port_open);
        send_str(fd, "POST / HTTP/1.1\r\nHost: x\r\n");
        for (unsigned i = 0; i < 64; i++) {
                char line[1100];

                snprintf(line, sizeof line, "X-Big-%u: %01000u\r\n", i, 0u);
                if (send(fd, line, strlen(line), MSG_NOSIGNAL) < 0)
                        break;
        }
        {
                Response r;

                read_response(fd, &r);
                assert_true(r.status == -1 || r.status == 431 || r.status == 413 || r.status == 400);
        }
        close(fd);
}

static void test_page(void **state) {
        const char *methods[] = { "POST", "PUT", "DELETE", "PATCH", "OPTIONS" };
        unsigned n = callbacks();
        Response r;
        char head[1024];

        request(port_page, "GET", "/metrics", "Accept: application/openmetrics-text\r\n", "", &r);
        assert_int_equal(r.status, 200);
        assert_string_equal(r.body, "page /metrics accept application/openmetrics-text");
        assert_non_null(strcasestr(r.headers, "\r\nContent-Type: text/html; charset=utf-8"));
        assert_non_null(strcasestr(r.headers, "\r\nContent-Security-Policy: default-src 'none'; style-src 'self'"));
        assert_non_null(strcasestr(r.headers, "\r\nX-Content-Type-Options: nosniff"));
        request(port_page, "GET", "/missing", NULL, "", &r);
        assert_int_equal(r.status, 404);
        for (size_t i = 0; i < ELEMENTSOF(methods); i++) {
                request(port_page, methods[i], "/", NULL, "{}", &r);
                assert_int_equal(r.status, 405);
                assert_non_null(strcasestr(r.headers, "\r\nAllow: GET, HEAD"));
        }
        /* HEAD: the headers only */
        head_request(port_page, head, sizeof head);
        assert_non_null(strstr(head, "HTTP/1.1 200"));
        assert_null(strstr(head, "page /"));
        /* the triggers' callback never ran, and the page is no trigger */
        assert_int_equal(callbacks(), n);
}

/* What the tests before sent, counted where http-server.c refused it. */
static void test_rejects(void **state) {
        const uint64_t *open = NULL, *sig = NULL, *c;
        const char *name;
        size_t n = 0;

        pthread_mutex_lock(&lock);
        for (size_t i = 0; http_server_rejects(server, i, &name, &c) == 0; i++, n++)
                if (streq(name, "open"))
                        open = c;
                else if (streq(name, "signed"))
                        sig = c;
        assert_int_equal(n, 3);         /* open, signed, replay: not the page */
        assert_non_null(open);
        assert_non_null(sig);
        assert_true(open[HTTP_REJECT_METHOD] >= 6);     /* test_method: 5 and HEAD */
        assert_true(open[HTTP_REJECT_BAD_REQUEST] >= 3);
        assert_true(open[HTTP_REJECT_TOO_LARGE] >= 1);
        assert_true(sig[HTTP_REJECT_UNAUTHORIZED] >= 1);
        assert_true(sig[HTTP_REJECT_FORBIDDEN] >= 1);
        assert_int_equal(sig[HTTP_REJECT_METHOD], 0);
        pthread_mutex_unlock(&lock);
        assert_string_equal(http_reject_reason(HTTP_REJECT_TOO_LARGE), "too_large");
        assert_int_equal(http_reject_status(HTTP_REJECT_UNAVAILABLE), 503);
        assert_int_equal(http_reject_status(HTTP_REJECT_CONNECTION), 0);
}

static void test_shutdown(void **state) {
        uint64_t one = 1;
        Response r;
        int fd;

        /* a request the callee holds is answered 503 when the server goes */
        fd = connect_to(port_open);
        send_str(fd, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 15\r\n\r\n{\"mode\":\"hold\"}");
        usleep(200 * 1000);
        assert_int_equal(write(exit_fd, &one, sizeof one), (ssize_t) sizeof one);
        read_response(fd, &r);
        assert_int_equal(r.status, 503);
        assert_string_equal(r.body, "Server shutting down\n");
        close(fd);
        assert_int_equal(pthread_join(server_thread, NULL), 0);
}

static int setup(void **state) {
        uint64_t v;

        exit_fd = eventfd(0, EFD_CLOEXEC);
        ready_fd = eventfd(0, EFD_CLOEXEC);
        if (exit_fd < 0 || ready_fd < 0)
                return -1;
        if (pthread_create(&server_thread, NULL, server_main, NULL) != 0)
                return -1;
        if (read(ready_fd, &v, sizeof v) != (ssize_t) sizeof v)
                return -1;
        return 0;
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_accepted),
                cmocka_unit_test(test_method),
                cmocka_unit_test(test_bad_body),
                cmocka_unit_test(test_too_large),
                cmocka_unit_test(test_chunked),
                cmocka_unit_test(test_signature),
                cmocka_unit_test(test_deferred),
                cmocka_unit_test(test_keep_alive),
                cmocka_unit_test(test_connection_limit),
                cmocka_unit_test(test_slow_headers),
                cmocka_unit_test(test_page),
                cmocka_unit_test(test_rejects),
                cmocka_unit_test(test_shutdown),
        };
        log_setup("test-http-server", LOG_TARGET_STDERR);       /* HERALD_LOG_LEVEL=debug shows MHD's view */
        return cmocka_run_group_tests(tests, setup, NULL);
}
