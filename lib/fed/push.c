/* push.c - a push subscription: its outbox is the local collection after a
 * durable cursor (date_added is strictly increasing, so the collection is
 * an append-only log of what arrived); a batch of the versions that the
 * sharing policy lets leave is POSTed, the TAXII status followed until
 * complete, and only then the cursor advanced. Failures back off
 * exponentially with jitter; nothing is ever dropped from the outbox. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fed_int.h"
#include "kizuna/arena.h"
#include <sodium.h>

#define PUSH_BATCH 500
#define PUSH_BATCH_BYTES (8u << 20) /* under kizuna serve's 10 MiB default body cap */
#define BACKOFF_BASE_US 1000000
#define BACKOFF_CAP_US (300ll * 1000000)
#define STATUS_WAIT_US (120ll * 1000000)

typedef struct batch {
    kz_fed *f;
    const kz_fed_sub *s;
    const char *default_tlp;
    kz_buf body;
    size_t n_sent;       /* objects in body */
    size_t n_seen;       /* records consumed */
    int64_t last_us;     /* date_added of the last consumed record */
    size_t withheld;
    bool full;
} batch;

static int take_rec(void *ctx, const kz_store_record *r)
{
    batch *b = ctx;
    bool send = kz_fed_may_leave(r->tlp, b->default_tlp, b->s->tlp_max) &&
                kz_fed_type_allowed(b->s->types, r->type) &&
                /* loop-freedom: never send a version back to the peer it came from */
                !fed_prov_from(b->f, r->id, r->version ? r->version : "-", b->s->peer);
    if (send) {
        if (b->n_sent && b->body.len + r->json_len + 4 > PUSH_BATCH_BYTES) {
            b->full = true;
            return 1; /* not consumed: the next batch starts with it */
        }
        if ((b->n_sent && kz_buf_append_char(&b->body, ',')) ||
            kz_buf_append(&b->body, r->json, r->json_len)) {
            b->full = true;
            return 1;
        }
        b->n_sent++;
    } else {
        b->withheld++;
    }
    b->n_seen++;
    b->last_us = r->date_added_us;
    return 0;
}

typedef struct coll_info {
    char *default_tlp;
} coll_info;

static int got_coll(void *ctx, const kz_collection *c)
{
    coll_info *ci = ctx;
    ci->default_tlp = c->default_tlp ? strdup(c->default_tlp) : NULL;
    return 0;
}

static void sleep_us(int64_t us)
{
    struct timespec ts = {(time_t)(us / 1000000), (long)(us % 1000000) * 1000};
    nanosleep(&ts, NULL);
}

/* POSTs the envelope and follows the status resource until complete.
 * *failed gets the objects the partner refused. */
static kz_err send_batch(fed_client *c, const char *coll_url, batch *b, const kz_fed_round_opts *o,
                         int64_t *failed, char *why, size_t why_len)
{
    char url[1500];
    snprintf(url, sizeof url, "%sobjects/", coll_url);
    long status;
    kz_err rc = fed_client_post(c, url, b->body.data, b->body.len, &status, why, why_len);
    if (rc)
        return rc;
    kz_arena *a = kz_arena_new(0);
    if (!a)
        return KZ_ENOMEM;
    kz_fed_status fs;
    size_t blen;
    const char *body = fed_client_body(c, &blen);
    rc = kz_fed_parse_status(a, body, blen, &fs, why, why_len);
    int64_t waited = 0, step = 50000;
    while (!rc && strcmp(fs.status, "complete") != 0) {
        if (waited > STATUS_WAIT_US || (o->stop && *o->stop)) {
            snprintf(why, why_len, "status %s still pending", fs.id);
            rc = KZ_ETIMEOUT;
            break;
        }
        sleep_us(step);
        waited += step;
        step = step < 1000000 ? step * 2 : step;
        char surl[1500];
        snprintf(surl, sizeof surl, "%sstatus/%s/", fed_client_api_root(c), fs.id);
        rc = fed_client_get(c, surl, &status, why, why_len);
        if (rc)
            break;
        kz_arena_reset(a);
        body = fed_client_body(c, &blen);
        rc = kz_fed_parse_status(a, body, blen, &fs, why, why_len);
    }
    if (!rc)
        *failed = fs.failure;
    kz_arena_free(a);
    return rc;
}

