/* SPDX-License-Identifier: MIT */
/* request.c: heraldd's request file, taken by root and made into a job ready to start
 *
 * heraldd (unprivileged) writes a job's request file (job-request.c) and asks
 * herald-activate --serve (root) to start it. The request is untrusted data: only the
 * trigger id and the trigger param are taken from it; the execution param comes from the
 * workflow snapshot, the job directory is made exactly as the timer path makes it
 * (job-dir.c), and the job is an instance of the task's template unit, which the
 * generator wrote as root from the same workflow. What the job runs is never the
 * request's to say.
 *
 * Then the job id is marked as started: an empty tombstone JOB_STARTED_DIR/<job_id>
 * first, the request removed after, so at every moment one of the two says the job is
 * on its way (heraldd's replay relies on that; docs/HERALDD.md). The request lives on
 * /var and the tombstone on /run, so this cannot be one rename(). A second start of
 * the same id finds no request, or a tombstone, and starts nothing: the id runs once
 * and has one result entry.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "dispatch.h"
#include "fs-util.h"
#include "herald-id.h"
#include "job-dir.h"
#include "job-request.h"
#include "json-util.h"
#include "log.h"
#include "herald-ids.h"
#include "notify.h"
#include "request.h"
#include "result-entry.h"
#include "unit-name.h"
#include "workflow.h"

static int find_task(const Workflow *w, const char *workflow, const char *router, const char *task,
                     const Router **ret_router, const Task **ret_task) {
        const Router *r = workflow_find_router(w, router);

        if (!r || r->broken)
                return log_error_errno(ENOENT, "Router '%s' is not in %s (or is broken).", router, workflow);
        for (size_t i = 0; i < r->n_tasks; i++)
                if (streq(r->tasks[i].name, task)) {
                        if (r->tasks[i].broken || !r->tasks[i].executor)
                                break;
                        *ret_router = r;
                        *ret_task = &r->tasks[i];
                        return 0;
                }
        return log_error_errno(ENOENT, "Task '%s' of router '%s' is not in %s (or is broken).", task, router, workflow);
}

/* The tombstone, then the request gone. */
static int mark_started(int request_dfd, const char *request_name, const char *job_id) {
        _cleanup_close_ int sdfd = -1, fd = -1;
        int r;

        r = mkdir_p(JOB_STARTED_DIR, 0755);
        if (r < 0)
                return log_error_errno(r, "Failed to create " JOB_STARTED_DIR ": %m");
        sdfd = open(JOB_STARTED_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sdfd < 0)
                return log_error_errno(errno, "Failed to open " JOB_STARTED_DIR ": %m");
        fd = openat(sdfd, job_id, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd < 0 && errno != EEXIST)
                return log_error_errno(errno, "Failed to mark job %s as started in " JOB_STARTED_DIR ": %m", job_id);
        if (unlinkat(request_dfd, request_name, 0) < 0 && errno != ENOENT)
                log_warning_errno(errno, "Failed to remove the request " JOB_REQUEST_DIR "/%s, ignoring (its tombstone is in place): %m",
                                  request_name);
        return 0;
}

static bool is_started(const char *job_id) {
        _cleanup_free_ char *path = NULL;
        struct stat st;

        if (asprintf(&path, JOB_STARTED_DIR "/%s", job_id) < 0)
                return false;
        return lstat(path, &st) >= 0;
}

void prepared_job_done(PreparedJob *p) {
        cJSON_Delete(p->param);
        free(p->unit);
        free(p->dir);
        *p = (PreparedJob) {};
}

/**
 * request_take: turn heraldd's request for @job_id into a job ready to start.
 * @w: the workflow snapshot, loaded
 * @workflow_path: its path (for messages)
 * @job_id: the job heraldd asks for
 * @router: the router heraldd says it is of (must be the request's)
 * @task: its task (likewise)
 * @ret: the prepared job (job directory made, id marked as started); release with
 *       prepared_job_done()
 *
 * Return: 1 when prepared; 0 when there is nothing to do (no request: the job was
 * started before); a negative errno (logged) when the request is refused.
 */
