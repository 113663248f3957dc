/* respond.c - what every TAXII handler shares: error message resources,
 * the TAXII content type, the store-handle pool, collection lookup with
 * rights, and the TLP of a stored record. */
#include <stdio.h>
#include <string.h>

#include "kizuna/alloc.h"
#include "kizuna/json.h"
#include "taxii_int.h"

void tx_json(tx_req *r, int status)
{
    r->resp->status = status;
    r->resp->content_type = KZ_TAXII_MEDIA;
}

/* The TAXII error message resource: title, description, http_status. */
void tx_error(tx_req *r, int status, const char *title, const char *description)
{
    kz_buf *b = &r->resp->body;
    kz_buf_reset(b);
    kz_err rc = kz_buf_append_str(b, "{\"title\":");
    if (!rc)
        rc = kz_json_write_string(b, title, strlen(title), 0);
    if (!rc && description) {
        rc = kz_buf_append_str(b, ",\"description\":");
        if (!rc)
            rc = kz_json_write_string(b, description, strlen(description), 0);
    }
    if (!rc)
        rc = kz_buf_printf(b, ",\"http_status\":\"%d\"}", status);
    if (rc) {
        kz_buf_reset(b);
        status = 500;
        kz_buf_append_str(b, "{\"title\":\"internal error\",\"http_status\":\"500\"}");
    }
    tx_json(r, status);
}

kz_err tx_store(tx_req *r, kz_store **out)
{
    if (r->store) {
        *out = r->store;
        return KZ_OK;
    }
    kz_taxii *t = r->t;
    kz_store *s = NULL;
    pthread_mutex_lock(&t->lock);
    if (t->n_pool)
        s = t->pool[--t->n_pool];
    pthread_mutex_unlock(&t->lock);
    if (!s) {
        char err[256];
        kz_err rc = kz_store_open_dir(t->data_dir, false, &s, err, sizeof err);
        if (rc)
            return rc;
    }
    r->store = s;
    *out = s;
    return KZ_OK;
}

void tx_store_release(kz_taxii *t, kz_store *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&t->lock);
    if (t->n_pool < TX_POOL_MAX) {
        t->pool[t->n_pool++] = s;
        s = NULL;
    }
    pthread_mutex_unlock(&t->lock);
    kz_store_close(s);
}

static int coll_copy(void *ctx, const kz_collection *c)
{
    tx_req *r = ctx;
    tx_coll *tc = &r->coll;
    memcpy(tc->id, c->id, sizeof tc->id);
    tc->alias = kz_arena_strdup(r->a, c->alias ? c->alias : "");
    tc->title = kz_arena_strdup(r->a, c->title ? c->title : "");
    tc->description = c->description ? kz_arena_strdup(r->a, c->description) : NULL;
    tc->media_types = kz_arena_strdup(
        r->a, c->media_types && *c->media_types ? c->media_types : KZ_TAXII_STIX_MEDIA);
    kz_tlp d = kz_auth_tlp_parse(c->default_tlp);
    tc->default_tlp = d == KZ_TLP_NONE ? KZ_TLP_AMBER : d;
    tc->found = tc->alias && tc->title && tc->media_types && (!c->description || tc->description);
    return 1;
}

static int64_t now_us(void)
{
    kz_time t = kz_time_now();
    return kz_store_time_us(&t);
}

/* Fills r->coll from the cache; false on a miss. An expired entry is
 * re-read by the first request that sees it while the others keep using
 * it. The store's lookup is one indexed row since store schema 2 (the
 * member count is kept in collections.n_members, no longer counted per
 * lookup); the cache still spares every request a statement, and a lookup
 * that waits on a busy database delays one request, not all of them. */
static bool coll_cached(tx_req *r, int64_t now)
{
    kz_taxii *t = r->t;
    const char *key = r->param[TX_P_COLL];
    bool hit = false;
    pthread_mutex_lock(&t->lock);
    for (size_t i = 0; i < TX_COLL_CACHE; i++) {
        tx_coll_cache *c = &t->colls[i];
        if (!c->key[0] || strcmp(c->key, key) != 0)
            continue;
        if (now - c->loaded_us > TX_COLL_TTL_US && !c->refreshing) {
            c->refreshing = true;
            break;
        }
        memcpy(r->coll.id, c->id, sizeof r->coll.id);
        r->coll.alias = kz_arena_strdup(r->a, c->alias);
        r->coll.default_tlp = c->default_tlp;
        r->coll.found = r->coll.alias != NULL;
        hit = r->coll.found;
        break;
    }
    pthread_mutex_unlock(&t->lock);
    return hit;
}

