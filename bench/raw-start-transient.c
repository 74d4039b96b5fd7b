/* SPDX-License-Identifier: MIT */
/* raw-start-transient: the ceiling for herald's job start rate
 *
 * Starts N transient services through org.freedesktop.systemd1.Manager.StartTransientUnit
 * with at most W calls in flight, as herald-activate does (src/shared/start-window.h, window
 * 64), and returns once every call is answered, as herald-activate does. Nothing else
 * happens per unit: no job files, no workflow, no selector, so this is what PID 1 and
 * dbus-daemon manage on this machine, the most herald can reach. bench/job-throughput.sh
 * takes the rate from PID 1's "Started" messages.
 *
 * With --watch it also subscribes to PID 1's signals and counts the JobRemoved of its
 * units (a start job of a Type=exec service is removed once the main process was
 * exec'd), and the figure is N divided by the time from the first call to the last
 * JobRemoved. Subscribing makes PID 1 send signals for every unit and dbus-daemon relay
 * them, which costs both CPU (about 0.35 ms per unit on dbus-daemon here) and so lowers
 * the ceiling; herald-activate does not subscribe, so the script does not either.
 *
 * Usage: raw-start-transient [--units N] [--window W] [--slice S] [--stop-post[=PATH]] [--watch] [--herald-props]
 *        [--template=NAME] [-- CMD...]
 * Output: one line of key=value pairs (bench/job-throughput.sh parses it). units_per_s
 * uses this client's clock and the arrival of the signals; the script recomputes the
 * rate from PID 1's own "Started" messages, as it does for herald.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <systemd/sd-bus.h>

#include "macro.h"

#define SD_DEST "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"
/* dbus-daemon refuses more than 128 pending replies per connection. */
#define WINDOW_MAX 128u
/* Past this many failures, only the count is printed. */
#define FAILURES_SHOWN 5u

static unsigned arg_units = 300;
static unsigned arg_window = 64;
static const char *arg_slice = NULL;
static bool arg_stop_post = false;
static const char *arg_stop_post_path = NULL;   /* NULL: COMMAND itself */
static bool arg_watch = false;
static bool arg_herald_props = false;
static const char *arg_template = NULL;
static char **arg_command = NULL;

typedef struct Run {
        sd_bus *bus;
        char prefix[64];
        unsigned sent, in_flight, call_failed, removed, job_failed;
        uint64_t t_first_call, t_last_reply, t_last_removed;
        uint64_t t_first_call_realtime;
} Run;

static uint64_t clock_usec(clockid_t clock) {
        struct timespec ts;
        clock_gettime(clock, &ts);
        return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

static uint64_t now_usec(void) {
        return clock_usec(CLOCK_MONOTONIC);
}

static int on_job_removed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Run *run = userdata;
        const char *path, *unit, *result;
        uint32_t id;
        int r;

        r = sd_bus_message_read(m, "uoss", &id, &path, &unit, &result);
        if (r < 0)
                return 0;
        /* Other clients' jobs come by too; only ours count. */
        if (!startswith(unit, run->prefix))
                return 0;
        run->removed++;
        if (!streq(result, "done") && run->job_failed++ < FAILURES_SHOWN)
                fprintf(stderr, "start job of %s: %s\n", unit, result);
        run->t_last_removed = now_usec();
        return 0;
}

static int on_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Run *run = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(reply);

        run->in_flight--;
        run->t_last_reply = now_usec();
        if (e) {
                /* A refused call never gets a job, so never a JobRemoved: count it as removed. */
                if (run->call_failed++ < FAILURES_SHOWN)
                        fprintf(stderr, "StartTransientUnit: %s\n", e->message);
                run->removed++;
        } else if (!arg_watch)
                run->removed++;         /* done with this unit once answered */
        return 0;
}

