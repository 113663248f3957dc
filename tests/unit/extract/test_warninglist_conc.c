/* test_warninglist_conc.c - provider concentration: distinct hosts (a URL
 * by its host, case and trailing dots folded), providers counted per host,
 * hosts read from observables and from indicator patterns, the JSON form,
 * and URL host parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kizuna/alloc.h"
#include "kizuna/warninglist.h"

/* Two provider lists (ids start with a provider prefix) and one that is not. */
static kz_warninglist_set *lists(void)
{
    static const char *const docs[][2] = {
        {"amazon-test", "{\"name\":\"A\",\"description\":\"d\",\"type\":\"cidr\",\"version\":1,"
                        "\"list\":[\"52.95.0.0/16\",\"2600:1f00::/24\"]}"},
        {"google-test", "{\"name\":\"G\",\"description\":\"d\",\"type\":\"hostname\","
                        "\"version\":1,\"list\":[\"google.com\"]}"},
        {"microsoft-test", "{\"name\":\"M\",\"description\":\"d\",\"type\":\"cidr\","
                           "\"version\":1,\"list\":[\"52.95.1.0/24\"]}"},
        {"rfc1918", "{\"name\":\"P\",\"description\":\"d\",\"type\":\"cidr\",\"version\":1,"
                    "\"list\":[\"10.0.0.0/8\"]}"},
    };
    kz_warninglist_set *s = kz_warninglist_set_new();
    kz_warninglist_error err;
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++)
        assert_int_equal(
            kz_warninglist_load_mem(s, docs[i][0], NULL, docs[i][1], strlen(docs[i][1]), &err),
            KZ_OK);
    assert_int_equal(kz_warninglist_set_compile(s, &err), KZ_OK);
    return s;
}

static void add(kz_warninglist_conc *c, kz_ioc_type t, const char *v)
{
    assert_int_equal(kz_warninglist_conc_add(c, t, v, strlen(v)), KZ_OK);
}

