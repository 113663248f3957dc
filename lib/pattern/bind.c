/* bind.c - observation expressions: finding a binding of observations to
 * the pattern's [ ... ] parts that satisfies AND / OR / FOLLOWEDBY and the
 * WITHIN, REPEATS and START/STOP qualifiers, with the reference matcher's
 * definitions (stix2matcher):
 *   - an observed-data object with number_observed n stands for n distinct
 *     observations with the same first/last_observed interval;
 *   - AND, FOLLOWEDBY and REPEATS need disjoint observations; OR binds one side;
 *   - A FOLLOWEDBY B: the latest first_observed of A's observations is <= the
 *     earliest last_observed of B's (left-associative for chains);
 *   - WITHIN d: latest first_observed <= earliest last_observed + d;
 *   - START s STOP t: every observation's interval meets [s, t): first < t
 *     and last >= s (never when s >= t).
 *
 * Instead of materialising every binding (which explodes combinatorially),
 * this is a depth-first search in continuation-passing style: each node
 * generates its bindings as a segment pushed on one stack and hands them to
 * the continuation; per-observation use counts make disjointness free and
 * prune early; REPEATS takes its bindings in non-decreasing order, which
 * removes the n! orderings of one set. The search stops at the first
 * complete binding and is capped by a step budget (KZ_ETOOBIG).
 *
 * Time windows prune the search: while a WITHIN, START/STOP or the right
 * side of a FOLLOWEDBY is being bound, every further observation must fall
 * in a window derived from what is already bound (each bound is a necessary
 * condition; the qualifier's own check still decides). Leaf candidates are
 * kept sorted by first_observed, so a window is a binary search and a
 * bounded scan instead of a pass over every hit. pat_bind_prune = 0 turns
 * this off; tests compare both ways. */
#include <stdlib.h>
#include <string.h>

#include "kizuna/alloc.h"
#include "pattern_int.h"

#define SEARCH_BUDGET 200000000ULL
#define SEARCH_DEPTH 2000

int pat_bind_prune = 1;
unsigned long long pat_bind_budget = SEARCH_BUDGET;

/* Nanoseconds since the epoch; years 0000..9999 need more than 64 bits. */
typedef __int128 ns_t;
#define NS_MAX (((ns_t)1) << 120)

static ns_t to_ns(const kz_time *t) { return (ns_t)t->sec * 1000000000 + t->nsec; }

/* A time window on the observations still to be bound (see above). */
typedef struct tcons {
    char kind;        /* 'W' WITHIN, 'F' FOLLOWEDBY right side, 'S' START/STOP */
    bool active;      /* off while the constrained node's continuation runs */
    size_t seg_start; /* W: where the qualified binding starts */
    ns_t d;           /* W: the duration */
    ns_t lo, hi;      /* F, S: last >= lo; S: first <= hi */
} tcons;

typedef struct search {
    pat_eval *ev;
    const kz_pattern_obs *o;
    const kz_pattern *p;
    uint32_t *stack;
    size_t top;
    uint32_t *used;
    uint32_t **hits; /* per leaf: ascending indexes of matching observed-data */
    size_t *n_hits;
    uint32_t **by_time; /* per leaf: the same sorted by first_observed */
    ns_t *span;      /* per leaf: the longest last - first among its hits */
    ns_t *first, *last; /* per observed-data */
    tcons cons[SEARCH_DEPTH + 2];
    size_t n_cons;
    uint64_t steps;
    unsigned depth;
    kz_err rc;
    uint32_t *found;
    size_t n_found;
} search;

typedef struct cont cont;
struct cont {
    bool (*fn)(search *s, const cont *k);
    const cont *next;
    const pat_obs *node;
    size_t i;          /* AND/FOLLOWEDBY: next kid; REPEATS: repetitions still to take */
    size_t start;      /* where this node's segment starts */
    size_t mid;        /* FOLLOWEDBY: start of the current kid; REPEATS: start of this repetition */
    size_t prev_start; /* REPEATS: start of the previous repetition */
    bool has_prev;
    kz_time t;         /* FOLLOWEDBY: latest first_observed of the kids before */
    size_t cons;       /* index of the time window this node pushed */
};

static bool gen(search *s, const pat_obs *n, const cont *k);

static bool stop_with(search *s, kz_err rc, const char *msg)
{
    if (!s->rc) {
        s->rc = rc;
        if (s->ev->err)
            pat_set_error(s->ev->err, s->p->text, s->p->text_len, 0, "%s", msg);
    }
    return true;
}

