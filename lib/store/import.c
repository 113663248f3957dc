/* import.c - streaming import of STIX documents into a collection: split
 * with kz_jstream, parse, validate, and store in batches of exact bytes,
 * with parsing/validation on the caller's thread overlapping the writes of
 * the previous batch on a writer thread (double buffering). */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "kizuna/alloc.h"
#include "kizuna/arena.h"
#include "kizuna/diag.h"
#include "kizuna/json.h"
#include "kizuna/stix.h"
#include "store/store_int.h"

#define DEF_BATCH 5000
#define DEF_BATCH_BYTES (16u << 20)
#define DEF_MAX_OBJECT (4u << 20)

/* One batch: objects and their bytes (in arena), their indexes in the document. */
typedef struct batch {
    kz_store_object *objs;
    size_t *index;
    kz_store_put_result *res;
    size_t n, bytes;
    kz_arena *arena;
} batch;

typedef struct imp {
    kz_store *s;
    const char *coll;
    const kz_store_import_opts *o;
    kz_store_import_result *r;
    size_t max_batch, max_bytes, max_object;
    batch b[2];
    batch *cur;              /* being filled by the parsing thread */
    kz_arena *obj_arena;     /* one element's parse tree, reset per element */
    /* hand-over to the writer */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    batch *pending;          /* handed to the writer; NULL when it is idle */
    bool done;
    kz_err writer_rc;
    pthread_mutex_t cb_mu;   /* callbacks and result counters, from both threads */
} imp;

static void batch_release(batch *b)
{
    kz_free(b->objs);
    kz_free(b->index);
    kz_free(b->res);
    kz_arena_free(b->arena);
}

static kz_err batch_init(batch *b, size_t n)
{
    memset(b, 0, sizeof *b);
    b->objs = kz_calloc(n, sizeof *b->objs);
    b->index = kz_calloc(n, sizeof *b->index);
    b->res = kz_calloc(n, sizeof *b->res);
    b->arena = kz_arena_new(1 << 20);
    return b->objs && b->index && b->res && b->arena ? KZ_OK : KZ_ENOMEM;
}

static void batch_clear(batch *b)
{
    b->n = 0;
    b->bytes = 0;
    kz_arena_reset(b->arena);
}

static void reject(imp *m, size_t index, const char *path, const char *why, bool invalid)
{
    pthread_mutex_lock(&m->cb_mu);
    if (invalid)
        m->r->invalid++;
    if (m->o->on_reject)
        m->o->on_reject(m->o->ctx, index, path ? path : "", why);
    pthread_mutex_unlock(&m->cb_mu);
}

/* Writer side: one batch in one transaction, then its outcomes. */
static kz_err write_batch(imp *m, batch *b)
{
    kz_store_put_stats st = {0};
    kz_err rc = kz_store_put_batch(m->s, m->coll, b->objs, b->n, b->res, &st);
    if (rc)
        return rc;
    for (size_t i = 0; i < b->n; i++) {
        const kz_store_object *o = &b->objs[i];
        if (b->res[i] == KZ_STORE_CONFLICT) {
            char why[200];
            snprintf(why, sizeof why, "%s version %s is already stored with different content",
                     o->id, o->modified ? o->modified : o->created ? o->created : "(none)");
            reject(m, b->index[i], NULL, why, false);
        } else if (b->res[i] == KZ_STORE_REJECTED) {
            reject(m, b->index[i], NULL, "unusable id or version", false);
        }
    }
    pthread_mutex_lock(&m->cb_mu);
    m->r->stats.added += st.added;
    m->r->stats.present += st.present;
    m->r->stats.conflict += st.conflict;
    m->r->stats.rejected += st.rejected;
    m->r->batches++;
    if (m->o->on_commit)
        m->o->on_commit(m->o->ctx, b->index[0], b->index[b->n - 1]);
    pthread_mutex_unlock(&m->cb_mu);
    return KZ_OK;
}

static void *writer(void *arg)
{
    imp *m = arg;
    pthread_mutex_lock(&m->mu);
    for (;;) {
        while (!m->pending && !m->done)
            pthread_cond_wait(&m->cv, &m->mu);
        if (!m->pending)
            break;
        batch *b = m->pending;
        pthread_mutex_unlock(&m->mu);
        kz_err rc = write_batch(m, b);
        pthread_mutex_lock(&m->mu);
        if (rc && !m->writer_rc)
            m->writer_rc = rc;
        m->pending = NULL;
        pthread_cond_broadcast(&m->cv);
    }
    pthread_mutex_unlock(&m->mu);
    return NULL;
}

/* Parsing side: waits until the writer is idle, hands it the current
 * batch and continues filling the other one. */
