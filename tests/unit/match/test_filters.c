/* test_filters.c - the Bloom filters in front of the exact tables (the
 * match set's string-key filter, lib/match/build.c and run.c; the IP
 * set's /32 and /128 filters, lib/core/ipset.c) never hide a key: every
 * key of a few thousand is found, in every kind, with absent values and
 * other kinds' keys not reported; and an IP set whose filter could not be
 * rebuilt (allocation failures at every point while it grows) still finds
 * every address that was added. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/ipset_int.h"
#include "kizuna/alloc.h"
#include "kizuna/buf.h"
#include "kizuna/ipset.h"
#include "kizuna/json.h"
#include "kizuna/match.h"

#include "indicator_json.h"

#define N_EACH 1500

static int count_hit(void *ctx, const kz_match_hit *h)
{
    (void)h;
    (*(size_t *)ctx)++;
    return 0;
}

static size_t hits(const kz_match_set *m, kz_match_scratch *s, kz_match_kind k, const char *v)
{
    size_t n = 0;
    assert_int_equal(kz_match_value(m, s, k, v, strlen(v), false, count_hit, &n), KZ_OK);
    return n;
}

static void add_pattern(kz_match_builder *b, kz_arena *a, size_t id, const char *pat)
{
    assert_int_equal(kz_match_builder_add_object(b, indicator_json(a, id, pat)), KZ_OK);
}

static void test_string_filter(void **state)
{
    (void)state;
    kz_match_builder *b = NULL;
    assert_int_equal(kz_match_builder_new(NULL, &b), KZ_OK);
    kz_arena *a = kz_arena_new(0);
    char pat[256];
    size_t id = 1;
    for (int i = 0; i < N_EACH; i++) {
        snprintf(pat, sizeof pat, "[domain-name:value = 'd%d.example.org']", i);
        add_pattern(b, a, id++, pat);
        snprintf(pat, sizeof pat, "[url:value = 'http://u%d.example.net/p']", i);
        add_pattern(b, a, id++, pat);
        snprintf(pat, sizeof pat, "[file:hashes.MD5 = '%032x']", i * 7919 + 1);
        add_pattern(b, a, id++, pat);
        snprintf(pat, sizeof pat, "[ipv4-addr:value = '198.%d.%d.1']", i / 256, i % 256);
        add_pattern(b, a, id++, pat);
    }
    kz_arena_free(a);
    kz_match_set *m = NULL;
    assert_int_equal(kz_match_builder_finish(b, &m), KZ_OK);
    kz_match_scratch *s = NULL;
    assert_int_equal(kz_match_scratch_new(m, &s), KZ_OK);
    char v[128];
    for (int i = 0; i < N_EACH; i++) {
        snprintf(v, sizeof v, "d%d.example.org", i);
        assert_int_equal(hits(m, s, KZ_MATCH_DOMAIN, v), 1);
        assert_int_equal(hits(m, s, KZ_MATCH_URL, v), 0); /* another kind's key */
        snprintf(v, sizeof v, "D%d.Example.ORG", i);        /* normalised first */
        assert_int_equal(hits(m, s, KZ_MATCH_DOMAIN, v), 1);
        snprintf(v, sizeof v, "http://u%d.example.net/p", i);
        assert_int_equal(hits(m, s, KZ_MATCH_URL, v), 1);
        snprintf(v, sizeof v, "%032x", i * 7919 + 1);
        assert_int_equal(hits(m, s, KZ_MATCH_MD5, v), 1);
        assert_int_equal(hits(m, s, KZ_MATCH_SHA1, v), 0);
        snprintf(v, sizeof v, "198.%d.%d.1", i / 256, i % 256);
        assert_int_equal(hits(m, s, KZ_MATCH_IPV4, v), 1);
        /* absent values (some pass the filters: the tables say no) */
        snprintf(v, sizeof v, "e%d.example.org", i);
        assert_int_equal(hits(m, s, KZ_MATCH_DOMAIN, v), 0);
        snprintf(v, sizeof v, "%032x", i * 7919 + 2);
        assert_int_equal(hits(m, s, KZ_MATCH_MD5, v), 0);
        snprintf(v, sizeof v, "198.%d.%d.2", i / 256, i % 256);
        assert_int_equal(hits(m, s, KZ_MATCH_IPV4, v), 0);
    }
    kz_match_scratch_free(s);
    kz_match_set_free(m);
}

static kz_ipaddr addr4(uint32_t a)
{
    kz_ipaddr x = {.family = 4, .prefix = 32};
    x.a[0] = (uint8_t)(a >> 24);
    x.a[1] = (uint8_t)(a >> 16);
    x.a[2] = (uint8_t)(a >> 8);
    x.a[3] = (uint8_t)a;
    return x;
}

static kz_ipaddr addr6(uint32_t i)
{
    kz_ipaddr x = {.family = 6, .prefix = 128};
    x.a[0] = 0x20;
    x.a[1] = 0x01;
    x.a[12] = (uint8_t)(i >> 24);
    x.a[13] = (uint8_t)(i >> 16);
    x.a[14] = (uint8_t)(i >> 8);
    x.a[15] = (uint8_t)i;
    return x;
}

#define N_IP 3000

/* Allocation failures from the f-th allocation on, while the tables and
 * their filters grow; then the rest added without failures: every
 * address that was added is found (by both lookups), absent ones are not. */
static void test_ip_filter_oom(void **state)
{
    (void)state;
    for (long f = 1; f < 40; f++) {
        kz_ipset *s = kz_ipset_new();
        assert_non_null(s);
        kz_alloc_fail_after(f, 1);
        uint32_t i = 0;
        for (; i < N_IP; i++) {
            kz_ipaddr x4 = addr4(0x0a000000u + i * 2654435761u % 0x00ffffffu), x6 = addr6(i);
            if (kz_ipset_add(s, &x4, i, NULL) != KZ_OK)
                break;
            if (kz_ipset_add(s, &x6, i, NULL) != KZ_OK) {
                kz_alloc_fail_after(0, 0);
                assert_int_equal(kz_ipset_add(s, &x6, i, NULL), KZ_OK);
                i++;
                break;
            }
        }
        kz_alloc_fail_after(0, 0);
        for (; i < N_IP; i++) {
            kz_ipaddr x4 = addr4(0x0a000000u + i * 2654435761u % 0x00ffffffu), x6 = addr6(i);
            assert_int_equal(kz_ipset_add(s, &x4, i, NULL), KZ_OK);
            assert_int_equal(kz_ipset_add(s, &x6, i, NULL), KZ_OK);
        }
        for (uint32_t k = 0; k < N_IP; k++) {
            uint32_t a = 0x0a000000u + k * 2654435761u % 0x00ffffffu, v = UINT32_MAX;
            kz_ipaddr x4 = addr4(a), x6 = addr6(k);
            assert_int_equal(kz_ipset_lookup(s, &x4, &v, 1), 1);
            assert_int_equal(v, k);
            assert_int_equal(kz_ipset_lookup4(s, a, &v, 1), 1);
            assert_int_equal(v, k);
            assert_int_equal(kz_ipset_lookup(s, &x6, &v, 1), 1);
            assert_int_equal(v, k);
            kz_ipaddr y4 = addr4(0x0b000000u + k), y6 = addr6(k + N_IP);
            assert_int_equal(kz_ipset_lookup(s, &y4, &v, 1), 0);
            assert_int_equal(kz_ipset_lookup(s, &y6, &v, 1), 0);
        }
        kz_ipset_free(s);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_string_filter),
        cmocka_unit_test(test_ip_filter_oom),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