static const pat_sdo *sdo_at(const search *s, size_t i) { return &s->o->sdos[s->stack[i]]; }

static void seg_span(const search *s, size_t from, size_t to, kz_time *max_first, kz_time *min_last)
{
    *max_first = sdo_at(s, from)->first;
    *min_last = sdo_at(s, from)->last;
    for (size_t i = from + 1; i < to; i++) {
        const pat_sdo *d = sdo_at(s, i);
        if (kz_time_cmp(&d->first, max_first) > 0)
            *max_first = d->first;
        if (kz_time_cmp(&d->last, min_last) < 0)
            *min_last = d->last;
    }
}

static bool final_fn(search *s, const cont *k)
{
    (void)k;
    s->found = kz_malloc((s->top ? s->top : 1) * sizeof *s->found);
    if (!s->found)
        return stop_with(s, KZ_ENOMEM, "out of memory");
    memcpy(s->found, s->stack, s->top * sizeof *s->found);
    s->n_found = s->top;
    return true;
}

static bool and_next(search *s, const cont *c)
{
    if (c->i == c->node->n_kids)
        return c->next->fn(s, c->next);
    cont c2 = *c;
    c2.i++;
    return gen(s, c->node->kids[c->i], &c2);
}

static bool fb_next(search *s, const cont *c);

static bool fb_check(search *s, const cont *c)
{
    kz_time max_first, min_last;
    seg_span(s, c->mid, s->top, &max_first, &min_last);
    if (kz_time_cmp(&c->t, &min_last) > 0)
        return false;
    cont c2 = *c;
    c2.fn = fb_next;
    c2.i = c->i + 1;
    bool was = s->cons[c->cons].active;
    s->cons[c->cons].active = false;
    bool r = fb_next(s, &c2);
    s->cons[c->cons].active = was;
    return r;
}

static bool fb_next(search *s, const cont *c)
{
    if (c->i == c->node->n_kids)
        return c->next->fn(s, c->next);
    cont c2 = *c;
    c2.fn = fb_check;
    c2.mid = s->top;
    kz_time min_last;
    seg_span(s, c->start, s->top, &c2.t, &min_last);
    /* Every observation of the right side must end at or after c2.t. */
    c2.cons = s->n_cons;
    s->cons[s->n_cons++] = (tcons){.kind = 'F', .active = true, .lo = to_ns(&c2.t)};
    bool r = gen(s, c->node->kids[c->i], &c2);
    s->n_cons--;
    return r;
}

/* Runs the continuation of a node that pushed window c->cons with the window
 * switched off: what comes after the node is not bound by it. */
static bool continue_unwindowed(search *s, const cont *c, const cont *next)
{
    bool was = s->cons[c->cons].active;
    s->cons[c->cons].active = false;
    bool r = next->fn(s, next);
    s->cons[c->cons].active = was;
    return r;
}

static bool within_check(search *s, const cont *c)
{
    kz_time max_first, min_last;
    seg_span(s, c->start, s->top, &max_first, &min_last);
    kz_time limit = kz_time_add_ns(min_last, c->node->within_ns);
    if (kz_time_cmp(&max_first, &limit) > 0)
        return false;
    return continue_unwindowed(s, c, c->next);
}

static bool startstop_check(search *s, const cont *c)
{
    for (size_t i = c->start; i < s->top; i++) {
        const pat_sdo *d = sdo_at(s, i);
        if (kz_time_cmp(&d->first, &c->node->stop) >= 0 || kz_time_cmp(&d->last, &c->node->start) < 0)
            return false;
    }
    return continue_unwindowed(s, c, c->next);
}

static int seq_cmp(const uint32_t *a, size_t an, const uint32_t *b, size_t bn)
{
    size_t n = an < bn ? an : bn;
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i])
            return a[i] < b[i] ? -1 : 1;
    return (an > bn) - (an < bn);
}

static bool rep_next(search *s, const cont *c)
{
    if (c->has_prev && seq_cmp(s->stack + c->prev_start, c->mid - c->prev_start, s->stack + c->mid,
                               s->top - c->mid) > 0)
        return false;
    if (c->i == 0)
        return c->next->fn(s, c->next);
    cont c2 = *c;
    c2.i = c->i - 1;
    c2.prev_start = c->mid;
    c2.mid = s->top;
    c2.has_prev = true;
    return gen(s, c->node->l, &c2);
}

/* The window the active constraints leave for one more observation:
 * first <= *hi and last >= *lo. */
