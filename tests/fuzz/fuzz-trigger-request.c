/* SPDX-License-Identifier: MIT */
/* fuzz-trigger-request.c: an HTTP trigger request body made into the trigger param
 *
 * trigger_request_parse() on arbitrary bytes: it takes a JSON object or answers 400
 * with a text; what it takes prints (compact) and parses again to the same param, as
 * the param does on its way into the request file and the job's execution param.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "fuzz-util.h"
#include "json-util.h"
#include "macro.h"
#include "trigger-request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_json_ cJSON *param = NULL, *again = NULL;
        _cleanup_free_ char *text = NULL, *text2 = NULL;
        const char *error = NULL;
        int r;

        if (size > TRIGGER_BODY_MAX_DEFAULT)
                return 0;
        r = trigger_request_parse((const char *) data, size, &param, &error);
        if (r == -ENOMEM)
                return 0;
        if (r != 0) {
                FUZZ_CHECK(r == 400 && error && startswith(error, "Request body error: ") && !param);
                if (getenv("HERALD_FUZZ_VERBOSE"))
                        fprintf(stderr, "400: %s\n", error);
                return 0;
        }
        FUZZ_CHECK(cJSON_IsObject(param) && json_depth(param) <= TRIGGER_PARAM_DEPTH_MAX);

        r = json_print_compact(param, &text);
        if (r == -ENOMEM)
                return 0;
        FUZZ_CHECK(r == 0 && text);
        r = trigger_request_parse(text, strlen(text), &again, &error);
        if (r == -ENOMEM)
                return 0;
        if (r != 0 && getenv("HERALD_FUZZ_VERBOSE"))
                fprintf(stderr, "printed param not taken back (%s): %.200s\n", error, text);
        FUZZ_CHECK(r == 0);
        FUZZ_CHECK(fuzz_json_same(param, again));
        r = json_print_compact(again, &text2);
        if (r == -ENOMEM)
                return 0;
        FUZZ_CHECK(r == 0 && streq(text, text2));
        return 0;
}
