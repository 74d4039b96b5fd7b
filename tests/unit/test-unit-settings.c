/* SPDX-License-Identifier: MIT */
/* test-unit-settings.c: the 'unit:' extension key: the value parsers, and that the text
 * the generator writes into a unit file says what the bus value of `taskctl apply` says */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "diag.h"
#include "macro.h"
#include "unit-settings.h"
#include "yaml-tree.h"

#define SEC 1000000ULL

typedef int (*ValueParser)(const char *s, uint64_t *ret);

/* What @parse makes of @s, which it must take. */
static uint64_t parsed(ValueParser parse, const char *s) {
        uint64_t u = 0;

        if (parse(s, &u) < 0)
                fail_msg("'%s' was refused", s);
        return u;
}

/* @parse refuses every text of the NULL-terminated @texts. */
static void refuses_all(ValueParser parse, const char *const *texts) {
        uint64_t u;

        for (; *texts; texts++)
                if (parse(*texts, &u) >= 0)
                        fail_msg("'%s' was taken", *texts);
}

#define span(s) parsed(parse_timespan_usec, s)
#define size(s) parsed(parse_size_bytes, s)
#define percent(s) parsed(parse_percent, s)

static void test_timespan(void **state) {
        uint64_t u;

        assert_int_equal(span("30s"), 30 * SEC);
        assert_int_equal(span("90"), 90 * SEC);        /* a plain number is seconds */
        assert_int_equal(span("5min"), 300 * SEC);
        assert_int_equal(span("1h 30min"), 5400 * SEC);
        assert_int_equal(span("1h30min"), 5400 * SEC);
        assert_int_equal(span("1.5s"), 1500000);
        assert_int_equal(span("500ms"), 500000);
        assert_int_equal(span("2 weeks"), 14 * 86400 * SEC);
        assert_int_equal(span("infinity"), UINT64_MAX);
        /* large integers stay exact (a double sum rounded them: found by fuzz-unit-settings) */
        assert_int_equal(span("333333333333333337us"), UINT64_C(333333333333333337));
        assert_int_equal(span("1w 333333333333333337us"), UINT64_C(333333333333333337) + 7 * 86400 * SEC);

        /* only what systemd takes: no sign, exponent, hex, NaN or line break */
        refuses_all(parse_timespan_usec,
                    (const char *const[]) { "", " ", "s", "-1s", "+1s", "1e3s", "1e3", "0x10s", "nan", "inf",
                                            "\n5s", "5s\n", "5 parsecs", "1.2.3s", ".s", NULL });
        assert_int_equal(parse_timespan_usec("100000000000000s", &u), -ERANGE);
}

static void test_size(void **state) {
        uint64_t u;

        assert_int_equal(size("512M"), 512ULL << 20);
        assert_int_equal(size("2G"), 2ULL << 30);
        assert_int_equal(size("1.5K"), 1536);
        assert_int_equal(size("100"), 100);
        assert_int_equal(size("100B"), 100);
        assert_int_equal(size("infinity"), UINT64_MAX);
        assert_int_equal(size("999999999999999999"), UINT64_C(999999999999999999));   /* exact */
        assert_int_equal(size("16777215T"), UINT64_C(16777215) << 40);
        assert_int_equal(parse_size_bytes("16777216T", &u), -ERANGE);  /* 2^64: past the last value below infinity */
        /* every byte count below infinity (2^64 - 1), as a YAML integer can give it */
        assert_int_equal(size("10000000000000000000"), UINT64_C(10000000000000000000));
        assert_int_equal(size("18446744073709551614"), UINT64_MAX - 1);
        assert_int_equal(parse_size_bytes("18446744073709551615", &u), -ERANGE);
        assert_int_equal(parse_size_bytes("18446744073709551616", &u), -ERANGE);
        assert_int_equal(parse_size_bytes("99999999999999999999999", &u), -ERANGE);
        refuses_all(parse_size_bytes,
                    (const char *const[]) { "", "M", "-1", "1e3", "0x10", "nan", "5X", "5MB", "\n5M", "5M\n", NULL });
        assert_int_equal(parse_size_bytes("17000000T", &u), -ERANGE);
}

static void test_percent(void **state) {
        assert_int_equal(percent("50%"), 5000);
        assert_int_equal(percent("12.5%"), 1250);
        assert_int_equal(percent("12.34%"), 1234);
        assert_int_equal(percent("0.01%"), 1);
        assert_int_equal(percent("150%"), 15000);      /* more than one CPU */
        assert_int_equal(percent("100000%"), 10000000);
        /* strtod() took all of these; systemd takes none ("nan%" became a quota of
         * llround(NaN), a blank or a line break went into the unit file as written) */
        refuses_all(parse_percent,
                    (const char *const[]) { "", "%", "50", "0%", "0.00%", "12.345%", "nan%", "inf%", " 50%",
                                            "\n50%", "50 %", "50%\n", "1e1%", "0x10%", "-5%", "+5%", ".5%", "5.%",
                                            "100001%", "50%%", NULL });
}

/* unit_settings_parse() of the YAML map TEXT: the number of errors */
static size_t parse(const char *text, UnitSettingScope scope, UnitSettings *ret) {
        _cleanup_(yaml_node_freep) YamlNode *map = NULL;
        YamlLimits limits = YAML_LIMITS_DEFAULT;
        YamlError e = {};
        DiagList diag = {};
        size_t errors = 0;

        assert_int_equal(yaml_parse(text, strlen(text), &limits, NULL, NULL, &map, &e), 0);
        assert_int_equal(diag_list_init(&diag, "test.yml"), 0);
        assert_int_equal(unit_settings_parse(map, scope, "test", ret, &diag, &errors), 0);
        diag_list_done(&diag);
        return errors;
}

