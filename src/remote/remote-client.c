/* SPDX-License-Identifier: MIT */
/* remote-client.c: one http_remote request, libcurl multi on sd-event
 *
 * One easy handle, driven by a curl multi handle whose sockets and timer are sd-event
 * sources, so that SIGTERM (systemctl stop, RuntimeMaxSec=) is one more event: it ends
 * the loop at once, mid-connect or mid-answer, and the job ends with an error that
 * says so. libcurl is never called from its own callbacks: its timer callback only
 * arms an sd-event timer, whose handler then calls curl_multi_socket_action().
 *
 * The answer is classified on its first body bytes, when the status and Content-Type
 * are known (remote.c): a JSON result is kept in memory (bounded); a multipart answer
 * goes chunk by chunk into the receiver (multipart-receive.c), which writes its files
 * under data_dir/<job_id>/ and removes them again unless the whole answer was good;
 * anything else stops the transfer. Nothing of a refused, cut or cancelled answer is
 * left under data_dir.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <curl/curl.h>
#include <systemd/sd-event.h>

#include "config.h"
#include "fs-util.h"
#include "json-util.h"
#include "log.h"
#include "macro.h"
#include "multipart-receive.h"
#include "remote-client.h"
#include "remote.h"

/* CURLOPT_BUFFERSIZE: libcurl 7.88 takes up to 10 MiB */
#define REMOTE_RECEIVE_BUFFER (512 * 1024)

#ifndef CURL_WRITEFUNC_ERROR
#define CURL_WRITEFUNC_ERROR 0
#endif

typedef struct Transfer {
        sd_event *event;
        CURLM *multi;
        CURL *easy;
        sd_event_source *timer;
        const RemoteOptions *opts;
        const char *job_id;
        char errbuf[CURL_ERROR_SIZE];

        /* the answer */
        bool classified;
        RemoteAnswerKind kind;
        long status;
        char *content_type;
        char *body;                     /* a JSON answer, or the start of a refused one */
        size_t body_size, body_allocated;
        MultipartReceiver *receiver;
        int data_dir_fd;

        /* how it ended */
        bool done;
        CURLcode result;
        int abort_error;                /* why our write callback stopped it (negative errno) */
        int data_dir_error;             /* data_dir could not be made or opened (negative errno) */
        int signo;                      /* the signal that stopped the job */
} Transfer;

static void transfer_done(Transfer *t) {
        if (t->multi && t->easy)
                curl_multi_remove_handle(t->multi, t->easy);
        if (t->easy)
                curl_easy_cleanup(t->easy);
        if (t->multi)
                curl_multi_cleanup(t->multi);
        sd_event_source_disable_unref(t->timer);
        multipart_receiver_free(t->receiver);
        safe_close(t->data_dir_fd);
        free(t->content_type);
        free(t->body);
        sd_event_unref(t->event);
}

static void check_finished(Transfer *t) {
        CURLMsg *msg;
        int left;

        /* until NULL: one event may finish the transfer and report it only once */
        while ((msg = curl_multi_info_read(t->multi, &left)))
                if (msg->msg == CURLMSG_DONE && msg->easy_handle == t->easy) {
                        t->result = msg->data.result;
                        t->done = true;
                        (void) sd_event_exit(t->event, 0);
                }
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Transfer *t = userdata;
        int action = 0, running;

        if (revents & EPOLLIN)
                action |= CURL_CSELECT_IN;
        if (revents & EPOLLOUT)
                action |= CURL_CSELECT_OUT;
        if (revents & (EPOLLERR | EPOLLHUP))
                action |= CURL_CSELECT_ERR;
        if (curl_multi_socket_action(t->multi, fd, action, &running) != CURLM_OK)
                return sd_event_exit(t->event, -EIO);
        check_finished(t);
        return 0;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Transfer *t = userdata;
        int running;

        if (curl_multi_socket_action(t->multi, CURL_SOCKET_TIMEOUT, 0, &running) != CURLM_OK)
                return sd_event_exit(t->event, -EIO);
        check_finished(t);
        return 0;
}

