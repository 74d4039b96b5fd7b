/* SPDX-License-Identifier: MIT */
/* main.c: heraldd, the daemon for HTTP triggers and exe_done chains
 *
 * Socket-activated, unprivileged (user 'herald'), idle-exiting. What it does and why it
 * is shaped this way: docs/HERALDD.md. Its event sources, all on one sd-event loop:
 *
 *   source                      module        what comes in
 *   herald-trigger-<T>.socket   http-server   HTTP requests for trigger T (libmicrohttpd)
 *   heraldd-notify.socket       chain.c       one datagram per finished job, from herald-done
 *   the journal                 chain.c       result entries (the durable record)
 *   herald-activate.socket      starter.c     answers to the starts asked of herald-activate
 *   external selectors          firing.c      child exits (selector.c)
 *   SIGHUP                      main.c        reload the workflow
 *   SIGTERM, SIGINT             main.c        exit (accepted jobs are on disk)
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <systemd/sd-daemon.h>

#include "bus-unit.h"
#include "config.h"
#include "fs-util.h"
#include "host-util.h"
#include "herald-ids.h"
#include "libcrypto-dl.h"
#include "log.h"
#include "macro.h"
#include "main-util.h"
#include "manager.h"
#include "notify.h"
#include "status.h"
#include "timestamp.h"
#include "trigger-request.h"
#include "unit-name.h"

#define SNAPSHOT_PATH_DEFAULT "/run/systemd/generator/herald/workflow.yml"
#define STATE_DIR_DEFAULT "/var/lib/herald"
#define SECRET_SIZE_MAX 4096

static const char *arg_workflow = NULL;
static const char *arg_state_dir = STATE_DIR_DEFAULT;
static const char *arg_notify_socket = NULL;
static uint64_t arg_idle_timeout_usec = MANAGER_IDLE_TIMEOUT_USEC;
static unsigned arg_max_queued = MANAGER_MAX_QUEUED;
static unsigned arg_max_running = MANAGER_MAX_RUNNING;
static unsigned arg_chain_depth_max = MANAGER_CHAIN_DEPTH_MAX;
static unsigned arg_max_starting = MANAGER_MAX_STARTING;
static const char *arg_activate_socket = ACTIVATE_SOCKET;
static bool arg_verify = false;
static const char *arg_status_listen = NULL;

WorkflowRef *workflow_ref(WorkflowRef *r) {
        if (r)
                r->n_ref++;
        return r;
}

WorkflowRef *workflow_unref(WorkflowRef *r) {
        if (r && --r->n_ref == 0) {
                workflow_free(r->w);
                free(r);
        }
        return NULL;
}

static int workflow_ref_load(const char *path, WorkflowRef **ret) {
        _cleanup_(workflow_freep) Workflow *w = NULL;
        WorkflowRef *r;
        int k;

        k = workflow_load(path, NULL, &w);
        if (k < 0)
                return k;
        if (w->unloadable) {
                diag_list_print(&w->diag, stderr, false);
                return -EINVAL;
        }
        r = calloc(1, sizeof *r);
        if (!r)
                return -ENOMEM;
        r->w = TAKE_PTR(w);
        r->n_ref = 1;
        *ret = r;
        return 0;
}

/* The trigger's secret: a systemd credential (secret_file, LoadCredential=), else the
 * workflow's inline 'secret'. Never from argv, the unit file or the journal. */
static int trigger_secret(const Component *t, char **ret, size_t *ret_size) {
        _cleanup_free_ char *path = NULL;
        const char *creds = getenv("CREDENTIALS_DIRECTORY");
        const char *inline_secret = t->secret, *file = t->secret_file;
        int r;

        *ret = NULL;
        *ret_size = 0;
        if (creds) {
                _cleanup_free_ char *cred = unit_credential_name_trigger(t->name);
                if (!cred || asprintf(&path, "%s/%s", creds, cred) < 0)
                        return -ENOMEM;
                r = read_file(path, SECRET_SIZE_MAX, ret, ret_size);
                if (r != -ENOENT)
                        return r;
        }
        if (inline_secret) {
                *ret = strdup(inline_secret);
                *ret_size = strlen(inline_secret);
                return *ret ? 0 : -ENOMEM;
        }
        if (file)       /* development mode, run by hand: read it directly */
                return read_file(file, SECRET_SIZE_MAX, ret, ret_size);
        return 0;
}

