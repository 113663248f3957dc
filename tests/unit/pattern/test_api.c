/* test_api.c - the pattern API beyond the conformance data: out of memory
 * at every allocation of parse, check, match and the index is an error and
 * never a crash or a leak (swept with kz_alloc_fail_after); canonical
 * printing; misuse of the observation set; the reported observed-data. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kizuna/alloc.h"
#include "kizuna/arena.h"
#include "kizuna/buf.h"
#include "kizuna/json.h"
#include "kizuna/pattern.h"
#include "pattern/pattern_int.h"

static const char bundle[] =
    "{\"type\":\"bundle\",\"objects\":["
    "{\"type\":\"observed-data\",\"id\":\"observed-data--1\",\"first_observed\":\"2020-01-01T00:00:00Z\","
    "\"last_observed\":\"2020-01-01T00:00:00Z\",\"number_observed\":2,\"object_refs\":[\"file--1\",\"ipv4-addr--1\"]},"
    "{\"type\":\"observed-data\",\"id\":\"observed-data--2\",\"first_observed\":\"2020-01-01T00:00:05Z\","
    "\"last_observed\":\"2020-01-01T00:00:05Z\",\"number_observed\":1,\"object_refs\":[\"file--2\"]},"
    "{\"type\":\"file\",\"id\":\"file--1\",\"name\":\"caf\\u00e9.exe\",\"magic_number_hex\":\"ffd8\",\"x_refs\":[\"ipv4-addr--1\"]},"
    "{\"type\":\"file\",\"id\":\"file--2\",\"name\":\"b.exe\",\"size\":5},"
    "{\"type\":\"ipv4-addr\",\"id\":\"ipv4-addr--1\",\"value\":\"10.0.0.1\"}]}";

static const char *patterns[] = {
    "[file:name LIKE 'caf\xc3\xa9%' AND file:magic_number_hex = h'ffd8'] REPEATS 2 TIMES FOLLOWEDBY [file:size IN (5, 6)]",
    "([file:x_refs[*].value ISSUBSET '10.0.0.0/8'] AND [file:name MATCHES '^b']) WITHIN 10 SECONDS",
    "[ipv4-addr:value = '10.0.0.1' OR file:name = 'b.exe'] START t'2019-01-01T00:00:00Z' STOP t'2021-01-01T00:00:00Z'",
};

/* One run of everything; returns the first error or KZ_OK. */
static kz_err run_all(const char *pattern, bool *matched)
{
    kz_err rc;
    kz_pattern *p = NULL, *p2 = NULL;
    kz_pattern_obs *o = NULL;
    kz_pattern_set *set = NULL;
    kz_pattern_result res = {0};
    kz_arena *a = kz_arena_new(0);
    kz_json *doc = NULL;
    kz_buf b;
    kz_buf_init(&b, 0);
    if (!a)
        return KZ_ENOMEM;
    rc = kz_json_parse(a, bundle, sizeof bundle - 1, NULL, &doc, NULL);
    if (rc)
        goto done;
    rc = kz_pattern_check(pattern, strlen(pattern), 21, NULL);
    if (rc)
        goto done;
    rc = kz_pattern_parse(pattern, strlen(pattern), 21, &p, NULL);
    if (rc)
        goto done;
    rc = kz_pattern_print(p, &b);
    if (rc)
        goto done;
    o = kz_pattern_obs_new();
    if (!o) {
        rc = KZ_ENOMEM;
        goto done;
    }
    rc = kz_pattern_obs_add_all(o, doc);
    if (!rc)
        rc = kz_pattern_obs_finish(o, NULL);
    if (!rc)
        rc = kz_pattern_match(p, o, &res, NULL);
    if (rc)
        goto done;
    *matched = res.matched;
    set = kz_pattern_set_new();
    if (!set) {
        rc = KZ_ENOMEM;
        goto done;
    }
    rc = kz_pattern_parse(pattern, strlen(pattern), 21, &p2, NULL);
    if (!rc)
        rc = kz_pattern_set_add(set, p2, 1, NULL);
    if (!rc)
        rc = kz_pattern_set_compile(set);
done:
    kz_pattern_set_free(set);
    kz_pattern_result_release(&res);
    kz_pattern_obs_free(o);
    kz_pattern_free(p);
    kz_buf_release(&b);
    kz_arena_free(a);
    return rc;
}

