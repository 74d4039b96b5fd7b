/* SPDX-License-Identifier: MIT */
/* journal-check.c: did an entry we sent reach the journal?
 *
 * sd_journal_sendv() succeeds as soon as journald has the datagram, but journald drops
 * entries silently once the sending unit exceeds its rate limit (per unit and priority
 * group, 10,000 per 30 s by default). A job that writes many native journal entries
 * at PRIORITY=5 just before it ends makes journald drop its result entry (measured:
 * 60,000 entries from the job, no result entry). So `done` looks for its own entry,
 * by MESSAGE_ID and our trusted _PID, before it calls the job finished.
 *
 * The files are polled rather than waited on: journald coalesces its change
 * notifications for 250 ms, while a new entry is in the mapped file at once.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-journal.h>

#include "journal-check.h"
#include "macro.h"

#define POLL_INTERVAL_USEC 20000

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

/**
 * journal_check_sent: wait until the local journal holds an entry with @message_id
 * that process @pid sent.
 * @message_id: the entry's MESSAGE_ID
 * @pid: the sender (journald's trusted _PID)
 * @match: one more "FIELD=value" the entry has (against PID reuse), or NULL
 * @timeout_usec: how long to look
 * @ret_found: whether it was found in time
 *
 * Return: 0 (see @ret_found); the negative errno of sd_journal_open() and friends when
 * the journal cannot be read (then nothing can be told).
 */
int journal_check_sent(const char *message_id, pid_t pid, const char *match, uint64_t timeout_usec, bool *ret_found) {
        char m_id[64], m_pid[32];
        sd_journal *j = NULL;
        uint64_t deadline = now_usec() + timeout_usec;
        int r;

        snprintf(m_id, sizeof m_id, "MESSAGE_ID=%s", message_id);
        snprintf(m_pid, sizeof m_pid, "_PID=%" PRIiMAX, (intmax_t) pid);

        r = sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY | SD_JOURNAL_SYSTEM);
        if (r < 0)
                return r;
        r = sd_journal_add_match(j, m_id, 0);
        if (r >= 0)
                r = sd_journal_add_match(j, m_pid, 0);
        if (r >= 0 && match)
                r = sd_journal_add_match(j, match, 0);
        if (r < 0)
                goto finish;

        for (;;) {
                r = sd_journal_seek_tail(j);
                if (r >= 0)
                        r = sd_journal_previous(j);
                if (r < 0)
                        goto finish;
                if (r > 0) {
                        *ret_found = true;
                        r = 0;
                        goto finish;
                }
                if (now_usec() >= deadline)
                        break;
                /* New journal files (rotation) are only noticed through this. */
                (void) sd_journal_process(j);
                usleep(POLL_INTERVAL_USEC);
        }
        *ret_found = false;
        r = 0;

finish:
        sd_journal_close(j);
        return r;
}