static void secret_free(char *s, size_t size) {
        if (s)
                explicit_bzero(s, size);
        free(s);
}

static bool trigger_is_http(const Component *t) {
        return t && !t->broken && t->type == TRIGGER_HTTP;
}

/* Whether the trigger's secret comes from elsewhere than it did in @old: added, removed,
 * another file, another inline value. */
static bool secret_source_changed(const Component *old, const Component *t) {
        if (!trigger_is_http(old))
                old = NULL;
        if (!trigger_is_http(t))
                t = NULL;
        return !streq_ptr(old ? old->secret : NULL, t ? t->secret : NULL) ||
               !streq_ptr(old ? old->secret_file : NULL, t ? t->secret_file : NULL);
}

/* Adds (or, on reload, updates) the listener of an http trigger. @old: on reload, the
 * workflow loaded before, else NULL.
 *
 * A 'secret_file' reaches heraldd as a credential PID 1 puts in place when heraldd
 * starts; on reload that copy may be stale (a rotated file) or missing (a new secret),
 * and heraldd's user cannot read the file itself. A trigger whose secret is not in
 * force is put in m->refused before its listener changes, so it answers 503 and never
 * fires unsigned; heraldd then restarts as soon as it is idle to take the credential. */
static int listener_config(Manager *m, const char *name, int fd, const Workflow *old) {
        const Component *t = workflow_find_component(m->workflow->w, COMPONENT_TRIGGER, name);
        char *secret = NULL;
        size_t secret_size = 0;
        const char *refuse = NULL;
        HttpTriggerConfig cfg = { .name = name, .max_body = TRIGGER_BODY_MAX_DEFAULT };
        int r;

        if (trigger_is_http(t)) {
                if (old && secret_source_changed(workflow_find_component(old, COMPONENT_TRIGGER, name), t)) {
                        log_warning("Trigger '%s': its secret was added, removed or moved; its requests get 503 until "
                                    "heraldd restarts (as soon as it is idle) and takes it.", name);
                        refuse = "its secret changed, heraldd restarts when idle to take it";
                        m->exit_when_idle_soon = true;
                } else {
                        r = trigger_secret(t, &secret, &secret_size);
                        if (r < 0) {
                                log_error_errno(r, "Could not read the secret of trigger '%s' (%m): its requests get 503; "
                                                "the other triggers are served.", name);
                                refuse = "its secret could not be read";
                        } else if (old && t->secret_file) {
                                log_info("Trigger '%s' takes its secret_file when heraldd starts: heraldd restarts as "
                                         "soon as it is idle, so that a rotated secret is in force.", name);
                                m->exit_when_idle_soon = true;
                        }
                }
                cfg.secret = (const uint8_t *) secret;
                cfg.secret_len = secret_size;
                cfg.max_body = t->max_body;
                cfg.replay_window_sec = t->replay_window_sec;
                if (!secret && !refuse && t->host && !t->unix_socket && !host_is_loopback(t->host))
                        log_warning("Trigger '%s' listens on %s:%u without a secret: anyone who reaches it can fire it.",
                                    name, t->host, t->port);
        } else
                log_warning("A socket for trigger '%s' was passed, but the workflow has no such http trigger; its requests get 503.",
                            name);

        if (refuse)
                r = strmap_put(&m->refused, name, (void *) refuse);
        else {
                (void) strmap_remove(&m->refused, name);
                r = 0;
        }
        if (r >= 0)
                r = fd >= 0 ? http_server_add_listener(m->http, fd, &cfg) : http_server_update_listener(m->http, name, &cfg);
        secret_free(secret, secret_size);
        return r;
}

static int notify_bind(const char *path, int *ret) {
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        struct sockaddr_un sa = { .sun_family = AF_UNIX };

        if (fd < 0)
                return -errno;
        if (strlen(path) >= sizeof sa.sun_path)
                return -ENAMETOOLONG;
        strcpy(sa.sun_path, path);
        (void) unlink(path);
        if (bind(fd, (struct sockaddr *) &sa, sizeof sa) < 0)
                return -errno;
        if (chmod(path, 0600) < 0)
                return -errno;
        *ret = TAKE_FD(fd);
        return 0;
}

