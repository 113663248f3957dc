/* scan_avx2.c - the scanner's AVX2 and AVX-512 paths, used only where
 * the CPU has them (checked once at run time; elsewhere, and when a test
 * forces it, the SSE2 paths of scan_word.c run and give the same
 * results): the line's bitmaps 32 or 64 bytes a compare. */
#include <string.h>

#include "extract/extract_int.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define KZ_X_HAVE_AVX2 1
#endif

int kz_xsimd;
static int forced;

void kz_xsimd_init(void)
{
    /* Idempotent and the same on every thread: a benign first-use race. */
    int level = 1;
#ifdef KZ_X_HAVE_AVX2
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2"))
        level = 2;
    if (level == 2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw"))
        level = 3;
#endif
    if (forced && forced < level)
        level = forced;
    kz_xsimd = level;
}

void kz_xsimd_force(int level)
{
    forced = level;
    kz_xsimd = 0;
    kz_xsimd_init();
}

#ifdef KZ_X_HAVE_AVX2
/* The bitmaps of 32 bytes at s (see kz_xscan_classify), in the low or
 * the high half of the words m[XB_*] (sh 0 or 32). */
__attribute__((target("avx2"))) static inline void classify32(const char *s, uint64_t m[XB__COUNT],
                                                             unsigned sh)
{
    __m256i v = _mm256_loadu_si256((const __m256i *)(const void *)s);
    uint32_t hi = (uint32_t)_mm256_movemask_epi8(v);
    m[XB_ASCII] |= (uint64_t)(uint32_t)~hi << sh;
    if (hi == 0xffffffffu)
        return; /* Japanese text: none of the others */
    /* unsigned v - '0' <= 9, (v | 0x20) - 'a' <= 25 (min_epu8 gives <=) */
    __m256i d = _mm256_sub_epi8(v, _mm256_set1_epi8('0'));
    __m256i l = _mm256_sub_epi8(_mm256_or_si256(v, _mm256_set1_epi8(0x20)), _mm256_set1_epi8('a'));
    __m256i isa = _mm256_or_si256(
        _mm256_cmpeq_epi8(_mm256_min_epu8(d, _mm256_set1_epi8(9)), d),
        _mm256_cmpeq_epi8(_mm256_min_epu8(l, _mm256_set1_epi8(25)), l));
    __m256i ish = _mm256_or_si256(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('-')),
                                  _mm256_cmpeq_epi8(v, _mm256_set1_epi8('_')));
    uint32_t a = (uint32_t)_mm256_movemask_epi8(isa);
    uint32_t dt = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('.')));
    uint32_t h = (uint32_t)_mm256_movemask_epi8(ish);
    m[XB_ALNUM] |= (uint64_t)a << sh;
    /* plain: ASCII and none of those (the prepared line holds no NUL) */
    m[XB_PLAIN] |= (uint64_t)(uint32_t)~(a | dt | h | hi) << sh;
    m[XB_DOT] |= (uint64_t)dt << sh;
    m[XB_COLON] |= (uint64_t)(uint32_t)_mm256_movemask_epi8(
                       _mm256_cmpeq_epi8(v, _mm256_set1_epi8(':'))) << sh;
    m[XB_AT] |= (uint64_t)(uint32_t)_mm256_movemask_epi8(
                    _mm256_cmpeq_epi8(v, _mm256_set1_epi8('@'))) << sh;
    m[XB_HYPH] |= (uint64_t)h << sh;
}

