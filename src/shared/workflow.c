/* SPDX-License-Identifier: MIT */
/* workflow.c: load a Herald Daemon workflow and check it the way Herald would use it
 *
 * The loader never stops at the first problem: every section, component, router and
 * task is checked and each problem becomes a positioned diagnostic. A broken piece is
 * marked broken (the generator leaves it out, as Herald does), the rest stays usable.
 * Only a file that cannot be read, parsed, is not a map or exceeds a limit is
 * "unloadable". Behaviour kept from and fixed against Herald follows
 * shared/reference/herald-behaviour.md.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <sys/stat.h>

#include "cron.h"
#include "host-util.h"
#include "params.h"
#include "remote.h"
#include "workflow.h"
#include "yaml-json.h"

typedef struct Loader {
        Workflow *w;
        const WorkflowLimits *limits;
        const YamlNode *presets;
        size_t n_counted;
        bool over_limit;
        bool router_level_reported;     /* router-level problems are reported once, not per task */
} Loader;

static const char *const section_names[] = { "trigger", "selector", "executor", "preset", "router", "log", "plugin", NULL };
static const char *const router_keys[] = { "trigger", "selector", "task", "select_param", "job_param", "concurrency",
                                           "wait", "wait_timeout", "max_running", NULL };
static const char *const task_keys[] = { "executor", "job_param", "select_param", NULL };

static const char *const trigger_types[_TRIGGER_TYPE_MAX + 1] = { "tick", "cron", "http", "exe_done", NULL };
static const char *const selector_types[_SELECTOR_TYPE_MAX + 1] = { "all", "match_map", "except_map", "skip", "external", NULL };
static const char *const executor_types[_EXECUTOR_TYPE_MAX + 1] = { "none", "print", "local", "http_remote", NULL };
static const char *const concurrency_names[_CONCURRENCY_MAX + 1] = { "allow", "forbid", "replace", NULL };
static const char *const kind_names[_COMPONENT_KIND_MAX] = { "trigger", "selector", "executor" };

static int lookup(const char *const *table, const char *s) {
        for (int i = 0; s && table[i]; i++)
                if (streq(table[i], s))
                        return i;
        return -EINVAL;
}

const char *component_kind_to_string(ComponentKind k) { return k < _COMPONENT_KIND_MAX ? kind_names[k] : NULL; }
const char *trigger_type_to_string(TriggerType t) { return t < _TRIGGER_TYPE_MAX ? trigger_types[t] : NULL; }
int trigger_type_from_string(const char *s) { return lookup(trigger_types, s); }
const char *selector_type_to_string(SelectorType t) { return t < _SELECTOR_TYPE_MAX ? selector_types[t] : NULL; }
int selector_type_from_string(const char *s) { return lookup(selector_types, s); }
const char *executor_type_to_string(ExecutorType t) { return t < _EXECUTOR_TYPE_MAX ? executor_types[t] : NULL; }
int executor_type_from_string(const char *s) { return lookup(executor_types, s); }
const char *concurrency_to_string(Concurrency c) { return c >= 0 && c < _CONCURRENCY_MAX ? concurrency_names[c] : NULL; }
Concurrency concurrency_from_string(const char *s) { return lookup(concurrency_names, s); }

static const char *const *types_of(ComponentKind kind) {
        return kind == COMPONENT_TRIGGER ? trigger_types : kind == COMPONENT_SELECTOR ? selector_types : executor_types;
}

static Component *component_free(Component *c) {
        if (!c)
                return NULL;
        free(c->name);
        free(c->type_name);
        cJSON_Delete(c->params);
        free(c->cron_spec);
        cron_schedule_free(c->cron);
        free(c->host);
        free(c->unix_socket);
        free(c->secret_file);
        if (c->secret) {
                explicit_bzero(c->secret, strlen(c->secret));
                free(c->secret);
        }
        unit_settings_done(&c->unit);
        free(c);
        return NULL;
}

static void component_freep(Component **c) {
        if (*c)
                component_free(*c);
}

static void task_done(Task *t) {
        free(t->name);
        free(t->executor_name);
        cJSON_Delete(t->job_param);
        cJSON_Delete(t->select_param);
        unit_settings_done(&t->unit);
}

static void router_done(Router *r) {
        free(r->name);
        free(r->trigger_name);
        free(r->selector_name);
        for (size_t i = 0; i < r->n_tasks; i++)
                task_done(&r->tasks[i]);
        free(r->tasks);
}

Workflow *workflow_free(Workflow *w) {
        if (!w)
                return NULL;
        for (size_t i = 0; i < w->n_components; i++)
                component_free(w->components[i]);
        free(w->components);
        for (size_t i = 0; i < w->n_routers; i++)
                router_done(&w->routers[i]);
        free(w->routers);
        diag_list_done(&w->diag);
        yaml_node_free(w->root);
        free(w->path);
        free(w);
        return NULL;
}

Component *workflow_find_component(const Workflow *w, ComponentKind kind, const char *name) {
        for (size_t i = 0; i < w->n_components; i++)
                if (w->components[i]->kind == kind && streq(w->components[i]->name, name))
                        return w->components[i];
        return NULL;
}

const Router *workflow_find_router(const Workflow *w, const char *name) {
        for (size_t i = 0; i < w->n_routers; i++)
                if (streq(w->routers[i].name, name))
                        return &w->routers[i];
        return NULL;
}

size_t workflow_count_tasks(const Workflow *w) {
        size_t n = 0;
        for (size_t i = 0; i < w->n_routers; i++)
                n += w->routers[i].n_tasks;
        return n;
}

static char *scope_of(const char *what, const char *name) {
        char *s;
        return asprintf(&s, "%s '%s'", what, name) < 0 ? NULL : s;
}

static bool count_one(Loader *l, const YamlNode *at) {
        if (l->over_limit)
                return false;
        if (++l->n_counted > l->limits->max_components) {
                diag_add(&l->w->diag, DIAG_ERROR, at, NULL, NULL, NULL,
                         "more than %zu components, routers and tasks: over the limit", l->limits->max_components);
                l->over_limit = true;
                l->w->unloadable = true;
                return false;
        }
        return true;
}

static int component_add(Workflow *w, Component *c) {
        Component **a = reallocarray(w->components, w->n_components + 1, sizeof *a);
        if (!a)
                return -ENOMEM;
        w->components = a;
        a[w->n_components++] = c;
        return 0;
}

/* An http trigger's signing key: inline ('secret', Herald-style: it then sits in the
 * workflow, which heraldd's user can read) or in a root-only file that systemd hands to
 * heraldd as a credential ('secret_file'). The file is checked here when it exists,
 * since heraldd.service does not start when a LoadCredential= file is missing. */
