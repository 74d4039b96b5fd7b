/* SPDX-License-Identifier: MIT */
/* test-runner-config.c: herald-runner's config: Herald Runner's keys, herald's, the secret's sources */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <syslog.h>

#include "fs-util.h"
#include "runner-config.h"

static char tmpdir[] = "/tmp/test-runner-config-XXXXXX";

static RunnerConfig *load_ctx(const char *yaml, const RunnerConfigContext *ctx) {
        RunnerConfig *c = NULL;
        assert_int_equal(runner_config_load_string("r.yml", yaml, strlen(yaml), ctx, &c), 0);
        assert_non_null(c);
        return c;
}

static RunnerConfig *load(const char *yaml) {
        return load_ctx(yaml, NULL);
}

/* The diagnostic at line:column about key whose message contains needle. */
static const Diag *find_diag(const RunnerConfig *c, DiagLevel level, unsigned line, unsigned column, const char *key,
                             const char *needle) {
        for (size_t i = 0; i < c->diag.n_items; i++) {
                const Diag *d = &c->diag.items[i];
                if (d->level == level && (line == 0 || d->line == line) && (column == 0 || d->column == column) &&
                    (!key || streq_ptr(d->key, key)) && strstr(d->message, needle))
                        return d;
        }
        diag_list_print(&c->diag, stderr, false);
        return NULL;
}

static void no_secret_text_in_diags(const RunnerConfig *c, const char *secret) {
        for (size_t i = 0; i < c->diag.n_items; i++) {
                assert_null(strstr(c->diag.items[i].message, secret));
                assert_true(!c->diag.items[i].hint || !strstr(c->diag.items[i].hint, secret));
        }
}

static void test_defaults(void **state) {
        RunnerConfig *c = load("secret: s3cret\n");

        assert_int_equal(c->diag.n_errors, 0);
        /* Herald Runner: neither port nor unix_socket: 127.0.0.1:8124 */
        assert_string_equal(c->host, "127.0.0.1");
        assert_int_equal(c->port, 8124);
        assert_null(c->unix_socket);
        assert_string_equal(c->work_dir, RUNNER_WORK_DIR_DEFAULT);
        assert_int_equal(c->log_level, LOG_INFO);
        assert_int_equal(c->max_body, 1 << 20);
        assert_int_equal(c->replay_window_sec, 0);
        assert_false(c->allow_absolute_cmd);
        assert_null(c->allow_file_paths);
        assert_int_equal(c->secret_source, RUNNER_SECRET_INLINE);
        assert_int_equal(c->secret_size, 6);
        assert_memory_equal(c->secret, "s3cret", 6);
        /* inline secret, file mode unknown: warned, the secret itself not shown */
        assert_non_null(find_diag(c, DIAG_WARNING, 1, 9, "secret", "inline secret"));
        no_secret_text_in_diags(c, "s3cret");
        runner_config_free(c);
}

