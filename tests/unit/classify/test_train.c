/* test_train.c - training (lib/classify/train.c): a small separable set
 * is learned perfectly, the same input gives the same bytes, bad inputs
 * are refused with nothing written, allocation failure at every point is
 * KZ_ENOMEM without leaks, and the progress callback sees every epoch. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <math.h>

#include "classify/classify_int.h"
#include "kizuna/alloc.h"

/* Four classes, each told by one keyword among shared filler words. */
static const char *const keys[] = {"beacon", "keylogger", "scheduled", "registry"};
static const char *const labels[] = {"T1071.001", "T1056.001", "T1053.005", "T1112"};
static const char *const filler[] = {"the", "actor", "used",  "a",    "tool",
                                     "to",  "on",    "host",  "then", "it",
                                     "was", "seen",  "again", "by",   "analysts"};

#define NSYN 80
static char syn_text[NSYN][128];
static kz_classify_example syn[NSYN];

/* Deterministic sentences: class i % 4, its keyword at a varying place. */
static void make_synthetic(void)
{
    uint32_t s = 12345;
    for (size_t i = 0; i < NSYN; i++) {
        size_t c = i % 4, len = 0, words = 5 + i % 4, at = i % words;
        for (size_t w = 0; w < words; w++) {
            s = s * 1103515245u + 12345u;
            const char *word = w == at ? keys[c] : filler[(s >> 16) % 15];
            len += (size_t)snprintf(syn_text[i] + len, sizeof syn_text[i] - len, "%s%s",
                                    w ? " " : "", word);
        }
        syn[i].text = syn_text[i];
        syn[i].len = len;
        syn[i].label = labels[c];
        syn[i].weight = 1;
    }
}

static kz_classifier *train_load(const kz_classify_example *ex, size_t n,
                                 const kz_classify_train_opts *o, kz_buf *out)
{
    kz_classifier *c = NULL;
    char err[200];
    assert_int_equal(kz_classify_train(ex, n, o, out), KZ_OK);
    assert_int_equal(kz_classifier_load_mem(out->data, out->len, &c, err, sizeof err), KZ_OK);
    return c;
}

static void test_separable(void **state)
{
    (void)state;
    kz_buf out;
    kz_buf_init(&out, 0);
    kz_classifier *c = train_load(syn, NSYN, NULL, &out);
    assert_int_equal(kz_classifier_nclasses(c), 4);
    /* Classes in label order. */
    assert_string_equal(kz_classifier_class(c, 0), "T1053.005");
    assert_string_equal(kz_classifier_class(c, 3), "T1112");
    assert_null(kz_classifier_class(c, 4));
    for (size_t i = 0; i < NSYN; i++) {
        kz_classify_result r;
        kz_classify(c, syn[i].text, syn[i].len, 0, &r);
        assert_string_equal(r.attack_id, syn[i].label);
    }
    /* Unseen sentences with the keyword. */
    const char *fresh[] = {"a beacon every minute", "KEYLOGGER installed",
                           "persistence via a scheduled job", "it changed the registry"};
    for (size_t k = 0; k < 4; k++) {
        kz_classify_result r;
        kz_classify(c, fresh[k], strlen(fresh[k]), 0, &r);
        assert_string_equal(r.attack_id, labels[k]);
        assert_true(r.prob > 0.4 && r.prob <= 1.0);
    }
    kz_classifier_free(c);
    kz_buf_release(&out);
}

static void test_deterministic(void **state)
{
    (void)state;
    kz_buf a, b, d;
    kz_buf_init(&a, 0);
    kz_buf_init(&b, 0);
    kz_buf_init(&d, 0);
    kz_classify_train_opts o = {0};
    o.seed = 7;
    o.l2 = -1;
    assert_int_equal(kz_classify_train(syn, NSYN, &o, &a), KZ_OK);
    assert_int_equal(kz_classify_train(syn, NSYN, &o, &b), KZ_OK);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.data, b.data, a.len);
    /* Another seed may give other bytes, but a model just as valid. */
    o.seed = 8;
    kz_classifier *c = train_load(syn, NSYN, &o, &d);
    assert_int_equal(kz_classifier_nclasses(c), 4);
    kz_classifier_free(c);
    kz_buf_release(&a);
    kz_buf_release(&b);
    kz_buf_release(&d);
}

/* The cross-validation knobs the recipe does not use still train well
 * and deterministically: weight averaging and class balancing. */
static void test_average_balance(void **state)
{
    (void)state;
    kz_train_cfg cfg;
    kz_train_defaults(&cfg);
    cfg.average = true;
    cfg.balance = 0.5;
    cfg.epochs = 6;
    kz_buf a, b;
    kz_buf_init(&a, 0);
    kz_buf_init(&b, 0);
    /* Unbalanced: drop most of one class. */
    kz_classify_example ex[NSYN];
    size_t n = 0;
    for (size_t i = 0; i < NSYN; i++)
        if (i % 4 != 1 || i < 12)
            ex[n++] = syn[i];
    assert_int_equal(kz_classify_train_cfg(ex, n, &cfg, NULL, &a), KZ_OK);
    assert_int_equal(kz_classify_train_cfg(ex, n, &cfg, NULL, &b), KZ_OK);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.data, b.data, a.len);
    kz_classifier *c = NULL;
    char err[200];
    assert_int_equal(kz_classifier_load_mem(a.data, a.len, &c, err, sizeof err), KZ_OK);
    for (size_t i = 0; i < NSYN; i++) {
        kz_classify_result r;
        kz_classify(c, syn[i].text, syn[i].len, 0, &r);
        assert_string_equal(r.attack_id, syn[i].label);
    }
    kz_classifier_free(c);
    kz_buf_release(&a);
    kz_buf_release(&b);
}

