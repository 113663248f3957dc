/* warninglist_snap.c - reading a compiled warninglist snapshot: the
 * checks that make any file safe to use (every offset, index and chain is
 * proven in bounds and finite before a lookup reads it; a checksum catches
 * damage), adding its lists to a set, and the lookups on its flat maps and
 * address intervals. The writer is warninglist_snapw.c; the format is in
 * warninglist_int.h. A snapshot that fails any check is not used: the
 * caller reads the JSON lists instead. */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "kizuna/alloc.h"
#include "extract/warninglist_int.h"

bool wl_snap_disabled;

uint64_t wl_snap_checksum(const uint8_t *p, size_t len)
{
    wl_snap_hdr h;
    memcpy(&h, p, sizeof h);
    h.checksum = 0;
    uint64_t x = kz_hash64(&h, sizeof h, 0x6b7a776c736e6170ull);
    return kz_hash64(p + sizeof h, len - sizeof h, x);
}

static kz_err bad(kz_warninglist_error *err, kz_err rc, const char *what)
{
    if (err) {
        err->path[0] = '\0';
        snprintf(err->msg, sizeof err->msg, "snapshot: %s", what);
    }
    return rc;
}

/* A string of the string section: its offset is inside and the section
 * ends in NUL, so the string ends inside it. */
static const char *sstr(const uint8_t *str, size_t str_len, uint32_t off)
{
    return off < str_len ? (const char *)str + off : NULL;
}

static bool map_ok(const uint8_t *sec, size_t len, size_t keys_len, const uint8_t *keys,
                   uint32_t n_post, wl_smap *m)
{
    wl_snap_map_hdr h;
    m->slot = NULL;
    m->mask = 0;
    if (len < sizeof h)
        return false;
    memcpy(&h, sec, sizeof h);
    if (!h.cap)
        return h.count == 0 && len == sizeof h;
    if ((h.cap & (h.cap - 1)) || h.count >= h.cap ||
        len != sizeof h + (uint64_t)h.cap * sizeof(wl_snap_slot))
        return false;
    const wl_snap_slot *sl = (const wl_snap_slot *)(const void *)(sec + sizeof h);
    uint32_t used = 0;
    for (uint32_t i = 0; i < h.cap; i++) {
        if (!sl[i].key)
            continue;
        used++;
        uint64_t off = (uint64_t)sl[i].key - 1;
        uint32_t kl;
        if (off + 4 > keys_len)
            return false;
        memcpy(&kl, keys + off, 4);
        if (kl > KZ_WL_MAX_ENTRY || off + 4 + kl > keys_len || !sl[i].head ||
            sl[i].head >= n_post)
            return false;
    }
    /* an empty slot ends every probe */
    if (used != h.count)
        return false;
    m->slot = sl;
    m->mask = h.cap - 1;
    return true;
}

/* Everything of the snapshot but its stamps and ids against the set:
 * fills *p's pointers. */
