/* stix_report.c - the STIX 2.1 bundle of an extracted report: distinct
 * IOCs in order of first appearance, warninglist lookups once per IOC,
 * observables with deterministic ids, one indicator per actionable IOC,
 * vulnerabilities, attack-patterns (written as ids or found by the
 * technique classifier in the report's sentences), TLP 2.0 marking and
 * author identity. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kizuna/alloc.h"
#include "kizuna/classify.h"
#include "kizuna/extract_report.h"
#include "kizuna/strmap.h"
#include "kizuna/timestamp.h"
#include "kizuna/uuid.h"
#include "report_int.h"

#define REPORT_MAX_IOCS 1000000u
#define NOTE_MAX_LISTED 50 /* warninglisted IOCs named in the description */

typedef struct ioc {
    kz_ioc_type type;
    const char *value; /* in the report's arena */
    size_t len;
    const kz_warninglist_info **lists; /* in the arena; n_lists entries */
    size_t n_lists;
} ioc;

struct kz_extract_report {
    kz_extract_report_opts o;
    kz_arena *arena; /* IOC values and their list arrays */
    kz_strmap *seen; /* "type:value" -> index into iocs */
    ioc *iocs;
    size_t n, cap;
    kz_extract_technique *tech; /* added by the classifier, in order */
    size_t ntech;
    char now[KZ_TIME_MAX];
};

kz_err kz_extract_report_new(const kz_extract_report_opts *o, kz_extract_report **out)
{
    *out = NULL;
    if (!o || !o->name || !*o->name)
        return KZ_EINVAL;
    kz_time t;
    if (o->now) {
        if (kz_time_parse(o->now, strlen(o->now), KZ_TIME_STRICT, &t))
            return KZ_EINVAL;
    } else {
        t = kz_time_now();
    }
    kz_extract_report *r = kz_calloc(1, sizeof *r);
    if (!r)
        return KZ_ENOMEM;
    r->o = *o;
    r->arena = kz_arena_new(0);
    r->seen = kz_strmap_new(o->expected_iocs);
    if (!r->arena || !r->seen) {
        kz_extract_report_free(r);
        return KZ_ENOMEM;
    }
    /* STIX timestamps in milliseconds, the common precision */
    kz_time_format_digits(&t, 3, r->now);
    *out = r;
    return KZ_OK;
}

void kz_extract_report_free(kz_extract_report *r)
{
    if (!r)
        return;
    kz_arena_free(r->arena);
    kz_strmap_free(r->seen);
    kz_free(r->iocs);
    kz_free(r->tech);
    kz_free(r);
}

typedef struct listcollect {
    kz_arena *a;
    const kz_warninglist_info **l;
    size_t n, cap;
    bool oom;
} listcollect;

static int collect_list(void *ctx, const kz_warninglist_info *l)
{
    listcollect *c = ctx;
    if (c->n == c->cap) {
        size_t nc = c->cap ? c->cap * 2 : 4;
        const kz_warninglist_info **p = kz_arena_alloc(c->a, nc * sizeof *p);
        if (!p) {
            c->oom = true;
            return 1;
        }
        if (c->n)
            memcpy(p, c->l, c->n * sizeof *p);
        c->l = p;
        c->cap = nc;
    }
    c->l[c->n++] = l;
    return 0;
}

