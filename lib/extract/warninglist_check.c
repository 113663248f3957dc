/* warninglist_check.c - answering "which warninglists hold this value":
 * compiling the substring and regex matchers, the indexed lookups (IP
 * prefixes, exact strings, a hostname and its parents), and guessing the
 * type of a value typed by a user. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kizuna/alloc.h"
#include "extract/warninglist_int.h"

/* The filter's two bit positions of a key hash (the map slots use its low
 * bits and tag the high half; any bits do for a filter). */
static inline uint64_t bloom_a(const kz_warninglist_set *s, uint64_t h)
{
    return (h >> 7) & s->bloom_mask;
}

static inline uint64_t bloom_b(const kz_warninglist_set *s, uint64_t h)
{
    return (h >> 35) & s->bloom_mask;
}

/* false: no key with hash h is in exact, host or dotsuf (no false
 * negatives: every key's bits are set). */
static inline bool bloom_maybe(const kz_warninglist_set *s, uint64_t h)
{
    if (!s->bloom)
        return true;
    uint64_t a = bloom_a(s, h), b = bloom_b(s, h);
    return (s->bloom[a >> 6] >> (a & 63) & 1) && (s->bloom[b >> 6] >> (b & 63) & 1);
}

static int bloom_add(void *ctx, const char *key, size_t len, uint32_t value)
{
    (void)value;
    kz_warninglist_set *s = ctx;
    uint64_t h = kz_strmap_hash(key, len);
    uint64_t a = bloom_a(s, h), b = bloom_b(s, h);
    s->bloom[a >> 6] |= 1ull << (a & 63);
    s->bloom[b >> 6] |= 1ull << (b & 63);
    return 0;
}

/* 16 bits per key (a false positive about 1 probe in 100), at least 4 KiB,
 * at most 2^30 bits. Out of memory leaves the set without a filter. */
static void bloom_build(kz_warninglist_set *s)
{
    size_t keys = kz_strmap_count(s->exact) + kz_strmap_count(s->host) +
                  kz_strmap_count(s->dotsuf);
    if (!keys)
        return;
    uint64_t bits = 1u << 15;
    while (bits < (uint64_t)keys * 16 && bits < (1ull << 30))
        bits <<= 1;
    s->bloom = kz_calloc((size_t)(bits / 64), sizeof *s->bloom);
    if (!s->bloom)
        return;
    s->bloom_mask = bits - 1;
    kz_strmap_each(s->exact, bloom_add, s);
    kz_strmap_each(s->host, bloom_add, s);
    kz_strmap_each(s->dotsuf, bloom_add, s);
}

kz_err kz_warninglist_set_compile(kz_warninglist_set *s, kz_warninglist_error *err)
{
    if (!s || s->compiled || s->broken)
        return KZ_EINVAL;
    kz_strmap_trim(s->exact);
    kz_strmap_trim(s->host);
    kz_strmap_trim(s->dotsuf);
    for (size_t i = 0; i < s->n_lists; i++)
        s->kind_types[s->lists[i].info.type] |= s->lists[i].applies;
    s->dyn_keys = kz_strmap_count(s->exact) + kz_strmap_count(s->host) +
                  kz_strmap_count(s->dotsuf) > 0;
    bloom_build(s);
    if (s->n_re) {
        s->re_ctx = pcre2_match_context_create(NULL);
        if (!s->re_ctx)
            return KZ_ENOMEM;
        pcre2_set_match_limit(s->re_ctx, WL_RE_MATCH_LIMIT);
        pcre2_set_depth_limit(s->re_ctx, WL_RE_DEPTH_LIMIT);
    }
    if (s->n_sub) {
        /* one Hyperscan database over every substring entry, the entry's
         * index as its id: a value is scanned once, however many entries
         * there are. Each literal is written as a pattern of \xHH escapes:
         * hs_compile_lit_multi (Hyperscan 5.4) was seen to fail every scan
         * after one matched a long literal (HS_UNKNOWN_ERROR). */
        const char **pats = kz_calloc(s->n_sub, sizeof *pats);
        unsigned *ids = kz_calloc(s->n_sub, sizeof *ids);
        unsigned *flags = kz_calloc(s->n_sub, sizeof *flags);
        kz_err rc = KZ_OK;
        for (size_t i = 0; pats && ids && flags && i < s->n_sub && !rc; i++) {
            char *e = kz_malloc(s->sub[i].len * 4 + 1);
            if (!e) {
                rc = KZ_ENOMEM;
                break;
            }
            static const char hex[] = "0123456789abcdef";
            for (size_t k = 0; k < s->sub[i].len; k++) {
                unsigned char c = (unsigned char)s->sub[i].text[k];
                e[4 * k] = '\\';
                e[4 * k + 1] = 'x';
                e[4 * k + 2] = hex[c >> 4];
                e[4 * k + 3] = hex[c & 15];
            }
            e[s->sub[i].len * 4] = '\0';
            pats[i] = e;
            ids[i] = (unsigned)i;
            flags[i] = HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH;
        }
        if (!pats || !ids || !flags)
            rc = KZ_ENOMEM;
        if (!rc) {
            hs_compile_error_t *ce = NULL;
            if (hs_compile_multi(pats, flags, ids, (unsigned)s->n_sub, HS_MODE_BLOCK, NULL,
                                 &s->sub_db, &ce) != HS_SUCCESS) {
                if (err) {
                    int ex = ce ? ce->expression : -1;
                    const wl_pattern *p = ex >= 0 ? &s->sub[ex] : NULL;
                    snprintf(err->file, sizeof err->file, "%s",
                             p ? s->lists[p->list].info.file : "");
                    snprintf(err->path, sizeof err->path, "$.list");
                    snprintf(err->msg, sizeof err->msg, "substring '%.60s': %s",
                             p ? p->text : "?", ce ? ce->message : "cannot compile");
                }
                rc = KZ_EPARSE;
            } else if (hs_alloc_scratch(s->sub_db, &s->sub_scratch) != HS_SUCCESS) {
                rc = KZ_ENOMEM;
            }
            if (ce)
                hs_free_compile_error(ce);
        }
        for (size_t i = 0; pats && i < s->n_sub; i++)
            kz_free((void *)pats[i]);
        kz_free(pats);
        kz_free(ids);
        kz_free(flags);
        if (rc)
            return rc;
    }
    s->compiled = true;
    return KZ_OK;
}