static void test_out_of_memory_sweep(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof patterns / sizeof patterns[0]; k++) {
        bool want = false, got = false;
        kz_alloc_fail_after(0, 0);
        assert_int_equal(run_all(patterns[k], &want), KZ_OK);
        assert_true(want);
        long n = 1;
        for (;; n++) {
            kz_alloc_fail_after(n, 0);
            kz_err rc = run_all(patterns[k], &got);
            long failed = kz_alloc_failures();
            kz_alloc_fail_after(0, 0);
            if (failed == 0) {
                assert_int_equal(rc, KZ_OK); /* every allocation was made: done */
                break;
            }
            /* Either the failure surfaced as KZ_ENOMEM, or it hit an
             * allocation whose failure only costs speed (none today). */
            assert_true(rc == KZ_ENOMEM || rc == KZ_OK);
            if (rc == KZ_OK)
                assert_true(got == want);
        }
        print_message("pattern %zu: %ld allocations swept\n", k, n - 1);
        assert_true(n > 10);
    }
}

static void test_canonical_print(void **state)
{
    (void)state;
    const char *in = "  ( [a:b==1 AND  a:'c d'[*] <> 'x'] )   REPEATS 2 TIMES /* c */ FOLLOWEDBY [EXISTS a:e]";
    kz_pattern *p = NULL;
    assert_int_equal(kz_pattern_parse(in, strlen(in), 21, &p, NULL), KZ_OK);
    kz_buf b;
    kz_buf_init(&b, 0);
    assert_int_equal(kz_pattern_print(p, &b), KZ_OK);
    assert_string_equal(b.data, "([a:b = 1 AND a:'c d'[*] != 'x']) REPEATS 2 TIMES FOLLOWEDBY [EXISTS a:e]");
    assert_false(kz_pattern_is_simple(p));
    kz_buf_release(&b);
    kz_pattern_free(p);
    assert_int_equal(kz_pattern_parse("[a:b = 1]", 9, 21, &p, NULL), KZ_OK);
    assert_true(kz_pattern_is_simple(p));
    kz_pattern_free(p);
}

static void test_error_fields(void **state)
{
    (void)state;
    kz_pattern_error err;
    const char *in = "[a:b = 1]\n OR [a:c = ]";
    assert_int_equal(kz_pattern_check(in, strlen(in), 21, &err), KZ_EPARSE);
    assert_int_equal(err.offset, 21);
    assert_int_equal(err.line, 2);
    assert_int_equal(err.column, 12);
    assert_non_null(strstr(err.msg, "expected a literal"));
    assert_int_equal(kz_pattern_check(in, strlen(in), 21, NULL), KZ_EPARSE); /* err may be NULL */
}

static void test_observation_set_misuse(void **state)
{
    (void)state;
    kz_pattern_obs *o = kz_pattern_obs_new();
    kz_pattern *p = NULL;
    kz_pattern_result res;
    assert_int_equal(kz_pattern_parse("[a:b = 1]", 9, 21, &p, NULL), KZ_OK);
    assert_int_equal(kz_pattern_match(p, o, &res, NULL), KZ_EINVAL); /* not finished */
    assert_int_equal(kz_pattern_obs_finish(o, NULL), KZ_OK);
    assert_int_equal(kz_pattern_obs_finish(o, NULL), KZ_EINVAL); /* twice */
    assert_int_equal(kz_pattern_match(p, o, &res, NULL), KZ_OK);  /* empty: no match */
    assert_false(res.matched);
    assert_int_equal(kz_pattern_obs_count(o), 0);
    assert_string_equal(kz_pattern_obs_id(o, 3), "");
    kz_pattern_result_release(&res);
    kz_pattern_free(p);
    kz_pattern_obs_free(o);
    kz_pattern_obs_free(NULL);
    kz_pattern_free(NULL);
    kz_pattern_set_free(NULL);
}

