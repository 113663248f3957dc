/* prep_nfkc.c - the NFKC half of line preparation: each character with
 * its combining marks normalised on its own, so every output byte maps back
 * to the input character it came from; zero-width characters dropped. ASCII
 * and the bulk of Japanese text are copied in runs without libunistring. */
#include <stdlib.h>
#include <string.h>
#include <uninorm.h>
#include <unictype.h>

#include "extract/prep_int.h"

/* The map of k bytes (a multiple of 3) of 3-byte characters copied from
 * base on: each byte maps to the start of its character. */
static void map_iota3(uint32_t *m, size_t k, uint32_t base)
{
    size_t q = 0;
#ifdef __SSE2__
    __m128i b = _mm_set1_epi32((int)base);
    __m128i v0 = _mm_add_epi32(b, _mm_setr_epi32(0, 0, 0, 3));
    __m128i v1 = _mm_add_epi32(b, _mm_setr_epi32(3, 3, 6, 6));
    __m128i v2 = _mm_add_epi32(b, _mm_setr_epi32(6, 9, 9, 9));
    const __m128i twelve = _mm_set1_epi32(12);
    for (; q + 12 <= k; q += 12) {
        _mm_storeu_si128((__m128i *)(void *)(m + q), v0);
        _mm_storeu_si128((__m128i *)(void *)(m + q + 4), v1);
        _mm_storeu_si128((__m128i *)(void *)(m + q + 8), v2);
        v0 = _mm_add_epi32(v0, twelve);
        v1 = _mm_add_epi32(v1, twelve);
        v2 = _mm_add_epi32(v2, twelve);
    }
#endif
    for (; q < k; q += 3)
        m[q] = m[q + 1] = m[q + 2] = base + (uint32_t)q;
}

static bool zero_width(uint32_t cp)
{
    return (cp >= 0x200b && cp <= 0x200f) || cp == 0x2060 || cp == 0xfeff || cp == 0x00ad ||
           cp == 0x180e;
}

/* Characters NFKC leaves alone and that compose with nothing before them:
 * the bulk of Japanese text, so it is copied without calling libunistring. */
static bool nfkc_stable(uint32_t cp)
{
    return kz_xkana_kanji(cp) || (cp >= 0x3001 && cp <= 0x3002) || (cp >= 0x300c && cp <= 0x3011);
}

static bool combining(uint32_t cp)
{
    /* full-width ASCII and the ideographic space (class 0) are common in
     * Japanese text: answered without asking libunistring */
    if (cp < 0x300 || nfkc_stable(cp) || (cp >= 0xff01 && cp <= 0xff5e) || cp == 0x3000)
        return false;
    return cp == 0x3099 || cp == 0x309a || cp == 0xff9e || cp == 0xff9f ||
           uc_combining_class(cp) != 0;
}

static bool next_combines_slow(const unsigned char *s, size_t n, size_t i)
{
    uint32_t cp;
    if (i + 2 < n && kz_xja_stable(s + i))
        return false; /* kana and kanji are not marks */
    kz_xutf8_fast(s + i, n - i, &cp);
    return combining(cp);
}

static inline bool next_combines(const unsigned char *s, size_t n, size_t i)
{
    /* below U+0300 (lead byte 0xcc) nothing combines */
    return i < n && s[i] >= 0xcc && next_combines_slow(s, n, i);
}

/* End of the run of ASCII bytes other than NUL that starts at src[i]. */
static size_t ascii_run_end(const unsigned char *src, size_t len, size_t i)
{
#ifdef __SSE2__
    const __m128i zero = _mm_setzero_si128();
    while (i + 16 <= len) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(src + i));
        unsigned mask = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, zero)) |
                        (unsigned)_mm_movemask_epi8(v);
        if (mask)
            return i + (unsigned)__builtin_ctz(mask);
        i += 16;
    }
#endif
    while (i < len && src[i] != 0 && src[i] < 0x80)
        i++;
    return i;
}

