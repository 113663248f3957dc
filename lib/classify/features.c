/* features.c - turns a sentence into the classifier's hashed feature ids
 * (tokens, word unigrams and bigrams, character n-grams; the exact recipe is
 * documented in classify_int.h). No allocation: everything is on the stack,
 * so any number of threads may extract at once. */
#include <stdbool.h>
#include <string.h>

#include "classify/classify_int.h"

#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME 0x100000001b3ull

enum { CH_OTHER = 0, CH_WORD = 1, CH_JOIN = 2 };

/* Byte classes: a-z, A-Z, 0-9, '_' and every byte >= 0x80 are word bytes
 * (non-ASCII text is kept as opaque bytes rather than decoded: the
 * classifier is trained on English and a byte n-gram of a UTF-8 word is as
 * good a feature as a code-point one). */
static inline uint8_t byte_class(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
        c >= 0x80)
        return CH_WORD;
    if (c == '.' || c == '-' || c == '/' || c == '\\' || c == ':')
        return CH_JOIN;
    return CH_OTHER;
}

static unsigned char lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + ('a' - 'A')) : c;
}

static inline uint64_t fnv_byte(uint64_t h, unsigned char c)
{
    return (h ^ c) * FNV_PRIME;
}

static uint64_t fnv_bytes(uint64_t h, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = fnv_byte(h, p[i]);
    return h;
}

/* MurmurHash3's finaliser: FNV-1a's high bits alone mix poorly for short
 * strings, and the bucket is taken from the high bits. */
static inline uint32_t bucket_of(uint64_t h, uint32_t bits)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return (uint32_t)(h >> (64 - bits));
}

uint32_t kz_feat_hash(const kz_feat_cfg *cfg, const void *s, size_t len)
{
    return bucket_of(fnv_bytes(FNV_OFFSET, s, len), cfg->bits);
}

uint64_t kz_model_fnv(const void *p, size_t n)
{
    return fnv_bytes(FNV_OFFSET, p, n);
}

/* The distinct ids so far, in order of first occurrence, and the set of
 * them on the stack: with at most 2^16 buckets (the committed model) a
 * bitmap, one test per id, 8 KiB cleared per sentence; with more an
 * open-addressing table that starts small and doubles at half load, so a
 * short sentence clears only a few hundred bytes. Either way a sentence
 * with KZ_FEAT_MAX_RAW distinct ids stops there. */
typedef struct raw_ids {
    uint32_t *id;
    size_t n;
    uint32_t lg;
    bool small;
    union {
        uint32_t set[2 * KZ_FEAT_MAX_RAW];
        uint64_t bits[(1u << 16) / 64];
    } u;
} raw_ids;

static void set_insert(raw_ids *r, uint32_t v)
{
    uint32_t mask = (1u << r->lg) - 1;
    uint32_t s = (v * 0x9e3779b1u) >> (32 - r->lg);
    while (r->u.set[s])
        s = (s + 1) & mask;
    r->u.set[s] = v;
}

static inline void push(raw_ids *r, uint32_t id)
{
    if (r->small) {
        uint64_t m = 1ull << (id % 64);
        if (r->n >= KZ_FEAT_MAX_RAW || (r->u.bits[id / 64] & m))
            return;
        r->u.bits[id / 64] |= m;
        r->id[r->n++] = id;
        return;
    }
    uint32_t v = id + 1; /* 0 marks an empty slot; ids < 2^22 */
    uint32_t mask = (1u << r->lg) - 1;
    uint32_t s = (v * 0x9e3779b1u) >> (32 - r->lg);
    if (r->n >= KZ_FEAT_MAX_RAW)
        return;
    while (r->u.set[s]) {
        if (r->u.set[s] == v)
            return;
        s = (s + 1) & mask;
    }
    r->u.set[s] = v;
    r->id[r->n++] = id;
    if (2 * r->n >= (1u << r->lg) && (1u << r->lg) < 2 * KZ_FEAT_MAX_RAW) {
        r->lg++;
        memset(r->u.set, 0, sizeof r->u.set[0] << r->lg);
        for (size_t i = 0; i < r->n; i++)
            set_insert(r, r->id[i] + 1);
    }
}