kz_err kz_extract_report_add(kz_extract_report *r, const kz_ioc_hit *h,
                             const kz_warninglist_info *const **lists, size_t *n_lists)
{
    if (lists)
        *lists = NULL;
    if (n_lists)
        *n_lists = 0;
    if (!r || !h || !h->value || (unsigned)h->type >= KZ_IOC__COUNT)
        return KZ_EINVAL;
    /* key: one type byte and the value */
    if (h->value_len > KZ_STRMAP_KEY_MAX - 1)
        return KZ_ETOOBIG;
    char stackkey[512];
    char *key = h->value_len + 1 <= sizeof stackkey ? stackkey : kz_malloc(h->value_len + 1);
    if (!key)
        return KZ_ENOMEM;
    key[0] = (char)('A' + h->type);
    memcpy(key + 1, h->value, h->value_len);
    uint32_t idx;
    kz_err rc = KZ_OK;
    if (kz_strmap_get(r->seen, key, h->value_len + 1, &idx))
        goto found;
    if (r->n >= REPORT_MAX_IOCS) {
        rc = KZ_ETOOBIG;
        goto done;
    }
    if (r->n == r->cap) {
        size_t nc = r->cap ? r->cap * 2 : 64;
        ioc *p = kz_realloc(r->iocs, nc * sizeof *p);
        if (!p) {
            rc = KZ_ENOMEM;
            goto done;
        }
        r->iocs = p;
        r->cap = nc;
    }
    ioc *x = &r->iocs[r->n];
    memset(x, 0, sizeof *x);
    x->type = h->type;
    x->len = h->value_len;
    x->value = kz_arena_strndup(r->arena, h->value, h->value_len);
    if (!x->value) {
        rc = KZ_ENOMEM;
        goto done;
    }
    if (r->o.wl && h->value_len <= KZ_WL_MAX_ENTRY) {
        listcollect c = {.a = r->arena};
        rc = kz_warninglist_check(r->o.wl, h->type, h->value, h->value_len, collect_list, &c,
                                  NULL);
        if (!rc && c.oom)
            rc = KZ_ENOMEM;
        if (rc)
            goto done;
        x->lists = c.l;
        x->n_lists = c.n;
    }
    rc = kz_strmap_put(r->seen, key, h->value_len + 1, (uint32_t)r->n, NULL);
    if (rc)
        goto done;
    idx = (uint32_t)r->n++;
found:
    if (lists)
        *lists = r->iocs[idx].lists;
    if (n_lists)
        *n_lists = r->iocs[idx].n_lists;
done:
    if (key != stackkey)
        kz_free(key);
    return rc;
}

size_t kz_extract_report_count(const kz_extract_report *r)
{
    return r ? r->n : 0;
}

/* ---- building objects ---- */

static const char *const sco_types[KZ_IOC__COUNT] = {
    [KZ_IOC_IPV4] = "ipv4-addr",   [KZ_IOC_IPV6] = "ipv6-addr",  [KZ_IOC_DOMAIN] = "domain-name",
    [KZ_IOC_URL] = "url",          [KZ_IOC_EMAIL] = "email-addr", [KZ_IOC_MD5] = "file",
    [KZ_IOC_SHA1] = "file",        [KZ_IOC_SHA256] = "file",      [KZ_IOC_SHA512] = "file",
};
/* hash algorithm names of the STIX hash-algorithm-ov vocabulary, and how a
 * pattern writes the path to them */
static const char *const hash_names[KZ_IOC__COUNT] = {
    [KZ_IOC_MD5] = "MD5", [KZ_IOC_SHA1] = "SHA-1", [KZ_IOC_SHA256] = "SHA-256",
    [KZ_IOC_SHA512] = "SHA-512"};
static const char *const pattern_paths[KZ_IOC__COUNT] = {
    [KZ_IOC_IPV4] = "ipv4-addr:value",     [KZ_IOC_IPV6] = "ipv6-addr:value",
    [KZ_IOC_DOMAIN] = "domain-name:value", [KZ_IOC_URL] = "url:value",
    [KZ_IOC_EMAIL] = "email-addr:value",   [KZ_IOC_MD5] = "file:hashes.MD5",
    [KZ_IOC_SHA1] = "file:hashes.'SHA-1'", [KZ_IOC_SHA256] = "file:hashes.'SHA-256'",
    [KZ_IOC_SHA512] = "file:hashes.'SHA-512'"};

const char *kz_extract_pattern(kz_arena *a, kz_ioc_type t, const char *value, size_t len)
{
    if ((unsigned)t >= KZ_IOC__COUNT || !pattern_paths[t])
        return NULL;
    kz_buf b;
    kz_buf_init(&b, 0);
    kz_err rc = kz_buf_printf(&b, "[%s = '", pattern_paths[t]);
    for (size_t i = 0; !rc && i < len; i++) {
        /* STIX pattern strings escape only the quote and the backslash */
        if (value[i] == '\'' || value[i] == '\\')
            rc = kz_buf_append_char(&b, '\\');
        if (!rc)
            rc = kz_buf_append_char(&b, value[i]);
    }
    if (!rc)
        rc = kz_buf_append_str(&b, "']");
    const char *out = rc ? NULL : kz_arena_strndup(a, b.data, b.len);
    kz_buf_release(&b);
    return out;
}

/* A tiny builder state: the first error sticks, later calls do nothing. */
typedef struct bld {
    kz_arena *a;
    kz_err rc;
} bld;

