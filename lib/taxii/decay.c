/* decay.c - taxii.min_score: which indicators the read endpoints leave out
 * because their decay score fell below the setting (docs/score.md).
 *
 * The sightings that reset an indicator's clock are read into an immutable
 * snapshot shared by the requests that use it (reference counted), and a
 * new snapshot is read when the database changed (PRAGMA data_version), so
 * requests score in parallel and never see a map being filled. Only the
 * federation provenance lookup (per-peer reliability, one sqlite handle)
 * is serialised, and only when kizuna.conf names a peer. */
#include <string.h>

#include "kizuna/alloc.h"
#include "kizuna/arena.h"
#include "kizuna/json.h"
#include "taxii_int.h"

struct tx_score_snap {
    kz_score_sightings *sg;
    int64_t version; /* data_version read before the sightings were */
    int refs;        /* requests holding it, plus one while it is current */
};

static void snap_free(tx_score_snap *s)
{
    if (!s)
        return;
    kz_score_sightings_free(s->sg);
    kz_free(s);
}

/* A snapshot read from store s at data version v. NULL on failure. */
static tx_score_snap *snap_load(kz_store *s, int64_t v)
{
    tx_score_snap *n = kz_calloc(1, sizeof *n);
    if (!n)
        return NULL;
    n->sg = kz_score_sightings_new();
    n->version = v;
    if (!n->sg || kz_score_sightings_load(n->sg, s) != KZ_OK) {
        snap_free(n);
        return NULL;
    }
    return n;
}

kz_err tx_score_open(kz_taxii *t, kz_store *s, char *errbuf, size_t errlen)
{
    /* the node reads kizuna.conf once; kept only when taxii.min_score is on */
    kz_score_node *n = NULL;
    kz_err rc = kz_score_node_open(t->data_dir, NULL, &n, errbuf, errlen);
    if (rc)
        return rc;
    if (kz_score_node_params(n)->taxii_min_score < 0) {
        kz_score_node_free(n);
        return KZ_OK;
    }
    t->score = n;
    /* read now, so that a broken store fails the start, not a request */
    t->snap = snap_load(s, tx_data_version(t));
    if (!t->snap)
        return KZ_ENOMEM;
    t->snap->refs = 1;
    return KZ_OK;
}

void tx_score_close(kz_taxii *t)
{
    /* no request is running any more: only the current snapshot is left */
    snap_free(t->snap);
    t->snap = NULL;
    kz_score_node_free(t->score);
    t->score = NULL;
}

tx_score_snap *tx_score_acquire(tx_req *r)
{
    kz_taxii *t = r->t;
    int64_t v = tx_data_version(t);
    pthread_mutex_lock(&t->score_lock);
    tx_score_snap *cur = t->snap;
    if (cur && v >= 0 && cur->version == v) {
        cur->refs++;
        pthread_mutex_unlock(&t->score_lock);
        return cur;
    }
    pthread_mutex_unlock(&t->score_lock);
    /* The database changed: read the sightings again, outside the lock
     * (other requests go on with the snapshot they hold). */
    tx_score_snap *n = snap_load(r->store, v);
    pthread_mutex_lock(&t->score_lock);
    if (!n) {
        /* out of memory or a store error: score with the older sightings
         * rather than fail the read */
        cur = t->snap;
        if (cur)
            cur->refs++;
        pthread_mutex_unlock(&t->score_lock);
        return cur;
    }
    cur = t->snap;
    n->refs = 1;
    /* Install it unless a request that started later installed a newer
     * one meanwhile (data_version only grows on a connection). */
    if (!cur || cur->version < v) {
        t->snap = n;
        n->refs++;
        if (cur && --cur->refs == 0)
            snap_free(cur);
    }
    pthread_mutex_unlock(&t->score_lock);
    return n;
}

void tx_score_release(kz_taxii *t, tx_score_snap *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&t->score_lock);
    bool last = --s->refs == 0;
    pthread_mutex_unlock(&t->score_lock);
    if (last)
        snap_free(s);
}

bool tx_score_decayed(kz_taxii *t, tx_score_snap *s, kz_arena *a, const kz_store_record *rec,
                      int64_t now_us)
{
    if (!s || !rec->json || strcmp(rec->type, "indicator") != 0)
        return false;
    kz_json *v = NULL;
    kz_arena_reset(a);
    kz_score_input in;
    if (kz_json_parse(a, rec->json, rec->json_len, NULL, &v, NULL) || v->type != KZ_JSON_OBJECT ||
        kz_score_input_from_json(v, &in))
        return false; /* unscorable: served; the filter is not a validator */
    const kz_score_params *p = kz_score_node_params(t->score);
    in.sighting_us = kz_score_sightings_latest(s->sg, rec->id, strlen(rec->id));
    char peer[KZ_SCORE_SOURCE_MAX + 1];
    if (kz_score_params_has_peers(p)) {
        pthread_mutex_lock(&t->score_lock);
        const char *pn = kz_score_node_peer(t->score, rec->id, rec->version);
        if (pn) {
            size_t n = strlen(pn);
            memcpy(peer, pn, n + 1); /* at most KZ_SCORE_SOURCE_MAX bytes */
            in.peer = peer;
        }
        pthread_mutex_unlock(&t->score_lock);
    }
    kz_score_result res;
    kz_score_eval(p, &in, now_us, &res);
    return res.state == KZ_SCORE_LIVE && res.score < (double)p->taxii_min_score;
}
