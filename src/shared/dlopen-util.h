/* SPDX-License-Identifier: MIT */
/* dlopen-util.h: a library opened on first use, with the functions herald calls */
#pragma once

#include <stddef.h>

typedef struct DlSymbol {
        void **fn;              /* where the function's address goes */
        const char *name;
} DlSymbol;

/* { &table.name, "name" }, the address cast to void ** once the compiler checked that
 * table.name is a pointer to a function of that name's type (as declared by its header). */
#define DL_SYMBOL(table, name)                                                                  \
        { (void **) (1 ? &(table).name : (typeof(name) **) NULL), #name }

typedef struct DlLibrary {
        const char *soname;
        void *handle;
        int state;              /* 0 not tried, 1 loaded, -1 failed (logged once) */
} DlLibrary;

int dlopen_symbols(DlLibrary *lib, const DlSymbol *symbols, size_t n_symbols);
