/* test_cursor.c - unit tests for lib/store/cursor.c: the opaque paging
 * cursor round-trips, has one spelling, refuses garbage, and the filter
 * hash tells different queries apart. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "store/store_int.h"

static void test_roundtrip(void **state)
{
    (void)state;
    const kz_store_cursor cases[] = {
        {0, 0, 0},
        {1732622400123456, 42, 0xdeadbeefcafef00dULL},
        {INT64_MAX, INT64_MAX, UINT64_MAX},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[KZ_STORE_CURSOR_MAX];
        kz_store_cursor_encode(&cases[i], text);
        assert_int_equal(strlen(text), 34);
        assert_null(strpbrk(text, "+/="));
        kz_store_cursor back;
        assert_int_equal(kz_store_cursor_decode(text, strlen(text), &back), KZ_OK);
        assert_int_equal(back.added_us, cases[i].added_us);
        assert_int_equal(back.rowid, cases[i].rowid);
        assert_true(back.filter_hash == cases[i].filter_hash);
    }
}

static void test_garbage(void **state)
{
    (void)state;
    kz_store_cursor c = {1732622400123456, 42, 7}, out;
    char text[KZ_STORE_CURSOR_MAX];
    kz_store_cursor_encode(&c, text);
    /* wrong length, bad alphabet, non-canonical last character, version */
    assert_int_equal(kz_store_cursor_decode(text, 33, &out), KZ_EINVAL);
    assert_int_equal(kz_store_cursor_decode("", 0, &out), KZ_EINVAL);
    assert_int_equal(kz_store_cursor_decode(NULL, 0, &out), KZ_EINVAL);
    char t2[KZ_STORE_CURSOR_MAX];
    memcpy(t2, text, sizeof t2);
    t2[5] = '+';
    assert_int_equal(kz_store_cursor_decode(t2, 34, &out), KZ_EINVAL);
    memcpy(t2, text, sizeof t2);
    t2[33] = t2[33] == 'A' ? 'B' : 'A'; /* spare bits set (or changed) */
    kz_err rc = kz_store_cursor_decode(t2, 34, &out);
    assert_true(rc == KZ_EINVAL || out.filter_hash != c.filter_hash);
    memcpy(t2, text, sizeof t2);
    t2[0] = 'B'; /* version byte 0x04.. */
    assert_int_equal(kz_store_cursor_decode(t2, 34, &out), KZ_EINVAL);
    /* negative added_us */
    kz_store_cursor neg = {-1, 0, 0};
    kz_store_cursor_encode(&neg, t2);
    assert_int_equal(kz_store_cursor_decode(t2, 34, &out), KZ_EINVAL);
}

static void test_filter_hash(void **state)
{
    (void)state;
    const char *ab[2] = {"a", "b"}, *abj[1] = {"ab"};
    kz_store_filter f1 = {.types = ab, .n_types = 2};
    kz_store_filter f2 = {.types = abj, .n_types = 1};
    kz_store_filter f3 = {.ids = ab, .n_ids = 2};
    kz_store_filter f4 = {.types = ab, .n_types = 2, .limit = 10, .next = "x"};
    const char *c = "11111111-2222-4333-8444-555555555555";
    assert_true(kz_store_filter_hash(&f1, c) != kz_store_filter_hash(&f2, c));
    assert_true(kz_store_filter_hash(&f1, c) != kz_store_filter_hash(&f3, c));
    /* limit and next do not select records */
    assert_true(kz_store_filter_hash(&f1, c) == kz_store_filter_hash(&f4, c));
    assert_true(kz_store_filter_hash(&f1, c) !=
                kz_store_filter_hash(&f1, "11111111-2222-4333-8444-555555555556"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_garbage),
        cmocka_unit_test(test_filter_hash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
