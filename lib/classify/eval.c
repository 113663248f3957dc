/* eval.c - evaluation of the technique classifier on labelled sentences:
 * classify each example, then count true and false positives per class and
 * derive precision, recall, F1, micro- and macro-F1 (the counting rules are
 * in eval_int.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "classify/eval_int.h"
#include "kizuna/alloc.h"

/* One class being counted. key points at a caller's label (gold or
 * predicted), never copied until the result is built. */
typedef struct slot {
    const char *key;
    uint32_t hash;
    uint32_t support, tp, fp, fn;
} slot;

/* Open-addressing table of the classes seen so far. The distinct labels of
 * a file are few (tens to thousands) but a hostile file may make every line
 * distinct, hence a hash table rather than a linear search. */
typedef struct table {
    slot *s;    /* kz_malloc'd, cap entries; key NULL = empty */
    size_t cap; /* power of two */
    size_t used;
} table;

static uint32_t hash_str(const char *k)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *k; k++) {
        h ^= (unsigned char)*k;
        h *= 16777619u;
    }
    return h;
}

static slot *probe(slot *s, size_t cap, const char *key, uint32_t h)
{
    size_t i = h & (cap - 1);
    while (s[i].key && (s[i].hash != h || strcmp(s[i].key, key) != 0))
        i = (i + 1) & (cap - 1);
    return &s[i];
}

static kz_err grow(table *t)
{
    size_t ncap = t->cap ? t->cap * 2 : 64;
    slot *ns = kz_calloc(ncap, sizeof *ns);
    if (!ns)
        return KZ_ENOMEM;
    for (size_t i = 0; i < t->cap; i++) {
        if (t->s[i].key)
            *probe(ns, ncap, t->s[i].key, t->s[i].hash) = t->s[i];
    }
    kz_free(t->s);
    t->s = ns;
    t->cap = ncap;
    return KZ_OK;
}

/* The slot of class key, created with zero counts if new. */
static kz_err lookup(table *t, const char *key, slot **out)
{
    kz_err rc;
    if ((t->used + 1) * 2 > t->cap) {
        rc = grow(t);
        if (rc)
            return rc;
    }
    uint32_t h = hash_str(key);
    slot *e = probe(t->s, t->cap, key, h);
    if (!e->key) {
        e->key = key;
        e->hash = h;
        t->used++;
    }
    *out = e;
    return KZ_OK;
}

static int is_none(const char *label)
{
    return strcmp(label, KZ_CLASSIFY_NONE) == 0;
}

static double ratio(uint32_t num, uint64_t den)
{
    return den ? (double)num / (double)den : 0.0;
}

static double fmeasure(double p, double r)
{
    return p + r > 0 ? 2.0 * p * r / (p + r) : 0.0;
}

static int cmp_score(const void *x, const void *y)
{
    const kz_classify_class_score *a = x, *b = y;
    return strcmp(a->attack_id, b->attack_id);
}

/* Counts one example into the table. */
static kz_err count(table *t, const char *g, const char *p)
{
    slot *sg = NULL, *sp = NULL;
    kz_err rc;
    if (!is_none(g)) {
        rc = lookup(t, g, &sg);
        if (rc)
            return rc;
        sg->support++;
    }
    if (!is_none(p)) {
        rc = lookup(t, p, &sp);
        if (rc)
            return rc;
        /* the lookup of p may have grown the table and moved g's slot */
        if (sg)
            sg = probe(t->s, t->cap, g, hash_str(g));
    }
    if (sg && sp && sg == sp) {
        sg->tp++;
        return KZ_OK;
    }
    if (sg)
        sg->fn++;
    if (sp)
        sp->fp++;
    return KZ_OK;
}

