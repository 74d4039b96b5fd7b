/* SPDX-License-Identifier: MIT */
/* chain.c: learning that jobs ended: the result datagram (fast) and the journal (durable)
 *
 * herald-done writes a job's result entry to the journal, then sends the same result
 * to heraldd's datagram socket. The datagram is the fast path: journald coalesces its
 * change notifications, so a reader waiting on the journal sees a new entry 270-490 ms
 * late (DESIGN.md), which would make every chain step slower than Herald's. The journal
 * is the durable path: heraldd follows result entries from a cursor kept in its state
 * directory, so the results of jobs that ended while it was not running (or whose
 * datagram was lost, or was too big) are chained when it starts again. Both paths meet
 * in manager_job_result(), which chains each finished job once.
 *
 * Only root sends datagrams (the socket is 0600 and each datagram's credentials are
 * checked), and only entries whose trusted _UID is root's or heraldd's own are believed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fs-util.h"
#include "herald-ids.h"
#include "log.h"
#include "macro.h"
#include "manager.h"
#include "notify.h"
#include "result-read.h"

#define CURSOR_FILE "cursor"
#define CURSOR_SAVE_DELAY_USEC (1000ULL * 1000ULL)
/* Entries read per turn of the loop, so a long catch-up does not starve HTTP. */
#define JOURNAL_BATCH 256

static int on_notify(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Manager *m = userdata;
        _cleanup_free_ char *buf = malloc(HERALD_NOTIFY_SIZE_MAX + 1);

        if (!buf)
                return log_oom();
        /* Drain what is there; each datagram is one finished job. */
        for (unsigned n = 0; n < 1024; n++) {
                _cleanup_(notify_message_done) NotifyMessage msg = {};
                union {
                        struct cmsghdr h;
                        char buf[CMSG_SPACE(sizeof(struct ucred))];
                } control = {};
                struct iovec iov = { .iov_base = buf, .iov_len = HERALD_NOTIFY_SIZE_MAX + 1 };
                struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &control, .msg_controllen = sizeof control };
                struct ucred *cred = NULL;
                ssize_t l;
                int r;

                l = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC | MSG_TRUNC);
                if (l < 0) {
                        if (errno == EAGAIN || errno == EINTR)
                                return 0;
                        return log_error_errno(errno, "Could not read a result datagram: %m");
                }
                for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
                        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS &&
                            c->cmsg_len == CMSG_LEN(sizeof(struct ucred)))
                                cred = (struct ucred *) CMSG_DATA(c);
                if (!cred || cred->uid != 0) {
                        log_warning("Ignoring a result datagram not sent by root (uid %ld): only root's are believed.",
                                    cred ? (long) cred->uid : -1L);
                        continue;
                }
                if ((size_t) l > HERALD_NOTIFY_SIZE_MAX || (mh.msg_flags & MSG_TRUNC)) {
                        log_warning("Ignoring a result datagram of %zd bytes (at most %zu); the journal has the result.", l,
                                    (size_t) HERALD_NOTIFY_SIZE_MAX);
                        continue;
                }
                r = notify_parse(buf, (size_t) l, &msg);
                if (r < 0) {
                        log_warning_errno(r, "Ignoring a malformed result datagram: %m");
                        continue;
                }
                if (!msg.complete)
                        continue;       /* too big for a datagram: the journal follower takes it */
                (void) manager_job_result(m, msg.job_id, msg.param, msg.success, msg.error, msg.result, false);
        }
        return 0;
}

/**
 * manager_notify_setup: watch the result datagram socket (socket-activated, or bound by
 * heraldd itself in development mode).
 */
int manager_notify_setup(Manager *m, int fd) {
        int one = 1;

        /* PassCredentials=yes in the socket unit does the same; set it in any case. */
        if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof one) < 0)
                return -errno;
        m->notify_fd = fd;
        return sd_event_add_io(m->event, &m->notify_source, fd, EPOLLIN, on_notify, m);
}

static int save_cursor_now(Manager *m) {
        _cleanup_free_ char *path = NULL;
        int r;

        if (!m->cursor_dirty || !m->cursor)
                return 0;
        /* An exe_done firing still selecting is not yet written anywhere: the cursor
         * must not pass its entry, or a crash now would lose its chain. */
        if (m->n_chain_firings_pending > 0)
                return 0;
        if (asprintf(&path, "%s/" CURSOR_FILE, m->state_dir) < 0)
                return -ENOMEM;
        r = write_file_atomic(path, m->cursor, strlen(m->cursor), 0640);
        if (r < 0)
                return log_warning_errno(r, "Could not save the journal cursor to %s: %m", path);
        m->cursor_dirty = false;
        return 0;
}

static int on_cursor_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;

        (void) save_cursor_now(m);
        if (m->cursor_dirty)
                return sd_event_source_set_time_relative(s, CURSOR_SAVE_DELAY_USEC) < 0 ? 0
                        : sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
        return 0;
}

