/* test_eval.c - evaluation (lib/classify/eval.c): the scorer against
 * precision, recall, F1, micro- and macro-F1 computed by hand on a small
 * table (a class never predicted, a class only predicted, "none" gold and
 * "none" predictions), its edge cases, growth to thousands of classes and
 * allocation failures; then kz_classify_eval with a small trained model
 * agrees with scoring kz_classify's own predictions. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "classify/eval_int.h"
#include "kizuna/alloc.h"
#include "kizuna/classify.h"

#define EPS 1e-12

static void assert_close(double got, double want)
{
    if (fabs(got - want) > EPS) {
        fprintf(stderr, "got %.15g, want %.15g\n", got, want);
        fail();
    }
}

static void check_class(const kz_classify_class_score *c, const char *id, uint32_t support,
                        uint32_t tp, uint32_t fp, uint32_t fn, double p, double r, double f1)
{
    assert_string_equal(c->attack_id, id);
    assert_int_equal(c->support, support);
    assert_int_equal(c->tp, tp);
    assert_int_equal(c->fp, fp);
    assert_int_equal(c->fn, fn);
    assert_close(c->precision, p);
    assert_close(c->recall, r);
    assert_close(c->f1, f1);
}

/* The hand-computed table. Classes: A = T1059 (4 gold), B = T1059.003 (2
 * gold), C = T1105 (2 gold, never predicted), D = T1566.001 (only
 * predicted).
 *   gold       pred        counts
 *   A          A           tp A
 *   A          A           tp A
 *   A          B           fn A, fp B
 *   A          none        fn A
 *   B          B           tp B
 *   B          A           fn B, fp A
 *   C          none        fn C
 *   C          B           fn C, fp B
 *   none       D           fp D
 *   none       none        -
 *   none       A           fp A
 * A: tp 2 fp 2 fn 2 -> P 1/2, R 1/2, F1 1/2
 * B: tp 1 fp 2 fn 1 -> P 1/3, R 1/2, F1 2(1/6)/(5/6) = 2/5
 * C: tp 0 fp 0 fn 2 -> P 0 (0/0), R 0, F1 0
 * D: tp 0 fp 1 fn 0 -> P 0, R 0 (0/0), F1 0; support 0
 * micro: TP 3, FP 5, FN 5 -> P = R = F1 = 3/8
 * macro over A, B, C (support > 0): (1/2 + 2/5 + 0) / 3 = 0.3 */
static void test_hand_table(void **state)
{
    (void)state;
    static const char *const gold[] = {"T1059", "T1059", "T1059", "T1059", "T1059.003", "T1059.003",
                                       "T1105", "T1105", "none",  "none",  "none"};
    static const char *const pred[] = {"T1059",     "T1059", "T1059.003", "none",
                                       "T1059.003", "T1059", "none",      "T1059.003",
                                       "T1566.001", "none",  "T1059"};
    kz_arena *a = kz_arena_new(0);
    kz_classify_eval_result r;
    assert_int_equal(kz_classify_score(gold, pred, 11, a, &r), KZ_OK);
    assert_int_equal(r.n, 11);
    assert_int_equal(r.nclasses, 4);
    check_class(&r.classes[0], "T1059", 4, 2, 2, 2, 0.5, 0.5, 0.5);
    check_class(&r.classes[1], "T1059.003", 2, 1, 2, 1, 1.0 / 3, 0.5, 0.4);
    check_class(&r.classes[2], "T1105", 2, 0, 0, 2, 0, 0, 0);
    check_class(&r.classes[3], "T1566.001", 0, 0, 1, 0, 0, 0, 0);
    assert_close(r.micro_precision, 0.375);
    assert_close(r.micro_recall, 0.375);
    assert_close(r.micro_f1, 0.375);
    assert_close(r.macro_f1, 0.3);
    kz_arena_free(a);
}

/* Micro precision and recall differ when "none" is involved on one side
 * only: gold A,A,B / pred A,none,none -> TP 1, FP 0, FN 2. */
static void test_micro_asymmetric(void **state)
{
    (void)state;
    static const char *const gold[] = {"A", "A", "B"};
    static const char *const pred[] = {"A", "none", "none"};
    kz_arena *a = kz_arena_new(0);
    kz_classify_eval_result r;
    assert_int_equal(kz_classify_score(gold, pred, 3, a, &r), KZ_OK);
    assert_close(r.micro_precision, 1.0);
    assert_close(r.micro_recall, 1.0 / 3);
    assert_close(r.micro_f1, 0.5);
    /* A: P 1, R 1/2, F1 2/3; B: 0 -> macro 1/3 */
    assert_int_equal(r.nclasses, 2);
    check_class(&r.classes[0], "A", 2, 1, 0, 1, 1, 0.5, 2.0 / 3);
    check_class(&r.classes[1], "B", 1, 0, 0, 1, 0, 0, 0);
    assert_close(r.macro_f1, 1.0 / 3);
    kz_arena_free(a);
}

