/* SPDX-License-Identifier: MIT */
/* jobs.c: herald-runner's jobs: a checked request to root, the result back to the client
 *
 *   HTTP request, signature and JSON checked (http-server.c)
 *     -> RUNNER_REQUEST_DIR/<job_id>.json (the param, untrusted), RUN <job_id> to
 *        herald-activate --serve-runner (root), the connection suspended
 *     <- STARTED: the job unit runs; FAILED: 500 with why
 *     <- herald-done (root) on RUNNER_RESULT_SOCKET: the result and the fds of the
 *        files it may send (runner-reply.c)
 *     -> the answer: application/json, or multipart with the files (multipart-answer.c)
 *
 * A client that went away changes nothing: the job runs to its end and its result is in
 * the journal; the answer is dropped.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "activate-protocol.h"
#include "fs-util.h"
#include "herald-id.h"
#include "json-parse.h"
#include "json-util.h"
#include "log.h"
#include "macro.h"
#include "multipart-answer.h"
#include "runner-reply.h"
#include "runner.h"

#define RESULT_CONNS_MAX 64U
#define TEXT_FAILED_PREFIX "Could not run the job: "

typedef enum RunnerJobState {
        JOB_STARTING,           /* RUN sent, no answer yet */
        JOB_RUNNING,            /* STARTED: its result will come */
} RunnerJobState;

struct RunnerJob {
        Runner *runner;
        RunnerJob *prev, *next;
        char id[HERALD_ID_LEN + 1];
        RunnerJobState state;
        HttpRequest *req;
};

static void job_unlink_free(RunnerJob *j) {
        Runner *r = j->runner;

        if (j->prev)
                j->prev->next = j->next;
        else
                r->jobs = j->next;
        if (j->next)
                j->next->prev = j->prev;
        r->n_jobs--;
        free(j);
        runner_arm_idle(r);
}

static RunnerJob *job_find(Runner *r, const char *id) {
        for (RunnerJob *j = r->jobs; j; j = j->next)
                if (streq(j->id, id))
                        return j;
        return NULL;
}

static void job_fail(RunnerJob *j, const char *why) {
        _cleanup_free_ char *text = NULL;

        if (asprintf(&text, TEXT_FAILED_PREFIX "%s\n", why) < 0)
                text = NULL;
        http_request_reply(j->req, 500, NULL, text ?: TEXT_FAILED_PREFIX "out of memory\n", 0);
        job_unlink_free(j);
}

static void activate_close(Runner *r) {
        r->activate_source = sd_event_source_disable_unref(r->activate_source);
        r->activate_fd = safe_close(r->activate_fd);
}

/* Root went away (a restart): the jobs not started yet are lost to it. Those running
 * still send their results. */
static void activate_lost(Runner *r) {
        activate_close(r);
        for (RunnerJob *j = r->jobs, *next; j; j = next) {
                next = j->next;
                if (j->state == JOB_STARTING)
                        job_fail(j, "the connection to herald-runner-activate.service was lost");
        }
}

static int on_activate(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Runner *r = userdata;
        char buf[ACTIVATE_MESSAGE_MAX + 1];
        ActivateMessage m;
        RunnerJob *j;
        ssize_t n;

        if (!(revents & EPOLLIN)) {
                activate_lost(r);
                return 0;
        }
        n = recv(fd, buf, sizeof buf, MSG_DONTWAIT | MSG_TRUNC);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return 0;
        if (n <= 0) {
                activate_lost(r);
                return 0;
        }
        if ((size_t) n > ACTIVATE_MESSAGE_MAX || activate_message_parse(buf, (size_t) n, &m) < 0 ||
            (m.verb != ACTIVATE_STARTED && m.verb != ACTIVATE_FAILED && m.verb != ACTIVATE_BUSY)) {
                log_warning("Ignoring a malformed answer from herald-runner-activate (%zd bytes).", n);
                return 0;
        }
        j = job_find(r, m.job_id);
        if (!j || j->state != JOB_STARTING) {
                log_debug("An answer about job %s, which is not starting, ignoring.", m.job_id);
                return 0;
        }
        if (m.verb == ACTIVATE_BUSY) {
                log_warning("Job %s was not started: herald-runner-activate has too many starts in flight.", j->id);
                http_request_reply(j->req, 503, NULL, "Too many jobs starting, try again later\n", 1);
                job_unlink_free(j);
        } else if (m.verb == ACTIVATE_FAILED) {
                log_error("Job %s was not started: %s", j->id, m.text);
                job_fail(j, m.text);
        } else {
                log_debug("Job %s started.", j->id);
                j->state = JOB_RUNNING;
        }
        return 0;
}