static void test_every_key(void **state) {
        RunnerConfig *c = load("host: 0.0.0.0\n"
                               "port: 9000\n"
                               "unix_socket: /run/herald-runner/sock\n"
                               "secret: abc\n"
                               "work_dir: /srv/work/\n"
                               "log_level: DEBUG\n"
                               "max_body: 4096\n"
                               "replay_window: 300\n"
                               "allow_absolute_cmd: true\n"
                               "allow_file_paths: [/srv/out/, /var/backups]\n");

        assert_int_equal(c->diag.n_errors, 0);
        assert_string_equal(c->host, "0.0.0.0");
        assert_int_equal(c->port, 9000);
        assert_string_equal(c->unix_socket, "/run/herald-runner/sock");
        assert_string_equal(c->work_dir, "/srv/work");
        assert_int_equal(c->log_level, LOG_DEBUG);
        assert_int_equal(c->max_body, 4096);
        assert_int_equal(c->replay_window_sec, 300);
        assert_true(c->allow_absolute_cmd);
        assert_string_equal(c->allow_file_paths[0], "/srv/out");
        assert_string_equal(c->allow_file_paths[1], "/var/backups");
        assert_null(c->allow_file_paths[2]);
        runner_config_free(c);

        /* A port without host: every address (Go's ":9000"); a unix socket alone: no TCP */
        c = load("secret: x\nport: 9000\n");
        assert_null(c->host);
        assert_int_equal(c->port, 9000);
        runner_config_free(c);
        c = load("secret: x\nunix_socket: /run/r.sock\n");
        assert_null(c->host);
        assert_int_equal(c->port, 0);
        assert_string_equal(c->unix_socket, "/run/r.sock");
        runner_config_free(c);

        /* logrus level names, any case; unknown: info with a warning */
        static const struct { const char *name; int level; } levels[] = {
                { "error", LOG_ERR }, { "Warn", LOG_WARNING }, { "warning", LOG_WARNING }, { "INFO", LOG_INFO },
                { "trace", LOG_DEBUG }, { "fatal", LOG_CRIT },
        };
        for (size_t i = 0; i < ELEMENTSOF(levels); i++) {
                char yaml[128];
                snprintf(yaml, sizeof yaml, "secret: x\nlog_level: %s\n", levels[i].name);
                c = load(yaml);
                assert_int_equal(c->log_level, levels[i].level);
                assert_int_equal(c->diag.n_errors, 0);
                runner_config_free(c);
        }
        c = load("secret: x\nlog_level: verbose\n");
        assert_int_equal(c->log_level, LOG_INFO);
        assert_non_null(find_diag(c, DIAG_WARNING, 2, 12, "log_level", "unknown log level 'verbose'"));
        runner_config_free(c);

        /* Herald's log keys: accepted, ignored with a warning */
        c = load("secret: x\nlog_output: /var/log/r.log\ntime_format: x\n");
        assert_int_equal(c->diag.n_errors, 0);
        assert_non_null(find_diag(c, DIAG_WARNING, 2, 13, "log_output", "journal"));
        assert_non_null(find_diag(c, DIAG_WARNING, 3, 14, "time_format", "journal"));
        runner_config_free(c);
}

static void test_unknown_and_duplicate(void **state) {
        RunnerConfig *c = load("secret: x\nwrok_dir: /w\nwhatever: 1\nport: 1\nport: 2\n");
        const Diag *d;

        assert_int_equal(c->diag.n_errors, 0);
        d = find_diag(c, DIAG_WARNING, 2, 1, "wrok_dir", "unknown key");
        assert_non_null(d);
        assert_string_equal(d->hint, "did you mean 'work_dir'?");
        assert_non_null(find_diag(c, DIAG_WARNING, 3, 1, "whatever", "unknown key"));
        assert_non_null(find_diag(c, DIAG_WARNING, 5, 1, "port", "duplicate key"));
        assert_int_equal(c->port, 2);
        runner_config_free(c);
}