static void test_edges(void **state)
{
    (void)state;
    kz_arena *a = kz_arena_new(0);
    kz_classify_eval_result r;
    /* nothing at all */
    assert_int_equal(kz_classify_score(NULL, NULL, 0, a, &r), KZ_OK);
    assert_int_equal(r.n, 0);
    assert_int_equal(r.nclasses, 0);
    assert_null(r.classes);
    assert_close(r.micro_f1, 0);
    assert_close(r.macro_f1, 0);
    /* only "none" on both sides: no class, all zero */
    static const char *const none2[] = {"none", "none"};
    assert_int_equal(kz_classify_score(none2, none2, 2, a, &r), KZ_OK);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.nclasses, 0);
    assert_close(r.micro_f1, 0);
    /* only predicted classes: macro has nothing to average -> 0 */
    static const char *const g[] = {"none", "none"};
    static const char *const p[] = {"T1", "T2"};
    assert_int_equal(kz_classify_score(g, p, 2, a, &r), KZ_OK);
    assert_int_equal(r.nclasses, 2);
    assert_close(r.macro_f1, 0);
    assert_close(r.micro_precision, 0);
    assert_close(r.micro_recall, 0);
    /* perfect */
    static const char *const q[] = {"T2", "T1", "T2"};
    assert_int_equal(kz_classify_score(q, q, 3, a, &r), KZ_OK);
    assert_close(r.micro_f1, 1);
    assert_close(r.macro_f1, 1);
    check_class(&r.classes[0], "T1", 1, 1, 0, 0, 1, 1, 1);
    check_class(&r.classes[1], "T2", 2, 2, 0, 0, 1, 1, 1);
    /* "None" is not "none": it is a class */
    static const char *const up[] = {"None"};
    assert_int_equal(kz_classify_score(up, up, 1, a, &r), KZ_OK);
    assert_int_equal(r.nclasses, 1);
    /* bad arguments leave a zeroed result */
    static const char *const withnull[] = {"T1", NULL};
    assert_int_equal(kz_classify_score(q, withnull, 2, a, &r), KZ_EINVAL);
    assert_int_equal(r.nclasses, 0);
    assert_null(r.classes);
    assert_int_equal(kz_classify_score(q, q, 3, NULL, &r), KZ_EINVAL);
    assert_int_equal(kz_classify_score(NULL, q, 3, a, &r), KZ_EINVAL);
    assert_int_equal(kz_classify_score(q, q, 3, a, NULL), KZ_EINVAL);
    kz_arena_free(a);
}

/* 5,000 distinct classes (the table grows many times), gold in reverse
 * order, every third prediction shifted to the next class: the classes
 * come out sorted and each count adds up. */
static void test_many_classes(void **state)
{
    (void)state;
    enum { N = 5000 };
    char(*ids)[16] = malloc(N * sizeof *ids);
    const char **gold = malloc(N * sizeof *gold);
    const char **pred = malloc(N * sizeof *pred);
    assert_true(ids && gold && pred);
    for (size_t i = 0; i < N; i++)
        snprintf(ids[i], sizeof ids[i], "T%05zu", i);
    for (size_t i = 0; i < N; i++) {
        size_t g = N - 1 - i;
        gold[i] = ids[g];
        pred[i] = i % 3 == 0 ? ids[(g + 1) % N] : ids[g];
    }
    kz_arena *a = kz_arena_new(0);
    kz_classify_eval_result r;
    assert_int_equal(kz_classify_score(gold, pred, N, a, &r), KZ_OK);
    assert_int_equal(r.nclasses, N);
    uint64_t tp = 0, fp = 0, fn = 0, support = 0;
    for (size_t i = 0; i < N; i++) {
        assert_string_equal(r.classes[i].attack_id, ids[i]);
        assert_int_equal(r.classes[i].support, 1);
        assert_int_equal(r.classes[i].tp + r.classes[i].fn, 1);
        tp += r.classes[i].tp;
        fp += r.classes[i].fp;
        fn += r.classes[i].fn;
        support += r.classes[i].support;
    }
    size_t wrong = (N + 2) / 3;
    assert_int_equal(support, N);
    assert_int_equal(tp, N - wrong);
    assert_int_equal(fp, wrong);
    assert_int_equal(fn, wrong);
    assert_close(r.micro_f1, (double)(N - wrong) / N);
    kz_arena_free(a);
    free(ids);
    free(gold);
    free(pred);
}

/* Every allocation may fail: KZ_ENOMEM and a zeroed result, never a crash
 * or a leak; eventually it succeeds with the same figures. */
