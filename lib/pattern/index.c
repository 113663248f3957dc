/* index.c - many patterns against many observations without patterns x
 * observations work. Every simple pattern (one [ ... ] without qualifiers)
 * whose comparison expression implies "some value on path P equals string
 * S" or "some address on path P lies in CIDR block B" is filed under those
 * keys, grouped by (object type, path). Per observation, each root object
 * walks only the paths registered for its type, looks each selected value
 * up (and, for CIDR groups, its masked prefix for each prefix length in
 * use), and fully evaluates only the patterns found: the proposal is a
 * necessary condition, the evaluation keeps the result exact. Patterns the
 * index cannot serve are evaluated against every observation ("scanned"),
 * and non-simple patterns run through kz_pattern_match once per call.
 *
 * Why these keys: an AND needs only one indexable conjunct (the one with the
 * fewest keys), an OR needs all of its alternatives indexable; NOT, !=,
 * ordering, LIKE and MATCHES are not indexable. Values of _hex/_bin paths
 * are bytes, compared through Latin-1, so those paths are not indexed. */
#include <string.h>

#include "kizuna/alloc.h"
#include "pattern_int.h"

typedef struct set_pat {
    kz_pattern *p;
    size_t id;
    uint32_t stamp; /* 1 + index of the observation last proposed for */
    bool indexed;
} set_pat;

typedef struct group {
    const pat_path *path; /* a representative path (of the first pattern) */
    bool has_cidr;
    bool used4[33], used6[129]; /* prefix lengths keyed, per family */
    uint8_t list4[33], list6[129]; /* the same as lists, built by compile */
    uint8_t n4, n6;
} group;

typedef struct entry {
    const uint8_t *key;
    size_t len;
    uint64_t hash;
    uint32_t *post; /* pattern indexes */
    uint32_t n, cap;
} entry;

typedef struct type_groups {
    const char *type;
    uint32_t *groups;
    size_t n, cap;
} type_groups;

struct kz_pattern_set {
    kz_arena *arena;
    set_pat *pats;
    size_t n, cap;
    group *groups;
    size_t n_groups, cap_groups;
    type_groups *types;
    size_t n_types, cap_types;
    entry *tab;
    size_t tab_cap, tab_n;
    uint32_t *scan; /* simple patterns that are not indexed */
    size_t n_scan;
    uint32_t *complex; /* non-simple patterns */
    size_t n_complex;
    bool compiled;
    kz_pattern_set_stats st;
};

static uint64_t hash_bytes(const uint8_t *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 1099511628211ULL;
    }
    return h ^ (h >> 29);
}

static kz_err grow(void **v, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return KZ_OK;
    size_t nc = *cap ? *cap : 8;
    while (nc < need)
        nc *= 2;
    void *nv = kz_realloc(*v, nc * elem);
    if (!nv)
        return KZ_ENOMEM;
    *v = nv;
    *cap = nc;
    return KZ_OK;
}

kz_pattern_set *kz_pattern_set_new(void)
{
    kz_pattern_set *s = kz_calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->arena = kz_arena_new(0);
    if (!s->arena) {
        kz_free(s);
        return NULL;
    }
    return s;
}

void kz_pattern_set_free(kz_pattern_set *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        kz_pattern_free(s->pats[i].p);
    for (size_t i = 0; i < s->tab_cap; i++)
        kz_free(s->tab[i].post);
    for (size_t i = 0; i < s->n_types; i++)
        kz_free(s->types[i].groups);
    kz_free(s->tab);
    kz_free(s->types);
    kz_free(s->groups);
    kz_free(s->pats);
    kz_free(s->scan);
    kz_free(s->complex);
    kz_arena_free(s->arena);
    kz_free(s);
}

kz_err kz_pattern_set_add(kz_pattern_set *s, kz_pattern *p, size_t id, kz_pattern_error *err)
{
    if (!s || !p || s->compiled) {
        kz_pattern_free(p);
        return KZ_EINVAL;
    }
    kz_err rc = pat_precheck(p, err);
    if (!rc && s->n >= UINT32_MAX - 1)
        rc = KZ_ETOOBIG;
    if (!rc)
        rc = grow((void **)&s->pats, &s->cap, s->n + 1, sizeof *s->pats);
    if (rc) {
        kz_pattern_free(p);
        return rc;
    }
    s->pats[s->n++] = (set_pat){.p = p, .id = id};
    return KZ_OK;
}

