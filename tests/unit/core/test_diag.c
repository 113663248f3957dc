/* test_diag.c - unit tests for lib/core/diag.c: JSON paths (member and
 * index forms, escaping, truncation, deep nesting) and diagnostics lists
 * (counting past the cap, reset, out of memory). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kizuna/alloc.h"
#include "kizuna/diag.h"

static void test_path_basic(void **state)
{
    (void)state;
    kz_path p;
    kz_path_init(&p, "$");
    assert_string_equal(kz_path_str(&p), "$");
    kz_path_push_key(&p, "objects");
    kz_path_push_index(&p, 3);
    kz_path_push_key(&p, "valid_from");
    assert_string_equal(kz_path_str(&p), "$.objects[3].valid_from");
    kz_path_pop(&p);
    assert_string_equal(kz_path_str(&p), "$.objects[3]");
    kz_path_push_key(&p, "hashes");
    kz_path_push_key(&p, "SHA-256");
    assert_string_equal(kz_path_str(&p), "$.objects[3].hashes['SHA-256']");
    kz_path_pop(&p);
    kz_path_pop(&p);
    kz_path_pop(&p);
    kz_path_pop(&p);
    assert_string_equal(kz_path_str(&p), "$");
    kz_path_pop(&p); /* popping the root is a no-op */
    assert_string_equal(kz_path_str(&p), "$");
    assert_int_equal(p.len, 1);
    kz_path_push_index(&p, SIZE_MAX);
    assert_string_equal(kz_path_str(&p), "$[18446744073709551615]");
}

static void test_path_key_forms(void **state)
{
    (void)state;
    static const struct {
        const char *key, *expect;
    } cases[] = {
        {"type", "$.type"},
        {"_x9", "$._x9"},
        {"x_acme_score", "$.x_acme_score"},
        {"9lives", "$['9lives']"},
        {"", "$['']"},
        {"a b", "$['a b']"},
        {"a.b", "$['a.b']"},
        {"it's", "$['it\\'s']"},
        {"back\\slash", "$['back\\\\slash']"},
        {"new\nline", "$['new\\u000aline']"},
        {"extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e",
         "$['extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e']"},
        {"\xe6\x97\xa5\xe6\x9c\xac", "$['\xe6\x97\xa5\xe6\x9c\xac']"}, /* UTF-8 kept */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        kz_path p;
        kz_path_init(&p, "$");
        kz_path_push_key(&p, cases[i].key);
        assert_string_equal(kz_path_str(&p), cases[i].expect);
        kz_path_pop(&p);
        assert_string_equal(kz_path_str(&p), "$");
    }
    kz_path p;
    kz_path_init(&p, NULL);
    assert_string_equal(kz_path_str(&p), "");
    kz_path_push_key(&p, NULL);
    assert_string_equal(kz_path_str(&p), "['']");
}

static void test_path_truncation(void **state)
{
    (void)state;
    kz_path p;
    char longkey[2 * KZ_PATH_MAX];
    memset(longkey, 'k', sizeof longkey - 1);
    longkey[sizeof longkey - 1] = '\0';
    kz_path_init(&p, "$");
    kz_path_push_key(&p, "a");
    kz_path_push_key(&p, longkey);
    assert_int_equal(p.len, KZ_PATH_MAX - 1);
    assert_int_equal(strlen(kz_path_str(&p)), KZ_PATH_MAX - 1);
    kz_path_push_index(&p, 7); /* nothing fits; still paired with a pop */
    assert_int_equal(p.len, KZ_PATH_MAX - 1);
    kz_path_pop(&p);
    kz_path_pop(&p);
    assert_string_equal(kz_path_str(&p), "$.a");
}

static void test_path_deep(void **state)
{
    (void)state;
    kz_path p;
    kz_path_init(&p, "$");
    for (size_t i = 0; i < 100; i++)
        kz_path_push_index(&p, i % 10);
    /* Only the first levels (as many as there are marks) are written. */
    size_t marks = sizeof p.marks / sizeof p.marks[0];
    assert_int_equal(p.depth, 100);
    assert_int_equal(strlen(kz_path_str(&p)), 1 + 3 * marks);
    for (size_t i = 0; i < 100; i++)
        kz_path_pop(&p);
    assert_int_equal(p.depth, 0);
    assert_string_equal(kz_path_str(&p), "$");
    kz_path_push_key(&p, "ok");
    assert_string_equal(kz_path_str(&p), "$.ok");
}

