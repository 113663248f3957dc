/* test_lookup.c - matching (lib/match/run.c, kind.c): every case of
 * tests/data/match/values.tsv (token semantics, CIDR edges, IPv6 forms,
 * normalisation on both sides, complex patterns, skipped indicators),
 * --subdomains, /0 /32 /128 prefixes, multi-field records for complex
 * patterns, kind names, stopping from the callback, and OOM while matching. */
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "kizuna/alloc.h"
#include "kizuna/match.h"

#include "indicator_json.h"
#include "match/match_int.h"

#define BUNDLE "tests/data/match/indicators.json"

static kz_match_set *compile_file(const char *path, const kz_match_opts *o)
{
    kz_match_builder *b = NULL;
    assert_int_equal(kz_match_builder_new(o, &b), KZ_OK);
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(kz_match_builder_add_fd(b, fd, NULL, 0), KZ_OK);
    close(fd);
    kz_match_set *m = NULL;
    assert_int_equal(kz_match_builder_finish(b, &m), KZ_OK);
    return m;
}

/* Compiles indicators given as patterns, numbered 1.. in order. */
static kz_match_set *compile_patterns(const char *const *pats, size_t n, const kz_match_opts *o)
{
    kz_match_builder *b = NULL;
    assert_int_equal(kz_match_builder_new(o, &b), KZ_OK);
    kz_arena *a = kz_arena_new(0);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(kz_match_builder_add_object(b, indicator_json(a, i + 1, pats[i])), KZ_OK);
    }
    kz_arena_free(a);
    kz_match_set *m = NULL;
    assert_int_equal(kz_match_builder_finish(b, &m), KZ_OK);
    return m;
}

/* Hits collected as "N,N,..." (indicator numbers from their ids, in the
 * order reported) or "-". */
typedef struct got {
    const kz_match_set *m;
    char s[512];
    size_t n;
    size_t stop_after; /* 0: never stop */
    size_t last_field;
} got;

static int collect(void *ctx, const kz_match_hit *h)
{
    got *g = ctx;
    char id[KZ_MATCH_ID_MAX];
    assert_int_equal(kz_match_indicator_id(g->m, h->indicator, id), 47);
    long num = strtol(id + 35, NULL, 10);
    size_t l = strlen(g->s);
    snprintf(g->s + l, sizeof g->s - l, "%s%ld", l ? "," : "", num);
    g->last_field = h->field;
    g->n++;
    return g->stop_after && g->n >= g->stop_after;
}

static const char *match1(const kz_match_set *m, kz_match_scratch *s, kz_match_kind k,
                          const char *v, got *g)
{
    memset(g, 0, sizeof *g);
    g->m = m;
    kz_match_field f = {.kind = k, .value = v, .len = strlen(v)};
    kz_match_record r = {.fields = &f, .n_fields = 1};
    assert_int_equal(kz_match_record_run(m, s, &r, collect, g), KZ_OK);
    if (!g->s[0])
        memcpy(g->s, "-", 2);
    return g->s;
}

static void test_values_file(void **state)
{
    (void)state;
    kz_match_set *m = compile_file(BUNDLE, NULL);
    kz_match_scratch *s = NULL;
    assert_int_equal(kz_match_scratch_new(m, &s), KZ_OK);
    FILE *f = fopen("tests/data/match/values.tsv", "r");
    assert_non_null(f);
    char line[1024];
    int n = 0, cases = 0;
    while (fgets(line, sizeof line, f)) {
        n++;
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '#' || !line[0])
            continue;
        char *t1 = strchr(line, '\t');
        char *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
        assert_non_null(t2);
        *t1 = *t2 = '\0';
        kz_match_kind k;
        assert_int_equal(kz_match_kind_parse(line, strlen(line), &k), KZ_OK);
        got g;
        const char *have = match1(m, s, k, t1 + 1, &g);
        if (strcmp(have, t2 + 1) != 0)
            fail_msg("values.tsv:%d: %s '%s' hit %s, expected %s", n, line, t1 + 1, have, t2 + 1);
        cases++;
    }
    fclose(f);
    assert_true(cases >= 60);
    assert_int_equal(kz_match_scratch_errors(s), 0);
    kz_match_scratch_free(s);
    kz_match_set_free(m);
}

