/* SPDX-License-Identifier: MIT */
/* trigger-request.h: the body of an HTTP trigger request, made into the trigger param */
#pragma once

#include <stddef.h>

#include <cjson/cJSON.h>

/* The default body limit of an http trigger (its `max_body`). */
#define TRIGGER_BODY_MAX_DEFAULT ((size_t) 1024 * 1024)
/* A trigger param nesting deeper than this is refused: the param is nested again in the
 * execution param and walked recursively by selectors and printers. */
#define TRIGGER_PARAM_DEPTH_MAX 100

int trigger_request_parse(const char *body, size_t size, cJSON **ret_param, const char **ret_error_text);
