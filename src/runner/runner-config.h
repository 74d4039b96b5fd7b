/* SPDX-License-Identifier: MIT */
/* runner-config.h: herald-runner's configuration file, Herald Runner's keys and herald's */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "diag.h"

/* Herald Runner listens here when neither `port` nor `unix_socket` is given. */
#define RUNNER_HOST_DEFAULT "127.0.0.1"
#define RUNNER_PORT_DEFAULT 8124
/* Herald Runner has no default (every job fails "WorkDir must be specified"); this is the
 * directory of its example config, and herald-runner's StateDirectory. */
#define RUNNER_WORK_DIR_DEFAULT "/var/lib/herald-runner/work"
#define RUNNER_MAX_BODY_DEFAULT (UINT64_C(1) << 20)
#define RUNNER_MAX_BODY_MAX (UINT64_C(1) << 30)
#define RUNNER_REPLAY_WINDOW_MAX 86400
#define RUNNER_ALLOW_FILE_PATHS_MAX 256
#define RUNNER_SECRET_SIZE_MAX 4096
/* The systemd credential (LoadCredential=herald-runner.secret:...) read from
 * $CREDENTIALS_DIRECTORY. */
#define RUNNER_CREDENTIAL_NAME "herald-runner.secret"
#define RUNNER_CONFIG_SIZE_MAX (256u << 10)

typedef enum RunnerSecretSource {
        RUNNER_SECRET_NONE,
        RUNNER_SECRET_CREDENTIAL,       /* $CREDENTIALS_DIRECTORY/herald-runner.secret */
        RUNNER_SECRET_FILE,             /* secret_file: */
        RUNNER_SECRET_INLINE,           /* secret: (Herald's way) */
        _RUNNER_SECRET_SOURCE_MAX,
        _RUNNER_SECRET_SOURCE_INVALID = -EINVAL,
} RunnerSecretSource;

typedef struct RunnerConfig {
        char *path;

        /* Where to listen, as Herald Runner: both a unix socket and a TCP port when both
         * are given; host NULL with a port means every address (Go's ":port"). */
        char *host;
        unsigned port;                  /* 0: no TCP listener */
        char *unix_socket;
        /* Which of host, port, unix_socket the file sets (not defaults): with sockets
         * from systemd they are ignored, and herald-runner says so. */
        bool host_given, port_given, unix_socket_given;

        char *work_dir;                 /* never NULL after loading */
        int log_level;                  /* LOG_ERR ... LOG_DEBUG */

        /* The HMAC key, wiped when freed. Never logged. */
        uint8_t *secret;
        size_t secret_size;
        RunnerSecretSource secret_source;
        char *secret_file;

        /* herald's extensions */
        uint64_t max_body;
        uint64_t replay_window_sec;     /* 0: off (Herald compatible) */
        bool allow_absolute_cmd;
        char **allow_file_paths;        /* NULL-terminated, absolute, without trailing '/' */

        DiagList diag;                  /* errors mean: do not start */
} RunnerConfig;

/* Where the loader looks beyond the file (tests and the fuzzer set their own). */
typedef struct RunnerConfigContext {
        const char *credentials_dir;    /* $CREDENTIALS_DIRECTORY, or NULL */
        int file_mode;                  /* the config file's mode, or -1 when unknown */
} RunnerConfigContext;

int runner_config_load(const char *path, RunnerConfig **ret);
int runner_config_load_string(const char *name, const char *data, size_t size, const RunnerConfigContext *ctx,
                              RunnerConfig **ret);
RunnerConfig *runner_config_free(RunnerConfig *c);
static inline void runner_config_freep(RunnerConfig **c) {
        if (*c)
                runner_config_free(*c);
}

const char *runner_secret_source_to_string(RunnerSecretSource s);
