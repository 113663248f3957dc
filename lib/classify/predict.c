/* predict.c - classifying a sentence with a loaded model: hashed features,
 * one int8 row of class weights per feature, softmax. No allocation and
 * no shared mutable state, so any number of threads may predict at once. */
#include <math.h>
#include <string.h>

#include "classify/classify_int.h"

/* Class scores of text into z[0..nclasses); returns the number of
 * features (0: z untouched). */
static size_t scores(const kz_classifier *c, const char *text, size_t len, float *restrict z)
{
    uint32_t ids[KZ_FEAT_MAX_RAW];
    size_t n = kz_feat_extract(&c->cfg, text, len, ids);
    if (!n)
        return 0;
    uint32_t nc = c->nclasses, stride = c->stride;
    for (uint32_t k = 0; k < stride; k++)
        z[k] = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t r = c->row_of[ids[i]];
        if (r == KZ_NO_ROW)
            continue;
        float s = c->scale[r];
        const int8_t *restrict q = c->q + (size_t)r * stride;
        /* Fixed-length blocks, and restrict (int8_t may alias float):
         * gcc and clang vectorise this at -O2. */
        for (size_t k0 = 0; k0 < stride; k0 += KZ_CLASS_BLOCK)
            for (size_t j = 0; j < KZ_CLASS_BLOCK; j++)
                z[k0 + j] += s * (float)q[k0 + j];
    }
    /* Every feature has the value 1/sqrt(n) (classify_int.h). */
    float x = 1.0f / sqrtf((float)n);
    for (uint32_t k = 0; k < nc; k++)
        z[k] = c->bias[k] + x * z[k];
    return n;
}

/* Softmax without a probability array: the best class and the sum of
 * exp(z - z[best]) (a double, so thousands of classes stay accurate); the
 * probability of class k is then exp(z[k] - z[best]) / sum. */
static uint32_t softmax_sum(const float *z, uint32_t nc, double *sum)
{
    uint32_t best = 0;
    for (uint32_t k = 1; k < nc; k++)
        if (z[k] > z[best])
            best = k;
    double s = 0;
    for (uint32_t k = 0; k < nc; k++)
        s += exp((double)z[k] - (double)z[best]);
    *sum = s;
    return best;
}

void kz_classify(const kz_classifier *c, const char *text, size_t len, double threshold,
                 kz_classify_result *out)
{
    float z[KZ_CLASSIFY_MAX_CLASSES];
    double sum;
    out->attack_id = KZ_CLASSIFY_NONE;
    out->prob = 0;
    out->cls = -1;
    if (!scores(c, text, len, z))
        return;
    uint32_t best = softmax_sum(z, c->nclasses, &sum);
    out->cls = (int32_t)best;
    out->prob = 1.0 / sum;
    out->attack_id = out->prob < threshold ? KZ_CLASSIFY_NONE : c->classes[best];
}

size_t kz_classify_topk(const kz_classifier *c, const char *text, size_t len,
                        kz_classify_result *out, size_t k)
{
    float z[KZ_CLASSIFY_MAX_CLASSES];
    double sum;
    if (!k || !scores(c, text, len, z))
        return 0;
    uint32_t nc = c->nclasses;
    uint32_t best = softmax_sum(z, nc, &sum);
    if (k > nc)
        k = nc;
    /* Insertion into the k best so far: k is small in practice; ties keep
     * the lower class index first. */
    size_t m = 0;
    for (uint32_t i = 0; i < nc; i++) {
        double pi = exp((double)z[i] - (double)z[best]) / sum;
        if (m == k && pi <= out[m - 1].prob)
            continue;
        size_t j = m < k ? m++ : k - 1;
        while (j > 0 && out[j - 1].prob < pi) {
            out[j] = out[j - 1];
            j--;
        }
        out[j].attack_id = c->classes[i];
        out[j].prob = pi;
        out[j].cls = (int32_t)i;
    }
    return m;
}
