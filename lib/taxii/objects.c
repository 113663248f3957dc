/* objects.c - the TAXII read paths (objects envelope, one object, manifest,
 * versions) and DELETE: store queries paged with `next`/`limit`, every
 * record passed through the TLP read policy, X-TAXII-Date-Added headers. */
#include <stdio.h>
#include <string.h>

#include "kizuna/arena.h"
#include "kizuna/json.h"
#include "taxii_int.h"

typedef enum rd_kind { RD_OBJECTS, RD_MANIFEST, RD_VERSIONS } rd_kind;

/* Response bytes past this are refused rather than built (a page of 1000
 * objects stays far below it). */
#define TX_RESPONSE_MAX (256u << 20)

typedef struct rd_ctx {
    tx_req *r;
    rd_kind kind;
    kz_buf items;   /* the records as JSON, comma-separated */
    size_t visible; /* records the account may see, delivered */
    size_t hidden;  /* records withheld by the TLP policy */
    int64_t first_us, last_us;
    kz_err rc;
    /* taxii.min_score (decay.c) */
    tx_score_snap *snap; /* NULL: nothing filtered */
    int64_t now_us;
    kz_arena *sa; /* one indicator's parse, reset per record */
} rd_ctx;

static kz_err write_manifest_entry(kz_buf *b, const kz_store_record *rec)
{
    char added[KZ_TIME_MAX];
    kz_store_format_us(rec->date_added_us, added);
    kz_err rc = kz_buf_append_str(b, "{\"id\":");
    if (!rc)
        rc = kz_json_write_string(b, rec->id, strlen(rec->id), 0);
    if (!rc)
        rc = kz_buf_printf(b, ",\"date_added\":\"%s\",\"version\":", added);
    if (!rc)
        rc = kz_json_write_string(b, rec->version, strlen(rec->version), 0);
    if (!rc) {
        const char *sv = rec->spec_version && *rec->spec_version ? rec->spec_version : "2.1";
        rc = kz_buf_append_str(b, ",\"media_type\":");
        char mt[64];
        snprintf(mt, sizeof mt, "application/stix+json;version=%.8s", sv);
        if (!rc)
            rc = kz_json_write_string(b, mt, strlen(mt), 0);
    }
    if (!rc)
        rc = kz_buf_append_char(b, '}');
    return rc;
}

static int on_record(void *ctx, const kz_store_record *rec)
{
    rd_ctx *c = ctx;
    tx_req *r = c->r;
    kz_tlp tlp = tx_record_tlp(r, rec->tlp);
    if (!kz_auth_may_read(&r->acct, r->t->node_org, r->coll.id, r->coll.alias, tlp)) {
        c->hidden++;
        return 0;
    }
    if (c->snap && tx_score_decayed(r->t, c->snap, c->sa, rec, c->now_us))
        return 0; /* like a record the TLP policy withholds: the page goes on */
    kz_err rc = KZ_OK;
    if (c->items.len)
        rc = kz_buf_append_char(&c->items, ',');
    if (!rc) {
        if (c->kind == RD_OBJECTS)
            rc = rec->json ? kz_buf_append(&c->items, rec->json, rec->json_len) : KZ_EINTERNAL;
        else if (c->kind == RD_MANIFEST)
            rc = write_manifest_entry(&c->items, rec);
        else
            rc = kz_json_write_string(&c->items, rec->version, strlen(rec->version), 0);
    }
    if (rc) {
        c->rc = rc;
        return 1;
    }
    if (!c->visible)
        c->first_us = rec->date_added_us;
    c->last_us = rec->date_added_us;
    c->visible++;
    return 0;
}

/* Runs the query, continuing past records the TLP policy withholds until
 * `limit` visible records are collected, the results end, or a scan budget
 * is spent (a reader cleared for little must not make one request walk a
 * million rows). page gets the store's verdict on the last call. */
static kz_err run_query(tx_req *r, kz_store_filter *f, size_t limit, rd_ctx *c, kz_store_page *page)
{
    size_t scanned = 0, budget = limit * 10 + 1000;
    f->limit = limit;
    for (;;) {
        memset(page, 0, sizeof *page);
        kz_err rc = kz_store_query(r->store, f, on_record, c, page);
        if (rc)
            return rc;
        if (c->rc)
            return c->rc;
        scanned += page->n;
        if (!page->more || c->visible >= limit || scanned >= budget)
            return KZ_OK;
        char *next = kz_arena_strdup(r->a, page->next);
        if (!next)
            return KZ_ENOMEM;
        f->next = next;
        f->limit = limit - c->visible;
    }
}

