/* SPDX-License-Identifier: MIT */
/* jobs.c: accepted jobs, from their request file to their result
 *
 * An accepted job has a request file (the durable queue) and waits here until fewer
 * than max_starting starts are in flight and the running limits (global, per router)
 * allow it; then heraldd asks herald-activate (root, starter.c) to start it, as an
 * instance herald-<router>-<task>@<job_id>.service of the task's template unit. Its end is
 * learnt from the result datagram or the journal (chain.c) and counted off; the
 * exe_done routes fire from there, exactly once per finished job.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>
#include <unistd.h>

#include "fs-util.h"
#include "herald-ids.h"
#include "job-request.h"
#include "json-util.h"
#include "log.h"
#include "macro.h"
#include "manager.h"
#include "result-entry.h"
#include "result-read.h"
#include "unit-name.h"

static Job *job_free(Job *j) {
        if (!j)
                return NULL;
        free(j->router);
        free(j->task);
        free(j->unit);
        free(j);
        return NULL;
}

static unsigned router_running(Manager *m, const char *router) {
        return (unsigned) (uintptr_t) strmap_get(&m->router_running, router);
}

static void router_running_add(Manager *m, const char *router, int delta) {
        unsigned n = router_running(m, router);

        n = delta < 0 && n == 0 ? 0 : n + delta;
        if (n == 0)
                (void) strmap_remove(&m->router_running, router);
        else if (strmap_put(&m->router_running, router, (void *) (uintptr_t) n) < 0)
                log_oom();
}

int manager_queue_job(Manager *m, const char *job_id, const char *router, const char *task, unsigned router_max_running,
                      bool chain_step, Firing *firing, Job **ret) {
        Job *j;
        int r;

        if (strmap_get(&m->jobs, job_id))
                return -EEXIST;
        j = calloc(1, sizeof *j);
        if (!j)
                return -ENOMEM;
        snprintf(j->job_id, sizeof j->job_id, "%s", job_id);
        j->router = strdup(router);
        j->task = strdup(task);
        j->unit = unit_name_job_instance(router, task, job_id);
        j->router_max_running = router_max_running;
        j->firing = firing;
        if (!j->router || !j->task || !j->unit) {
                job_free(j);
                return -ENOMEM;
        }
        r = strmap_put(&m->jobs, j->job_id, j);
        if (r < 0) {
                job_free(j);
                return r;
        }
        j->in_queue = true;
        j->chain_step = chain_step;
        if (chain_step) {
                /* Chain steps go before the jobs of new requests (after the chain steps
                 * already waiting): a chain continues as soon as its job ends, whatever
                 * burst of requests is queued. They sit together at the queue's head. */
                Job **at = m->queue_chain_tail ? &m->queue_chain_tail->queue_next : &m->queue_head;
                j->queue_next = *at;
                *at = j;
                if (!j->queue_next)
                        m->queue_tail = j;
                m->queue_chain_tail = j;
        } else {
                if (m->queue_tail)
                        m->queue_tail->queue_next = j;
                else
                        m->queue_head = j;
                m->queue_tail = j;
        }
        m->n_queued++;
        if (ret)
                *ret = j;
        return 0;
}

/* The job's end without a unit run (its start failed): a result entry from heraldd. */
static void job_failed_to_start(Manager *m, Job *j, const char *why) {
        _cleanup_json_ cJSON *param = cJSON_CreateObject(), *result = cJSON_CreateObject();
        _cleanup_free_ char *error = NULL, *name = NULL;

        log_error("Could not start %s (job %s of %s/%s): %s", j->unit, j->job_id, j->router, j->task, why);
        if (asprintf(&error, "Could not start the job unit %s: %s", j->unit, why) < 0 || !param || !result ||
            !cJSON_AddStringToObject(param, "job_id", j->job_id) || !cJSON_AddStringToObject(param, "router", j->router) ||
            !cJSON_AddStringToObject(param, "task", j->task)) {
                log_oom();
                return;
        }
        if (asprintf(&name, "%s.json", j->job_id) >= 0)
                (void) unlinkat(m->requests_fd, name, 0);
        if (result_entry_send(param, j->unit, NULL, false, error, result, "resources", -1) < 0)
                log_error("Could not write the result entry of job %s either.", j->job_id);
        (void) manager_job_result(m, j->job_id, param, false, error, result, false);
}

