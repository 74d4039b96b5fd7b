/* SPDX-License-Identifier: MIT */
/* fuzz-job-request.c: heraldd's request file as `herald-activate --prepare` (root) reads it
 *
 * job_request_parse() on arbitrary text: what it accepts has every field in shape (ids,
 * names, an object, a bounded depth), and comes back unchanged through
 * job_request_format() (heraldd's side) and job_request_parse() again.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "fuzz-util.h"
#include "herald-id.h"
#include "job-request.h"
#include "macro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(job_request_done) JobRequest r = {}, back = {};
        _cleanup_free_ char *text = NULL, *again = NULL;
        int q;

        q = job_request_parse((const char *) data, size, &r);
        if (q < 0) {
                FUZZ_CHECK(FUZZ_PARSE_ERROR(q) || q == -EFBIG);
                FUZZ_CHECK(!r.root);
                return 0;
        }
        FUZZ_CHECK(r.root && herald_id_valid(r.job_id) && herald_id_valid(r.trigger_id));
        FUZZ_CHECK(r.router[0] && r.task[0] && r.trigger[0]);
        FUZZ_CHECK(cJSON_IsObject(r.trigger_param) && r.chain_depth <= JOB_REQUEST_CHAIN_DEPTH_MAX);

        q = job_request_format(r.job_id, r.trigger_id, r.router, r.task, r.trigger, r.trigger_param, r.chain_depth, &text);
        if (q == -ENOMEM)
                return 0;
        FUZZ_CHECK(q == 0 || q == -E2BIG);      /* a short input may print longer */
        if (q < 0)
                return 0;
        q = job_request_parse(text, strlen(text), &back);
        if (q == -ENOMEM)
                return 0;
        FUZZ_CHECK(q == 0);
        FUZZ_CHECK(streq(back.job_id, r.job_id) && streq(back.trigger_id, r.trigger_id));
        FUZZ_CHECK(streq(back.router, r.router) && streq(back.task, r.task) && streq(back.trigger, r.trigger));
        FUZZ_CHECK(back.chain_depth == r.chain_depth && fuzz_json_same(back.trigger_param, r.trigger_param));
        q = job_request_format(back.job_id, back.trigger_id, back.router, back.task, back.trigger, back.trigger_param,
                               back.chain_depth, &again);
        if (q == -ENOMEM)
                return 0;
        FUZZ_CHECK(q == 0 && streq(text, again));
        return 0;
}
