/* SPDX-License-Identifier: MIT */
/* params.c: parameter tables for triggers, selectors and executors, and their checks
 *
 * Herald passes every key to the component and lets wrong types fall back silently
 * (a quoted port listens on 8123, a quoted interval ticks every second). herald keeps
 * unknown keys, but a known key with the wrong type is an error, reported with what was
 * expected and what was found.
 */
#include <ctype.h>
#include <inttypes.h>

#include "params.h"
#include "remote.h"
#include "yaml-json.h"

static const ParamSpec tick_params[] = {
        { "interval", PARAM_INT, 1, INT64_C(315360000) },
        { "unit", PARAM_UNIT },
        {}
};
static const ParamSpec cron_params[] = {
        { "cron", PARAM_STRING, .required = true },
        { "with_seconds", PARAM_BOOL },
        { "unit", PARAM_UNIT },
        {}
};
static const ParamSpec http_params[] = {
        { "host", PARAM_STRING },
        { "port", PARAM_INT, 1, 65535 },
        { "unix_socket", PARAM_PATH },
        { "secret", PARAM_STRING },
        { "secret_file", PARAM_PATH },
        { "max_body", PARAM_INT, 1, (int64_t) HTTP_MAX_BODY_MAX },
        { "replay_window", PARAM_INT, 0, HTTP_REPLAY_WINDOW_MAX },
        {}
};
static const ParamSpec no_params[] = { {} };
static const ParamSpec external_params[] = {
        { "program", PARAM_STRING, .required = true },
        { "trigger_param_env", PARAM_ENV_NAME },
        { "select_param_env", PARAM_ENV_NAME },
        {}
};
static const ParamSpec local_params[] = {
        { "work_dir", PARAM_PATH },
        { "unit", PARAM_UNIT },
        {}
};
static const ParamSpec http_remote_params[] = {
        { "host", PARAM_STRING, .required = true },
        { "secret", PARAM_STRING },
        { "data_dir", PARAM_PATH },
        { "secret_file", PARAM_PATH },                                  /* herald's, remote.h */
        { "ca_file", PARAM_PATH },                                      /* herald's */
        { "timeout", PARAM_INT, 0, REMOTE_TIMEOUT_MAX_SEC },            /* herald's */
        { "connect_timeout", PARAM_INT, 0, REMOTE_TIMEOUT_MAX_SEC },    /* herald's */
        { "max_answer", PARAM_INT, 1, INT64_MAX },                      /* herald's */
        { "signed_timestamp", PARAM_BOOL },                             /* herald's */
        { "unit", PARAM_UNIT },
        {}
};
static const ParamSpec plain_executor_params[] = {
        { "unit", PARAM_UNIT },
        {}
};

static const ParamSpec command_job_params[] = {
        { "cmd", PARAM_COMMAND },
        { "arg", PARAM_STRING_OR_LIST },
        { "env", PARAM_STRING_MAP },
        { "param_env_name", PARAM_ENV_NAME },
        { "ignore_param_env", PARAM_BOOL },
        { "background", PARAM_BOOL },
        { "git_repo", PARAM_STRING },
        { "git_branch", PARAM_STRING },
        { "git_username", PARAM_STRING },
        { "git_password", PARAM_STRING },
        { "git_ssh_key", PARAM_STRING },
        { "git_ssh_key_file", PARAM_PATH },
        { "git_ssh_key_password", PARAM_STRING },
        { "git_ssh_known_hosts", PARAM_PATH },
        { "git_timeout", PARAM_INT, 1, 86400 },        /* herald's: seconds without progress (exec-local.c) */
        { "unit", PARAM_UNIT },
        {}
};
static const ParamSpec print_job_params[] = {
        { "print_key", PARAM_STRING_OR_LIST },
        { "unit", PARAM_UNIT },
        {}
};
static const ParamSpec match_select_params[] = {
        { "match_key", PARAM_STRING },
        { "match_value", PARAM_ANY },
        {}
};
static const ParamSpec except_select_params[] = {
        { "except_key", PARAM_STRING },
        { "except_value", PARAM_ANY },
        {}
};
static const ParamSpec skip_select_params[] = {
        { "skip_number", PARAM_ANY },
        {}
};

