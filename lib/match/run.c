/* run.c - matching records against a compiled set: each typed field is
 * normalised and looked up exactly (the IP set answers every containing
 * prefix, longest first; with --subdomains a domain's parents are looked
 * up too), hits are de-duplicated per field, and when the set holds complex
 * indicators the record becomes one observed-data object for the pattern
 * engine. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ipset_int.h"
#include "kizuna/alloc.h"
#include "match_int.h"

struct kz_match_scratch {
    const kz_match_set *m;
    kz_arena *arena;  /* per call: normalised values, the observation */
    uint32_t *hits;   /* indicators of the field being looked up */
    size_t n_hits, cap_hits;
    size_t errors;
};

/* The id every record's observed-data object carries (one per evaluation). */
#define OBS_ID "observed-data--00000000-0000-4000-8000-000000000000"
#define IPV_MAX 64
#define FS_LOCAL 32 /* fields of a record whose states live on the stack */

kz_err kz_match_scratch_new(const kz_match_set *m, kz_match_scratch **out)
{
    *out = NULL;
    if (!m)
        return KZ_EINVAL;
    kz_match_scratch *s = kz_calloc(1, sizeof *s);
    if (!s)
        return KZ_ENOMEM;
    s->m = m;
    s->arena = kz_arena_new(0);
    if (!s->arena) {
        kz_free(s);
        return KZ_ENOMEM;
    }
    *out = s;
    return KZ_OK;
}

void kz_match_scratch_free(kz_match_scratch *s)
{
    if (!s)
        return;
    kz_arena_free(s->arena);
    kz_free(s->hits);
    kz_free(s);
}

size_t kz_match_scratch_errors(const kz_match_scratch *s)
{
    return s ? s->errors : 0;
}

static kz_err push_hit(kz_match_scratch *s, uint32_t ind)
{
    if (s->n_hits == s->cap_hits) {
        size_t nc = s->cap_hits ? s->cap_hits * 2 : 64;
        uint32_t *nh = kz_realloc(s->hits, nc * sizeof *nh);
        if (!nh)
            return KZ_ENOMEM;
        s->hits = nh;
        s->cap_hits = nc;
    }
    s->hits[s->n_hits++] = ind;
    return KZ_OK;
}

