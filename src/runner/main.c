/* SPDX-License-Identifier: MIT */
/* main.c: herald-runner, the remote end of http_remote
 *
 * Started by herald-runner.socket as the unprivileged user herald-runner (or by hand
 * for development: then it binds the config's host/port/unix_socket itself). Its
 * event sources:
 *
 *   source                         what comes                    handled in
 *   the HTTP listeners             signed POSTs of a job param   http-server.c, jobs.c
 *   herald-runner-activate socket  STARTED / FAILED from root    jobs.c
 *   RUNNER_RESULT_SOCKET           results and file fds          jobs.c
 *   the idle timer                 nothing in flight for a while main.c: exit
 *   SIGTERM, SIGINT                                              exit
 *
 * It never runs a job itself: root does (herald-activate --serve-runner), as a job unit
 * of this host, so a job has its cgroup, its journal and its result entry as any other.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <netinet/in.h>
#include <systemd/sd-daemon.h>

#include "config.h"
#include "fs-util.h"
#include "libcrypto-dl.h"
#include "log.h"
#include "macro.h"
#include "main-util.h"
#include "runner-reply.h"
#include "runner.h"

#define RUNNER_CONFIG_PATH_DEFAULT "/etc/herald/runner.yml"
#define RUNNER_IDLE_USEC_DEFAULT (30ULL * 1000000ULL)

static const char *arg_config = RUNNER_CONFIG_PATH_DEFAULT;
static const char *arg_activate_socket = RUNNER_ACTIVATE_SOCKET;
static const char *arg_results_socket = RUNNER_RESULT_SOCKET;
static uint64_t arg_idle_usec = RUNNER_IDLE_USEC_DEFAULT;
static bool arg_verify = false;

static int help(void) {
        printf("%s [OPTIONS...]\n\n"
               "The remote end of herald's (and Herald's) http_remote executor. Takes POSTs of\n"
               "an execution param signed with X-Herald-Signature (hex HMAC-SHA256 of the body),\n"
               "runs each as a job unit of this host (" RUNNER_JOB_UNIT_PREFIX "ID.service, started\n"
               "by herald-runner-activate.service as root), and answers with the job's result:\n"
               "application/json, or multipart/form-data with the files the result names.\n\n"
               "Started by herald-runner.socket; without sockets from systemd it listens where\n"
               "the config says (host, port, unix_socket).\n\n"
               "Options:\n"
               "  -c --config FILE        The config (default " RUNNER_CONFIG_PATH_DEFAULT ")\n"
               "     --verify             Check the config and exit\n"
               "     --idle-timeout SEC   Exit after SEC seconds with nothing in flight\n"
               "                          (default 30; 0: never)\n"
               "     --activate-socket PATH  Where to ask root to run jobs\n"
               "                          (default " RUNNER_ACTIVATE_SOCKET ")\n"
               "  -h --help               Show this help\n"
               "     --version            Show the version\n",
               program_invocation_short_name);
        return 0;
}

static int parse_argv(int argc, char *argv[]) {
        enum {
                ARG_VERSION = 0x100,
                ARG_VERIFY,
                ARG_IDLE_TIMEOUT,
                ARG_ACTIVATE_SOCKET,
        };
        static const struct option options[] = {
                { "help",            no_argument,       NULL, 'h'                 },
                { "version",         no_argument,       NULL, ARG_VERSION         },
                { "config",          required_argument, NULL, 'c'                 },
                { "verify",          no_argument,       NULL, ARG_VERIFY          },
                { "idle-timeout",    required_argument, NULL, ARG_IDLE_TIMEOUT    },
                { "activate-socket", required_argument, NULL, ARG_ACTIVATE_SOCKET },
                {}
        };
        int c;

        while ((c = getopt_long(argc, argv, "hc:", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        return help();
                case ARG_VERSION:
                        return main_version("herald-runner");
                case 'c':
                        arg_config = optarg;
                        break;
                case ARG_VERIFY:
                        arg_verify = true;
                        break;
                case ARG_IDLE_TIMEOUT:
                        if (main_parse_idle_timeout(optarg, &arg_idle_usec) < 0)
                                return log_error_errno(EINVAL, "--idle-timeout takes whole seconds (0-86400), not '%s'.", optarg);
                        break;
                case ARG_ACTIVATE_SOCKET:
                        arg_activate_socket = optarg;
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

static int on_idle(sd_event_source *s, uint64_t usec, void *userdata) {
        Runner *r = userdata;

        if (r->n_jobs == 0 && http_server_busy(r->http) == 0 && r->n_result_conns == 0) {
                log_debug("Idle: exiting; the socket stays.");
                (void) sd_notify(false, "STOPPING=1");
                return sd_event_exit(r->event, 0);
        }
        runner_arm_idle(r);
        return 0;
}

/**
 * runner_arm_idle() - (re)start the idle countdown
 * @r: the runner
 *
 * Connections are not seen from here; on_idle() looks at them when the time is up.
 */
