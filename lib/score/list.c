/* list.c - scoring the latest version of every indicator of a store
 * collection, page by page, in bounded memory. */
#include <string.h>

#include "kizuna/arena.h"
#include "kizuna/json.h"
#include "kizuna/score.h"
#include "kizuna/store.h"

#define STORE_PAGE 2000

typedef struct list_ctx {
    const kz_score_params *p;
    const kz_score_sightings *sg;
    kz_score_peer_fn peer;
    void *peer_ctx;
    int64_t now_us;
    kz_score_item_fn fn;
    void *ctx;
    kz_arena *a;
    size_t unscored;
    kz_err rc;
} list_ctx;

static int on_record(void *ctx, const kz_store_record *r)
{
    list_ctx *l = ctx;
    if (!r->json)
        return 0;
    kz_json *v = NULL;
    kz_err rc = kz_json_parse(l->a, r->json, r->json_len, NULL, &v, NULL);
    if (rc == KZ_ENOMEM) {
        l->rc = rc;
        return 1;
    }
    kz_score_input in;
    if (rc || v->type != KZ_JSON_OBJECT || kz_score_input_from_json(v, &in)) {
        l->unscored++;
        kz_arena_reset(l->a);
        return 0;
    }
    in.peer = l->peer ? l->peer(l->peer_ctx, r->id, r->version) : NULL;
    in.sighting_us = kz_score_sightings_latest(l->sg, r->id, strlen(r->id));
    kz_score_item it = {
        .id = r->id,
        .version = r->version,
        .name = kz_json_get_string(v, "name"),
        .pattern = in.pattern,
        .json = r->json,
        .json_len = r->json_len,
        .obj = v,
    };
    kz_score_eval(l->p, &in, l->now_us, &it.r);
    int stop = l->fn(l->ctx, &it);
    kz_arena_reset(l->a);
    return stop;
}

kz_err kz_score_collection(kz_store *s, const char *collection, const kz_score_params *p,
                           const kz_score_sightings *sg, kz_score_peer_fn peer, void *peer_ctx,
                           int64_t now_us, kz_score_item_fn fn, void *ctx, size_t *unscored)
{
    if (!s || !collection || !p || !fn)
        return KZ_EINVAL;
    static const char *const types[] = {"indicator"};
    list_ctx l = {
        .p = p,
        .sg = sg,
        .peer = peer,
        .peer_ctx = peer_ctx,
        .now_us = now_us,
        .fn = fn,
        .ctx = ctx,
        .a = kz_arena_new(0),
    };
    if (!l.a)
        return KZ_ENOMEM;
    kz_store_filter f = {
        .collection = collection,
        .types = types,
        .n_types = 1,
        .versions = KZ_STORE_V_LAST,
        .want_json = true,
    };
    kz_err rc = kz_store_walk(s, &f, STORE_PAGE, on_record, &l);
    if (!rc)
        rc = l.rc;
    if (unscored)
        *unscored = l.unscored;
    kz_arena_free(l.a);
    return rc;
}
