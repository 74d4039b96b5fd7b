/* SPDX-License-Identifier: MIT */
/* cron-property.c: random robfig specs, translated, checked against systemd-analyze calendar
 *
 * For each generated spec we ask the real systemd-analyze for the next 50
 * elapses of our OnCalendar= expressions (merging the two lists of the
 * day-of-month OR day-of-week case) and compare them, second by second, with
 * 50 successive cron_next() results. cron_next() never looks at the
 * OnCalendar= text, so any difference is a translation bug (or a difference
 * between robfig and systemd we did not know about).
 *
 * Usage: cron-property [--count N] [--seed S] [--verbose]
 * Exits 77 (skip) when systemd-analyze is not installed.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cron.h"
#include "macro.h"

#define ITERATIONS 50
#define ITERATIONS_ARG "--iterations=50"
#define BASE_TIME INT64_C(1700000000)           /* Tue 2023-11-14 22:13:20 UTC */
#define BASE_TIME_ARG "--base-time=@1700000000"
#define HORIZON INT64_C(7258118400)             /* 2200-01-01 00:00:00 UTC: systemd stops after 2199 */
#define BATCH 200                               /* cron specs per systemd-analyze run */
#define MAX_REPORTED 20

static unsigned arg_count = 3000;
static uint64_t arg_seed;
static bool arg_verbose;

static uint64_t rng_state;

/* splitmix64: small, fast, and good enough to pick test cases. */
static uint64_t rnd(void) {
        uint64_t z = (rng_state += UINT64_C(0x9e3779b97f4a7c15));
        z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
        z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
        return z ^ (z >> 31);
}

static unsigned rnd_below(unsigned n) {
        return (unsigned) (rnd() % n);
}

static unsigned rnd_between(unsigned lo, unsigned hi) {
        return lo + rnd_below(hi - lo + 1);
}

static bool chance(unsigned percent) {
        return rnd_below(100) < percent;
}

typedef struct Str {
        char s[512];
        size_t n;
} Str;

static void str_add(Str *b, const char *fmt, ...) _printf_(2, 3);
static void str_add(Str *b, const char *fmt, ...) {
        va_list ap;
        int k;

        va_start(ap, fmt);
        k = vsnprintf(b->s + b->n, sizeof b->s - b->n, fmt, ap);
        va_end(ap);
        if (k < 0 || (size_t) k >= sizeof b->s - b->n)
                abort();
        b->n += (size_t) k;
}

/* ---- generator -------------------------------------------------------- */

typedef struct GenField {
        unsigned min, max;
        const char *const *names;       /* names[v - name_base] */
        unsigned name_base;
} GenField;

static const char *const gen_months[] = { "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec" };
static const char *const gen_dows[] = { "sun", "mon", "tue", "wed", "thu", "fri", "sat" };

static const GenField gen_second = { 0, 59, NULL, 0 }, gen_minute = { 0, 59, NULL, 0 }, gen_hour = { 0, 23, NULL, 0 },
                      gen_dom = { 1, 31, NULL, 0 }, gen_month = { 1, 12, gen_months, 1 }, gen_dow = { 0, 6, gen_dows, 0 };

static void gen_value(Str *b, const GenField *f, unsigned v) {
        if (f->names && chance(40)) {
                const char *name = f->names[v - f->name_base];
                switch (rnd_below(3)) {
                case 0:
                        str_add(b, "%s", name);
                        break;
                case 1:
                        str_add(b, "%c%c%c", name[0] - 32, name[1] - 32, name[2] - 32);
                        break;
                default:
                        str_add(b, "%c%s", name[0] - 32, name + 1);
                        break;
                }
        } else if (v < 10 && chance(15))
                str_add(b, "0%u", v);
        else
                str_add(b, "%u", v);
}

