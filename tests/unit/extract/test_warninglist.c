/* test_warninglist.c - MISP warninglists: every list type, subdomains,
 * CIDR edges, matching_attributes, lists sharing entries, bad files
 * (tests/data/extract/warninglist/bad/EXPECTED.tsv: error, JSON path and
 * message), and the real lists of data/warninglists/. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "extract/warninglist_int.h"
#include "kizuna/alloc.h"
#include "kizuna/buf.h"
#include "kizuna/file.h"
#include "kizuna/ipset.h"
#include "kizuna/warninglist.h"

#define GOOD "tests/data/extract/warninglist/good"
#define BAD "tests/data/extract/warninglist/bad"

/* The ids of the lists a check reported, comma-separated, in load order. */
typedef struct hits {
    char ids[512];
} hits;

static int collect(void *ctx, const kz_warninglist_info *l)
{
    hits *h = ctx;
    size_t n = strlen(h->ids);
    snprintf(h->ids + n, sizeof h->ids - n, "%s%s", n ? "," : "", l->id);
    return 0;
}

static const char *check(const kz_warninglist_set *s, kz_ioc_type t, const char *v)
{
    static hits h;
    memset(&h, 0, sizeof h);
    size_t n = 99;
    assert_int_equal(kz_warninglist_check(s, t, v, strlen(v), collect, &h, &n), KZ_OK);
    return h.ids;
}

static kz_warninglist_set *good_set(void)
{
    kz_warninglist_set *s = kz_warninglist_set_new();
    assert_non_null(s);
    kz_warninglist_error err;
    size_t skipped = 9;
    kz_err rc = kz_warninglist_load_dir(s, GOOD, &skipped, &err);
    if (rc)
        fprintf(stderr, "%s: %s: %s\n", err.file, err.path, err.msg);
    assert_int_equal(rc, KZ_OK);
    assert_int_equal(skipped, 0);
    assert_int_equal(kz_warninglist_set_compile(s, &err), KZ_OK);
    return s;
}

static void test_cidr(void **state)
{
    (void)state;
    kz_warninglist_set *s = good_set();
    /* ::/0 and 0.0.0.0/0 hold everything: one report per list */
    assert_string_equal(check(s, KZ_IOC_IPV4, "11.1.1.1"), "special-cidr");
    kz_warninglist_set_free(s);

    s = kz_warninglist_set_new();
    const char *l = "{\"name\":\"n\",\"description\":\"d\",\"type\":\"cidr\",\"version\":1,"
                    "\"list\":[\"10.0.0.0/8\",\"192.0.2.1\",\"2001:DB8::/32\","
                    "\"203.0.113.128/25\",\"10.1.2.3/16\"]}";
    kz_warninglist_error err;
    assert_int_equal(kz_warninglist_load_mem(s, "c", NULL, l, strlen(l), &err), KZ_OK);
    /* 10.1.2.3/16 is 10.1.0.0/16 (host bits cleared): a second entry */
    assert_int_equal(kz_warninglist_get(s, 0)->entries, 5);
    assert_int_equal(kz_warninglist_set_compile(s, &err), KZ_OK);
    assert_string_equal(check(s, KZ_IOC_IPV4, "10.0.0.0"), "c");
    assert_string_equal(check(s, KZ_IOC_IPV4, "10.255.255.255"), "c");
    assert_string_equal(check(s, KZ_IOC_IPV4, "9.255.255.255"), "");
    assert_string_equal(check(s, KZ_IOC_IPV4, "11.0.0.0"), "");
    assert_string_equal(check(s, KZ_IOC_IPV4, "192.0.2.1"), "c");
    assert_string_equal(check(s, KZ_IOC_IPV4, "192.0.2.0"), "");
    assert_string_equal(check(s, KZ_IOC_IPV4, "192.0.2.2"), "");
    assert_string_equal(check(s, KZ_IOC_IPV4, "203.0.113.127"), "");
    assert_string_equal(check(s, KZ_IOC_IPV4, "203.0.113.128"), "c");
    assert_string_equal(check(s, KZ_IOC_IPV4, "203.0.113.255"), "c");
    assert_string_equal(check(s, KZ_IOC_IPV6, "2001:db8::1"), "c");
    assert_string_equal(check(s, KZ_IOC_IPV6, "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"), "c");
    assert_string_equal(check(s, KZ_IOC_IPV6, "2001:db9::"), "");
    /* an IPv4-mapped address is not the IPv4 address */
    assert_string_equal(check(s, KZ_IOC_IPV6, "::ffff:10.0.0.1"), "");
    /* not an address: nothing, no error */
    assert_string_equal(check(s, KZ_IOC_IPV4, "10.0.0.256"), "");
    /* the host of a URL, the domain of an e-mail */
    assert_string_equal(check(s, KZ_IOC_URL, "http://10.2.3.4:8080/x"), "c");
    assert_string_equal(check(s, KZ_IOC_URL, "http://[2001:db8::5]/x"), "c");
    kz_warninglist_set_free(s);
}

