/* resources.c - the small TAXII resources: discovery, API root, the
 * collections list, one collection, and status resources. */
#include <stdio.h>
#include <string.h>

#include "kizuna/json.h"
#include "taxii_int.h"

static kz_err put_str(kz_buf *b, const char *key, const char *v, bool comma)
{
    kz_err rc = kz_buf_printf(b, "%s\"%s\":", comma ? "," : "", key);
    if (!rc)
        rc = kz_json_write_string(b, v, strlen(v), 0);
    return rc;
}

/* The Host header if it is a plain host[:port] (it is echoed into URLs). */
static const char *host_of(tx_req *r)
{
    const char *h = kz_http_header(r->req, "Host");
    if (!h || !*h || strlen(h) > 255)
        return "127.0.0.1";
    for (const char *p = h; *p; p++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == ':' || c == '[' || c == ']'))
            return "127.0.0.1";
    }
    return h;
}

void tx_discovery(tx_req *r)
{
    kz_taxii *t = r->t;
    kz_buf *b = &r->resp->body;
    char *url = kz_arena_printf(r->a, "%s://%s/%s/", t->o.plain_http ? "http" : "https", host_of(r),
                                t->api_root);
    if (!url) {
        tx_error(r, 500, "out of memory", NULL);
        return;
    }
    kz_err rc = kz_buf_append_char(b, '{');
    if (!rc)
        rc = put_str(b, "title", t->title, false);
    if (!rc && t->description)
        rc = put_str(b, "description", t->description, true);
    if (!rc && t->contact)
        rc = put_str(b, "contact", t->contact, true);
    if (!rc)
        rc = put_str(b, "default", url, true);
    if (!rc)
        rc = kz_buf_append_str(b, ",\"api_roots\":[");
    if (!rc)
        rc = kz_json_write_string(b, url, strlen(url), 0);
    if (!rc)
        rc = kz_buf_append_str(b, "]}");
    if (rc)
        tx_error(r, 500, "cannot build the discovery resource", NULL);
    else
        tx_json(r, 200);
}

void tx_api_root(tx_req *r)
{
    kz_taxii *t = r->t;
    kz_buf *b = &r->resp->body;
    kz_err rc = kz_buf_append_char(b, '{');
    if (!rc)
        rc = put_str(b, "title", t->title, false);
    if (!rc && t->description)
        rc = put_str(b, "description", t->description, true);
    if (!rc)
        rc = kz_buf_printf(b, ",\"versions\":[\"%s\"],\"max_content_length\":%zu}", KZ_TAXII_MEDIA,
                           t->o.max_content_length);
    if (rc)
        tx_error(r, 500, "cannot build the API root resource", NULL);
    else
        tx_json(r, 200);
}

/* Writes one collection resource as the account sees it. */
static kz_err write_collection(kz_buf *b, const kz_account *a, const kz_collection *c)
{
    bool can_r = kz_auth_can_read(a, c->id, c->alias);
    bool can_w = kz_auth_can_write(a, c->id, c->alias);
    kz_err rc = kz_buf_append_char(b, '{');
    if (!rc)
        rc = put_str(b, "id", c->id, false);
    if (!rc)
        rc = put_str(b, "title", c->title ? c->title : c->alias, true);
    if (!rc && c->description)
        rc = put_str(b, "description", c->description, true);
    if (!rc && c->alias)
        rc = put_str(b, "alias", c->alias, true);
    if (!rc)
        rc = kz_buf_printf(b, ",\"can_read\":%s,\"can_write\":%s,\"media_types\":[",
                           can_r ? "true" : "false", can_w ? "true" : "false");
    /* media_types is stored as a comma list; each becomes one string. */
    const char *m = c->media_types && *c->media_types ? c->media_types : KZ_TAXII_STIX_MEDIA;
    bool first = true;
    while (!rc && *m) {
        const char *e = strchr(m, ',');
        size_t n = e ? (size_t)(e - m) : strlen(m);
        while (n && *m == ' ') {
            m++;
            n--;
        }
        if (n) {
            if (!first)
                rc = kz_buf_append_char(b, ',');
            if (!rc)
                rc = kz_json_write_string(b, m, n, 0);
            first = false;
        }
        if (!e)
            break;
        m = e + 1;
    }
    if (!rc)
        rc = kz_buf_append_str(b, "]}");
    return rc;
}

