/* SPDX-License-Identifier: MIT */
/* answer-server.c: a test peer for http_remote: checks the signature, answers with canned bodies
 *
 * Built with the tests only (tests/integration/test-remote.sh). It plays a Herald
 * Runner well enough to test the client: every POST must carry the X-Herald-Signature
 * of its body under --secret-file (checked with the project's signature.c), else 401.
 * The job's `job_param.answer` (one path component; "default" when absent) names a
 * directory under --answers that says what to send back:
 *
 *   hang                     (a file) never answer; hold the connection
 *   status                   the HTTP status (default 200)
 *   content-type             the Content-Type (default application/json)
 *   body                     the body's bytes, sent as they are (hostile answers)
 *   result.json + files/     a good answer built with multipart-answer.c: the result
 *                            and every file in files/, named NAME@FILENAME (or one
 *                            name for both)
 *   truncate                 (with body or files/) announce the whole length, send
 *                            this many bytes, then cut the connection
 *   stall                    (a file, with truncate) hold the connection there instead
 *
 * With --record DIR, each request's body is saved as DIR/<job_id>.body and its
 * headers as DIR/<job_id>.headers, for the test to compare with what it expects.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <netinet/in.h>

#include <microhttpd.h>

#include "file-sink.h"
#include "fs-util.h"
#include "json-parse.h"
#include "json-util.h"
#include "macro.h"
#include "multipart-answer.h"
#include "signature.h"

#define BODY_MAX (16U * 1024U * 1024U)

static const char *arg_address = "127.0.0.1";
static unsigned arg_port = 0;
static const char *arg_secret_file = NULL;
static const char *arg_answers = NULL;
static const char *arg_record = NULL;
static char *secret = NULL;
static size_t secret_len = 0;

typedef struct Request {
        char *body;
        size_t size;
        bool too_big;
} Request;

typedef struct Reply {
        MultipartAnswer *answer;        /* or: */
        char *bytes;
        size_t size;
        uint64_t truncate;              /* UINT64_MAX: send everything */
        bool stall;                     /* at truncate, hold the connection instead of cutting it */
} Reply;

static int record(const char *job_id, struct MHD_Connection *c, const Request *q) {
        _cleanup_free_ char *path = NULL, *headers = NULL;
        const char *names[] = { "Content-Type", SIGNATURE_HEADER_HERALD, "Expect", "User-Agent", NULL };
        FILE *f;

        if (!arg_record || !file_sink_component_valid(job_id))
                return 0;
        if (asprintf(&path, "%s/%s.body", arg_record, job_id) < 0 || write_file_atomic(path, q->body, q->size, 0644) < 0)
                return -EIO;
        free(path);
        if (asprintf(&path, "%s/%s.headers", arg_record, job_id) < 0)
                return -ENOMEM;
        f = fopen(path, "we");
        if (!f)
                return -errno;
        for (const char **n = names; *n; n++) {
                const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, *n);
                if (v)
                        fprintf(f, "%s: %s\n", *n, v);
        }
        fclose(f);
        return 0;
}

static ssize_t reply_read(void *cls, uint64_t pos, char *buf, size_t max) {
        Reply *r = cls;
        ssize_t n;

        if (pos >= r->truncate) {
                /* thread per connection: this holds only this answer's connection */
                while (r->stall)
                        pause();
                return MHD_CONTENT_READER_END_WITH_ERROR;
        }
        if (max > r->truncate - pos)
                max = r->truncate - pos;
        if (r->answer)
                n = multipart_answer_read(r->answer, pos, buf, max);
        else {
                n = pos >= r->size ? 0 : (ssize_t) (r->size - pos < max ? r->size - pos : max);
                memcpy(buf, r->bytes + pos, n);
        }
        if (n < 0)
                return MHD_CONTENT_READER_END_WITH_ERROR;
        return n == 0 ? MHD_CONTENT_READER_END_OF_STREAM : n;
}

static void reply_free(void *cls) {
        Reply *r = cls;

        if (r->answer)
                multipart_answer_free(r->answer);
        free(r->bytes);
        free(r);
}

static char *answer_file(const char *dir, const char *name, size_t *ret_size) {
        _cleanup_free_ char *path = NULL;
        char *data = NULL;
        size_t size;

        if (asprintf(&path, "%s/%s", dir, name) < 0 || read_file(path, BODY_MAX, &data, &size) < 0)
                return NULL;
        if (ret_size)
                *ret_size = size;
        return data;
}