/* A job handed out that goes back to the queue's head, as it was before. */
static void job_requeue_front(Manager *m, Job *j) {
        if (j->starting && m->n_starting > 0)
                m->n_starting--;
        j->starting = false;
        if (m->n_running > 0)
                m->n_running--;
        router_running_add(m, j->router, -1);
        /* Chain steps stay together at the head: a request's job goes after them. */
        Job **at = j->chain_step || !m->queue_chain_tail ? &m->queue_head : &m->queue_chain_tail->queue_next;
        j->queue_next = *at;
        *at = j;
        if (!j->queue_next)
                m->queue_tail = j;
        if (j->chain_step && !m->queue_chain_tail)
                m->queue_chain_tail = j;
        j->in_queue = true;
        m->n_queued++;
}

/* The trusted result entry of a job, looked up in a journal of its own (a lookup replaces
 * the follower's matches and position): 1 and *ret, 0 when none, or a negative errno. */
static int lookup_result(Manager *m, const char *job_id, HeraldResult **ret) {
        uid_t trusted[] = { 0, m->own_uid };
        int r;

        if (!m->lookup_journal) {
                r = sd_journal_open(&m->lookup_journal, SD_JOURNAL_LOCAL_ONLY | SD_JOURNAL_SYSTEM);
                if (r < 0)
                        return r;
        }
        return result_find_by_job_id(m->lookup_journal, job_id, trusted, ELEMENTSOF(trusted), ret);
}

/* A job herald-activate says was started before (asked again after a lost connection or
 * a restart) may have ended long ago, its result behind the journal cursor, where the
 * follower will not see it again: without this it would stay counted as running. Its
 * result is taken as a journal replay is (its chain fires only if it never did). */
static bool job_result_in_journal(Manager *m, const char *job_id) {
        _cleanup_(herald_result_freep) HeraldResult *res = NULL;

        if (lookup_result(m, job_id, &res) <= 0)
                return false;
        (void) manager_job_result(m, job_id, res->param, res->success == 1, res->error, res->result, true);
        return true;
}

/**
 * manager_job_start_answered: herald-activate's answer to a START.
 * @verb: STARTED (its start job ran), ALREADY (started before), or FAILED (not
 *        started; herald-activate wrote its failed result and sent it as a datagram)
 *
 * The job stays counted as running until its result comes (chain.c).
 */
void manager_job_start_answered(Manager *m, ActivateVerb verb, const char *job_id, const char *text) {
        Job *j = strmap_get(&m->jobs, job_id);

        if (!j || !j->starting)
                return;         /* its result came first (manager_job_result() counted it off) */
        j->starting = false;
        m->n_starting--;
        j->started = true;
        if (verb == ACTIVATE_FAILED)
                log_warning("herald-activate did not start job %s of %s/%s: %s", j->job_id, j->router, j->task,
                            strna(text));
        if (verb == ACTIVATE_ALREADY && job_result_in_journal(m, job_id))
                return;         /* counted off and chained (once) by manager_job_result() */
        manager_pump(m);
}

/**
 * manager_starter_lost: the connection to herald-activate went before it answered.
 *
 * The jobs it had not answered for are asked for again on a new connection: each was
 * started once (herald-activate answers ALREADY) or not at all.
 */
void manager_starter_lost(Manager *m) {
        const char *key;
        void *v;

        for (size_t i = 0; strmap_next(&m->jobs, &i, &key, &v);) {
                Job *j = v;
                if (j->starting && !j->in_queue)
                        job_requeue_front(m, j);
        }
        manager_pump(m);
}

/* Takes j, which follows prev (NULL: j is the head), out of the queue. */
static void queue_unlink(Manager *m, Job *prev, Job *j) {
        if (prev)
                prev->queue_next = j->queue_next;
        else
                m->queue_head = j->queue_next;
        if (m->queue_tail == j)
                m->queue_tail = prev;
        /* Chain steps come first, so the one before the last chain step is one too. */
        if (m->queue_chain_tail == j)
                m->queue_chain_tail = prev;
        j->queue_next = NULL;
}

