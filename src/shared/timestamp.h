/* SPDX-License-Identifier: MIT */
/* timestamp.h: time arguments (taskctl's --since/--until) and how herald prints times */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

typedef uint64_t usec_t;

#define USEC_INFINITY ((usec_t) UINT64_MAX)
#define USEC_PER_MSEC ((usec_t) 1000ULL)
#define USEC_PER_SEC ((usec_t) 1000000ULL)
#define USEC_PER_MINUTE (60ULL * USEC_PER_SEC)
#define USEC_PER_HOUR (60ULL * USEC_PER_MINUTE)
#define USEC_PER_DAY (24ULL * USEC_PER_HOUR)
#define USEC_PER_WEEK (7ULL * USEC_PER_DAY)

/* Big enough for every format below, including a UTC offset and microseconds. */
#define TIMESTAMP_MAX 64

usec_t now_realtime(void);
usec_t now_monotonic(void);

int timestamp_parse(const char *s, usec_t now, usec_t *ret);

char *timestamp_format(usec_t t, char buf[static TIMESTAMP_MAX]);
char *timestamp_format_line(usec_t t, char buf[static TIMESTAMP_MAX]);
char *timestamp_format_iso(usec_t t, char buf[static TIMESTAMP_MAX]);
char *timestamp_format_relative(usec_t t, usec_t now, char buf[static TIMESTAMP_MAX]);
char *timespan_format(usec_t d, char buf[static TIMESTAMP_MAX]);
/* Every unit down to the microsecond, as a unit file takes it: "5s", "1h 30min", "1s 500ms". */
char *timespan_format_exact(usec_t d, char buf[static TIMESTAMP_MAX]);

/* 0 and USEC_INFINITY become null. */
cJSON *timestamp_to_json(usec_t t);
cJSON *timestamp_usec_to_json(usec_t t);