static int build_files(const char *dir, const cJSON *result, Reply *reply) {
        _cleanup_free_ char *fdir = NULL;
        MultipartAnswerFile files[64];
        size_t n = 0;
        struct dirent *de;
        DIR *d;
        int r;

        if (asprintf(&fdir, "%s/files", dir) < 0)
                return -ENOMEM;
        d = opendir(fdir);
        if (!d)
                return -errno;
        while ((de = readdir(d)) && n < ELEMENTSOF(files)) {
                if (de->d_name[0] == '.')
                        continue;
                int fd = openat(dirfd(d), de->d_name, O_RDONLY | O_CLOEXEC);
                if (fd < 0)
                        continue;
                /* "name@filename", or the file's name for both */
                const char *at = strchr(de->d_name, '@');
                files[n++] = (MultipartAnswerFile) {
                        .name = at ? strndup(de->d_name, at - de->d_name) : strdup(de->d_name),
                        .filename = strdup(at ? at + 1 : de->d_name),
                        .fd = fd,
                };
        }
        r = multipart_answer_new(result, files, n, &reply->answer);
        for (size_t i = 0; i < n; i++) {
                free((char *) files[i].name);
                free((char *) files[i].filename);
                close(files[i].fd);
        }
        closedir(d);
        return r;
}

static enum MHD_Result respond_text(struct MHD_Connection *c, unsigned status, const char *text) {
        struct MHD_Response *resp = MHD_create_response_from_buffer(strlen(text), (void *) text, MHD_RESPMEM_MUST_COPY);
        enum MHD_Result ret;

        MHD_add_response_header(resp, "Content-Type", "text/plain");
        ret = MHD_queue_response(c, status, resp);
        MHD_destroy_response(resp);
        return ret;
}

static enum MHD_Result answer(struct MHD_Connection *c, Request *q) {
        _cleanup_json_ cJSON *param = NULL, *result = NULL;
        _cleanup_free_ char *dir = NULL, *status = NULL, *ctype = NULL, *trunc = NULL, *rjson = NULL;
        const char *sig, *name = "default", *job_id;
        const cJSON *jp, *a;
        struct stat st;
        Reply *reply;
        struct MHD_Response *resp;
        enum MHD_Result ret;
        uint64_t size;

        if (q->too_big)
                return respond_text(c, 413, "too big\n");
        sig = MHD_lookup_connection_value(c, MHD_HEADER_KIND, SIGNATURE_HEADER_HERALD);
        if (signature_verify((const uint8_t *) secret, secret_len, sig, NULL, NULL, q->body ?: "", q->size, 0, 0, NULL) != SIGNATURE_OK)
                return respond_text(c, 401, "signature mismatch\n");

        if (json_parse(q->body ?: "", q->size, &param) < 0 || !cJSON_IsObject(param))
                return respond_text(c, 400, "not a JSON object\n");
        job_id = json_object_get_string(param, "job_id");
        (void) record(job_id, c, q);
        jp = cJSON_GetObjectItemCaseSensitive(param, "job_param");
        a = cJSON_GetObjectItemCaseSensitive(jp, "answer");
        if (cJSON_IsString(a) && file_sink_component_valid(a->valuestring))
                name = a->valuestring;
        if (asprintf(&dir, "%s/%s", arg_answers, name) < 0)
                return MHD_NO;

        {
                _cleanup_free_ char *hang = NULL;
                if (asprintf(&hang, "%s/hang", dir) >= 0 && stat(hang, &st) >= 0) {
                        /* thread per connection: this thread holds the connection until killed */
                        for (;;)
                                pause();
                }
        }

        reply = calloc(1, sizeof *reply);
        if (!reply)
                return MHD_NO;
        reply->truncate = UINT64_MAX;
        status = answer_file(dir, "status", NULL);
        ctype = answer_file(dir, "content-type", NULL);
        trunc = answer_file(dir, "truncate", NULL);
        if (trunc)
                reply->truncate = strtoull(trunc, NULL, 10);
        {
                _cleanup_free_ char *stall = NULL;
                reply->stall = asprintf(&stall, "%s/stall", dir) >= 0 && stat(stall, &st) >= 0;
        }
        rjson = answer_file(dir, "result.json", NULL);
        if (rjson) {
                if (json_parse(rjson, strlen(rjson), &result) < 0 || build_files(dir, result, reply) < 0) {
                        reply_free(reply);
                        return respond_text(c, 500, "bad canned answer\n");
                }
                size = multipart_answer_size(reply->answer);
        } else {
                reply->bytes = answer_file(dir, "body", &reply->size);
                if (!reply->bytes)
                        reply->bytes = strdup(""), reply->size = 0;
                size = reply->size;
        }

