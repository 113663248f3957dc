/* filter.c - a source of STIX objects (a document on a file descriptor, or
 * a store collection) with the indicators scoring below a minimum left out:
 * what `kizuna match --min-score` compiles. */
#include <stdio.h>
#include <string.h>

#include "kizuna/arena.h"
#include "kizuna/json.h"
#include "kizuna/score.h"
#include "kizuna/store.h"

#define DEFAULT_MAX_OBJECT (4u << 20)
#define STORE_PAGE 2000

typedef struct flt {
    const kz_score_params *p; /* fd: params alone */
    kz_score_node *n;         /* store: the node's scorer */
    int min_score;
    int64_t now_us;
    kz_score_keep_fn fn;
    void *ctx;
    kz_score_filter_stats *st;
    kz_arena *a;
    kz_err rc;
} flt;

/* Whether obj (any object) is handed on. */
static bool keep(flt *f, const kz_json *obj, const char *version)
{
    const char *type = kz_json_get_string(obj, "type");
    if (!type || strcmp(type, "indicator") != 0)
        return true;
    f->st->indicators++;
    kz_score_result r;
    kz_err rc;
    if (f->n) {
        rc = kz_score_node_eval(f->n, obj, version, f->now_us, &r);
    } else {
        kz_score_input in;
        rc = kz_score_input_from_json(obj, &in);
        if (!rc)
            kz_score_eval(f->p, &in, f->now_us, &r);
    }
    if (rc) {
        f->st->unscored++;
        return true;
    }
    if (r.state == KZ_SCORE_LIVE && r.score < (double)f->min_score) {
        f->st->skipped++;
        return false;
    }
    return true;
}

static kz_err one(flt *f, const char *data, size_t len, const char *version)
{
    kz_json *v = NULL;
    kz_err rc = kz_json_parse(f->a, data, len, NULL, &v, NULL);
    if (rc == KZ_ENOMEM)
        return rc;
    if (rc || v->type != KZ_JSON_OBJECT) {
        f->st->unparsed++;
        kz_arena_reset(f->a);
        return KZ_OK;
    }
    rc = keep(f, v, version) ? f->fn(f->ctx, v) : KZ_OK;
    kz_arena_reset(f->a);
    return rc;
}

static kz_err on_element(void *ctx, const char *data, size_t len)
{
    return one(ctx, data, len, NULL);
}

kz_err kz_score_filter_fd(const kz_score_params *p, int fd, size_t max_object, int min_score,
                          int64_t now_us, kz_score_keep_fn fn, void *ctx, kz_score_filter_stats *st,
                          char *msg, size_t msg_len)
{
    if (msg && msg_len)
        msg[0] = '\0';
    flt f = {.p = p, .min_score = min_score, .now_us = now_us, .fn = fn, .ctx = ctx, .st = st};
    f.a = kz_arena_new(0);
    if (!f.a)
        return KZ_ENOMEM;
    kz_err rc = kz_jstream_each_fd(fd, max_object ? max_object : DEFAULT_MAX_OBJECT, on_element,
                                   &f, msg, msg_len);
    kz_arena_free(f.a);
    return rc;
}

static int on_record(void *ctx, const kz_store_record *r)
{
    flt *f = ctx;
    if (!r->json)
        return 0;
    f->rc = one(f, r->json, r->json_len, r->version);
    return f->rc != KZ_OK;
}

kz_err kz_score_filter_store(kz_score_node *n, kz_store *s, const char *collection, int min_score,
                             int64_t now_us, kz_score_keep_fn fn, void *ctx,
                             kz_score_filter_stats *st)
{
    static const char *const types[] = {"indicator"};
    flt f = {.n = n, .min_score = min_score, .now_us = now_us, .fn = fn, .ctx = ctx, .st = st};
    f.a = kz_arena_new(0);
    if (!f.a)
        return KZ_ENOMEM;
    kz_store_filter q = {
        .collection = collection,
        .types = types,
        .n_types = 1,
        .versions = KZ_STORE_V_LAST,
        .want_json = true,
    };
    kz_err rc = kz_store_walk(s, &q, STORE_PAGE, on_record, &f);
    if (!rc)
        rc = f.rc;
    kz_arena_free(f.a);
    return rc;
}
