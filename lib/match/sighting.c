/* sighting.c - hits of `kizuna match` aggregated per indicator and written
 * as a STIX 2.1 bundle of `sighting` objects (count, first_seen,
 * last_seen, sighting_of_ref, where_sighted_refs = the node's identity),
 * optionally with `observed-data` and the SCOs of the values seen, so
 * that federation can carry them back to the indicator's producer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kizuna/alloc.h"
#include "kizuna/arena.h"
#include "kizuna/json.h"
#include "kizuna/match_log.h"
#include "kizuna/stix.h"
#include "kizuna/strmap.h"
#include "kizuna/uuid.h"

#define MAX_VALUES 4            /* values kept per indicator for observed-data */
#define STIX_COUNT_MAX 999999999 /* sighting.count and number_observed cap */

typedef struct seen {
    kz_match_kind kind;
    char *value; /* heap, NUL-terminated */
    size_t len;
} seen;

typedef struct entry {
    uint32_t indicator;
    uint64_t count;
    kz_time first, last;
    unsigned n_seen;
    seen vals[MAX_VALUES];
} entry;

struct kz_match_sightings {
    kz_strmap *idx; /* indicator (4 bytes) -> index into e */
    entry *e;
    size_t n, cap;
};

kz_err kz_match_sightings_new(kz_match_sightings **out)
{
    *out = NULL;
    kz_match_sightings *s = kz_calloc(1, sizeof *s);
    if (!s)
        return KZ_ENOMEM;
    s->idx = kz_strmap_new(0);
    if (!s->idx) {
        kz_free(s);
        return KZ_ENOMEM;
    }
    *out = s;
    return KZ_OK;
}

void kz_match_sightings_free(kz_match_sightings *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        for (unsigned j = 0; j < s->e[i].n_seen; j++)
            kz_free(s->e[i].vals[j].value);
    kz_free(s->e);
    kz_strmap_free(s->idx);
    kz_free(s);
}

size_t kz_match_sightings_count(const kz_match_sightings *s)
{
    return s ? s->n : 0;
}

static void keep_value(entry *e, kz_match_kind kind, const char *value, size_t len)
{
    if (!len || kind == KZ_MATCH_OTHER || e->n_seen >= MAX_VALUES)
        return;
    for (unsigned j = 0; j < e->n_seen; j++)
        if (e->vals[j].kind == kind && e->vals[j].len == len && memcmp(e->vals[j].value, value, len) == 0)
            return;
    char *v = kz_strndup(value, len);
    if (!v)
        return; /* observed-data is best effort; the sighting itself is kept */
    e->vals[e->n_seen++] = (seen){kind, v, len};
}

kz_err kz_match_sightings_add(kz_match_sightings *s, uint32_t indicator, const kz_time *t,
                              kz_match_kind kind, const char *value, size_t len)
{
    uint32_t at;
    entry *e;
    if (kz_strmap_get(s->idx, &indicator, sizeof indicator, &at)) {
        e = &s->e[at];
        e->count++;
        if (kz_time_cmp(t, &e->first) < 0)
            e->first = *t;
        if (kz_time_cmp(t, &e->last) > 0)
            e->last = *t;
    } else {
        if (s->n == s->cap) {
            size_t nc = s->cap ? 2 * s->cap : 64;
            entry *ne = kz_realloc(s->e, nc * sizeof *ne);
            if (!ne)
                return KZ_ENOMEM;
            s->e = ne;
            s->cap = nc;
        }
        kz_err rc = kz_strmap_put(s->idx, &indicator, sizeof indicator, (uint32_t)s->n, NULL);
        if (rc)
            return rc;
        e = &s->e[s->n++];
        memset(e, 0, sizeof *e);
        e->indicator = indicator;
        e->count = 1;
        e->first = e->last = *t;
    }
    keep_value(e, kind, value, len);
    return KZ_OK;
}

