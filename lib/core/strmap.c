/* strmap.c - the compact string -> u32 hash map of strmap.h: open addressing
 * with linear probing over 12-byte slots, keys in one length-prefixed pool. */
#include "kizuna/strmap.h"

#include <stdlib.h>
#include <string.h>

#include "kizuna/alloc.h"

typedef struct slot {
    uint32_t tag; /* high half of the key's hash */
    uint32_t off; /* offset of the key in the pool; 0 = empty slot */
    uint32_t val;
} slot;

struct kz_strmap {
    slot *slots;
    size_t cap; /* power of two */
    size_t count;
    uint8_t *pool; /* [len lo][len hi][bytes]... ; offset 0 is never a key */
    size_t pool_len, pool_cap;
};

static inline uint64_t mix(uint64_t a, uint64_t b)
{
    __uint128_t r = (__uint128_t)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

static inline uint64_t rd64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static inline uint64_t rd32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* A multiply-fold hash in the style of wyhash (written from the idea, not
 * copied): 16 bytes a round through one 64x64->128 multiplication. */
uint64_t kz_hash64(const void *p, size_t n, uint64_t seed)
{
    static const uint64_t k0 = 0xa0761d6478bd642full, k1 = 0xe7037ed1a0b428dbull,
                          k2 = 0x8ebc6af09c88c6e3ull, k3 = 0x589965cc75374cc3ull;
    const uint8_t *s = p;
    uint64_t h = seed ^ mix(seed ^ k0, k1) ^ n;
    size_t left = n;
    while (left > 16) {
        h = mix(rd64(s) ^ k1, rd64(s + 8) ^ h);
        s += 16;
        left -= 16;
    }
    uint64_t a = 0, b = 0;
    if (left >= 8) {
        a = rd64(s);
        b = rd64(s + left - 8);
    } else if (left >= 4) {
        a = rd32(s);
        b = rd32(s + left - 4);
    } else if (left > 0) {
        a = ((uint64_t)s[0] << 16) | ((uint64_t)s[left >> 1] << 8) | s[left - 1];
    }
    return mix(k1 ^ n, mix(a ^ k2, b ^ h ^ k3));
}

kz_strmap *kz_strmap_new(size_t expected)
{
    kz_strmap *m = kz_calloc(1, sizeof *m);
    if (!m)
        return NULL;
    size_t cap = 16;
    while (cap * 3 / 4 < expected)
        cap *= 2;
    m->slots = kz_calloc(cap, sizeof *m->slots);
    kz_alloc_want_huge_pages(m->slots, cap * sizeof *m->slots);
    m->pool_cap = 4096;
    m->pool = kz_malloc(m->pool_cap);
    if (!m->slots || !m->pool) {
        kz_free(m->slots);
        kz_free(m->pool);
        kz_free(m);
        return NULL;
    }
    m->cap = cap;
    m->pool_len = 1;
    return m;
}

void kz_strmap_free(kz_strmap *m)
{
    if (!m)
        return;
    kz_free(m->slots);
    kz_free(m->pool);
    kz_free(m);
}

static inline size_t key_len(const kz_strmap *m, uint32_t off)
{
    return (size_t)m->pool[off] | ((size_t)m->pool[off + 1] << 8);
}

static inline bool key_eq(const kz_strmap *m, uint32_t off, const void *key, size_t len)
{
    return key_len(m, off) == len && memcmp(m->pool + off + 2, key, len) == 0;
}

/* The slot holding key, or the empty slot where it would go. */
static slot *find(const kz_strmap *m, uint64_t h, const void *key, size_t len)
{
    size_t mask = m->cap - 1, i = (size_t)h & mask;
    uint32_t tag = (uint32_t)(h >> 32);
    for (;;) {
        slot *sl = &m->slots[i];
        if (!sl->off || (sl->tag == tag && key_eq(m, sl->off, key, len)))
            return sl;
        i = (i + 1) & mask;
    }
}

static kz_err grow(kz_strmap *m)
{
    size_t ncap = m->cap * 2;
    slot *ns = kz_calloc(ncap, sizeof *ns);
    if (!ns)
        return KZ_ENOMEM;
    kz_alloc_want_huge_pages(ns, ncap * sizeof *ns);
    for (size_t i = 0; i < m->cap; i++) {
        slot sl = m->slots[i];
        if (!sl.off)
            continue;
        uint64_t h = kz_hash64(m->pool + sl.off + 2, key_len(m, sl.off), 0);
        size_t j = (size_t)h & (ncap - 1);
        while (ns[j].off)
            j = (j + 1) & (ncap - 1);
        ns[j] = sl;
    }
    kz_free(m->slots);
    m->slots = ns;
    m->cap = ncap;
    return KZ_OK;
}

kz_err kz_strmap_put(kz_strmap *m, const void *key, size_t len, uint32_t value, uint32_t *existing)
{
    if (len > KZ_STRMAP_KEY_MAX)
        return KZ_ETOOBIG;
    uint64_t h = kz_hash64(key, len, 0);
    slot *sl = find(m, h, key, len);
    if (sl->off) {
        if (existing)
            *existing = sl->val;
        return KZ_EEXIST;
    }
    if ((m->count + 1) * 4 > m->cap * 3) {
        kz_err rc = grow(m);
        if (rc)
            return rc;
        sl = find(m, h, key, len);
    }
    size_t need = m->pool_len + 2 + len;
    if (need > UINT32_MAX)
        return KZ_ETOOBIG;
    if (need > m->pool_cap) {
        size_t ncap = m->pool_cap;
        while (ncap < need)
            ncap *= 2;
        if (ncap > (size_t)UINT32_MAX + 1)
            ncap = (size_t)UINT32_MAX + 1;
        uint8_t *np = kz_realloc(m->pool, ncap);
        if (!np)
            return KZ_ENOMEM;
        m->pool = np;
        m->pool_cap = ncap;
    }
    uint32_t off = (uint32_t)m->pool_len;
    m->pool[off] = (uint8_t)(len & 0xff);
    m->pool[off + 1] = (uint8_t)(len >> 8);
    if (len)
        memcpy(m->pool + off + 2, key, len);
    m->pool_len = need;
    sl->tag = (uint32_t)(h >> 32);
    sl->off = off;
    sl->val = value;
    m->count++;
    return KZ_OK;
}

bool kz_strmap_get(const kz_strmap *m, const void *key, size_t len, uint32_t *value)
{
    return kz_strmap_get_hashed(m, kz_hash64(key, len, 0), key, len, value);
}

uint64_t kz_strmap_hash(const void *key, size_t len)
{
    return kz_hash64(key, len, 0);
}

void kz_strmap_prefetch(const kz_strmap *m, uint64_t hash)
{
    if (m && m->count)
        __builtin_prefetch(&m->slots[(size_t)hash & (m->cap - 1)]);
}

bool kz_strmap_get_hashed(const kz_strmap *m, uint64_t hash, const void *key, size_t len,
                          uint32_t *value)
{
    if (!m || len > KZ_STRMAP_KEY_MAX || !m->count)
        return false;
    const slot *sl = find(m, hash, key, len);
    if (!sl->off)
        return false;
    if (value)
        *value = sl->val;
    return true;
}

void kz_strmap_trim(kz_strmap *m)
{
    if (!m || m->pool_len == m->pool_cap)
        return;
    uint8_t *np = kz_realloc(m->pool, m->pool_len);
    if (np) { /* on failure the larger pool simply stays */
        m->pool = np;
        m->pool_cap = m->pool_len;
    }
}

size_t kz_strmap_count(const kz_strmap *m)
{
    return m ? m->count : 0;
}

size_t kz_strmap_bytes(const kz_strmap *m)
{
    return m ? m->cap * sizeof(slot) + m->pool_cap + sizeof *m : 0;
}

void kz_strmap_each(const kz_strmap *m, kz_strmap_fn fn, void *ctx)
{
    for (size_t i = 0; m && i < m->cap; i++) {
        const slot *sl = &m->slots[i];
        if (sl->off && fn(ctx, (const char *)m->pool + sl->off + 2, key_len(m, sl->off), sl->val))
            return;
    }
}
