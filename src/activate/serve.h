/* SPDX-License-Identifier: MIT */
/* serve.h: herald-activate --serve, the root end of heraldd's job starts */
#pragma once

#include <stdint.h>

/* How long --serve stays with no connection and nothing in flight. */
#define SERVE_IDLE_TIMEOUT_USEC (30ULL * 1000000ULL)

int serve_run(const char *workflow, const char *listen_path, uint64_t idle_usec);