void kz_match_identity_id(const char *name, char *out, size_t outsz)
{
    kz_buf b;
    kz_buf_init(&b, 0);
    kz_uuid u;
    char us[KZ_UUID_STR];
    /* A name that does not fit a buffer still gets an id: hash what fits. */
    if (kz_buf_printf(&b, "kizuna-node:%s", name) == KZ_OK)
        kz_uuid_v5(&KZ_UUID_STIX_NAMESPACE, b.data, b.len, &u);
    else
        kz_uuid_v5(&KZ_UUID_STIX_NAMESPACE, name, strlen(name), &u);
    kz_buf_release(&b);
    kz_uuid_format(&u, us);
    snprintf(out, outsz, "identity--%s", us);
}

static int by_indicator(const void *a, const void *b)
{
    const entry *x = a, *y = b;
    return x->indicator < y->indicator ? -1 : x->indicator > y->indicator;
}

static const char *const hash_names[KZ_MATCH_KIND_COUNT] = {
    [KZ_MATCH_MD5] = "MD5",           [KZ_MATCH_SHA1] = "SHA-1",
    [KZ_MATCH_SHA256] = "SHA-256",    [KZ_MATCH_SHA512] = "SHA-512",
    [KZ_MATCH_SHA3_256] = "SHA3-256", [KZ_MATCH_SHA3_512] = "SHA3-512",
    [KZ_MATCH_SSDEEP] = "SSDEEP",     [KZ_MATCH_TLSH] = "TLSH",
};
static const char *const sco_types[KZ_MATCH_KIND_COUNT] = {
    [KZ_MATCH_IPV4] = "ipv4-addr", [KZ_MATCH_IPV6] = "ipv6-addr",
    [KZ_MATCH_DOMAIN] = "domain-name", [KZ_MATCH_URL] = "url",
    [KZ_MATCH_EMAIL] = "email-addr",
};

/* The SCO of one value: {"type","spec_version","id","value"} or a file
 * with one hash; its deterministic id in id. NULL on out of memory or an
 * unusable kind. */
static kz_json *sco_of(kz_arena *a, const seen *v, char *id, size_t idsz)
{
    kz_json *o = kz_json_new_object(a);
    if (!o || (unsigned)v->kind >= KZ_MATCH_OTHER)
        return NULL;
    kz_json *val = kz_json_new_stringn(a, v->value, v->len);
    kz_err rc = KZ_OK;
    if (sco_types[v->kind]) {
        rc = kz_json_object_set(a, o, "type", kz_json_new_string(a, sco_types[v->kind]));
        if (!rc)
            rc = kz_json_object_set(a, o, "value", val);
    } else {
        kz_json *h = kz_json_new_object(a);
        rc = h ? kz_json_object_set(a, h, hash_names[v->kind], val) : KZ_ENOMEM;
        if (!rc)
            rc = kz_json_object_set(a, o, "type", kz_json_new_string(a, "file"));
        if (!rc)
            rc = kz_json_object_set(a, o, "hashes", h);
    }
    if (!rc)
        rc = kz_stix_sco_id(o, id, idsz);
    if (rc)
        return NULL;
    kz_json *out = kz_json_new_object(a);
    if (!out)
        return NULL;
    /* type, spec_version, id first, as STIX producers usually write them */
    rc = kz_json_object_set(a, out, "type", kz_json_new_string(a, kz_json_get_string(o, "type")));
    if (!rc)
        rc = kz_json_object_set(a, out, "spec_version", kz_json_new_string(a, "2.1"));
    if (!rc)
        rc = kz_json_object_set(a, out, "id", kz_json_new_string(a, id));
    for (size_t i = 1; !rc && i < o->u.obj.n; i++)
        rc = kz_json_object_set(a, out, o->u.obj.members[i].key, o->u.obj.members[i].value);
    return rc ? NULL : out;
}

