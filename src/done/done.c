/* SPDX-License-Identifier: MIT */
/* done.c: the one result entry of a job, written by whoever is last to see it
 *
 * Three callers, one code:
 * - herald-done DIR, the ExecStopPost=+ of a job unit with `unit:` settings (User=,
 *   RuntimeMaxSec=, ...) or of an http_remote job: systemd runs it as root after every
 *   process of the job is gone, whatever ended it (its end, a crash, `systemctl stop`,
 *   RuntimeMaxSec=).
 * - herald-exec job --result-entry DIR, for a root job with no `unit:` settings and a
 *   herald-runner job: the
 *   job's own main process, once its command is gone (job.c). A process that PID 1
 *   forks costs ~9.5 ms here, half of such a job unit (bench/README.md).
 * - herald-done --on-failure DIR, the OnFailure= unit of those jobs
 *   (herald-result@.service): when herald-exec itself was killed or could not write
 *   the entry, DIR is still there and the entry comes from $MONITOR_*.
 *
 * It reads job.json (the ids, root's file) and out/result.json (what `herald-exec job`
 * found); when there is no usable result.json, the result comes from how the job
 * ended (JobEnd). It writes exactly one result entry, tells heraldd (notify.c: best
 * effort, the entry is the record) and removes DIR. It never fails silently: when the
 * entry cannot be sent, it says so on stderr, exits non-zero and keeps DIR for
 * inspection.
 *
 * journald may also drop the entry without a word, when the job flooded the journal
 * and used up its unit's rate limit. A herald job unit's bucket is too big for that
 * (plan.c), but a workflow may set a smaller one ('unit:'); then the entry is looked
 * for once sent, and sent again at another priority (another rate-limit pool, flagged
 * HERALD_RESENT=true) when it is not there (journal-check.c).
 *
 * It loads libsystemd only for that check and for asking systemd how long a job ran
 * that a signal ended (libsystemd-dl.c): the usual job needs neither, and loading it
 * cost more than all the rest of this program's work.
 *
 * DIR/out belongs to the job's user, so everything in it is opened without following
 * symlinks (fs-util.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "fs-util.h"
#include "herald-ids.h"
#include "job-result.h"
#include "job-spec.h"
#include "done.h"
#include "done-runner.h"
#include "journal-check.h"
#include "libsystemd-dl.h"
#include "json-util.h"
#include "log.h"
#include "macro.h"
#include "notify.h"
#include "result-entry.h"
#include "runner-reply.h"

/* How long to look for the entry we sent before calling it dropped. */
#define DONE_CHECK_TIMEOUT_USEC (3 * 1000000ULL)

/* The second try goes to journald's "err" rate-limit pool (notice and info share one,
 * warning has its own). */
/* How long a result datagram may wait for room in heraldd's queue (then: the journal). */
#define NOTIFY_TIMEOUT_USEC (2 * 1000000ULL)

#define DONE_RESEND_PRIORITY "PRIORITY=3"

