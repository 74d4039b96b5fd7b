/* SPDX-License-Identifier: MIT */
/* http-server.h: heraldd's HTTP listeners (libmicrohttpd on sd-event): checks a trigger
 * request and hands its trigger param on */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <cjson/cJSON.h>
#include <systemd/sd-event.h>

typedef struct HttpServer HttpServer;
/* One accepted trigger request; its connection stays suspended until replied. */
typedef struct HttpRequest HttpRequest;

typedef struct HttpTriggerConfig {
        const char *name;               /* the trigger's name (FileDescriptorName=) */
        size_t max_body;                /* 413 beyond; 0: TRIGGER_BODY_MAX_DEFAULT */
        const uint8_t *secret;          /* NULL: no signature check */
        size_t secret_len;
        uint64_t replay_window_sec;     /* 0: off */
} HttpTriggerConfig;

typedef struct HttpServerLimits {
        unsigned connection_limit;      /* per listener; 0: 1024 */
        size_t connection_memory;       /* per connection, bounds the headers; 0: 16 KiB */
        unsigned connection_timeout_sec; /* idle connections are closed; 0: 10 */
} HttpServerLimits;

#define HTTP_CONNECTION_LIMIT_DEFAULT 1024U
/* libmicrohttpd 0.9.75 zeroes a connection's whole pool for every request it serves
 * on it: at 32 KiB that memset was 43 % of heraldd's instructions per `none` request
 * (callgrind: 110k instructions a request, 73k at 8 KiB). 16 KiB still takes ~15 KiB
 * of headers (nginx: 8 KiB a line; a GitHub webhook sends ~1.5 KiB). */
#define HTTP_CONNECTION_MEMORY_DEFAULT ((size_t) 16 * 1024)
#define HTTP_CONNECTION_TIMEOUT_SEC_DEFAULT 10U
/* MACs the replay cache of all listeners together keeps at most (~80 bytes each, as used;
 * past it, the entry leaving its window first goes). */
#define HTTP_REPLAY_CACHE_MAX 16384U
#define HTTP_REPLAY_CACHE_FILE "replay-cache"

/* Herald's answer to an accepted trigger request. */
#define HTTP_TEXT_ACCEPTED "Request param received and trigger activated\n"

/* Called once per POST that passed method, size, signature and JSON checks. The callee
 * takes @trigger_param (owns it) and must call http_request_reply() exactly once, now
 * or later. */
typedef void (*HttpTriggerFunc)(HttpRequest *req, const char *trigger_name, cJSON *trigger_param, void *userdata);

int http_server_new(sd_event *e, const HttpServerLimits *limits, HttpTriggerFunc cb, void *userdata, HttpServer **ret);
HttpServer *http_server_free(HttpServer *s);
int http_server_add_listener(HttpServer *s, int listen_fd, const HttpTriggerConfig *cfg);
int http_server_keep_replay_cache(HttpServer *s, const char *path);
int http_server_update_listener(HttpServer *s, const char *name, const HttpTriggerConfig *cfg);
int http_listen_bind(const char *host, uint16_t port, const char *unix_socket, int *ret_fd);
void http_request_reply(HttpRequest *req, unsigned status, const char *content_type, const char *body,
                        unsigned retry_after_sec);
/* Fills @buf with up to @max bytes of the body at @pos: their count (> 0), or < 0 to
 * cut the connection. MHD's ContentReaderCallback, without MHD's types. */
typedef ssize_t (*HttpReadFunc)(void *cls, uint64_t pos, char *buf, size_t max);
void http_request_reply_stream(HttpRequest *req, unsigned status, const char *content_type, uint64_t size,
                               HttpReadFunc read, void (*free_cb)(void *cls), void *cls);
unsigned http_server_busy(const HttpServer *s);

/* Requests a trigger listener refused, by reason (heraldd's /metrics), since the start. */
typedef enum HttpReject {
        HTTP_REJECT_BAD_REQUEST,        /* 400: not a JSON object */
        HTTP_REJECT_UNAUTHORIZED,       /* 401: signature missing or malformed */
        HTTP_REJECT_FORBIDDEN,          /* 403: signature mismatch, replayed, stale */
        HTTP_REJECT_METHOD,             /* 405: not POST */
        HTTP_REJECT_TOO_LARGE,          /* 413, or a chunked body cut at max_body */
        HTTP_REJECT_UNAVAILABLE,        /* 503: queue full, limits, shutting down */
        HTTP_REJECT_CONNECTION,         /* a connection closed at once: all fds in use */
        _HTTP_REJECT_MAX,
} HttpReject;

const char *http_reject_reason(HttpReject r);
unsigned http_reject_status(HttpReject r);     /* 0: no HTTP answer */
/* The @i-th trigger listener's name and counters; -ENOENT past the last. */
int http_server_rejects(const HttpServer *s, size_t i, const char **ret_name, const uint64_t **ret_counts);

/* A read-only page listener (heraldd's status page and /metrics): GET and HEAD are
 * answered from the callback at once, anything else 405 with "Allow: GET, HEAD". The
 * callback fills @ret: status, a static content type, and a malloc()ed body it hands
 * over (NULL: none). @accept is the Accept header, or NULL. */
typedef struct HttpPage {
        unsigned status;
        const char *content_type;
        char *body;
        size_t size;
} HttpPage;
typedef void (*HttpPageFunc)(const char *path, const char *accept, HttpPage *ret, void *userdata);
int http_server_add_page_listener(HttpServer *s, int listen_fd, const char *name, HttpPageFunc cb, void *userdata);

static inline void http_server_freep(HttpServer **s) {
        if (*s)
                http_server_free(*s);
}
