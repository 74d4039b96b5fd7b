/* SPDX-License-Identifier: MIT */
/* journal-check.c: did an entry we sent reach the journal?
 *
 * A send succeeds as soon as journald has the datagram, but journald drops entries
 * silently once the sending unit exceeds its rate limit (per unit and priority group,
 * 10,000 per 30 s by default). A job that writes many native journal entries at
 * PRIORITY=5 just before it ends makes journald drop its result entry (measured:
 * 60,000 entries from the job, no result entry). So when the unit's bucket is small
 * enough for that (journal_rate_limit_can_drop()), `done` looks for its own entry, by
 * MESSAGE_ID and our trusted _PID, before it calls the job finished.
 *
 * It may run once per job, so it looks where a new entry goes: the active system.journal
 * files (persistent and volatile), not every archived file of the machine's history,
 * which sd_journal_open() would map and search one by one (a cost that grows with the
 * journal, per job). Only when the entry is not there by the deadline is the whole
 * journal searched, once: journald may have rotated the file between our send and our
 * look, leaving the entry in what is now an archived file.
 *
 * The files are polled rather than waited on: journald coalesces its change
 * notifications for 250 ms, while a new entry is in the mapped file at once.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "journal-check.h"
#include "libsystemd-dl.h"
#include "macro.h"

#define POLL_INTERVAL_USEC 20000

/* More entries a second than journald can take in: ~75,000 a second from one sender
 * were measured on this machine kind (DESIGN.md, Facts); this leaves a wide margin for
 * faster machines and many senders. */
#define JOURNALD_INTAKE_MAX_PER_SEC 1000000ULL
/* journald scales a burst by up to 47/4 with free disk space, in an unsigned int
 * (journald-rate-limit.c: burst_modulate()); above this the product wraps around. */
#define JOURNALD_BURST_MAX (UINT32_MAX / 47)

static int read_unit_number(const char *what, const char *unit, uint64_t *ret) {
        char path[256], value[32], *end;
        ssize_t n;

        if (snprintf(path, sizeof path, "/run/systemd/units/%s:%s", what, unit) >= (int) sizeof path)
                return -ENAMETOOLONG;
        n = readlink(path, value, sizeof value - 1);
        if (n < 0)
                return -errno;
        value[n] = 0;
        errno = 0;
        *ret = strtoull(value, &end, 10);
        return errno != 0 || end == value || *end ? -EINVAL : 0;
}

/**
 * journal_rate_limit_can_drop: could journald's rate limit drop an entry from @unit?
 * @unit: the unit the entry is sent from, or NULL
 *
 * journald keeps a bucket per unit and priority group; the unit's LogRateLimitBurst=
 * and LogRateLimitIntervalSec= size it. PID 1 exports those for journald as symlinks
 * in /run/systemd/units/ (what journald itself reads), before any process of the unit
 * runs. A herald job unit has a bucket of 10,000,000 a second (plan.c), which nothing
 * can fill; a unit whose workflow sets its own limit, or one started some other way,
 * may have a bucket a flood fills.
 *
 * Return: false only when the unit's bucket is known and bigger than journald can fill
 * within its interval; true when it is smaller, or cannot be read.
 */
bool journal_rate_limit_can_drop(const char *unit) {
        uint64_t interval_usec, burst;

        if (!unit || read_unit_number("log-rate-limit-interval", unit, &interval_usec) < 0 ||
            read_unit_number("log-rate-limit-burst", unit, &burst) < 0)
                return true;
        if (interval_usec == 0 || burst == 0 || burst > JOURNALD_BURST_MAX)
                return true;
        uint64_t seconds = interval_usec / 1000000 + (interval_usec % 1000000 != 0);
        /* the bucket must outlast the whole interval at journald's best intake */
        return seconds >= JOURNALD_BURST_MAX || burst <= seconds * JOURNALD_INTAKE_MAX_PER_SEC;
}

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

/* Is the entry in @j? 1 yes, 0 no, or a negative errno. */
static int journal_has(const LibSystemd *sd, sd_journal *j, const char *m_id, const char *m_pid, const char *match) {
        int r;

        r = sd->sd_journal_add_match(j, m_id, 0);
        if (r >= 0)
                r = sd->sd_journal_add_match(j, m_pid, 0);
        if (r >= 0 && match)
                r = sd->sd_journal_add_match(j, match, 0);
        if (r >= 0)
                r = sd->sd_journal_seek_tail(j);
        if (r >= 0)
                r = sd->sd_journal_previous(j);
        return r < 0 ? r : r > 0;
}

/* Looks in the active files only. -ENOENT when there are none (journald not running,
 * or it keeps its files elsewhere): then only the whole journal can tell. */
static int active_files_have(const LibSystemd *sd, const char *m_id, const char *m_pid, const char *match) {
        char paths[2][128], mid[SD_ID128_STRING_MAX];
        const char *files[3] = {};
        sd_journal *j = NULL;
        sd_id128_t machine;
        size_t n = 0;
        int r;

        r = sd->sd_id128_get_machine(&machine);
        if (r < 0)
                return r;
        sd->sd_id128_to_string(machine, mid);
        snprintf(paths[0], sizeof paths[0], "/var/log/journal/%s/system.journal", mid);
        snprintf(paths[1], sizeof paths[1], "/run/log/journal/%s/system.journal", mid);
        for (size_t i = 0; i < ELEMENTSOF(paths); i++)
                if (access(paths[i], R_OK) >= 0)
                        files[n++] = paths[i];
        if (n == 0)
                return -ENOENT;

        r = sd->sd_journal_open_files(&j, files, 0);
        if (r < 0)
                return r;
        r = journal_has(sd, j, m_id, m_pid, match);
        sd->sd_journal_close(j);
        return r;
}

static int whole_journal_has(const LibSystemd *sd, const char *m_id, const char *m_pid, const char *match) {
        sd_journal *j = NULL;
        int r;

        r = sd->sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY | SD_JOURNAL_SYSTEM);
        if (r < 0)
                return r;
        r = journal_has(sd, j, m_id, m_pid, match);
        sd->sd_journal_close(j);
        return r;
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
 * Return: 0 (see @ret_found); -ELIBACC when libsystemd cannot be loaded, or the
 * negative errno of sd_journal_open() and friends when the journal cannot be read
 * (then nothing can be told).
 */
int journal_check_sent(const char *message_id, pid_t pid, const char *match, uint64_t timeout_usec, bool *ret_found) {
        const LibSystemd *sd = libsystemd_get();
        char m_id[64], m_pid[32];
        uint64_t deadline = now_usec() + timeout_usec;
        int r;

        if (!sd)
                return -ELIBACC;

        snprintf(m_id, sizeof m_id, "MESSAGE_ID=%s", message_id);
        snprintf(m_pid, sizeof m_pid, "_PID=%" PRIiMAX, (intmax_t) pid);

        for (;;) {
                /* opened afresh each time: a file rotated away is then left behind */
                r = active_files_have(sd, m_id, m_pid, match);
                if (r == -ENOENT)
                        break;
                if (r < 0)
                        return r;
                if (r > 0) {
                        *ret_found = true;
                        return 0;
                }
                if (now_usec() >= deadline)
                        break;
                usleep(POLL_INTERVAL_USEC);
        }

        /* not in the active files (or none): the whole journal, for as long as is left */
        for (;;) {
                r = whole_journal_has(sd, m_id, m_pid, match);
                if (r < 0)
                        return r;
                if (r > 0 || now_usec() >= deadline)
                        break;
                usleep(POLL_INTERVAL_USEC);
        }
        *ret_found = r > 0;
        return 0;
}
