/* SPDX-License-Identifier: MIT */
/* unit-name.c: build unit names from workflow names */
#include <assert.h>
#include <ctype.h>
#include <stdio.h>

#include "libcrypto-dl.h"
#include "macro.h"
#include "unit-name.h"

#define PART_MAX 100

char *unit_name_escape_part(const char *s) {
        size_t len = strlen(s);
        char *out, *o;

        out = malloc(len * 4 + 1);
        if (!out)
                return NULL;
        o = out;
        for (const char *c = s; *c; c++) {
                if (*c == '/')
                        *o++ = '-';
                else if ((isalnum((unsigned char) *c) && isascii((unsigned char) *c)) || *c == ':' || *c == '_' ||
                         (*c == '.' && c != s))
                        *o++ = *c;
                else
                        o += sprintf(o, "\\x%02x", (unsigned char) *c);
        }
        *o = 0;

        if (o - out > PART_MAX) {
                unsigned char md[32];
                size_t cut = PART_MAX - 17;

                /* Never cut inside a \xNN sequence. */
                for (size_t i = cut > 3 ? cut - 3 : 0; i < cut; i++)
                        if (out[i] == '\\')
                                cut = i;
                if (sha256_pieces(&(Sha256Piece) { s, len }, 1, md) < 0) {
                        free(out);
                        return NULL;
                }
                o = out + cut;
                *o++ = '_';
                for (int i = 0; i < 8; i++)
                        o += sprintf(o, "%02x", md[i]);
                *o = 0;
        }
        return out;
}

char *unit_name_trigger(const char *trigger, const char *suffix) {
        _cleanup_free_ char *t = unit_name_escape_part(trigger);
        char *s;

        if (!t || asprintf(&s, "herald-trigger-%s.%s", t, suffix) < 0)
                return NULL;
        return s;
}

/* herald-<router>-<task>@.service: the template of a task's jobs that heraldd asks for. */
char *unit_name_job_template(const char *router, const char *task) {
        _cleanup_free_ char *r = unit_name_escape_part(router), *t = unit_name_escape_part(task);
        char *s;

        if (!r || !t || asprintf(&s, "herald-%s-%s@.service", r, t) < 0)
                return NULL;
        return s;
}

/* herald-<router>-<task>@<job_id>.service: one job of that template. The job id is a
 * UUID (herald_id_valid()), whose characters a unit name takes as they are. */
char *unit_name_job_instance(const char *router, const char *task, const char *job_id) {
        _cleanup_free_ char *r = unit_name_escape_part(router), *t = unit_name_escape_part(task);
        char *s;

        assert(job_id);
        for (const char *c = job_id; *c; c++)
                assert(isxdigit((unsigned char) *c) || *c == '-');
        if (!r || !t || asprintf(&s, "herald-%s-%s@%s.service", r, t, job_id) < 0)
                return NULL;
        return s;
}

/* Matches both shapes of a task's job units, herald-<r>-<t>-<id8>.service (transient,
 * timer routes) and herald-<r>-<t>@<job_id>.service (template instances, heraldd), as
 * fnmatch() and systemd's ListUnitsByPatterns read a glob. Escaping turns every '-'
 * and '@' in a name into \x2d and \x40, so the character after the task's name tells
 * where that name ends. */
char *unit_name_job_pattern(const char *router, const char *task) {
        _cleanup_free_ char *r = unit_name_escape_part(router), *t = task ? unit_name_escape_part(task) : NULL;
        char *s;

        if (!r || (task && !t))
                return NULL;
        if (asprintf(&s, "herald-%s-%s%s*.service", r, t ?: "", t ? "[-@]" : "") < 0)
                return NULL;
        return s;
}

/**
 * unit_name_job_id: the job id a job unit's instance name carries.
 * @unit: herald-ROUTER-TASK@JOB_ID.service
 *
 * Return: JOB_ID (free() it), or NULL when @unit has no instance or on OOM.
 */
char *unit_name_job_id(const char *unit) {
        const char *at = strrchr(unit, '@'), *dot = strrchr(unit, '.');

        return at && dot && dot > at + 1 ? strndup(at + 1, (size_t) (dot - at - 1)) : NULL;
}

/**
 * unit_name_trigger_id: a trigger's name where systemd allows only a plain token.
 * @trigger: the trigger's name in the workflow
 *
 * FileDescriptorName= refuses ':' and control characters, a credential name must be a
 * file name, and LoadCredential=ID:PATH splits at the first ':' and takes '\' as an
 * escape. The socket's fd name and the secret's credential name are both built from
 * this id, and heraldd maps them back to triggers with the same function. A name of
 * 1 to 100 characters from [A-Za-z0-9_.-], not starting with '.', is its own id (the
 * common case reads naturally); any other name becomes '=' and the first 16 bytes of
 * its SHA-256 in hex. '=' is outside the plain set, so the two forms cannot collide.
 *
 * Return: the id (free() it), or NULL on OOM.
 */
char *unit_name_trigger_id(const char *trigger) {
        size_t len = strlen(trigger);
        bool plain = len > 0 && len <= PART_MAX && trigger[0] != '.';
        unsigned char md[32];
        char *s, *o;

        for (const char *c = trigger; plain && *c; c++)
                plain = (isascii((unsigned char) *c) && isalnum((unsigned char) *c)) || strchr("_.-", *c);
        if (plain)
                return strdup(trigger);
        if (sha256_pieces(&(Sha256Piece) { trigger, len }, 1, md) < 0)
                return NULL;
        s = malloc(1 + 32 + 1);
        if (!s)
                return NULL;
        o = s;
        *o++ = '=';
        for (int i = 0; i < 16; i++)
                o += sprintf(o, "%02x", md[i]);
        return s;
}

char *unit_credential_name_trigger(const char *trigger) {
        _cleanup_free_ char *id = unit_name_trigger_id(trigger);
        char *s;

        if (!id || asprintf(&s, "trigger-%s", id) < 0)
                return NULL;
        return s;
}