static void gen_item(Str *b, const GenField *f) {
        unsigned span = f->max - f->min, a, z;

        switch (rnd_below(9)) {
        case 0:
        case 1:
                str_add(b, "%s", chance(80) ? "*" : "?");
                break;
        case 2:
                gen_value(b, f, rnd_between(f->min, f->max));
                break;
        case 3:
                a = rnd_between(f->min, f->max);
                z = rnd_between(a, f->max);
                gen_value(b, f, a);
                str_add(b, "-");
                gen_value(b, f, z);
                break;
        case 4:
                /* '*' + '/n', including '/1' which keeps the star bit */
                str_add(b, "%s/%u", chance(80) ? "*" : "?", chance(10) ? 1 : rnd_between(2, span > 2 ? span : 2));
                break;
        case 5:
                a = rnd_between(f->min, f->max);
                z = rnd_between(a, f->max);
                gen_value(b, f, a);
                str_add(b, "-");
                gen_value(b, f, z);
                str_add(b, "/%u", rnd_between(1, span + 2));
                break;
        case 6:
                /* 'a/n' = 'a-max/n' */
                gen_value(b, f, rnd_between(f->min, f->max));
                str_add(b, "/%u", rnd_between(1, span + 1));
                break;
        default: {
                /* a short list of values */
                unsigned n = rnd_between(2, 5);
                for (unsigned i = 0; i < n; i++) {
                        if (i > 0)
                                str_add(b, ",");
                        gen_value(b, f, rnd_between(f->min, f->max));
                }
                break;
        }
        }
}

static void gen_field(Str *b, const GenField *f, unsigned star_percent) {
        unsigned n;

        if (chance(star_percent)) {
                str_add(b, "%s", chance(85) ? "*" : "?");
                return;
        }
        n = chance(75) ? 1 : rnd_between(2, 3);
        for (unsigned i = 0; i < n; i++) {
                if (i > 0)
                        str_add(b, ",");
                gen_item(b, f);
        }
}

static void gen_space(Str *b) {
        str_add(b, "%s", chance(90) ? " " : chance(50) ? "  " : "\t");
}

/* Zones without DST changes after the base time: systemd picks one of two
 * repeated local times while robfig fires at both, so DST zones are compared
 * in the unit tests, not here. */
static const char *const fixed_zones[] = {
        "UTC", "Etc/UTC", "Asia/Tokyo", "Asia/Kolkata", "Asia/Kathmandu", "Etc/GMT+5", "Etc/GMT-14",
        "America/Phoenix", "Asia/Shanghai", "Africa/Nairobi",
};

static void gen_spec(Str *b, bool *ret_with_seconds) {
        static const char *const descriptors[] = {
                "@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly",
        };
        bool with_seconds = chance(30);

        *b = (Str) {};
        if (chance(12))
                str_add(b, "%s%s ", chance(50) ? "CRON_TZ=" : "TZ=", fixed_zones[rnd_below(ELEMENTSOF(fixed_zones))]);

        if (chance(4))
                str_add(b, "%s", descriptors[rnd_below(ELEMENTSOF(descriptors))]);
        else if (chance(2))
                str_add(b, "@every %uh%um%us", rnd_below(3), rnd_below(60), rnd_below(60));
        else {
                if (with_seconds) {
                        gen_field(b, &gen_second, 20);
                        gen_space(b);
                }
                gen_field(b, &gen_minute, 15);
                gen_space(b);
                gen_field(b, &gen_hour, 30);
                gen_space(b);
                gen_field(b, &gen_dom, 50);
                gen_space(b);
                gen_field(b, &gen_month, 60);
                gen_space(b);
                gen_field(b, &gen_dow, 50);
        }
        *ret_with_seconds = with_seconds;
}

