/* SPDX-License-Identifier: MIT */
/* fuzz-selector.c: match_map, except_map, skip, json_equal() and print_key on arbitrary
 * JSON, as an HTTP trigger's body will reach them
 *
 * The input is one JSON text (json_parse(), as herald reads every param). When it is an
 * object, its members "t" and "s" are the trigger param and the select param.
 *
 * Invariants:
 *  - json_equal() is reflexive (also against a copy) and symmetric;
 *  - match_map and except_map with the same key and value always disagree;
 *  - match_map selects when match_value is the very value match_key leads to, and
 *    except_map then does not;
 *  - skip selects or not (never an error); on a tick firing, for an integer counter
 *    c >= 0 and a whole skip_number k > 0 it selects exactly when c % (k + 1) == 0; on
 *    an HTTP firing such a k never selects, and any other skip_number always does;
 *  - print_key_select() of the input: without a usable job_param.print_key, a copy of
 *    the whole input; with one, an object whose members are print_key strings, each
 *    holding what that path leads to.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "fuzz-util.h"
#include "json-parse.h"
#include "json-util.h"
#include "macro.h"
#include "print-key.h"
#include "selector.h"
#include "workflow.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Bigger bodies only repeat what smaller ones reach. */
#define INPUT_MAX 65536
#define PAIRS_MAX 16

static int run_selector_on(TriggerType trigger, int type, const cJSON *trigger_param, const cJSON *select_param) {
        Component sel = { .kind = COMPONENT_SELECTOR, .name = (char *) "fuzz", .type = type };

        return selector_select(&sel, trigger, trigger_param, select_param, 0);
}

static int run_selector(int type, const cJSON *trigger_param, const cJSON *select_param) {
        return run_selector_on(TRIGGER_HTTP, type, trigger_param, select_param);
}

static void check_equal(const cJSON *v) {
        _cleanup_json_ cJSON *copy = cJSON_Duplicate(v, true);
        const cJSON *a, *b;

        FUZZ_CHECK(json_equal(v, v));
        if (copy)
                FUZZ_CHECK(json_equal(v, copy) && json_equal(copy, v));

        /* pairs of members of the top level, both ways (the first few: the number of
         * pairs grows with the square of the members) */
        if (!cJSON_IsObject(v) && !cJSON_IsArray(v))
                return;
        unsigned i = 0;
        for (a = v->child; a && i < PAIRS_MAX; a = a->next, i++) {
                unsigned j = 0;
                for (b = v->child; b && j < PAIRS_MAX; b = b->next, j++)
                        FUZZ_CHECK(json_equal(a, b) == json_equal(b, a));
        }
}

/* The select param with its match_* members renamed to except_*. */
static cJSON *as_except(const cJSON *select_param) {
        cJSON *e = cJSON_Duplicate(select_param, true);
        cJSON *c;

        if (!e || !cJSON_IsObject(e))
                return e;
        /* both sets present would make the renaming ambiguous: drop the except_ ones */
        cJSON_DeleteItemFromObjectCaseSensitive(e, "except_key");
        cJSON_DeleteItemFromObjectCaseSensitive(e, "except_value");
        cJSON_ArrayForEach(c, e) {
                const char *n = NULL;

                if (streq(c->string, "match_key"))
                        n = "except_key";
                else if (streq(c->string, "match_value"))
                        n = "except_value";
                if (n) {
                        char *s = strdup(n);
                        if (!s) {
                                cJSON_Delete(e);
                                return NULL;
                        }
                        free(c->string);
                        c->string = s;
                }
        }
        return e;
}