static void test_hostname(void **state)
{
    (void)state;
    kz_warninglist_set *s = good_set();
    assert_string_equal(check(s, KZ_IOC_DOMAIN, "example.com"), "test-hosts");
    assert_string_equal(check(s, KZ_IOC_DOMAIN, "www.example.com"), "test-hosts");
    assert_string_equal(check(s, KZ_IOC_DOMAIN, "a.b.c.EXAMPLE.com."), "test-hosts");
    assert_string_equal(check(s, KZ_IOC_DOMAIN, "badexample.com"), "");
    assert_string_equal(check(s, KZ_IOC_DOMAIN, "example.com.evil.org"), "");
    assert_string_equal(check(s, KZ_IOC_DOMAIN, "com"), "");
    assert_string_equal(check(s, KZ_IOC_DOMAIN, "x.example.net"), "test-hosts");
    assert_string_equal(check(s, KZ_IOC_DOMAIN, "wild.org"), "test-hosts");
    assert_string_equal(check(s, KZ_IOC_DOMAIN, "deep.wild.org"), "test-hosts");
    assert_string_equal(check(s, KZ_IOC_DOMAIN, "evil.co.jp"), "test-hosts");
    /* the list applies to url: the URL's host; not to e-mail */
    assert_string_equal(check(s, KZ_IOC_URL, "https://user@cdn.example.com:443/a?b"),
                        "test-hosts");
    assert_string_equal(check(s, KZ_IOC_EMAIL, "a@example.com"), "");
    kz_warninglist_set_free(s);
}

static void test_string(void **state)
{
    (void)state;
    kz_warninglist_set *s = good_set();
    /* no matching_attributes: applies to every type; compared lower-cased */
    assert_string_equal(check(s, KZ_IOC_DOMAIN, "exact.example.org"), "test-strings");
    assert_string_equal(check(s, KZ_IOC_DOMAIN, "www.exact.example.org"), "");
    assert_string_equal(check(s, KZ_IOC_MD5, "D41D8CD98F00B204E9800998ECF8427E"), "test-strings");
    assert_string_equal(check(s, KZ_IOC__COUNT, "d41d8cd98f00b204e9800998ecf8427e"),
                        "test-strings");
    assert_string_equal(check(s, KZ_IOC_EMAIL, "user@mail.test"), "test-strings");
    /* ".google.test": subdomains only */
    assert_string_equal(check(s, KZ_IOC_DOMAIN, "mail.google.test"), "test-strings");
    assert_string_equal(check(s, KZ_IOC_DOMAIN, "google.test"), "");
    assert_string_equal(check(s, KZ_IOC_EMAIL, "x@mail.google.test"), "test-strings");
    kz_warninglist_set_free(s);
}

static void test_substring_regex(void **state)
{
    (void)state;
    kz_warninglist_set *s = good_set();
    assert_string_equal(check(s, KZ_IOC_URL, "http://evil.test/wp-content/x.php"),
                        "test-substrings");
    assert_string_equal(check(s, KZ_IOC_URL, "http://SINKHOLE.evil.test/"), "test-substrings");
    assert_string_equal(check(s, KZ_IOC_URL, "http://evil.test/wp-admin/"), "");
    /* substring list applies to url only */
    assert_string_equal(check(s, KZ_IOC_DOMAIN, "sinkhole.test"), "");
    assert_string_equal(check(s, KZ_IOC_URL, "http://abcdefgh.onion/x"), "test-regex");
    assert_string_equal(check(s, KZ_IOC_URL, "http://abcdefgh.onion.evil/x"), "");
    assert_string_equal(check(s, KZ_IOC_DOMAIN, "host.invalid"), "test-regex");
    assert_string_equal(check(s, KZ_IOC_IPV4, "1.2.3.4"), "special-cidr");
    kz_warninglist_set_free(s);
}

