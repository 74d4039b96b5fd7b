/* SPDX-License-Identifier: MIT */
/* job-dir.c: a job's directory, /run/herald/jobs/<job_id>/, made before its unit starts
 *
 * The directory (root, 0750, group = the job's group) holds job.json (root, 0640),
 * which carries the job's ids, and out/ (the job's user, 0700), where the job writes
 * its result. The job's user reads job.json through the directory's group but can
 * change neither it nor the directory, so the ids herald-done writes into the result
 * entry cannot be forged by the job (docs/ARCHITECTURE.md, Runtime contract).
 *
 * Both herald-activate (timer routes) and `herald-activate --prepare` (heraldd's
 * template units) make it here, so the two paths hand herald-exec the same thing.
 */
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs-util.h"
#include "herald-id.h"
#include "herald-ids.h"
#include "job-dir.h"
#include "job-spec.h"
#include "macro.h"
#include "workflow.h"

static int job_owner(const Task *t, uid_t *ret_uid, gid_t *ret_gid) {
        const UnitSetting *user = unit_settings_get(&t->unit, "User"), *group = unit_settings_get(&t->unit, "Group");
        uid_t uid = 0;
        gid_t gid = 0;

        if (user) {
                struct passwd *pw = getpwnam(user->string);
                if (!pw)
                        return -ESRCH;
                uid = pw->pw_uid;
                gid = pw->pw_gid;
        }
        if (group) {
                struct group *gr = getgrnam(group->string);
                if (!gr)
                        return -ESRCH;
                gid = gr->gr_gid;
        }
        *ret_uid = uid;
        *ret_gid = gid;
        return 0;
}