static kz_err add_str(kz_arena *a, kz_json *o, const char *k, const char *v)
{
    kz_json *s = kz_json_new_string(a, v);
    return s ? kz_json_object_set(a, o, k, s) : KZ_ENOMEM;
}

static kz_err add_time(kz_arena *a, kz_json *o, const char *k, const kz_time *t)
{
    char buf[KZ_TIME_MAX];
    kz_time_format_digits(t, 3, buf);
    return add_str(a, o, k, buf);
}

static kz_err add_int(kz_arena *a, kz_json *o, const char *k, uint64_t n)
{
    kz_json *v = kz_json_new_int(a, (int64_t)(n > STIX_COUNT_MAX ? STIX_COUNT_MAX : n));
    return v ? kz_json_object_set(a, o, k, v) : KZ_ENOMEM;
}

static kz_err new_id(char *out, size_t outsz, const char *type)
{
    kz_uuid u;
    char us[KZ_UUID_STR];
    kz_err rc = kz_uuid_v4(&u);
    if (rc)
        return rc;
    kz_uuid_format(&u, us);
    snprintf(out, outsz, "%s--%s", type, us);
    return KZ_OK;
}

/* One sighting (and its observed-data and SCOs) appended to objs. */
static kz_err one(kz_arena *a, kz_json *objs, kz_strmap *scos, const entry *e,
                  const kz_match_set *m, const char *ident, const char *now, bool observed)
{
    char ind[KZ_MATCH_ID_MAX], sid[64], oid[64];
    if (!kz_match_indicator_id(m, e->indicator, ind))
        return KZ_EINVAL;
    kz_err rc = new_id(sid, sizeof sid, "sighting");
    kz_json *od_refs = NULL;
    if (!rc && observed && e->n_seen) {
        kz_json *od = kz_json_new_object(a), *refs = kz_json_new_array(a);
        if (!od || !refs)
            return KZ_ENOMEM;
        for (unsigned j = 0; !rc && j < e->n_seen; j++) {
            char id[128];
            kz_json *sco = sco_of(a, &e->vals[j], id, sizeof id);
            if (!sco)
                return KZ_ENOMEM;
            rc = kz_json_array_push(a, refs, kz_json_new_string(a, id));
            if (!rc && kz_strmap_put(scos, id, strlen(id), 0, NULL) == KZ_OK)
                rc = kz_json_array_push(a, objs, sco);
        }
        if (!rc)
            rc = new_id(oid, sizeof oid, "observed-data");
        if (!rc)
            rc = add_str(a, od, "type", "observed-data");
        if (!rc)
            rc = add_str(a, od, "spec_version", "2.1");
        if (!rc)
            rc = add_str(a, od, "id", oid);
        if (!rc)
            rc = add_str(a, od, "created_by_ref", ident);
        if (!rc)
            rc = add_str(a, od, "created", now);
        if (!rc)
            rc = add_str(a, od, "modified", now);
        if (!rc)
            rc = add_time(a, od, "first_observed", &e->first);
        if (!rc)
            rc = add_time(a, od, "last_observed", &e->last);
        if (!rc)
            rc = add_int(a, od, "number_observed", e->count);
        if (!rc)
            rc = kz_json_object_set(a, od, "object_refs", refs);
        if (!rc)
            rc = kz_json_array_push(a, objs, od);
        od_refs = kz_json_new_array(a);
        if (!rc)
            rc = od_refs ? kz_json_array_push(a, od_refs, kz_json_new_string(a, oid)) : KZ_ENOMEM;
    }
    kz_json *s = kz_json_new_object(a), *where = kz_json_new_array(a);
    if (!rc && (!s || !where))
        rc = KZ_ENOMEM;
    if (!rc)
        rc = add_str(a, s, "type", "sighting");
    if (!rc)
        rc = add_str(a, s, "spec_version", "2.1");
    if (!rc)
        rc = add_str(a, s, "id", sid);
    if (!rc)
        rc = add_str(a, s, "created_by_ref", ident);
    if (!rc)
        rc = add_str(a, s, "created", now);
    if (!rc)
        rc = add_str(a, s, "modified", now);
    if (!rc)
        rc = add_time(a, s, "first_seen", &e->first);
    if (!rc)
        rc = add_time(a, s, "last_seen", &e->last);
    if (!rc)
        rc = add_int(a, s, "count", e->count);
    if (!rc)
        rc = add_str(a, s, "sighting_of_ref", ind);
    if (!rc && od_refs)
        rc = kz_json_object_set(a, s, "observed_data_refs", od_refs);
    if (!rc)
        rc = kz_json_array_push(a, where, kz_json_new_string(a, ident));
    if (!rc)
        rc = kz_json_object_set(a, s, "where_sighted_refs", where);
    if (!rc)
        rc = kz_json_array_push(a, objs, s);
    return rc;
}