static void test_alloc_failures(void **state)
{
    (void)state;
    enum { N = 300 };
    char(*ids)[8] = malloc(N * sizeof *ids);
    const char **lab = malloc(N * sizeof *lab);
    assert_true(ids && lab);
    for (size_t i = 0; i < N; i++) {
        snprintf(ids[i], sizeof ids[i], "T%zu", i % 100);
        lab[i] = ids[i];
    }
    int ok = 0;
    for (long k = 1; k < 100 && !ok; k++) {
        kz_arena *a = kz_arena_new(0);
        if (!a)
            continue;
        kz_classify_eval_result r;
        kz_alloc_fail_after(k, 1);
        kz_err rc = kz_classify_score(lab, lab, N, a, &r);
        kz_alloc_fail_after(0, 0);
        if (rc == KZ_OK) {
            assert_int_equal(r.nclasses, 100);
            assert_close(r.macro_f1, 1);
            ok = 1;
        } else {
            assert_int_equal(rc, KZ_ENOMEM);
            assert_int_equal(r.nclasses, 0);
            assert_null(r.classes);
        }
        kz_arena_free(a);
    }
    assert_true(ok);
    free(ids);
    free(lab);
}

/* kz_classify_eval with a model trained on a few sentences: its figures
 * are exactly the scorer's on kz_classify's own predictions, and a
 * threshold above 1 turns every prediction into "none". */
static void test_eval_model(void **state)
{
    (void)state;
    static const struct {
        const char *text, *label;
    } rows[] = {
        {"the malware runs powershell scripts to download a payload", "T1059.001"},
        {"powershell commands executed the encoded script", "T1059.001"},
        {"attackers used powershell to launch the loader", "T1059.001"},
        {"the implant sends spearphishing emails with a malicious attachment", "T1566.001"},
        {"a phishing attachment opened a macro document", "T1566.001"},
        {"victims received an email attachment carrying the dropper", "T1566.001"},
        {"the tool downloads additional files from the c2 server", "T1105"},
        {"it transfers tools to the host over http", "T1105"},
        {"the weather was nice that day", "none"},
        {"a document nobody opened", "T1566.001"},
    };
    size_t n = sizeof rows / sizeof rows[0];
    kz_classify_example ex[sizeof rows / sizeof rows[0]];
    for (size_t i = 0; i < n; i++) {
        ex[i].text = rows[i].text;
        ex[i].len = strlen(rows[i].text);
        ex[i].label = rows[i].label;
        ex[i].weight = 1.0f;
    }
    kz_buf model;
    kz_buf_init(&model, 0);
    /* "none" rows are not a class to train on here: train on the others */
    assert_int_equal(kz_classify_train(ex, 8, NULL, &model), KZ_OK);
    kz_classifier *c = NULL;
    char err[256];
    assert_int_equal(kz_classifier_load_mem(model.data, model.len, &c, err, sizeof err), KZ_OK);

    kz_arena *a = kz_arena_new(0);
    const double thresholds[] = {0.0, 0.3, 1.5};
    for (size_t t = 0; t < 3; t++) {
        kz_classify_eval_result r, s;
        assert_int_equal(kz_classify_eval(c, ex, n, thresholds[t], a, &r), KZ_OK);
        const char *gold[sizeof rows / sizeof rows[0]], *pred[sizeof rows / sizeof rows[0]];
        for (size_t i = 0; i < n; i++) {
            kz_classify_result cr;
            kz_classify(c, ex[i].text, ex[i].len, thresholds[t], &cr);
            gold[i] = ex[i].label;
            pred[i] = cr.attack_id;
        }
        assert_int_equal(kz_classify_score(gold, pred, n, a, &s), KZ_OK);
        assert_int_equal(r.n, n);
        assert_int_equal(r.nclasses, s.nclasses);
        assert_close(r.micro_f1, s.micro_f1);
        assert_close(r.macro_f1, s.macro_f1);
        for (size_t k = 0; k < r.nclasses; k++) {
            assert_string_equal(r.classes[k].attack_id, s.classes[k].attack_id);
            assert_int_equal(r.classes[k].tp, s.classes[k].tp);
            assert_int_equal(r.classes[k].fp, s.classes[k].fp);
            assert_int_equal(r.classes[k].fn, s.classes[k].fn);
        }
        if (thresholds[t] > 1) {
            assert_close(r.micro_f1, 0);
            assert_int_equal(r.nclasses, 3); /* the gold classes, each all fn */
            for (size_t k = 0; k < r.nclasses; k++)
                assert_int_equal(r.classes[k].fn, r.classes[k].support);
        }
        if (thresholds[t] == 0) {
            /* trained on the first eight: it gets most of them right */
            assert_true(r.micro_recall > 0.5);
        }
    }
    kz_classify_eval_result r;
    assert_int_equal(kz_classify_eval(NULL, ex, n, 0, a, &r), KZ_EINVAL);
    assert_int_equal(kz_classify_eval(c, NULL, 3, 0, a, &r), KZ_EINVAL);
    assert_int_equal(kz_classify_eval(c, ex, 0, 0, a, &r), KZ_OK);
    assert_int_equal(r.n, 0);
    kz_arena_free(a);
    kz_classifier_free(c);
    kz_buf_release(&model);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hand_table),     cmocka_unit_test(test_micro_asymmetric),
        cmocka_unit_test(test_edges),          cmocka_unit_test(test_many_classes),
        cmocka_unit_test(test_alloc_failures), cmocka_unit_test(test_eval_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
