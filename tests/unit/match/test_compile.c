/* test_compile.c - compiling indicators (lib/match/build.c, classify.c,
 * load.c): the counts --explain prints for tests/data/match/indicators.json,
 * the simple / complex / unsupported / invalid class of each pattern in
 * tests/data/match/classify.tsv, revoked and expired skipping and their
 * overrides, notes, names and ids, and out of memory during a compile. */
#include <fcntl.h>
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

#define BUNDLE "tests/data/match/indicators.json"

static kz_match_set *compile_file(const char *path, const kz_match_opts *o)
{
    kz_match_builder *b = NULL;
    assert_int_equal(kz_match_builder_new(o, &b), KZ_OK);
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    char msg[200];
    assert_int_equal(kz_match_builder_add_fd(b, fd, msg, sizeof msg), KZ_OK);
    close(fd);
    kz_match_set *m = NULL;
    assert_int_equal(kz_match_builder_finish(b, &m), KZ_OK);
    return m;
}

static void test_bundle_counts(void **state)
{
    (void)state;
    kz_match_set *m = compile_file(BUNDLE, NULL);
    kz_match_stats st;
    kz_match_set_stats(m, &st);
    assert_int_equal(st.objects, 31);
    assert_int_equal(st.indicators, 30);
    assert_int_equal(st.simple, 16);
    assert_int_equal(st.complex, 6);
    assert_int_equal(st.unsupported, 3);
    assert_int_equal(st.invalid, 1);
    assert_int_equal(st.skipped_revoked, 1);
    assert_int_equal(st.skipped_expired, 1);
    assert_int_equal(st.skipped_pattern_type, 1);
    assert_int_equal(st.duplicates, 1);
    /* Every indicator read is accounted for exactly once. */
    assert_int_equal(st.simple + st.complex + st.unsupported + st.invalid + st.skipped_revoked +
                         st.skipped_expired + st.skipped_pattern_type + st.duplicates,
                     st.indicators);
    /* 198.51.100.7 (twice), .50, .99, .44, 2001:db8::1, 2001:db8::50, ::ffff:192.0.2.200 */
    assert_int_equal(st.ip_addresses, 7);
    assert_int_equal(st.ip_prefixes, 3);
    assert_int_equal(st.values[KZ_MATCH_DOMAIN], 4);
    assert_int_equal(st.values[KZ_MATCH_URL], 1);
    assert_int_equal(st.values[KZ_MATCH_EMAIL], 1);
    assert_int_equal(st.values[KZ_MATCH_MD5], 2);
    assert_int_equal(st.values[KZ_MATCH_SHA256], 1);
    assert_int_equal(st.postings, 20);
    assert_true(st.bytes_total > 0);
    assert_true(st.bytes_total >= st.bytes_strmaps + st.bytes_ipset + st.bytes_postings);
    assert_int_equal(kz_match_indicator_count(m), 22);
    /* Notes say which indicators were left out and why. */
    assert_int_equal(kz_match_note_count(m), 4);
    kz_match_note n;
    assert_true(kz_match_note_get(m, 0, &n));
    assert_string_equal(n.id, "indicator--00000000-0000-4000-8000-000000000030");
    assert_non_null(strstr(n.reason, "unsupported: FOLLOWEDBY"));
    assert_true(kz_match_note_get(m, 3, &n));
    assert_string_equal(n.id, "indicator--00000000-0000-4000-8000-000000000043");
    assert_non_null(strstr(n.reason, "invalid: pattern at offset 19"));
    assert_false(kz_match_note_get(m, 4, &n));
    /* Ids and names round-trip; a nameless indicator has "". */
    char id[KZ_MATCH_ID_MAX];
    assert_int_equal(kz_match_indicator_id(m, 0, id), 47);
    assert_string_equal(id, "indicator--00000000-0000-4000-8000-000000000001");
    assert_string_equal(kz_match_indicator_name(m, 0, NULL), "ip one");
    uint32_t last = (uint32_t)kz_match_indicator_count(m) - 1;
    kz_match_indicator_id(m, last, id);
    assert_string_equal(id, "indicator--00000000-0000-4000-8000-000000000025");
    kz_match_indicator_id(m, last - 1, id);
    assert_string_equal(id, "indicator--00000000-0000-4000-8000-000000000045");
    assert_string_equal(kz_match_indicator_name(m, last - 1, NULL), "");
    assert_int_equal(kz_match_indicator_id(m, 999, id), 0);
    kz_match_set_free(m);
}

