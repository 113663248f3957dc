/* fuzz_sentences.c - libFuzzer target for the sentence splitter
 * (kz_sentences). Properties checked, not only "no crash": every sentence
 * range lies inside the input, is non-empty and at most
 * KZ_CLASSIFY_MAX_TEXT bytes, starts after the previous one ended
 * (increasing, non-overlapping), and neither starts nor ends with white
 * space (ASCII blanks, U+00A0, U+3000); no non-blank byte is lost: the
 * bytes between sentences are white space or list/heading markers; a
 * callback's non-zero return stops the walk and comes back unchanged. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kizuna/classify.h"

static void check(int cond)
{
    if (!cond)
        abort();
}

typedef struct walk {
    const char *t;
    size_t len;
    size_t last_end;
    size_t n;
    size_t stop_at; /* 0: never */
} walk;

static size_t blank_len(const char *t, size_t n, size_t i)
{
    unsigned char c = (unsigned char)t[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v')
        return 1;
    if (c == 0xC2 && i + 1 < n && (unsigned char)t[i + 1] == 0xA0)
        return 2;
    if (c == 0xE3 && i + 2 < n && (unsigned char)t[i + 1] == 0x80 &&
        (unsigned char)t[i + 2] == 0x80)
        return 3;
    return 0;
}

static int ends_blank(const char *s, size_t n)
{
    unsigned char c = (unsigned char)s[n - 1];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v')
        return 1;
    if (n >= 2 && c == 0xA0 && (unsigned char)s[n - 2] == 0xC2)
        return 1;
    return n >= 3 && memcmp(s + n - 3, "\xE3\x80\x80", 3) == 0;
}

/* Bytes between two sentences may only be blanks, list and heading
 * markers ("-*+#", "•", digits with '.' or ')'), and rule lines ('_', '='). */
static void check_gap(const char *t, size_t b, size_t e)
{
    for (size_t i = b; i < e;) {
        size_t k = blank_len(t, e, i);
        if (k) {
            i += k;
            continue;
        }
        unsigned char c = (unsigned char)t[i];
        if (c == 0xE2 && i + 2 < e && memcmp(t + i, "\xE2\x80\xA2", 3) == 0) {
            i += 3;
            continue;
        }
        check(c == '-' || c == '*' || c == '+' || c == '#' || c == '_' || c == '=' || c == '.' ||
              c == ')' || (c >= '0' && c <= '9'));
        i++;
    }
}

static kz_err on_sentence(void *ctx, const kz_sentence *s)
{
    walk *w = ctx;
    check(s->len > 0);
    check(s->len <= KZ_CLASSIFY_MAX_TEXT);
    check(s->off >= w->last_end);
    check(s->off <= w->len && s->len <= w->len - s->off);
    check(blank_len(w->t, w->len, s->off) == 0);
    check(!ends_blank(w->t + s->off, s->len));
    check_gap(w->t, w->last_end, s->off);
    w->last_end = s->off + s->len;
    w->n++;
    if (w->stop_at && w->n == w->stop_at)
        return KZ_EBUSY;
    return KZ_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    walk w = {(const char *)data, size, 0, 0, 0};
    check(kz_sentences(w.t, size, on_sentence, &w) == KZ_OK);
    check_gap(w.t, w.last_end, size);
    size_t all = w.n;
    if (all >= 2) {
        walk v = {(const char *)data, size, 0, 0, all / 2};
        check(kz_sentences(v.t, size, on_sentence, &v) == KZ_EBUSY);
        check(v.n == all / 2);
    }
    return 0;
}
