/* SPDX-License-Identifier: MIT */
/* log.c: minimal leveled logging to stderr or /dev/kmsg (or, without one, the journal: log-journal.c) */
#include <fcntl.h>
#include <stdio.h>
#include <strings.h>

#include "log.h"

static const char *log_program = "herald";
static LogTarget log_target = LOG_TARGET_STDERR;
static int log_max_level = LOG_INFO;
static int kmsg_fd = -1;
static LogWriter kmsg_fallback = NULL;

void log_setup(const char *program, LogTarget target) {
        const char *e;

        log_program = program;
        log_target = target;
        if (target == LOG_TARGET_KMSG && kmsg_fd < 0)
                kmsg_fd = open("/dev/kmsg", O_WRONLY | O_NOCTTY | O_CLOEXEC);

        e = getenv("HERALD_LOG_LEVEL") ?: getenv("SYSTEMD_LOG_LEVEL");
        if (e && log_parse_level(e) >= 0)
                log_max_level = log_parse_level(e);
}

/* Where LOG_TARGET_KMSG writes when there is no kernel log. A hook rather than a call,
 * so that programs that never log to the journal (herald-exec) need not load libsystemd. */
void log_set_kmsg_fallback(LogWriter writer) {
        kmsg_fallback = writer;
}

void log_set_max_level(int level) {
        log_max_level = level;
}

int log_get_max_level(void) {
        return log_max_level;
}

int log_parse_level(const char *s) {
        static const char *const names[] = { "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug" };

        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (strcasecmp(s, names[i]) == 0)
                        return (int) i;
        if (strcasecmp(s, "error") == 0)
                return LOG_ERR;
        if (strcasecmp(s, "warn") == 0)
                return LOG_WARNING;
        if (s[0] >= '0' && s[0] <= '7' && s[1] == 0)
                return s[0] - '0';
        return -EINVAL;
}

int log_internal(int level, int error, const char *file, int line, const char *fmt, ...) {
        char buf[4096];
        va_list ap;
        int saved = errno;

        if (error < 0)
                error = -error;
        if (level > log_max_level)
                return -error;

        errno = error;
        va_start(ap, fmt);
        vsnprintf(buf, sizeof buf, fmt, ap);
        va_end(ap);

        if (log_target == LOG_TARGET_KMSG && kmsg_fd >= 0)
                dprintf(kmsg_fd, "<%i>%s[%i]: %s\n", level, log_program, (int) getpid(), buf);
        else if (log_target == LOG_TARGET_KMSG && kmsg_fallback)
                kmsg_fallback(level, log_program, buf);
        else if (log_max_level >= LOG_DEBUG)
                fprintf(stderr, "%s: %s (%s:%i)\n", log_program, buf, file, line);
        else
                fprintf(stderr, "%s: %s\n", log_program, buf);

        errno = saved;
        return -error;
}
