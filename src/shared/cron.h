/* SPDX-License-Identifier: MIT */
/* cron.h: robfig/cron v3 schedules, their systemd OnCalendar= form, and a reference evaluator */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The longest spec cron_parse() accepts, in bytes (DESIGN.md: every parser has a size limit). */
#define CRON_SPEC_MAX 1024

typedef struct CronZone CronZone;

/*
 * A parsed schedule. Bit n of a field set means "value n matches": second,
 * minute 0-59, hour 0-23, dom 1-31, month 1-12, dow 0-6 (0 = Sunday).
 * dom_star/dow_star are robfig's star bits: the field was written as '*' or '?'
 * without a step (or with step 1). When both are false, a day matches if its
 * day-of-month OR its weekday matches; otherwise both must match.
 * every_sec > 0 marks '@every': the field sets are then empty.
 * timezone is the CRON_TZ=/TZ= zone name, or NULL (local time).
 */
typedef struct CronSchedule {
        uint64_t second, minute, hour, dom, month, dow;
        bool dom_star, dow_star;
        uint64_t every_sec;
        char *timezone;
        CronZone *zone;         /* private: the loaded zone data, NULL without timezone */
} CronSchedule;

/* Where and why cron_parse() failed. offset is the 0-based byte offset in the spec. */
typedef struct CronError {
        size_t offset;
        char message[256];
} CronError;

int cron_parse(const char *spec, bool with_seconds, CronSchedule **ret, CronError *error);
CronSchedule *cron_schedule_free(CronSchedule *s);

static inline void cron_schedule_freep(CronSchedule **s) {
        if (*s)
                cron_schedule_free(*s);
}
#define _cleanup_cron_schedule_ __attribute__((cleanup(cron_schedule_freep)))

int cron_to_oncalendar(const CronSchedule *s, char ***ret_specs);
int cron_next(const CronSchedule *s, int64_t after_usec, int64_t *ret_usec);