static kz_err validate(const uint8_t *buf, size_t len, bool trust_sum, wl_snap *p,
                       kz_warninglist_error *err)
{
    wl_snap_hdr h;
    memset(p, 0, sizeof *p);
    if (!buf || len < sizeof h || ((uintptr_t)buf & 7))
        return bad(err, KZ_ECORRUPT, "shorter than its header");
    memcpy(&h, buf, sizeof h);
    if (memcmp(h.magic, WL_SNAP_MAGIC, sizeof h.magic) != 0)
        return bad(err, KZ_ECORRUPT, "not a kizuna warninglist snapshot");
    if (h.bom != WL_SNAP_BOM || h.version != WL_SNAP_VERSION ||
        h.hash_probe != kz_strmap_hash("kizuna warninglist snapshot", 27))
        return bad(err, KZ_EVERSION, "written by another version of kizuna or another machine");
    if (h.file_len != len)
        return bad(err, KZ_ECORRUPT, "truncated or extended");
    if (!trust_sum && wl_snap_checksum(buf, len) != h.checksum)
        return bad(err, KZ_ECORRUPT, "checksum mismatch");
    static const size_t elem[WS__COUNT] = {
        [WS_STAMPS] = sizeof(wl_snap_stamp), [WS_LISTS] = sizeof(wl_snap_list),
        [WS_STR] = 1, [WS_KEYS] = 1, [WS_POST] = sizeof(wl_posting), [WS_EXACT] = 4,
        [WS_HOST] = 4, [WS_DOTSUF] = 4, [WS_IP4] = sizeof(wl_snap_ip4), [WS_IP4IDX] = 4,
        [WS_IP6] = sizeof(wl_snap_ip6), [WS_PAT] = sizeof(wl_snap_pat), [WS_BLOOM] = 8};
    const uint8_t *sec[WS__COUNT];
    size_t sl[WS__COUNT];
    for (int i = 0; i < WS__COUNT; i++) {
        if (h.sec[i].off < sizeof h || (h.sec[i].off & 7) || h.sec[i].off > len ||
            h.sec[i].len > len - h.sec[i].off || h.sec[i].len % elem[i])
            return bad(err, KZ_ECORRUPT, "a section outside the file");
        sec[i] = buf + h.sec[i].off;
        sl[i] = (size_t)h.sec[i].len;
    }
    if (h.n_lists != h.n_stamps || h.n_lists > KZ_WL_MAX_LISTS ||
        sl[WS_LISTS] != (size_t)h.n_lists * sizeof(wl_snap_list) ||
        sl[WS_STAMPS] != (size_t)h.n_stamps * sizeof(wl_snap_stamp))
        return bad(err, KZ_ECORRUPT, "list count");
    if (!sl[WS_STR] || sec[WS_STR][sl[WS_STR] - 1] != '\0')
        return bad(err, KZ_ECORRUPT, "string section");
    const wl_snap_stamp *st = (const wl_snap_stamp *)(const void *)sec[WS_STAMPS];
    const wl_snap_list *ls = (const wl_snap_list *)(const void *)sec[WS_LISTS];
    for (uint32_t i = 0; i < h.n_lists; i++) {
        const char *id = sstr(sec[WS_STR], sl[WS_STR], ls[i].id_off);
        const char *name = sstr(sec[WS_STR], sl[WS_STR], ls[i].name_off);
        const char *desc = sstr(sec[WS_STR], sl[WS_STR], ls[i].desc_off);
        const char *file = sstr(sec[WS_STR], sl[WS_STR], ls[i].file_off);
        if (!id || !name || !desc || !file || !sstr(sec[WS_STR], sl[WS_STR], st[i].name_off) ||
            !*id || strlen(id) > 255 || !*file || strlen(name) > KZ_WL_MAX_TEXT ||
            strlen(desc) > KZ_WL_MAX_TEXT || ls[i].type >= KZ_WL__COUNT ||
            (ls[i].applies & ~WL_ALL_TYPES) || ls[i].entries > KZ_WL_MAX_ENTRIES)
            return bad(err, KZ_ECORRUPT, "a list record");
        for (uint32_t j = 0; j < i; j++)
            if (strcmp(id, (const char *)sec[WS_STR] + ls[j].id_off) == 0)
                return bad(err, KZ_ECORRUPT, "a list id twice");
    }
    /* postings: every list known, every chain strictly forward, so it ends */
    size_t n_post = sl[WS_POST] / sizeof(wl_posting);
    const wl_posting *post = (const wl_posting *)(const void *)sec[WS_POST];
    if (!n_post || n_post >= UINT32_MAX)
        return bad(err, KZ_ECORRUPT, "posting section");
    for (size_t i = 1; i < n_post; i++)
        if (post[i].list >= h.n_lists || (post[i].next && (post[i].next <= i ||
                                                           post[i].next >= n_post)))
            return bad(err, KZ_ECORRUPT, "a posting chain");
    p->post = post;
    p->n_post = (uint32_t)n_post;
    p->keys = sec[WS_KEYS];
    p->keys_len = sl[WS_KEYS];
    if (!map_ok(sec[WS_EXACT], sl[WS_EXACT], p->keys_len, p->keys, p->n_post, &p->exact) ||
        !map_ok(sec[WS_HOST], sl[WS_HOST], p->keys_len, p->keys, p->n_post, &p->host) ||
        !map_ok(sec[WS_DOTSUF], sl[WS_DOTSUF], p->keys_len, p->keys, p->n_post, &p->dotsuf))
        return bad(err, KZ_ECORRUPT, "a string map");
    /* intervals: the first at 0, starts increasing, the index inside */
    size_t n4 = sl[WS_IP4] / sizeof(wl_snap_ip4), n6 = sl[WS_IP6] / sizeof(wl_snap_ip6);
    const wl_snap_ip4 *ip4 = (const wl_snap_ip4 *)(const void *)sec[WS_IP4];
    const uint32_t *idx = (const uint32_t *)(const void *)sec[WS_IP4IDX];
    const wl_snap_ip6 *ip6 = (const wl_snap_ip6 *)(const void *)sec[WS_IP6];
    if (n4 >= UINT32_MAX || n6 >= UINT32_MAX || (n4 && ip4[0].start) || h.ip4_bits > 16 ||
        sl[WS_IP4IDX] != (n4 ? ((1u << h.ip4_bits) + 1) * 4 : 0) ||
        (n6 && (ip6[0].hi || ip6[0].lo)))
        return bad(err, KZ_ECORRUPT, "address intervals");
    for (size_t i = 0; i < n4; i++)
        if (ip4[i].head >= n_post || (i && ip4[i].start <= ip4[i - 1].start))
            return bad(err, KZ_ECORRUPT, "IPv4 intervals");
    for (size_t i = 0; n4 && i <= (1u << h.ip4_bits); i++)
        if (idx[i] >= n4 || (i && idx[i] < idx[i - 1]))
            return bad(err, KZ_ECORRUPT, "IPv4 interval index");
    for (size_t i = 0; i < n6; i++)
        if (ip6[i].head >= n_post ||
            (i && (ip6[i].hi < ip6[i - 1].hi ||
                   (ip6[i].hi == ip6[i - 1].hi && ip6[i].lo <= ip6[i - 1].lo))))
            return bad(err, KZ_ECORRUPT, "IPv6 intervals");
    p->ip4 = n4 ? ip4 : NULL;
    p->ip4idx = n4 ? idx : NULL;
    p->n_ip4 = (uint32_t)n4;
    p->ip4_bits = h.ip4_bits;
    p->ip6 = n6 ? ip6 : NULL;
    p->n_ip6 = (uint32_t)n6;
    const wl_snap_pat *pat = (const wl_snap_pat *)(const void *)sec[WS_PAT];
    for (size_t i = 0; i < sl[WS_PAT] / sizeof *pat; i++) {
        if (pat[i].list >= h.n_lists || !pat[i].len || pat[i].len > KZ_WL_MAX_ENTRY ||
            pat[i].text_off >= sl[WS_STR] || pat[i].len > sl[WS_STR] - pat[i].text_off ||
            (ls[pat[i].list].type != KZ_WL_SUBSTRING && ls[pat[i].list].type != KZ_WL_REGEX))
            return bad(err, KZ_ECORRUPT, "a pattern entry");
    }
    /* the filter: none, or a power of two of words (any bits: a wrong
     * filter can only make the maps answer "none", never read past them) */
    size_t nw = sl[WS_BLOOM] / 8;
    if (nw & (nw - 1))
        return bad(err, KZ_ECORRUPT, "filter size");
    p->bloom = nw ? (const uint64_t *)(const void *)sec[WS_BLOOM] : NULL;
    p->bloom_mask = nw ? (uint64_t)nw - 1 : 0;
    p->base = buf;
    p->len = len;
    return KZ_OK;
}