static void test_subdomains(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"evil.com", "7"},          {"www.evil.com", "7"},     {"a.b.evil.com", "7"},
        {"WWW.Evil.Com.", "7"},     {"notevil.com", "-"},      {"evil.com.example.org", "-"},
        {"x.c2.example.org", "12"}, {"example.org", "-"},      {"com", "-"},
    };
    kz_match_opts o = {.subdomains = true};
    kz_match_set *m = compile_file(BUNDLE, &o);
    kz_match_scratch *s = NULL;
    assert_int_equal(kz_match_scratch_new(m, &s), KZ_OK);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        got g;
        if (strcmp(match1(m, s, KZ_MATCH_DOMAIN, cases[i][0], &g), cases[i][1]) != 0)
            fail_msg("--subdomains: %s hit %s, expected %s", cases[i][0], g.s, cases[i][1]);
    }
    kz_match_scratch_free(s);
    kz_match_set_free(m);
}

static void test_prefix_edges(void **state)
{
    (void)state;
    static const char *const pats[] = {
        "[ipv4-addr:value ISSUBSET '0.0.0.0/0']",
        "[ipv6-addr:value ISSUBSET '::/0']",
        "[ipv4-addr:value ISSUBSET '192.0.2.1/32']",
        "[ipv6-addr:value ISSUBSET '2001:db8::1/128']",
        "[ipv4-addr:value = '192.0.2.0/31']",
        "[ipv6-addr:value = '2001:db8::/127']",
        "[ipv4-addr:value IN ('10.0.0.0/8', '10.1.0.0/16', '10.1.2.3')]",
    };
    static const char *const cases[][3] = {
        {"ipv4-addr", "203.0.113.9", "1"},
        {"ipv4-addr", "192.0.2.1", "3,5,1"},      /* longest prefix first */
        {"ipv4-addr", "192.0.2.0", "5,1"},
        {"ipv4-addr", "192.0.2.2", "1"},
        {"ipv6-addr", "2001:db8::1", "4,6,2"},
        {"ipv6-addr", "2001:db8::", "6,2"},
        {"ipv6-addr", "2001:db8::2", "2"},
        {"ipv4-addr", "10.1.2.3", "7,1"},         /* one indicator, three prefixes: once */
        {"ipv4-addr", "10.9.9.9", "7,1"},
        /* a reader that does not know the family: the address decides */
        {"ipv4-addr", "2001:db8::2", "2"},
        {"ipv6-addr", "10.9.9.9", "7,1"},
        {"ipv4-addr", "0.0.0.0", "1"},
        {"ipv4-addr", "255.255.255.255", "1"},
    };
    kz_match_set *m = compile_patterns(pats, sizeof pats / sizeof pats[0], NULL);
    kz_match_stats st;
    kz_match_set_stats(m, &st);
    assert_int_equal(st.simple, 7);
    kz_match_scratch *s = NULL;
    assert_int_equal(kz_match_scratch_new(m, &s), KZ_OK);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        kz_match_kind k;
        assert_int_equal(kz_match_kind_parse(cases[i][0], strlen(cases[i][0]), &k), KZ_OK);
        got g;
        if (strcmp(match1(m, s, k, cases[i][1], &g), cases[i][2]) != 0)
            fail_msg("%s hit %s, expected %s", cases[i][1], g.s, cases[i][2]);
    }
    kz_match_scratch_free(s);
    kz_match_set_free(m);
}