static int http_secret_setup(Loader *l, Component *c, const ParamSet *ps, const char *scope) {
        const YamlNode *secret = param_set_get(ps, "secret"), *file = param_set_get(ps, "secret_file");
        DiagList *diag = &l->w->diag;
        struct stat st;
        int r;

        c->has_secret = secret || file;
        if (secret && file) {
                c->broken = true;
                return diag_add(diag, DIAG_ERROR, file, scope, "secret_file", "drop one of them",
                                "both 'secret' and 'secret_file' are given");
        }
        if (secret && is_scalar_string(secret)) {
                if (isempty(secret->value)) {
                        c->broken = true;
                        return diag_add(diag, DIAG_ERROR, secret, scope, "secret", NULL,
                                        "an empty secret signs nothing");
                }
                if (!(c->secret = strdup(secret->value)))
                        return -ENOMEM;
                return diag_add(diag, DIAG_WARNING, secret, scope, "secret",
                                "put it in a root-only file and name it with 'secret_file'",
                                "an inline secret is readable by heraldd's user 'herald', which reads the workflow");
        }
        if (!file || !is_scalar_string(file) || file->value[0] != '/')
                return 0;
        for (const char *p = file->value; *p; p++)
                if ((unsigned char) *p < 0x20 || *p == 0x7f) {
                        c->broken = true;
                        return diag_add(diag, DIAG_ERROR, file, scope, "secret_file", NULL,
                                        "a control character in the path");
                }
        if (!(c->secret_file = strdup(file->value)))
                return -ENOMEM;
        if (stat(file->value, &st) < 0) {
                r = diag_add(diag, DIAG_WARNING, file, scope, "secret_file",
                             "create it (root, mode 0600) before heraldd starts",
                             "'%s' cannot be read here (%m): heraldd.service will not start without it", file->value);
        } else if (!S_ISREG(st.st_mode))
                r = diag_add(diag, DIAG_WARNING, file, scope, "secret_file", NULL, "'%s' is not a regular file",
                             file->value);
        else if (st.st_uid != 0 || (st.st_mode & 0077))
                r = diag_add(diag, DIAG_WARNING, file, scope, "secret_file", "chown root: and chmod 0600 it",
                             "'%s' is not root-only (owner %u, mode %04o)", file->value, (unsigned) st.st_uid,
                             (unsigned) (st.st_mode & 07777));
        else
                r = 0;
        return r;
}

/* Type-specific checks and defaults; the generic param checks already ran. */
/* http_remote's host must be a URL libcurl will take; its secret and answer should not
 * cross a network in the clear; the CA file is read by each job, so say now when it
 * cannot be. */