static void test_reported_observations(void **state)
{
    (void)state;
    kz_arena *a = kz_arena_new(0);
    kz_json *doc = NULL;
    assert_int_equal(kz_json_parse(a, bundle, sizeof bundle - 1, NULL, &doc, NULL), KZ_OK);
    kz_pattern_obs *o = kz_pattern_obs_new();
    assert_int_equal(kz_pattern_obs_add_all(o, doc), KZ_OK);
    assert_int_equal(kz_pattern_obs_finish(o, NULL), KZ_OK);
    assert_int_equal(kz_pattern_obs_count(o), 2);
    kz_pattern *p = NULL;
    kz_pattern_result res;
    /* number_observed 2: two observations in one object, reported once. */
    const char *t = "[file:name LIKE '%.exe'] REPEATS 3 TIMES";
    assert_int_equal(kz_pattern_parse(t, strlen(t), 21, &p, NULL), KZ_OK);
    assert_int_equal(kz_pattern_match(p, o, &res, NULL), KZ_OK);
    assert_true(res.matched);
    assert_int_equal(res.n_obs, 2);
    assert_string_equal(kz_pattern_obs_id(o, res.obs[0]), "observed-data--1");
    assert_string_equal(kz_pattern_obs_id(o, res.obs[1]), "observed-data--2");
    kz_pattern_result_release(&res);
    kz_pattern_free(p);
    t = "[file:name LIKE '%.exe'] REPEATS 4 TIMES";
    assert_int_equal(kz_pattern_parse(t, strlen(t), 21, &p, NULL), KZ_OK);
    assert_int_equal(kz_pattern_match(p, o, &res, NULL), KZ_OK);
    assert_false(res.matched);
    assert_int_equal(res.n_obs, 0);
    kz_pattern_result_release(&res);
    kz_pattern_free(p);
    kz_pattern_obs_free(o);
    kz_arena_free(a);
}

/* The time-window pruning of the binding search is exact: random temporal
 * patterns over random observations give the same answer with it and without. */
static uint64_t rs = 0x2545F4914F6CDD1DULL;
static unsigned rn(unsigned n)
{
    rs ^= rs << 13;
    rs ^= rs >> 7;
    rs ^= rs << 17;
    return (unsigned)(rs % n);
}

static void random_temporal(kz_buf *b)
{
    unsigned A = rn(8), B = rn(8), C = rn(8), d = 1 + rn(6), s0 = rn(50), s1 = s0 + 1 + rn(10);
    kz_buf_reset(b);
    switch (rn(8)) {
    case 0: kz_buf_printf(b, "[x-a:v = %u] FOLLOWEDBY [x-a:v = %u] WITHIN %u SECONDS", A, B, d); break;
    case 1: kz_buf_printf(b, "([x-a:v = %u] FOLLOWEDBY [x-a:v = %u]) WITHIN %u.5 SECONDS", A, B, d); break;
    case 2: kz_buf_printf(b, "([x-a:v = %u] AND [x-a:v = %u] AND [x-a:v = %u]) WITHIN %u SECONDS", A, B, C, d); break;
    case 3: kz_buf_printf(b, "[x-a:v >= %u] REPEATS %u TIMES WITHIN %u SECONDS", A, 2 + rn(4), d); break;
    case 4:
        kz_buf_printf(b, "([x-a:v = %u] FOLLOWEDBY [x-a:v = %u]) START t'2020-01-01T00:00:%02uZ' STOP t'2020-01-01T00:00:%02uZ'",
                      A, B, s0, s1 > 59 ? 59 : s1);
        break;
    case 5: kz_buf_printf(b, "(([x-a:v = %u] OR [x-a:v = %u]) FOLLOWEDBY [x-a:v = %u]) WITHIN %u SECONDS REPEATS 2 TIMES", A, B, C, d); break;
    case 6: kz_buf_printf(b, "([x-a:v = %u] FOLLOWEDBY [x-a:v = %u] WITHIN %u SECONDS) FOLLOWEDBY [x-a:v = %u]", A, B, d, C); break;
    default: kz_buf_printf(b, "([x-a:v = %u] REPEATS 2 TIMES FOLLOWEDBY [x-a:v = %u]) WITHIN %u SECONDS AND [x-a:v = %u]", A, B, d, C); break;
    }
}

