/* SPDX-License-Identifier: MIT */
/* unit-settings.c: typed conversion of the allow-listed 'unit:' settings
 *
 * Workflows stay portable (Herald ignores unknown keys), but a setting herald passes to
 * systemd is checked here, once, and converted into both a unit-file value and a typed
 * D-Bus value, so the generator and 'taskctl apply' cannot disagree.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>

#include "unit-settings.h"

static const char *const protect_system_values[] = { "no", "yes", "full", "strict", NULL };
static const char *const protect_home_values[] = { "no", "yes", "read-only", "tmpfs", NULL };

static const UnitSettingSpec specs[] = {
        { "User", "User", 's', UNIT_SETTING_SERVICE, UNIT_SETTING_NAME },
        { "Group", "Group", 's', UNIT_SETTING_SERVICE, UNIT_SETTING_NAME },
        { "MemoryMax", "MemoryMax", 't', UNIT_SETTING_SERVICE, UNIT_SETTING_BYTES },
        { "MemoryHigh", "MemoryHigh", 't', UNIT_SETTING_SERVICE, UNIT_SETTING_BYTES },
        { "CPUQuota", "CPUQuotaPerSecUSec", 't', UNIT_SETTING_SERVICE, UNIT_SETTING_PERCENT },
        { "CPUWeight", "CPUWeight", 't', UNIT_SETTING_SERVICE, UNIT_SETTING_INT, NULL, 1, 10000 },
        { "IOWeight", "IOWeight", 't', UNIT_SETTING_SERVICE, UNIT_SETTING_INT, NULL, 1, 10000 },
        { "TasksMax", "TasksMax", 't', UNIT_SETTING_SERVICE, UNIT_SETTING_COUNT },
        { "Nice", "Nice", 'i', UNIT_SETTING_SERVICE, UNIT_SETTING_INT, NULL, -20, 19 },
        { "RuntimeMaxSec", "RuntimeMaxUSec", 't', UNIT_SETTING_SERVICE, UNIT_SETTING_USEC },
        { "TimeoutStopSec", "TimeoutStopUSec", 't', UNIT_SETTING_SERVICE, UNIT_SETTING_USEC },
        { "LogRateLimitIntervalSec", "LogRateLimitIntervalUSec", 't', UNIT_SETTING_SERVICE, UNIT_SETTING_USEC },
        { "LogRateLimitBurst", "LogRateLimitBurst", 'u', UNIT_SETTING_SERVICE, UNIT_SETTING_INT, NULL, 0, UINT32_MAX },
        { "ProtectSystem", "ProtectSystem", 's', UNIT_SETTING_SERVICE, UNIT_SETTING_ENUM, protect_system_values },
        { "ProtectHome", "ProtectHome", 's', UNIT_SETTING_SERVICE, UNIT_SETTING_ENUM, protect_home_values },
        { "PrivateTmp", "PrivateTmp", 'b', UNIT_SETTING_SERVICE, UNIT_SETTING_BOOL },
        { "PrivateNetwork", "PrivateNetwork", 'b', UNIT_SETTING_SERVICE, UNIT_SETTING_BOOL },
        { "PrivateDevices", "PrivateDevices", 'b', UNIT_SETTING_SERVICE, UNIT_SETTING_BOOL },
        { "NoNewPrivileges", "NoNewPrivileges", 'b', UNIT_SETTING_SERVICE, UNIT_SETTING_BOOL },
        { "ProtectKernelTunables", "ProtectKernelTunables", 'b', UNIT_SETTING_SERVICE, UNIT_SETTING_BOOL },
        { "ProtectControlGroups", "ProtectControlGroups", 'b', UNIT_SETTING_SERVICE, UNIT_SETTING_BOOL },
        /* how an admin gets told of a failed job: systemd starts these units (an alert
         * service, e.g. alert@%n.service) when the job unit fails */
        { "OnFailure", "OnFailure", 'a', UNIT_SETTING_SERVICE, UNIT_SETTING_UNIT_NAMES, NULL, 0, 0, "Unit" },
        { "AccuracySec", "AccuracyUSec", 't', UNIT_SETTING_TIMER, UNIT_SETTING_USEC },
        { "RandomizedDelaySec", "RandomizedDelayUSec", 't', UNIT_SETTING_TIMER, UNIT_SETTING_USEC },
        { "Persistent", "Persistent", 'b', UNIT_SETTING_TIMER, UNIT_SETTING_BOOL },
};

