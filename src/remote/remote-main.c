/* SPDX-License-Identifier: MIT */
/* remote-main.c: herald-remote, the http_remote executor's client (started by herald-exec)
 *
 * A program of its own so that only http_remote jobs load libcurl (and through it
 * TLS, HTTP/2, IDN, LDAP, SSH libraries): herald-exec starts once per job and links
 * libcjson only (src/exec/meson.build). herald-exec (exec-remote.c) hands it job.json
 * on stdin, so the executor's secret is never in argv or the environment, and reads
 * the result from its stdout; its stderr is the job's journal stream.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "config.h"
#include "fs-util.h"
#include "job-result.h"
#include "job-spec.h"
#include "log.h"
#include "macro.h"
#include "main-util.h"
#include "remote-client.h"

static int help(void) {
        printf("%s [OPTIONS...]\n\n"
               "Runs one http_remote job: reads its job.json on stdin, POSTs the execution\n"
               "param to the runner (signed), writes the job's result (result.json's shape)\n"
               "on stdout. Started by herald-exec for http_remote jobs; exits 0 when a\n"
               "result was written, whether the job succeeded or not.\n\n"
               "Options:\n"
               "  -h --help      Show this help\n"
               "     --version   Show the version\n",
               program_invocation_short_name);
        return 0;
}

static int parse_argv(int argc, char *argv[]) {
        int r;

        r = main_parse_argv_plain(argc, argv, "herald-remote", help, false);
        if (r <= 0)
                return r;
        if (optind < argc)
                return log_error_errno(EINVAL, "%s takes no arguments; the job comes on stdin.", program_invocation_short_name);
        return 1;
}

static int run(void) {
        _cleanup_(job_spec_done) JobSpec spec = { .counter = -1 };
        _cleanup_(job_result_done) JobResult res = {};
        _cleanup_free_ char *text = NULL, *out = NULL;
        size_t size = 0;
        int r;

        r = read_fd_full(STDIN_FILENO, JOB_SPEC_SIZE_MAX, 65536, &text, &size);
        if (r >= 0)
                r = job_spec_parse(text, size, &spec);
        if (text)
                explicit_bzero(text, size);     /* it holds the secret */
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0)
                return log_error_errno(r, "Could not read the job description on stdin: %m");

        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
                return log_error_errno(EIO, "Could not initialize libcurl.");
        r = remote_client_run(&spec, &res);
        curl_global_cleanup();
        if (r < 0)
                return r;

        r = job_result_format(&res, &out);
        if (r < 0)
                return log_oom();
        if (fputs(out, stdout) < 0 || fflush(stdout) != 0)
                return log_error_errno(errno, "Could not hand the result to herald-exec: %m");
        return 0;
}

DEFINE_MAIN_FUNCTION("herald-remote", run());
