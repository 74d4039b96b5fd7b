/* SPDX-License-Identifier: MIT */
/* log-journal.c: log lines to the journal, for LOG_TARGET_KMSG without a kernel log
 *
 * Its own file: only the programs that use it link libsystemd for it (log.c reaches it
 * through log_set_kmsg_fallback()).
 */
#include <systemd/sd-journal.h>

#include "log.h"

void log_write_journal(int level, const char *program, const char *message) {
        sd_journal_send("MESSAGE=%s", message, "PRIORITY=%i", level, "SYSLOG_IDENTIFIER=%s", program, NULL);
}
