/* pull_work.c - the per-object work of a pulled page (parse, validate,
 * filter by type and TLP, verify the signature, store metadata) spread
 * over a small pool of worker threads, each with its own arena; the
 * verdicts land in the page's items in page order, so the caller (pull.c)
 * merges them exactly as if one thread had done the work. */
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fed_int.h"
#include "kizuna/arena.h"
#include "kizuna/config.h"
#include "kizuna/diag.h"
#include "kizuna/stix.h"

/* Items taken by a worker at a time: large enough that the shared counter
 * is not contended, small enough that the last chunks even out. */
#define CHUNK 8

struct fed_pool {
    size_t n;          /* workers, the calling thread included; 1: no threads */
    kz_arena **arenas; /* arenas[t] belongs to worker t; reset by each run */
};

size_t fed_workers_default(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1)
        return 1;
    return n > FED_WORKERS_DEFAULT_MAX ? FED_WORKERS_DEFAULT_MAX : (size_t)n;
}

kz_err fed_workers_config(const char *dir, size_t *out, char *why, size_t why_len)
{
    *out = fed_workers_default();
    kz_config *c = NULL;
    kz_config_error ce;
    kz_err rc = kz_config_load_node(dir, &c, &ce);
    if (rc) {
        snprintf(why, why_len, "kizuna.conf:%zu: %s", ce.line, ce.msg);
        return rc;
    }
    int64_t v;
    rc = kz_config_get_int(c, "fed_workers", 1, FED_WORKERS_MAX, (int64_t)*out, &v);
    if (rc)
        snprintf(why, why_len, "kizuna.conf:%zu: fed_workers must be 1..%d",
                 kz_config_line(c, "fed_workers"), FED_WORKERS_MAX);
    else
        *out = (size_t)v;
    kz_config_free(c);
    return rc;
}

kz_err fed_pool_new(size_t workers, fed_pool **out)
{
    *out = NULL;
    if (workers < 1)
        workers = 1;
    if (workers > FED_WORKERS_MAX)
        workers = FED_WORKERS_MAX;
    fed_pool *p = calloc(1, sizeof *p);
    if (!p)
        return KZ_ENOMEM;
    p->arenas = calloc(workers, sizeof *p->arenas);
    if (!p->arenas) {
        free(p);
        return KZ_ENOMEM;
    }
    p->n = workers;
    for (size_t t = 0; t < workers; t++) {
        p->arenas[t] = kz_arena_new(0);
        if (!p->arenas[t]) {
            fed_pool_free(p);
            return KZ_ENOMEM;
        }
    }
    *out = p;
    return KZ_OK;
}

void fed_pool_free(fed_pool *p)
{
    if (!p)
        return;
    for (size_t t = 0; t < p->n; t++)
        kz_arena_free(p->arenas[t]);
    free(p->arenas);
    free(p);
}

size_t fed_pool_size(const fed_pool *p)
{
    return p->n;
}

/* Sets it->msg to a report line in arena a. KZ_ENOMEM: the item then
 * fails as a whole, so that no verdict goes unreported. */
