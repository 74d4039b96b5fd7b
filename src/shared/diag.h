/* SPDX-License-Identifier: MIT */
/* diag.h: positioned diagnostics (errors and warnings) about a workflow file */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "macro.h"
#include "yaml-tree.h"

typedef enum DiagLevel {
        DIAG_WARNING,
        DIAG_ERROR,
        _DIAG_LEVEL_MAX,
} DiagLevel;

typedef struct Diag {
        DiagLevel level;
        unsigned line, column;
        char *scope;            /* "router 'backup'", "trigger 'every2s'", or NULL */
        char *key;              /* "interval", "job_param/cmd", or NULL */
        char *message;          /* "expected ..., found ..." */
        char *hint;             /* "did you mean 'interval'?", or NULL */
} Diag;

typedef struct DiagList {
        char *file;
        Diag *items;
        size_t n_items;
        size_t n_errors, n_warnings;
} DiagList;

int diag_list_init(DiagList *l, const char *file);
void diag_list_done(DiagList *l);

/* at may be NULL (then line/column 0: about the file as a whole). */
int diag_add(DiagList *l, DiagLevel level, const YamlNode *at, const char *scope, const char *key,
             const char *hint, const char *fmt, ...) _printf_(7, 8);
int diag_add_at(DiagList *l, DiagLevel level, unsigned line, unsigned column, const char *scope,
                const char *key, const char *hint, const char *fmt, ...) _printf_(8, 9);

/* Sort by position (stable), so output follows the file. */
void diag_list_sort(DiagList *l);
void diag_list_print(const DiagList *l, FILE *f, bool color);
cJSON *diag_list_to_json(const DiagList *l);

const char *diag_level_to_string(DiagLevel l);

/* The known word closest to s, when it is a plausible misspelling (edit distance <= 2). */
const char *diag_closest(const char *s, const char *const *known);
