/* scan_bits.c - the line's bitmaps, built once per line before the
 * finders run (letters and digits, plain bytes, dots, colons, at-signs,
 * '-' and '_', ASCII bytes): SSE2, and AVX2 or AVX-512 where the CPU has
 * them (checked once at run time; a test can force the lower paths, which
 * give the same bitmaps). */
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "extract/extract_int.h"
#include "kizuna/alloc.h"

#if defined(__x86_64__) && defined(__GNUC__) && defined(__SSE2__)
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

/* The bitmaps of the whole 64-byte blocks of s[0..n) that can be read
 * (k + 64 <= avail) into w (XB__COUNT arrays of wcap words; bits from n
 * on clear); any[0] |= the colon bits, any[1] |= the at-sign bits.
 * Returns the bytes done (a multiple of 64). */
__attribute__((target("avx2"))) static size_t classify_avx2(const char *s, size_t n, size_t avail,
                                                            uint64_t *w, size_t wcap,
                                                            uint64_t any[2])
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

/* classify_avx2 with AVX-512BW: a block's 64 bytes in one register,
 * each class compared straight into a 64-bit mask. */
__attribute__((target("avx512f,avx512bw"))) static size_t
classify_avx512(const char *s, size_t n, size_t avail, uint64_t *w, size_t wcap, uint64_t any[2])
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
#endif

/* One pass (scan_line, before the finders) classifies the whole line into
 * seven bitmaps (bit k of word k / 64): ASCII letters and digits, plain
 * bytes (ASCII other than those, '-', '_', '.' and NUL: they end a word
 * and start none), dots, colons, at-signs, '-' or '_', and ASCII bytes.
 * Positions from n on are none of them. The 64-byte blocks take the AVX2
 * or AVX-512 path above where the CPU has it. */

static bool plain_byte(unsigned char c)
{
    return c != 0 && c < 0x80 && c != '.' && !X_IS(c, XC_LABEL);
}

kz_err kz_xscan_classify(kz_xscan *x)
{
    const char *s = x->s;
    size_t n = x->n, nw = n / 64 + 2, k = 0;
    if (nw > x->wcap) {
        uint64_t *b = kz_realloc(x->wbits, nw * XB__COUNT * sizeof *b);
        if (!b)
            return KZ_ENOMEM;
        x->wbits = b;
        x->wcap = nw;
    }
    uint64_t *wa = KZ_XBITS(x, XB_ALNUM), *wp = KZ_XBITS(x, XB_PLAIN), *wd = KZ_XBITS(x, XB_DOT),
             *wc = KZ_XBITS(x, XB_COLON), *wt = KZ_XBITS(x, XB_AT), *wh = KZ_XBITS(x, XB_HYPH),
             *wq = KZ_XBITS(x, XB_ASCII);
    uint64_t any[2] = {0, 0};
#ifdef __SSE2__
#ifdef KZ_X_HAVE_AVX2
    if (kz_xsimd == 3) {
        k = classify_avx512(s, n, x->avail, x->wbits, x->wcap, any);
    } else if (kz_xsimd == 2) {
        k = classify_avx2(s, n, x->avail, x->wbits, x->wcap, any);
    } else
#endif
    {
        const __m128i c0 = _mm_set1_epi8('0'), c9 = _mm_set1_epi8(9),
                      ca = _mm_set1_epi8('a'), c25 = _mm_set1_epi8(25), c20 = _mm_set1_epi8(0x20),
                      dash = _mm_set1_epi8('-'), und = _mm_set1_epi8('_'), dot = _mm_set1_epi8('.'),
                      colon = _mm_set1_epi8(':'), at = _mm_set1_epi8('@');
        /* 64 bytes (one word of each bitmap) at a time; the last, partial
         * word too when 64 bytes can be read there (bits from n on cleared) */
        for (; k < n && k + 64 <= x->avail; k += 64) {
            uint64_t am = 0, pm = 0, dm = 0, cm = 0, tm = 0, hm = 0, nm = 0;
            uint64_t keep = n - k >= 64 ? ~0ull : (1ull << (n - k)) - 1;
            for (unsigned h = 0; h < 64; h += 16) {
                __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + k + h));
                unsigned n16 = (unsigned)_mm_movemask_epi8(v);
                nm |= (uint64_t)n16 << h;
                if (n16 == 0xffffu)
                    continue; /* Japanese text: none of them */
                /* unsigned v - '0' <= 9, (v | 0x20) - 'a' <= 25 (min_epu8 gives <=) */
                __m128i d = _mm_sub_epi8(v, c0);
                __m128i l = _mm_sub_epi8(_mm_or_si128(v, c20), ca);
                __m128i isa = _mm_or_si128(_mm_cmpeq_epi8(_mm_min_epu8(d, c9), d),
                                           _mm_cmpeq_epi8(_mm_min_epu8(l, c25), l));
                __m128i isd = _mm_cmpeq_epi8(v, dot);
                __m128i ish = _mm_or_si128(_mm_cmpeq_epi8(v, dash), _mm_cmpeq_epi8(v, und));
                unsigned a16 = (unsigned)_mm_movemask_epi8(isa),
                         d16 = (unsigned)_mm_movemask_epi8(isd),
                         h16 = (unsigned)_mm_movemask_epi8(ish);
                am |= (uint64_t)a16 << h;
                /* plain: none of those and ASCII (the prepared line holds no
                 * NUL; bytes from n on are cleared below) */
                pm |= (uint64_t)(~(a16 | d16 | h16 | n16) & 0xffffu) << h;
                dm |= (uint64_t)d16 << h;
                cm |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, colon)) << h;
                tm |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, at)) << h;
                hm |= (uint64_t)h16 << h;
            }
            wa[k >> 6] = am & keep;
            wp[k >> 6] = pm & keep;
            wd[k >> 6] = dm & keep;
            wc[k >> 6] = cm & keep;
            wt[k >> 6] = tm & keep;
            any[0] |= cm & keep;
            any[1] |= tm & keep;
            wh[k >> 6] = hm & keep;
            wq[k >> 6] = ~nm & keep;
        }
    }
#endif
    /* the words not written above (k is a multiple of 64) */
    for (size_t w = k >> 6; w < nw; w++)
        wa[w] = wp[w] = wd[w] = wc[w] = wt[w] = wh[w] = wq[w] = 0;
    for (; k < n; k++) {
        unsigned char c = (unsigned char)s[k];
        uint64_t bit = 1ull << (k & 63);
        if (X_ALNUM(c))
            wa[k >> 6] |= bit;
        else if (c == '.')
            wd[k >> 6] |= bit;
        else if (plain_byte(c))
            wp[k >> 6] |= bit;
        if (c == ':')
            wc[k >> 6] |= bit, any[0] = 1;
        else if (c == '@')
            wt[k >> 6] |= bit, any[1] = 1;
        else if (c == '-' || c == '_')
            wh[k >> 6] |= bit;
        if (c < 0x80)
            wq[k >> 6] |= bit;
    }
    x->has_colon = any[0] != 0;
    x->has_at = any[1] != 0;
    return KZ_OK;
}