/* ---- key extraction ---- */

typedef struct key {
    const pat_path *path;
    const pat_cmp *test;
    const pat_lit *lit; /* string key, or NULL for a CIDR key */
} key;

typedef struct keylist {
    key *v;
    size_t n, cap;
} keylist;

static bool path_indexable(const pat_path *p)
{
    for (size_t i = 0; i < p->n_steps; i++)
        if (p->steps[i].kind == S_KEY && (p->steps[i].suffix == SUF_HEX || p->steps[i].suffix == SUF_BIN))
            return false;
    return true;
}

/* Appends c's keys to kl; returns false when c cannot be indexed. */
static bool collect(const pat_cmp *c, keylist *kl, kz_err *rc)
{
    switch (c->kind) {
    case C_GROUP:
        return collect(c->l, kl, rc);
    case C_OR:
        for (size_t i = 0; i < c->n_kids; i++)
            if (!collect(c->kids[i], kl, rc))
                return false;
        return true;
    case C_AND: {
        /* The conjunct with the fewest keys. */
        size_t best = SIZE_MAX, best_n = SIZE_MAX;
        for (size_t i = 0; i < c->n_kids; i++) {
            keylist tmp = {0};
            bool ok = collect(c->kids[i], &tmp, rc);
            if (ok && tmp.n < best_n) {
                best = i;
                best_n = tmp.n;
            }
            kz_free(tmp.v);
            if (*rc)
                return false;
        }
        return best != SIZE_MAX && collect(c->kids[best], kl, rc);
    }
    case C_TEST:
        break;
    }
    if (c->negated || !path_indexable(&c->path))
        return false;
    size_t need = kl->n + (c->op == OP_IN ? c->n_set : 1);
    if (c->op == OP_EQ && c->lit.kind == L_STRING) {
        if ((*rc = grow((void **)&kl->v, &kl->cap, need, sizeof *kl->v)))
            return false;
        kl->v[kl->n++] = (key){&c->path, c, &c->lit};
        return true;
    }
    if (c->op == OP_IN && c->n_set > 0) {
        for (size_t i = 0; i < c->n_set; i++)
            if (c->set[i].kind != L_STRING)
                return false;
        if ((*rc = grow((void **)&kl->v, &kl->cap, need, sizeof *kl->v)))
            return false;
        for (size_t i = 0; i < c->n_set; i++)
            kl->v[kl->n++] = (key){&c->path, c, &c->set[i]};
        return true;
    }
    if (c->op == OP_ISSUBSET && c->cidr && c->cidr->ok) {
        if ((*rc = grow((void **)&kl->v, &kl->cap, need, sizeof *kl->v)))
            return false;
        kl->v[kl->n++] = (key){&c->path, c, NULL};
        return true;
    }
    return false;
}

static kz_err group_of(kz_pattern_set *s, const pat_path *path, uint32_t *out)
{
    /* Groups are few (distinct paths in use): a linear search is enough. */
    for (size_t g = 0; g < s->n_groups; g++) {
        if (strcmp(s->groups[g].path->text, path->text) == 0) {
            *out = (uint32_t)g;
            return KZ_OK;
        }
    }
    kz_err rc = grow((void **)&s->groups, &s->cap_groups, s->n_groups + 1, sizeof *s->groups);
    if (rc)
        return rc;
    s->groups[s->n_groups] = (group){.path = path};
    *out = (uint32_t)s->n_groups++;
    type_groups *t = NULL;
    for (size_t i = 0; i < s->n_types; i++)
        if (strcmp(s->types[i].type, path->type) == 0)
            t = &s->types[i];
    if (!t) {
        rc = grow((void **)&s->types, &s->cap_types, s->n_types + 1, sizeof *s->types);
        if (rc)
            return rc;
        t = &s->types[s->n_types++];
        *t = (type_groups){.type = path->type};
    }
    rc = grow((void **)&t->groups, &t->cap, t->n + 1, sizeof *t->groups);
    if (rc)
        return rc;
    t->groups[t->n++] = *out;
    return KZ_OK;
}

