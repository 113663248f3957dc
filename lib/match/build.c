/* build.c - compiling indicators into a kz_match_set: filtering (type,
 * pattern_type, revoked, expired, duplicates), classification, values into
 * the string maps and the IP set, postings (value -> indicators) as linked
 * lists while building and one compact array (CSR) once finished, and the
 * per-indicator records (16-byte UUID, type code, offset of a pooled name).
 *
 * Memory per simple indicator (docs/match.md): UUID 16 + flags 1 + name
 * offset 4, the value's map slot (12 bytes at <= 3/4 load, or 8 for an
 * IPv4 address) and key bytes, 8 bytes of postings; names are pooled and
 * equal names stored once. */
#include <stdio.h>
#include <string.h>

#include "kizuna/alloc.h"
#include "match_int.h"

typedef struct link {
    uint32_t ind;
    uint32_t next; /* UINT32_MAX: end */
} link;

struct kz_match_builder {
    mc_core c;
    kz_match_opts o;
    kz_time now;
    kz_arena *arena;      /* per object: reset by every add */
    kz_buf text;          /* canonical pattern text, reused from one indicator to the next */
    uint32_t *seen;       /* open-addressing set of indicator numbers + 1 by UUID (0: free) */
    size_t seen_cap;      /* power of two; kept at most half full */
    kz_strmap *name_map;  /* name -> offset in the pool, so equal names are stored once */
    size_t ind_cap, names_cap;
    uint32_t *head;       /* per key: first link, UINT32_MAX when none */
    size_t head_cap;
    link *links;
    size_t n_links, links_cap;
};

#define NONE UINT32_MAX
#define MAX_ENTRIES ((size_t)1 << 31)

static kz_err grow_array(void **p, size_t *cap, size_t need, size_t esz)
{
    if (need <= *cap)
        return KZ_OK;
    size_t nc = *cap ? *cap : 1024;
    while (nc < need)
        nc *= 2;
    if (nc > MAX_ENTRIES * 2 || nc > SIZE_MAX / esz)
        return KZ_ETOOBIG;
    void *np = kz_realloc(*p, nc * esz);
    if (!np)
        return KZ_ENOMEM;
    *p = np;
    *cap = nc;
    return KZ_OK;
}

kz_err kz_match_builder_new(const kz_match_opts *opts, kz_match_builder **out)
{
    *out = NULL;
    kz_match_builder *b = kz_calloc(1, sizeof *b);
    if (!b)
        return KZ_ENOMEM;
    if (opts)
        b->o = *opts;
    b->now = (b->o.now.sec || b->o.now.nsec) ? b->o.now : kz_time_now();
    b->c.subdomains = b->o.subdomains;
    kz_buf_init(&b->text, KZ_PATTERN_MAX_LEN * 4);
    b->arena = kz_arena_new(0);
    b->name_map = kz_strmap_new(0);
    b->c.ips = kz_ipset_new();
    b->c.names = kz_malloc(64);
    bool ok = b->arena && b->name_map && b->c.ips && b->c.names;
    for (unsigned k = 0; ok && k < KZ_MATCH_OTHER; k++) {
        if (!mc_kind_is_ip((kz_match_kind)k)) {
            b->c.maps[k] = kz_strmap_new(0);
            ok = b->c.maps[k] != NULL;
        }
    }
    if (!ok) {
        kz_match_builder_free(b);
        return KZ_ENOMEM;
    }
    b->c.names[0] = '\0';
    b->c.names_len = 1;
    b->names_cap = 64;
    *out = b;
    return KZ_OK;
}

/* Frees what a builder and a set share. */
static void core_release(mc_core *c)
{
    for (unsigned k = 0; k < KZ_MATCH_KIND_COUNT; k++)
        kz_strmap_free(c->maps[k]);
    kz_ipset_free(c->ips);
    kz_free(c->ids);
    kz_free(c->name_off);
    kz_free(c->flags);
    kz_free(c->names);
    kz_pattern_set_free(c->complex);
    for (size_t i = 0; i < c->n_notes; i++) {
        kz_free(c->notes[i].id);
        kz_free(c->notes[i].reason);
    }
    kz_free(c->notes);
    memset(c, 0, sizeof *c);
}

void kz_match_builder_free(kz_match_builder *b)
{
    if (!b)
        return;
    core_release(&b->c);
    kz_arena_free(b->arena);
    kz_buf_release(&b->text);
    kz_free(b->seen);
    kz_strmap_free(b->name_map);
    kz_free(b->head);
    kz_free(b->links);
    kz_free(b);
}