static int activate_connect(Runner *r) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        _cleanup_close_ int fd = -1;
        int q;

        if (r->activate_fd >= 0)
                return 0;
        if (strlen(r->activate_path) >= sizeof sa.sun_path)
                return -ENAMETOOLONG;
        strcpy(sa.sun_path, r->activate_path);
        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (connect(fd, (struct sockaddr *) &sa, sizeof sa) < 0)
                return -errno;
        if (fcntl(fd, F_SETFL, O_NONBLOCK) < 0)
                return -errno;
        q = sd_event_add_io(r->event, &r->activate_source, fd, EPOLLIN, on_activate, r);
        if (q < 0)
                return q;
        r->activate_fd = TAKE_FD(fd);
        return 0;
}

static int request_write(const char *id, const cJSON *param) {
        _cleanup_free_ char *text = NULL, *path = NULL;
        int q;

        q = json_print_compact(param, &text);
        if (q < 0)
                return q;
        if (asprintf(&path, RUNNER_REQUEST_DIR "/%s.json", id) < 0)
                return -ENOMEM;
        return write_file_atomic(path, text, strlen(text), 0640);
}

/**
 * runner_on_request() - a request that passed the checks: run it as a job
 * @req: the HTTP request, suspended until answered
 * @name: the listener
 * @param: the body, a JSON object (ours to free)
 * @userdata: the Runner
 */
