/* test_scan.c - unit tests of the extract module's API: type names,
 * kz_ioc_normalize, and what kz_extract_scan reports besides the values
 * (offsets and lengths in the input as written, lines, the defanged flag,
 * order, the type filter, HTML offsets, stopping from the callback). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kizuna/alloc.h"
#include "kizuna/arena.h"
#include "kizuna/extract.h"
#include "scan_rec.h"

static void test_type_names(void **state)
{
    (void)state;
    for (unsigned t = 0; t < KZ_IOC__COUNT; t++) {
        kz_ioc_type back;
        assert_non_null(kz_ioc_type_name((kz_ioc_type)t));
        assert_int_equal(kz_ioc_type_parse(kz_ioc_type_name((kz_ioc_type)t), &back), KZ_OK);
        assert_int_equal(back, t);
    }
    assert_null(kz_ioc_type_name(KZ_IOC__COUNT));
    kz_ioc_type keep = KZ_IOC_URL;
    assert_int_equal(kz_ioc_type_parse("ipv5-addr", &keep), KZ_EINVAL);
    assert_int_equal(keep, KZ_IOC_URL);
    assert_string_equal(kz_ioc_type_name(KZ_IOC_SHA256), "file:hashes.SHA-256");
}

static void norm_ok(kz_arena *a, kz_ioc_type t, const char *in, const char *want)
{
    const char *out;
    size_t len;
    assert_int_equal(kz_ioc_normalize(a, t, in, strlen(in), &out, &len), KZ_OK);
    assert_string_equal(out, want);
    assert_int_equal(len, strlen(want));
}

static void norm_bad(kz_arena *a, kz_ioc_type t, const char *in)
{
    const char *out = "x";
    assert_int_equal(kz_ioc_normalize(a, t, in, strlen(in), &out, NULL), KZ_EPARSE);
    assert_null(out);
}

static void test_normalize(void **state)
{
    (void)state;
    kz_arena *a = kz_arena_new(0);
    norm_ok(a, KZ_IOC_IPV4, "192.0.2.1", "192.0.2.1");
    norm_bad(a, KZ_IOC_IPV4, "192.0.2.256");
    norm_bad(a, KZ_IOC_IPV4, "1.2.3");
    norm_ok(a, KZ_IOC_IPV6, "2001:0DB8:0:0:0:0:0:1", "2001:db8::1");
    norm_bad(a, KZ_IOC_IPV6, "2001:db8::/32");
    norm_ok(a, KZ_IOC_DOMAIN, "WWW.Example.COM.", "www.example.com");
    norm_ok(a, KZ_IOC_DOMAIN, "テスト.example.com", "xn--zckzah.example.com");
    norm_bad(a, KZ_IOC_DOMAIN, "example.nope");
    norm_bad(a, KZ_IOC_DOMAIN, "a_b.example.com");
    norm_bad(a, KZ_IOC_DOMAIN, "1.2.3.4");
    norm_ok(a, KZ_IOC_URL, "HXXPS://Example.COM:8443/A/b?Q=1", "https://example.com:8443/A/b?Q=1");
    norm_ok(a, KZ_IOC_URL, "http://[2001:db8:0::1]/x", "http://[2001:db8::1]/x");
    norm_bad(a, KZ_IOC_URL, "tcp://example.com/");
    norm_bad(a, KZ_IOC_URL, "http://example,com/");
    norm_ok(a, KZ_IOC_EMAIL, "John.Doe@Example.COM", "John.Doe@example.com");
    norm_bad(a, KZ_IOC_EMAIL, "a@127.0.0.1");
    norm_ok(a, KZ_IOC_MD5, "D41D8CD98F00B204E9800998ECF8427E", "d41d8cd98f00b204e9800998ecf8427e");
    norm_bad(a, KZ_IOC_SHA1, "d41d8cd98f00b204e9800998ecf8427e");
    norm_ok(a, KZ_IOC_CVE, "cve 2014-0160", "CVE-2014-0160");
    norm_bad(a, KZ_IOC_CVE, "CVE-14-0160");
    norm_ok(a, KZ_IOC_ATTACK, "t1059.001", "T1059.001");
    norm_bad(a, KZ_IOC_ATTACK, "TA0001");
    assert_int_equal(kz_ioc_normalize(a, KZ_IOC__COUNT, "x", 1, &(const char *){0}, NULL),
                     KZ_EINVAL);
    kz_arena_free(a);
}

static void test_offsets(void **state)
{
    (void)state;
    /* full-width, defanged and plain, over two lines */
    const char *t = "IP １９２．０．２．１ and\nhxxp://evil[.]example.com/p mail a[at]b.jp";
    rec r = {0};
    assert_int_equal(kz_extract_scan(t, strlen(t), NULL, record, &r), KZ_OK);
    assert_int_equal(r.n, 5);
    assert_int_equal(r.type[0], KZ_IOC_IPV4);
    assert_string_equal(r.value[0], "192.0.2.1");
    assert_int_equal(r.off[0], 3);
    assert_int_equal(r.len[0], strlen("１９２．０．２．１"));
    assert_int_equal(r.line[0], 1);
    assert_false(r.fanged[0]);
    assert_int_equal(r.type[1], KZ_IOC_URL);
    assert_string_equal(r.value[1], "http://evil.example.com/p");
    assert_int_equal(r.line[1], 2);
    assert_true(r.fanged[1]);
    assert_memory_equal(t + r.off[1], "hxxp://evil[.]example.com/p", r.len[1]);
    assert_int_equal(r.len[1], strlen("hxxp://evil[.]example.com/p"));
    assert_int_equal(r.type[2], KZ_IOC_DOMAIN); /* the URL's host follows it */
    assert_memory_equal(t + r.off[2], "evil[.]example.com", r.len[2]);
    assert_int_equal(r.type[3], KZ_IOC_EMAIL);
    assert_string_equal(r.value[3], "a@b.jp");
    assert_memory_equal(t + r.off[3], "a[at]b.jp", r.len[3]);
    assert_true(r.fanged[3]);
    assert_int_equal(r.type[4], KZ_IOC_DOMAIN);
    assert_string_equal(r.value[4], "b.jp");
}

