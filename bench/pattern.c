/* pattern.c - STIX Patterning benchmark: observations evaluated per second
 * for (a) one simple comparison, (b) a compound AND/OR pattern, (c) a
 * FOLLOWEDBY ... WITHIN pattern, (d) sets of 1, 100, 10k and 100k simple
 * patterns through the index next to the naive pattern-by-pattern loop, and
 * (e) patterns parsed per second. The workload is generated here from a fixed
 * seed: observed-data objects one second apart, each observing an ipv4-addr,
 * a domain-name (resolving to that address) and a file with an MD5 hash.
 *
 *   bench/pattern [-n OBSERVATIONS] [-s SEED]   (bench/pattern.sh builds and runs it)
 *
 * Timings are CPU-bound, single-threaded, best of 3 runs (wall clock). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kizuna/arena.h"
#include "kizuna/buf.h"
#include "kizuna/json.h"
#include "kizuna/pattern.h"

/* Internal switch of lib/pattern/bind.c (not public API): the benchmark
 * compares the binding search with and without its time-window pruning. */
extern int pat_bind_prune;

static uint64_t seed = 1;
static uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The value pools: observation i sees ip(i), domain(i), md5(i). */
static void ip_of(uint64_t i, char *out, size_t n)
{
    uint64_t h = mix(i ^ seed);
    snprintf(out, n, "10.%u.%u.%u", (unsigned)(h % 64), (unsigned)(h >> 8) % 256, (unsigned)(h >> 16) % 256);
}
static void domain_of(uint64_t i, char *out, size_t n)
{
    snprintf(out, n, "d%u.example.net", (unsigned)(mix(i ^ seed ^ 77) % 50000));
}
static void md5_of(uint64_t i, char *out, size_t n)
{
    snprintf(out, n, "%016llx%016llx", (unsigned long long)mix(i ^ seed ^ 5), (unsigned long long)mix(i ^ seed ^ 6));
}

static kz_pattern_obs *make_obs(size_t n, kz_arena **arena_out, double *parse_s)
{
    kz_buf b;
    kz_buf_init(&b, 0);
    kz_buf_append_str(&b, "{\"type\":\"bundle\",\"id\":\"bundle--00000000-0000-4000-8000-000000000000\",\"objects\":[");
    for (size_t i = 0; i < n; i++) {
        char ip[32], dom[64], md5[40];
        ip_of(i, ip, sizeof ip);
        domain_of(i, dom, sizeof dom);
        md5_of(i, md5, sizeof md5);
        unsigned s = (unsigned)(i % 86400);
        kz_buf_printf(&b,
                      "%s{\"type\":\"observed-data\",\"spec_version\":\"2.1\",\"id\":\"observed-data--%08zx-0000-4000-8000-000000000000\","
                      "\"created\":\"2020-01-01T00:00:00Z\",\"modified\":\"2020-01-01T00:00:00Z\","
                      "\"first_observed\":\"2020-01-%02uT%02u:%02u:%02uZ\",\"last_observed\":\"2020-01-%02uT%02u:%02u:%02uZ\","
                      "\"number_observed\":1,\"object_refs\":[\"ipv4-addr--%zx\",\"domain-name--%zx\",\"file--%zx\"]},"
                      "{\"type\":\"ipv4-addr\",\"id\":\"ipv4-addr--%zx\",\"value\":\"%s\"},"
                      "{\"type\":\"domain-name\",\"id\":\"domain-name--%zx\",\"value\":\"%s\",\"resolves_to_refs\":[\"ipv4-addr--%zx\"]},"
                      "{\"type\":\"file\",\"id\":\"file--%zx\",\"name\":\"f%zu.exe\",\"size\":%zu,\"hashes\":{\"MD5\":\"%s\"}}",
                      i ? "," : "", i, (unsigned)(1 + i / 86400 % 28), s / 3600, s / 60 % 60, s % 60,
                      (unsigned)(1 + i / 86400 % 28), s / 3600, s / 60 % 60, s % 60, i, i, i, i, ip, i, dom, i,
                      i, i % 1000, (size_t)(mix(i) % 100000), md5);
    }
    kz_buf_append_str(&b, "]}");
    kz_arena *a = kz_arena_new(1 << 22);
    kz_json_limits lim = {.max_members = 1u << 26};
    kz_json *doc = NULL;
    double t0 = now();
    kz_pattern_obs *o = kz_pattern_obs_new();
    if (kz_json_parse(a, b.data, b.len, &lim, &doc, NULL) || kz_pattern_obs_add_all(o, doc) ||
        kz_pattern_obs_finish(o, NULL)) {
        fprintf(stderr, "bench: cannot build the observations\n");
        exit(2);
    }
    *parse_s = now() - t0;
    fprintf(stderr, "bench: %zu observations, %zu bytes of JSON\n", n, b.len);
    kz_buf_release(&b);
    *arena_out = a;
    return o;
}

