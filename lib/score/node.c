/* node.c - a node's scorer: parameters from kizuna.conf, the sightings of
 * every collection, and the federation provenance for per-peer
 * reliability, behind one handle for the commands and the TAXII server. */
#include <stdio.h>
#include <string.h>

#include "kizuna/alloc.h"
#include "kizuna/fed.h"
#include "kizuna/fed_publish.h"
#include "kizuna/json.h"
#include "kizuna/score.h"
#include "kizuna/store.h"
#include "kizuna/timestamp.h"

struct kz_score_node {
    kz_score_params p;
    kz_score_sightings *sg;
    char *dir;      /* heap: for opening the federation state lazily */
    bool want_peer; /* a score.reliability key names something other than an identity */
    kz_fed *fed;    /* opened on first use; NULL after a failure (no peers then) */
    bool fed_tried;
    kz_fed_postlog *post; /* POST provenance (TAXII accounts), the same way */
    bool post_tried;
    char peer[KZ_SCORE_SOURCE_MAX + 1]; /* the last kz_score_node_peer answer */
};

int64_t kz_score_now_us(void)
{
    kz_time t = kz_time_now(); /* whole microseconds */
    return t.sec * 1000000 + t.nsec / 1000;
}

kz_err kz_score_node_open(const char *dir, kz_store *s, kz_score_node **out, char *errbuf,
                          size_t errlen)
{
    *out = NULL;
    kz_score_node *n = kz_calloc(1, sizeof *n);
    if (!n)
        return KZ_ENOMEM;
    kz_err rc = kz_score_params_load_node(&n->p, dir, errbuf, errlen);
    if (rc)
        goto fail;
    rc = KZ_ENOMEM;
    n->dir = kz_strdup(dir);
    n->sg = kz_score_sightings_new();
    if (!n->dir || !n->sg)
        goto fail;
    n->want_peer = kz_score_params_has_peers(&n->p);
    rc = s ? kz_score_sightings_load(n->sg, s) : KZ_OK;
    if (rc) {
        snprintf(errbuf, errlen, "reading the sightings: %s",
                 rc == KZ_EDB ? kz_store_errmsg(s) : kz_strerror(rc));
        goto fail;
    }
    *out = n;
    return KZ_OK;
fail:
    kz_score_node_free(n);
    return rc;
}

void kz_score_node_free(kz_score_node *n)
{
    if (!n)
        return;
    kz_score_sightings_free(n->sg);
    kz_fed_close(n->fed);
    kz_fed_postlog_close(n->post);
    kz_free(n->dir);
    kz_free(n);
}

const kz_score_params *kz_score_node_params(const kz_score_node *n)
{
    return &n->p;
}

const kz_score_sightings *kz_score_node_sightings(const kz_score_node *n)
{
    return n->sg;
}

typedef struct prov_ctx {
    const char *version;
    char *peer;
    bool exact;
} prov_ctx;

/* The peer that delivered this very version, else the one that delivered
 * any version of the object (a later local edit of a partner's indicator
 * still comes from that partner). */
static int on_prov(void *ctx, const kz_fed_prov *p)
{
    prov_ctx *c = ctx;
    if (!p->peer || strlen(p->peer) > KZ_SCORE_SOURCE_MAX)
        return 0;
    bool exact = c->version && p->version && strcmp(c->version, p->version) == 0;
    if (!c->peer[0] || (exact && !c->exact)) {
        memcpy(c->peer, p->peer, strlen(p->peer) + 1);
        c->exact = exact;
    }
    return exact;
}

/* The same over the accounts that POSTed versions over TAXII (a partner
 * node pushing to us uses its account here). */
static int on_post(void *ctx, const kz_fed_post_prov *p)
{
    kz_fed_prov q = {.id = p->id, .version = p->version, .peer = p->account};
    return on_prov(ctx, &q);
}

/* The source that delivered (id, version): the federation peer it was
 * pulled from, else the TAXII account that POSTed it; NULL: local. */
const char *kz_score_node_peer(void *ctx, const char *id, const char *version)
{
    kz_score_node *n = ctx;
    if (!n->want_peer || !id)
        return NULL;
    char err[256];
    if (!n->fed_tried) {
        n->fed_tried = true;
        if (kz_fed_open(n->dir, &n->fed, err, sizeof err))
            n->fed = NULL;
    }
    n->peer[0] = '\0';
    prov_ctx c = {.version = version, .peer = n->peer};
    if (n->fed && kz_fed_provenance(n->fed, id, on_prov, &c) == KZ_OK && n->peer[0])
        return n->peer;
    if (!n->post_tried) {
        n->post_tried = true;
        if (kz_fed_postlog_open(n->dir, &n->post, err, sizeof err))
            n->post = NULL;
    }
    n->peer[0] = '\0';
    c.exact = false;
    if (n->post && kz_fed_postlog_get(n->post, id, on_post, &c) == KZ_OK && n->peer[0])
        return n->peer;
    return NULL;
}

kz_err kz_score_node_eval(kz_score_node *n, const kz_json *obj, const char *version, int64_t now_us,
                          kz_score_result *out)
{
    kz_score_input in;
    kz_err rc = kz_score_input_from_json(obj, &in);
    if (rc)
        return rc;
    const char *id = kz_json_get_string(obj, "id");
    if (id) {
        in.peer =
            kz_score_node_peer(n, id, version ? version : kz_json_get_string(obj, "modified"));
        in.sighting_us = kz_score_sightings_latest(n->sg, id, strlen(id));
    }
    kz_score_eval(&n->p, &in, now_us, out);
    return KZ_OK;
}

kz_err kz_score_set_valid_until(kz_score_node *n, kz_arena *a, kz_json *obj, const char *version,
                                int64_t now_us, bool *changed)
{
    *changed = false;
    if (kz_json_get(obj, "valid_until"))
        return KZ_OK;
    kz_score_result r;
    if (kz_score_node_eval(n, obj, version, now_us, &r) || r.state == KZ_SCORE_REVOKED)
        return KZ_OK;
    /* whole seconds when the zero crossing has no fraction (the usual case) */
    char ts[KZ_TIME_MAX];
    kz_store_format_us(r.zero_us, ts);
    char *dot = strchr(ts, '.');
    if (dot && r.zero_us % 1000000 == 0)
        memcpy(dot, "Z", 2);
    kz_json *v = kz_json_new_string(a, ts);
    if (!v)
        return KZ_ENOMEM;
    kz_err rc = kz_json_object_set(a, obj, "valid_until", v);
    if (!rc)
        *changed = true;
    return rc;
}