static void test_filter_stop_html(void **state)
{
    (void)state;
    const char *t = "CVE-2021-44228 T1059 1.2.3.4 evil.com";
    kz_extract_opts o = {.types = 1u << KZ_IOC_IPV4 | 1u << KZ_IOC_CVE};
    rec r = {0};
    assert_int_equal(kz_extract_scan(t, strlen(t), &o, record, &r), KZ_OK);
    assert_int_equal(r.n, 2);
    assert_string_equal(r.value[0], "CVE-2021-44228");
    assert_string_equal(r.value[1], "1.2.3.4");

    rec s = {.stop_after = 2};
    assert_int_equal(kz_extract_scan(t, strlen(t), NULL, record, &s), KZ_OK);
    assert_int_equal(s.n, 2);

    const char *h = "<p>C2: <b>evil&#46;com</b> &amp; 10&period;0.0.1</p>";
    kz_extract_opts ho = {.input = KZ_EXTRACT_HTML};
    rec hr = {0};
    assert_int_equal(kz_extract_scan(h, strlen(h), &ho, record, &hr), KZ_OK);
    assert_int_equal(hr.n, 2);
    assert_string_equal(hr.value[0], "evil.com");
    assert_memory_equal(h + hr.off[0], "evil&#46;com", hr.len[0]);
    assert_string_equal(hr.value[1], "10.0.0.1");
    assert_memory_equal(h + hr.off[1], "10&period;0.0.1", hr.len[1]);

    assert_int_equal(kz_extract_scan(NULL, 1, NULL, record, &r), KZ_EINVAL);
    assert_int_equal(kz_extract_scan("", 0, NULL, record, &r), KZ_OK);
}

/* Every allocation failure inside the scan comes back as KZ_ENOMEM (or
 * is not hit at all), never a crash or a leak (LeakSanitizer checks). */
static void test_oom_sweep(void **state)
{
    (void)state;
    const char *t = "攻撃者はｅｖｉｌ．ｃｏｍ hxxp://bad[.]example.com/x?a=1 user[at]example.jp\n"
                    "2001:db8::1 CVE-2021-44228 T1059.001 d41d8cd98f00b204e9800998ecf8427e\n"
                    "<p>evil&#46;com</p> テスト.example.com 192.0.2.1/24\n";
    for (int html = 0; html < 2; html++) {
        kz_extract_opts o = {.input = html ? KZ_EXTRACT_HTML : KZ_EXTRACT_TEXT};
        rec full = {0};
        assert_int_equal(kz_extract_scan(t, strlen(t), &o, record, &full), KZ_OK);
        bool done = false;
        for (long n = 1; n < 200 && !done; n++) {
            rec r = {0};
            kz_alloc_fail_after(n, 0);
            kz_err rc = kz_extract_scan(t, strlen(t), &o, record, &r);
            long failed = kz_alloc_failures();
            kz_alloc_fail_after(0, 0);
            assert_true(rc == KZ_OK || rc == KZ_ENOMEM);
            if (n == 1)
                assert_true(failed > 0); /* the sweep does reach the scanner's allocations */
            if (failed == 0) {
                assert_int_equal(rc, KZ_OK);
                assert_int_equal(r.n, full.n);
                done = true;
            }
        }
        assert_true(done);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_type_names),
        cmocka_unit_test(test_normalize),
        cmocka_unit_test(test_offsets),
        cmocka_unit_test(test_filter_stop_html),
        cmocka_unit_test(test_oom_sweep),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