static int http_remote_setup(DiagList *diag, Component *c, const ParamSet *ps, const char *scope) {
        const YamlNode *host = param_set_get(ps, "host"), *ca = param_set_get(ps, "ca_file");
        const YamlNode *secret = param_set_get(ps, "secret");
        const char *why = NULL;
        RemoteUrl u;
        int r;

        const YamlNode *secret_file = param_set_get(ps, "secret_file");

        if (secret && secret_file) {
                c->broken = true;
                return diag_add(diag, DIAG_ERROR, secret_file, scope, "secret_file", "drop one of them",
                                "both 'secret' and 'secret_file' are given");
        }
        if (secret && is_scalar_string(secret) && !isempty(secret->value)) {
                r = diag_add(diag, DIAG_WARNING, secret, scope, "secret",
                             "put it in a root-only file and name it with 'secret_file' (Herald ignores that key)",
                             "an inline secret is readable by heraldd's user 'herald', which reads the workflow; "
                             "with it, anyone who takes over heraldd runs commands on the runner");
                if (r < 0)
                        return r;
        }
        if (secret_file && is_scalar_string(secret_file) && secret_file->value[0] == '/' && access(secret_file->value, R_OK) < 0) {
                r = diag_add(diag, DIAG_WARNING, secret_file, scope, "secret_file", NULL,
                             "'%s' cannot be read here (%m); the jobs fail until it can", secret_file->value);
                if (r < 0)
                        return r;
        }
        if (!secret_file && (!secret || (is_scalar_string(secret) && isempty(secret->value)))) {
                r = diag_add(diag, DIAG_WARNING, secret ?: c->node, scope, "secret", "set the runner's secret here",
                             "no secret: requests are signed with the empty key, so a runner with a secret refuses them "
                             "(401) and one without runs whatever anyone sends it");
                if (r < 0)
                        return r;
        }

        if (host && is_scalar_string(host)) {
                if (remote_url_parse(host->value, &u, &why) < 0) {
                        c->broken = true;
                        return diag_add(diag, DIAG_ERROR, host, scope, "host", "write the runner's URL, e.g. https://runner.example.com/",
                                        "'%s' is not a usable runner URL: %s", host->value, why);
                }
                if (!u.tls && !u.loopback) {
                        r = diag_add(diag, DIAG_WARNING, host, scope, "host",
                                     "use https:// (put the runner behind a TLS proxy; docs/REMOTE.md)",
                                     "'%s' is plain http to another host: the execution param and the answer cross the network "
                                     "unencrypted, and anyone on the path can read or change them", host->value);
                        if (r < 0)
                                return r;
                }
                if (ca && !u.tls) {
                        r = diag_add(diag, DIAG_WARNING, ca, scope, "ca_file", NULL, "is used for https:// hosts only; ignoring");
                        if (r < 0)
                                return r;
                }
        }
        if (ca && is_scalar_string(ca) && ca->value[0] == '/' && access(ca->value, R_OK) < 0) {
                r = diag_add(diag, DIAG_WARNING, ca, scope, "ca_file", NULL,
                             "'%s' is not a readable file here (%m); the jobs fail until it is", ca->value);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int component_setup(Loader *l, Component *c, const ParamSet *ps, const char *scope) {
        DiagList *diag = &l->w->diag;
        const YamlNode *v;
        int64_t i;
        bool b;
        int r;

        if (c->kind == COMPONENT_TRIGGER && c->type == TRIGGER_TICK) {
                v = param_set_get(ps, "interval");
                c->interval_sec = 1;
                if (v && yaml_scalar_resolve(v, NULL, &i, NULL) == YAML_SCALAR_INT && i > 0)
                        c->interval_sec = (uint64_t) i;
                else if (!v) {
                        r = diag_add(diag, DIAG_WARNING, c->node, scope, "interval", NULL,
                                     "missing; Herald ticks every second then");
                        if (r < 0)
                                return r;
                }
        }

        if (c->kind == COMPONENT_TRIGGER && c->type == TRIGGER_CRON) {
                const YamlNode *ws = param_set_get(ps, "with_seconds");
                v = param_set_get(ps, "cron");
                if (ws && yaml_scalar_resolve(ws, &b, NULL, NULL) == YAML_SCALAR_BOOL)
                        c->with_seconds = b;
                if (v && v->kind == YAML_NODE_SCALAR && yaml_scalar_resolve(v, NULL, NULL, NULL) == YAML_SCALAR_STRING) {
                        CronError err = {};
                        c->cron_spec = strdup(v->value);
                        if (!c->cron_spec)
                                return -ENOMEM;
                        r = cron_parse(v->value, c->with_seconds, &c->cron, &err);
                        if (r == -ENOMEM)
                                return r;
                        if (r < 0) {
                                /* Point at the character inside the spec (quoted values start one later). */
                                unsigned col = v->column + (v->quoted ? 1 : 0) + (unsigned) err.offset;
                                size_t fields = 0;
                                for (const char *p = v->value; *p;) {
                                        p += strspn(p, " \t");
                                        if (*p)
                                                fields++;
                                        p += strcspn(p, " \t");
                                }
                                r = diag_add_at(diag, DIAG_ERROR, v->line, col, scope, "cron",
                                                !c->with_seconds && fields == 6 ? "6 fields need with_seconds: true" : NULL,
                                                "invalid cron spec '%s': %s", v->value, err.message);
                                if (r < 0)
                                        return r;
                                c->broken = true;
                        }
                } else if (!v)
                        c->broken = true;       /* reported as missing */
        }

        if (c->kind == COMPONENT_TRIGGER && c->type == TRIGGER_HTTP) {
                const YamlNode *host = param_set_get(ps, "host"), *port = param_set_get(ps, "port");
                const YamlNode *sock = param_set_get(ps, "unix_socket");

                c->host = strdup(host && is_scalar_string(host) ? host->value : "127.0.0.1");
                if (!c->host)
                        return -ENOMEM;
                c->port = 8123;
                if (port && yaml_scalar_resolve(port, NULL, &i, NULL) == YAML_SCALAR_INT && i > 0 && i < 65536)
                        c->port = (uint16_t) i;
                if (sock && is_scalar_string(sock) && !(c->unix_socket = strdup(sock->value)))
                        return -ENOMEM;
                r = http_secret_setup(l, c, ps, scope);
                if (r < 0)
                        return r;
                v = param_set_get(ps, "max_body");
                c->max_body = HTTP_MAX_BODY_DEFAULT;
                if (v && yaml_scalar_resolve(v, NULL, &i, NULL) == YAML_SCALAR_INT && i > 0 &&
                    (uint64_t) i <= HTTP_MAX_BODY_MAX)
                        c->max_body = (uint64_t) i;
                v = param_set_get(ps, "replay_window");
                if (v && yaml_scalar_resolve(v, NULL, &i, NULL) == YAML_SCALAR_INT && i >= 0 && i <= HTTP_REPLAY_WINDOW_MAX)
                        c->replay_window_sec = (uint64_t) i;
                if (!c->unix_socket && !host_is_loopback(c->host) && !c->has_secret) {
                        r = diag_add(diag, DIAG_WARNING, host ?: c->node, scope, "host",
                                     "add a 'secret_file' (or 'secret') so requests must be signed",
                                     "listens on '%s', reachable from other hosts, without a secret: anyone who can connect can run these jobs",
                                     c->host);
                        if (r < 0)
                                return r;
                }
        }

        if (c->kind == COMPONENT_EXECUTOR && c->type == EXECUTOR_HTTP_REMOTE) {
                r = http_remote_setup(diag, c, ps, scope);
                if (r < 0)
                        return r;
        }

        if (c->kind == COMPONENT_SELECTOR && c->type == SELECTOR_EXTERNAL) {
                v = param_set_get(ps, "program");
                if (v && is_scalar_string(v)) {
                        if (access(v->value, X_OK) < 0) {
                                r = diag_add(diag, DIAG_WARNING, v, scope, "program", NULL,
                                             "'%s' is not an executable file here (%m)", v->value);
                                if (r < 0)
                                        return r;
                        }
                } else
                        c->broken = true;
        }

        v = param_set_get(ps, "unit");
        if (v) {
                size_t errors = 0;
                r = unit_settings_parse(v, c->kind == COMPONENT_TRIGGER ? UNIT_SETTING_TIMER : UNIT_SETTING_SERVICE,
                                        scope, &c->unit, diag, &errors);
                if (r < 0)
                        return r;
                if (errors > 0)
                        c->broken = true;
                if (c->kind == COMPONENT_TRIGGER && c->type != TRIGGER_TICK && c->type != TRIGGER_CRON) {
                        r = diag_add(diag, DIAG_WARNING, v, scope, "unit", NULL,
                                     "only tick and cron triggers have a timer unit to apply settings to; ignoring");
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

static int component_new(Loader *l, ComponentKind kind, const char *name, const char *type_name,
                         const YamlNode *node, const YamlNode *map, Component **ret) {
        _cleanup_(component_freep) Component *c = NULL;
        _cleanup_free_ char *scope = NULL;
        ParamSet ps = {};
        int r;

        c = calloc(1, sizeof *c);
        if (!c)
                return -ENOMEM;
        c->kind = kind;
        c->node = node;
        c->implicit = !map;
        c->name = strdup(name);
        c->type_name = strdup(type_name);
        scope = scope_of(kind_names[kind], name);
        if (!c->name || !c->type_name || !scope)
                return -ENOMEM;

        c->type = lookup(types_of(kind), type_name);
        if (c->type < 0 || (kind == COMPONENT_TRIGGER && c->type == TRIGGER_EXE_DONE)) {
                const char *close = diag_closest(type_name, types_of(kind));
                _cleanup_free_ char *hint = NULL;
                const YamlNode *tn = map ? yaml_map_get(map, "type") : NULL;

                if (close && asprintf(&hint, "did you mean '%s'?", close) < 0)
                        return -ENOMEM;
                r = diag_add(&l->w->diag, DIAG_ERROR, tn ?: node, scope, tn ? "type" : NULL, hint,
                             kind == COMPONENT_TRIGGER && c->type == TRIGGER_EXE_DONE
                                     ? "'exe_done' is the built-in trigger, not a type for your own trigger"
                                     : "unknown %s type '%s' (herald has no plugins; built-in types: %s)",
                             kind_names[kind], type_name,
                             kind == COMPONENT_TRIGGER ? "tick, cron, http" :
                             kind == COMPONENT_SELECTOR ? "all, match_map, except_map, skip, external" :
                                                          "none, print, local, http_remote");
                if (r < 0)
                        return r;
                c->broken = true;
        }

        if (map)
                for (size_t k = 0; k < map->n_pairs; k++) {
                        const YamlNode *key = map->pairs[k].key;
                        if (key->kind != YAML_NODE_SCALAR || streq(key->value, "type"))
                                continue;
                        r = param_set_put(&ps, key, map->pairs[k].value);
                        if (r < 0)
                                goto finish;
                }

        if (c->type >= 0 && !c->broken) {
                r = params_check(params_for_component(kind, c->type), &ps, node, scope, NULL, false, &l->w->diag);
                if (r < 0)
                        goto finish;
                if (r > 0)
                        c->broken = true;
                r = component_setup(l, c, &ps, scope);
                if (r < 0)
                        goto finish;
        }

        c->params = param_set_to_json(&ps);
        if (!c->params) {
                r = -ENOMEM;
                goto finish;
        }
        r = component_add(l->w, c);
        if (r < 0)
                goto finish;
        *ret = TAKE_PTR(c);
        r = 0;
finish:
        param_set_done(&ps);
        return r;
}

static int load_section(Loader *l, ComponentKind kind, const YamlNode *section) {
        int r;

        if (section->kind != YAML_NODE_MAP) {
                _cleanup_free_ char *found = yaml_node_describe(section);
                return diag_add(&l->w->diag, DIAG_ERROR, section, NULL, kind_names[kind], NULL,
                                "expected a map of %s names to their settings, found %s", kind_names[kind], strna(found));
        }

        for (size_t k = 0; k < section->n_pairs; k++) {
                const YamlNode *key = section->pairs[k].key, *value = section->pairs[k].value;
                const YamlNode *type = NULL;
                Component *c;

                if (!count_one(l, key))
                        return 0;
                if (key->kind != YAML_NODE_SCALAR) {
                        r = diag_add(&l->w->diag, DIAG_ERROR, key, NULL, kind_names[kind], NULL,
                                     "expected a %s name, found a %s", kind_names[kind], yaml_kind_to_string(key->kind));
                        if (r < 0)
                                return r;
                        continue;
                }
                if (kind == COMPONENT_TRIGGER && streq(key->value, "exe_done")) {
                        r = diag_add(&l->w->diag, DIAG_ERROR, key, NULL, NULL, "choose another name",
                                     "a trigger named 'exe_done' replaces nothing: 'exe_done' is built in, and Herald silently never registers this one");
                        if (r < 0)
                                return r;
                        continue;
                }
                if (value->kind != YAML_NODE_MAP && !(value->kind == YAML_NODE_SCALAR &&
                                                      yaml_scalar_resolve(value, NULL, NULL, NULL) == YAML_SCALAR_NULL)) {
                        _cleanup_free_ char *found = yaml_node_describe(value);
                        _cleanup_free_ char *scope = scope_of(kind_names[kind], key->value);
                        r = diag_add(&l->w->diag, DIAG_ERROR, value, scope, NULL, NULL,
                                     "expected a map of settings, found %s", strna(found));
                        if (r < 0)
                                return r;
                        continue;
                }
                if (value->kind == YAML_NODE_MAP)
                        type = yaml_map_get(value, "type");
                if (type && !is_scalar_string(type)) {
                        _cleanup_free_ char *found = yaml_node_describe(type);
                        _cleanup_free_ char *scope = scope_of(kind_names[kind], key->value);
                        r = diag_add(&l->w->diag, DIAG_ERROR, type, scope, "type", NULL,
                                     "expected a type name (a string), found %s", strna(found));
                        if (r < 0)
                                return r;
                        type = NULL;
                }
                r = component_new(l, kind, key->value, type ? type->value : key->value, key,
                                  value->kind == YAML_NODE_MAP ? value : NULL, &c);
                if (r < 0)
                        return r;
                c->implicit = false;
        }
        return 0;
}

/* A router names a component; it may also name a built-in type directly. */
static int resolve_component(Loader *l, ComponentKind kind, const YamlNode *ref, const char *scope, Component **ret) {
        Component *c;
        int r;

        c = workflow_find_component(l->w, kind, ref->value);
        if (c) {
                *ret = c;
                return 0;
        }
        if (lookup(types_of(kind), ref->value) >= 0) {
                r = component_new(l, kind, ref->value, ref->value, ref, NULL, &c);
                if (r < 0)
                        return r;
                *ret = c;
                return 0;
        }

        /* Collect the names the user could have meant: defined ones and built-in types. */
        const char *names[256];
        size_t n = 0;
        for (size_t i = 0; i < l->w->n_components && n + 8 < ELEMENTSOF(names); i++)
                if (l->w->components[i]->kind == kind && !l->w->components[i]->implicit)
                        names[n++] = l->w->components[i]->name;
        for (const char *const *t = types_of(kind); *t; t++)
                names[n++] = *t;
        names[n] = NULL;
        const char *close = diag_closest(ref->value, names);
        _cleanup_free_ char *hint = NULL;
        if (close && asprintf(&hint, "did you mean '%s'?", close) < 0)
                return -ENOMEM;
        r = diag_add(&l->w->diag, DIAG_ERROR, ref, scope, kind_names[kind], hint,
                     "'%s' is neither a %s defined in the '%s' section nor a built-in %s type",
                     ref->value, kind_names[kind], kind_names[kind], kind_names[kind]);
        *ret = NULL;
        return r;
}

/* Names listed by a 'preset' value (string or list). */
static int collect_preset_names(Loader *l, const YamlNode *v, const char *scope, const char *key,
                                const YamlNode ***names, size_t *n) {
        const YamlNode **a;

        if (v->kind == YAML_NODE_SCALAR && is_scalar_string(v)) {
                a = reallocarray(*names, *n + 1, sizeof *a);
                if (!a)
                        return -ENOMEM;
                a[(*n)++] = v;
                *names = a;
                return 0;
        }
        if (v->kind == YAML_NODE_SEQ) {
                for (size_t i = 0; i < v->n_items; i++) {
                        int r = collect_preset_names(l, v->items[i], scope, key, names, n);
                        if (r < 0)
                                return r;
                }
                return 0;
        }
        _cleanup_free_ char *found = yaml_node_describe(v);
        return diag_add(&l->w->diag, DIAG_WARNING, v, scope, key, NULL,
                        "expected a preset name or a list of names, found %s; ignoring", strna(found));
}

/* Apply presets so that the first name wins: lowest priority first, so walk backwards. */
static int apply_presets(Loader *l, ParamSet *ps, const YamlNode **names, size_t n, const char *scope, const char *key) {
        int r;

        for (size_t i = n; i > 0; i--) {
                const YamlNode *name = names[i - 1];
                const YamlNode *preset = l->presets ? yaml_map_get(l->presets, name->value) : NULL;

                if (!preset) {
                        r = diag_add(&l->w->diag, DIAG_WARNING, name, scope, key, NULL,
                                     "no preset named '%s'; Herald skips it", name->value);
                        if (r < 0)
                                return r;
                        continue;
                }
                if (preset->kind != YAML_NODE_MAP)
                        continue;       /* reported once, in the preset section */
                for (size_t k = 0; k < preset->n_pairs; k++) {
                        if (preset->pairs[k].key->kind != YAML_NODE_SCALAR)
                                continue;
                        r = param_set_put(ps, preset->pairs[k].key, preset->pairs[k].value);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

/* One level (router or task) of job_param or select_param: presets, then inline keys. */
static int merge_level(Loader *l, ParamSet *ps, const YamlNode *v, bool task_level, const char *scope, const char *key) {
        _cleanup_free_ const YamlNode **names = NULL;
        size_t n = 0;
        int r;

        if (!v || (v->kind == YAML_NODE_SCALAR && yaml_scalar_resolve(v, NULL, NULL, NULL) == YAML_SCALAR_NULL))
                return 0;

        if (v->kind != YAML_NODE_MAP) {
                if (!task_level) {
                        if (l->router_level_reported)
                                return 0;
                        _cleanup_free_ char *found = yaml_node_describe(v);
                        return diag_add(&l->w->diag, DIAG_WARNING, v, scope, key,
                                        "write a map, with 'preset: NAME' inside for presets",
                                        "at router level only a map counts; Herald silently ignores %s here", strna(found));
                }
                r = collect_preset_names(l, v, scope, key, (const YamlNode ***) &names, &n);
                if (r < 0)
                        return r;
                return apply_presets(l, ps, names, n, scope, key);
        }

        const YamlNode *p = yaml_map_get(v, "preset");
        if (p) {
                r = collect_preset_names(l, p, scope, key, (const YamlNode ***) &names, &n);
                if (r < 0)
                        return r;
                r = apply_presets(l, ps, names, n, scope, key);
                if (r < 0)
                        return r;
        }
        for (size_t k = 0; k < v->n_pairs; k++) {
                const YamlNode *kn = v->pairs[k].key;
                if (kn->kind != YAML_NODE_SCALAR || streq(kn->value, "preset"))
                        continue;
                r = param_set_put(ps, kn, v->pairs[k].value);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int load_task(Loader *l, Router *router, const YamlNode *key, const YamlNode *value, Task *t) {
        _cleanup_free_ char *scope = NULL;
        const YamlNode *executor_ref = NULL, *job_param = NULL, *select_param = NULL;
        ParamSet jp = {}, sp = {};
        int r;

        t->node = key;
        t->name = strdup(key->value);
        if (asprintf(&scope, "router '%s', task '%s'", router->name, key->value) < 0 || !t->name)
                return -ENOMEM;

        if (value->kind == YAML_NODE_MAP) {
                for (size_t k = 0; k < value->n_pairs; k++) {
                        const YamlNode *kn = value->pairs[k].key;
                        if (kn->kind == YAML_NODE_SCALAR && lookup(task_keys, kn->value) < 0) {
                                const char *close = diag_closest(kn->value, task_keys);
                                _cleanup_free_ char *hint = NULL;
                                if (close && asprintf(&hint, "did you mean '%s'?", close) < 0)
                                        return -ENOMEM;
                                r = diag_add(&l->w->diag, DIAG_WARNING, kn, scope, kn->value, hint,
                                             "unknown task key; Herald ignores it");
                                if (r < 0)
                                        return r;
                        }
                }
                executor_ref = yaml_map_get(value, "executor");
                job_param = yaml_map_get(value, "job_param");
                select_param = yaml_map_get(value, "select_param");
                if (!executor_ref) {
                        r = diag_add(&l->w->diag, DIAG_ERROR, key, scope, "executor", NULL, "required, but missing");
                        t->broken = true;
                        return r;
                }
        } else
                executor_ref = value;

        if (!is_scalar_string(executor_ref)) {
                _cleanup_free_ char *found = yaml_node_describe(executor_ref);
                t->broken = true;
                return diag_add(&l->w->diag, DIAG_ERROR, executor_ref, scope, "executor", NULL,
                                "expected an executor name, found %s", strna(found));
        }
        t->executor_name = strdup(executor_ref->value);
        if (!t->executor_name)
                return -ENOMEM;
        r = resolve_component(l, COMPONENT_EXECUTOR, executor_ref, scope, &t->executor);
        if (r < 0)
                return r;
        if (!t->executor || t->executor->broken)
                t->broken = true;

        /* Herald's priority, lowest first: router presets, router inline, task presets, task inline. */
        r = merge_level(l, &jp, yaml_map_get(router->node, "job_param"), false, scope, "job_param");
        if (r >= 0)
                r = merge_level(l, &jp, job_param, true, scope, "job_param");
        if (r >= 0)
                r = merge_level(l, &sp, yaml_map_get(router->node, "select_param"), false, scope, "select_param");
        if (r >= 0)
                r = merge_level(l, &sp, select_param, true, scope, "select_param");
        l->router_level_reported = true;
        if (r < 0)
                goto finish;

        if (param_set_get(&jp, "preset")) {
                r = diag_add(&l->w->diag, DIAG_WARNING, param_set_get(&jp, "preset"), scope, "job_param/preset", NULL,
                             "a 'preset' key inside a preset is not resolved; Herald passes it on as a literal key");
                if (r < 0)
                        goto finish;
        }

        if (t->executor && t->executor->type >= 0) {
                r = params_check(params_for_job(t->executor->type), &jp, key, scope, "job_param", true, &l->w->diag);
                if (r < 0)
                        goto finish;
                if (r > 0)
                        t->broken = true;
                if ((t->executor->type == EXECUTOR_LOCAL || t->executor->type == EXECUTOR_HTTP_REMOTE) &&
                    !param_set_get(&jp, "cmd")) {
                        r = diag_add(&l->w->diag, DIAG_WARNING, key, scope, "job_param/cmd", NULL,
                                     "no command: Herald fails every run with 'Could not execute empty command'");
                        if (r < 0)
                                goto finish;
                }
        }
        if (router->selector && router->selector->type >= 0) {
                r = params_check(params_for_select(router->selector->type), &sp, key, scope, "select_param", true,
                                 &l->w->diag);
                if (r < 0)
                        goto finish;
        }

        /* The 'unit:' extension: the executor's settings, overridden by the job's. */
        if (t->executor) {
                r = unit_settings_merge(&t->unit, &t->executor->unit);
                if (r < 0)
                        goto finish;
        }
        const YamlNode *u = param_set_get(&jp, "unit");
        if (u) {
                UnitSettings job_unit = {};
                size_t errors = 0;
                r = unit_settings_parse(u, UNIT_SETTING_SERVICE, scope, &job_unit, &l->w->diag, &errors);
                if (r >= 0)
                        r = unit_settings_merge(&t->unit, &job_unit);
                unit_settings_done(&job_unit);
                if (r < 0)
                        goto finish;
                if (errors > 0)
                        t->broken = true;
        }

        t->job_param = param_set_to_json(&jp);
        t->select_param = param_set_to_json(&sp);
        r = t->job_param && t->select_param ? 0 : -ENOMEM;
finish:
        param_set_done(&jp);
        param_set_done(&sp);
        return r;
}

/* Does this select_param's skip_number count firings (a positive whole number)? Else
 * (missing, 0, negative, a string, a fraction) skip selects always, as in Herald. */
static bool skip_counts(const cJSON *select_param) {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(select_param, "skip_number");

        return cJSON_IsNumber(n) && n->valuedouble > 0 && n->valuedouble == floor(n->valuedouble);
}

/* Would this exe_done router's selector let its own results through? Then every run
 * triggers the next one, forever. */
static int check_exe_done_loop(Loader *l, Router *router, const char *scope) {
        Component *s = router->selector;
        const char *key = NULL;
        const cJSON *value = NULL;
        bool own = false;

        if (!s || s->type < 0 || router->n_tasks == 0)
                return 0;
        const cJSON *sp = router->tasks[0].select_param;

        switch (s->type) {
        case SELECTOR_ALL:
                own = true;
                break;
        case SELECTOR_SKIP:
                /* exe_done's param carries no tick counter: skip selects every result
                 * when its skip_number selects always, and none when it is positive
                 * (selector.c, select_skip()). */
                own = !skip_counts(sp);
                break;
        case SELECTOR_MATCH_MAP:
        case SELECTOR_EXCEPT_MAP: {
                bool match = s->type == SELECTOR_MATCH_MAP;
                const cJSON *k = cJSON_GetObjectItemCaseSensitive(sp, match ? "match_key" : "except_key");
                value = cJSON_GetObjectItemCaseSensitive(sp, match ? "match_value" : "except_value");
                key = cJSON_IsString(k) ? k->valuestring : NULL;
                if (!key)
                        return 0;

                /* Does any of this router's own results carry key == value? */
                bool hit = false;
                for (size_t i = 0; i < router->n_tasks; i++) {
                        const Task *t = &router->tasks[i];
                        const char *own_value =
                                streq(key, "router") ? router->name : streq(key, "task") ? t->name
                              : streq(key, "executor") ? t->executor_name : streq(key, "trigger") ? "exe_done"
                              : streq(key, "selector") ? router->selector_name : NULL;
                        if (!own_value)
                                return 0;       /* depends on data we cannot know here */
                        if (!value || (cJSON_IsString(value) && streq(value->valuestring, own_value)))
                                hit = true;
                }
                own = match ? hit : !hit;
                break;
        }
        default:
                return 0;
        }
        if (!own)
                return 0;
        router->broken = true;
        return diag_add(&l->w->diag, DIAG_ERROR, yaml_map_get(router->node, "selector") ?: router->node, scope,
                        "selector", "use match_map on another router's name, or except_map with except_key: router and this router's name",
                        "this exe_done router's selector lets its own results through: every run would trigger the next one, an endless loop");
}

/* A router key given as a non-negative integer in [min, max]; an error names the range. */
static int router_int(Loader *l, Router *router, const YamlNode *map, const char *key, int64_t min, int64_t max,
                      const char *scope, uint64_t *ret) {
        const YamlNode *v = yaml_map_get(map, key);
        int64_t i;

        if (!v)
                return 0;
        if (yaml_scalar_resolve(v, NULL, &i, NULL) == YAML_SCALAR_INT && i >= min && i <= max) {
                *ret = (uint64_t) i;
                return 0;
        }
        _cleanup_free_ char *found = yaml_node_describe(v);
        router->broken = true;
        return diag_add(&l->w->diag, DIAG_ERROR, v, scope, key,
                        v->kind == YAML_NODE_SCALAR && v->quoted ? "write it without quotes" : NULL,
                        "expected an integer from %" PRIi64 " to %" PRIi64 ", found %s", min, max, strna(found));
}

/* herald's router keys for heraldd: 'wait' (the HTTP answer carries the job's result),
 * 'wait_timeout' and 'max_running'. Herald ignores them. */
static int router_http_setup(Loader *l, Router *router, const YamlNode *map, const char *scope) {
        const YamlNode *wait = yaml_map_get(map, "wait");
        bool b;
        int r;

        router->wait_timeout_sec = ROUTER_WAIT_TIMEOUT_DEFAULT;
        if (wait) {
                if (yaml_scalar_resolve(wait, &b, NULL, NULL) != YAML_SCALAR_BOOL) {
                        _cleanup_free_ char *found = yaml_node_describe(wait);
                        router->broken = true;
                        r = diag_add(&l->w->diag, DIAG_ERROR, wait, scope, "wait",
                                     wait->kind == YAML_NODE_SCALAR && wait->quoted ? "write it without quotes" : NULL,
                                     "expected true or false, found %s", strna(found));
                        if (r < 0)
                                return r;
                } else
                        router->wait = b;
                if (router->wait && router->trigger && router->trigger->type != TRIGGER_HTTP) {
                        r = diag_add(&l->w->diag, DIAG_WARNING, wait, scope, "wait", NULL,
                                     "only an http trigger has an answer to wait with; ignored for a %s trigger",
                                     trigger_type_to_string(router->trigger->type));
                        if (r < 0)
                                return r;
                }
        }
        r = router_int(l, router, map, "wait_timeout", 1, ROUTER_WAIT_TIMEOUT_MAX, scope, &router->wait_timeout_sec);
        if (r >= 0)
                r = router_int(l, router, map, "max_running", 0, ROUTER_MAX_RUNNING_MAX, scope, &router->max_running);
        return r;
}

static int load_router(Loader *l, const YamlNode *key, const YamlNode *map, Router *router) {
        _cleanup_free_ char *scope = scope_of("router", key->value);
        const YamlNode *trigger, *selector, *tasks, *conc;
        int r;

        if (!scope)
                return -ENOMEM;
        router->node = map;
        router->name = strdup(key->value);
        if (!router->name)
                return -ENOMEM;

        if (map->kind != YAML_NODE_MAP) {
                _cleanup_free_ char *found = yaml_node_describe(map);
                router->broken = true;
                return diag_add(&l->w->diag, DIAG_ERROR, map, scope, NULL, NULL,
                                "expected a map with trigger, selector and task, found %s", strna(found));
        }
        router->node = map;

        for (size_t k = 0; k < map->n_pairs; k++) {
                const YamlNode *kn = map->pairs[k].key;
                if (kn->kind != YAML_NODE_SCALAR || lookup(router_keys, kn->value) >= 0)
                        continue;
                const char *close = diag_closest(kn->value, router_keys);
                _cleanup_free_ char *hint = NULL;
                if (close && asprintf(&hint, "did you mean '%s'?", close) < 0)
                        return -ENOMEM;
                if (!hint && (streq(kn->value, "cmd") || streq(kn->value, "arg") || streq(kn->value, "print_key") ||
                              startswith(kn->value, "match_") || streq(kn->value, "script_repo")))
                        hint = strdup("Herald 1.9 reads this from job_param or select_param");
                r = diag_add(&l->w->diag, DIAG_WARNING, kn, scope, kn->value, hint, "unknown router key; Herald ignores it");
                if (r < 0)
                        return r;
        }

        trigger = yaml_map_get(map, "trigger");
        if (!trigger || !is_scalar_string(trigger)) {
                _cleanup_free_ char *found = yaml_node_describe(trigger);
                router->broken = true;
                r = diag_add(&l->w->diag, DIAG_ERROR, trigger ?: key, scope, "trigger", NULL,
                             trigger ? "expected a trigger name, found %s" : "required, but missing", strna(found));
                if (r < 0)
                        return r;
        } else {
                router->trigger_name = strdup(trigger->value);
                if (!router->trigger_name)
                        return -ENOMEM;
                if (streq(trigger->value, "exe_done")) {
                        router->trigger = workflow_find_component(l->w, COMPONENT_TRIGGER, "exe_done");
                        if (!router->trigger) {
                                /* The built-in trigger: fired by every finished job (heraldd). */
                                Component *c = calloc(1, sizeof *c);
                                if (!c)
                                        return -ENOMEM;
                                *c = (Component) { .kind = COMPONENT_TRIGGER, .type = TRIGGER_EXE_DONE, .implicit = true,
                                                   .node = trigger, .name = strdup("exe_done"),
                                                   .type_name = strdup("exe_done"), .params = cJSON_CreateObject() };
                                if (!c->name || !c->type_name || !c->params || component_add(l->w, c) < 0) {
                                        component_free(c);
                                        return -ENOMEM;
                                }
                                router->trigger = c;
                        }
                } else {
                        r = resolve_component(l, COMPONENT_TRIGGER, trigger, scope, &router->trigger);
                        if (r < 0)
                                return r;
                }
                if (!router->trigger || router->trigger->broken)
                        router->broken = true;
        }

        selector = yaml_map_get(map, "selector");
        if (!selector || (selector->kind == YAML_NODE_SCALAR && yaml_scalar_resolve(selector, NULL, NULL, NULL) == YAML_SCALAR_NULL)) {
                r = diag_add(&l->w->diag, DIAG_WARNING, selector ?: key, scope, "selector", "add 'selector: all'",
                             "no selector: Herald registers this router but never runs its tasks");
                if (r < 0)
                        return r;
        } else if (!is_scalar_string(selector)) {
                _cleanup_free_ char *found = yaml_node_describe(selector);
                router->broken = true;
                r = diag_add(&l->w->diag, DIAG_ERROR, selector, scope, "selector", NULL,
                             "expected a selector name, found %s", strna(found));
                if (r < 0)
                        return r;
        } else {
                router->selector_name = strdup(selector->value);
                if (!router->selector_name)
                        return -ENOMEM;
                r = resolve_component(l, COMPONENT_SELECTOR, selector, scope, &router->selector);
                if (r < 0)
                        return r;
                if (!router->selector || router->selector->broken)
                        router->broken = true;
        }

        conc = yaml_map_get(map, "concurrency");
        bool timer = router->trigger && (router->trigger->type == TRIGGER_TICK || router->trigger->type == TRIGGER_CRON);
        router->concurrency = timer ? CONCURRENCY_FORBID : CONCURRENCY_ALLOW;
        if (conc) {
                Concurrency c = is_scalar_string(conc) ? concurrency_from_string(conc->value) : _CONCURRENCY_INVALID;
                if (c < 0) {
                        _cleanup_free_ char *found = yaml_node_describe(conc);
                        router->broken = true;
                        r = diag_add(&l->w->diag, DIAG_ERROR, conc, scope, "concurrency", NULL,
                                     "expected allow, forbid or replace, found %s", strna(found));
                        if (r < 0)
                                return r;
                } else
                        router->concurrency = c;
        }

        r = router_http_setup(l, router, map, scope);
        if (r < 0)
                return r;

        tasks = yaml_map_get(map, "task");
        if (!tasks || tasks->kind != YAML_NODE_MAP || tasks->n_pairs == 0) {
                _cleanup_free_ char *found = yaml_node_describe(tasks);
                r = diag_add(&l->w->diag, tasks && tasks->kind != YAML_NODE_MAP &&
                                                  yaml_scalar_resolve(tasks, NULL, NULL, NULL) != YAML_SCALAR_NULL
                                          ? DIAG_ERROR : DIAG_WARNING,
                             tasks ?: key, scope, "task", NULL,
                             tasks ? "expected a map of task names to executors, found %s" : "no tasks: nothing will run",
                             strna(found));
                if (r < 0)
                        return r;
                if (tasks && tasks->kind != YAML_NODE_MAP &&
                    yaml_scalar_resolve(tasks, NULL, NULL, NULL) != YAML_SCALAR_NULL)
                        router->broken = true;
        } else {
                l->router_level_reported = false;
                router->tasks = calloc(tasks->n_pairs, sizeof *router->tasks);
                if (!router->tasks)
                        return -ENOMEM;
                for (size_t k = 0; k < tasks->n_pairs; k++) {
                        const YamlNode *tk = tasks->pairs[k].key;
                        if (!count_one(l, tk))
                                return 0;
                        if (tk->kind != YAML_NODE_SCALAR)
                                continue;
                        r = load_task(l, router, tk, tasks->pairs[k].value, &router->tasks[router->n_tasks++]);
                        if (r < 0)
                                return r;
                }
        }

        /* Herald's skip takes only a tick's counter (an int); any other trigger's
         * 'counter' is JSON, a float64 in Herald, and never selects: herald keeps that. */
        if (router->selector && router->selector->type == SELECTOR_SKIP && router->trigger &&
            router->trigger->type != TRIGGER_TICK)
                for (size_t i = 0; i < router->n_tasks; i++)
                        if (skip_counts(router->tasks[i].select_param)) {
                                r = diag_add(&l->w->diag, DIAG_WARNING, key, scope, "selector",
                                             "use a tick trigger, or match_map on the body's value",
                                             "skip with a positive skip_number never selects on a '%s' trigger: it "
                                             "counts only a tick trigger's counter (as Herald, where any other "
                                             "'counter' is a float)", trigger_type_to_string(router->trigger->type));
                                if (r < 0)
                                        return r;
                                break;
                        }

        if (router->trigger && router->trigger->type == TRIGGER_EXE_DONE) {
                r = check_exe_done_loop(l, router, scope);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int load_routers(Loader *l, const YamlNode *section) {
        int r;

        if (section->kind != YAML_NODE_MAP) {
                _cleanup_free_ char *found = yaml_node_describe(section);
                return diag_add(&l->w->diag, DIAG_ERROR, section, NULL, "router", NULL,
                                "expected a map of router names to routers, found %s", strna(found));
        }
        l->w->routers = calloc(section->n_pairs, sizeof *l->w->routers);
        if (!l->w->routers && section->n_pairs > 0)
                return -ENOMEM;
        for (size_t k = 0; k < section->n_pairs; k++) {
                const YamlNode *key = section->pairs[k].key;
                if (!count_one(l, key))
                        return 0;
                if (key->kind != YAML_NODE_SCALAR)
                        continue;
                r = load_router(l, key, section->pairs[k].value, &l->w->routers[l->w->n_routers++]);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int check_presets(Loader *l, const YamlNode *section) {
        int r;

        if (section->kind != YAML_NODE_MAP) {
                _cleanup_free_ char *found = yaml_node_describe(section);
                return diag_add(&l->w->diag, DIAG_ERROR, section, NULL, "preset", NULL,
                                "expected a map of preset names to parameter maps, found %s", strna(found));
        }
        l->presets = section;
        for (size_t k = 0; k < section->n_pairs; k++) {
                const YamlNode *v = section->pairs[k].value;
                if (!count_one(l, section->pairs[k].key))
                        return 0;
                if (v->kind != YAML_NODE_MAP) {
                        _cleanup_free_ char *found = yaml_node_describe(v);
                        _cleanup_free_ char *scope = scope_of("preset", section->pairs[k].key->value);
                        r = diag_add(&l->w->diag, DIAG_WARNING, v, scope, NULL, NULL,
                                     "expected a map of parameters, found %s; Herald ignores it", strna(found));
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

static void on_duplicate_key(const YamlNode *first, const YamlNode *dup, void *userdata) {
        Workflow *w = userdata;
        diag_add(&w->diag, DIAG_WARNING, dup, NULL, dup->value, NULL,
                 "duplicate key (first at line %u); the last one wins, as in Herald", first->line);
}

int workflow_load_string(const char *name, const char *data, size_t size, const WorkflowLimits *limits,
                         Workflow **ret) {
        WorkflowLimits defaults = WORKFLOW_LIMITS_DEFAULT;
        _cleanup_(workflow_freep) Workflow *w = NULL;
        YamlError err = {};
        Loader l = {};
        int r;

        w = calloc(1, sizeof *w);
        if (!w)
                return -ENOMEM;
        w->path = strdup(name);
        r = diag_list_init(&w->diag, name);
        if (r < 0 || !w->path)
                return -ENOMEM;
        l = (Loader) { .w = w, .limits = limits ?: &defaults };

        r = yaml_parse(data, size, &l.limits->yaml, on_duplicate_key, w, &w->root, &err);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                w->unloadable = true;
                r = diag_add_at(&w->diag, DIAG_ERROR, err.line, err.column, NULL, NULL, NULL,
                                r == -E2BIG ? "over a limit: %s" : "not valid YAML: %s", err.message);
                if (r < 0)
                        return r;
                goto done;
        }
        if (!w->root || w->root->kind != YAML_NODE_MAP) {
                _cleanup_free_ char *found = yaml_node_describe(w->root);
                w->unloadable = true;
                r = diag_add(&w->diag, DIAG_ERROR, w->root, NULL, NULL, NULL,
                             "expected a map with the sections trigger, selector, executor, preset, router, log; found %s",
                             w->root ? strna(found) : "an empty file");
                if (r < 0)
                        return r;
                goto done;
        }

        for (size_t k = 0; k < w->root->n_pairs; k++) {
                const YamlNode *kn = w->root->pairs[k].key;
                if (kn->kind == YAML_NODE_SCALAR && lookup(section_names, kn->value) >= 0)
                        continue;
                const char *close = kn->kind == YAML_NODE_SCALAR ? diag_closest(kn->value, section_names) : NULL;
                _cleanup_free_ char *hint = NULL;
                if (close && asprintf(&hint, "did you mean '%s'?", close) < 0)
                        return -ENOMEM;
                r = diag_add(&w->diag, DIAG_WARNING, kn, NULL, kn->value, hint, "unknown section; Herald ignores it");
                if (r < 0)
                        return r;
        }

        const YamlNode *s;
        if ((s = yaml_map_get(w->root, "plugin")) && !(s->kind == YAML_NODE_SCALAR)) {
                r = diag_add(&w->diag, DIAG_WARNING, s, NULL, "plugin", NULL,
                             "Go plugins cannot load into herald; components of plugin types will be reported as unknown");
                if (r < 0)
                        return r;
        }
        if ((s = yaml_map_get(w->root, "log")) && s->kind == YAML_NODE_MAP && yaml_map_get(s, "output")) {
                r = diag_add(&w->diag, DIAG_WARNING, yaml_map_get(s, "output"), NULL, "log/output", NULL,
                             "herald logs to the journal ('taskctl logs', 'journalctl'); ignoring");
                if (r < 0)
                        return r;
        }

        static const ComponentKind order[] = { COMPONENT_TRIGGER, COMPONENT_SELECTOR, COMPONENT_EXECUTOR };
        for (size_t i = 0; i < ELEMENTSOF(order); i++)
                if ((s = yaml_map_get(w->root, kind_names[order[i]])) &&
                    !(s->kind == YAML_NODE_SCALAR && yaml_scalar_resolve(s, NULL, NULL, NULL) == YAML_SCALAR_NULL)) {
                        r = load_section(&l, order[i], s);
                        if (r < 0)
                                return r;
                }
        if ((s = yaml_map_get(w->root, "preset")) &&
            !(s->kind == YAML_NODE_SCALAR && yaml_scalar_resolve(s, NULL, NULL, NULL) == YAML_SCALAR_NULL)) {
                r = check_presets(&l, s);
                if (r < 0)
                        return r;
        }
        if ((s = yaml_map_get(w->root, "router")) &&
            !(s->kind == YAML_NODE_SCALAR && yaml_scalar_resolve(s, NULL, NULL, NULL) == YAML_SCALAR_NULL)) {
                r = load_routers(&l, s);
                if (r < 0)
                        return r;
        } else {
                r = diag_add(&w->diag, DIAG_WARNING, NULL, NULL, "router", NULL, "no routers: nothing will ever run");
                if (r < 0)
                        return r;
        }

done:
        diag_list_sort(&w->diag);
        *ret = TAKE_PTR(w);
        return 0;
}

int workflow_load(const char *path, const WorkflowLimits *limits, Workflow **ret) {
        WorkflowLimits defaults = WORKFLOW_LIMITS_DEFAULT;
        const WorkflowLimits *lim = limits ?: &defaults;
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *data = NULL;
        struct stat st;
        size_t size = 0;
        int r;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        int e = fd < 0 || fstat(fd, &st) < 0 ? errno : 0;
        if (e != 0 || !S_ISREG(st.st_mode) || (size_t) st.st_size > lim->yaml.max_bytes) {
                /* Unreadable: a workflow with that one error, as validate shows it. */
                _cleanup_(workflow_freep) Workflow *w = calloc(1, sizeof *w);
                if (!w || !(w->path = strdup(path)) || diag_list_init(&w->diag, path) < 0)
                        return -ENOMEM;
                w->unloadable = true;
                if (e != 0)
                        r = diag_add(&w->diag, DIAG_ERROR, NULL, NULL, NULL, NULL, "cannot read the file: %s", strerror(e));
                else if (!S_ISREG(st.st_mode))
                        r = diag_add(&w->diag, DIAG_ERROR, NULL, NULL, NULL, NULL, "not a regular file");
                else
                        r = diag_add(&w->diag, DIAG_ERROR, NULL, NULL, NULL, NULL,
                                     "the file is %jd bytes, over the limit of %zu", (intmax_t) st.st_size, lim->yaml.max_bytes);
                if (r < 0)
                        return r;
                *ret = TAKE_PTR(w);
                return 0;
        }

        data = malloc((size_t) st.st_size + 1);
        if (!data)
                return -ENOMEM;
        while (size < (size_t) st.st_size + 1) {
                ssize_t n = read(fd, data + size, (size_t) st.st_size + 1 - size);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        break;
                size += (size_t) n;
        }
        return workflow_load_string(path, data, size, lim, ret);
}