static bool job_may_start(Manager *m, const Job *j) {
        if (m->max_running > 0 && m->n_running >= m->max_running)
                return false;
        return j->router_max_running == 0 || router_running(m, j->router) < j->router_max_running;
}

/**
 * manager_pump: hand queued jobs to systemd while the window and the limits allow.
 *
 * A job held back by its router's limit does not hold back other routers' jobs.
 */
void manager_pump(Manager *m) {
        Job *prev, *j;

        /* A failed start ends its job at once, which pumps again: do that here, not nested. */
        if (m->pumping) {
                m->pump_again = true;
                return;
        }
        m->pumping = true;
again:
        m->pump_again = false;
        prev = NULL;
        j = m->queue_head;
        while (j && m->n_starting < m->max_starting && (m->max_running == 0 || m->n_running < m->max_running)) {
                Job *next = j->queue_next;
                int r;

                if (!job_may_start(m, j)) {
                        prev = j;
                        j = next;
                        continue;
                }
                /* Out of the queue first: the start may fail at once. */
                queue_unlink(m, prev, j);
                j->in_queue = false;
                m->n_queued--;
                m->n_running++;
                router_running_add(m, j->router, +1);

                r = manager_starter_send(m, ACTIVATE_START, j->job_id, j->router, j->task);
                if (r == -EAGAIN) {
                        /* No room on the connection: back to the head, on when there is. */
                        job_requeue_front(m, j);
                        break;
                }
                if (r >= 0) {
                        j->starting = true;
                        m->n_starting++;
                }
                if (r < 0) {
                        errno = -r;
                        job_failed_to_start(m, j, strerror(-r));
                        /* The queue may have changed under us: start over. */
                        prev = NULL;
                        j = m->queue_head;
                        continue;
                }
                j = next;
        }
        if (m->pump_again)
                goto again;
        m->pumping = false;
}

static void chained_remember(Manager *m, const char *job_id) {
        char **slot = &m->chained_ring[m->chained_ring_pos];

        if (*slot) {
                (void) strmap_remove(&m->chained, *slot);
                free(*slot);
        }
        *slot = strdup(job_id);
        if (!*slot || strmap_put(&m->chained, job_id, NULL) < 0)
                log_oom();
        m->chained_ring_pos = (m->chained_ring_pos + 1) % MANAGER_CHAINED_REMEMBERED;
}

/**
 * manager_job_result: a job ended (result datagram, journal entry, or heraldd's own entry).
 * @from_journal: read back from the journal (maybe seen before, maybe replayed after a
 *   crash): chain steps are started only if they never started
 *
 * Return: 0; a negative errno (logged) when its chain could not be fired.
 */
int manager_job_result(Manager *m, const char *job_id, const cJSON *param, bool success, const char *error,
                       const cJSON *result, bool from_journal) {
        Job *j;

        if (!job_id || strmap_contains(&m->chained, job_id))
                return 0;
        chained_remember(m, job_id);

        j = strmap_remove(&m->jobs, job_id);
        /* A result of a job this process did not start (a timer route's, or one an
         * earlier heraldd started) may have been chained by an earlier heraldd, from the
         * journal, before its datagram was read here: check its steps as for a replay.
         * A job started here finished after this process began: its chain is new. */
        if (!j)
                from_journal = true;
        if (j) {
                if (j->in_queue) {
                        /* Ended before we started it (a start from an earlier heraldd). */
                        Job *prev = NULL;
                        for (Job *q = m->queue_head; q; prev = q, q = q->queue_next)
                                if (q == j) {
                                        queue_unlink(m, prev, q);
                                        break;
                                }
                        m->n_queued--;
                } else {
                        if (m->n_running > 0)
                                m->n_running--;
                        if (j->starting && m->n_starting > 0)
                                m->n_starting--;
                        router_running_add(m, j->router, -1);
                }
                if (j->firing)
                        firing_job_finished(j->firing, j, success, error, result);
                job_free(j);
                manager_pump(m);
        }
        return manager_fire_exe_done(m, job_id, param, success, error, result, from_journal);
}

