/* SPDX-License-Identifier: MIT */
/* prepare.c: herald-activate --prepare, the ExecStartPre=+ of heraldd's template job units
 *
 * heraldd (unprivileged) starts herald-<router>-<task>@<job_id>.service, a template the
 * generator wrote from the root-owned workflow, after writing the job's request file
 * (job-request.c). This step runs as root before the job: it reads the request as
 * untrusted data, takes from it only the trigger id and the trigger param, builds the
 * execution param from the workflow snapshot, and makes the job directory exactly as
 * the timer path does (job-dir.c). What the job runs is never the request's to say.
 *
 * Then it marks the job id as started: an empty tombstone JOB_STARTED_DIR/<job_id>
 * first, the request removed after, so at every moment one of the two says the job is
 * on its way (heraldd's replay relies on that; docs/HERALDD.md). The request lives on
 * /var and the tombstone on /run, so this cannot be one rename(). A second start of
 * the same id finds no request, or a tombstone, and does nothing: the unit's
 * `herald-exec job --if-prepared` and `herald-done --if-prepared` then find no job
 * directory and exit quietly, so the id runs once and has one result entry.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dispatch.h"
#include "fs-util.h"
#include "herald-id.h"
#include "job-dir.h"
#include "job-request.h"
#include "json-util.h"
#include "log.h"
#include "herald-ids.h"
#include "notify.h"
#include "prepare.h"
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

/* The work of prepare_run(); a negative errno is logged here. */
static int prepare_job(const char *workflow, const char *job_id, const char *router, const char *task) {
        _cleanup_(workflow_freep) Workflow *w = NULL;
        _cleanup_(job_request_done) JobRequest req = {};
        _cleanup_free_ char *text = NULL, *unit = NULL, *dir = NULL;
        _cleanup_json_ cJSON *param = NULL;
        _cleanup_close_ int dfd = -1;
        char name[HERALD_ID_LEN + sizeof ".json"];
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

        /* A tombstone beside a request: a run before us stopped between the two steps
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
                return log_error_errno(EPERM, "Refusing the request " JOB_REQUEST_DIR "/%s: it is for job %s of %s/%s, this unit runs job %s of %s/%s.",
                                       name, req.job_id, req.router, req.task, job_id, router, task);

        q = workflow_load(workflow, NULL, &w);
        if (q < 0)
                return log_error_errno(q, "Failed to load %s: %m", workflow);
        if (w->unloadable) {
                diag_list_print(&w->diag, stderr, false);
                return log_error_errno(EINVAL, "Workflow %s cannot be loaded.", workflow);
        }
        q = find_task(w, workflow, router, task, &r, &t);
        if (q < 0)
                return q;

        unit = unit_name_job_instance(r->name, t->name, job_id);
        param = dispatch_exec_param_new(job_id, req.trigger_id, r, t, req.trigger_param);
        if (!unit || !param)
                return log_oom();

        /* heraldd never fires tick triggers: no counter */
        q = job_dir_create(job_id, param, t, unit, -1, &dir);
        if (q == -ENOMEM)
                return log_oom();
        if (q == -ESRCH)
                return log_error_errno(q, "Failed to prepare job %s of %s/%s: its User= or Group= does not exist.", job_id,
                                       router, task);
        if (q < 0)
                return log_error_errno(q, "Failed to prepare job %s of %s/%s in " HERALD_JOBS_DIR ": %m", job_id, router, task);

        q = mark_started(dfd, name, job_id);
        if (q < 0) {
                (void) job_dir_remove(dir);
                return q;
        }
        log_debug("Prepared job %s of %s/%s in %s.", job_id, router, task, dir);
        return 0;
}

#define PREPARE_NOTIFY_TIMEOUT_USEC (2 * 1000000ULL)

/* The set-aside request, read as untrusted data once more (not through a symlink). */
static int request_read_for_failure(const char *path, JobRequest *ret) {
        _cleanup_free_ char *text = NULL;
        size_t size;
        int r = read_file_at(AT_FDCWD, path, JOB_REQUEST_SIZE_MAX, &text, &size);

        return r < 0 ? r : job_request_parse(text, size, ret);
}

/* The request could not become a job: it must not stay to be started again at every
 * heraldd start, and whoever waits for the job (an exe_done chain, an HTTP 'wait') must
 * learn that it failed. So the request is kept aside as <id>.json.refused for a look,
 * the job id is marked as started, and its result entry says why. */
static void prepare_failed(const char *job_id, const char *router, const char *task, int error) {
        _cleanup_(job_request_done) JobRequest req = {};
        _cleanup_json_ cJSON *param = cJSON_CreateObject(), *result = cJSON_CreateObject();
        _cleanup_free_ char *from = NULL, *to = NULL, *text = NULL, *tomb = NULL,
                            *unit = unit_name_job_instance(router, task, job_id);
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
        if (!param || !result || asprintf(&text, "Could not prepare the job: %s (see the journal of its unit)", strerror(-error)) < 0 ||
            json_object_add(param, "job_id", cJSON_CreateString(job_id)) < 0 ||
            json_object_add(param, "router", cJSON_CreateString(router)) < 0 ||
            json_object_add(param, "task", cJSON_CreateString(task)) < 0)
                return (void) log_oom();
        /* What the request asked for, when it can be read: the entry says which request
         * failed (the ids above are the unit's own, whatever the request says). */
        if (request_read_for_failure(to, &req) >= 0 &&
            (json_object_add(param, "trigger_id", cJSON_CreateString(req.trigger_id)) < 0 ||
             json_object_add(param, "trigger", cJSON_CreateString(req.trigger)) < 0 ||
             json_object_add(param, "trigger_param", cJSON_Duplicate(req.trigger_param, true)) < 0))
                return (void) log_oom();
        if (result_entry_send(param, unit, getenv("INVOCATION_ID"), false, text, result, "exit-code", -1) < 0)
                log_error("Failed to write the result entry of job %s either.", job_id);
        /* heraldd counts the job as running until it learns of its end: tell it now, as
         * herald-done does (it reads the entry from the journal otherwise). */
        _cleanup_free_ char *msg = NULL;
        size_t size;
        if (notify_format(param, false, text, result, &msg, &size) >= 0)
                (void) notify_send(HERALD_NOTIFY_SOCKET, msg, size, PREPARE_NOTIFY_TIMEOUT_USEC);
}

/**
 * prepare_run: herald-activate --prepare JOB_ID --workflow FILE --router NAME --task NAME.
 * @workflow: the workflow snapshot the template unit was made from
 * @job_id: the unit's instance name
 * @router: the router the template belongs to
 * @task: its task
 *
 * Return: 0 when the job directory is ready, and also when the request is gone (a
 * duplicate start: nothing done); a negative errno (logged) when the request is refused
 * or the job cannot be prepared: the unit then fails, nothing runs, and the job's result
 * entry says so.
 */
int prepare_run(const char *workflow, const char *job_id, const char *router, const char *task) {
        int r = prepare_job(workflow, job_id, router, task);

        if (r < 0 && herald_id_valid(job_id))
                prepare_failed(job_id, router, task, r);
        return r;
}
