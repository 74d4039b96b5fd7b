/* SPDX-License-Identifier: MIT */
/* herald-ids.h: journal MESSAGE_IDs and the paths that tie the programs together */
#pragma once

/* One entry per finished job: the result store (catalog/herald.catalog). */
#define HERALD_MESSAGE_RESULT "39d34c102f1d482caf41e75fca8199a7"
/* A firing skipped for a task because its previous run is still going (concurrency: forbid). */
#define HERALD_MESSAGE_SKIPPED "19cf9f42260248c8aff10232cf4aa544"
/* One entry per firing of a trigger: trigger id, counter, how many jobs started. */
#define HERALD_MESSAGE_ACTIVATION "b4e85c648f7644e9a0d41ac60e67f6a6"

/* Per-job state handed from the activation to herald-exec (see docs/ARCHITECTURE.md). */
#define HERALD_RUN_DIR "/run/herald"
#define HERALD_JOBS_DIR HERALD_RUN_DIR "/jobs"
#define HERALD_TICK_DIR HERALD_RUN_DIR "/tick"
#define HERALD_APPLIED_DIR HERALD_RUN_DIR "/applied"

#define HERALD_SLICE "herald.slice"
/* Everything of herald's that runs is PartOf= it (units/herald.target). */
#define HERALD_TARGET "herald.target"
/* The OnFailure= unit of a job whose herald-exec writes its own result entry
 * (units/herald-result@.service): herald-result@<job_id>.service. No job unit can be
 * named so: a job template is herald-<router>-<task>@ with '-' escaped in both. */
#define HERALD_RESULT_UNIT_PREFIX "herald-result@"

/* heraldd: its unit, its user and group (units/herald.sysusers), the datagram socket
 * herald-done sends results to, and the request files heraldd writes before it starts a
 * template job (docs/HERALDD.md). */
#define HERALDD_SERVICE "heraldd.service"
#define HERALD_USER "herald"
#define HERALD_GROUP "herald"
#define HERALD_NOTIFY_SOCKET HERALD_RUN_DIR "/notify"
#define HERALDD_NOTIFY_SOCKET_UNIT "heraldd-notify.socket"
#define HERALDD_NOTIFY_FD_NAME "notify"
/* Where heraldd asks root to start its jobs (herald-activate --serve). */
#define HERALD_ACTIVATE_SOCKET_UNIT "herald-activate.socket"
/* Where the generator puts heraldd.service's LoadCredential= lines for 'secret_file's. */
#define HERALDD_CREDENTIALS_DROPIN HERALDD_SERVICE ".d/50-herald-credentials.conf"
