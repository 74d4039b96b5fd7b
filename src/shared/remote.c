/* SPDX-License-Identifier: MIT */
/* remote.c: http_remote's pure parts: its options, the signed request, the answer's classification
 *
 * The executor (src/remote/) is libcurl on sd-event; everything here is what can be
 * decided without a network, so that it is unit-tested and fuzzed on its own: the
 * executor's keys (Herald's `host`, `secret`, `data_dir`; herald's `ca_file`, `timeout`,
 * `connect_timeout`, `max_answer`), the X-Herald-Signature of the body, and what an
 * answer's status and Content-Type make of it.
 *
 * Herald Runner answers 200 with the job's result: `application/json`, or
 * `multipart/form-data` when the job left files. The result carries the command's
 * `exit_code`; as with a local job, a non-zero one fails the job with Herald's text
 * "Command failed with code N", so exe_done routes see the same success either way.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fs-util.h"
#include "host-util.h"
#include "json-parse.h"
#include "json-util.h"
#include "macro.h"
#include "remote.h"
#include "signature.h"

/**
 * remote_options_done: free what a RemoteOptions holds; the secret is wiped first.
 * @o: the options (may be all zero)
 */
void remote_options_done(RemoteOptions *o) {
        if (o->secret)
                explicit_bzero(o->secret, o->secret_len);
        free(o->secret);
        free(o->secret_file);
        free(o->url);
        free(o->data_dir);
        free(o->ca_file);
        *o = (RemoteOptions) {};
}

/**
 * remote_url_parse: check an http_remote `host`.
 * @url: the URL
 * @ret: what it says (may be NULL)
 * @ret_why: on -EINVAL, why (a static string; may be NULL)
 *
 * herald takes http:// and https:// URLs with a host, printable ASCII only, at most
 * REMOTE_URL_MAX bytes; libcurl does the rest (it refuses every other scheme too).
 *
 * Return: 0, or -EINVAL.
 */
int remote_url_parse(const char *url, RemoteUrl *ret, const char **ret_why) {
        const char *rest, *h, *end, *why;
        size_t n;
        bool tls;

        if (!url || strnlen(url, REMOTE_URL_MAX + 1) > REMOTE_URL_MAX) {
                why = "longer than 4096 bytes";
                goto invalid;
        }
        for (const char *c = url; *c; c++)
                if ((unsigned char) *c <= ' ' || (unsigned char) *c >= 0x7f) {
                        why = "spaces, control or non-ASCII characters";
                        goto invalid;
                }
        if (strncasecmp(url, "https://", 8) == 0) {
                tls = true;
                rest = url + 8;
        } else if (strncasecmp(url, "http://", 7) == 0) {
                tls = false;
                rest = url + 7;
        } else {
                why = "not an http:// or https:// URL";
                goto invalid;
        }

        /* authority: [userinfo@]host[:port], up to the path, query or fragment */
        end = rest + strcspn(rest, "/?#");
        h = rest;
        for (const char *c = rest; c < end; c++)
                if (*c == '@')
                        h = c + 1;
        if (*h == '[') {
                const char *close = memchr(h, ']', end - h);
                if (!close) {
                        why = "an IPv6 address without its ']'";
                        goto invalid;
                }
                n = close - h + 1;
        } else
                n = strcspn(h, ":/?#");
        if (n == 0) {
                why = "no host name";
                goto invalid;
        }

        if (ret)
                *ret = (RemoteUrl) { .tls = tls, .loopback = host_is_loopback_n(h, n) };
        return 0;

invalid:
        if (ret_why)
                *ret_why = why;
        return -EINVAL;
}

/* A non-negative integer number of seconds, at most max. 1 when absent, 0 when set, -EINVAL. */
static int get_seconds(const cJSON *param, const char *key, uint64_t max, uint64_t *ret) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(param, key);
        int64_t i;

        if (!v)
                return 1;
        if (!cJSON_IsNumber(v) || json_number_to_int64(v, &i) < 0 || i < 0 || (uint64_t) i > max)
                return -EINVAL;
        *ret = (uint64_t) i;
        return 0;
}

