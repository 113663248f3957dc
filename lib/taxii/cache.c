/* cache.c - a bounded in-memory cache of read responses (objects, object,
 * manifest, versions), valid while the database is unchanged.
 *
 * Why it is safe: a response depends only on the stored data, the request
 * (path and query), and which TLP levels the account may read in that
 * collection; the key holds the last two, and every entry remembers the
 * database's `PRAGMA data_version` seen before its query ran. SQLite changes
 * that number whenever any other connection - the server's own store
 * handles, `kizuna import` in another process - commits, so an entry is
 * used only if nothing was committed since it was computed. Rights are
 * checked before the cache is consulted, on every request. */
#include <stdio.h>
#include <string.h>

#include "kizuna/alloc.h"
#include "taxii_int.h"

#define ENTRY_MAX (1u << 20)    /* larger responses are not kept */
#define CACHE_BYTES (64u << 20) /* all bodies together */

static uint64_t fnv(const char *s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
    return h;
}

kz_err tx_cache_open(kz_taxii *t)
{
    pthread_mutex_init(&t->cache_lock, NULL);
    if (sqlite3_prepare_v3(t->sdb, "PRAGMA data_version", -1, SQLITE_PREPARE_PERSISTENT,
                           &t->data_version, NULL) != SQLITE_OK)
        return KZ_EDB;
    return KZ_OK;
}

void tx_cache_close(kz_taxii *t)
{
    for (size_t i = 0; i < TX_CACHE_SLOTS; i++) {
        kz_free(t->cache[i].key);
        kz_free(t->cache[i].body);
    }
    sqlite3_finalize(t->data_version);
    pthread_mutex_destroy(&t->cache_lock);
}

/* The database's change counter (lock held). -1 on error: never cache. */
static int64_t data_version(kz_taxii *t)
{
    int64_t v = -1;
    if (t->data_version && sqlite3_step(t->data_version) == SQLITE_ROW)
        v = sqlite3_column_int64(t->data_version, 0);
    if (t->data_version)
        sqlite3_reset(t->data_version);
    return v;
}

kz_err tx_cache_key(tx_req *r, const char *kind, kz_buf *key)
{
    /* The TLP levels this account reads here: accounts with the same set
     * get the same bytes. */
    unsigned mask = 0;
    for (int l = KZ_TLP_CLEAR; l <= KZ_TLP_RED; l++)
        if (kz_auth_may_read(&r->acct, r->t->node_org, r->coll.id, r->coll.alias, (kz_tlp)l))
            mask |= 1u << l;
    kz_err rc = kz_buf_printf(key, "%s\x1f%s\x1f%u\x1f%s", kind, r->coll.id, mask, r->req->path);
    for (size_t i = 0; !rc && i < r->req->n_query; i++)
        rc = kz_buf_printf(key, "\x1f%s=%s", r->req->query[i].name, r->req->query[i].value);
    return rc;
}

/* Empties one slot (lock held). */
static void drop(kz_taxii *t, tx_cache_entry *e)
{
    t->cache_bytes -= e->len;
    kz_free(e->key);
    kz_free(e->body);
    memset(e, 0, sizeof *e);
}

int64_t tx_data_version(kz_taxii *t)
{
    pthread_mutex_lock(&t->cache_lock);
    int64_t v = data_version(t);
    pthread_mutex_unlock(&t->cache_lock);
    return v;
}

bool tx_cache_get(tx_req *r, const kz_buf *key, int64_t *version)
{
    kz_taxii *t = r->t;
    uint64_t h = fnv(key->data, key->len);
    tx_cache_entry *e = &t->cache[h % TX_CACHE_SLOTS];
    bool hit = false;
    pthread_mutex_lock(&t->cache_lock);
    int64_t v = data_version(t);
    *version = v;
    if (v >= 0 && e->key && e->version == v && e->hash == h && e->key_len == key->len &&
        memcmp(e->key, key->data, key->len) == 0) {
        kz_buf_reset(&r->resp->body);
        hit = kz_buf_append(&r->resp->body, e->body, e->len) == KZ_OK;
        if (hit && e->first[0]) {
            char *f = kz_arena_strdup(r->a, e->first), *l = kz_arena_strdup(r->a, e->last);
            hit = f && l && !kz_http_response_header(r->resp, "X-TAXII-Date-Added-First", f) &&
                  !kz_http_response_header(r->resp, "X-TAXII-Date-Added-Last", l);
        }
    }
    pthread_mutex_unlock(&t->cache_lock);
    if (hit)
        tx_json(r, 200);
    else {
        kz_buf_reset(&r->resp->body);
        r->resp->n_headers = 0;
    }
    return hit;
}

void tx_cache_put(tx_req *r, const kz_buf *key, int64_t version, const char *first,
                  const char *last)
{
    kz_taxii *t = r->t;
    const kz_buf *b = &r->resp->body;
    if (version < 0 || b->len > ENTRY_MAX)
        return;
    char *k = kz_malloc(key->len), *body = kz_malloc(b->len ? b->len : 1);
    if (!k || !body) {
        kz_free(k);
        kz_free(body);
        return;
    }
    memcpy(k, key->data, key->len);
    memcpy(body, b->data, b->len);
    uint64_t h = fnv(key->data, key->len);
    pthread_mutex_lock(&t->cache_lock);
    tx_cache_entry *e = &t->cache[h % TX_CACHE_SLOTS];
    drop(t, e);
    /* Over the byte budget: entries computed before the last commit can
     * never be served again, so they go first; then any, until it fits. */
    for (int pass = 0; pass < 2 && t->cache_bytes + b->len > CACHE_BYTES; pass++)
        for (size_t i = 0; i < TX_CACHE_SLOTS && t->cache_bytes + b->len > CACHE_BYTES; i++)
            if (t->cache[i].key && (pass == 1 || t->cache[i].version != version))
                drop(t, &t->cache[i]);
    if (t->cache_bytes + b->len <= CACHE_BYTES) {
        e->key = k;
        e->key_len = key->len;
        e->hash = h;
        e->version = version;
        e->body = body;
        e->len = b->len;
        snprintf(e->first, sizeof e->first, "%s", first ? first : "");
        snprintf(e->last, sizeof e->last, "%s", last ? last : "");
        t->cache_bytes += b->len;
        k = body = NULL;
    }
    pthread_mutex_unlock(&t->cache_lock);
    kz_free(k);
    kz_free(body);
}