static int append_exec(sd_bus_message *m, const char *property, char **argv) {
        int r;

        r = sd_bus_message_open_container(m, 'r', "sv");
        if (r >= 0)
                r = sd_bus_message_append(m, "s", property);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'v', "a(sasb)");
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "(sasb)");
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'r', "sasb");
        if (r >= 0)
                r = sd_bus_message_append(m, "s", argv[0]);
        if (r >= 0)
                r = sd_bus_message_append_strv(m, argv);
        if (r >= 0)
                r = sd_bus_message_append(m, "b", false);
        for (unsigned i = 0; r >= 0 && i < 4; i++)
                r = sd_bus_message_close_container(m);
        return r;
}

/* The unit mirrors the shape of a herald job unit (src/shared/plan.c: plan_job_unit): a
 * Type=exec service that is garbage-collected when it ends, optionally with an
 * ExecStopPost= (herald's `done`) and in a slice (herald.slice). */
/* The logging settings of a herald job unit (plan.c: plan_job_unit()), so that a row can
 * tell what they cost PID 1 and journald apart from what herald's programs cost. */
static int append_herald_props(sd_bus_message *m, unsigned i) {
        char id[64], router[32], task[32];
        int r;

        snprintf(id, sizeof id, "HERALD_JOB_ID=%08X-0000-4000-8000-000000000000", i);
        snprintf(router, sizeof router, "HERALD_ROUTER=r");
        snprintf(task, sizeof task, "HERALD_TASK=k%u", i);
        r = sd_bus_message_append(m, "(sv)(sv)(sv)(sv)", "SyslogIdentifier", "s", "r/k", "SyslogLevelPrefix", "b", false,
                                  "LogRateLimitIntervalUSec", "t", (uint64_t) 1000000, "LogRateLimitBurst", "u", 10000000);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'r', "sv");
        if (r >= 0)
                r = sd_bus_message_append(m, "s", "LogExtraFields");
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'v', "aay");
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "ay");
        for (const char *f = id; r >= 0 && f; f = f == id ? router : f == router ? task : NULL)
                r = sd_bus_message_append_array(m, 'y', f, strlen(f));
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        return r;
}

static int start_one(Run *run, unsigned i) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        char name[96];
        int r;

        snprintf(name, sizeof name, "%s%u.service", run->prefix, i);
        if (arg_template) {
                /* an instance of a unit file: PID 1 loads it from the template */
                r = sd_bus_message_new_method_call(run->bus, &m, SD_DEST, SD_PATH, SD_MANAGER, "StartUnit");
                if (r >= 0)
                        r = sd_bus_message_append(m, "ss", name, "fail");
                if (r < 0)
                        return r;
                goto call;
        }
        r = sd_bus_message_new_method_call(run->bus, &m, SD_DEST, SD_PATH, SD_MANAGER, "StartTransientUnit");
        if (r >= 0)
                r = sd_bus_message_append(m, "ss", name, "fail");
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "(sv)");
        if (r >= 0)
                r = sd_bus_message_append(m, "(sv)(sv)(sv)", "Description", "s", "raw-start-transient bench unit",
                                          "CollectMode", "s", "inactive-or-failed", "Type", "s", "exec");
        if (r >= 0 && arg_slice)
                r = sd_bus_message_append(m, "(sv)", "Slice", "s", arg_slice);
        if (r >= 0)
                r = append_exec(m, "ExecStart", arg_command);
        if (r >= 0 && arg_herald_props)
                r = append_herald_props(m, i);
        if (r >= 0 && arg_stop_post) {
                /* PATH with COMMAND's arguments, as herald-done takes what herald-exec does */
                char *saved = arg_command[0];
                if (arg_stop_post_path)
                        arg_command[0] = (char *) arg_stop_post_path;
                r = append_exec(m, "ExecStopPost", arg_command);
                arg_command[0] = saved;
        }
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r >= 0)
                r = sd_bus_message_append(m, "a(sa(sv))", 0);
        if (r < 0)
                return r;

