/* SPDX-License-Identifier: MIT */
/* start-window.h: bounded asynchronous start calls on one bus connection */
#pragma once

#include <stdbool.h>

#include <systemd/sd-bus.h>

#include <stddef.h>

/* dbus-daemon refuses more than 128 pending replies per connection; 64 reaches PID 1's
 * own ceiling (DESIGN.md, The bus). */
#define START_WINDOW_DEFAULT 64
/* Starts that may wait for room in a full window (start_window_start_unit()): more than
 * heraldd queues (MANAGER_MAX_QUEUED) or herald-runner runs (RUNNER_JOBS_MAX). */
#define START_WINDOW_WAITING_MAX 8192U

typedef struct StartWindow StartWindow;
/* error == NULL: the start job was queued. */
typedef void (*StartReplyFunc)(const char *unit, const sd_bus_error *error, void *userdata);

int start_window_new(sd_bus *bus, unsigned max_in_flight, StartWindow **ret);
StartWindow *start_window_free(StartWindow *w);
bool start_window_full(const StartWindow *w);
unsigned start_window_in_flight(const StartWindow *w);
int start_window_wait_jobs(StartWindow *w);
int start_window_start_unit(StartWindow *w, const char *unit_name, StartReplyFunc cb, void *userdata);
int start_window_drain(StartWindow *w, unsigned max_in_flight);

static inline void start_window_freep(StartWindow **w) {
        start_window_free(*w);
}