/* Drops key's entry (the collection is gone, or could not be read). */
static void coll_forget(tx_req *r)
{
    kz_taxii *t = r->t;
    pthread_mutex_lock(&t->lock);
    for (size_t i = 0; i < TX_COLL_CACHE; i++)
        if (strcmp(t->colls[i].key, r->param[TX_P_COLL]) == 0)
            memset(&t->colls[i], 0, sizeof t->colls[i]);
    pthread_mutex_unlock(&t->lock);
}

static void coll_remember(tx_req *r, int64_t now)
{
    kz_taxii *t = r->t;
    const char *key = r->param[TX_P_COLL];
    if (strlen(key) >= sizeof t->colls[0].key || strlen(r->coll.alias) > KZ_STORE_ALIAS_MAX)
        return;
    pthread_mutex_lock(&t->lock);
    tx_coll_cache *c = NULL;
    for (size_t i = 0; i < TX_COLL_CACHE && !c; i++)
        if (strcmp(t->colls[i].key, key) == 0)
            c = &t->colls[i];
    if (!c)
        c = &t->colls[t->coll_next++ % TX_COLL_CACHE];
    snprintf(c->key, sizeof c->key, "%s", key);
    memcpy(c->id, r->coll.id, sizeof c->id);
    snprintf(c->alias, sizeof c->alias, "%s", r->coll.alias);
    c->default_tlp = r->coll.default_tlp;
    c->loaded_us = now;
    c->refreshing = false;
    pthread_mutex_unlock(&t->lock);
}

bool tx_collection(tx_req *r, bool need_read, bool need_write)
{
    kz_store *s;
    kz_err rc = tx_store(r, &s);
    if (rc) {
        tx_error(r, 500, "the store cannot be opened", NULL);
        return false;
    }
    memset(&r->coll, 0, sizeof r->coll);
    int64_t now = now_us();
    if (!coll_cached(r, now)) {
        rc = kz_store_collection_get(s, r->param[TX_P_COLL], coll_copy, r);
        if (rc == KZ_ENOTFOUND || (!rc && !r->coll.found && r->coll.id[0] == '\0')) {
            coll_forget(r);
            tx_error(r, 404, "no such collection", NULL);
            return false;
        }
        if (rc || !r->coll.found) {
            coll_forget(r);
            tx_error(r, 500, "cannot read the collection", NULL);
            return false;
        }
        coll_remember(r, now);
    }
    bool can_r = kz_auth_can_read(&r->acct, r->coll.id, r->coll.alias);
    bool can_w = kz_auth_can_write(&r->acct, r->coll.id, r->coll.alias);
    /* A collection the account can neither read nor write does not exist
     * for it: 404 tells nothing about what other partners share. */
    if (!can_r && !can_w) {
        tx_error(r, 404, "no such collection", NULL);
        return false;
    }
    if ((need_read && !can_r) || (need_write && !can_w)) {
        tx_error(r, 403,
                 need_write && !can_w ? "this account may not write to this collection"
                                      : "this account may not read this collection",
                 NULL);
        return false;
    }
    return true;
}

kz_tlp tx_record_tlp(const tx_req *r, const char *tlp)
{
    if (!tlp || !*tlp)
        return r->coll.default_tlp;
    kz_tlp t = kz_auth_tlp_parse(tlp);
    return t == KZ_TLP_NONE ? KZ_TLP_RED : t;
}

kz_err tx_header_time(tx_req *r, const char *name, int64_t us)
{
    char *v = kz_arena_alloc(r->a, KZ_TIME_MAX);
    if (!v)
        return KZ_ENOMEM;
    kz_store_format_us(us, v);
    return kz_http_response_header(r->resp, name, v);
}
