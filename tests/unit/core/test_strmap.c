/* test_strmap.c - the compact string map: put/get, duplicates, growth to
 * many keys, binary and empty keys, size limits, memory per key, and
 * out-of-memory leaving the map usable. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kizuna/alloc.h"
#include "kizuna/strmap.h"

static void test_basic(void **state)
{
    (void)state;
    kz_strmap *m = kz_strmap_new(0);
    assert_non_null(m);
    uint32_t v = 0;
    assert_false(kz_strmap_get(m, "evil.com", 8, &v));
    assert_int_equal(kz_strmap_put(m, "evil.com", 8, 1, NULL), KZ_OK);
    assert_int_equal(kz_strmap_put(m, "", 0, 2, NULL), KZ_OK);
    assert_int_equal(kz_strmap_put(m, "a\0b", 3, 3, NULL), KZ_OK);
    assert_int_equal(kz_strmap_put(m, "evil.com", 8, 4, &v), KZ_EEXIST);
    assert_int_equal(v, 1);
    assert_true(kz_strmap_get(m, "evil.com", 8, &v));
    assert_int_equal(v, 1);
    assert_true(kz_strmap_get(m, "", 0, &v));
    assert_int_equal(v, 2);
    assert_true(kz_strmap_get(m, "a\0b", 3, &v));
    assert_int_equal(v, 3);
    assert_false(kz_strmap_get(m, "a\0c", 3, NULL));
    assert_false(kz_strmap_get(m, "evil.co", 7, NULL));
    assert_false(kz_strmap_get(m, "notevil.com", 11, NULL));
    assert_int_equal(kz_strmap_count(m), 3);
    static char big[KZ_STRMAP_KEY_MAX + 1];
    assert_int_equal(kz_strmap_put(m, big, sizeof big, 5, NULL), KZ_ETOOBIG);
    assert_int_equal(kz_strmap_put(m, big, sizeof big - 1, 5, NULL), KZ_OK);
    kz_strmap_free(m);
}

static int count_cb(void *ctx, const char *key, size_t len, uint32_t value)
{
    (void)key;
    (void)len;
    (void)value;
    (*(size_t *)ctx)++;
    return 0;
}

static void test_many(void **state)
{
    (void)state;
    kz_strmap *m = kz_strmap_new(0);
    char k[64];
    const uint32_t n = 200000;
    for (uint32_t i = 0; i < n; i++) {
        int len = snprintf(k, sizeof k, "host%u.example.org", i);
        assert_int_equal(kz_strmap_put(m, k, (size_t)len, i, NULL), KZ_OK);
    }
    kz_strmap_trim(m);
    for (uint32_t i = 0; i < n; i++) {
        int len = snprintf(k, sizeof k, "host%u.example.org", i);
        uint32_t v;
        assert_true(kz_strmap_get(m, k, (size_t)len, &v));
        assert_int_equal(v, i);
        len = snprintf(k, sizeof k, "host%u.example.net", i);
        assert_false(kz_strmap_get(m, k, (size_t)len, NULL));
    }
    size_t seen = 0;
    kz_strmap_each(m, count_cb, &seen);
    assert_int_equal(seen, n);
    /* keys average 20 bytes: slots (12 B at <= 3/4 load, power of two)
     * plus the pool stay under 70 bytes a key */
    assert_true(kz_strmap_bytes(m) < (size_t)n * 70);
    kz_strmap_free(m);
}

static void test_oom(void **state)
{
    (void)state;
    /* Fail each allocation in turn while filling: every put either
     * succeeds or fails with KZ_ENOMEM, and all keys put stay findable. */
    for (int failat = 1; failat < 40; failat++) {
        kz_alloc_fail_after(0, 0);
        kz_strmap *m = kz_strmap_new(0);
        assert_non_null(m);
        kz_alloc_fail_after(failat, 0);
        char k[32];
        uint32_t ok[400];
        size_t nok = 0;
        for (uint32_t i = 0; i < 400; i++) {
            int len = snprintf(k, sizeof k, "k%u", i);
            kz_err rc = kz_strmap_put(m, k, (size_t)len, i, NULL);
            assert_true(rc == KZ_OK || rc == KZ_ENOMEM);
            if (rc == KZ_OK)
                ok[nok++] = i;
        }
        kz_alloc_fail_after(0, 0);
        for (size_t j = 0; j < nok; j++) {
            int len = snprintf(k, sizeof k, "k%u", ok[j]);
            uint32_t v;
            assert_true(kz_strmap_get(m, k, (size_t)len, &v));
            assert_int_equal(v, ok[j]);
        }
        kz_strmap_free(m);
    }
}

static void test_hash(void **state)
{
    (void)state;
    /* every length path, and that the seed and each byte matter */
    char a[40], b[40];
    for (size_t n = 0; n < sizeof a; n++) {
        memset(a, 'x', sizeof a);
        memcpy(b, a, sizeof b);
        if (n) {
            b[n - 1] = 'y';
            assert_true(kz_hash64(a, n, 0) != kz_hash64(b, n, 0));
        }
        assert_true(kz_hash64(a, n, 0) == kz_hash64(a, n, 0));
        assert_true(kz_hash64(a, n, 0) != kz_hash64(a, n, 1));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic),
        cmocka_unit_test(test_many),
        cmocka_unit_test(test_oom),
        cmocka_unit_test(test_hash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