static kz_err push_key(kz_match_scratch *s, uint32_t k)
{
    const kz_match_set *m = s->m;
    for (uint32_t p = m->post_start[k]; p < m->post_start[k + 1]; p++) {
        kz_err rc = push_hit(s, m->post[p]);
        if (rc)
            return rc;
    }
    return KZ_OK;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Each indicator once: in order of discovery for the usual handful, by
 * index past that (a value shared by very many indicators). */
static void dedup_hits(kz_match_scratch *s)
{
    size_t n = s->n_hits, w = 0;
    if (n < 2)
        return;
    if (n > 64) {
        qsort(s->hits, n, sizeof *s->hits, cmp_u32);
        for (size_t i = 0; i < n; i++)
            if (i == 0 || s->hits[i] != s->hits[i - 1])
                s->hits[w++] = s->hits[i];
    } else {
        for (size_t i = 0; i < n; i++) {
            size_t j = 0;
            while (j < w && s->hits[j] != s->hits[i])
                j++;
            if (j == w)
                s->hits[w++] = s->hits[i];
        }
    }
    s->n_hits = w;
}

/* One typed field of a record on its way through the lookup: its
 * normalised text (for IP kinds NULL until a hit or the pattern engine
 * needs it: formatting every address back to text cost more than looking
 * it up), the parsed address, and the hash of the text for the string
 * maps. */
typedef struct fstate {
    const char *v;
    size_t len;
    uint64_t hash;
    kz_ipaddr ip;  /* (not filled while is4 and nothing needs it: see ip_of) */
    uint32_t ip4;  /* is4: the address as the reader parsed it */
    bool is4;      /* an IPv4 address parsed by the reader: looked up as ip4 */
    bool ok;       /* a value of its kind: looked up */
    bool maybe;    /* string kinds: the keys' filter lets hash through (see lookup) */
    bool borrowed; /* v points into the caller's bytes, not NUL-terminated */
} fstate;

/* Normalises one field into *f: KZ_EPARSE when it is not a value. A value
 * that is canonical already (mc_is_canonical, or the caller says so) is not
 * copied: f->borrowed is set and f->v points into the caller's bytes (lookup
 * copies it only for a hit). IP kinds are parsed to binary only (a plain
 * dotted quad by mc_ip4_parse, the rest by kz_ip_parse); their text is
 * made by ip_text when needed. */
static kz_err norm_field(kz_match_scratch *s, kz_match_kind kind, const char *v, size_t len,
                         bool normalized, fstate *f)
{
    f->borrowed = false;
    f->is4 = false;
    f->v = NULL;
    f->len = 0;
    if ((unsigned)kind >= KZ_MATCH_OTHER)
        return KZ_EINVAL;
    if (mc_kind_is_ip(kind)) {
        if (kind == KZ_MATCH_IPV4 && mc_ip4_parse(v, len, &f->ip))
            return KZ_OK;
        kz_err rc = kz_ip_parse(v, len, &f->ip, NULL);
        if (rc)
            return KZ_EPARSE;
        if (f->ip.prefix != (f->ip.family == 4 ? 32 : 128))
            return KZ_EPARSE; /* a block in a log line is not an address that was seen */
        return KZ_OK;
    }
    if (normalized || mc_is_canonical(kind, v, len)) {
        f->v = v;
        f->len = len;
        f->borrowed = true;
        return KZ_OK;
    }
    return mc_normalize(s->arena, kind, v, len, &f->v, &f->len);
}

/* f->ip filled from f->ip4 for a field the reader parsed (only hits and
 * the pattern engine need it: building it for every address cost more
 * than the lookup's use of it). */
static void ip_of(fstate *f)
{
    if (f->is4) {
        mc_ip4_addr(f->ip4, &f->ip);
        f->is4 = false;
    }
}

/* The canonical text of an IP field (once; in the scratch arena). */
static kz_err ip_text(kz_match_scratch *s, fstate *f)
{
    ip_of(f);
    if (f->v)
        return KZ_OK;
    char *t = kz_arena_alloc(s->arena, KZ_IP_TEXT_MAX);
    if (!t)
        return KZ_ENOMEM;
    f->len = kz_ip_format(&f->ip, t, KZ_IP_TEXT_MAX);
    f->v = t;
    return KZ_OK;
}

/* Hashes a string field and starts loading its filter word (or its slot
 * when the set has no filter), or starts loading an address's: called for
 * every field of a record before the first lookup. f->maybe is true here;
 * filter_fields narrows it once the words have had time to arrive. */
static void prefetch_field(const kz_match_set *m, kz_match_kind kind, fstate *f)
{
    if (f->is4) {
        kz_ipset_prefetch4(m->c.ips, f->ip4);
    } else if (mc_kind_is_ip(kind)) {
        kz_ipset_prefetch(m->c.ips, &f->ip);
    } else {
        f->hash = kz_strmap_hash(f->v, f->len);
        f->maybe = true;
        if (m->sf)
            __builtin_prefetch(mc_sf_word(m, kind, f->hash));
        else
            kz_strmap_prefetch(m->c.maps[kind], f->hash);
    }
}

/* Pass 1b: the filter test of each string field of fs[0..upto), whose
 * words prefetch_field asked for, and for the few it lets through (keys
 * and false positives) the map slot's load started - before, such a slot
 * was loaded cold in the lookup, one miss after the other; a field the
 * filter rejects needs no slot at all and its lookup is skipped. */
static void filter_fields(const kz_match_set *m, const kz_match_record *r, fstate *fs,
                          size_t upto)
{
    if (!m->sf)
        return; /* no filter: prefetch_field started the slots' loads */
    for (size_t i = 0; i < upto; i++) {
        kz_match_kind kind = r->fields[i].kind;
        if (!fs[i].ok || mc_kind_is_ip(kind))
            continue;
        fs[i].maybe = mc_sf_maybe(m, kind, fs[i].hash);
        if (fs[i].maybe)
            kz_strmap_prefetch(m->c.maps[kind], fs[i].hash);
    }
}

/* Looks one normalised value up (f->hash and f->maybe set by prefetch_field
 * / filter_fields for string kinds: f->maybe false means the filter holds no
 * key with that hash) and reports its indicators; *stop when the callback
 * asked to. */
static kz_err lookup(kz_match_scratch *s, size_t field, kz_match_kind kind, fstate *f,
                     kz_match_hit_fn fn, void *ctx, bool *stop)
{
    const kz_match_set *m = s->m;
    kz_err rc = KZ_OK;
    s->n_hits = 0;
    if (mc_kind_is_ip(kind)) {
        uint32_t buf[IPV_MAX], *vals = buf;
        size_t n = f->is4 ? kz_ipset_lookup4(m->c.ips, f->ip4, buf, IPV_MAX)
                          : kz_ipset_lookup(m->c.ips, &f->ip, buf, IPV_MAX);
        if (n > IPV_MAX) {
            vals = kz_arena_calloc(s->arena, n, sizeof *vals);
            if (!vals)
                return KZ_ENOMEM;
            n = f->is4 ? kz_ipset_lookup4(m->c.ips, f->ip4, vals, n)
                       : kz_ipset_lookup(m->c.ips, &f->ip, vals, n);
        }
        for (size_t i = 0; !rc && i < n; i++)
            rc = push_key(s, vals[i]);
    } else {
        const kz_strmap *map = m->c.maps[kind];
        const char *v = f->v;
        size_t len = f->len;
        uint32_t k;
        if (f->maybe && kz_strmap_get_hashed(map, f->hash, v, len, &k))
            rc = push_key(s, k);
        /* Parents: a.b.evil.com -> b.evil.com -> evil.com -> com, each
         * hashed once and probed only when the filter lets it through (a
         * probe per label went to a cold slot of the domain map). */
        for (size_t i = 0; !rc && m->c.subdomains && kind == KZ_MATCH_DOMAIN && i < len; i++) {
            if (v[i] != '.' || i + 1 >= len)
                continue;
            uint64_t h = kz_strmap_hash(v + i + 1, len - i - 1);
            if (mc_sf_maybe(m, kind, h) && kz_strmap_get_hashed(map, h, v + i + 1, len - i - 1, &k))
                rc = push_key(s, k);
        }
    }
    if (rc)
        return rc;
    dedup_hits(s);
    if (!s->n_hits)
        return KZ_OK;
    if (mc_kind_is_ip(kind)) {
        rc = ip_text(s, f);
        if (rc)
            return rc;
    } else if (f->borrowed) {
        f->v = kz_arena_strndup(s->arena, f->v, f->len); /* hits promise a NUL-terminated value */
        if (!f->v)
            return KZ_ENOMEM;
        f->borrowed = false;
    }
    for (size_t i = 0; i < s->n_hits; i++) {
        kz_match_hit h = {.indicator = s->hits[i], .field = field, .kind = kind, .value = f->v,
                          .value_len = f->len};
        if (fn(ctx, &h)) {
            *stop = true;
            break;
        }
    }
    return KZ_OK;
}

kz_err kz_match_value(const kz_match_set *m, kz_match_scratch *s, kz_match_kind kind,
                      const char *value, size_t len, bool normalized, kz_match_hit_fn fn,
                      void *ctx)
{
    if (!m || !s || s->m != m || !fn || (!value && len))
        return KZ_EINVAL;
    kz_arena_reset(s->arena);
    fstate f;
    kz_err rc = norm_field(s, kind, value ? value : "", len, normalized, &f);
    if (rc == KZ_EPARSE)
        return KZ_OK;
    if (rc)
        return rc;
    if (!mc_kind_is_ip(kind)) {
        f.hash = kz_strmap_hash(f.v, f.len);
        f.maybe = mc_sf_maybe(m, kind, f.hash);
    }
    bool stop = false;
    return lookup(s, 0, kind, &f, fn, ctx, &stop);
}

kz_err kz_match_normalize(kz_match_scratch *s, kz_match_kind kind, const char *value, size_t len,
                          const char **out, size_t *out_len)
{
    if (!s || !value || !out)
        return KZ_EINVAL;
    kz_arena_reset(s->arena);
    size_t n = 0;
    if (mc_kind_is_ip(kind)) {
        fstate f;
        kz_err rc = norm_field(s, kind, value, len, false, &f);
        if (!rc)
            rc = ip_text(s, &f);
        *out = rc ? NULL : f.v;
        if (out_len)
            *out_len = rc ? 0 : f.len;
        return rc;
    }
    if ((unsigned)kind >= KZ_MATCH_OTHER)
        return KZ_EINVAL;
    /* The full normaliser, never the canonical-shape shortcut: this is
     * what the tests compare the shortcut against. */
    kz_err rc = mc_normalize(s->arena, kind, value, len, out, &n);
    if (out_len)
        *out_len = n;
    return rc;
}

/* ---- complex indicators: the record as one observed-data object ---- */

typedef struct obs_build {
    kz_arena *a;
    kz_json *objects; /* the "objects" map */
    kz_json *file;    /* the one file object hashes go to */
    unsigned next;    /* key of the next object */
} obs_build;

static kz_json *new_sco(obs_build *ob, const char *type)
{
    kz_json *o = kz_json_new_object(ob->a);
    kz_json *t = kz_json_new_string(ob->a, type);
    char key[16];
    snprintf(key, sizeof key, "%u", ob->next++);
    if (!o || !t || kz_json_object_set(ob->a, o, "type", t) ||
        kz_json_object_set(ob->a, ob->objects, key, o))
        return NULL;
    return o;
}

/* The first object of type `type` (OTHER fields join the typed field's
 * object: email-addr:display_name next to email-addr:value, file:name next
 * to the hashes), or a new one. */
static kz_json *sco_of_type(obs_build *ob, const char *type)
{
    for (size_t i = 0; i < ob->objects->u.obj.n; i++) {
        kz_json *o = ob->objects->u.obj.members[i].value;
        const char *t = kz_json_get_string(o, "type");
        if (t && strcmp(t, type) == 0)
            return o;
    }
    return new_sco(ob, type);
}

static kz_json *field_value(obs_build *ob, const kz_match_field *f, const char *v, size_t len)
{
    if (f->kind == KZ_MATCH_OTHER && f->numeric) {
        kz_json *num = NULL;
        if (kz_json_parse(ob->a, v, len, NULL, &num, NULL) == KZ_OK && num->type == KZ_JSON_NUMBER)
            return num;
    }
    return kz_json_new_stringn(ob->a, v, len);
}

/* Sets a dotted property path ("extensions.x.y") under o, making the
 * intermediate objects. */
static kz_err set_path(obs_build *ob, kz_json *o, const char *path, kz_json *val)
{
    for (;;) {
        const char *dot = strchr(path, '.');
        if (!dot)
            return kz_json_object_set(ob->a, o, path, val);
        char *key = kz_arena_strndup(ob->a, path, (size_t)(dot - path));
        if (!key)
            return KZ_ENOMEM;
        kz_json *sub = (kz_json *)kz_json_get(o, key);
        if (!sub || sub->type != KZ_JSON_OBJECT) {
            sub = kz_json_new_object(ob->a);
            if (!sub || kz_json_object_set(ob->a, o, key, sub))
                return KZ_ENOMEM;
        }
        o = sub;
        path = dot + 1;
    }
}

static kz_err add_field(obs_build *ob, const kz_match_field *f, const char *v, size_t len,
                        const kz_ipaddr *ip)
{
    const mc_kind_info *ki = mc_kind_info_get(f->kind);
    kz_json *val = field_value(ob, f, v, len);
    if (!val)
        return KZ_ENOMEM;
    if (f->kind == KZ_MATCH_OTHER) {
        if (!f->sco_type || !f->property || !*f->sco_type || !*f->property)
            return KZ_OK;
        kz_json *o = sco_of_type(ob, f->sco_type);
        return o ? set_path(ob, o, f->property, val) : KZ_ENOMEM;
    }
    if (ki->is_hash) {
        if (!ob->file) {
            ob->file = new_sco(ob, "file");
            if (!ob->file)
                return KZ_ENOMEM;
        }
        kz_json *hashes = (kz_json *)kz_json_get(ob->file, "hashes");
        if (!hashes) {
            hashes = kz_json_new_object(ob->a);
            if (!hashes || kz_json_object_set(ob->a, ob->file, "hashes", hashes))
                return KZ_ENOMEM;
        }
        return kz_json_object_set(ob->a, hashes, ki->property, val);
    }
    const char *type = ki->sco_type;
    if (mc_kind_is_ip(f->kind) && ip)
        type = ip->family == 6 ? "ipv6-addr" : "ipv4-addr";
    kz_json *o = new_sco(ob, type);
    return o ? kz_json_object_set(ob->a, o, "value", val) : KZ_ENOMEM;
}

typedef struct cx_ctx {
    kz_match_scratch *s;
    kz_err rc;
} cx_ctx;

static int on_complex(void *user, size_t pattern_id, size_t obs_index)
{
    (void)obs_index;
    cx_ctx *c = user;
    c->rc = push_hit(c->s, (uint32_t)pattern_id);
    return c->rc != KZ_OK;
}

/* Builds the observation, evaluates the complex patterns under the set's
 * lock (the engine's set keeps per-call scratch) and reports after it. */
static kz_err run_complex(const kz_match_set *m, kz_match_scratch *s, const kz_match_record *r,
                          fstate *fs, kz_match_hit_fn fn, void *ctx)
{
    obs_build ob = {.a = s->arena};
    kz_time t = r->has_time ? r->time : kz_time_now();
    char ts[KZ_TIME_MAX];
    size_t tl = kz_time_format_digits(&t, 3, ts);
    kz_json *sdo = kz_json_new_object(s->arena);
    ob.objects = kz_json_new_object(s->arena);
    kz_json *type = kz_json_new_string(s->arena, "observed-data");
    kz_json *id = kz_json_new_string(s->arena, OBS_ID);
    kz_json *tj = kz_json_new_stringn(s->arena, ts, tl);
    kz_json *one = kz_json_new_int(s->arena, 1);
    if (!sdo || !ob.objects || !type || !id || !tj || !one)
        return KZ_ENOMEM;
    kz_err rc = kz_json_object_set(s->arena, sdo, "type", type);
    if (!rc)
        rc = kz_json_object_set(s->arena, sdo, "id", id);
    if (!rc)
        rc = kz_json_object_set(s->arena, sdo, "first_observed", tj);
    if (!rc)
        rc = kz_json_object_set(s->arena, sdo, "last_observed", tj);
    if (!rc)
        rc = kz_json_object_set(s->arena, sdo, "number_observed", one);
    if (!rc)
        rc = kz_json_object_set(s->arena, sdo, "objects", ob.objects);
    /* Typed fields first, so that OTHER fields find the objects they
     * belong to whatever the order the reader gave them in. */
    for (size_t j = 0; !rc && j < 2 * r->n_fields; j++) {
        size_t i = j % r->n_fields;
        const kz_match_field *f = &r->fields[i];
        if ((j < r->n_fields) != (f->kind != KZ_MATCH_OTHER))
            continue;
        /* A typed value that does not normalise ("-" in a Zeek column) was
         * not observed: the engine must not compare it either. */
        if (f->kind == KZ_MATCH_OTHER && f->value) {
            rc = add_field(&ob, f, f->value, f->len, NULL);
        } else if (f->kind != KZ_MATCH_OTHER && fs[i].ok) {
            bool ip = mc_kind_is_ip(f->kind);
            rc = ip ? ip_text(s, &fs[i]) : KZ_OK;
            if (!rc)
                rc = add_field(&ob, f, fs[i].v, fs[i].len, ip ? &fs[i].ip : NULL);
        }
    }
    if (rc)
        return rc;
    if (ob.next == 0)
        return KZ_OK; /* nothing observed */
    kz_pattern_obs *o = kz_pattern_obs_new();
    if (!o)
        return KZ_ENOMEM;
    kz_pattern_error perr;
    rc = kz_pattern_obs_add(o, sdo);
    if (!rc)
        rc = kz_pattern_obs_finish(o, &perr);
    s->n_hits = 0;
    cx_ctx cc = {.s = s};
    if (!rc) {
        pthread_mutex_lock((pthread_mutex_t *)&m->lock);
        rc = kz_pattern_set_match(m->c.complex, o, on_complex, &cc, &perr);
        pthread_mutex_unlock((pthread_mutex_t *)&m->lock);
    }
    kz_pattern_obs_free(o);
    if (!rc)
        rc = cc.rc;
    if (rc == KZ_ENOMEM)
        return rc;
    if (rc) {
        s->errors++;
        return KZ_OK;
    }
    dedup_hits(s);
    for (size_t i = 0; i < s->n_hits; i++) {
        kz_match_hit h = {.indicator = s->hits[i], .field = KZ_MATCH_FIELD_RECORD,
                          .kind = KZ_MATCH_OTHER, .value = "", .complex = true};
        if (fn(ctx, &h))
            break;
    }
    return KZ_OK;
}

/* Pass 1 of a record: normalises each typed field into fs[i] and starts
 * loading its slot. A field that is invalid (or out of memory normalising
 * it) ends the pass: *upto is its index and *first_rc the error (the fields
 * before it are still looked up and reported, and the error comes after
 * them, as when each field was normalised just before its lookup). */
static void prep_record(const kz_match_set *m, kz_match_scratch *s, const kz_match_record *r,
                        fstate *fs, size_t *upto, kz_err *first_rc)
{
    size_t n = r->n_fields;
    *upto = n;
    *first_rc = KZ_OK;
    for (size_t i = 0; i < n; i++) {
        const kz_match_field *f = &r->fields[i];
        fs[i].ok = false; /* (fs is not cleared: see kz_match_record_run) */
        if ((unsigned)f->kind >= KZ_MATCH_KIND_COUNT || (!f->value && f->len)) {
            *upto = i;
            *first_rc = KZ_EINVAL;
            return;
        }
        if (f->kind == KZ_MATCH_OTHER || !f->value)
            continue;
        kz_err rc = KZ_OK;
        if (f->kind == KZ_MATCH_IPV4 && f->has_ip4) { /* parsed by the reader */
            fs[i].v = NULL;
            fs[i].len = 0;
            fs[i].borrowed = false;
            fs[i].ip4 = f->ip4;
            fs[i].is4 = true;
        } else {
            rc = norm_field(s, f->kind, f->value, f->len, f->normalized, &fs[i]);
        }
        if (rc == KZ_EPARSE)
            continue;
        if (rc) {
            *upto = i;
            *first_rc = rc;
            return;
        }
        fs[i].ok = true;
        prefetch_field(m, f->kind, &fs[i]);
    }
}

/* Pass 2 of a record: the lookups in field order, then the complex
 * patterns. *stop when the callback asked to stop. */
static kz_err finish_record(const kz_match_set *m, kz_match_scratch *s, const kz_match_record *r,
                            fstate *fs, size_t upto, kz_err first_rc, kz_match_hit_fn fn,
                            void *ctx, bool *stop)
{
    for (size_t i = 0; i < upto && !*stop; i++) {
        kz_match_kind kind = r->fields[i].kind;
        if (!fs[i].ok)
            continue;
        /* nearly every string value: no key has its hash, no call */
        if (!mc_kind_is_ip(kind) && !fs[i].maybe && !(m->c.subdomains && kind == KZ_MATCH_DOMAIN))
            continue;
        kz_err rc = lookup(s, i, kind, &fs[i], fn, ctx, stop);
        if (rc)
            return rc;
    }
    if (first_rc && !*stop)
        return first_rc;
    if (*stop || !m->c.complex || !m->c.st.complex)
        return KZ_OK;
    return run_complex(m, s, r, fs, fn, ctx);
}

kz_err kz_match_record_run(const kz_match_set *m, kz_match_scratch *s, const kz_match_record *r,
                           kz_match_hit_fn fn, void *ctx)
{
    if (!m || !s || s->m != m || !r || !fn || (!r->fields && r->n_fields))
        return KZ_EINVAL;
    kz_arena_reset(s->arena);
    size_t n = r->n_fields;
    /* the usual record's field states on the stack, not in the arena */
    fstate local[FS_LOCAL];
    fstate *fs = local;
    if (n > FS_LOCAL) {
        fs = kz_arena_calloc(s->arena, n, sizeof *fs);
        if (!fs)
            return KZ_ENOMEM;
    }
    /* Not cleared (a rep stos per record, 2 % of a syslog scan at 1M):
     * prep_record sets each field's ok first, and every member a later
     * pass reads for an ok field is set by norm_field / prep_record /
     * prefetch_field before it. */
    /* Passes: normalise every field and start loading its filter word (or
     * slot), test the filters and start loading the slots they let through,
     * then look the fields up in order. At a million keys the slots are
     * cache misses; issued together, a record's misses overlap (perf: the
     * slot probe was a quarter of a Zeek scan). Hits come out in field
     * order as before. */
    size_t upto;
    kz_err first_rc;
    prep_record(m, s, r, fs, &upto, &first_rc);
    filter_fields(m, r, fs, upto);
    bool stop = false;
    return finish_record(m, s, r, fs, upto, first_rc, fn, ctx, &stop);
}