static void test_shared_entries(void **state)
{
    (void)state;
    kz_warninglist_set *s = kz_warninglist_set_new();
    const char *a = "{\"name\":\"A\",\"description\":\"d\",\"type\":\"hostname\",\"version\":1,"
                    "\"list\":[\"example.com\",\"example.com\",\"x.org\"]}";
    const char *b = "{\"name\":\"B\",\"description\":\"d\",\"type\":\"hostname\",\"version\":1,"
                    "\"list\":[\"x.org\",\"www.example.com\"]}";
    const char *c = "{\"name\":\"C\",\"description\":\"d\",\"type\":\"cidr\",\"version\":1,"
                    "\"list\":[\"10.0.0.0/8\"]}";
    const char *d = "{\"name\":\"D\",\"description\":\"d\",\"type\":\"cidr\",\"version\":1,"
                    "\"list\":[\"10.0.0.0/8\",\"10.1.0.0/16\"]}";
    kz_warninglist_error err;
    assert_int_equal(kz_warninglist_load_mem(s, "a", NULL, a, strlen(a), &err), KZ_OK);
    assert_int_equal(kz_warninglist_load_mem(s, "b", NULL, b, strlen(b), &err), KZ_OK);
    assert_int_equal(kz_warninglist_load_mem(s, "c", NULL, c, strlen(c), &err), KZ_OK);
    assert_int_equal(kz_warninglist_load_mem(s, "d", NULL, d, strlen(d), &err), KZ_OK);
    assert_int_equal(kz_warninglist_load_mem(s, "a", "again.json", d, strlen(d), &err),
                     KZ_EEXIST);
    assert_int_equal(kz_warninglist_count(s), 4);
    assert_int_equal(kz_warninglist_get(s, 0)->entries, 2);
    assert_int_equal(kz_warninglist_entries(s), 2 + 2 + 1 + 2);
    assert_int_equal(kz_warninglist_set_compile(s, &err), KZ_OK);
    /* loading after compile is refused */
    assert_int_equal(kz_warninglist_load_mem(s, "e", NULL, c, strlen(c), &err), KZ_EINVAL);
    assert_string_equal(check(s, KZ_IOC_DOMAIN, "x.org"), "a,b");
    assert_string_equal(check(s, KZ_IOC_DOMAIN, "www.example.com"), "a,b");
    assert_string_equal(check(s, KZ_IOC_DOMAIN, "example.com"), "a");
    assert_string_equal(check(s, KZ_IOC_IPV4, "10.1.2.3"), "c,d");
    assert_string_equal(check(s, KZ_IOC_IPV4, "10.2.2.3"), "c,d");
    /* a callback's nonzero stops */
    size_t n = 0;
    assert_int_equal(kz_warninglist_check(s, KZ_IOC_IPV4, "10.1.2.3", 8, NULL, NULL, &n), KZ_OK);
    assert_int_equal(n, 2);
    kz_warninglist_set_free(s);
}

static char *slurp_tsv(const char *path)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    static char buf[8192];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void test_bad_files(void **state)
{
    (void)state;
    char *tsv = slurp_tsv(BAD "/EXPECTED.tsv");
    size_t cases = 0;
    for (char *line = strtok(tsv, "\n"); line; line = strtok(NULL, "\n")) {
        if (line[0] == '#')
            continue;
        char *f[4] = {0};
        char *p = line;
        for (int i = 0; i < 4; i++) {
            f[i] = p;
            char *tab = strchr(p, '\t');
            if (tab) {
                *tab = '\0';
                p = tab + 1;
            } else {
                p += strlen(p);
            }
        }
        char path[256];
        snprintf(path, sizeof path, BAD "/%s", f[0]);
        kz_warninglist_set *s = kz_warninglist_set_new();
        kz_warninglist_error err;
        memset(&err, 0, sizeof err);
        kz_err rc = kz_warninglist_load_file(s, path, &err);
        if (strcmp(kz_errname(rc), f[1]) || strcmp(err.path, f[2]) || !strstr(err.msg, f[3]) ||
            strcmp(err.file, path))
            fail_msg("%s: got %s '%s' '%s' (file '%s'), want %s '%s' '...%s...'", f[0],
                     kz_errname(rc), err.path, err.msg, err.file, f[1], f[2], f[3]);
        /* the set is as it was: empty, and usable */
        assert_int_equal(kz_warninglist_count(s), 0);
        assert_int_equal(kz_warninglist_entries(s), 0);
        assert_int_equal(kz_warninglist_set_compile(s, NULL), KZ_OK);
        assert_string_equal(check(s, KZ_IOC_IPV4, "10.0.0.1"), "");
        kz_warninglist_set_free(s);
        cases++;
    }
    assert_true(cases >= 14);
    /* missing file, missing folder */
    kz_warninglist_set *s = kz_warninglist_set_new();
    kz_warninglist_error err;
    assert_int_equal(kz_warninglist_load_file(s, BAD "/nope.json", &err), KZ_ENOTFOUND);
    assert_string_equal(err.msg, "no such file");
    assert_int_equal(kz_warninglist_load_dir(s, BAD "/nope", NULL, &err), KZ_ENOTFOUND);
    /* a folder with a bad file names it */
    assert_int_equal(kz_warninglist_load_dir(s, BAD, NULL, &err), KZ_EPARSE);
    assert_non_null(strstr(err.file, BAD "/"));
    kz_warninglist_set_free(s);
}

