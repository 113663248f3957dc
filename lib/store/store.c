/* store.c - the store's front: argument checks, collection naming rules,
 * the version rule, cursor paging and dispatch to the backend ops table. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "kizuna/alloc.h"
#include "store/store_int.h"

void kz_store_set_error(kz_store *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->errmsg, sizeof s->errmsg, fmt, ap);
    va_end(ap);
}

kz_err kz_store_open(const char *path, const kz_store_opts *opts, kz_store **out)
{
    *out = NULL;
    if (!path || !*path)
        return KZ_EINVAL;
    kz_store_opts def = {0};
    kz_store *s = kz_calloc(1, sizeof *s);
    if (!s)
        return KZ_ENOMEM;
    s->ops = &kz_store_sqlite_ops;
    kz_err rc = s->ops->open(s, path, opts ? opts : &def);
    if (rc) {
        kz_store_close(s);
        return rc;
    }
    *out = s;
    return KZ_OK;
}

void kz_store_close(kz_store *s)
{
    if (!s)
        return;
    if (s->be)
        s->ops->close(s);
    kz_free(s);
}

const char *kz_store_errmsg(const kz_store *s)
{
    return s && s->errmsg[0] ? s->errmsg : "no error";
}

const char *kz_store_backend(const kz_store *s)
{
    return s->ops->name;
}

int kz_store_schema_version(const kz_store *s)
{
    return s->ops->schema_version((kz_store *)s);
}

/* ---- time ---- */

int64_t kz_store_time_us(const kz_time *t)
{
    return t->sec * 1000000 + t->nsec / 1000;
}

void kz_store_format_us(int64_t us, char out[KZ_TIME_MAX])
{
    int64_t sec = us / 1000000, rem = us % 1000000;
    if (rem < 0) {
        rem += 1000000;
        sec--;
    }
    kz_time t = {.sec = sec, .nsec = (int32_t)(rem * 1000), .digits = 6};
    kz_time_format_digits(&t, 6, out);
}

kz_err kz_store_parse_us(const char *s, int64_t *out)
{
    kz_time t;
    kz_err rc = kz_time_parse(s, strlen(s), KZ_TIME_STRICT, &t);
    if (rc)
        return rc;
    *out = kz_store_time_us(&t);
    return KZ_OK;
}

kz_err kz_store_vkey(const char *ts, char out[KZ_TIME_MAX])
{
    kz_time t;
    kz_err rc = kz_time_parse(ts, strlen(ts), KZ_TIME_STRICT, &t);
    if (rc)
        return rc;
    kz_time_format_digits(&t, 9, out);
    return KZ_OK;
}

/* THE version rule (TAXII 2.1 section 3.6 via STIX): `modified`, else
 * `created`, else the object is versionless and its version is the
 * date_added of its first storage (the backend fills that in). */
kz_err kz_store_version_of(const kz_store_object *o, kz_store_vinfo *vi)
{
    memset(vi, 0, sizeof *vi);
    const char *v = o->modified ? o->modified : o->created;
    if (!v) {
        vi->versionless = true;
        return KZ_OK;
    }
    if (kz_store_vkey(v, vi->vkey) != KZ_OK)
        return KZ_EINVALID;
    vi->version = v;
    return KZ_OK;
}

/* ---- collections ---- */

static const char *const tlp_names[] = {"clear", "green", "amber", "amber+strict", "red"};

kz_err kz_store_tlp_check(const char *tlp)
{
    if (!tlp || !*tlp)
        return KZ_OK;
    for (size_t i = 0; i < sizeof tlp_names / sizeof tlp_names[0]; i++)
        if (strcmp(tlp, tlp_names[i]) == 0)
            return KZ_OK;
    return KZ_EINVAL;
}

static bool alias_ok(const char *a)
{
    size_t n = a ? strlen(a) : 0;
    if (n == 0 || n > KZ_STORE_ALIAS_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = a[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '_' || ch == '.' || ch == '-'))
            return false;
    }
    /* An alias that parses as a UUID would make "alias or id" ambiguous. */
    kz_uuid u;
    return kz_uuid_parse(a, n, &u) != KZ_OK;
}

