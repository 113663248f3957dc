/* test_envelope.c - unit tests for lib/fed/envelope.c: the client's parsing
 * of TAXII 2.1 envelopes and status resources, good and hostile. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kizuna/arena.h"
#include "kizuna/fed.h"

typedef struct env_case {
    const char *name;
    const char *json;
    kz_err want;
    bool more;
    const char *next;
    size_t n_objects;
    const char *why; /* substring of the reason, for errors */
} env_case;

static const env_case env_cases[] = {
    {"empty object: an empty page", "{}", KZ_OK, false, NULL, 0, NULL},
    {"more false", "{\"more\": false}", KZ_OK, false, NULL, 0, NULL},
    {"page with next", "{\"more\":true,\"next\":\"abc\",\"objects\":[{\"id\":\"x\"},{}]}", KZ_OK,
     true, "abc", 2, NULL},
    {"objects without more", "{\"objects\":[{}]}", KZ_OK, false, NULL, 1, NULL},
    {"not JSON", "{\"more\":", KZ_EPARSE, false, NULL, 0, "not JSON"},
    {"array", "[1,2]", KZ_EINVALID, false, NULL, 0, "not an object"},
    {"more a string", "{\"more\":\"yes\"}", KZ_EINVALID, false, NULL, 0, "$.more"},
    {"objects an object", "{\"objects\":{}}", KZ_EINVALID, false, NULL, 0, "$.objects"},
    {"next a number", "{\"next\":3}", KZ_EINVALID, false, NULL, 0, "$.next"},
    {"next empty", "{\"next\":\"\"}", KZ_EINVALID, false, NULL, 0, "$.next"},
    {"more on an empty page", "{\"more\":true}", KZ_EINVALID, false, NULL, 0, "empty page"},
    {"more on an empty objects array", "{\"more\":true,\"objects\":[]}", KZ_EINVALID, false,
     NULL, 0, "without next"},
    /* a page the server's TLP filter emptied: follow next (fuzz-found) */
    {"more, next, no objects left", "{\"more\":true,\"next\":\"\\ud83d\\ude00\",\"objects\":[]}",
     KZ_OK, true, "\xf0\x9f\x98\x80", 0, NULL},
    {"duplicate member", "{\"more\":true,\"more\":false}", KZ_EPARSE, false, NULL, 0, NULL},
};

static void test_envelopes(void **state)
{
    (void)state;
    kz_arena *a = kz_arena_new(0);
    assert_non_null(a);
    for (size_t i = 0; i < sizeof env_cases / sizeof env_cases[0]; i++) {
        const env_case *c = &env_cases[i];
        kz_fed_envelope e;
        char why[256] = "";
        kz_arena_reset(a);
        kz_err rc = kz_fed_parse_envelope(a, c->json, strlen(c->json), &e, why, sizeof why);
        if (rc != c->want)
            fail_msg("%s: got %s, want %s (%s)", c->name, kz_errname(rc), kz_errname(c->want), why);
        if (rc == KZ_OK) {
            assert_int_equal(e.more, c->more);
            if (c->next)
                assert_string_equal(e.next, c->next);
            else
                assert_null(e.next);
            assert_int_equal(e.objects ? e.objects->u.arr.n : 0, c->n_objects);
        } else if (c->why && !strstr(why, c->why)) {
            fail_msg("%s: reason '%s' lacks '%s'", c->name, why, c->why);
        }
    }
    kz_arena_free(a);
}

static void test_status(void **state)
{
    (void)state;
    kz_arena *a = kz_arena_new(0);
    kz_fed_status s;
    char why[256];
    const char *ok = "{\"id\":\"s1\",\"status\":\"complete\",\"total_count\":3,"
                     "\"success_count\":2,\"failure_count\":1,\"pending_count\":0,"
                     "\"failures\":[{\"id\":\"x\",\"version\":\"v\"}]}";
    assert_int_equal(kz_fed_parse_status(a, ok, strlen(ok), &s, why, sizeof why), KZ_OK);
    assert_string_equal(s.status, "complete");
    assert_int_equal(s.total, 3);
    assert_int_equal(s.success, 2);
    assert_int_equal(s.failure, 1);
    const char *bad[] = {"{\"id\":\"s1\",\"status\":\"done\"}", "{\"status\":\"complete\"}",
                         "{\"id\":\"s\",\"status\":\"pending\",\"total_count\":-1}",
                         "{\"id\":\"s\",\"status\":\"pending\",\"total_count\":1.5}", "[]", "nul"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        kz_arena_reset(a);
        kz_err rc = kz_fed_parse_status(a, bad[i], strlen(bad[i]), &s, why, sizeof why);
        if (rc == KZ_OK)
            fail_msg("accepted bad status %s", bad[i]);
    }
    kz_arena_free(a);
}

static void test_size_cap(void **state)
{
    (void)state;
    kz_arena *a = kz_arena_new(0);
    kz_fed_envelope e;
    char why[128];
    /* the cap is checked before any parsing: a length past it is refused */
    assert_int_equal(kz_fed_parse_envelope(a, "{}", (size_t)KZ_FED_MAX_RESPONSE + 1, &e, why,
                                           sizeof why),
                     KZ_ETOOBIG);
    kz_arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_envelopes),
        cmocka_unit_test(test_status),
        cmocka_unit_test(test_size_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