static void test_limits(void **state)
{
    (void)state;
    kz_warninglist_set *s = kz_warninglist_set_new();
    kz_warninglist_error err;
    static char doc[KZ_WL_MAX_ENTRY + 200];
    int n = snprintf(doc, sizeof doc,
                     "{\"name\":\"n\",\"description\":\"d\",\"type\":\"string\",\"version\":1,"
                     "\"list\":[\"");
    memset(doc + n, 'a', KZ_WL_MAX_ENTRY + 1);
    memcpy(doc + n + KZ_WL_MAX_ENTRY + 1, "\"]}", 4);
    assert_int_equal(kz_warninglist_load_mem(s, "big", NULL, doc, strlen(doc), &err),
                     KZ_ETOOBIG);
    assert_string_equal(err.path, "$.list[0]");
    assert_int_equal(kz_warninglist_set_compile(s, NULL), KZ_OK);
    static char big[KZ_WL_MAX_ENTRY + 1];
    memset(big, 'a', sizeof big);
    assert_int_equal(kz_warninglist_check(s, KZ_IOC_DOMAIN, big, sizeof big, NULL, NULL, NULL),
                     KZ_ETOOBIG);
    kz_warninglist_set_free(s);
}

static void test_real_lists(void **state)
{
    (void)state;
    kz_warninglist_set *s = kz_warninglist_set_new();
    kz_warninglist_error err;
    kz_err rc = kz_warninglist_load_dir(s, "data/warninglists", NULL, &err);
    if (rc)
        fprintf(stderr, "%s: %s: %s\n", err.file, err.path, err.msg);
    assert_int_equal(rc, KZ_OK);
    assert_int_equal(kz_warninglist_set_compile(s, &err), KZ_OK);
    assert_true(kz_warninglist_count(s) >= 28);
    assert_true(kz_warninglist_entries(s) > 100000);
    size_t providers = 0;
    for (size_t i = 0; i < kz_warninglist_count(s); i++) {
        const kz_warninglist_info *l = kz_warninglist_get(s, i);
        if (strcmp(l->id, "amazon-aws") == 0)
            assert_string_equal(l->provider, "Amazon");
        if (strcmp(l->id, "googlebot") == 0)
            assert_string_equal(l->provider, "Google");
        if (strcmp(l->id, "rfc1918") == 0)
            assert_null(l->provider);
        providers += l->provider != NULL;
    }
    assert_true(providers >= 14);
    assert_non_null(strstr(check(s, KZ_IOC_IPV4, "8.8.8.8"), "public-dns-v4"));
    assert_non_null(strstr(check(s, KZ_IOC_IPV4, "192.168.1.1"), "rfc1918"));
    assert_non_null(strstr(check(s, KZ_IOC_IPV4, "104.16.0.1"), "cloudflare"));
    assert_non_null(strstr(check(s, KZ_IOC_IPV4, "17.1.2.3"), "apple"));
    assert_non_null(strstr(check(s, KZ_IOC_IPV6, "fe80::1"), "ipv6-linklocal"));
    assert_non_null(strstr(check(s, KZ_IOC_DOMAIN, "www.google.com"), "google"));
    assert_string_equal(check(s, KZ_IOC_IPV4, "45.77.1.2"), "");
    assert_string_equal(check(s, KZ_IOC_DOMAIN, "kizuna-evil-c2.xyz"), "");
    kz_warninglist_set_free(s);
}

