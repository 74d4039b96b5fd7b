/* SPDX-License-Identifier: MIT */
/* fuzz-remote-answer.c: what http_remote makes of a runner's answer (remote.c)
 *
 * Input: "<status>\n<Content-Type>\n<body>", where a Content-Type line starting with
 * '-' stands for "not sent"; the Content-Type line also goes through the URL check.
 * The classification must be one of its kinds; a JSON answer's result must be a
 * result (an object, an error text exactly when it failed); a refused answer's error
 * text must be one line of printable ASCII, bounded.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-util.h"
#include "macro.h"
#include "remote.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *buf = NULL, *text = NULL;
        _cleanup_(job_result_done) JobResult res = {};
        char *ct, *nl, *body;
        RemoteAnswerKind kind;
        RemoteUrl u;
        long status;
        int r;

        if (size > 1024 * 1024)
                return 0;
        buf = memdup_nul((const char *) data, size);
        if (!buf)
                return 0;
        nl = strchr(buf, '\n');
        if (!nl)
                return 0;
        *nl = 0;
        status = strtol(buf, NULL, 10);
        ct = nl + 1;
        nl = strchr(ct, '\n');
        if (!nl)
                return 0;
        *nl = 0;
        body = nl + 1;
        if (ct[0] == '-')
                ct = NULL;

        kind = remote_answer_classify(status, ct);
        FUZZ_CHECK(kind >= 0 && kind < _REMOTE_ANSWER_KIND_MAX);
        FUZZ_CHECK((kind == REMOTE_ANSWER_BAD_STATUS) == (status != 200));

        if (ct) {
                r = remote_url_parse(ct, &u, NULL);
                FUZZ_CHECK(r == 0 || r == -EINVAL);
        }

        if (kind == REMOTE_ANSWER_JSON) {
                r = remote_result_from_json(body, size - (body - buf), &res);
                if (r == -ENOMEM)
                        return 0;
                FUZZ_CHECK(r == 0);
                FUZZ_CHECK(cJSON_IsObject(res.result));
                FUZZ_CHECK(res.success == isempty(res.error));
        } else if (kind == REMOTE_ANSWER_BAD_STATUS || kind == REMOTE_ANSWER_BAD_TYPE) {
                r = remote_error_refused(status, ct, body, size - (body - buf), &text);
                if (r == -ENOMEM)
                        return 0;
                FUZZ_CHECK(r == 0);
                FUZZ_CHECK(strlen(text) < 256 + 2 * REMOTE_ERROR_BODY_MAX);
                for (const char *c = text; *c; c++)
                        FUZZ_CHECK((unsigned char) *c >= ' ' && (unsigned char) *c < 0x7f);
        }
        return 0;
}
