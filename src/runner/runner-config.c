/* SPDX-License-Identifier: MIT */
/* runner-config.c: herald-runner's configuration file, Herald Runner's keys and herald's
 *
 * Herald Runner (Go, yaml.v2) reads one flat map:
 *
 *   host, port, unix_socket   where it listens: a unix socket and/or host:port; with
 *                             neither port nor unix_socket, 127.0.0.1:8124; a port
 *                             without host listens on every address
 *   secret                    the HMAC-SHA256 key of X-Herald-Signature
 *   work_dir                  checkouts in gitrepo/<host>/<path>, commands run in run/
 *   log_level                 logrus names (panic fatal error warn warning info debug
 *                             trace, any case); anything else means info, silently
 *   log_output, time_format   its log file and time format
 *
 * herald keeps these meanings, with the fixes herald-behaviour.md lists for the
 * workflow: a wrong type is an error with its position (yaml.v2 stops the runner too,
 * but says little), an unknown log level and unknown keys are warnings, and the log
 * keys are accepted and ignored with a warning (herald-runner logs to the journal).
 *
 * herald's extensions, which Herald Runner ignores as unknown keys:
 *
 *   secret_file         a root-only file holding the key (owner root or the runner's
 *                       own user, no group or other permission bits, else refused);
 *                       trailing newlines are not part of the key
 *   (credential)        the systemd credential herald-runner.secret, read from
 *                       $CREDENTIALS_DIRECTORY; it wins over secret and secret_file,
 *                       so `LoadCredential=herald-runner.secret:<secret_file>` lets the
 *                       runner run unprivileged while the file stays root's
 *   secret              still taken, for compatibility, with a warning (the key sits in
 *                       a file others may read) unless the config file itself is 0600
 *                       or 0400
 *   max_body            the largest request body in bytes (default 1 MiB)
 *   replay_window       seconds; 0 (the default, as Herald) turns the replay check off
 *   allow_absolute_cmd  let `cmd` be an absolute path, or a bare name looked up in
 *                       $PATH, as Herald Runner does (default false)
 *   allow_file_paths    directories, beyond the job's own, that a result's `file`
 *                       entries may name (default none)
 *
 * No secret at all is an error: Herald Runner then checks signatures with an empty
 * key, which anyone can compute, and runs what it is sent.
 *
 * The key is wiped (explicit_bzero) from every buffer that held it here: the file's
 * text, the YAML scalar, the credential, and the config itself when freed.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include "runner-config.h"
#include "yaml-tree.h"

#define STRINGIFY_ARG(x) #x
#define STRINGIFY(x) STRINGIFY_ARG(x)
#define sizeof_field(type, member) sizeof(((type *) 0)->member)

static const char *const known_keys[] = {
        "host", "port", "unix_socket", "secret", "work_dir", "log_level", "log_output", "time_format",
        "secret_file", "max_body", "replay_window", "allow_absolute_cmd", "allow_file_paths", NULL,
};

static const char *const secret_source_names[_RUNNER_SECRET_SOURCE_MAX] = {
        [RUNNER_SECRET_NONE] = "none",
        [RUNNER_SECRET_CREDENTIAL] = "credential",
        [RUNNER_SECRET_FILE] = "secret_file",
        [RUNNER_SECRET_INLINE] = "secret",
};

const char *runner_secret_source_to_string(RunnerSecretSource s) {
        return s >= 0 && s < _RUNNER_SECRET_SOURCE_MAX ? secret_source_names[s] : NULL;
}

static void secret_wipe(uint8_t **secret, size_t *size) {
        if (*secret) {
                explicit_bzero(*secret, *size);
                free(*secret);
        }
        *secret = NULL;
        *size = 0;
}

/**
 * runner_config_free() - free a config, its secret wiped first
 * @c: the config, or NULL
 *
 * Return: NULL.
 */
