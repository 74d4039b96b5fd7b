/* SPDX-License-Identifier: MIT */
/* serve.c: herald-activate --serve, the root end of heraldd's job starts
 *
 * heraldd runs as the unprivileged user herald and faces the network; starting a unit
 * needs root (or a polkit rule, and polkitd's JavaScript for every job: 3.7 ms of
 * polkitd per start here, and a unit shape of three processes). So heraldd writes a
 * request file and asks this small root service, over herald-activate.socket (a
 * SOCK_SEQPACKET socket only root and the group herald may connect to), to start it.
 * What runs comes from the root-written workflow snapshot and the template units the
 * generator wrote from it, never from heraldd (request.c).
 *
 * A START is answered once its start job has run (JobRemoved), not when PID 1 queued
 * it: heraldd holds back its next starts until then, so PID 1's queue stays short and
 * a chain's next step never waits behind a burst that PID 1 has swallowed whole.
 *
 * The connections, the peer check and the idle exit are serve-conn.c's, shared with
 * --serve-runner.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "activate-protocol.h"
#include "job-request.h"
#include "log.h"
#include "macro.h"
#include "request.h"
#include "serve-conn.h"
#include "serve.h"
#include "start-window.h"
#include "unit-name.h"
#include "workflow.h"

typedef struct Server {
        const char *workflow_path;
        Workflow *workflow;
        struct stat workflow_stat;
} Server;

typedef struct StartCtx {
        ServeConn *conn;
        PreparedJob job;
} StartCtx;

/* The snapshot, loaded again when the generator has written a new one. */
static int server_workflow(Server *s, const Workflow **ret) {
        Workflow *w = NULL;
        struct stat st;
        int r;

        if (stat(s->workflow_path, &st) < 0) {
                if (!s->workflow)
                        return log_error_errno(errno, "Could not read %s: %m", s->workflow_path);
                /* The generator writes its output directory anew at each daemon-reload:
                 * for a moment there is no snapshot. The one loaded before stands. */
                *ret = s->workflow;
                return 0;
        }
        if (s->workflow && st.st_ino == s->workflow_stat.st_ino && st.st_dev == s->workflow_stat.st_dev &&
            st.st_size == s->workflow_stat.st_size && st.st_mtim.tv_sec == s->workflow_stat.st_mtim.tv_sec &&
            st.st_mtim.tv_nsec == s->workflow_stat.st_mtim.tv_nsec) {
                *ret = s->workflow;
                return 0;
        }
        r = workflow_load(s->workflow_path, NULL, &w);
        if (r >= 0 && w->unloadable) {
                diag_list_print(&w->diag, stderr, false);
                workflow_free(w);
                r = -EINVAL;
        }
        if (r < 0) {
                if (!s->workflow)
                        return log_error_errno(r, "Could not load %s: %m", s->workflow_path);
                /* Only root writes the snapshot, and the generator keeps the last good
                 * one; a broken one is a mistake caught here, as heraldd does: the
                 * snapshot loaded before stays in force (looked at again next time). */
                log_warning_errno(r, "Could not load the new %s (%m); the workflow loaded before stays in force.",
                                  s->workflow_path);
                *ret = s->workflow;
                return 0;
        }
        if (s->workflow)
                log_info("Loaded the new workflow snapshot %s.", s->workflow_path);
        workflow_free(s->workflow);
        s->workflow = w;
        s->workflow_stat = st;
        *ret = w;
        return 0;
}

static void on_started(const char *unit, const sd_bus_error *error, void *userdata) {
        StartCtx *ctx = userdata;

        if (error && !sd_bus_error_has_name(error, "org.herald.StartJobResult")) {
                /* systemd did not take the unit: nothing ran, no herald-done will. */
                job_start_failed(&ctx->job, error->message ?: error->name);
                serve_conn_reply(ctx->conn, ACTIVATE_FAILED, ctx->job.job_id, error->message ?: error->name);
        } else {
                /* A start job that did not end "done" still made a unit whose
                 * result step (ExecStopPost=+herald-done, or for a job that writes its
                 * own entry the OnFailure= unit herald-result@) writes the failed result. */
                if (error)
                        log_warning("The start job of %s ended with result '%s'.", unit, error->message);
                serve_conn_reply(ctx->conn, ACTIVATE_STARTED, ctx->job.job_id, NULL);
        }
        prepared_job_done(&ctx->job);
        serve_conn_release(ctx->conn);
        free(ctx);
}