static void set_str(bld *b, kz_json *o, const char *k, const char *v)
{
    if (b->rc)
        return;
    kz_json *s = kz_json_new_string(b->a, v);
    b->rc = s ? kz_json_object_set(b->a, o, k, s) : KZ_ENOMEM;
}

static void set_val(bld *b, kz_json *o, const char *k, kz_json *v)
{
    if (b->rc)
        return;
    b->rc = v ? kz_json_object_set(b->a, o, k, v) : KZ_ENOMEM;
}

static void push(bld *b, kz_json *arr, kz_json *v)
{
    if (b->rc)
        return;
    b->rc = v ? kz_json_array_push(b->a, arr, v) : KZ_ENOMEM;
}

static kz_json *str_array(bld *b, const char *s)
{
    kz_json *arr = kz_json_new_array(b->a);
    if (!arr) {
        b->rc = KZ_ENOMEM;
        return NULL;
    }
    push(b, arr, kz_json_new_string(b->a, s));
    return arr;
}

/* "type--uuid4" in the arena. */
static const char *new_id(bld *b, const char *type)
{
    kz_uuid u;
    char us[KZ_UUID_STR];
    if (b->rc)
        return NULL;
    b->rc = kz_uuid_v4(&u);
    if (b->rc)
        return NULL;
    kz_uuid_format(&u, us);
    const char *id = kz_arena_printf(b->a, "%s--%s", type, us);
    if (!id)
        b->rc = KZ_ENOMEM;
    return id;
}

/* The common properties of an SDO we author. */
static kz_json *new_sdo(bld *b, const kz_extract_report *r, const char *type, const char *id,
                        const char *identity_id, kz_json *markings)
{
    kz_json *o = kz_json_new_object(b->a);
    if (!o) {
        b->rc = KZ_ENOMEM;
        return NULL;
    }
    set_str(b, o, "type", type);
    set_str(b, o, "spec_version", "2.1");
    set_str(b, o, "id", id);
    set_str(b, o, "created", r->now);
    set_str(b, o, "modified", r->now);
    if (identity_id)
        set_str(b, o, "created_by_ref", identity_id);
    if (markings)
        set_val(b, o, "object_marking_refs", markings);
    return o;
}

/* The SCO of an IOC with its deterministic id (STIX 2.1 section 2.9:
 * UUIDv5 over the canonical JSON of the id-contributing properties). */
static kz_json *new_sco(bld *b, const ioc *x, kz_json *markings)
{
    kz_json *o = kz_json_new_object(b->a);
    if (!o) {
        b->rc = KZ_ENOMEM;
        return NULL;
    }
    set_str(b, o, "type", sco_types[x->type]);
    set_str(b, o, "spec_version", "2.1");
    if (hash_names[x->type]) {
        kz_json *h = kz_json_new_object(b->a);
        set_val(b, o, "hashes", h);
        if (h)
            set_val(b, h, hash_names[x->type], kz_json_new_stringn(b->a, x->value, x->len));
    } else {
        set_val(b, o, "value", kz_json_new_stringn(b->a, x->value, x->len));
    }
    if (b->rc)
        return NULL;
    char id[128];
    b->rc = kz_stix_sco_id(o, id, sizeof id);
    if (b->rc)
        return NULL;
    /* the id first, as people read it */
    kz_json *full = kz_json_new_object(b->a);
    if (!full) {
        b->rc = KZ_ENOMEM;
        return NULL;
    }
    set_str(b, full, "type", sco_types[x->type]);
    set_str(b, full, "spec_version", "2.1");
    set_str(b, full, "id", id);
    for (size_t i = 2; i < o->u.obj.n; i++)
        set_val(b, full, o->u.obj.members[i].key, o->u.obj.members[i].value);
    if (markings)
        set_val(b, full, "object_marking_refs", markings);
    return full;
}

/* "https://attack.mitre.org/techniques/T1059/001/" */
static const char *attack_url(bld *b, const char *tid)
{
    const char *dot = strchr(tid, '.');
    const char *u = dot ? kz_arena_printf(b->a, "https://attack.mitre.org/techniques/%.*s/%s/",
                                          (int)(dot - tid), tid, dot + 1)
                        : kz_arena_printf(b->a, "https://attack.mitre.org/techniques/%s/", tid);
    if (!u)
        b->rc = KZ_ENOMEM;
    return u;
}