static void test_diag_add(void **state)
{
    (void)state;
    kz_diag d;
    kz_diag_init(&d, 0);
    assert_int_equal(d.max_items, 1000);
    kz_diag_add(&d, KZ_SEV_ERROR, "$.objects[3].valid_from", "invalid-timestamp",
                "not an RFC 3339 timestamp: '%s'", "yesterday");
    kz_diag_add(&d, KZ_SEV_WARNING, NULL, "deprecated", "%d %s", 42, "things");
    assert_int_equal(d.n, 2);
    assert_int_equal(d.n_errors, 1);
    assert_int_equal(d.n_warnings, 1);
    assert_int_equal(d.items[0].sev, KZ_SEV_ERROR);
    assert_string_equal(d.items[0].path, "$.objects[3].valid_from");
    assert_string_equal(d.items[0].code, "invalid-timestamp");
    assert_string_equal(d.items[0].msg, "not an RFC 3339 timestamp: 'yesterday'");
    assert_int_equal(d.items[1].sev, KZ_SEV_WARNING);
    assert_string_equal(d.items[1].path, "");
    assert_string_equal(d.items[1].msg, "42 things");
    /* A message longer than the formatter's stack buffer. */
    char big[1000];
    memset(big, 'm', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    kz_diag_add(&d, KZ_SEV_ERROR, "$", "long", "<%s>", big);
    assert_int_equal(strlen(d.items[2].msg), sizeof big + 1);
    assert_int_equal(d.items[2].msg[0], '<');
    assert_int_equal(d.items[2].msg[sizeof big], '>');

    kz_diag_reset(&d);
    assert_int_equal(d.n, 0);
    assert_int_equal(d.n_errors, 0);
    assert_int_equal(d.n_warnings, 0);
    kz_diag_add(&d, KZ_SEV_ERROR, "$", "again", "x");
    assert_int_equal(d.n, 1);
    kz_diag_release(&d);
    assert_null(d.items);
    assert_int_equal(d.n, 0);
}

static void test_diag_cap(void **state)
{
    (void)state;
    kz_diag d;
    kz_diag_init(&d, 5);
    for (int i = 0; i < 100000; i++)
        kz_diag_add(&d, i % 2 ? KZ_SEV_WARNING : KZ_SEV_ERROR, "$", "many", "item %d", i);
    assert_int_equal(d.n, 5);
    assert_true(d.cap <= 5);
    assert_int_equal(d.n_errors, 50000);
    assert_int_equal(d.n_warnings, 50000);
    assert_int_equal(d.oom, 0);
    /* The first ones are kept, in order. */
    assert_string_equal(d.items[0].msg, "item 0");
    assert_string_equal(d.items[4].msg, "item 4");
    kz_diag_release(&d);

    /* Zero-initialised without kz_diag_init: max_items 0 means the default. */
    kz_diag z = {0};
    for (int i = 0; i < 1500; i++)
        kz_diag_add(&z, KZ_SEV_ERROR, NULL, "many", "item %d", i);
    assert_int_equal(z.n, 1000);
    assert_int_equal(z.n_errors, 1500);
    kz_diag_release(&z);
}

/* Every allocation kz_diag_add makes, failed in turn: the item is counted,
 * not stored, oom is set, nothing leaks (LeakSanitizer checks that). */
static void test_diag_oom(void **state)
{
    (void)state;
    for (long n = 1; n <= 6; n++) {
        kz_diag d;
        kz_diag_init(&d, 10);
        kz_alloc_fail_after(n, 0);
        kz_diag_add(&d, KZ_SEV_ERROR, "$.a", "code", "msg %ld", n);
        long failed = kz_alloc_failures();
        kz_alloc_fail_after(0, 0);
        assert_int_equal(d.n_errors, 1);
        if (failed) {
            assert_int_equal(d.oom, 1);
            assert_int_equal(d.n, 0);
        } else {
            /* n is past the allocations one add makes (array, path, code, msg). */
            assert_true(n > 4);
            assert_int_equal(d.oom, 0);
            assert_int_equal(d.n, 1);
        }
        /* The list still works once memory is back. */
        kz_diag_add(&d, KZ_SEV_ERROR, "$.b", "code", "after");
        assert_string_equal(d.items[d.n - 1].msg, "after");
        kz_diag_release(&d);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_path_basic),      cmocka_unit_test(test_path_key_forms),
        cmocka_unit_test(test_path_truncation), cmocka_unit_test(test_path_deep),
        cmocka_unit_test(test_diag_add),        cmocka_unit_test(test_diag_cap),
        cmocka_unit_test(test_diag_oom),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
