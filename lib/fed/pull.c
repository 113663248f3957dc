/* pull.c - a pull subscription: pages through the remote collection with
 * added_after from the durable checkpoint (and `next` within a round),
 * has each page's objects validated, filtered and their signatures
 * verified by a pool of worker threads (pull_work.c), and stores the
 * page, the provenance of the versions it added and the advanced
 * checkpoint in ONE store transaction on the calling thread
 * (docs/federation.md, "Pull"). */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fed_int.h"
#include "kizuna/arena.h"
#include "kizuna/fed_sign.h"

typedef struct page {
    kz_arena *a;
    kz_store_object *objs;
    const char **vers;  /* version key of objs[i] (modified, created or "-") */
    fed_sig_rec *sigs;  /* the signature verdict of objs[i] */
    size_t n, cap;
} page;

static void report(const kz_fed_round_opts *o, const char *peer, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void report(const kz_fed_round_opts *o, const char *peer, const char *fmt, ...)
{
    if (!o->report)
        return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    o->report(o->ctx, peer, msg);
}

static kz_err page_push(page *p, const kz_store_object *o, const char *ver, const fed_sig_rec *sig)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 256;
        kz_store_object *no = kz_arena_alloc(p->a, cap * sizeof *no);
        const char **nv = kz_arena_alloc(p->a, cap * sizeof *nv);
        fed_sig_rec *ns = kz_arena_alloc(p->a, cap * sizeof *ns);
        if (!no || !nv || !ns)
            return KZ_ENOMEM;
        if (p->n) {
            memcpy(no, p->objs, p->n * sizeof *no);
            memcpy(nv, p->vers, p->n * sizeof *nv);
            memcpy(ns, p->sigs, p->n * sizeof *ns);
        }
        p->sigs = ns;
        p->objs = no;
        p->vers = nv;
        p->cap = cap;
    }
    p->objs[p->n] = *o;
    p->vers[p->n] = ver;
    p->sigs[p->n] = *sig;
    p->n++;
    return KZ_OK;
}

/* The page's elements, in envelope order (heap, kept across pages). */
typedef struct items {
    fed_page_item *v;
    size_t n, cap;
} items;

static kz_err items_add(items *l, const char *data, size_t len, size_t index)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 1024;
        fed_page_item *nv = realloc(l->v, cap * sizeof *nv);
        if (!nv)
            return KZ_ENOMEM;
        l->v = nv;
        l->cap = cap;
    }
    l->v[l->n++] = (fed_page_item){.data = data, .len = len, .index = index};
    return KZ_OK;
}

/* The workers' verdicts in page order: counters, report lines and the
 * objects to store, exactly as one thread judging the elements one after
 * the other would have produced them. Stops at the first item that ran
 * out of memory (its predecessors are counted, as before the pool). */
static kz_err merge_items(const kz_fed_sub *s, const kz_fed_round_opts *o,
                          kz_fed_round_stats *st, page *p, const items *l)
{
    for (size_t i = 0; i < l->n; i++) {
        const fed_page_item *it = &l->v[i];
        if (it->rc)
            return it->rc;
        switch (it->kind) {
        case FED_ITEM_INVALID: st->invalid++; break;
        case FED_ITEM_WITHHELD: st->withheld++; break;
        case FED_ITEM_REJECTED: st->rejected++; break;
        case FED_ITEM_KEEP: break;
        }
        if (it->msg)
            report(o, s->peer, "%s", it->msg);
        if (it->kind != FED_ITEM_KEEP)
            continue;
        if (it->verified)
            st->verified++;
        kz_err rc = page_push(p, &it->so, it->ver, &it->sig);
        if (rc)
            return rc;
    }
    return KZ_OK;
}

/* Appends "&name=escaped" to url. */
static kz_err add_param(kz_buf *url, const char *name, const char *value)
{
    char *e = curl_easy_escape(NULL, value, 0);
    if (!e)
        return KZ_ENOMEM;
    kz_err rc = kz_buf_printf(url, "&%s=%s", name, e);
    curl_free(e);
    return rc;
}

/* One page in one store transaction: the objects (put_batch joins it),
 * then provenance and signature verdicts of the versions it added and the
 * checkpoint (fed_pull_record, through the store's connection). Nothing
 * of it stays on any error. */