const UnitSettingSpec *unit_setting_spec_find(const char *name, UnitSettingScope scope) {
        for (size_t i = 0; i < ELEMENTSOF(specs); i++)
                if (specs[i].scope == scope && streq(specs[i].name, name))
                        return &specs[i];
        return NULL;
}

/* The length of a plain decimal number at @s ("12", "1.5", ".5"), 0 when there is none.
 * Only what systemd's own parsers take: strtod() alone would also take "0x1p4", "1e3",
 * "nan" and leading blanks, newlines included. */
static size_t decimal_span(const char *s) {
        size_t n = strspn(s, "0123456789"), f = 0;

        if (s[n] == '.')
                f = strspn(s + n + 1, "0123456789");
        if (n == 0 && f == 0)
                return 0;
        return s[n] == '.' ? n + 1 + f : n;
}

/* A number and its unit ("1.5K", "30 s", "90"): the whole part exactly (-ERANGE past
 * 2^64; add_scaled() applies the caller's limit), the fraction as a double, read digit
 * by digit: strtod() would read on ("1e3", "0x10"), follow the locale's decimal point,
 * and round large integers. */
static int parse_number_unit(const char **p, uint64_t *ret_whole, double *ret_frac, char *unit, size_t unit_size) {
        uint64_t whole = 0;
        double frac = 0, scale = 1;
        bool fraction = false;
        size_t len, n = 0;

        while (**p == ' ' || **p == '\t')
                (*p)++;
        len = decimal_span(*p);
        if (len == 0 || len > 64)
                return -EINVAL;
        for (size_t k = 0; k < len; k++) {
                unsigned d = (unsigned) ((*p)[k] - '0');

                if ((*p)[k] == '.')
                        fraction = true;
                else if (fraction)
                        frac += d * (scale /= 10);
                else if (whole > (UINT64_MAX - d) / 10)
                        return -ERANGE;
                else
                        whole = whole * 10 + d;
        }
        *p += len;
        while (**p == ' ' || **p == '\t')
                (*p)++;
        while (isalpha((unsigned char) **p) && n + 1 < unit_size)
                unit[n++] = *(*p)++;
        unit[n] = 0;
        if (isalpha((unsigned char) **p))
                return -EINVAL;
        /* a number without a unit ends at a blank or the end ("1.2.3" is no time) */
        if (n == 0 && **p != 0 && **p != ' ' && **p != '\t')
                return -EINVAL;
        *ret_whole = whole;
        *ret_frac = frac;
        return 0;
}

/* whole.frac times factor, added to *total: -ERANGE when that reaches limit. */
static int add_scaled(uint64_t *total, uint64_t whole, double frac, uint64_t factor, uint64_t limit) {
        uint64_t part = (uint64_t) llround(frac * (double) factor);

        if (whole > (limit - part) / factor || whole * factor + part >= limit - *total)
                return -ERANGE;
        *total += whole * factor + part;
        return 0;
}

