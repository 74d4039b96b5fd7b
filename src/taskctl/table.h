/* SPDX-License-Identifier: MIT */
/* table.h: taskctl's tables (aligned on a terminal, tab-separated when piped) and its pager */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "macro.h"

#define ANSI_RED "\x1b[0;31m"
#define ANSI_GREEN "\x1b[0;32m"
#define ANSI_YELLOW "\x1b[0;33m"
#define ANSI_GREY "\x1b[0;38;5;245m"
#define ANSI_BOLD "\x1b[1m"
#define ANSI_NORMAL "\x1b[0m"

typedef enum TableMode {
        TABLE_PRETTY,   /* header, columns padded to their width, colors if asked */
        TABLE_PLAIN,    /* no header, one tab between cells, never colors: for cut/awk */
} TableMode;

typedef struct Table Table;

Table *table_new(const char *first_header, ...) _sentinel_;
Table *table_free(Table *t);
DEFINE_TRIVIAL_CLEANUP_FUNC(Table *, table_free);
#define _cleanup_table_free_ _cleanup_(table_freep)

/* Appends a cell; rows wrap after the last column. NULL or "" shows as "-". */
int table_add_cell(Table *t, const char *s);
/* The same with an ANSI color for the pretty mode (ANSI_RED, ...; NULL for none). */
int table_add_cell_color(Table *t, const char *s, const char *color);
int table_add_cellf(Table *t, const char *fmt, ...) _printf_(2, 3);

void table_set_align_right(Table *t, size_t column, bool right);
/* Pretty mode only: longer cells are cut with "…" (0: no limit). */
void table_set_max_width(Table *t, size_t column, size_t width);
size_t table_n_rows(const Table *t);

int table_print(const Table *t, FILE *f, TableMode mode, bool color);
void table_print_legend(const Table *t, const char *one, const char *many);
void output_set_legend(bool on);
bool output_legend(void);

/* What stdout was when taskctl started: a terminal? Decided before any pager takes it. */
bool output_is_tty(void);
/* Colors on stdout: a terminal, $NO_COLOR unset, $TERM not "dumb". */
bool output_use_color(void);
/* The mode for tables on stdout. */
TableMode output_table_mode(void);

/* Starts "less -FRSXMK" (or $TASKCTL_PAGER / $PAGER; "" or "cat" means none) with stdout
 * going into it, when stdout is a terminal and disabled is false. Closed at exit. */
void pager_open(bool disabled);
void pager_close(void);
