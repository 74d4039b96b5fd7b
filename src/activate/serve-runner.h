/* SPDX-License-Identifier: MIT */
/* serve-runner.h: herald-activate --serve-runner, the root end of herald-runner's jobs */
#pragma once

#include <stdint.h>

#define RUNNER_CONFIG_DEFAULT "/etc/herald/runner.yml"

int serve_runner_run(const char *config_path, const char *listen_path, uint64_t idle_usec);