/* CURLMOPT_SOCKETFUNCTION: which events libcurl wants on a socket. */
static int curl_socket_cb(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp) {
        Transfer *t = userp;
        sd_event_source *io = socketp;
        uint32_t events;

        if (what == CURL_POLL_REMOVE) {
                sd_event_source_disable_unref(io);
                (void) curl_multi_assign(t->multi, fd, NULL);
                return 0;
        }

        events = (what == CURL_POLL_IN ? EPOLLIN : what == CURL_POLL_OUT ? EPOLLOUT : EPOLLIN | EPOLLOUT);
        if (io) {
                if (sd_event_source_set_io_events(io, events) < 0 || sd_event_source_set_enabled(io, SD_EVENT_ON) < 0)
                        return -1;
                return 0;
        }
        if (sd_event_add_io(t->event, &io, fd, events, on_io, t) < 0)
                return -1;
        if (curl_multi_assign(t->multi, fd, io) != CURLM_OK) {
                sd_event_source_disable_unref(io);
                return -1;
        }
        return 0;
}

/* CURLMOPT_TIMERFUNCTION: arms our timer only; never calls libcurl (CURLMOPT_TIMERFUNCTION(3)). */
static int curl_timer_cb(CURLM *multi, long timeout_ms, void *userp) {
        Transfer *t = userp;
        uint64_t usec;

        if (timeout_ms < 0)
                return t->timer && sd_event_source_set_enabled(t->timer, SD_EVENT_OFF) < 0 ? -1 : 0;

        /* accuracy 1 ms: sd-event's default (250 ms) would stretch every libcurl timeout */
        usec = (uint64_t) timeout_ms * 1000;
        if (!t->timer)
                return sd_event_add_time_relative(t->event, &t->timer, CLOCK_MONOTONIC, usec, 1000, on_timer, t) < 0 ? -1 : 0;
        if (sd_event_source_set_time_relative(t->timer, usec) < 0 ||
            sd_event_source_set_enabled(t->timer, SD_EVENT_ONESHOT) < 0)
                return -1;
        return 0;
}

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Transfer *t = userdata;

        t->signo = (int) si->ssi_signo;
        return sd_event_exit(t->event, 0);
}

static int body_append(Transfer *t, const char *data, size_t size, size_t max) {
        if (size > max - t->body_size)
                return -E2BIG;
        if (t->body_size + size + 1 > t->body_allocated) {
                size_t a = t->body_allocated * 2;
                char *b;

                if (a < t->body_size + size + 1)
                        a = t->body_size + size + 1;

                a = a > max + 1 ? max + 1 : a;
                b = realloc(t->body, a);
                if (!b)
                        return -ENOMEM;
                t->body = b;
                t->body_allocated = a;
        }
        memcpy(t->body + t->body_size, data, size);
        t->body_size += size;
        t->body[t->body_size] = 0;
        return 0;
}

static int open_data_dir(Transfer *t) {
        int r;

        if (!t->opts->data_dir)
                return -ENOTDIR;
        /* Herald creates data_dir when it is missing; the job's own directory below it
         * is the receiver's (and removed with a failed answer). */
        r = mkdir_p(t->opts->data_dir, 0755);
        if (r < 0)
                return r;
        t->data_dir_fd = open(t->opts->data_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        return t->data_dir_fd < 0 ? -errno : 0;
}

static int classify(Transfer *t) {
        const char *ct = NULL;
        int r;

        t->classified = true;
        (void) curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &t->status);
        (void) curl_easy_getinfo(t->easy, CURLINFO_CONTENT_TYPE, &ct);
        if (ct && !(t->content_type = strdup(ct)))
                return -ENOMEM;
        t->kind = remote_answer_classify(t->status, t->content_type);
        if (t->kind != REMOTE_ANSWER_MULTIPART)
                return 0;

        r = open_data_dir(t);
        if (r < 0) {
                t->data_dir_error = r;
                return r;
        }
        r = multipart_receiver_new(t->content_type, t->data_dir_fd, t->opts->data_dir, t->job_id,
                                   &(MultipartReceiveLimits) {
                                           .max_result_size = REMOTE_JSON_ANSWER_MAX,
                                           .max_file_bytes = t->opts->max_answer,
                                   },
                                   &t->receiver);
        /* the Content-Type's boundary (the job id is a UUID herald made, data_dir absolute) */
        return r == -EINVAL ? -EPROTO : r;
}