/* Hand-picked specs that exercise the corners. */
static const struct {
        const char *spec;
        bool with_seconds;
} tricky[] = {
        { "0 0 29 2 *", false },                /* leap days only, 8-year gap around 2100 */
        { "0 0 29 2 1", false },                /* OR: Feb 29 or any Monday in February */
        { "0 0 30 2 1", false },                /* OR with a day that never exists */
        { "0 0 31 * *", false },
        { "0 0 31 1-12/2 *", false },
        { "0 0 30,31 2,4 *", false },
        { "0 0 */2 * */2", false },             /* '*' + '/2' is not a star: OR */
        { "0 0 */1 * 1", false },               /* '*' + '/1' is a star: AND (Mondays) */
        { "0 0 1/1 * 1", false },               /* '1/1' is not a star: OR (every day) */
        { "0 0 1-31 * 1", false },
        { "0 0 1 * 0-6", false },
        { "0 0 13 * fri", false },
        { "0 0 15 2 */3", false },
        { "0 0 31 2,4 0", false },
        { "0 4 8-14 * *", false },
        { "0 0 * * 0", false },
        { "0 0 * * 6,0", false },
        { "0 0 * * 5-6,0", false },
        { "0 0 * * sat-sat", false },
        { "0 0 ? * ?", false },
        { "*/1 * */1 * */1", false },
        { "*/7 * * * *", false },
        { "59 23 31 12 *", false },
        { "1-59/2 * * * * *", true },
        { "59 59 23 31 12 *", true },
        { "*/13 */7 */5 */3 */5 */2", true },
        { "0 0 0 1 jan,JUL Mon", true },
        { "@weekly", false },
        { "@yearly", true },
        { "@monthly", false },
        { "@hourly", true },
        { "@daily", false },
        { "@midnight", false },
        { "CRON_TZ=Asia/Kathmandu 45 23 * * *", false },
        { "TZ=Etc/GMT-14 0 0 1 1 *", false },
        { "TZ=Etc/GMT+5 30 23 31 12 *", false },
        { "TZ=Asia/Kolkata 0 0 29 2 *", false },
        { "TZ=Asia/Tokyo 0 30 0 1 * 1-5", true },
        { "30 6 * * 3", false },                /* the cron lines of Herald's examples */
        { "0 18 * * *", false },
        { "*/2 * * * * *", true },
};

/* ---- systemd-analyze -------------------------------------------------- */

typedef struct Case {
        char spec[512];
        bool with_seconds;
        CronSchedule *schedule;
        char **calendar;                /* 1 or 2 OnCalendar= expressions */
} Case;

typedef struct Elapses {
        int64_t t[ITERATIONS];
        size_t n;
        bool seen;                      /* a "Normalized form:" line was printed */
} Elapses;

static int run_analyze(char **specs, size_t n_specs, char **ret_out) {
        _cleanup_free_ char **argv = NULL;
        _cleanup_free_ char *out = NULL;
        size_t size = 0, alloc = 0;
        int fds[2], status;
        pid_t pid;

        argv = calloc(n_specs + 6, sizeof *argv);
        if (!argv)
                return -ENOMEM;
        argv[0] = (char *) "systemd-analyze";
        argv[1] = (char *) "calendar";
        argv[2] = (char *) ITERATIONS_ARG;
        argv[3] = (char *) BASE_TIME_ARG;
        argv[4] = (char *) "--";
        memcpy(argv + 5, specs, n_specs * sizeof *argv);

        if (pipe2(fds, O_CLOEXEC) < 0)
                return -errno;
        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                if (dup2(fds[1], STDOUT_FILENO) < 0 || dup2(fds[1], STDERR_FILENO) < 0)
                        _exit(126);
                setenv("TZ", "UTC", 1);
                setenv("LC_ALL", "C", 1);
                setenv("SYSTEMD_COLORS", "0", 1);
                execvp(argv[0], argv);
                _exit(127);
        }
        close(fds[1]);
        for (;;) {
                ssize_t k;

                if (alloc - size < 65536) {
                        char *p = realloc(out, alloc + 1048576);
                        if (!p) {
                                close(fds[0]);
                                return -ENOMEM;
                        }
                        out = p;
                        alloc += 1048576;
                }
                k = read(fds[0], out + size, alloc - size - 1);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        break;
                size += (size_t) k;
        }
        close(fds[0]);
        out[size] = 0;
        if (waitpid(pid, &status, 0) < 0)
                return -errno;
        if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
                return -ENOENT;
        *ret_out = TAKE_PTR(out);
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static bool parse_timestamp(const char *s, int64_t *ret) {
        struct tm tm = {};
        char wday[8], zone[8];

        if (sscanf(s, "%7s %d-%d-%d %d:%d:%d %7s", wday, &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                   &tm.tm_hour, &tm.tm_min, &tm.tm_sec, zone) != 8 || !streq(zone, "UTC"))
                return false;
        tm.tm_year -= 1900;
        tm.tm_mon -= 1;
        *ret = (int64_t) timegm(&tm);
        return true;
}