size_t kz_warninglist_count(const kz_warninglist_set *s)
{
    return s ? s->n_lists : 0;
}

const kz_warninglist_info *kz_warninglist_get(const kz_warninglist_set *s, size_t i)
{
    return s && i < s->n_lists ? &s->lists[i].info : NULL;
}

size_t kz_warninglist_entries(const kz_warninglist_set *s)
{
    return s ? s->entries : 0;
}

size_t kz_warninglist_bytes(const kz_warninglist_set *s)
{
    if (!s)
        return 0;
    size_t snap = 0;
    for (size_t i = 0; i < s->n_snaps; i++)
        snap += s->snaps[i].len;
    return kz_ipset_bytes(s->ip) + kz_strmap_bytes(s->exact) + kz_strmap_bytes(s->host) +
           kz_strmap_bytes(s->dotsuf) + s->cap_post * sizeof *s->post +
           s->cap_lists * sizeof *s->lists + snap;
}

size_t kz_warninglist_snapshot_lists(const kz_warninglist_set *s)
{
    size_t n = 0;
    for (size_t i = 0; s && i < s->n_snaps; i++)
        n += (i + 1 < s->n_snaps ? s->snaps[i + 1].list_base : s->n_lists) -
             s->snaps[i].list_base;
    return n;
}

/* One check in progress: the lists reported so far (each once). */
typedef struct hitstate {
    const kz_warninglist_set *s;
    uint32_t tbit;
    size_t n_seen; /* bits set in seen: most values are on no list, and then the
                    * lists need not be walked at the end */
    uint8_t seen[KZ_WL_MAX_LISTS / 8];
} hitstate;

/* Marks list as holding the value when it applies to the value's type
 * and is of the kind of the index that found it; the callback runs once
 * per list, in load order, at the end of the check. */
static void report(hitstate *h, uint32_t list, kz_wl_type want)
{
    const wl_list *l = &h->s->lists[list];
    if (!(l->applies & h->tbit) || l->info.type != want)
        return;
    uint8_t bit = (uint8_t)(1u << (list % 8));
    h->n_seen += !(h->seen[list / 8] & bit);
    h->seen[list / 8] |= bit;
}

static void report_chain(hitstate *h, uint32_t head, kz_wl_type want)
{
    for (uint32_t p = head; p; p = h->s->post[p].next)
        report(h, h->s->post[p].list, want);
}

/* The same for a chain of snapshot p (its list numbers start at 0). */
static void report_snap(hitstate *h, const wl_snap *p, uint32_t head, kz_wl_type want)
{
    for (uint32_t q = head; q; q = p->post[q].next)
        report(h, p->list_base + p->post[q].list, want);
}

/* Looks the name up in the hostname lists (the name and every parent) and
 * in the ".example.com" string entries (parents only). true when
 * *full_hash is the hash of the whole name lower-cased (it had no
 * trailing dot to drop). */