static void test_records(void **state)
{
    (void)state;
    kz_match_set *m = compile_file(BUNDLE, NULL);
    kz_match_scratch *s = NULL;
    assert_int_equal(kz_match_scratch_new(m, &s), KZ_OK);
    got g = {.m = m};
    /* A file record with both hashes: two simple hits and the complex AND. */
    kz_match_field file[] = {
        {.kind = KZ_MATCH_MD5, .value = "0123456789ABCDEF0123456789ABCDEF", .len = 32},
        {.kind = KZ_MATCH_SHA256,
         .value = "aabbccddeeff00112233445566778899aabbccddeeff00112233445566778899",
         .len = 64},
    };
    kz_match_record r = {.fields = file, .n_fields = 2};
    assert_int_equal(kz_match_record_run(m, s, &r, collect, &g), KZ_OK);
    assert_string_equal(g.s, "11,10,23");
    assert_int_equal(g.last_field, KZ_MATCH_FIELD_RECORD);
    /* Only one of the two: no complex hit. */
    memset(&g, 0, sizeof g);
    g.m = m;
    r.n_fields = 1;
    assert_int_equal(kz_match_record_run(m, s, &r, collect, &g), KZ_OK);
    assert_string_equal(g.s, "11");
    /* An OTHER field (a number) for a property no lookup covers. */
    memset(&g, 0, sizeof g);
    g.m = m;
    kz_match_field conn[] = {
        {.kind = KZ_MATCH_OTHER, .value = "4444", .len = 4, .sco_type = "network-traffic",
         .property = "dst_port", .numeric = true},
        {.kind = KZ_MATCH_IPV4, .value = "198.51.100.99", .len = 13},
    };
    r = (kz_match_record){.fields = conn, .n_fields = 2};
    assert_int_equal(kz_match_record_run(m, s, &r, collect, &g), KZ_OK);
    assert_string_equal(g.s, "12,22");
    /* OTHER joins the typed object of its type, whatever the order. */
    memset(&g, 0, sizeof g);
    g.m = m;
    kz_match_field mail[] = {
        {.kind = KZ_MATCH_OTHER, .value = "A", .len = 1, .sco_type = "email-addr",
         .property = "display_name"},
        {.kind = KZ_MATCH_EMAIL, .value = "a@example.com", .len = 13},
    };
    r = (kz_match_record){.fields = mail, .n_fields = 2};
    assert_int_equal(kz_match_record_run(m, s, &r, collect, &g), KZ_OK);
    assert_string_equal(g.s, "21");
    /* The callback stops the record. */
    memset(&g, 0, sizeof g);
    g.m = m;
    g.stop_after = 1;
    r = (kz_match_record){.fields = file, .n_fields = 2};
    assert_int_equal(kz_match_record_run(m, s, &r, collect, &g), KZ_OK);
    assert_string_equal(g.s, "11");
    /* Already-normalised values (the text scanner's) and kz_match_value. */
    memset(&g, 0, sizeof g);
    g.m = m;
    assert_int_equal(kz_match_value(m, s, KZ_MATCH_DOMAIN, "evil.com", 8, true, collect, &g), KZ_OK);
    assert_int_equal(kz_match_value(m, s, KZ_MATCH_DOMAIN, "EVIL.com", 8, true, collect, &g), KZ_OK);
    assert_int_equal(kz_match_value(m, s, KZ_MATCH_DOMAIN, "EVIL.com", 8, false, collect, &g), KZ_OK);
    assert_string_equal(g.s, "7,7");
    /* Bad arguments. */
    kz_match_field bad = {.kind = KZ_MATCH_KIND_COUNT, .value = "x", .len = 1};
    r = (kz_match_record){.fields = &bad, .n_fields = 1};
    assert_int_equal(kz_match_record_run(m, s, &r, collect, &g), KZ_EINVAL);
    kz_match_scratch_free(s);
    kz_match_set_free(m);
}

static void test_kinds(void **state)
{
    (void)state;
    kz_match_kind k;
    for (unsigned i = 0; i < KZ_MATCH_OTHER; i++) {
        const char *name = kz_match_kind_name((kz_match_kind)i);
        assert_non_null(name);
        assert_int_equal(kz_match_kind_parse(name, strlen(name), &k), KZ_OK);
        assert_int_equal(k, i);
    }
    assert_null(kz_match_kind_name(KZ_MATCH_OTHER));
    assert_int_equal(kz_match_kind_parse("SHA256", 6, &k), KZ_OK);
    assert_int_equal(k, KZ_MATCH_SHA256);
    assert_int_equal(kz_match_kind_parse("file:hashes.SHA-256", 19, &k), KZ_OK);
    assert_int_equal(k, KZ_MATCH_SHA256);
    assert_int_equal(kz_match_kind_parse("ipv4-addr:valu", 14, &k), KZ_EINVAL);
    assert_int_equal(kz_match_kind_parse("", 0, &k), KZ_EINVAL);
    /* Normalisation as the lookups see it. */
    kz_match_set *m = compile_patterns(NULL, 0, NULL);
    kz_match_scratch *s = NULL;
    assert_int_equal(kz_match_scratch_new(m, &s), KZ_OK);
    const char *out;
    size_t n;
    assert_int_equal(kz_match_normalize(s, KZ_MATCH_IPV6, "2001:DB8:0::0:1", 15, &out, &n), KZ_OK);
    assert_string_equal(out, "2001:db8::1");
    assert_int_equal(kz_match_normalize(s, KZ_MATCH_IPV4, "010.1.1.1", 9, &out, &n), KZ_EPARSE);
    assert_int_equal(kz_match_normalize(s, KZ_MATCH_SHA3_256, "AB", 2, &out, &n), KZ_EPARSE);
    assert_int_equal(kz_match_normalize(s, KZ_MATCH_TLSH, "T1AB", 4, &out, &n), KZ_OK);
    assert_string_equal(out, "t1ab");
    kz_match_scratch_free(s);
    kz_match_set_free(m);
}