/* CURLOPT_WRITEFUNCTION: the answer's body, as it arrives. */
static size_t curl_write_cb(char *data, size_t size, size_t nmemb, void *userdata) {
        Transfer *t = userdata;
        size_t n = nmemb;       /* size is always 1 */
        int r = 0;

        if (!t->classified) {
                r = classify(t);
                if (r < 0)
                        goto stop;
        }

        switch (t->kind) {
        case REMOTE_ANSWER_JSON:
                r = body_append(t, data, n, REMOTE_JSON_ANSWER_MAX);
                break;
        case REMOTE_ANSWER_MULTIPART:
                r = multipart_receiver_feed(t->receiver, data, n);
                break;
        case REMOTE_ANSWER_BAD_STATUS:
                /* the start of the body tells why; the rest is not wanted */
                (void) body_append(t, data, n < REMOTE_ERROR_BODY_MAX - t->body_size ? n : REMOTE_ERROR_BODY_MAX - t->body_size,
                                   REMOTE_ERROR_BODY_MAX);
                if (t->body_size >= REMOTE_ERROR_BODY_MAX)
                        r = -ECANCELED;
                break;
        default:
                r = -ECANCELED;
                break;
        }
        if (r >= 0)
                return n;
stop:
        t->abort_error = r;
        return CURL_WRITEFUNC_ERROR;
}

