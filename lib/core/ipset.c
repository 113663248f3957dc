/* ipset.c - IP address parsing and RFC 5952 formatting, and the prefix set
 * of ipset.h: one open-addressing table per (family, prefix length). */
#include "kizuna/ipset.h"

#include <arpa/inet.h>
#include <string.h>

#include "kizuna/alloc.h"
#include "core/ipset_int.h"

/* ---- parsing and formatting ---- */

static bool parse_v4(const char *s, size_t n, uint8_t out[4])
{
    size_t i = 0;
    for (int part = 0; part < 4; part++) {
        if (part) {
            if (i >= n || s[i] != '.')
                return false;
            i++;
        }
        size_t start = i;
        unsigned v = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9' && i - start < 3)
            v = v * 10 + (unsigned)(s[i++] - '0');
        size_t digits = i - start;
        if (!digits || v > 255 || (digits > 1 && s[start] == '0'))
            return false;
        out[part] = (uint8_t)v;
    }
    return i == n;
}

static void mask_bits(kz_ipaddr *ip, bool *host_bits)
{
    unsigned total = ip->family == 4 ? 32 : 128;
    bool any = false;
    for (unsigned bit = ip->prefix; bit < total; bit++) {
        uint8_t m = (uint8_t)(0x80u >> (bit & 7));
        if (ip->a[bit >> 3] & m) {
            any = true;
            ip->a[bit >> 3] &= (uint8_t)~m;
        }
    }
    if (host_bits)
        *host_bits = any;
}

kz_err kz_ip_parse(const char *text, size_t len, kz_ipaddr *out, bool *host_bits)
{
    if (!text || !out)
        return KZ_EINVAL;
    size_t alen = len;
    const char *slash = memchr(text, '/', len);
    unsigned prefix = 0;
    bool has_prefix = false;
    if (slash) {
        alen = (size_t)(slash - text);
        size_t plen = len - alen - 1;
        if (!plen || plen > 3)
            return KZ_EPARSE;
        for (size_t i = 0; i < plen; i++) {
            char c = slash[1 + i];
            if (c < '0' || c > '9')
                return KZ_EPARSE;
            prefix = prefix * 10 + (unsigned)(c - '0');
        }
        if (plen > 1 && slash[1] == '0')
            return KZ_EPARSE;
        has_prefix = true;
    }
    kz_ipaddr ip;
    memset(&ip, 0, sizeof ip);
    if (memchr(text, ':', alen)) {
        char buf[64];
        if (alen >= sizeof buf || memchr(text, '%', alen))
            return KZ_EPARSE;
        memcpy(buf, text, alen);
        buf[alen] = '\0';
        if (inet_pton(AF_INET6, buf, ip.a) != 1)
            return KZ_EPARSE;
        ip.family = 6;
        ip.prefix = 128;
    } else {
        if (!parse_v4(text, alen, ip.a))
            return KZ_EPARSE;
        ip.family = 4;
        ip.prefix = 32;
    }
    if (has_prefix) {
        if (prefix > ip.prefix)
            return KZ_EPARSE;
        ip.prefix = (uint8_t)prefix;
    }
    mask_bits(&ip, host_bits);
    *out = ip;
    return KZ_OK;
}

/* Appends to out at *n, never past cap - 1 (cap >= KZ_IP_TEXT_MAX is
 * required, so nothing is ever cut). */
static void put(char *out, size_t cap, size_t *n, const char *s, size_t len)
{
    if (*n + len >= cap)
        len = cap - 1 - *n;
    memcpy(out + *n, s, len);
    *n += len;
}