static void test_guess(void **state)
{
    (void)state;
    static const struct {
        const char *v;
        kz_ioc_type t;
    } cases[] = {
        {"1.2.3.4", KZ_IOC_IPV4},
        {"10.0.0.0/8", KZ_IOC_IPV4},
        {"2001:db8::1", KZ_IOC_IPV6},
        {"https://evil.com/x", KZ_IOC_URL},
        {"a@evil.com", KZ_IOC_EMAIL},
        {"d41d8cd98f00b204e9800998ecf8427e", KZ_IOC_MD5},
        {"da39a3ee5e6b4b0d3255bfef95601890afd80709", KZ_IOC_SHA1},
        {"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", KZ_IOC_SHA256},
        {"CVE-2024-3400", KZ_IOC_CVE},
        {"evil.com", KZ_IOC_DOMAIN},
        {"hello", KZ_IOC__COUNT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(kz_warninglist_guess_type(cases[i].v, strlen(cases[i].v)), cases[i].t);
}

/* Regression (found by fuzz_warninglist): with Hyperscan's literal API a
 * match of a long substring entry made every later scan fail. */
static void test_long_substring(void **state)
{
    (void)state;
    kz_warninglist_set *s = kz_warninglist_set_new();
    const char *l = "{\"name\":\"n\",\"description\":\"d\",\"type\":\"substring\","
                    "\"version\":1,\"list\":[\"a\",\"%2e%2e~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~"
                    "~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\"]}";
    kz_warninglist_error err;
    assert_int_equal(kz_warninglist_load_mem(s, "sub", NULL, l, strlen(l), &err), KZ_OK);
    assert_int_equal(kz_warninglist_set_compile(s, &err), KZ_OK);
    const char *lit = "%2e%2e~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~"
                      "~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~";
    assert_string_equal(check(s, KZ_IOC__COUNT, lit), "sub");
    assert_string_equal(check(s, KZ_IOC__COUNT, "a"), "sub");
    assert_string_equal(check(s, KZ_IOC__COUNT, "xyz"), "");
    kz_warninglist_set_free(s);
}

/* Every allocation of load, compile and check failing in turn: KZ_ENOMEM
 * (or success when the failure hits nothing), never a crash or a leak. */
static void test_oom_sweep(void **state)
{
    (void)state;
    static const char *const docs[] = {
        "{\"name\":\"c\",\"description\":\"d\",\"type\":\"cidr\",\"version\":1,"
        "\"list\":[\"10.0.0.0/8\",\"2001:db8::/32\",\"192.0.2.1\"]}",
        "{\"name\":\"h\",\"description\":\"d\",\"type\":\"hostname\",\"version\":1,"
        "\"list\":[\"example.com\",\"example.net\"]}",
        "{\"name\":\"s\",\"description\":\"d\",\"type\":\"string\",\"version\":1,"
        "\"list\":[\".google.test\",\"x\"]}",
        "{\"name\":\"u\",\"description\":\"d\",\"type\":\"substring\",\"version\":1,"
        "\"list\":[\"/wp-\"]}",
        "{\"name\":\"r\",\"description\":\"d\",\"type\":\"regex\",\"version\":1,"
        "\"list\":[\"onion$\"]}",
    };
    size_t ok_runs = 0;
    for (long n = 1; n < 400; n++) {
        kz_alloc_fail_after(n, 1);
        kz_warninglist_set *s = kz_warninglist_set_new();
        kz_err rc = s ? KZ_OK : KZ_ENOMEM;
        kz_warninglist_error err;
        char id[2] = "a";
        for (size_t i = 0; !rc && i < sizeof docs / sizeof docs[0]; i++) {
            id[0] = (char)('a' + i);
            rc = kz_warninglist_load_mem(s, id, NULL, docs[i], strlen(docs[i]), &err);
        }
        if (!rc)
            rc = kz_warninglist_set_compile(s, &err);
        size_t n_hits = 0;
        if (!rc)
            rc = kz_warninglist_check(s, KZ_IOC_URL, "http://www.example.com/wp-x", 27, NULL, NULL,
                                      &n_hits);
        bool failed = kz_alloc_failures() > 0;
        kz_alloc_fail_after(0, 0);
        if (rc)
            assert_int_equal(rc, KZ_ENOMEM);
        else if (!failed)
            ok_runs++;
        kz_warninglist_set_free(s);
    }
    assert_true(ok_runs > 0); /* the sweep ran past the last allocation */
}

/* The filters in front of the indexes (the per-family map of the address
 * space cidr entries touch, the Bloom filter over string and hostname
 * keys) never hide a value: random addresses against prefixes of every
 * length around the filter's 20-bit granularity, answered as
 * kz_ip_contains says, and every hostname and string entry found, also
 * from a subdomain. */
static void test_filters_exact(void **state)
{
    (void)state;
    static const char *const cidrs[] = {
        "0.0.0.0/1",     "128.0.0.0/3",   "10.0.0.0/8",    "172.16.0.0/12", "198.18.0.0/15",
        "192.168.0.0/16", "100.64.0.0/19", "100.96.0.0/20", "100.112.16.0/21",
        "203.0.113.7",   "2001:db8::/32", "2600::/12",     "fe80::/10",     "2a00:1450::/19",
        "2a00:1460::/20", "2a00:1470:8000::/21", "2404:6800::1", "::/2"};
    size_t nc = sizeof cidrs / sizeof cidrs[0];
    kz_buf b;
    kz_buf_init(&b, 0);
    assert_int_equal(kz_buf_append_str(&b, "{\"name\": \"n\", \"description\": \"d\", "
                                           "\"version\": 1, \"type\": \"cidr\", \"list\": ["),
                     KZ_OK);
    for (size_t i = 0; i < nc; i++)
        assert_int_equal(kz_buf_printf(&b, "%s\"%s\"", i ? ", " : "", cidrs[i]), KZ_OK);
    assert_int_equal(kz_buf_append_str(&b, "]}"), KZ_OK);
    kz_warninglist_set *s = kz_warninglist_set_new();
    assert_non_null(s);
    kz_warninglist_error err;
    assert_int_equal(kz_warninglist_load_mem(s, "ips", NULL, b.data, b.len, &err), KZ_OK);
    static const char hostlist[] =
        "{\"name\": \"h\", \"description\": \"d\", \"version\": 1, \"type\": \"hostname\","
        " \"list\": [\"example.com\", \"*.b.example.org\", \"x.y.z.test\", \"Upper.JP\"]}";
    assert_int_equal(kz_warninglist_load_mem(s, "hosts", NULL, hostlist, strlen(hostlist), &err),
                     KZ_OK);
    static const char strlist[] =
        "{\"name\": \"s\", \"description\": \"d\", \"version\": 1, \"type\": \"string\","
        " \"list\": [\"exact.example.net\", \".suffix.example\", \"https://u.example/p\"]}";
    assert_int_equal(kz_warninglist_load_mem(s, "strs", NULL, strlist, strlen(strlist), &err),
                     KZ_OK);
    assert_int_equal(kz_warninglist_set_compile(s, &err), KZ_OK);
    kz_ipaddr pre[sizeof cidrs / sizeof cidrs[0]];
    for (size_t i = 0; i < nc; i++)
        assert_int_equal(kz_ip_parse(cidrs[i], strlen(cidrs[i]), &pre[i], NULL), KZ_OK);
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (int round = 0; round < 20000; round++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        kz_ipaddr ip;
        memset(&ip, 0, sizeof ip);
        /* near a prefix half of the time: its first bytes, then random */
        const kz_ipaddr *near = &pre[x % nc];
        ip.family = (round & 1) ? 4 : 6;
        ip.prefix = ip.family == 4 ? 32 : 128;
        for (int k = 0; k < 16; k++)
            ip.a[k] = (uint8_t)(x >> (8 * (k % 8)) ^ (uint64_t)k * 0x3d);
        if (round & 2 && near->family == ip.family)
            memcpy(ip.a, near->a, (size_t)(x >> 60) % 4);
        if (ip.family == 4)
            memset(ip.a + 4, 0, 12);
        char text[KZ_IP_TEXT_MAX];
        kz_ip_format(&ip, text, sizeof text);
        bool want = false;
        for (size_t i = 0; i < nc; i++)
            want = want || kz_ip_contains(&pre[i], &ip);
        const char *got = check(s, ip.family == 4 ? KZ_IOC_IPV4 : KZ_IOC_IPV6, text);
        if (want != (strcmp(got, "ips") == 0))
            fail_msg("%s: want %d, got '%s'", text, want, got);
    }
    /* any value of a type cidr lists apply to is looked up by its address
     * exactly when it parses as one */
    static const char *const odd[] = {"10.1.2.3",   "10.1.2.3.",   "10.1.2.3/8", "10.1.2.3/33",
                                      "a.10.1.2.3", "10.1.2",      "2001:db8::1", "2001:db8::/40",
                                      "2001:db8:x", "010.1.2.3",   " 10.1.2.3",  "10.1.2.3 ",
                                      "::ffff:10.1.2.3", "2001:db8::1%eth0", "1e100.net"};
    for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) {
        kz_ipaddr ip;
        bool want = false;
        if (kz_ip_parse(odd[i], strlen(odd[i]), &ip, NULL) == KZ_OK) {
            ip.prefix = ip.family == 4 ? 32 : 128;
            for (size_t k = 0; k < nc; k++)
                want = want || kz_ip_contains(&pre[k], &ip);
        }
        const char *got = check(s, KZ_IOC_DOMAIN, odd[i]);
        if (want != (strstr(got, "ips") != NULL))
            fail_msg("'%s': want %d, got '%s'", odd[i], want, got);
    }
    assert_string_equal(check(s, KZ_IOC_DOMAIN, "example.com"), "hosts");
    assert_string_equal(check(s, KZ_IOC_DOMAIN, "a.b.example.com"), "hosts");
    assert_string_equal(check(s, KZ_IOC_DOMAIN, "c.b.example.org"), "hosts");
    assert_string_equal(check(s, KZ_IOC_DOMAIN, "w.x.y.z.test"), "hosts");
    assert_string_equal(check(s, KZ_IOC_DOMAIN, "upper.jp"), "hosts");
    assert_string_equal(check(s, KZ_IOC_DOMAIN, "y.z.test"), "");
    assert_string_equal(check(s, KZ_IOC_DOMAIN, "exact.example.net"), "strs");
    assert_string_equal(check(s, KZ_IOC_DOMAIN, "a.suffix.example"), "strs");
    assert_string_equal(check(s, KZ_IOC_DOMAIN, "suffix.example"), "");
    assert_string_equal(check(s, KZ_IOC_URL, "https://U.example/p"), "strs");
    assert_string_equal(check(s, KZ_IOC_URL, "http://q.example.com:8080/x"), "hosts");
    kz_warninglist_set_free(s);
    kz_buf_release(&b);
}

/* The real lists read by the plain-shape reader and by the JSON parser
 * (wl_fast_disabled) make the same lists and the same index; and the
 * reader does take them (start-up time depends on it): a file with a
 * \\-escape and the biggest lists among them. */
static void test_fast_reader_same(void **state)
{
    (void)state;
    kz_warninglist_set *sets[2];
    kz_warninglist_error err;
    for (int k = 0; k < 2; k++) {
        wl_fast_disabled = k == 1;
        sets[k] = kz_warninglist_set_new();
        assert_non_null(sets[k]);
        assert_int_equal(kz_warninglist_load_dir(sets[k], "data/warninglists", NULL, &err), KZ_OK);
        assert_int_equal(kz_warninglist_set_compile(sets[k], &err), KZ_OK);
    }
    wl_fast_disabled = false;
    assert_int_equal(kz_warninglist_count(sets[0]), kz_warninglist_count(sets[1]));
    assert_int_equal(kz_warninglist_entries(sets[0]), kz_warninglist_entries(sets[1]));
    for (size_t i = 0; i < kz_warninglist_count(sets[0]); i++) {
        const kz_warninglist_info *a = kz_warninglist_get(sets[0], i),
                                  *b = kz_warninglist_get(sets[1], i);
        assert_string_equal(a->id, b->id);
        assert_string_equal(a->name, b->name);
        assert_string_equal(a->description, b->description);
        assert_int_equal(a->type, b->type);
        assert_int_equal(a->version, b->version);
        assert_int_equal(a->entries, b->entries);
        assert_true(a->provider == b->provider);
    }
    static const char *const probes[][2] = {
        {"ipv4-addr", "8.8.8.8"},         {"ipv4-addr", "52.95.110.1"},
        {"ipv6-addr", "2001:db8::1"},     {"domain-name", "www.google.com"},
        {"domain-name", "co.uk"},         {"url", "https://login.microsoftonline.com/x"},
        {"email-addr", "a@gmail.com"},    {"domain-name", "ocsp.digicert.com"}};
    for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++) {
        kz_ioc_type t;
        assert_int_equal(kz_ioc_type_parse(probes[i][0], &t), KZ_OK);
        char a[512];
        snprintf(a, sizeof a, "%s", check(sets[0], t, probes[i][1]));
        assert_string_equal(a, check(sets[1], t, probes[i][1]));
    }
    /* the reader itself: these files are of the plain shape */
    static const char *const plain[] = {"data/warninglists/public-dns-hostname.json",
                                        "data/warninglists/public-dns-v4.json",
                                        "data/warninglists/tranco10k.json"};
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) {
        char *buf = NULL;
        size_t n = 0;
        assert_int_equal(kz_file_read(plain[i], 4 << 20, &buf, &n, NULL, 0), KZ_OK);
        kz_arena *a = kz_arena_new(0);
        wl_doc d;
        assert_true(wl_fast_doc(a, buf, n, &d));
        assert_true(d.n > 1000);
        kz_free(d.list);
        kz_arena_free(a);
        kz_free(buf);
    }
    for (int k = 0; k < 2; k++)
        kz_warninglist_set_free(sets[k]);
}