static int transfer_setup(Transfer *t, const char *body, size_t size, struct curl_slist *headers) {
        uint64_t timeout = t->opts->timeout_sec, connect = t->opts->connect_timeout_sec;

        t->multi = curl_multi_init();
        t->easy = curl_easy_init();
        if (!t->multi || !t->easy)
                return -ENOMEM;

        if (curl_multi_setopt(t->multi, CURLMOPT_SOCKETFUNCTION, curl_socket_cb) != CURLM_OK ||
            curl_multi_setopt(t->multi, CURLMOPT_SOCKETDATA, t) != CURLM_OK ||
            curl_multi_setopt(t->multi, CURLMOPT_TIMERFUNCTION, curl_timer_cb) != CURLM_OK ||
            curl_multi_setopt(t->multi, CURLMOPT_TIMERDATA, t) != CURLM_OK)
                return -EIO;

        /* A connect timeout longer than the whole one would never apply. */
        if (timeout > 0 && (connect == 0 || connect > timeout))
                connect = timeout;

        if (curl_easy_setopt(t->easy, CURLOPT_URL, t->opts->url) != CURLE_OK ||
            curl_easy_setopt(t->easy, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
            curl_easy_setopt(t->easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https") != CURLE_OK ||
            curl_easy_setopt(t->easy, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
            curl_easy_setopt(t->easy, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
            curl_easy_setopt(t->easy, CURLOPT_USERAGENT, "herald/" HERALD_VERSION) != CURLE_OK ||
            curl_easy_setopt(t->easy, CURLOPT_ERRORBUFFER, t->errbuf) != CURLE_OK ||
            curl_easy_setopt(t->easy, CURLOPT_SSL_VERIFYPEER, 1L) != CURLE_OK ||
            curl_easy_setopt(t->easy, CURLOPT_SSL_VERIFYHOST, 2L) != CURLE_OK ||
            curl_easy_setopt(t->easy, CURLOPT_TIMEOUT_MS, (long) (timeout * 1000)) != CURLE_OK ||
            curl_easy_setopt(t->easy, CURLOPT_CONNECTTIMEOUT_MS, (long) (connect * 1000)) != CURLE_OK ||
            curl_easy_setopt(t->easy, CURLOPT_HTTPHEADER, headers) != CURLE_OK ||
            curl_easy_setopt(t->easy, CURLOPT_POST, 1L) != CURLE_OK ||
            curl_easy_setopt(t->easy, CURLOPT_POSTFIELDS, body) != CURLE_OK ||
            curl_easy_setopt(t->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) size) != CURLE_OK ||
            curl_easy_setopt(t->easy, CURLOPT_WRITEFUNCTION, curl_write_cb) != CURLE_OK ||
            curl_easy_setopt(t->easy, CURLOPT_WRITEDATA, t) != CURLE_OK ||
            /* files arrive in fewer, larger pieces: fewer parser calls and write()s than
             * with the 16 KiB default (bench/runner.sh) */
            curl_easy_setopt(t->easy, CURLOPT_BUFFERSIZE, (long) REMOTE_RECEIVE_BUFFER) != CURLE_OK)
                return -EIO;
        if (t->opts->ca_file && curl_easy_setopt(t->easy, CURLOPT_CAINFO, t->opts->ca_file) != CURLE_OK)
                return -EIO;
        return 0;
}

static const char *receive_error_text(int r) {
        switch (-r) {
        case EBADMSG:
                return "The remote runner's multipart answer is malformed: cut short, a part that is neither the result "
                       "nor a file, a missing or wrong sha256sum, or no JSON result";
        case EINVAL:
                return "The remote runner's multipart answer names a file or part that is not one path component (such as '../')";
        case EEXIST:
                return "The remote runner's multipart answer sends a file name twice";
        case E2BIG:
                return "The remote runner's multipart answer has too many parts, or too large headers or result";
        case EFBIG:
                return "The remote runner's files are larger than max_answer allows";
        case ELOOP:
        case ENOTDIR:
                return "A symlink or file in data_dir is in the way of the remote runner's files";
        case EPROTO:
                return "The remote runner answered multipart/form-data without a usable boundary";
        default:
                return NULL;
        }
}

/* The job's result once the transfer ended, one way or another. */
static int transfer_result(Transfer *t, JobResult *ret) {
        _cleanup_json_ cJSON *result = NULL;
        _cleanup_free_ char *text = NULL;
        const char *e;
        int r;

        if (t->signo > 0) {
                char buf[16];
                r = asprintf(&text, "The job was stopped (%s) while waiting for the remote runner", job_signal_name(t->signo, buf));
                goto fail;
        }
        if (!t->done) {
                r = asprintf(&text, "The request to the remote runner failed: libcurl's event handling failed");
                goto fail;
        }

        if (t->abort_error < 0 && t->abort_error != -ECANCELED) {
                if (t->abort_error == -ENOMEM)
                        return -ENOMEM;
                if (t->abort_error == -ENOTDIR && !t->opts->data_dir)
                        e = "The remote runner sent files, but the http_remote executor has no data_dir";
                else if (t->data_dir_error < 0) {
                        r = asprintf(&text, "Could not make or open data_dir '%s' for the remote runner's files: %s",
                                     t->opts->data_dir, strerror(-t->data_dir_error));
                        goto fail;
                }
                else if (t->kind == REMOTE_ANSWER_JSON && t->abort_error == -E2BIG)
                        e = "The remote runner's JSON answer is larger than 4 MiB";
                else
                        e = receive_error_text(t->abort_error);
                r = e ? asprintf(&text, "%s", e)
                      : asprintf(&text, "Could not take the remote runner's answer: %s", strerror(-t->abort_error));
                goto fail;
        }

        if (!t->classified) {   /* an answer without a body */
                r = classify(t);
                if (r < 0) {
                        r = asprintf(&text, "Could not take the remote runner's answer: %s", strerror(-r));
                        goto fail;
                }
        }
        if (t->kind == REMOTE_ANSWER_BAD_STATUS || t->kind == REMOTE_ANSWER_BAD_TYPE) {
                /* a refused answer stopped early on purpose, or arrived whole */
                if (t->result == CURLE_OK || t->abort_error == -ECANCELED) {
                        r = remote_error_refused(t->status, t->content_type, t->body, t->body_size, &text) < 0 ? -1 : 0;
                        goto fail;
                }
        }

        if (t->result != CURLE_OK) {
                if (t->result == CURLE_OPERATION_TIMEDOUT)
                        r = asprintf(&text, "The request to the remote runner timed out (%s)",
                                     !isempty(t->errbuf) ? t->errbuf : curl_easy_strerror(t->result));
                else
                        r = asprintf(&text, "The request to the remote runner failed: %s%s%s", curl_easy_strerror(t->result),
                                     isempty(t->errbuf) ? "" : ": ", t->errbuf);
                goto fail;
        }

        if (t->kind == REMOTE_ANSWER_JSON)
                return remote_result_from_json(strempty(t->body), t->body_size, ret);

        r = multipart_receiver_finish(t->receiver, &result);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                e = receive_error_text(r);
                r = e ? asprintf(&text, "%s", e) : asprintf(&text, "Could not take the remote runner's files: %s", strerror(-r));
                goto fail;
        }
        return remote_result_from_object(TAKE_PTR(result), ret);

fail:
        if (r < 0)
                return -ENOMEM;
        return job_result_new(false, text, ret);
}

/**
 * remote_client_run: run one http_remote job: POST its execution param to the runner
 * and make its result of the answer.
 * @spec: the job (its param, the executor's options)
 * @ret: the result: the runner's, or a failure that says what went wrong
 *
 * SIGTERM and SIGINT end the request at once (the job fails, saying so). The caller
 * has called curl_global_init().
 *
 * Return: 0, or a negative errno (logged) when no result could be made.
 */
int remote_client_run(const JobSpec *spec, JobResult *ret) {
        _cleanup_(remote_options_done) RemoteOptions opts = {};
        _cleanup_free_ char *body = NULL, *error = NULL, *sig_header = NULL, *ts_header = NULL;
        struct curl_slist *headers = NULL, *h;
        Transfer t = { .data_dir_fd = -1 };
        const char *job_id;
        sigset_t mask;
        int r;

        job_id = json_object_get_string(spec->param, "job_id");
        r = remote_options_parse(spec->executor_param, &opts, &error);
        if (r >= 0)
                r = remote_options_load_secret(&opts, &error);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0) {
                log_error("%s.", error);
                return job_result_new(false, error, ret) < 0 ? log_oom() : 0;
        }

        r = remote_request_build(spec->param, &opts, (uint64_t) time(NULL), &body, &sig_header, &ts_header);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0)
                return log_error_errno(r, "Could not sign the request: %m");
        /* no "Expect: 100-continue": Herald Runner reads the body before answering */
        h = curl_slist_append(NULL, "Content-Type: application/json");
        if (h)
                headers = h, h = curl_slist_append(headers, sig_header);
        if (h && ts_header)
                h = curl_slist_append(headers, ts_header);
        if (h)
                h = curl_slist_append(headers, "Expect:");
        if (!h) {
                curl_slist_free_all(headers);
                return log_oom();
        }

        t.opts = &opts;
        t.job_id = job_id;
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        r = sd_event_new(&t.event);
        if (r >= 0)
                r = RET_NERRNO(sigprocmask(SIG_BLOCK, &mask, NULL));
        if (r >= 0)
                r = sd_event_add_signal(t.event, NULL, SIGTERM, on_signal, &t);
        if (r >= 0)
                r = sd_event_add_signal(t.event, NULL, SIGINT, on_signal, &t);
        if (r < 0) {
                log_error_errno(r, "Could not set up the event loop: %m");
                goto finish;
        }

        r = transfer_setup(&t, body, strlen(body), headers);
        if (r < 0) {
                log_error_errno(r, "Could not set up the request with libcurl: %m");
                goto finish;
        }
        if (curl_multi_add_handle(t.multi, t.easy) != CURLM_OK) {
                r = log_error_errno(EIO, "Could not start the request with libcurl.");
                goto finish;
        }

        r = sd_event_loop(t.event);
        if (r < 0)
                log_warning_errno(r, "The event loop failed: %m");

        r = transfer_result(&t, ret);
        if (r < 0)
                log_oom();
        else if (!ret->success)
                log_error("http_remote job %s: %s.", strna(job_id), ret->error);

finish:
        transfer_done(&t);
        curl_slist_free_all(headers);
        return r;
}