/* Values of canonical shape are looked up without normalising; that is
 * right only if the normaliser returns them unchanged or refuses them. */
static void test_canonical_shortcut(void **state)
{
    (void)state;
    static const char *const cases[] = {
        "evil.com", "a.b.evil.com", "evil.com.", ".evil.com", "a..b.com", "-a.com", "a-.com",
        "a.com-", "xn--bcher-kva.example", "xn--zz.com", "a.zz", "localhost", "1.2.3.4",
        "1.2.3.com", "a_b.com", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com",
        "http://evil.com/x", "http://evil.com", "https://evil.com:443/x", "http://evil.com:/x",
        "http://evil.com:80?q", "http://evil.com#f", "http://1.2.3.4/x", "http://010.1.1.1/x",
        "ftp://a.b.com/x y", "http://a.com./x", "http://u@a.com/", "hxxp://a.com/",
        "a@evil.com", "a.b+c@evil.com", "@evil.com", "a@@evil.com", ".a@evil.com", "a b@evil.com",
        "A@evil.com", "a@evil.com.", "d41d8cd98f00b204e9800998ecf8427e",
        "da39a3ee5e6b4b0d3255bfef95601890afd80709",
        "aabbccddeeff00112233445566778899aabbccddeeff00112233445566778899",
    };
    kz_arena *a = kz_arena_new(0);
    size_t shortcut = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len = strlen(cases[i]);
        for (unsigned k = 0; k < KZ_MATCH_OTHER; k++) {
            if (k == KZ_MATCH_IPV4 || k == KZ_MATCH_IPV6 ||
                !mc_is_canonical((kz_match_kind)k, cases[i], len))
                continue;
            shortcut++;
            const char *out = NULL;
            size_t n = 0;
            kz_err rc = mc_normalize(a, (kz_match_kind)k, cases[i], len, &out, &n);
            if (rc == KZ_OK && (n != len || memcmp(out, cases[i], len) != 0))
                fail_msg("%s '%s' normalises to '%s'", kz_match_kind_name((kz_match_kind)k),
                         cases[i], out);
        }
    }
    assert_true(shortcut >= 15);
    assert_false(mc_is_canonical(KZ_MATCH_DOMAIN, "Evil.com", 8));
    assert_false(mc_is_canonical(KZ_MATCH_MD5, "D41D8CD98F00B204E9800998ECF8427E", 32));
    assert_false(mc_is_canonical(KZ_MATCH_URL, "HTTP://evil.com/", 16));
    kz_arena_free(a);
}

/* One set, several threads, each with its own scratch: the same hits as
 * one thread (simple lookups share the set read-only; complex patterns go
 * through the set's lock). */
typedef struct thr {
    const kz_match_set *m;
    size_t hits;
    kz_err rc;
} thr;

static int count_hit(void *ctx, const kz_match_hit *h)
{
    (void)h;
    (*(size_t *)ctx)++;
    return 0;
}