static void test_counts(void **state)
{
    (void)state;
    kz_warninglist_set *s = lists();
    assert_string_equal(kz_warninglist_get(s, 0)->provider, "Amazon");
    kz_warninglist_conc *c = kz_warninglist_conc_new(s);
    assert_non_null(c);
    add(c, KZ_IOC_IPV4, "52.95.2.3");                 /* Amazon */
    add(c, KZ_IOC_URL, "http://52.95.2.3:8080/x");    /* the same host */
    add(c, KZ_IOC_IPV4, "52.95.1.9");                 /* Amazon and Microsoft */
    add(c, KZ_IOC_URL, "https://mail.Google.com./a"); /* Google by its host */
    add(c, KZ_IOC_DOMAIN, "mail.google.com");         /* the same host */
    add(c, KZ_IOC_URL, "http://[2600:1f00::1]/x");    /* Amazon, IPv6 */
    add(c, KZ_IOC_IPV4, "10.1.1.1");                  /* a list, not a provider's */
    add(c, KZ_IOC_DOMAIN, "evil.example");
    add(c, KZ_IOC_EMAIL, "a@google.com");             /* e-mail: not a host */
    add(c, KZ_IOC_SHA256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const kz_warninglist_conc_result *r = kz_warninglist_conc_get(c);
    assert_int_equal(r->hosts, 6);
    assert_int_equal(r->on_provider, 4);
    assert_int_equal(r->n_providers, 3);
    assert_string_equal(r->providers[0].provider, "Amazon");
    assert_int_equal(r->providers[0].hosts, 3);
    assert_string_equal(r->providers[1].provider, "Google");
    assert_int_equal(r->providers[1].hosts, 1);
    assert_string_equal(r->providers[2].provider, "Microsoft");
    kz_buf b;
    kz_buf_init(&b, 0);
    assert_int_equal(kz_warninglist_conc_json(r, &b), KZ_OK);
    assert_string_equal(b.data,
                        "{\"type\": \"provider-concentration\", \"iocs\": 6, \"on_provider\": 4, "
                        "\"share\": 0.6667, \"providers\": [{\"provider\": \"Amazon\", \"iocs\": "
                        "3, \"share\": 0.5000}, {\"provider\": \"Google\", \"iocs\": 1, \"share\": "
                        "0.1667}, {\"provider\": \"Microsoft\", \"iocs\": 1, \"share\": 0.1667}]}");
    kz_buf_release(&b);
    kz_warninglist_conc_free(c);
    kz_warninglist_set_free(s);
}

typedef struct found {
    const kz_warninglist_info *l[16];
    size_t n;
} found;

static int keep(void *ctx, const kz_warninglist_info *l)
{
    found *f = ctx;
    if (f->n < 16)
        f->l[f->n++] = l;
    return 0;
}

/* kz_warninglist_conc_add_checked with the lists a check found gives the
 * figures kz_warninglist_conc_add gives - also for values that are not
 * the check's canonical form (case, trailing dot) and for URLs, whose
 * lists are not their host's. */
static void test_checked_same(void **state)
{
    (void)state;
    static const struct {
        kz_ioc_type t;
        const char *v;
    } in[] = {{KZ_IOC_IPV4, "52.95.2.3"},          {KZ_IOC_URL, "http://52.95.2.3:8080/x"},
              {KZ_IOC_IPV4, "52.95.1.9"},          {KZ_IOC_URL, "https://mail.Google.com./a"},
              {KZ_IOC_DOMAIN, "Mail.google.com."}, {KZ_IOC_DOMAIN, "mail.google.com"},
              {KZ_IOC_DOMAIN, "www.GOOGLE.com"},   {KZ_IOC_URL, "http://[2600:1f00::1]/x"},
              {KZ_IOC_IPV6, "2600:1f00::2"},       {KZ_IOC_IPV4, "10.1.1.1"},
              {KZ_IOC_DOMAIN, "google.com."},      {KZ_IOC_EMAIL, "a@google.com"}};
    kz_warninglist_set *s = lists();
    kz_warninglist_conc *a = kz_warninglist_conc_new(s), *b = kz_warninglist_conc_new(s);
    assert_non_null(a);
    assert_non_null(b);
    for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
        found f = {.n = 0};
        size_t len = strlen(in[i].v);
        assert_int_equal(kz_warninglist_check(s, in[i].t, in[i].v, len, keep, &f, NULL), KZ_OK);
        add(a, in[i].t, in[i].v);
        assert_int_equal(kz_warninglist_conc_add_checked(b, in[i].t, in[i].v, len, f.l, f.n),
                         KZ_OK);
        const kz_warninglist_conc_result *ra = kz_warninglist_conc_get(a),
                                         *rb = kz_warninglist_conc_get(b);
        assert_int_equal(ra->hosts, rb->hosts);
        assert_int_equal(ra->on_provider, rb->on_provider);
        assert_int_equal(ra->n_providers, rb->n_providers);
        for (size_t k = 0; k < ra->n_providers; k++) {
            assert_string_equal(ra->providers[k].provider, rb->providers[k].provider);
            assert_int_equal(ra->providers[k].hosts, rb->providers[k].hosts);
        }
    }
    assert_int_equal(kz_warninglist_conc_get(b)->hosts, 8);
    kz_warninglist_conc_free(a);
    kz_warninglist_conc_free(b);
    kz_warninglist_set_free(s);
}

static void add_obj(kz_warninglist_conc *c, kz_arena *a, const char *json)
{
    kz_json *v = NULL;
    assert_int_equal(kz_json_parse(a, json, strlen(json), NULL, &v, NULL), KZ_OK);
    assert_int_equal(kz_warninglist_conc_add_object(c, v), KZ_OK);
}

