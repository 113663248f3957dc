/* match_int.h - private declarations of the indicator matcher: the kind
 * table, value normalisation, pattern classification, and the layout of a
 * builder and of a compiled set. */
#ifndef KZ_MATCH_INT_H
#define KZ_MATCH_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "kizuna/arena.h"
#include "kizuna/ipset.h"
#include "kizuna/match.h"
#include "kizuna/pattern.h"
#include "kizuna/strmap.h"
#include "kizuna/uuid.h"

/* ---- kinds (kind.c) ---- */
typedef struct mc_kind_info {
    const char *path;     /* STIX object path as printed canonically */
    const char *sco_type; /* "ipv4-addr", "file" */
    const char *property; /* "value", or the hash algorithm name under "hashes" */
    bool is_hash;
} mc_kind_info;

const mc_kind_info *mc_kind_info_get(kz_match_kind k);
/* The kind of a canonical pattern path text ("file:hashes.'SHA-256'"), also
 * common spellings of hash algorithms (SHA256, sha-256); false if none. */
bool mc_kind_from_path(const char *path, size_t len, kz_match_kind *out);
static inline bool mc_kind_is_ip(kz_match_kind k)
{
    return k == KZ_MATCH_IPV4 || k == KZ_MATCH_IPV6;
}

/* Normalises in[0..len) as a value of kind k (not an IP kind) into arena a:
 * the one rule both sides of a lookup share. KZ_EPARSE when it is not
 * such a value, KZ_ENOMEM. */
kz_err mc_normalize(kz_arena *a, kz_match_kind k, const char *in, size_t len, const char **out,
                    size_t *out_len);

/* True when in[0..len) is of a shape that mc_normalize returns unchanged
 * whenever it accepts it (lower-case host names, lower-case hex hashes of
 * the right length, URLs whose scheme and host are so). For lookups only:
 * such a value is looked up as it is, without normalising - a value that
 * normalisation would refuse cannot equal a key either, because keys are
 * normalised values and normalising is idempotent. The fuzz target and the
 * unit tests check both properties against extract's normaliser. */
bool mc_is_canonical(kz_match_kind k, const char *in, size_t len);

/* A plain dotted quad ("192.0.2.1": four decimal parts of one to three
 * digits, no leading zeros, each <= 255, nothing else) into *out as
 * a << 24 | b << 16 | c << 8 | d; false for anything else, including what
 * kz_ip_parse would still accept ("1.2.3.4/32", IPv6), so that a caller
 * falls back to it: whatever this accepts, kz_ip_parse parses to the same
 * address. The log fields' fast path (perf: kz_ip_parse's general checks
 * were 12 % of a Zeek scan; a digit-by-digit state machine still 7 %):
 * one part at a time, its digits unrolled. */
static inline bool mc_ip4_parse32(const char *s, size_t n, uint32_t *out)
{
    if (n < 7 || n > 15)
        return false;
    const char *p = s, *e = s + n;
    uint32_t r = 0;
    for (int part = 0;; part++) {
        if (p >= e)
            return false;
        unsigned v = (unsigned)(unsigned char)*p - '0';
        if (v > 9)
            return false;
        p++;
        unsigned d;
        if (p < e && (d = (unsigned)(unsigned char)*p - '0') <= 9) {
            if (v == 0)
                return false; /* a leading zero */
            v = v * 10 + d;
            p++;
            if (p < e && (d = (unsigned)(unsigned char)*p - '0') <= 9) {
                v = v * 10 + d;
                p++;
                if (v > 255)
                    return false;
            }
        }
        r = r << 8 | v;
        if (part == 3)
            break;
        if (p >= e || *p != '.')
            return false;
        p++;
    }
    if (p != e)
        return false; /* a fourth digit, or anything after the last part */
    *out = r;
    return true;
}

/* mc_ip4_parse32 without a branch per digit or part (the same answer for
 * every input; test_fastpath compares them): the value's bytes gathered
 * into one vector by two overlapping loads inside it (nothing outside
 * s[0..n) is read), digits and dots as two masks, the parts cut at the
 * dots' positions and summed from their last three digit bytes. Random
 * part lengths made the unrolled parser mispredict; this one has one
 * predictable branch. Used where most values are addresses (the readers'
 * address fields). */
