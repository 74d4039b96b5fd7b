/* SPDX-License-Identifier: MIT */
/* fuzz-unit-settings.c: the 'unit:' extension key (unit-settings.c) on arbitrary YAML
 *
 * The two emitters take one setting two ways: herald-generator writes its text into a
 * unit file, `taskctl apply` sends its bus value. Whatever the input, for every setting
 * taken, in both scopes (job units, timers):
 *  - the text is one line of printable characters (it ends up as "Name=text" in a file);
 *  - the text reads back, through the same parsers, as the bus value;
 *  - a setting refused is counted as an error, and the count is never more than the
 *    map's keys.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "fuzz-util.h"
#include "macro.h"
#include "unit-settings.h"
#include "yaml-tree.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool one_printable_line(const char *s) {
        for (const unsigned char *c = (const unsigned char *) s; *c; c++)
                if (*c < 0x20 || *c == 0x7f)
                        return false;
        return true;
}

static void check_setting(const UnitSetting *v) {
        uint64_t u = 0;
        char *end;

        FUZZ_CHECK(v->spec && v->text);
        FUZZ_CHECK(one_printable_line(v->text));

        switch (v->spec->type) {
        case UNIT_SETTING_NAME:
                FUZZ_CHECK(v->string && streq(v->string, v->text));
                FUZZ_CHECK(v->text[0] != 0 && v->text[0] != '-');
                break;
        case UNIT_SETTING_BYTES:
                FUZZ_CHECK(parse_size_bytes(v->text, &u) == 0 && u == v->u);
                break;
        case UNIT_SETTING_PERCENT:
                FUZZ_CHECK(parse_percent(v->text, &u) == 0 && u * 100 == v->u);
                break;
        case UNIT_SETTING_USEC:
                FUZZ_CHECK(parse_timespan_usec(v->text, &u) == 0 && u == v->u);
                break;
        case UNIT_SETTING_BOOL:
                FUZZ_CHECK(streq(v->text, v->b ? "yes" : "no"));
                break;
        case UNIT_SETTING_ENUM: {
                bool listed = false;

                for (const char *const *p = v->spec->values; *p; p++)
                        listed = listed || streq(*p, v->text);
                FUZZ_CHECK(listed && v->string && streq(v->string, v->text));
                break;
        }
        case UNIT_SETTING_INT:
                errno = 0;
                FUZZ_CHECK(strtoll(v->text, &end, 10) == v->i && errno == 0 && *end == 0);
                FUZZ_CHECK(v->i >= v->spec->min && v->i <= v->spec->max);
                break;
        case UNIT_SETTING_COUNT:
                if (v->u == UINT64_MAX)
                        FUZZ_CHECK(streq(v->text, "infinity"));
                else {
                        errno = 0;
                        FUZZ_CHECK(strtoull(v->text, &end, 10) == v->u && errno == 0 && *end == 0 && v->u > 0);
                }
                break;
        default:
                FUZZ_CHECK(false);
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(yaml_node_freep) YamlNode *map = NULL;
        YamlLimits limits = { .max_bytes = 65536, .max_depth = 16, .max_nodes = 10000 };
        YamlError e = {};

        if (yaml_parse((const char *) data, size, &limits, NULL, NULL, &map, &e) < 0 || !map)
                return 0;

        for (UnitSettingScope scope = UNIT_SETTING_SERVICE; scope <= UNIT_SETTING_TIMER; scope++) {
                UnitSettings s = {};
                DiagList diag = {};
                size_t errors = 0;
                int r;

                if (diag_list_init(&diag, "fuzz.yml") < 0)
                        return 0;
                r = unit_settings_parse(map, scope, "fuzz", &s, &diag, &errors);
                FUZZ_CHECK(r == 0 || r == -ENOMEM);
                if (r == 0) {
                        if (map->kind == YAML_NODE_MAP)
                                FUZZ_CHECK(errors <= map->n_pairs && s.n_items + errors <= map->n_pairs);
                        else
                                FUZZ_CHECK(errors == 1 && s.n_items == 0);
                        for (size_t i = 0; i < s.n_items; i++) {
                                FUZZ_CHECK(s.items[i].spec->scope == scope);
                                check_setting(&s.items[i]);
                        }
                }
                unit_settings_done(&s);
                diag_list_done(&diag);
        }
        return 0;
}