static kz_pattern *compile(const char *text)
{
    kz_pattern *p = NULL;
    kz_pattern_error err;
    if (kz_pattern_parse(text, strlen(text), 21, &p, &err)) {
        fprintf(stderr, "bench: %s: %s\n", text, err.msg);
        exit(2);
    }
    return p;
}

/* Best of 3 wall-clock seconds of one kz_pattern_match. */
static double time_match(const char *text, const kz_pattern_obs *o, bool *matched, size_t *n_obs)
{
    kz_pattern *p = compile(text);
    double best = 1e30;
    for (int r = 0; r < 3; r++) {
        kz_pattern_result res;
        double t0 = now();
        kz_err rc = kz_pattern_match(p, o, &res, NULL);
        double t = now() - t0;
        if (rc) {
            fprintf(stderr, "bench: match failed: %s\n", kz_strerror(rc));
            exit(2);
        }
        *matched = res.matched;
        *n_obs = res.n_obs;
        kz_pattern_result_release(&res);
        if (t < best)
            best = t;
    }
    kz_pattern_free(p);
    return best;
}

static void pattern_text(uint64_t k, size_t n_obs, char *out, size_t n)
{
    /* 1 in 50 patterns names a value that occurs in the data; the rest are
     * indicators that never show up, as in a real feed. */
    uint64_t h = mix(k ^ 0xabc);
    bool present = h % 50 == 0;
    uint64_t i = present ? (h >> 8) % n_obs : n_obs + 1000000 + k;
    char v[64];
    switch ((h >> 40) % 10) {
    case 0: case 1: case 2: case 3: case 4: case 5:
        md5_of(i, v, sizeof v);
        snprintf(out, n, "[file:hashes.MD5 = '%s']", v);
        break;
    case 6: case 7:
        if (present)
            ip_of(i, v, sizeof v);
        else
            snprintf(v, sizeof v, "172.%u.%u.%u", (unsigned)(h >> 8) % 256, (unsigned)(h >> 16) % 256, (unsigned)(h >> 24) % 256);
        snprintf(out, n, "[ipv4-addr:value = '%s']", v);
        break;
    case 8:
        if (present)
            domain_of(i, v, sizeof v);
        else
            snprintf(v, sizeof v, "x%llu.bad.test", (unsigned long long)k);
        snprintf(out, n, "[domain-name:value = '%s']", v);
        break;
    default:
        snprintf(out, n, "[ipv4-addr:value ISSUBSET '%u.%u.%u.0/24']", present ? 10u : 192u,
                 (unsigned)(h >> 8) % 64, (unsigned)(h >> 16) % 256);
        break;
    }
}

static int count_hit(void *user, size_t id, size_t obs)
{
    (void)id;
    (void)obs;
    (*(size_t *)user)++;
    return 0;
}