static void window(const search *s, ns_t *lo, ns_t *hi)
{
    *lo = -NS_MAX;
    *hi = NS_MAX;
    for (size_t i = 0; i < s->n_cons; i++) {
        const tcons *t = &s->cons[i];
        if (!t->active)
            continue;
        if (t->kind == 'W') {
            if (s->top <= t->seg_start)
                continue;
            ns_t max_first = -NS_MAX, min_last = NS_MAX;
            for (size_t j = t->seg_start; j < s->top; j++) {
                uint32_t d = s->stack[j];
                if (s->first[d] > max_first)
                    max_first = s->first[d];
                if (s->last[d] < min_last)
                    min_last = s->last[d];
            }
            if (min_last + t->d < *hi)
                *hi = min_last + t->d;
            if (max_first - t->d > *lo)
                *lo = max_first - t->d;
        } else {
            if (t->lo > *lo)
                *lo = t->lo;
            if (t->kind == 'S' && t->hi < *hi)
                *hi = t->hi;
        }
    }
}

static bool try_obs(search *s, uint32_t d, const cont *k, bool *stop)
{
    if (++s->steps > pat_bind_budget) {
        *stop = stop_with(s, KZ_ETOOBIG, "pattern too expensive for these observations "
                                         "(search budget exhausted)");
        return true;
    }
    if (s->used[d] >= (uint64_t)s->o->sdos[d].count)
        return false;
    s->stack[s->top++] = d;
    s->used[d]++;
    bool r = k->fn(s, k);
    s->used[d]--;
    s->top--;
    *stop = r;
    return r;
}

static bool gen_leaf(search *s, size_t leaf, const cont *k)
{
    size_t nh = s->n_hits[leaf];
    bool stop = false;
    if (!pat_bind_prune) {
        for (size_t i = 0; i < nh && !stop; i++)
            try_obs(s, s->hits[leaf][i], k, &stop);
        return stop;
    }
    ns_t lo, hi;
    window(s, &lo, &hi);
    const uint32_t *h = s->by_time[leaf];
    /* Candidates with last >= lo have first >= lo - span: binary search there. */
    size_t a = 0, b = nh;
    if (lo > -NS_MAX) {
        ns_t from = lo - s->span[leaf];
        while (a < b) {
            size_t m = a + (b - a) / 2;
            if (s->first[h[m]] < from)
                a = m + 1;
            else
                b = m;
        }
    }
    for (size_t i = a; i < nh && !stop; i++) {
        uint32_t d = h[i];
        if (s->first[d] > hi)
            break;
        if (s->last[d] < lo)
            continue;
        try_obs(s, d, k, &stop);
    }
    return stop;
}

static bool gen(search *s, const pat_obs *n, const cont *k)
{
    if (s->rc)
        return true;
    if (++s->depth > SEARCH_DEPTH) {
        s->depth--;
        return stop_with(s, KZ_ETOOBIG, "pattern needs too large a binding of observations");
    }
    bool r = false;
    cont c = {.next = k, .node = n, .start = s->top};
    switch (n->kind) {
    case O_SIMPLE:
        r = gen_leaf(s, n->leaf, k);
        break;
    case O_GROUP:
        r = gen(s, n->l, k);
        break;
    case O_OR:
        for (size_t i = 0; i < n->n_kids && !r; i++)
            r = gen(s, n->kids[i], k);
        break;
    case O_AND:
        c.fn = and_next;
        c.i = 1;
        r = gen(s, n->kids[0], &c);
        break;
    case O_FOLLOWEDBY:
        c.fn = fb_next;
        c.i = 1;
        r = gen(s, n->kids[0], &c);
        break;
    case O_WITHIN:
        c.fn = within_check;
        c.cons = s->n_cons;
        s->cons[s->n_cons++] = (tcons){.kind = 'W', .active = true, .seg_start = s->top, .d = n->within_ns};
        r = gen(s, n->l, &c);
        s->n_cons--;
        break;
    case O_STARTSTOP:
        if (kz_time_cmp(&n->start, &n->stop) < 0) {
            c.fn = startstop_check;
            c.cons = s->n_cons;
            s->cons[s->n_cons++] = (tcons){.kind = 'S', .active = true, .lo = to_ns(&n->start),
                                           .hi = to_ns(&n->stop) - 1};
            r = gen(s, n->l, &c);
            s->n_cons--;
        }
        break;
    case O_REPEATS:
        c.fn = rep_next;
        c.i = (size_t)n->q1.i - 1;
        c.mid = s->top;
        r = gen(s, n->l, &c);
        break;
    }
    s->depth--;
    return r || s->rc;
}