static void check_maps(const cJSON *tp, const cJSON *sp) {
        _cleanup_json_ cJSON *ex = as_except(sp), *self = NULL, *self_ex = NULL;
        const cJSON *key, *have;
        int m, e;

        if (!ex)
                return;         /* out of memory */
        m = run_selector(SELECTOR_MATCH_MAP, tp, sp);
        e = run_selector(SELECTOR_EXCEPT_MAP, tp, ex);
        FUZZ_CHECK((m == 0 || m == 1) && (e == 0 || e == 1));
        FUZZ_CHECK(m != e);

        /* match_value set to what match_key leads to */
        key = cJSON_GetObjectItemCaseSensitive(sp, "match_key");
        if (!cJSON_IsString(key) || !(have = json_path_lookup(tp, key->valuestring)))
                return;
        self = cJSON_CreateObject();
        if (!self || !cJSON_AddStringToObject(self, "match_key", key->valuestring) ||
            !cJSON_AddItemToObject(self, "match_value", cJSON_Duplicate(have, true)) ||
            !cJSON_GetObjectItemCaseSensitive(self, "match_value"))
                return;
        self_ex = as_except(self);
        if (!self_ex)
                return;
        FUZZ_CHECK(run_selector(SELECTOR_MATCH_MAP, tp, self) == 1);
        FUZZ_CHECK(run_selector(SELECTOR_EXCEPT_MAP, tp, self_ex) == 0);
}

static void check_skip(const cJSON *tp, const cJSON *sp) {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(sp, "skip_number");
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(tp, "counter");
        int r = run_selector_on(TRIGGER_TICK, SELECTOR_SKIP, tp, sp);
        int h = run_selector(SELECTOR_SKIP, tp, sp);

        FUZZ_CHECK(r == 0 || r == 1);
        /* on an HTTP body, a skip_number that counts never selects (Herald's float counter) */
        FUZZ_CHECK(h == 0 || h == 1);
        if (cJSON_IsNumber(n) && n->valuedouble > 0 && n->valuedouble == floor(n->valuedouble))
                FUZZ_CHECK(h == 0);
        else
                FUZZ_CHECK(h == 1 && r == 1);
        /* small whole numbers, where integer arithmetic says what is right */
        if (cJSON_IsNumber(n) && cJSON_IsNumber(c) && n->valuedouble >= 1 && n->valuedouble <= 1e9 &&
            n->valuedouble == floor(n->valuedouble) && c->valuedouble >= 0 && c->valuedouble <= 1e15 &&
            c->valuedouble == floor(c->valuedouble)) {
                uint64_t k = (uint64_t) n->valuedouble, cnt = (uint64_t) c->valuedouble;
                FUZZ_CHECK(r == (cnt % (k + 1) == 0));
        }
}

static void check_print_key(const cJSON *param) {
        _cleanup_json_ cJSON *out = NULL;
        const cJSON *keys, *k, *m;
        size_t n_strings = 0;

        if (print_key_select(param, &out) < 0)
                return;         /* out of memory */
        FUZZ_CHECK(out);
        keys = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(param, "job_param"), "print_key");
        if (cJSON_IsString(keys))
                n_strings = 1;
        else if (cJSON_IsArray(keys))
                cJSON_ArrayForEach(k, keys)
                        n_strings += cJSON_IsString(k);
        if (n_strings == 0) {
                FUZZ_CHECK(fuzz_json_same(out, param));
                return;
        }

        FUZZ_CHECK(cJSON_IsObject(out));
        FUZZ_CHECK((size_t) cJSON_GetArraySize(out) <= n_strings);
        cJSON_ArrayForEach(m, out) {
                bool listed = false;

                if (cJSON_IsString(keys))
                        listed = streq(m->string, keys->valuestring);
                else
                        cJSON_ArrayForEach(k, keys)
                                listed = listed || (cJSON_IsString(k) && streq(m->string, k->valuestring));
                FUZZ_CHECK(listed);
                FUZZ_CHECK(fuzz_json_same(m, json_path_lookup(param, m->string)));
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_json_ cJSON *v = NULL;
        const cJSON *tp, *sp;

        if (size > INPUT_MAX || json_parse((const char *) data, size, &v) < 0)
                return 0;

        check_equal(v);
        check_print_key(v);
        if (!cJSON_IsObject(v))
                return 0;
        tp = cJSON_GetObjectItemCaseSensitive(v, "t");
        sp = cJSON_GetObjectItemCaseSensitive(v, "s");
        if (!tp || !sp)
                return 0;
        check_equal(tp);
        check_maps(tp, sp);
        check_skip(tp, sp);
        return 0;
}
