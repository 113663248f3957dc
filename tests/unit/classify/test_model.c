/* test_model.c - the model file (lib/classify/model.c): a round trip
 * through memory and disk, every truncation and every bit flip of a small
 * valid model refused, damaged fields behind a correct checksum refused or
 * harmless (never a crash), the errors for wrong magic, version and huge
 * counts, the committed data/models/attack.kzm on obvious sentences, and
 * kz_classifier_default_path. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>

#include <cmocka.h>

#include "classify/classify_int.h"
#include "kizuna/alloc.h"

#define MODELS_DIR "tests/data/classify/models"

static const kz_classify_example ex[] = {
    {"the beacon calls home over https", 32, "T1071.001", 1},
    {"a keylogger records keystrokes", 30, "T1056.001", 1},
    {"schtasks creates a scheduled task", 33, "T1053.005", 1},
    {"it writes a registry value", 26, "T1112", 0.5f},
};
#define NEX (sizeof ex / sizeof ex[0])

/* A small model: 2^8 buckets, words and bigrams, about 1.5 KB. */
static void small_model(kz_buf *out)
{
    kz_train_cfg cfg;
    kz_train_defaults(&cfg);
    cfg.feat.bits = 8;
    cfg.feat.flags = KZ_FEAT_WORDS | KZ_FEAT_BIGRAMS;
    cfg.epochs = 10;
    kz_buf_init(out, 0);
    assert_int_equal(kz_classify_train_cfg(ex, NEX, &cfg, NULL, out), KZ_OK);
    assert_true(out->len > KZ_MODEL_HDR && out->len < 4096);
}

static void fix_sum(unsigned char *f, size_t len)
{
    uint64_t s = kz_model_fnv(f + 16, len - 16);
    for (int i = 0; i < 8; i++)
        f[8 + i] = (unsigned char)(s >> (8 * i));
}

static void put32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* A model that loaded must give sane answers. */
static void check_sane(const kz_classifier *c)
{
    kz_classify_result r[8];
    static const char s[] = "the beacon writes a registry value";
    size_t n = kz_classify_topk(c, s, sizeof s - 1, r, 8);
    double sum = 0;
    assert_true(n <= 8 && n <= kz_classifier_nclasses(c));
    for (size_t i = 0; i < n; i++) {
        assert_true(isfinite(r[i].prob) && r[i].prob >= 0 && r[i].prob <= 1);
        assert_true(i == 0 || r[i].prob <= r[i - 1].prob);
        assert_non_null(r[i].attack_id);
        sum += r[i].prob;
    }
    assert_true(sum <= 1 + 1e-9);
    kz_classify(c, s, sizeof s - 1, 0.5, r);
    assert_true(isfinite(r[0].prob) && r[0].prob >= 0 && r[0].prob <= 1);
}

static void expect_bad(const void *p, size_t len, kz_err want, const char *msg)
{
    kz_classifier *c = (kz_classifier *)1;
    char err[200];
    kz_err rc = kz_classifier_load_mem(p, len, &c, err, sizeof err);
    assert_int_equal(rc, want);
    assert_null(c);
    assert_true(err[0] != '\0' && !strchr(err, '\n'));
    if (msg && !strstr(err, msg)) {
        fprintf(stderr, "error '%s' lacks '%s'\n", err, msg);
        fail();
    }
}

static void test_round_trip(void **state)
{
    (void)state;
    kz_buf m;
    small_model(&m);
    kz_classifier *a = NULL, *b = NULL;
    char err[200], path[] = "/tmp/kz_test_model_XXXXXX";
    assert_int_equal(kz_classifier_load_mem(m.data, m.len, &a, err, sizeof err), KZ_OK);
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, m.data, m.len), (ssize_t)m.len);
    close(fd);
    assert_int_equal(kz_classifier_load(path, &b, err, sizeof err), KZ_OK);
    unlink(path);
    assert_int_equal(kz_classifier_nclasses(a), 4);
    assert_int_equal(kz_classifier_nclasses(b), 4);
    uint32_t bits = 0, rows = 0;
    kz_classifier_info(a, &bits, &rows);
    assert_int_equal(bits, 8);
    assert_true(rows > 0 && rows <= 256);
    kz_classifier_info(b, NULL, NULL);
    for (size_t i = 0; i < NEX; i++) {
        kz_classify_result ra, rb;
        kz_classify(a, ex[i].text, ex[i].len, 0, &ra);
        kz_classify(b, ex[i].text, ex[i].len, 0, &rb);
        assert_string_equal(ra.attack_id, ex[i].label);
        assert_string_equal(rb.attack_id, ex[i].label);
        assert_true(ra.prob == rb.prob);
    }
    check_sane(a);
    kz_classifier_free(a);
    kz_classifier_free(b);
    kz_classifier_free(NULL);
    kz_buf_release(&m);
}

