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
#include "dlopen-util.h"
#include "libsystemd-dl.h"
#include "macro.h"

static LibSystemd lib;

/**
 * libsystemd_get: libsystemd's functions that herald-done uses, loaded once.
 *
 * Return: the table, or NULL (logged) when the library or one of its functions is
 * missing.
 */
const LibSystemd *libsystemd_get(void) {
        static DlLibrary dl = { .soname = "libsystemd.so.0" };
        const DlSymbol symbols[] = {
                DL_SYMBOL(lib, sd_bus_open_system),
                DL_SYMBOL(lib, sd_bus_path_encode),
                DL_SYMBOL(lib, sd_bus_get_property_trivial),
                DL_SYMBOL(lib, sd_bus_flush_close_unref),
                DL_SYMBOL(lib, sd_id128_get_machine),
                DL_SYMBOL(lib, sd_id128_to_string),
                DL_SYMBOL(lib, sd_journal_open),
                DL_SYMBOL(lib, sd_journal_open_files),
                DL_SYMBOL(lib, sd_journal_add_match),
                DL_SYMBOL(lib, sd_journal_seek_tail),
                DL_SYMBOL(lib, sd_journal_previous),
                DL_SYMBOL(lib, sd_journal_close),
        };

        return dlopen_symbols(&dl, symbols, ELEMENTSOF(symbols)) >= 0 ? &lib : NULL;
}
