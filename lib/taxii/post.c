/* post.c - adding objects (POST .../objects/): the envelope is split and
 * each object parsed and validated on its own, outside any transaction (so
 * that concurrent POSTs validate in parallel), and handed to the publish
 * hook (which may rewrite it: `kizuna serve` signs what local tools post);
 * then the valid ones are parsed again and stored in one transaction,
 * together with the request's status resource (taxii_status table, so that
 * it survives a restart): 202 means both are committed, any other answer
 * that nothing of the request was; the added versions go to the on_added
 * hook (provenance) after the commit. */
#include <stdio.h>
#include <string.h>

#include "kizuna/json.h"
#include "kizuna/stix.h"
#include "taxii_int.h"

/* Objects are stored in chunks of this many, each chunk's parse trees in an
 * arena that is reset afterwards, so a 10 MB envelope of small objects needs
 * a few MB of parse trees at a time - all chunks in one transaction. */
#define POST_CHUNK 2000

typedef struct span {
    size_t off, len; /* a valid object's bytes in the request body, or in xbuf */
    bool rewritten;  /* the publish hook's bytes (in post_ctx.xbuf) */
} span;

/* The rewritten objects of one request are kept until they are stored:
 * signing adds about 250 bytes to an object, so twice the largest body
 * leaves ample room. */
#define XBUF_MAX(body_max) ((body_max) * 2 + (1u << 20))

kz_err tx_status_open(kz_taxii *t, const char *db_path, char *errbuf, size_t errlen)
{
    if (sqlite3_open_v2(db_path, &t->sdb, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, NULL) !=
            SQLITE_OK ||
        sqlite3_busy_timeout(t->sdb, 10000) != SQLITE_OK ||
        sqlite3_exec(t->sdb,
                     "CREATE TABLE IF NOT EXISTS taxii_status(id TEXT PRIMARY KEY,"
                     " account TEXT NOT NULL, created_us INTEGER NOT NULL, json BLOB NOT NULL);"
                     "CREATE INDEX IF NOT EXISTS taxii_status_created ON taxii_status(created_us);",
                     NULL, NULL, NULL) != SQLITE_OK) {
        snprintf(errbuf, errlen, "cannot open status resources in '%s': %s", db_path,
                 t->sdb ? sqlite3_errmsg(t->sdb) : "out of memory");
        return KZ_EDB;
    }
    return KZ_OK;
}

typedef struct post_ctx {
    tx_req *r;
    kz_buf ok, bad; /* successes[] and failures[] details */
    size_t n_ok, n_bad, total;
    kz_arena *chunk;       /* parse trees of the current chunk */
    kz_store_object *objs; /* POST_CHUNK entries */
    size_t n;
    kz_store_put_result results[POST_CHUNK];
    span *valid; /* objects that passed validation, in order */
    size_t n_valid;
    bool in_tx;
    kz_buf xbuf;           /* bytes of the objects the publish hook rewrote */
    bool any_rewritten;
    const char **added_id; /* versions the store added (request arena), for on_added */
    const char **added_ver;
    size_t n_added;
} post_ctx;

static kz_err detail(kz_buf *b, size_t *count, const char *id, const char *version, const char *msg)
{
    kz_err rc = (*count)++ ? kz_buf_append_char(b, ',') : KZ_OK;
    if (!rc)
        rc = kz_buf_append_str(b, "{\"id\":");
    if (!rc)
        rc = kz_json_write_string(b, id ? id : "", id ? strlen(id) : 0, 0);
    if (!rc)
        rc = kz_buf_append_str(b, ",\"version\":");
    if (!rc)
        rc = kz_json_write_string(b, version ? version : "", version ? strlen(version) : 0, 0);
    if (!rc && msg) {
        rc = kz_buf_append_str(b, ",\"message\":");
        if (!rc)
            rc = kz_json_write_string(b, msg, strlen(msg), 0);
    }
    if (!rc)
        rc = kz_buf_append_char(b, '}');
    return rc;
}

