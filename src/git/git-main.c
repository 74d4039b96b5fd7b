/* SPDX-License-Identifier: MIT */
/* herald-git: the one program that links libgit2 and libssh2
 *
 * herald-exec runs for every job twice (the job and its `done`), and the dynamic
 * loading of libgit2's and libssh2's dependency trees cost more than the rest of its
 * start-up together (bench/job-throughput.sh). So git work is done here, started by
 * git-sync.c only for jobs with a git_repo: the options (with credentials) as JSON on
 * stdin, progress bytes on stdout, and on failure 'E' and the error text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "fs-util.h"
#include "git-fetch.h"
#include "json-util.h"
#include "log.h"
#include "macro.h"

#define GIT_OPTIONS_SIZE_MAX (1u << 20)

static void fail(const char *e) {
        (void) !write(STDOUT_FILENO, "E", 1);
        (void) !write(STDOUT_FILENO, e, strlen(e));
}

int main(int argc, char **argv) {
        _cleanup_free_ char *text = NULL, *error = NULL;
        _cleanup_json_ cJSON *json = NULL;
        GitSyncOptions o;
        size_t size;
        int r;

        log_setup("herald-git", LOG_TARGET_STDERR);
        if (argc == 2 && streq(argv[1], "--version")) {
                printf("herald-git (herald) %s\n", HERALD_VERSION);
                return 0;
        }
        if (argc != 1 || isatty(STDIN_FILENO)) {
                fprintf(stderr, "herald-git is started by herald-exec, with its options on stdin.\n");
                return 2;
        }
        r = read_file("/dev/stdin", GIT_OPTIONS_SIZE_MAX, &text, &size);
        if (r >= 0)
                r = git_options_parse(text, size, &o, &json);
        if (r < 0) {
                fail("Could not read the git options from herald-exec");
                return EXIT_FAILURE;
        }
        (void) argv;

        r = git_fetch_checkout(&o, STDOUT_FILENO, &error);
        if (r < 0) {
                fail(error ?: "git operation failed");
                return EXIT_FAILURE;
        }
        return EXIT_SUCCESS;
}