static kz_err hand_over(imp *m)
{
    if (!m->cur->n)
        return KZ_OK;
    pthread_mutex_lock(&m->mu);
    while (m->pending && !m->writer_rc)
        pthread_cond_wait(&m->cv, &m->mu);
    kz_err rc = m->writer_rc;
    if (!rc) {
        m->pending = m->cur;
        pthread_cond_broadcast(&m->cv);
    }
    pthread_mutex_unlock(&m->mu);
    if (rc)
        return rc;
    /* The writer holds at most one batch, so the other one is free. */
    m->cur = m->cur == &m->b[0] ? &m->b[1] : &m->b[0];
    batch_clear(m->cur);
    return KZ_OK;
}

/* Waits for the writer to finish everything handed over and stops it. */
static kz_err drain(imp *m, pthread_t th)
{
    pthread_mutex_lock(&m->mu);
    while (m->pending)
        pthread_cond_wait(&m->cv, &m->mu);
    m->done = true;
    pthread_cond_broadcast(&m->cv);
    kz_err rc = m->writer_rc;
    pthread_mutex_unlock(&m->mu);
    pthread_join(th, NULL);
    return rc;
}

static const char *keep(batch *b, const char *s)
{
    return s ? kz_arena_strdup(b->arena, s) : NULL;
}

/* One element: parse, validate, queue. KZ_OK also when it was rejected. */
static kz_err one(imp *m, const kz_jstream_element *el)
{
    m->r->objects++;
    kz_arena_reset(m->obj_arena);
    char path[64], why[200];
    snprintf(path, sizeof path, "$.objects[%zu]", el->index);
    if (el->len > m->max_object) {
        snprintf(why, sizeof why, "object of %zu bytes exceeds the limit of %zu bytes", el->len,
                 m->max_object);
        reject(m, el->index, path, why, true);
        return KZ_OK;
    }
    kz_json *v = NULL;
    kz_json_error je;
    kz_err rc = kz_json_parse(m->obj_arena, el->data, el->len, NULL, &v, &je);
    if (rc == KZ_ENOMEM)
        return rc;
    if (rc) {
        snprintf(why, sizeof why, "not valid JSON at byte %zu: %s", el->offset + je.offset,
                 je.msg);
        reject(m, el->index, path, why, true);
        return KZ_OK;
    }
    if (!m->o->no_validate) {
        kz_diag d;
        kz_diag_init(&d, 4);
        rc = kz_stix_validate_object(v, path, NULL, &d);
        size_t nerr = d.n_errors;
        if (rc == KZ_OK && nerr) {
            size_t i = 0;
            while (i < d.n && d.items[i].sev != KZ_SEV_ERROR)
                i++;
            reject(m, el->index, i < d.n ? d.items[i].path : path,
                   i < d.n ? d.items[i].msg : "invalid", true);
        }
        kz_diag_release(&d);
        if (rc)
            return rc;
        if (nerr)
            return KZ_OK;
    }
    const char *data = el->data;
    size_t len = el->len;
    if (m->o->transform) {
        kz_json *nv = NULL;
        const char *nj = NULL;
        size_t nl = 0;
        why[0] = '\0';
        rc = m->o->transform(m->o->transform_ctx, m->obj_arena, v, &nv, &nj, &nl, why,
                             sizeof why);
        if (rc == KZ_ENOMEM)
            return rc;
        if (rc) {
            reject(m, el->index, path, why[0] ? why : kz_strerror(rc), true);
            return KZ_OK;
        }
        if (nv && nj) {
            v = nv;
            data = nj;
            len = nl;
            m->r->transformed++;
        }
    }
    batch *b = m->cur;
    kz_store_object o;
    rc = kz_store_object_from_json(b->arena, v, data, len, &o, why, sizeof why);
    if (rc == KZ_ENOMEM)
        return rc;
    if (rc) {
        reject(m, el->index, path, why, true);
        return KZ_OK;
    }
    /* v dies with obj_arena: what the batch needs goes to the batch arena. */
    char *bytes = kz_arena_alloc(b->arena, len ? len : 1);
    if (!bytes)
        return KZ_ENOMEM;
    memcpy(bytes, data, len);
    const char *mod = o.modified, *cre = o.created;
    o.json = bytes;
    o.id = keep(b, o.id);
    o.type = keep(b, o.type);
    o.spec_version = keep(b, o.spec_version);
    o.modified = keep(b, mod);
    o.created = keep(b, cre);
    if (!o.id || !o.type || !o.spec_version || (mod && !o.modified) || (cre && !o.created))
        return KZ_ENOMEM;
    b->objs[b->n] = o;
    b->index[b->n] = el->index;
    b->n++;
    b->bytes += len;
    if (b->n == m->max_batch || b->bytes >= m->max_bytes)
        return hand_over(m);
    return KZ_OK;
}

static void doc_error(imp *m, const char *what)
{
    m->r->doc_error = true;
    m->r->doc_dropped = m->cur->n;
    snprintf(m->r->doc_msg, sizeof m->r->doc_msg, "%s", what);
    batch_clear(m->cur);
}