/* The loader's dotted-quad reader agrees with kz_ip_parse wherever it
 * answers: 200,000 random strings over "0123456789./", edge cases, and it
 * takes every plain IPv4 entry of the real lists. */
static void test_ip4_parse_same(void **state)
{
    (void)state;
    static const char *const edge[] = {
        "0.0.0.0",    "255.255.255.255", "256.1.1.1",   "01.1.1.1",    "1.1.1.1/0",
        "1.1.1.1/00", "1.1.1.1/32",      "1.1.1.1/33",  "1.1.1.1/",    "1.1.1.1/032",
        "1.2.3",      "1.2.3.4.5",       "1.2.3.4/8/",  "10.0.0.255/24", ".1.2.3",
        "1..2.3",     "1.2.3.4 ",        "1.2.3.0004",  "192.168.1.1/31", "0.0.0.0/0"};
    static const char alpha[] = "0123456789./";
    uint64_t x = 88172645463325252ull;
    char buf[24];
    size_t agreed = 0;
    for (size_t i = 0; i < 200000 + sizeof edge / sizeof edge[0]; i++) {
        const char *v = buf;
        size_t len;
        if (i < sizeof edge / sizeof edge[0]) {
            v = edge[i];
            len = strlen(v);
        } else {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            /* a quad of 1-3 digit parts, maybe "/N", then maybe one byte
             * changed to a digit, '.' or '/' */
            len = 0;
            for (int part = 0; part < 4; part++) {
                if (part)
                    buf[len++] = '.';
                for (unsigned k = 0; k < 1 + (x >> (2 * part)) % 3; k++)
                    buf[len++] = alpha[(x >> (8 + 4 * part + k)) % 10];
            }
            if (x >> 40 & 1) {
                buf[len++] = '/';
                for (unsigned k = 0; k < 1 + (x >> 41) % 3; k++)
                    buf[len++] = alpha[(x >> (43 + 4 * k)) % 10];
            }
            if ((x >> 56) % 4 == 0)
                buf[(x >> 58) % len] = alpha[(x >> 50) % 12];
        }
        kz_ipaddr a, b;
        memset(&a, 0, sizeof a);
        memset(&b, 0, sizeof b);
        if (!wl_ip4_parse(v, len, &a))
            continue;
        agreed++;
        if (kz_ip_parse(v, len, &b, NULL) != KZ_OK || memcmp(&a, &b, sizeof a) != 0)
            fail_msg("'%.*s': wl_ip4_parse and kz_ip_parse differ", (int)len, v);
    }
    assert_true(agreed > 100);
    /* the real lists: every IPv4 entry kz_ip_parse takes, this takes too */
    static const char *const files[] = {"data/warninglists/public-dns-v4.json",
                                        "data/warninglists/amazon-aws.json"};
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        char *doc = NULL;
        size_t n = 0;
        assert_int_equal(kz_file_read(files[f], 4 << 20, &doc, &n, NULL, 0), KZ_OK);
        kz_arena *ar = kz_arena_new(0);
        wl_doc d;
        assert_true(wl_fast_doc(ar, doc, n, &d));
        size_t v4 = 0;
        for (size_t i = 0; i < d.n; i++) {
            kz_ipaddr a, b;
            if (kz_ip_parse(d.list[i].p, d.list[i].len, &b, NULL) != KZ_OK || b.family != 4)
                continue;
            v4++;
            memset(&a, 0, sizeof a);
            assert_true(wl_ip4_parse(d.list[i].p, d.list[i].len, &a));
            assert_memory_equal(&a, &b, sizeof a);
        }
        assert_true(v4 > 100);
        kz_free(d.list);
        kz_arena_free(ar);
        kz_free(doc);
    }
}

int main(void)
{
    /* these tests are about reading the JSON lists: a snapshot of
     * data/warninglists (test_warninglist_snap's subject) is not used */
    wl_snap_disabled = true;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cidr),          cmocka_unit_test(test_hostname),
        cmocka_unit_test(test_string),        cmocka_unit_test(test_substring_regex),
        cmocka_unit_test(test_shared_entries), cmocka_unit_test(test_bad_files),
        cmocka_unit_test(test_limits),        cmocka_unit_test(test_real_lists),
        cmocka_unit_test(test_guess),         cmocka_unit_test(test_long_substring),
        cmocka_unit_test(test_oom_sweep),     cmocka_unit_test(test_filters_exact),
        cmocka_unit_test(test_fast_reader_same), cmocka_unit_test(test_ip4_parse_same),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