void runner_arm_idle(Runner *r) {
        if (!r->idle_timer || r->idle_usec == 0 || r->n_jobs > 0)
                return;
        (void) sd_event_source_set_time_relative(r->idle_timer, r->idle_usec);
        (void) sd_event_source_set_enabled(r->idle_timer, SD_EVENT_ONESHOT);
}

/* A listening socket's address as text: "127.0.0.1:8124", "[::1]:8124", a path. */
static void socket_describe(int fd, char *buf, size_t size) {
        union {
                struct sockaddr sa;
                struct sockaddr_in in;
                struct sockaddr_in6 in6;
                struct sockaddr_un un;
        } a = {};
        socklen_t len = sizeof a;
        char ip[INET6_ADDRSTRLEN];

        snprintf(buf, size, "?");
        if (getsockname(fd, &a.sa, &len) < 0)
                return;
        if (a.sa.sa_family == AF_INET && inet_ntop(AF_INET, &a.in.sin_addr, ip, sizeof ip))
                snprintf(buf, size, "%s:%u", ip, ntohs(a.in.sin_port));
        else if (a.sa.sa_family == AF_INET6 && inet_ntop(AF_INET6, &a.in6.sin6_addr, ip, sizeof ip))
                snprintf(buf, size, "[%s]:%u", ip, ntohs(a.in6.sin6_port));
        else if (a.sa.sa_family == AF_UNIX && len > offsetof(struct sockaddr_un, sun_path) && a.un.sun_path[0])
                snprintf(buf, size, "%.*s", (int) (len - offsetof(struct sockaddr_un, sun_path)), a.un.sun_path);
}

/* The config's listener keys lose to systemd's sockets: say so once, rather than let a
 * `port:` look like it was taken. */
static void log_listen_ignored(const RunnerConfig *c, int n) {
        char where[512] = "", one[128];
        size_t l = 0;

        if (!c->host_given && !c->port_given && !c->unix_socket_given)
                return;
        for (int i = 0; i < n && l < sizeof where - 1; i++) {
                socket_describe(SD_LISTEN_FDS_START + i, one, sizeof one);
                l += snprintf(where + l, sizeof where - l, "%s%s", i > 0 ? ", " : "", one);
        }
        log_notice("%s sets %s%s%s%s%s, ignored: herald-runner listens on the socket%s systemd passed (%s); "
                   "'systemctl edit herald-runner.socket' changes them.",
                   c->path ?: arg_config,
                   c->host_given ? "host" : "",
                   c->host_given && (c->port_given || c->unix_socket_given) ? ", " : "",
                   c->port_given ? "port" : "",
                   c->port_given && c->unix_socket_given ? ", " : "",
                   c->unix_socket_given ? "unix_socket" : "",
                   n > 1 ? "s" : "", where);
}

static int listeners_add(Runner *r) {
        const RunnerConfig *c = r->config;
        HttpTriggerConfig cfg = {
                .max_body = (size_t) c->max_body,
                .secret = c->secret,
                .secret_len = c->secret_size,
                .replay_window_sec = c->replay_window_sec,
        };
        char name[32];
        int n, q, fd;

        n = sd_listen_fds(true);
        if (n < 0)
                return log_error_errno(n, "Could not take the sockets systemd passed: %m");
        if (n > 0)
                log_listen_ignored(c, n);
        for (int i = 0; i < n; i++) {
                snprintf(name, sizeof name, "runner-%d", i);
                cfg.name = name;
                q = http_server_add_listener(r->http, SD_LISTEN_FDS_START + i, &cfg);
                if (q < 0)
                        return log_error_errno(q, "Could not serve the socket systemd passed: %m");
                (void) close(SD_LISTEN_FDS_START + i);
        }
        if (n > 0)
                return 0;

        /* Development: bind as Herald Runner does, both when both are given. */
        if (c->unix_socket) {
                q = http_listen_bind(NULL, 0, c->unix_socket, &fd);
                if (q < 0)
                        return log_error_errno(q, "Could not listen on '%s': %m", c->unix_socket);
                cfg.name = "unix";
                q = http_server_add_listener(r->http, fd, &cfg);
                safe_close(fd);
                if (q < 0)
                        return log_error_errno(q, "Could not serve '%s': %m", c->unix_socket);
        }
        if (c->port > 0) {
                q = http_listen_bind(c->host, (uint16_t) c->port, NULL, &fd);
                if (q < 0)
                        return log_error_errno(q, "Could not listen on %s:%u: %m", c->host ?: "*", c->port);
                cfg.name = "tcp";
                q = http_server_add_listener(r->http, fd, &cfg);
                safe_close(fd);
                if (q < 0)
                        return log_error_errno(q, "Could not serve %s:%u: %m", c->host ?: "*", c->port);
        }
        return 0;
}

