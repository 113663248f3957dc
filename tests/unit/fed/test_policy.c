/* test_policy.c - unit tests for lib/fed/policy.c: what may leave the node
 * (TLP ceiling, AMBER+STRICT and RED never, collection default for
 * unmarked objects), type lists, and the retry backoff. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kizuna/fed.h"

typedef struct leave_case {
    const char *tlp, *dflt, *max;
    bool want;
} leave_case;

static const leave_case leave_cases[] = {
    {"clear", NULL, NULL, true},          {"green", NULL, NULL, true},
    {"amber", NULL, NULL, false},         {"amber", NULL, "amber", true},
    {"amber+strict", NULL, "red", false}, {"amber+strict", NULL, "amber+strict", false},
    {"red", NULL, "red", false},          {"red", "clear", "red", false},
    {NULL, NULL, NULL, true},             {NULL, "amber", NULL, false},
    {NULL, "amber", "amber", true},       {NULL, "red", "red", false},
    {NULL, "amber+strict", "red", false}, {"", "green", "clear", false},
    {"green", NULL, "clear", false},      {"bogus", NULL, "red", false},
    {"green", NULL, "bogus", false},      {"WHITE", NULL, "clear", true},
};

static void test_may_leave(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof leave_cases / sizeof leave_cases[0]; i++) {
        const leave_case *c = &leave_cases[i];
        bool got = kz_fed_may_leave(c->tlp, c->dflt, c->max);
        if (got != c->want)
            fail_msg("tlp %s default %s ceiling %s: got %d", c->tlp ? c->tlp : "(none)",
                     c->dflt ? c->dflt : "(none)", c->max ? c->max : "(none)", got);
    }
}

static void test_ranks(void **state)
{
    (void)state;
    assert_int_equal(kz_fed_tlp_rank(NULL), -1);
    assert_int_equal(kz_fed_tlp_rank(""), -1);
    assert_int_equal(kz_fed_tlp_rank("clear"), 0);
    assert_int_equal(kz_fed_tlp_rank("AMBER+STRICT"), 3);
    assert_int_equal(kz_fed_tlp_rank("red"), 4);
    assert_int_equal(kz_fed_tlp_rank("purple"), -2);
}

static void test_types(void **state)
{
    (void)state;
    assert_true(kz_fed_type_allowed(NULL, "indicator"));
    assert_true(kz_fed_type_allowed("", "indicator"));
    assert_true(kz_fed_type_allowed("malware,indicator", "indicator"));
    assert_true(kz_fed_type_allowed("indicator", "indicator"));
    assert_false(kz_fed_type_allowed("indicator", "indic"));
    assert_false(kz_fed_type_allowed("indic", "indicator"));
    assert_false(kz_fed_type_allowed("malware,tool", "indicator"));
    assert_false(kz_fed_type_allowed("malware,", "indicator"));
}

static void test_backoff(void **state)
{
    (void)state;
    const int64_t base = 1000000, cap = 300000000;
    assert_int_equal(kz_fed_backoff_us(0, base, cap, 0.5), 0);
    /* r = 0: half the nominal delay; r -> 1: just under the whole */
    assert_int_equal(kz_fed_backoff_us(1, base, cap, 0), base / 2);
    assert_int_equal(kz_fed_backoff_us(2, base, cap, 0), base);
    assert_int_equal(kz_fed_backoff_us(3, base, cap, 0), 2 * base);
    assert_true(kz_fed_backoff_us(3, base, cap, 0.999) < 4 * base);
    assert_true(kz_fed_backoff_us(3, base, cap, 0.999) > 3 * base);
    /* doubling stops at the cap, also for huge attempt counts */
    for (int n = 1; n < 200; n++) {
        int64_t d = kz_fed_backoff_us(n, base, cap, 1.0);
        assert_true(d <= cap);
        assert_true(d >= base / 2);
        assert_true(kz_fed_backoff_us(n + 1, base, cap, 0.3) >= kz_fed_backoff_us(n, base, cap, 0.3));
    }
    assert_int_equal(kz_fed_backoff_us(1000, base, cap, 0), cap / 2);
    /* out-of-range jitter is clamped */
    assert_int_equal(kz_fed_backoff_us(1, base, cap, -3), base / 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_may_leave),
        cmocka_unit_test(test_ranks),
        cmocka_unit_test(test_types),
        cmocka_unit_test(test_backoff),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