static void test_options(void **state)
{
    (void)state;
    kz_train_cfg cfg;
    kz_train_defaults(&cfg);
    kz_train_cfg d = cfg;
    kz_classify_train_opts o = {0};
    o.l2 = -1;
    kz_train_apply_opts(&cfg, &o); /* zeros and negatives: defaults */
    assert_int_equal(cfg.epochs, d.epochs);
    assert_true(cfg.rate == d.rate && cfg.l2 == d.l2);
    o.epochs = 3;
    o.rate = 0.1;
    o.l2 = 0;
    kz_train_apply_opts(&cfg, &o);
    assert_int_equal(cfg.epochs, 3);
    assert_true(cfg.rate == 0.1 && cfg.l2 == 0);
}

static void progress(void *ctx, uint32_t epoch, uint32_t epochs)
{
    uint32_t *seen = ctx;
    assert_int_equal(epoch, seen[0] + 1);
    seen[0] = epoch;
    seen[1] = epochs;
}

static void test_progress(void **state)
{
    (void)state;
    uint32_t seen[2] = {0, 0};
    kz_classify_train_opts o = {0};
    o.epochs = 4;
    o.l2 = -1;
    o.progress = progress;
    o.progress_ctx = seen;
    kz_buf out;
    kz_buf_init(&out, 0);
    assert_int_equal(kz_classify_train(syn, NSYN, &o, &out), KZ_OK);
    assert_int_equal(seen[0], 4);
    assert_int_equal(seen[1], 4);
    kz_buf_release(&out);
}

/* Each bad input: KZ_EINVAL and out exactly as it was. */
static void expect_einval(const kz_classify_example *ex, size_t n)
{
    kz_buf out;
    kz_buf_init(&out, 0);
    assert_int_equal(kz_buf_append_str(&out, "xyz"), KZ_OK);
    assert_int_equal(kz_classify_train(ex, n, NULL, &out), KZ_EINVAL);
    assert_int_equal(out.len, 3);
    assert_string_equal(out.data, "xyz");
    kz_buf_release(&out);
}

static void test_bad_inputs(void **state)
{
    (void)state;
    kz_classify_example ex[3];
    memcpy(ex, syn, sizeof ex);
    expect_einval(ex, 0);
    expect_einval(NULL, 3);
    ex[1].weight = 0;
    expect_einval(ex, 3);
    ex[1].weight = -1;
    expect_einval(ex, 3);
    ex[1].weight = NAN;
    expect_einval(ex, 3);
    ex[1].weight = 1;
    ex[2].label = "";
    expect_einval(ex, 3);
    ex[2].label = NULL;
    expect_einval(ex, 3);
    ex[2].label = "T1234567890123456789012345678901"; /* 32 bytes: no room for the NUL */
    expect_einval(ex, 3);
    ex[2].label = "T123456789012345678901234567890"; /* 31 bytes: fine */
    kz_buf out;
    kz_buf_init(&out, 0);
    assert_int_equal(kz_classify_train(ex, 3, NULL, &out), KZ_OK);
    kz_buf_release(&out);
    ex[2].label = syn[2].label;
    ex[2].text = NULL;
    expect_einval(ex, 3);

    /* One class too many. */
    size_t n = KZ_CLASSIFY_MAX_CLASSES + 1;
    kz_classify_example *many = calloc(n, sizeof *many);
    char(*lab)[16] = calloc(n, sizeof *lab);
    assert_non_null(many);
    assert_non_null(lab);
    for (size_t i = 0; i < n; i++) {
        snprintf(lab[i], sizeof lab[i], "C%zu", i);
        many[i].text = "x";
        many[i].len = 1;
        many[i].label = lab[i];
        many[i].weight = 1;
    }
    expect_einval(many, n);
    free(many);
    free(lab);
}

/* Text with no features at all still trains (the bias learns the prior). */
static void test_featureless(void **state)
{
    (void)state;
    kz_classify_example ex[2] = {{"...", 3, "A", 1}, {"", 0, "B", 2}};
    kz_buf out;
    kz_buf_init(&out, 0);
    kz_classifier *c = train_load(ex, 2, NULL, &out);
    kz_classify_result r;
    kz_classify(c, "anything", 8, 0, &r);
    assert_int_equal(r.cls, 1); /* B weighs twice as much */
    kz_classifier_free(c);
    kz_buf_release(&out);
}

static void test_alloc_failure(void **state)
{
    (void)state;
    kz_classify_train_opts o = {0};
    o.epochs = 1;
    o.l2 = -1;
    for (long k = 1; k < 40; k++) {
        kz_buf out;
        kz_buf_init(&out, 0);
        kz_alloc_fail_after(k, 0);
        kz_err rc = kz_classify_train(syn, NSYN, &o, &out);
        long failed = kz_alloc_failures();
        kz_alloc_fail_after(0, 0);
        if (failed)
            assert_int_equal(rc, KZ_ENOMEM);
        else
            assert_int_equal(rc, KZ_OK);
        if (rc)
            assert_int_equal(out.len, 0);
        kz_buf_release(&out);
    }
}

static int setup(void **state)
{
    (void)state;
    make_synthetic();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_separable),     cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_options),       cmocka_unit_test(test_progress),
        cmocka_unit_test(test_bad_inputs),    cmocka_unit_test(test_featureless),
        cmocka_unit_test(test_alloc_failure), cmocka_unit_test(test_average_balance),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
