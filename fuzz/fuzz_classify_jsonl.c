/* fuzz_classify_jsonl.c - libFuzzer target for the labelled-sentence
 * reader (kz_classify_read_jsonl). Properties checked, not only "no crash":
 *  1. on success every example's text[0..len) and its label lie inside the
 *     reader's arena copies (not in the input), each label is NUL-terminated,
 *     non-empty, shorter than KZ_CLASSIFY_MAX_LABEL and free of NUL bytes,
 *     each text is at most KZ_CLASSIFY_MAX_TEXT bytes, every weight is 1,
 *     and there are no more examples than non-blank lines;
 *  2. on failure the error text is non-empty, starts with "line N:" for a
 *     line that exists (or names the input size), and *ex / *n are left as
 *     they were;
 *  3. reading is deterministic: a second read of the same bytes gives the
 *     same examples or the same error. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kizuna/classify.h"

static void check(int cond)
{
    if (!cond)
        abort();
}

static int inside(const char *p, size_t n, const char *lo, const char *hi)
{
    return p >= lo && p + n <= hi;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in = (const char *)data;
    kz_arena *a = kz_arena_new(0);
    kz_arena *b = kz_arena_new(0);
    if (!a || !b) {
        kz_arena_free(a);
        kz_arena_free(b);
        return 0;
    }
    kz_classify_example *sentinel = (kz_classify_example *)(uintptr_t)0x10;
    kz_classify_example *ex = sentinel, *ex2 = sentinel;
    size_t n = 12345, n2 = 12345;
    char err[256], err2[256];
    memset(err, 'x', sizeof err);
    kz_err rc = kz_classify_read_jsonl(in, size, a, &ex, &n, err, sizeof err);
    kz_err rc2 = kz_classify_read_jsonl(in, size, b, &ex2, &n2, err2, sizeof err2);
    check(rc == rc2);

    size_t lines = 0;
    for (size_t i = 0; i < size; i++)
        lines += in[i] == '\n';
    lines++;

    if (rc == KZ_OK) {
        check(n <= lines);
        check(n == n2);
        check(n == 0 || ex != NULL);
        for (size_t i = 0; i < n; i++) {
            const kz_classify_example *e = &ex[i];
            check(e->text != NULL && e->label != NULL);
            /* copies, not pointers into the input */
            check(!inside(e->text, e->len, in, in + size) || e->len == 0);
            check(!inside(e->label, 1, in, in + size));
            check(e->len <= KZ_CLASSIFY_MAX_TEXT);
            size_t ll = strnlen(e->label, KZ_CLASSIFY_MAX_LABEL);
            check(ll > 0 && ll < KZ_CLASSIFY_MAX_LABEL);
            check(e->weight == 1.0f);
            /* the text copy is readable to its end (ASan checks) and NUL-ended */
            volatile char last = e->len ? e->text[e->len - 1] : 0;
            (void)last;
            check(e->text[e->len] == '\0');
            check(strcmp(e->label, ex2[i].label) == 0);
            check(e->len == ex2[i].len && memcmp(e->text, ex2[i].text, e->len) == 0);
        }
    } else {
        check(rc == KZ_EPARSE || rc == KZ_ETOOBIG || rc == KZ_ENOMEM);
        check(memchr(err, '\0', sizeof err) != NULL);
        check(err[0] != '\0');
        check(strcmp(err, err2) == 0);
        check(ex == sentinel && n == 12345);
        unsigned long line = 0;
        if (sscanf(err, "line %lu:", &line) == 1)
            check(line >= 1 && line <= lines);
        else
            check(strncmp(err, "input larger", 12) == 0 || strcmp(err, "out of memory") == 0);
    }
    kz_arena_free(a);
    kz_arena_free(b);
    return 0;
}