void kz_match_builder_stats(const kz_match_builder *b, kz_match_stats *st)
{
    *st = b->c.st;
}

/* Keeps the first MC_NOTES_MAX notes; an allocation failure here is
 * reported as KZ_ENOMEM like any other. */
static kz_err add_note(mc_core *c, const char *id, const char *reason)
{
    if (c->n_notes >= MC_NOTES_MAX)
        return KZ_OK;
    if (!c->notes) {
        c->notes = kz_calloc(MC_NOTES_MAX, sizeof *c->notes);
        if (!c->notes)
            return KZ_ENOMEM;
    }
    mc_note *n = &c->notes[c->n_notes];
    n->id = kz_strdup(id ? id : "");
    n->reason = kz_strdup(reason);
    if (!n->id || !n->reason) {
        kz_free(n->id);
        kz_free(n->reason);
        n->id = n->reason = NULL;
        return KZ_ENOMEM;
    }
    c->n_notes++;
    return KZ_OK;
}

/* A new key (distinct value in one structure) gets the next number. */
static kz_err new_key(kz_match_builder *b, uint32_t *k)
{
    if (b->c.n_keys >= MAX_ENTRIES)
        return KZ_ETOOBIG;
    kz_err rc = grow_array((void **)&b->head, &b->head_cap, (size_t)b->c.n_keys + 1, sizeof *b->head);
    if (rc)
        return rc;
    *k = b->c.n_keys;
    b->head[*k] = NONE;
    return KZ_OK;
}

/* Files indicator ind under key k, once (an indicator adds its values one
 * after another, so an earlier posting of the same one is the list head). */
static kz_err post(kz_match_builder *b, uint32_t k, uint32_t ind)
{
    if (b->head[k] != NONE && b->links[b->head[k]].ind == ind)
        return KZ_OK;
    if (b->n_links >= MAX_ENTRIES)
        return KZ_ETOOBIG;
    kz_err rc = grow_array((void **)&b->links, &b->links_cap, b->n_links + 1, sizeof *b->links);
    if (rc)
        return rc;
    b->links[b->n_links] = (link){.ind = ind, .next = b->head[k]};
    b->head[k] = (uint32_t)b->n_links++;
    b->c.st.postings++;
    return KZ_OK;
}

/* A normalised value ready to insert. */
typedef struct ready {
    kz_match_kind kind;
    const char *s;
    size_t len;
    kz_ipaddr ip; /* IP kinds */
} ready;

/* Normalises every value of a simple pattern; false (with the offending
 * literal in *bad) when one is not a value of its kind. */
static kz_err prepare(kz_match_builder *b, const mc_class *cl, ready **out, const char **bad)
{
    *bad = NULL;
    ready *r = kz_arena_calloc(b->arena, cl->n, sizeof *r);
    if (!r)
        return KZ_ENOMEM;
    for (size_t i = 0; i < cl->n; i++) {
        const mc_value *v = &cl->v[i];
        r[i].kind = v->kind;
        if (mc_kind_is_ip(v->kind)) {
            kz_err rc = kz_ip_parse(v->lit, v->len, &r[i].ip, NULL);
            if (rc || r[i].ip.family != (v->kind == KZ_MATCH_IPV4 ? 4 : 6)) {
                *bad = v->lit;
                return KZ_OK;
            }
            continue;
        }
        kz_err rc = mc_normalize(b->arena, v->kind, v->lit, v->len, &r[i].s, &r[i].len);
        if (rc == KZ_ENOMEM)
            return rc;
        if (rc || r[i].len > KZ_STRMAP_KEY_MAX) { /* a key the map cannot hold: the engine's */
            *bad = v->lit;
            return KZ_OK;
        }
    }
    *out = r;
    return KZ_OK;
}

static kz_err insert(kz_match_builder *b, const ready *r, uint32_t ind)
{
    uint32_t k = 0, existing = 0;
    kz_err rc = new_key(b, &k);
    if (rc)
        return rc;
    if (mc_kind_is_ip(r->kind)) {
        rc = kz_ipset_add(b->c.ips, &r->ip, k, &existing);
        if (!rc) {
            bool full = r->ip.prefix == (r->ip.family == 4 ? 32 : 128);
            if (full)
                b->c.st.ip_addresses++;
            else
                b->c.st.ip_prefixes++;
        }
    } else {
        rc = kz_strmap_put(b->c.maps[r->kind], r->s, r->len, k, &existing);
        if (!rc)
            b->c.st.values[r->kind]++;
    }
    if (rc == KZ_EEXIST)
        k = existing;
    else if (rc)
        return rc;
    else
        b->c.n_keys++;
    return post(b, k, ind);
}