__attribute__((target("avx2"))) size_t kz_xclassify_avx2(const char *s, size_t n, size_t avail,
                                                         uint64_t *w, size_t wcap, uint64_t any[2])
{
    size_t k = 0;
    uint64_t anyc = 0, anyt = 0;
    for (; k < n && k + 64 <= avail; k += 64) {
        uint64_t m[XB__COUNT] = {0, 0, 0, 0, 0, 0, 0};
        uint64_t keep = n - k >= 64 ? ~0ull : (1ull << (n - k)) - 1;
        size_t o = k >> 6;
        classify32(s + k, m, 0);
        classify32(s + k + 32, m, 32);
        w[o] = m[XB_ALNUM] & keep;
        w[o + wcap] = m[XB_PLAIN] & keep;
        w[o + 2 * wcap] = m[XB_DOT] & keep;
        w[o + 3 * wcap] = m[XB_COLON] & keep;
        w[o + 4 * wcap] = m[XB_AT] & keep;
        w[o + 5 * wcap] = m[XB_HYPH] & keep;
        w[o + 6 * wcap] = m[XB_ASCII] & keep;
        anyc |= m[XB_COLON] & keep;
        anyt |= m[XB_AT] & keep;
    }
    any[0] |= anyc;
    any[1] |= anyt;
    return k;
}

/* kz_xclassify_avx2 with AVX-512BW: a block's 64 bytes in one register,
 * each class compared straight into a 64-bit mask. */
__attribute__((target("avx512f,avx512bw"))) size_t kz_xclassify_avx512(const char *s, size_t n,
                                                                       size_t avail, uint64_t *w,
                                                                       size_t wcap, uint64_t any[2])
{
    size_t k = 0;
    uint64_t anyc = 0, anyt = 0;
    const __m512i c0 = _mm512_set1_epi8('0'), c10 = _mm512_set1_epi8(10),
                  ca = _mm512_set1_epi8('a'), c26 = _mm512_set1_epi8(26),
                  c20 = _mm512_set1_epi8(0x20);
    for (; k < n && k + 64 <= avail; k += 64) {
        uint64_t keep = n - k >= 64 ? ~0ull : (1ull << (n - k)) - 1;
        size_t o = k >> 6;
        __m512i v = _mm512_loadu_si512((const void *)(s + k));
        uint64_t hi = (uint64_t)_mm512_movepi8_mask(v);
        if (hi == ~0ull) { /* Japanese text: no ASCII, none of the others */
            for (unsigned b = 0; b < XB__COUNT; b++)
                w[o + b * wcap] = 0;
            continue;
        }
        /* unsigned v - '0' < 10, (v | 0x20) - 'a' < 26 */
        uint64_t a = (uint64_t)(_mm512_cmplt_epu8_mask(_mm512_sub_epi8(v, c0), c10) |
                                _mm512_cmplt_epu8_mask(
                                    _mm512_sub_epi8(_mm512_or_si512(v, c20), ca), c26));
        uint64_t dt = (uint64_t)_mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('.'));
        uint64_t h = (uint64_t)(_mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('-')) |
                                _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('_')));
        uint64_t c = (uint64_t)_mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(':')) & keep;
        uint64_t t = (uint64_t)_mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('@')) & keep;
        w[o] = a & keep;
        /* plain: ASCII and none of those (the prepared line holds no NUL) */
        w[o + wcap] = ~(a | dt | h | hi) & keep;
        w[o + 2 * wcap] = dt & keep;
        w[o + 3 * wcap] = c;
        w[o + 4 * wcap] = t;
        w[o + 5 * wcap] = h & keep;
        w[o + 6 * wcap] = ~hi & keep;
        anyc |= c;
        anyt |= t;
    }
    any[0] |= anyc;
    any[1] |= anyt;
    return k;
}
#else
size_t kz_xclassify_avx2(const char *s, size_t n, size_t avail, uint64_t *w, size_t wcap,
                         uint64_t any[2])
{
    (void)s, (void)n, (void)avail, (void)w, (void)wcap, (void)any;
    return 0;
}

size_t kz_xclassify_avx512(const char *s, size_t n, size_t avail, uint64_t *w, size_t wcap,
                           uint64_t any[2])
{
    (void)s, (void)n, (void)avail, (void)w, (void)wcap, (void)any;
    return 0;
}
#endif
