/* SPDX-License-Identifier: MIT */
/* fuzz-runner-request.c: herald-runner's request path, from the signature header to the job's param
 *
 * Input: "<X-Herald-Signature>\n<body>", a header line starting with '-' for "not sent".
 * As herald-runner takes a request: the signature is checked on the raw body first
 * (a result in range; a header that is not the body's HMAC never passes), then the body
 * must be a JSON object (trigger_request_parse(), herald-runner's answer 400 or not);
 * what it accepts, root turns into the job's param (runner_request_param()): an object
 * with our job id and only Herald's keys, which job.json carries unchanged
 * (job_spec_format(), job_spec_parse()). Then the body correctly signed must verify.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "fuzz-util.h"
#include "hmac.h"
#include "job-spec.h"
#include "json-util.h"
#include "macro.h"
#include "runner-config.h"
#include "runner-request.h"
#include "signature.h"
#include "trigger-request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define KEY ((const uint8_t *) "fuzz-runner-secret")
#define KEY_LEN 18
#define JOB_ID "0D3C4B5A-0000-4000-8000-000000000001"

static const char *const allowed[] = {
        "job_id", "remote_job_id", "trigger_id", "router", "trigger", "selector", "task", "executor",
        "trigger_param", "select_param", "job_param",
};

static bool key_allowed(const char *k) {
        for (size_t i = 0; i < ELEMENTSOF(allowed); i++)
                if (streq(k, allowed[i]))
                        return true;
        return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *buf = NULL, *spec_text = NULL;
        _cleanup_json_ cJSON *tp = NULL, *param = NULL, *ep = NULL;
        _cleanup_(job_spec_done) JobSpec spec = { .counter = -1 };
        char *body, *nl, *header, sig[HMAC_SHA256_HEX_SIZE + 1];
        const char *text = NULL;
        size_t body_len;
        char *allow[] = { (char *) "/srv/out", NULL };
        RunnerConfig cfg = { .work_dir = (char *) "/var/lib/herald-runner/work", .allow_file_paths = allow };
        const cJSON *c;
        int r, t;

        if (size > 65536)
                return 0;
        buf = memdup_nul((const char *) data, size);
        if (!buf || !(nl = strchr(buf, '\n')))
                return 0;
        *nl = 0;
        header = buf[0] == '-' ? NULL : buf;
        body = nl + 1;
        body_len = size - (size_t) (body - buf);

        /* 1. the signature, on the raw body, before anything parses it */
        r = signature_verify(KEY, KEY_LEN, header, NULL, NULL, body, body_len, 0, 1700000000ULL, NULL);
        if (r == -ENOMEM)
                return 0;
        FUZZ_CHECK(r >= 0 && r < _SIGNATURE_RESULT_MAX);
        if (hmac_sha256_hex(KEY, KEY_LEN, body, body_len, sig) < 0)
                return 0;
        if (r == SIGNATURE_OK)
                FUZZ_CHECK(header && strcasecmp(header, sig) == 0);
        FUZZ_CHECK(signature_verify(KEY, KEY_LEN, sig, NULL, NULL, body, body_len, 0, 1700000000ULL, NULL) == SIGNATURE_OK);

        /* 2. the body: a JSON object, or a 400 */
        t = trigger_request_parse(body, body_len, &tp, &text);
        if (t < 0)
                return 0;
        FUZZ_CHECK(t == 0 ? cJSON_IsObject(tp) : t == 400 && text);

        /* 3. root's side: the job's param */
        r = runner_request_param(body, body_len, JOB_ID, &param);
        if (r == -ENOMEM)
                return 0;
        if (t == 0)
                FUZZ_CHECK(r == 0);
        if (r < 0) {
                FUZZ_CHECK(r == -EBADMSG);
                return 0;
        }
        FUZZ_CHECK(cJSON_IsObject(param));
        FUZZ_CHECK(streq_ptr(json_object_get_string(param, "job_id"), JOB_ID));
        cJSON_ArrayForEach(c, param)
                FUZZ_CHECK(key_allowed(c->string));

        /* 4. job.json carries it unchanged */
        if (runner_executor_param(&cfg, "/run/herald-runner/results", &ep) < 0 ||
            job_spec_format(param, "runner", ep, "herald-runner-job@" JOB_ID ".service", -1, &spec_text) < 0)
                return 0;
        r = job_spec_parse(spec_text, strlen(spec_text), &spec);
        if (r == -ENOMEM)
                return 0;
        FUZZ_CHECK(r == 0);
        FUZZ_CHECK(streq(spec.executor_type, "runner"));
        FUZZ_CHECK(fuzz_json_same(spec.param, param));
        FUZZ_CHECK(fuzz_json_same(spec.executor_param, ep));
        return 0;
}