/* The name into the pool (once per distinct name); *off 0 for none. */
static kz_err pool_name(kz_match_builder *b, const char *name, size_t len, uint32_t *off)
{
    *off = 0;
    if (b->o.no_names || !name || !len)
        return KZ_OK;
    if (len > MC_NAME_MAX) {
        len = MC_NAME_MAX;
        while (len && ((unsigned char)name[len] & 0xc0) == 0x80)
            len--; /* not in the middle of a UTF-8 sequence */
    }
    if (kz_strmap_get(b->name_map, name, len, off))
        return KZ_OK;
    if (b->c.names_len + len + 1 > UINT32_MAX)
        return KZ_ETOOBIG;
    kz_err rc = grow_array((void **)&b->c.names, &b->names_cap, b->c.names_len + len + 1, 1);
    if (rc)
        return rc;
    uint32_t at = (uint32_t)b->c.names_len;
    rc = kz_strmap_put(b->name_map, name, len, at, NULL);
    if (rc)
        return rc;
    memcpy(b->c.names + at, name, len);
    b->c.names[at + len] = '\0';
    b->c.names_len += len + 1;
    *off = at;
    return KZ_OK;
}

/* Duplicate ids: a set of indicator numbers hashed by the UUIDs already
 * held in c.ids, 4 bytes a slot instead of a second copy of every id
 * (a string map of the ids was 57 MB of the 132 MB peak at 1M). */
static uint32_t *seen_slot(const kz_match_builder *b, const kz_uuid *u)
{
    static uint32_t none = 0;
    if (!b->seen_cap)
        return &none;
    size_t mask = b->seen_cap - 1, i = (size_t)kz_hash64(u->b, 16, 0) & mask;
    while (b->seen[i] && memcmp(b->c.ids[b->seen[i] - 1].b, u->b, 16) != 0)
        i = (i + 1) & mask;
    return &b->seen[i];
}

static kz_err seen_add(kz_match_builder *b, uint32_t ind, const kz_uuid *u)
{
    if ((b->c.n_ind + 1) * 2 > b->seen_cap) {
        size_t nc = b->seen_cap ? b->seen_cap * 2 : 1024;
        uint32_t *ns = kz_calloc(nc, sizeof *ns);
        if (!ns)
            return KZ_ENOMEM;
        for (size_t i = 0; i < b->seen_cap; i++) {
            uint32_t v = b->seen[i];
            if (!v)
                continue;
            size_t j = (size_t)kz_hash64(b->c.ids[v - 1].b, 16, 0) & (nc - 1);
            while (ns[j])
                j = (j + 1) & (nc - 1);
            ns[j] = v;
        }
        kz_free(b->seen);
        b->seen = ns;
        b->seen_cap = nc;
    }
    *seen_slot(b, u) = ind + 1;
    return KZ_OK;
}

static kz_err register_ind(kz_match_builder *b, const kz_uuid *u, const kz_json *obj, uint8_t flags,
                           uint32_t *ind)
{
    if (b->c.n_ind >= MAX_ENTRIES)
        return KZ_ETOOBIG;
    size_t need = b->c.n_ind + 1, cap = b->ind_cap, c2 = cap, c3 = cap;
    kz_err rc = grow_array((void **)&b->c.ids, &cap, need, sizeof *b->c.ids);
    if (!rc)
        rc = grow_array((void **)&b->c.name_off, &c2, need, sizeof *b->c.name_off);
    if (!rc)
        rc = grow_array((void **)&b->c.flags, &c3, need, 1);
    if (rc)
        return rc;
    b->ind_cap = cap;
    const kz_json *nm = kz_json_get(obj, "name");
    uint32_t off = 0;
    if (nm && nm->type == KZ_JSON_STRING) {
        rc = pool_name(b, nm->u.str.ptr, nm->u.str.len, &off);
        if (rc)
            return rc;
    }
    b->c.ids[b->c.n_ind] = *u; /* before seen_add, whose probes compare ids */
    rc = seen_add(b, (uint32_t)b->c.n_ind, u);
    if (rc)
        return rc;
    *ind = (uint32_t)b->c.n_ind;
    b->c.name_off[*ind] = off;
    b->c.flags[*ind] = flags;
    b->c.n_ind++;
    return KZ_OK;
}

