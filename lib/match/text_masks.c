/* text_masks.c - builds the byte-class bitmaps of a plain-text log line
 * (text_int.h): 64 bytes at a time by an AVX-512 VBMI byte permute where
 * the CPU has it, else SSE2 compares 16 bytes at a time (the delimiters by
 * two SSSE3 nibble tables where the CPU has them), a 256-entry table where
 * SSE2 is missing; the unit test checks that all of them agree. */
#include <pthread.h>

#include "match/text_int.h"

#ifdef __SSE2__
#include <emmintrin.h>
/* SSSE3 (pshufb) for the delimiters where the CPU has it, chosen at run
 * time: the build targets the x86-64 baseline (SSE2). */
#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#define HAVE_SSSE3 1
#include <tmmintrin.h>
#include <immintrin.h>
#endif
#endif

int kz_text_simd;
#ifdef HAVE_SSSE3
static bool have_ssse3, have_avx, have_vbmi;
/* tb_cls of the 128 ASCII bytes, for the AVX-512 VBMI byte permute */
static uint8_t tb_ascii[128] __attribute__((aligned(64)));
#endif

/* byte -> one bit per TB_ class */
static uint8_t tb_cls[256];
/* Set (release) after the tables and CPU flags above are written; read
 * (acquire) before each line, so a thread that sees it set sees them too.
 * pthread_once makes the first use from several threads safe; the flag
 * keeps the once-call out of the per-line path. */
static bool tb_ready;
static pthread_once_t tb_once = PTHREAD_ONCE_INIT;

static void tb_init(void)
{
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
#ifdef HAVE_SSSE3
    __builtin_cpu_init();
    have_ssse3 = __builtin_cpu_supports("ssse3");
    have_avx = have_ssse3 && __builtin_cpu_supports("avx");
    have_vbmi = have_avx && __builtin_cpu_supports("avx512f") &&
                __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vbmi");
    memcpy(tb_ascii, tb_cls, sizeof tb_ascii);
#endif
    __atomic_store_n(&tb_ready, true, __ATOMIC_RELEASE);
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

static inline void put(kz_text_bits *b, size_t blk, const uint16_t v[TB__COUNT])
{
    for (unsigned k = 0; k < TB__COUNT; k++)
        b->m[k][blk] = v[k];
}

#ifdef __SSE2__
/* x in [lo, hi], bytes taken as unsigned, hi - lo < 127: x - lo + 0x80
 * maps [lo, hi] onto the lowest signed bytes [-128, -128 + hi - lo] and
 * every other byte above them, so one signed compare (two instructions
 * with the add, against three with an unsigned min and an equality). */
static inline __m128i in_range(__m128i x, unsigned char lo, unsigned char hi)
{
    __m128i t = _mm_add_epi8(x, _mm_set1_epi8((char)(unsigned char)(0x80u - lo)));
    return _mm_cmplt_epi8(t, _mm_set1_epi8((char)(unsigned char)(0x81u + (unsigned)(hi - lo))));
}

static inline __m128i eq(__m128i x, char c)
{
    return _mm_cmpeq_epi8(x, _mm_set1_epi8(c));
}

/* The delimiters of x by ranges: controls and blank 0x00-0x20, '\'' to
 * ')', ';' to '>', and x | 0x20 in '{' to '}' (that is '[' '\' ']' '{'
 * '|' '}'), plus '"', ',', '`' and DEL. */
static inline __m128i delim_sse2(__m128i x)
{
    __m128i fold = _mm_or_si128(x, _mm_set1_epi8(0x20));
    __m128i d = _mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8(0x20)), x);
    d = _mm_or_si128(d, in_range(x, 0x27, 0x29));
    d = _mm_or_si128(d, in_range(x, 0x3b, 0x3e));
    d = _mm_or_si128(d, in_range(fold, 0x7b, 0x7d));
    d = _mm_or_si128(d, _mm_or_si128(eq(x, '"'), eq(x, ',')));
    return _mm_or_si128(d, _mm_or_si128(eq(x, '`'), eq(x, 0x7f)));
}

