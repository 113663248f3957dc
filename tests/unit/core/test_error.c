/* test_error.c - unit tests for lib/core/error.c: every code in the X-macro
 * list has its own name and message, and unknown codes read as unknown. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kizuna/error.h"

/* The list itself, expanded here independently of error.c. */
static const struct {
    kz_err code;
    const char *name;
    const char *msg;
} codes[] = {
#define X_(name, num, msg) {KZ_##name, "KZ_" #name, msg},
    KZ_ERRNO_MAP(X_)
#undef X_
};
#define NCODES (sizeof codes / sizeof codes[0])

static void test_names_and_messages(void **state)
{
    (void)state;
    assert_int_equal(KZ_OK, 0);
    for (size_t i = 0; i < NCODES; i++) {
        const char *name = kz_errname(codes[i].code);
        const char *msg = kz_strerror(codes[i].code);
        assert_non_null(name);
        assert_non_null(msg);
        assert_string_equal(name, codes[i].name);
        assert_string_equal(msg, codes[i].msg);
        assert_true(strlen(msg) > 0);
        /* Messages are phrases that end up inside a sentence ("kizuna:
         * cannot open 'x': ..."), so they carry no final period. */
        assert_false(msg[strlen(msg) - 1] == '.');
    }
}

static void test_distinct(void **state)
{
    (void)state;
    for (size_t i = 0; i < NCODES; i++) {
        for (size_t j = i + 1; j < NCODES; j++) {
            if (codes[i].code == codes[j].code)
                fail_msg("%s and %s share number %d", codes[i].name, codes[j].name,
                         (int)codes[i].code);
            if (strcmp(kz_errname(codes[i].code), kz_errname(codes[j].code)) == 0)
                fail_msg("name '%s' used twice", kz_errname(codes[i].code));
            if (strcmp(kz_strerror(codes[i].code), kz_strerror(codes[j].code)) == 0)
                fail_msg("message '%s' used twice", kz_strerror(codes[i].code));
        }
    }
}

/* Numbers are part of the ABI (they may be stored or logged): check the
 * ones callers are most likely to have written down. */
static void test_stable_numbers(void **state)
{
    (void)state;
    assert_int_equal(KZ_ENOMEM, 1);
    assert_int_equal(KZ_EINVAL, 2);
    assert_int_equal(KZ_ETOOBIG, 3);
    assert_int_equal(KZ_EPARSE, 6);
    assert_int_equal(KZ_ERANGE, 22);
    assert_int_equal(KZ_ERR_MAX_, (int)NCODES);
}

static void test_unknown(void **state)
{
    (void)state;
    assert_string_equal(kz_strerror(KZ_ERR_MAX_), "unknown error");
    assert_string_equal(kz_errname(KZ_ERR_MAX_), "KZ_EUNKNOWN");
    assert_string_equal(kz_strerror((kz_err)-1), "unknown error");
    assert_string_equal(kz_errname((kz_err)1000000), "KZ_EUNKNOWN");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_and_messages),
        cmocka_unit_test(test_distinct),
        cmocka_unit_test(test_stable_numbers),
        cmocka_unit_test(test_unknown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