void wl_snap_release(wl_snap *p)
{
    if (!p->base)
        return;
    if (p->mapped)
        munmap((void *)p->base, p->len);
    else
        kz_free((void *)p->base);
    p->base = NULL;
}

static void release_buf(const uint8_t *buf, size_t len, bool mapped)
{
    wl_snap p = {.base = buf, .len = len, .mapped = mapped};
    wl_snap_release(&p);
}

kz_err wl_snap_attach(kz_warninglist_set *s, const char *dir, const uint8_t *buf, size_t len,
                      bool mapped, bool trust_sum, kz_warninglist_error *err)
{
    wl_snap p;
    kz_err rc = KZ_OK;
    size_t n0 = s ? s->n_lists : 0, sub0 = s ? s->n_sub : 0, re0 = s ? s->n_re : 0;
    if (!s || !dir || s->compiled || s->broken || s->n_snaps >= WL_SNAP_MAX_PARTS) {
        release_buf(buf, len, mapped);
        return bad(err, KZ_EINVAL, "the set cannot take a snapshot now");
    }
    rc = validate(buf, len, trust_sum, &p, err);
    if (rc) {
        release_buf(buf, len, mapped);
        return rc;
    }
    p.mapped = mapped;
    wl_snap_hdr h;
    memcpy(&h, buf, sizeof h);
    const uint8_t *str = buf + h.sec[WS_STR].off;
    const wl_snap_list *ls = (const wl_snap_list *)(const void *)(buf + h.sec[WS_LISTS].off);
    if (n0 + h.n_lists > KZ_WL_MAX_LISTS) {
        rc = bad(err, KZ_ETOOBIG, "more than 1024 lists in all");
        goto fail;
    }
    for (uint32_t i = 0; i < h.n_lists; i++)
        for (size_t j = 0; j < n0; j++)
            if (strcmp(s->lists[j].info.id, (const char *)str + ls[i].id_off) == 0) {
                rc = bad(err, KZ_EEXIST, "a list of the same name is loaded already");
                goto fail;
            }
    p.list_base = (uint32_t)n0;
    size_t entries = 0;
    for (uint32_t i = 0; i < h.n_lists; i++) {
        rc = wl_grow((void **)&s->lists, &s->cap_lists, s->n_lists, sizeof *s->lists);
        if (rc)
            goto fail;
        wl_list *l = &s->lists[s->n_lists];
        memset(l, 0, sizeof *l);
        const char *file = (const char *)str + ls[i].file_off;
        size_t dl = strlen(dir), fl = strlen(file);
        char *path = kz_arena_alloc(s->arena, dl + fl + 2);
        if (path) { /* as kz_warninglist_load_dir names it: "%s/%s" */
            memcpy(path, dir, dl);
            path[dl] = '/';
            memcpy(path + dl + 1, file, fl + 1);
        }
        l->applies = ls[i].applies;
        l->info.type = (kz_wl_type)ls[i].type;
        l->info.id = kz_arena_strdup(s->arena, (const char *)str + ls[i].id_off);
        l->info.file = path;
        l->info.name = kz_arena_strdup(s->arena, (const char *)str + ls[i].name_off);
        l->info.description = kz_arena_strdup(s->arena, (const char *)str + ls[i].desc_off);
        l->info.version = ls[i].version;
        l->info.entries = (size_t)ls[i].entries;
        if (!l->info.id || !path || !l->info.name || !l->info.description) {
            rc = KZ_ENOMEM;
            goto fail;
        }
        l->info.provider = wl_provider_of(l->info.id);
        entries += l->info.entries;
        s->n_lists++;
    }
    /* substring and regex entries go to the set's own tables, which
     * set_compile turns into the Hyperscan database as for JSON lists */
    const wl_snap_pat *pat = (const wl_snap_pat *)(const void *)(buf + h.sec[WS_PAT].off);
    for (size_t i = 0; i < h.sec[WS_PAT].len / sizeof *pat; i++) {
        const char *text = (const char *)str + pat[i].text_off;
        uint32_t list = p.list_base + pat[i].list;
        if (ls[pat[i].list].type == KZ_WL_SUBSTRING) {
            rc = wl_pattern_add(&s->sub, &s->n_sub, &s->cap_sub, text, pat[i].len, list, NULL);
        } else {
            int ec = 0;
            PCRE2_SIZE eo = 0;
            pcre2_code *re = pcre2_compile((PCRE2_SPTR)text, pat[i].len, PCRE2_UTF, &ec, &eo,
                                           NULL);
            if (!re) {
                rc = bad(err, KZ_ECORRUPT, "a regex entry does not compile");
                goto fail;
            }
            rc = wl_pattern_add(&s->re, &s->n_re, &s->cap_re, text, pat[i].len, list, re);
            if (rc)
                pcre2_code_free(re);
        }
        if (rc)
            goto fail;
    }
    s->entries += entries;
    s->snaps[s->n_snaps++] = p;
    return KZ_OK;
fail:
    /* back to the set as it was (the arena strings stay, unreachable) */
    s->n_lists = n0;
    while (s->n_sub > sub0)
        kz_free(s->sub[--s->n_sub].text);
    while (s->n_re > re0) {
        s->n_re--;
        kz_free(s->re[s->n_re].text);
        pcre2_code_free(s->re[s->n_re].re);
    }
    if (rc == KZ_ENOMEM)
        bad(err, rc, "out of memory");
    wl_snap_release(&p);
    return rc;
}

