/* test_conformance.c - runs every case file under tests/data/pattern/:
 * *validate-cases.jsonl through kz_pattern_check (valid / invalid for 2.1 and
 * 2.0, and the error offset where a case gives one), *match-cases.jsonl and
 * *error-cases.jsonl through kz_pattern_match (match / no match / error, and
 * the reported observed-data ids where a case gives them). Every
 * disagreement is printed; the test fails if there is any. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kizuna/arena.h"
#include "kizuna/json.h"
#include "kizuna/pattern.h"
#include "pattern/pattern_int.h"

#define DATA_DIR "tests/data/pattern"

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) {
        buf[n] = '\0';
        *len = (size_t)n;
    }
    return buf;
}

typedef int (*case_fn)(const kz_json *c, const char *file, size_t line);

/* Calls fn for every line of every file in DATA_DIR whose name ends with
 * suffix; returns the number of disagreements and counts the cases. */
static int each_case(const char *suffix, case_fn fn, size_t *n_cases)
{
    DIR *d = opendir(DATA_DIR);
    assert_non_null(d);
    int bad = 0;
    struct dirent *e;
    char names[32][256];
    size_t nn = 0;
    while ((e = readdir(d)) != NULL && nn < 32) {
        size_t l = strlen(e->d_name), sl = strlen(suffix);
        if (l >= sl && strcmp(e->d_name + l - sl, suffix) == 0)
            snprintf(names[nn++], sizeof names[0], "%s", e->d_name);
    }
    closedir(d);
    assert_true(nn > 0);
    for (size_t f = 0; f < nn; f++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", DATA_DIR, names[f]);
        size_t len = 0;
        char *buf = slurp(path, &len);
        assert_non_null(buf);
        kz_arena *a = kz_arena_new(0);
        assert_non_null(a);
        size_t line = 0;
        for (char *p = buf; p < buf + len;) {
            char *nl = memchr(p, '\n', (size_t)(buf + len - p));
            size_t ll = nl ? (size_t)(nl - p) : (size_t)(buf + len - p);
            line++;
            if (ll > 0) {
                kz_json *c = NULL;
                kz_json_error je;
                kz_arena_reset(a);
                if (kz_json_parse(a, p, ll, NULL, &c, &je)) {
                    print_message("%s:%zu: cannot parse the case: %s\n", names[f], line, je.msg);
                    bad++;
                } else {
                    bad += fn(c, names[f], line);
                    (*n_cases)++;
                }
            }
            p += ll + 1;
        }
        kz_arena_free(a);
        free(buf);
    }
    return bad;
}

static int version_of(const kz_json *c)
{
    const char *v = kz_json_get_string(c, "stix_version");
    return v && strcmp(v, "2.0") == 0 ? 20 : 21;
}

static int check_one(const kz_json *c, const char *file, size_t line, int version, bool expect)
{
    const kz_json *pj = kz_json_get(c, "pattern");
    kz_pattern_error err;
    kz_err rc = kz_pattern_check(pj->u.str.ptr, pj->u.str.len, version, &err);
    bool valid = rc == KZ_OK;
    if (valid != expect) {
        print_message("%s:%zu: %s for STIX %d.%d: expected %s, got %s (%u:%u: %s)\n", file, line,
                      pj->u.str.ptr, version / 10, version % 10, expect ? "valid" : "invalid",
                      valid ? "valid" : "invalid", err.line, err.column, valid ? "" : err.msg);
        return 1;
    }
    const kz_json *off = kz_json_get(c, "offset");
    int64_t want;
    if (!valid && version == version_of(c) && off && kz_json_int(off, &want) &&
        (int64_t)err.offset != want) {
        print_message("%s:%zu: %s: error at offset %zu (%s), expected offset %lld\n", file, line,
                      pj->u.str.ptr, err.offset, err.msg, (long long)want);
        return 1;
    }
    if (!valid && (rc != KZ_EPARSE && rc != KZ_EINVALID)) {
        print_message("%s:%zu: unexpected error code %s\n", file, line, kz_errname(rc));
        return 1;
    }
    return 0;
}

static int validate_case(const kz_json *c, const char *file, size_t line)
{
    int bad = 0;
    const kz_json *v = kz_json_get(c, "valid");
    bad += check_one(c, file, line, version_of(c), v->type == KZ_JSON_TRUE);
    const kz_json *v20 = kz_json_get(c, "valid_2_0");
    if (v20 && version_of(c) == 21)
        bad += check_one(c, file, line, 20, v20->type == KZ_JSON_TRUE);
    return bad;
}

static void test_validate_cases(void **state)
{
    (void)state;
    size_t n = 0;
    int bad = each_case("validate-cases.jsonl", validate_case, &n);
    print_message("validate cases: %zu, disagreements: %d\n", n, bad);
    assert_true(n >= 113);
    assert_int_equal(bad, 0);
}

/* parse -> print -> parse -> print gives the same text for every valid case. */
static int roundtrip_case(const kz_json *c, const char *file, size_t line)
{
    const kz_json *pj = kz_json_get(c, "pattern");
    int version = version_of(c);
    kz_pattern *p = NULL, *q = NULL;
    kz_pattern_error err;
    if (kz_pattern_parse(pj->u.str.ptr, pj->u.str.len, version, &p, &err))
        return 0; /* invalid cases are covered above */
    kz_buf b1, b2;
    kz_buf_init(&b1, 0);
    kz_buf_init(&b2, 0);
    int bad = 0;
    if (kz_pattern_print(p, &b1) || kz_pattern_parse(b1.data, b1.len, version, &q, &err) ||
        kz_pattern_print(q, &b2) || b1.len != b2.len || memcmp(b1.data, b2.data, b1.len) != 0) {
        print_message("%s:%zu: round trip of %s failed: '%s' vs '%s' (%s)\n", file, line,
                      pj->u.str.ptr, b1.data ? b1.data : "", b2.data ? b2.data : "", err.msg);
        bad = 1;
    }
    kz_buf_release(&b1);
    kz_buf_release(&b2);
    kz_pattern_free(p);
    kz_pattern_free(q);
    return bad;
}