static void test_pruning_is_exact(void **state)
{
    (void)state;
    int bad = 0, matched = 0, total = 0;
    kz_buf data, pb;
    kz_buf_init(&data, 0);
    kz_buf_init(&pb, 0);
    for (int set = 0; set < 6; set++) {
        kz_buf_reset(&data);
        kz_buf_append_char(&data, '[');
        for (unsigned i = 0; i < 30; i++) {
            unsigned f = rn(50), l = f + (rn(3) ? 0 : rn(8));
            kz_buf_printf(&data,
                          "%s{\"type\":\"observed-data\",\"id\":\"observed-data--%u\",\"first_observed\":\"2020-01-01T00:00:%02uZ\","
                          "\"last_observed\":\"2020-01-01T00:00:%02uZ\",\"number_observed\":%u,\"object_refs\":[\"x-a--%u\"]},"
                          "{\"type\":\"x-a\",\"id\":\"x-a--%u\",\"v\":%u}",
                          i ? "," : "", i, f, l > 59 ? 59 : l, 1 + (rn(4) == 0), i, i, rn(8));
        }
        kz_buf_append_char(&data, ']');
        kz_arena *a = kz_arena_new(0);
        kz_json *doc = NULL;
        assert_int_equal(kz_json_parse(a, data.data, data.len, NULL, &doc, NULL), KZ_OK);
        kz_pattern_obs *o = kz_pattern_obs_new();
        assert_int_equal(kz_pattern_obs_add_all(o, doc), KZ_OK);
        assert_int_equal(kz_pattern_obs_finish(o, NULL), KZ_OK);
        for (int k = 0; k < 150; k++) {
            random_temporal(&pb);
            kz_pattern *p = NULL;
            assert_int_equal(kz_pattern_parse(pb.data, pb.len, 21, &p, NULL), KZ_OK);
            kz_pattern_result r1, r0;
            kz_err rc1 = kz_pattern_match(p, o, &r1, NULL);
            pat_bind_prune = 0;
            kz_err rc0 = kz_pattern_match(p, o, &r0, NULL);
            pat_bind_prune = 1;
            total++;
            matched += !rc1 && r1.matched;
            if (rc1 != rc0 || r1.matched != r0.matched) {
                print_message("%s: pruned %s/%d, unpruned %s/%d\n", pb.data, kz_errname(rc1), r1.matched,
                              kz_errname(rc0), r0.matched);
                bad++;
            }
            kz_pattern_result_release(&r1);
            kz_pattern_result_release(&r0);
            kz_pattern_free(p);
        }
        kz_pattern_obs_free(o);
        kz_arena_free(a);
    }
    print_message("temporal patterns: %d, matched: %d, disagreements: %d\n", total, matched, bad);
    assert_true(matched > total / 10 && matched < total * 9 / 10);
    assert_int_equal(bad, 0);
    kz_buf_release(&data);
    kz_buf_release(&pb);
}

/* One compiled pattern, evaluated by several threads at once (it is
 * immutable; each call has its own scratch): every thread sees the same answer. */
typedef struct shared {
    const kz_pattern *p;
    const kz_pattern_obs *o;
    int matches;
    int errors;
} shared;

static void *worker(void *arg)
{
    shared *sh = arg;
    for (int i = 0; i < 200; i++) {
        kz_pattern_result res;
        if (kz_pattern_match(sh->p, sh->o, &res, NULL)) {
            sh->errors++;
            continue;
        }
        sh->matches += res.matched;
        kz_pattern_result_release(&res);
    }
    return NULL;
}

static void test_shared_between_threads(void **state)
{
    (void)state;
    kz_arena *a = kz_arena_new(0);
    kz_json *doc = NULL;
    assert_int_equal(kz_json_parse(a, bundle, sizeof bundle - 1, NULL, &doc, NULL), KZ_OK);
    kz_pattern_obs *o = kz_pattern_obs_new();
    assert_int_equal(kz_pattern_obs_add_all(o, doc), KZ_OK);
    assert_int_equal(kz_pattern_obs_finish(o, NULL), KZ_OK);
    kz_pattern *p = NULL;
    assert_int_equal(kz_pattern_parse(patterns[0], strlen(patterns[0]), 21, &p, NULL), KZ_OK);
    pthread_t th[4];
    shared sh[4];
    for (int i = 0; i < 4; i++) {
        sh[i] = (shared){.p = p, .o = o};
        assert_int_equal(pthread_create(&th[i], NULL, worker, &sh[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(sh[i].errors, 0);
        assert_int_equal(sh[i].matches, 200);
    }
    kz_pattern_free(p);
    kz_pattern_obs_free(o);
    kz_arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_out_of_memory_sweep),
        cmocka_unit_test(test_canonical_print),
        cmocka_unit_test(test_error_fields),
        cmocka_unit_test(test_observation_set_misuse),
        cmocka_unit_test(test_reported_observations),
        cmocka_unit_test(test_pruning_is_exact),
        cmocka_unit_test(test_shared_between_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