static void cursor_update(Manager *m) {
        char *c = NULL;

        if (sd_journal_get_cursor(m->journal, &c) < 0)
                return;
        free(m->cursor);
        m->cursor = c;
        m->cursor_dirty = true;
        if (sd_event_source_get_enabled(m->cursor_timer, NULL) == 0) {
                (void) sd_event_source_set_time_relative(m->cursor_timer, CURSOR_SAVE_DELAY_USEC);
                (void) sd_event_source_set_enabled(m->cursor_timer, SD_EVENT_ONESHOT);
        }
}

/* Is the entry at the journal's position the result of a job already chained? Then it
 * need not be read in full: most entries heraldd reads are results it learnt of from
 * their datagram a moment before, or wrote itself ('none' jobs). */
static bool entry_already_chained(Manager *m) {
        char id[HERALD_ID_LEN + 1];
        const void *data;
        size_t size;

        if (sd_journal_get_data(m->journal, "HERALD_JOB_ID", &data, &size) < 0 ||
            size != STRLEN("HERALD_JOB_ID=") + HERALD_ID_LEN)
                return false;
        memcpy(id, (const char *) data + STRLEN("HERALD_JOB_ID="), HERALD_ID_LEN);
        id[HERALD_ID_LEN] = 0;
        return strmap_contains(&m->chained, id);
}

/* Did this very heraldd write the entry at the journal's position? Its 'none' results:
 * they were chained when written (firing.c), so they are neither read again nor kept
 * in the set of chained ids, which under a stream of 'none' requests held every id of
 * the journal's last half second or more (65536 ids, 8 MB, in bench/heraldd.sh).
 * _PID and _SYSTEMD_INVOCATION_ID are journald's trusted fields; both must be this
 * process's (a PID alone could be an earlier heraldd's, whose entries a restarted one
 * replays). Without an invocation id (heraldd not run by systemd), nothing is skipped. */
static bool entry_written_here(Manager *m) {
        static char pid_field[32], invocation_field[64];
        const void *data;
        size_t size;

        if (!pid_field[0]) {
                const char *inv = getenv("INVOCATION_ID");

                if (inv && strlen(inv) == 32)
                        snprintf(invocation_field, sizeof invocation_field, "_SYSTEMD_INVOCATION_ID=%s", inv);
                snprintf(pid_field, sizeof pid_field, "_PID=%d", (int) getpid());
        }
        if (!invocation_field[0])
                return false;
        if (sd_journal_get_data(m->journal, "_PID", &data, &size) < 0 || size != strlen(pid_field) ||
            memcmp(data, pid_field, size) != 0)
                return false;
        return sd_journal_get_data(m->journal, "_SYSTEMD_INVOCATION_ID", &data, &size) >= 0 &&
               size == strlen(invocation_field) && memcmp(data, invocation_field, size) == 0;
}

/* The follower's matches: result entries, and once caught up only those of root's
 * writers (herald-done, herald-activate). What this heraldd writes itself ('none' jobs,
 * failed starts) is chained as it is written, so it need not be read back; an earlier
 * heraldd's entries (user herald) are read while catching up after a restart. Narrow
 * matches keep heraldd from touching every page of a journal that its own stream of
 * 'none' results fills (file pages it mapped: 8 MB of its RSS in bench/heraldd.sh).
 * The price: the saved cursor moves on root's entries only, so after a crash heraldd
 * reads again the entries it wrote since the last of them (each was chained, and a
 * chain step that started is never started again: manager_chain_step_started()). */
static int follow_matches(Manager *m, bool caught_up) {
        int r;

        sd_journal_flush_matches(m->journal);
        r = result_add_matches(m->journal);
        if (r >= 0 && caught_up)
                r = sd_journal_add_match(m->journal, "_UID=0", 0);
        return r;
}

/* Positions the journal so that the next sd_journal_next() reads the first entry after
 * @cursor (which was read). */
static int seek_after_cursor(sd_journal *j, const char *cursor) {
        int r = sd_journal_seek_cursor(j, cursor);

        if (r < 0)
                return r;
        /* seek_cursor lands before the entry; step over the entry itself, read already
         * (with other matches, the entry may not be there: then step back). */
        if (sd_journal_next(j) > 0 && sd_journal_test_cursor(j, cursor) <= 0)
                (void) sd_journal_previous(j);
        return 0;
}

/* Caught up: from the position reached, root's writers only. */
static void follow_narrow(Manager *m) {
        int r;

        m->catching_up = false;
        if (!m->cursor)
                return;
        r = follow_matches(m, true);
        if (r >= 0)
                r = seek_after_cursor(m->journal, m->cursor);
        if (r < 0)
                log_warning_errno(r, "Could not narrow the journal matches, reading all result entries: %m");
}