static int get_string(const cJSON *param, const char *key, char **ret) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(param, key);

        if (!v || cJSON_IsNull(v))
                return 1;
        if (!cJSON_IsString(v))
                return -EINVAL;
        *ret = strdup(v->valuestring);
        return *ret ? 0 : -ENOMEM;
}

/* "The http_remote executor's '<key>' <what>[: <why>]"; -EINVAL, or -ENOMEM. */
static int option_error(char **ret_error, const char *key, const char *what, const char *why) {
        if (ret_error && asprintf(ret_error, "The http_remote executor's '%s' %s%s%s", key, what, why ? ": " : "", strempty(why)) < 0)
                return -ENOMEM;
        return -EINVAL;
}

/**
 * remote_options_parse: an http_remote executor's options, from job.json's executor_param.
 * @executor_param: the executor's keys (may be NULL)
 * @ret: the options; remote_options_done() them
 * @ret_error: on -EINVAL, a sentence for the job's error (free() it; may be NULL)
 *
 * taskctl validate refuses the same mistakes earlier; this is the last check, since
 * job.json may come from an older plan.
 *
 * Return: 0, -EINVAL, or -ENOMEM.
 */
int remote_options_parse(const cJSON *executor_param, RemoteOptions *ret, char **ret_error) {
        _cleanup_(remote_options_done) RemoteOptions o = {
                .timeout_sec = REMOTE_TIMEOUT_DEFAULT_SEC,
                .connect_timeout_sec = REMOTE_CONNECT_TIMEOUT_DEFAULT_SEC,
                .max_answer = REMOTE_ANSWER_MAX_DEFAULT,
        };
        const char *why = NULL;
        int r;

        r = get_string(executor_param, "host", &o.url);
        if (r < 0 && r != -EINVAL)
                return r;
        if (r != 0)
                return option_error(ret_error, "host",
                                    "must be the runner's URL (http:// or https://)", NULL);
        if (remote_url_parse(o.url, NULL, &why) < 0)
                return option_error(ret_error, "host", "is not a usable URL", why);

        r = get_string(executor_param, "secret", &o.secret);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return option_error(ret_error, "secret", "must be a string", NULL);
        if (r > 0 && !(o.secret = strdup("")))
                return -ENOMEM;
        o.secret_len = strlen(o.secret);

        r = get_string(executor_param, "secret_file", &o.secret_file);
        if (r == -ENOMEM)
                return r;
        if (r < 0 || (r == 0 && o.secret_file[0] != '/'))
                return option_error(ret_error, "secret_file", "must be an absolute path", NULL);
        if (o.secret_file && o.secret_len > 0)
                return option_error(ret_error, "secret", "and 'secret_file' are both given", NULL);

        r = get_string(executor_param, "data_dir", &o.data_dir);
        if (r == -ENOMEM)
                return r;
        if (r < 0 || (r == 0 && o.data_dir[0] != '/'))
                return option_error(ret_error, "data_dir", "must be an absolute path", NULL);

        r = get_string(executor_param, "ca_file", &o.ca_file);
        if (r == -ENOMEM)
                return r;
        if (r < 0 || (r == 0 && o.ca_file[0] != '/'))
                return option_error(ret_error, "ca_file", "must be an absolute path", NULL);

        if (get_seconds(executor_param, "timeout", REMOTE_TIMEOUT_MAX_SEC, &o.timeout_sec) < 0)
                return option_error(ret_error, "timeout",
                                    "must be a whole number of seconds (0: no limit)", NULL);
        if (get_seconds(executor_param, "connect_timeout", REMOTE_TIMEOUT_MAX_SEC, &o.connect_timeout_sec) < 0)
                return option_error(ret_error, "connect_timeout",
                                    "must be a whole number of seconds (0: libcurl's default)", NULL);
        if (get_seconds(executor_param, "max_answer", UINT64_MAX >> 1, &o.max_answer) < 0 || o.max_answer == 0)
                return option_error(ret_error, "max_answer",
                                    "must be a positive number of bytes", NULL);

        const cJSON *v = cJSON_GetObjectItemCaseSensitive(executor_param, "signed_timestamp");
        if (v && !cJSON_IsBool(v))
                return option_error(ret_error, "signed_timestamp", "must be true or false", NULL);
        o.signed_timestamp = cJSON_IsTrue(v);

        *ret = o;
        o = (RemoteOptions) {};
        return 0;
}

