/* SPDX-License-Identifier: MIT */
/* serve-runner.c: herald-activate --serve-runner, the root end of herald-runner's jobs
 *
 * herald-runner faces the network as the unprivileged user herald-runner. For each
 * signed request it writes the execution param to RUNNER_REQUEST_DIR/<job_id>.json and
 * sends RUN <job_id> on herald-runner-activate.socket (SOCK_SEQPACKET, root:herald-runner
 * 0660; the peer is checked too). This service (root, no network) takes the request as
 * untrusted data, makes the job's directory with the `runner` executor, whose options
 * (work_dir, allow_absolute_cmd, allow_file_paths) come from the runner's root-owned
 * config read here, never from herald-runner, and starts herald-runner-job@<job_id>.service,
 * a static template: herald-exec runs the job as a job unit of this host, herald-done
 * writes its result entry and hands the result and the files it may send back to
 * herald-runner (done-runner.c). It answers STARTED once the start job ran, or FAILED.
 *
 * Separate from --serve (heraldd's): a runner host needs no workflow, no heraldd and
 * none of their directories. The connections, the peer check and the idle exit are
 * serve-conn.c's, shared with --serve.
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "activate-protocol.h"
#include "fs-util.h"
#include "herald-id.h"
#include "herald-ids.h"
#include "job-dir.h"
#include "json-util.h"
#include "log.h"
#include "macro.h"
#include "result-entry.h"
#include "runner-config.h"
#include "runner-reply.h"
#include "runner-request.h"
#include "serve-conn.h"
#include "serve-runner.h"
#include "start-window.h"

/* The request is the HTTP body, which herald-runner took up to max_body. */
#define REQUEST_SLACK 4096

typedef struct Server {
        RunnerConfig *config;
} Server;

typedef struct RunCtx {
        ServeConn *conn;
        char job_id[HERALD_ID_LEN + 1];
        char *unit, *dir;
        cJSON *param;
} RunCtx;

static void run_ctx_free(RunCtx *ctx) {
        if (!ctx)
                return;
        serve_conn_release(ctx->conn);
        free(ctx->unit);
        free(ctx->dir);
        cJSON_Delete(ctx->param);
        free(ctx);
}

/* A job that will not run still has its result entry, so the journal tells of every
 * request that was accepted. */
static void failed_entry(const cJSON *param, const char *unit, const char *text) {
        _cleanup_json_ cJSON *result = cJSON_CreateObject();

        if (!result)
                return (void) log_oom();
        if (result_entry_send(param, unit, NULL, false, text, result, "resources", -1) < 0)
                log_error("Failed to write the result entry of job %s either.",
                          strna(json_object_get_string(param, "job_id")));
}

/* Reads and removes the request (untrusted, at most max_body): the job's param. */
static int request_read(const Server *s, const char *job_id, cJSON **ret) {
        _cleanup_close_ int dfd = -1;
        _cleanup_free_ char *text = NULL;
        char name[HERALD_ID_LEN + sizeof ".json"];
        size_t size;
        int r;

        snprintf(name, sizeof name, "%s.json", job_id);
        dfd = open(RUNNER_REQUEST_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dfd < 0)
                return log_error_errno(errno, "Failed to open " RUNNER_REQUEST_DIR ": %m");
        r = read_file_at(dfd, name, (size_t) s->config->max_body + REQUEST_SLACK, &text, &size);
        (void) unlinkat(dfd, name, 0);  /* taken once, whatever it holds */
        if (r == -ENOENT)
                return log_error_errno(r, "No request " RUNNER_REQUEST_DIR "/%s.", name);
        if (r == -ELOOP || r == -EBADFD)
                return log_error_errno(r, "Refusing the request " RUNNER_REQUEST_DIR "/%s: not a regular file.", name);
        if (r == -EFBIG)
                return log_error_errno(r, "Refusing the request " RUNNER_REQUEST_DIR "/%s: larger than max_body.", name);
        if (r < 0)
                return log_error_errno(r, "Failed to read the request " RUNNER_REQUEST_DIR "/%s: %m", name);
        r = runner_request_param(text, size, job_id, ret);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0)
                return log_error_errno(r, "Refusing the request " RUNNER_REQUEST_DIR "/%s: not a JSON object.", name);
        return 0;
}