static void bench_set(size_t n_pat, const kz_pattern_obs *o, size_t n_obs)
{
    char text[160];
    double t0 = now();
    kz_pattern_set *s = kz_pattern_set_new();
    for (size_t k = 0; k < n_pat; k++) {
        pattern_text(k, n_obs, text, sizeof text);
        if (kz_pattern_set_add(s, compile(text), k, NULL)) {
            fprintf(stderr, "bench: set add failed\n");
            exit(2);
        }
    }
    kz_pattern_set_compile(s);
    double build = now() - t0;
    double best = 1e30;
    size_t hits = 0;
    for (int r = 0; r < 3; r++) {
        hits = 0;
        double t1 = now();
        kz_pattern_set_match(s, o, count_hit, &hits, NULL);
        double t = now() - t1;
        if (t < best)
            best = t;
    }
    kz_pattern_set_stats st;
    kz_pattern_set_get_stats(s, &st);
    printf("| %zu | %zu | %.4f | %.0f | %.3g | %zu | %zu | %.3f |\n", n_pat, n_obs, best, n_obs / best,
           (double)n_pat * n_obs / best, st.candidates, hits, build);
    kz_pattern_set_free(s);
}

/* The same patterns one by one over every observation (what a matcher
 * without an index does): the baseline for (d). */
static void bench_naive(size_t n_pat, const kz_pattern_obs *o, size_t n_obs)
{
    char text[160];
    kz_pattern **ps = malloc(n_pat * sizeof *ps);
    for (size_t k = 0; k < n_pat; k++) {
        pattern_text(k, n_obs, text, sizeof text);
        ps[k] = compile(text);
    }
    size_t hits = 0;
    double t0 = now();
    for (size_t k = 0; k < n_pat; k++) {
        kz_pattern_result res;
        kz_pattern_match(ps[k], o, &res, NULL);
        hits += res.n_obs;
        kz_pattern_result_release(&res);
    }
    double t = now() - t0;
    printf("| %zu (one by one, no index) | %zu | %.4f | %.0f | %.3g | - | %zu | - |\n", n_pat, n_obs, t,
           n_obs / t, (double)n_pat * n_obs / t, hits);
    for (size_t k = 0; k < n_pat; k++)
        kz_pattern_free(ps[k]);
    free(ps);
}