void runner_on_request(HttpRequest *req, const char *name, cJSON *param, void *userdata) {
        _cleanup_json_ cJSON *p = param;
        Runner *r = userdata;
        char buf[ACTIVATE_MESSAGE_MAX];
        RunnerJob *j;
        size_t len;
        int q;

        if (r->n_jobs >= RUNNER_JOBS_MAX) {
                http_request_reply(req, 503, NULL, "Too many jobs running, try again later\n", 5);
                return;
        }
        j = calloc(1, sizeof *j);
        if (!j) {
                http_request_reply(req, 500, NULL, "Internal error\n", 0);
                return;
        }
        *j = (RunnerJob) { .runner = r, .req = req, .state = JOB_STARTING, .next = r->jobs };
        if (r->jobs)
                r->jobs->prev = j;
        r->jobs = j;
        r->n_jobs++;
        (void) sd_event_source_set_enabled(r->idle_timer, SD_EVENT_OFF);

        q = herald_id_new(j->id);
        if (q < 0) {
                log_error_errno(q, "Could not make a job id: %m");
                job_fail(j, "no job id");
                return;
        }
        q = request_write(j->id, p);
        if (q < 0) {
                log_error_errno(q, "Could not write the request of job %s to " RUNNER_REQUEST_DIR ": %m", j->id);
                job_fail(j, "the request could not be written");
                return;
        }
        q = activate_connect(r);
        if (q >= 0)
                q = activate_message_format(&(ActivateMessage) { .verb = ACTIVATE_RUN, .job_id = j->id }, buf, sizeof buf, &len);
        if (q >= 0 && send(r->activate_fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
                q = -errno;
        if (q < 0) {
                char path[sizeof RUNNER_REQUEST_DIR + HERALD_ID_LEN + 8];

                log_error_errno(q, "Could not ask herald-runner-activate on %s to run job %s: %m", r->activate_path, j->id);
                snprintf(path, sizeof path, RUNNER_REQUEST_DIR "/%s.json", j->id);
                (void) unlink(path);
                if (q == -EPIPE || q == -ECONNRESET || q == -ENOTCONN)
                        activate_close(r);
                job_fail(j, "herald-runner-activate.service cannot be reached");
                return;
        }
        log_info("Job %s: request received on '%s', starting " RUNNER_JOB_UNIT_PREFIX "%s.service.", j->id, name, j->id);
}

static ssize_t answer_read(void *cls, uint64_t pos, char *buf, size_t max) {
        ssize_t n = multipart_answer_read(cls, pos, buf, max);

        /* libmicrohttpd: -1 end of stream, -2 error; the answer's errors cut the connection */
        return n > 0 ? n : -2;
}

static void answer_free(void *cls) {
        multipart_answer_free(cls);
}

static int key_cmp(const void *a, const void *b) {
        return strcmp((*(const cJSON *const *) a)->string, (*(const cJSON *const *) b)->string);
}

/* Herald Runner's answer is a Go map marshalled by encoding/json, which writes every
 * object's keys in byte order; clients may compare answers as text. */
static int json_sort_keys(cJSON *v, unsigned depth) {
        _cleanup_free_ cJSON **items = NULL;
        size_t n = 0, i = 0;
        cJSON *c;

        if (depth > JSON_DEPTH_MAX)
                return -ELOOP;
        for (c = v->child; c; c = c->next) {
                int q = json_sort_keys(c, depth + 1);
                if (q < 0)
                        return q;
                n++;
        }
        if (!cJSON_IsObject(v) || n < 2)
                return 0;
        items = calloc(n, sizeof *items);
        if (!items)
                return -ENOMEM;
        for (c = v->child; c; c = c->next)
                items[i++] = c;
        qsort(items, n, sizeof *items, key_cmp);
        for (i = 0; i < n; i++) {
                items[i]->prev = i > 0 ? items[i - 1] : items[n - 1];  /* cJSON: child->prev is the last */
                items[i]->next = i + 1 < n ? items[i + 1] : NULL;
        }
        v->child = items[0];
        return 0;
}

/* The job's result as Herald Runner answers it. */
static void job_answer(RunnerJob *j, RunnerReply *rep) {
        cJSON *result = cJSON_GetObjectItemCaseSensitive(rep->reply, "result");
        const cJSON *files = cJSON_GetObjectItemCaseSensitive(rep->reply, "files"), *f;
        const char *error = json_object_get_string(rep->reply, "error");
        MultipartAnswerFile mf[RUNNER_REPLY_FILES_MAX];
        MultipartAnswer *a = NULL;
        size_t n = 0;
        int q;

        /* A job that failed before its command ran (a refused cmd, git) has no exit code
         * to tell of: the error says why. A command that ran and failed has its
         * exit_code, and Herald Runner's answer is then the result as it is. */
        if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rep->reply, "success")) && !isempty(error) &&
            !cJSON_GetObjectItemCaseSensitive(result, "exit_code") &&
            !cJSON_GetObjectItemCaseSensitive(result, "error") &&
            json_object_add(result, "error", cJSON_CreateString(error)) < 0) {
                log_oom();
                job_fail(j, "out of memory");
                return;
        }
        q = json_sort_keys(result, 0);
        if (q < 0) {
                log_error_errno(q, "Could not order the result of job %s: %m", j->id);
                job_fail(j, "the answer could not be built");
                return;
        }
        cJSON_ArrayForEach(f, files) {
                mf[n] = (MultipartAnswerFile) {
                        .name = json_object_get_string(f, "name"),
                        .filename = json_object_get_string(f, "filename"),
                        .fd = rep->fds[n],
                };
                n++;
        }
        q = multipart_answer_new(result, mf, n, &a);
        if (q < 0) {
                log_error_errno(q, "Could not build the answer of job %s: %m", j->id);
                job_fail(j, "the answer could not be built");
                return;
        }
        log_info("Job %s: answering %s with %zu file(s), %llu bytes.", j->id, n > 0 ? "multipart" : "JSON", n,
                 (unsigned long long) multipart_answer_size(a));
        http_request_reply_stream(j->req, 200, multipart_answer_content_type(a), multipart_answer_size(a), answer_read,
                                  answer_free, a);
        job_unlink_free(j);
}