kz_err kz_store_collection_add(kz_store *s, const kz_collection *c, char id_out[KZ_UUID_STR])
{
    kz_collection cc = *c;
    if (!alias_ok(cc.alias)) {
        kz_store_set_error(s, "bad alias (1-64 of A-Z a-z 0-9 _ . -, not a UUID)");
        return KZ_EINVAL;
    }
    if (kz_store_tlp_check(cc.default_tlp)) {
        kz_store_set_error(s, "unknown TLP level '%s'", cc.default_tlp);
        return KZ_EINVAL;
    }
    if (cc.default_tlp && !*cc.default_tlp)
        cc.default_tlp = NULL;
    if (!cc.title || !*cc.title)
        cc.title = cc.alias;
    if (!cc.media_types || !*cc.media_types)
        cc.media_types = "application/stix+json;version=2.1";
    kz_uuid u;
    if (cc.id[0]) {
        if (kz_uuid_parse(cc.id, strlen(cc.id), &u)) {
            kz_store_set_error(s, "bad collection id '%s'", cc.id);
            return KZ_EINVAL;
        }
    } else {
        kz_err rc = kz_uuid_v4(&u);
        if (rc)
            return rc;
    }
    kz_uuid_format(&u, cc.id);
    kz_time now = kz_time_now();
    cc.created_us = kz_store_time_us(&now);
    kz_err rc = s->ops->coll_add(s, &cc);
    if (rc)
        return rc;
    if (id_out)
        memcpy(id_out, cc.id, KZ_UUID_STR);
    return KZ_OK;
}

static kz_err resolve(kz_store *s, const char *name, kz_store_coll_ref *ref)
{
    if (!name || !*name)
        return KZ_EINVAL;
    kz_err rc = s->ops->coll_resolve(s, name, ref);
    if (rc == KZ_ENOTFOUND)
        kz_store_set_error(s, "no collection '%s'", name);
    return rc;
}

kz_err kz_store_collection_get(kz_store *s, const char *alias_or_id, kz_store_collection_fn fn,
                               void *ctx)
{
    kz_store_coll_ref ref;
    kz_err rc = resolve(s, alias_or_id, &ref);
    if (rc)
        return rc;
    return s->ops->coll_get(s, ref.key, fn, ctx);
}

kz_err kz_store_collection_list(kz_store *s, kz_store_collection_fn fn, void *ctx)
{
    return s->ops->coll_list(s, fn, ctx);
}

/* kz_store_collection_ids: the growing array of ids. */
typedef struct ids_ctx {
    char (*ids)[KZ_UUID_STR];
    size_t n, cap;
    bool oom;
} ids_ctx;

static int add_id(void *ctx, const kz_collection *c)
{
    ids_ctx *x = ctx;
    if (x->n == x->cap) {
        size_t cap = x->cap ? x->cap * 2 : 16;
        void *p = kz_realloc(x->ids, cap * sizeof *x->ids);
        if (!p) {
            x->oom = true;
            return 1;
        }
        x->ids = p;
        x->cap = cap;
    }
    memcpy(x->ids[x->n++], c->id, KZ_UUID_STR);
    return 0;
}

kz_err kz_store_collection_ids(kz_store *s, char (**ids)[KZ_UUID_STR], size_t *n)
{
    ids_ctx x = {0};
    kz_err rc = kz_store_collection_list(s, add_id, &x);
    if (!rc && x.oom)
        rc = KZ_ENOMEM;
    if (rc) {
        kz_free(x.ids);
        x.ids = NULL;
        x.n = 0;
    }
    *ids = x.ids;
    *n = x.n;
    return rc;
}

kz_err kz_store_collection_remove(kz_store *s, const char *alias_or_id)
{
    kz_store_coll_ref ref;
    kz_err rc = resolve(s, alias_or_id, &ref);
    if (rc)
        return rc;
    return s->ops->coll_remove(s, ref.key);
}

/* ---- writing ---- */

/* Version infos of a batch live on the stack for small batches and on
 * the heap beyond. */
#define VI_STACK 64

