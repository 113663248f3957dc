/* test_ipset.c - IP parsing (strictness, host bits), RFC 5952 formatting,
 * containment, and the prefix set's longest-first lookups and edges. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kizuna/ipset.h"

static kz_ipaddr ip(const char *s)
{
    kz_ipaddr a;
    assert_int_equal(kz_ip_parse(s, strlen(s), &a, NULL), KZ_OK);
    return a;
}

static void canon(const char *in, const char *want)
{
    kz_ipaddr a = ip(in);
    char out[KZ_IP_TEXT_MAX];
    size_t n = kz_ip_format(&a, out, sizeof out);
    assert_string_equal(out, want);
    assert_int_equal(n, strlen(want));
}

static void test_parse_format(void **state)
{
    (void)state;
    canon("1.2.3.4", "1.2.3.4");
    canon("0.0.0.0/0", "0.0.0.0/0");
    canon("10.1.2.3/8", "10.0.0.0/8");
    canon("255.255.255.255/32", "255.255.255.255");
    /* RFC 5952 section 4 examples and rules */
    canon("2001:0db8:0000:0000:0000:0000:0002:0001", "2001:db8::2:1");
    canon("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1");       /* first of equal runs */
    canon("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1");    /* one zero group stays */
    canon("2001:DB8::AAAA", "2001:db8::aaaa");
    canon("2001:db8:0:0:0:0:0:0", "2001:db8::");
    canon("0:0:0:0:0:0:0:1", "::1");
    canon("::", "::");
    canon("::ffff:192.0.2.1", "::ffff:192.0.2.1");
    canon("0:0:0:0:0:ffff:c000:0201", "::ffff:192.0.2.1");
    canon("2001:db8::1/32", "2001:db8::/32");
    canon("fe80::1:2/64", "fe80::/64");
    bool hb = true;
    kz_ipaddr a;
    assert_int_equal(kz_ip_parse("10.0.0.0/24", 11, &a, &hb), KZ_OK);
    assert_false(hb);
    assert_int_equal(kz_ip_parse("10.0.0.9/24", 11, &a, &hb), KZ_OK);
    assert_true(hb);
}

static void test_parse_bad(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "", "1.2.3", "1.2.3.4.5", "1.2.3.256", "01.2.3.4", "1.2.3.4/33", "1.2.3.4/", "1.2.3.4/08",
        "1.2.3.4/a", "1..3.4", " 1.2.3.4", "1.2.3.4 ", "::1/129", "fe80::1%eth0", "1:2:3:4:5:6:7:8:9",
        "::g", "1.2.3.-4", "1234.1.1.1", "2001:db8:::1", ":::", "1.2.3.4/-1"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        kz_ipaddr a;
        if (kz_ip_parse(bad[i], strlen(bad[i]), &a, NULL) != KZ_EPARSE)
            fail_msg("accepted %s", bad[i]);
    }
    /* not NUL-terminated input is read only up to len */
    kz_ipaddr a;
    assert_int_equal(kz_ip_parse("1.2.3.45", 7, &a, NULL), KZ_OK);
    char out[KZ_IP_TEXT_MAX];
    kz_ip_format(&a, out, sizeof out);
    assert_string_equal(out, "1.2.3.4");
}

static void test_contains(void **state)
{
    (void)state;
    kz_ipaddr p = ip("192.168.0.0/23"), q = ip("192.168.1.255"), r = ip("192.168.2.0");
    assert_true(kz_ip_contains(&p, &q));
    assert_false(kz_ip_contains(&p, &r));
    kz_ipaddr v6 = ip("2001:db8::/32"), in6 = ip("2001:db8:ffff::1"), out6 = ip("2001:db9::");
    assert_true(kz_ip_contains(&v6, &in6));
    assert_false(kz_ip_contains(&v6, &out6));
    assert_false(kz_ip_contains(&v6, &q)); /* family differs */
    kz_ipaddr all = ip("0.0.0.0/0");
    assert_true(kz_ip_contains(&all, &q));
}

static void test_set(void **state)
{
    (void)state;
    kz_ipset *s = kz_ipset_new();
    assert_non_null(s);
    kz_ipaddr a = ip("10.0.0.0/8"), b = ip("10.1.0.0/16"), c = ip("10.1.2.3"), d = ip("::1"),
              e = ip("2001:db8::/33"), f = ip("0.0.0.0/0");
    assert_int_equal(kz_ipset_add(s, &a, 1, NULL), KZ_OK);
    assert_int_equal(kz_ipset_add(s, &b, 2, NULL), KZ_OK);
    assert_int_equal(kz_ipset_add(s, &c, 3, NULL), KZ_OK);
    assert_int_equal(kz_ipset_add(s, &d, 4, NULL), KZ_OK);
    assert_int_equal(kz_ipset_add(s, &e, 5, NULL), KZ_OK);
    uint32_t old = 0;
    kz_ipaddr c2 = ip("10.1.2.3/32");
    assert_int_equal(kz_ipset_add(s, &c2, 9, &old), KZ_EEXIST);
    assert_int_equal(old, 3);
    assert_int_equal(kz_ipset_add(s, &a, UINT32_MAX, NULL), KZ_EINVAL);
    assert_int_equal(kz_ipset_count(s), 5);

    uint32_t v[8];
    kz_ipaddr x = ip("10.1.2.3");
    assert_int_equal(kz_ipset_lookup(s, &x, v, 8), 3);
    assert_int_equal(v[0], 3); /* longest first */
    assert_int_equal(v[1], 2);
    assert_int_equal(v[2], 1);
    x = ip("10.1.2.4");
    assert_int_equal(kz_ipset_lookup(s, &x, v, 1), 2); /* count beyond max */
    assert_int_equal(v[0], 2);
    x = ip("11.1.2.3");
    assert_int_equal(kz_ipset_lookup(s, &x, v, 8), 0);
    x = ip("2001:db8:7fff::1");
    assert_int_equal(kz_ipset_lookup(s, &x, v, 8), 1);
    assert_int_equal(v[0], 5);
    x = ip("2001:db8:8000::1"); /* just outside the /33 */
    assert_int_equal(kz_ipset_lookup(s, &x, v, 8), 0);
    x = ip("::1");
    assert_int_equal(kz_ipset_lookup(s, &x, v, 8), 1);
    /* token semantics belong to callers, but an address is never a prefix of another */
    x = ip("1.2.3.4");
    kz_ipaddr y = ip("11.2.3.45");
    assert_int_equal(kz_ipset_add(s, &x, 7, NULL), KZ_OK);
    assert_int_equal(kz_ipset_lookup(s, &y, v, 8), 0);
    assert_int_equal(kz_ipset_add(s, &f, 8, NULL), KZ_OK);
    assert_int_equal(kz_ipset_lookup(s, &y, v, 8), 1);
    assert_int_equal(v[0], 8);
    kz_ipset_free(s);
}

