/* SPDX-License-Identifier: MIT */
/* unit-settings.h: the 'unit:' extension key, an allow-list of systemd settings */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "diag.h"
#include "yaml-tree.h"

typedef enum UnitSettingType {
        UNIT_SETTING_NAME,              /* user or group name, or numeric id */
        UNIT_SETTING_BYTES,             /* 512M, 2G, infinity */
        UNIT_SETTING_PERCENT,           /* 50%, may exceed 100% */
        UNIT_SETTING_USEC,              /* 30s, 5min, 1h 30min, plain number = seconds, infinity */
        UNIT_SETTING_BOOL,
        UNIT_SETTING_ENUM,
        UNIT_SETTING_INT,
        UNIT_SETTING_COUNT,             /* unsigned count or infinity */
        UNIT_SETTING_UNIT_NAMES,        /* unit names, space-separated; specifiers (%n, %i) allowed */
        _UNIT_SETTING_TYPE_MAX,
} UnitSettingType;

typedef enum UnitSettingScope {
        UNIT_SETTING_SERVICE,           /* job units */
        UNIT_SETTING_TIMER,             /* trigger timers */
} UnitSettingScope;

typedef struct UnitSettingSpec {
        const char *name;               /* unit file name, e.g. RuntimeMaxSec */
        const char *bus_name;           /* D-Bus property, e.g. RuntimeMaxUSec */
        char bus_type;                  /* 's', 't', 'b', 'i', 'u'; 'a': as */
        UnitSettingScope scope;
        UnitSettingType type;
        const char *const *values;      /* ENUM */
        int64_t min, max;               /* INT */
        const char *section;            /* NULL: the scope's own ([Service], [Timer]) */
} UnitSettingSpec;

typedef struct UnitSetting {
        const UnitSettingSpec *spec;
        char *text;                     /* value as written in a unit file */
        char *string;                   /* bus value for 's' */
        uint64_t u;                     /* bus value for 't' and 'u' */
        int64_t i;                      /* bus value for 'i' */
        bool b;                         /* bus value for 'b' */
} UnitSetting;

typedef struct UnitSettings {
        UnitSetting *items;
        size_t n_items;
} UnitSettings;

/* Checks every key of a 'unit:' map; problems become diagnostics. Return 0 (even with
 * diagnostics; see the returned count of errors in *ret_errors), or -ENOMEM. */
int unit_settings_parse(const YamlNode *map, UnitSettingScope scope, const char *where,
                        UnitSettings *ret, DiagList *diag, size_t *ret_errors);
void unit_settings_done(UnitSettings *s);
/* base := base overridden key by key by over. */
int unit_settings_merge(UnitSettings *base, const UnitSettings *over);
const UnitSetting *unit_settings_get(const UnitSettings *s, const char *name);

const UnitSettingSpec *unit_setting_spec_find(const char *name, UnitSettingScope scope);

/* systemd time span and size parsers (subset: what unit files accept for these keys). */
int parse_timespan_usec(const char *s, uint64_t *ret);
int parse_size_bytes(const char *s, uint64_t *ret);
int parse_percent(const char *s, uint64_t *ret_permyriad);
