/* classify_cv.c - k-fold cross-validation of the technique classifier's
 * recipe inside data/attack/tram-train.jsonl, the tool the recipe in
 * lib/classify/train_dir.c and the defaults in lib/classify/train.c were
 * tuned with (tram-heldout.jsonl is never read). A sentence's fold is
 * FNV-1a(text) % K, so duplicates share a fold. Each fold trains on the
 * other folds' TRAM sentences plus the procedures of the TRAM techniques
 * (exact id, or a sub-technique of a TRAM technique as that technique) at
 * weight PW, and is scored at threshold 0: mean micro / macro F1 over folds.
 *
 *   gcc -O2 -Iinclude -Ilib bench/classify_cv.c BUILD/libkizuna.a -lm -o /tmp/classify_cv
 *   /tmp/classify_cv [DATA_DIR]        (default data/attack)
 *   MODEL=FILE /tmp/classify_cv        the off-topic rate of a model file
 *                                      (bench/classify.sh (f)), no training
 *
 * Knobs (environment; defaults are the committed recipe's): K (5), SEED (0),
 * EPOCHS, RATE, L2, BITS, FLAGS (1 words, 2 bigrams, 4 char n-grams),
 * CMIN, CMAX, AVG (1: weight averaging), BAL (class balance exponent),
 * PW (0.5, procedure weight), PARENT (1), NONE (1: the procedures of the
 * off-topic families kz_recipe_part puts in KZ_PART_NONE_TRAIN as a "none"
 * class at weight NW, 0.3, every NSUB-th of them, 1), THS (1:
 * precision/recall at thresholds 0..0.7, and the off-topic rate: how many
 * procedures of the never-trained families, KZ_PART_NONE_HELD, get one of
 * the TRAM classes), V (1: per fold on
 * stderr). CPU-bound and single-threaded; a fold trains in a few seconds. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify/classify_int.h"
#include "kizuna/alloc.h"
#include "kizuna/file.h"

static double knob(const char *k, double d)
{
    const char *v = getenv(k);
    return v && *v ? strtod(v, NULL) : d;
}

static kz_classify_example *load(const char *dir, const char *name, kz_arena *a, size_t *n)
{
    char path[1024], why[256], *data = NULL;
    size_t len = 0;
    kz_classify_example *ex = NULL;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (kz_file_read(path, KZ_CLASSIFY_MAX_FILE, &data, &len, why, sizeof why) ||
        kz_classify_read_jsonl(data, len, a, &ex, n, why, sizeof why)) {
        fprintf(stderr, "classify_cv: '%s': %s\n", path, why);
        exit(2);
    }
    kz_free(data);
    return ex;
}

/* The TRAM class a procedure counts for: the recipe's (kz_recipe_class,
 * itself or its parent), its own label only under PARENT=0. */
static const char *tram_class(const char *id, const char **labels, size_t nl, int parent)
{
    const char *c = kz_recipe_class(id, labels, nl);
    return c && (parent || strcmp(c, id) == 0) ? c : NULL;
}

typedef struct counts {
    const char *id;
    int tp, fp, fn;
} counts;

static counts *slot(counts *t, size_t *n, const char *id)
{
    for (size_t i = 0; i < *n; i++)
        if (!strcmp(t[i].id, id))
            return &t[i];
    t[*n] = (counts){id, 0, 0, 0};
    return &t[(*n)++];
}

/* MODEL=FILE: how many procedures of each part (kz_recipe_part; for the
 * TRAM families only those that are no TRAM class, e.g. sibling
 * sub-techniques) the model file gives one of the TRAM classes. */
