/* obs.c - the evaluation input: observed-data objects with the objects each
 * one observed (STIX 2.1 object_refs resolved against the other objects
 * given, or a STIX 2.0 embedded "objects" map), their first_observed /
 * last_observed instants and number_observed. Everything points into the
 * caller's parsed JSON; only the index arrays are owned here. */
#include <stdlib.h>
#include <string.h>

#include "kizuna/alloc.h"
#include "pattern_int.h"

kz_pattern_obs *kz_pattern_obs_new(void)
{
    kz_pattern_obs *o = kz_calloc(1, sizeof *o);
    if (!o)
        return NULL;
    o->arena = kz_arena_new(0);
    if (!o->arena) {
        kz_free(o);
        return NULL;
    }
    return o;
}

void kz_pattern_obs_free(kz_pattern_obs *o)
{
    if (!o)
        return;
    kz_arena_free(o->arena);
    kz_free(o->all);
    kz_free(o->ids);
    kz_free(o);
}

kz_err kz_pattern_obs_add(kz_pattern_obs *o, const kz_json *obj)
{
    if (!o || !obj || o->finished)
        return KZ_EINVAL;
    if (o->n_all == o->cap_all) {
        size_t nc = o->cap_all ? o->cap_all * 2 : 64;
        if (nc > ((size_t)1 << 31))
            return KZ_ETOOBIG;
        const kz_json **nv = kz_realloc(o->all, nc * sizeof *nv);
        if (!nv)
            return KZ_ENOMEM;
        o->all = nv;
        o->cap_all = nc;
    }
    o->all[o->n_all++] = obj;
    return KZ_OK;
}

kz_err kz_pattern_obs_add_all(kz_pattern_obs *o, const kz_json *doc)
{
    if (!doc)
        return KZ_EINVAL;
    const kz_json *arr = doc;
    if (doc->type == KZ_JSON_OBJECT) {
        arr = kz_json_get(doc, "objects");
        if (!arr || arr->type != KZ_JSON_ARRAY)
            return kz_pattern_obs_add(o, doc);
    }
    if (arr->type != KZ_JSON_ARRAY)
        return KZ_EINVAL;
    for (size_t i = 0; i < arr->u.arr.n; i++) {
        kz_err rc = kz_pattern_obs_add(o, arr->u.arr.items[i]);
        if (rc)
            return rc;
    }
    return KZ_OK;
}

