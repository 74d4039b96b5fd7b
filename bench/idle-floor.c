/* SPDX-License-Identifier: MIT */
/* idle-floor: the smallest daemon of heraldd's kind, for bench/heraldd.sh's memory row
 *
 * An sd-event loop with one libmicrohttpd daemon (external epoll mode, as heraldd runs
 * it) listening on 127.0.0.1:PORT, answering nothing, linked with exactly the libraries
 * such a daemon cannot do without: libc, libsystemd, libmicrohttpd (and what they pull
 * in: gnutls and its helpers, libgcrypt, the compression libraries). Its VmRSS once idle
 * is the floor heraldd's idle VmRSS is measured against: what is above it is heraldd's
 * own (its code, libcrypto, libyaml, cJSON, the workflow, its heap).
 *
 * usage: idle-floor PORT     (runs until SIGTERM)
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include <microhttpd.h>
#include <systemd/sd-event.h>

static enum MHD_Result on_access(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                 const char *version, const char *data, size_t *size, void **req_cls) {
        return MHD_NO;
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        (void) MHD_run(userdata);
        return 0;
}

int main(int argc, char *argv[]) {
        const union MHD_DaemonInfo *info;
        struct MHD_Daemon *d;
        sd_event *e = NULL;
        sigset_t ss;
        int port;

        if (argc != 2 || (port = atoi(argv[1])) <= 0 || port > 65535) {
                fprintf(stderr, "usage: idle-floor PORT\n");
                return 2;
        }
        sigemptyset(&ss);
        sigaddset(&ss, SIGTERM);
        sigaddset(&ss, SIGINT);
        sigprocmask(SIG_BLOCK, &ss, NULL);

        d = MHD_start_daemon(MHD_USE_EPOLL, (uint16_t) port, NULL, NULL, on_access, NULL, MHD_OPTION_END);
        info = d ? MHD_get_daemon_info(d, MHD_DAEMON_INFO_EPOLL_FD) : NULL;
        if (!info) {
                fprintf(stderr, "idle-floor: cannot listen on port %d\n", port);
                return 1;
        }
        if (sd_event_default(&e) < 0 || sd_event_add_io(e, NULL, info->epoll_fd, EPOLLIN, on_io, d) < 0 ||
            sd_event_add_signal(e, NULL, SIGTERM, NULL, NULL) < 0 || sd_event_add_signal(e, NULL, SIGINT, NULL, NULL) < 0) {
                fprintf(stderr, "idle-floor: sd-event setup failed\n");
                return 1;
        }
        printf("listening\n");
        fflush(stdout);
        sd_event_loop(e);
        MHD_stop_daemon(d);
        sd_event_unref(e);
        return 0;
}