static void test_type_errors(void **state) {
        static const struct {
                const char *yaml;
                unsigned line, column;
                const char *key, *needle;
        } cases[] = {
                { "secret: x\nport: \"9999\"\n", 2, 7, "port", "expected an integer from 0 to 65535, found the string \"9999\"" },
                { "secret: x\nport: 70000\n", 2, 7, "port", "found the integer 70000" },
                { "secret: x\nport: -1\n", 2, 7, "port", "found the integer -1" },
                { "secret: x\nport: 80.5\n", 2, 7, "port", "found the number 80.5" },
                { "secret: x\nhost: [a]\n", 2, 7, "host", "expected a string, found a list" },
                { "secret: x\nhost: 8\n", 2, 7, "host", "expected a string, found the integer 8" },
                { "secret: x\nunix_socket: rel/sock\n", 2, 14, "unix_socket", "expected an absolute path, found 'rel/sock'" },
                { "secret: x\nwork_dir: {a: 1}\n", 2, 11, "work_dir", "expected an absolute path, found a map" },
                { "secret: x\nwork_dir: work\n", 2, 11, "work_dir", "expected an absolute path, found 'work'" },
                { "secret: x\nlog_level: [debug]\n", 2, 12, "log_level", "found a list" },
                { "secret: x\nlog_output: {}\n", 2, 13, "log_output", "expected a string, found a map" },
                { "secret: x\nmax_body: 0\n", 2, 11, "max_body", "expected an integer from 1 to 1073741824, found the integer 0" },
                { "secret: x\nmax_body: 1MiB\n", 2, 11, "max_body", "found the string \"1MiB\"" },
                { "secret: x\nreplay_window: 100000\n", 2, 16, "replay_window", "expected an integer from 0 to 86400" },
                { "secret: x\nreplay_window: yes\n", 2, 16, "replay_window", "found the boolean true" },
                { "secret: x\nallow_absolute_cmd: \"true\"\n", 2, 21, "allow_absolute_cmd", "expected true or false, found the string \"true\"" },
                { "secret: x\nallow_absolute_cmd: 1\n", 2, 21, "allow_absolute_cmd", "found the integer 1" },
                { "secret: x\nallow_file_paths: /srv\n", 2, 19, "allow_file_paths", "expected a list of absolute directory paths, found the string \"/srv\"" },
                { "secret: x\nallow_file_paths:\n  - /ok\n  - rel\n", 4, 5, "allow_file_paths", "found 'rel'" },
                { "secret: x\nallow_file_paths: [/ok, 5]\n", 2, 25, "allow_file_paths", "found the integer 5" },
                { "secret: {a: b}\n", 1, 9, "secret", "expected a string, found a map" },
                { "secret_file: relative\n", 1, 14, "secret_file", "expected an absolute path, found 'relative'" },
                { "secret: \"\"\n", 1, 9, "secret", "an empty secret" },
                { "port: 1\n", 0, 0, "secret", "no secret" },
                { "secret: a\nsecret_file: /x\n", 2, 14, "secret_file", "both 'secret' and 'secret_file'" },
                { "- a\n- b\n", 1, 1, NULL, "expected a map of keys" },
                { "secret: [\n", 0, 0, NULL, "not valid YAML" },
                { "secret: x\nunix_socket: /run/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
                  2, 14, "unix_socket", "longer than a unix socket address" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                RunnerConfig *c = load(cases[i].yaml);
                if (!find_diag(c, DIAG_ERROR, cases[i].line, cases[i].column, cases[i].key, cases[i].needle))
                        fail_msg("case %zu: no error at %u:%u '%s' about '%s'", i, cases[i].line, cases[i].column,
                                 strna(cases[i].key), cases[i].needle);
                runner_config_free(c);
        }

        /* Herald takes any scalar's text as the secret (yaml.v2 into a string) */
        RunnerConfig *c = load("secret: 123456\n");
        assert_int_equal(c->diag.n_errors, 0);
        assert_int_equal(c->secret_size, 6);
        assert_memory_equal(c->secret, "123456", 6);
        runner_config_free(c);

        /* An empty file: all defaults (then no secret: an error unless the credential is there) */
        c = load("");
        assert_non_null(find_diag(c, DIAG_ERROR, 0, 0, "secret", "no secret"));
        assert_int_equal(c->port, 8124);
        runner_config_free(c);
}

static char *write_secret(const char *name, const char *content, mode_t mode) {
        char *p = NULL;
        assert_true(asprintf(&p, "%s/%s", tmpdir, name) > 0);
        (void) unlink(p);
        assert_int_equal(write_file_atomic(p, content, strlen(content), 0600), 0);
        assert_int_equal(chmod(p, mode), 0);
        return p;
}

static void test_secret_file_modes(void **state) {
        static const struct { mode_t mode; bool ok; } modes[] = {
                { 0600, true }, { 0400, true }, { 0700, true }, { 0640, false }, { 0604, false }, { 0660, false },
                { 0644, false }, { 0620, false }, { 0602, false },
        };

        for (size_t i = 0; i < ELEMENTSOF(modes); i++) {
                _cleanup_free_ char *p = write_secret("secret", "file-secret\n", modes[i].mode), *yaml = NULL;
                RunnerConfig *c;

                assert_true(asprintf(&yaml, "# runner\nsecret_file: %s\n", p) > 0);
                c = load(yaml);
                if (modes[i].ok) {
                        assert_int_equal(c->diag.n_errors, 0);
                        assert_int_equal(c->secret_source, RUNNER_SECRET_FILE);
                        /* the trailing newline is not part of the key */
                        assert_int_equal(c->secret_size, 11);
                        assert_memory_equal(c->secret, "file-secret", 11);
                } else {
                        char needle[64];
                        snprintf(needle, sizeof needle, "(mode %04o); refused", (unsigned) modes[i].mode);
                        assert_non_null(find_diag(c, DIAG_ERROR, 2, 14, "secret_file", needle));
                        assert_null(c->secret);
                }
                no_secret_text_in_diags(c, "file-secret");
                runner_config_free(c);
        }

        /* owned by another user: refused (we run the tests as root or not; pick one that is neither) */
        if (geteuid() == 0) {
                _cleanup_free_ char *p = write_secret("other", "x", 0600), *yaml = NULL;
                assert_int_equal(chown(p, 4242, 4242), 0);
                assert_true(asprintf(&yaml, "secret_file: %s\n", p) > 0);
                RunnerConfig *c = load(yaml);
                assert_non_null(find_diag(c, DIAG_ERROR, 1, 14, "secret_file", "belongs to user 4242"));
                runner_config_free(c);
        }

        /* missing, empty, a directory, too long */
        {
                _cleanup_free_ char *empty = write_secret("empty", "\n", 0600), *big = NULL, *yaml = NULL;
                _cleanup_free_ char *longtext = malloc(RUNNER_SECRET_SIZE_MAX + 2);
                RunnerConfig *c;

                assert_non_null(longtext);
                memset(longtext, 'k', RUNNER_SECRET_SIZE_MAX + 1);
                longtext[RUNNER_SECRET_SIZE_MAX + 1] = 0;
                big = write_secret("big", longtext, 0600);

                c = load("secret_file: /nonexistent/secret\n");
                assert_non_null(find_diag(c, DIAG_ERROR, 1, 14, "secret_file", "cannot read '/nonexistent/secret'"));
                runner_config_free(c);

                assert_true(asprintf(&yaml, "secret_file: %s\n", empty) > 0);
                c = load(yaml);
                assert_non_null(find_diag(c, DIAG_ERROR, 1, 14, "secret_file", "is empty"));
                runner_config_free(c);
                free(yaml);

                assert_true(asprintf(&yaml, "secret_file: %s\n", tmpdir) > 0);
                c = load(yaml);
                assert_non_null(find_diag(c, DIAG_ERROR, 1, 14, "secret_file", "not a regular file"));
                runner_config_free(c);
                free(yaml);

                assert_true(asprintf(&yaml, "secret_file: %s\n", big) > 0);
                c = load(yaml);
                assert_non_null(find_diag(c, DIAG_ERROR, 1, 14, "secret_file", "longer than 4096 bytes"));
                runner_config_free(c);
        }
}

static void test_credential(void **state) {
        _cleanup_free_ char *creds = NULL, *cred = NULL, *file = write_secret("sf", "from-file", 0600), *yaml = NULL;
        RunnerConfigContext ctx = { .file_mode = -1 };
        RunnerConfig *c;

        assert_true(asprintf(&creds, "%s/creds", tmpdir) > 0);
        assert_int_equal(mkdir_p(creds, 0700), 0);
        ctx.credentials_dir = creds;

        /* the directory without the credential: the file's secret */
        assert_true(asprintf(&yaml, "secret_file: %s\n", file) > 0);
        c = load_ctx(yaml, &ctx);
        assert_int_equal(c->secret_source, RUNNER_SECRET_FILE);
        runner_config_free(c);

        assert_true(asprintf(&cred, "%s/" RUNNER_CREDENTIAL_NAME, creds) > 0);
        assert_int_equal(write_file_atomic(cred, "from-cred\r\n", 11, 0400), 0);

        /* the credential wins over secret_file (which is then not read at all) */
        c = load_ctx(yaml, &ctx);
        assert_int_equal(c->diag.n_errors, 0);
        assert_int_equal(c->secret_source, RUNNER_SECRET_CREDENTIAL);
        assert_int_equal(c->secret_size, 9);
        assert_memory_equal(c->secret, "from-cred", 9);
        runner_config_free(c);

        /* and over an inline secret, with a warning */
        c = load_ctx("secret: inline\n", &ctx);
        assert_int_equal(c->secret_source, RUNNER_SECRET_CREDENTIAL);
        assert_non_null(find_diag(c, DIAG_WARNING, 1, 9, "secret", "credential 'herald-runner.secret' is used"));
        no_secret_text_in_diags(c, "inline");
        runner_config_free(c);

        /* an empty config file with the credential: a working runner on the defaults */
        c = load_ctx("", &ctx);
        assert_int_equal(c->diag.n_errors, 0);
        assert_int_equal(c->secret_source, RUNNER_SECRET_CREDENTIAL);
        assert_int_equal(c->port, 8124);
        runner_config_free(c);

        /* an empty credential is an error */
        assert_int_equal(write_file_atomic(cred, "", 0, 0400), 0);
        c = load_ctx("", &ctx);
        assert_non_null(find_diag(c, DIAG_ERROR, 0, 0, NULL, "credential 'herald-runner.secret' is empty"));
        runner_config_free(c);
}

static void test_inline_secret_file_mode(void **state) {
        RunnerConfigContext ctx = { .file_mode = 0600 };
        RunnerConfig *c;

        /* a root-only config file may hold the secret without a warning */
        c = load_ctx("secret: s\n", &ctx);
        assert_int_equal(c->diag.n_warnings, 0);
        runner_config_free(c);
        ctx.file_mode = 0400;
        c = load_ctx("secret: s\n", &ctx);
        assert_int_equal(c->diag.n_warnings, 0);
        runner_config_free(c);
        ctx.file_mode = 0644;
        c = load_ctx("secret: s\n", &ctx);
        assert_non_null(find_diag(c, DIAG_WARNING, 1, 9, "secret", "inline secret"));
        runner_config_free(c);

        /* runner_config_load() takes the mode from the file */
        _cleanup_free_ char *p = write_secret("config.yml", "secret: s\nport: 9\n", 0600);
        unsetenv("CREDENTIALS_DIRECTORY");
        assert_int_equal(runner_config_load(p, &c), 0);
        assert_int_equal(c->diag.n_errors, 0);
        assert_int_equal(c->diag.n_warnings, 0);
        assert_int_equal(c->port, 9);
        assert_string_equal(c->path, p);
        runner_config_free(c);
        assert_int_equal(chmod(p, 0644), 0);
        assert_int_equal(runner_config_load(p, &c), 0);
        assert_non_null(find_diag(c, DIAG_WARNING, 1, 9, "secret", "inline secret"));
        runner_config_free(c);

        assert_int_equal(runner_config_load("/nonexistent.yml", &c), 0);
        assert_non_null(find_diag(c, DIAG_ERROR, 0, 0, NULL, "cannot read the file"));
        runner_config_free(c);
}

static int setup(void **state) {
        return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state) {
        return rm_rf(tmpdir) < 0 ? -1 : 0;
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_defaults),
                cmocka_unit_test(test_every_key),
                cmocka_unit_test(test_unknown_and_duplicate),
                cmocka_unit_test(test_type_errors),
                cmocka_unit_test(test_secret_file_modes),
                cmocka_unit_test(test_credential),
                cmocka_unit_test(test_inline_secret_file_mode),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
