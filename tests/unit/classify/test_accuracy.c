/* test_accuracy.c - the classifier learns something real: trained on a
 * small fixed subset of data/attack/tram-train.jsonl (the first PER_CLASS
 * sentences of each technique, in file order), it must beat a keyword rule
 * built from the same subset by a clear margin on a fixed subset of
 * data/attack/tram-heldout.jsonl (the first EVAL_PER_CLASS of each).
 *
 * The keyword rule: for each technique, the word (lower-cased run of
 * letters and digits, 3 bytes or more) whose share of that technique's
 * sentences minus its share of the other sentences is largest; a sentence
 * gets the technique of the best-scoring keyword it contains, or the first
 * technique when it contains none. Accuracy here is micro-F1 at threshold
 * 0 (every sentence gets a class). Not a timing test. */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kizuna/alloc.h"
#include "kizuna/classify.h"
#include "kizuna/file.h"

#define PER_CLASS 12
#define EVAL_PER_CLASS 5
#define MAX_CLASSES 64
#define MAX_WORDS 64

static kz_classify_example *read_file(const char *path, kz_arena *a, size_t *n)
{
    char *data = NULL, why[256];
    size_t len = 0;
    kz_classify_example *ex = NULL;
    kz_err rc = kz_file_read(path, 64u << 20, &data, &len, why, sizeof why);
    if (rc)
        fprintf(stderr, "%s: %s\n", path, why);
    assert_int_equal(rc, KZ_OK);
    rc = kz_classify_read_jsonl(data, len, a, &ex, n, why, sizeof why);
    if (rc)
        fprintf(stderr, "%s: %s\n", path, why);
    assert_int_equal(rc, KZ_OK);
    kz_free(data);
    return ex;
}

/* The first `per` examples of each label, in file order. */
static size_t first_per_class(const kz_classify_example *ex, size_t n, size_t per,
                              kz_classify_example *out)
{
    const char *lab[MAX_CLASSES];
    size_t cnt[MAX_CLASSES], nl = 0, m = 0;
    for (size_t i = 0; i < n; i++) {
        size_t k = 0;
        while (k < nl && strcmp(lab[k], ex[i].label) != 0)
            k++;
        if (k == nl) {
            assert_true(nl < MAX_CLASSES);
            lab[nl] = ex[i].label;
            cnt[nl++] = 0;
        }
        if (cnt[k]++ < per)
            out[m++] = ex[i];
    }
    return m;
}

/* Distinct words (as above) of one sentence; returns how many. */
static size_t words_of(const kz_classify_example *e, char w[][32], size_t cap)
{
    size_t n = 0, i = 0;
    while (i < e->len && n < cap) {
        char cur[32];
        size_t l = 0;
        while (i < e->len && isalnum((unsigned char)e->text[i])) {
            if (l < sizeof cur - 1)
                cur[l++] = (char)tolower((unsigned char)e->text[i]);
            i++;
        }
        cur[l] = '\0';
        if (l >= 3) {
            size_t k = 0;
            while (k < n && strcmp(w[k], cur) != 0)
                k++;
            if (k == n)
                memcpy(w[n++], cur, l + 1);
        }
        if (i < e->len && !isalnum((unsigned char)e->text[i]))
            i++;
    }
    return n;
}

typedef struct keyword {
    const char *label;
    char word[32];
    double score;
} keyword;

typedef struct occ {
    char word[32];
    size_t label; /* index into the keyword table */
} occ;

static int cmp_occ(const void *x, const void *y)
{
    return strcmp(((const occ *)x)->word, ((const occ *)y)->word);
}

/* One keyword per label of the training subset, from the (word, label)
 * pairs of every sentence sorted by word. */
