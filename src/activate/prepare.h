/* SPDX-License-Identifier: MIT */
/* prepare.h: herald-activate --prepare, the ExecStartPre=+ of heraldd's template job units */
#pragma once

int prepare_run(const char *workflow, const char *job_id, const char *router, const char *task);
