/* text_ip4.c - parses a dotted quad of the plain-text reader with one
 * SSSE3 byte shuffle chosen by its four part lengths (a table of the 81
 * length combinations), where the CPU has SSSE3; the reader's scalar
 * parser (reader_text.c ip4_bits) gives the same answer elsewhere, and
 * test_reader_text checks both against mc_ip4_parse32. */
#include "match/text_int.h"

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__)) && \
    defined(__SSE2__)
#include <emmintrin.h>
#include <tmmintrin.h>

/* Per combination of part lengths (1..3 each, index (l0-1)*27 + (l1-1)*9
 * + (l2-1)*3 + (l3-1)): the shuffle that puts part k's digits right-aligned
 * into bytes 4k..4k+2 of a vector (hundreds, tens, ones; 0x80 gives 0),
 * and per part the least value without a leading zero (0, 10 or 100). */
static uint8_t shuf[81][16] __attribute__((aligned(16)));
static int32_t least[81][4] __attribute__((aligned(16)));
static bool ready;

static void tables(void)
{
    /* Idempotent and the same on every thread: a benign first-use race. */
    for (unsigned i = 0; i < 81; i++) {
        unsigned len[4] = {i / 27 + 1, i / 9 % 3 + 1, i / 3 % 3 + 1, i % 3 + 1}, at = 0;
        for (unsigned k = 0; k < 4; k++) {
            for (unsigned j = 0; j < 4; j++)
                shuf[i][4 * k + j] = 0x80;
            for (unsigned j = 0; j < len[k]; j++)
                shuf[i][4 * k + 3 - len[k] + j] = (uint8_t)(at + j);
            least[i][k] = len[k] == 1 ? 0 : len[k] == 2 ? 10 : 100;
            at += len[k] + 1;
        }
    }
    ready = true;
}

__attribute__((target("ssse3"))) bool kz_text_ip4_ssse3(const char *v, size_t n, uint64_t dot,
                                                        uint32_t *out)
{
    if (!ready)
        tables();
    size_t d0 = (size_t)__builtin_ctzll(dot);
    dot &= dot - 1;
    size_t d1 = (size_t)__builtin_ctzll(dot);
    dot &= dot - 1;
    size_t d2 = (size_t)__builtin_ctzll(dot);
    size_t l0 = d0 - 1, l1 = d1 - d0 - 2, l2 = d2 - d1 - 2, l3 = n - d2 - 2; /* length - 1 */
    if ((l0 > 2) | (l1 > 2) | (l2 > 2) | (l3 > 2))
        return false; /* a part empty or of more than three digits */
    size_t i = l0 * 27 + l1 * 9 + l2 * 3 + l3;
    __m128i x = _mm_loadu_si128((const __m128i *)(const void *)v);
    x = _mm_sub_epi8(x, _mm_set1_epi8('0'));
    x = _mm_shuffle_epi8(x, _mm_load_si128((const __m128i *)(const void *)shuf[i]));
    /* hundreds * 100 + tens * 10 in one 16-bit lane, ones in the next;
     * then the two added: one 32-bit value per part */
    x = _mm_maddubs_epi16(x, _mm_setr_epi8(100, 10, 1, 0, 100, 10, 1, 0, 100, 10, 1, 0, 100,
                                           10, 1, 0));
    x = _mm_madd_epi16(x, _mm_set1_epi16(1));
    __m128i bad = _mm_or_si128(_mm_cmpgt_epi32(x, _mm_set1_epi32(255)),
                               _mm_cmplt_epi32(x, _mm_load_si128((const __m128i *)(const void *)
                                                                     least[i])));
    if (_mm_movemask_epi8(bad))
        return false;
    x = _mm_shuffle_epi8(x, _mm_setr_epi8(12, 8, 4, 0, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
                                          -1, -1));
    *out = (uint32_t)_mm_cvtsi128_si32(x);
    return true;
}

#else

bool kz_text_ip4_ssse3(const char *v, size_t n, uint64_t dot, uint32_t *out)
{
    (void)v, (void)n, (void)dot, (void)out;
    return false; /* never called: kz_text_have_ssse3 says no */
}

#endif