static void test_emitters_agree(void **state) {
        UnitSettings s = {};
        const UnitSetting *v;
        uint64_t u;

        assert_int_equal(parse("{CPUQuota: '12.5%', User: 1000, RuntimeMaxSec: 1h 30min, MemoryMax: 2G, "
                               "Nice: 5, TasksMax: infinity}",
                               UNIT_SETTING_SERVICE, &s), 0);

        /* the unit file's text reads back as the bus value */
        v = unit_settings_get(&s, "CPUQuota");
        assert_non_null(v);
        assert_string_equal(v->text, "12.50%");
        assert_int_equal(v->u, 125000);                 /* usec of CPU per second */
        assert_int_equal(parse_percent(v->text, &u), 0);
        assert_int_equal(u * 100, v->u);

        v = unit_settings_get(&s, "RuntimeMaxSec");
        assert_non_null(v);
        assert_int_equal(v->u, 5400 * SEC);
        assert_int_equal(parse_timespan_usec(v->text, &u), 0);
        assert_int_equal(u, v->u);

        v = unit_settings_get(&s, "MemoryMax");
        assert_non_null(v);
        assert_int_equal(parse_size_bytes(v->text, &u), 0);
        assert_int_equal(u, v->u);
        assert_int_equal(u, 2ULL << 30);

        v = unit_settings_get(&s, "User");
        assert_non_null(v);
        assert_string_equal(v->text, "1000");
        unit_settings_done(&s);

        /* a YAML integer past 10^18 bytes: its text read back as "range" (fuzz-unit-settings) */
        assert_int_equal(parse("{MemoryMax: 8888888888888886666, MemoryHigh: 9223372036854775807}",
                               UNIT_SETTING_SERVICE, &s), 0);
        v = unit_settings_get(&s, "MemoryMax");
        assert_non_null(v);
        assert_string_equal(v->text, "8888888888888886666");
        assert_int_equal(parse_size_bytes(v->text, &u), 0);
        assert_true(u == v->u);
        v = unit_settings_get(&s, "MemoryHigh");
        assert_non_null(v);
        assert_int_equal(parse_size_bytes(v->text, &u), 0);
        assert_true(u == (uint64_t) INT64_MAX && v->u == u);
        unit_settings_done(&s);

        assert_int_equal(parse("{CPUQuota: '12.5%', User: 1000, RuntimeMaxSec: 1h 30min, MemoryMax: 2G, "
                               "Nice: 5, TasksMax: infinity}",
                               UNIT_SETTING_SERVICE, &s), 0);
        v = unit_settings_get(&s, "User");
        assert_non_null(v);
        assert_string_equal(v->string, "1000");

        v = unit_settings_get(&s, "TasksMax");
        assert_non_null(v);
        assert_string_equal(v->text, "infinity");
        assert_true(v->u == UINT64_MAX);
        unit_settings_done(&s);

        /* bad values are errors, each; the good ones stay */
        assert_int_equal(parse("{CPUQuota: 'nan%', MemoryMax: 1e3, RuntimeMaxSec: '0x10s', Nice: 5, Nope: 1}",
                               UNIT_SETTING_SERVICE, &s), 4);
        assert_int_equal(s.n_items, 1);
        assert_non_null(unit_settings_get(&s, "Nice"));
        unit_settings_done(&s);

        /* OnFailure: unit names with a type, specifiers kept; anything else refused */
        assert_int_equal(parse("{OnFailure: '  alert@%n.service   ops.target '}", UNIT_SETTING_SERVICE, &s), 0);
        v = unit_settings_get(&s, "OnFailure");
        assert_non_null(v);
        assert_string_equal(v->text, "alert@%n.service ops.target");
        assert_int_equal(v->spec->bus_type, 'a');
        assert_string_equal(v->spec->section, "Unit");
        unit_settings_done(&s);
        assert_int_equal(parse("{OnFailure: 'rm -rf'}", UNIT_SETTING_SERVICE, &s), 1);
        unit_settings_done(&s);
        assert_int_equal(parse("{OnFailure: ''}", UNIT_SETTING_SERVICE, &s), 1);
        unit_settings_done(&s);
        assert_int_equal(parse("{OnFailure: 'a.service;reboot'}", UNIT_SETTING_SERVICE, &s), 1);
        unit_settings_done(&s);
        assert_int_equal(parse("{OnFailure: '@.service'}", UNIT_SETTING_SERVICE, &s), 1);
        unit_settings_done(&s);
        assert_int_equal(parse("{OnFailure: [a.service]}", UNIT_SETTING_SERVICE, &s), 1);
        unit_settings_done(&s);
        assert_int_equal(parse("{OnFailure: x.service}", UNIT_SETTING_TIMER, &s), 1);       /* job units only */
        unit_settings_done(&s);

        /* timers take their own few */
        assert_int_equal(parse("{AccuracySec: 1min, Persistent: false}", UNIT_SETTING_TIMER, &s), 0);
        assert_int_equal(s.n_items, 2);
        unit_settings_done(&s);
        assert_int_equal(parse("{CPUQuota: '50%'}", UNIT_SETTING_TIMER, &s), 1);
        unit_settings_done(&s);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_timespan),
                cmocka_unit_test(test_size),
                cmocka_unit_test(test_percent),
                cmocka_unit_test(test_emitters_agree),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