int parse_timespan_usec(const char *s, uint64_t *ret) {
        static const struct { const char *suffix; uint64_t usec; } units[] = {
                { "us", 1 }, { "usec", 1 }, { "ms", 1000 }, { "msec", 1000 },
                { "", 1000000 }, { "s", 1000000 }, { "sec", 1000000 }, { "second", 1000000 }, { "seconds", 1000000 },
                { "m", 60000000 }, { "min", 60000000 }, { "minute", 60000000 }, { "minutes", 60000000 },
                { "h", 3600000000 }, { "hr", 3600000000 }, { "hour", 3600000000 }, { "hours", 3600000000 },
                { "d", 86400000000 }, { "day", 86400000000 }, { "days", 86400000000 },
                { "w", 604800000000 }, { "week", 604800000000 }, { "weeks", 604800000000 },
        };
        const char *p = s;
        uint64_t total = 0;
        int r;

        if (streq(s, "infinity")) {
                *ret = UINT64_MAX;
                return 0;
        }
        do {
                char unit[16];
                uint64_t whole;
                double frac;
                bool found = false;

                r = parse_number_unit(&p, &whole, &frac, unit, sizeof unit);
                if (r < 0)
                        return r == -ERANGE ? r : -EINVAL;
                for (size_t i = 0; i < ELEMENTSOF(units); i++)
                        if (streq(unit, units[i].suffix)) {
                                /* as before: spans of 10^18 us (31,700 years) and more are refused */
                                r = add_scaled(&total, whole, frac, units[i].usec, UINT64_C(1000000000000000000));
                                if (r < 0)
                                        return r;
                                found = true;
                                break;
                        }
                if (!found)
                        return -EINVAL;
                while (*p == ' ' || *p == '\t')
                        p++;
        } while (*p);
        *ret = total;
        return 0;
}

int parse_size_bytes(const char *s, uint64_t *ret) {
        static const struct { const char *suffix; uint64_t factor; } units[] = {
                { "", 1 }, { "B", 1 }, { "K", UINT64_C(1) << 10 }, { "M", UINT64_C(1) << 20 }, { "G", UINT64_C(1) << 30 },
                { "T", UINT64_C(1) << 40 },
        };
        const char *p = s;
        char unit[16];
        uint64_t whole, total = 0;
        double frac;
        int r;

        if (streq(s, "infinity")) {
                *ret = UINT64_MAX;
                return 0;
        }
        r = parse_number_unit(&p, &whole, &frac, unit, sizeof unit);
        if (r == -ERANGE)
                return r;
        if (r < 0 || *p)
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(units); i++)
                if (streq(unit, units[i].suffix)) {
                        /* UINT64_MAX means infinity */
                        r = add_scaled(&total, whole, frac, units[i].factor, UINT64_MAX);
                        if (r < 0)
                                return r;
                        *ret = total;
                        return 0;
                }
        return -EINVAL;
}

/**
 * parse_percent: a percentage as CPUQuota= takes it: "50%", "12.5%", "150%", at most two
 * decimals (systemd counts in hundredths of a percent), above 0 and up to 100000%.
 * @s: the text
 * @ret_permyriad: the value in hundredths of a percent
 *
 * Return: 0, or -EINVAL.
 */
int parse_percent(const char *s, uint64_t *ret_permyriad) {
        size_t n = strspn(s, "0123456789"), f = 0;
        uint64_t whole = 0, hundredths = 0;

        if (n == 0 || n > 6)
                return -EINVAL;
        for (size_t k = 0; k < n; k++)
                whole = whole * 10 + (uint64_t) (s[k] - '0');
        if (s[n] == '.') {
                f = strspn(s + n + 1, "0123456789");
                if (f == 0 || f > 2)
                        return -EINVAL;
                hundredths = (uint64_t) (s[n + 1] - '0') * 10 + (f == 2 ? (uint64_t) (s[n + 2] - '0') : 0);
                n += 1 + f;
        }
        if (!streq(s + n, "%"))
                return -EINVAL;
        whole = whole * 100 + hundredths;
        if (whole == 0 || whole > 100000 * 100)
                return -EINVAL;
        *ret_permyriad = whole;
        return 0;
}

static bool valid_user_name(const char *s) {
        if (isempty(s) || strlen(s) > 31)
                return false;
        for (const char *c = s; *c; c++)
                if (!isalnum((unsigned char) *c) && !strchr("_-.", *c))
                        return false;
        return s[0] != '-';
}

/* One or more unit names with a type suffix, as systemd takes them in OnFailure=:
 * [A-Za-z0-9:_.\\@-] and specifiers (%n, %i, ...), a known suffix, at most 255 each. */
