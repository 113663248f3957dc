/* text_int.h - the byte-class bitmaps of one plain-text log line (private
 * to the text reader, lib/match/reader_text.c and text_masks.c): bit i of
 * bitmap b is set when byte i of the line is in class b, so a token's
 * dots, colons, digits... are a few masks and popcounts instead of a loop
 * over its bytes. */
#ifndef KZ_MATCH_TEXT_INT_H
#define KZ_MATCH_TEXT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Lines up to this long are cut with bitmaps; longer ones byte by byte. */
#define KZ_TEXT_BITMAP_LINE 4096

/* The classes. The sets are the reader's class table (reader_text.c
 * cls_init); test_reader_text checks every byte value against it. */
enum {
    TB_DELIM = 0, /* ends a token: controls, blank, " ' ( ) , ; < = > [ \ ] ` { | } DEL */
    TB_DOT,       /* '.' */
    TB_COLON,     /* ':' */
    TB_AT,        /* '@' */
    TB_DIGIT,     /* 0-9 */
    TB_LOWER,     /* a-z */
    TB_UPPER,     /* A-Z and '_' (both make a host name not canonical) */
    TB_NOTHOST,   /* not 0-9 a-z A-Z - _ . (colon, '@', '/', '!', UTF-8...; delimiters too) */
    TB__COUNT
};

/* 16 bits per 16-byte block; past the line's last block, padding blocks
 * (delimiters only) up to the second 64-bit word boundary after the
 * line's end, so that an 8-byte read at any bit of the line and a 64-bit
 * word read just past its end stay inside initialised memory. */
#define KZ_TEXT_BLOCKS (KZ_TEXT_BITMAP_LINE / 16 + 8)

typedef struct kz_text_bits {
    uint16_t m[TB__COUNT][KZ_TEXT_BLOCKS];
} kz_text_bits;

/* Fills b for line[0..len), 0 < len <= KZ_TEXT_BITMAP_LINE; reads no
 * byte outside the line. Returns the number of 64-bit words covering the
 * line (the word after them is padding). */
size_t kz_text_bits_build(kz_text_bits *b, const char *line, size_t len);

/* Which code builds the bitmaps: the best the CPU has (64 bytes at a
 * time by AVX-512 VBMI; else SSSE3 for the delimiters, compiled for AVX's
 * three-operand forms where the CPU has it; else SSE2), SSE2 only, the
 * scalar table, SSSE3 without AVX, or the AVX-compiled SSSE3 code. All
 * give the same bitmaps; tests and the fuzz target switch to check that
 * (a mode the CPU lacks falls back to the next best). */
enum {
    KZ_TEXT_BEST = 0,
    KZ_TEXT_SSE2 = 1,
    KZ_TEXT_SCALAR = 2,
    KZ_TEXT_SSSE3 = 3,
    KZ_TEXT_AVX = 4,
    KZ_TEXT__MODES
};
extern int kz_text_simd;

/* Whether the reader may use SSSE3 code: the CPU has it and kz_text_simd
 * allows it (not the SSE2 or scalar mode). Valid once a line's bitmaps
 * were built. */
bool kz_text_ssse3(void);

/* A dotted quad v[0..n), its bytes digits and the three dots of mask dot
 * (bit i: v[i]), as mc_ip4_parse32 parses it: four parts of 1 to 3
 * digits, no leading zero, each <= 255; false if not. Reads the 16 bytes
 * from v (the caller makes sure they are readable); SSSE3 only
 * (text_ip4.c: only when kz_text_ssse3 says so). */
bool kz_text_ip4_ssse3(const char *v, size_t n, uint64_t dot, uint32_t *out);

/* 64-bit word w of bitmap k. */
static inline uint64_t kz_tb_word(const kz_text_bits *b, unsigned k, size_t w)
{
    uint64_t x;
    memcpy(&x, &b->m[k][w * 4], 8);
    return x;
}

/* Bits [i, i + 57) of bitmap k, bit i in bit 0 (the bits above 56 are
 * not meaningful: callers mask to at most 56 bits), for i inside the line.
 * One unaligned load: two aligned words and a funnel shift (which no
 * straddling load could stall) measured 5 % slower on the whole scan. */
static inline uint64_t kz_tb_at(const kz_text_bits *b, unsigned k, size_t i)
{
    uint64_t x;
    memcpy(&x, (const unsigned char *)b->m[k] + (i >> 3), 8);
    return x >> (i & 7);
}

#endif