static kz_err invalid(kz_match_builder *b, const char *id, const char *why)
{
    b->c.st.invalid++;
    char msg[256];
    snprintf(msg, sizeof msg, "invalid: %s", why);
    return add_note(&b->c, id, msg);
}

/* The expiry test: valid_until <= now skips (unless include_expired). */
static bool expired(kz_match_builder *b, const kz_json *obj)
{
    const kz_json *vu = kz_json_get(obj, "valid_until");
    if (!vu || vu->type != KZ_JSON_STRING)
        return false;
    kz_time t;
    if (kz_time_parse(vu->u.str.ptr, vu->u.str.len, KZ_TIME_STRICT, &t))
        return false; /* a malformed valid_until is the validator's business, not a reason to drop */
    return kz_time_cmp(&t, &b->now) <= 0;
}

static kz_err add_object(kz_match_builder *b, const kz_json *obj)
{
    b->c.st.objects++;
    const char *type = kz_json_get_string(obj, "type");
    if (!type || strcmp(type, "indicator") != 0)
        return KZ_OK;
    b->c.st.indicators++;
    const char *id = kz_json_get_string(obj, "id");
    const char *ptype = kz_json_get_string(obj, "pattern_type");
    if (ptype && strcmp(ptype, "stix") != 0) {
        b->c.st.skipped_pattern_type++;
        return KZ_OK;
    }
    const kz_json *rv = kz_json_get(obj, "revoked");
    if (rv && rv->type == KZ_JSON_TRUE && !b->o.include_revoked) {
        b->c.st.skipped_revoked++;
        return KZ_OK;
    }
    if (!b->o.include_expired && expired(b, obj)) {
        b->c.st.skipped_expired++;
        return KZ_OK;
    }
    static const char pre[] = "indicator--";
    kz_uuid u;
    if (!id || strncmp(id, pre, sizeof pre - 1) != 0 ||
        kz_uuid_parse(id + sizeof pre - 1, strlen(id + sizeof pre - 1), &u))
        return invalid(b, id, "id is not indicator--<uuid>");
    if (*seen_slot(b, &u) != 0) {
        b->c.st.duplicates++;
        return KZ_OK;
    }
    const kz_json *pj = kz_json_get(obj, "pattern");
    if (!pj || pj->type != KZ_JSON_STRING)
        return invalid(b, id, "no pattern");
    const char *sv = kz_json_get_string(obj, "spec_version");
    int version = sv && strcmp(sv, "2.0") == 0 ? 20 : 21;
    if (!sv && !ptype)
        version = 20; /* a 2.0 indicator has neither */
    kz_pattern *p = NULL;
    kz_pattern_error perr = {0};
    kz_err rc = kz_pattern_parse(pj->u.str.ptr, pj->u.str.len, version, &p, &perr);
    if (rc == KZ_ENOMEM)
        return rc;
    if (rc) {
        char why[240];
        snprintf(why, sizeof why, "pattern at offset %zu: %s", perr.offset, perr.msg);
        return invalid(b, id, why);
    }
    kz_buf_reset(&b->text);
    rc = kz_pattern_print(p, &b->text);
    mc_class cl = {0};
    if (!rc)
        rc = mc_classify(b->arena, b->text.data ? b->text.data : "", b->text.len, &cl);
    ready *r = NULL;
    const char *bad = NULL;
    if (!rc && cl.cls == MC_SIMPLE)
        rc = prepare(b, &cl, &r, &bad);
    if (rc)
        goto fail;
    if (cl.cls == MC_SIMPLE && bad) {
        /* A value that does not normalise ('localhost', '10.0.0.300') can
         * never be found by a lookup; the engine compares it as written. */
        cl.cls = MC_COMPLEX;
        cl.reason = "value that does not normalise";
    }
    uint32_t ind = 0;
    if (cl.cls == MC_UNSUPPORTED) {
        b->c.st.unsupported++;
        char msg[200];
        snprintf(msg, sizeof msg, "unsupported: %s", cl.reason);
        rc = add_note(&b->c, id, msg);
        goto fail; /* not a failure: releases p */
    }
    if (cl.cls == MC_COMPLEX) {
        if (!b->c.complex) {
            b->c.complex = kz_pattern_set_new();
            if (!b->c.complex) {
                rc = KZ_ENOMEM;
                goto fail;
            }
        }
        rc = register_ind(b, &u, obj, MC_TYPE_INDICATOR | MC_FLAG_COMPLEX, &ind);
        if (rc)
            goto fail;
        kz_pattern *pp = p;
        p = NULL; /* the set owns it from here, also on error */
        rc = kz_pattern_set_add(b->c.complex, pp, ind, &perr);
        if (rc == KZ_ENOMEM)
            return rc;
        if (rc) {
            /* Registered but never evaluable: mark it so and note why. */
            b->c.flags[ind] &= (uint8_t)~MC_FLAG_COMPLEX;
            char why[240];
            snprintf(why, sizeof why, "pattern cannot be evaluated: %s", perr.msg);
            return invalid(b, id, why);
        }
        b->c.st.complex++;
        return KZ_OK;
    }
    rc = register_ind(b, &u, obj, MC_TYPE_INDICATOR, &ind);
    for (size_t i = 0; !rc && i < cl.n; i++)
        rc = insert(b, &r[i], ind);
    if (!rc)
        b->c.st.simple++;
fail:
    kz_pattern_free(p);
    return rc;
}

