/* train.c - training the classifier: multinomial logistic regression
 * (softmax) over the hashed features, by stochastic gradient descent with a
 * linearly decaying rate and L2 regularisation, deterministic to the byte.
 *
 * Determinism: examples are shuffled by a splitmix64 stream from the seed
 * (no rand()); one thread; every sum runs in a fixed order (the per-class
 * loops are element-wise, so a compiler that vectorises them does not
 * reorder any addition); no -ffast-math, and no contraction into fused
 * multiply-adds (which a -march with FMA would allow: gcc contracts by
 * default); exp is our own (det_exp). The gcc and clang builds write the
 * same bytes. */
#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "classify/classify_int.h"
#include "kizuna/alloc.h"

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

void kz_train_defaults(kz_train_cfg *cfg)
{
    /* Cross-validation (bench/classify_cv.c; train_dir.c says how), the
     * recipe at 0.869 / 0.821: 2^17 buckets 0.868 / 0.816 in twice the
     * bytes; without char n-grams 0.808 / 0.755; without bigrams 0.868 /
     * 0.820 (kept: free); char 2..5 0.866, 3..4 0.867, 4..5 0.866, 3..6
     * 0.870 / 0.821 (more features for nothing). */
    cfg->feat.bits = 16;
    cfg->feat.flags = KZ_FEAT_ALL;
    cfg->feat.cmin = 3;
    cfg->feat.cmax = 5;
    /* 20 epochs 0.868 / 0.819, 50 0.868 / 0.818; rate 0.5 0.867 / 0.816,
     * 2 0.867 / 0.818; L2 1e-5 0.866 / 0.812, 0 0.868 / 0.819. */
    cfg->epochs = 30;
    cfg->rate = 1.0;
    cfg->l2 = 1e-6;
    cfg->average = false;
    cfg->balance = 0;
}

void kz_train_apply_opts(kz_train_cfg *cfg, const kz_classify_train_opts *opts)
{
    if (!opts)
        return;
    if (opts->epochs)
        cfg->epochs = opts->epochs;
    if (opts->l2 >= 0)
        cfg->l2 = opts->l2;
    if (opts->rate > 0)
        cfg->rate = opts->rate;
}

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Everything one training run holds; freed in one place (train_release). */
typedef struct trainer {
    const char **cls; /* sorted distinct labels */
    uint32_t ncls;
    uint32_t *y; /* class of each example */
    size_t *off; /* example i's rows are rows[off[i]..off[i+1]) */
    uint32_t *rows;
    uint8_t *used;    /* bitmap of buckets with a row */
    uint32_t *row_of; /* bucket -> row */
    uint32_t nrows;
    uint32_t stride; /* ncls rounded up to KZ_CLASS_BLOCK */
    float *w;        /* nrows x stride, times wscale */
    double *bias;
    uint32_t *perm;
    double *cw; /* class weights */
    float *avg; /* sum of the averaged epochs' weights (cfg->average) */
    double *avg_bias;
} trainer;

static void train_release(trainer *t)
{
    kz_free(t->cls);
    kz_free(t->y);
    kz_free(t->off);
    kz_free(t->rows);
    kz_free(t->used);
    kz_free(t->row_of);
    kz_free(t->w);
    kz_free(t->bias);
    kz_free(t->perm);
    kz_free(t->cw);
    kz_free(t->avg);
    kz_free(t->avg_bias);
}

static kz_err check_examples(const kz_classify_example *ex, size_t n)
{
    if (!ex || !n || n > UINT32_MAX)
        return KZ_EINVAL;
    for (size_t i = 0; i < n; i++) {
        size_t ll = ex[i].label ? strlen(ex[i].label) : 0;
        if (!ll || ll >= KZ_CLASSIFY_MAX_LABEL)
            return KZ_EINVAL;
        if (!(ex[i].weight > 0) || !isfinite(ex[i].weight))
            return KZ_EINVAL;
        if (!ex[i].text && ex[i].len)
            return KZ_EINVAL;
    }
    return KZ_OK;
}

/* The class table (sorted distinct labels) and each example's class. */
static kz_err build_classes(trainer *t, const kz_classify_example *ex, size_t n)
{
    const char **all = kz_malloc(n * sizeof *all);
    if (!all)
        return KZ_ENOMEM;
    for (size_t i = 0; i < n; i++)
        all[i] = ex[i].label;
    qsort(all, n, sizeof *all, cmp_str);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (!m || strcmp(all[m - 1], all[i]) != 0)
            all[m++] = all[i];
    t->cls = all;
    if (m > KZ_CLASSIFY_MAX_CLASSES)
        return KZ_EINVAL;
    t->ncls = (uint32_t)m;
    t->y = kz_malloc(n * sizeof *t->y);
    if (!t->y)
        return KZ_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        const char **hit = bsearch(&ex[i].label, all, m, sizeof *all, cmp_str);
        t->y[i] = (uint32_t)(hit - all);
    }
    return KZ_OK;
}

/* Extracts every example's features once, then numbers the buckets used
 * in ascending order (the model file's row order). */
