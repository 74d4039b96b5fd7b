/* SPDX-License-Identifier: MIT */
/* log.h: the programs' logging; library code in src/shared logs at debug only */
#pragma once

#include <stdarg.h>
#include <syslog.h>

#include "macro.h"

typedef enum LogTarget {
        LOG_TARGET_STDERR,      /* plain lines, "program: message" */
        LOG_TARGET_KMSG,        /* /dev/kmsg, as generators must; see log_set_kmsg_fallback() */
        _LOG_TARGET_MAX,
} LogTarget;

typedef void (*LogWriter)(int level, const char *program, const char *message);

void log_setup(const char *program, LogTarget target);
/* Without a kernel log (a container), LOG_TARGET_KMSG writes here; stderr when unset. */
void log_set_kmsg_fallback(LogWriter writer);
/* A LogWriter for the journal, as systemd's own generators fall back to (log-journal.c). */
void log_write_journal(int level, const char *program, const char *message);
void log_set_max_level(int level);
int log_get_max_level(void);
int log_parse_level(const char *s);

/* Logs and returns -abs(error) (or 0 when error is 0), so callers can write
 * "return log_error_errno(r, "...: %m")". errno is set to error for %m. */
int log_internal(int level, int error, const char *file, int line, const char *fmt, ...) _printf_(5, 6);

#define log_full_errno(level, error, ...) log_internal(level, error, __FILE__, __LINE__, __VA_ARGS__)
#define log_debug(...) log_full_errno(LOG_DEBUG, 0, __VA_ARGS__)
#define log_info(...) log_full_errno(LOG_INFO, 0, __VA_ARGS__)
#define log_notice(...) log_full_errno(LOG_NOTICE, 0, __VA_ARGS__)
#define log_warning(...) log_full_errno(LOG_WARNING, 0, __VA_ARGS__)
#define log_error(...) log_full_errno(LOG_ERR, 0, __VA_ARGS__)
#define log_debug_errno(e, ...) log_full_errno(LOG_DEBUG, e, __VA_ARGS__)
#define log_warning_errno(e, ...) log_full_errno(LOG_WARNING, e, __VA_ARGS__)
#define log_error_errno(e, ...) log_full_errno(LOG_ERR, e, __VA_ARGS__)
#define log_oom() log_error_errno(ENOMEM, "Out of memory.")