call:
        r = sd_bus_call_async(run->bus, NULL, m, on_reply, run, 0);
        if (r < 0)
                return r;
        if (run->sent++ == 0) {
                run->t_first_call = now_usec();
                run->t_first_call_realtime = clock_usec(CLOCK_REALTIME);
        }
        run->in_flight++;
        return 0;
}

static int pump(Run *run) {
        int r = sd_bus_process(run->bus, NULL);
        if (r < 0)
                return r;
        if (r > 0)
                return 0;
        r = sd_bus_wait(run->bus, UINT64_MAX);
        return r < 0 && r != -EINTR ? r : 0;
}

static void help(void) {
        printf("Usage: raw-start-transient [OPTION...] [-- COMMAND [ARG...]]\n\n"
               "Starts N transient Type=exec services (COMMAND, default /bin/true) over the system\n"
               "bus with at most W StartTransientUnit calls in flight and prints the start rate.\n\n"
               "  -n --units=N      units to start (default %u)\n"
               "  -w --window=W     calls in flight at most, 1..%u (default %u)\n"
               "     --slice=SLICE  put the units in this slice\n"
               "     --stop-post[=PATH]\n"
               "                    also run COMMAND as ExecStopPost= (or PATH, with\n"
               "                    COMMAND's arguments)\n"
               "     --watch        subscribe to PID 1's signals and wait until every unit\n"
               "                    started (JobRemoved); costs PID 1 and dbus-daemon CPU\n"
               "     --template=NAME  StartUnit of instances of NAME@.service (a unit file)\n"
               "                    instead of StartTransientUnit; the other options do\n"
               "                    not apply\n"
               "     --herald-props also set a herald job unit's logging settings\n"
               "                    (SyslogIdentifier=, SyslogLevelPrefix=no, LogExtraFields=\n"
               "                    x3, LogRateLimitIntervalSec=, LogRateLimitBurst=)\n"
               "  -h --help         show this help\n",
               arg_units, WINDOW_MAX, arg_window);
}

static int parse_unsigned(const char *s, unsigned min, unsigned max, unsigned *ret) {
        char *end;
        unsigned long v;

        errno = 0;
        v = strtoul(s, &end, 10);
        if (errno > 0 || end == s || *end || v < min || v > max)
                return -ERANGE;
        *ret = (unsigned) v;
        return 0;
}