/* A container with "objects" must be a bundle or a TAXII envelope (no type). */
static bool wrong_container(kz_jstream *js)
{
    const kz_json *h = kz_jstream_header(js);
    const char *t = h ? kz_json_get_string(h, "type") : NULL;
    return kz_jstream_get_kind(js) == KZ_JSTREAM_CONTAINER && t && strcmp(t, "bundle") != 0;
}

kz_err kz_store_import_fd(kz_store *s, const char *collection, int fd,
                          const kz_store_import_opts *o, kz_store_import_result *r)
{
    static const kz_store_import_opts none = {0};
    if (!o)
        o = &none;
    memset(r, 0, sizeof *r);
    /* Resolve the collection first: a wrong name is one error, not one per batch. */
    kz_store_filter probe = {.collection = collection, .limit = 1, .versions = KZ_STORE_V_ALL};
    kz_err rc = kz_store_query(s, &probe, NULL, NULL, NULL);
    if (rc)
        return rc;
    imp m = {.s = s, .coll = collection, .o = o, .r = r};
    m.max_batch = o->batch ? o->batch : DEF_BATCH;
    m.max_bytes = o->batch_bytes ? o->batch_bytes : DEF_BATCH_BYTES;
    m.max_object = o->max_object ? o->max_object : DEF_MAX_OBJECT;
    kz_jstream *js = NULL;
    kz_err rc0 = batch_init(&m.b[0], m.max_batch);
    kz_err rc1 = batch_init(&m.b[1], m.max_batch);
    m.obj_arena = kz_arena_new(1 << 16);
    /* Elements up to 64 MiB are split out, so that a too-big object is one
     * rejected object rather than the end of the document. */
    js = kz_jstream_new_fd(fd, 0);
    if (rc0 || rc1 || !m.obj_arena || !js) {
        rc = KZ_ENOMEM;
        goto out;
    }
    m.cur = &m.b[0];
    pthread_mutex_init(&m.mu, NULL);
    pthread_cond_init(&m.cv, NULL);
    pthread_mutex_init(&m.cb_mu, NULL);
    pthread_t th;
    /* Full-text bodies go to the durable queue and are indexed in big
     * batches (store_int.h fts_defer); the rest is indexed below. */
    s->fts_defer = true;
    if (pthread_create(&th, NULL, writer, &m) != 0) {
        s->fts_defer = false;
        rc = KZ_ENOMEM;
        goto sync_out;
    }
    kz_jstream_element el;
    size_t since = 0;
    while ((rc = kz_jstream_next(js, &el)) == KZ_OK) {
        rc = one(&m, &el);
        if (rc)
            break;
        if (o->on_progress && ++since >= 1000) {
            since = 0;
            pthread_mutex_lock(&m.cb_mu);
            o->on_progress(o->ctx, kz_jstream_bytes_read(js), r->objects);
            pthread_mutex_unlock(&m.cb_mu);
        }
    }
    if (rc == KZ_EOF) {
        if (wrong_container(js)) {
            doc_error(&m, "a document with \"objects\" must be a bundle or a TAXII envelope");
            rc = KZ_OK;
        } else {
            rc = hand_over(&m);
        }
    } else if (rc == KZ_EPARSE || rc == KZ_ETOOBIG || rc == KZ_EIO) {
        /* A malformed or cut document: the batch being filled may end in
         * garbage and is dropped; batches already handed over are stored. */
        const kz_json_error *je = kz_jstream_error(js);
        char what[240];
        snprintf(what, sizeof what, "%s at line %zu, byte %zu (%s)",
                 rc == KZ_ETOOBIG ? "element too large" : rc == KZ_EIO ? "read error"
                                                                       : "malformed document",
                 je ? je->line : 0, je ? je->offset : 0, je && je->msg[0] ? je->msg : "?");
        doc_error(&m, what);
        rc = KZ_OK;
    }
    kz_err wrc = drain(&m, th);
    if (!rc)
        rc = wrc;
    s->fts_defer = false;
    /* What the writer left queued is indexed before returning, so that a
     * search after the import finds everything it stored. A failure here
     * loses nothing: the queue stays, and the next import, search or
     * kz_store_index_pending indexes it. */
    if (!rc)
        rc = s->ops->index_pending(s, 0, NULL);
    if (o->on_progress) {
        pthread_mutex_lock(&m.cb_mu);
        o->on_progress(o->ctx, kz_jstream_bytes_read(js), r->objects);
        pthread_mutex_unlock(&m.cb_mu);
    }
sync_out:
    pthread_mutex_destroy(&m.mu);
    pthread_cond_destroy(&m.cv);
    pthread_mutex_destroy(&m.cb_mu);
out:
    kz_jstream_free(js);
    kz_arena_free(m.obj_arena);
    batch_release(&m.b[0]);
    batch_release(&m.b[1]);
    return rc;
}