int request_take(const Workflow *w, const char *workflow_path, const char *job_id, const char *router,
                 const char *task, PreparedJob *ret) {
        _cleanup_(job_request_done) JobRequest req = {};
        _cleanup_free_ char *text = NULL;
        _cleanup_close_ int dfd = -1;
        char name[HERALD_ID_LEN + sizeof ".json"];
        PreparedJob p = {};
        const Router *r = NULL;
        const Task *t = NULL;
        size_t size;
        int q;

        if (!herald_id_valid(job_id))
                return log_error_errno(EINVAL, "'%s' is not a job id (a UUID).", job_id);
        snprintf(name, sizeof name, "%s.json", job_id);

        dfd = open(JOB_REQUEST_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dfd < 0 && errno == ENOENT) {
                log_info("No request for job %s: already started, nothing to do.", job_id);
                return 0;
        }
        if (dfd < 0)
                return log_error_errno(errno, "Failed to open " JOB_REQUEST_DIR ": %m");

        q = read_file_at(dfd, name, JOB_REQUEST_SIZE_MAX, &text, &size);
        if (q == -ENOENT) {
                log_info("No request for job %s: already started, nothing to do.", job_id);
                return 0;
        }
        if (q == -ELOOP || q == -EBADFD)
                return log_error_errno(q, "Refusing the request " JOB_REQUEST_DIR "/%s: not a regular file.", name);
        if (q == -EFBIG)
                return log_error_errno(q, "Refusing the request " JOB_REQUEST_DIR "/%s: larger than %zu bytes.", name,
                                       JOB_REQUEST_SIZE_MAX);
        if (q < 0)
                return log_error_errno(q, "Failed to read the request " JOB_REQUEST_DIR "/%s: %m", name);

        /* A tombstone beside a request: an earlier start stopped between the two steps
         * of mark_started(). The job has been started once; finish what it began. */
        if (is_started(job_id)) {
                (void) unlinkat(dfd, name, 0);
                log_info("Job %s was started before: nothing to do.", job_id);
                return 0;
        }

        q = job_request_parse(text, size, &req);
        if (q == -ENOMEM)
                return log_oom();
        if (q < 0)
                return log_error_errno(q, "Refusing the request " JOB_REQUEST_DIR "/%s: not a well-formed request (%m).", name);
        if (!streq(req.job_id, job_id) || !streq(req.router, router) || !streq(req.task, task))
                return log_error_errno(EPERM, "Refusing the request " JOB_REQUEST_DIR "/%s: it is for job %s of %s/%s, heraldd asked for job %s of %s/%s.",
                                       name, req.job_id, req.router, req.task, job_id, router, task);

        q = find_task(w, workflow_path, router, task, &r, &t);
        if (q < 0)
                return q;
        if (t->executor->type == EXECUTOR_NONE)
                return log_error_errno(EINVAL, "Refusing the request for job %s: task '%s' of router '%s' runs no unit (executor none).",
                                       job_id, task, router);

        snprintf(p.job_id, sizeof p.job_id, "%s", job_id);
        p.param = dispatch_exec_param_new(job_id, req.trigger_id, r, t, req.trigger_param);
        if (!p.param || asprintf(&p.dir, HERALD_JOBS_DIR "/%s", job_id) < 0) {
                prepared_job_done(&p);
                return log_oom();
        }
        p.unit = unit_name_job_instance(r->name, t->name, job_id);
        if (!p.unit) {
                prepared_job_done(&p);
                return log_oom();
        }
        /* heraldd never fires tick triggers: no counter */
        q = job_dir_create(job_id, p.param, t, p.unit, -1, NULL);
        if (q < 0) {
                prepared_job_done(&p);
                if (q == -ENOMEM)
                        return log_oom();
                if (q == -ESRCH)
                        return log_error_errno(q, "Failed to prepare job %s of %s/%s: its User= or Group= does not exist.",
                                               job_id, router, task);
                return log_error_errno(q, "Failed to prepare job %s of %s/%s in " HERALD_JOBS_DIR ": %m", job_id, router, task);
        }

        q = mark_started(dfd, name, job_id);
        if (q < 0) {
                (void) job_dir_remove(p.dir);
                prepared_job_done(&p);
                return q;
        }
        log_debug("Prepared job %s of %s/%s in %s.", job_id, router, task, p.dir);
        *ret = p;
        return 1;
}

#define FAILED_NOTIFY_TIMEOUT_USEC (2 * 1000000ULL)

