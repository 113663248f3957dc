/* fuzz_classify_model.c - libFuzzer target for the classifier's model
 * loader (kz_classifier_load_mem). Each input is loaded twice: as it is,
 * and with its checksum recomputed (so that mutations get past the
 * checksum and reach the count, offset and value checks). Properties
 * checked, not only "no crash":
 *  1. on failure *out is NULL and the error is one non-empty line; the
 *     code is KZ_EPARSE or KZ_ETOOBIG (KZ_ENOMEM only if memory ran out);
 *  2. on success the model has 1..KZ_CLASSIFY_MAX_CLASSES classes with
 *     non-empty ids shorter than KZ_CLASSIFY_MAX_LABEL, and a fixed
 *     sentence gives probabilities that are finite, in [0, 1], in
 *     non-increasing order, summing to at most 1 + 1e-9 over the top k,
 *     with kz_classify agreeing with the first of kz_classify_topk;
 *  3. the raw input never loads unless its checksum was already right
 *     (both loads then agree);
 *  4. the input as a sentence, classified by two small models trained at
 *     start-up (2^16 buckets: the bitmap duplicate set; 2^18: the hash
 *     table), gives the same kind of sane answers, and the top-1 of
 *     kz_classify_topk is kz_classify's answer. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "classify/classify_int.h"

static void check(int cond)
{
    if (!cond)
        abort();
}

static const char sentence[] =
    "The actor used cmd.exe /c whoami, then PowerShell to download a payload "
    "and created a scheduled task for persistence.";

static kz_err try_load(const uint8_t *data, size_t size)
{
    kz_classifier *c = (kz_classifier *)(uintptr_t)0x10;
    char err[256];
    kz_err rc = kz_classifier_load_mem(data, size, &c, err, sizeof err);
    if (rc) {
        check(c == NULL);
        check(rc == KZ_EPARSE || rc == KZ_ETOOBIG || rc == KZ_ENOMEM);
        check(err[0] != '\0' && strchr(err, '\n') == NULL);
        return rc;
    }
    size_t nc = kz_classifier_nclasses(c);
    check(nc >= 1 && nc <= KZ_CLASSIFY_MAX_CLASSES);
    for (size_t i = 0; i < nc; i++) {
        const char *id = kz_classifier_class(c, i);
        check(id && id[0] && strlen(id) < KZ_CLASSIFY_MAX_LABEL);
    }
    kz_classify_result top[16], one;
    size_t k = kz_classify_topk(c, sentence, sizeof sentence - 1, top, 16);
    check(k == (nc < 16 ? nc : 16));
    double sum = 0;
    for (size_t i = 0; i < k; i++) {
        check(isfinite(top[i].prob) && top[i].prob >= 0 && top[i].prob <= 1);
        check(i == 0 || top[i].prob <= top[i - 1].prob);
        check(top[i].cls >= 0 && (size_t)top[i].cls < nc);
        sum += top[i].prob;
    }
    check(sum <= 1 + 1e-9);
    kz_classify(c, sentence, sizeof sentence - 1, 0, &one);
    check(one.cls == top[0].cls && one.prob == top[0].prob);
    kz_classify(c, "", 0, 0, &one);
    check(one.cls == -1 && one.prob == 0 && strcmp(one.attack_id, KZ_CLASSIFY_NONE) == 0);
    kz_classifier_free(c);
    return KZ_OK;
}

static kz_classifier *text_models[2];

static kz_classifier *train_small(uint32_t bits)
{
    static const kz_classify_example ex[] = {
        {"the beacon calls home over https", 32, "T1071.001", 1},
        {"a keylogger records keystrokes", 30, "T1056.001", 1},
        {"schtasks creates a scheduled task", 33, "T1053.005", 1},
        {"cmd.exe /c whoami", 17, "T1059.003", 1},
    };
    kz_train_cfg cfg;
    kz_buf out;
    kz_classifier *c = NULL;
    char err[256];
    kz_train_defaults(&cfg);
    cfg.feat.bits = bits;
    cfg.epochs = 3;
    kz_buf_init(&out, 0);
    check(kz_classify_train_cfg(ex, sizeof ex / sizeof ex[0], &cfg, NULL, &out) == KZ_OK);
    check(kz_classifier_load_mem(out.data, out.len, &c, err, sizeof err) == KZ_OK);
    kz_buf_release(&out);
    return c;
}

static void classify_text(const kz_classifier *c, const uint8_t *data, size_t size)
{
    kz_classify_result top[4], one;
    const char *t = (const char *)data;
    size_t k = kz_classify_topk(c, t, size, top, 4);
    kz_classify(c, t, size, 0.5, &one);
    if (!k) {
        check(one.cls == -1 && one.prob == 0);
        return;
    }
    check(k == 4);
    double sum = 0;
    for (size_t i = 0; i < k; i++) {
        check(isfinite(top[i].prob) && top[i].prob > 0 && top[i].prob <= 1);
        check(i == 0 || top[i].prob <= top[i - 1].prob);
        sum += top[i].prob;
    }
    check(sum <= 1 + 1e-9 && sum > 1 - 1e-6);
    check(one.cls == top[0].cls && one.prob == top[0].prob);
    check(strcmp(one.attack_id, one.prob < 0.5 ? KZ_CLASSIFY_NONE : top[0].attack_id) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!text_models[0]) {
        text_models[0] = train_small(16);
        text_models[1] = train_small(18);
    }
    classify_text(text_models[0], data, size);
    classify_text(text_models[1], data, size);
    kz_err raw = try_load(data, size);
    if (size < 16 || size > KZ_CLASSIFY_MAX_MODEL)
        return 0;
    uint8_t *fixed = malloc(size);
    if (!fixed)
        return 0;
    memcpy(fixed, data, size);
    uint64_t s = kz_model_fnv(fixed + 16, size - 16);
    for (int i = 0; i < 8; i++)
        fixed[8 + i] = (uint8_t)(s >> (8 * i));
    kz_err rc = try_load(fixed, size);
    if (raw == KZ_OK)
        check(rc == KZ_OK && memcmp(fixed, data, size) == 0);
    free(fixed);
    return 0;
}