static void test_many(void **state)
{
    (void)state;
    kz_ipset *s = kz_ipset_new();
    for (uint32_t i = 0; i < 50000; i++) {
        kz_ipaddr a = {.family = 4, .prefix = 32};
        a.a[0] = 20;
        a.a[1] = (uint8_t)(i >> 16);
        a.a[2] = (uint8_t)(i >> 8);
        a.a[3] = (uint8_t)i;
        assert_int_equal(kz_ipset_add(s, &a, i, NULL), KZ_OK);
    }
    for (uint32_t i = 0; i < 50000; i += 7) {
        kz_ipaddr a = {.family = 4, .prefix = 32};
        a.a[0] = 20;
        a.a[1] = (uint8_t)(i >> 16);
        a.a[2] = (uint8_t)(i >> 8);
        a.a[3] = (uint8_t)i;
        uint32_t v;
        assert_int_equal(kz_ipset_lookup(s, &a, &v, 1), 1);
        assert_int_equal(v, i);
        a.a[0] = 21;
        assert_int_equal(kz_ipset_lookup(s, &a, &v, 1), 0);
    }
    /* 8-byte slots at most 3/4 full: under 24 bytes an address, plus the
     * fixed 256 KiB per-/16 length filter */
    assert_true(kz_ipset_bytes(s) < 50000 * 24 + 65536 * 4 + 4096);
    kz_ipset_free(s);
}

/* Prefixes of every IPv4 length and some IPv6 ones against a brute-force
 * scan with kz_ip_contains: the per-/16 length filter must never hide a
 * containing prefix, and lookups list them longest first. */
static void test_against_brute_force(void **state)
{
    (void)state;
    enum { NP = 600, NQ = 4000 };
    static kz_ipaddr pre[NP];
    kz_ipset *s = kz_ipset_new();
    uint64_t r = 88172645463325252ull;
    size_t np = 0;
    for (size_t i = 0; i < NP; i++) {
        r ^= r << 13, r ^= r >> 7, r ^= r << 17;
        kz_ipaddr p = {.family = (i % 5 == 4) ? 6 : 4};
        p.prefix = (uint8_t)(p.family == 4 ? r % 33 : r % 129);
        for (int b = 0; b < 16; b++)
            p.a[b] = (uint8_t)(r >> ((b % 8) * 8)) ^ (uint8_t)b;
        if (p.family == 4) {
            p.a[0] = (uint8_t)(10 + (r >> 60)); /* cluster, so that prefixes nest */
            memset(p.a + 4, 0, 12);
        } else {
            p.a[0] = 0x20;
            p.a[1] = 0x01;
        }
        /* clear host bits through the parser's rules */
        char txt[KZ_IP_TEXT_MAX];
        kz_ip_format(&p, txt, sizeof txt);
        kz_ipaddr q;
        assert_int_equal(kz_ip_parse(txt, strlen(txt), &q, NULL), KZ_OK);
        (void)q;
        p = q;
        kz_err rc = kz_ipset_add(s, &p, (uint32_t)np, NULL);
        if (rc == KZ_EEXIST)
            continue;
        assert_int_equal(rc, KZ_OK);
        pre[np++] = p;
    }
    for (size_t i = 0; i < NQ; i++) {
        r ^= r << 13, r ^= r >> 7, r ^= r << 17;
        kz_ipaddr x = pre[r % np];
        x.prefix = x.family == 4 ? 32 : 128;
        for (int b = (int)(r >> 40) % 4 + 1; b < 16; b++) /* vary the tail */
            x.a[b] ^= (uint8_t)(r >> (b * 3));
        if (x.family == 4)
            memset(x.a + 4, 0, 12);
        size_t want = 0;
        for (size_t j = 0; j < np; j++)
            want += kz_ip_contains(&pre[j], &x);
        uint32_t v[64];
        size_t got = kz_ipset_lookup(s, &x, v, 64);
        assert_int_equal(got, want);
        for (size_t j = 0; j < got && j < 64; j++) {
            assert_true(kz_ip_contains(&pre[v[j]], &x));
            if (j)
                assert_true(pre[v[j]].prefix < pre[v[j - 1]].prefix);
        }
    }
    kz_ipset_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_format), cmocka_unit_test(test_parse_bad),
        cmocka_unit_test(test_contains),     cmocka_unit_test(test_set),
        cmocka_unit_test(test_many),         cmocka_unit_test(test_against_brute_force),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