static uint64_t hash_bytes(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static kz_err build_ids(kz_pattern_obs *o)
{
    size_t cap = 64;
    while (cap < o->n_all * 2)
        cap *= 2;
    o->ids = kz_calloc(cap, sizeof *o->ids);
    if (!o->ids)
        return KZ_ENOMEM;
    o->ids_cap = cap;
    for (size_t i = 0; i < o->n_all; i++) {
        const kz_json *id = kz_json_get(o->all[i], "id");
        if (!id || id->type != KZ_JSON_STRING)
            continue;
        size_t h = (size_t)hash_bytes(id->u.str.ptr, id->u.str.len) & (cap - 1);
        while (o->ids[h].id) {
            if (o->ids[h].id_len == id->u.str.len && memcmp(o->ids[h].id, id->u.str.ptr, id->u.str.len) == 0)
                break; /* first one given wins */
            h = (h + 1) & (cap - 1);
        }
        if (!o->ids[h].id) {
            o->ids[h].id = id->u.str.ptr;
            o->ids[h].id_len = id->u.str.len;
            o->ids[h].obj = o->all[i];
        }
    }
    return KZ_OK;
}

static const kz_json *lookup_id(const kz_pattern_obs *o, const char *id, size_t n)
{
    size_t h = (size_t)hash_bytes(id, n) & (o->ids_cap - 1);
    while (o->ids[h].id) {
        if (o->ids[h].id_len == n && memcmp(o->ids[h].id, id, n) == 0)
            return o->ids[h].obj;
        h = (h + 1) & (o->ids_cap - 1);
    }
    return NULL;
}

static kz_err bad_sdo(kz_pattern_error *err, const char *id, const char *what)
{
    pat_set_error(err, "", 0, 0, "observed-data '%s': %s", id, what);
    return KZ_EINVALID;
}

static kz_err read_time(const kz_json *sdo, const char *key, const char *id, kz_time *t,
                        kz_pattern_error *err)
{
    const char *s = kz_json_get_string(sdo, key);
    if (!s)
        return bad_sdo(err, id, key[0] == 'f' ? "no first_observed timestamp" : "no last_observed timestamp");
    if (kz_time_parse(s, strlen(s), KZ_TIME_STRICT, t))
        return bad_sdo(err, id, key[0] == 'f' ? "first_observed is not a valid timestamp"
                                              : "last_observed is not a valid timestamp");
    return KZ_OK;
}

/* Past a few objects, _ref resolution within an observation binary-searches
 * a sorted index instead of scanning: an observed-data with thousands of
 * network-traffic objects would otherwise cost n^2 per pattern. */
#define SORT_ROOTS_FROM 8

static int root_cmp(const void *a, const void *b, void *ctx)
{
    const pat_root *r = ctx;
    const pat_root *x = &r[*(const uint32_t *)a], *y = &r[*(const uint32_t *)b];
    size_t n = x->id_len < y->id_len ? x->id_len : y->id_len;
    int c = memcmp(x->id, y->id, n);
    if (c)
        return c;
    return (x->id_len > y->id_len) - (x->id_len < y->id_len);
}

static kz_err sort_roots(kz_pattern_obs *o, pat_sdo *s)
{
    if (s->n_roots < SORT_ROOTS_FROM || s->n_roots > UINT32_MAX)
        return KZ_OK;
    s->by_id = kz_arena_alloc(o->arena, s->n_roots * sizeof *s->by_id);
    if (!s->by_id)
        return KZ_ENOMEM;
    for (size_t i = 0; i < s->n_roots; i++)
        s->by_id[i] = (uint32_t)i;
    qsort_r(s->by_id, s->n_roots, sizeof *s->by_id, root_cmp, s->roots);
    return KZ_OK;
}

kz_err kz_pattern_obs_finish(kz_pattern_obs *o, kz_pattern_error *err)
{
    if (err)
        memset(err, 0, sizeof *err);
    if (!o || o->finished)
        return KZ_EINVAL;
    kz_err rc = build_ids(o);
    if (rc)
        return rc;
    size_t n = 0;
    for (size_t i = 0; i < o->n_all; i++) {
        const char *t = kz_json_get_string(o->all[i], "type");
        if (t && strcmp(t, "observed-data") == 0)
            n++;
    }
    o->sdos = kz_arena_calloc(o->arena, n ? n : 1, sizeof *o->sdos);
    if (!o->sdos)
        return KZ_ENOMEM;
    for (size_t i = 0; i < o->n_all; i++) {
        const kz_json *obj = o->all[i];
        const char *t = kz_json_get_string(obj, "type");
        if (!t || strcmp(t, "observed-data") != 0)
            continue;
        pat_sdo *s = &o->sdos[o->n_sdos];
        s->obj = obj;
        s->id = kz_json_get_string(obj, "id");
        if (!s->id)
            s->id = "";
        rc = read_time(obj, "first_observed", s->id, &s->first, err);
        if (!rc)
            rc = read_time(obj, "last_observed", s->id, &s->last, err);
        if (rc)
            return rc;
        const kz_json *no = kz_json_get(obj, "number_observed");
        int64_t cnt;
        if (!no || !kz_json_int(no, &cnt) || cnt < 1)
            return bad_sdo(err, s->id, "number_observed must be an integer >= 1");
        s->count = cnt;
        const kz_json *refs = kz_json_get(obj, "object_refs");
        const kz_json *emb = kz_json_get(obj, "objects");
        size_t nr = 0;
        if (refs && refs->type == KZ_JSON_ARRAY)
            nr += refs->u.arr.n;
        if (emb && emb->type == KZ_JSON_OBJECT)
            nr += emb->u.obj.n;
        s->roots = kz_arena_calloc(o->arena, nr ? nr : 1, sizeof *s->roots);
        if (!s->roots)
            return KZ_ENOMEM;
        if (refs && refs->type == KZ_JSON_ARRAY) {
            for (size_t k = 0; k < refs->u.arr.n; k++) {
                const kz_json *r = refs->u.arr.items[k];
                if (r->type != KZ_JSON_STRING)
                    continue;
                const kz_json *target = lookup_id(o, r->u.str.ptr, r->u.str.len);
                if (!target || target->type != KZ_JSON_OBJECT)
                    continue;
                pat_root *root = &s->roots[s->n_roots++];
                root->obj = target;
                root->type = kz_json_get_string(target, "type");
                root->id = r->u.str.ptr;
                root->id_len = r->u.str.len;
            }
        }
        if (emb && emb->type == KZ_JSON_OBJECT) {
            for (size_t k = 0; k < emb->u.obj.n; k++) {
                const kz_json_member *m = &emb->u.obj.members[k];
                if (m->value->type != KZ_JSON_OBJECT)
                    continue;
                pat_root *root = &s->roots[s->n_roots++];
                root->obj = m->value;
                root->type = kz_json_get_string(m->value, "type");
                root->id = m->key;
                root->id_len = m->key_len;
            }
        }
        rc = sort_roots(o, s);
        if (rc)
            return rc;
        o->n_sdos++;
    }
    o->finished = true;
    return KZ_OK;
}

const kz_json *pat_obs_resolve(const kz_pattern_obs *o, const pat_sdo *sdo, const char *ref,
                               size_t ref_len)
{
    (void)o;
    if (sdo->by_id) {
        size_t lo = 0, hi = sdo->n_roots;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            const pat_root *r = &sdo->roots[sdo->by_id[mid]];
            size_t n = r->id_len < ref_len ? r->id_len : ref_len;
            int c = memcmp(r->id, ref, n);
            if (!c)
                c = (r->id_len > ref_len) - (r->id_len < ref_len);
            if (c == 0) {
                /* The first of equal ids, as the linear scan would find. */
                while (mid > 0 && root_cmp(&sdo->by_id[mid - 1], &sdo->by_id[mid], sdo->roots) == 0)
                    mid--;
                return sdo->roots[sdo->by_id[mid]].obj;
            }
            if (c < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        return NULL;
    }
    for (size_t i = 0; i < sdo->n_roots; i++)
        if (sdo->roots[i].id_len == ref_len && memcmp(sdo->roots[i].id, ref, ref_len) == 0)
            return sdo->roots[i].obj;
    return NULL;
}

size_t kz_pattern_obs_count(const kz_pattern_obs *o)
{
    return o ? o->n_sdos : 0;
}

const char *kz_pattern_obs_id(const kz_pattern_obs *o, size_t i)
{
    return o && i < o->n_sdos ? o->sdos[i].id : "";
}
