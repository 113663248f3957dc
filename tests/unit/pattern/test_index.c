/* test_index.c - the multi-pattern index (kz_pattern_set) must report exactly
 * what evaluating each pattern on its own reports: for every pattern and
 * every observation, hit <=> kz_pattern_match of that pattern against that
 * observation alone matched. Patterns and observations are generated from a
 * fixed seed and cover every indexable form (=, IN, OR, AND, ISSUBSET v4/v6)
 * and the non-indexable ones (NOT, LIKE, ordering, qualifiers). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kizuna/arena.h"
#include "kizuna/buf.h"
#include "kizuna/json.h"
#include "kizuna/pattern.h"

#define N_OBS 300
#define N_PAT 400

static uint64_t rng = 88172645463325252ULL;
static unsigned rnd(unsigned n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng % n);
}

static const char *domains[] = {"example.com", "evil.test", "a.example.org", "b.example.org", "x.invalid"};

/* One observed-data object with an ipv4-addr, an ipv6-addr, a domain-name
 * and a file, values drawn from small pools so that patterns hit. */
static void gen_obs(kz_buf *b, unsigned i)
{
    unsigned ip = rnd(16), ip6 = rnd(8), d = rnd(5), h = rnd(20), sz = rnd(4);
    kz_buf_printf(b,
                  "%s{\"type\":\"observed-data\",\"id\":\"observed-data--%08x-0000-4000-8000-000000000000\","
                  "\"first_observed\":\"2020-01-01T00:%02u:%02uZ\",\"last_observed\":\"2020-01-01T00:%02u:%02uZ\","
                  "\"number_observed\":1,\"object_refs\":[\"ipv4-addr--%u\",\"ipv6-addr--%u\",\"domain-name--%u\",\"file--%u\"]},"
                  "{\"type\":\"ipv4-addr\",\"id\":\"ipv4-addr--%u\",\"value\":\"10.%u.%u.%u\"},"
                  "{\"type\":\"ipv6-addr\",\"id\":\"ipv6-addr--%u\",\"value\":\"2001:db8:%x::%x\"},"
                  "{\"type\":\"domain-name\",\"id\":\"domain-name--%u\",\"value\":\"%s\",\"resolves_to_refs\":[\"ipv4-addr--%u\"]},"
                  "{\"type\":\"file\",\"id\":\"file--%u\",\"name\":\"f%u.exe\",\"size\":%u,\"hashes\":{\"MD5\":\"%032x\"}}",
                  i ? "," : "", i, i / 60 % 60, i % 60, i / 60 % 60, i % 60, i, i, i, i, i, ip / 4, ip % 4, ip,
                  i, ip6, ip6 * 3, i, domains[d], i, i, h, 100 * sz, h);
}

static void gen_pattern(kz_buf *b)
{
    kz_buf_reset(b);
    switch (rnd(12)) {
    case 0: kz_buf_printf(b, "[file:hashes.MD5 = '%032x']", rnd(25)); break;
    case 1: kz_buf_printf(b, "[ipv4-addr:value = '10.%u.%u.%u']", rnd(5), rnd(4), rnd(16)); break;
    case 2: kz_buf_printf(b, "[domain-name:value IN ('%s', '%s')]", domains[rnd(5)], domains[rnd(5)]); break;
    case 3: kz_buf_printf(b, "[ipv4-addr:value ISSUBSET '10.%u.0.0/%u']", rnd(4), 8 + rnd(3) * 8); break;
    case 4: kz_buf_printf(b, "[ipv6-addr:value ISSUBSET '2001:db8:%x::/%u']", rnd(8), 32 + rnd(2) * 16); break;
    case 5: kz_buf_printf(b, "[file:name = 'f%u.exe' AND file:size > %u]", rnd(20), 100 * rnd(4)); break;
    case 6: kz_buf_printf(b, "[file:hashes.MD5 = '%032x' OR domain-name:value = '%s']", rnd(20), domains[rnd(5)]); break;
    case 7: kz_buf_printf(b, "[domain-name:resolves_to_refs[*].value ISSUBSET '10.%u.%u.0/24']", rnd(4), rnd(4)); break;
    case 8: kz_buf_printf(b, "[file:name LIKE 'f%u%%']", rnd(3)); break;
    case 9: kz_buf_printf(b, "[ipv4-addr:value NOT = '10.0.0.0']"); break;
    case 10: kz_buf_printf(b, "[file:size >= %u]", 100 * rnd(4)); break;
    default: kz_buf_printf(b, "[domain-name:value = '%s'] FOLLOWEDBY [file:size = %u]", domains[rnd(5)], 100 * rnd(4)); break;
    }
}

typedef struct hits {
    uint8_t *m; /* N_PAT x (N_OBS + 1): the last column is "matched as a whole" */
} hits;