/* Key bytes: group (4), kind (1: 's' string, 'c' CIDR), then the string, or
 * family (1), prefix (1) and the masked address (16). */
static size_t make_key(uint8_t *buf, size_t cap, uint32_t g, char kind, const void *data, size_t n)
{
    if (5 + n > cap)
        return 0;
    memcpy(buf, &g, 4);
    buf[4] = (uint8_t)kind;
    memcpy(buf + 5, data, n);
    return 5 + n;
}

static size_t cidr_key(uint8_t *buf, uint32_t g, const pat_cidr *c, unsigned prefix)
{
    uint8_t d[18];
    d[0] = (uint8_t)c->family;
    d[1] = (uint8_t)prefix;
    pat_cidr_mask(c, prefix, d + 2);
    return make_key(buf, 64, g, 'c', d, sizeof d);
}

static entry *lookup(const kz_pattern_set *s, const uint8_t *k, size_t n)
{
    if (!s->tab_cap)
        return NULL;
    uint64_t h = hash_bytes(k, n);
    for (size_t i = (size_t)h & (s->tab_cap - 1);; i = (i + 1) & (s->tab_cap - 1)) {
        entry *e = &s->tab[i];
        if (!e->key)
            return NULL;
        if (e->hash == h && e->len == n && memcmp(e->key, k, n) == 0)
            return e;
    }
}

static kz_err insert(kz_pattern_set *s, const uint8_t *k, size_t n, uint32_t pat)
{
    if ((s->tab_n + 1) * 2 > s->tab_cap) {
        size_t nc = s->tab_cap ? s->tab_cap * 2 : 1024;
        entry *nt = kz_calloc(nc, sizeof *nt);
        if (!nt)
            return KZ_ENOMEM;
        for (size_t i = 0; i < s->tab_cap; i++) {
            if (!s->tab[i].key)
                continue;
            size_t j = (size_t)s->tab[i].hash & (nc - 1);
            while (nt[j].key)
                j = (j + 1) & (nc - 1);
            nt[j] = s->tab[i];
        }
        kz_free(s->tab);
        s->tab = nt;
        s->tab_cap = nc;
    }
    uint64_t h = hash_bytes(k, n);
    size_t i = (size_t)h & (s->tab_cap - 1);
    while (s->tab[i].key && !(s->tab[i].hash == h && s->tab[i].len == n && memcmp(s->tab[i].key, k, n) == 0))
        i = (i + 1) & (s->tab_cap - 1);
    entry *e = &s->tab[i];
    if (!e->key) {
        uint8_t *copy = kz_arena_alloc(s->arena, n);
        if (!copy)
            return KZ_ENOMEM;
        memcpy(copy, k, n);
        *e = (entry){.key = copy, .len = n, .hash = h};
        s->tab_n++;
        s->st.keys++;
    }
    if (e->n && e->post[e->n - 1] == pat)
        return KZ_OK; /* the same pattern twice under one key (an IN with duplicates) */
    if (e->n == e->cap) {
        uint32_t nc = e->cap ? e->cap * 2 : 2;
        uint32_t *np = kz_realloc(e->post, nc * sizeof *np);
        if (!np)
            return KZ_ENOMEM;
        e->post = np;
        e->cap = nc;
    }
    e->post[e->n++] = pat;
    return KZ_OK;
}

static kz_err add_list(uint32_t **v, size_t *n, uint32_t x)
{
    if ((*n & (*n - 1)) == 0 || *n == 0) {
        size_t nc = *n ? *n * 2 : 8;
        uint32_t *nv = kz_realloc(*v, nc * sizeof *nv);
        if (!nv)
            return KZ_ENOMEM;
        *v = nv;
    }
    (*v)[(*n)++] = x;
    return KZ_OK;
}