/**
 * remote_options_load_secret: read the key from `secret_file`, when one is named.
 * @o: the options
 * @ret_error: on failure, a sentence for the job's error (free() it; may be NULL)
 *
 * The file holds the key; trailing newlines are not part of it (as herald-runner's
 * secret_file). At most REMOTE_SECRET_FILE_MAX bytes; an empty key is refused.
 *
 * Return: 0 (also without a secret_file), -ENOMEM, or another negative errno.
 */
int remote_options_load_secret(RemoteOptions *o, char **ret_error) {
        _cleanup_free_ char *key = NULL;
        size_t size = 0;
        int r;

        if (!o->secret_file)
                return 0;
        r = read_file(o->secret_file, REMOTE_SECRET_FILE_MAX, &key, &size);
        if (r == -ENOMEM)
                return r;
        if (r >= 0) {
                while (size > 0 && (key[size - 1] == '\n' || key[size - 1] == '\r'))
                        key[--size] = 0;
                if (size == 0 || memchr(key, 0, size))
                        r = -EBADMSG;
        }
        if (r < 0) {
                if (ret_error && asprintf(ret_error, "Could not read the http_remote executor's secret_file '%s': %s",
                                          o->secret_file, r == -EBADMSG ? "it holds no usable key" :
                                          r == -EFBIG ? "larger than 4096 bytes" : strerror(-r)) < 0)
                        *ret_error = NULL;
                if (key)
                        explicit_bzero(key, size);
                return r;
        }

        if (o->secret) {
                explicit_bzero(o->secret, o->secret_len);
                free(o->secret);
        }
        o->secret_len = size;
        o->secret = TAKE_PTR(key);
        return 0;
}

/**
 * remote_request_sign: the X-Herald-Signature of a request body.
 * @o: the options (the secret)
 * @body: the body, exactly as sent
 * @size: its length
 * @ret: 64 lower-case hex digits and a NUL
 *
 * Return: 0, or -ENOMEM / -EIO from OpenSSL.
 */
int remote_request_sign(const RemoteOptions *o, const char *body, size_t size,
                        char ret[static HMAC_SHA256_HEX_SIZE + 1]) {
        return hmac_sha256_hex((const uint8_t *) strempty(o->secret), o->secret_len, body, size, ret);
}

/**
 * remote_request_build: the request's body and its signature headers.
 * @param: the execution param
 * @o: the options (the secret, `signed_timestamp`)
 * @now_sec: the current unix time, for X-Herald-Timestamp
 * @ret_body: the body: @param as compact JSON (every digit of big integers kept); free() it
 * @ret_signature_header: "X-Herald-Signature: <hex HMAC-SHA256>"; free() it
 * @ret_timestamp_header: with `signed_timestamp`, "X-Herald-Timestamp: <@now_sec>", and
 *                        the signature then covers "<@now_sec>.<body>" (what a trigger or
 *                        runner with a replay window wants); otherwise NULL and the
 *                        signature covers the body alone, as Herald's. free() it
 *
 * Return: 0, -ENOMEM, or -EIO from OpenSSL.
 */
