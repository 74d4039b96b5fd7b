/* SPDX-License-Identifier: MIT */
/* diag.c: collect, sort and print diagnostics so one run reports every problem */
#include <stdarg.h>

#include "diag.h"

int diag_list_init(DiagList *l, const char *file) {
        *l = (DiagList) {};
        l->file = strdup(file ?: "-");
        return l->file ? 0 : -ENOMEM;
}

void diag_list_done(DiagList *l) {
        for (size_t i = 0; i < l->n_items; i++) {
                free(l->items[i].scope);
                free(l->items[i].key);
                free(l->items[i].message);
                free(l->items[i].hint);
        }
        free(l->items);
        free(l->file);
        *l = (DiagList) {};
}

__attribute__((format(printf, 8, 0)))
static int diag_addv(DiagList *l, DiagLevel level, unsigned line, unsigned column, const char *scope,
                     const char *key, const char *hint, const char *fmt, va_list ap) {
        Diag *items, *d;

        items = reallocarray(l->items, l->n_items + 1, sizeof *items);
        if (!items)
                return -ENOMEM;
        l->items = items;
        d = &items[l->n_items];
        *d = (Diag) { .level = level, .line = line, .column = column };
        if (vasprintf(&d->message, fmt, ap) < 0)
                return -ENOMEM;
        d->scope = scope ? strdup(scope) : NULL;
        d->key = key ? strdup(key) : NULL;
        d->hint = hint ? strdup(hint) : NULL;
        l->n_items++;
        if (level == DIAG_ERROR)
                l->n_errors++;
        else
                l->n_warnings++;
        return 0;
}

int diag_add(DiagList *l, DiagLevel level, const YamlNode *at, const char *scope, const char *key,
             const char *hint, const char *fmt, ...) {
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = diag_addv(l, level, at ? at->line : 0, at ? at->column : 0, scope, key, hint, fmt, ap);
        va_end(ap);
        return r;
}

int diag_add_at(DiagList *l, DiagLevel level, unsigned line, unsigned column, const char *scope,
                const char *key, const char *hint, const char *fmt, ...) {
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = diag_addv(l, level, line, column, scope, key, hint, fmt, ap);
        va_end(ap);
        return r;
}

void diag_list_sort(DiagList *l) {
        /* Insertion sort: stable, and lists are short. */
        for (size_t i = 1; i < l->n_items; i++) {
                Diag d = l->items[i];
                size_t j = i;
                while (j > 0 && (l->items[j - 1].line > d.line ||
                                 (l->items[j - 1].line == d.line && l->items[j - 1].column > d.column))) {
                        l->items[j] = l->items[j - 1];
                        j--;
                }
                l->items[j] = d;
        }
}

const char *diag_level_to_string(DiagLevel l) {
        return l == DIAG_ERROR ? "error" : l == DIAG_WARNING ? "warning" : NULL;
}

void diag_list_print(const DiagList *l, FILE *f, bool color) {
        for (size_t i = 0; i < l->n_items; i++) {
                const Diag *d = &l->items[i];
                const char *on = !color ? "" : d->level == DIAG_ERROR ? "\033[1;31m" : "\033[1;33m";
                const char *off = color ? "\033[0m" : "";

                if (d->line > 0)
                        fprintf(f, "%s:%u:%u: ", l->file, d->line, d->column);
                else
                        fprintf(f, "%s: ", l->file);
                fprintf(f, "%s%s%s: ", on, diag_level_to_string(d->level), off);
                if (d->scope)
                        fprintf(f, "%s: ", d->scope);
                if (d->key)
                        fprintf(f, "key '%s': ", d->key);
                fputs(d->message, f);
                if (d->hint)
                        fprintf(f, " (%s)", d->hint);
                fputc('\n', f);
        }
}

cJSON *diag_list_to_json(const DiagList *l) {
        cJSON *a = cJSON_CreateArray();

        if (!a)
                return NULL;
        for (size_t i = 0; i < l->n_items; i++) {
                const Diag *d = &l->items[i];
                cJSON *o = cJSON_CreateObject();
                if (!o) {
                        cJSON_Delete(a);
                        return NULL;
                }
                cJSON_AddItemToArray(a, o);
                cJSON_AddStringToObject(o, "file", l->file);
                cJSON_AddNumberToObject(o, "line", d->line);
                cJSON_AddNumberToObject(o, "column", d->column);
                cJSON_AddStringToObject(o, "level", diag_level_to_string(d->level));
                if (d->scope)
                        cJSON_AddStringToObject(o, "scope", d->scope);
                if (d->key)
                        cJSON_AddStringToObject(o, "key", d->key);
                cJSON_AddStringToObject(o, "message", d->message);
                if (d->hint)
                        cJSON_AddStringToObject(o, "hint", d->hint);
        }
        return a;
}

static size_t edit_distance(const char *a, const char *b) {
        size_t la = strlen(a), lb = strlen(b), prev[64], cur[64];

        if (la >= 63 || lb >= 63)
                return SIZE_MAX;
        for (size_t j = 0; j <= lb; j++)
                prev[j] = j;
        for (size_t i = 1; i <= la; i++) {
                cur[0] = i;
                for (size_t j = 1; j <= lb; j++) {
                        size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
                        size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
                        cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
                }
                memcpy(prev, cur, (lb + 1) * sizeof *cur);
        }
        return prev[lb];
}

const char *diag_closest(const char *s, const char *const *known) {
        const char *best = NULL;
        size_t best_d = SIZE_MAX, len = strlen(s);

        for (; known && *known; known++) {
                size_t d = edit_distance(s, *known);
                if (d < best_d) {
                        best_d = d;
                        best = *known;
                }
        }
        /* Short words get only one edit, so 'arg' does not suggest 'env'. */
        if (best && best_d > 0 && best_d <= (len <= 4 ? 1u : 2u))
                return best;
        return NULL;
}
