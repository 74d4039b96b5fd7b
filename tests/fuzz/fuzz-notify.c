/* SPDX-License-Identifier: MIT */
/* fuzz-notify.c: the datagram heraldd reads from /run/herald/notify (notify.c)
 *
 * notify_parse() on arbitrary bytes, as a datagram reaches heraldd. What it accepts
 * is formatted again (herald-done's side) and read back:
 *  - a refusal is one of the parse errors and leaves nothing allocated;
 *  - an accepted message has a job id of the documented shape, and its complete form
 *    a param of the same job id, an error string and a result object;
 *  - the complete form formats (never refused: what was read is what herald-done can
 *    write), within HERALD_NOTIFY_SIZE_MAX, and reads back as the same message, the
 *    param with its credentials taken out (param-redact.c); its text is a fixed point;
 *  - the short form reads back from its fixed text.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "fuzz-util.h"
#include "json-util.h"
#include "macro.h"
#include "notify.h"
#include "param-redact.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_job_id(const char *id) {
        size_t n = strlen(id);

        FUZZ_CHECK(n > 0 && n <= HERALD_NOTIFY_JOB_ID_MAX);
        for (size_t i = 0; i < n; i++)
                FUZZ_CHECK((id[i] >= 'A' && id[i] <= 'Z') || (id[i] >= 'a' && id[i] <= 'z') ||
                           (id[i] >= '0' && id[i] <= '9') || id[i] == '_' || id[i] == '-');
}

static void check_complete(const NotifyMessage *m) {
        _cleanup_(notify_message_done) NotifyMessage back = {};
        _cleanup_free_ char *text = NULL, *again = NULL;
        _cleanup_json_ cJSON *redacted = NULL;
        size_t size, size2;
        int r;

        FUZZ_CHECK(cJSON_IsObject(m->param) && m->error && cJSON_IsObject(m->result));
        FUZZ_CHECK(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(m->param, "job_id")));
        FUZZ_CHECK(streq(cJSON_GetObjectItemCaseSensitive(m->param, "job_id")->valuestring, m->job_id));

        r = notify_format(m->param, m->success, m->error, m->result, &text, &size);
        if (r == -ENOMEM)
                return;
        FUZZ_CHECK(r == 0 && text && size == strlen(text) && size <= HERALD_NOTIFY_SIZE_MAX);

        r = notify_parse(text, size, &back);
        if (r == -ENOMEM)
                return;
        if (r != 0 && getenv("HERALD_FUZZ_VERBOSE"))
                fprintf(stderr, "formatted datagram not readable (%s): %.200s\n", strerror(-r), text);
        FUZZ_CHECK(r == 0);
        FUZZ_CHECK(streq(back.job_id, m->job_id));
        if (!back.complete)
                return;         /* redacting made it no smaller and it did not fit: the short form */
        FUZZ_CHECK(back.success == m->success && streq(back.error, m->error));
        FUZZ_CHECK(fuzz_json_same(back.result, m->result));
        redacted = param_redact_secrets(m->param);
        if (redacted)
                FUZZ_CHECK(fuzz_json_same(back.param, redacted));

        r = notify_format(back.param, back.success, back.error, back.result, &again, &size2);
        if (r == -ENOMEM)
                return;
        FUZZ_CHECK(r == 0 && size2 == size && memcmp(text, again, size) == 0);
}

static void check_short(const NotifyMessage *m) {
        _cleanup_(notify_message_done) NotifyMessage back = {};
        _cleanup_free_ char *text = NULL;
        int r;

        FUZZ_CHECK(!m->param && !m->error && !m->result);
        if (asprintf(&text, "{\"job_id\":\"%s\",\"complete\":false}", m->job_id) < 0)
                return;
        r = notify_parse(text, strlen(text), &back);
        if (r == -ENOMEM)
                return;
        FUZZ_CHECK(r == 0 && !back.complete && streq(back.job_id, m->job_id));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(notify_message_done) NotifyMessage m = {};
        int r;

        r = notify_parse((const char *) data, size, &m);
        if (r < 0) {
                FUZZ_CHECK(FUZZ_PARSE_ERROR(r));
                FUZZ_CHECK(!m.root);
                return 0;
        }
        FUZZ_CHECK(m.root && m.job_id);
        check_job_id(m.job_id);
        if (m.complete)
                check_complete(&m);
        else
                check_short(&m);
        return 0;
}