/* Split the output into one Elapses per spec, in order. */
static int parse_output(char *out, Elapses *e, size_t n_specs) {
        size_t k = 0;
        bool in_block = false;

        for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
                const char *v;

                while (*line == ' ')
                        line++;
                if (startswith(line, "Normalized form:")) {
                        if (in_block)
                                k++;
                        in_block = true;
                        if (k >= n_specs)
                                return -EBADMSG;
                        e[k].seen = true;
                } else if ((v = startswith(line, "Next elapse: ")) || (startswith(line, "Iter. #") && (v = strstr(line, ": ")) && (v += 2))) {
                        int64_t t;

                        if (!in_block)
                                return -EBADMSG;
                        if (streq(v, "never"))
                                continue;
                        if (!parse_timestamp(v, &t) || e[k].n >= ITERATIONS) {
                                fprintf(stderr, "cannot parse systemd-analyze line '%s'\n", line);
                                return -EBADMSG;
                        }
                        e[k].t[e[k].n++] = t;
                }
        }
        return 0;
}

static void format_time(int64_t t, char buf[static 32]) {
        time_t tt = (time_t) t;
        struct tm tm;

        if (!gmtime_r(&tt, &tm) || strftime(buf, 32, "%a %Y-%m-%d %H:%M:%S UTC", &tm) == 0)
                snprintf(buf, 32, "@%" PRIi64, t);
}

/* Merge two sorted lists, dropping duplicates, keeping the first ITERATIONS. */
static void merge(const Elapses *a, const Elapses *b, Elapses *ret) {
        size_t i = 0, j = 0;

        *ret = (Elapses) { .seen = true };
        while (ret->n < ITERATIONS && (i < a->n || j < b->n)) {
                int64_t t;

                if (j >= b->n || (i < a->n && a->t[i] <= b->t[j]))
                        t = a->t[i++];
                else
                        t = b->t[j++];
                if (ret->n == 0 || ret->t[ret->n - 1] != t)
                        ret->t[ret->n++] = t;
        }
}

static unsigned n_failures;

static void report(const Case *c, const char *fmt, ...) _printf_(2, 3);
static void report(const Case *c, const char *fmt, ...) {
        va_list ap;

        n_failures++;
        if (n_failures > MAX_REPORTED)
                return;
        fprintf(stderr, "MISMATCH cron '%s'%s -> OnCalendar '%s'%s%s%s: ", c->spec, c->with_seconds ? " (with seconds)" : "",
                c->calendar[0], c->calendar[1] ? " + '" : "", c->calendar[1] ? c->calendar[1] : "", c->calendar[1] ? "'" : "");
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
}

static void compare(const Case *c, const Elapses *systemd) {
        int64_t t = BASE_TIME * 1000000, want[ITERATIONS];
        size_t n = 0;
        char a[32], b[32];

        while (n < ITERATIONS) {
                int64_t next;
                int r = cron_next(c->schedule, t, &next);

                if (r == -ENOENT || (r >= 0 && next / 1000000 >= HORIZON))
                        break;
                if (r < 0) {
                        report(c, "cron_next() failed: %s", strerror(-r));
                        return;
                }
                want[n++] = next / 1000000;
                t = next;
        }

        for (size_t i = 0; i < n && i < systemd->n; i++)
                if (want[i] != systemd->t[i]) {
                        format_time(want[i], a);
                        format_time(systemd->t[i], b);
                        report(c, "elapse #%zu: cron_next %s, systemd %s", i + 1, a, b);
                        return;
                }
        if (n != systemd->n) {
                format_time(n > systemd->n ? want[systemd->n] : systemd->t[n], a);
                report(c, "cron_next gives %zu elapses, systemd %zu; first extra one %s (%s)", n, systemd->n, a,
                       n > systemd->n ? "cron_next" : "systemd");
        }
}

