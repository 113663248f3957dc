/* test_scan_simd.c - the scanner's AVX2 and AVX-512 paths against its
 * SSE2 paths: the line's bitmaps built each way from random lines (every
 * byte but NUL, biased to the classes the bitmaps tell apart, any length
 * and padding), and the hits of whole scans. Levels the CPU does not
 * have fall back to the ones below (the test then compares a path with
 * itself and checks only that forcing works). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "extract/extract_int.h"
#include "kizuna/extract.h"
#include "scan_rec.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 11);
}

/* Pieces of text whose bytes the vector paths must tell apart. */
static const char *const pieces[] = {
    "a", "Z", "0", "9", ".", ":", "@", "-", "_", " ", "/", "[", "]", "(", ")", "{", "}", "\\",
    "|", "`", "~", "\x7f", "\x01", "\t", "\xe3\x80\x82", "\xe3\x80\x81", "\xe3\x80\x8c",
    "\xe3\x80\x8d", "\xe3\x80\x90", "\xe3\x80\x91", "\xe3\x80\x94", "\xe3\x80\x95",
    "\xe3\x81\x82", "\xe3\x82\xa2", "\xe3\x82\x99", "\xe3\x83\xbf", "\xe3\x83\xbc",
    "\xe6\xbc\xa2", "\xe4\xb8\x80", "\xe9\xbe\xa0", "\xef\xbc\x8e", "\xef\xbc\x91", "\xe3\x80\x80",
    "\xe2\x80\x8b", "\xc3\xa9", "\xcc\x81", "\xf0\x9f\x98\x80", "\x80", "\xbf", "\xff", "\xe3",
    "\xe3\x80", "\xed\xa0\x80", "example.com", "1.2.3.4", "hxxp://a.b/c", "[.]", "[at]",
    "9bc1f518c063ee1bb7d2095df3ab04f5", "CVE-2024-1234", "T1059.001",
};

/* Fills t with up to cap random pieces' bytes; returns the length. */
static size_t gen(char *t, size_t cap, size_t want)
{
    size_t k = 0, np = sizeof pieces / sizeof pieces[0];
    while (k < want) {
        const char *p = pieces[rnd() % np];
        size_t l = strlen(p);
        if (rnd() % 3 == 0) { /* runs of one kind: Japanese, letters */
            p = rnd() % 2 ? "\xe6\xbc\xa2\xe3\x81\x82" : "abc";
            l = strlen(p);
        }
        if (k + l > cap)
            break;
        memcpy(t + k, p, l);
        k += l;
    }
    return k;
}

static void bitmaps(const char *s, size_t n, size_t avail, uint64_t *out, size_t *words)
{
    kz_xscan x;
    memset(&x, 0, sizeof x);
    x.s = s;
    x.n = n;
    x.avail = avail;
    assert_int_equal(kz_xscan_classify(&x), KZ_OK);
    *words = n / 64 + 1;
    for (unsigned b = 0; b < XB__COUNT; b++)
        memcpy(out + b * *words, KZ_XBITS(&x, b), *words * sizeof *out);
    out[XB__COUNT * *words] = (uint64_t)x.has_colon | (uint64_t)x.has_at << 1;
    free(x.wbits);
}

static void test_bitmaps_same(void **state)
{
    (void)state;
    static char t[1200];
    static uint64_t a[(1200 / 64 + 1) * XB__COUNT + 1], b[(1200 / 64 + 1) * XB__COUNT + 1];
    for (int round = 0; round < 3000; round++) {
        memset(t, 0, sizeof t);
        size_t n = gen(t, 1000, rnd() % 1000);
        /* read on past the line (the next line's bytes), or not at all */
        size_t avail = rnd() % 2 ? n + 64 + rnd() % 100 : n;
        if (avail > n)
            for (size_t k = n; k < avail; k++)
                t[k] = (char)(k % 7 == 0 ? ':' : k % 5 == 0 ? '@' : 'a');
        size_t wa, wb;
        kz_xsimd_force(1);
        bitmaps(t, n, avail, a, &wa);
        for (int level = 2; level <= 3; level++) {
            kz_xsimd_force(level);
            bitmaps(t, n, avail, b, &wb);
            assert_int_equal(wa, wb);
            assert_memory_equal(a, b, (wa * XB__COUNT + 1) * sizeof *a);
        }
    }
    kz_xsimd_force(0);
}

static void scan_all(const char *t, size_t n, char **out, size_t *outlen)
{
    FILE *f = open_memstream(out, outlen);
    assert_non_null(f);
    rec r;
    memset(&r, 0, sizeof r);
    kz_extract_opts o = {0, KZ_EXTRACT_TEXT};
    assert_int_equal(kz_extract_scan(t, n, &o, record, &r), KZ_OK);
    fprintf(f, "%zu", r.n);
    for (size_t i = 0; i < r.n && i < SCAN_REC_MAX; i++)
        fprintf(f, "|%d %s %zu %zu %zu %d", (int)r.type[i], r.value[i], r.off[i], r.len[i],
                r.line[i], (int)r.fanged[i]);
    fclose(f);
}

static void test_scans_same(void **state)
{
    (void)state;
    static char t[2000];
    for (int round = 0; round < 1500; round++) {
        size_t n = gen(t, 1800, rnd() % 1800);
        /* some lines */
        for (size_t k = 0; k < n; k++)
            if (rnd() % 200 == 0)
                t[k] = '\n';
        char *a = NULL, *b = NULL;
        size_t al = 0, bl = 0;
        kz_xsimd_force(1);
        scan_all(t, n, &a, &al);
        for (int level = 2; level <= 3; level++) {
            kz_xsimd_force(level);
            scan_all(t, n, &b, &bl);
            assert_string_equal(a, b);
            free(b);
        }
        free(a);
    }
    kz_xsimd_force(0);
}

static void test_force(void **state)
{
    (void)state;
    kz_xsimd_force(1);
    assert_int_equal(kz_xsimd, 1);
    kz_xsimd_force(2);
    assert_true(kz_xsimd == 1 || kz_xsimd == 2);
    kz_xsimd_force(0);
    assert_true(kz_xsimd >= 1 && kz_xsimd <= 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_force),
        cmocka_unit_test(test_bitmaps_same),
        cmocka_unit_test(test_scans_same),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