kz_err kz_store_put_batch(kz_store *s, const char *collection, const kz_store_object *objs,
                          size_t n, kz_store_put_result *results, kz_store_put_stats *stats)
{
    kz_store_coll_ref ref;
    kz_err rc = resolve(s, collection, &ref);
    if (rc)
        return rc;
    if (n == 0)
        return KZ_OK;
    kz_store_vinfo stack_vi[VI_STACK];
    kz_store_vinfo *vi = stack_vi;
    if (n > VI_STACK) {
        vi = kz_calloc(n, sizeof *vi);
        if (!vi)
            return KZ_ENOMEM;
    }
    kz_store_put_result stack_res[VI_STACK];
    kz_store_put_result *res = results;
    if (!res)
        res = n > VI_STACK ? kz_calloc(n, sizeof *res) : stack_res;
    if (!res) {
        rc = KZ_ENOMEM;
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        /* A rejected object keeps its slot: the backend skips it. */
        res[i] = KZ_STORE_ADDED;
        if (!objs[i].id || !objs[i].type || !objs[i].json ||
            kz_store_version_of(&objs[i], &vi[i]) != KZ_OK)
            res[i] = KZ_STORE_REJECTED;
    }
    rc = s->ops->put_batch(s, ref.key, objs, vi, n, res, stats);
done:
    if (vi != stack_vi)
        kz_free(vi);
    if (res != results && res != stack_res)
        kz_free(res);
    return rc;
}

kz_err kz_store_exec(kz_store *s, const char *sql, const kz_store_value *params, size_t n,
                     kz_store_row_fn fn, void *ctx, int64_t *changes)
{
    if (changes)
        *changes = 0;
    if (!s || !sql || !*sql || n > KZ_STORE_EXEC_MAX || (n && !params))
        return KZ_EINVAL;
    return s->ops->exec(s, sql, params, n, fn, ctx, changes);
}

kz_err kz_store_begin(kz_store *s)
{
    return s->ops->begin(s);
}

kz_err kz_store_commit(kz_store *s)
{
    return s->ops->commit(s);
}

kz_err kz_store_rollback(kz_store *s)
{
    return s->ops->rollback(s);
}

/* ---- reading ---- */

/* Per-query state for the paging wrapper around the caller's callback. */
typedef struct page_ctx {
    kz_store_record_fn fn;
    void *ctx;
    size_t limit;
    size_t n;
    bool more;
    bool stopped;            /* the caller asked to stop */
    int64_t first_us, last_us, last_rowid;
} page_ctx;

static int page_cb(void *arg, const kz_store_record *r)
{
    page_ctx *p = arg;
    if (p->stopped || (p->limit && p->n >= p->limit)) {
        p->more = true; /* one row past the page proves there is another */
        return 1;
    }
    if (p->n == 0)
        p->first_us = r->date_added_us;
    p->n++;
    p->last_us = r->date_added_us;
    p->last_rowid = r->rowid;
    if (p->fn && p->fn(p->ctx, r) != 0)
        p->stopped = true;
    return 0;
}

/* Turns f into a resolved query: collection, cursor check, version keys.
 * vkeys (n_version_ts entries) is the caller's scratch. */
static kz_err prepare(kz_store *s, const kz_store_filter *f, kz_store_q *q,
                      char (*vkeys)[KZ_TIME_MAX], const char **vkp, kz_store_coll_ref *ref,
                      bool use_cursor)
{
    memset(q, 0, sizeof *q);
    kz_err rc = resolve(s, f->collection, ref);
    if (rc)
        return rc;
    q->f = f;
    q->coll = ref->key;
    q->has_after = f->has_added_after;
    q->after_us = f->added_after_us;
    for (size_t i = 0; i < f->n_version_ts; i++) {
        if (kz_store_vkey(f->version_ts[i], vkeys[i])) {
            kz_store_set_error(s, "bad version timestamp '%s'", f->version_ts[i]);
            return KZ_EINVAL;
        }
        vkp[i] = vkeys[i];
    }
    q->vkeys = vkp;
    q->n_vkeys = f->n_version_ts;
    q->versions = f->versions;
    if (!q->versions && !f->n_version_ts)
        q->versions = KZ_STORE_V_LAST;
    q->latest_spec = !f->n_spec_versions && !f->all_spec_versions;
    if (use_cursor && f->next && *f->next) {
        kz_store_cursor c;
        if (kz_store_cursor_decode(f->next, strlen(f->next), &c) ||
            c.filter_hash != kz_store_filter_hash(f, ref->id)) {
            kz_store_set_error(s, "the next cursor does not belong to this query");
            return KZ_EINVAL;
        }
        if (!q->has_after || c.added_us > q->after_us)
            q->after_us = c.added_us;
        q->has_after = true;
    }
    return KZ_OK;
}

