/* test_version_scope.c - version selection (first, last, the default
 * latest spec_version) counts only the versions held in the queried
 * collection: a later version that sits in another collection, or the
 * same version shared by two collections, changes nothing. The query
 * tests this as "no other version of the object in this collection beats
 * this row" (lib/store/sqlite/query.c), so the collection scope is what
 * could go wrong. */
#include "unit/store/store_fixture.h"

static const char *run(fixture *fx, kz_store_filter *f, fx_rec *r)
{
    memset(r, 0, sizeof *r);
    kz_err rc = kz_store_query(fx->s, f, fx_collect, r, NULL);
    if (rc)
        fail_msg("query: %s: %s", kz_errname(rc), kz_store_errmsg(fx->s));
    return r->buf;
}

/* "c": 1 at days 1 and 2, 2 at day 1. "d": 1 at day 3 only (a later
 * version that "c" does not hold), 2 at day 1 (shared with "c") and at
 * day 4 in spec 2.0 (an older spec that does not hide day 1 in "c"). */
static void load(fixture *fx)
{
    fx_coll(fx, "c");
    fx_coll(fx, "d");
    fx_put1(fx, "c", fx_obj(fx, "indicator", 1, fx_day(1), "a"), KZ_STORE_ADDED);
    fx_put1(fx, "c", fx_obj(fx, "indicator", 2, fx_day(1), "b"), KZ_STORE_ADDED);
    fx_put1(fx, "c", fx_obj(fx, "indicator", 1, fx_day(2), "a2"), KZ_STORE_ADDED);
    fx_put1(fx, "d", fx_obj(fx, "indicator", 1, fx_day(3), "a3"), KZ_STORE_ADDED);
    fx_put1(fx, "d", fx_obj(fx, "indicator", 2, fx_day(1), "b"), KZ_STORE_ADDED);
    kz_store_object o = fx_obj(fx, "indicator", 2, fx_day(4), "b4");
    o.spec_version = "2.0";
    fx_put1(fx, "d", o, KZ_STORE_ADDED);
}

static void test_last_first_per_collection(void **state)
{
    fixture *fx = *state;
    load(fx);
    fx_rec r;
    kz_store_filter f = {.collection = "c"};
    /* 1's day 3 is in "d" only: "c"'s last is day 2 */
    assert_string_equal(run(fx, &f, &r), "2@1;1@2;");
    f.versions = KZ_STORE_V_FIRST;
    assert_string_equal(run(fx, &f, &r), "1@1;2@1;");
    f.versions = KZ_STORE_V_ALL;
    assert_string_equal(run(fx, &f, &r), "1@1;2@1;1@2;");
    /* "d": 1 has one version there; 2's 2.0 version at day 4 loses to its
     * 2.1 version at day 1 under the default spec_version rule */
    kz_store_filter g = {.collection = "d"};
    assert_string_equal(run(fx, &g, &r), "1@3;2@1;");
    g.versions = KZ_STORE_V_ALL;
    assert_string_equal(run(fx, &g, &r), "1@3;2@1;");
    /* without the rule, day 4 is 2's last version in "d" only */
    g.all_spec_versions = true;
    g.versions = KZ_STORE_V_LAST;
    assert_string_equal(run(fx, &g, &r), "1@3;2@4;");
    g.versions = KZ_STORE_V_FIRST;
    assert_string_equal(run(fx, &g, &r), "1@3;2@1;");
    f.all_spec_versions = true;
    f.versions = KZ_STORE_V_LAST;
    assert_string_equal(run(fx, &f, &r), "2@1;1@2;");
}

/* Deleting "c"'s last version of 1 leaves its first as the last, and
 * does not touch "d". */
static void test_delete_last_per_collection(void **state)
{
    fixture *fx = *state;
    load(fx);
    char id1[96];
    fx_id(id1, sizeof id1, "indicator", 1);
    kz_store_filter df = {.versions = KZ_STORE_V_LAST};
    size_t nd = 0;
    assert_int_equal(kz_store_delete_object(fx->s, "c", id1, &df, &nd), KZ_OK);
    assert_int_equal(nd, 1);
    fx_rec r;
    kz_store_filter f = {.collection = "c", .versions = KZ_STORE_V_ALL};
    assert_string_equal(run(fx, &f, &r), "1@1;2@1;");
    kz_store_filter g = {.collection = "d", .versions = KZ_STORE_V_ALL,
                         .all_spec_versions = true};
    assert_string_equal(run(fx, &g, &r), "1@3;2@1;2@4;");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_last_first_per_collection, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_delete_last_per_collection, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
