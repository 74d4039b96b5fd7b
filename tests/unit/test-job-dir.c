/* SPDX-License-Identifier: MIT */
/* test-job-dir.c: a job's directory as job_dir_create() makes it (root only: it chowns) */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "fs-util.h"
#include "herald-id.h"
#include "job-dir.h"
#include "job-spec.h"
#include "json-util.h"
#include "macro.h"
#include "workflow.h"
#include "test-helpers.h"

#define JOB "0123ABCD-EF01-4567-89AB-CDEF01234567"

static const char *const yaml =
        "trigger:\n"
        "  web: {type: http}\n"
        "executor:\n"
        "  sh: {type: local, work_dir: /w}\n"
        "  nobody: {type: local, unit: {User: herald-test-no-such-user}}\n"
        "router:\n"
        "  r:\n"
        "    trigger: web\n"
        "    selector: all\n"
        "    task:\n"
        "      t: {executor: sh, cmd: 'true'}\n"
        "      u: {executor: nobody, cmd: 'true'}\n";

static Workflow *load(void) {
        return test_workflow_load(yaml);
}

/* Refusals come before the file system is touched: no root needed. */
static void test_refused(void **state) {
        _cleanup_(workflow_freep) Workflow *w = load();
        _cleanup_json_ cJSON *param = cJSON_CreateObject(), *arr = cJSON_CreateArray();
        const Router *r = workflow_find_router(w, "r");
        char *dir = NULL;

        assert_int_equal(job_dir_create_in("/nonexistent/jobs", "../../etc", param, &r->tasks[0], "u.service", -1, &dir), -EINVAL);
        assert_int_equal(job_dir_create_in("/nonexistent/jobs", JOB, arr, &r->tasks[0], "u.service", -1, &dir), -EINVAL);
        assert_int_equal(job_dir_create_in("/nonexistent/jobs", JOB, param, &r->tasks[1], "u.service", -1, &dir), -ESRCH);
        assert_null(dir);
}

static void test_create(void **state) {
        _cleanup_(workflow_freep) Workflow *w = NULL;
        _cleanup_json_ cJSON *param = cJSON_Parse("{\"job_id\":\"" JOB "\",\"n\":1}");
        _cleanup_(job_spec_done) JobSpec spec = { .counter = -1 };
        _cleanup_free_ char *dir = NULL, *jobs = NULL, *text = NULL, *expect = NULL;
        char tmp[] = "/tmp/test-job-dir-XXXXXX";
        const Router *r;
        struct stat st;
        size_t size;
        int dfd;

        if (geteuid() != 0)
                skip();         /* job_dir_create() chowns to root and the job's user */

        w = load();
        r = workflow_find_router(w, "r");
        assert_non_null(mkdtemp(tmp));
        assert_true(asprintf(&jobs, "%s/jobs", tmp) > 0);
        assert_true(asprintf(&expect, "%s/jobs/" JOB, tmp) > 0);

        assert_int_equal(job_dir_create_in(jobs, JOB, param, &r->tasks[0], "herald-r-t@" JOB ".service", 7, &dir), 0);
        assert_string_equal(dir, expect);

        assert_int_equal(lstat(dir, &st), 0);
        assert_true(S_ISDIR(st.st_mode));
        assert_int_equal(st.st_mode & 07777, 0750);
        assert_int_equal(st.st_uid, 0);

        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(dfd >= 0);
        assert_int_equal(fstatat(dfd, JOB_SPEC_FILE, &st, AT_SYMLINK_NOFOLLOW), 0);
        assert_int_equal(st.st_mode & 07777, 0640);
        assert_int_equal(fstatat(dfd, JOB_OUT_DIR, &st, AT_SYMLINK_NOFOLLOW), 0);
        assert_true(S_ISDIR(st.st_mode));
        assert_int_equal(st.st_mode & 07777, 0700);

        /* job.json is job_spec_format()'s, and reads back (as herald-exec and herald-done read it) */
        assert_int_equal(read_file_at(dfd, JOB_SPEC_FILE, JOB_SPEC_SIZE_MAX, &text, &size), 0);
        assert_non_null(strstr(text, "\"executor_type\":\"local\""));
        assert_int_equal(job_dir_read_spec(dfd, &spec), 0);
        close(dfd);
        assert_string_equal(spec.executor_type, "local");
        assert_string_equal(spec.unit, "herald-r-t@" JOB ".service");
        assert_true(spec.counter == 7);
        assert_string_equal(json_object_get_string(spec.executor_param, "work_dir"), "/w");
        assert_string_equal(json_object_get_string(spec.param, "job_id"), JOB);

        /* one directory per job id */
        assert_int_equal(job_dir_create_in(jobs, JOB, param, &r->tasks[0], "u.service", -1, NULL), -EEXIST);

        assert_int_equal(job_dir_remove(dir), 0);
        assert_int_equal(lstat(dir, &st), -1);
        assert_int_equal(job_dir_remove(dir), 0);      /* gone already: fine */
        assert_int_equal(rm_rf(tmp), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_refused),
                cmocka_unit_test(test_create),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