/* ---- errors the reference raises whatever the data ---- */

static kz_err precheck_cmp(const kz_pattern *p, const pat_cmp *c, kz_pattern_error *err)
{
    switch (c->kind) {
    case C_GROUP:
        return precheck_cmp(p, c->l, err);
    case C_AND:
    case C_OR:
        for (size_t i = 0; i < c->n_kids; i++) {
            kz_err rc = precheck_cmp(p, c->kids[i], err);
            if (rc)
                return rc;
        }
        return KZ_OK;
    case C_TEST:
        break;
    }
    if (c->op == OP_IN && c->set_mixed) {
        pat_set_error(err, p->text, p->text_len, c->off, "the IN set mixes literal types");
        return KZ_EINVALID;
    }
    const pat_lit *lits = c->op == OP_IN ? c->set : &c->lit;
    size_t n = c->op == OP_IN ? c->n_set : (c->op == OP_EXISTS ? 0 : 1);
    for (size_t i = 0; i < n; i++) {
        if (lits[i].kind == L_TIMESTAMP && !lits[i].ts_ok) {
            pat_set_error(err, p->text, p->text_len, c->off, "invalid timestamp literal %s", lits[i].text);
            return KZ_EINVALID;
        }
    }
    return KZ_OK;
}

static kz_err precheck(const kz_pattern *p, const pat_obs *o, kz_pattern_error *err)
{
    switch (o->kind) {
    case O_SIMPLE:
        return precheck_cmp(p, o->cmp, err);
    case O_AND:
    case O_OR:
    case O_FOLLOWEDBY:
        for (size_t i = 0; i < o->n_kids; i++) {
            kz_err rc = precheck(p, o->kids[i], err);
            if (rc)
                return rc;
        }
        return KZ_OK;
    case O_WITHIN:
        if (o->within_ns <= 0) {
            pat_set_error(err, p->text, p->text_len, o->off, "invalid WITHIN value (must be positive): %s", o->q1.text);
            return KZ_EINVALID;
        }
        break;
    case O_REPEATS:
        if (!o->q1.int_exact || o->q1.i < 1 || o->q1.i > SEARCH_DEPTH) {
            pat_set_error(err, p->text, p->text_len, o->off, "invalid REPEATS count: %s", o->q1.text);
            return o->q1.i < 1 ? KZ_EINVALID : KZ_ETOOBIG;
        }
        break;
    case O_STARTSTOP:
        if (!o->startstop_ok) {
            pat_set_error(err, p->text, p->text_len, o->off, "START/STOP is not a valid timestamp");
            return KZ_EINVALID;
        }
        break;
    case O_GROUP:
        break;
    }
    return precheck(p, o->l, err);
}

kz_err pat_precheck(const kz_pattern *p, kz_pattern_error *err)
{
    return precheck(p, p->root, err);
}