static void on_started(const char *unit, const sd_bus_error *error, void *userdata) {
        RunCtx *ctx = userdata;

        if (error && !sd_bus_error_has_name(error, "org.herald.StartJobResult")) {
                _cleanup_free_ char *text = NULL;
                const char *why = error->message ?: error->name;

                log_error("Failed to start %s (job %s): %s", unit, ctx->job_id, why);
                if (asprintf(&text, "Could not start the job unit %s: %s", unit, why) >= 0)
                        failed_entry(ctx->param, unit, text);
                (void) job_dir_remove(ctx->dir);
                serve_conn_reply(ctx->conn, ACTIVATE_FAILED, ctx->job_id, why);
        } else {
                if (error)
                        log_warning("The start job of %s ended with result '%s'.", unit, error->message);
                serve_conn_reply(ctx->conn, ACTIVATE_STARTED, ctx->job_id, NULL);
        }
        run_ctx_free(ctx);
}

static void handle_run(ServeConn *c, const ActivateMessage *m, void *userdata) {
        const Server *s = userdata;
        StartWindow *window = serve_conn_window(c);
        const char *job_id = m->job_id;
        _cleanup_json_ cJSON *ep = NULL;
        RunCtx *ctx;
        const char *why;
        int r;

        ctx = calloc(1, sizeof *ctx);
        if (!ctx) {
                serve_conn_reply(c, ACTIVATE_FAILED, job_id, "out of memory");
                return;
        }
        snprintf(ctx->job_id, sizeof ctx->job_id, "%s", job_id);

        r = request_read(s, job_id, &ctx->param);
        if (r < 0) {
                why = "the request could not be read (see the journal of herald-runner-activate.service)";
                goto fail;
        }
        if (runner_executor_param(s->config, RUNNER_RESULT_SOCKET, &ep) < 0 ||
            asprintf(&ctx->unit, RUNNER_JOB_UNIT_PREFIX "%s.service", job_id) < 0) {
                why = "out of memory";
                goto fail;
        }
        r = job_dir_create_spec(HERALD_JOBS_DIR, job_id, ctx->param, RUNNER_EXECUTOR, ep, ctx->unit, 0, 0, &ctx->dir);
        if (r < 0) {
                log_error_errno(r, "Failed to prepare job %s in " HERALD_JOBS_DIR ": %m", job_id);
                why = r == -EEXIST ? "a job of this id exists" : "its job directory could not be made";
                goto fail;
        }
        if (start_window_full(window)) {
                /* Nothing was accepted: herald-runner answers 503, the client retries. */
                log_warning("Not starting job %s: %u starts are in flight.", job_id, start_window_in_flight(window));
                (void) job_dir_remove(ctx->dir);
                serve_conn_reply(c, ACTIVATE_BUSY, job_id, NULL);
                run_ctx_free(ctx);
                return;
        }
        ctx->conn = serve_conn_ref(c);
        r = start_window_start_unit(window, ctx->unit, on_started, ctx);
        if (r < 0) {
                (void) job_dir_remove(ctx->dir);
                errno = -r;
                why = strerror(-r);
                goto fail;
        }
        log_debug("Starting %s.", ctx->unit);
        return;
fail:
        if (ctx->param)
                failed_entry(ctx->param, ctx->unit, why);
        serve_conn_reply(c, ACTIVATE_FAILED, job_id, why);
        run_ctx_free(ctx);
}

/**
 * serve_runner_run() - herald-activate --serve-runner
 * @config_path: herald-runner's config (root-owned: the executor's options)
 * @listen_path: bind this socket (tests), or NULL for the one systemd passes
 * @idle_usec: exit after this long with no connection and nothing in flight (0: never)
 *
 * Return: 0 at an idle exit or SIGTERM; a negative errno (logged).
 */
int serve_runner_run(const char *config_path, const char *listen_path, uint64_t idle_usec) {
        Server s = {};
        ServeInfo info = {
                .peer = "herald-runner",
                .peer_allowed = RUNNER_USER " may run jobs",
                .socket_unit = "herald-runner-activate.socket",
                .verbs = 1u << ACTIVATE_RUN,
                .handle = handle_run,
                .userdata = &s,
        };
        struct passwd *pw;
        int r;

        r = runner_config_load(config_path, &s.config);
        if (r < 0)
                return log_error_errno(r, "Could not load %s: %m", config_path);
        if (s.config->diag.n_errors > 0) {
                diag_list_print(&s.config->diag, stderr, false);
                r = log_error_errno(EINVAL, "%s has errors; not starting.", config_path);
                goto finish;
        }
        pw = getpwnam(RUNNER_USER);
        if (!pw) {
                r = log_error_errno(ESRCH, "No user " RUNNER_USER " (see herald's sysusers.d).");
                goto finish;
        }
        info.peer_uid = pw->pw_uid;
        r = serve_server_run(&info, listen_path, idle_usec);
finish:
        runner_config_free(s.config);
        return r;
}