RunnerConfig *runner_config_free(RunnerConfig *c) {
        if (!c)
                return NULL;
        secret_wipe(&c->secret, &c->secret_size);
        free(c->path);
        free(c->host);
        free(c->unix_socket);
        free(c->work_dir);
        free(c->secret_file);
        strv_free(c->allow_file_paths);
        diag_list_done(&c->diag);
        free(c);
        return NULL;
}

static bool is_null(const YamlNode *n) {
        return n->kind == YAML_NODE_SCALAR && yaml_scalar_resolve(n, NULL, NULL, NULL) == YAML_SCALAR_NULL;
}

static int type_error(RunnerConfig *c, const YamlNode *v, const char *key, const char *expected) {
        _cleanup_free_ char *found = yaml_node_describe(v);
        if (!found)
                return -ENOMEM;
        return diag_add(&c->diag, DIAG_ERROR, v, NULL, key,
                        v->kind == YAML_NODE_SCALAR && v->quoted ? "write it without quotes" : NULL,
                        "expected %s, found %s", expected, found);
}

static bool has_control(const char *s) {
        for (; *s; s++)
                if ((unsigned char) *s < 0x20 || *s == 0x7f)
                        return true;
        return false;
}

/* A string key; @absolute asks for an absolute path without control characters. */
static int get_string(RunnerConfig *c, const YamlNode *root, const char *key, bool absolute, char **ret) {
        const YamlNode *v = yaml_map_get(root, key);

        if (!v || is_null(v))
                return 0;
        if (!is_scalar_string(v))
                return type_error(c, v, key, absolute ? "an absolute path" : "a string");
        if (absolute && (v->value[0] != '/' || has_control(v->value)))
                return diag_add(&c->diag, DIAG_ERROR, v, NULL, key, NULL,
                                "expected an absolute path, found '%s'", v->value);
        free(*ret);
        *ret = strdup(v->value);
        return *ret ? 0 : -ENOMEM;
}

static int get_uint(RunnerConfig *c, const YamlNode *root, const char *key, uint64_t min, uint64_t max,
                    uint64_t *ret) {
        const YamlNode *v = yaml_map_get(root, key);
        int64_t i;

        if (!v || is_null(v))
                return 0;
        if (yaml_scalar_resolve(v, NULL, &i, NULL) == YAML_SCALAR_INT && i >= 0 && (uint64_t) i >= min &&
            (uint64_t) i <= max) {
                *ret = (uint64_t) i;
                return 0;
        }
        _cleanup_free_ char *expected = NULL;
        if (asprintf(&expected, "an integer from %" PRIu64 " to %" PRIu64, min, max) < 0)
                return -ENOMEM;
        return type_error(c, v, key, expected);
}

/* logrus.ParseLevel(), case-insensitive, mapped to syslog levels. */
static int parse_log_level(const char *s) {
        static const struct {
                const char *name;
                int level;
        } table[] = {
                { "panic", LOG_CRIT }, { "fatal", LOG_CRIT }, { "error", LOG_ERR }, { "warn", LOG_WARNING },
                { "warning", LOG_WARNING }, { "info", LOG_INFO }, { "debug", LOG_DEBUG }, { "trace", LOG_DEBUG },
        };
        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                if (strcasecmp(s, table[i].name) == 0)
                        return table[i].level;
        return -EINVAL;
}

static int load_log(RunnerConfig *c, const YamlNode *root) {
        const YamlNode *v = yaml_map_get(root, "log_level");
        int r, level;

        c->log_level = LOG_INFO;
        if (v && !is_null(v)) {
                if (v->kind != YAML_NODE_SCALAR)
                        return type_error(c, v, "log_level", "a log level (error, warn, info, debug)");
                level = parse_log_level(v->value);
                if (level < 0) {
                        r = diag_add(&c->diag, DIAG_WARNING, v, NULL, "log_level", "use error, warn, info or debug",
                                     "unknown log level '%s'; using info, as Herald Runner does", v->value);
                        if (r < 0)
                                return r;
                } else
                        c->log_level = level;
        }

        static const char *const ignored[] = { "log_output", "time_format" };
        for (size_t i = 0; i < ELEMENTSOF(ignored); i++) {
                v = yaml_map_get(root, ignored[i]);
                if (!v || is_null(v))
                        continue;
                if (v->kind != YAML_NODE_SCALAR)
                        r = type_error(c, v, ignored[i], "a string");
                else
                        r = diag_add(&c->diag, DIAG_WARNING, v, NULL, ignored[i], NULL,
                                     "herald-runner logs to stderr, the journal under systemd ('journalctl -u herald-runner'); ignoring");
                if (r < 0)
                        return r;
        }
        return 0;
}

