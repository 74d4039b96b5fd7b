/* SPDX-License-Identifier: MIT */
/* json-output.c: --json[=short|pretty] of every taskctl verb, as systemctl spells it */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json-output.h"
#include "macro.h"

int json_mode_from_string(const char *s, JsonMode *ret) {
        if (!s || streq(s, "short"))
                *ret = JSON_SHORT;
        else if (streq(s, "pretty"))
                *ret = JSON_PRETTY;
        else if (streq(s, "off"))
                *ret = JSON_OFF;
        else
                return -EINVAL;
        return 0;
}

/**
 * json_print_pretty: cJSON's indented form with two spaces per level and one after
 * each colon, instead of tabs. Tabs inside strings are escaped by cJSON, so every
 * raw tab in its output is layout.
 * Return: a new string, or NULL on OOM.
 */
char *json_print_pretty(const cJSON *doc) {
        _cleanup_free_ char *s = cJSON_Print(doc);
        size_t tabs = 0, k = 0;
        bool line_start = true;
        char *t;

        if (!s)
                return NULL;
        for (const char *p = s; *p; p++)
                tabs += *p == '\t';
        t = malloc(strlen(s) + tabs + 1);
        if (!t)
                return NULL;
        for (const char *p = s; *p; p++) {
                if (*p == '\t') {
                        if (line_start) {
                                t[k++] = ' ';
                                t[k++] = ' ';
                        } else
                                t[k++] = ' ';
                        continue;
                }
                line_start = *p == '\n';
                t[k++] = *p;
        }
        t[k] = 0;
        return t;
}

int json_output(const cJSON *doc, JsonMode mode) {
        _cleanup_free_ char *s = mode == JSON_PRETTY ? json_print_pretty(doc) : cJSON_PrintUnformatted(doc);

        if (!s)
                return -ENOMEM;
        fputs(s, stdout);
        fputc('\n', stdout);
        return 0;
}