static void test_roundtrip(void **state)
{
    (void)state;
    size_t n = 0;
    assert_int_equal(each_case("validate-cases.jsonl", roundtrip_case, &n), 0);
    n = 0;
    assert_int_equal(each_case("match-cases.jsonl", roundtrip_case, &n), 0);
}

static int match_case(const kz_json *c, const char *file, size_t line)
{
    const kz_json *pj = kz_json_get(c, "pattern");
    const kz_json *exp = kz_json_get(c, "expected");
    const char *want = exp->type == KZ_JSON_TRUE ? "match" : exp->type == KZ_JSON_FALSE ? "no match" : "error";
    const char *got = "error";
    char why[200] = "";
    kz_pattern *p = NULL;
    kz_pattern_obs *o = kz_pattern_obs_new();
    kz_pattern_result res = {0};
    kz_pattern_error err;
    assert_non_null(o);
    kz_err rc = kz_pattern_parse(pj->u.str.ptr, pj->u.str.len, version_of(c), &p, &err);
    if (!rc)
        rc = kz_pattern_obs_add_all(o, kz_json_get(c, "observed_data"));
    if (!rc)
        rc = kz_pattern_obs_finish(o, &err);
    bool ran = false;
    if (!rc) {
        rc = kz_pattern_match(p, o, &res, &err);
        ran = true;
    }
    if (rc)
        snprintf(why, sizeof why, " (%s: %s)", kz_errname(rc), err.msg);
    else
        got = res.matched ? "match" : "no match";
    /* The time-window pruning of the binding search must not change anything. */
    if (ran) {
        kz_pattern_result r0 = {0};
        pat_bind_prune = 0;
        kz_err rc0 = kz_pattern_match(p, o, &r0, NULL);
        pat_bind_prune = 1;
        if (rc0 != rc || r0.matched != res.matched) {
            print_message("%s:%zu: %s: pruned search says %s/%d, unpruned %s/%d\n", file, line,
                          pj->u.str.ptr, kz_errname(rc), res.matched, kz_errname(rc0), r0.matched);
            kz_pattern_result_release(&r0);
            kz_pattern_result_release(&res);
            kz_pattern_obs_free(o);
            kz_pattern_free(p);
            return 1;
        }
        kz_pattern_result_release(&r0);
    }
    int bad = strcmp(want, got) != 0;
    /* Own cases may list the observed-data the match must report. */
    const kz_json *ids = kz_json_get(c, "expected_ids");
    if (!bad && !rc && ids && ids->type == KZ_JSON_ARRAY) {
        bool same = ids->u.arr.n == res.n_obs;
        for (size_t i = 0; same && i < res.n_obs; i++)
            same = strcmp(ids->u.arr.items[i]->u.str.ptr, kz_pattern_obs_id(o, res.obs[i])) == 0;
        if (!same) {
            bad = 1;
            snprintf(why, sizeof why, " (reported %zu observed-data, not the expected ones)", res.n_obs);
        }
    }
    if (bad)
        print_message("%s:%zu: %s: expected %s, got %s%s\n", file, line, pj->u.str.ptr, want, got, why);
    kz_pattern_result_release(&res);
    kz_pattern_obs_free(o);
    kz_pattern_free(p);
    return bad;
}

static void test_match_cases(void **state)
{
    (void)state;
    size_t n = 0;
    int bad = each_case("match-cases.jsonl", match_case, &n);
    print_message("match cases: %zu, disagreements: %d\n", n, bad);
    assert_true(n >= 394);
    assert_int_equal(bad, 0);
}

static void test_error_cases(void **state)
{
    (void)state;
    size_t n = 0;
    int bad = each_case("error-cases.jsonl", match_case, &n);
    print_message("error cases: %zu, disagreements: %d\n", n, bad);
    assert_true(n >= 33);
    assert_int_equal(bad, 0);
}

/* Thousands of OR'ed comparisons are common in indicator feeds: they must
 * parse without deep recursion, and nesting past the cap is KZ_ETOOBIG. */
static void test_long_chains_and_depth(void **state)
{
    (void)state;
    kz_buf b;
    kz_buf_init(&b, 0);
    assert_int_equal(kz_buf_append_char(&b, '['), KZ_OK);
    for (int i = 0; i < 10000; i++)
        assert_int_equal(kz_buf_printf(&b, "%sfile:hashes.MD5 = '%032x'", i ? " OR " : "", i), KZ_OK);
    assert_int_equal(kz_buf_append(&b, "] AND [a:b = 1]", 15), KZ_OK);
    kz_pattern_error err;
    assert_int_equal(kz_pattern_check(b.data, b.len, 21, &err), KZ_OK);
    kz_buf_reset(&b);
    for (int i = 0; i < KZ_PATTERN_MAX_DEPTH + 5; i++)
        assert_int_equal(kz_buf_append_char(&b, '('), KZ_OK);
    assert_int_equal(kz_buf_append_str(&b, "[a:b = 1]"), KZ_OK);
    for (int i = 0; i < KZ_PATTERN_MAX_DEPTH + 5; i++)
        assert_int_equal(kz_buf_append_char(&b, ')'), KZ_OK);
    assert_int_equal(kz_pattern_check(b.data, b.len, 21, &err), KZ_ETOOBIG);
    kz_buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_validate_cases),
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_match_cases),
        cmocka_unit_test(test_error_cases),
        cmocka_unit_test(test_long_chains_and_depth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