/* NFKC of src[0..len) into p->a / p->ma. */
kz_err kz_xprep_nfkc(kz_xprep *p, const unsigned char *src, size_t len)
{
    size_t o = 0, i = 0;
    /* Output is at most the input plus what the slow path adds, which
     * grows the buffers itself; the fast paths never lengthen the text. */
    kz_err rc = kz_xprep_grow(&p->a, &p->ma, NULL, &p->cap_a, len + 16);
    if (rc)
        return rc;
    char *oa = p->a;
    uint32_t *om = p->ma;
    while (i < len) {
        unsigned c = src[i];
        uint32_t cp;
        size_t l = 1;
        if (c != 0 && c < 0x80) {
            /* All but the last byte of an ASCII run are followed by ASCII,
             * which combines with nothing: copied as they are. */
            size_t r = ascii_run_end(src, len, i + 1);
            if (r - i > 1) {
                size_t k = r - 1 - i;
                memcpy(oa + o, src + i, k);
                kz_xmap_iota(om + o, k, (uint32_t)i);
                o += k;
                i += k;
                c = src[i];
            }
        }
        if (c != 0 && c < 0x80 && !next_combines(src, len, i + 1)) {
            oa[o] = (char)c;
            om[o++] = (uint32_t)i;
            i++;
            continue;
        }
        if (c == 0) {
            i++;
            continue;
        }
        if (c >= 0x80) {
            if (i + 2 < len && kz_xja_stable(src + i)) {
                /* all but the last of a run of kana and kanji are followed
                 * by kana or kanji, which combine with nothing */
                size_t r = kz_xja_run_end(src, len, i);
                if (r - i > 3) {
                    size_t k = r - 3 - i;
                    memcpy(oa + o, src + i, k);
                    map_iota3(om + o, k, (uint32_t)i);
                    o += k;
                    i += k;
                }
            }
            if (i + 2 < len && kz_xja_stable(src + i) && !next_combines(src, len, i + 3)) {
                memcpy(oa + o, src + i, 3);
                om[o] = om[o + 1] = om[o + 2] = (uint32_t)i;
                o += 3;
                i += 3;
                continue;
            }
            l = kz_xutf8_fast(src + i, len - i, &cp);
            if (cp == 0xfffd && l == 1) { /* invalid byte: a boundary */
                oa[o] = ' ';
                om[o++] = (uint32_t)i;
                i++;
                continue;
            }
            if (zero_width(cp)) {
                i += l;
                continue;
            }
            if ((cp >= 0xff01 && cp <= 0xff5e) || cp == 0x3000) {
                if (!next_combines(src, len, i + l)) {
                    /* full-width ASCII and the ideographic space: NFKC is a shift */
                    oa[o] = cp == 0x3000 ? ' ' : (char)(cp - 0xfee0);
                    om[o++] = (uint32_t)i;
                    i += l;
                    continue;
                }
            } else if (nfkc_stable(cp) && !next_combines(src, len, i + l)) {
                memcpy(oa + o, src + i, l);
                for (size_t k = 0; k < l; k++)
                    om[o + k] = (uint32_t)i;
                o += l;
                i += l;
                continue;
            }
        }
        /* slow: this character and its combining marks */
        size_t j = i + l;
        while (j < len && next_combines(src, len, j)) {
            uint32_t c2;
            j += kz_xutf8(src + j, len - j, &c2);
        }
        uint8_t stackbuf[128];
        size_t rl = sizeof stackbuf;
        uint8_t *r = u8_normalize(UNINORM_NFKC, src + i, j - i, stackbuf, &rl);
        const uint8_t *w = r ? r : src + i;
        if (!r)
            rl = j - i;
        rc = kz_xprep_grow(&p->a, &p->ma, NULL, &p->cap_a, o + rl + (len - j) + 16);
        if (rc) {
            if (r && r != stackbuf)
                free(r);
            return rc;
        }
        oa = p->a;
        om = p->ma;
        for (size_t k = 0; k < rl; k++) {
            uint32_t c3;
            size_t l3 = kz_xutf8(w + k, rl - k, &c3);
            if (zero_width(c3)) { /* NFKC can produce none of these, but be safe */
                k += l3 - 1;
                continue;
            }
            oa[o] = (char)w[k];
            om[o++] = (uint32_t)i;
        }
        if (r && r != stackbuf)
            free(r);
        i = j;
    }
    return kz_xprep_publish(p, &p->a, &p->ma, NULL, &p->cap_a, o);
}