typedef struct list_ctx {
    tx_req *r;
    size_t n;
    kz_err rc;
} list_ctx;

static int list_one(void *ctx, const kz_collection *c)
{
    list_ctx *lc = ctx;
    const kz_account *a = &lc->r->acct;
    if (!kz_auth_can_read(a, c->id, c->alias) && !kz_auth_can_write(a, c->id, c->alias))
        return 0;
    kz_buf *b = &lc->r->resp->body;
    if (lc->n++)
        lc->rc = kz_buf_append_char(b, ',');
    if (!lc->rc)
        lc->rc = write_collection(b, a, c);
    return lc->rc ? 1 : 0;
}

void tx_collections(tx_req *r)
{
    kz_store *s;
    if (tx_store(r, &s)) {
        tx_error(r, 500, "the store cannot be opened", NULL);
        return;
    }
    kz_buf *b = &r->resp->body;
    list_ctx lc = {.r = r};
    kz_err rc = kz_buf_append_str(b, "{\"collections\":[");
    if (!rc)
        rc = kz_store_collection_list(s, list_one, &lc);
    if (!rc)
        rc = lc.rc;
    if (!rc)
        rc = kz_buf_append_str(b, "]}");
    if (rc)
        tx_error(r, 500, "cannot list collections", NULL);
    else
        tx_json(r, 200);
}

static int one_coll(void *ctx, const kz_collection *c)
{
    list_ctx *lc = ctx;
    lc->rc = write_collection(&lc->r->resp->body, &lc->r->acct, c);
    lc->n++;
    return 1;
}

void tx_collection_get(tx_req *r)
{
    if (!tx_collection(r, false, false))
        return;
    list_ctx lc = {.r = r};
    kz_err rc = kz_store_collection_get(r->store, r->coll.id, one_coll, &lc);
    if (!rc)
        rc = lc.rc;
    if (rc || !lc.n)
        tx_error(r, 500, "cannot read the collection", NULL);
    else
        tx_json(r, 200);
}

static int status_row(void *ctx, const kz_store_value *cols, size_t n)
{
    list_ctx *lc = ctx;
    const char *j = n == 1 && cols[0].type == KZ_STORE_VTEXT ? cols[0].text : NULL;
    lc->rc = j ? kz_buf_append(&lc->r->resp->body, j, strlen(j)) : KZ_EDB;
    lc->n++;
    return 1;
}

/* Read through the request's store handle, not a connection shared by the
 * worker threads: a read left open on a shared connection kept the other
 * threads' status writes from waiting for the write lock (post.c). */
void tx_status_get(tx_req *r)
{
    const char *id = r->param[TX_P_STATUS];
    kz_uuid u;
    if (kz_uuid_parse(id, strlen(id), &u) != KZ_OK) {
        tx_error(r, 404, "no such status resource", NULL);
        return;
    }
    kz_store *s;
    if (tx_store(r, &s)) {
        tx_error(r, 500, "the store cannot be opened", NULL);
        return;
    }
    /* A status belongs to the account that made the request: another
     * account learns nothing about what was added, or that it was. */
    kz_store_value v[2] = {kz_store_vtext(id), kz_store_vtext(r->acct.name)};
    list_ctx lc = {.r = r};
    kz_err rc = kz_store_exec(s, "SELECT json FROM taxii_status WHERE id = ?1 AND account = ?2", v,
                              2, status_row, &lc, NULL);
    if (!rc)
        rc = lc.rc;
    if (rc == KZ_EBUSY) {
        (void)kz_http_response_header(r->resp, "Retry-After", "1");
        tx_error(r, 503, "status resources are busy", NULL);
    } else if (rc) {
        tx_error(r, 500, "cannot read status resources", kz_strerror(rc));
    } else if (!lc.n) {
        tx_error(r, 404, "no such status resource", NULL);
    } else {
        tx_json(r, 200);
    }
}