static const char *version_of(const kz_json *v)
{
    const char *m = kz_json_get_string(v, "modified");
    return m ? m : kz_json_get_string(v, "created");
}

static kz_err flush_chunk(post_ctx *p)
{
    if (!p->n)
        return KZ_OK;
    kz_err rc = kz_store_put_batch(p->r->store, p->r->coll.id, p->objs, p->n, p->results, NULL);
    if (rc)
        return rc;
    static const char *const why[] = {
        [KZ_STORE_CONFLICT] = "a different object with this id and version is already stored",
        [KZ_STORE_REJECTED] = "the store cannot index this object (id or timestamps)",
    };
    for (size_t i = 0; i < p->n && !rc; i++) {
        const kz_store_object *o = &p->objs[i];
        const char *ver = o->modified ? o->modified : o->created;
        if (p->results[i] == KZ_STORE_ADDED && p->added_id) {
            const char *id = kz_arena_strdup(p->r->a, o->id);
            const char *v = ver ? kz_arena_strdup(p->r->a, ver) : NULL;
            if (!id || (ver && !v))
                return KZ_ENOMEM;
            p->added_id[p->n_added] = id;
            p->added_ver[p->n_added++] = v;
        }
        if (p->results[i] == KZ_STORE_ADDED || p->results[i] == KZ_STORE_PRESENT)
            rc = detail(&p->ok, &p->n_ok, o->id, ver, NULL);
        else
            rc = detail(&p->bad, &p->n_bad, o->id, ver, why[p->results[i]]);
    }
    p->n = 0;
    kz_arena_reset(p->chunk);
    return rc;
}

/* The publish hook on one valid object v: its bytes, if it rewrote them,
 * are checked the way the store will see them and kept in xbuf (sp then
 * points there). *failed: the object failed and is in the failures. */
static kz_err publish(post_ctx *p, const kz_json *v, const char *id, span *sp, bool *failed)
{
    *failed = false;
    const char *out = NULL;
    size_t len = 0;
    char why[200] = "";
    kz_err rc = p->r->t->o.publish(p->r->t->o.hook_ctx, &p->r->acct, p->chunk, v, &out, &len, why,
                                   sizeof why);
    if (rc == KZ_ENOMEM)
        return rc;
    if (rc) {
        char msg[260];
        snprintf(msg, sizeof msg, "cannot be published: %s", why[0] ? why : kz_strerror(rc));
        *failed = true;
        return detail(&p->bad, &p->n_bad, id, version_of(v), msg);
    }
    if (!out)
        return KZ_OK;
    /* Pass 2 parses these bytes again inside the transaction, where a
     * failure would fail the whole request: make sure now that it will not. */
    kz_json *nv = NULL;
    kz_store_object o;
    rc = kz_json_parse(p->chunk, out, len, NULL, &nv, NULL);
    if (!rc)
        rc = kz_store_object_from_json(p->chunk, nv, out, len, &o, why, sizeof why);
    if (rc == KZ_ENOMEM)
        return rc;
    if (rc) {
        *failed = true;
        return detail(&p->bad, &p->n_bad, id, version_of(v), "the published form is not storable");
    }
    sp->off = p->xbuf.len;
    sp->len = len;
    sp->rewritten = true;
    rc = kz_buf_append(&p->xbuf, out, len);
    if (rc)
        return rc == KZ_ETOOBIG ? KZ_ENOMEM : rc;
    p->any_rewritten = true;
    return KZ_OK;
}

/* Pass 1, one element of objects[]: parse and validate. A bad object is a
 * failure in the status, not a failed request; a good one is remembered by
 * its place in the body. The chunk arena is reset per element. */