#define MAX_VERSION_TS 64

kz_err kz_store_query(kz_store *s, const kz_store_filter *f, kz_store_record_fn fn, void *ctx,
                      kz_store_page *page)
{
    if (!f || f->n_version_ts > MAX_VERSION_TS)
        return KZ_EINVAL;
    char vkeys[MAX_VERSION_TS][KZ_TIME_MAX];
    const char *vkp[MAX_VERSION_TS];
    kz_store_q q;
    kz_store_coll_ref ref;
    /* The cursor is decoded before page is cleared: callers may pass the
     * previous page's next as f->next and the same page to fill. */
    kz_err rc = prepare(s, f, &q, vkeys, vkp, &ref, true);
    if (page)
        memset(page, 0, sizeof *page);
    if (rc)
        return rc;
    page_ctx p = {.fn = fn, .ctx = ctx, .limit = f->limit};
    rc = s->ops->query(s, &q, page_cb, &p);
    if (rc)
        return rc;
    if (p.stopped)
        p.more = true;
    if (page) {
        page->n = p.n;
        page->more = p.more && p.n > 0;
        page->first_added_us = p.first_us;
        page->last_added_us = p.last_us;
        if (page->more) {
            kz_store_cursor c = {.added_us = p.last_us, .rowid = p.last_rowid,
                                 .filter_hash = kz_store_filter_hash(f, ref.id)};
            kz_store_cursor_encode(&c, page->next);
        }
    }
    return KZ_OK;
}

/* kz_store_walk: remembers whether fn asked to stop, because a stopped
 * query reports more=true with a cursor just like a full page. */
typedef struct walk_ctx {
    kz_store_record_fn fn;
    void *ctx;
    bool stopped;
} walk_ctx;

static int walk_record(void *ctx, const kz_store_record *r)
{
    walk_ctx *w = ctx;
    if (!w->fn(w->ctx, r))
        return 0;
    w->stopped = true;
    return 1;
}

kz_err kz_store_walk(kz_store *s, const kz_store_filter *f, size_t page_size,
                     kz_store_record_fn fn, void *ctx)
{
    if (!s || !f || !fn)
        return KZ_EINVAL;
    kz_store_filter q = *f;
    q.limit = page_size ? page_size : 1000;
    walk_ctx w = {.fn = fn, .ctx = ctx};
    char next[KZ_STORE_CURSOR_MAX] = "";
    for (;;) {
        q.next = next[0] ? next : NULL;
        kz_store_page pg = {0};
        kz_err rc = kz_store_query(s, &q, walk_record, &w, &pg);
        if (rc || w.stopped || !pg.more)
            return rc;
        memcpy(next, pg.next, sizeof next);
    }
}

kz_err kz_store_count(kz_store *s, const kz_store_filter *f, int64_t *out)
{
    if (!f || f->n_version_ts > MAX_VERSION_TS)
        return KZ_EINVAL;
    char vkeys[MAX_VERSION_TS][KZ_TIME_MAX];
    const char *vkp[MAX_VERSION_TS];
    kz_store_q q;
    kz_store_coll_ref ref;
    kz_err rc = prepare(s, f, &q, vkeys, vkp, &ref, false);
    if (rc)
        return rc;
    return s->ops->count(s, &q, out);
}