kz_err mc_builder_broken(kz_match_builder *b, const char *why)
{
    b->c.st.objects++;
    return invalid(b, "", why);
}

size_t mc_builder_max_object(const kz_match_builder *b)
{
    return b->o.max_object;
}

kz_err kz_match_builder_add_object(kz_match_builder *b, const kz_json *obj)
{
    if (!b || !obj)
        return KZ_EINVAL;
    kz_err rc = add_object(b, obj);
    kz_arena_reset(b->arena);
    return rc;
}

/* Gives back the unused tail of a grown array. */
static void shrink(void **p, size_t n, size_t esz)
{
    if (!*p || !n)
        return;
    void *np = kz_realloc(*p, n * esz);
    if (np)
        *p = np;
}

static size_t complex_bytes(const mc_core *c)
{
    if (!c->complex)
        return 0;
    kz_pattern_set_stats ps;
    kz_pattern_set_get_stats(c->complex, &ps);
    return ps.patterns * 512 + ps.keys * 32; /* the engine does not count its bytes: an estimate */
}

typedef struct sf_fill {
    kz_match_set *m;
    kz_match_kind kind;
} sf_fill;

static int sf_add(void *ctx, const char *key, size_t len, uint32_t value)
{
    (void)value;
    sf_fill *f = ctx;
    uint64_t g = mc_sf_mix(f->kind, kz_strmap_hash(key, len));
    f->m->sf[(size_t)(g >> 32) & f->m->sf_mask] |= mc_sf_bits(g);
    return 0;
}

/* The string keys' filter (match_int.h): 8 to 16 bits per key, or none
 * when there are no string keys. */
static kz_err sf_build(kz_match_set *m, kz_strmap *const *maps)
{
    size_t n = 0;
    for (unsigned k = 0; k < KZ_MATCH_KIND_COUNT; k++)
        n += maps[k] ? kz_strmap_count(maps[k]) : 0;
    if (!n)
        return KZ_OK;
    size_t words = 1;
    while (words * 64 < n * 8)
        words *= 2;
    m->sf = kz_calloc(words, sizeof *m->sf);
    if (!m->sf)
        return KZ_ENOMEM;
    kz_alloc_want_huge_pages(m->sf, words * sizeof *m->sf);
    m->sf_mask = words - 1;
    for (unsigned k = 0; k < KZ_MATCH_KIND_COUNT; k++) {
        sf_fill f = {m, (kz_match_kind)k};
        if (maps[k])
            kz_strmap_each(maps[k], sf_add, &f);
    }
    return KZ_OK;
}