static kz_err build_rows(trainer *t, const kz_classify_example *ex, size_t n, const kz_feat_cfg *fc)
{
    uint32_t ids[KZ_FEAT_MAX_RAW];
    size_t cap = 1u << 16, len = 0;
    size_t nb = (size_t)1 << fc->bits;
    t->off = kz_malloc((n + 1) * sizeof *t->off);
    t->rows = kz_malloc(cap * sizeof *t->rows);
    t->used = kz_calloc(nb / 8, 1);
    t->row_of = kz_malloc(nb * sizeof *t->row_of);
    if (!t->off || !t->rows || !t->used || !t->row_of)
        return KZ_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        size_t k = kz_feat_extract(fc, ex[i].text, ex[i].len, ids);
        if (len + k > cap) {
            while (len + k > cap)
                cap *= 2;
            uint32_t *g = kz_realloc(t->rows, cap * sizeof *g);
            if (!g)
                return KZ_ENOMEM;
            t->rows = g;
        }
        t->off[i] = len;
        for (size_t j = 0; j < k; j++) {
            t->rows[len++] = ids[j];
            t->used[ids[j] / 8] |= (uint8_t)(1u << (ids[j] % 8));
        }
    }
    t->off[n] = len;
    uint32_t r = 0;
    for (size_t b = 0; b < nb; b++)
        t->row_of[b] = (t->used[b / 8] >> (b % 8) & 1) ? r++ : KZ_NO_ROW;
    t->nrows = r;
    for (size_t j = 0; j < len; j++)
        t->rows[j] = t->row_of[t->rows[j]];
    return KZ_OK;
}

/* exp(x) in plain double arithmetic, the same bits on every machine:
 * glibc picks its exp by CPU at run time (an FMA variant or not), which
 * could change a last bit of a weight and so the model's bytes. Range
 * reduction by ln 2 (split in two parts), a degree-12 Taylor polynomial
 * on |r| <= 0.35 (error about 2e-16 relative), then an exact scaling. */
static double det_exp(double x)
{
    if (x < -708)
        return 0;
    if (x > 709)
        x = 709;
    double k = floor(x * 1.4426950408889634 + 0.5);
    double r = (x - k * 6.93147180369123816490e-01) - k * 1.90821492927058770002e-10;
    double p = 1.0 / 479001600;
    static const double inv_fact[] = {1.0 / 39916800, 1.0 / 3628800, 1.0 / 362880, 1.0 / 40320,
                                      1.0 / 5040,     1.0 / 720,     1.0 / 120,    1.0 / 24,
                                      1.0 / 6,        1.0 / 2,       1.0,          1.0};
    for (size_t i = 0; i < sizeof inv_fact / sizeof inv_fact[0]; i++)
        p = p * r + inv_fact[i];
    return ldexp(p, (int)k);
}

/* One SGD step on example i at rate lr. ws is the weights' common scale
 * (Bottou's trick: L2 decay multiplies ws instead of every weight). Rows
 * are t->stride floats, the classes past ncls staying 0; z and g have
 * stride entries. */
static void sgd_step(trainer *t, const kz_classify_example *e, size_t i, double lr, double l2,
                     double *ws, float *restrict z, double *restrict g)
{
    uint32_t nc = t->ncls, st = t->stride;
    const uint32_t *r = t->rows + t->off[i];
    size_t nf = t->off[i + 1] - t->off[i];
    double x = nf ? 1.0 / sqrt((double)nf) : 0;
    for (uint32_t k = 0; k < st; k++)
        z[k] = 0;
    /* Element-wise over fixed blocks: vectorised, never reassociated. */
    for (size_t j = 0; j < nf; j++) {
        const float *restrict w = t->w + (size_t)r[j] * st;
        for (size_t k0 = 0; k0 < st; k0 += KZ_CLASS_BLOCK)
            for (size_t k = 0; k < KZ_CLASS_BLOCK; k++)
                z[k0 + k] += w[k0 + k];
    }
    double zmax = -HUGE_VAL, sum = 0;
    for (uint32_t k = 0; k < nc; k++) {
        g[k] = t->bias[k] + *ws * x * (double)z[k];
        if (g[k] > zmax)
            zmax = g[k];
    }
    for (uint32_t k = 0; k < nc; k++) {
        g[k] = det_exp(g[k] - zmax);
        sum += g[k];
    }
    double wy = (double)e->weight * t->cw[t->y[i]];
    for (uint32_t k = 0; k < nc; k++)
        g[k] = wy * (g[k] / sum - (k == t->y[i] ? 1.0 : 0.0));
    for (uint32_t k = 0; k < nc; k++)
        t->bias[k] -= lr * g[k];
    *ws *= 1.0 - lr * l2;
    if (*ws < 1e-6) {
        size_t all = (size_t)t->nrows * st;
        for (size_t j = 0; j < all; j++)
            t->w[j] = (float)((double)t->w[j] * *ws);
        *ws = 1.0;
    }
    for (uint32_t k = 0; k < st; k++)
        z[k] = k < nc ? (float)(lr * x * g[k] / *ws) : 0.0f;
    for (size_t j = 0; j < nf; j++) {
        float *restrict w = t->w + (size_t)r[j] * st;
        for (size_t k0 = 0; k0 < st; k0 += KZ_CLASS_BLOCK)
            for (size_t k = 0; k < KZ_CLASS_BLOCK; k++)
                w[k0 + k] -= z[k0 + k];
    }
}