static void put_uint(char *out, size_t cap, size_t *n, unsigned v, unsigned base)
{
    char tmp[8];
    size_t k = sizeof tmp;
    do {
        tmp[--k] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    put(out, cap, n, tmp + k, sizeof tmp - k);
}

static void put_v4(char *out, size_t cap, size_t *n, const uint8_t *a)
{
    for (int i = 0; i < 4; i++) {
        if (i)
            put(out, cap, n, ".", 1);
        put_uint(out, cap, n, a[i], 10);
    }
}

size_t kz_ip_format(const kz_ipaddr *ip, char *out, size_t cap)
{
    size_t n = 0;
    if (!cap)
        return 0;
    if (ip->family == 4) {
        put_v4(out, cap, &n, ip->a);
    } else {
        unsigned g[8];
        for (int i = 0; i < 8; i++)
            g[i] = ((unsigned)ip->a[2 * i] << 8) | ip->a[2 * i + 1];
        static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        int groups = 8;
        bool v4tail = memcmp(ip->a, mapped, 12) == 0;
        if (v4tail)
            groups = 6;
        /* RFC 5952 4.2: the longest run of >= 2 zero groups, the first if tied. */
        int best = -1, best_len = 0;
        for (int i = 0; i < groups;) {
            if (g[i]) {
                i++;
                continue;
            }
            int j = i;
            while (j < groups && !g[j])
                j++;
            if (j - i > best_len && j - i >= 2) {
                best = i;
                best_len = j - i;
            }
            i = j;
        }
        for (int i = 0; i < groups;) {
            if (i == best) {
                put(out, cap, &n, "::", 2);
                i += best_len;
                continue;
            }
            if (i && i != best + best_len)
                put(out, cap, &n, ":", 1);
            put_uint(out, cap, &n, g[i], 16);
            i++;
        }
        if (v4tail) {
            if (best + best_len != 6)
                put(out, cap, &n, ":", 1);
            put_v4(out, cap, &n, ip->a + 12);
        }
    }
    if (ip->prefix < (ip->family == 4 ? 32 : 128)) {
        put(out, cap, &n, "/", 1);
        put_uint(out, cap, &n, ip->prefix, 10);
    }
    out[n] = '\0';
    return n;
}

bool kz_ip_contains(const kz_ipaddr *p, const kz_ipaddr *x)
{
    if (p->family != x->family || x->prefix < p->prefix)
        return false;
    unsigned full = p->prefix >> 3, rest = p->prefix & 7;
    if (memcmp(p->a, x->a, full))
        return false;
    if (!rest)
        return true;
    uint8_t m = (uint8_t)(0xffu << (8 - rest));
    return (p->a[full] & m) == (x->a[full] & m);
}

/* ---- the set ---- */

#define EMPTY UINT32_MAX /* a value never stored: marks a free slot */

typedef struct slot4 {
    uint32_t key, val;
} slot4;

typedef struct slot6 {
    uint64_t hi, lo;
    uint32_t val;
} slot6;

typedef struct table {
    void *slots; /* slot4 or slot6 */
    size_t cap, count;
} table;

/* A blocked Bloom filter in front of a full-length table (/32, /128): one
 * 64-bit word per key, chosen by bits 20.. of the table hash, four bits
 * set in it by bits 40..63. cap / 16 words (4 bits per slot: 5.3 to 10.7
 * per key, a few per cent false positives), so that 500k addresses take
 * 512 KiB: it stays in L2 while the 8 MiB table does not, and an address
 * that is not in the table (nearly every one a log holds) costs no cache
 * miss in the table. Rebuilt whenever the table grows. */
typedef struct bloom {
    uint64_t *w;
    size_t mask; /* words - 1 */
} bloom;

static inline uint64_t bloom_bits(uint64_t h)
{
    return 1ull << (h >> 40 & 63) | 1ull << (h >> 46 & 63) | 1ull << (h >> 52 & 63) |
           1ull << (h >> 58);
}

static inline const uint64_t *bloom_word(const bloom *b, uint64_t h)
{
    return &b->w[(size_t)(h >> 20) & b->mask];
}

static inline bool bloom_maybe(const bloom *b, uint64_t h)
{
    uint64_t m = bloom_bits(h);
    return (*bloom_word(b, h) & m) == m;
}

struct kz_ipset {
    table v4[33];
    table v6[129];
    size_t count;
    /* IPv4 filter, so that a lookup probes only lengths that can hold a
     * match: bit L of short4 for each length L < 16 with any prefix, and
     * bit (L - 16) of by16[top 16 bits] for each length L >= 16 with a
     * prefix inside that /16. Allocated with the first such prefix
     * (256 KiB); a realistic CIDR mix has ~15 lengths, and without it each
     * lookup paid ~15 probes. */
    uint32_t short4;
    uint32_t *by16;
    /* The same for IPv6: bit L of short6 for each length L < 32 with any
     * prefix, and for lengths 32..128 the bits (L - 32) of the two words of
     * by32[hash of the top 32 bits] - a lossy filter (buckets shared by
     * several /32s only let more lengths through), allocated with the first
     * such prefix (64 KiB). Cloud ranges hold ~40 IPv6 lengths; without it
     * every lookup probed them all. */
    uint32_t short6;
    uint64_t (*by32)[2];
    bloom f32, f128; /* filters of v4[32] and v6[128], with their tables */
};

#define BY32_BUCKETS 4096

static inline size_t by32_index(uint64_t hi)
{
    return (size_t)(((uint32_t)(hi >> 32) * 0x9e3779b1u) >> 20) & (BY32_BUCKETS - 1);
}

static inline uint64_t h64(uint64_t a, uint64_t b)
{
    __uint128_t r = (__uint128_t)(a ^ 0x9e3779b97f4a7c15ull) * (b ^ 0xd6e8feb86659fd93ull);
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

static void key6(const kz_ipaddr *x, uint64_t *hi, uint64_t *lo)
{
    uint64_t h = 0, l = 0;
    for (int i = 0; i < 8; i++) {
        h = (h << 8) | x->a[i];
        l = (l << 8) | x->a[8 + i];
    }
    *hi = h;
    *lo = l;
}

static inline uint32_t key4(const uint8_t *a)
{
    return ((uint32_t)a[0] << 24) | ((uint32_t)a[1] << 16) | ((uint32_t)a[2] << 8) | a[3];
}

static kz_err table_init(table *t, size_t esz)
{
    t->cap = 8;
    t->slots = kz_malloc(t->cap * esz);
    if (!t->slots)
        return KZ_ENOMEM;
    for (size_t i = 0; i < t->cap; i++) {
        if (esz == sizeof(slot4))
            ((slot4 *)t->slots)[i].val = EMPTY;
        else
            ((slot6 *)t->slots)[i].val = EMPTY;
    }
    return KZ_OK;
}

static inline uint64_t hash4(uint32_t k)
{
    return h64(k, 1);
}

static slot4 *find4(const table *t, uint32_t k)
{
    size_t mask = t->cap - 1, i = (size_t)hash4(k) & mask;
    slot4 *s = t->slots;
    while (s[i].val != EMPTY && s[i].key != k)
        i = (i + 1) & mask;
    return &s[i];
}

static slot6 *find6(const table *t, uint64_t hi, uint64_t lo)
{
    size_t mask = t->cap - 1, i = (size_t)h64(hi, lo) & mask;
    slot6 *s = t->slots;
    while (s[i].val != EMPTY && (s[i].hi != hi || s[i].lo != lo))
        i = (i + 1) & mask;
    return &s[i];
}

/* (Re)builds filter b for table t: cap / 16 words, every key's bits. */
static kz_err bloom_build(bloom *b, const table *t, bool v6)
{
    size_t words = t->cap / 16 ? t->cap / 16 : 1;
    uint64_t *w = kz_calloc(words, sizeof *w);
    if (!w)
        return KZ_ENOMEM;
    kz_alloc_want_huge_pages(w, words * sizeof *w);
    kz_free(b->w);
    b->w = w;
    b->mask = words - 1;
    for (size_t i = 0; i < t->cap; i++) {
        uint64_t h;
        if (v6) {
            const slot6 *o = &((const slot6 *)t->slots)[i];
            if (o->val == EMPTY)
                continue;
            h = h64(o->hi, o->lo);
        } else {
            const slot4 *o = &((const slot4 *)t->slots)[i];
            if (o->val == EMPTY)
                continue;
            h = hash4(o->key);
        }
        b->w[(size_t)(h >> 20) & b->mask] |= bloom_bits(h);
    }
    return KZ_OK;
}

static kz_err grow(table *t, bool v6)
{
    table nt = {NULL, t->cap * 2, t->count};
    size_t esz = v6 ? sizeof(slot6) : sizeof(slot4);
    nt.slots = kz_malloc(nt.cap * esz);
    if (!nt.slots)
        return KZ_ENOMEM;
    kz_alloc_want_huge_pages(nt.slots, nt.cap * esz);
    for (size_t i = 0; i < nt.cap; i++) {
        if (v6)
            ((slot6 *)nt.slots)[i].val = EMPTY;
        else
            ((slot4 *)nt.slots)[i].val = EMPTY;
    }
    for (size_t i = 0; i < t->cap; i++) {
        if (v6) {
            slot6 *o = &((slot6 *)t->slots)[i];
            if (o->val != EMPTY)
                *find6(&nt, o->hi, o->lo) = *o;
        } else {
            slot4 *o = &((slot4 *)t->slots)[i];
            if (o->val != EMPTY)
                *find4(&nt, o->key) = *o;
        }
    }
    kz_free(t->slots);
    *t = nt;
    return KZ_OK;
}

kz_ipset *kz_ipset_new(void)
{
    return kz_calloc(1, sizeof(kz_ipset));
}

void kz_ipset_free(kz_ipset *s)
{
    if (!s)
        return;
    for (int i = 0; i <= 32; i++)
        kz_free(s->v4[i].slots);
    kz_free(s->by16);
    kz_free(s->by32);
    kz_free(s->f32.w);
    kz_free(s->f128.w);
    for (int i = 0; i <= 128; i++)
        kz_free(s->v6[i].slots);
    kz_free(s);
}

kz_err kz_ipset_add(kz_ipset *s, const kz_ipaddr *p, uint32_t value, uint32_t *existing)
{
    if (!s || !p || value == EMPTY || (p->family != 4 && p->family != 6) ||
        p->prefix > (p->family == 4 ? 32 : 128))
        return KZ_EINVAL;
    kz_ipaddr m = *p;
    mask_bits(&m, NULL);
    bool v6 = m.family == 6;
    table *t = v6 ? &s->v6[m.prefix] : &s->v4[m.prefix];
    bloom *f = m.prefix == 32 && !v6 ? &s->f32 : m.prefix == 128 && v6 ? &s->f128 : NULL;
    if (!t->slots) {
        if (table_init(t, v6 ? sizeof(slot6) : sizeof(slot4)))
            return KZ_ENOMEM;
        if (f && bloom_build(f, t, v6)) {
            kz_free(t->slots);
            t->slots = NULL;
            t->cap = 0;
            return KZ_ENOMEM;
        }
    }
    uint64_t hi = 0, lo = 0;
    uint32_t k = 0;
    if (v6)
        key6(&m, &hi, &lo);
    else
        k = key4(m.a);
    uint32_t *val = v6 ? &find6(t, hi, lo)->val : &find4(t, k)->val;
    if (*val != EMPTY) {
        if (existing)
            *existing = *val;
        return KZ_EEXIST;
    }
    if ((t->count + 1) * 4 > t->cap * 3) {
        if (grow(t, v6))
            return KZ_ENOMEM;
        /* When this fails the old, smaller filter still holds every key
         * (the set is unchanged, the table only larger). */
        if (f && bloom_build(f, t, v6))
            return KZ_ENOMEM;
    }
    if (!v6) {
        if (m.prefix < 16) {
            s->short4 |= 1u << m.prefix;
        } else {
            if (!s->by16) {
                s->by16 = kz_calloc(65536, sizeof *s->by16);
                if (!s->by16)
                    return KZ_ENOMEM;
            }
            s->by16[k >> 16] |= 1u << (m.prefix - 16);
        }
    }
    if (v6) {
        if (m.prefix < 32) {
            s->short6 |= 1u << m.prefix;
        } else {
            if (!s->by32) {
                s->by32 = kz_calloc(BY32_BUCKETS, sizeof *s->by32);
                if (!s->by32)
                    return KZ_ENOMEM;
            }
            unsigned b = m.prefix - 32u;
            s->by32[by32_index(hi)][b >> 6] |= 1ull << (b & 63);
        }
        slot6 *sl = find6(t, hi, lo);
        sl->hi = hi;
        sl->lo = lo;
        sl->val = value;
        if (f) {
            uint64_t h = h64(hi, lo);
            f->w[(size_t)(h >> 20) & f->mask] |= bloom_bits(h);
        }
    } else {
        slot4 *sl = find4(t, k);
        sl->key = k;
        sl->val = value;
        if (f) {
            uint64_t h = hash4(k);
            f->w[(size_t)(h >> 20) & f->mask] |= bloom_bits(h);
        }
    }
    t->count++;
    s->count++;
    return KZ_OK;
}

size_t kz_ipset_lookup4(const kz_ipset *s, uint32_t k, uint32_t *vals, size_t max)
{
    size_t found = 0;
    if (!s || !s->count)
        return 0;
    /* lengths 16..32 present in k's /16, then lengths 0..15: longest first */
    uint64_t want = ((uint64_t)(s->by16 ? s->by16[k >> 16] : 0) << 16) | s->short4;
    while (want) {
        unsigned len = 63u - (unsigned)__builtin_clzll(want);
        want &= ~(1ull << len);
        const table *t = &s->v4[len];
        if (len == 32 && !bloom_maybe(&s->f32, hash4(k)))
            continue;
        uint32_t mk = len ? k & (uint32_t)(0xffffffffu << (32 - len)) : 0;
        const slot4 *sl = find4(t, mk);
        if (sl->val != EMPTY) {
            if (found < max)
                vals[found] = sl->val;
            found++;
        }
    }
    return found;
}

size_t kz_ipset_lookup(const kz_ipset *s, const kz_ipaddr *x, uint32_t *vals, size_t max)
{
    size_t found = 0;
    if (!s || !x || !s->count)
        return 0;
    if (x->family == 4) {
        return kz_ipset_lookup4(s, key4(x->a), vals, max);
    } else if (x->family == 6) {
        uint64_t hi, lo;
        key6(x, &hi, &lo);
        /* lengths 96..128, 32..95 from hi's bucket, then 0..31: longest first */
        uint64_t w[3] = {s->short6, 0, 0};
        if (s->by32) {
            w[1] = s->by32[by32_index(hi)][0];
            w[2] = s->by32[by32_index(hi)][1];
        }
        for (int wi = 2; wi >= 0; wi--) {
            uint64_t want = w[wi];
            while (want) {
                unsigned bit = 63u - (unsigned)__builtin_clzll(want);
                want &= ~(1ull << bit);
                unsigned len = wi == 0 ? bit : 32u + 64u * (unsigned)(wi - 1) + bit;
                const table *t = &s->v6[len];
                if (len == 128 && !bloom_maybe(&s->f128, h64(hi, lo)))
                    continue;
                uint64_t mh = hi, ml = lo;
                if (len <= 64) {
                    ml = 0;
                    mh = len ? hi & (~0ull << (64 - len)) : 0;
                } else if (len < 128) {
                    ml = lo & (~0ull << (128 - len));
                }
                const slot6 *sl = find6(t, mh, ml);
                if (sl->val != EMPTY) {
                    if (found < max)
                        vals[found] = sl->val;
                    found++;
                }
            }
        }
    }
    return found;
}

void kz_ipset_prefetch4(const kz_ipset *s, uint32_t k)
{
    if (!s || !s->count)
        return;
    if (s->by16)
        __builtin_prefetch(&s->by16[k >> 16]);
    if (s->v4[32].count)
        __builtin_prefetch(bloom_word(&s->f32, hash4(k)));
}

void kz_ipset_prefetch(const kz_ipset *s, const kz_ipaddr *x)
{
    if (!s || !x || !s->count)
        return;
    if (x->family == 4) {
        kz_ipset_prefetch4(s, key4(x->a));
    } else if (x->family == 6) {
        if (s->v6[128].count) {
            uint64_t hi, lo;
            key6(x, &hi, &lo);
            __builtin_prefetch(bloom_word(&s->f128, h64(hi, lo)));
        }
    }
}

size_t kz_ipset_count(const kz_ipset *s)
{
    return s ? s->count : 0;
}

size_t kz_ipset_bytes(const kz_ipset *s)
{
    if (!s)
        return 0;
    size_t b = sizeof *s + (s->by16 ? 65536 * sizeof *s->by16 : 0) +
               (s->by32 ? BY32_BUCKETS * sizeof *s->by32 : 0);
    b += (s->f32.w ? (s->f32.mask + 1) * 8 : 0) + (s->f128.w ? (s->f128.mask + 1) * 8 : 0);
    for (int i = 0; i <= 32; i++)
        b += s->v4[i].cap * sizeof(slot4);
    for (int i = 0; i <= 128; i++)
        b += s->v6[i].cap * sizeof(slot6);
    return b;
}