kz_err kz_match_builder_finish(kz_match_builder *b, kz_match_set **out)
{
    *out = NULL;
    if (!b)
        return KZ_EINVAL;
    kz_err rc = KZ_OK;
    /* The duplicate and name maps are done with: give their memory back
     * before the postings array is built, which lowers the peak. */
    kz_free(b->seen);
    kz_strmap_free(b->name_map);
    b->seen = NULL;
    b->name_map = NULL;
    kz_match_set *m = kz_calloc(1, sizeof *m);
    if (!m) {
        rc = KZ_ENOMEM;
        goto fail;
    }
    /* Postings: count per key, then fill each key's range back to front
     * (links are newest first, so the result is in order of addition). */
    size_t nk = b->c.n_keys;
    m->post_start = kz_calloc(nk + 1, sizeof *m->post_start);
    m->post = kz_malloc((b->n_links ? b->n_links : 1) * sizeof *m->post);
    if (!m->post_start || !m->post) {
        rc = KZ_ENOMEM;
        goto fail;
    }
    uint32_t at = 0;
    for (size_t k = 0; k < nk; k++) {
        m->post_start[k] = at;
        for (uint32_t l = b->head[k]; l != NONE; l = b->links[l].next)
            at++;
        uint32_t w = at;
        for (uint32_t l = b->head[k]; l != NONE; l = b->links[l].next)
            m->post[--w] = b->links[l].ind;
    }
    m->post_start[nk] = at;
    if (b->c.complex) {
        rc = kz_pattern_set_compile(b->c.complex);
        if (rc)
            goto fail;
    }
    rc = sf_build(m, b->c.maps);
    if (rc)
        goto fail;
    if (pthread_mutex_init(&m->lock, NULL)) {
        rc = KZ_ENOMEM;
        goto fail;
    }
    m->c = b->c;
    memset(&b->c, 0, sizeof b->c);
    kz_match_builder_free(b);
    b = NULL;
    mc_core *c = &m->c;
    shrink((void **)&c->ids, c->n_ind, sizeof *c->ids);
    shrink((void **)&c->name_off, c->n_ind, sizeof *c->name_off);
    shrink((void **)&c->flags, c->n_ind, 1);
    shrink((void **)&c->names, c->names_len, 1);
    kz_match_stats *st = &c->st;
    for (unsigned k = 0; k < KZ_MATCH_KIND_COUNT; k++) {
        if (c->maps[k]) {
            kz_strmap_trim(c->maps[k]);
            st->bytes_strmaps += kz_strmap_bytes(c->maps[k]);
        }
    }
    st->bytes_strmaps += m->sf ? (m->sf_mask + 1) * sizeof *m->sf : 0;
    st->bytes_ipset = kz_ipset_bytes(c->ips);
    st->bytes_postings = (nk + 1) * sizeof *m->post_start + (size_t)at * sizeof *m->post;
    st->bytes_indicators = c->n_ind * (sizeof *c->ids + sizeof *c->name_off + 1) + c->names_len;
    st->bytes_complex = complex_bytes(c);
    st->bytes_total = st->bytes_strmaps + st->bytes_ipset + st->bytes_postings +
                      st->bytes_indicators + st->bytes_complex + sizeof *m;
    *out = m;
    return KZ_OK;
fail:
    if (m) {
        kz_free(m->sf);
        kz_free(m->post_start);
        kz_free(m->post);
        kz_free(m);
    }
    kz_match_builder_free(b);
    return rc;
}

void kz_match_set_free(kz_match_set *m)
{
    if (!m)
        return;
    core_release(&m->c);
    kz_free(m->sf);
    kz_free(m->post_start);
    kz_free(m->post);
    pthread_mutex_destroy(&m->lock);
    kz_free(m);
}

void kz_match_set_stats(const kz_match_set *m, kz_match_stats *st)
{
    *st = m->c.st;
}

size_t kz_match_note_count(const kz_match_set *m)
{
    return m ? m->c.n_notes : 0;
}

bool kz_match_note_get(const kz_match_set *m, size_t i, kz_match_note *out)
{
    if (!m || i >= m->c.n_notes)
        return false;
    out->id = m->c.notes[i].id;
    out->reason = m->c.notes[i].reason;
    return true;
}

size_t kz_match_indicator_count(const kz_match_set *m)
{
    return m ? m->c.n_ind : 0;
}

size_t kz_match_indicator_id(const kz_match_set *m, uint32_t i, char out[KZ_MATCH_ID_MAX])
{
    if (!m || i >= m->c.n_ind)
        return 0;
    static const char pre[] = "indicator--";
    memcpy(out, pre, sizeof pre - 1);
    kz_uuid_format(&m->c.ids[i], out + sizeof pre - 1);
    return sizeof pre - 1 + KZ_UUID_STR - 1;
}

const char *kz_match_indicator_name(const kz_match_set *m, uint32_t i, size_t *len)
{
    const char *s = (m && i < m->c.n_ind) ? m->c.names + m->c.name_off[i] : "";
    if (len)
        *len = strlen(s);
    return s;
}