/**
 * manager_chain_step_started: has this job id ever been started?
 *
 * Yes when its request file is there (queued, or about to be started), its tombstone is
 * (herald-activate --serve took the request), or its result entry is in the journal.
 */
bool manager_chain_step_started(Manager *m, const char *job_id) {
        _cleanup_free_ char *name = NULL, *tomb = NULL;
        _cleanup_(herald_result_freep) HeraldResult *res = NULL;

        if (asprintf(&name, "%s.json", job_id) < 0 || asprintf(&tomb, JOB_STARTED_DIR "/%s", job_id) < 0)
                return true;    /* out of memory: rather miss a step than run it twice */
        if (faccessat(m->requests_fd, name, F_OK, AT_SYMLINK_NOFOLLOW) >= 0 || access(tomb, F_OK) >= 0)
                return true;
        if (strmap_contains(&m->jobs, job_id))
                return true;
        /* Last, its result entry: a 'none' step has no request file or tombstone, and a
         * unit step's tombstone is gone after a reboot (/run) or a day (tmpfiles). */
        return lookup_result(m, job_id, &res) > 0;
}

/**
 * manager_load_pending_requests: queue the request files an earlier heraldd accepted
 * but may not have started (it was stopped or killed). Asking again for a job that was
 * started is harmless: herald-activate takes a request once and answers ALREADY.
 */
int manager_load_pending_requests(Manager *m) {
        _cleanup_close_ int fd = openat(m->requests_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *d;
        struct dirent *de;
        unsigned n = 0;

        if (fd < 0)
                return -errno;
        d = fdopendir(fd);
        if (!d)
                return -errno;
        TAKE_FD(fd);
        while ((de = readdir(d))) {
                _cleanup_(job_request_done) JobRequest req = {};
                _cleanup_free_ char *text = NULL;
                const char *dot = strrchr(de->d_name, '.');
                const Router *r;
                size_t size;
                int k;

                if (de->d_name[0] == '.' || !dot || !streq(dot, ".json"))
                        continue;
                k = read_file_at(m->requests_fd, de->d_name, JOB_REQUEST_SIZE_MAX, &text, &size);
                if (k >= 0)
                        k = job_request_parse(text, size, &req);
                if (k < 0) {
                        log_warning_errno(k, "Ignoring the request file '%s': %m", de->d_name);
                        continue;
                }
                r = workflow_find_router(m->workflow->w, req.router);
                k = manager_queue_job(m, req.job_id, req.router, req.task, r ? router_max_running(r->max_running) : 0,
                                      req.chain_depth > 0, NULL, NULL);
                if (k < 0 && k != -EEXIST) {
                        closedir(d);
                        return k;
                }
                n += k >= 0;
        }
        closedir(d);
        if (n > 0)
                log_info("Starting %u accepted job(s) an earlier heraldd had not seen end.", n);
        manager_pump(m);
        return 0;
}

/* A job of this router and task that heraldd accepted and has not seen end, or NULL. */
const Job *manager_find_job(Manager *m, const char *router, const char *task) {
        const char *key;
        void *v;

        for (size_t i = 0; strmap_next(&m->jobs, &i, &key, &v);) {
                const Job *j = v;
                if (streq(j->router, router) && streq(j->task, task))
                        return j;
        }
        return NULL;
}

/* concurrency: replace. Started ones are stopped (their results still come, failed);
 * queued ones are left to start and be stopped by the next firing, which is rare. */
void manager_stop_jobs(Manager *m, const char *router, const char *task) {
        const char *key;
        void *v;

        for (size_t i = 0; strmap_next(&m->jobs, &i, &key, &v);) {
                const Job *j = v;
                if (!j->started || !streq(j->router, router) || !streq(j->task, task))
                        continue;
                int r = manager_starter_send(m, ACTIVATE_STOP, j->job_id, j->router, j->task);
                if (r < 0)
                        log_warning_errno(r, "Could not stop %s (concurrency: replace), ignoring: %m", j->unit);
                else
                        log_info("Stopping %s: a new job of %s/%s replaces it (concurrency: replace).", j->unit, router, task);
        }
}
