/* SPDX-License-Identifier: MIT */
/* unit-name.h: deterministic, escaped unit names for triggers and jobs */
#pragma once

/* systemd's string escaping for one part of a unit name: [A-Za-z0-9:_.] kept, '/' → '-',
 * everything else (including '-') as \xNN, a leading '.' escaped. Parts longer than 100
 * bytes are cut and get a 16-hex hash suffix, so every name stays well under 255. */
char *unit_name_escape_part(const char *s);

/* herald-trigger-<trigger>.<suffix> ("timer", "service", "socket") */
char *unit_name_trigger(const char *trigger, const char *suffix);
/* herald-<router>-<task>@.service: the template every job of a task is an instance of */
char *unit_name_job_template(const char *router, const char *task);
/* herald-<router>-<task>@<job_id>.service: one of them */
char *unit_name_job_instance(const char *router, const char *task, const char *job_id);
/* the glob matching every job unit of a router (or of one task when task != NULL):
 * template instances, and the transient herald-<r>-<t>-<id8>.service that herald
 * started for timer jobs before (still running across an upgrade) */
char *unit_name_job_pattern(const char *router, const char *task);
/* The job id of a job unit herald-ROUTER-TASK@JOB_ID.service, or NULL (free() it). */
char *unit_name_job_id(const char *unit);
/* the trigger's name as a FileDescriptorName= and credential token (see unit-name.c) */
char *unit_name_trigger_id(const char *trigger);
/* trigger-<id>: the credential (LoadCredential= of heraldd.service) holding a trigger's
 * secret_file; heraldd reads $CREDENTIALS_DIRECTORY/trigger-<id> */
char *unit_credential_name_trigger(const char *trigger);
