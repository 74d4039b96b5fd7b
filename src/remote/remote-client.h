/* SPDX-License-Identifier: MIT */
/* remote-client.h: one http_remote request, libcurl multi on sd-event */
#pragma once

#include "job-result.h"
#include "job-spec.h"

int remote_client_run(const JobSpec *spec, JobResult *ret);
