/* test_features.c - the classifier's feature extraction
 * (lib/classify/features.c): the documented ids of fixed sentences (hash
 * values computed by hand, with a separate implementation of FNV-1a 64 and
 * fmix64, for 2^16 and 2^20 buckets), tokens and joiners, case folding,
 * duplicates counted once, the text and feature caps, empty text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "classify/classify_int.h"

static uint32_t ids[KZ_FEAT_MAX_RAW];

static size_t extract(uint32_t bits, uint32_t flags, const char *s)
{
    kz_feat_cfg cfg = {bits, flags, 3, 5};
    return kz_feat_extract(&cfg, s, strlen(s), ids);
}

/* Values from: fmix64(fnv1a64(s)) >> (64 - bits), computed outside C. */
static void test_hash_values(void **state)
{
    (void)state;
    kz_feat_cfg c16 = {16, KZ_FEAT_ALL, 3, 5}, c20 = {20, KZ_FEAT_ALL, 3, 5};
    assert_int_equal(kz_feat_hash(&c16, "wcmd.exe", 8), 38058);
    assert_int_equal(kz_feat_hash(&c20, "wcmd.exe", 8), 608935);
    assert_int_equal(kz_feat_hash(&c16, "wt1059.003", 10), 59319);
    assert_int_equal(kz_feat_hash(&c20, "c<ab>", 5), 232747);
    assert_int_equal(kz_model_fnv("wcmd.exe", 8), 0xe9c872d66a5e9938ull);
    assert_int_equal(kz_model_fnv("", 0), 0xcbf29ce484222325ull);
}

static void test_words_and_bigrams(void **state)
{
    (void)state;
    /* Tokens "cmd.exe", "c", "whoami": unigram, then bigram with the
     * previous token, in order of occurrence. */
    size_t n = extract(16, KZ_FEAT_WORDS | KZ_FEAT_BIGRAMS, "CMD.EXE /c whoami");
    uint32_t want[] = {38058, 10281, 31630, 10484, 48076};
    assert_int_equal(n, 5);
    assert_memory_equal(ids, want, sizeof want);
    n = extract(20, KZ_FEAT_WORDS | KZ_FEAT_BIGRAMS, "cmd.exe  c;WHOAMI.");
    uint32_t want20[] = {608935, 164507, 506081, 167747, 769224};
    assert_int_equal(n, 5);
    assert_memory_equal(ids, want20, sizeof want20);
}

static void test_char_ngrams(void **state)
{
    (void)state;
    /* "<ab>": 3- and 4-grams from each start: "<ab", "<ab>", "ab>". */
    size_t n = extract(16, KZ_FEAT_CHARS, "AB");
    uint32_t want[] = {38732, 14546, 62654};
    assert_int_equal(n, 3);
    assert_memory_equal(ids, want, sizeof want);
    /* A 10-byte token: 12 bytes with the marks, starts 0..9 give
     * 3-grams 10, 4-grams 9, 5-grams 8. Distinct here. */
    n = extract(20, KZ_FEAT_CHARS, "abcdefghij");
    assert_int_equal(n, 27);
}

static void test_tokens_and_joiners(void **state)
{
    (void)state;
    kz_feat_cfg c = {20, KZ_FEAT_WORDS, 3, 5};
    /* A Windows path is one token; the trailing dot is not part of it. */
    extract(20, KZ_FEAT_WORDS, "ran C:\\Windows\\System32\\cmd.exe.");
    assert_int_equal(ids[1], 326126);
    assert_int_equal(extract(20, KZ_FEAT_WORDS, "ran C:\\Windows\\System32\\cmd.exe."), 2);
    /* Runs of joiners join; trailing ones and blanks split. */
    assert_int_equal(extract(20, KZ_FEAT_WORDS, "a-- b"), 2);
    assert_int_equal(extract(20, KZ_FEAT_WORDS, "a--b"), 1);
    assert_int_equal(extract(20, KZ_FEAT_WORDS, "a- -b"), 2);
    assert_int_equal(ids[0], kz_feat_hash(&c, "wa", 2));
    assert_int_equal(ids[1], kz_feat_hash(&c, "wb", 2));
    /* Technique ids stay whole. */
    assert_int_equal(extract(20, KZ_FEAT_WORDS, "(T1059.003)"), 1);
    assert_int_equal(ids[0], 949117);
    /* Apostrophes and other punctuation split. */
    assert_int_equal(extract(20, KZ_FEAT_WORDS, "victim's"), 2);
    /* Non-ASCII bytes are word bytes, kept as they are (not folded). */
    assert_int_equal(extract(20, KZ_FEAT_WORDS, "\xc3\x89t\xc3\xa9"), 1);
    assert_int_equal(ids[0], kz_feat_hash(&c, "w\xc3\x89t\xc3\xa9", 6));
    /* A token longer than KZ_FEAT_MAX_TOKEN counts by its first bytes. */
    char longw[200], cut[1 + KZ_FEAT_MAX_TOKEN];
    memset(longw, 'x', sizeof longw - 1);
    longw[sizeof longw - 1] = '\0';
    cut[0] = 'w';
    memset(cut + 1, 'x', KZ_FEAT_MAX_TOKEN);
    assert_int_equal(extract(20, KZ_FEAT_WORDS, longw), 1);
    assert_int_equal(ids[0], kz_feat_hash(&c, cut, sizeof cut));
}

