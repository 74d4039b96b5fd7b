/* SPDX-License-Identifier: MIT */
/* fuzz-runner-config.c: herald-runner's config loader on arbitrary input */
#include <stdint.h>

#include "fuzz-util.h"
#include "runner-config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        /* No credentials directory, mode unknown: only the text decides. secret_file
         * paths in the input are opened (read-only, at most 4 KiB). */
        RunnerConfigContext ctx = { .file_mode = -1 };
        RunnerConfig *c = NULL;
        int r;

        r = runner_config_load_string("fuzz.yml", (const char *) data, size, &ctx, &c);
        if (r == -ENOMEM)
                return 0;
        FUZZ_CHECK(r == 0 && c);
        if (getenv("HERALD_FUZZ_VERBOSE"))
                diag_list_print(&c->diag, stderr, false);

        /* What a loaded config promises its users, errors or not. */
        FUZZ_CHECK(c->diag.n_errors + c->diag.n_warnings == c->diag.n_items);
        if (c->diag.n_errors == 0) {
                FUZZ_CHECK(c->work_dir && c->work_dir[0] == '/');
                FUZZ_CHECK(c->secret && c->secret_size > 0 && c->secret_size <= RUNNER_SECRET_SIZE_MAX);
                FUZZ_CHECK(c->secret_source != RUNNER_SECRET_NONE);
                FUZZ_CHECK(c->port <= 65535);
                FUZZ_CHECK(c->port > 0 || c->unix_socket);
                FUZZ_CHECK(c->max_body >= 1 && c->max_body <= RUNNER_MAX_BODY_MAX);
                FUZZ_CHECK(c->replay_window_sec <= RUNNER_REPLAY_WINDOW_MAX);
                for (char **p = c->allow_file_paths; p && *p; p++)
                        FUZZ_CHECK((*p)[0] == '/');
        }
        runner_config_free(c);
        return 0;
}
