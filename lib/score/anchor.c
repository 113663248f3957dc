/* anchor.c - the latest sighting of each indicator: a map from indicator id
 * to the time of its latest sighting, filled from sighting objects of every
 * collection of the node (partners' sightings arrive by federation into
 * collections, so they count like our own). */
#include <string.h>

#include "kizuna/alloc.h"
#include "kizuna/arena.h"
#include "kizuna/json.h"
#include "kizuna/score.h"
#include "kizuna/store.h"
#include "kizuna/strmap.h"

#define SIGHTING_ID_MAX 256 /* longer sighting_of_ref values are not ids */
#define STORE_PAGE 5000

struct kz_score_sightings {
    kz_strmap *ids; /* id -> index into at */
    int64_t *at;    /* latest sighting time per id, microseconds */
    size_t n, cap;
};

kz_score_sightings *kz_score_sightings_new(void)
{
    kz_score_sightings *m = kz_calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->ids = kz_strmap_new(0);
    if (!m->ids) {
        kz_free(m);
        return NULL;
    }
    return m;
}

void kz_score_sightings_free(kz_score_sightings *m)
{
    if (!m)
        return;
    kz_strmap_free(m->ids);
    kz_free(m->at);
    kz_free(m);
}

size_t kz_score_sightings_count(const kz_score_sightings *m)
{
    return m ? m->n : 0;
}

kz_err kz_score_sightings_add(kz_score_sightings *m, const char *id, size_t len, int64_t us)
{
    if (len == 0 || len > SIGHTING_ID_MAX)
        return KZ_OK; /* not an id: nothing refers to it */
    uint32_t idx = 0;
    if (kz_strmap_get(m->ids, id, len, &idx)) {
        if (us > m->at[idx])
            m->at[idx] = us;
        return KZ_OK;
    }
    if (m->n >= UINT32_MAX)
        return KZ_ETOOBIG;
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 64;
        int64_t *at = kz_realloc(m->at, cap * sizeof *at);
        if (!at)
            return KZ_ENOMEM;
        m->at = at;
        m->cap = cap;
    }
    kz_err rc = kz_strmap_put(m->ids, id, len, (uint32_t)m->n, NULL);
    if (rc)
        return rc;
    m->at[m->n++] = us;
    return KZ_OK;
}

int64_t kz_score_sightings_latest(const kz_score_sightings *m, const char *id, size_t len)
{
    uint32_t idx;
    if (!m || !id || !kz_strmap_get(m->ids, id, len, &idx))
        return 0;
    return m->at[idx];
}

/* When a sighting says it saw: last_seen, else first_seen, else the
 * version's modified, else created. An unparseable one: 0 (ignored). */
static int64_t sighting_time(const kz_json *obj)
{
    static const char *const keys[] = {"last_seen", "first_seen", "modified", "created"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const char *v = kz_json_get_string(obj, keys[i]);
        int64_t us;
        if (v && kz_store_parse_us(v, &us) == KZ_OK)
            return us;
    }
    return 0;
}

kz_err kz_score_sightings_add_object(kz_score_sightings *m, const kz_json *obj)
{
    const char *type = kz_json_get_string(obj, "type");
    if (!type || strcmp(type, "sighting") != 0)
        return KZ_OK;
    const kz_json *ref = kz_json_get(obj, "sighting_of_ref");
    if (!ref || ref->type != KZ_JSON_STRING)
        return KZ_OK;
    int64_t us = sighting_time(obj);
    if (!us)
        return KZ_OK;
    return kz_score_sightings_add(m, ref->u.str.ptr, ref->u.str.len, us);
}

typedef struct load_ctx {
    kz_score_sightings *m;
    kz_arena *a;
    kz_err rc;
} load_ctx;

static int on_sighting(void *ctx, const kz_store_record *r)
{
    load_ctx *l = ctx;
    if (!r->json)
        return 0;
    kz_json *v = NULL;
    kz_err rc = kz_json_parse(l->a, r->json, r->json_len, NULL, &v, NULL);
    if (rc == KZ_ENOMEM) {
        l->rc = rc;
        return 1;
    }
    if (!rc && v->type == KZ_JSON_OBJECT)
        l->rc = kz_score_sightings_add_object(l->m, v);
    kz_arena_reset(l->a);
    return l->rc != KZ_OK;
}

static kz_err load_collection(load_ctx *l, kz_store *s, const char *coll)
{
    static const char *const types[] = {"sighting"};
    kz_store_filter f = {
        .collection = coll,
        .types = types,
        .n_types = 1,
        .versions = KZ_STORE_V_LAST,
        .want_json = true,
        .all_spec_versions = true,
    };
    kz_err rc = kz_store_walk(s, &f, STORE_PAGE, on_sighting, l);
    if (!rc)
        rc = l->rc;
    return rc == KZ_ENOTFOUND ? KZ_OK : rc; /* removed meanwhile */
}

kz_err kz_score_sightings_load(kz_score_sightings *m, kz_store *s)
{
    load_ctx l = {.m = m, .a = kz_arena_new(0)};
    if (!l.a)
        return KZ_ENOMEM;
    char (*colls)[KZ_UUID_STR] = NULL;
    size_t n_colls = 0;
    kz_err rc = kz_store_collection_ids(s, &colls, &n_colls);
    for (size_t i = 0; !rc && i < n_colls; i++)
        rc = load_collection(&l, s, colls[i]);
    kz_free(colls);
    kz_arena_free(l.a);
    return rc;
}