static void test_include_options(void **state)
{
    (void)state;
    kz_match_opts o = {.include_revoked = true, .include_expired = true, .no_names = true};
    kz_match_set *m = compile_file(BUNDLE, &o);
    kz_match_stats st;
    kz_match_set_stats(m, &st);
    assert_int_equal(st.skipped_revoked, 0);
    assert_int_equal(st.skipped_expired, 0);
    assert_int_equal(st.simple, 18);
    assert_string_equal(kz_match_indicator_name(m, 0, NULL), "");
    kz_match_set_free(m);
    /* "now" decides expiry: in 3000, valid_until 2999 has passed too. */
    kz_match_opts later = {0};
    assert_int_equal(kz_time_parse("3000-01-01T00:00:00Z", 20, KZ_TIME_STRICT, &later.now), KZ_OK);
    m = compile_file(BUNDLE, &later);
    kz_match_set_stats(m, &st);
    assert_int_equal(st.skipped_expired, 2);
    kz_match_set_free(m);
}

static void test_classify_cases(void **state)
{
    (void)state;
    FILE *f = fopen("tests/data/match/classify.tsv", "r");
    assert_non_null(f);
    char line[2048];
    int n = 0, cases = 0;
    kz_arena *a = kz_arena_new(0);
    while (fgets(line, sizeof line, f)) {
        n++;
        size_t len = strcspn(line, "\r\n");
        line[len] = '\0';
        if (line[0] == '#' || !len)
            continue;
        char *tab = strchr(line, '\t');
        assert_non_null(tab);
        *tab = '\0';
        const char *want = line, *pattern = tab + 1;
        kz_match_builder *b = NULL;
        assert_int_equal(kz_match_builder_new(NULL, &b), KZ_OK);
        assert_int_equal(kz_match_builder_add_object(b, indicator_json(a, (size_t)n, pattern)), KZ_OK);
        kz_match_stats st;
        kz_match_builder_stats(b, &st);
        const char *got = st.simple ? "simple" : st.complex ? "complex"
                        : st.unsupported ? "unsupported" : st.invalid ? "invalid" : "?";
        if (strcmp(got, want) != 0)
            fail_msg("classify.tsv:%d: '%s' is %s, expected %s", n, pattern, got, want);
        kz_match_set *m = NULL;
        assert_int_equal(kz_match_builder_finish(b, &m), KZ_OK);
        kz_match_set_free(m);
        kz_arena_reset(a);
        cases++;
    }
    fclose(f);
    kz_arena_free(a);
    assert_true(cases >= 40);
}

/* A value longer than a map key can be is evaluated by the engine, and
 * a very long name is cut at a character boundary; neither stops the compile. */
static void test_long_values(void **state)
{
    (void)state;
    size_t n = 70000;
    char *pat = malloc(n + 64), *name = malloc(2000);
    assert_non_null(pat);
    assert_non_null(name);
    int w = snprintf(pat, n + 64, "[url:value = 'http://example.com/");
    memset(pat + w, 'a', n);
    memcpy(pat + w + n, "']", 3);
    kz_arena *a = kz_arena_new(0);
    kz_match_builder *b = NULL;
    assert_int_equal(kz_match_builder_new(NULL, &b), KZ_OK);
    assert_int_equal(kz_match_builder_add_object(b, indicator_json(a, 1, pat)), KZ_OK);
    kz_json *ind = indicator_json(a, 2, "[domain-name:value = 'example.com']");
    name[0] = 'x';
    for (size_t i = 1; i + 1 < 1999; i += 2)
        memcpy(name + i, "\xc3\xa9", 2); /* e-acute, 2 bytes each: byte 1024 is mid-character */
    name[1999] = '\0';
    assert_int_equal(kz_json_object_set(a, ind, "name", kz_json_new_string(a, name)), KZ_OK);
    assert_int_equal(kz_match_builder_add_object(b, ind), KZ_OK);
    kz_match_set *m = NULL;
    assert_int_equal(kz_match_builder_finish(b, &m), KZ_OK);
    kz_match_stats st;
    kz_match_set_stats(m, &st);
    assert_int_equal(st.complex, 1);
    assert_int_equal(st.simple, 1);
    size_t len = 0;
    kz_match_indicator_name(m, 1, &len);
    assert_int_equal(len, 1023);
    kz_match_set_free(m);
    kz_arena_free(a);
    free(pat);
    free(name);
}