/* A part of mc_ip4_parse32_swar: the digits b (value - '0') ending before
 * e, l of them; *bad set unless l is 1..3, the value <= 255 and without a
 * leading zero. Multipliers from tables, not conditions: a compiler turned
 * `(l >= 3) * 100` into a branch, mispredicted as often as the old parser. */
static inline uint32_t mc_ip4_part(const unsigned char *b, unsigned e, unsigned l, unsigned *bad)
{
    static const unsigned char k10[4] = {0, 0, 10, 10}, k100[4] = {0, 0, 0, 100},
                               lead[4] = {0, 0, 1, 1};
    unsigned i = l & 3;
    unsigned v = b[(e - 1) & 15] + k10[i] * b[(e - 2) & 15] + k100[i] * (unsigned)b[(e - 3) & 15];
    *bad |= (l - 1 > 2) | (v > 255) | (lead[i] & (b[(e - l) & 15] == 0));
    return v & 255;
}

static inline bool mc_ip4_parse32_swar(const char *s, size_t n, uint32_t *out)
{
#ifdef __SSE2__
    if (n < 7 || n > 15 || (unsigned)(unsigned char)s[0] - '0' > 9)
        return false; /* (host names end here) */
    uint64_t lo, hi = 0;
    if (n >= 8) {
        uint64_t t;
        memcpy(&lo, s, 8);
        memcpy(&t, s + n - 8, 8);
        unsigned sh = (unsigned)(16 - n) * 8; /* 8..64: bytes s[8..n) to the bottom */
        hi = sh < 64 ? t >> sh : 0;
    } else {
        uint32_t a, b;
        memcpy(&a, s, 4);
        memcpy(&b, s + 3, 4);
        lo = (uint64_t)a | (uint64_t)b << 24; /* byte 3 from both: the same byte */
    }
    __m128i x = _mm_set_epi64x((long long)hi, (long long)lo);
    __m128i d = _mm_sub_epi8(x, _mm_set1_epi8('0'));
    unsigned dig = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(9)), d));
    unsigned dot = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8('.')));
    unsigned char b[16];
    _mm_storeu_si128((__m128i *)(void *)b, d);
    /* the dots' positions (16 when missing: then a part length is wrong) */
    unsigned d1 = dot, d2 = d1 & (d1 - 1), d3 = d2 & (d2 - 1);
    unsigned p1 = (unsigned)__builtin_ctz(d1 | 0x10000u), p2 = (unsigned)__builtin_ctz(d2 | 0x10000u),
             p3 = (unsigned)__builtin_ctz(d3 | 0x10000u);
    unsigned bad = ((dig | dot) != (1u << n) - 1) | ((d3 & (d3 - 1)) != 0);
    uint32_t r = mc_ip4_part(b, p1, p1, &bad) << 24;
    r |= mc_ip4_part(b, p2, p2 - p1 - 1, &bad) << 16;
    r |= mc_ip4_part(b, p3, p3 - p2 - 1, &bad) << 8;
    r |= mc_ip4_part(b, (unsigned)n, (unsigned)n - p3 - 1, &bad);
    if (bad)
        return false;
    *out = r;
    return true;
#else
    return mc_ip4_parse32(s, n, out);
#endif
}

/* An IPv4 address given as mc_ip4_parse32 gives it, as a kz_ipaddr. */
static inline void mc_ip4_addr(uint32_t a, kz_ipaddr *out)
{
    memset(out, 0, sizeof *out);
    out->family = 4;
    out->prefix = 32;
    out->a[0] = (uint8_t)(a >> 24);
    out->a[1] = (uint8_t)(a >> 16);
    out->a[2] = (uint8_t)(a >> 8);
    out->a[3] = (uint8_t)a;
}

/* mc_ip4_parse32 into a kz_ipaddr. */
static inline bool mc_ip4_parse(const char *s, size_t n, kz_ipaddr *out)
{
    uint32_t a;
    if (!mc_ip4_parse32(s, n, &a))
        return false;
    mc_ip4_addr(a, out);
    return true;
}

/* ---- classification (classify.c) ---- */
enum { MC_SIMPLE = 0, MC_COMPLEX, MC_UNSUPPORTED };

typedef struct mc_value {
    kz_match_kind kind;
    const char *lit;  /* unescaped string literal, NUL-terminated, in the arena */
    size_t len;
    bool subset;      /* ISSUBSET (an IP prefix) */
} mc_value;

