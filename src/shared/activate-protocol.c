/* SPDX-License-Identifier: MIT */
/* activate-protocol.c: heraldd <-> herald-activate --serve, one message per packet
 *
 * A SOCK_SEQPACKET connection keeps message boundaries, so a message is its fields, each
 * ended by a NUL: the verb, the job id, then the verb's own fields. Names are checked as
 * the request file checks them; the receiver trusts nothing else about the sender (the
 * socket's mode lets only root and the group herald connect).
 */
#include <errno.h>
#include <string.h>

#include "activate-protocol.h"
#include "herald-id.h"
#include "job-request.h"
#include "macro.h"

static const char *const verb_names[_ACTIVATE_VERB_MAX] = {
        [ACTIVATE_START] = "START",
        [ACTIVATE_STOP] = "STOP",
        [ACTIVATE_STARTED] = "STARTED",
        [ACTIVATE_ALREADY] = "ALREADY",
        [ACTIVATE_FAILED] = "FAILED",
        [ACTIVATE_RUN] = "RUN",
        [ACTIVATE_BUSY] = "BUSY",
};

const char *activate_verb_to_string(ActivateVerb v) {
        return v >= 0 && v < _ACTIVATE_VERB_MAX ? verb_names[v] : NULL;
}

static bool has_names(ActivateVerb v) {
        return v == ACTIVATE_START || v == ACTIVATE_STOP;
}

static bool text_valid(const char *s) {
        return s && strlen(s) <= ACTIVATE_TEXT_MAX;
}

static int put(char *buf, size_t size, size_t *at, const char *s) {
        size_t n = strlen(s) + 1;

        if (n > size - *at)
                return -E2BIG;
        memcpy(buf + *at, s, n);
        *at += n;
        return 0;
}

/**
 * activate_message_format: a message as it goes on the socket.
 * @m: the message (START, STOP: router and task; FAILED: text)
 * @buf: where to write it
 * @size: its size (ACTIVATE_MESSAGE_MAX is always enough)
 * @ret_len: the message's length
 *
 * Return: 0; -EINVAL for a field that is not valid; -E2BIG when @buf is too small.
 */
int activate_message_format(const ActivateMessage *m, char *buf, size_t size, size_t *ret_len) {
        const char *verb = activate_verb_to_string(m->verb);
        size_t at = 0;
        int r;

        if (!verb || !herald_id_valid(m->job_id))
                return -EINVAL;
        if (has_names(m->verb) && (!job_request_name_valid(m->router) || !job_request_name_valid(m->task)))
                return -EINVAL;
        if (m->verb == ACTIVATE_FAILED && !text_valid(m->text))
                return -EINVAL;
        r = put(buf, size, &at, verb);
        if (r >= 0)
                r = put(buf, size, &at, m->job_id);
        if (r >= 0 && has_names(m->verb))
                r = put(buf, size, &at, m->router);
        if (r >= 0 && has_names(m->verb))
                r = put(buf, size, &at, m->task);
        if (r >= 0 && m->verb == ACTIVATE_FAILED)
                r = put(buf, size, &at, m->text);
        if (r < 0)
                return r;
        *ret_len = at;
        return 0;
}

/**
 * activate_message_parse: a message received.
 * @buf: the packet; must stay while @ret is used
 * @len: its length
 * @ret: the message, its fields pointing into @buf
 *
 * Return: 0; -EBADMSG for anything but a whole, valid message.
 */
int activate_message_parse(const char *buf, size_t len, ActivateMessage *ret) {
        const char *field[5];
        size_t n = 0, want;
        ActivateMessage m = { .verb = _ACTIVATE_VERB_INVALID };

        if (len == 0 || len > ACTIVATE_MESSAGE_MAX || buf[len - 1] != '\0')
                return -EBADMSG;
        for (size_t at = 0; at < len; at += strlen(buf + at) + 1) {
                if (n == ELEMENTSOF(field))
                        return -EBADMSG;
                field[n++] = buf + at;
        }
        for (ActivateVerb v = 0; v < _ACTIVATE_VERB_MAX; v++)
                if (streq(field[0], verb_names[v]))
                        m.verb = v;
        if (m.verb < 0)
                return -EBADMSG;
        want = has_names(m.verb) ? 4 : m.verb == ACTIVATE_FAILED ? 3 : 2;
        if (n != want || !herald_id_valid(field[1]))
                return -EBADMSG;
        m.job_id = field[1];
        if (has_names(m.verb)) {
                m.router = field[2];
                m.task = field[3];
                if (!job_request_name_valid(m.router) || !job_request_name_valid(m.task))
                        return -EBADMSG;
        }
        if (m.verb == ACTIVATE_FAILED) {
                m.text = field[2];
                if (!text_valid(m.text))
                        return -EBADMSG;
        }
        *ret = m;
        return 0;
}
