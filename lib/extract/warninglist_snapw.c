/* warninglist_snapw.c - writing the compiled snapshot of a folder's
 * warninglists: the index a JSON load built (string maps, posting chains,
 * cidr prefixes, patterns) laid out flat (warninglist_int.h, WS_*) so that a
 * later start maps and validates it instead of parsing 3.4 MB of JSON.
 *
 * What changes on the way: posting chains are interned (the 35,000 names
 * of one list share one chain instead of one posting each) and laid out
 * with increasing indices (the loader proves every chain ends by checking
 * that); the cidr prefixes become the disjoint intervals of the address
 * space they cut it into, each with the lists of every prefix holding it,
 * so a lookup is one binary search instead of a probe per prefix length.
 * The answers are the same: test_warninglist_snap compares every entry and
 * its near misses against the JSON-loaded set. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kizuna/alloc.h"
#include "extract/warninglist_int.h"

typedef unsigned __int128 u128;

typedef struct wbuf {
    kz_buf str, keys, post, exact, host, dotsuf, ip4, ip4idx, ip6, pat, stamps, lists, bloom;
    kz_strmap *chains; /* sorted list ids (bytes) -> interned chain head */
    unsigned ip4_bits;
    kz_err rc;
    const kz_warninglist_set *s;
} wbuf;

