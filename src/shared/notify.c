/* SPDX-License-Identifier: MIT */
/* notify.c: the datagram herald-done sends heraldd with a finished job's result
 *
 * The fast path of exe_done (docs/HERALDD.md). journald batches its change
 * notifications, so a reader of the journal sees a result 270-490 ms after it was
 * written; a chain step would cost that much. So herald-done, once the result entry
 * is in the journal, also sends the result to heraldd's datagram socket, and heraldd
 * acts on it at once. The journal entry stays the durable record: a datagram that is
 * lost (heraldd's queue full, no heraldd installed) only makes heraldd take the result
 * from the journal, later; heraldd reconciles both by job id.
 *
 * One datagram, one JSON object, at most HERALD_NOTIFY_SIZE_MAX. A result too large
 * for that is sent as {"job_id": ..., "complete": false}: "read this job's entry".
 * The param is the one the journal entry carries (credentials taken out: heraldd
 * runs unprivileged and needs none of them), so both paths give a chained job the
 * same trigger param.
 *
 * heraldd believes a datagram only from uid 0 (SO_PASSCRED; the kernel attaches the
 * sender's credentials, nothing is needed here), yet parses it as if anyone could
 * have sent it: strict shape, bounded size.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "json-parse.h"
#include "json-util.h"
#include "macro.h"
#include "notify.h"
#include "param-redact.h"

static bool job_id_valid(const char *s) {
        size_t n = strlen(s);

        if (n == 0 || n > HERALD_NOTIFY_JOB_ID_MAX)
                return false;
        return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

static int print(const cJSON *v, char **ret, size_t *ret_size) {
        char *s = cJSON_PrintUnformatted(v);

        if (!s)
                return -ENOMEM;
        *ret = s;
        *ret_size = strlen(s);
        return 0;
}

static int format_short(const char *job_id, char **ret, size_t *ret_size) {
        _cleanup_json_ cJSON *o = cJSON_CreateObject();

        if (!o || !cJSON_AddStringToObject(o, "job_id", job_id) || !cJSON_AddFalseToObject(o, "complete"))
                return -ENOMEM;
        return print(o, ret, ret_size);
}

/**
 * notify_format: the datagram for a finished job.
 * @param: the job's execution param; its job_id names the job
 * @success: whether the job succeeded
 * @error: its error text (NULL: "")
 * @result: its result object (NULL: {})
 * @ret: the datagram, NUL-terminated (the NUL is not part of it); free()
 * @ret_size: its size, at most HERALD_NOTIFY_SIZE_MAX
 *
 * The param goes out without its credentials (param-redact.c), as in the journal
 * entry. When the whole does not fit HERALD_NOTIFY_SIZE_MAX, the short form.
 *
 * Return: 0; -EINVAL when @param has no valid job_id (nothing to notify about) or
 * @result is not an object; -ENOMEM.
 */
int notify_format(const cJSON *param, bool success, const char *error, const cJSON *result,
                  char **ret, size_t *ret_size) {
        _cleanup_json_ cJSON *o = NULL, *redacted = NULL;
        _cleanup_free_ char *text = NULL;
        const char *job_id = json_object_get_string(param, "job_id");
        size_t size;
        int r;

        if (!cJSON_IsObject(param) || !job_id || !job_id_valid(job_id))
                return -EINVAL;
        if (result && !cJSON_IsObject(result))
                return -EINVAL;

        redacted = param_redact_secrets(param);
        o = cJSON_CreateObject();
        if (!redacted || !o || !cJSON_AddStringToObject(o, "job_id", job_id))
                return -ENOMEM;
        if (!cJSON_AddItemToObject(o, "param", redacted))
                return -ENOMEM;
        redacted = NULL;        /* o's now */
        if (!cJSON_AddBoolToObject(o, "success", success) ||
            !cJSON_AddStringToObject(o, "error", strempty(error)))
                return -ENOMEM;
        /* a reference: the result may be large, and is only printed */
        if (result ? !cJSON_AddItemReferenceToObject(o, "result", (cJSON *) result) : !cJSON_AddObjectToObject(o, "result"))
                return -ENOMEM;

        r = print(o, &text, &size);
        if (r < 0)
                return r;
        if (size > HERALD_NOTIFY_SIZE_MAX)
                return format_short(job_id, ret, ret_size);

        *ret = TAKE_PTR(text);
        *ret_size = size;
        return 0;
}

/**
 * notify_message_done: free what a NotifyMessage holds and reset it.
 * @m: the message (may be all zero)
 */
void notify_message_done(NotifyMessage *m) {
        cJSON_Delete(m->root);
        *m = (NotifyMessage) {};
}