static bool query_error(tx_req *r, kz_err rc, bool had_next)
{
    if (rc == KZ_EINVAL)
        tx_error(r, 400, had_next ? "bad next" : "bad filter",
                 had_next ? "next does not belong to this query (or has expired)" : NULL);
    else if (rc == KZ_ENOTFOUND)
        tx_error(r, 404, "no such collection", NULL);
    else if (rc == KZ_ENOMEM || rc == KZ_ETOOBIG)
        tx_error(r, 500, "the response is too large", "ask for fewer records (limit)");
    else
        tx_error(r, 500, "the store failed", kz_strerror(rc));
    return false;
}

/* Common body of the four read endpoints. */
static void read_endpoint(tx_req *r, rd_kind kind, unsigned allowed, const char *one_id)
{
    if (!tx_collection(r, true, false))
        return;
    kz_store_filter f;
    memset(&f, 0, sizeof f);
    f.collection = r->coll.id;
    size_t limit;
    char why[200];
    kz_err rc = tx_filter_parse(r, allowed, &f, &limit, why, sizeof why);
    if (rc == KZ_EINVAL) {
        tx_error(r, 400, "bad filter", why);
        return;
    }
    if (rc) {
        tx_error(r, 500, "out of memory", NULL);
        return;
    }
    if (one_id) {
        f.ids = &r->param[TX_P_OBJ];
        f.n_ids = 1;
    }
    if (kind == RD_VERSIONS) {
        f.versions = KZ_STORE_V_ALL;
        f.n_version_ts = 0;
    }
    /* taxii.min_score: objects and manifest leave decayed indicators out;
     * the manifest then reads the JSON too, to score it. A score changes
     * with time, not only with the data: no cached responses then. */
    bool by_score = r->t->score && kind != RD_VERSIONS;
    f.want_json = kind == RD_OBJECTS || by_score;
    bool had_next = f.next != NULL;
    rd_ctx c = {.r = r, .kind = kind};
    kz_buf_init(&c.items, TX_RESPONSE_MAX);
    kz_buf key;
    kz_buf_init(&key, 1 << 16);
    int64_t version = -1;
    bool cacheable = !r->t->cache_off && !by_score && tx_cache_key(r,
                                                      kind == RD_OBJECTS    ? "o"
                                                      : kind == RD_MANIFEST ? "m"
                                                                            : "v",
                                                      &key) == KZ_OK;
    if (cacheable && tx_cache_get(r, &key, &version))
        goto done;
    kz_store_page page;
    if (by_score) {
        c.now_us = kz_score_now_us();
        c.sa = kz_arena_new(0);
        if (!c.sa) {
            tx_error(r, 500, "out of memory", NULL);
            goto done;
        }
        c.snap = tx_score_acquire(r);
    }
    rc = run_query(r, &f, limit, &c, &page);
    if (rc) {
        query_error(r, rc, had_next);
        goto done;
    }
    /* One object (or its versions) that the account cannot see at all is
     * "not found", exactly as if it did not exist. */
    if (one_id && c.visible == 0 && !f.has_added_after && !had_next) {
        tx_error(r, 404, "no such object", NULL);
        goto done;
    }
    kz_buf *b = &r->resp->body;
    rc = kz_buf_printf(b, "{\"more\":%s", page.more ? "true" : "false");
    /* next is an envelope property; manifest and versions carry it too so
     * that a client may page them the same way (unknown properties are
     * ignored by TAXII clients; added_after paging works as well). */
    if (!rc && page.more && page.next[0])
        rc = kz_buf_printf(b, ",\"next\":\"%s\"", page.next);
    if (!rc && c.visible) {
        rc = kz_buf_append_str(b, kind == RD_VERSIONS ? ",\"versions\":[" : ",\"objects\":[");
        if (!rc)
            rc = kz_buf_append(b, c.items.data, c.items.len);
        if (!rc)
            rc = kz_buf_append_char(b, ']');
    }
    if (!rc)
        rc = kz_buf_append_char(b, '}');
    if (!rc && c.visible) {
        rc = tx_header_time(r, "X-TAXII-Date-Added-First", c.first_us);
        if (!rc)
            rc = tx_header_time(r, "X-TAXII-Date-Added-Last", c.last_us);
    }
    if (rc) {
        tx_error(r, 500, "cannot build the response", NULL);
        goto done;
    }
    tx_json(r, 200);
    if (cacheable) {
        char first[KZ_TIME_MAX] = "", last[KZ_TIME_MAX] = "";
        if (c.visible) {
            kz_store_format_us(c.first_us, first);
            kz_store_format_us(c.last_us, last);
        }
        tx_cache_put(r, &key, version, first, last);
    }
done:
    tx_score_release(r->t, c.snap);
    kz_arena_free(c.sa);
    kz_buf_release(&key);
    kz_buf_release(&c.items);
}