static void handle_start(Server *s, ServeConn *c, const ActivateMessage *m) {
        StartWindow *window = serve_conn_window(c);
        const Workflow *w = NULL;
        StartCtx *ctx;
        int r;

        ctx = calloc(1, sizeof *ctx);
        if (!ctx) {
                serve_conn_reply(c, ACTIVATE_FAILED, m->job_id, "out of memory");
                return;
        }
        r = server_workflow(s, &w);
        if (r >= 0)
                r = request_take(w, s->workflow_path, m->job_id, m->router, m->task, &ctx->job);
        if (r == 0) {
                free(ctx);
                serve_conn_reply(c, ACTIVATE_ALREADY, m->job_id, NULL);
                return;
        }
        if (r < 0) {
                free(ctx);
                request_refuse(m->job_id, m->router, m->task, r);
                errno = -r;
                serve_conn_reply(c, ACTIVATE_FAILED, m->job_id, strerror(-r));
                return;
        }
        /* A full window holds the start until a slot frees (start-window.c): heraldd
         * counts a job off when its result comes, which may be before its JobRemoved
         * reaches us, so it can ask for a little more than the window. */
        ctx->conn = serve_conn_ref(c);
        r = start_window_start_unit(window, ctx->job.unit, on_started, ctx);
        if (r < 0) {
                serve_conn_unref(ctx->conn);
                job_start_failed(&ctx->job, r == -EBUSY ? "too many starts waiting" : strerror(-r));
        }
        if (r < 0) {
                serve_conn_reply(c, ACTIVATE_FAILED, m->job_id, strerror(-r));
                prepared_job_done(&ctx->job);
                free(ctx);
        }
}

/* concurrency: replace. Only a herald job unit can be named from (router, task, id). */
static void handle_stop(ServeConn *c, const ActivateMessage *m) {
        _cleanup_free_ char *unit = unit_name_job_instance(m->router, m->task, m->job_id);
        int r;

        if (!unit)
                return (void) log_oom();
        r = sd_bus_call_method_async(serve_conn_bus(c), NULL, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                     "org.freedesktop.systemd1.Manager", "StopUnit", NULL, NULL, "ss", unit, "replace");
        if (r < 0)
                log_warning_errno(r, "Could not stop %s, ignoring: %m", unit);
        else
                log_info("Stopping %s (job %s): a new job of %s/%s replaces it.", unit, m->job_id, m->router, m->task);
}

static void handle_message(ServeConn *c, const ActivateMessage *m, void *userdata) {
        if (m->verb == ACTIVATE_START)
                handle_start(userdata, c, m);
        else
                handle_stop(c, m);
}

/**
 * serve_run: herald-activate --serve.
 * @workflow: the workflow snapshot (reloaded when it changes)
 * @listen_path: bind this socket (development, tests), or NULL for the one systemd passes
 * @idle_usec: exit after this long with no connection and nothing in flight (0: never)
 *
 * Return: 0 at an idle exit or SIGTERM; a negative errno (logged).
 */
int serve_run(const char *workflow, const char *listen_path, uint64_t idle_usec) {
        Server s = { .workflow_path = workflow };
        ServeInfo info = {
                .peer = "heraldd",
                .peer_allowed = "heraldd's user may start jobs",
                .socket_unit = "herald-activate.socket",
                .verbs = 1u << ACTIVATE_START | 1u << ACTIVATE_STOP,
                .handle = handle_message,
                .userdata = &s,
        };
        struct stat st;
        const Workflow *w;
        int r;

        /* heraldd's user owns its request directory. */
        if (stat(JOB_REQUEST_DIR, &st) < 0)
                return log_error_errno(errno, "Could not find " JOB_REQUEST_DIR " (heraldd's; see herald's tmpfiles.d): %m");
        info.peer_uid = st.st_uid;

        r = server_workflow(&s, &w);
        if (r >= 0)
                r = serve_server_run(&info, listen_path, idle_usec);
        workflow_free(s.workflow);
        return r;
}