static kz_err check_object(post_ctx *p, const char *body, const kz_jstream_element *el)
{
    kz_arena_reset(p->chunk);
    kz_json *v = NULL;
    kz_json_error jerr;
    kz_err rc = kz_json_parse(p->chunk, el->data, el->len, NULL, &v, &jerr);
    if (rc == KZ_ENOMEM)
        return rc;
    if (rc) {
        char msg[200];
        snprintf(msg, sizeof msg, "objects[%zu]: not JSON: %s", el->index, jerr.msg);
        return detail(&p->bad, &p->n_bad, NULL, NULL, msg);
    }
    const char *id = kz_json_get_string(v, "id");
    kz_diag d;
    kz_diag_init(&d, 4);
    char path[48];
    snprintf(path, sizeof path, "$.objects[%zu]", el->index);
    rc = kz_stix_validate_object(v, path, NULL, &d);
    if (!rc && d.n_errors) {
        const kz_diag_item *it = NULL;
        for (size_t i = 0; i < d.n && !it; i++)
            if (d.items[i].sev == KZ_SEV_ERROR)
                it = &d.items[i];
        char msg[400];
        snprintf(msg, sizeof msg, "%s: %s", it ? it->path : path,
                 it ? it->msg : "not a valid STIX 2.1 object");
        kz_diag_release(&d);
        return detail(&p->bad, &p->n_bad, id, version_of(v), msg);
    }
    kz_diag_release(&d);
    if (rc)
        return rc;
    kz_store_object o;
    char why[200];
    rc = kz_store_object_from_json(p->chunk, v, el->data, el->len, &o, why, sizeof why);
    if (rc == KZ_ENOMEM)
        return rc;
    if (rc)
        return detail(&p->bad, &p->n_bad, id, version_of(v), why);
    /* The stream hands out elements of the in-memory body in place. */
    if (el->offset + el->len > p->r->req->body_len || body + el->offset != el->data)
        return KZ_EINTERNAL;
    span *sp = &p->valid[p->n_valid];
    sp->off = el->offset;
    sp->len = el->len;
    sp->rewritten = false;
    if (p->r->t->o.publish) {
        bool failed = false;
        rc = publish(p, v, id, sp, &failed);
        if (rc || failed)
            return rc; /* a failed object is in the status already */
    }
    p->n_valid++;
    return KZ_OK;
}

/* The objects that go with rewritten ones (the extension-definition a
 * signature refers to), in the same transaction; "present" after the first
 * time. They are not part of the request, so not of its status either. */
static kz_err store_extra(post_ctx *p)
{
    const kz_taxii_opts *o = &p->r->t->o;
    kz_err rc = KZ_OK;
    for (size_t i = 0; i < o->n_publish_extra && !rc; i++) {
        const char *bytes = o->publish_extra[i];
        size_t len = strlen(bytes);
        kz_json *v = NULL;
        kz_store_object so;
        char why[200];
        rc = kz_json_parse(p->chunk, bytes, len, NULL, &v, NULL);
        if (!rc)
            rc = kz_store_object_from_json(p->chunk, v, bytes, len, &so, why, sizeof why);
        if (rc)
            return rc == KZ_ENOMEM ? rc : KZ_EINTERNAL;
        kz_store_put_result res;
        rc = kz_store_put_batch(p->r->store, p->r->coll.id, &so, 1, &res, NULL);
    }
    kz_arena_reset(p->chunk);
    return rc;
}

/* Pass 2, inside the transaction: the valid objects again, stored in chunks. */
static kz_err store_valid(post_ctx *p, const char *body)
{
    kz_arena_reset(p->chunk);
    for (size_t i = 0; i < p->n_valid; i++) {
        const char *bytes = (p->valid[i].rewritten ? p->xbuf.data : body) + p->valid[i].off;
        size_t len = p->valid[i].len;
        kz_json *v = NULL;
        kz_err rc = kz_json_parse(p->chunk, bytes, len, NULL, &v, NULL);
        char why[200];
        if (!rc)
            rc =
                kz_store_object_from_json(p->chunk, v, bytes, len, &p->objs[p->n], why, sizeof why);
        if (rc)
            return rc == KZ_ENOMEM ? rc : KZ_EINTERNAL; /* it passed pass 1 */
        p->n++;
        if (p->n == POST_CHUNK) {
            rc = flush_chunk(p);
            if (rc)
                return rc;
        }
    }
    kz_err rc = flush_chunk(p);
    if (!rc && p->any_rewritten)
        rc = store_extra(p);
    return rc;
}

