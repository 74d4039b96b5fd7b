/* SPDX-License-Identifier: MIT */
/* start-window.c: bounded asynchronous start calls on one bus connection
 *
 * Starting jobs one blocking call at a time caps a firing at one round trip to PID 1
 * per job; sending them all at once runs into dbus-daemon's limit of 128 pending
 * replies per connection ("The maximum number of pending replies per connection has
 * been reached"). So calls go out asynchronously with at most max_in_flight awaiting
 * their reply (DESIGN.md, The bus).
 *
 * Sending is apart from waiting: a reply runs its callback from whatever processes the
 * bus. herald-activate, with no loop, asks start_window_full() before it sends and
 * calls start_window_drain() after each send and at the end. herald-activate --serve
 * and --serve-runner attach the bus to their sd-event loop and never wait here.
 * --serve-runner asks start_window_full() and answers BUSY (herald-runner's 503).
 * --serve just asks: a start asked for while the window is full waits in a FIFO (at
 * most START_WINDOW_WAITING_MAX) and goes out when a call ends. heraldd bounds what it
 * asks for (--max-starting), but counts a job off when its result comes, which can be
 * before its start job's JobRemoved reached us when PID 1 is busy: refusing then would
 * fail a job that was accepted (seen with --max-starting 64).
 */
#include <errno.h>
#include <stdlib.h>

#include "bus-unit.h"
#include "macro.h"
#include "start-window.h"

typedef struct StartCall StartCall;
struct StartCall {
        StartWindow *window;
        StartCall *prev, *next;
        sd_bus_slot *slot;
        char *unit;
        StartReplyFunc cb;
        void *userdata;
        char *job;                      /* waiting for this start job to finish */
        bool waiting;                   /* not sent yet: in the window's FIFO */
};

struct StartWindow {
        sd_bus *bus;
        unsigned max_in_flight;
        unsigned in_flight;
        StartCall *calls;               /* awaiting their reply (or their job's end) */
        StartCall *waiting_head, *waiting_tail; /* not sent yet, oldest first (next) */
        unsigned n_waiting;
        sd_bus_slot *job_removed;       /* set by start_window_wait_jobs() */
};

static int call_send(StartCall *c);

/* Takes the oldest waiting call out of the FIFO. */
static StartCall *waiting_pop(StartWindow *w) {
        StartCall *c = w->waiting_head;

        w->waiting_head = c->next;
        if (!w->waiting_head)
                w->waiting_tail = NULL;
        w->n_waiting--;
        c->waiting = false;
        c->next = NULL;
        return c;
}

/**
 * start_window_new: a window of start calls on a bus connection.
 * @bus: the connection (a reference is taken)
 * @max_in_flight: the most calls awaiting a reply (1..128; START_WINDOW_DEFAULT)
 * @ret: the window; release with start_window_free()
 *
 * Return: 0; -EINVAL for a window of 0 or over 128; -ENOMEM.
 */
int start_window_new(sd_bus *bus, unsigned max_in_flight, StartWindow **ret) {
        StartWindow *w;

        if (!bus || max_in_flight == 0 || max_in_flight > 128)
                return -EINVAL;
        w = calloc(1, sizeof *w);
        if (!w)
                return -ENOMEM;
        w->bus = sd_bus_ref(bus);
        w->max_in_flight = max_in_flight;
        *ret = w;
        return 0;
}

static void call_free(StartCall *c) {
        StartWindow *w = c->window;

        if (c->waiting) {
                /* only ever the head (start_window_free()): waiting calls leave in order */
                free(waiting_pop(w)->unit);
                free(c);
                return;
        }
        if (c->prev)
                c->prev->next = c->next;
        else
                w->calls = c->next;
        if (c->next)
                c->next->prev = c->prev;
        w->in_flight--;
        sd_bus_slot_unref(c->slot);
        free(c->unit);
        free(c->job);
        free(c);
}

