/* SPDX-License-Identifier: MIT */
/* herald-id.h: job and trigger ids, upper-case UUIDs as Herald makes them */
#pragma once

#include <stdbool.h>

#define HERALD_ID_LEN 36

int herald_id_new(char ret[HERALD_ID_LEN + 1]);
int herald_id_derive(const char *parent_job_id, const char *router, const char *task, char ret[HERALD_ID_LEN + 1]);
bool herald_id_valid(const char *s);
