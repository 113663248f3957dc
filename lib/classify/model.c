/* model.c - the classifier's model file: writing it (quantised weights,
 * checksum) and loading it with every count, offset and value validated
 * before use (layout in classify_int.h). */
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "classify/classify_int.h"
#include "kizuna/alloc.h"
#include "kizuna/file.h"

/* ---- little-endian helpers ---- */

static void put32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void put64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const unsigned char *p)
{
    return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

static void putf(unsigned char *p, float f)
{
    uint32_t v;
    memcpy(&v, &f, sizeof v);
    put32(p, v);
}

static float getf(const unsigned char *p)
{
    uint32_t v = get32(p);
    float f;
    memcpy(&f, &v, sizeof f);
    return f;
}

/* Header field offsets. */
enum {
    H_MAGIC = 0,
    H_VERSION = 4,
    H_SUM = 8,
    H_HDR = 16,
    H_NCLASSES = 20,
    H_BITS = 24,
    H_NROWS = 28,
    H_FLAGS = 32,
    H_CMIN = 36,
    H_CMAX = 40,
    H_OFF_CLASSES = 44,
    H_OFF_BIAS = 48,
    H_OFF_BITMAP = 52,
    H_OFF_SCALES = 56,
    H_OFF_WEIGHTS = 60,
    H_SIZE = 64,
};

typedef struct layout {
    uint64_t classes, bias, bitmap, scales, weights, size;
} layout;

/* The one layout for the counts; 64-bit so that no count can wrap it. */
static layout layout_of(uint64_t nclasses, uint32_t bits, uint64_t nrows)
{
    layout l;
    l.classes = KZ_MODEL_HDR;
    l.bias = l.classes + nclasses * KZ_CLASSIFY_MAX_LABEL;
    l.bitmap = l.bias + 4 * nclasses;
    l.scales = l.bitmap + ((uint64_t)1 << bits) / 8;
    l.weights = l.scales + 4 * nrows;
    l.size = l.weights + nrows * nclasses;
    return l;
}

/* Bound on every weight and bias, far above what training gives (a few
 * tens): with at most KZ_FEAT_MAX_RAW features a class score stays far
 * from float overflow, so probabilities are always finite. */
#define KZ_MODEL_MAX_WEIGHT 1e4f

/* ---- writing ---- */

kz_err kz_model_write(const kz_model_out *m, kz_buf *out)
{
    uint32_t c = m->nclasses;
    layout l = layout_of(c, m->cfg.bits, m->nrows);
    if (l.size > KZ_CLASSIFY_MAX_MODEL)
        return KZ_ETOOBIG;
    unsigned char *f = kz_calloc(1, (size_t)l.size);
    if (!f)
        return KZ_ENOMEM;
    memcpy(f + H_MAGIC, KZ_MODEL_MAGIC, 4);
    put32(f + H_VERSION, KZ_MODEL_VERSION);
    put32(f + H_HDR, KZ_MODEL_HDR);
    put32(f + H_NCLASSES, c);
    put32(f + H_BITS, m->cfg.bits);
    put32(f + H_NROWS, m->nrows);
    put32(f + H_FLAGS, m->cfg.flags);
    put32(f + H_CMIN, m->cfg.cmin);
    put32(f + H_CMAX, m->cfg.cmax);
    put32(f + H_OFF_CLASSES, (uint32_t)l.classes);
    put32(f + H_OFF_BIAS, (uint32_t)l.bias);
    put32(f + H_OFF_BITMAP, (uint32_t)l.bitmap);
    put32(f + H_OFF_SCALES, (uint32_t)l.scales);
    put32(f + H_OFF_WEIGHTS, (uint32_t)l.weights);
    put32(f + H_SIZE, (uint32_t)l.size);
    for (uint32_t k = 0; k < c; k++) {
        memcpy(f + l.classes + (size_t)k * KZ_CLASSIFY_MAX_LABEL, m->classes[k],
               strlen(m->classes[k]));
        double b = m->bias[k];
        if (b > KZ_MODEL_MAX_WEIGHT)
            b = KZ_MODEL_MAX_WEIGHT;
        if (b < -KZ_MODEL_MAX_WEIGHT)
            b = -KZ_MODEL_MAX_WEIGHT;
        putf(f + l.bias + 4 * (size_t)k, (float)b);
    }
    memcpy(f + l.bitmap, m->used, ((size_t)1 << m->cfg.bits) / 8);
    /* int8 with one scale per row: a row's largest weight maps to 127. */
    for (uint32_t r = 0; r < m->nrows; r++) {
        const float *w = m->w + (size_t)r * m->stride;
        float mx = 0;
        for (uint32_t k = 0; k < c; k++)
            if (fabsf(w[k]) > mx)
                mx = fabsf(w[k]);
        if (mx > KZ_MODEL_MAX_WEIGHT) /* never in practice; the loader's bound */
            mx = KZ_MODEL_MAX_WEIGHT;
        float scale = mx / 127.0f;
        putf(f + l.scales + 4 * (size_t)r, scale);
        int8_t *q = (int8_t *)(f + l.weights + (size_t)r * c);
        for (uint32_t k = 0; k < c && scale > 0; k++) {
            long v = lrintf(w[k] / scale);
            q[k] = (int8_t)(v > 127 ? 127 : v < -127 ? -127 : v);
        }
    }
    put64(f + H_SUM, kz_model_fnv(f + 16, (size_t)l.size - 16));
    kz_err rc = kz_buf_append(out, f, (size_t)l.size);
    kz_free(f);
    return rc;
}

/* ---- loading ---- */

static kz_err bad(char *errbuf, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static kz_err bad(char *errbuf, size_t cap, const char *fmt, ...)
{
    if (errbuf && cap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(errbuf, cap, fmt, ap);
        va_end(ap);
    }
    return KZ_EPARSE;
}

static uint32_t popcount8(uint8_t b)
{
    uint32_t n = 0;
    for (; b; b &= (uint8_t)(b - 1))
        n++;
    return n;
}

kz_err kz_classifier_load_mem(const void *buf, size_t len, kz_classifier **out, char *errbuf,
                              size_t cap)
{
    const unsigned char *f = buf;
    *out = NULL;
    if (errbuf && cap)
        errbuf[0] = '\0';
    if (len > KZ_CLASSIFY_MAX_MODEL) {
        if (errbuf && cap)
            snprintf(errbuf, cap, "model larger than %u bytes", KZ_CLASSIFY_MAX_MODEL);
        return KZ_ETOOBIG;
    }
    if (len < KZ_MODEL_HDR || memcmp(f, KZ_MODEL_MAGIC, 4) != 0)
        return bad(errbuf, cap, "not a kizuna classifier model (no KZCM header)");
    uint32_t version = get32(f + H_VERSION);
    if (version != KZ_MODEL_VERSION)
        return bad(errbuf, cap, "model format version %u, this build reads version %u", version,
                   KZ_MODEL_VERSION);
    if (get32(f + H_HDR) != KZ_MODEL_HDR)
        return bad(errbuf, cap, "model header size %u, expected %u", get32(f + H_HDR),
                   KZ_MODEL_HDR);
    if (get32(f + H_SIZE) != len)
        return bad(errbuf, cap, "model is %zu bytes, its header says %u (truncated?)", len,
                   get32(f + H_SIZE));
    if (get64(f + H_SUM) != kz_model_fnv(f + 16, len - 16))
        return bad(errbuf, cap, "model checksum mismatch (damaged file)");
    for (size_t i = 68; i < KZ_MODEL_HDR; i++)
        if (f[i])
            return bad(errbuf, cap, "model header has non-zero reserved bytes");

    kz_feat_cfg cfg = {get32(f + H_BITS), get32(f + H_FLAGS), get32(f + H_CMIN), get32(f + H_CMAX)};
    uint32_t nc = get32(f + H_NCLASSES), nrows = get32(f + H_NROWS);
    if (nc < 1 || nc > KZ_CLASSIFY_MAX_CLASSES)
        return bad(errbuf, cap, "model has %u classes (1..%u allowed)", nc,
                   KZ_CLASSIFY_MAX_CLASSES);
    if (cfg.bits < KZ_FEAT_MIN_BITS || cfg.bits > KZ_FEAT_MAX_BITS)
        return bad(errbuf, cap, "model has 2^%u buckets (2^%u..2^%u allowed)", cfg.bits,
                   KZ_FEAT_MIN_BITS, KZ_FEAT_MAX_BITS);
    if (!cfg.flags || (cfg.flags & ~KZ_FEAT_ALL))
        return bad(errbuf, cap, "model feature flags 0x%x unknown", cfg.flags);
    if (cfg.cmin < 1 || cfg.cmin > cfg.cmax || cfg.cmax > KZ_FEAT_MAX_CHARN)
        return bad(errbuf, cap, "model character n-gram sizes %u..%u out of range", cfg.cmin,
                   cfg.cmax);
    if ((uint64_t)nrows > ((uint64_t)1 << cfg.bits))
        return bad(errbuf, cap, "model has %u rows for 2^%u buckets", nrows, cfg.bits);
    layout l = layout_of(nc, cfg.bits, nrows);
    if (get32(f + H_OFF_CLASSES) != l.classes || get32(f + H_OFF_BIAS) != l.bias ||
        get32(f + H_OFF_BITMAP) != l.bitmap || get32(f + H_OFF_SCALES) != l.scales ||
        get32(f + H_OFF_WEIGHTS) != l.weights || l.size != len)
        return bad(errbuf, cap, "model section offsets do not match its counts");

    for (uint32_t k = 0; k < nc; k++) {
        const unsigned char *s = f + l.classes + (size_t)k * KZ_CLASSIFY_MAX_LABEL;
        const unsigned char *z = memchr(s, 0, KZ_CLASSIFY_MAX_LABEL);
        if (!z || z == s)
            return bad(errbuf, cap, "model class %u has an empty or unterminated id", k);
        for (const unsigned char *p = z; p < s + KZ_CLASSIFY_MAX_LABEL; p++)
            if (*p)
                return bad(errbuf, cap, "model class %u has bytes after its id", k);
        float b = getf(f + l.bias + 4 * (size_t)k);
        if (!(b >= -KZ_MODEL_MAX_WEIGHT && b <= KZ_MODEL_MAX_WEIGHT))
            return bad(errbuf, cap, "model class %u has a bias out of range", k);
    }
    uint64_t set = 0;
    for (uint64_t i = 0; i < ((uint64_t)1 << cfg.bits) / 8; i++)
        set += popcount8(f[l.bitmap + i]);
    if (set != nrows)
        return bad(errbuf, cap, "model bitmap has %llu buckets set, header says %u rows",
                   (unsigned long long)set, nrows);
    for (uint32_t r = 0; r < nrows; r++) {
        float s = getf(f + l.scales + 4 * (size_t)r);
        if (!(s >= 0 && s <= KZ_MODEL_MAX_WEIGHT / 127))
            return bad(errbuf, cap, "model row %u has a scale out of range", r);
    }

    /* One block: struct, bias, row_of, scale (4-aligned), classes, q. */
    size_t nb = (size_t)1 << cfg.bits;
    uint32_t stride = (nc + KZ_CLASS_BLOCK - 1) / KZ_CLASS_BLOCK * KZ_CLASS_BLOCK;
    size_t sz = sizeof(kz_classifier) + 4 * (size_t)nc + 4 * nb + 4 * (size_t)nrows +
                (size_t)nc * KZ_CLASSIFY_MAX_LABEL + 63 + (size_t)nrows * stride;
    unsigned char *mem = kz_malloc(sz);
    if (!mem) {
        if (errbuf && cap)
            snprintf(errbuf, cap, "out of memory loading the model");
        return KZ_ENOMEM;
    }
    kz_classifier *c = (kz_classifier *)mem;
    unsigned char *p = mem + sizeof *c;
    c->cfg = cfg;
    c->nclasses = nc;
    c->nrows = nrows;
    c->stride = stride;
    c->bias = (float *)p;
    p += 4 * (size_t)nc;
    c->row_of = (uint32_t *)p;
    p += 4 * nb;
    c->scale = (float *)p;
    p += 4 * (size_t)nrows;
    c->classes = (char(*)[KZ_CLASSIFY_MAX_LABEL])p;
    p += (size_t)nc * KZ_CLASSIFY_MAX_LABEL;
    /* Rows start on a 64-byte line: a row of up to 64 classes is then one
     * cache line, not two (prediction is bound by these random reads). */
    p += (64 - (uintptr_t)p % 64) % 64;
    c->q = (int8_t *)p;
    for (uint32_t k = 0; k < nc; k++)
        c->bias[k] = getf(f + l.bias + 4 * (size_t)k);
    memcpy(c->classes, f + l.classes, (size_t)nc * KZ_CLASSIFY_MAX_LABEL);
    uint32_t r = 0;
    for (size_t b = 0; b < nb; b++)
        c->row_of[b] = (f[l.bitmap + b / 8] >> (b % 8) & 1) ? r++ : KZ_NO_ROW;
    for (uint32_t k = 0; k < nrows; k++)
        c->scale[k] = getf(f + l.scales + 4 * (size_t)k);
    for (uint32_t k = 0; k < nrows; k++) {
        int8_t *row = c->q + (size_t)k * stride;
        memcpy(row, f + l.weights + (size_t)k * nc, nc);
        memset(row + nc, 0, stride - nc);
    }
    *out = c;
    return KZ_OK;
}

kz_err kz_classifier_load(const char *path, kz_classifier **out, char *errbuf, size_t cap)
{
    char *data = NULL;
    size_t len = 0;
    char why[256];
    *out = NULL;
    kz_err rc = kz_file_read(path, KZ_CLASSIFY_MAX_MODEL, &data, &len, why, sizeof why);
    if (rc) {
        if (errbuf && cap)
            snprintf(errbuf, cap, "%s", why);
        return rc;
    }
    rc = kz_classifier_load_mem(data, len, out, errbuf, cap);
    kz_free(data);
    return rc;
}

void kz_classifier_free(kz_classifier *c)
{
    kz_free(c);
}

size_t kz_classifier_nclasses(const kz_classifier *c)
{
    return c->nclasses;
}

const char *kz_classifier_class(const kz_classifier *c, size_t i)
{
    return i < c->nclasses ? c->classes[i] : NULL;
}

void kz_classifier_info(const kz_classifier *c, uint32_t *bucket_bits, uint32_t *rows)
{
    if (bucket_bits)
        *bucket_bits = c->cfg.bits;
    if (rows)
        *rows = c->nrows;
}

static int is_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

kz_err kz_classifier_default_path(char *out, size_t cap)
{
    const char *env = getenv("KZ_MODEL");
    char first[PATH_MAX], cand[PATH_MAX];
    first[0] = '\0';
    if (env && *env) {
        snprintf(first, sizeof first, "%s", env);
    } else {
        static const char *const rel[] = {"/../data/models/attack.kzm",
                                          "/../share/kizuna/models/attack.kzm"};
        char exe[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        if (n > 0) {
            exe[n] = '\0';
            char *slash = strrchr(exe, '/');
            if (slash)
                *slash = '\0';
            for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
                int l = snprintf(cand, sizeof cand, "%s%s", exe, rel[i]);
                if (l < 0 || (size_t)l >= sizeof cand)
                    continue;
                if (!first[0])
                    snprintf(first, sizeof first, "%s", cand);
                if (is_file(cand)) {
                    snprintf(first, sizeof first, "%s", cand);
                    goto found;
                }
            }
        }
        snprintf(cand, sizeof cand, "/usr/local/share/kizuna/models/attack.kzm");
        if (!first[0])
            snprintf(first, sizeof first, "%s", cand);
        if (is_file(cand)) {
            snprintf(first, sizeof first, "%s", cand);
            goto found;
        }
    }
    if (strlen(first) >= cap)
        return KZ_ETOOBIG;
    memcpy(out, first, strlen(first) + 1);
    return (env && *env && is_file(first)) ? KZ_OK : KZ_ENOTFOUND;
found:
    if (strlen(first) >= cap)
        return KZ_ETOOBIG;
    memcpy(out, first, strlen(first) + 1);
    return KZ_OK;
}
