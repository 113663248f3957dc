/* text_masks.c - builds the byte-class bitmaps of a plain-text log line
 * (text_int.h): SSE2 compares 16 bytes at a time, a 256-entry table where
 * SSE2 is missing (and in the unit test that checks both agree). */
#include "match/text_int.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

bool kz_text_force_scalar;

/* byte -> one bit per TB_ class */
static uint8_t tb_cls[256];
static bool tb_ready;

static void tb_init(void)
{
    /* Idempotent and the same on every thread: a benign first-use race. */
    for (int c = 0; c < 256; c++) {
        unsigned v = 0;
        bool delim = c <= ' ' || c == '"' || c == '\'' || c == '`' || c == '<' || c == '>' ||
                     c == '(' || c == ')' || c == ',' || c == ';' || c == '|' || c == '{' ||
                     c == '}' || c == '=' || c == '[' || c == ']' || c == '\\' || c == 127;
        bool digit = c >= '0' && c <= '9', lower = c >= 'a' && c <= 'z';
        bool upper = (c >= 'A' && c <= 'Z') || c == '_';
        v |= (unsigned)delim << TB_DELIM;
        v |= (unsigned)(c == '.') << TB_DOT;
        v |= (unsigned)(c == ':') << TB_COLON;
        v |= (unsigned)(c == '@') << TB_AT;
        v |= (unsigned)digit << TB_DIGIT;
        v |= (unsigned)lower << TB_LOWER;
        v |= (unsigned)upper << TB_UPPER;
        v |= (unsigned)!(digit || lower || upper || c == '-' || c == '.') << TB_NOTHOST;
        tb_cls[c] = (uint8_t)v;
    }
    tb_ready = true;
}

/* The masks of q[0..n), n <= 16, by table. */
static void masks_scalar(const unsigned char *q, size_t n, uint16_t out[TB__COUNT])
{
    for (unsigned k = 0; k < TB__COUNT; k++)
        out[k] = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned c = tb_cls[q[i]];
        for (unsigned k = 0; k < TB__COUNT; k++)
            out[k] |= (uint16_t)(((c >> k) & 1u) << i);
    }
}

#ifdef __SSE2__
/* x in [lo, hi], bytes taken as unsigned. */
static inline __m128i in_range(__m128i x, unsigned char lo, unsigned char hi)
{
    __m128i t = _mm_sub_epi8(x, _mm_set1_epi8((char)lo));
    return _mm_cmpeq_epi8(_mm_min_epu8(t, _mm_set1_epi8((char)(hi - lo))), t);
}

static inline __m128i eq(__m128i x, char c)
{
    return _mm_cmpeq_epi8(x, _mm_set1_epi8(c));
}

/* The masks of q[0..16). Delimiters by ranges: controls and blank
 * 0x00-0x20, '\'' to ')', ';' to '>', and x | 0x20 in '{' to '}' (that is
 * '[' '\' ']' '{' '|' '}'), plus '"', ',', '`' and DEL. */
static inline void masks_sse2(const unsigned char *q, uint16_t out[TB__COUNT])
{
    __m128i x = _mm_loadu_si128((const __m128i *)(const void *)q);
    __m128i fold = _mm_or_si128(x, _mm_set1_epi8(0x20));
    __m128i d = _mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8(0x20)), x);
    d = _mm_or_si128(d, in_range(x, 0x27, 0x29));
    d = _mm_or_si128(d, in_range(x, 0x3b, 0x3e));
    d = _mm_or_si128(d, in_range(fold, 0x7b, 0x7d));
    d = _mm_or_si128(d, _mm_or_si128(eq(x, '"'), eq(x, ',')));
    d = _mm_or_si128(d, _mm_or_si128(eq(x, '`'), eq(x, 0x7f)));
    __m128i dot = eq(x, '.');
    __m128i digit = in_range(x, '0', '9');
    __m128i lower = in_range(x, 'a', 'z');
    __m128i upper = _mm_or_si128(in_range(x, 'A', 'Z'), eq(x, '_'));
    __m128i host = _mm_or_si128(_mm_or_si128(digit, lower), _mm_or_si128(upper, dot));
    host = _mm_or_si128(host, eq(x, '-'));
    out[TB_DELIM] = (uint16_t)_mm_movemask_epi8(d);
    out[TB_DOT] = (uint16_t)_mm_movemask_epi8(dot);
    out[TB_COLON] = (uint16_t)_mm_movemask_epi8(eq(x, ':'));
    out[TB_AT] = (uint16_t)_mm_movemask_epi8(eq(x, '@'));
    out[TB_DIGIT] = (uint16_t)_mm_movemask_epi8(digit);
    out[TB_LOWER] = (uint16_t)_mm_movemask_epi8(lower);
    out[TB_UPPER] = (uint16_t)_mm_movemask_epi8(upper);
    out[TB_NOTHOST] = (uint16_t)~_mm_movemask_epi8(host);
}
#endif

static inline void put(kz_text_bits *b, size_t blk, const uint16_t v[TB__COUNT])
{
    for (unsigned k = 0; k < TB__COUNT; k++)
        b->m[k][blk] = v[k];
}

size_t kz_text_bits_build(kz_text_bits *b, const char *line, size_t len)
{
    if (!tb_ready)
        tb_init();
    const unsigned char *q = (const unsigned char *)line;
    size_t full = len / 16, rem = len % 16;
    uint16_t v[TB__COUNT];
#ifdef __SSE2__
    if (!kz_text_force_scalar) {
        for (size_t k = 0; k < full; k++) {
            masks_sse2(q + 16 * k, v);
            put(b, k, v);
        }
        if (rem && len >= 16) {
            /* the last 16 bytes of the line, shifted down: no read past its end */
            masks_sse2(q + len - 16, v);
            for (unsigned k = 0; k < TB__COUNT; k++)
                v[k] = (uint16_t)(v[k] >> (16 - rem));
            v[TB_DELIM] = (uint16_t)(v[TB_DELIM] | (0xffffu << rem));
            put(b, full, v);
            rem = 0;
            full++;
        }
    } else
#endif
    {
        for (size_t k = 0; k < full; k++) {
            masks_scalar(q + 16 * k, 16, v);
            put(b, k, v);
        }
    }
    if (rem) {
        masks_scalar(q + 16 * full, rem, v);
        v[TB_DELIM] = (uint16_t)(v[TB_DELIM] | (0xffffu << rem));
        put(b, full, v);
        full++;
    }
    /* padding: delimiters only, up to the word after the last one */
    size_t nw = (len + 63) / 64;
    static const uint16_t pad[TB__COUNT] = {[TB_DELIM] = 0xffff};
    for (size_t k = full; k < 4 * (nw + 1); k++)
        put(b, k, pad);
    return nw;
}