static kz_json *ext_ref(bld *b, const char *source, const char *ext_id, const char *url)
{
    kz_json *e = kz_json_new_object(b->a);
    if (!e) {
        b->rc = KZ_ENOMEM;
        return NULL;
    }
    set_str(b, e, "source_name", source);
    set_str(b, e, "external_id", ext_id);
    if (url)
        set_str(b, e, "url", url);
    return e;
}

/* The description: what the report holds, and which IOCs were kept as
 * observables only because a warninglist holds them. */
static const char *describe(bld *b, const kz_extract_report *r,
                            const kz_extract_report_stats *st)
{
    kz_buf d;
    kz_buf_init(&d, 1u << 20);
    kz_err rc = kz_buf_printf(&d,
                              "Extracted by kizuna: %zu indicators, %zu observables, "
                              "%zu vulnerabilities, %zu ATT&CK techniques.",
                              st->indicators, st->observables, st->vulnerabilities,
                              st->attack_patterns);
    if (!rc && st->warninglisted)
        rc = kz_buf_printf(&d,
                           " %zu observables are on warninglists and have no indicator:",
                           st->warninglisted);
    size_t named = 0;
    for (size_t i = 0; !rc && i < r->n; i++) {
        const ioc *x = &r->iocs[i];
        if (!x->n_lists || !sco_types[x->type])
            continue;
        if (named++ == NOTE_MAX_LISTED) {
            rc = kz_buf_append_str(&d, " ...");
            break;
        }
        rc = kz_buf_printf(&d, "%s %.*s (", named > 1 ? ";" : "", (int)x->len, x->value);
        for (size_t k = 0; !rc && k < x->n_lists; k++)
            rc = kz_buf_printf(&d, "%s%s", k ? ", " : "", x->lists[k]->id);
        if (!rc)
            rc = kz_buf_append_char(&d, ')');
    }
    if (!rc && st->warninglisted)
        rc = kz_buf_append_char(&d, '.');
    const char *s = rc ? NULL : kz_arena_strndup(b->a, d.data, d.len);
    kz_buf_release(&d);
    if (!s && !b->rc)
        b->rc = rc ? rc : KZ_ENOMEM;
    return s;
}

/* The classifier's evidence for the report (a custom property, since the
 * attack-pattern objects are shared by every report that refers to them):
 * [{"attack_id": "T1059.003", "sentence": "...", "probability": 0.9312}]. */
static kz_json *evidence(bld *b, const kz_extract_report *r)
{
    kz_json *arr = kz_json_new_array(b->a);
    if (!arr) {
        b->rc = KZ_ENOMEM;
        return NULL;
    }
    for (size_t i = 0; i < r->ntech && !b->rc; i++) {
        const kz_extract_technique *t = &r->tech[i];
        kz_json *e = kz_json_new_object(b->a);
        set_str(b, e, "attack_id", t->attack_id);
        set_str(b, e, "sentence", t->sentence);
        /* four decimals, as `kizuna classify` prints them, not %.17g */
        kz_json *p = kz_json_new_double(b->a, round(t->prob * 1e4) / 1e4);
        const char *txt = kz_arena_printf(b->a, "%.4f", t->prob);
        if (p && txt) {
            p->u.num.text = txt;
            p->u.num.len = strlen(txt);
        }
        set_val(b, e, "probability", txt ? p : NULL);
        push(b, arr, e);
    }
    return arr;
}

/* Receives each object of the bundle in order (identity, then per IOC its
 * SDO or SCO and indicator, the report last). */
typedef kz_err (*emit_fn)(void *ctx, kz_json *obj);

/* Hands obj over, then starts the next object afresh. */
static void emit_one(bld *b, const bld *bp, emit_fn emit, void *ctx, kz_json *obj,
                     kz_arena *scratch, kz_arena *p)
{
    if (!b->rc && !bp->rc)
        b->rc = emit(ctx, obj);
    if (scratch != p)
        kz_arena_reset(scratch);
}

/* Builds every object of the bundle and hands each to emit. Objects are
 * built in scratch, which is reset after each one unless it is p; what
 * outlives one object (markings, the author's id, the report's refs)
 * lives in p. Nothing is emitted for a report without IOCs. */