static int on_result_conn(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Runner *r = userdata;
        _cleanup_(runner_reply_done) RunnerReply rep = {};
        RunnerJob *j;
        int q;

        q = runner_reply_receive(fd, &rep);
        if (q == -EAGAIN && !(revents & (EPOLLHUP | EPOLLERR)))
                return 0;
        if (q < 0 && !isempty(rep.job_id) && (j = job_find(r, rep.job_id))) {
                log_error_errno(q, "The result of job %s could not be read: %m", rep.job_id);
                job_fail(j, "its result could not be read (see the journal: the job's result entry)");
        } else if (q < 0)
                log_warning_errno(q, "Ignoring a malformed result from herald-done: %m");
        /* A short job's result may come before root's STARTED: the result says it ran. */
        else if (!(j = job_find(r, rep.job_id)))
                log_info("The result of job %s came, which is not waited for here, ignoring.", rep.job_id);
        else
                job_answer(j, &rep);
        sd_event_source_disable_unref(s);
        r->n_result_conns--;
        runner_arm_idle(r);
        return 0;
}

static int on_result_accept(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Runner *r = userdata;
        struct ucred cred;
        socklen_t len = sizeof cred;
        sd_event_source *cs = NULL;
        int cfd, q;

        cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (cfd < 0)
                return 0;
        /* Only herald-done (root) reports results; anyone else could forge an answer. */
        if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || cred.uid != 0) {
                log_warning("Refusing a result connection from uid %d: only root's herald-done reports results.",
                            len == sizeof cred ? (int) cred.uid : -1);
                safe_close(cfd);
                return 0;
        }
        if (r->n_result_conns >= RESULT_CONNS_MAX) {
                log_warning("Refusing a result connection: %u are open.", r->n_result_conns);
                safe_close(cfd);
                return 0;
        }
        q = sd_event_add_io(r->event, &cs, cfd, EPOLLIN, on_result_conn, r);
        if (q >= 0)
                q = sd_event_source_set_io_fd_own(cs, true);
        if (q < 0) {
                sd_event_source_disable_unref(cs);
                safe_close(cfd);
                return log_error_errno(q, "Could not watch a result connection: %m");
        }
        sd_event_source_set_floating(cs, true);
        sd_event_source_unref(cs);
        r->n_result_conns++;
        return 0;
}

/**
 * runner_results_listen() - make RUNNER_RESULT_SOCKET and take herald-done's results on it
 * @r: the runner
 *
 * Return: 0 or a negative errno.
 */
int runner_results_listen(Runner *r) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        _cleanup_close_ int fd = -1;
        int q;

        if (strlen(r->results_path) >= sizeof sa.sun_path)
                return -ENAMETOOLONG;
        strcpy(sa.sun_path, r->results_path);
        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        (void) unlink(r->results_path);
        if (bind(fd, (struct sockaddr *) &sa, sizeof sa) < 0 || listen(fd, 64) < 0)
                return -errno;
        /* root connects whatever the mode; nobody else needs to */
        if (chmod(r->results_path, 0600) < 0)
                return -errno;
        q = sd_event_add_io(r->event, &r->results_source, fd, EPOLLIN, on_result_accept, r);
        if (q < 0)
                return q;
        r->results_fd = TAKE_FD(fd);
        return 0;
}

/**
 * runner_jobs_free() - forget every job (at exit); their requests are answered 503 by
 * the HTTP server's end
 * @r: the runner
 */
void runner_jobs_free(Runner *r) {
        while (r->jobs) {
                RunnerJob *j = r->jobs;

                r->jobs = j->next;
                free(j);
        }
        r->n_jobs = 0;
        activate_close(r);
        r->results_source = sd_event_source_disable_unref(r->results_source);
        r->results_fd = safe_close(r->results_fd);
}