/**
 * start_window_free: drop a window; calls still awaiting a reply are forgotten.
 * @w: the window (may be NULL)
 *
 * Their callbacks are never run; the start jobs themselves may still happen. Not to be
 * called from one of the window's own callbacks.
 *
 * Return: NULL.
 */
StartWindow *start_window_free(StartWindow *w) {
        if (!w)
                return NULL;
        while (w->calls)
                call_free(w->calls);
        while (w->waiting_head)
                call_free(w->waiting_head);
        sd_bus_slot_unref(w->job_removed);
        sd_bus_unref(w->bus);
        free(w);
        return NULL;
}

/**
 * start_window_full: whether another call would pass the window's limit.
 * @w: the window
 *
 * Return: true when max_in_flight calls await their reply.
 */
bool start_window_full(const StartWindow *w) {
        return w->in_flight >= w->max_in_flight;
}

/**
 * start_window_in_flight: how many calls await their reply, or wait to be sent.
 * @w: the window
 *
 * Return: the count.
 */
unsigned start_window_in_flight(const StartWindow *w) {
        return w->in_flight + w->n_waiting;
}

/* Sends what waits while there is room; a call that cannot be sent gets its error. */
static void send_waiting(StartWindow *w) {
        while (w->waiting_head && !start_window_full(w)) {
                StartCall *c = waiting_pop(w);
                StartReplyFunc cb = c->cb;
                void *data = c->userdata;
                int r = call_send(c);

                if (r < 0) {
                        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
                        _cleanup_free_ char *unit = c->unit;

                        free(c);
                        sd_bus_error_set_errno(&e, r);
                        if (cb)
                                cb(unit, &e, data);
                }
        }
}

static void call_done(StartCall *c, const sd_bus_error *error) {
        StartWindow *w = c->window;
        StartReplyFunc cb = c->cb;
        void *data = c->userdata;
        _cleanup_free_ char *unit = TAKE_PTR(c->unit);

        /* Freed first, and what waited sent, so the callback sees the window as it is. */
        call_free(c);
        send_waiting(w);
        if (cb)
                cb(unit, error, data);
}

static int on_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        StartCall *c = userdata;
        const char *job = NULL;

        if (c->window->job_removed && !sd_bus_message_is_method_error(reply, NULL) &&
            sd_bus_message_read(reply, "o", &job) >= 0) {
                /* Queued: the call stays in the window until its job has run. PID 1 sends
                 * the reply before it runs the job, and the signal after, in that order. */
                c->job = strdup(job);
                if (c->job) {
                        c->slot = sd_bus_slot_unref(c->slot);
                        return 0;
                }
        }
        call_done(c, sd_bus_message_get_error(reply));
        return 0;
}

/* JobRemoved(u id, o job, s unit, s result) */
static int on_job_removed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        StartWindow *w = userdata;
        const char *job, *unit, *result;
        uint32_t id;

        if (sd_bus_message_read(m, "uoss", &id, &job, &unit, &result) < 0)
                return 0;
        for (StartCall *c = w->calls; c; c = c->next)
                if (c->job && streq(c->job, job)) {
                        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
                        if (!streq(result, "done"))
                                sd_bus_error_setf(&e, "org.herald.StartJobResult", "%s", result);
                        call_done(c, streq(result, "done") ? NULL : &e);
                        break;
                }
        return 0;
}

/**
 * start_window_wait_jobs: from now on a call stays in the window until its start job ran.
 * @w: the window
 *
 * StartUnit's reply comes as soon as PID 1 queued the job, so a window of replies does
 * not bound PID 1's own queue: a burst would sit there, and a later start (a chain's
 * next step) behind all of it. With this, a call's callback runs on the job's
 * JobRemoved signal (error NULL for "done", else org.herald.StartJobResult with the
 * result), and max_in_flight bounds the start jobs PID 1 holds. Subscribes to
 * systemd's signals (once per connection).
 *
 * Return: 0, or a negative errno from the bus.
 */