static void *thread_main(void *arg)
{
    thr *t = arg;
    kz_match_scratch *s = NULL;
    t->rc = kz_match_scratch_new(t->m, &s);
    kz_match_field f[] = {
        {.kind = KZ_MATCH_IPV4, .value = "198.51.100.7", .len = 12},
        {.kind = KZ_MATCH_URL, .value = "http://wp.example.com/a/wp-admin/b", .len = 34},
        {.kind = KZ_MATCH_DOMAIN, .value = "EVIL.com", .len = 8},
        {.kind = KZ_MATCH_IPV6, .value = "2001:db8:abcd::9", .len = 16},
    };
    kz_match_record r = {.fields = f, .n_fields = 4};
    for (int i = 0; !t->rc && i < 500; i++)
        t->rc = kz_match_record_run(t->m, s, &r, count_hit, &t->hits);
    kz_match_scratch_free(s);
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    kz_match_set *m = compile_file(BUNDLE, NULL);
    thr t[4];
    pthread_t id[4];
    for (int i = 0; i < 4; i++) {
        t[i] = (thr){.m = m};
        assert_int_equal(pthread_create(&id[i], NULL, thread_main, &t[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(id[i], NULL), 0);
        assert_int_equal(t[i].rc, KZ_OK);
        assert_int_equal(t[i].hits, 500 * 5); /* 1, 2, 20, 7, 6 per record */
    }
    kz_match_set_free(m);
}

/* Out of memory while matching is an error, never a crash or a leak. */
static void test_oom_match(void **state)
{
    (void)state;
    kz_match_set *m = compile_file(BUNDLE, NULL);
    kz_match_field f[] = {
        {.kind = KZ_MATCH_URL, .value = "http://wp.example.com/a/wp-admin/b", .len = 34},
        {.kind = KZ_MATCH_IPV4, .value = "198.51.100.7", .len = 12},
    };
    kz_match_record r = {.fields = f, .n_fields = 2};
    bool done = false;
    for (long failat = 1; failat < 10000 && !done; failat++) {
        kz_match_scratch *s = NULL;
        got g = {.m = m};
        kz_alloc_fail_after(failat, 0);
        kz_err rc = kz_match_scratch_new(m, &s);
        if (!rc)
            rc = kz_match_record_run(m, s, &r, collect, &g);
        long failures = kz_alloc_failures();
        kz_alloc_fail_after(0, 0);
        kz_match_scratch_free(s);
        if (rc != KZ_OK && rc != KZ_ENOMEM)
            fail_msg("allocation %ld: %s", failat, kz_errname(rc));
        if (!rc && failures == 0) {
            assert_string_equal(g.s, "1,2,20");
            done = true;
        }
    }
    assert_true(done);
    kz_match_set_free(m);
}

/* A record's field states are not cleared between calls (run.c): a field
 * that is OTHER, has no value or does not parse must not inherit the hit of
 * the field that stood at its index in the record before, on the stack or
 * (more than 32 fields) in the arena. */
static void test_stale_fields(void **state)
{
    (void)state;
    kz_match_set *m = compile_file(BUNDLE, NULL);
    kz_match_scratch *s = NULL;
    assert_int_equal(kz_match_scratch_new(m, &s), KZ_OK);
    kz_match_field hit[40], stale[40];
    for (size_t i = 0; i < 40; i++) {
        hit[i] = (kz_match_field){.kind = KZ_MATCH_MD5, .value = "0123456789abcdef0123456789abcdef",
                                  .len = 32};
        stale[i] = (kz_match_field){.kind = KZ_MATCH_OTHER, .value = "x", .len = 1};
    }
    stale[1] = (kz_match_field){.kind = KZ_MATCH_MD5, .value = NULL, .len = 0};
    stale[2] = (kz_match_field){.kind = KZ_MATCH_MD5, .value = "zz", .len = 2};
    stale[3] = (kz_match_field){.kind = KZ_MATCH_IPV4, .value = "1.2.3", .len = 5};
    stale[4] = (kz_match_field){.kind = KZ_MATCH_DOMAIN, .value = "not-listed.example", .len = 18};
    for (size_t n = 5; n <= 40; n += 35) {
        got g = {.m = m};
        kz_match_record r = {.fields = hit, .n_fields = n};
        assert_int_equal(kz_match_record_run(m, s, &r, collect, &g), KZ_OK);
        assert_int_equal(g.n, n);
        memset(&g, 0, sizeof g);
        g.m = m;
        r.fields = stale;
        assert_int_equal(kz_match_record_run(m, s, &r, collect, &g), KZ_OK);
        assert_int_equal(g.n, 0);
        /* an invalid field ends the record: the ones before it still hit */
        memset(&g, 0, sizeof g);
        g.m = m;
        hit[2].kind = KZ_MATCH_KIND_COUNT;
        r.fields = hit;
        assert_int_equal(kz_match_record_run(m, s, &r, collect, &g), KZ_EINVAL);
        assert_string_equal(g.s, "11,11");
        hit[2].kind = KZ_MATCH_MD5;
    }
    kz_match_scratch_free(s);
    kz_match_set_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values_file), cmocka_unit_test(test_subdomains),
        cmocka_unit_test(test_prefix_edges), cmocka_unit_test(test_records),
        cmocka_unit_test(test_kinds),        cmocka_unit_test(test_oom_match),
        cmocka_unit_test(test_canonical_shortcut), cmocka_unit_test(test_threads),
        cmocka_unit_test(test_stale_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