int remote_request_build(const cJSON *param, const RemoteOptions *o, uint64_t now_sec, char **ret_body,
                         char **ret_signature_header, char **ret_timestamp_header) {
        _cleanup_free_ char *body = NULL, *header = NULL, *ts_header = NULL;
        uint8_t mac[HMAC_SHA256_SIZE];
        char sig[HMAC_SHA256_HEX_SIZE + 1], ts[24];
        int r;

        r = json_print_compact(param, &body);
        if (r < 0)
                return r;
        snprintf(ts, sizeof ts, "%" PRIu64, now_sec);
        HmacPiece pieces[] = {
                { ts, strlen(ts) },
                { ".", 1 },
                { body, strlen(body) },
        };
        if (o->signed_timestamp) {
                r = hmac_sha256((const uint8_t *) strempty(o->secret), o->secret_len, pieces, ELEMENTSOF(pieces), mac);
                if (r >= 0)
                        hex_encode(mac, sizeof mac, sig);
                if (r >= 0 && asprintf(&ts_header, SIGNATURE_HEADER_TIMESTAMP ": %s", ts) < 0)
                        return -ENOMEM;
        } else
                r = remote_request_sign(o, body, strlen(body), sig);
        if (r < 0)
                return r;
        if (asprintf(&header, SIGNATURE_HEADER_HERALD ": %s", sig) < 0)
                return -ENOMEM;
        *ret_body = TAKE_PTR(body);
        *ret_signature_header = TAKE_PTR(header);
        *ret_timestamp_header = TAKE_PTR(ts_header);
        return 0;
}

/* The media type of a Content-Type value: its length, without parameters and blanks. */
static size_t media_type_len(const char *ct, const char **ret_start) {
        const char *s = ct, *e;

        while (*s == ' ' || *s == '\t')
                s++;
        e = s + strcspn(s, ";");
        while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
                e--;
        *ret_start = s;
        return e - s;
}

static bool media_type_is(const char *ct, const char *type) {
        const char *s;
        size_t n = media_type_len(ct, &s);

        return n == strlen(type) && strncasecmp(s, type, n) == 0;
}

/**
 * remote_answer_classify: what an answer's status and Content-Type make of it.
 * @status: the HTTP status code
 * @content_type: the Content-Type header's value (may be NULL)
 *
 * Return: REMOTE_ANSWER_JSON or REMOTE_ANSWER_MULTIPART for a 200 Herald Runner can
 * send, REMOTE_ANSWER_BAD_STATUS, REMOTE_ANSWER_BAD_TYPE.
 */
RemoteAnswerKind remote_answer_classify(long status, const char *content_type) {
        if (status != 200)
                return REMOTE_ANSWER_BAD_STATUS;
        if (!content_type || strlen(content_type) > 4096)
                return REMOTE_ANSWER_BAD_TYPE;
        if (media_type_is(content_type, "application/json"))
                return REMOTE_ANSWER_JSON;
        if (media_type_is(content_type, "multipart/form-data"))
                return REMOTE_ANSWER_MULTIPART;
        return REMOTE_ANSWER_BAD_TYPE;
}

/**
 * remote_result_from_object: a job's result from the result object a runner sent.
 * @result: the object (taken, also on failure)
 * @ret: the result; job_result_done() it
 *
 * A non-zero (or non-integer) `exit_code` fails the job with Herald's text for a
 * command that failed; none, or 0, succeeds.
 *
 * Return: 0, or -ENOMEM.
 */
int remote_result_from_object(cJSON *result, JobResult *ret) {
        _cleanup_json_ cJSON *o = result;
        const cJSON *ec = cJSON_GetObjectItemCaseSensitive(o, "exit_code");
        _cleanup_free_ char *error = NULL;
        int64_t code = 0;

        if (!o)
                return -ENOMEM;
        if (ec && (!cJSON_IsNumber(ec) || json_number_to_int64(ec, &code) < 0))
                error = strdup("The remote runner's result has an exit_code that is not an integer");
        else if (code != 0 && asprintf(&error, "Command failed with code %" PRId64, code) < 0)
                error = NULL;
        else if (code == 0)
                error = strdup("");
        if (!error)
                return -ENOMEM;

        *ret = (JobResult) { .success = isempty(error), .error = TAKE_PTR(error), .result = TAKE_PTR(o) };
        return 0;
}

