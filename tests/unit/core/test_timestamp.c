/* test_timestamp.c - unit tests for lib/core/timestamp.c: the strict STIX
 * form, the lenient zone form, the calendar, digits preserved on round
 * trips, comparison by instant and the arithmetic helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kizuna/timestamp.h"

static kz_err parse(const char *s, int flags, kz_time *t)
{
    return kz_time_parse(s, strlen(s), flags, t);
}

/* Parses s strictly and checks the instant and digits. */
static void expect_time(const char *s, int64_t sec, int32_t nsec, unsigned digits)
{
    kz_time t;
    kz_err rc = parse(s, KZ_TIME_STRICT, &t);
    if (rc != KZ_OK)
        fail_msg("'%s': %s", s, kz_errname(rc));
    assert_int_equal(t.sec, sec);
    assert_int_equal(t.nsec, nsec);
    assert_int_equal(t.digits, digits);
}

static void test_valid_forms(void **state)
{
    (void)state;
    expect_time("1970-01-01T00:00:00Z", 0, 0, 0);
    expect_time("1970-01-01T00:00:01Z", 1, 0, 0);
    expect_time("1969-12-31T23:59:59Z", -1, 0, 0);
    expect_time("2016-01-20T12:31:12.123Z", 1453293072, 123000000, 3);
    expect_time("2016-01-20T12:31:12.1Z", 1453293072, 100000000, 1);
    expect_time("2016-01-20T12:31:12.000Z", 1453293072, 0, 3);
    expect_time("2016-01-20T12:31:12.123456789Z", 1453293072, 123456789, 9);
    expect_time("2016-01-20T12:31:12.000000001Z", 1453293072, 1, 9);
    expect_time("2038-01-19T03:14:08Z", 2147483648LL, 0, 0); /* past int32 time_t */
    expect_time("2000-03-01T00:00:00Z", 951868800, 0, 0);
}

static void test_leap_years(void **state)
{
    (void)state;
    kz_time t;
    expect_time("2024-02-29T00:00:00Z", 1709164800, 0, 0); /* divisible by 4 */
    expect_time("2000-02-29T00:00:00Z", 951782400, 0, 0);  /* divisible by 400 */
    expect_time("0000-02-29T00:00:00Z", -62162121600LL, 0, 0);
    assert_int_equal(parse("2023-02-29T00:00:00Z", 0, &t), KZ_ERANGE);
    assert_int_equal(parse("1900-02-29T00:00:00Z", 0, &t), KZ_ERANGE); /* by 100, not 400 */
    assert_int_equal(parse("2100-02-29T00:00:00Z", 0, &t), KZ_ERANGE);
    /* Day after Feb 28/29 is Mar 1 in both kinds of year. */
    kz_time a, b;
    assert_int_equal(parse("2024-02-29T00:00:00Z", 0, &a), KZ_OK);
    assert_int_equal(parse("2024-03-01T00:00:00Z", 0, &b), KZ_OK);
    assert_int_equal(b.sec - a.sec, 86400);
    assert_int_equal(parse("2023-02-28T00:00:00Z", 0, &a), KZ_OK);
    assert_int_equal(parse("2023-03-01T00:00:00Z", 0, &b), KZ_OK);
    assert_int_equal(b.sec - a.sec, 86400);
}

static void test_boundaries(void **state)
{
    (void)state;
    char buf[KZ_TIME_MAX];
    expect_time("0000-01-01T00:00:00Z", -62167219200LL, 0, 0);
    expect_time("9999-12-31T23:59:59.999999999Z", 253402300799LL, 999999999, 9);
    kz_time t;
    assert_int_equal(parse("0000-01-01T00:00:00Z", 0, &t), KZ_OK);
    kz_time_format(&t, buf);
    assert_string_equal(buf, "0000-01-01T00:00:00Z");
    assert_int_equal(parse("9999-12-31T23:59:59.999999999Z", 0, &t), KZ_OK);
    assert_int_equal(kz_time_format(&t, buf), 30);
    assert_string_equal(buf, "9999-12-31T23:59:59.999999999Z");
    /* Every month's last day is accepted and the next one is not. */
    static const char *const last[] = {"01-31", "02-28", "03-31", "04-30", "05-31", "06-30",
                                       "07-31", "08-31", "09-30", "10-31", "11-30", "12-31"};
    static const char *const past[] = {"01-32", "02-29", "03-32", "04-31", "05-32", "06-31",
                                       "07-32", "08-32", "09-31", "10-32", "11-31", "12-32"};
    for (size_t i = 0; i < 12; i++) {
        char s[32];
        snprintf(s, sizeof s, "2019-%sT00:00:00Z", last[i]);
        assert_int_equal(parse(s, 0, &t), KZ_OK);
        snprintf(s, sizeof s, "2019-%sT00:00:00Z", past[i]);
        assert_int_equal(parse(s, 0, &t), KZ_ERANGE);
    }
}

