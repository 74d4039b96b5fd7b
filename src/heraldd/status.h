/* SPDX-License-Identifier: MIT */
/* status.h: heraldd's status page and /metrics, on a listener of their own (docs/HERALDD.md) */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "http-server.h"

typedef struct Manager Manager;

/* The status socket's FileDescriptorName= (units/herald-status.socket). */
#define STATUS_FD_NAME "herald-status"

/* Bounds on what one page reads from the journal. */
#define STATUS_RUNS_MAX 50              /* runs listed on the overview */
#define STATUS_RUNNING_MAX 100          /* running jobs listed */
#define STATUS_LAST_RUN_SCAN 500        /* results searched for each router's last run */
#define STATUS_OUTPUT_LINES_MAX 1000    /* a run's output: its newest lines */
#define STATUS_LINE_MAX 4096            /* bytes of one line shown; the rest is cut, marked */
#define STATUS_DATA_THRESHOLD (64 * 1024) /* journal field bytes read at most (a run's page) */
#define STATUS_INDEX_DATA_THRESHOLD 4096 /* the same on the overview: no result JSON shown */

/* /metrics: result entries read back when the totals start, and per scrape at most. */
#define METRICS_READ_BACK_MAX 10000
#define METRICS_SCRAPE_MAX 100000
#define METRICS_SERIES_MAX 4096         /* router/task pairs; beyond, counted as dropped */
#define METRICS_DATA_THRESHOLD 2048     /* names, result, duration: the JSON fields are not needed */

/* status-page.c: the HttpPageFunc of the status listener (userdata: the Manager). */
void status_page_serve(const char *path, const char *accept, HttpPage *ret, void *userdata);

/* metrics.c: the totals from the journal, kept across scrapes for a daemon's life. */
typedef struct MetricsState MetricsState;
MetricsState *metrics_state_free(MetricsState *s);
/* Writes the metrics to @f; OpenMetrics 1.0.0 when @openmetrics, else Prometheus' text
 * format 0.0.4. Return: 0 or a negative errno. */
int metrics_write(Manager *m, FILE *f, bool openmetrics);
/* Whether an Accept header asks for OpenMetrics. */
bool metrics_accept_openmetrics(const char *accept);