static int check_batch(Case *cases, size_t n_cases, unsigned *n_runs) {
        _cleanup_free_ char **specs = NULL;
        _cleanup_free_ Elapses *e = NULL;
        _cleanup_free_ char *out = NULL;
        size_t n_specs = 0, k = 0;
        int r;

        specs = calloc(2 * n_cases + 1, sizeof *specs);
        e = calloc(2 * n_cases + 1, sizeof *e);
        if (!specs || !e)
                return -ENOMEM;
        for (size_t i = 0; i < n_cases; i++)
                for (char **s = cases[i].calendar; *s; s++)
                        specs[n_specs++] = *s;

        r = run_analyze(specs, n_specs, &out);
        (*n_runs)++;
        if (r < 0)
                return r;
        if (r != 0) {
                /* Name the expression systemd refused. */
                const char *m = strstr(out, "Failed to parse calendar specification");
                fprintf(stderr, "systemd-analyze failed (%d): %.*s\n", r, m ? (int) strcspn(m, "\n") : 200, m ?: out);
                for (size_t i = 0; i < n_cases; i++)
                        for (char **s = cases[i].calendar; *s; s++)
                                if (m && strstr(m, *s))
                                        fprintf(stderr, "  from cron '%s'\n", cases[i].spec);
                n_failures++;
                return 0;
        }
        r = parse_output(out, e, n_specs);
        if (r < 0) {
                fprintf(stderr, "cannot parse systemd-analyze output\n");
                return r;
        }

        for (size_t i = 0; i < n_cases; i++) {
                Case *c = &cases[i];
                Elapses merged;

                for (char **s = c->calendar; *s; s++)
                        if (!e[k + (size_t) (s - c->calendar)].seen) {
                                report(c, "systemd-analyze printed no normalized form for '%s'", *s);
                                k += c->calendar[1] ? 2 : 1;
                                goto next;
                        }
                if (c->calendar[1]) {
                        merge(&e[k], &e[k + 1], &merged);
                        k += 2;
                } else
                        merged = e[k++];
                if (arg_verbose)
                        printf("%-40s -> %s%s%s (%zu elapses)\n", c->spec, c->calendar[0], c->calendar[1] ? " + " : "",
                               strempty(c->calendar[1]), merged.n);
                compare(c, &merged);
        next:;
        }
        return 0;
}

static void case_done(Case *c) {
        cron_schedule_free(c->schedule);
        strv_free(c->calendar);
        *c = (Case) {};
}

/* Parse and translate; returns 1 if the case goes to systemd, 0 if handled here
 * (@every, or never firing), <0 on error. */
static int case_prepare(Case *c, unsigned *n_every, unsigned *n_never) {
        CronError err = {};
        int r;

        r = cron_parse(c->spec, c->with_seconds, &c->schedule, &err);
        if (r == -EINVAL && strstr(err.message, "never happens")) {
                (*n_never)++;
                return 0;
        }
        if (r < 0) {
                fprintf(stderr, "FAIL: generated spec '%s' (with_seconds=%d) rejected at %zu: %s\n",
                        c->spec, c->with_seconds, err.offset, err.message);
                n_failures++;
                return 0;
        }
        if (c->schedule->every_sec > 0) {
                int64_t next;

                if (cron_to_oncalendar(c->schedule, &c->calendar) != -EINVAL ||
                    cron_next(c->schedule, BASE_TIME * 1000000 + 999999, &next) < 0 ||
                    next != (BASE_TIME + (int64_t) c->schedule->every_sec) * 1000000) {
                        fprintf(stderr, "FAIL: '%s' is not handled as a monotonic timer\n", c->spec);
                        n_failures++;
                }
                (*n_every)++;
                return 0;
        }
        r = cron_to_oncalendar(c->schedule, &c->calendar);
        if (r < 0)
                return r;
        return 1;
}