static int by_first(const void *a, const void *b, void *ctx)
{
    const ns_t *first = ctx;
    ns_t x = first[*(const uint32_t *)a], y = first[*(const uint32_t *)b];
    if (x != y)
        return x < y ? -1 : 1;
    uint32_t i = *(const uint32_t *)a, j = *(const uint32_t *)b;
    return (i > j) - (i < j);
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

kz_err kz_pattern_match(const kz_pattern *p, const kz_pattern_obs *o, kz_pattern_result *res,
                        kz_pattern_error *err)
{
    memset(res, 0, sizeof *res);
    if (err)
        memset(err, 0, sizeof *err);
    if (!p || !o || !o->finished)
        return KZ_EINVAL;
    if (o->n_sdos > UINT32_MAX / 2)
        return KZ_ETOOBIG;
    kz_err rc = precheck(p, p->root, err);
    if (rc)
        return rc;
    pat_eval ev = {.obs = o, .err = err, .pat = p};
    search s = {.ev = &ev, .o = o, .p = p};
    ev.scratch = kz_arena_new(0);
    s.hits = kz_calloc(p->n_leaves, sizeof *s.hits);
    s.n_hits = kz_calloc(p->n_leaves, sizeof *s.n_hits);
    if (!ev.scratch || !s.hits || !s.n_hits) {
        rc = KZ_ENOMEM;
        goto done;
    }
    for (size_t l = 0; l < p->n_leaves; l++) {
        const pat_cmp *c = p->leaves[l]->cmp;
        for (size_t i = 0; i < o->n_sdos; i++) {
            if (!pat_eval_sdo(&ev, c, &o->sdos[i])) {
                if (ev.rc) {
                    rc = ev.rc;
                    goto done;
                }
                continue;
            }
            if (!s.hits[l] || (s.n_hits[l] & (s.n_hits[l] - 1)) == 0) {
                size_t nc = s.n_hits[l] ? s.n_hits[l] * 2 : 1;
                uint32_t *nv = kz_realloc(s.hits[l], nc * sizeof *nv);
                if (!nv) {
                    rc = KZ_ENOMEM;
                    goto done;
                }
                s.hits[l] = nv;
            }
            s.hits[l][s.n_hits[l]++] = (uint32_t)i;
        }
    }
    if (p->root->kind == O_SIMPLE) {
        /* One observation expression: every observation it holds for is a match. */
        size_t n = s.n_hits[0];
        res->matched = n > 0;
        if (n) {
            res->obs = kz_malloc(n * sizeof *res->obs);
            if (!res->obs) {
                rc = KZ_ENOMEM;
                goto done;
            }
            for (size_t i = 0; i < n; i++)
                res->obs[i] = s.hits[0][i];
            res->n_obs = n;
        }
        goto done;
    }
    s.used = kz_calloc(o->n_sdos ? o->n_sdos : 1, sizeof *s.used);
    s.stack = kz_malloc((SEARCH_DEPTH * 4 + 16) * sizeof *s.stack);
    s.first = kz_malloc((o->n_sdos ? o->n_sdos : 1) * sizeof *s.first);
    s.last = kz_malloc((o->n_sdos ? o->n_sdos : 1) * sizeof *s.last);
    s.by_time = kz_calloc(p->n_leaves, sizeof *s.by_time);
    s.span = kz_calloc(p->n_leaves, sizeof *s.span);
    if (!s.used || !s.stack || !s.first || !s.last || !s.by_time || !s.span) {
        rc = KZ_ENOMEM;
        goto done;
    }
    for (size_t i = 0; i < o->n_sdos; i++) {
        s.first[i] = to_ns(&o->sdos[i].first);
        s.last[i] = to_ns(&o->sdos[i].last);
    }
    for (size_t l = 0; l < p->n_leaves; l++) {
        size_t nh = s.n_hits[l];
        s.by_time[l] = kz_malloc((nh ? nh : 1) * sizeof *s.by_time[l]);
        if (!s.by_time[l]) {
            rc = KZ_ENOMEM;
            goto done;
        }
        if (nh)
            memcpy(s.by_time[l], s.hits[l], nh * sizeof *s.hits[l]);
        qsort_r(s.by_time[l], nh, sizeof *s.by_time[l], by_first, s.first);
        for (size_t i = 0; i < nh; i++) {
            uint32_t d = s.hits[l][i];
            if (s.last[d] - s.first[d] > s.span[l])
                s.span[l] = s.last[d] - s.first[d];
        }
    }
    cont fin = {.fn = final_fn};
    gen(&s, p->root, &fin);
    if (s.rc) {
        rc = s.rc;
        goto done;
    }
    if (s.found) {
        qsort(s.found, s.n_found, sizeof *s.found, cmp_u32);
        res->obs = kz_malloc((s.n_found ? s.n_found : 1) * sizeof *res->obs);
        if (!res->obs) {
            rc = KZ_ENOMEM;
            goto done;
        }
        size_t n = 0;
        for (size_t i = 0; i < s.n_found; i++)
            if (n == 0 || res->obs[n - 1] != s.found[i])
                res->obs[n++] = s.found[i];
        res->n_obs = n;
        res->matched = true;
    }
done:
    for (size_t l = 0; s.hits && l < p->n_leaves; l++)
        kz_free(s.hits[l]);
    for (size_t l = 0; s.by_time && l < p->n_leaves; l++)
        kz_free(s.by_time[l]);
    kz_free(s.by_time);
    kz_free(s.span);
    kz_free(s.first);
    kz_free(s.last);
    kz_free(s.hits);
    kz_free(s.n_hits);
    kz_free(s.used);
    kz_free(s.stack);
    kz_free(s.found);
    if (ev.md)
        pat_regex_md_free(ev.md);
    kz_arena_free(ev.scratch);
    if (rc)
        kz_pattern_result_release(res);
    return rc;
}

void kz_pattern_result_release(kz_pattern_result *res)
{
    if (!res)
        return;
    kz_free(res->obs);
    memset(res, 0, sizeof *res);
}