int main(int argc, char **argv)
{
    size_t n = 100000;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "-n") == 0)
            n = strtoul(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "-s") == 0)
            seed = strtoull(argv[i + 1], NULL, 10);
    }
    kz_arena *a1, *a2;
    double parse_big, parse_small;
    kz_pattern_obs *big = make_obs(n, &a1, &parse_big);
    size_t n_small = n < 10000 ? n : 10000;
    kz_pattern_obs *small = make_obs(n_small, &a2, &parse_small);
    printf("JSON parse + observation build: %zu observations in %.3f s (%.0f observations/s)\n\n", n,
           parse_big, n / parse_big);

    char ip[32], ip2[32], dom[64], md5[40];
    ip_of(n / 2, ip, sizeof ip);
    ip_of(n - 10, ip2, sizeof ip2);
    domain_of(n - 5, dom, sizeof dom);
    md5_of(n / 3, md5, sizeof md5);
    char pa[128], pb[512], pc[256], pc2[256];
    snprintf(pa, sizeof pa, "[ipv4-addr:value = '%s']", ip);
    snprintf(pb, sizeof pb,
             "[(ipv4-addr:value ISSUBSET '10.1.0.0/16' OR ipv4-addr:value = '192.0.2.1') AND ipv4-addr:value != '10.1.2.3'] "
             "AND [file:hashes.MD5 = '%s' OR (file:name LIKE 'f99%%' AND file:size > 99990)] "
             "OR [domain-name:value = 'never.test' AND domain-name:resolves_to_refs[*].value ISSUBSET '10.0.0.0/8']", md5);
    snprintf(pc, sizeof pc, "([ipv4-addr:value = '%s'] FOLLOWEDBY [domain-name:value = '%s']) WITHIN 300 SECONDS", ip2, dom);
    /* About 1/64 of the observations on each side and never two within half a
     * second (they are one second apart): every pair is tried. */
    snprintf(pc2, sizeof pc2, "([ipv4-addr:value ISSUBSET '10.1.0.0/16'] FOLLOWEDBY [domain-name:resolves_to_refs[*].value ISSUBSET '10.2.0.0/16']) WITHIN 0.5 SECONDS");
    struct {
        const char *name, *text;
    } cases[] = {{"(a) one simple comparison", pa}, {"(b) compound AND/OR", pb},
                 {"(c) FOLLOWEDBY ... WITHIN (matches near the end)", pc},
                 {"(c') FOLLOWEDBY ... WITHIN, no match: ~1,500 x ~1,500 candidate pairs tried", pc2}};
    printf("| workload | pattern | observations | seconds | observations/s | matched |\n| --- | --- | ---: | ---: | ---: | --- |\n");
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        bool m;
        size_t k;
        double t = time_match(cases[c].text, big, &m, &k);
        printf("| %s | `%s` | %zu | %.4f | %.0f | %s |\n", cases[c].name, cases[c].text, n, t, n / t, m ? "yes" : "no");
    }

    /* (c'') every observation matches both sides; only the time window can
     * avoid trying all n x n pairs. Without pruning the search stops at its
     * step budget (KZ_ETOOBIG) instead of answering. */
    const char *pcc = "([ipv4-addr:value ISSUBSET '10.0.0.0/8'] FOLLOWEDBY [domain-name:value LIKE 'd%']) WITHIN 0.5 SECONDS";
    for (int prune = 1; prune >= 0; prune--) {
        pat_bind_prune = prune;
        kz_pattern *p = compile(pcc);
        kz_pattern_result res;
        double t0 = now();
        kz_err rc = kz_pattern_match(p, big, &res, NULL);
        double t = now() - t0;
        printf("| (c'') %s, %zu x %zu candidate pairs | `%s` | %zu | %.4f | %.0f | %s |\n",
               prune ? "time-window pruning on" : "pruning off (baseline)", n, n, pcc, n, t, n / t,
               rc == KZ_ETOOBIG ? "gave up: search budget exhausted" : rc ? kz_strerror(rc) : res.matched ? "yes" : "no");
        if (!rc)
            kz_pattern_result_release(&res);
        kz_pattern_free(p);
    }
    pat_bind_prune = 1;

    printf("\n(d) simple patterns through the index against %zu observations\n\n", n_small);
    printf("| patterns | observations | seconds | observations/s | pattern x observation pairs/s | candidates verified | hits | build s |\n"
           "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    size_t sizes[] = {1, 100, 1000, 10000, 100000};
    for (size_t i = 0; i < 5; i++)
        bench_set(sizes[i], small, n_small);
    bench_naive(1000, small, n_small);

    /* (e) parsing */
    char text[160];
    size_t np = 100000;
    double t0 = now();
    for (size_t k = 0; k < np; k++) {
        pattern_text(k, n_small, text, sizeof text);
        kz_pattern_free(compile(text));
    }
    double t = now() - t0;
    const char *cx = pb;
    size_t ncx = 20000;
    double t1 = now();
    for (size_t k = 0; k < ncx; k++)
        kz_pattern_free(compile(cx));
    double tc = now() - t1;
    printf("\n(e) parsing: %zu simple patterns in %.3f s = %.0f patterns/s; the compound pattern (b) "
           "%zu times in %.3f s = %.0f patterns/s\n",
           np, t, np / t, ncx, tc, ncx / tc);
    kz_pattern_obs_free(big);
    kz_pattern_obs_free(small);
    kz_arena_free(a1);
    kz_arena_free(a2);
    return 0;
}