static kz_err walk(kz_extract_report *r, kz_arena *p, kz_arena *scratch, emit_fn emit, void *ctx,
                   kz_extract_report_stats *stp)
{
    bld b = {.a = scratch, .rc = KZ_OK}, bp = {.a = p, .rc = KZ_OK};
    kz_extract_report_stats st;
    memset(&st, 0, sizeof st);
    st.iocs = r->n;
    kz_json *refs = kz_json_new_array(p);
    if (!refs)
        return KZ_ENOMEM;
    kz_json *markings = NULL;
    const char *tlp_id = r->o.tlp == KZ_TLP_NONE ? NULL : kz_stix_tlp_id(r->o.tlp);
    if (tlp_id && r->n)
        markings = str_array(&bp, tlp_id);
    const char *identity_id = NULL;
    kz_err rc = bp.rc;
    if (!rc && r->n && r->o.author && *r->o.author) {
        identity_id = new_id(&bp, "identity");
        kz_json *idn = new_sdo(&b, r, "identity", identity_id, NULL, markings);
        set_str(&b, idn, "name", r->o.author);
        set_str(&b, idn, "identity_class", "organization");
        emit_one(&b, &bp, emit, ctx, idn, scratch, p);
    }
    for (size_t i = 0; i < r->n && !b.rc && !bp.rc; i++) {
        const ioc *x = &r->iocs[i];
        if (x->type == KZ_IOC_CVE || x->type == KZ_IOC_ATTACK) {
            bool cve = x->type == KZ_IOC_CVE;
            const char *id = new_id(&bp, cve ? "vulnerability" : "attack-pattern");
            kz_json *v = new_sdo(&b, r, cve ? "vulnerability" : "attack-pattern", id, identity_id,
                                 markings);
            const char *name = cve ? x->value : kz_attack_names_get(r->o.attack, x->value);
            set_str(&b, v, "name", name ? name : x->value);
            kz_json *er = kz_json_new_array(scratch);
            push(&b, er,
                 cve ? ext_ref(&b, "cve", x->value, NULL)
                     : ext_ref(&b, "mitre-attack", x->value, attack_url(&b, x->value)));
            set_val(&b, v, "external_references", er);
            push(&bp, refs, kz_json_new_string(p, id));
            emit_one(&b, &bp, emit, ctx, v, scratch, p);
            if (cve)
                st.vulnerabilities++;
            else
                st.attack_patterns++;
            continue;
        }
        kz_json *sco = new_sco(&b, x, markings);
        if (b.rc)
            break;
        push(&bp, refs, kz_json_new_string(p, kz_json_get_string(sco, "id")));
        emit_one(&b, &bp, emit, ctx, sco, scratch, p);
        st.observables++;
        if (x->n_lists) {
            st.warninglisted++;
            continue;
        }
        const char *id = new_id(&bp, "indicator");
        kz_json *ind = new_sdo(&b, r, "indicator", id, identity_id, markings);
        const char *nm = kz_arena_printf(scratch, "%s %.*s",
                                         hash_names[x->type] ? hash_names[x->type]
                                                             : sco_types[x->type],
                                         (int)x->len, x->value);
        if (!nm)
            b.rc = KZ_ENOMEM;
        set_str(&b, ind, "name", nm);
        set_val(&b, ind, "indicator_types", str_array(&b, "malicious-activity"));
        const char *pat = kz_extract_pattern(scratch, x->type, x->value, x->len);
        if (!pat && !b.rc)
            b.rc = KZ_ENOMEM;
        set_str(&b, ind, "pattern", pat);
        set_str(&b, ind, "pattern_type", "stix");
        set_str(&b, ind, "pattern_version", "2.1");
        set_str(&b, ind, "valid_from", r->now);
        push(&bp, refs, kz_json_new_string(p, id));
        emit_one(&b, &bp, emit, ctx, ind, scratch, p);
        st.indicators++;
    }
    if (!b.rc && !bp.rc && refs->u.arr.n) {
        const char *id = new_id(&bp, "report");
        kz_json *rep = new_sdo(&b, r, "report", id, identity_id, markings);
        set_str(&b, rep, "name", r->o.name);
        set_str(&b, rep, "description", describe(&b, r, &st));
        set_val(&b, rep, "report_types", str_array(&b, "threat-report"));
        set_str(&b, rep, "published", r->now);
        set_val(&b, rep, "object_refs", refs);
        if (r->ntech)
            set_val(&b, rep, "x_kizuna_classified_techniques", evidence(&b, r));
        emit_one(&b, &bp, emit, ctx, rep, scratch, p);
    }
    rc = b.rc ? b.rc : bp.rc;
    if (!rc && stp)
        *stp = st;
    return rc;
}