typedef struct mc_class {
    int cls;            /* MC_* */
    const char *reason; /* static text for complex / unsupported */
    mc_value *v;        /* MC_SIMPLE: the values, in the arena */
    size_t n;
} mc_class;

/* Classifies a pattern from its canonical text (kz_pattern_print of a
 * pattern the engine parsed, so the text is known to be well-formed).
 * Anything the recogniser does not understand is complex: the engine
 * evaluates it, so nothing is lost by being conservative. KZ_ENOMEM. */
kz_err mc_classify(kz_arena *a, const char *text, size_t len, mc_class *out);

/* ---- the compiled set (build.c, run.c) ---- */
#define MC_FLAG_COMPLEX 0x01u
#define MC_TYPE_INDICATOR 0x00u /* type code in the high bits of flags: every entry is an indicator today */
#define MC_NOTES_MAX 1000
#define MC_NAME_MAX 1024

typedef struct mc_note {
    char *id;
    char *reason;
} mc_note;

/* What both a builder and a finished set hold. */
typedef struct mc_core {
    kz_strmap *maps[KZ_MATCH_KIND_COUNT]; /* exact values; NULL for IP kinds and OTHER */
    kz_ipset *ips;                        /* every IPv4/IPv6 address and prefix */
    uint32_t n_keys;                      /* distinct keys over all structures */
    size_t n_ind;                         /* indicators registered */
    kz_uuid *ids;                         /* n_ind */
    uint32_t *name_off;                   /* n_ind, offsets into names (0: "") */
    uint8_t *flags;                       /* n_ind */
    char *names;                          /* pool of NUL-terminated names; names[0] = '\0' */
    size_t names_len;
    kz_pattern_set *complex;              /* NULL when none */
    mc_note *notes;
    size_t n_notes;
    kz_match_stats st;
    bool subdomains;
} mc_core;

/* build.c helpers for load.c: an element that is not a JSON object counts
 * as one invalid object (noted with why); the configured element cap. */
kz_err mc_builder_broken(kz_match_builder *b, const char *why);
size_t mc_builder_max_object(const kz_match_builder *b);

/* The string keys' filter (build.c, run.c): a blocked Bloom filter over
 * every key of every string map, one 64-bit word per key chosen from the
 * key's kz_strmap_hash and kind, four bits set in it; 8 to 16 bits per key
 * (440k keys: 512 KiB). A log value that is no key - nearly all of them -
 * is answered from this word, which stays in L2, instead of from a slot of
 * a map of many MiB, a miss to L3 or DRAM (1 GB of log streamed through
 * the cache evicts the maps: the scan slowed as the log grew). */
static inline uint64_t mc_sf_mix(kz_match_kind k, uint64_t h)
{
    return (h ^ ((uint64_t)k + 1) * 0x9e3779b97f4a7c15ull) * 0xbf58476d1ce4e5b9ull;
}

static inline uint64_t mc_sf_bits(uint64_t g)
{
    return 1ull << (g >> 8 & 63) | 1ull << (g >> 14 & 63) | 1ull << (g >> 20 & 63) |
           1ull << (g >> 26 & 63);
}

struct kz_match_set {
    mc_core c;
    uint64_t *sf;   /* the string keys' filter; NULL: none (every lookup probes) */
    size_t sf_mask; /* its words - 1 */
    uint32_t *post_start; /* n_keys + 1: postings of key k are post[post_start[k] .. [k+1]) */
    uint32_t *post;
    pthread_mutex_t lock; /* serialises kz_pattern_set_match on c.complex */
};

/* The filter word of a string key of kind k with kz_strmap_hash h. */
static inline const uint64_t *mc_sf_word(const kz_match_set *m, kz_match_kind k, uint64_t h)
{
    return &m->sf[(size_t)(mc_sf_mix(k, h) >> 32) & m->sf_mask];
}

/* false: no string map of m holds a key of kind k with hash h. */
static inline bool mc_sf_maybe(const kz_match_set *m, kz_match_kind k, uint64_t h)
{
    if (!m->sf)
        return true;
    uint64_t b = mc_sf_bits(mc_sf_mix(k, h));
    return (*mc_sf_word(m, k, h) & b) == b;
}

#endif