static int fill(int dfd, const char *text, uid_t uid, gid_t gid) {
        int r;

        if (fchown(dfd, 0, gid) < 0)
                return -errno;
        r = write_file_atomic_at(dfd, JOB_SPEC_FILE, text, strlen(text), 0640);
        if (r < 0)
                return r;
        if (fchownat(dfd, JOB_SPEC_FILE, 0, gid, AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        if (mkdirat(dfd, JOB_OUT_DIR, 0700) < 0)
                return -errno;
        if (fchownat(dfd, JOB_OUT_DIR, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        return 0;
}

/* The directory with job.json's @text in it; nothing left on failure. */
static int create(const char *jobs_dir, const char *job_id, const char *text, uid_t uid, gid_t gid, char **ret_dir) {
        _cleanup_free_ char *dir = NULL;
        _cleanup_close_ int dfd = -1;
        int r;

        if (asprintf(&dir, "%s/%s", jobs_dir, job_id) < 0)
                return -ENOMEM;

        r = mkdir_p(jobs_dir, 0755);
        if (r < 0)
                return r;
        if (mkdir(dir, 0750) < 0)
                return -errno;
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        r = dfd < 0 ? -errno : fill(dfd, text, uid, gid);
        if (r < 0) {
                (void) rm_rf(dir);
                return r;
        }
        if (ret_dir)
                *ret_dir = TAKE_PTR(dir);
        return 0;
}

/**
 * job_dir_create_spec: make a job's directory from its parts, without a workflow task.
 * @jobs_dir: where job directories go (made, 0755, when missing)
 * @job_id: the job's id (herald_id_valid(): it names the directory)
 * @param: the execution param (an object)
 * @executor_type: job.json's executor_type
 * @executor_param: job.json's executor_param (an object), or NULL
 * @unit: the job's unit name
 * @uid: the job's user (owns out/)
 * @gid: the job's group (reads job.json)
 * @ret_dir: the directory's path; free() it (may be NULL)
 *
 * herald-runner's jobs come from no workflow (herald-activate --serve-runner); the
 * workflow's jobs go through job_dir_create_in().
 *
 * Return: as job_dir_create().
 */
int job_dir_create_spec(const char *jobs_dir, const char *job_id, const cJSON *param, const char *executor_type,
                        const cJSON *executor_param, const char *unit, uid_t uid, gid_t gid, char **ret_dir) {
        _cleanup_free_ char *text = NULL;
        int r;

        if (!herald_id_valid(job_id) || !executor_type)
                return -EINVAL;
        r = job_spec_format(param, executor_type, executor_param, unit, -1, &text);
        if (r < 0)
                return r;
        return create(jobs_dir, job_id, text, uid, gid, ret_dir);
}

/**
 * job_dir_create_in: job_dir_create() below another directory than HERALD_JOBS_DIR.
 * @jobs_dir: where job directories go (made, 0755, when missing)
 * @job_id: the job's id (herald_id_valid(): it names the directory)
 * @param: the execution param (an object)
 * @t: the task: its executor and the User=/Group= of its 'unit:' settings
 * @unit: the job's unit name
 * @counter: the tick counter, or -1
 * @ret_dir: the directory's path; free() it (may be NULL)
 *
 * For tests (a temporary directory); the programs call job_dir_create().
 *
 * Return: as job_dir_create().
 */
int job_dir_create_in(const char *jobs_dir, const char *job_id, const cJSON *param, const Task *t, const char *unit,
                      int64_t counter, char **ret_dir) {
        _cleanup_free_ char *text = NULL;
        uid_t uid;
        gid_t gid;
        int r;

        if (!herald_id_valid(job_id) || !t->executor)
                return -EINVAL;
        r = job_spec_format(param, executor_type_to_string(t->executor->type), t->executor->params, unit,
                            counter, &text);
        if (r < 0)
                return r;
        r = job_owner(t, &uid, &gid);
        if (r < 0)
                return r;
        return create(jobs_dir, job_id, text, uid, gid, ret_dir);
}

/**
 * job_dir_create: make a job's directory, HERALD_JOBS_DIR/<job_id>, ready for its unit.
 * @job_id: the job's id (herald_id_valid(): it names the directory)
 * @param: the execution param (an object)
 * @t: the task: its executor and the User=/Group= of its 'unit:' settings
 * @unit: the job's unit name
 * @counter: the tick counter, or -1
 * @ret_dir: the directory's path; free() it (may be NULL)
 *
 * job.json is job_spec_format()'s text. Runs as root (the directory is chowned). On
 * failure nothing is left behind.
 *
 * Return: 0; -EINVAL for a malformed id or param; -EEXIST when the job's directory
 * exists; -ESRCH when the task's User= or Group= does not exist; another negative errno.
 */
int job_dir_create(const char *job_id, const cJSON *param, const Task *t, const char *unit, int64_t counter,
                   char **ret_dir) {
        return job_dir_create_in(HERALD_JOBS_DIR, job_id, param, t, unit, counter, ret_dir);
}

/**
 * job_dir_remove: remove a job's directory and all in it.
 * @dir: its path
 *
 * Its out/ belongs to the job's user: nothing in it is followed (rm_rf()).
 *
 * Return: 0 (also when it is gone already), or a negative errno.
 */
int job_dir_remove(const char *dir) {
        return rm_rf(dir);
}

/**
 * job_dir_read_spec: read a job directory's job.json.
 * @dfd: the job directory
 * @ret: the spec; job_spec_done() it
 *
 * Return: 0, or a negative errno: what reading says (-EFBIG past JOB_SPEC_SIZE_MAX),
 * or what job_spec_parse() says.
 */
int job_dir_read_spec(int dfd, JobSpec *ret) {
        _cleanup_free_ char *text = NULL;
        size_t size;
        int r;

        r = read_file_at(dfd, JOB_SPEC_FILE, JOB_SPEC_SIZE_MAX, &text, &size);
        if (r < 0)
                return r;
        r = job_spec_parse(text, size, ret);
        explicit_bzero(text, size);     /* an http_remote executor's secret is in it */
        return r;
}