static void test_case_folding(void **state)
{
    (void)state;
    uint32_t a[KZ_FEAT_MAX_RAW];
    size_t na = extract(18, KZ_FEAT_ALL, "PowerShell -EncodedCommand via WMI");
    memcpy(a, ids, na * sizeof *a);
    size_t nb = extract(18, KZ_FEAT_ALL, "powershell -encodedcommand VIA wmi");
    assert_int_equal(na, nb);
    assert_memory_equal(a, ids, na * sizeof *a);
}

static void test_duplicates_once(void **state)
{
    (void)state;
    /* "run" x3: unigram and the bigram "run run", each once. */
    assert_int_equal(extract(16, KZ_FEAT_WORDS | KZ_FEAT_BIGRAMS, "run run, RUN"), 2);
    for (size_t i = 0; i < 2; i++)
        assert_true(ids[i] < (1u << 16));
}

static void test_empty(void **state)
{
    (void)state;
    assert_int_equal(extract(16, KZ_FEAT_ALL, ""), 0);
    assert_int_equal(extract(16, KZ_FEAT_ALL, " .,;:!? -- // \\ "), 0);
    kz_feat_cfg c = {16, KZ_FEAT_ALL, 3, 5};
    assert_int_equal(kz_feat_extract(&c, NULL, 0, ids), 0);
}

static void test_caps(void **state)
{
    (void)state;
    /* Words past KZ_CLASSIFY_MAX_TEXT bytes are ignored. */
    size_t len = KZ_CLASSIFY_MAX_TEXT + 64;
    char *t = malloc(len + 1);
    assert_non_null(t);
    for (size_t i = 0; i < len; i += 2) {
        t[i] = 'a';
        t[i + 1] = ' ';
    }
    memcpy(t + KZ_CLASSIFY_MAX_TEXT, "zebra", 5);
    t[len] = '\0';
    kz_feat_cfg c = {20, KZ_FEAT_WORDS, 3, 5};
    assert_int_equal(kz_feat_extract(&c, t, len, ids), 1);
    memcpy(t + KZ_CLASSIFY_MAX_TEXT - 6, "zebra", 5);
    assert_int_equal(kz_feat_extract(&c, t, len, ids), 2);
    assert_int_equal(ids[1], kz_feat_hash(&c, "wzebra", 6));
    /* Many distinct words: at most KZ_FEAT_MAX_RAW ids, no overflow. */
    for (size_t i = 0; i + 6 < len; i += 6) {
        unsigned v = (unsigned)(i / 6);
        t[i] = (char)('a' + v % 26);
        t[i + 1] = (char)('a' + v / 26 % 26);
        t[i + 2] = (char)('a' + v / 676 % 26);
        t[i + 3] = (char)('a' + v / 17576 % 26);
        t[i + 4] = 'q';
        t[i + 5] = ' ';
    }
    kz_feat_cfg all = {22, KZ_FEAT_ALL, 3, 5};
    size_t n = kz_feat_extract(&all, t, len, ids);
    assert_true(n > KZ_FEAT_MAX_RAW / 2 && n <= KZ_FEAT_MAX_RAW);
    /* The same with 2^16 buckets (a bitmap set, not a hash table). */
    all.bits = 16;
    n = kz_feat_extract(&all, t, len, ids);
    assert_true(n > KZ_FEAT_MAX_RAW / 2 && n <= KZ_FEAT_MAX_RAW);
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n && j < i + 64; j++)
            assert_true(ids[i] != ids[j]);
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hash_values),  cmocka_unit_test(test_words_and_bigrams),
        cmocka_unit_test(test_char_ngrams),  cmocka_unit_test(test_tokens_and_joiners),
        cmocka_unit_test(test_case_folding), cmocka_unit_test(test_duplicates_once),
        cmocka_unit_test(test_empty),        cmocka_unit_test(test_caps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