static kz_err store_page(kz_fed *f, const kz_fed_sub *s, const page *p, kz_store_put_result *res,
                         const char *const *ids, const char *const *vers, const char *last,
                         kz_store_put_stats *ps, char *why, size_t why_len)
{
    if (p->n == 0 && (!last || !*last))
        return KZ_OK;
    kz_err rc = kz_store_begin(f->store);
    if (rc) {
        snprintf(why, why_len, "local store: %s: %s", kz_strerror(rc), kz_store_errmsg(f->store));
        return rc;
    }
    if (p->n) {
        rc = kz_store_put_batch(f->store, s->local, p->objs, p->n, res, ps);
        if (rc) {
            snprintf(why, why_len, "local store: %s: %s", kz_strerror(rc),
                     kz_store_errmsg(f->store));
            goto fail;
        }
    }
    rc = fed_pull_record(f, ids, vers, p->n, res, p->sigs, s->peer, s->id, last);
    if (rc) {
        snprintf(why, why_len, "%s", f->err);
        goto fail;
    }
    rc = kz_store_commit(f->store);
    if (rc) {
        /* kz_store_commit rolls back a failed COMMIT itself */
        snprintf(why, why_len, "local store: commit: %s: %s", kz_strerror(rc),
                 kz_store_errmsg(f->store));
        *ps = (kz_store_put_stats){0};
    }
    return rc;
fail:
    kz_store_rollback(f->store);
    *ps = (kz_store_put_stats){0};
    return rc;
}