static bool valid_unit_names(const char *s) {
        static const char *const suffixes[] = { ".service", ".target", ".socket", ".timer", ".path", NULL };
        size_t n = 0;

        for (;;) {
                size_t l;
                bool suffix = false;

                s += strspn(s, " ");
                if (!*s)
                        return n > 0;
                l = strcspn(s, " ");
                if (l > 255 || s[0] == '.' || s[0] == '@')
                        return false;
                for (size_t i = 0; i < l; i++)
                        if (!isalnum((unsigned char) s[i]) && !strchr(":_.\\@-%", s[i]))
                                return false;
                for (const char *const *x = suffixes; *x && !suffix; x++)
                        suffix = l > strlen(*x) && strncmp(s + l - strlen(*x), *x, strlen(*x)) == 0;
                if (!suffix)
                        return false;
                s += l;
                n++;
        }
}

/* The words of @s joined by single spaces. */
static char *normalize_words(const char *s) {
        char *out = malloc(strlen(s) + 1), *o = out;

        if (!out)
                return NULL;
        for (;;) {
                size_t l;

                s += strspn(s, " ");
                if (!*s)
                        break;
                l = strcspn(s, " ");
                if (o != out)
                        *o++ = ' ';
                memcpy(o, s, l);
                o += l;
                s += l;
        }
        *o = 0;
        return out;
}

static const char *type_expectation(const UnitSettingSpec *spec) {
        switch (spec->type) {
        case UNIT_SETTING_NAME:
                return "a user or group name";
        case UNIT_SETTING_BYTES:
                return "a size such as 512M, 2G or infinity";
        case UNIT_SETTING_PERCENT:
                return "a percentage such as 50% or 12.5% (two decimals at most)";
        case UNIT_SETTING_USEC:
                return "a time span such as 30s, 5min, 1h 30min or infinity";
        case UNIT_SETTING_BOOL:
                return "true or false";
        case UNIT_SETTING_ENUM:
                return "one of the listed values";
        case UNIT_SETTING_INT:
                return "an integer";
        case UNIT_SETTING_COUNT:
                return "a number or infinity";
        case UNIT_SETTING_UNIT_NAMES:
                return "unit names such as alert@%n.service, separated by spaces";
        default:
                return "a value";
        }
}