/* Copies the table's classes into the arena, sorted, with their figures. */
static kz_err build(const table *t, size_t n, kz_arena *a, kz_classify_eval_result *out)
{
    kz_classify_class_score *cs = NULL;
    if (t->used) {
        cs = kz_arena_calloc(a, t->used, sizeof *cs);
        if (!cs)
            return KZ_ENOMEM;
    }
    size_t k = 0;
    uint64_t tp = 0, fp = 0, fn = 0;
    double f1sum = 0;
    size_t supported = 0;
    for (size_t i = 0; i < t->cap; i++) {
        const slot *e = &t->s[i];
        if (!e->key)
            continue;
        kz_classify_class_score *c = &cs[k++];
        c->attack_id = kz_arena_strdup(a, e->key);
        if (!c->attack_id)
            return KZ_ENOMEM;
        c->support = e->support;
        c->tp = e->tp;
        c->fp = e->fp;
        c->fn = e->fn;
        c->precision = ratio(e->tp, (uint64_t)e->tp + e->fp);
        c->recall = ratio(e->tp, (uint64_t)e->tp + e->fn);
        c->f1 = fmeasure(c->precision, c->recall);
        tp += e->tp;
        fp += e->fp;
        fn += e->fn;
        if (e->support > 0) {
            f1sum += c->f1;
            supported++;
        }
    }
    if (k > 1)
        qsort(cs, k, sizeof *cs, cmp_score);
    out->n = n;
    out->classes = cs;
    out->nclasses = k;
    out->micro_precision = tp + fp ? (double)tp / (double)(tp + fp) : 0.0;
    out->micro_recall = tp + fn ? (double)tp / (double)(tp + fn) : 0.0;
    out->micro_f1 = fmeasure(out->micro_precision, out->micro_recall);
    out->macro_f1 = supported ? f1sum / (double)supported : 0.0;
    return KZ_OK;
}

kz_err kz_classify_score(const char *const *gold, const char *const *pred, size_t n, kz_arena *a,
                         kz_classify_eval_result *out)
{
    kz_err rc = KZ_OK;
    table t = {0};
    if (!out)
        return KZ_EINVAL;
    memset(out, 0, sizeof *out);
    if (!a || (n && (!gold || !pred)) || n > UINT32_MAX)
        return KZ_EINVAL;
    for (size_t i = 0; i < n; i++) {
        if (!gold[i] || !pred[i]) {
            rc = KZ_EINVAL;
            goto fail;
        }
        rc = count(&t, gold[i], pred[i]);
        if (rc)
            goto fail;
    }
    rc = build(&t, n, a, out);
    if (rc)
        goto fail;
    kz_free(t.s);
    return KZ_OK;
fail:
    kz_free(t.s);
    memset(out, 0, sizeof *out);
    return rc;
}

/* Classifies every example, keeping only the predicted ids (class ids
 * belong to the model, which outlives this call), then scores them. */
kz_err kz_classify_eval(const kz_classifier *c, const kz_classify_example *ex, size_t n,
                        double threshold, kz_arena *a, kz_classify_eval_result *out)
{
    kz_err rc;
    const char **gold = NULL;
    if (!out)
        return KZ_EINVAL;
    memset(out, 0, sizeof *out);
    if (!c || !a || (n && !ex))
        return KZ_EINVAL;
    if (n > UINT32_MAX)
        return KZ_EINVAL;
    if (n) {
        /* gold[0..n) then pred[0..n) in one block */
        gold = kz_calloc(n, 2 * sizeof *gold);
        if (!gold)
            return KZ_ENOMEM;
    }
    const char **pred = gold ? gold + n : NULL;
    for (size_t i = 0; i < n; i++) {
        kz_classify_result r;
        if (!ex[i].label || (ex[i].len && !ex[i].text)) {
            rc = KZ_EINVAL;
            goto fail;
        }
        kz_classify(c, ex[i].text, ex[i].len, threshold, &r);
        gold[i] = ex[i].label;
        pred[i] = r.attack_id ? r.attack_id : KZ_CLASSIFY_NONE;
    }
    rc = kz_classify_score(gold, pred, n, a, out);
    if (rc)
        goto fail;
    kz_free(gold);
    return KZ_OK;
fail:
    kz_free(gold);
    memset(out, 0, sizeof *out);
    return rc;
}