kz_err kz_store_versions(kz_store *s, const char *collection, const char *id, size_t limit,
                         const char *next, kz_store_record_fn fn, void *ctx, kz_store_page *page)
{
    const char *ids[1] = {id};
    kz_store_filter f = {.collection = collection, .ids = ids, .n_ids = 1,
                         .versions = KZ_STORE_V_ALL, .limit = limit, .next = next};
    return kz_store_query(s, &f, fn, ctx, page);
}

kz_err kz_store_delete_object(kz_store *s, const char *collection, const char *id,
                              const kz_store_filter *f, size_t *n_deleted)
{
    if (n_deleted)
        *n_deleted = 0;
    if (!id || !*id)
        return KZ_EINVAL;
    kz_store_filter df = {0};
    if (f) {
        df.versions = f->versions;
        df.version_ts = f->version_ts;
        df.n_version_ts = f->n_version_ts;
        df.spec_versions = f->spec_versions;
        df.n_spec_versions = f->n_spec_versions;
    }
    if (!df.versions && !df.n_version_ts)
        df.versions = KZ_STORE_V_ALL;
    /* Deleting keeps its documented default, every version of the id
     * (so also every spec_version), rather than the query's TAXII default. */
    df.all_spec_versions = !df.n_spec_versions;
    df.collection = collection;
    if (df.n_version_ts > MAX_VERSION_TS)
        return KZ_EINVAL;
    char vkeys[MAX_VERSION_TS][KZ_TIME_MAX];
    const char *vkp[MAX_VERSION_TS];
    kz_store_q q;
    kz_store_coll_ref ref;
    kz_err rc = prepare(s, &df, &q, vkeys, vkp, &ref, false);
    if (rc)
        return rc;
    size_t nd = 0;
    rc = s->ops->delete_object(s, &q, id, &nd);
    if (rc)
        return rc;
    if (n_deleted)
        *n_deleted = nd;
    return nd ? KZ_OK : KZ_ENOTFOUND;
}

/* Longest search query accepted (bytes). */
#define MAX_SEARCH 1024

/* Builds an FTS5 query in which every word of q is a quoted phrase (so
 * that user text can never be FTS5 syntax) and a trailing '*' stays a
 * prefix marker. Words are AND-ed. */
static kz_err fts_query(const char *q, char *out, size_t outsz)
{
    size_t o = 0;
    const char *p = q;
    bool any = false;
    while (*p) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            break;
        const char *w = p;
        while (*p && *p != ' ' && *p != '\t')
            p++;
        size_t wl = (size_t)(p - w);
        bool prefix = wl > 1 && w[wl - 1] == '*';
        if (prefix)
            wl--;
        /* worst case every byte doubles ("") plus quotes, star, space */
        if (o + wl * 2 + 6 >= outsz)
            return KZ_ETOOBIG;
        if (any)
            out[o++] = ' ';
        out[o++] = '"';
        for (size_t i = 0; i < wl; i++) {
            if (w[i] == '"')
                out[o++] = '"';
            out[o++] = w[i];
        }
        out[o++] = '"';
        if (prefix)
            out[o++] = '*';
        any = true;
    }
    out[o] = '\0';
    return any ? KZ_OK : KZ_EINVAL;
}

kz_err kz_store_search(kz_store *s, const char *query, const char *type, size_t limit,
                       bool want_json, kz_store_record_fn fn, void *ctx)
{
    if (!query || strlen(query) > MAX_SEARCH)
        return query ? KZ_ETOOBIG : KZ_EINVAL;
    char fq[MAX_SEARCH * 2 + 16];
    kz_err rc = fts_query(query, fq, sizeof fq);
    if (rc) {
        kz_store_set_error(s, "empty search query");
        return rc;
    }
    return s->ops->search(s, fq, type, limit ? limit : 20, want_json, fn, ctx);
}

kz_err kz_store_index_pending(kz_store *s, size_t max, size_t *n_indexed)
{
    if (n_indexed)
        *n_indexed = 0;
    if (!s)
        return KZ_EINVAL;
    return s->ops->index_pending(s, max, n_indexed);
}

kz_err kz_store_check(kz_store *s, kz_store_line_fn fn, void *ctx, bool *ok)
{
    return s->ops->check(s, fn, ctx, ok);
}
