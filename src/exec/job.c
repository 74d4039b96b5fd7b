/* SPDX-License-Identifier: MIT */
/* job.c: herald-exec job DIR, the ExecStart= of a job unit
 *
 * Reads DIR/job.json, runs the executor, writes DIR/out/result.json (atomically) and exits
 * 0 when the job succeeded, 1 otherwise, so that the unit's own result tells the same.
 * The result entry is written afterwards by `herald-done` (done.c), as root and
 * after every process of the job is gone.
 *
 * SIGTERM (systemctl stop, RuntimeMaxSec=) is left at its default on purpose: we die
 * with the command, leave no result.json, and `done` reports "Job was stopped".
 *
 * result.json also says how long the job ran, by our own clock, so that herald-done
 * need not ask systemd over the bus for every job (a system bus connection per job
 * cost dbus-daemon more CPU than the rest of the job; bench/job-throughput.sh).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "executor.h"
#include "fs-util.h"
#include "job-result.h"
#include "job-spec.h"
#include "job.h"
#include "log.h"
#include "macro.h"
#include "command.h"

static int run_job(int dfd, JobResult *ret, pid_t *ret_background) {
        _cleanup_(job_spec_done) JobSpec spec = { .counter = -1 };
        _cleanup_free_ char *text = NULL, *msg = NULL;
        const Executor *executor;
        size_t size;
        int r;

        *ret_background = 0;

        r = read_file_at(dfd, JOB_SPEC_FILE, JOB_SPEC_SIZE_MAX, &text, &size);
        if (r >= 0)
                r = job_spec_parse(text, size, &spec);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0) {
                log_error_errno(r, "Could not read the job description " JOB_SPEC_FILE ": %m");
                if (asprintf(&msg, "Could not read the job description " JOB_SPEC_FILE ": %s", strerror(-r)) < 0)
                        return log_oom();
                r = job_result_new(false, msg, ret);
                return r < 0 ? log_oom() : 0;
        }

        executor = executor_find(spec.executor_type);
        if (executor)
                return executor->run(&spec, ret, ret_background);

        log_error("Unknown executor type '%s'.", spec.executor_type);
        if (asprintf(&msg, "Unknown executor type '%s'", spec.executor_type) < 0)
                return log_oom();
        r = job_result_new(false, msg, ret);
        return r < 0 ? log_oom() : 0;
}

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

static int write_result(int out_fd, const char *dir, const JobResult *res) {
        _cleanup_free_ char *text = NULL;
        int r;

        r = job_result_format(res, &text);
        if (r < 0)
                return log_oom();
        r = write_file_atomic_at(out_fd, JOB_RESULT_FILE, text, strlen(text), 0600);
        if (r < 0)
                return log_error_errno(r, "Could not write '%s/" JOB_OUT_DIR "/" JOB_RESULT_FILE "': %m", dir);
        return 0;
}

/**
 * job_main: herald-exec job DIR.
 * @dir: the job's directory, holding job.json
 *
 * Return: 0 when the job succeeded, 1 when it failed (its result.json says why), or a
 * negative errno (logged) when no result could be written.
 */
int job_main(const char *dir) {
        _cleanup_(job_result_done) JobResult res = {};
        _cleanup_close_ int dfd = -1, out_fd = -1;
        uint64_t start_usec = now_usec();
        pid_t background = 0;
        int r;

        /* Our stdout is the journal stream; a write to it must fail, not kill us. */
        signal(SIGPIPE, SIG_IGN);

        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return log_error_errno(errno, "Could not open the job directory '%s': %m", dir);

        r = run_job(dfd, &res, &background);
        if (r < 0)
                return r;

        out_fd = openat(dfd, JOB_OUT_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (out_fd < 0)
                return log_error_errno(errno, "Could not open '%s/" JOB_OUT_DIR "': %m", dir);
        /* A background command's result is known now, but the unit lives on with the
         * command: its run time is left to herald-done to ask systemd for. */
        if (background == 0) {
                uint64_t elapsed = now_usec() - start_usec;
                res.duration_usec = elapsed > 0 ? elapsed : 1;  /* 0 means "unknown" */
        }
        r = write_result(out_fd, dir, &res);
        if (r < 0)
                return r;

        /* (when herald-exec exits, systemd stops the unit and kills what is left) */
        if (background > 0) {
                int status, signo;

                r = command_wait(background, &status, &signo);
                if (r < 0)
                        log_warning_errno(r, "Could not wait for the background command, ignoring: %m");
        }

        return res.success ? 0 : 1;
}