/* A job that will not run: its failed result entry, and the same to heraldd at once (as
 * herald-done tells it of the jobs that ran; it reads the entry from the journal too). */
static void failed_entry_send(const cJSON *param, const char *unit, const char *text) {
        _cleanup_json_ cJSON *result = cJSON_CreateObject();
        _cleanup_free_ char *msg = NULL;
        size_t size;

        if (!result)
                return (void) log_oom();
        if (result_entry_send(param, unit, NULL, false, text, result, "resources", -1) < 0)
                log_error("Failed to write the result entry of job %s either.", strna(json_object_get_string(param, "job_id")));
        if (notify_format(param, false, text, result, &msg, &size) >= 0)
                (void) notify_send(HERALD_NOTIFY_SOCKET, msg, size, FAILED_NOTIFY_TIMEOUT_USEC);
}

/* The set-aside request, read as untrusted data once more (not through a symlink). */
static int request_read_for_failure(const char *path, JobRequest *ret) {
        _cleanup_free_ char *text = NULL;
        size_t size;
        int r = read_file_at(AT_FDCWD, path, JOB_REQUEST_SIZE_MAX, &text, &size);

        return r < 0 ? r : job_request_parse(text, size, ret);
}

/**
 * request_refuse: a request that cannot become a job.
 * @job_id: the job heraldd asked for (a valid id)
 * @router: its router, as heraldd said
 * @task: its task, as heraldd said
 * @error: why (a negative errno)
 *
 * It must not stay to be started again at every heraldd start, and whoever waits for the
 * job (an exe_done chain, an HTTP 'wait') must learn that it failed. So the request is
 * kept aside as <id>.json.refused for a look, the job id is marked as started, and its
 * failed result entry says why.
 */
void request_refuse(const char *job_id, const char *router, const char *task, int error) {
        _cleanup_(job_request_done) JobRequest req = {};
        _cleanup_json_ cJSON *param = cJSON_CreateObject();
        _cleanup_free_ char *from = NULL, *to = NULL, *text = NULL, *tomb = NULL;
        _cleanup_close_ int fd = -1;

        if (asprintf(&from, JOB_REQUEST_DIR "/%s.json", job_id) < 0 || asprintf(&to, "%s.refused", from) < 0 ||
            asprintf(&tomb, JOB_STARTED_DIR "/%s", job_id) < 0)
                return (void) log_oom();
        if (rename(from, to) < 0) {
                if (errno == ENOENT)
                        return;         /* no request at all: nothing was accepted */
                log_warning_errno(errno, "Failed to set the refused request %s aside, ignoring: %m", from);
        }
        (void) mkdir_p(JOB_STARTED_DIR, 0755);
        fd = open(tomb, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (!param || asprintf(&text, "Could not prepare the job: %s (see the journal of herald-activate.service)", strerror(-error)) < 0 ||
            json_object_add(param, "job_id", cJSON_CreateString(job_id)) < 0 ||
            json_object_add(param, "router", cJSON_CreateString(router)) < 0 ||
            json_object_add(param, "task", cJSON_CreateString(task)) < 0)
                return (void) log_oom();
        /* What the request asked for, when it can be read: the entry says which request
         * failed (the ids above are heraldd's, whatever the request says). */
        if (request_read_for_failure(to, &req) >= 0 &&
            (json_object_add(param, "trigger_id", cJSON_CreateString(req.trigger_id)) < 0 ||
             json_object_add(param, "trigger", cJSON_CreateString(req.trigger)) < 0 ||
             json_object_add(param, "trigger_param", cJSON_Duplicate(req.trigger_param, true)) < 0))
                return (void) log_oom();
        failed_entry_send(param, NULL, text);
}

/**
 * job_start_failed: a prepared job whose unit systemd did not take.
 * @p: the job (its directory is removed)
 * @why: systemd's error text
 */
void job_start_failed(PreparedJob *p, const char *why) {
        _cleanup_free_ char *text = NULL;

        log_error("Failed to start %s (job %s): %s", p->unit, p->job_id, why);
        if (asprintf(&text, "Could not start the job unit %s: %s", p->unit, why) < 0)
                return (void) log_oom();
        failed_entry_send(p->param, p->unit, text);
        (void) job_dir_remove(p->dir);
}