void tx_objects_get(tx_req *r)
{
    read_endpoint(r, RD_OBJECTS,
                  TX_F_ADDED_AFTER | TX_F_LIMIT | TX_F_NEXT | TX_F_ID | TX_F_TYPE | TX_F_VERSION |
                      TX_F_SPEC,
                  NULL);
}

void tx_manifest_get(tx_req *r)
{
    read_endpoint(r, RD_MANIFEST,
                  TX_F_ADDED_AFTER | TX_F_LIMIT | TX_F_NEXT | TX_F_ID | TX_F_TYPE | TX_F_VERSION |
                      TX_F_SPEC,
                  NULL);
}

void tx_object_get(tx_req *r)
{
    read_endpoint(r, RD_OBJECTS,
                  TX_F_ADDED_AFTER | TX_F_LIMIT | TX_F_NEXT | TX_F_VERSION | TX_F_SPEC,
                  r->param[TX_P_OBJ]);
}

void tx_versions_get(tx_req *r)
{
    read_endpoint(r, RD_VERSIONS, TX_F_ADDED_AFTER | TX_F_LIMIT | TX_F_NEXT | TX_F_SPEC,
                  r->param[TX_P_OBJ]);
}

void tx_object_delete(tx_req *r)
{
    /* Deleting needs both rights: a writer that cannot read must not probe
     * what exists by deleting it. */
    if (!tx_collection(r, true, true))
        return;
    kz_store_filter f;
    memset(&f, 0, sizeof f);
    f.collection = r->coll.id;
    size_t limit;
    char why[200];
    kz_err rc = tx_filter_parse(r, TX_F_VERSION | TX_F_SPEC, &f, &limit, why, sizeof why);
    if (rc == KZ_EINVAL) {
        tx_error(r, 400, "bad filter", why);
        return;
    }
    if (rc) {
        tx_error(r, 500, "out of memory", NULL);
        return;
    }
    /* The object must be visible to the account under the TLP policy. */
    kz_store_filter probe;
    memset(&probe, 0, sizeof probe);
    probe.collection = r->coll.id;
    probe.ids = &r->param[TX_P_OBJ];
    probe.n_ids = 1;
    probe.versions = KZ_STORE_V_ALL;
    rd_ctx c = {.r = r, .kind = RD_VERSIONS};
    kz_buf_init(&c.items, TX_RESPONSE_MAX);
    kz_store_page page;
    rc = run_query(r, &probe, r->t->o.page_max, &c, &page);
    kz_buf_release(&c.items);
    if (rc) {
        query_error(r, rc, false);
        return;
    }
    if (c.visible == 0) {
        tx_error(r, 404, "no such object", NULL);
        return;
    }
    if (c.hidden) {
        tx_error(r, 403, "this account may not delete versions it cannot read", NULL);
        return;
    }
    if (!f.versions && !f.n_version_ts)
        f.versions = KZ_STORE_V_ALL; /* DELETE without match[version]: every version */
    size_t n = 0;
    rc = kz_store_delete_object(r->store, r->coll.id, r->param[TX_P_OBJ], &f, &n);
    if (rc == KZ_ENOTFOUND) {
        tx_error(r, 404, "no such object version", NULL);
        return;
    }
    if (rc) {
        tx_error(r, 500, "the store failed", kz_strerror(rc));
        return;
    }
    tx_json(r, 200);
}