kz_err kz_pattern_set_compile(kz_pattern_set *s)
{
    if (!s || s->compiled)
        return KZ_EINVAL;
    kz_err rc = KZ_OK;
    uint8_t kb[4096];
    for (size_t i = 0; i < s->n && !rc; i++) {
        kz_pattern *p = s->pats[i].p;
        if (p->root->kind != O_SIMPLE) {
            rc = add_list(&s->complex, &s->n_complex, (uint32_t)i);
            continue;
        }
        keylist kl = {0};
        bool ok = collect(p->root->cmp, &kl, &rc);
        for (size_t k = 0; ok && !rc && k < kl.n; k++) {
            uint32_t g;
            rc = group_of(s, kl.v[k].path, &g);
            if (rc)
                break;
            size_t n;
            if (kl.v[k].lit) {
                n = make_key(kb, sizeof kb, g, 's', kl.v[k].lit->str, kl.v[k].lit->str_len);
                if (!n) { /* a very long string: scan this pattern instead */
                    ok = false;
                    break;
                }
            } else {
                const pat_cidr *c = kl.v[k].test->cidr;
                n = cidr_key(kb, g, c, c->prefix);
                s->groups[g].has_cidr = true;
                if (c->family == 4)
                    s->groups[g].used4[c->prefix] = true;
                else
                    s->groups[g].used6[c->prefix] = true;
            }
            rc = insert(s, kb, n, (uint32_t)i);
        }
        if (!rc && ok && kl.n > 0 && !rc) {
            s->pats[i].indexed = true;
            s->st.indexed++;
        } else if (!rc) {
            rc = add_list(&s->scan, &s->n_scan, (uint32_t)i);
        }
        kz_free(kl.v);
    }
    for (size_t g = 0; g < s->n_groups; g++) {
        group *gr = &s->groups[g];
        for (unsigned b = 0; b <= 32; b++)
            if (gr->used4[b])
                gr->list4[gr->n4++] = (uint8_t)b;
        for (unsigned b = 0; b <= 128; b++)
            if (gr->used6[b])
                gr->list6[gr->n6++] = (uint8_t)b;
    }
    s->st.patterns = s->n;
    s->st.scanned = s->n_scan;
    s->compiled = !rc;
    return rc;
}

void kz_pattern_set_get_stats(const kz_pattern_set *s, kz_pattern_set_stats *st)
{
    *st = s->st;
}

/* ---- matching ---- */

typedef struct run {
    kz_pattern_set *s;
    pat_eval walk;   /* scratch for walking index paths */
    pat_eval verify; /* scratch for evaluating proposed patterns */
    const kz_pattern_obs *o;
    size_t obs;      /* current observation */
    uint32_t group;  /* current group */
    kz_pattern_hit_fn fn;
    void *user;
    bool stop;
} run;

static bool propose(run *r, const entry *e)
{
    kz_pattern_set *s = r->s;
    const pat_sdo *sdo = &r->o->sdos[r->obs];
    for (uint32_t i = 0; i < e->n; i++) {
        set_pat *sp = &s->pats[e->post[i]];
        if (sp->stamp == r->obs + 1)
            continue;
        sp->stamp = (uint32_t)(r->obs + 1);
        s->st.candidates++;
        r->verify.rc = KZ_OK;
        bool hit = pat_eval_sdo(&r->verify, sp->p->root->cmp, sdo);
        if (r->verify.rc) {
            if (r->verify.rc == KZ_ENOMEM) {
                r->walk.rc = KZ_ENOMEM;
                return true;
            }
            s->st.errors++;
            continue;
        }
        if (hit && r->fn(r->user, sp->id, r->obs)) {
            r->stop = true;
            return true;
        }
    }
    return false;
}