kz_err fed_pull_sub(kz_fed *f, fed_client *c, const kz_fed_sub *s, const kz_fed_round_opts *o,
                    kz_fed_round_stats *st, char *why, size_t why_len)
{
    char coll_url[1400];
    kz_err rc = fed_client_collection(c, s->remote, coll_url, sizeof coll_url, why, why_len);
    if (rc)
        return rc;
    size_t limit = o->page_size ? o->page_size : 1000;
    char *filter_after = strdup(s->checkpoint ? s->checkpoint : "");
    char *next = NULL;
    kz_buf url;
    kz_buf_init(&url, 8192);
    page p = {0};
    p.a = kz_arena_new(0);
    kz_store_put_result *res = NULL;
    const char **pids = NULL, **pvers = NULL;
    kz_fed_trust *trust = NULL;
    items l = {0};
    fed_pool *pool = NULL;
    if (!p.a || !filter_after) {
        rc = KZ_ENOMEM;
        goto out;
    }
    /* the threads that judge a page's objects (fed_workers, kizuna.conf) */
    if (!f->workers) {
        rc = fed_workers_config(f->dir, &f->workers, why, why_len);
        if (rc)
            goto out;
    }
    rc = fed_pool_new(f->workers, &pool);
    if (rc)
        goto out;
    /* the partners' keys, read once per subscription and round */
    rc = kz_fed_trust_load(f->dir, &trust);
    if (rc) {
        snprintf(why, why_len, "cannot read the trusted keys: %s", kz_strerror(rc));
        goto out;
    }
    for (size_t pages = 0; !o->max_pages || pages < o->max_pages; pages++) {
        if (o->stop && *o->stop)
            break;
        kz_buf_reset(&url);
        kz_arena_reset(p.a);
        p.n = p.cap = 0;
        l.n = 0;
        /* every version, not only the latest (TAXII's default) */
        rc = kz_buf_printf(&url, "%sobjects/?limit=%zu&match%%5Bversion%%5D=all", coll_url, limit);
        if (!rc && filter_after[0])
            rc = add_param(&url, "added_after", filter_after);
        if (!rc && next)
            rc = add_param(&url, "next", next);
        if (rc)
            goto out;
        long status;
        rc = fed_client_get(c, url.data, &status, why, why_len);
        if (rc)
            goto out;
        size_t blen;
        const char *body = fed_client_body(c, &blen);
        /* the elements with their exact bytes (the store keeps what the
         * publisher wrote), the rest of the envelope parsed at the end */
        kz_jstream *js = kz_jstream_new_mem(body, blen, 16u << 20);
        if (!js) {
            rc = KZ_ENOMEM;
            goto out;
        }
        kz_jstream_element el;
        size_t n_el = 0;
        kz_fed_envelope env = {0};
        bool single = false;
        while ((rc = kz_jstream_next(js, &el)) == KZ_OK) {
            if (kz_jstream_get_kind(js) == KZ_JSTREAM_SINGLE) {
                /* an envelope without "objects" (an empty page): the whole
                 * document is this one element */
                single = true;
                rc = kz_fed_parse_envelope(p.a, el.data, el.len, &env, why, why_len);
                break;
            }
            if (kz_jstream_get_kind(js) != KZ_JSTREAM_CONTAINER) {
                snprintf(why, why_len, "peer '%s': response is not a TAXII envelope", s->peer);
                rc = KZ_EINVALID;
                break;
            }
            n_el++;
            /* judged below, all at once: the element's bytes stay in
             * c's body until the next request */
            rc = items_add(&l, el.data, el.len, el.index);
            if (rc)
                break;
        }
        if (single) {
            /* rc from the envelope parse */
        } else if (rc == KZ_EOF) {
            rc = KZ_OK;
            const kz_json *hdr = kz_jstream_header(js);
            if (hdr) {
                rc = fed_envelope_check(hdr, n_el, &env, why, why_len);
            }
        } else if (rc != KZ_ENOMEM && rc != KZ_EINVALID) {
            const kz_json_error *je = kz_jstream_error(js);
            snprintf(why, why_len, "peer '%s': bad envelope: %s", s->peer, je ? je->msg : "error");
            rc = KZ_EPARSE;
        }
        if (!rc && l.n) {
            rc = fed_pool_run(pool, s, trust, l.v, l.n);
            if (!rc)
                rc = merge_items(s, o, st, &p, &l);
        }
        char *new_next = NULL;
        if (!rc && env.next && !(new_next = strdup(env.next)))
            rc = KZ_ENOMEM;
        kz_jstream_free(js);
        if (rc)
            goto out;
        free(next);
        next = new_next;
        st->pages++;
        st->pulled += n_el;

        /* the page, the provenance of what it added and the checkpoint:
         * one store transaction, so a crash leaves either all of it or
         * none (the page is then fetched again; a version already held is
         * KZ_STORE_PRESENT, a no-op) */
        free(pids);
        free(pvers);
        pids = calloc(p.n + 1, sizeof *pids);
        pvers = calloc(p.n + 1, sizeof *pvers);
        free(res);
        res = calloc(p.n + 1, sizeof *res);
        if (!pids || !pvers || !res) {
            rc = KZ_ENOMEM;
            goto out;
        }
        for (size_t i = 0; i < p.n; i++) {
            pids[i] = p.objs[i].id;
            pvers[i] = p.vers[i];
        }
        /* the checkpoint: the date_added of the page's last object as the
         * server said (X-TAXII-Date-Added-Last) */
        const char *last = fed_client_header(c, "X-TAXII-Date-Added-Last");
        kz_store_put_stats ps = {0};
        rc = store_page(f, s, &p, res, pids, pvers, last, &ps, why, why_len);
        if (rc)
            goto out;
        st->stored += ps.added;
        st->present += ps.present;
        st->rejected += ps.conflict + ps.rejected;
        for (size_t i = 0; i < p.n; i++) {
            if (res[i] != KZ_STORE_CONFLICT && res[i] != KZ_STORE_REJECTED)
                continue;
            report(o, s->peer, "%s %s: %s, not stored", p.objs[i].id, p.vers[i],
                   res[i] == KZ_STORE_CONFLICT ? "same version with different content"
                                               : "rejected by the store");
        }
        if (!env.more || n_el == 0)
            break;
        if (!next) {
            /* more without next: continue from the checkpoint */
            if (!last || !*last) {
                snprintf(why, why_len, "peer '%s': more=true without next or Date-Added-Last",
                         s->peer);
                rc = KZ_EINVALID;
                goto out;
            }
            char *fa = strdup(last);
            if (!fa) {
                rc = KZ_ENOMEM;
                goto out;
            }
            free(filter_after);
            filter_after = fa;
        }
    }
out:
    fed_pool_free(pool);
    free(l.v);
    kz_fed_trust_free(trust);
    free(filter_after);
    free(next);
    free(pids);
    free(pvers);
    free(res);
    kz_buf_release(&url);
    kz_arena_free(p.a);
    return rc;
}
