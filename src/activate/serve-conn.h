/* SPDX-License-Identifier: MIT */
/* serve-conn.h: the SOCK_SEQPACKET server both root ends of herald-activate run
 *
 * --serve (heraldd's job starts) and --serve-runner (herald-runner's jobs) take the
 * same kind of socket from systemd, let in only root and one user, read one
 * activate-protocol message per packet, start units through one StartWindow and exit
 * when idle. This is that part; each keeps only what it does with a request.
 */
#pragma once

#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-bus.h>

#include "activate-protocol.h"
#include "start-window.h"

typedef struct ServeConn ServeConn;
typedef struct ServeServer ServeServer;

typedef struct ServeInfo {
        const char *peer;               /* who connects, in messages: "heraldd" */
        const char *peer_allowed;       /* "Refusing a connection from uid N: only root and %s." */
        const char *socket_unit;        /* the socket systemd passes, in messages */
        unsigned verbs;                 /* the verbs taken, as (1u << ActivateVerb) */
        uid_t peer_uid;                 /* the one user besides root let in */
        /* One message of a taken verb; c stays valid for the call (serve_conn_ref() to keep it). */
        void (*handle)(ServeConn *c, const ActivateMessage *m, void *userdata);
        void *userdata;
} ServeInfo;

int serve_server_run(const ServeInfo *info, const char *listen_path, uint64_t idle_usec);

ServeConn *serve_conn_ref(ServeConn *c);
ServeConn *serve_conn_unref(ServeConn *c);
void serve_conn_release(ServeConn *c);
void serve_conn_reply(ServeConn *c, ActivateVerb verb, const char *job_id, const char *text);
sd_bus *serve_conn_bus(const ServeConn *c);
StartWindow *serve_conn_window(const ServeConn *c);