const ParamSpec *params_for_component(ComponentKind kind, int type) {
        switch (kind) {
        case COMPONENT_TRIGGER:
                return type == TRIGGER_TICK ? tick_params : type == TRIGGER_CRON ? cron_params
                     : type == TRIGGER_HTTP ? http_params : no_params;
        case COMPONENT_SELECTOR:
                return type == SELECTOR_EXTERNAL ? external_params : no_params;
        case COMPONENT_EXECUTOR:
                return type == EXECUTOR_LOCAL ? local_params : type == EXECUTOR_HTTP_REMOTE ? http_remote_params
                     : plain_executor_params;
        default:
                return no_params;
        }
}

const ParamSpec *params_for_job(ExecutorType type) {
        switch (type) {
        case EXECUTOR_LOCAL:
        case EXECUTOR_HTTP_REMOTE:
                return command_job_params;
        case EXECUTOR_PRINT:
                return print_job_params;
        default:
                return plain_executor_params;
        }
}

const ParamSpec *params_for_select(SelectorType type) {
        switch (type) {
        case SELECTOR_MATCH_MAP:
                return match_select_params;
        case SELECTOR_EXCEPT_MAP:
                return except_select_params;
        case SELECTOR_SKIP:
                return skip_select_params;
        default:
                return no_params;
        }
}

void param_set_done(ParamSet *s) {
        free(s->entries);
        *s = (ParamSet) {};
}

int param_set_put(ParamSet *s, const YamlNode *key, const YamlNode *value) {
        for (size_t i = 0; i < s->n_entries; i++)
                if (streq(s->entries[i].key->value, key->value)) {
                        s->entries[i] = (ParamEntry) { key, value };
                        return 0;
                }
        ParamEntry *e = reallocarray(s->entries, s->n_entries + 1, sizeof *e);
        if (!e)
                return -ENOMEM;
        s->entries = e;
        e[s->n_entries++] = (ParamEntry) { key, value };
        return 0;
}

const YamlNode *param_set_get(const ParamSet *s, const char *key) {
        for (size_t i = 0; i < s->n_entries; i++)
                if (streq(s->entries[i].key->value, key))
                        return s->entries[i].value;
        return NULL;
}

cJSON *param_set_to_json(const ParamSet *s) {
        cJSON *o = cJSON_CreateObject();

        for (size_t i = 0; o && i < s->n_entries; i++) {
                cJSON *v = yaml_to_json(s->entries[i].value);
                if (!v) {
                        cJSON_Delete(o);
                        return NULL;
                }
                cJSON_AddItemToObject(o, s->entries[i].key->value, v);
        }
        return o;
}

static bool is_string(const YamlNode *v) {
        return v->kind == YAML_NODE_SCALAR && yaml_scalar_resolve(v, NULL, NULL, NULL) == YAML_SCALAR_STRING;
}

static bool env_name_valid(const char *s) {
        if (isempty(s) || isdigit((unsigned char) s[0]))
                return false;
        for (const char *c = s; *c; c++)
                if (!isalnum((unsigned char) *c) && *c != '_')
                        return false;
        return true;
}

