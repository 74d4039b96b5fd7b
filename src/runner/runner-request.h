/* SPDX-License-Identifier: MIT */
/* runner-request.h: a request herald-runner received, made into a job's param and executor options */
#pragma once

#include <stddef.h>

#include <cjson/cJSON.h>

#include "runner-config.h"

int runner_request_param(const char *text, size_t size, const char *job_id, cJSON **ret);
int runner_executor_param(const RunnerConfig *c, const char *reply_socket, cJSON **ret);