static bool given(const YamlNode *root, const char *key) {
        const YamlNode *v = yaml_map_get(root, key);

        return v && !is_null(v);
}

static int load_listen(RunnerConfig *c, const YamlNode *root) {
        uint64_t port = 0;
        int r;

        r = get_string(c, root, "host", false, &c->host);
        if (r >= 0)
                r = get_uint(c, root, "port", 0, 65535, &port);
        if (r >= 0)
                r = get_string(c, root, "unix_socket", true, &c->unix_socket);
        if (r < 0)
                return r;
        c->port = (unsigned) port;
        c->host_given = given(root, "host");
        c->port_given = given(root, "port");
        c->unix_socket_given = given(root, "unix_socket");

        if (c->unix_socket && strlen(c->unix_socket) >= sizeof_field(struct sockaddr_un, sun_path)) {
                r = diag_add(&c->diag, DIAG_ERROR, yaml_map_get(root, "unix_socket"), NULL, "unix_socket", NULL,
                             "the path is longer than a unix socket address can hold (%zu bytes)",
                             sizeof_field(struct sockaddr_un, sun_path) - 1);
                if (r < 0)
                        return r;
        }

        /* Herald Runner: with neither a port nor a unix socket, 127.0.0.1:8124. An empty
         * host with a port is every address, as Go's ":port". */
        if (c->port == 0 && !c->unix_socket) {
                free(c->host);
                c->host = strdup(RUNNER_HOST_DEFAULT);
                if (!c->host)
                        return -ENOMEM;
                c->port = RUNNER_PORT_DEFAULT;
        } else if (c->host && !*c->host) {
                free(c->host);
                c->host = NULL;
        }
        return 0;
}

static int load_allow_file_paths(RunnerConfig *c, const YamlNode *root) {
        const YamlNode *v = yaml_map_get(root, "allow_file_paths");
        _cleanup_strv_free_ char **l = NULL;
        size_t n = 0;
        int r;

        if (!v || is_null(v))
                return 0;
        if (v->kind != YAML_NODE_SEQ)
                return type_error(c, v, "allow_file_paths", "a list of absolute directory paths");
        if (v->n_items > RUNNER_ALLOW_FILE_PATHS_MAX)
                return diag_add(&c->diag, DIAG_ERROR, v, NULL, "allow_file_paths", NULL,
                                "%zu entries, more than the %d allowed", v->n_items, RUNNER_ALLOW_FILE_PATHS_MAX);
        l = calloc(v->n_items + 1, sizeof *l);
        if (!l)
                return -ENOMEM;
        for (size_t i = 0; i < v->n_items; i++) {
                const YamlNode *item = v->items[i];
                char *s;
                size_t len;

                if (!is_scalar_string(item)) {
                        r = type_error(c, item, "allow_file_paths", "an absolute directory path");
                        if (r < 0)
                                return r;
                        continue;
                }
                if (item->value[0] != '/' || has_control(item->value)) {
                        r = diag_add(&c->diag, DIAG_ERROR, item, NULL, "allow_file_paths", NULL,
                                     "expected an absolute directory path, found '%s'", item->value);
                        if (r < 0)
                                return r;
                        continue;
                }
                s = strdup(item->value);
                if (!s)
                        return -ENOMEM;
                /* "/srv/out/" and "/srv/out" are one directory; "/" stays "/". */
                len = strlen(s);
                while (len > 1 && s[len - 1] == '/')
                        s[--len] = 0;
                l[n++] = s;
        }
        c->allow_file_paths = TAKE_PTR(l);
        return 0;
}