/* A trained "none" class is a class like the others: kz_classify says
 * "none" at threshold 0 when it is the most probable, with its own
 * probability and index, and kz_classify_topk lists it. */
static void test_none_class(void **state)
{
    (void)state;
    static const kz_classify_example nex[] = {
        {"the beacon calls home over https", 32, "T1071.001", 1},
        {"a keylogger records keystrokes", 30, "T1056.001", 1},
        {"the company reported quarterly revenue growth", 45, "none", 1},
        {"revenue growth was reported by the company", 42, "none", 1},
    };
    kz_train_cfg cfg;
    kz_train_defaults(&cfg);
    cfg.feat.bits = 8;
    cfg.feat.flags = KZ_FEAT_WORDS | KZ_FEAT_BIGRAMS;
    cfg.epochs = 10;
    kz_buf m;
    kz_buf_init(&m, 0);
    assert_int_equal(kz_classify_train_cfg(nex, 4, &cfg, NULL, &m), KZ_OK);
    kz_classifier *c = NULL;
    char err[200];
    assert_int_equal(kz_classifier_load_mem(m.data, m.len, &c, err, sizeof err), KZ_OK);
    assert_int_equal(kz_classifier_nclasses(c), 3);
    kz_classify_result r, top[3];
    kz_classify(c, nex[2].text, nex[2].len, 0, &r);
    assert_string_equal(r.attack_id, KZ_CLASSIFY_NONE);
    assert_true(r.cls >= 0 && r.prob > 1.0 / 3);
    assert_string_equal(kz_classifier_class(c, (size_t)r.cls), KZ_CLASSIFY_NONE);
    assert_int_equal(kz_classify_topk(c, nex[2].text, nex[2].len, top, 3), 3);
    assert_string_equal(top[0].attack_id, KZ_CLASSIFY_NONE);
    assert_true(top[0].prob == r.prob);
    kz_classify(c, nex[0].text, nex[0].len, 0, &r);
    assert_string_equal(r.attack_id, "T1071.001");
    kz_classifier_free(c);
    kz_buf_release(&m);
}

static void test_truncations(void **state)
{
    (void)state;
    kz_buf m;
    small_model(&m);
    for (size_t len = 0; len < m.len; len++) {
        unsigned char *cut = malloc(len + 1); /* exactly len bytes for ASan */
        memcpy(cut, m.data, len);
        expect_bad(cut, len, KZ_EPARSE, NULL);
        free(cut);
    }
    kz_buf_release(&m);
}

static void test_bit_flips(void **state)
{
    (void)state;
    kz_buf m;
    small_model(&m);
    unsigned char *f = (unsigned char *)m.data;
    for (size_t i = 0; i < m.len; i++) {
        for (int bit = 0; bit < 8; bit++) {
            f[i] ^= (unsigned char)(1u << bit);
            expect_bad(f, m.len, KZ_EPARSE, NULL);
            f[i] ^= (unsigned char)(1u << bit);
        }
    }
    kz_buf_release(&m);
}

/* Damage behind a correct checksum: every byte set to a few values. */
static void test_damage_with_checksum(void **state)
{
    (void)state;
    kz_buf m;
    small_model(&m);
    unsigned char *f = malloc(m.len);
    static const unsigned char vals[] = {0x00, 0x01, 0x7f, 0x80, 0xff};
    size_t loaded = 0;
    for (size_t i = 0; i < m.len; i++) {
        if (i >= 8 && i < 16)
            continue;
        for (size_t v = 0; v < sizeof vals; v++) {
            memcpy(f, m.data, m.len);
            if (f[i] == vals[v])
                continue;
            f[i] = vals[v];
            fix_sum(f, m.len);
            kz_classifier *c = NULL;
            char err[200];
            kz_err rc = kz_classifier_load_mem(f, m.len, &c, err, sizeof err);
            if (rc == KZ_OK) {
                check_sane(c);
                kz_classifier_free(c);
                loaded++;
            } else {
                assert_int_equal(rc, KZ_EPARSE);
                assert_null(c);
            }
        }
    }
    /* Weights, scales and biases may change and still load. */
    assert_true(loaded > 0);
    free(f);
    kz_buf_release(&m);
}