static kz_err push_obj(void *ctx, kz_json *obj)
{
    kz_json *objs = ((kz_json **)ctx)[0];
    kz_arena *a = (kz_arena *)((kz_json **)ctx)[1];
    return kz_json_array_push(a, objs, obj);
}

kz_err kz_extract_report_bundle(kz_extract_report *r, kz_arena *a, kz_json **bundle,
                                kz_extract_report_stats *stats)
{
    *bundle = NULL;
    if (!r || !a)
        return KZ_EINVAL;
    bld b = {.a = a, .rc = KZ_OK};
    kz_json *bun = kz_json_new_object(a);
    kz_json *objs = kz_json_new_array(a);
    if (!bun || !objs)
        return KZ_ENOMEM;
    set_str(&b, bun, "type", "bundle");
    set_str(&b, bun, "id", new_id(&b, "bundle"));
    if (b.rc)
        return b.rc;
    void *ctx[2] = {objs, a};
    kz_err rc = walk(r, a, a, push_obj, ctx, stats);
    if (rc)
        return rc;
    if (objs->u.arr.n) {
        rc = kz_json_object_set(a, bun, "objects", objs);
        if (rc)
            return rc;
    }
    *bundle = bun;
    return KZ_OK;
}

typedef struct streamer {
    kz_extract_write_fn fn;
    void *ctx;
    kz_buf buf;
    size_t n;
} streamer;

static kz_err write_obj(void *ctx, kz_json *obj)
{
    streamer *w = ctx;
    kz_buf_reset(&w->buf);
    kz_err rc = kz_buf_append_str(&w->buf, w->n++ ? ",\n" : "\n");
    if (!rc)
        rc = kz_json_write(&w->buf, obj, 0);
    if (!rc)
        rc = w->fn(w->ctx, w->buf.data, w->buf.len);
    return rc;
}

kz_err kz_extract_report_write(kz_extract_report *r, kz_extract_write_fn fn, void *ctx,
                               kz_extract_report_stats *stats)
{
    if (!r || !fn)
        return KZ_EINVAL;
    kz_arena *p = kz_arena_new(0), *scratch = kz_arena_new(0);
    streamer w = {.fn = fn, .ctx = ctx};
    kz_buf_init(&w.buf, 0);
    kz_err rc = p && scratch ? KZ_OK : KZ_ENOMEM;
    bld b = {.a = p, .rc = rc};
    const char *bid = rc ? NULL : new_id(&b, "bundle");
    rc = b.rc;
    if (!rc)
        rc = kz_buf_printf(&w.buf, "{\"type\": \"bundle\", \"id\": \"%s\"%s", bid,
                           r->n ? ", \"objects\": [" : "}\n");
    if (!rc)
        rc = fn(ctx, w.buf.data, w.buf.len);
    if (!rc && r->n)
        rc = walk(r, p, scratch, write_obj, &w, stats);
    if (!rc && r->n)
        rc = fn(ctx, "\n]}\n", 4);
    else if (!rc && stats)
        memset(stats, 0, sizeof *stats);
    kz_buf_release(&w.buf);
    kz_arena_free(p);
    kz_arena_free(scratch);
    return rc;
}

/* ---- techniques found by the classifier in the report's sentences ---- */

typedef struct best {
    double prob;
    size_t off, len;
    uint32_t cls;
    bool set;
} best;

typedef struct cwalk {
    const kz_classifier *c;
    const char *text;
    size_t len;
    double threshold;
    best *best;    /* per class of the model */
    char *scratch; /* KZ_CLASSIFY_MAX_TEXT bytes */
} cwalk;