static kz_err say(fed_page_item *it, kz_arena *a, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static kz_err say(fed_page_item *it, kz_arena *a, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    it->msg = kz_arena_strdup(a, msg);
    return it->msg ? KZ_OK : KZ_ENOMEM;
}

/* Parses, validates, filters and verifies one element into it (the same
 * decisions, in the same order, as before the pool: docs/federation.md).
 * Everything it->so and it->msg point to is in a or in it->data. Returns
 * KZ_ENOMEM or KZ_OK; the verdict is it->kind. */
static kz_err take_object(const kz_fed_sub *s, const kz_fed_trust *trust, kz_arena *a,
                          fed_page_item *it)
{
    kz_json *v = NULL;
    kz_json_error je;
    char path[64];
    snprintf(path, sizeof path, "$.objects[%zu]", it->index);
    kz_err rc = kz_json_parse(a, it->data, it->len, NULL, &v, &je);
    if (rc == KZ_ENOMEM)
        return rc;
    if (rc || v->type != KZ_JSON_OBJECT) {
        it->kind = FED_ITEM_INVALID;
        return say(it, a, "%s: not a JSON object, skipped", path);
    }
    kz_diag d;
    kz_diag_init(&d, 4);
    rc = kz_stix_validate_object(v, path, NULL, &d);
    if (rc) {
        kz_diag_release(&d);
        return rc;
    }
    if (d.n_errors) {
        const char *id = kz_json_get_string(v, "id");
        it->kind = FED_ITEM_INVALID;
        rc = say(it, a, "%s (%s): invalid, skipped: %s", path, id ? id : "no id",
                 d.n ? d.items[0].msg : "error");
        kz_diag_release(&d);
        return rc;
    }
    kz_diag_release(&d);
    const char *type = kz_json_get_string(v, "type");
    if (!kz_fed_type_allowed(s->types, type)) {
        it->kind = FED_ITEM_WITHHELD;
        return KZ_OK;
    }
    if (s->tlp_max) {
        kz_tlp t = kz_stix_object_tlp(v);
        if (t != KZ_TLP_NONE && (int)t > kz_fed_tlp_rank(s->tlp_max)) {
            it->kind = FED_ITEM_WITHHELD;
            return KZ_OK;
        }
    }
    /* end-to-end signature: verified against the keys this node trusts;
     * a bad signature is refused under every policy, unsigned and
     * unknown-signer objects as the subscription says. kz_fed_sigpolicy
     * lists accept, mark, reject in the order of kz_fed_sig_policy. */
    kz_fed_verify_result vr;
    rc = kz_fed_verify_object(v, trust, &vr);
    if (rc == KZ_ENOMEM)
        return rc;
    kz_fed_sig_decision dec = kz_fed_sig_decide((kz_fed_sig_policy)s->sig, vr.status);
    /* The signature's own extension-definition and its identity travel
     * unsigned on purpose: the genuine ones are not "unsigned intelligence". */
    if (dec == KZ_FED_REJECT && vr.status == KZ_FED_SIG_UNSIGNED && kz_fed_sign_is_ext_object(v))
        dec = KZ_FED_STORE;
    if (dec == KZ_FED_REJECT) {
        const char *id = kz_json_get_string(v, "id");
        it->kind = FED_ITEM_REJECTED;
        return say(it, a, "%s (%s): %s%s%s, rejected", path, id ? id : "no id",
                   kz_fed_sig_status_name(vr.status), vr.reason && *vr.reason ? ": " : "",
                   vr.reason ? vr.reason : "");
    }
    it->verified = vr.status == KZ_FED_SIG_VERIFIED;
    it->sig = (fed_sig_rec){
        .status = kz_fed_sig_status_name(vr.status),
        .signer = vr.signer[0] ? kz_arena_strdup(a, vr.signer) : NULL,
        .key_id = vr.key_id[0] ? kz_arena_strdup(a, vr.key_id) : NULL,
        .marked = dec == KZ_FED_STORE_MARKED,
    };
    if ((vr.signer[0] && !it->sig.signer) || (vr.key_id[0] && !it->sig.key_id))
        return KZ_ENOMEM;
    char why[256];
    rc = kz_store_object_from_json(a, v, it->data, it->len, &it->so, why, sizeof why);
    if (rc == KZ_ENOMEM)
        return rc;
    if (rc) {
        it->kind = FED_ITEM_INVALID;
        return say(it, a, "%s: %s, skipped", path, why);
    }
    it->kind = FED_ITEM_KEEP;
    it->ver = it->so.modified ? it->so.modified : it->so.created ? it->so.created : "-";
    return KZ_OK;
}

/* One run's shared state: the items, the next unclaimed index. */
typedef struct run {
    const kz_fed_sub *s;
    const kz_fed_trust *trust;
    fed_page_item *items;
    size_t n;
    atomic_size_t next;
} run;

typedef struct worker {
    run *r;
    kz_arena *a;
    pthread_t th;
} worker;

static void work(run *r, kz_arena *a)
{
    for (;;) {
        size_t i = atomic_fetch_add_explicit(&r->next, CHUNK, memory_order_relaxed);
        if (i >= r->n)
            return;
        size_t end = i + CHUNK < r->n ? i + CHUNK : r->n;
        for (; i < end; i++)
            r->items[i].rc = take_object(r->s, r->trust, a, &r->items[i]);
    }
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    work(w->r, w->a);
    return NULL;
}

kz_err fed_pool_run(fed_pool *p, const kz_fed_sub *s, const kz_fed_trust *trust,
                    fed_page_item *items, size_t n)
{
    for (size_t t = 0; t < p->n; t++)
        kz_arena_reset(p->arenas[t]);
    for (size_t i = 0; i < n; i++) {
        fed_page_item *it = &items[i];
        it->rc = KZ_OK;
        it->kind = FED_ITEM_INVALID;
        it->verified = false;
        it->msg = NULL;
        it->ver = NULL;
        memset(&it->so, 0, sizeof it->so);
        memset(&it->sig, 0, sizeof it->sig);
    }
    run r = {.s = s, .trust = trust, .items = items, .n = n};
    atomic_init(&r.next, 0);
    size_t want = (n + CHUNK - 1) / CHUNK;
    size_t nthreads = want < p->n ? want : p->n;
    worker w[FED_WORKERS_MAX];
    size_t started = 0;
    /* workers 1..nthreads-1 on their own threads, worker 0 on this one;
     * a thread that cannot start leaves its share to the others */
    for (size_t t = 1; t < nthreads; t++) {
        w[started] = (worker){.r = &r, .a = p->arenas[t]};
        if (pthread_create(&w[started].th, NULL, worker_main, &w[started]) != 0)
            break;
        started++;
    }
    work(&r, p->arenas[0]);
    for (size_t t = 0; t < started; t++)
        pthread_join(w[t].th, NULL);
    return KZ_OK;
}