/* Well-formed but impossible: KZ_ERANGE. */
static void test_range_errors(void **state)
{
    (void)state;
    static const char *const cases[] = {
        "2024-02-30T00:00:00Z", "2024-04-31T00:00:00Z", "2024-00-10T00:00:00Z",
        "2024-13-10T00:00:00Z", "2024-01-00T00:00:00Z", "2024-01-10T24:00:00Z",
        "2024-01-10T23:60:00Z", "2024-01-10T23:59:60Z", /* leap second: rejected */
        "2016-12-31T23:59:60Z", "2024-01-10T99:99:99Z",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        kz_time t = {42, 7, 1};
        kz_err rc = parse(cases[i], KZ_TIME_STRICT, &t);
        if (rc != KZ_ERANGE)
            fail_msg("'%s': expected KZ_ERANGE, got %s", cases[i], kz_errname(rc));
        /* No partial result. */
        assert_int_equal(t.sec, 42);
        assert_int_equal(t.nsec, 7);
        assert_int_equal(t.digits, 1);
    }
}

/* Any deviation from the form: KZ_EPARSE (even if a range is also wrong). */
static void test_parse_errors(void **state)
{
    (void)state;
    static const char *const cases[] = {
        "",
        "2016-01-20",
        "2016-01-20T12:31:12",          /* no zone */
        "2016-01-20T12:31:12.123",      /* no zone */
        "2016-01-20 12:31:12Z",         /* space for T */
        "2016-01-20t12:31:12Z",         /* lower-case t is lenient only */
        "2016-01-20T12:31:12z",         /* lower-case z is lenient only */
        "2016-01-20T12:31:12+00:00",    /* offsets are lenient only */
        "2016-01-20T12:31:12.Z",        /* dot without digits */
        "2016-01-20T12:31:12.1234567890Z", /* ten digits */
        "2016-1-20T12:31:12Z",
        "16-01-20T12:31:12Z",
        "+2016-01-20T12:31:12Z",
        "2016-01-20T12:31Z",
        "2016-01-20T12:31:1Z",
        "2016/01/20T12:31:12Z",
        "2016-01-20T12-31-12Z",
        "2016-01-20T12:31:12ZZ",
        "2016-01-20T12:31:12Z ",
        " 2016-01-20T12:31:12Z",
        "2016-01-20T12:31:12.12a3Z",
        "2016-0a-20T12:31:12Z",
        "2016-01-20T12:31:12,123Z",
        "2016-02-30T12:31:12",          /* bad date and bad form: form wins */
        "99999-01-20T12:31:12Z",
        "2016-01-20T12:31:12.123Zjunk",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        kz_time t = {42, 7, 1};
        kz_err rc = parse(cases[i], KZ_TIME_STRICT, &t);
        if (rc != KZ_EPARSE)
            fail_msg("'%s': expected KZ_EPARSE, got %s", cases[i], kz_errname(rc));
        assert_int_equal(t.sec, 42);
    }
    kz_time t;
    assert_int_equal(kz_time_parse(NULL, 0, 0, &t), KZ_EPARSE);
    /* len is honoured: a valid prefix of a longer string is not enough, and
     * bytes past len are never read as part of the timestamp. */
    const char *s = "2016-01-20T12:31:12Z";
    assert_int_equal(kz_time_parse(s, strlen(s) - 1, 0, &t), KZ_EPARSE);
    assert_int_equal(kz_time_parse("2016-01-20T12:31:12.12Z", 22, 0, &t), KZ_EPARSE);
    /* An embedded NUL is a deviation, not an end. */
    assert_int_equal(kz_time_parse("2016-01-20T12:31:12\0Z", 21, 0, &t), KZ_EPARSE);
}