/* The masks of the 16 bytes x, d their delimiters. */
static inline void masks_of(__m128i x, __m128i d, uint16_t out[TB__COUNT])
{
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

static inline __m128i load16(const unsigned char *q)
{
    return _mm_loadu_si128((const __m128i *)(const void *)q);
}

/* The whole 16-byte blocks of a line, and its last 16 bytes shifted down
 * for a partial last block (no read past the line's end), given how to
 * find the delimiters of 16 bytes. Returns the blocks written. */
#define BUILD_BLOCKS(DELIM)                                                                    \
    do {                                                                                       \
        uint16_t v_[TB__COUNT];                                                                \
        for (size_t k = 0; k < full; k++) {                                                    \
            __m128i x_ = load16(q + 16 * k);                                                   \
            masks_of(x_, DELIM(x_), v_);                                                       \
            put(b, k, v_);                                                                     \
        }                                                                                      \
        if (rem) {                                                                             \
            __m128i x_ = load16(q + len - 16);                                                 \
            masks_of(x_, DELIM(x_), v_);                                                       \
            for (unsigned k = 0; k < TB__COUNT; k++)                                           \
                v_[k] = (uint16_t)(v_[k] >> (16 - rem));                                       \
            v_[TB_DELIM] = (uint16_t)(v_[TB_DELIM] | (0xffffu << rem));                        \
            put(b, full, v_);                                                                  \
            full++;                                                                            \
        }                                                                                      \
        return full;                                                                           \
    } while (0)

/* len >= 16 */
static size_t build_sse2(kz_text_bits *b, const unsigned char *q, size_t len)
{
    size_t full = len / 16, rem = len % 16;
    BUILD_BLOCKS(delim_sse2);
}

#ifdef HAVE_SSSE3

/* The delimiters of x by two 16-entry tables (pshufb), one indexed by
 * the low nibble, one by the high nibble, whose AND is not zero for a
 * delimiter: each bit a rectangle of the byte table,
 *   bit 0: rows 0 and 1 (controls)      bit 1: row 2: ' ' " ' ( ) ,
 *   bit 2: row 3: ; < = >               bit 3: rows 5 and 7: [ \ ] { | }
 *   bit 4: row 6: `                     bit 5: row 7: DEL
 * Bytes of 0x80 and up have a high nibble whose entry is 0. Same set as
 * delim_sse2 (the unit test compares both with the table). */
__attribute__((target("ssse3"))) static inline __m128i delim_ssse3(__m128i x)
{
    const __m128i lo_tab = _mm_setr_epi8(0x01 | 0x02 | 0x10,        /* 0: ' ' '`' */
                                         0x01, 0x01 | 0x02,         /* 2: '"' */
                                         0x01, 0x01, 0x01, 0x01,    /* 3..6 */
                                         0x01 | 0x02, 0x01 | 0x02,  /* 7, 8: '\'' '(' */
                                         0x01 | 0x02, 0x01,         /* 9: ')' */
                                         0x01 | 0x04 | 0x08,        /* b: ';' '[' '{' */
                                         0x01 | 0x02 | 0x04 | 0x08, /* c: ',' '<' '\\' '|' */
                                         0x01 | 0x04 | 0x08,        /* d: '=' ']' '}' */
                                         0x01 | 0x04,               /* e: '>' */
                                         0x01 | 0x20);              /* f: DEL */
    const __m128i hi_tab = _mm_setr_epi8(0x01, 0x01, 0x02, 0x04, 0, 0x08, 0x10, 0x08 | 0x20, 0,
                                         0, 0, 0, 0, 0, 0, 0);
    const __m128i nib = _mm_set1_epi8(0x0f);
    __m128i lo = _mm_shuffle_epi8(lo_tab, _mm_and_si128(x, nib));
    __m128i hi = _mm_shuffle_epi8(hi_tab, _mm_and_si128(_mm_srli_epi16(x, 4), nib));
    __m128i none = _mm_cmpeq_epi8(_mm_and_si128(lo, hi), _mm_setzero_si128());
    return _mm_xor_si128(none, _mm_set1_epi8(-1));
}

__attribute__((target("ssse3"))) static size_t build_ssse3(kz_text_bits *b,
                                                           const unsigned char *q, size_t len)
{
    size_t full = len / 16, rem = len % 16;
    BUILD_BLOCKS(delim_ssse3);
}

/* The same code compiled for AVX: its three-operand forms spare the
 * register copies the two-operand SSE forms need (about a quarter of the
 * loop's instructions). */
__attribute__((target("avx"))) static size_t build_avx(kz_text_bits *b, const unsigned char *q,
                                                       size_t len)
{
    size_t full = len / 16, rem = len % 16;
    BUILD_BLOCKS(delim_ssse3);
}

/* 64 bytes at a time where the CPU has AVX-512 VBMI: one two-register
 * byte permute (vpermt2b) looks every ASCII byte up in the class table
 * (tb_ascii: 128 entries, indexed by the low seven bits), bytes of 0x80
 * and up are "not a host byte" only, and one test per class gives its
 * 64-bit word straight from a mask register (no movemask, no 16-bit
 * pieces). The last, partial word is read by a masked load, which reads
 * (and can fault on) none of the bytes masked off: nothing past the
 * line's end. Those read as 0, a delimiter; their bits are then set to
 * "delimiter only", as the other builders leave them. */
__attribute__((target("avx512f,avx512bw,avx512vbmi"))) static size_t
build_vbmi(kz_text_bits *b, const unsigned char *q, size_t len)
{
    const __m512i tlo = _mm512_load_si512((const void *)tb_ascii);
    const __m512i thi = _mm512_load_si512((const void *)(tb_ascii + 64));
    size_t nw = (len + 63) / 64;
    for (size_t w = 0; w < nw; w++) {
        size_t left = len - 64 * w;
        __mmask64 valid = left >= 64 ? ~(__mmask64)0 : ((__mmask64)1 << left) - 1;
        __m512i x = _mm512_maskz_loadu_epi8(valid, q + 64 * w);
        __mmask64 low = ~_mm512_movepi8_mask(x) & valid; /* ASCII bytes of the line */
        __m512i t = _mm512_permutex2var_epi8(tlo, x, thi);
#define TB_TEST(k) ((uint64_t)_mm512_mask_test_epi8_mask(low, t, _mm512_set1_epi8((char)(1u << (k)))))
        uint64_t m[TB__COUNT] = {
            [TB_DELIM] = TB_TEST(TB_DELIM) | ~valid,
            [TB_DOT] = TB_TEST(TB_DOT),
            [TB_COLON] = TB_TEST(TB_COLON),
            [TB_AT] = TB_TEST(TB_AT),
            [TB_DIGIT] = TB_TEST(TB_DIGIT),
            [TB_LOWER] = TB_TEST(TB_LOWER),
            [TB_UPPER] = TB_TEST(TB_UPPER),
            [TB_NOTHOST] = TB_TEST(TB_NOTHOST) | (valid & ~low),
        };
#undef TB_TEST
        for (unsigned k = 0; k < TB__COUNT; k++)
            memcpy(&b->m[k][4 * w], &m[k], 8);
    }
    return 4 * nw;
}
#endif
#endif

bool kz_text_ssse3(void)
{
#ifdef HAVE_SSSE3
    return have_ssse3 && kz_text_simd != KZ_TEXT_SSE2 && kz_text_simd != KZ_TEXT_SCALAR;
#else
    return false;
#endif
}

size_t kz_text_bits_build(kz_text_bits *b, const char *line, size_t len)
{
    if (!__atomic_load_n(&tb_ready, __ATOMIC_ACQUIRE))
        pthread_once(&tb_once, tb_init);
    const unsigned char *q = (const unsigned char *)line;
    size_t full = 0;
#ifdef HAVE_SSSE3
    if (have_vbmi && kz_text_simd == KZ_TEXT_BEST) {
        full = build_vbmi(b, q, len);
    } else
#endif
#ifdef __SSE2__
    if (len >= 16 && kz_text_simd != KZ_TEXT_SCALAR) {
#ifdef HAVE_SSSE3
        if (have_avx && (kz_text_simd == KZ_TEXT_BEST || kz_text_simd == KZ_TEXT_AVX))
            full = build_avx(b, q, len);
        else if (have_ssse3 && kz_text_simd != KZ_TEXT_SSE2)
            full = build_ssse3(b, q, len);
        else
#endif
            full = build_sse2(b, q, len);
    } else
#endif
    {
        uint16_t v[TB__COUNT];
        for (size_t k = 0; 16 * k < len; k++) {
            size_t n = len - 16 * k < 16 ? len - 16 * k : 16;
            masks_scalar(q + 16 * k, n, v);
            if (n < 16)
                v[TB_DELIM] = (uint16_t)(v[TB_DELIM] | (0xffffu << n));
            put(b, k, v);
            full = k + 1;
        }
    }
    /* padding: delimiters only, up to the end of the word after the last
     * one (8-byte stores; full <= 4 * nw, so blocks full .. 4 * nw + 3) */
    size_t nw = (len + 63) / 64;
    static const uint64_t ones = ~0ull, zero = 0;
    for (size_t k = full; k < 4 * (nw + 1); k += 4) {
        memcpy(&b->m[TB_DELIM][k], &ones, 8);
        for (unsigned c = 1; c < TB__COUNT; c++)
            memcpy(&b->m[c][k], &zero, 8);
    }
    return nw;
}