        resp = MHD_create_response_from_callback(size, 64 * 1024, reply_read, reply, reply_free);
        if (!resp) {
                reply_free(reply);
                return MHD_NO;
        }
        if (status)
                status[strcspn(status, "\n")] = 0;
        if (ctype)
                ctype[strcspn(ctype, "\n")] = 0;
        MHD_add_response_header(resp, "Content-Type",
                                reply->answer ? multipart_answer_content_type(reply->answer) : ctype ?: "application/json");
        ret = MHD_queue_response(c, status ? (unsigned) atoi(status) : 200, resp);
        MHD_destroy_response(resp);
        return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *data, size_t *data_size, void **con_cls) {
        Request *q = *con_cls;

        if (!q) {
                if (!streq(method, "POST"))
                        return respond_text(c, 405, "POST only\n");
                q = calloc(1, sizeof *q);
                if (!q)
                        return MHD_NO;
                *con_cls = q;
                return MHD_YES;
        }
        if (*data_size > 0) {
                if (q->size + *data_size > BODY_MAX)
                        q->too_big = true;
                else {
                        char *b = realloc(q->body, q->size + *data_size + 1);
                        if (!b)
                                return MHD_NO;
                        memcpy(b + q->size, data, *data_size);
                        q->body = b;
                        q->size += *data_size;
                        b[q->size] = 0;
                }
                *data_size = 0;
                return MHD_YES;
        }
        return answer(c, q);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe) {
        Request *q = *con_cls;

        if (q) {
                free(q->body);
                free(q);
                *con_cls = NULL;
        }
}

static int parse_argv(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help",        no_argument,       NULL, 'h' },
                { "address",     required_argument, NULL, 'a' },
                { "port",        required_argument, NULL, 'p' },
                { "secret-file", required_argument, NULL, 's' },
                { "answers",     required_argument, NULL, 'd' },
                { "record",      required_argument, NULL, 'r' },
                {}
        };
        int c;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("%s --port PORT --secret-file FILE --answers DIR [--address ADDR] [--record DIR]\n"
                               "A test peer for http_remote: checks X-Herald-Signature, answers with the canned\n"
                               "answer job_param.answer names (see the top of answer-server.c).\n",
                               program_invocation_short_name);
                        return 0;
                case 'a':
                        arg_address = optarg;
                        break;
                case 'p':
                        arg_port = (unsigned) atoi(optarg);
                        break;
                case 's':
                        arg_secret_file = optarg;
                        break;
                case 'd':
                        arg_answers = optarg;
                        break;
                case 'r':
                        arg_record = optarg;
                        break;
                default:
                        return -EINVAL;
                }
        if (arg_port == 0 || arg_port > 65535 || !arg_secret_file || !arg_answers) {
                fprintf(stderr, "--port, --secret-file and --answers are needed; see --help.\n");
                return -EINVAL;
        }
        return 1;
}

int main(int argc, char *argv[]) {
        struct MHD_Daemon *d;
        struct sockaddr_in sa = { .sin_family = AF_INET };
        int r;

        r = parse_argv(argc, argv);
        if (r <= 0)
                return r < 0 ? 2 : 0;
        if (read_file(arg_secret_file, 4096, &secret, &secret_len) < 0) {
                fprintf(stderr, "Could not read '%s'.\n", arg_secret_file);
                return 1;
        }
        sa.sin_port = htons(arg_port);
        if (inet_pton(AF_INET, arg_address, &sa.sin_addr) != 1) {
                fprintf(stderr, "Bad address '%s'.\n", arg_address);
                return 2;
        }
        signal(SIGPIPE, SIG_IGN);

        d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ERROR_LOG, 0,
                             NULL, NULL, on_request, NULL,
                             MHD_OPTION_SOCK_ADDR, &sa,
                             MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
                             MHD_OPTION_END);
        if (!d) {
                fprintf(stderr, "Could not listen on %s:%u.\n", arg_address, arg_port);
                return 1;
        }
        printf("listening on %s:%u\n", arg_address, arg_port);
        fflush(stdout);
        for (;;)
                pause();
}
