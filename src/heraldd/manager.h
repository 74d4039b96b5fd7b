/* SPDX-License-Identifier: MIT */
/* manager.h: heraldd's state, shared by its modules */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>
#include <systemd/sd-journal.h>

#include "herald-id.h"
#include "http-server.h"
#include "selector.h"
#include "activate-protocol.h"
#include "strmap.h"
#include "workflow.h"

/* A router's max_running, as the queue counts it (0: no limit). */
static inline unsigned router_max_running(uint64_t v) {
        return v > UINT32_MAX ? UINT32_MAX : (unsigned) v;
}

/* Defaults; each has an option (main.c). */
#define MANAGER_IDLE_TIMEOUT_USEC (30ULL * 1000000ULL)
#define MANAGER_MAX_QUEUED 4096         /* accepted jobs not yet started, beyond: 503 */
#define MANAGER_MAX_RUNNING 256         /* jobs heraldd started that have not ended */
#define MANAGER_CHAIN_DEPTH_MAX 16
/* Starts asked of herald-activate and not yet run by PID 1: a few keep PID 1 busy, and a
 * chain's next step never waits behind more than these (docs/HERALDD.md). */
#define MANAGER_MAX_STARTING 4
#define MANAGER_SELECTOR_TIMEOUT_USEC (30ULL * 1000000ULL)
#define MANAGER_CHAINED_REMEMBERED 65536 /* finished job ids kept to skip their second sighting */
#define MANAGER_RETRY_AFTER_SEC 1

/* A loaded workflow, shared by the firings that were selected under it: a reload
 * swaps in a new one while older firings finish with theirs. */
typedef struct WorkflowRef {
        Workflow *w;
        unsigned n_ref;
} WorkflowRef;

WorkflowRef *workflow_ref(WorkflowRef *r);
WorkflowRef *workflow_unref(WorkflowRef *r);

typedef struct Firing Firing;
typedef struct Job Job;

/* One job heraldd asked systemd to run (or is about to). */
struct Job {
        char job_id[HERALD_ID_LEN + 1];
        char *router, *task, *unit;
        unsigned router_max_running;    /* 0: no limit */
        Firing *firing;                 /* an HTTP request waiting for the result (wait: true) */
        bool started;                   /* its start job ran */
        bool starting;                  /* asked of herald-activate, not answered yet */
        bool in_queue;
        bool chain_step;                /* an exe_done step: queued before new requests' jobs */
        Job *queue_next;
};

typedef struct Manager {
        sd_event *event;
        sd_bus *bus;                    /* listing units (concurrency) */
        /* Herald job units were running when this heraldd started (an earlier one may have
         * started them): concurrency forbid/replace then asks systemd too. */
        bool foreign_jobs;
        const char *starter_path;       /* herald-activate's socket */
        int starter_fd;
        sd_event_source *starter_source;
        WorkflowRef *workflow;
        char *workflow_path;
        char *state_dir;
        int requests_fd;                /* state_dir/requests */
        uid_t own_uid;

        HttpServer *http;
        char **listener_names;          /* the http triggers we have a socket for */
        StrMap refused;                 /* trigger -> reason (static text): answered 503, its
                                         * secret not in force (main.c, listener_config()) */

        int notify_fd;                  /* the datagram socket herald-done writes results to */
        sd_event_source *notify_source;

        sd_journal *journal;            /* result entries, followed from the saved cursor */
        sd_journal *lookup_journal;     /* looking a job id up (chain.c's stays where it is) */
        sd_event_source *journal_source;
        sd_event_source *journal_more;  /* reads the next batch when catching up */
        char *cursor;                   /* the last entry read */
        bool cursor_dirty;
        sd_event_source *cursor_timer;
        bool catching_up;               /* reading entries written while heraldd was down */

        StrMap jobs;                    /* job_id -> Job, from request to result */
        Job *queue_head, *queue_tail;   /* accepted, not yet handed to systemd */
        Job *queue_chain_tail;          /* the last chain step in the queue (they come first) */
        unsigned n_queued, n_running, n_starting;
        bool pumping, pump_again;
        StrMap router_running;          /* router -> (uintptr_t) running count */

        StrMap chained;                 /* finished job ids already chained */
        char **chained_ring;            /* the same ids, oldest first, to forget the oldest */
        size_t chained_ring_pos;

        unsigned n_firings;             /* firings not yet settled (selectors, replies) */
        unsigned n_chain_firings_pending; /* exe_done firings with selectors running (cursor waits) */

        /* limits */
        uint64_t idle_timeout_usec;
        unsigned max_queued, max_running, max_starting, chain_depth_max;
        bool exit_when_idle_soon;       /* a reload found triggers we hold no socket for */

        /* status.h: the status page and /metrics */
        struct MetricsState *metrics;   /* run totals read from the journal */
        uint64_t start_realtime_usec;
} Manager;

/* firing.c: one firing of an http trigger or of exe_done */
void manager_on_http_trigger(HttpRequest *req, const char *trigger_name, cJSON *trigger_param, void *userdata);
int manager_fire_exe_done(Manager *m, const char *finished_job_id, const cJSON *param, bool success,
                          const char *error, const cJSON *result, bool check_started);
void firing_job_finished(Firing *f, const Job *j, bool success, const char *error, const cJSON *result);

/* jobs.c: the queue of accepted jobs, their start, their end */
int manager_queue_job(Manager *m, const char *job_id, const char *router, const char *task, unsigned router_max_running,
                      bool chain_step, Firing *firing, Job **ret);
void manager_pump(Manager *m);
int manager_job_result(Manager *m, const char *job_id, const cJSON *param, bool success, const char *error,
                       const cJSON *result, bool from_journal);
int manager_load_pending_requests(Manager *m);
const Job *manager_find_job(Manager *m, const char *router, const char *task);
void manager_stop_jobs(Manager *m, const char *router, const char *task);
bool manager_chain_step_started(Manager *m, const char *job_id);
void manager_job_start_answered(Manager *m, ActivateVerb verb, const char *job_id, const char *text);
void manager_starter_lost(Manager *m);

/* starter.c: the connection to herald-activate --serve */
int manager_starter_send(Manager *m, ActivateVerb verb, const char *job_id, const char *router, const char *task);
void manager_starter_done(Manager *m);

/* chain.c: the result datagrams and the journal */
int manager_notify_setup(Manager *m, int fd);
int manager_journal_setup(Manager *m);
void manager_journal_done(Manager *m);

bool manager_is_idle(const Manager *m);