static size_t keywords(const kz_classify_example *tr, size_t n, keyword *kw)
{
    size_t nk = 0, nocc = 0, per[MAX_CLASSES] = {0};
    occ *o = malloc(n * MAX_WORDS * sizeof *o);
    assert_non_null(o);
    for (size_t i = 0; i < n; i++) {
        size_t k = 0;
        while (k < nk && strcmp(kw[k].label, tr[i].label) != 0)
            k++;
        if (k == nk) {
            assert_true(nk < MAX_CLASSES);
            kw[nk].label = tr[i].label;
            kw[nk].score = -2;
            kw[nk].word[0] = '\0';
            nk++;
        }
        per[k]++;
        char w[MAX_WORDS][32];
        size_t nw = words_of(&tr[i], w, MAX_WORDS);
        for (size_t x = 0; x < nw; x++) {
            memcpy(o[nocc].word, w[x], sizeof w[x]);
            o[nocc++].label = k;
        }
    }
    qsort(o, nocc, sizeof *o, cmp_occ);
    for (size_t i = 0; i < nocc;) {
        size_t j = i, in[MAX_CLASSES] = {0}, all = 0;
        while (j < nocc && strcmp(o[j].word, o[i].word) == 0) {
            in[o[j].label]++;
            all++;
            j++;
        }
        for (size_t k = 0; k < nk; k++) {
            if (!in[k])
                continue;
            double sc =
                (double)in[k] / (double)per[k] - (double)(all - in[k]) / (double)(n - per[k]);
            /* Words come in sorted order: the first of equal scores wins. */
            if (sc > kw[k].score) {
                kw[k].score = sc;
                memcpy(kw[k].word, o[i].word, sizeof kw[k].word);
            }
        }
        i = j;
    }
    free(o);
    return nk;
}

static const char *keyword_rule(const keyword *kw, size_t nk, const kz_classify_example *e)
{
    char w[MAX_WORDS][32];
    size_t nw = words_of(e, w, MAX_WORDS);
    const keyword *best = NULL;
    for (size_t k = 0; k < nk; k++)
        for (size_t x = 0; x < nw; x++)
            if (strcmp(w[x], kw[k].word) == 0 && (!best || kw[k].score > best->score))
                best = &kw[k];
    return best ? best->label : kw[0].label;
}

static void test_beats_keyword_rule(void **state)
{
    (void)state;
    kz_arena *a = kz_arena_new(0);
    size_t ntr, nho;
    kz_classify_example *tr = read_file("data/attack/tram-train.jsonl", a, &ntr);
    kz_classify_example *ho = read_file("data/attack/tram-heldout.jsonl", a, &nho);
    kz_classify_example *sub = malloc(ntr * sizeof *sub), *ev = malloc(nho * sizeof *ev);
    assert_non_null(sub);
    assert_non_null(ev);
    size_t nsub = first_per_class(tr, ntr, PER_CLASS, sub);
    size_t nev = first_per_class(ho, nho, EVAL_PER_CLASS, ev);
    assert_true(nsub > 400 && nev > 150);

    kz_classify_train_opts o = {0};
    o.epochs = 10;
    o.l2 = -1;
    kz_buf m;
    kz_buf_init(&m, 0);
    assert_int_equal(kz_classify_train(sub, nsub, &o, &m), KZ_OK);
    kz_classifier *c = NULL;
    char err[200];
    assert_int_equal(kz_classifier_load_mem(m.data, m.len, &c, err, sizeof err), KZ_OK);

    keyword kw[MAX_CLASSES];
    size_t nk = keywords(sub, nsub, kw);
    size_t model_ok = 0, rule_ok = 0;
    for (size_t i = 0; i < nev; i++) {
        kz_classify_result r;
        kz_classify(c, ev[i].text, ev[i].len, 0, &r);
        model_ok += strcmp(r.attack_id, ev[i].label) == 0;
        rule_ok += strcmp(keyword_rule(kw, nk, &ev[i]), ev[i].label) == 0;
    }
    double acc = (double)model_ok / (double)nev, base = (double)rule_ok / (double)nev;
    fprintf(stderr, "trained on %zu, evaluated on %zu: model %.3f, keyword rule %.3f\n", nsub, nev,
            acc, base);
    assert_true(acc >= base + 0.15);
    kz_classifier_free(c);
    kz_buf_release(&m);
    free(sub);
    free(ev);
    kz_arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_beats_keyword_rule),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