int start_window_wait_jobs(StartWindow *w) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        if (w->job_removed)
                return 0;
        r = sd_bus_match_signal(w->bus, &w->job_removed, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                "org.freedesktop.systemd1.Manager", "JobRemoved", on_job_removed, w);
        if (r < 0)
                return r;
        r = sd_bus_call_method(w->bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                               "org.freedesktop.systemd1.Manager", "Subscribe", &error, NULL, NULL);
        if (r < 0 && sd_bus_error_has_name(&error, "org.freedesktop.systemd1.AlreadySubscribed"))
                r = 0;
        if (r < 0)
                w->job_removed = sd_bus_slot_unref(w->job_removed);
        return r;
}

/* StartUnit(c->unit, "replace"), in the window: c joins w->calls. */
static int call_send(StartCall *c) {
        StartWindow *w = c->window;
        sd_bus_message *m = NULL;
        int r;

        r = sd_bus_message_new_method_call(w->bus, &m, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                           "org.freedesktop.systemd1.Manager", "StartUnit");
        if (r >= 0)
                r = sd_bus_message_append(m, "ss", c->unit, "replace");
        if (r >= 0)
                r = sd_bus_call_async(w->bus, &c->slot, m, on_reply, c, 0);
        sd_bus_message_unref(m);
        if (r < 0)
                return r;
        c->prev = NULL;
        c->next = w->calls;
        if (w->calls)
                w->calls->prev = c;
        w->calls = c;
        w->in_flight++;
        return 0;
}

/**
 * start_window_start_unit: StartUnit(@unit_name, "replace"), its reply to @cb.
 * @w: the window
 * @unit_name: the unit (a template instance, for heraldd)
 * @cb: called with the unit and NULL (the start job was queued, or with
 *      start_window_wait_jobs() ran) or the error; may be NULL
 * @userdata: for @cb
 *
 * When the window is full the call waits, in order, until one ends (at most
 * START_WINDOW_WAITING_MAX wait). Starting a unit that is already queued or running is
 * a no-op for systemd, which is what heraldd's replays rely on.
 *
 * Return: 0 once sent or waiting; -EBUSY when START_WINDOW_WAITING_MAX already wait;
 * -ENOMEM; a negative errno from the bus.
 */
int start_window_start_unit(StartWindow *w, const char *unit_name, StartReplyFunc cb, void *userdata) {
        StartCall *c;
        int r;

        if (start_window_full(w) && w->n_waiting >= START_WINDOW_WAITING_MAX)
                return -EBUSY;
        c = calloc(1, sizeof *c);
        if (!c)
                return -ENOMEM;
        *c = (StartCall) { .window = w, .unit = strdup(unit_name), .cb = cb, .userdata = userdata };
        if (!c->unit) {
                free(c);
                return -ENOMEM;
        }
        if (start_window_full(w)) {
                c->waiting = true;
                if (w->waiting_tail)
                        w->waiting_tail->next = c;
                else
                        w->waiting_head = c;
                w->waiting_tail = c;
                w->n_waiting++;
                return 0;
        }
        r = call_send(c);
        if (r < 0) {
                free(c->unit);
                free(c);
        }
        return r;
}

/**
 * start_window_drain: process the bus until few enough calls await their reply.
 * @w: the window
 * @max_in_flight: how many may still await one (0: all answered)
 *
 * For a program without an event loop: it blocks on the bus. Callbacks run from here.
 *
 * Return: 0; a negative errno when the bus fails (the calls left are then unanswered).
 */
int start_window_drain(StartWindow *w, unsigned max_in_flight) {
        while (w->in_flight + w->n_waiting > max_in_flight) {
                int r = sd_bus_process(w->bus, NULL);
                if (r < 0)
                        return r;
                if (r > 0)
                        continue;
                r = sd_bus_wait(w->bus, UINT64_MAX);
                if (r < 0 && r != -EINTR)
                        return r;
        }
        return 0;
}
