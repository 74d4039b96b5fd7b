/* SPDX-License-Identifier: MIT */
/* trigger-request.c: the body of an HTTP trigger request, made into the trigger param
 *
 * Herald (heraldd 1.9.0, trigger/http.go and util/param.go JSONToMap()) decodes the body
 * with Go's encoding/json and answers 400 when it is not a JSON object, with the texts
 * kept here: "Request body error: Parse json error (<Go's error>)" and "Request body
 * error: Input json is not a map" (no newline). Go's own error wording cannot be
 * reproduced for every input; the prefix and the wording for an empty body are Go's.
 * json_parse() reads what Go reads and keeps every integer digit (json-parse.c).
 */
#include <errno.h>

#include "json-parse.h"
#include "json-util.h"
#include "macro.h"
#include "trigger-request.h"

#define TEXT_PARSE_PREFIX "Request body error: Parse json error ("

static bool is_blank(const char *s, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (!strchr(" \t\r\n", s[i]) || s[i] == 0)
                        return false;
        return true;
}

/**
 * trigger_request_parse() - a request body as the trigger param
 * @body: the raw body (need not be NUL-terminated)
 * @size: its length (the caller has capped it)
 * @ret_param: the trigger param, a JSON object; free with cJSON_Delete()
 * @ret_error_text: on 400, Herald's answer text (static)
 *
 * Return: 0 with @ret_param set; 400 (the HTTP status) with @ret_error_text set for an
 * empty body, invalid JSON, a value other than an object, or nesting deeper than
 * TRIGGER_PARAM_DEPTH_MAX; or -ENOMEM.
 */
int trigger_request_parse(const char *body, size_t size, cJSON **ret_param, const char **ret_error_text) {
        _cleanup_json_ cJSON *v = NULL;
        int r;

        if (is_blank(body, size)) {
                *ret_error_text = TEXT_PARSE_PREFIX "unexpected end of JSON input)";
                return 400;
        }
        r = json_parse(body, size, &v);
        if (r == -ENOMEM)
                return r;
        if (r == -E2BIG) {
                *ret_error_text = TEXT_PARSE_PREFIX "exceeded max depth)";
                return 400;
        }
        if (r == -ERANGE) {
                *ret_error_text = TEXT_PARSE_PREFIX "number out of range)";
                return 400;
        }
        if (r < 0) {
                *ret_error_text = TEXT_PARSE_PREFIX "invalid JSON)";
                return 400;
        }
        if (!cJSON_IsObject(v)) {
                *ret_error_text = "Request body error: Input json is not a map";
                return 400;
        }
        if (json_depth(v) > TRIGGER_PARAM_DEPTH_MAX) {
                *ret_error_text = TEXT_PARSE_PREFIX "exceeded max depth)";
                return 400;
        }
        *ret_param = TAKE_PTR(v);
        return 0;
}