static void test_bad_headers(void **state)
{
    (void)state;
    kz_buf m;
    small_model(&m);
    unsigned char *f = malloc(m.len);
    memcpy(f, m.data, m.len);
    f[0] = 'X';
    expect_bad(f, m.len, KZ_EPARSE, "not a kizuna classifier model");
    expect_bad("KZCM", 4, KZ_EPARSE, "not a kizuna classifier model");
    expect_bad("", 0, KZ_EPARSE, "not a kizuna classifier model");

    static const struct {
        size_t off;
        uint32_t val;
        const char *msg;
    } cases[] = {
        {4, 2, "version 2"},
        {4, 0, "version 0"},
        {16, 64, "header size"},
        {20, 0, "0 classes"},
        {20, 0xffffffffu, "classes"},
        {20, KZ_CLASSIFY_MAX_CLASSES + 1, "classes"},
        {20, 5, "offsets"},
        {24, 40, "buckets"},
        {24, 7, "buckets"},
        {24, 9, "offsets"},
        {28, 0xffffffffu, "rows"},
        {28, 0, "offsets"},
        {32, 0, "flags"},
        {32, 0x8, "flags"},
        {36, 0, "n-gram"},
        {36, 6, "n-gram"},
        {40, 9, "n-gram"},
        {44, 0xfffffff0u, "offsets"},
        {60, 0, "offsets"},
        {64, 0xffffffffu, "says"},
        {80, 1, "reserved"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        memcpy(f, m.data, m.len);
        put32(f + cases[k].off, cases[k].val);
        fix_sum(f, m.len);
        expect_bad(f, m.len, KZ_EPARSE, cases[k].msg);
    }
    /* One bucket too many in the bitmap. */
    memcpy(f, m.data, m.len);
    uint32_t bm = (uint32_t)f[52] | (uint32_t)f[53] << 8;
    size_t b = 0;
    while (f[bm + b / 8] >> (b % 8) & 1)
        b++;
    f[bm + b / 8] |= (unsigned char)(1u << (b % 8));
    fix_sum(f, m.len);
    expect_bad(f, m.len, KZ_EPARSE, "bitmap");
    /* An empty class id, and bytes after one. */
    memcpy(f, m.data, m.len);
    f[KZ_MODEL_HDR] = 0;
    fix_sum(f, m.len);
    expect_bad(f, m.len, KZ_EPARSE, "class 0");
    memcpy(f, m.data, m.len);
    f[KZ_MODEL_HDR + KZ_CLASSIFY_MAX_LABEL - 1] = 'x';
    fix_sum(f, m.len);
    expect_bad(f, m.len, KZ_EPARSE, "class 0");
    /* Too big is refused before anything is read. */
    expect_bad(f, (size_t)KZ_CLASSIFY_MAX_MODEL + 1, KZ_ETOOBIG, "larger");
    free(f);
    kz_buf_release(&m);
}

static void test_files(void **state)
{
    (void)state;
    kz_classifier *c = NULL;
    char err[200];
    assert_int_equal(kz_classifier_load("/nonexistent/attack.kzm", &c, err, sizeof err),
                     KZ_ENOTFOUND);
    assert_null(c);
    assert_int_equal(kz_classifier_load("/tmp", &c, err, sizeof err), KZ_EIO);
    assert_true(err[0] != '\0');
    char out[4096];
    setenv("KZ_MODEL", "data/models/attack.kzm", 1);
    assert_int_equal(kz_classifier_default_path(out, sizeof out), KZ_OK);
    assert_string_equal(out, "data/models/attack.kzm");
    assert_int_equal(kz_classifier_default_path(out, 5), KZ_ETOOBIG);
    setenv("KZ_MODEL", "/nonexistent/m.kzm", 1);
    assert_int_equal(kz_classifier_default_path(out, sizeof out), KZ_ENOTFOUND);
    assert_string_equal(out, "/nonexistent/m.kzm");
    unsetenv("KZ_MODEL");
    kz_err rc = kz_classifier_default_path(out, sizeof out);
    assert_true(rc == KZ_OK || rc == KZ_ENOTFOUND);
    assert_true(strstr(out, "attack.kzm") != NULL);
}

/* Every tests/data/classify/models/bad_*.kzm is refused with exactly the
 * reason in its .err file; good.kzm loads. */
static void test_data_files(void **state)
{
    (void)state;
    DIR *d = opendir(MODELS_DIR);
    assert_non_null(d);
    size_t bad = 0, good = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (l < 5 || strcmp(e->d_name + l - 4, ".kzm") != 0)
            continue;
        char path[512], errpath[512], err[256], want[256] = "";
        snprintf(path, sizeof path, "%s/%s", MODELS_DIR, e->d_name);
        snprintf(errpath, sizeof errpath, "%s/%.*s.err", MODELS_DIR, (int)(l - 4), e->d_name);
        kz_classifier *c = NULL;
        kz_err rc = kz_classifier_load(path, &c, err, sizeof err);
        if (strncmp(e->d_name, "bad_", 4) == 0) {
            FILE *f = fopen(errpath, "r");
            assert_non_null(f);
            assert_non_null(fgets(want, sizeof want, f));
            fclose(f);
            want[strcspn(want, "\n")] = '\0';
            if (rc != KZ_EPARSE || strcmp(err, want) != 0)
                fprintf(stderr, "%s: %s '%s', want '%s'\n", e->d_name, kz_errname(rc), err, want);
            assert_int_equal(rc, KZ_EPARSE);
            assert_string_equal(err, want);
            assert_null(c);
            bad++;
        } else {
            assert_int_equal(rc, KZ_OK);
            check_sane(c);
            kz_classifier_free(c);
            good++;
        }
    }
    closedir(d);
    assert_true(bad >= 20);
    assert_int_equal(good, 1);
}