static int offtopic(const char *path, const kz_classify_example *proc, size_t np,
                    const char **labels, size_t nl)
{
    static const char *const part[] = {"TRAM families, other techniques",
                                       "off-topic, trained as none",
                                       "off-topic, never trained"};
    static const double thr[] = {0, 0.5};
    kz_classifier *model = NULL;
    char err[256];
    if (kz_classifier_load(path, &model, err, sizeof err)) {
        fprintf(stderr, "classify_cv: '%s': %s\n", path, err);
        return 2;
    }
    for (int p = 0; p < 3; p++)
        for (size_t t = 0; t < 2; t++) {
            size_t other = 0, called = 0;
            for (size_t i = 0; i < np; i++) {
                if (kz_recipe_part(proc[i].label, labels, nl) != p ||
                    tram_class(proc[i].label, labels, nl, 1))
                    continue;
                kz_classify_result r;
                kz_classify(model, proc[i].text, proc[i].len, thr[t], &r);
                other++;
                called += strcmp(r.attack_id, KZ_CLASSIFY_NONE) != 0;
            }
            printf("%s: %zu sentences, threshold %.1f: %zu (%.1f %%) given a TRAM class\n", part[p],
                   other, thr[t], called, other ? 100.0 * (double)called / (double)other : 0);
        }
    kz_classifier_free(model);
    return 0;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "data/attack";
    kz_arena *a = kz_arena_new(1 << 20);
    size_t nt, np, nl;
    kz_classify_example *tram = load(dir, "tram-train.jsonl", a, &nt);
    kz_classify_example *proc = load(dir, "procedures.jsonl", a, &np);
    kz_train_cfg cfg;
    kz_train_defaults(&cfg);
    cfg.feat.bits = (uint32_t)knob("BITS", cfg.feat.bits);
    cfg.feat.flags = (uint32_t)knob("FLAGS", cfg.feat.flags);
    cfg.feat.cmin = (uint32_t)knob("CMIN", cfg.feat.cmin);
    cfg.feat.cmax = (uint32_t)knob("CMAX", cfg.feat.cmax);
    cfg.epochs = (uint32_t)knob("EPOCHS", cfg.epochs);
    cfg.rate = knob("RATE", cfg.rate);
    cfg.l2 = knob("L2", cfg.l2);
    cfg.average = knob("AVG", 0) != 0;
    cfg.balance = knob("BAL", 0);
    double pw = knob("PW", 0.5), nw = knob("NW", 0.3);
    size_t nsub = (size_t)knob("NSUB", 1);
    int parent = knob("PARENT", 1) != 0, none = knob("NONE", 1) != 0, ths = knob("THS", 0) != 0;
    uint64_t k = (uint64_t)knob("K", 5);
    kz_classify_train_opts opts = {0};
    opts.seed = (uint32_t)knob("SEED", 0);
    opts.l2 = -1;

    const char **labels = malloc(nt * sizeof *labels);
    kz_classify_example *train = malloc((nt + np) * sizeof *train);
    counts *tab = malloc((nt + 64) * sizeof *tab);
    if (!labels || !train || !tab || k < 2 || nsub < 1)
        return 2;
    nl = kz_recipe_labels(tram, nt, labels);

    if (getenv("MODEL") && *getenv("MODEL"))
        return offtopic(getenv("MODEL"), proc, np, labels, nl);

    double micro = 0, macro = 0;
    for (uint64_t f = 0; f < k; f++) {
        size_t n = 0, ntab = 0, nnone = 0;
        for (size_t i = 0; i < nt; i++)
            if (kz_model_fnv(tram[i].text, tram[i].len) % k != f)
                train[n++] = tram[i];
        for (size_t i = 0; i < np && pw > 0; i++) {
            const char *c = tram_class(proc[i].label, labels, nl, parent);
            if (c || (none && kz_recipe_part(proc[i].label, labels, nl) == KZ_PART_NONE_TRAIN &&
                      nnone++ % nsub == 0)) {
                train[n] = proc[i];
                train[n].label = c ? c : KZ_CLASSIFY_NONE;
                train[n++].weight = (float)(c ? pw : nw);
            }
        }
        kz_buf out;
        kz_classifier *model = NULL;
        char err[256];
        kz_buf_init(&out, 0);
        if (getenv("V"))
            fprintf(stderr, "fold %u: %zu examples\n", (unsigned)f, n);
        if (kz_classify_train_cfg(train, n, &cfg, &opts, &out) ||
            kz_classifier_load_mem(out.data, out.len, &model, err, sizeof err)) {
            fprintf(stderr, "classify_cv: fold %u failed\n", (unsigned)f);
            return 2;
        }
        static const double thr[] = {0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7};
        for (size_t t = 0; t < (ths ? sizeof thr / sizeof thr[0] : 1); t++) {
            int tp = 0, fp = 0, fn = 0, other = 0, called = 0;
            ntab = 0;
            for (size_t i = 0; i < nt; i++) {
                if (kz_model_fnv(tram[i].text, tram[i].len) % k != f)
                    continue;
                kz_classify_result r;
                kz_classify(model, tram[i].text, tram[i].len, thr[t], &r);
                if (!strcmp(r.attack_id, tram[i].label)) {
                    tp++;
                    slot(tab, &ntab, tram[i].label)->tp++;
                    continue;
                }
                fn++;
                slot(tab, &ntab, tram[i].label)->fn++;
                if (strcmp(r.attack_id, KZ_CLASSIFY_NONE) != 0) {
                    fp++;
                    slot(tab, &ntab, r.attack_id)->fp++;
                }
            }
            double p = tp + fp ? (double)tp / (tp + fp) : 0, rc = (double)tp / (tp + fn);
            double f1 = p + rc > 0 ? 2 * p * rc / (p + rc) : 0, ma = 0;
            int nm = 0;
            for (size_t c = 0; c < ntab; c++) {
                if (tab[c].tp + tab[c].fn == 0)
                    continue;
                double cp = tab[c].tp + tab[c].fp ? (double)tab[c].tp / (tab[c].tp + tab[c].fp) : 0;
                double cr = (double)tab[c].tp / (tab[c].tp + tab[c].fn);
                ma += cp + cr > 0 ? 2 * cp * cr / (cp + cr) : 0;
                nm++;
            }
            ma /= nm;
            if (t == 0) {
                micro += f1;
                macro += ma;
                if (getenv("V"))
                    fprintf(stderr, "fold %u: micro %.4f macro %.4f, model %zu bytes\n",
                            (unsigned)f, f1, ma, out.len);
            }
            if (!ths)
                continue;
            for (size_t i = 0; i < np; i++) {
                if (kz_recipe_part(proc[i].label, labels, nl) != KZ_PART_NONE_HELD)
                    continue;
                kz_classify_result r;
                kz_classify(model, proc[i].text, proc[i].len, thr[t], &r);
                other++;
                called += strcmp(r.attack_id, KZ_CLASSIFY_NONE) != 0;
            }
            printf("fold %u threshold %.1f: P %.3f R %.3f F1 %.3f macro %.3f; other techniques "
                   "called a class %.3f\n",
                   (unsigned)f, thr[t], p, rc, f1, ma, (double)called / other);
        }
        kz_classifier_free(model);
        kz_buf_release(&out);
    }
    printf("micro-F1 %.4f macro-F1 %.4f (mean of %u folds, threshold 0)\n", micro / (double)k,
           macro / (double)k, (unsigned)k);
    free(labels);
    free(train);
    free(tab);
    kz_arena_free(a);
    return 0;
}