static int run(void) {
        Runner r = {
                .activate_path = arg_activate_socket,
                .results_path = arg_results_socket,
                .activate_fd = -1,
                .results_fd = -1,
                .idle_usec = arg_idle_usec,
        };
        _cleanup_free_ char *replay = NULL;
        const char *state;
        int q;

        libcrypto_skip_error_strings();         /* no TLS here; OpenSSL's texts are never shown */

        q = runner_config_load(arg_config, &r.config);
        if (q < 0)
                return log_error_errno(q, "Could not load '%s': %m", arg_config);
        diag_list_print(&r.config->diag, stderr, false);
        if (r.config->diag.n_errors > 0) {
                q = log_error_errno(EINVAL, "'%s' has errors; not starting.", arg_config);
                goto finish;
        }
        log_set_max_level(r.config->log_level);
        if (arg_verify) {
                printf("%s: OK (secret from %s)\n", arg_config, runner_secret_source_to_string(r.config->secret_source));
                q = 0;
                goto finish;
        }
        if (geteuid() == 0)
                log_warning("Running as root: herald-runner faces the network and needs no privilege "
                            "(herald-runner.service runs it as " RUNNER_USER ").");

        q = mkdir_p(RUNNER_REQUEST_DIR, 0750);
        if (q < 0) {
                log_error_errno(q, "Could not create " RUNNER_REQUEST_DIR ": %m");
                goto finish;
        }

        sigset_t ss;
        sigemptyset(&ss);
        sigaddset(&ss, SIGTERM);
        sigaddset(&ss, SIGINT);
        (void) sigprocmask(SIG_BLOCK, &ss, NULL);
        (void) signal(SIGPIPE, SIG_IGN);

        q = sd_event_default(&r.event);
        if (q >= 0)
                q = http_server_new(r.event, NULL, runner_on_request, &r, &r.http);
        if (q < 0) {
                log_error_errno(q, "Could not set up the event loop: %m");
                goto finish;
        }
        /* Seen signatures outlive the idle exit: in the StateDirectory= (across reboots), or
         * beside the requests (across restarts) when run without one. */
        state = getenv("STATE_DIRECTORY");
        if (asprintf(&replay, "%s/" HTTP_REPLAY_CACHE_FILE, !isempty(state) ? state : RUNNER_RUN_DIR) < 0 ||
            http_server_keep_replay_cache(r.http, replay) < 0) {
                q = log_oom();
                goto finish;
        }
        q = listeners_add(&r);
        if (q < 0)
                goto finish;
        q = runner_results_listen(&r);
        if (q < 0) {
                log_error_errno(q, "Could not listen for results on %s: %m", r.results_path);
                goto finish;
        }
        q = sd_event_add_time_relative(r.event, &r.idle_timer, CLOCK_MONOTONIC, r.idle_usec ?: 3600ULL * 1000000ULL, 0,
                                       on_idle, &r);
        if (q >= 0 && r.idle_usec == 0)
                q = sd_event_source_set_enabled(r.idle_timer, SD_EVENT_OFF);
        if (q >= 0)
                q = sd_event_add_signal(r.event, NULL, SIGTERM, NULL, NULL);
        if (q >= 0)
                q = sd_event_add_signal(r.event, NULL, SIGINT, NULL, NULL);
        if (q < 0) {
                log_error_errno(q, "Could not set up the event loop: %m");
                goto finish;
        }
        (void) sd_notify(false, "READY=1");
        q = sd_event_loop(r.event);
        if (q < 0)
                log_error_errno(q, "The event loop failed: %m");
finish:
        runner_jobs_free(&r);
        http_server_free(r.http);
        sd_event_source_disable_unref(r.idle_timer);
        sd_event_unref(r.event);
        runner_config_free(r.config);
        return q < 0 ? q : 0;
}

DEFINE_MAIN_FUNCTION("herald-runner", run());