static void test_objects(void **state)
{
    (void)state;
    kz_warninglist_set *s = lists();
    kz_warninglist_conc *c = kz_warninglist_conc_new(s);
    kz_arena *a = kz_arena_new(0);
    add_obj(c, a, "{\"type\":\"ipv4-addr\",\"value\":\"52.95.3.4\"}");
    add_obj(c, a,
            "{\"type\":\"indicator\",\"pattern_type\":\"stix\",\"pattern\":\"[ipv4-addr:value = "
            "'52.95.3.4' OR domain-name:value='www.google.com'] AND [url:value = "
            "'http://evil.example/it\\\\'s']\"}");
    /* not a stix pattern, not a host type, a custom type ending in a host path */
    add_obj(c, a, "{\"type\":\"indicator\",\"pattern_type\":\"sigma\",\"pattern\":"
                  "\"[ipv4-addr:value = '52.95.9.9']\"}");
    add_obj(c, a, "{\"type\":\"indicator\",\"pattern_type\":\"stix\",\"pattern\":"
                  "\"[x-ipv4-addr:value = '52.95.9.8']\"}");
    add_obj(c, a, "{\"type\":\"file\",\"hashes\":{\"MD5\":\"d41d8cd98f00b204e9800998ecf8427e\"}}");
    add_obj(c, a, "{\"type\":\"domain-name\",\"value\":\"www.google.com\"}");
    const kz_warninglist_conc_result *r = kz_warninglist_conc_get(c);
    /* 52.95.3.4, www.google.com, evil.example */
    assert_int_equal(r->hosts, 3);
    assert_int_equal(r->on_provider, 2);
    kz_arena_free(a);
    kz_warninglist_conc_free(c);
    kz_warninglist_set_free(s);
}

static void test_url_host(void **state)
{
    (void)state;
    static const struct {
        const char *url, *host;
        kz_ioc_type t;
    } cases[] = {
        {"http://evil.com/x", "evil.com", KZ_IOC_DOMAIN},
        {"https://user:pw@evil.com:8443/x?y#z", "evil.com", KZ_IOC_DOMAIN},
        {"http://1.2.3.4:80", "1.2.3.4", KZ_IOC_IPV4},
        {"http://[2001:db8::1]:80/", "2001:db8::1", KZ_IOC_IPV6},
        {"ftp://files.example.org", "files.example.org", KZ_IOC_DOMAIN},
        {"http://evil.com\\path", "evil.com", KZ_IOC_DOMAIN},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *h;
        size_t hl;
        kz_ioc_type t;
        assert_true(kz_warninglist_url_host(cases[i].url, strlen(cases[i].url), &h, &hl, &t));
        assert_int_equal(hl, strlen(cases[i].host));
        assert_memory_equal(h, cases[i].host, hl);
        assert_int_equal(t, cases[i].t);
    }
    const char *h;
    size_t hl;
    assert_false(kz_warninglist_url_host("evil.com/x", 10, &h, &hl, NULL));
    assert_false(kz_warninglist_url_host("http:///x", 9, &h, &hl, NULL));
    assert_false(kz_warninglist_url_host("http://[::1/x", 13, &h, &hl, NULL));
}

static void test_oom_sweep(void **state)
{
    (void)state;
    kz_warninglist_set *s = lists();
    size_t ok_runs = 0;
    for (long n = 1; n < 200; n++) {
        kz_alloc_fail_after(n, 1);
        kz_warninglist_conc *c = kz_warninglist_conc_new(s);
        kz_err rc = c ? KZ_OK : KZ_ENOMEM;
        char v[32];
        for (int i = 0; !rc && i < 100; i++) {
            snprintf(v, sizeof v, "h%d.google.com", i);
            rc = kz_warninglist_conc_add(c, KZ_IOC_DOMAIN, v, strlen(v));
        }
        bool failed = kz_alloc_failures() > 0;
        kz_alloc_fail_after(0, 0);
        if (rc)
            assert_int_equal(rc, KZ_ENOMEM);
        else if (!failed)
            ok_runs++;
        kz_warninglist_conc_free(c);
    }
    assert_true(ok_runs > 0);
    kz_warninglist_set_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts),
        cmocka_unit_test(test_checked_same),
        cmocka_unit_test(test_objects),
        cmocka_unit_test(test_url_host),
        cmocka_unit_test(test_oom_sweep),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