static int load_result(int dfd, const char *dir, JobResult *ret) {
        _cleanup_free_ char *text = NULL;
        _cleanup_close_ int out_fd = -1;
        size_t size;
        int r;

        if (dfd < 0)
                return -EBADF;
        out_fd = openat(dfd, JOB_OUT_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        r = out_fd < 0 ? -errno : read_file_at(out_fd, JOB_RESULT_FILE, JOB_RESULT_SIZE_MAX, &text, &size);
        if (r >= 0)
                r = job_result_parse(text, size, ret);
        if (r < 0 && r != -ENOENT)
                log_warning_errno(r, "Could not read '%s/" JOB_OUT_DIR "/" JOB_RESULT_FILE "', ignoring: %m", dir);
        return r;
}

static int fields_add(char ***fieldsp, const char *field) {
        size_t n = 0;
        char **t;

        while ((*fieldsp)[n])
                n++;
        t = reallocarray(*fieldsp, n + 2, sizeof(char *));
        if (!t)
                return -ENOMEM;
        *fieldsp = t;
        t[n + 1] = NULL;
        t[n] = strdup(field);
        return t[n] ? 0 : -ENOMEM;
}

/* The same fields, another priority, and a flag for readers that might see both. */
static int fields_for_resend(char ***fieldsp) {
        char **f;

        for (f = *fieldsp; *f; f++)
                if (startswith(*f, "PRIORITY=")) {
                        char *p = strdup(DONE_RESEND_PRIORITY);
                        if (!p)
                                return -ENOMEM;
                        free(*f);
                        *f = p;
                }

        return fields_add(fieldsp, "HERALD_RESENT=true");
}

/* How long the job's main process ran, exactly as systemd measured it (its exit is
 * recorded before ExecStopPost= runs). 0 when systemd cannot tell. Asked only when the
 * job did not say (it crashed, was stopped, timed out): a system bus connection per
 * job costs dbus-daemon more than the rest of the job. */
static uint64_t job_duration_usec(const char *unit) {
        _cleanup_free_ char *path = NULL;
        const LibSystemd *sd = NULL;
        uint64_t start = 0, end = 0;
        sd_bus *bus = NULL;

        if (!unit || !(sd = libsystemd_get()) || sd->sd_bus_open_system(&bus) < 0)
                return 0;
        if (sd->sd_bus_path_encode("/org/freedesktop/systemd1/unit", unit, &path) >= 0) {
                (void) sd->sd_bus_get_property_trivial(bus, "org.freedesktop.systemd1", path, "org.freedesktop.systemd1.Service",
                                                       "ExecMainStartTimestampMonotonic", NULL, 't', &start);
                (void) sd->sd_bus_get_property_trivial(bus, "org.freedesktop.systemd1", path, "org.freedesktop.systemd1.Service",
                                                       "ExecMainExitTimestampMonotonic", NULL, 't', &end);
        }
        sd->sd_bus_flush_close_unref(bus);
        return start > 0 && end >= start ? end - start : 0;
}

/* Sends the entry; when the unit's rate limit could drop it, looks for it and sends it
 * once more when journald did. */
static int send_checked(char ***fieldsp, const char *unit, const char *inv, const char *job_id) {
        _cleanup_free_ char *match = NULL;
        bool found = false;
        int r;

        r = result_entry_send_fields(*fieldsp);
        if (r < 0 || !journal_rate_limit_can_drop(unit))
                return r;

        if (inv && asprintf(&match, "HERALD_INVOCATION_ID=%s", inv) < 0)
                return -ENOMEM;
        else if (!inv && job_id && asprintf(&match, "HERALD_JOB_ID=%s", job_id) < 0)
                return -ENOMEM;

        r = journal_check_sent(HERALD_MESSAGE_RESULT, getpid(), match, DONE_CHECK_TIMEOUT_USEC, &found);
        if (r < 0) {
                log_warning_errno(r, "Could not read the journal to see the result entry arrive, assuming it did: %m");
                return 0;
        }
        if (found)
                return 0;

        log_warning("The result entry of job '%s' did not reach the journal (the job used up the unit's rate limit?), "
                    "sending it again with " DONE_RESEND_PRIORITY ".", strna(job_id));

        r = fields_for_resend(fieldsp);
        if (r < 0)
                return r;

        r = result_entry_send_fields(*fieldsp);
        if (r < 0)
                return r;
        r = journal_check_sent(HERALD_MESSAGE_RESULT, getpid(), match, DONE_CHECK_TIMEOUT_USEC, &found);
        if (r >= 0 && !found)
                return -ECOMM;  /* dropped twice */
        return 0;
}

/* Tells heraldd at once (docs/HERALDD.md, "exe_done: fast path"). Best effort: the
 * entry just written is the record heraldd replays from, so a failure here costs a
 * chain step some latency, nothing more. */
static void notify_heraldd(const cJSON *param, const JobResult *res) {
        _cleanup_free_ char *msg = NULL;
        size_t size;
        int r;

        r = notify_format(param, res->success, res->error, res->result, &msg, &size);
        if (r >= 0)
                r = notify_send(HERALD_NOTIFY_SOCKET, msg, size, NOTIFY_TIMEOUT_USEC);
        if (r == -ENOENT || r == -ECONNREFUSED || r == -EINVAL)
                log_debug_errno(r, "Not notifying heraldd on '" HERALD_NOTIFY_SOCKET "': %m");
        else if (r < 0)
                log_full_errno(LOG_INFO, r, "Could not notify heraldd on '" HERALD_NOTIFY_SOCKET "', "
                               "it will read the result from the journal: %m");
}

/**
 * done_main: write the result entry of the job in @dir, then remove @dir.
 * @dir: the job's directory
 * @end: how the job ended
 *
 * Return: 0 once the entry is sent (the job's own success is in the entry); a negative
 * errno (logged) when it could not be.
 */
int done_main(const char *dir, const JobEnd *end) {
        _cleanup_(job_spec_done) JobSpec spec = { .counter = -1 };
        _cleanup_(job_result_done) JobResult res = {};
        _cleanup_free_ char *text = NULL;
        _cleanup_json_ cJSON *no_param = NULL;
        _cleanup_strv_free_ char **fields = NULL;
        _cleanup_close_ int dfd = -1;
        const char *job_id;
        const cJSON *param;
        size_t size;
        int r;

        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dfd < 0 && errno == ENOENT && end->dir_gone_is_written) {
                log_debug("No '%s': the job wrote its result entry itself.", dir);
                return 0;
        }
        if (dfd < 0)
                log_error_errno(errno, "Could not open the job directory '%s', writing a result without the job's ids: %m", dir);

        r = dfd < 0 ? -EBADF : read_file_at(dfd, JOB_SPEC_FILE, JOB_SPEC_SIZE_MAX, &text, &size);
        if (r >= 0)
                r = job_spec_parse(text, size, &spec);
        if (text)
                explicit_bzero(text, size);     /* an http_remote executor's secret is in it */
        if (r < 0 && dfd >= 0)
                log_error_errno(r, "Could not read '%s/" JOB_SPEC_FILE "', writing a result without the job's ids: %m", dir);
        if (r < 0) {
                no_param = cJSON_CreateObject();
                if (!no_param)
                        return log_oom();
                param = no_param;
        } else
                param = spec.param;

        r = load_result(dfd, dir, &res);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0) {
                r = job_result_from_service(end->service_result, end->exit_code, end->exit_status, &res);
                if (r < 0)
                        return log_oom();
        }

        r = result_entry_build(param, spec.unit, end->invocation_id, res.success, res.error,
                               res.result, end->service_result, spec.counter, &fields);
        if (r < 0)
                return log_oom();

        /* The job's own measure when herald-exec exited by itself; systemd's when a
         * signal ended it (a background job stopped mid-run has a result.json written
         * early, and $SERVICE_RESULT is "success" for `systemctl stop`). */
        uint64_t duration = res.duration_usec;
        if (duration == 0 || !streq_ptr(end->exit_code, "exited"))
                duration = end->duration_usec ?: job_duration_usec(spec.unit);
        if (duration > 0) {
                char field[64];
                snprintf(field, sizeof field, "HERALD_DURATION_USEC=%" PRIu64, duration);
                if (fields_add(&fields, field) < 0)
                        return log_oom();
        }

        job_id = json_object_get_string(param, "job_id");
        r = send_checked(&fields, spec.unit, end->invocation_id, job_id);
        if (r < 0)
                return log_error_errno(r, "Could not write the result entry of job '%s' (%s: %s) to the journal, keeping '%s': %m",
                                       strna(job_id), res.success ? "succeeded" : "failed", res.error, dir);
        notify_heraldd(param, &res);
        if (streq_ptr(spec.executor_type, RUNNER_EXECUTOR))
                done_runner_reply(&spec, &res, dir);

        if (dfd >= 0)
                close(TAKE_FD(dfd));
        r = rm_rf(dir);
        if (r < 0)
                log_warning_errno(r, "Could not remove '%s', ignoring: %m", dir);
        return 0;
}