static int load_bool(RunnerConfig *c, const YamlNode *root, const char *key, bool *ret) {
        const YamlNode *v = yaml_map_get(root, key);
        bool b;

        if (!v || is_null(v))
                return 0;
        if (yaml_scalar_resolve(v, &b, NULL, NULL) != YAML_SCALAR_BOOL)
                return type_error(c, v, key, "true or false");
        *ret = b;
        return 0;
}

/* A key's bytes, without the trailing newlines an editor or `echo` leaves. */
static int secret_take(RunnerConfig *c, char *data, size_t size) {
        while (size > 0 && (data[size - 1] == '\n' || data[size - 1] == '\r'))
                size--;
        if (size == 0)
                return -ENODATA;
        c->secret = malloc(size);
        if (!c->secret)
                return -ENOMEM;
        memcpy(c->secret, data, size);
        c->secret_size = size;
        return 0;
}

/* Reads the whole of fd (at most RUNNER_SECRET_SIZE_MAX bytes) into a buffer the caller
 * wipes. */
static int read_secret_fd(int fd, char *buf, size_t *ret_size) {
        size_t size = 0;

        for (;;) {
                ssize_t n = read(fd, buf + size, RUNNER_SECRET_SIZE_MAX + 1 - size);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        break;
                size += (size_t) n;
                if (size > RUNNER_SECRET_SIZE_MAX)
                        return -E2BIG;
        }
        *ret_size = size;
        return 0;
}

