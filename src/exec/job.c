/* SPDX-License-Identifier: MIT */
/* job.c: herald-exec job [--result-entry] DIR, the ExecStart= of a job unit
 *
 * Reads DIR/job.json, runs the executor, writes DIR/out/result.json (atomically) and exits
 * 0 when the job succeeded, 1 otherwise, so that the unit's own result tells the same.
 *
 * Without --result-entry, the result entry is written afterwards by `herald-done`
 * (done.c), the unit's ExecStopPost=+, as root and after every process of the job is
 * gone. SIGTERM (systemctl stop, RuntimeMaxSec=) is then left at its default on
 * purpose: we die with the command, leave no result.json, and `done` reports "Job was
 * stopped".
 *
 * With --result-entry (a root job with no `unit:` settings: plan.c), we write the entry
 * ourselves once the command is gone, through the same done.c: PID 1 need not fork a
 * second process per job, which costs as much as the job itself here. SIGTERM then
 * only marks the job stopped: the command gets its own SIGTERM from systemd (the whole
 * control group does), we wait for it, write the same "Job was stopped" entry as
 * herald-done would, and die of the signal as before. What we cannot see (a SIGKILL of
 * this process, the OOM killer, systemd's stop timeout) fails the unit, and its
 * OnFailure= unit, herald-result@<job_id>.service, runs `herald-done --on-failure`,
 * which finds DIR still there and writes the entry from what systemd says.
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
#include "done.h"

static volatile sig_atomic_t stop_signal = 0;

static void on_stop_signal(int sig) {
        stop_signal = sig;
}

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
        if (text)
                explicit_bzero(text, size);     /* an http_remote executor's secret is in it */
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

/* With --result-entry: the command is gone, write the entry (done.c), then end as the
 * unit expects: of the stop signal when there was one, else with the job's status. */
static int write_entry(const char *dir, const JobResult *res, uint64_t elapsed_usec) {
        JobEnd end = {
                /* what systemd will say once we exit (SIGTERM while stopping is clean) */
                .service_result = res->success || stop_signal != 0 ? "success" : "exit-code",
                .exit_code = "exited",
                .exit_status = res->success ? "0" : "1",
                .invocation_id = getenv("INVOCATION_ID"),
                .duration_usec = elapsed_usec,
        };
        int r, sig = stop_signal;

        if (sig != 0) {
                end.exit_code = "killed";
                end.exit_status = sig == SIGTERM ? "TERM" : "INT";
        }
        r = done_main(dir, &end);
        if (r < 0)
                return r;       /* DIR stays; herald-result@.service tries again */

        if (sig != 0) {
                signal(sig, SIG_DFL);
                raise(sig);
        }
        return res->success ? 0 : 1;
}

/**
 * job_main: herald-exec job [--result-entry] DIR.
 * @dir: the job's directory, holding job.json
 * @result_entry: write the result entry too (done.c), once the command is gone
 *
 * Return: 0 when the job succeeded, 1 when it failed (its result.json says why), or a
 * negative errno (logged) when no result could be written.
 */
int job_main(const char *dir, bool result_entry) {
        _cleanup_(job_result_done) JobResult res = {};
        _cleanup_close_ int dfd = -1, out_fd = -1;
        uint64_t start_usec = now_usec();
        pid_t background = 0;
        int r;

        /* Our stdout is the journal stream; a write to it must fail, not kill us. */
        signal(SIGPIPE, SIG_IGN);
        if (result_entry) {
                /* SA_RESTART: the reads and waits go on until the command is gone. */
                struct sigaction sa = { .sa_handler = on_stop_signal, .sa_flags = SA_RESTART };

                sigemptyset(&sa.sa_mask);
                if (sigaction(SIGTERM, &sa, NULL) < 0 || sigaction(SIGINT, &sa, NULL) < 0)
                        return log_error_errno(errno, "Could not catch SIGTERM: %m");
        }

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
        /* A stopped job's result says it was stopped, not what its killed command left. */
        if (!(stop_signal != 0 && background == 0)) {
                r = write_result(out_fd, dir, &res);
                if (r < 0)
                        return r;
        }

        /* (when herald-exec exits, systemd stops the unit and kills what is left) */
        if (background > 0) {
                int status, signo;

                r = command_wait(background, &status, &signo);
                if (r < 0)
                        log_warning_errno(r, "Could not wait for the background command, ignoring: %m");
        }

        if (result_entry)
                return write_entry(dir, &res, now_usec() - start_usec ?: 1);
        return res.success ? 0 : 1;
}