static const char *trigger_by_fd_name(const Workflow *w, const char *fd_name) {
        for (size_t i = 0; i < w->n_components; i++) {
                const Component *c = w->components[i];
                _cleanup_free_ char *id = NULL;

                if (c->kind != COMPONENT_TRIGGER || c->type != TRIGGER_HTTP)
                        continue;
                id = unit_name_trigger_id(c->name);
                if (id && streq(id, fd_name))
                        return c->name;
        }
        return NULL;
}

static int parse_unsigned(const char *s, const char *option, unsigned *ret);

/* The status page and /metrics (status.h), on a socket of their own. */
static int status_listen(Manager *m, int fd, const char *where) {
        int r;

        r = http_server_add_page_listener(m->http, fd, "status page", status_page_serve, m);
        if (r < 0)
                return log_error_errno(r, "Could not serve the status page: %m");
        if (where)
                log_info("Status page on http://%s/", where);
        return 0;
}

/* --status-listen: [HOST:]PORT, [IPV6]:PORT, or an absolute path for a unix socket. */
static int status_bind(Manager *m, const char *spec) {
        _cleanup_free_ char *host = NULL;
        _cleanup_close_ int fd = -1;
        const char *colon, *port_s = spec;
        unsigned port;
        int r;

        if (spec[0] == '/')
                r = http_listen_bind(NULL, 0, spec, &fd);
        else {
                colon = strrchr(spec, ':');
                if (colon) {
                        const char *h = spec;
                        size_t hl = colon - spec;
                        if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']') {
                                h++;
                                hl -= 2;
                        }
                        host = strndup(h, hl);
                        if (!host)
                                return log_oom();
                        port_s = colon + 1;
                }
                r = parse_unsigned(port_s, "--status-listen port", &port);
                if (r < 0)
                        return r;
                if (port == 0 || port > 65535)
                        return log_error_errno(EINVAL, "--status-listen: port %u is out of range.", port);
                /* loopback unless asked otherwise: the page shows job output */
                r = http_listen_bind(host ?: "127.0.0.1", (uint16_t) port, NULL, &fd);
        }
        if (r < 0)
                return log_error_errno(r, "Could not listen on %s for the status page: %m", spec);
        return status_listen(m, fd, spec);
}