static int parse_argv(int argc, char **argv) {
        enum {
                ARG_SLICE = 0x100,
                ARG_STOP_POST,
                ARG_WATCH,
                ARG_HERALD_PROPS,
                ARG_TEMPLATE,
        };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "units", required_argument, NULL, 'n' },
                { "window", required_argument, NULL, 'w' },
                { "slice", required_argument, NULL, ARG_SLICE },
                { "stop-post", optional_argument, NULL, ARG_STOP_POST },
                { "watch", no_argument, NULL, ARG_WATCH },
                { "herald-props", no_argument, NULL, ARG_HERALD_PROPS },
                { "template", required_argument, NULL, ARG_TEMPLATE },
                {}
        };
        static char *default_command[] = { (char *) "/bin/true", NULL };
        int c;

        while ((c = getopt_long(argc, argv, "+hn:w:", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case 'n':
                        if (parse_unsigned(optarg, 1, 1000000, &arg_units) < 0) {
                                fprintf(stderr, "--units: expected 1..1000000, got '%s'\n", optarg);
                                return -EINVAL;
                        }
                        break;
                case 'w':
                        if (parse_unsigned(optarg, 1, WINDOW_MAX, &arg_window) < 0) {
                                fprintf(stderr, "--window: expected 1..%u, got '%s'\n", WINDOW_MAX, optarg);
                                return -EINVAL;
                        }
                        break;
                case ARG_SLICE:
                        arg_slice = optarg;
                        break;
                case ARG_STOP_POST:
                        arg_stop_post = true;
                        arg_stop_post_path = optarg;
                        if (optarg && optarg[0] != '/') {
                                fprintf(stderr, "--stop-post: PATH must be absolute, got '%s'\n", optarg);
                                return -EINVAL;
                        }
                        break;
                case ARG_WATCH:
                        arg_watch = true;
                        break;
                case ARG_HERALD_PROPS:
                        arg_herald_props = true;
                        break;
                case ARG_TEMPLATE:
                        if (strlen(optarg) > 24 || strchr(optarg, '@') || strchr(optarg, '.')) {
                                fprintf(stderr, "--template: expected a template's name without '@.service', got '%s'\n", optarg);
                                return -EINVAL;
                        }
                        arg_template = optarg;
                        break;
                default:
                        return -EINVAL;
                }
        arg_command = optind < argc ? argv + optind : default_command;
        if (arg_command[0][0] != '/') {
                fprintf(stderr, "COMMAND must be an absolute path, got '%s'\n", arg_command[0]);
                return -EINVAL;
        }
        return 1;
}

static int run(int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        Run state = {}, *run = &state;
        int r;

        r = parse_argv(argc, argv);
        if (r <= 0)
                return r;

        r = sd_bus_open_system(&bus);
        if (r < 0) {
                fprintf(stderr, "Failed to connect to the system bus: %s\n", strerror(-r));
                return r;
        }
        run->bus = bus;
        /* Unique per run, so a JobRemoved of an earlier run is never counted. */
        snprintf(run->prefix, sizeof run->prefix, "%s%s%ld-%" PRIu64 "-", arg_template ? arg_template : "raw-bench-",
                 arg_template ? "@" : "", (long) getpid(), now_usec() % 1000000u);

        if (arg_watch) {
                r = sd_bus_match_signal(bus, NULL, SD_DEST, SD_PATH, SD_MANAGER, "JobRemoved", on_job_removed, run);
                if (r < 0) {
                        fprintf(stderr, "Failed to add a match for JobRemoved: %s\n", strerror(-r));
                        return r;
                }
                /* PID 1 sends its signals only while some client is subscribed. */
                r = sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, "Subscribe", NULL, NULL, NULL);
                if (r < 0) {
                        fprintf(stderr, "Failed to subscribe to systemd's signals: %s\n", strerror(-r));
                        return r;
                }
        }

        while (run->removed < arg_units) {
                if (run->sent < arg_units && run->in_flight < arg_window) {
                        r = start_one(run, run->sent);
                        if (r < 0) {
                                fprintf(stderr, "Failed to send StartTransientUnit: %s\n", strerror(-r));
                                return r;
                        }
                        continue;
                }
                r = pump(run);
                if (r < 0) {
                        fprintf(stderr, "Lost the bus: %s\n", strerror(-r));
                        return r;
                }
        }

        /* With --watch, normally the last JobRemoved comes after the last reply (not when
         * calls failed); without, this is when the last call was answered: every start
         * job queued, not every unit started. */
        uint64_t t_end = run->t_last_removed > run->t_last_reply ? run->t_last_removed : run->t_last_reply;
        double seconds = (double) (t_end - run->t_first_call) / 1e6;
        unsigned failed = run->call_failed + run->job_failed;
        double calls = (double) (run->t_last_reply - run->t_first_call) / 1e6;
        /* prefix and start_realtime_usec let a script match the units' "Started" journal
         * messages (PID 1's _SOURCE_REALTIME_TIMESTAMP) against the same clock. */
        printf("units=%u window=%u failed=%u seconds=%.3f units_per_s=%.1f replies_seconds=%.3f prefix=%s "
               "start_realtime_usec=%" PRIu64 "\n",
               arg_units, arg_window, failed, seconds,
               seconds > 0 ? arg_units / seconds : 0.0, calls, run->prefix, run->t_first_call_realtime);
        if (failed > FAILURES_SHOWN)
                fprintf(stderr, "%u units failed in all.\n", failed);
        return failed > 0 ? -EIO : 0;
}

int main(int argc, char **argv) {
        int r = run(argc, argv);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
