/* SPDX-License-Identifier: MIT */
/* unit-emit.h: the two emitters of a planned unit: unit-file text and D-Bus properties */
#pragma once

#include <stdio.h>
#include <systemd/sd-bus.h>

#include "plan.h"

/* Writes the unit file text. @generator names who wrote it, for the header comment. */
int unit_file_write(const PlanUnit *u, const char *generator, FILE *f);
int unit_file_install(const char *dir, const PlanUnit *u, const char *header);

/* Appends one (sv) per bus property of u to an open "a(sv)" container. */
int unit_bus_append_properties(sd_bus_message *m, const PlanUnit *u);

/* Quote one word for a unit file command line: specifiers and $ escaped. */
char *unit_file_quote_word(const char *s);