kz_err fed_push_sub(kz_fed *f, fed_client *c, const kz_fed_sub *s, const kz_fed_round_opts *o,
                    kz_fed_round_stats *st, char *why, size_t why_len)
{
    if (!o->ignore_backoff && s->next_try_us > fed_now_us())
        return KZ_OK; /* still backing off */
    coll_info ci = {0};
    kz_err rc = kz_store_collection_get(f->store, s->local, got_coll, &ci);
    if (rc) {
        snprintf(why, why_len, "local collection '%s': %s", s->local, kz_strerror(rc));
        return rc;
    }
    char coll_url[1400];
    batch b = {.f = f, .s = s, .default_tlp = ci.default_tlp};
    kz_buf_init(&b.body, PUSH_BATCH_BYTES + 64);
    int64_t cursor = s->cursor_us;
    rc = fed_client_collection(c, s->remote, coll_url, sizeof coll_url, why, why_len);
    if (rc)
        goto fail;
    for (;;) {
        if (o->stop && *o->stop)
            break;
        kz_buf_reset(&b.body);
        b.n_sent = b.n_seen = 0;
        b.full = false;
        b.last_us = cursor;
        rc = kz_buf_append_str(&b.body, "{\"objects\":[");
        if (rc)
            goto fail;
        kz_store_filter flt = {
            .collection = s->local,
            .has_added_after = cursor > 0,
            .added_after_us = cursor,
            .versions = KZ_STORE_V_ALL,
            .spec_versions = kz_fed_all_specs,
            .n_spec_versions = 2,
            .limit = PUSH_BATCH,
            .want_json = true,
        };
        kz_store_page pg = {0};
        rc = kz_store_query(f->store, &flt, take_rec, &b, &pg);
        if (rc) {
            snprintf(why, why_len, "local store: %s", kz_store_errmsg(f->store));
            goto fail;
        }
        st->withheld += b.withheld;
        if (b.n_seen == 0 && !b.full)
            break; /* the outbox is empty */
        if (b.n_sent) {
            rc = kz_buf_append_str(&b.body, "]}");
            if (rc)
                goto fail;
            int64_t failed = 0;
            rc = send_batch(c, coll_url, &b, o, &failed, why, why_len);
            if (rc)
                goto fail;
            st->pushed += b.n_sent - (size_t)failed;
            st->push_batches++;
            if (failed) {
                /* refused by the partner (validation, rights): retrying the
                 * same bytes cannot succeed; reported, not retried */
                st->push_failed += (size_t)failed;
                if (o->report) {
                    char m[128];
                    snprintf(m, sizeof m, "%lld object(s) refused by the partner",
                             (long long)failed);
                    o->report(o->ctx, s->peer, m);
                }
            }
        }
        cursor = b.last_us;
        rc = fed_sub_push_done(f, s->id, cursor);
        if (rc) {
            snprintf(why, why_len, "%s", f->err);
            goto fail;
        }
        if (!pg.more && !b.full)
            break;
    }
    kz_buf_release(&b.body);
    free(ci.default_tlp);
    return KZ_OK;
fail:
    kz_buf_release(&b.body);
    free(ci.default_tlp);
    if (rc != KZ_ENOMEM) {
        int attempts = s->attempts + 1;
        double r = (double)randombytes_random() / 4294967296.0;
        int64_t d = kz_fed_backoff_us(attempts, BACKOFF_BASE_US, BACKOFF_CAP_US, r);
        fed_sub_push_failed(f, s->id, attempts, fed_now_us() + d, why);
    }
    return rc;
}

typedef struct depth_ctx {
    int64_t id;
    bool found;
    char local[KZ_UUID_STR + KZ_STORE_ALIAS_MAX];
    int64_t cursor;
} depth_ctx;

static int depth_find(void *ctx, const kz_fed_sub *s)
{
    depth_ctx *d = ctx;
    if (s->id != d->id || s->dir != KZ_FED_PUSH)
        return 0;
    d->found = true;
    snprintf(d->local, sizeof d->local, "%s", s->local);
    d->cursor = s->cursor_us;
    return 1;
}

kz_err kz_fed_outbox_depth(kz_fed *f, int64_t sub_id, int64_t *out)
{
    *out = 0;
    depth_ctx d = {.id = sub_id};
    kz_err rc = kz_fed_sub_list(f, NULL, depth_find, &d);
    if (rc)
        return rc;
    if (!d.found)
        return fed_seterr(f, KZ_ENOTFOUND, "no push subscription %lld", (long long)sub_id);
    /* every version after the cursor, including those the policy will
     * withhold (they are consumed, not sent) */
    kz_store_filter flt = {
        .collection = d.local,
        .has_added_after = d.cursor > 0,
        .added_after_us = d.cursor,
        .versions = KZ_STORE_V_ALL,
        .spec_versions = kz_fed_all_specs,
        .n_spec_versions = 2,
    };
    rc = kz_store_count(f->store, &flt, out);
    if (rc)
        return fed_seterr(f, rc, "outbox: %s", kz_store_errmsg(f->store));
    return KZ_OK;
}