uint32_t wl_snap_map_get(const wl_snap *p, const wl_smap *m, uint64_t hash, const char *key,
                         size_t len)
{
    if (!m->slot)
        return 0;
    uint32_t tag = (uint32_t)(hash >> 32);
    for (uint32_t j = (uint32_t)hash & m->mask;; j = (j + 1) & m->mask) {
        const wl_snap_slot *sl = &m->slot[j];
        if (!sl->key)
            return 0;
        if (sl->tag != tag)
            continue;
        uint32_t kl;
        memcpy(&kl, p->keys + sl->key - 1, 4);
        if (kl == len && memcmp(p->keys + sl->key - 1 + 4, key, len) == 0)
            return sl->head;
    }
}

uint32_t wl_snap_ip_get(const wl_snap *p, const kz_ipaddr *ip)
{
    if (ip->family == 4) {
        if (!p->n_ip4)
            return 0;
        uint32_t x = (uint32_t)ip->a[0] << 24 | (uint32_t)ip->a[1] << 16 |
                     (uint32_t)ip->a[2] << 8 | ip->a[3];
        /* the last interval starting at or before x, between the ones
         * holding the first addresses of x's block and of the next */
        uint32_t b = p->ip4_bits ? x >> (32 - p->ip4_bits) : 0;
        uint32_t lo = p->ip4idx[b], hi = p->ip4idx[b + 1];
        while (lo < hi) {
            uint32_t mid = lo + (hi - lo + 1) / 2;
            if (p->ip4[mid].start <= x)
                lo = mid;
            else
                hi = mid - 1;
        }
        return p->ip4[lo].start <= x ? p->ip4[lo].head : 0;
    }
    if (ip->family != 6 || !p->n_ip6)
        return 0;
    uint64_t xh = 0, xl = 0;
    for (int i = 0; i < 8; i++) {
        xh = xh << 8 | ip->a[i];
        xl = xl << 8 | ip->a[8 + i];
    }
    uint32_t lo = 0, hi = p->n_ip6 - 1;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo + 1) / 2;
        const wl_snap_ip6 *e = &p->ip6[mid];
        if (e->hi < xh || (e->hi == xh && e->lo <= xl))
            lo = mid;
        else
            hi = mid - 1;
    }
    return p->ip6[lo].head; /* the first starts at 0 */
}