static void test_lenient_zone(void **state)
{
    (void)state;
    kz_time t, u;
    assert_int_equal(parse("2016-01-20T12:31:12Z", 0, &u), KZ_OK);
    assert_int_equal(parse("2016-01-20T21:31:12+09:00", KZ_TIME_LENIENT_ZONE, &t), KZ_OK);
    assert_int_equal(t.sec, u.sec);
    assert_int_equal(parse("2016-01-20T07:01:12.5-05:30", KZ_TIME_LENIENT_ZONE, &t), KZ_OK);
    assert_int_equal(t.sec, u.sec);
    assert_int_equal(t.nsec, 500000000);
    assert_int_equal(t.digits, 1);
    assert_int_equal(parse("2016-01-20t12:31:12z", KZ_TIME_LENIENT_ZONE, &t), KZ_OK);
    assert_int_equal(t.sec, u.sec);
    assert_int_equal(parse("2016-01-20T12:31:12-00:00", KZ_TIME_LENIENT_ZONE, &t), KZ_OK);
    assert_int_equal(t.sec, u.sec);
    /* The offset moves the date across a day, month and year boundary. */
    assert_int_equal(parse("2017-01-01T08:00:00+09:00", KZ_TIME_LENIENT_ZONE, &t), KZ_OK);
    char buf[KZ_TIME_MAX];
    kz_time_format(&t, buf);
    assert_string_equal(buf, "2016-12-31T23:00:00Z");

    assert_int_equal(parse("2016-01-20T12:31:12+24:00", KZ_TIME_LENIENT_ZONE, &t), KZ_ERANGE);
    assert_int_equal(parse("2016-01-20T12:31:12+01:60", KZ_TIME_LENIENT_ZONE, &t), KZ_ERANGE);
    assert_int_equal(parse("2016-01-20T12:31:12+0100", KZ_TIME_LENIENT_ZONE, &t), KZ_EPARSE);
    assert_int_equal(parse("2016-01-20T12:31:12+01", KZ_TIME_LENIENT_ZONE, &t), KZ_EPARSE);
    assert_int_equal(parse("2016-01-20T12:31:12+01:00Z", KZ_TIME_LENIENT_ZONE, &t), KZ_EPARSE);
    assert_int_equal(parse("2016-01-20T12:31:12", KZ_TIME_LENIENT_ZONE, &t), KZ_EPARSE);
    /* An offset that moves the instant outside years 0000..9999. */
    assert_int_equal(parse("0000-01-01T00:00:00+00:01", KZ_TIME_LENIENT_ZONE, &t), KZ_ERANGE);
    assert_int_equal(parse("9999-12-31T23:59:59-00:01", KZ_TIME_LENIENT_ZONE, &t), KZ_ERANGE);
    assert_int_equal(parse("0000-01-01T00:01:00+00:01", KZ_TIME_LENIENT_ZONE, &t), KZ_OK);
    assert_int_equal(t.sec, -62167219200LL);
}

/* Formatting writes back exactly the digits that were parsed. */
static void test_round_trip_digits(void **state)
{
    (void)state;
    static const char *const cases[] = {
        "2016-01-20T12:31:12Z",
        "2016-01-20T12:31:12.0Z",
        "2016-01-20T12:31:12.10Z",
        "2016-01-20T12:31:12.100Z",
        "2016-01-20T12:31:12.123456Z",
        "2016-01-20T12:31:12.000000000Z",
        "2016-01-20T12:31:12.987654321Z",
        "1601-01-01T00:00:00.5Z",
        "1969-12-31T23:59:59.999Z",
        "0000-02-29T23:59:59Z",
        "0001-01-01T00:00:00Z",
        "9999-12-31T23:59:59.9Z",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        kz_time t;
        char buf[KZ_TIME_MAX];
        assert_int_equal(parse(cases[i], 0, &t), KZ_OK);
        size_t n = kz_time_format(&t, buf);
        assert_int_equal(n, strlen(cases[i]));
        assert_string_equal(buf, cases[i]);
    }
}

static void test_format_digits(void **state)
{
    (void)state;
    kz_time t;
    char buf[KZ_TIME_MAX];
    assert_int_equal(parse("2016-01-20T12:31:12.1Z", 0, &t), KZ_OK);
    assert_int_equal(kz_time_format_digits(&t, 3, buf), 24);
    assert_string_equal(buf, "2016-01-20T12:31:12.100Z");
    assert_int_equal(kz_time_format_digits(&t, 6, buf), 27);
    assert_string_equal(buf, "2016-01-20T12:31:12.100000Z");
    kz_time_format_digits(&t, 0, buf);
    assert_string_equal(buf, "2016-01-20T12:31:12Z");
    /* Truncated, not rounded: .9999 must not become the next second. */
    assert_int_equal(parse("2016-12-31T23:59:59.9999Z", 0, &t), KZ_OK);
    kz_time_format_digits(&t, 3, buf);
    assert_string_equal(buf, "2016-12-31T23:59:59.999Z");
    kz_time_format_digits(&t, 0, buf);
    assert_string_equal(buf, "2016-12-31T23:59:59Z");
    /* More than nine is nine. */
    kz_time_format_digits(&t, 20, buf);
    assert_string_equal(buf, "2016-12-31T23:59:59.999900000Z");
    /* A hand-built time outside 0000..9999 is clamped, never overflows. */
    kz_time far = {INT64_MAX, 0, 0};
    kz_time_format(&far, buf);
    assert_string_equal(buf, "9999-12-31T23:59:59Z");
    kz_time before = {INT64_MIN, 0, 3};
    kz_time_format(&before, buf);
    assert_string_equal(buf, "0000-01-01T00:00:00.000Z");
}