static bool check_host(hitstate *h, const char *name, size_t name_len, uint64_t *full_hash)
{
    char low[KZ_WL_MAX_ENTRY];
    size_t len = name_len;
    while (len && name[len - 1] == '.')
        len--;
    if (!len || len > sizeof low)
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        low[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    /* one probe per label: "a.b.example.com", "b.example.com", ... "com" */
    size_t off = 0;
    bool first = true;
    while (off < len) {
        uint32_t head;
        uint64_t hash = kz_strmap_hash(low + off, len - off);
        if (first) /* the exact probe of the same bytes reuses it */
            *full_hash = hash;
        if (h->s->dyn_keys && bloom_maybe(h->s, hash)) {
            if (kz_strmap_get_hashed(h->s->host, hash, low + off, len - off, &head))
                report_chain(h, head, KZ_WL_HOSTNAME);
            if (!first && kz_strmap_get_hashed(h->s->dotsuf, hash, low + off, len - off, &head))
                report_chain(h, head, KZ_WL_STRING);
        }
        for (size_t i = 0; i < h->s->n_snaps; i++) {
            const wl_snap *p = &h->s->snaps[i];
            if (!wl_snap_maybe(p, hash))
                continue;
            report_snap(h, p, wl_snap_map_get(p, &p->host, hash, low + off, len - off),
                        KZ_WL_HOSTNAME);
            if (!first)
                report_snap(h, p, wl_snap_map_get(p, &p->dotsuf, hash, low + off, len - off),
                            KZ_WL_STRING);
        }
        const char *dot = memchr(low + off, '.', len - off);
        if (!dot)
            break;
        off = (size_t)(dot - low) + 1;
        first = false;
    }
    return name_len == len;
}

static void check_ip(hitstate *h, const char *v, size_t len)
{
    /* a dotted quad (or its prefix length) ends in a digit and IPv6 has a
     * colon: a host name, the usual case, is not parsed at all */
    if (!len || (!memchr(v, ':', len) && !(v[len - 1] >= '0' && v[len - 1] <= '9')))
        return;
    kz_ipaddr ip;
    if (kz_ip_parse(v, len, &ip, NULL) != KZ_OK)
        return;
    for (size_t i = 0; i < h->s->n_snaps; i++)
        report_snap(h, &h->s->snaps[i], wl_snap_ip_get(&h->s->snaps[i], &ip), KZ_WL_CIDR);
    /* no cidr entry touches this part of the address space: none holds it */
    const uint64_t *span = h->s->ipspan[ip.family == 4 ? 0 : 1];
    uint32_t part = ((uint32_t)ip.a[0] << 12) | ((uint32_t)ip.a[1] << 4) | (ip.a[2] >> 4);
    if (!span || !(span[part >> 6] >> (part & 63) & 1))
        return;
    /* every prefix holding the address: at most one per length */
    uint32_t vals[129];
    size_t n = kz_ipset_lookup(h->s->ip, &ip, vals, 129);
    for (size_t i = 0; i < n && i < 129; i++)
        report_chain(h, vals[i], KZ_WL_CIDR);
}

typedef struct subctx {
    hitstate *h;
} subctx;

static int on_sub(unsigned id, unsigned long long from, unsigned long long to,
                  unsigned flags, void *ctx)
{
    (void)from;
    (void)to;
    (void)flags;
    hitstate *h = ctx;
    report(h, h->s->sub[id].list, KZ_WL_SUBSTRING);
    return 0;
}

kz_err kz_warninglist_check(const kz_warninglist_set *s, kz_ioc_type t, const char *value,
                            size_t len, kz_warninglist_hit_fn fn, void *ctx, size_t *n_hits)
{
    if (n_hits)
        *n_hits = 0;
    if (!s || !s->compiled || (!value && len) || (unsigned)t > KZ_IOC__COUNT)
        return KZ_EINVAL;
    if (len > KZ_WL_MAX_ENTRY)
        return KZ_ETOOBIG;
    hitstate hs;
    memset(&hs, 0, sizeof hs);
    hitstate *h = &hs;
    h->s = s;
    h->tbit = WL_TYPE_BIT(t);
    kz_err rc = KZ_OK;

    /* the host part a value carries, for cidr and hostname lists */
    const char *host = NULL;
    size_t hl = 0;
    if (t == KZ_IOC_IPV4 || t == KZ_IOC_IPV6 || t == KZ_IOC_DOMAIN) {
        host = value;
        hl = len;
    } else if (t == KZ_IOC_URL) {
        wl_url_host_span(value, len, &host, &hl); /* check_ip parses it: no guessing */
    } else if (t == KZ_IOC_EMAIL) {
        const char *at = memrchr(value, '@', len);
        if (at) {
            host = at + 1;
            hl = len - (size_t)(at + 1 - value);
        }
    }
    if (host && hl && (s->kind_types[KZ_WL_CIDR] & h->tbit))
        check_ip(h, host, hl);
    /* an address has no parent names: hostname lists cannot hold it */
    uint64_t host_hash = 0;
    bool have_hash = false;
    if (host && hl && t != KZ_IOC_IPV4 && t != KZ_IOC_IPV6 &&
        ((s->kind_types[KZ_WL_HOSTNAME] | s->kind_types[KZ_WL_STRING]) & h->tbit))
        have_hash = check_host(h, host, hl, &host_hash) && host == value && hl == len;

    /* exact strings, compared lower-cased */
    if (len && (s->kind_types[KZ_WL_STRING] & h->tbit)) {
        char low[KZ_WL_MAX_ENTRY];
        for (size_t i = 0; i < len; i++) {
            unsigned char c = (unsigned char)value[i];
            low[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
        }
        uint32_t head;
        uint64_t hash = have_hash ? host_hash : kz_strmap_hash(low, len);
        if (s->dyn_keys && bloom_maybe(s, hash) &&
            kz_strmap_get_hashed(s->exact, hash, low, len, &head))
            report_chain(h, head, KZ_WL_STRING);
        for (size_t i = 0; i < s->n_snaps; i++) {
            const wl_snap *p = &s->snaps[i];
            if (wl_snap_maybe(p, hash))
                report_snap(h, p, wl_snap_map_get(p, &p->exact, hash, low, len), KZ_WL_STRING);
        }
    }

    if (s->sub_db && len && (s->kind_types[KZ_WL_SUBSTRING] & h->tbit)) {
        pthread_mutex_t *lk = (pthread_mutex_t *)&s->sub_lock;
        pthread_mutex_lock(lk);
        hs_error_t he = hs_scan(s->sub_db, value, (unsigned)len, 0, s->sub_scratch, on_sub, h);
        pthread_mutex_unlock(lk);
        if (he != HS_SUCCESS && he != HS_SCAN_TERMINATED)
            rc = KZ_EINTERNAL;
    }

    /* regexes: the one loop over entries, over regex entries alone */
    if (!rc && s->n_re) {
        pcre2_match_data *md = pcre2_match_data_create(1, NULL);
        if (!md) {
            rc = KZ_ENOMEM;
        } else {
            for (size_t i = 0; i < s->n_re; i++) {
                const wl_list *l = &s->lists[s->re[i].list];
                if (!(l->applies & h->tbit) ||
                    (h->seen[s->re[i].list / 8] & (1u << (s->re[i].list % 8))))
                    continue;
                int r = pcre2_match(s->re[i].re, (PCRE2_SPTR)value, len, 0, 0, md, s->re_ctx);
                if (r >= 0)
                    report(h, s->re[i].list, KZ_WL_REGEX);
            }
            pcre2_match_data_free(md);
        }
    }
    size_t n = 0;
    for (size_t i = 0; !rc && h->n_seen && i < s->n_lists; i++) {
        if (!(h->seen[i / 8] & (1u << (i % 8))))
            continue;
        n++;
        if (fn && fn(ctx, &s->lists[i].info))
            break;
    }
    if (n_hits)
        *n_hits = n;
    return rc;
}

static bool all_hex(const char *v, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)v[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return false;
    }
    return true;
}

kz_ioc_type kz_warninglist_guess_type(const char *value, size_t len)
{
    kz_ipaddr ip;
    if (!value || !len)
        return KZ_IOC__COUNT;
    if (kz_ip_parse(value, len, &ip, NULL) == KZ_OK)
        return ip.family == 4 ? KZ_IOC_IPV4 : KZ_IOC_IPV6;
    if (memmem(value, len, "://", 3))
        return KZ_IOC_URL;
    if (memchr(value, '@', len))
        return KZ_IOC_EMAIL;
    if (all_hex(value, len)) {
        static const struct {
            size_t len;
            kz_ioc_type t;
        } hashes[] = {{32, KZ_IOC_MD5}, {40, KZ_IOC_SHA1}, {64, KZ_IOC_SHA256},
                      {128, KZ_IOC_SHA512}};
        for (size_t i = 0; i < sizeof hashes / sizeof hashes[0]; i++)
            if (hashes[i].len == len)
                return hashes[i].t;
    }
    if (len > 4 && strncasecmp(value, "CVE-", 4) == 0)
        return KZ_IOC_CVE;
    if (memchr(value, '.', len) && !memchr(value, ' ', len) && !memchr(value, '/', len))
        return KZ_IOC_DOMAIN;
    return KZ_IOC__COUNT;
}