/* The features of one token tok[0..tl) (already lower-cased), given the
 * previous token prev[0..pl) (pl 0: none). */
static void token_features(const kz_feat_cfg *cfg, const unsigned char *tok, size_t tl,
                           const unsigned char *prev, size_t pl, raw_ids *r)
{
    if (cfg->flags & KZ_FEAT_WORDS)
        push(r, bucket_of(fnv_bytes(fnv_byte(FNV_OFFSET, 'w'), tok, tl), cfg->bits));
    if ((cfg->flags & KZ_FEAT_BIGRAMS) && pl) {
        uint64_t h = fnv_bytes(fnv_byte(FNV_OFFSET, 'b'), prev, pl);
        h = fnv_bytes(fnv_byte(h, ' '), tok, tl);
        push(r, bucket_of(h, cfg->bits));
    }
    if (cfg->flags & KZ_FEAT_CHARS) {
        unsigned char b[KZ_FEAT_MAX_TOKEN + 2];
        size_t bl = tl + 2;
        b[0] = '<';
        memcpy(b + 1, tok, tl);
        b[tl + 1] = '>';
        /* Each start extends one FNV state through cmin..cmax bytes. */
        for (size_t s = 0; s + cfg->cmin <= bl; s++) {
            uint64_t h = fnv_byte(FNV_OFFSET, 'c');
            for (size_t k = 0; k < cfg->cmax && s + k < bl; k++) {
                h = fnv_byte(h, b[s + k]);
                if (k + 1 >= cfg->cmin)
                    push(r, bucket_of(h, cfg->bits));
            }
        }
    }
}

size_t kz_feat_extract(const kz_feat_cfg *cfg, const char *text, size_t len, uint32_t *ids)
{
    const unsigned char *t = (const unsigned char *)text;
    raw_ids r;
    unsigned char tok[KZ_FEAT_MAX_TOKEN], prev[KZ_FEAT_MAX_TOKEN];
    size_t pl = 0;
    r.id = ids;
    r.n = 0;
    r.lg = 8;
    r.small = cfg->bits <= 16;
    if (r.small)
        memset(r.u.bits, 0, ((size_t)1 << cfg->bits) / 8);
    else
        memset(r.u.set, 0, sizeof r.u.set[0] << r.lg);
    if (len > KZ_CLASSIFY_MAX_TEXT)
        len = KZ_CLASSIFY_MAX_TEXT;
    size_t i = 0;
    while (i < len && r.n < KZ_FEAT_MAX_RAW) {
        if (byte_class(t[i]) != CH_WORD) {
            i++;
            continue;
        }
        size_t tl = 0;
        while (i < len) {
            uint8_t k = byte_class(t[i]);
            /* A run of joiners stays only between two word bytes (the
             * one before is guaranteed: a token starts with a word byte):
             * "c:\\windows" and "cmd.exe" are whole, "exe." ends. */
            if (k == CH_OTHER)
                break;
            if (k == CH_JOIN) {
                size_t j = i;
                while (j < len && byte_class(t[j]) == CH_JOIN)
                    j++;
                if (j >= len || byte_class(t[j]) != CH_WORD)
                    break;
                /* The whole run at once: rescanning it per byte would be
                 * quadratic in a long run of dots. */
                for (; i < j; i++)
                    if (tl < KZ_FEAT_MAX_TOKEN)
                        tok[tl++] = t[i];
                continue;
            }
            if (tl < KZ_FEAT_MAX_TOKEN)
                tok[tl++] = lower(t[i]);
            i++;
        }
        token_features(cfg, tok, tl, prev, pl, &r);
        memcpy(prev, tok, tl);
        pl = tl;
    }
    return r.n;
}