/* The committed model on sentences whose technique is plain. */
static void test_committed_model(void **state)
{
    (void)state;
    static const struct {
        const char *text, *want;
    } cases[] = {
        {"The attackers used cmd.exe /c to run their commands", "T1059.003"},
        {"It ran whoami to learn the current user name", "T1033"},
        {"Mimikatz was used to dump credentials from LSASS memory", "T1003.001"},
        {"The malware takes screenshots of the victim's desktop", "T1113"},
        {"It records every keystroke the user types", "T1056.001"},
        {"The actor sent spearphishing emails with a malicious Word attachment", "T1566.001"},
        {"The backdoor creates a scheduled task with schtasks to run every hour", "T1053.005"},
        {"It adds a value to HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run for "
         "persistence",
         "T1547.001"},
        {"The loader injects its payload into the memory of a remote process", "T1055"},
        /* the trained "none" class: about an actor, no technique */
        {"The group has been active since at least 2014 and targets government organizations.",
         KZ_CLASSIFY_NONE},
    };
    kz_classifier *c = NULL;
    char err[200];
    kz_err rc = kz_classifier_load("data/models/attack.kzm", &c, err, sizeof err);
    if (rc)
        fprintf(stderr, "data/models/attack.kzm: %s\n", err);
    assert_int_equal(rc, KZ_OK);
    /* the 50 TRAM techniques and "none" */
    assert_int_equal(kz_classifier_nclasses(c), 51);
    size_t nnone = 0;
    for (size_t i = 0; i < 51; i++)
        nnone += strcmp(kz_classifier_class(c, i), KZ_CLASSIFY_NONE) == 0;
    assert_int_equal(nnone, 1);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        kz_classify_result r;
        kz_classify(c, cases[i].text, strlen(cases[i].text), 0, &r);
        if (strcmp(r.attack_id, cases[i].want) != 0)
            fprintf(stderr, "'%s': %s (%.3f), want %s\n", cases[i].text, r.attack_id, r.prob,
                    cases[i].want);
        assert_string_equal(r.attack_id, cases[i].want);
    }
    check_sane(c);
    kz_classifier_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),      cmocka_unit_test(test_none_class),
        cmocka_unit_test(test_truncations),
        cmocka_unit_test(test_bit_flips),       cmocka_unit_test(test_damage_with_checksum),
        cmocka_unit_test(test_bad_headers),     cmocka_unit_test(test_files),
        cmocka_unit_test(test_committed_model), cmocka_unit_test(test_data_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
