/* test_predict.c - prediction (lib/classify/predict.c): the threshold
 * gives "none" with the best class's probability kept, top-k order, size
 * and sum, text without features, text past KZ_CLASSIFY_MAX_TEXT ignored,
 * arbitrary bytes, and one model shared by several threads giving the same
 * answers as one thread. */
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "classify/classify_int.h"

static const kz_classify_example ex[] = {
    {"the beacon calls home over https every minute", 45, "T1071.001", 1},
    {"a keylogger records keystrokes and clipboard", 44, "T1056.001", 1},
    {"schtasks creates a scheduled task at logon", 42, "T1053.005", 1},
    {"it writes a registry value under the run key", 44, "T1112", 1},
    {"cmd.exe /c runs the batch script", 32, "T1059.003", 1},
};
#define NEX (sizeof ex / sizeof ex[0])

static kz_classifier *model;

static int setup(void **state)
{
    (void)state;
    kz_train_cfg cfg;
    kz_buf out;
    char err[200];
    kz_train_defaults(&cfg);
    cfg.feat.bits = 12;
    kz_buf_init(&out, 0);
    if (kz_classify_train_cfg(ex, NEX, &cfg, NULL, &out))
        return -1;
    kz_err rc = kz_classifier_load_mem(out.data, out.len, &model, err, sizeof err);
    kz_buf_release(&out);
    return rc ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    kz_classifier_free(model);
    return 0;
}

static void test_threshold(void **state)
{
    (void)state;
    for (size_t i = 0; i < NEX; i++) {
        kz_classify_result a, b;
        kz_classify(model, ex[i].text, ex[i].len, 0, &a);
        assert_string_equal(a.attack_id, ex[i].label);
        assert_string_equal(kz_classifier_class(model, (size_t)a.cls), ex[i].label);
        assert_true(a.prob > 0.2 && a.prob <= 1);
        /* Just above the best probability: "none", same class and prob. */
        kz_classify(model, ex[i].text, ex[i].len, a.prob + 1e-9, &b);
        assert_string_equal(b.attack_id, KZ_CLASSIFY_NONE);
        assert_int_equal(b.cls, a.cls);
        assert_true(b.prob == a.prob);
        /* At exactly the probability: still the class. */
        kz_classify(model, ex[i].text, ex[i].len, a.prob, &b);
        assert_string_equal(b.attack_id, ex[i].label);
    }
}

static void test_topk(void **state)
{
    (void)state;
    kz_classify_result r[8], one;
    const char *s = "the beacon writes a registry value";
    size_t len = strlen(s);
    assert_int_equal(kz_classify_topk(model, s, len, r, 0), 0);
    assert_int_equal(kz_classify_topk(model, s, len, r, 1), 1);
    kz_classify(model, s, len, 0, &one);
    assert_int_equal(r[0].cls, one.cls);
    assert_true(r[0].prob == one.prob);
    assert_string_equal(r[0].attack_id, one.attack_id);
    size_t n = kz_classify_topk(model, s, len, r, 8);
    assert_int_equal(n, NEX);
    double sum = 0;
    int seen[NEX] = {0};
    for (size_t i = 0; i < n; i++) {
        assert_true(i == 0 || r[i].prob <= r[i - 1].prob);
        assert_true(r[i].cls >= 0 && r[i].cls < (int32_t)NEX);
        assert_string_equal(r[i].attack_id, kz_classifier_class(model, (size_t)r[i].cls));
        seen[r[i].cls]++;
        sum += r[i].prob;
    }
    for (size_t i = 0; i < NEX; i++)
        assert_int_equal(seen[i], 1);
    assert_true(fabs(sum - 1) < 1e-6);
    /* The two best of "registry" and "beacon" are those two classes. */
    n = kz_classify_topk(model, s, len, r, 2);
    assert_int_equal(n, 2);
    assert_true((!strcmp(r[0].attack_id, "T1112") && !strcmp(r[1].attack_id, "T1071.001")) ||
                (!strcmp(r[1].attack_id, "T1112") && !strcmp(r[0].attack_id, "T1071.001")));
}

static void test_no_features(void **state)
{
    (void)state;
    kz_classify_result r;
    static const char *const texts[] = {"", "   ", "... --- !!!", "\t\n"};
    for (size_t i = 0; i < 4; i++) {
        kz_classify(model, texts[i], strlen(texts[i]), 0, &r);
        assert_string_equal(r.attack_id, KZ_CLASSIFY_NONE);
        assert_int_equal(r.cls, -1);
        assert_true(r.prob == 0);
        assert_int_equal(kz_classify_topk(model, texts[i], strlen(texts[i]), &r, 1), 0);
    }
    kz_classify(model, NULL, 0, 0, &r);
    assert_int_equal(r.cls, -1);
    /* Words the model never saw still get a class (from the biases). */
    kz_classify(model, "zzzz qqqq", 9, 0, &r);
    assert_true(r.cls >= 0 && r.prob > 0 && r.prob < 1);
}

static void test_long_and_binary(void **state)
{
    (void)state;
    size_t len = KZ_CLASSIFY_MAX_TEXT + 1000;
    char *t = malloc(len);
    assert_non_null(t);
    for (size_t i = 0; i < len; i++)
        t[i] = (char)(i * 7 + (i >> 8)); /* every byte value, NULs included */
    kz_classify_result a, b;
    kz_classify(model, t, len, 0, &a);
    kz_classify(model, t, KZ_CLASSIFY_MAX_TEXT, 0, &b);
    assert_int_equal(a.cls, b.cls);
    assert_true(a.prob == b.prob);
    /* Past the cap nothing counts: a keyword there changes nothing. */
    memcpy(t + KZ_CLASSIFY_MAX_TEXT, " keylogger keylogger ", 21);
    kz_classify(model, t, len, 0, &b);
    assert_true(a.prob == b.prob && a.cls == b.cls);
    free(t);
}

#define NTHREADS 4
#define ROUNDS 200

static const char *const probes[] = {
    "the beacon calls home", "a keylogger",    "scheduled task",
    "registry run key",      "cmd.exe /c dir", "nothing relevant at all",
    "\xff\xfe\x80 binary",
};
#define NPROBES (sizeof probes / sizeof probes[0])
static kz_classify_result expect[NPROBES];

static void *worker(void *arg)
{
    size_t *bad = arg;
    for (int round = 0; round < ROUNDS; round++) {
        for (size_t i = 0; i < NPROBES; i++) {
            kz_classify_result r;
            kz_classify(model, probes[i], strlen(probes[i]), 0, &r);
            if (r.cls != expect[i].cls || r.prob != expect[i].prob)
                (*bad)++;
        }
    }
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    pthread_t th[NTHREADS];
    size_t bad[NTHREADS] = {0};
    for (size_t i = 0; i < NPROBES; i++)
        kz_classify(model, probes[i], strlen(probes[i]), 0, &expect[i]);
    for (int i = 0; i < NTHREADS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, worker, &bad[i]), 0);
    for (int i = 0; i < NTHREADS; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(bad[i], 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threshold),   cmocka_unit_test(test_topk),
        cmocka_unit_test(test_no_features), cmocka_unit_test(test_long_and_binary),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
