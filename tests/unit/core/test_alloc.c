/* test_alloc.c - unit tests for lib/core/alloc.c: the wrappers and the
 * fail-the-Nth-allocation hook that the out-of-memory sweeps rely on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kizuna/alloc.h"

static int reset_hook(void **state)
{
    (void)state;
    kz_alloc_fail_after(0, 0);
    return 0;
}

static void test_wrappers(void **state)
{
    (void)state;
    char *p = kz_malloc(0);
    assert_non_null(p); /* zero bytes is still an allocation, never NULL */
    p = kz_realloc(p, 100);
    assert_non_null(p);
    memset(p, 'x', 100);
    kz_free(p);
    kz_free(NULL);

    unsigned char *z = kz_calloc(16, 4);
    assert_non_null(z);
    for (size_t i = 0; i < 64; i++)
        assert_int_equal(z[i], 0);
    kz_free(z);
    z = kz_calloc(0, 8);
    assert_non_null(z);
    kz_free(z);
    /* n * size overflows size_t: refused, not wrapped to a small block. */
    assert_null(kz_calloc(SIZE_MAX / 2 + 2, 2));
    assert_null(kz_calloc((size_t)1 << 33, (size_t)1 << 33));

    char *s = kz_strdup("kizuna");
    assert_string_equal(s, "kizuna");
    kz_free(s);
    s = kz_strndup("kizuna", 3);
    assert_string_equal(s, "kiz");
    kz_free(s);
    s = kz_strndup("ab\0cd", 5); /* stops at the NUL, like strndup */
    assert_string_equal(s, "ab");
    kz_free(s);
    s = kz_strndup("abc", 0);
    assert_string_equal(s, "");
    kz_free(s);
}

static void test_fail_nth(void **state)
{
    (void)state;
    kz_alloc_fail_after(3, 0);
    void *a = kz_malloc(8);
    void *b = kz_calloc(1, 8);
    void *c = kz_malloc(8); /* the third */
    void *d = kz_strdup("d");
    assert_non_null(a);
    assert_non_null(b);
    assert_null(c);
    assert_non_null(d);
    assert_int_equal(kz_alloc_failures(), 1);
    kz_free(a);
    kz_free(b);
    kz_free(d);
}

static void test_fail_persist(void **state)
{
    (void)state;
    kz_alloc_fail_after(2, 1);
    void *a = kz_malloc(8);
    assert_non_null(a);
    for (int i = 0; i < 10; i++)
        assert_null(kz_malloc(8));
    assert_null(kz_strdup("x"));
    assert_int_equal(kz_alloc_failures(), 11);
    /* realloc failing leaves the old block to the caller. */
    void *r = kz_realloc(a, 64);
    assert_null(r);
    assert_int_equal(kz_alloc_failures(), 12);
    kz_alloc_fail_after(0, 0);
    assert_int_equal(kz_alloc_failures(), 0);
    r = kz_realloc(a, 64);
    assert_non_null(r);
    kz_free(r);
}

static void test_disabled(void **state)
{
    (void)state;
    kz_alloc_fail_after(1, 0);
    kz_alloc_fail_after(0, 0); /* disarm before anything was allocated */
    for (int i = 0; i < 100; i++) {
        void *p = kz_malloc(1);
        assert_non_null(p);
        kz_free(p);
    }
    assert_int_equal(kz_alloc_failures(), 0);
    kz_alloc_fail_after(-5, 1); /* negative: also disabled */
    void *p = kz_malloc(1);
    assert_non_null(p);
    kz_free(p);
    /* Re-arming counts from the call, not from the first arming. */
    kz_alloc_fail_after(1, 0);
    assert_null(kz_malloc(1));
    p = kz_malloc(1);
    assert_non_null(p);
    kz_free(p);
    kz_alloc_fail_after(1, 0);
    assert_null(kz_malloc(1));
}

/* The way parsers are tested: sweep n upward until a run makes no
 * allocation fail; every run with a failure must report it, not crash. */
static int build_list(char **out, int n)
{
    for (int i = 0; i < n; i++) {
        out[i] = kz_strdup("item");
        if (!out[i]) {
            while (i-- > 0)
                kz_free(out[i]);
            return -1;
        }
    }
    return 0;
}

static void test_sweep(void **state)
{
    (void)state;
    long n;
    for (n = 1;; n++) {
        char *items[5];
        kz_alloc_fail_after(n, 1);
        int rc = build_list(items, 5);
        long failed = kz_alloc_failures();
        kz_alloc_fail_after(0, 0);
        if (failed == 0) {
            assert_int_equal(rc, 0);
            for (int i = 0; i < 5; i++)
                kz_free(items[i]);
            break;
        }
        assert_int_equal(rc, -1);
    }
    assert_int_equal(n, 6); /* 5 allocations, each failed once */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_wrappers, reset_hook),
        cmocka_unit_test_setup(test_fail_nth, reset_hook),
        cmocka_unit_test_setup(test_fail_persist, reset_hook),
        cmocka_unit_test_setup(test_disabled, reset_hook),
        cmocka_unit_test_setup(test_sweep, reset_hook),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