/* Converts one value; returns 0, or -EINVAL with *ret_why describing the problem. */
static int setting_convert(const UnitSettingSpec *spec, const YamlNode *v, UnitSetting *out, const char **ret_why) {
        YamlScalarType t;
        bool b;
        int64_t i;
        double d;
        const char *s;

        *ret_why = NULL;
        if (v->kind != YAML_NODE_SCALAR)
                return -EINVAL;
        t = yaml_scalar_resolve(v, &b, &i, &d);
        s = v->value;
        out->spec = spec;

        switch (spec->type) {
        case UNIT_SETTING_NAME:
                if (t == YAML_SCALAR_INT && i >= 0 && i < 4294967295LL) {
                        /* a numeric id, in the digits systemd reads ("0x10" is an int to YAML) */
                        if (asprintf(&out->text, "%" PRIi64, i) < 0)
                                return -ENOMEM;
                        out->string = strdup(out->text);
                        if (!out->string)
                                return -ENOMEM;
                        break;
                }
                if (t != YAML_SCALAR_STRING || !valid_user_name(s))
                        return -EINVAL;
                out->string = strdup(s);
                out->text = strdup(s);
                break;

        case UNIT_SETTING_BYTES:
                if (t == YAML_SCALAR_INT && i >= 0)
                        out->u = (uint64_t) i;
                else if (t != YAML_SCALAR_STRING || parse_size_bytes(s, &out->u) < 0)
                        return -EINVAL;
                if (out->u == UINT64_MAX)
                        out->text = strdup("infinity");
                else if (asprintf(&out->text, "%" PRIu64, out->u) < 0)
                        return -ENOMEM;
                break;

        case UNIT_SETTING_PERCENT: {
                uint64_t permyriad;

                if (t != YAML_SCALAR_STRING || parse_percent(s, &permyriad) < 0)
                        return -EINVAL;
                /* CPUQuota= is per second of CPU time: 50% = 500 ms per s. */
                out->u = permyriad * 100;
                /* written as read back: the unit file and the bus get one value */
                if (permyriad % 100 == 0 ? asprintf(&out->text, "%" PRIu64 "%%", permyriad / 100) < 0
                                         : asprintf(&out->text, "%" PRIu64 ".%02" PRIu64 "%%", permyriad / 100,
                                                    permyriad % 100) < 0)
                        return -ENOMEM;
                break;
        }

        case UNIT_SETTING_USEC:
                if (t == YAML_SCALAR_INT && i >= 0 && i < INT64_C(1000000000000))
                        out->u = (uint64_t) i * 1000000;
                else if (t == YAML_SCALAR_FLOAT && d >= 0 && d < 1e12)
                        out->u = (uint64_t) llround(d * 1e6);
                else if (t != YAML_SCALAR_STRING || parse_timespan_usec(s, &out->u) < 0)
                        return -EINVAL;
                if (out->u == UINT64_MAX)
                        out->text = strdup("infinity");
                else if (asprintf(&out->text, "%" PRIu64 "us", out->u) < 0)
                        return -ENOMEM;
                break;

        case UNIT_SETTING_BOOL:
                if (t != YAML_SCALAR_BOOL) {
                        if (t == YAML_SCALAR_STRING && (streq(s, "true") || streq(s, "false")))
                                *ret_why = "write it without quotes";
                        return -EINVAL;
                }
                out->b = b;
                out->text = strdup(b ? "yes" : "no");
                break;

        case UNIT_SETTING_ENUM: {
                bool ok = false;
                if (t == YAML_SCALAR_BOOL)
                        s = b ? "yes" : "no";
                else if (t != YAML_SCALAR_STRING)
                        return -EINVAL;
                for (const char *const *p = spec->values; *p; p++)
                        ok = ok || streq(*p, s);
                if (!ok)
                        return -EINVAL;
                out->string = strdup(s);
                out->text = strdup(s);
                break;
        }

        case UNIT_SETTING_INT:
                if (t != YAML_SCALAR_INT || i < spec->min || i > spec->max)
                        return -EINVAL;
                out->i = i;
                out->u = (uint64_t) i;
                if (asprintf(&out->text, "%" PRIi64, i) < 0)
                        return -ENOMEM;
                break;

        case UNIT_SETTING_COUNT:
                if (t == YAML_SCALAR_INT && i > 0)
                        out->u = (uint64_t) i;
                else if (t == YAML_SCALAR_STRING && streq(s, "infinity"))
                        out->u = UINT64_MAX;
                else
                        return -EINVAL;
                if (out->u == UINT64_MAX)
                        out->text = strdup("infinity");
                else if (asprintf(&out->text, "%" PRIu64, out->u) < 0)
                        return -ENOMEM;
                break;

        case UNIT_SETTING_UNIT_NAMES:
                if (t != YAML_SCALAR_STRING || !valid_unit_names(s))
                        return -EINVAL;
                out->text = normalize_words(s);
                out->string = out->text ? strdup(out->text) : NULL;
                if (out->text && !out->string)
                        return -ENOMEM;
                break;

        default:
                return -EINVAL;
        }
        if (!out->text)
                return -ENOMEM;
        return 0;
}

static void setting_done(UnitSetting *s) {
        free(s->text);
        free(s->string);
        *s = (UnitSetting) {};
}

void unit_settings_done(UnitSettings *s) {
        for (size_t i = 0; i < s->n_items; i++)
                setting_done(&s->items[i]);
        free(s->items);
        *s = (UnitSettings) {};
}

static int settings_put(UnitSettings *s, UnitSetting *v) {
        for (size_t i = 0; i < s->n_items; i++)
                if (s->items[i].spec == v->spec) {
                        setting_done(&s->items[i]);
                        s->items[i] = *v;
                        return 0;
                }
        UnitSetting *items = reallocarray(s->items, s->n_items + 1, sizeof *items);
        if (!items)
                return -ENOMEM;
        s->items = items;
        items[s->n_items++] = *v;
        return 0;
}

