/* SPDX-License-Identifier: MIT */
/* runner.h: herald-runner's state: its listeners, the jobs it waits for */
#pragma once

#include <stdint.h>

#include <cjson/cJSON.h>
#include <systemd/sd-event.h>

#include "http-server.h"
#include "runner-config.h"

typedef struct RunnerJob RunnerJob;

typedef struct Runner {
        sd_event *event;
        RunnerConfig *config;
        HttpServer *http;

        /* herald-runner-activate.socket: one connection, made when first needed */
        const char *activate_path;
        int activate_fd;
        sd_event_source *activate_source;

        /* RUNNER_RESULT_SOCKET: herald-done's replies */
        const char *results_path;
        int results_fd;
        sd_event_source *results_source;
        unsigned n_result_conns;

        RunnerJob *jobs;                /* accepted, not answered yet */
        unsigned n_jobs;

        uint64_t idle_usec;
        sd_event_source *idle_timer;
} Runner;

/* The most jobs one herald-runner waits for at once; beyond: 503. */
#define RUNNER_JOBS_MAX 1024U

void runner_on_request(HttpRequest *req, const char *name, cJSON *param, void *userdata);
int runner_results_listen(Runner *r);
void runner_jobs_free(Runner *r);
void runner_arm_idle(Runner *r);