static uint32_t add_str(wbuf *w, const char *p, size_t len)
{
    uint32_t off = (uint32_t)w->str.len;
    if (!w->rc && w->str.len + len + 1 > UINT32_MAX)
        w->rc = KZ_ETOOBIG;
    if (!w->rc)
        w->rc = kz_buf_append(&w->str, p, len);
    if (!w->rc)
        w->rc = kz_buf_append_char(&w->str, '\0');
    return off;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* The chain holding lists ids[0..n) (sorted, distinct here), made once
 * per distinct set: consecutive postings, each pointing to the next. */
static uint32_t intern(wbuf *w, uint32_t *ids, size_t n)
{
    if (!n || w->rc)
        return 0;
    qsort(ids, n, sizeof *ids, cmp_u32);
    size_t k = 1;
    for (size_t i = 1; i < n; i++)
        if (ids[i] != ids[k - 1])
            ids[k++] = ids[i];
    n = k;
    uint32_t head = 0;
    if (kz_strmap_get(w->chains, ids, n * sizeof *ids, &head))
        return head;
    size_t first = w->post.len / sizeof(wl_posting);
    if (first + n >= UINT32_MAX) {
        w->rc = KZ_ETOOBIG;
        return 0;
    }
    for (size_t i = 0; i < n && !w->rc; i++) {
        wl_posting p = {.list = ids[i], .next = i + 1 < n ? (uint32_t)(first + i + 1) : 0};
        w->rc = kz_buf_append(&w->post, &p, sizeof p);
    }
    if (!w->rc)
        w->rc = kz_strmap_put(w->chains, ids, n * sizeof *ids, (uint32_t)first, NULL);
    return (uint32_t)first;
}

/* The lists of the set's chain at head into ids (a chain names each list
 * once: at most KZ_WL_MAX_LISTS). */
static size_t chain_lists(const kz_warninglist_set *s, uint32_t head, uint32_t *ids)
{
    size_t n = 0;
    for (uint32_t p = head; p && n < KZ_WL_MAX_LISTS; p = s->post[p].next)
        ids[n++] = s->post[p].list;
    return n;
}

/* ---- string maps ---- */

typedef struct mkey {
    const char *key;
    size_t len;
    uint32_t head; /* the set's */
} mkey;

typedef struct mcollect {
    mkey *k;
    size_t n, cap;
} mcollect;

static int collect_key(void *ctx, const char *key, size_t len, uint32_t value)
{
    mcollect *c = ctx;
    if (c->n < c->cap)
        c->k[c->n++] = (mkey){key, len, value};
    return 0;
}

static void write_map(wbuf *w, const kz_strmap *m, kz_buf *out)
{
    size_t count = kz_strmap_count(m);
    wl_snap_map_hdr h = {0, 0};
    if (w->rc)
        return;
    if (!count) {
        w->rc = kz_buf_append(out, &h, sizeof h);
        return;
    }
    size_t cap = 2;
    while (cap <= count || count * 4 > cap * 3)
        cap *= 2;
    if (cap > UINT32_MAX / 2) {
        w->rc = KZ_ETOOBIG;
        return;
    }
    mcollect c = {kz_calloc(count, sizeof(mkey)), 0, count};
    wl_snap_slot *slots = kz_calloc(cap, sizeof *slots);
    uint32_t ids[KZ_WL_MAX_LISTS];
    if (!c.k || !slots) {
        w->rc = KZ_ENOMEM;
        goto done;
    }
    kz_strmap_each(m, collect_key, &c);
    for (size_t i = 0; i < c.n && !w->rc; i++) {
        size_t n = chain_lists(w->s, c.k[i].head, ids);
        uint32_t head = intern(w, ids, n);
        if (w->keys.len + 4 + c.k[i].len >= UINT32_MAX) {
            w->rc = KZ_ETOOBIG;
            break;
        }
        uint32_t off = (uint32_t)w->keys.len, kl = (uint32_t)c.k[i].len;
        if (!w->rc)
            w->rc = kz_buf_append(&w->keys, &kl, sizeof kl);
        if (!w->rc)
            w->rc = kz_buf_append(&w->keys, c.k[i].key, c.k[i].len);
        uint64_t hash = kz_strmap_hash(c.k[i].key, c.k[i].len);
        size_t j = (size_t)hash & (cap - 1);
        while (slots[j].key)
            j = (j + 1) & (cap - 1);
        slots[j] = (wl_snap_slot){.tag = (uint32_t)(hash >> 32), .key = off + 1, .head = head};
    }
    h.cap = (uint32_t)cap;
    h.count = (uint32_t)c.n;
    if (!w->rc)
        w->rc = kz_buf_append(out, &h, sizeof h);
    if (!w->rc)
        w->rc = kz_buf_append(out, slots, cap * sizeof *slots);
done:
    kz_free(c.k);
    kz_free(slots);
}

/* ---- cidr prefixes -> intervals ---- */

typedef struct pfx {
    u128 start, end; /* inclusive, in a 128-bit space (IPv4 in the low 32 bits) */
    uint8_t len;
    uint32_t head; /* the set's chain */
} pfx;

static int cmp_pfx(const void *a, const void *b)
{
    const pfx *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return x->len < y->len ? -1 : x->len > y->len; /* the outer one first */
}

typedef struct ivals {
    u128 *start;
    uint32_t *head;
    size_t n, cap;
} ivals;

/* Appends interval [start, ...) with the lists of the prefixes on the
 * stack: replaces the last one if it starts there too, and is dropped when
 * it has the same lists as the one before. */
static void emit(wbuf *w, ivals *iv, u128 start, const pfx *const *stack, size_t depth)
{
    uint64_t bits[KZ_WL_MAX_LISTS / 64];
    uint32_t ids[KZ_WL_MAX_LISTS];
    size_t n = 0;
    if (w->rc)
        return;
    /* every prefix on the stack holds the interval; each adds its lists */
    memset(bits, 0, sizeof bits);
    for (size_t i = 0; i < depth; i++)
        for (uint32_t p = stack[i]->head; p; p = w->s->post[p].next)
            bits[(w->s->post[p].list / 64) % (KZ_WL_MAX_LISTS / 64)] |=
                1ull << (w->s->post[p].list % 64);
    for (uint32_t l = 0; l < KZ_WL_MAX_LISTS; l++)
        if (bits[l / 64] >> (l % 64) & 1)
            ids[n++] = l;
    uint32_t head = intern(w, ids, n);
    if (iv->n && iv->start[iv->n - 1] == start) {
        iv->n--; /* a prefix starting where the one holding it starts */
    }
    if (iv->n && iv->head[iv->n - 1] == head)
        return;
    if (iv->n == iv->cap) {
        size_t nc = iv->cap ? iv->cap * 2 : 1024;
        u128 *ns = kz_realloc(iv->start, nc * sizeof *ns);
        if (ns)
            iv->start = ns;
        uint32_t *nh = ns ? kz_realloc(iv->head, nc * sizeof *nh) : NULL;
        if (!ns || !nh) {
            w->rc = KZ_ENOMEM;
            return;
        }
        iv->head = nh;
        iv->cap = nc;
    }
    iv->start[iv->n] = start;
    iv->head[iv->n++] = head;
}

/* The intervals of one family's prefixes p[0..n) (sorted here) in the
 * space [0, max]. CIDR prefixes are nested or disjoint, so the stack of
 * the ones holding the current point is all there is to know. */
static void sweep(wbuf *w, pfx *p, size_t n, u128 max, ivals *iv)
{
    const pfx *stack[130] = {0};
    size_t depth = 0;
    qsort(p, n, sizeof *p, cmp_pfx);
    emit(w, iv, 0, stack, 0);
    for (size_t i = 0; i <= n && !w->rc; i++) {
        /* close the prefixes that end before p[i] (all of them at the end);
         * the ones holding them that end at the same address close too,
         * and the next interval starts after it with those left */
        while (depth && (i == n || stack[depth - 1]->end < p[i].start)) {
            u128 end = stack[--depth]->end;
            while (depth && stack[depth - 1]->end == end)
                depth--;
            if (end != max)
                emit(w, iv, end + 1, stack, depth);
        }
        if (i == n)
            break;
        if (depth == sizeof stack / sizeof stack[0]) {
            w->rc = KZ_EINTERNAL; /* cannot happen: at most 129 lengths nest */
            break;
        }
        stack[depth++] = &p[i];
        emit(w, iv, p[i].start, stack, depth);
    }
}

static u128 ip_key(const kz_ipaddr *ip)
{
    u128 k = 0;
    for (int i = 0; i < (ip->family == 4 ? 4 : 16); i++)
        k = k << 8 | ip->a[i];
    return k;
}

/* One family's intervals into its sections (IPv4: also the /16 index). */
static void write_ips(wbuf *w, int family)
{
    const kz_warninglist_set *s = w->s;
    unsigned bits = family == 4 ? 32 : 128;
    u128 max = family == 4 ? (u128)0xffffffffu : ~(u128)0;
    size_t n = 0;
    for (size_t i = 0; i < s->n_iprec; i++)
        n += s->iprec[i].ip.family == family;
    if (!n || w->rc)
        return; /* no section: no address is on a cidr list of this family */
    pfx *p = kz_calloc(n, sizeof *p);
    ivals iv = {0};
    if (!p) {
        w->rc = KZ_ENOMEM;
        return;
    }
    n = 0;
    for (size_t i = 0; i < s->n_iprec; i++) {
        const kz_ipaddr *ip = &s->iprec[i].ip;
        if (ip->family != family)
            continue;
        u128 start = ip_key(ip); /* host bits are zero (kz_ip_parse) */
        u128 span = ip->prefix >= bits ? 0 : (max >> ip->prefix);
        p[n++] = (pfx){.start = start, .end = start | span, .len = ip->prefix,
                       .head = s->iprec[i].head};
    }
    sweep(w, p, n, max, &iv);
    for (size_t i = 0; i < iv.n && !w->rc; i++) {
        if (family == 4) {
            wl_snap_ip4 e = {(uint32_t)iv.start[i], iv.head[i]};
            w->rc = kz_buf_append(&w->ip4, &e, sizeof e);
        } else {
            wl_snap_ip6 e = {(uint64_t)(iv.start[i] >> 64), (uint64_t)iv.start[i], iv.head[i], 0};
            w->rc = kz_buf_append(&w->ip6, &e, sizeof e);
        }
    }
    /* IPv4: for each block of 2^(32 - bits) addresses, the interval
     * holding its first address, so that a lookup searches only the few
     * intervals inside one block (bits grows with the intervals: a small
     * list has a small index) */
    unsigned ib = 0;
    while (ib < 16 && ((size_t)1 << ib) < iv.n)
        ib++;
    if (family == 4)
        w->ip4_bits = ib;
    for (uint32_t b = 0, k = 0; family == 4 && b <= (1u << ib) && !w->rc; b++) {
        uint32_t v = (uint32_t)iv.n - 1;
        if (b < (1u << ib)) {
            u128 first = ib ? (u128)b << (32 - ib) : 0;
            while (k + 1 < iv.n && iv.start[k + 1] <= first)
                k++;
            v = k;
        }
        w->rc = kz_buf_append(&w->ip4idx, &v, sizeof v);
    }
    if (iv.n >= UINT32_MAX && !w->rc)
        w->rc = KZ_ETOOBIG;
    kz_free(p);
    kz_free(iv.start);
    kz_free(iv.head);
}

/* The filter over every key of the three maps: 16 bits per key (2 set),
 * at least 4 KiB; both bits of a key in one word, so that a probe reads
 * one cache line (a false positive about 1 probe in 60 instead of 100). */
typedef struct bctx {
    uint64_t *bits;
    uint64_t mask;
} bctx;

static int bloom_key(void *ctx, const char *key, size_t len, uint32_t value)
{
    (void)value;
    bctx *b = ctx;
    uint64_t h = kz_strmap_hash(key, len);
    b->bits[wl_snap_bloom_word(h, b->mask)] |= wl_snap_bloom_bits(h);
    return 0;
}

static void write_bloom(wbuf *w)
{
    const kz_warninglist_set *s = w->s;
    size_t keys = kz_strmap_count(s->exact) + kz_strmap_count(s->host) +
                  kz_strmap_count(s->dotsuf);
    if (!keys || w->rc)
        return;
    uint64_t nbits = 1u << 15;
    while (nbits < (uint64_t)keys * 16 && nbits < (1ull << 30))
        nbits <<= 1;
    bctx b = {kz_calloc((size_t)(nbits / 64), sizeof(uint64_t)), nbits / 64 - 1};
    if (!b.bits) {
        w->rc = KZ_ENOMEM;
        return;
    }
    kz_strmap_each(s->exact, bloom_key, &b);
    kz_strmap_each(s->host, bloom_key, &b);
    kz_strmap_each(s->dotsuf, bloom_key, &b);
    w->rc = kz_buf_append(&w->bloom, b.bits, (size_t)(nbits / 8));
    kz_free(b.bits);
}

static void write_pats(wbuf *w, const wl_pattern *pat, size_t n)
{
    for (size_t i = 0; i < n && !w->rc; i++) {
        wl_snap_pat e = {.list = pat[i].list, .len = (uint32_t)pat[i].len};
        e.text_off = add_str(w, pat[i].text, pat[i].len);
        if (!w->rc)
            w->rc = kz_buf_append(&w->pat, &e, sizeof e);
    }
}

kz_err wl_snap_build(const kz_warninglist_set *s, const wl_snap_stamp *stamps,
                     const char *const *names, size_t n, kz_buf *out,
                     kz_warninglist_error *err)
{
    wbuf w;
    memset(&w, 0, sizeof w);
    w.s = s;
    kz_buf *secs[WS__COUNT] = {
        [WS_STAMPS] = &w.stamps, [WS_LISTS] = &w.lists,   [WS_STR] = &w.str,
        [WS_KEYS] = &w.keys,     [WS_POST] = &w.post,     [WS_EXACT] = &w.exact,
        [WS_HOST] = &w.host,     [WS_DOTSUF] = &w.dotsuf, [WS_IP4] = &w.ip4,
        [WS_IP4IDX] = &w.ip4idx, [WS_IP6] = &w.ip6,       [WS_PAT] = &w.pat,
        [WS_BLOOM] = &w.bloom,
    };
    for (int i = 0; i < WS__COUNT; i++)
        kz_buf_init(secs[i], 0);
    if (!s->rec_ip || s->n_lists != n || s->n_snaps || s->broken ||
        s->n_iprec != kz_ipset_count(s->ip)) {
        if (err)
            snprintf(err->msg, sizeof err->msg, "the set cannot be written as a snapshot");
        return KZ_EINVAL;
    }
    w.chains = kz_strmap_new(0);
    if (!w.chains)
        w.rc = KZ_ENOMEM;
    if (!w.rc)
        w.rc = kz_buf_append_char(&w.str, '\0'); /* offset 0: "" */
    wl_posting zero = {0, 0};
    if (!w.rc)
        w.rc = kz_buf_append(&w.post, &zero, sizeof zero); /* 0 ends a chain */
    for (size_t i = 0; i < n && !w.rc; i++) {
        wl_snap_stamp st = stamps[i];
        st.name_off = add_str(&w, names[i], strlen(names[i]));
        if (!w.rc)
            w.rc = kz_buf_append(&w.stamps, &st, sizeof st);
        const kz_warninglist_info *l = &s->lists[i].info;
        wl_snap_list e = {.type = (uint32_t)l->type, .applies = s->lists[i].applies,
                          .entries = l->entries, .version = l->version};
        e.id_off = add_str(&w, l->id, strlen(l->id));
        e.name_off = add_str(&w, l->name, strlen(l->name));
        e.desc_off = add_str(&w, l->description, strlen(l->description));
        e.file_off = st.name_off;
        if (!w.rc)
            w.rc = kz_buf_append(&w.lists, &e, sizeof e);
    }
    write_map(&w, s->exact, &w.exact);
    write_map(&w, s->host, &w.host);
    write_map(&w, s->dotsuf, &w.dotsuf);
    write_ips(&w, 4);
    write_ips(&w, 6);
    write_pats(&w, s->sub, s->n_sub);
    write_pats(&w, s->re, s->n_re);
    write_bloom(&w);

    wl_snap_hdr h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, WL_SNAP_MAGIC, sizeof h.magic);
    h.version = WL_SNAP_VERSION;
    h.bom = WL_SNAP_BOM;
    h.hash_probe = kz_strmap_hash("kizuna warninglist snapshot", 27);
    h.n_lists = (uint32_t)n;
    h.n_stamps = (uint32_t)n;
    h.ip4_bits = w.ip4_bits;
    size_t off = sizeof h;
    for (int i = 0; i < WS__COUNT; i++) {
        off = (off + 7) & ~(size_t)7;
        h.sec[i].off = off;
        h.sec[i].len = secs[i]->len;
        off += secs[i]->len;
    }
    h.file_len = off;
    if (!w.rc)
        w.rc = kz_buf_reserve(out, off);
    if (!w.rc)
        w.rc = kz_buf_append(out, &h, sizeof h);
    size_t base = out->len - sizeof h;
    for (int i = 0; i < WS__COUNT && !w.rc; i++) {
        static const char pad[8] = {0};
        size_t at = out->len - base;
        if (at < h.sec[i].off)
            w.rc = kz_buf_append(out, pad, (size_t)h.sec[i].off - at);
        if (!w.rc)
            w.rc = kz_buf_append(out, secs[i]->data, secs[i]->len);
    }
    if (!w.rc) {
        uint8_t *p = (uint8_t *)out->data + base;
        h.checksum = wl_snap_checksum(p, (size_t)h.file_len);
        memcpy(p + offsetof(wl_snap_hdr, checksum), &h.checksum, sizeof h.checksum);
    }
    if (w.rc && err)
        snprintf(err->msg, sizeof err->msg, "writing the snapshot: %s", kz_strerror(w.rc));
    for (int i = 0; i < WS__COUNT; i++)
        kz_buf_release(secs[i]);
    kz_strmap_free(w.chains);
    return w.rc;
}
