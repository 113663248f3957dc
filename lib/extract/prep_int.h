/* prep_int.h - pieces both halves of line preparation use: NFKC
 * (prep_nfkc.c) and the survey and refanging (prep.c). Private to
 * lib/extract. The small loops are static inline: they run per byte. */
#ifndef KZ_EXTRACT_PREP_INT_H
#define KZ_EXTRACT_PREP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "extract/extract_int.h"

/* Grows a text buffer *t, its map *m (and fang flags *f when f is not
 * NULL) to hold need bytes plus one; *cap is the capacity of all three.
 * On KZ_ENOMEM the buffers that were grown stay valid (the caller frees
 * them through kz_xprep_release). */
kz_err kz_xprep_grow(char **t, uint32_t **m, uint8_t **f, size_t *cap, size_t need);

/* Ends a rewritten line of o bytes in *t (map *m, fang flags *f or NULL,
 * capacity *cap - p->a/ma or p->b/mb/fb) with 64 zero bytes, the NUL ending
 * it among them: the finders' vector loops read whole 64-byte blocks, up
 * to p->avail. Then points p->s, p->n, p->avail and p->map at it. */
kz_err kz_xprep_publish(kz_xprep *p, char **t, uint32_t **m, uint8_t **f, size_t *cap, size_t o);

/* NFKC of src[0..len) into p->a / p->ma, leaving p->s, p->n, p->avail and
 * p->map pointing at it (prep_nfkc.c). */
kz_err kz_xprep_nfkc(kz_xprep *p, const unsigned char *src, size_t len);

/* m[q] = base + q for q < n: the identity part of a map (an offset per
 * byte is most of what copying a line costs), four entries a store. */
static inline void kz_xmap_iota(uint32_t *m, size_t n, uint32_t base)
{
    size_t q = 0;
#ifdef __SSE2__
    __m128i v = _mm_add_epi32(_mm_set1_epi32((int)base), _mm_setr_epi32(0, 1, 2, 3));
    const __m128i four = _mm_set1_epi32(4);
    for (; q + 4 <= n; q += 4) {
        _mm_storeu_si128((__m128i *)(void *)(m + q), v);
        v = _mm_add_epi32(v, four);
    }
#endif
    for (; q < n; q++)
        m[q] = base + (uint32_t)q;
}


#ifdef __SSE2__
/* Whether the 15 bytes at u are five characters that kz_xja_stable
 * accepts, on 16 bytes at a time: leads at
 * 0, 3, 6, 9, 12 that are kanji (E4-E9) or the kana and marks of E3
 * kz_xja_stable lets through, continuation bytes everywhere else. It
 * loads u[0..16), u[1..17) and u[2..18): u[0..18) must be readable. */
static inline bool kz_xja_stable15(const unsigned char *u)
{
    const __m128i v0 = _mm_loadu_si128((const __m128i *)(const void *)u);
    const __m128i v1 = _mm_loadu_si128((const __m128i *)(const void *)(u + 1));
    const __m128i v2 = _mm_loadu_si128((const __m128i *)(const void *)(u + 2));
    /* continuation bytes 80-BF are the signed bytes below (char)0xC0 */
    unsigned cont = (unsigned)_mm_movemask_epi8(_mm_cmplt_epi8(v0, _mm_set1_epi8((char)0xc0)));
    if ((cont & 0x6db6u) != 0x6db6u)
        return false;
    __m128i k = _mm_sub_epi8(v0, _mm_set1_epi8((char)0xe4));
    __m128i kanji = _mm_cmpeq_epi8(_mm_min_epu8(k, _mm_set1_epi8(5)), k);
    __m128i e3 = _mm_cmpeq_epi8(v0, _mm_set1_epi8((char)0xe3));
    /* E3 82 99-9F are U+3099-U+309F (the voicing marks combine) */
    __m128i t = _mm_sub_epi8(v2, _mm_set1_epi8((char)0x99));
    __m128i mark = _mm_cmpeq_epi8(_mm_min_epu8(t, _mm_set1_epi8(6)), t);
    __m128i kana = _mm_or_si128(
        _mm_or_si128(_mm_cmpeq_epi8(v1, _mm_set1_epi8((char)0x81)),
                     _mm_andnot_si128(mark, _mm_cmpeq_epi8(v1, _mm_set1_epi8((char)0x82)))),
        _mm_or_si128(_mm_andnot_si128(_mm_cmpeq_epi8(v2, _mm_set1_epi8((char)0xbf)),
                                      _mm_cmpeq_epi8(v1, _mm_set1_epi8((char)0x83))),
                     _mm_and_si128(_mm_cmpeq_epi8(v1, _mm_set1_epi8((char)0x80)),
                                   _mm_cmpeq_epi8(v2, _mm_set1_epi8((char)0x81)))));
    unsigned lead = (unsigned)_mm_movemask_epi8(_mm_or_si128(kanji, _mm_and_si128(e3, kana)));
    return (lead & 0x1249u) == 0x1249u;
}
#endif

/* End of the run of characters kz_xja_stable accepts from u[i]. */
static inline size_t kz_xja_run_end(const unsigned char *u, size_t m, size_t i)
{
    for (;;) {
#ifdef __SSE2__
        if (i + 18 <= m && kz_xja_stable15(u + i)) {
            i += 15;
            continue;
        }
#endif
        unsigned k = 0;
        while (k < 5 && i + 2 < m && kz_xja_stable(u + i)) {
            i += 3;
            k++;
        }
        if (k < 5)
            return i;
    }
}

#endif