static bool on_value(pat_eval *ev, const pat_value *v, void *user)
{
    run *r = user;
    (void)ev;
    if (v->kind != V_STR)
        return false;
    uint8_t kb[4096];
    size_t n = make_key(kb, sizeof kb, r->group, 's', v->s, v->len);
    const entry *e = n ? lookup(r->s, kb, n) : NULL;
    if (e && propose(r, e))
        return true;
    const group *g = &r->s->groups[r->group];
    if (!g->has_cidr)
        return false;
    pat_cidr c;
    if (!pat_cidr_parse(v->s, v->len, &c))
        return false;
    const uint8_t *list = c.family == 4 ? g->list4 : g->list6;
    size_t nl = c.family == 4 ? g->n4 : g->n6;
    for (size_t i = 0; i < nl && list[i] <= c.prefix; i++) {
        n = cidr_key(kb, r->group, &c, list[i]);
        e = lookup(r->s, kb, n);
        if (e && propose(r, e))
            return true;
    }
    return false;
}

kz_err kz_pattern_set_match(kz_pattern_set *s, const kz_pattern_obs *o, kz_pattern_hit_fn fn,
                            void *user, kz_pattern_error *err)
{
    if (err)
        memset(err, 0, sizeof *err);
    if (!s || !s->compiled || !o || !o->finished || !fn)
        return KZ_EINVAL;
    if (o->n_sdos >= UINT32_MAX)
        return KZ_ETOOBIG;
    run r = {.s = s, .o = o, .fn = fn, .user = user};
    r.walk = (pat_eval){.obs = o, .err = NULL};
    r.verify = (pat_eval){.obs = o, .err = NULL};
    r.walk.scratch = kz_arena_new(0);
    r.verify.scratch = kz_arena_new(0);
    kz_err rc = KZ_OK;
    if (!r.walk.scratch || !r.verify.scratch) {
        rc = KZ_ENOMEM;
        goto done;
    }
    s->st.candidates = 0;
    s->st.errors = 0;
    for (size_t i = 0; i < s->n; i++)
        s->pats[i].stamp = 0;
    for (size_t i = 0; i < o->n_sdos && !r.stop; i++) {
        const pat_sdo *sdo = &o->sdos[i];
        r.obs = i;
        kz_arena_reset(r.walk.scratch);
        for (size_t k = 0; k < sdo->n_roots && !r.stop; k++) {
            const pat_root *root = &sdo->roots[k];
            if (!root->type)
                continue;
            const type_groups *t = NULL;
            for (size_t j = 0; j < s->n_types; j++)
                if (strcmp(s->types[j].type, root->type) == 0)
                    t = &s->types[j];
            if (!t)
                continue;
            for (size_t j = 0; j < t->n && !r.stop; j++) {
                r.group = t->groups[j];
                r.walk.rc = KZ_OK;
                pat_walk_path(&r.walk, sdo, s->groups[r.group].path, root->obj, on_value, &r);
                if (r.walk.rc == KZ_ENOMEM) {
                    rc = KZ_ENOMEM;
                    goto done;
                }
            }
        }
        for (size_t j = 0; j < s->n_scan && !r.stop; j++) {
            set_pat *sp = &s->pats[s->scan[j]];
            r.verify.rc = KZ_OK;
            bool hit = pat_eval_sdo(&r.verify, sp->p->root->cmp, sdo);
            if (r.verify.rc) {
                if (r.verify.rc == KZ_ENOMEM) {
                    rc = KZ_ENOMEM;
                    goto done;
                }
                s->st.errors++;
                continue;
            }
            if (hit && fn(user, sp->id, i))
                r.stop = true;
        }
    }
    for (size_t j = 0; j < s->n_complex && !r.stop; j++) {
        set_pat *sp = &s->pats[s->complex[j]];
        kz_pattern_result res;
        kz_err mrc = kz_pattern_match(sp->p, o, &res, NULL);
        if (mrc == KZ_ENOMEM) {
            rc = KZ_ENOMEM;
            goto done;
        }
        if (mrc) {
            s->st.errors++;
            continue;
        }
        if (res.matched && fn(user, sp->id, SIZE_MAX))
            r.stop = true;
        kz_pattern_result_release(&res);
    }
done:
    if (r.walk.md)
        pat_regex_md_free(r.walk.md);
    if (r.verify.md)
        pat_regex_md_free(r.verify.md);
    kz_arena_free(r.walk.scratch);
    kz_arena_free(r.verify.scratch);
    if (rc && err)
        pat_set_error(err, "", 0, 0, "%s", kz_strerror(rc));
    return rc;
}
