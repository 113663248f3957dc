/* sync.c - one federation round: for each peer, a TAXII client, its pull
 * subscriptions then its push subscriptions; outcomes recorded on the peer
 * and on each subscription (peer status). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fed_int.h"

typedef struct sub_copy {
    kz_fed_sub s;
    char *strs[6];
} sub_copy;

typedef struct sub_list {
    sub_copy *v;
    size_t n, cap;
    bool oom;
} sub_list;

static int collect(void *ctx, const kz_fed_sub *s)
{
    sub_list *l = ctx;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        sub_copy *nv = realloc(l->v, cap * sizeof *nv);
        if (!nv) {
            l->oom = true;
            return 1;
        }
        l->v = nv;
        l->cap = cap;
    }
    sub_copy *c = &l->v[l->n];
    memset(c, 0, sizeof *c);
    c->s = *s;
    const char *src[6] = {s->peer, s->local, s->remote, s->types, s->tlp_max, s->checkpoint};
    const char **dst[6] = {&c->s.peer, &c->s.local, &c->s.remote,
                           &c->s.types, &c->s.tlp_max, &c->s.checkpoint};
    for (int i = 0; i < 6; i++) {
        c->strs[i] = src[i] ? strdup(src[i]) : NULL;
        if (src[i] && !c->strs[i])
            l->oom = true;
        *dst[i] = c->strs[i];
    }
    c->s.last_error = NULL;
    l->n++;
    return l->oom;
}

static void list_free(sub_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        for (int j = 0; j < 6; j++)
            free(l->v[i].strs[j]);
    free(l->v);
}

static void say(const kz_fed_round_opts *o, const char *peer, const char *msg)
{
    if (o->report)
        o->report(o->ctx, peer, msg);
}

/* Runs every subscription of one peer. */
static kz_err run_peer(kz_fed *f, const char *peer, sub_list *l, const kz_fed_round_opts *o,
                       kz_fed_round_stats *st)
{
    bool do_pull = o->pull || !o->push, do_push = o->push || !o->pull;
    fed_peer_rec pr;
    kz_err rc = fed_peer_load(f, peer, &pr);
    if (rc)
        return rc;
    fed_client *c = NULL;
    char why[512] = "";
    /* a kept client for this peer, if its settings are unchanged */
    size_t slot = FED_CLIENT_CACHE;
    for (size_t i = 0; i < FED_CLIENT_CACHE; i++) {
        if (f->clients[i] && fed_client_matches(f->clients[i], &pr.p)) {
            c = f->clients[i];
            f->clients[i] = NULL;
            break;
        }
    }
    if (!c) {
        rc = fed_client_new(&pr.p, &c, why, sizeof why);
        if (rc)
            goto out;
    }
    bool peer_ok = true;
    char first_err[512] = "";
    for (size_t i = 0; i < l->n; i++) {
        const kz_fed_sub *s = &l->v[i].s;
        if (strcmp(s->peer, peer) != 0 || (o->stop && *o->stop))
            continue;
        if ((s->dir == KZ_FED_PULL && !do_pull) || (s->dir == KZ_FED_PUSH && !do_push))
            continue;
        why[0] = 0;
        kz_err r = s->dir == KZ_FED_PULL ? fed_pull_sub(f, c, s, o, st, why, sizeof why)
                                          : fed_push_sub(f, c, s, o, st, why, sizeof why);
        if (s->dir == KZ_FED_PULL)
            fed_sub_note(f, s->id, r == KZ_OK, why);
        if (r) {
            st->errors++;
            peer_ok = false;
            if (!first_err[0])
                snprintf(first_err, sizeof first_err, "%s", why[0] ? why : kz_strerror(r));
            char m[700];
            snprintf(m, sizeof m, "%s subscription %lld: %s", s->dir == KZ_FED_PULL ? "pull" : "push",
                     (long long)s->id, why[0] ? why : kz_strerror(r));
            say(o, peer, m);
            if (r == KZ_ENOMEM || r == KZ_EDB) {
                rc = r; /* the local node failed, not the peer */
                break;
            }
        }
    }
    fed_peer_note(f, peer, peer_ok, first_err);
    /* keep the client for the next round unless its peer failed (a fresh
     * connection, discovery and collection lookup then) */
    for (size_t i = 0; peer_ok && !rc && i < FED_CLIENT_CACHE; i++)
        if (!f->clients[i]) {
            slot = i;
            break;
        }
    if (slot < FED_CLIENT_CACHE) {
        f->clients[slot] = c;
        c = NULL;
    }
out:
    if (rc && why[0])
        say(o, peer, why);
    fed_client_free(c);
    fed_peer_release(&pr);
    return rc;
}

kz_err kz_fed_round(kz_fed *f, const kz_fed_round_opts *o, kz_fed_round_stats *st)
{
    sub_list l = {0};
    kz_err rc = kz_fed_sub_list(f, o->peer, collect, &l);
    if (!rc && l.oom)
        rc = KZ_ENOMEM;
    if (rc)
        goto out;
    if (o->peer) {
        rc = kz_fed_peer_get(f, o->peer, NULL, NULL);
        if (rc)
            goto out;
    }
    /* peers in order of first appearance, each once */
    for (size_t i = 0; i < l.n && !rc; i++) {
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = strcmp(l.v[j].s.peer, l.v[i].s.peer) == 0;
        if (!seen)
            rc = run_peer(f, l.v[i].s.peer, &l, o, st);
    }
out:
    list_free(&l);
    return rc;
}