static int load_credential(RunnerConfig *c, const char *dir, bool *ret_found) {
        _cleanup_close_ int dfd = -1, fd = -1;
        char buf[RUNNER_SECRET_SIZE_MAX + 1];
        size_t size = 0;
        int r;

        *ret_found = false;
        dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return diag_add(&c->diag, DIAG_ERROR, NULL, NULL, NULL, NULL,
                                "cannot open the credentials directory '%s': %m", dir);
        fd = openat(dfd, RUNNER_CREDENTIAL_NAME, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
        if (fd < 0 && errno == ENOENT)
                return 0;
        *ret_found = true;
        if (fd < 0)
                return diag_add(&c->diag, DIAG_ERROR, NULL, NULL, NULL, NULL,
                                "cannot read the credential '%s': %m", RUNNER_CREDENTIAL_NAME);
        r = read_secret_fd(fd, buf, &size);
        if (r >= 0)
                r = secret_take(c, buf, size);
        explicit_bzero(buf, sizeof buf);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return diag_add(&c->diag, DIAG_ERROR, NULL, NULL, NULL, NULL, "the credential '%s' %s",
                                RUNNER_CREDENTIAL_NAME,
                                r == -ENODATA ? "is empty" :
                                r == -E2BIG   ? "is longer than " STRINGIFY(RUNNER_SECRET_SIZE_MAX) " bytes" :
                                                "cannot be read");
        c->secret_source = RUNNER_SECRET_CREDENTIAL;
        return 0;
}

static int load_secret_file(RunnerConfig *c, const YamlNode *at) {
        _cleanup_close_ int fd = -1;
        char buf[RUNNER_SECRET_SIZE_MAX + 1];
        struct stat st;
        size_t size = 0;
        int r;

        /* The path may be a symlink (an admin's choice, as for any config file); what
         * counts is the file it leads to, checked on the fd we read. */
        fd = open(c->secret_file, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return diag_add(&c->diag, DIAG_ERROR, at, NULL, "secret_file", NULL, "cannot read '%s': %m",
                                c->secret_file);
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return diag_add(&c->diag, DIAG_ERROR, at, NULL, "secret_file", NULL, "'%s' is not a regular file",
                                c->secret_file);
        if (st.st_uid != 0 && st.st_uid != geteuid())
                return diag_add(&c->diag, DIAG_ERROR, at, NULL, "secret_file", "chown root: it",
                                "'%s' belongs to user %u, neither root nor herald-runner's own user; refused",
                                c->secret_file, (unsigned) st.st_uid);
        if (st.st_mode & 0077)
                return diag_add(&c->diag, DIAG_ERROR, at, NULL, "secret_file", "chmod 0600 it",
                                "'%s' is readable or writable by group or others (mode %04o); refused",
                                c->secret_file, (unsigned) (st.st_mode & 07777));
        r = read_secret_fd(fd, buf, &size);
        if (r >= 0)
                r = secret_take(c, buf, size);
        explicit_bzero(buf, sizeof buf);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return diag_add(&c->diag, DIAG_ERROR, at, NULL, "secret_file", NULL, "'%s' %s", c->secret_file,
                                r == -ENODATA ? "is empty" :
                                r == -E2BIG   ? "is longer than " STRINGIFY(RUNNER_SECRET_SIZE_MAX) " bytes" :
                                                "cannot be read");
        c->secret_source = RUNNER_SECRET_FILE;
        return 0;
}

static int load_secret(RunnerConfig *c, YamlNode *root, const RunnerConfigContext *ctx) {
        YamlNode *secret = (YamlNode *) yaml_map_get(root, "secret");
        const YamlNode *file = yaml_map_get(root, "secret_file");
        bool found = false;
        int r;

        if (secret && is_null(secret))
                secret = NULL;
        if (file && is_null(file))
                file = NULL;
        r = get_string(c, root, "secret_file", true, &c->secret_file);
        if (r < 0)
                return r;
        if (secret && secret->kind != YAML_NODE_SCALAR) {
                r = type_error(c, secret, "secret", "a string");
                if (r < 0)
                        return r;
                secret = NULL;
        }
        if (secret && file) {
                r = diag_add(&c->diag, DIAG_ERROR, file, NULL, "secret_file", "drop one of them",
                             "both 'secret' and 'secret_file' are given");
                if (r < 0)
                        return r;
        }

        if (ctx->credentials_dir) {
                r = load_credential(c, ctx->credentials_dir, &found);
                if (r < 0)
                        return r;
        }
        if (found) {
                if (secret)
                        r = diag_add(&c->diag, DIAG_WARNING, secret, NULL, "secret", "remove it from the file",
                                     "the credential '%s' is used; ignoring", RUNNER_CREDENTIAL_NAME);
        } else if (file && c->secret_file && !secret)
                r = load_secret_file(c, file);
        else if (secret && !file) {
                /* Herald takes any scalar's text (yaml.v2 into a string): 'secret: 1234'
                 * is the key "1234". */
                r = secret_take(c, secret->value, secret->length);
                if (r == -ENODATA)
                        r = diag_add(&c->diag, DIAG_ERROR, secret, NULL, "secret", NULL,
                                     "an empty secret: anyone can sign with it");
                else if (r >= 0) {
                        c->secret_source = RUNNER_SECRET_INLINE;
                        if (ctx->file_mode < 0 || (ctx->file_mode & 0077))
                                r = diag_add(&c->diag, DIAG_WARNING, secret, NULL, "secret",
                                             "put it in a root-only file named by 'secret_file', or in the credential "
                                             RUNNER_CREDENTIAL_NAME,
                                             "an inline secret in a file that group or others may read");
                }
        } else if (!secret && !file)
                r = diag_add(&c->diag, DIAG_ERROR, NULL, NULL, "secret", "set 'secret_file' or the credential "
                             RUNNER_CREDENTIAL_NAME,
                             "no secret: anyone could sign requests and run commands here");
        /* The tree is freed by the caller; the key's text goes first. */
        if (secret && secret->value)
                explicit_bzero(secret->value, secret->length);
        return r;
}

static void on_duplicate_key(const YamlNode *first, const YamlNode *dup, void *userdata) {
        RunnerConfig *c = userdata;
        diag_add(&c->diag, DIAG_WARNING, dup, NULL, dup->value, NULL,
                 "duplicate key (first at line %u); the last one wins, as in Herald Runner", first->line);
}

static int load_unknown_keys(RunnerConfig *c, const YamlNode *root) {
        int r;

        for (size_t k = 0; k < root->n_pairs; k++) {
                const YamlNode *kn = root->pairs[k].key;
                _cleanup_free_ char *hint = NULL;
                const char *close;
                bool known = false;

                if (kn->kind == YAML_NODE_SCALAR)
                        for (size_t i = 0; known_keys[i]; i++)
                                known = known || streq(kn->value, known_keys[i]);
                if (known)
                        continue;
                close = kn->kind == YAML_NODE_SCALAR ? diag_closest(kn->value, known_keys) : NULL;
                if (close && asprintf(&hint, "did you mean '%s'?", close) < 0)
                        return -ENOMEM;
                r = diag_add(&c->diag, DIAG_WARNING, kn, NULL, kn->kind == YAML_NODE_SCALAR ? kn->value : NULL, hint,
                             "unknown key; Herald Runner ignores it");
                if (r < 0)
                        return r;
        }
        return 0;
}

/**
 * runner_config_load_string() - load herald-runner's config from memory
 * @name: the file name the diagnostics carry
 * @data: the YAML text (need not be NUL-terminated)
 * @size: its length
 * @ctx: where to look for the credential, and the file's mode; NULL: neither
 * @ret: the config; its diag list says whether it can be used (no errors)
 *
 * Every problem is reported in (*ret)->diag with the line, column and key; loading goes
 * on after an error so that one run reports them all.
 *
 * Return: 0, or -ENOMEM.
 */
int runner_config_load_string(const char *name, const char *data, size_t size, const RunnerConfigContext *ctx,
                              RunnerConfig **ret) {
        _cleanup_(runner_config_freep) RunnerConfig *c = NULL;
        _cleanup_(yaml_node_freep) YamlNode *root = NULL;
        YamlLimits limits = { .max_bytes = RUNNER_CONFIG_SIZE_MAX, .max_depth = 16, .max_nodes = 10000 };
        RunnerConfigContext none = { .file_mode = -1 };
        uint64_t b;
        YamlError err = {};
        int r;

        ctx = ctx ?: &none;
        c = calloc(1, sizeof *c);
        if (!c)
                return -ENOMEM;
        c->path = strdup(name);
        if (!c->path || diag_list_init(&c->diag, name) < 0)
                return -ENOMEM;
        c->max_body = RUNNER_MAX_BODY_DEFAULT;
        c->log_level = LOG_INFO;

        r = yaml_parse(data, size, &limits, on_duplicate_key, c, &root, &err);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                r = diag_add_at(&c->diag, DIAG_ERROR, err.line, err.column, NULL, NULL, NULL,
                                r == -E2BIG ? "over a limit: %s" : "not valid YAML: %s", err.message);
                if (r < 0)
                        return r;
                goto done;
        }
        if (root && root->kind != YAML_NODE_MAP && !is_null(root)) {
                _cleanup_free_ char *found = yaml_node_describe(root);
                r = diag_add(&c->diag, DIAG_ERROR, root, NULL, NULL, NULL,
                             "expected a map of keys (host, port, unix_socket, secret, work_dir, ...); found %s",
                             strna(found));
                if (r < 0)
                        return r;
                goto done;
        }
        if (root && root->kind != YAML_NODE_MAP)
                root = yaml_node_free(root);

        /* An empty file is all defaults, as yaml.v2 reads it: the secret may come from
         * the credential alone. */
        if (root) {
                r = load_unknown_keys(c, root);
                if (r >= 0)
                        r = load_listen(c, root);
                if (r >= 0)
                        r = get_string(c, root, "work_dir", true, &c->work_dir);
                if (r >= 0)
                        r = load_log(c, root);
                if (r >= 0) {
                        b = c->max_body;
                        r = get_uint(c, root, "max_body", 1, RUNNER_MAX_BODY_MAX, &b);
                        c->max_body = b;
                }
                if (r >= 0)
                        r = get_uint(c, root, "replay_window", 0, RUNNER_REPLAY_WINDOW_MAX, &c->replay_window_sec);
                if (r >= 0)
                        r = load_bool(c, root, "allow_absolute_cmd", &c->allow_absolute_cmd);
                if (r >= 0)
                        r = load_allow_file_paths(c, root);
                if (r < 0)
                        return r;
        } else {
                c->host = strdup(RUNNER_HOST_DEFAULT);
                if (!c->host)
                        return -ENOMEM;
                c->port = RUNNER_PORT_DEFAULT;
        }

        /* With no map, the secret can only be the credential. */
        {
                _cleanup_(yaml_node_freep) YamlNode *empty = NULL;
                if (!root) {
                        empty = calloc(1, sizeof *empty);
                        if (!empty)
                                return -ENOMEM;
                        empty->kind = YAML_NODE_MAP;
                }
                r = load_secret(c, root ?: empty, ctx);
                if (r < 0)
                        return r;
        }

        if (!c->work_dir) {
                c->work_dir = strdup(RUNNER_WORK_DIR_DEFAULT);
                if (!c->work_dir)
                        return -ENOMEM;
        } else {
                size_t l = strlen(c->work_dir);
                while (l > 1 && c->work_dir[l - 1] == '/')
                        c->work_dir[--l] = 0;
        }

done:
        diag_list_sort(&c->diag);
        *ret = TAKE_PTR(c);
        return 0;
}

/**
 * runner_config_load() - load herald-runner's config file
 * @path: the file (a symlink is followed, as for any config file)
 * @ret: the config; its diag list says whether it can be used
 *
 * The credential is looked for in $CREDENTIALS_DIRECTORY when that is set; an inline
 * secret is warned about unless the file is 0600 or 0400 (no group or other bits).
 *
 * Return: 0 (an unreadable file is an error in the diag list), or -ENOMEM.
 */
int runner_config_load(const char *path, RunnerConfig **ret) {
        RunnerConfigContext ctx = { .credentials_dir = getenv("CREDENTIALS_DIRECTORY"), .file_mode = -1 };
        _cleanup_close_ int fd = -1;
        char *data = NULL;
        struct stat st;
        size_t size = 0;
        int r, e = 0;

        if (ctx.credentials_dir && !*ctx.credentials_dir)
                ctx.credentials_dir = NULL;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0 || fstat(fd, &st) < 0)
                e = errno;
        else if (!S_ISREG(st.st_mode))
                e = EBADFD;
        else if ((uint64_t) st.st_size > RUNNER_CONFIG_SIZE_MAX)
                e = EFBIG;
        if (e == 0) {
                ctx.file_mode = (int) (st.st_mode & 07777);
                /* One buffer, never reallocated: the text may hold the secret, and
                 * realloc() would leave copies of it behind. */
                data = malloc((size_t) st.st_size + 1);
                if (!data)
                        return -ENOMEM;
                while (size < (size_t) st.st_size + 1) {
                        ssize_t n = read(fd, data + size, (size_t) st.st_size + 1 - size);
                        if (n < 0 && errno == EINTR)
                                continue;
                        if (n < 0) {
                                e = errno;
                                break;
                        }
                        if (n == 0)
                                break;
                        size += (size_t) n;
                }
                if (e != 0) {
                        explicit_bzero(data, size);
                        free(data);
                        data = NULL;
                }
        }
        if (e != 0) {
                _cleanup_(runner_config_freep) RunnerConfig *c = calloc(1, sizeof *c);
                if (!c || !(c->path = strdup(path)) || diag_list_init(&c->diag, path) < 0)
                        return -ENOMEM;
                r = diag_add(&c->diag, DIAG_ERROR, NULL, NULL, NULL, NULL, "cannot read the file: %s",
                             e == EBADFD ? "not a regular file" :
                             e == EFBIG  ? "larger than " STRINGIFY(RUNNER_CONFIG_SIZE_MAX) " bytes" :
                                           strerror(e));
                if (r < 0)
                        return r;
                *ret = TAKE_PTR(c);
                return 0;
        }

        r = runner_config_load_string(path, data, size, &ctx, ret);
        /* The text may hold the secret. */
        explicit_bzero(data, size);
        free(data);
        return r;
}