static void test_compare(void **state)
{
    (void)state;
    kz_time a, b, c, d;
    assert_int_equal(parse("2016-01-20T12:31:12.1Z", 0, &a), KZ_OK);
    assert_int_equal(parse("2016-01-20T12:31:12.100000Z", 0, &b), KZ_OK);
    assert_int_equal(kz_time_cmp(&a, &b), 0); /* same instant, different digits */
    assert_int_equal(parse("2016-01-20T12:31:12.099999999Z", 0, &c), KZ_OK);
    assert_true(kz_time_cmp(&c, &a) < 0);
    assert_true(kz_time_cmp(&a, &c) > 0);
    assert_int_equal(parse("2016-01-20T12:31:13Z", 0, &d), KZ_OK);
    assert_true(kz_time_cmp(&a, &d) < 0);
    assert_true(kz_time_cmp(&d, &a) > 0);
    assert_int_equal(parse("1969-12-31T23:59:59.9Z", 0, &c), KZ_OK);
    assert_int_equal(parse("1970-01-01T00:00:00Z", 0, &d), KZ_OK);
    assert_true(kz_time_cmp(&c, &d) < 0);
}

static void test_add_ns(void **state)
{
    (void)state;
    kz_time t;
    char buf[KZ_TIME_MAX];
    assert_int_equal(parse("2016-12-31T23:59:59.999Z", 0, &t), KZ_OK);
    t = kz_time_add_ns(t, 1000000);
    kz_time_format(&t, buf);
    assert_string_equal(buf, "2017-01-01T00:00:00.000Z");
    t = kz_time_add_ns(t, -1);
    assert_int_equal(t.nsec, 999999999);
    kz_time_format_digits(&t, 9, buf);
    assert_string_equal(buf, "2016-12-31T23:59:59.999999999Z");
    t = kz_time_add_ns(t, -86400LL * 1000000000LL);
    kz_time_format_digits(&t, 0, buf);
    assert_string_equal(buf, "2016-12-30T23:59:59Z");
    t = kz_time_add_ns(t, 3 * 1000000000LL + 1);
    assert_int_equal(t.nsec, 0);
    kz_time_format_digits(&t, 0, buf);
    assert_string_equal(buf, "2016-12-31T00:00:03Z");
    /* Saturates instead of overflowing. */
    kz_time big = {INT64_MAX - 1, 999999999, 0};
    big = kz_time_add_ns(big, INT64_MAX);
    assert_int_equal(big.sec, INT64_MAX);
    kz_time small = {INT64_MIN + 1, 0, 0};
    small = kz_time_add_ns(small, INT64_MIN);
    assert_int_equal(small.sec, INT64_MIN);
}

static void test_now(void **state)
{
    (void)state;
    kz_time a = kz_time_now();
    kz_time b = kz_time_now();
    assert_int_equal(a.digits, 6);
    assert_int_equal(a.nsec % 1000, 0);
    assert_true(a.nsec >= 0 && a.nsec < 1000000000);
    assert_true(kz_time_cmp(&a, &b) <= 0 || b.sec < a.sec); /* wall clock may step back */
    /* After 2020 and before 10000: the calendar round trip holds for it. */
    assert_true(a.sec > 1577836800);
    char buf[KZ_TIME_MAX];
    kz_time back;
    size_t n = kz_time_format(&a, buf);
    assert_int_equal(n, 27);
    assert_int_equal(kz_time_parse(buf, n, 0, &back), KZ_OK);
    assert_int_equal(kz_time_cmp(&a, &back), 0);
}

/* Every day of years 1999..2001 and around 0000 and 9999 formats and
 * parses back to itself: checks the two calendar conversions agree. */
static void test_calendar_sweep(void **state)
{
    (void)state;
    static const int64_t starts[] = {-62167219200LL, 915148800LL, 253339228800LL};
    for (size_t k = 0; k < 3; k++) {
        kz_time t = {starts[k], 0, 0}, prev = t;
        for (int day = 0; day < 3 * 366; day++) {
            char buf[KZ_TIME_MAX];
            kz_time back;
            if (t.sec > 253402300799LL)
                break;
            size_t n = kz_time_format(&t, buf);
            assert_int_equal(kz_time_parse(buf, n, 0, &back), KZ_OK);
            assert_int_equal(back.sec, t.sec);
            if (day)
                assert_true(kz_time_cmp(&prev, &t) < 0);
            prev = t;
            t.sec += 86400;
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_forms),      cmocka_unit_test(test_leap_years),
        cmocka_unit_test(test_boundaries),       cmocka_unit_test(test_range_errors),
        cmocka_unit_test(test_parse_errors),     cmocka_unit_test(test_lenient_zone),
        cmocka_unit_test(test_round_trip_digits), cmocka_unit_test(test_format_digits),
        cmocka_unit_test(test_compare),          cmocka_unit_test(test_add_ns),
        cmocka_unit_test(test_now),              cmocka_unit_test(test_calendar_sweep),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