static int on_hit(void *user, size_t id, size_t obs)
{
    hits *h = user;
    h->m[id * (N_OBS + 1) + (obs == SIZE_MAX ? N_OBS : obs)]++;
    return 0;
}

static void test_index_equals_single_evaluation(void **state)
{
    (void)state;
    kz_buf b;
    kz_buf_init(&b, 0);
    kz_buf_append_char(&b, '[');
    for (unsigned i = 0; i < N_OBS; i++)
        gen_obs(&b, i);
    kz_buf_append_char(&b, ']');
    kz_arena *a = kz_arena_new(0);
    kz_json *doc = NULL;
    assert_int_equal(kz_json_parse(a, b.data, b.len, NULL, &doc, NULL), KZ_OK);
    kz_pattern_obs *all = kz_pattern_obs_new();
    assert_int_equal(kz_pattern_obs_add_all(all, doc), KZ_OK);
    assert_int_equal(kz_pattern_obs_finish(all, NULL), KZ_OK);
    assert_int_equal(kz_pattern_obs_count(all), N_OBS);

    kz_pattern_set *set = kz_pattern_set_new();
    kz_pattern **pats = calloc(N_PAT, sizeof *pats);
    kz_buf pb;
    kz_buf_init(&pb, 0);
    for (size_t i = 0; i < N_PAT; i++) {
        gen_pattern(&pb);
        kz_pattern *p = NULL, *q = NULL;
        kz_pattern_error err;
        assert_int_equal(kz_pattern_parse(pb.data, pb.len, 21, &p, &err), KZ_OK);
        assert_int_equal(kz_pattern_parse(pb.data, pb.len, 21, &q, &err), KZ_OK);
        pats[i] = q;
        assert_int_equal(kz_pattern_set_add(set, p, i, &err), KZ_OK);
    }
    assert_int_equal(kz_pattern_set_compile(set), KZ_OK);
    hits h = {calloc((size_t)N_PAT * (N_OBS + 1), 1)};
    assert_int_equal(kz_pattern_set_match(set, all, on_hit, &h, NULL), KZ_OK);
    kz_pattern_set_stats st;
    kz_pattern_set_get_stats(set, &st);
    print_message("patterns %zu, indexed %zu, scanned %zu, keys %zu, candidates %zu\n", st.patterns,
                  st.indexed, st.scanned, st.keys, st.candidates);
    assert_true(st.indexed > N_PAT / 2);
    assert_true(st.candidates < (size_t)st.indexed * N_OBS / 4);

    /* The oracle: each simple pattern against each observation on its own,
     * each other pattern against all of them. */
    int bad = 0;
    size_t total = 0;
    for (size_t i = 0; i < N_PAT; i++) {
        kz_pattern_result res;
        assert_int_equal(kz_pattern_match(pats[i], all, &res, NULL), KZ_OK);
        uint8_t want[N_OBS + 1] = {0};
        if (kz_pattern_is_simple(pats[i])) {
            for (size_t k = 0; k < res.n_obs; k++)
                want[res.obs[k]] = 1;
        } else {
            want[N_OBS] = res.matched;
        }
        kz_pattern_result_release(&res);
        for (size_t k = 0; k <= N_OBS; k++) {
            uint8_t got = h.m[i * (N_OBS + 1) + k];
            total += got;
            if (got != want[k]) {
                kz_buf_reset(&pb);
                kz_pattern_print(pats[i], &pb);
                print_message("pattern %zu %s, observation %zu: index says %u, evaluation says %u\n", i,
                              pb.data, k, got, want[k]);
                bad++;
            }
        }
    }
    print_message("hits %zu, disagreements %d\n", total, bad);
    assert_true(total > 0);
    assert_int_equal(bad, 0);

    for (size_t i = 0; i < N_PAT; i++)
        kz_pattern_free(pats[i]);
    free(pats);
    free(h.m);
    kz_buf_release(&pb);
    kz_pattern_set_free(set);
    kz_pattern_obs_free(all);
    kz_arena_free(a);
    kz_buf_release(&b);
}

/* A pattern the reference refuses to evaluate is refused when added. */
static void test_set_rejects_unevaluable(void **state)
{
    (void)state;
    kz_pattern_set *set = kz_pattern_set_new();
    kz_pattern *p = NULL;
    kz_pattern_error err;
    const char *txt = "[a:b IN (1, 'x')]";
    assert_int_equal(kz_pattern_parse(txt, strlen(txt), 21, &p, &err), KZ_OK);
    assert_int_equal(kz_pattern_set_add(set, p, 0, &err), KZ_EINVALID);
    assert_non_null(strstr(err.msg, "mixes"));
    kz_pattern_set_free(set);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_index_equals_single_evaluation),
        cmocka_unit_test(test_set_rejects_unevaluable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