static void test_not_indicators(void **state)
{
    (void)state;
    static const char doc[] =
        "[{\"type\":\"malware\",\"id\":\"malware--00000000-0000-4000-8000-000000000001\"},"
        " {\"type\":\"indicator\",\"id\":\"indicator--nope\",\"pattern\":\"[ipv4-addr:value = '1.2.3.4']\"},"
        " {\"type\":\"indicator\",\"id\":\"indicator--00000000-0000-4000-8000-000000000002\"},"
        " 17]";
    int p[2];
    assert_int_equal(pipe(p), 0);
    assert_int_equal(write(p[1], doc, sizeof doc - 1), (ssize_t)(sizeof doc - 1));
    close(p[1]);
    kz_match_builder *b = NULL;
    assert_int_equal(kz_match_builder_new(NULL, &b), KZ_OK);
    assert_int_equal(kz_match_builder_add_fd(b, p[0], NULL, 0), KZ_OK);
    close(p[0]);
    kz_match_stats st;
    kz_match_builder_stats(b, &st);
    assert_int_equal(st.objects, 4);
    assert_int_equal(st.indicators, 2);
    assert_int_equal(st.invalid, 3); /* bad id, no pattern, not an object */
    kz_match_builder_free(b);
}

static void test_malformed_document(void **state)
{
    (void)state;
    static const char doc[] = "{\"type\":\"bundle\",\"objects\":[{\"type\":\"indicator\"}, {";
    int p[2];
    assert_int_equal(pipe(p), 0);
    assert_int_equal(write(p[1], doc, sizeof doc - 1), (ssize_t)(sizeof doc - 1));
    close(p[1]);
    kz_match_builder *b = NULL;
    assert_int_equal(kz_match_builder_new(NULL, &b), KZ_OK);
    char msg[200] = "";
    assert_int_equal(kz_match_builder_add_fd(b, p[0], msg, sizeof msg), KZ_EPARSE);
    assert_non_null(strstr(msg, "at byte"));
    close(p[0]);
    kz_match_builder_free(b);
}

/* Every allocation of a whole compile fails in turn: each run ends in
 * KZ_OK or KZ_ENOMEM, never a crash or a leak (LeakSanitizer). */
static void test_oom_sweep(void **state)
{
    (void)state;
    int fd = open(BUNDLE, O_RDONLY);
    assert_true(fd >= 0);
    size_t ok_runs = 0;
    for (long failat = 1; failat < 100000; failat++) {
        assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
        kz_alloc_fail_after(failat, 0);
        kz_match_builder *b = NULL;
        kz_match_set *m = NULL;
        kz_err rc = kz_match_builder_new(NULL, &b);
        if (!rc)
            rc = kz_match_builder_add_fd(b, fd, NULL, 0);
        if (!rc) {
            rc = kz_match_builder_finish(b, &m);
            b = NULL;
        }
        long failures = kz_alloc_failures();
        kz_alloc_fail_after(0, 0);
        kz_match_builder_free(b);
        if (rc != KZ_OK && rc != KZ_ENOMEM)
            fail_msg("allocation %ld: %s", failat, kz_errname(rc));
        if (!rc) {
            kz_match_stats st;
            kz_match_set_stats(m, &st);
            kz_match_set_free(m);
            if (failures == 0) { /* the sweep went past the last allocation */
                assert_int_equal(st.simple, 16);
                ok_runs++;
                break;
            }
        }
    }
    close(fd);
    assert_int_equal(ok_runs, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bundle_counts),     cmocka_unit_test(test_include_options),
        cmocka_unit_test(test_classify_cases),    cmocka_unit_test(test_not_indicators),
        cmocka_unit_test(test_malformed_document), cmocka_unit_test(test_oom_sweep),
        cmocka_unit_test(test_long_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
