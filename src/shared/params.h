/* SPDX-License-Identifier: MIT */
/* params.h: the parameters of every built-in component type, and their checks */
#pragma once

#include "diag.h"
#include "workflow.h"

typedef enum ParamKind {
        PARAM_STRING,
        PARAM_PATH,                     /* absolute path */
        PARAM_BOOL,
        PARAM_INT,
        PARAM_STRING_OR_LIST,           /* a string or a list of strings */
        PARAM_STRING_MAP,               /* a map of strings to strings */
        PARAM_COMMAND,                  /* a string; an unquoted true/yes/on gets the quoting hint */
        PARAM_ENV_NAME,                 /* an environment variable name */
        PARAM_ANY,
        PARAM_UNIT,                     /* checked by unit-settings.c */
        _PARAM_KIND_MAX,
} ParamKind;

typedef struct ParamSpec {
        const char *name;
        ParamKind kind;
        int64_t min, max;               /* PARAM_INT */
        bool required;
} ParamSpec;

/* One key/value of a component map or a merged param set, with its position. */
typedef struct ParamEntry {
        const YamlNode *key;
        const YamlNode *value;
} ParamEntry;

typedef struct ParamSet {
        ParamEntry *entries;
        size_t n_entries;
} ParamSet;

void param_set_done(ParamSet *s);
/* Sets key (replacing an existing one). */
int param_set_put(ParamSet *s, const YamlNode *key, const YamlNode *value);
const YamlNode *param_set_get(const ParamSet *s, const char *key);
cJSON *param_set_to_json(const ParamSet *s);

/* NULL-terminated by a spec with name NULL. */
const ParamSpec *params_for_component(ComponentKind kind, int type);
const ParamSpec *params_for_job(ExecutorType type);
const ParamSpec *params_for_select(SelectorType type);

/**
 * params_check: check each entry against specs.
 * @prefix: how keys are named in messages ("job_param" → "job_param/cmd"), or NULL.
 * @unknown_is_free: unknown keys are normal (job_param keys reach the job's script):
 *   only a likely misspelling of a known key gets a warning; otherwise every unknown
 *   key is warned about.
 * Return: number of errors added (>= 0), or -ENOMEM.
 */
int params_check(const ParamSpec *specs, const ParamSet *set, const YamlNode *where_missing,
                 const char *scope, const char *prefix, bool unknown_is_free, DiagList *diag);