/* Reads up to a batch of new entries; returns 1 when there may be more. */
static int journal_read_batch(Manager *m) {
        uid_t trusted[] = { 0, m->own_uid };
        unsigned n;
        int r = 0;

        for (n = 0; n < JOURNAL_BATCH; n++) {
                _cleanup_(herald_result_freep) HeraldResult *res = NULL;

                r = sd_journal_next(m->journal);
                if (r <= 0)
                        break;
                if (entry_already_chained(m) || entry_written_here(m))
                        continue;
                if (result_read_entry(m->journal, trusted, ELEMENTSOF(trusted), &res) > 0 && res->job_id)
                        (void) manager_job_result(m, res->job_id, res->param, res->success, res->error, res->result, true);
        }
        /* One cursor for the batch: the position is the last entry read. */
        if (n > 0)
                cursor_update(m);
        if (r < 0)
                return log_error_errno(r, "Could not read the journal: %m");
        if (r == 0) {
                if (m->catching_up)
                        follow_narrow(m);
                return 0;
        }
        return 1;
}

static void journal_read(Manager *m) {
        if (journal_read_batch(m) > 0)
                /* More to read: after the other event sources had their turn. */
                (void) sd_event_source_set_enabled(m->journal_more, SD_EVENT_ONESHOT);
}

static int on_journal_more(sd_event_source *s, void *userdata) {
        journal_read(userdata);
        return 0;
}

static int on_journal(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Manager *m = userdata;
        int r = sd_journal_process(m->journal);

        if (r < 0)
                return log_error_errno(r, "Could not follow the journal: %m");
        journal_read(m);
        return 0;
}

/**
 * manager_journal_setup: follow result entries from the saved cursor (the first time:
 * from now on), and read at once what was written while heraldd was not running.
 */
int manager_journal_setup(Manager *m) {
        _cleanup_free_ char *path = NULL, *saved = NULL;
        size_t size;
        int r, fd, events;

        r = sd_journal_open(&m->journal, SD_JOURNAL_LOCAL_ONLY | SD_JOURNAL_SYSTEM);
        if (r < 0)
                return log_error_errno(r, "Could not open the journal: %m");
        r = follow_matches(m, false);
        if (r < 0)
                return log_error_errno(r, "Could not add the journal matches: %m");

        r = sd_event_add_time_relative(m->event, &m->cursor_timer, CLOCK_MONOTONIC, CURSOR_SAVE_DELAY_USEC, 0,
                                       on_cursor_timer, m);
        if (r < 0)
                return r;
        (void) sd_event_source_set_enabled(m->cursor_timer, SD_EVENT_OFF);

        if (asprintf(&path, "%s/" CURSOR_FILE, m->state_dir) < 0)
                return log_oom();
        r = read_file(path, 4096, &saved, &size);
        if (r >= 0 && size > 0 && seek_after_cursor(m->journal, saved) >= 0) {
                m->cursor = TAKE_PTR(saved);
                m->catching_up = true;
        } else {
                if (r < 0 && r != -ENOENT)
                        log_warning_errno(r, "Could not read %s, following the journal from now on: %m", path);
                r = sd_journal_seek_tail(m->journal);
                if (r >= 0 && sd_journal_previous(m->journal) > 0) {
                        /* Written now, not after the usual CURSOR_SAVE_DELAY_USEC: results
                         * that come while heraldd is not running (a kill within that
                         * delay included) are read from here next time, even if it
                         * reads none now. */
                        cursor_update(m);
                        (void) save_cursor_now(m);
                }
                /* Nothing to catch up with: the narrow matches from here on. */
                r = follow_matches(m, true);
                if (r >= 0)
                        r = m->cursor ? seek_after_cursor(m->journal, m->cursor) : sd_journal_seek_tail(m->journal);
                if (r < 0)
                        return log_error_errno(r, "Could not set the journal matches: %m");
        }


        fd = sd_journal_get_fd(m->journal);
        if (fd < 0)
                return log_error_errno(fd, "Could not watch the journal: %m");
        events = sd_journal_get_events(m->journal);
        r = sd_event_add_io(m->event, &m->journal_source, fd, events < 0 ? EPOLLIN : (uint32_t) events, on_journal, m);
        if (r < 0)
                return r;
        r = sd_event_add_defer(m->event, &m->journal_more, on_journal_more, m);
        if (r < 0)
                return r;
        (void) sd_event_source_set_enabled(m->journal_more, SD_EVENT_OFF);
        journal_read(m);
        return 0;
}

void manager_journal_done(Manager *m) {
        (void) save_cursor_now(m);
        m->journal_source = sd_event_source_disable_unref(m->journal_source);
        m->journal_more = sd_event_source_disable_unref(m->journal_more);
        m->cursor_timer = sd_event_source_disable_unref(m->cursor_timer);
        m->notify_source = sd_event_source_disable_unref(m->notify_source);
        sd_journal_close(m->journal);
        m->journal = NULL;
        sd_journal_close(m->lookup_journal);
        m->lookup_journal = NULL;
        free(m->cursor);
        m->cursor = NULL;
}