int unit_settings_parse(const YamlNode *map, UnitSettingScope scope, const char *where,
                        UnitSettings *ret, DiagList *diag, size_t *ret_errors) {
        size_t errors = 0;
        int r;

        if (map->kind != YAML_NODE_MAP) {
                _cleanup_free_ char *found = yaml_node_describe(map);
                r = diag_add(diag, DIAG_ERROR, map, where, "unit", NULL,
                             "expected a map of systemd settings, found %s", strna(found));
                if (ret_errors)
                        *ret_errors = 1;
                return r;
        }

        for (size_t k = 0; k < map->n_pairs; k++) {
                const YamlNode *key = map->pairs[k].key, *value = map->pairs[k].value;
                const UnitSettingSpec *spec;
                UnitSetting v = {};
                const char *why = NULL;
                char keyname[128];

                snprintf(keyname, sizeof keyname, "unit/%s", key->kind == YAML_NODE_SCALAR ? key->value : "?");
                spec = key->kind == YAML_NODE_SCALAR ? unit_setting_spec_find(key->value, scope) : NULL;
                if (!spec) {
                        const char *names[ELEMENTSOF(specs) + 1];
                        size_t n = 0;
                        for (size_t i = 0; i < ELEMENTSOF(specs); i++)
                                if (specs[i].scope == scope)
                                        names[n++] = specs[i].name;
                        names[n] = NULL;
                        const char *close = key->kind == YAML_NODE_SCALAR ? diag_closest(key->value, names) : NULL;
                        _cleanup_free_ char *hint = NULL;
                        if (close && asprintf(&hint, "did you mean '%s'?", close) < 0)
                                return -ENOMEM;
                        r = diag_add(diag, DIAG_ERROR, key, where, keyname, hint,
                                     "not a setting herald passes to a %s unit (allowed: see 'taskctl validate --help')",
                                     scope == UNIT_SETTING_TIMER ? "timer" : "job");
                        if (r < 0)
                                return r;
                        errors++;
                        continue;
                }

                r = setting_convert(spec, value, &v, &why);
                if (r == -ENOMEM) {
                        setting_done(&v);
                        return r;
                }
                if (r < 0) {
                        _cleanup_free_ char *found = yaml_node_describe(value);
                        char expected[256];
                        setting_done(&v);
                        if (spec->type == UNIT_SETTING_ENUM) {
                                size_t o = snprintf(expected, sizeof expected, "one of");
                                for (const char *const *p = spec->values; *p && o < sizeof expected; p++)
                                        o += snprintf(expected + o, sizeof expected - o, " %s", *p);
                        } else if (spec->type == UNIT_SETTING_INT)
                                snprintf(expected, sizeof expected, "an integer from %" PRIi64 " to %" PRIi64,
                                         spec->min, spec->max);
                        else
                                snprintf(expected, sizeof expected, "%s", type_expectation(spec));
                        r = diag_add(diag, DIAG_ERROR, value, where, keyname, why,
                                     "expected %s, found %s", expected, strna(found));
                        if (r < 0)
                                return r;
                        errors++;
                        continue;
                }
                r = settings_put(ret, &v);
                if (r < 0) {
                        setting_done(&v);
                        return r;
                }
        }
        if (ret_errors)
                *ret_errors = errors;
        return 0;
}

int unit_settings_merge(UnitSettings *base, const UnitSettings *over) {
        for (size_t i = 0; i < over->n_items; i++) {
                const UnitSetting *o = &over->items[i];
                UnitSetting copy = *o;
                int r;

                copy.text = strdup(o->text);
                copy.string = o->string ? strdup(o->string) : NULL;
                if (!copy.text || (o->string && !copy.string)) {
                        setting_done(&copy);
                        return -ENOMEM;
                }
                r = settings_put(base, &copy);
                if (r < 0) {
                        setting_done(&copy);
                        return r;
                }
        }
        return 0;
}

const UnitSetting *unit_settings_get(const UnitSettings *s, const char *name) {
        for (size_t i = 0; i < s->n_items; i++)
                if (streq(s->items[i].spec->name, name))
                        return &s->items[i];
        return NULL;
}
