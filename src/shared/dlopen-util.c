/* SPDX-License-Identifier: MIT */
/* dlopen-util.c: a library opened on first use, with the functions herald calls
 *
 * For libraries a program needs only now and then (herald-done's libsystemd, heraldd's
 * libcrypto): loading them at start cost more than the usual work did. Opened once,
 * as systemd opens its optional libraries (its dlopen-util.c); the table's pointers
 * keep the types of the library's own headers (DL_SYMBOL). Single-threaded callers.
 */
#include <dlfcn.h>
#include <errno.h>

#include "dlopen-util.h"
#include "log.h"

/**
 * dlopen_symbols: open @lib once and fill in its functions.
 * @lib: the library: its soname, and the state of earlier tries
 * @symbols: the functions and where their addresses go
 * @n_symbols: how many
 *
 * A failure is logged the first time only, and every later call fails at once.
 *
 * Return: 0 when the library and every function are there; -EOPNOTSUPP otherwise (the
 * pointers are then all NULL).
 */
int dlopen_symbols(DlLibrary *lib, const DlSymbol *symbols, size_t n_symbols) {
        if (lib->state != 0)
                return lib->state > 0 ? 0 : -EOPNOTSUPP;

        lib->handle = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
        if (!lib->handle) {
                log_error("Could not load %s: %s", lib->soname, dlerror());
                lib->state = -1;
                return -EOPNOTSUPP;
        }
        for (size_t i = 0; i < n_symbols; i++) {
                *symbols[i].fn = dlsym(lib->handle, symbols[i].name);
                if (!*symbols[i].fn) {
                        log_error("Could not find %s in %s: %s", symbols[i].name, lib->soname, dlerror());
                        for (size_t k = 0; k < n_symbols; k++)
                                *symbols[k].fn = NULL;
                        dlclose(lib->handle);
                        lib->handle = NULL;
                        lib->state = -1;
                        return -EOPNOTSUPP;
                }
        }
        lib->state = 1;
        return 0;
}