/* A `file` map that names files: empty, null or absent names none. */
static bool names_files(const cJSON *o) {
        const cJSON *f = cJSON_GetObjectItemCaseSensitive(o, "file");

        return f && !cJSON_IsNull(f) && !(cJSON_IsObject(f) && !f->child);
}

/**
 * remote_result_from_json: a job's result from a JSON answer's body.
 * @body: the body (need not be NUL-terminated)
 * @size: its length
 * @ret: the result; a body that is not one JSON object fails the job, with `{}`
 *
 * A JSON answer brings no files, so a `file` map naming some holds the runner's own
 * paths: passed on, an exe_done job would take them for this host's (a hostile runner
 * could name /etc/shadow). Herald Runner answers multipart whenever there are files,
 * so such an answer fails the job, and its result goes on without `file`.
 *
 * Return: 0, or -ENOMEM.
 */
int remote_result_from_json(const char *body, size_t size, JobResult *ret) {
        cJSON *o = NULL;
        int r;

        r = json_parse(body, size, &o);
        if (r == -ENOMEM)
                return r;
        if (r < 0 || !cJSON_IsObject(o)) {
                cJSON_Delete(o);
                return job_result_new(false, "The remote runner's answer is not a JSON object", ret);
        }
        if (names_files(o)) {
                char *e = strdup(REMOTE_ERROR_FILES_NOT_SENT);

                if (!e) {
                        cJSON_Delete(o);
                        return -ENOMEM;
                }
                cJSON_DeleteItemFromObjectCaseSensitive(o, "file");
                *ret = (JobResult) { .success = false, .error = e, .result = o };
                return 0;
        }
        return remote_result_from_object(o, ret);
}

/* The start of a body as text for an error: printable ASCII, the rest as '?', one line. */
static char *body_excerpt(const char *body, size_t size) {
        size_t n = size < REMOTE_ERROR_BODY_MAX ? size : REMOTE_ERROR_BODY_MAX;
        char *s = malloc(n + 1);

        if (!s)
                return NULL;
        for (size_t i = 0; i < n; i++)
                s[i] = (unsigned char) body[i] >= ' ' && (unsigned char) body[i] < 0x7f ? body[i] : ' ';
        s[n] = 0;
        /* trailing blanks (a final newline) say nothing */
        while (n > 0 && s[n - 1] == ' ')
                s[--n] = 0;
        return s;
}

/**
 * remote_error_refused: the error text for an answer that is not a result.
 * @status: the HTTP status
 * @content_type: its Content-Type (may be NULL)
 * @body: the start of its body (may be NULL)
 * @size: how much of it
 * @ret: the text; free() it
 *
 * Return: 0, or -ENOMEM.
 */
int remote_error_refused(long status, const char *content_type, const char *body, size_t size, char **ret) {
        _cleanup_free_ char *excerpt = NULL, *ct = NULL;
        int r;

        excerpt = body_excerpt(body ?: "", body ? size : 0);
        ct = body_excerpt(content_type ?: "", content_type ? strlen(content_type) : 0);
        if (!excerpt || !ct)
                return -ENOMEM;

        if (status != 200)
                r = asprintf(ret, "The remote runner answered HTTP %ld%s%s", status, isempty(excerpt) ? "" : ": ", excerpt);
        else if (!content_type)
                r = asprintf(ret, "The remote runner answered without a Content-Type (expected application/json or multipart/form-data)");
        else
                r = asprintf(ret, "The remote runner answered with Content-Type '%s' (expected application/json or multipart/form-data)", ct);
        return r < 0 ? -ENOMEM : 0;
}