/**
 * notify_parse: read a datagram.
 * @data: its bytes (not NUL-terminated)
 * @size: how many
 * @ret: the message; release with notify_message_done()
 *
 * Strict: one JSON object with exactly the members of one of the two forms, each of
 * its type: job_id (see HERALD_NOTIFY_JOB_ID_MAX), and either complete=false alone, or
 * param (an object whose job_id is the same), success (a boolean), error (a string
 * without U+0000), result (an object), with complete=true optional. Anything else,
 * an unknown member included, is refused.
 *
 * Return: 0; -E2BIG for more than HERALD_NOTIFY_SIZE_MAX bytes or nesting too deep,
 * -EBADMSG for anything not of that shape, -ERANGE (see json_parse()), -ENOMEM.
 */
int notify_parse(const char *data, size_t size, NotifyMessage *ret) {
        _cleanup_json_ cJSON *root = NULL;
        const cJSON *job_id = NULL, *param = NULL, *success = NULL, *error = NULL, *result = NULL, *complete = NULL;
        const cJSON *c;
        int r;

        if (size > HERALD_NOTIFY_SIZE_MAX)
                return -E2BIG;
        r = json_parse(data, size, &root);
        if (r < 0)
                return r;
        if (!cJSON_IsObject(root))
                return -EBADMSG;

        cJSON_ArrayForEach(c, root) {
                const cJSON **slot =
                        streq(c->string, "job_id") ? &job_id :
                        streq(c->string, "param") ? &param :
                        streq(c->string, "success") ? &success :
                        streq(c->string, "error") ? &error :
                        streq(c->string, "result") ? &result :
                        streq(c->string, "complete") ? &complete : NULL;

                if (!slot || *slot)
                        return -EBADMSG;
                *slot = c;
        }

        if (!cJSON_IsString(job_id) || !job_id_valid(job_id->valuestring))
                return -EBADMSG;
        if (complete && !cJSON_IsBool(complete))
                return -EBADMSG;

        if (complete && cJSON_IsFalse(complete)) {
                if (param || success || error || result)
                        return -EBADMSG;
                *ret = (NotifyMessage) {
                        .job_id = job_id->valuestring,
                        .complete = false,
                        .root = TAKE_PTR(root),
                };
                return 0;
        }

        /* A raw item (a string holding U+0000, json-parse.c) is no string here. */
        if (!cJSON_IsObject(param) || !cJSON_IsBool(success) || !cJSON_IsString(error) || !cJSON_IsObject(result))
                return -EBADMSG;
        if (!streq_ptr(json_object_get_string(param, "job_id"), job_id->valuestring))
                return -EBADMSG;

        *ret = (NotifyMessage) {
                .job_id = job_id->valuestring,
                .param = param,
                .complete = true,
                .success = cJSON_IsTrue(success),
                .error = error->valuestring,
                .result = result,
                .root = TAKE_PTR(root),
        };
        return 0;
}

/**
 * notify_send: send a datagram to heraldd.
 * @socket_path: the socket (HERALD_NOTIFY_SOCKET)
 * @data: the datagram (notify_format())
 * @size: its size, at most HERALD_NOTIFY_SIZE_MAX
 * @timeout_usec: how long to wait while the socket's queue is full (0: not at all). The
 *   kernel queues only net.unix.max_dgram_qlen (10) datagrams; in a burst of job ends a
 *   short wait, while heraldd reads, keeps the results on the fast path.
 *
 * Return: 0; a negative errno: -ENOENT (no such socket: heraldd is not installed),
 * -ECONNREFUSED (nothing listens on it), -EAGAIN (its queue is full), -E2BIG for a
 * datagram over HERALD_NOTIFY_SIZE_MAX, -ENAMETOOLONG for a path that does not fit a
 * socket address, or what socket()/sendto() say. The caller goes on either way: the
 * journal entry is the record.
 */
int notify_send(const char *socket_path, const char *data, size_t size, uint64_t timeout_usec) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        _cleanup_close_ int fd = -1;
        size_t l;

        if (!socket_path || !data)
                return -EINVAL;
        if (size > HERALD_NOTIFY_SIZE_MAX)
                return -E2BIG;
        l = strlen(socket_path);
        if (l == 0)
                return -EINVAL;
        if (l >= sizeof sa.sun_path)
                return -ENAMETOOLONG;
        memcpy(sa.sun_path, socket_path, l);

        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | (timeout_usec == 0 ? SOCK_NONBLOCK : 0), 0);
        if (fd < 0)
                return -errno;
        if (timeout_usec > 0) {
                struct timeval tv = { .tv_sec = (time_t) (timeout_usec / 1000000), .tv_usec = (suseconds_t) (timeout_usec % 1000000) };
                if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) < 0)
                        return -errno;
        }
        if (sendto(fd, data, size, (timeout_usec == 0 ? MSG_DONTWAIT : 0) | MSG_NOSIGNAL, (const struct sockaddr *) &sa,
                   (socklen_t) (offsetof(struct sockaddr_un, sun_path) + l + 1)) < 0)
                return -errno;
        return 0;
}
