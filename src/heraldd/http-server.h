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
        size_t connection_memory;       /* per connection, bounds the headers; 0: 32 KiB */
        unsigned connection_timeout_sec; /* idle connections are closed; 0: 10 */
} HttpServerLimits;

#define HTTP_CONNECTION_LIMIT_DEFAULT 1024U
#define HTTP_CONNECTION_MEMORY_DEFAULT ((size_t) 32 * 1024)
#define HTTP_CONNECTION_TIMEOUT_SEC_DEFAULT 10U

/* Herald's answer to an accepted trigger request. */
#define HTTP_TEXT_ACCEPTED "Request param received and trigger activated\n"

/* Called once per POST that passed method, size, signature and JSON checks. The callee
 * takes @trigger_param (owns it) and must call http_request_reply() exactly once, now
 * or later. */
typedef void (*HttpTriggerFunc)(HttpRequest *req, const char *trigger_name, cJSON *trigger_param, void *userdata);

int http_server_new(sd_event *e, const HttpServerLimits *limits, HttpTriggerFunc cb, void *userdata, HttpServer **ret);
HttpServer *http_server_free(HttpServer *s);
int http_server_add_listener(HttpServer *s, int listen_fd, const HttpTriggerConfig *cfg);
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

static inline void http_server_freep(HttpServer **s) {
        if (*s)
                http_server_free(*s);
}