static kz_err on_sentence(void *ctx, const kz_sentence *s)
{
    cwalk *w = ctx;
    if (kz_xrep_md_heading(w->text, w->len, s))
        return KZ_OK; /* a title, not a sentence about behaviour */
    size_t n = kz_xrep_collapse(w->text + s->off, s->len, w->scratch, KZ_CLASSIFY_MAX_TEXT);
    /* a line of bare indicators ("http://192.0.2.44/shell.php") is not a
     * sentence about behaviour, but the model, whose "none" class was
     * trained on sentences and not on bare indicators, would give it a
     * technique (a URL: T1071.001, web protocols) */
    if (!kz_xrep_enough_words(w->scratch, n))
        return KZ_OK;
    kz_classify_result res;
    kz_classify(w->c, w->scratch, n, w->threshold, &res);
    if (res.cls < 0 || strcmp(res.attack_id, KZ_CLASSIFY_NONE) == 0)
        return KZ_OK;
    best *b = &w->best[res.cls];
    /* the most probable sentence; the first of equals */
    if (!b->set || res.prob > b->prob)
        *b = (best){.prob = res.prob, .off = s->off, .len = s->len, .cls = (uint32_t)res.cls,
                    .set = true};
    return KZ_OK;
}

static int by_offset(const void *pa, const void *pb)
{
    const best *a = pa, *b = pb;
    if (a->off != b->off)
        return a->off < b->off ? -1 : 1;
    return a->cls < b->cls ? -1 : a->cls > b->cls;
}

kz_err kz_extract_report_classify(kz_extract_report *r, const kz_classifier *c, const char *text,
                                  size_t len, bool html, double threshold, size_t *added)
{
    if (added)
        *added = 0;
    if (!r || !c || (!text && len))
        return KZ_EINVAL;
    size_t nc = kz_classifier_nclasses(c);
    cwalk w = {.c = c, .text = text, .len = len, .threshold = threshold};
    char *copy = NULL;
    w.best = kz_calloc(nc ? nc : 1, sizeof *w.best);
    w.scratch = kz_malloc(KZ_CLASSIFY_MAX_TEXT);
    kz_err rc = w.best && w.scratch ? KZ_OK : KZ_ENOMEM;
    if (!rc && html) {
        /* the words a reader sees: tags blanked, offsets unchanged */
        copy = kz_malloc(len ? len : 1);
        if (!copy) {
            rc = KZ_ENOMEM;
        } else {
            memcpy(copy, text, len);
            rc = kz_xrep_html_text(copy, len);
            w.text = copy;
        }
    }
    if (!rc)
        rc = kz_sentences(w.text, len, on_sentence, &w);
    /* the found classes, packed and in order of their sentence */
    size_t nf = 0;
    for (size_t i = 0; !rc && i < nc; i++)
        if (w.best[i].set)
            w.best[nf++] = w.best[i];
    if (!rc && nf)
        qsort(w.best, nf, sizeof *w.best, by_offset);
    if (!rc && nf) {
        kz_extract_technique *t = kz_realloc(r->tech, (r->ntech + nf) * sizeof *t);
        if (!t)
            rc = KZ_ENOMEM;
        else
            r->tech = t;
    }
    char key[KZ_CLASSIFY_MAX_LABEL + 1];
    for (size_t i = 0; !rc && i < nf; i++) {
        const best *b = &w.best[i];
        const char *id = kz_classifier_class(c, b->cls);
        size_t il = strlen(id);
        if (il + 1 > sizeof key)
            continue; /* cannot happen: the model caps its labels */
        key[0] = (char)('A' + KZ_IOC_ATTACK);
        memcpy(key + 1, id, il);
        uint32_t idx;
        if (kz_strmap_get(r->seen, key, il + 1, &idx))
            continue; /* written as an id in the text: it stays as it is */
        kz_ioc_hit h = {.type = KZ_IOC_ATTACK, .value = id, .value_len = il,
                        .offset = b->off, .len = b->len};
        rc = kz_extract_report_add(r, &h, NULL, NULL);
        if (rc)
            break;
        size_t n = kz_xrep_collapse(w.text + b->off, b->len, w.scratch, KZ_CLASSIFY_MAX_TEXT);
        kz_extract_technique *t = &r->tech[r->ntech];
        t->attack_id = r->iocs[r->n - 1].value;
        t->sentence = kz_xrep_evidence(r->arena, w.scratch, n);
        t->offset = b->off;
        t->len = b->len;
        t->prob = b->prob;
        if (!t->sentence) {
            rc = KZ_ENOMEM;
            break;
        }
        r->ntech++;
        if (added)
            ++*added;
    }
    kz_free(copy);
    kz_free(w.best);
    kz_free(w.scratch);
    return rc;
}

size_t kz_extract_report_techniques(const kz_extract_report *r,
                                    const kz_extract_technique **out)
{
    *out = r ? r->tech : NULL;
    return r ? r->ntech : 0;
}
