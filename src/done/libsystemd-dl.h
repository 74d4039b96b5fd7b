/* SPDX-License-Identifier: MIT */
/* libsystemd-dl.h: libsystemd, loaded by herald-done only when it needs it */
#pragma once

#include <systemd/sd-bus.h>
#include <systemd/sd-id128.h>
#include <systemd/sd-journal.h>

typedef struct LibSystemd {
        typeof(sd_bus_open_system) *sd_bus_open_system;
        typeof(sd_bus_path_encode) *sd_bus_path_encode;
        typeof(sd_bus_get_property_trivial) *sd_bus_get_property_trivial;
        typeof(sd_bus_flush_close_unref) *sd_bus_flush_close_unref;
        typeof(sd_id128_get_machine) *sd_id128_get_machine;
        typeof(sd_id128_to_string) *sd_id128_to_string;
        typeof(sd_journal_open) *sd_journal_open;
        typeof(sd_journal_open_files) *sd_journal_open_files;
        typeof(sd_journal_add_match) *sd_journal_add_match;
        typeof(sd_journal_seek_tail) *sd_journal_seek_tail;
        typeof(sd_journal_previous) *sd_journal_previous;
        typeof(sd_journal_close) *sd_journal_close;
} LibSystemd;

const LibSystemd *libsystemd_get(void);
