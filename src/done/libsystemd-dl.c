/* SPDX-License-Identifier: MIT */
/* libsystemd-dl.c: libsystemd, loaded by herald-done only when it needs it
 *
 * herald-done runs once per job. Its usual work (read two small files, send one entry
 * over the native protocol, remove a directory) needs no libsystemd, and loading it
 * with the libraries it pulls in cost more CPU than that work (bench/job-throughput.sh).
 * Two rarer cases do need it: asking systemd how long a job ran that a signal ended,
 * and reading the journal to see whether the entry arrived when the unit's rate limit
 * could have dropped it. So it is opened on first use, as systemd itself opens its
 * optional libraries (dlopen-util.c); the compiler checks every pointer's type against
 * the installed headers.
 */
#include <dlfcn.h>
#include <errno.h>

#include "libsystemd-dl.h"
#include "log.h"
#include "macro.h"

#define LIBSYSTEMD_SONAME "libsystemd.so.0"

static LibSystemd lib;
static int lib_state;   /* 0 not tried, 1 loaded, -1 failed */

#define SYM(name)                                                                       \
        do {                                                                            \
                lib.name = (typeof(lib.name)) dlsym(lib.handle, #name);                 \
                if (!lib.name) {                                                        \
                        log_error("Could not find %s in " LIBSYSTEMD_SONAME ": %s",    \
                                  #name, dlerror());                                    \
                        goto fail;                                                      \
                }                                                                       \
        } while (0)

/**
 * libsystemd_get: libsystemd's functions that herald-done uses, loaded once.
 *
 * Return: the table, or NULL (logged) when the library or one of its functions is
 * missing.
 */
const LibSystemd *libsystemd_get(void) {
        if (lib_state != 0)
                return lib_state > 0 ? &lib : NULL;

        lib.handle = dlopen(LIBSYSTEMD_SONAME, RTLD_NOW | RTLD_LOCAL);
        if (!lib.handle) {
                log_error("Could not load " LIBSYSTEMD_SONAME ": %s", dlerror());
                goto fail;
        }
        SYM(sd_bus_open_system);
        SYM(sd_bus_path_encode);
        SYM(sd_bus_get_property_trivial);
        SYM(sd_bus_flush_close_unref);
        SYM(sd_id128_get_machine);
        SYM(sd_id128_to_string);
        SYM(sd_journal_open);
        SYM(sd_journal_open_files);
        SYM(sd_journal_add_match);
        SYM(sd_journal_seek_tail);
        SYM(sd_journal_previous);
        SYM(sd_journal_close);
        lib_state = 1;
        return &lib;
fail:
        if (lib.handle)
                dlclose(lib.handle);
        lib = (LibSystemd) {};
        lib_state = -1;
        return NULL;
}