/* The status resource is written through the request's store handle,
 * inside the transaction that stores the objects: one commit makes both
 * durable, or neither. This used to be an autocommit INSERT on the module's
 * shared connection (sdb) after the objects' commit, and under concurrent
 * writes it failed with SQLITE_BUSY at once: SQLite calls the busy handler
 * only when the connection has no transaction open, and on a connection
 * shared by the worker threads another thread's status GET or cache lookup
 * (PRAGMA data_version) often had a read open - so the objects were stored
 * and the client was told 500 and retried. Here the transaction began with
 * BEGIN IMMEDIATE on a handle no other thread uses, so it queued for the
 * write lock (busy timeout) before anything was written, and the INSERT
 * cannot meet SQLITE_BUSY. */
static kz_err save_status(tx_req *r, const char *id, const kz_buf *json)
{
    kz_time now = kz_time_now();
    int64_t now_us = kz_store_time_us(&now);
    kz_store_value v[4] = {kz_store_vtext(id), kz_store_vtext(r->acct.name), kz_store_vint(now_us),
                           kz_store_vtext(json->data ? json->data : "")};
    kz_err rc = kz_store_exec(r->store,
                              "INSERT INTO taxii_status(id, account, created_us, json)"
                              " VALUES(?1, ?2, ?3, ?4)",
                              v, 4, NULL, NULL, NULL);
    if (rc)
        return rc;
    /* Statuses older than the retention period go as new ones come (a range
     * delete on the created_us index). Best effort: a failed statement
     * undoes only itself, and an old status that lingers harms nobody. */
    kz_store_value old = kz_store_vint(now_us - (int64_t)r->t->o.status_days * 86400 * 1000000);
    (void)kz_store_exec(r->store, "DELETE FROM taxii_status WHERE created_us < ?1", &old, 1, NULL,
                        NULL, NULL);
    return KZ_OK;
}

static kz_err write_status(post_ctx *p, const char *id, const char *req_ts, kz_buf *b)
{
    kz_err rc = kz_buf_printf(b,
                              "{\"id\":\"%s\",\"status\":\"complete\",\"request_timestamp\":\"%s\","
                              "\"total_count\":%zu,\"success_count\":%zu,\"successes\":[",
                              id, req_ts, p->n_ok + p->n_bad, p->n_ok);
    if (!rc)
        rc = kz_buf_append(b, p->ok.data, p->ok.len);
    if (!rc)
        rc = kz_buf_printf(b, "],\"failure_count\":%zu,\"failures\":[", p->n_bad);
    if (!rc)
        rc = kz_buf_append(b, p->bad.data, p->bad.len);
    if (!rc)
        rc = kz_buf_append_str(b, "],\"pending_count\":0,\"pendings\":[]}");
    return rc;
}