static int parse_argv(int argc, char *argv[]) {
        static const struct option options[] = {
                { "count", required_argument, NULL, 'c' },
                { "seed", required_argument, NULL, 's' },
                { "verbose", no_argument, NULL, 'v' },
                {},
        };
        bool have_seed = false;
        int c;

        while ((c = getopt_long(argc, argv, "c:s:v", options, NULL)) >= 0)
                switch (c) {
                case 'c':
                        arg_count = (unsigned) strtoul(optarg, NULL, 10);
                        break;
                case 's':
                        arg_seed = strtoull(optarg, NULL, 0);
                        have_seed = true;
                        break;
                case 'v':
                        arg_verbose = true;
                        break;
                default:
                        return -EINVAL;
                }
        if (!have_seed) {
                struct timespec ts;
                clock_gettime(CLOCK_REALTIME, &ts);
                arg_seed = (uint64_t) ts.tv_sec * 1000000007u ^ (uint64_t) ts.tv_nsec ^ (uint64_t) getpid();
        }
        return 1;
}

int main(int argc, char *argv[]) {
        static Case batch[BATCH];
        unsigned n_batch = 0, n_compared = 0, n_every = 0, n_never = 0, n_runs = 0, n_two = 0;
        size_t n_tricky = ELEMENTSOF(tricky);
        struct timespec t0, t1;
        int r;

        r = parse_argv(argc, argv);
        if (r <= 0)
                return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
        rng_state = arg_seed;
        printf("cron-property: seed %" PRIu64 " (rerun with --seed %" PRIu64 "), %u random specs + %zu fixed\n",
               arg_seed, arg_seed, arg_count, n_tricky);
        fflush(stdout);
        clock_gettime(CLOCK_MONOTONIC, &t0);

        for (size_t i = 0; i < n_tricky + arg_count || n_batch > 0;) {
                if (i < n_tricky + arg_count) {
                        Case *c = &batch[n_batch];

                        if (i < n_tricky) {
                                snprintf(c->spec, sizeof c->spec, "%s", tricky[i].spec);
                                c->with_seconds = tricky[i].with_seconds;
                        } else {
                                Str s;
                                gen_spec(&s, &c->with_seconds);
                                memcpy(c->spec, s.s, s.n + 1);
                        }
                        i++;
                        r = case_prepare(c, &n_every, &n_never);
                        if (r < 0) {
                                fprintf(stderr, "translation failed: %s\n", strerror(-r));
                                return EXIT_FAILURE;
                        }
                        if (r == 0) {
                                case_done(c);
                                continue;
                        }
                        n_batch++;
                        n_compared++;
                        if (c->calendar[1])
                                n_two++;
                        if (n_batch < BATCH && i < n_tricky + arg_count)
                                continue;
                }
                r = check_batch(batch, n_batch, &n_runs);
                if (r == -ENOENT) {
                        printf("systemd-analyze not found, skipping\n");
                        return 77;
                }
                if (r < 0) {
                        fprintf(stderr, "batch failed: %s\n", strerror(-r));
                        return EXIT_FAILURE;
                }
                for (unsigned j = 0; j < n_batch; j++)
                        case_done(&batch[j]);
                n_batch = 0;
        }

        clock_gettime(CLOCK_MONOTONIC, &t1);
        printf("cron-property: compared %u specs against systemd-analyze (%u as two OnCalendar= expressions) "
               "in %u runs, %u @every checked, %u generated specs never fire (rejected); %.2f s\n",
               n_compared, n_two, n_runs, n_every, n_never,
               (double) (t1.tv_sec - t0.tv_sec) + (double) (t1.tv_nsec - t0.tv_nsec) / 1e9);
        if (n_failures > 0) {
                fprintf(stderr, "cron-property: %u failures (seed %" PRIu64 ")\n", n_failures, arg_seed);
                return EXIT_FAILURE;
        }
        return EXIT_SUCCESS;
}