static int add_listeners(Manager *m) {
        _cleanup_strv_free_ char **names = NULL;
        int n, r;

        n = sd_listen_fds_with_names(true, &names);
        if (n < 0)
                return log_error_errno(n, "Could not take the sockets systemd passed: %m");
        for (int i = 0; i < n; i++) {
                int fd = SD_LISTEN_FDS_START + i;
                const char *name = names && names[i] ? names[i] : "unknown";

                if (streq(name, HERALDD_NOTIFY_FD_NAME))
                        r = manager_notify_setup(m, fd);
                else if (streq(name, STATUS_FD_NAME))
                        r = status_listen(m, fd, NULL);
                else {
                        /* The fd is named by unit_name_trigger_id(): find its trigger. */
                        const char *trigger = trigger_by_fd_name(m->workflow->w, name);
                        if (trigger)
                                name = trigger;
                        r = listener_config(m, name, fd, NULL);
                        if (r >= 0) {
                                size_t k = 0;
                                while (m->listener_names && m->listener_names[k])
                                        k++;
                                char **l = reallocarray(m->listener_names, k + 2, sizeof *l);
                                if (!l)
                                        return log_oom();
                                m->listener_names = l;
                                l[k] = strdup(name);
                                l[k + 1] = NULL;
                        }
                }
                if (r < 0)
                        return log_error_errno(r, "Could not serve socket '%s': %m", name);
        }
        if (n > 0)
                return 0;
        if (arg_status_listen) {
                r = status_bind(m, arg_status_listen);
                if (r < 0)
                        return r;
        }
        /* Started without sockets (systemctl start, or they failed): serve the journal
         * and the request files; only development mode (--workflow) binds by itself. */
        if (!arg_workflow) {
                log_info("No sockets were passed: serving no http trigger (results are still read from the journal).");
                return 0;
        }

        /* Not socket-activated: development mode binds the triggers itself. */
        const Workflow *w = m->workflow->w;
        for (size_t i = 0; i < w->n_components; i++) {
                const Component *c = w->components[i];
                int fd;

                if (c->kind != COMPONENT_TRIGGER || c->broken || c->type != TRIGGER_HTTP)
                        continue;
                r = http_listen_bind(c->host, c->port, c->unix_socket, &fd);
                if (r < 0)
                        return log_error_errno(r, "Could not listen for trigger '%s' on %s: %m", c->name,
                                               c->unix_socket ?: c->host);
                r = listener_config(m, c->name, fd, NULL);
                if (r < 0)
                        return r;
                log_info("Trigger '%s' listens on %s%s%u.", c->name, c->unix_socket ?: c->host, c->unix_socket ? "" : ":",
                         c->unix_socket ? 0 : c->port);
        }
        if (arg_notify_socket) {
                int fd = -1;
                r = notify_bind(arg_notify_socket, &fd);
                if (r < 0)
                        return log_error_errno(r, "Could not bind the result socket %s: %m", arg_notify_socket);
                r = manager_notify_setup(m, fd);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int on_sighup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Manager *m = userdata;
        WorkflowRef *w = NULL, *old;
        int r;

        (void) sd_notify(false, "RELOADING=1");
        r = workflow_ref_load(m->workflow_path, &w);
        if (r < 0) {
                log_error_errno(r, "Could not load %s (%m); the workflow loaded before stays in force.", m->workflow_path);
                (void) sd_notify(false, "READY=1");
                return 0;
        }
        old = m->workflow;
        m->workflow = w;
        for (char **n = m->listener_names; n && *n; n++) {
                r = listener_config(m, *n, -1, old->w);
                if (r < 0) {
                        /* Out of memory: the listener keeps its old settings, which may not
                         * be the new secret's. Refuse the trigger until heraldd restarts;
                         * when even that cannot be noted, exit now (the sockets start
                         * heraldd again). */
                        log_error_errno(r, "Could not apply the reloaded settings of trigger '%s' (%m): heraldd "
                                        "restarts when idle.", *n);
                        m->exit_when_idle_soon = true;
                        if (strmap_put(&m->refused, *n, (void *) "its reloaded settings could not be applied") < 0)
                                (void) sd_event_exit(m->event, r);
                }
        }
        workflow_unref(old);
        /* An http trigger new to this workflow has a socket only in a heraldd started
         * after it: exit as soon as idle, and the next request starts one with it. */
        for (size_t i = 0; i < w->w->n_components; i++) {
                const Component *c = w->w->components[i];
                bool have = false;
                if (c->kind != COMPONENT_TRIGGER || c->broken || c->type != TRIGGER_HTTP)
                        continue;
                for (char **n = m->listener_names; n && *n && !have; n++)
                        have = streq(*n, c->name);
                if (!have && m->listener_names) {
                        log_info("Trigger '%s' is new: heraldd restarts when idle to take its socket.", c->name);
                        m->exit_when_idle_soon = true;
                }
        }
        log_info("Reloaded %s.", m->workflow_path);
        (void) sd_notify(false, "READY=1");
        return 0;
}

bool manager_is_idle(const Manager *m) {
        return http_server_busy(m->http) == 0 && m->n_firings == 0 && m->n_queued == 0 && m->n_running == 0 &&
               m->n_starting == 0 && !m->catching_up;
}

static void manager_done(Manager *m) {
        manager_journal_done(m);
        m->http = http_server_free(m->http);
        manager_starter_done(m);
        strmap_done(&m->jobs, free);
        strmap_done(&m->router_running, NULL);
        strmap_done(&m->chained, NULL);
        if (m->chained_ring)
                for (size_t i = 0; i < MANAGER_CHAINED_REMEMBERED; i++)
                        free(m->chained_ring[i]);
        free(m->chained_ring);
        strv_free(m->listener_names);
        strmap_done(&m->refused, NULL);
        m->metrics = metrics_state_free(m->metrics);
        m->bus = sd_bus_flush_close_unref(m->bus);
        workflow_unref(m->workflow);
        if (m->requests_fd >= 0)
                close(m->requests_fd);
        if (m->notify_fd >= 0)
                close(m->notify_fd);
        m->event = sd_event_unref(m->event);
}

/* Once idle for this long, heraldd gives the heap a burst left free back to the kernel
 * (malloc_trim()): it may stay up, idle, for its whole idle timeout. */
#define HEAP_TRIM_DELAY_USEC (1 * 1000000ULL)

static int run_loop(Manager *m) {
        uint64_t idle_waited = 0;       /* of the idle timeout, waited before a trim */
        bool trimmed = true;            /* at start-up (see run()) */

        for (;;) {
                uint64_t timeout, wait;
                bool idle, trim_now = false;
                int r;

                if (sd_event_get_state(m->event) == SD_EVENT_FINISHED)
                        break;
                idle = manager_is_idle(m);
                if (!idle)
                        trimmed = false, idle_waited = 0;
                timeout = m->exit_when_idle_soon ? 0 : m->idle_timeout_usec;
                wait = !idle || timeout == UINT64_MAX ? UINT64_MAX : timeout > idle_waited ? timeout - idle_waited : 0;
                if (idle && !trimmed && wait > HEAP_TRIM_DELAY_USEC) {
                        wait = HEAP_TRIM_DELAY_USEC;
                        trim_now = true;
                }
                r = sd_event_run(m->event, wait);
                if (r < 0)
                        return log_error_errno(r, "Event loop failed: %m");
                if (r == 0 && idle && manager_is_idle(m)) {
                        if (trim_now) {
                                (void) malloc_trim(0);
                                trimmed = true;
                                if (timeout != UINT64_MAX)
                                        idle_waited += HEAP_TRIM_DELAY_USEC;
                                continue;
                        }
                        /* PID 1 queues new connections on the sockets and starts us again. */
                        (void) sd_notify(false, "STOPPING=1");
                        log_debug("Idle, exiting.");
                        break;
                }
                idle_waited = 0;
        }
        return 0;
}

/* Are any herald job units running (one ListUnitsByPatterns at start)? A job an earlier
 * heraldd started may still run; without asking, concurrency forbid/replace would see
 * only this heraldd's jobs. When unsure, say yes: then systemd is asked per firing. */
static bool herald_jobs_running(sd_bus *bus) {
        static const char *const states[] = { "active", "activating", "deactivating", "reloading", NULL };
        _cleanup_strv_free_ char **units = NULL;

        if (bus_list_units(bus, "herald-*@*.service", states, &units) < 0)
                return true;
        return units[0] != NULL;
}

static int run(void) {
        _cleanup_(manager_done) Manager m = { .requests_fd = -1, .notify_fd = -1, .starter_fd = -1 };
        _cleanup_free_ char *requests = NULL;
        sigset_t ss;
        int r;

        libcrypto_skip_error_strings();         /* no TLS here; OpenSSL's texts are never shown */
        m.workflow_path = (char *) (arg_workflow ?: SNAPSHOT_PATH_DEFAULT);
        m.state_dir = (char *) arg_state_dir;
        m.idle_timeout_usec = arg_idle_timeout_usec;
        m.max_queued = arg_max_queued;
        m.max_running = arg_max_running;
        m.max_starting = arg_max_starting;
        m.starter_path = arg_activate_socket;
        m.chain_depth_max = arg_chain_depth_max;
        m.own_uid = geteuid();
        m.start_realtime_usec = now_realtime();

        r = workflow_ref_load(m.workflow_path, &m.workflow);
        if (r < 0)
                return log_error_errno(r, "Could not load the workflow %s: %m", m.workflow_path);
        if (arg_verify) {
                printf("%s: loads; heraldd would serve it.\n", m.workflow_path);
                return 0;
        }

        m.chained_ring = calloc(MANAGER_CHAINED_REMEMBERED, sizeof *m.chained_ring);
        if (!m.chained_ring)
                return log_oom();
        if (asprintf(&requests, "%s/requests", arg_state_dir) < 0)
                return log_oom();
        (void) mkdir(arg_state_dir, 0750);
        (void) mkdir(requests, 0750);
        m.requests_fd = open(requests, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (m.requests_fd < 0)
                return log_error_errno(errno, "Could not open %s: %m", requests);

        r = sd_event_default(&m.event);
        if (r < 0)
                return log_error_errno(r, "Could not make the event loop: %m");
        sigemptyset(&ss);
        sigaddset(&ss, SIGHUP);
        sigaddset(&ss, SIGTERM);
        sigaddset(&ss, SIGINT);
        sigaddset(&ss, SIGCHLD);        /* external selectors' exits come as child events */
        sigprocmask(SIG_BLOCK, &ss, NULL);
        (void) sd_event_add_signal(m.event, NULL, SIGTERM, NULL, NULL);
        (void) sd_event_add_signal(m.event, NULL, SIGINT, NULL, NULL);
        r = sd_event_add_signal(m.event, NULL, SIGHUP, on_sighup, &m);
        if (r < 0)
                return log_error_errno(r, "Could not watch SIGHUP: %m");

        r = sd_bus_open_system(&m.bus);
        if (r < 0)
                return log_error_errno(r, "Could not connect to the system bus: %m");
        r = sd_bus_attach_event(m.bus, m.event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return log_error_errno(r, "Could not attach the bus: %m");
        m.foreign_jobs = herald_jobs_running(m.bus);

        r = http_server_new(m.event, NULL, manager_on_http_trigger, &m, &m.http);
        if (r < 0)
                return log_error_errno(r, "Could not set up the HTTP server: %m");
        /* beside the cursor: a replay window outlives the idle exit */
        _cleanup_free_ char *replay = NULL;
        if (asprintf(&replay, "%s/" HTTP_REPLAY_CACHE_FILE, arg_state_dir) < 0 ||
            http_server_keep_replay_cache(m.http, replay) < 0)
                return log_oom();
        r = add_listeners(&m);
        if (r < 0)
                return r;
        r = manager_journal_setup(&m);
        if (r < 0)
                return r;
        r = manager_load_pending_requests(&m);
        if (r < 0)
                log_warning_errno(r, "Could not read the pending requests in %s, ignoring: %m", requests);

        /* The workflow's YAML tree and the parse buffers are freed by now: give their
         * pages back before idling. */
        (void) malloc_trim(0);
        (void) sd_notify(false, "READY=1");
        return run_loop(&m);
}

static int help(void) {
        printf("%s [OPTIONS...]\n\n"
               "The herald daemon: serves the workflow's http triggers and fires its exe_done\n"
               "chains. Started by systemd through its sockets (herald-trigger-*.socket,\n"
               "heraldd-notify.socket) as the unprivileged user 'herald'; it exits when idle and\n"
               "the sockets start it again. It starts no unit itself: herald-activate.service\n"
               "(root, through " ACTIVATE_SOCKET ") starts each job as an instance\n"
               "herald-ROUTER-TASK@JOB_ID.service of the task's template unit, which the\n"
               "generator wrote from the root-owned workflow. See docs/HERALDD.md.\n\n"
               "Options:\n"
               "  -w --workflow FILE        The workflow (default: the generator's snapshot,\n"
               "                            " SNAPSHOT_PATH_DEFAULT ")\n"
               "                            Without sockets from systemd, heraldd listens on the\n"
               "                            http triggers' addresses itself (development mode)\n"
               "     --state-dir DIR        Request files and the journal cursor (default\n"
               "                            " STATE_DIR_DEFAULT ")\n"
               "     --notify-socket PATH   Development mode: bind the result socket here\n"
               "     --idle-timeout SEC     Exit after SEC idle seconds (default 30; 0: never)\n"
               "     --max-queued N         Accepted jobs waiting to start before 503 (default %u)\n"
               "     --max-running N        Jobs running at once (default %u; 0: no limit)\n"
               "     --max-starting N       Starts in flight at once (default %u): fewer keep a\n"
               "                            chain's next step from waiting behind a burst\n"
               "     --max-chain-depth N    exe_done steps in one chain (default %u)\n"
               "     --activate-socket PATH herald-activate's socket (default " ACTIVATE_SOCKET ")\n"
               "     --status-listen ADDR   Development mode: serve the status page and /metrics\n"
               "                            on [HOST:]PORT (default host 127.0.0.1) or a socket\n"
               "                            path (systemd: herald-status.socket)\n"
               "     --verify               Load the workflow, report, exit\n"
               "  -h --help                 Show this help\n"
               "     --version              Show the version\n\n"
               "Signals: SIGHUP loads the workflow again (the loaded one stays when the new one\n"
               "cannot load; a trigger whose secret changed answers 503 until heraldd restarts,\n"
               "which it does when idle); SIGTERM exits (accepted jobs are on disk and start next\n"
               "time).\n",
               program_invocation_short_name, MANAGER_MAX_QUEUED, MANAGER_MAX_RUNNING, MANAGER_MAX_STARTING,
               MANAGER_CHAIN_DEPTH_MAX);
        return 0;
}

static int parse_unsigned(const char *s, const char *option, unsigned *ret) {
        char *end;
        unsigned long v;

        errno = 0;
        v = strtoul(s, &end, 10);
        if (errno || end == s || *end || s[0] == '-' || v > UINT32_MAX)
                return log_error_errno(EINVAL, "Invalid %s '%s': expected a whole number.", option, s);
        *ret = (unsigned) v;
        return 0;
}

static int parse_argv(int argc, char *argv[]) {
        enum {
                ARG_VERSION = 0x100,
                ARG_STATE_DIR,
                ARG_NOTIFY_SOCKET,
                ARG_IDLE_TIMEOUT,
                ARG_MAX_QUEUED,
                ARG_MAX_RUNNING,
                ARG_MAX_CHAIN_DEPTH,
                ARG_MAX_STARTING,
                ARG_ACTIVATE_SOCKET,
                ARG_VERIFY,
                ARG_STATUS_LISTEN,
        };
        static const struct option options[] = {
                { "help",            no_argument,       NULL, 'h'                 },
                { "version",         no_argument,       NULL, ARG_VERSION         },
                { "workflow",        required_argument, NULL, 'w'                 },
                { "state-dir",       required_argument, NULL, ARG_STATE_DIR       },
                { "notify-socket",   required_argument, NULL, ARG_NOTIFY_SOCKET   },
                { "idle-timeout",    required_argument, NULL, ARG_IDLE_TIMEOUT    },
                { "max-queued",      required_argument, NULL, ARG_MAX_QUEUED      },
                { "max-running",     required_argument, NULL, ARG_MAX_RUNNING     },
                { "max-chain-depth", required_argument, NULL, ARG_MAX_CHAIN_DEPTH },
                { "max-starting",    required_argument, NULL, ARG_MAX_STARTING    },
                { "activate-socket", required_argument, NULL, ARG_ACTIVATE_SOCKET },
                { "verify",          no_argument,       NULL, ARG_VERIFY          },
                { "status-listen",   required_argument, NULL, ARG_STATUS_LISTEN   },
                {}
        };
        unsigned u;
        int c, r;

        while ((c = getopt_long(argc, argv, "hw:", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        return help();
                case ARG_VERSION:
                        return main_version("heraldd");
                case 'w':
                        arg_workflow = optarg;
                        break;
                case ARG_STATE_DIR:
                        arg_state_dir = optarg;
                        break;
                case ARG_NOTIFY_SOCKET:
                        arg_notify_socket = optarg;
                        break;
                case ARG_IDLE_TIMEOUT:
                        r = parse_unsigned(optarg, "--idle-timeout", &u);
                        if (r < 0)
                                return r;
                        arg_idle_timeout_usec = u == 0 ? UINT64_MAX : (uint64_t) u * 1000000ULL;
                        break;
                case ARG_MAX_QUEUED:
                        r = parse_unsigned(optarg, "--max-queued", &arg_max_queued);
                        if (r < 0)
                                return r;
                        break;
                case ARG_MAX_RUNNING:
                        r = parse_unsigned(optarg, "--max-running", &arg_max_running);
                        if (r < 0)
                                return r;
                        break;
                case ARG_MAX_CHAIN_DEPTH:
                        r = parse_unsigned(optarg, "--max-chain-depth", &arg_chain_depth_max);
                        if (r < 0)
                                return r;
                        break;
                case ARG_MAX_STARTING:
                        r = parse_unsigned(optarg, "--max-starting", &arg_max_starting);
                        if (r < 0)
                                return r;
                        if (arg_max_starting == 0 || arg_max_starting > 64)
                                return log_error_errno(EINVAL, "--max-starting must be 1-64, not %u.", arg_max_starting);
                        break;
                case ARG_ACTIVATE_SOCKET:
                        arg_activate_socket = optarg;
                        break;
                case ARG_VERIFY:
                        arg_verify = true;
                        break;
                case ARG_STATUS_LISTEN:
                        arg_status_listen = optarg;
                        break;
                case '?':
                        return -EINVAL;
                default:
                        abort();        /* unreachable */
                }
        if (optind < argc)
                return log_error_errno(EINVAL, "Unexpected argument '%s'; see --help.", argv[optind]);
        return 1;
}

DEFINE_MAIN_FUNCTION("heraldd", run());