/* Returns 1 when the value fits, 0 when not (with expected and hint set), -ENOMEM. */
static int check_value(const ParamSpec *spec, const YamlNode *v, char *expected, size_t size, const char **hint,
                       const YamlNode **bad) {
        YamlScalarType t = v->kind == YAML_NODE_SCALAR ? yaml_scalar_resolve(v, NULL, NULL, NULL) : _YAML_SCALAR_MAX;
        int64_t i;

        *bad = v;
        switch (spec->kind) {
        case PARAM_STRING:
                snprintf(expected, size, "a string");
                if (t == YAML_SCALAR_BOOL)
                        *hint = "quote it to make it a string";
                return t == YAML_SCALAR_STRING;
        case PARAM_COMMAND:
                snprintf(expected, size, "a command (a string)");
                if (t == YAML_SCALAR_BOOL) {
                        *hint = "YAML reads unquoted true/yes/on as a boolean and Herald then runs nothing; write cmd: \"true\"";
                        return 0;
                }
                return t == YAML_SCALAR_STRING;
        case PARAM_PATH:
                snprintf(expected, size, "an absolute path");
                return t == YAML_SCALAR_STRING && v->value[0] == '/';
        case PARAM_ENV_NAME:
                snprintf(expected, size, "an environment variable name");
                return t == YAML_SCALAR_STRING && env_name_valid(v->value);
        case PARAM_BOOL:
                snprintf(expected, size, "true or false");
                if (t == YAML_SCALAR_STRING && (streq(v->value, "true") || streq(v->value, "false")))
                        *hint = "Herald ignores the quoted string; write it without quotes";
                return t == YAML_SCALAR_BOOL;
        case PARAM_INT:
                snprintf(expected, size, "an integer from %" PRIi64 " to %" PRIi64, spec->min, spec->max);
                if (t == YAML_SCALAR_STRING && v->quoted)
                        *hint = "Herald silently ignores a quoted number; write it without quotes";
                return t == YAML_SCALAR_INT && yaml_scalar_resolve(v, NULL, &i, NULL) == YAML_SCALAR_INT &&
                       i >= spec->min && i <= spec->max;
        case PARAM_STRING_OR_LIST:
                snprintf(expected, size, "a string or a list of strings");
                if (v->kind == YAML_NODE_SEQ) {
                        for (size_t k = 0; k < v->n_items; k++)
                                if (!is_string(v->items[k])) {
                                        *bad = v->items[k];
                                        snprintf(expected, size, "a string as list item %zu (Herald drops other items silently)", k + 1);
                                        if (v->items[k]->kind == YAML_NODE_SCALAR)
                                                *hint = "quote it";
                                        return 0;
                                }
                        return 1;
                }
                return t == YAML_SCALAR_STRING;
        case PARAM_STRING_MAP:
                snprintf(expected, size, "a map of strings");
                if (v->kind != YAML_NODE_MAP)
                        return 0;
                for (size_t k = 0; k < v->n_pairs; k++)
                        if (!is_string(v->pairs[k].value)) {
                                *bad = v->pairs[k].value;
                                snprintf(expected, size, "a string for '%s' (Herald drops other values silently)",
                                         v->pairs[k].key->value);
                                *hint = "quote it";
                                return 0;
                        }
                return 1;
        default:
                return 1;
        }
}

int params_check(const ParamSpec *specs, const ParamSet *set, const YamlNode *where_missing,
                 const char *scope, const char *prefix, bool unknown_is_free, DiagList *diag) {
        const char *names[64];
        size_t n_names = 0;
        int errors = 0, r;

        for (const ParamSpec *s = specs; s->name && n_names + 1 < ELEMENTSOF(names); s++)
                names[n_names++] = s->name;
        names[n_names] = NULL;

        for (size_t i = 0; i < set->n_entries; i++) {
                const YamlNode *key = set->entries[i].key, *value = set->entries[i].value;
                const ParamSpec *spec = NULL;
                char keyname[256];

                snprintf(keyname, sizeof keyname, "%s%s%s", strempty(prefix), prefix ? "/" : "", key->value);
                for (const ParamSpec *s = specs; s->name; s++)
                        if (streq(s->name, key->value))
                                spec = s;

                if (!spec) {
                        const char *close = diag_closest(key->value, names);
                        _cleanup_free_ char *hint = NULL;

                        if (close && asprintf(&hint, "did you mean '%s'?", close) < 0)
                                return -ENOMEM;
                        if (close || !unknown_is_free) {
                                r = diag_add(diag, DIAG_WARNING, key, scope, keyname, hint,
                                             "unknown key, passed through unchanged");
                                if (r < 0)
                                        return r;
                        }
                        continue;
                }
                if (spec->kind == PARAM_UNIT || spec->kind == PARAM_ANY)
                        continue;

                char expected[256];
                const char *hint = NULL;
                const YamlNode *bad;
                r = check_value(spec, value, expected, sizeof expected, &hint, &bad);
                if (r == 0) {
                        _cleanup_free_ char *found = yaml_node_describe(bad);
                        r = diag_add(diag, DIAG_ERROR, bad, scope, keyname, hint, "expected %s, found %s",
                                     expected, strna(found));
                        if (r < 0)
                                return r;
                        errors++;
                }
        }

        for (const ParamSpec *s = specs; s->name; s++)
                if (s->required && !param_set_get(set, s->name)) {
                        char keyname[256];
                        snprintf(keyname, sizeof keyname, "%s%s%s", strempty(prefix), prefix ? "/" : "", s->name);
                        r = diag_add(diag, DIAG_ERROR, where_missing, scope, keyname, NULL,
                                     "required, but missing");
                        if (r < 0)
                                return r;
                        errors++;
                }
        return errors;
}