kz_err kz_classify_train_cfg(const kz_classify_example *ex, size_t n, const kz_train_cfg *cfg,
                             const kz_classify_train_opts *opts, kz_buf *out)
{
    trainer t;
    static_assert(KZ_CLASSIFY_MAX_CLASSES % KZ_CLASS_BLOCK == 0, "whole blocks");
    float z[KZ_CLASSIFY_MAX_CLASSES];
    double g[KZ_CLASSIFY_MAX_CLASSES];
    memset(&t, 0, sizeof t);
    kz_err rc = check_examples(ex, n);
    if (rc)
        return rc;
    rc = build_classes(&t, ex, n);
    if (rc)
        goto fail;
    rc = build_rows(&t, ex, n, &cfg->feat);
    if (rc)
        goto fail;
    rc = KZ_ENOMEM;
    if ((size_t)t.nrows * t.ncls > KZ_CLASSIFY_MAX_MODEL) {
        rc = KZ_ETOOBIG;
        goto fail;
    }
    t.stride = (t.ncls + KZ_CLASS_BLOCK - 1) / KZ_CLASS_BLOCK * KZ_CLASS_BLOCK;
    t.w = kz_calloc((size_t)t.nrows * t.stride + 1, sizeof *t.w);
    t.bias = kz_calloc(t.ncls, sizeof *t.bias);
    t.perm = kz_malloc(n * sizeof *t.perm);
    if (!t.w || !t.bias || !t.perm)
        goto fail;
    for (size_t i = 0; i < n; i++)
        t.perm[i] = (uint32_t)i;

    /* Class weights: (mean class mass / class mass)^balance, the mass
     * being the sum of the class's example weights. */
    t.cw = kz_calloc(t.ncls, sizeof *t.cw);
    if (!t.cw)
        goto fail;
    double mass = 0;
    for (size_t i = 0; i < n; i++) {
        t.cw[t.y[i]] += ex[i].weight;
        mass += ex[i].weight;
    }
    for (uint32_t k = 0; k < t.ncls; k++)
        t.cw[k] = cfg->balance > 0 ? pow(mass / t.ncls / t.cw[k], cfg->balance) : 1.0;
    uint32_t avg_from = cfg->epochs;
    if (cfg->average) {
        avg_from = cfg->epochs / 2;
        t.avg = kz_calloc((size_t)t.nrows * t.stride + 1, sizeof *t.avg);
        t.avg_bias = kz_calloc(t.ncls, sizeof *t.avg_bias);
        if (!t.avg || !t.avg_bias)
            goto fail;
    }

    uint64_t seed = opts ? opts->seed : 0;
    double ws = 1.0, steps = (double)cfg->epochs * (double)n, step = 0;
    size_t all = (size_t)t.nrows * t.stride;
    for (uint32_t ep = 0; ep < cfg->epochs; ep++) {
        for (size_t i = n - 1; i > 0; i--) {
            size_t j = (size_t)(splitmix64(&seed) % (i + 1));
            uint32_t tmp = t.perm[i];
            t.perm[i] = t.perm[j];
            t.perm[j] = tmp;
        }
        for (size_t i = 0; i < n; i++) {
            double lr = cfg->rate * (1.0 - step / steps);
            step += 1;
            sgd_step(&t, &ex[t.perm[i]], t.perm[i], lr, cfg->l2, &ws, z, g);
        }
        /* Averaging the weights at the end of each epoch of the second
         * half (Polyak averaging at epoch grain: one pass per epoch). */
        if (ep >= avg_from) {
            for (size_t j = 0; j < all; j++)
                t.avg[j] += (float)((double)t.w[j] * ws);
            for (uint32_t k = 0; k < t.ncls; k++)
                t.avg_bias[k] += t.bias[k];
        }
        if (opts && opts->progress)
            opts->progress(opts->progress_ctx, ep + 1, cfg->epochs);
    }
    if (avg_from < cfg->epochs) {
        double m = (double)(cfg->epochs - avg_from);
        for (size_t j = 0; j < all; j++)
            t.w[j] = (float)((double)t.avg[j] / m);
        for (uint32_t k = 0; k < t.ncls; k++)
            t.bias[k] = t.avg_bias[k] / m;
    } else {
        for (size_t j = 0; j < all; j++)
            t.w[j] = (float)((double)t.w[j] * ws);
    }

    kz_model_out m = {cfg->feat, t.ncls, t.nrows, t.stride, t.cls, t.bias, t.used, t.w};
    rc = kz_model_write(&m, out);
fail:
    train_release(&t);
    return rc;
}

kz_err kz_classify_train(const kz_classify_example *ex, size_t n,
                         const kz_classify_train_opts *opts, kz_buf *out)
{
    kz_train_cfg cfg;
    kz_train_defaults(&cfg);
    kz_train_apply_opts(&cfg, opts);
    return kz_classify_train_cfg(ex, n, &cfg, opts, out);
}