void tx_objects_post(tx_req *r)
{
    if (!tx_collection(r, false, true))
        return;
    const kz_http_request *req = r->req;
    if (!req->body || req->body_len == 0) {
        tx_error(r, 400, "empty request", "POST needs an envelope: {\"objects\": [...]}");
        return;
    }
    kz_time t0 = kz_time_now();
    char req_ts[KZ_TIME_MAX];
    kz_time_format_digits(&t0, 6, req_ts);
    post_ctx p;
    memset(&p, 0, sizeof p);
    p.r = r;
    kz_buf_init(&p.ok, 0);
    kz_buf_init(&p.bad, 0);
    p.chunk = kz_arena_new(1 << 20);
    p.objs = kz_arena_calloc(r->a, POST_CHUNK, sizeof *p.objs);
    p.valid = kz_arena_calloc(r->a, r->t->o.max_objects, sizeof *p.valid);
    kz_buf_init(&p.xbuf, XBUF_MAX(r->t->o.max_content_length));
    bool want_added = r->t->o.on_added != NULL;
    if (want_added) {
        p.added_id = kz_arena_calloc(r->a, r->t->o.max_objects, sizeof *p.added_id);
        p.added_ver = kz_arena_calloc(r->a, r->t->o.max_objects, sizeof *p.added_ver);
    }
    kz_jstream *js = kz_jstream_new_mem(req->body, req->body_len, req->body_len);
    kz_err rc = KZ_OK;
    if (!p.chunk || !p.objs || !p.valid || !js ||
        (want_added && (!p.added_id || !p.added_ver))) {
        tx_error(r, 500, "out of memory", NULL);
        goto done;
    }
    for (;;) {
        kz_jstream_element el;
        rc = kz_jstream_next(js, &el);
        if (rc == KZ_EOF)
            break;
        if (rc == KZ_OK && kz_jstream_get_kind(js) != KZ_JSTREAM_CONTAINER)
            rc = KZ_EINVALID;
        /* the body's own faults, nesting past the splitter's depth too */
        if (rc == KZ_EPARSE || rc == KZ_ETOOBIG || rc == KZ_EINVALID || rc == KZ_EDEPTH) {
            const kz_json_error *je = kz_jstream_error(js);
            char msg[200];
            if (rc == KZ_EINVALID)
                snprintf(msg, sizeof msg, "the body is not an envelope ({\"objects\": [...]})");
            else
                snprintf(msg, sizeof msg, "at byte %zu: %s", je ? je->offset : 0,
                         je ? je->msg : "malformed JSON");
            tx_error(r, 400, "the request body is not a TAXII envelope", msg);
            goto done;
        }
        if (rc)
            break;
        if (++p.total > r->t->o.max_objects) {
            char msg[100];
            snprintf(msg, sizeof msg, "at most %zu objects per request", r->t->o.max_objects);
            tx_error(r, 413, "too many objects", msg);
            goto done;
        }
        rc = check_object(&p, req->body, &el);
        if (rc)
            break;
    }
    if (rc == KZ_EOF && kz_jstream_get_kind(js) != KZ_JSTREAM_CONTAINER) {
        tx_error(r, 400, "the request body is not a TAXII envelope",
                 "expected {\"objects\": [...]}");
        goto done;
    }
    /* The status id and body are made before the transaction ends: they
     * are committed with the objects (save_status). */
    kz_uuid u;
    char sid[KZ_UUID_STR] = "";
    if (rc == KZ_EOF) {
        rc = kz_uuid_v4(&u) ? KZ_EINTERNAL : KZ_OK;
        if (rc) {
            tx_error(r, 500, "no randomness for a status id", NULL);
            goto done;
        }
        kz_uuid_format(&u, sid);
        rc = kz_store_begin(r->store);
        p.in_tx = rc == KZ_OK;
        if (!rc)
            rc = store_valid(&p, req->body);
    }
    kz_buf *b = &r->resp->body;
    if (!rc)
        rc = write_status(&p, sid, req_ts, b);
    if (!rc)
        rc = save_status(r, sid, b);
    if (!rc) {
        rc = kz_store_commit(r->store);
        p.in_tx = rc != KZ_OK;
    }
    if (rc) {
        /* Nothing of the request is stored (the transaction is rolled back
         * below), so the client may simply send it again. 503 when the
         * write lock stayed taken for the whole busy timeout. */
        if (rc == KZ_EBUSY)
            (void)kz_http_response_header(r->resp, "Retry-After", "1");
        tx_error(r, rc == KZ_EBUSY ? 503 : 500, "the objects could not be stored", kz_strerror(rc));
        goto done;
    }
    if (want_added && p.n_added)
        r->t->o.on_added(r->t->o.hook_ctx, &r->acct, r->coll.id, p.added_id, p.added_ver,
                         p.n_added);
    tx_json(r, 202);
done:
    if (p.in_tx)
        kz_store_rollback(r->store);
    kz_jstream_free(js);
    kz_arena_free(p.chunk);
    kz_buf_release(&p.ok);
    kz_buf_release(&p.bad);
    kz_buf_release(&p.xbuf);
}