kz_err kz_match_sightings_bundle(const kz_match_sightings *s, const kz_match_set *m,
                                 const kz_match_sighting_opts *o, kz_buf *out)
{
    if (!s || !m || !o || !o->identity_name || !*o->identity_name || !out)
        return KZ_EINVAL;
    kz_arena *a = kz_arena_new(0);
    kz_strmap *scos = kz_strmap_new(0);
    kz_err rc = a && scos ? KZ_OK : KZ_ENOMEM;
    char ident[64], bid[64], now[KZ_TIME_MAX];
    kz_time t = o->now;
    if (t.sec == 0 && t.nsec == 0)
        t = kz_time_now();
    kz_time_format_digits(&t, 3, now);
    kz_match_identity_id(o->identity_name, ident, sizeof ident);
    kz_json *bundle = a ? kz_json_new_object(a) : NULL, *objs = a ? kz_json_new_array(a) : NULL,
            *id = a ? kz_json_new_object(a) : NULL;
    if (!rc && (!bundle || !objs || !id))
        rc = KZ_ENOMEM;
    if (!rc)
        rc = new_id(bid, sizeof bid, "bundle");
    if (!rc)
        rc = add_str(a, bundle, "type", "bundle");
    if (!rc)
        rc = add_str(a, bundle, "id", bid);
    /* The node's identity: content fixed by its name (created/modified
     * included) so that each run sends the same object version. */
    if (!rc)
        rc = add_str(a, id, "type", "identity");
    if (!rc)
        rc = add_str(a, id, "spec_version", "2.1");
    if (!rc)
        rc = add_str(a, id, "id", ident);
    if (!rc)
        rc = add_str(a, id, "created", "2020-01-01T00:00:00.000Z");
    if (!rc)
        rc = add_str(a, id, "modified", "2020-01-01T00:00:00.000Z");
    if (!rc)
        rc = add_str(a, id, "name", o->identity_name);
    if (!rc)
        rc = add_str(a, id, "identity_class", "organization");
    if (!rc)
        rc = kz_json_array_push(a, objs, id);
    entry *sorted = NULL;
    if (!rc && s->n) {
        sorted = kz_malloc(s->n * sizeof *sorted);
        if (!sorted)
            rc = KZ_ENOMEM;
        else {
            memcpy(sorted, s->e, s->n * sizeof *sorted);
            qsort(sorted, s->n, sizeof *sorted, by_indicator);
        }
    }
    for (size_t i = 0; !rc && i < s->n; i++)
        rc = one(a, objs, scos, &sorted[i], m, ident, now, o->observed_data);
    kz_free(sorted);
    if (!rc)
        rc = kz_json_object_set(a, bundle, "objects", objs);
    if (!rc)
        rc = kz_json_write(out, bundle, 0);
    if (!rc)
        rc = kz_buf_append_char(out, '\n');
    kz_strmap_free(scos);
    kz_arena_free(a);
    return rc;
}
