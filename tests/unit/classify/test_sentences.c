/* test_sentences.c - the sentence splitter (lib/classify/sentences.c):
 * every input/expected pair under tests/data/classify/sentences/, the cut
 * of over-long sentences (at a UTF-8 character start), stopping the walk
 * from the callback, and argument checks. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kizuna/alloc.h"
#include "kizuna/buf.h"
#include "kizuna/classify.h"
#include "kizuna/file.h"

#define DATA_DIR "tests/data/classify/sentences"

typedef struct collect {
    const char *text;
    size_t len;
    kz_buf out; /* sentences, escaped, one a line */
    size_t n;
    size_t last_end;
    size_t stop_after; /* 0: never stop */
} collect;

static int blank_edge(const char *s, size_t n, int at_end)
{
    unsigned char c = (unsigned char)(at_end ? s[n - 1] : s[0]);
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v')
        return 1;
    if (!at_end && n >= 2 && c == 0xC2 && (unsigned char)s[1] == 0xA0)
        return 1;
    if (at_end && n >= 2 && c == 0xA0 && (unsigned char)s[n - 2] == 0xC2)
        return 1;
    if (!at_end && n >= 3 && memcmp(s, "\xE3\x80\x80", 3) == 0)
        return 1;
    if (at_end && n >= 3 && memcmp(s + n - 3, "\xE3\x80\x80", 3) == 0)
        return 1;
    return 0;
}

static kz_err on_sentence(void *ctx, const kz_sentence *s)
{
    collect *c = ctx;
    /* the properties every sentence has, whatever the input */
    assert_true(s->len > 0);
    assert_true(s->off >= c->last_end);
    assert_true(s->off + s->len <= c->len);
    assert_true(s->len <= KZ_CLASSIFY_MAX_TEXT);
    assert_false(blank_edge(c->text + s->off, s->len, 0));
    assert_false(blank_edge(c->text + s->off, s->len, 1));
    c->last_end = s->off + s->len;
    for (size_t i = 0; i < s->len; i++) {
        char ch = c->text[s->off + i];
        const char *esc = ch == '\n'   ? "\\n"
                          : ch == '\r' ? "\\r"
                          : ch == '\t' ? "\\t"
                          : ch == '\\' ? "\\\\"
                                       : NULL;
        if (esc)
            assert_int_equal(kz_buf_append_str(&c->out, esc), KZ_OK);
        else
            assert_int_equal(kz_buf_append_char(&c->out, ch), KZ_OK);
    }
    assert_int_equal(kz_buf_append_char(&c->out, '\n'), KZ_OK);
    c->n++;
    if (c->stop_after && c->n == c->stop_after)
        return KZ_EEXIST; /* any non-zero code: it must come back unchanged */
    return KZ_OK;
}

static kz_err split(collect *c, const char *text, size_t len)
{
    memset(c, 0, sizeof *c);
    c->text = text;
    c->len = len;
    kz_buf_init(&c->out, 0);
    return kz_sentences(text, len, on_sentence, c);
}

static void test_data_files(void **state)
{
    (void)state;
    DIR *d = opendir(DATA_DIR);
    assert_non_null(d);
    struct dirent *de;
    size_t cases = 0;
    while ((de = readdir(d)) != NULL) {
        size_t nl = strlen(de->d_name);
        if (nl < 5 || strcmp(de->d_name + nl - 4, ".txt") != 0)
            continue;
        char in_path[512], exp_path[512], why[128];
        snprintf(in_path, sizeof in_path, "%s/%s", DATA_DIR, de->d_name);
        snprintf(exp_path, sizeof exp_path, "%s/%.*s.expected", DATA_DIR, (int)(nl - 4),
                 de->d_name);
        char *in = NULL, *exp = NULL;
        size_t in_len = 0, exp_len = 0;
        assert_int_equal(kz_file_read(in_path, 1 << 20, &in, &in_len, why, sizeof why), KZ_OK);
        assert_int_equal(kz_file_read(exp_path, 1 << 20, &exp, &exp_len, why, sizeof why), KZ_OK);
        collect c;
        assert_int_equal(split(&c, in, in_len), KZ_OK);
        const char *got = c.out.data ? c.out.data : "";
        if (strcmp(got, exp) != 0) {
            fprintf(stderr, "%s: expected\n%s---- got\n%s----\n", in_path, exp, got);
            fail();
        }
        kz_buf_release(&c.out);
        kz_free(in);
        kz_free(exp);
        cases++;
    }
    closedir(d);
    assert_true(cases >= 10);
}

/* A 70,000-byte sentence is reported as 65,536 bytes and the rest. */
static void test_cut_long(void **state)
{
    (void)state;
    size_t len = 70000;
    char *t = malloc(len);
    assert_non_null(t);
    memset(t, 'a', len);
    collect c;
    assert_int_equal(split(&c, t, len), KZ_OK);
    assert_int_equal(c.n, 2);
    const char *nl = strchr(c.out.data, '\n');
    assert_int_equal((size_t)(nl - c.out.data), KZ_CLASSIFY_MAX_TEXT);
    assert_int_equal(strlen(nl + 1), len - KZ_CLASSIFY_MAX_TEXT + 1);
    kz_buf_release(&c.out);
    free(t);
}

typedef struct ranges {
    kz_sentence s[8];
    size_t n;
} ranges;

static kz_err keep_range(void *ctx, const kz_sentence *s)
{
    ranges *r = ctx;
    assert_true(r->n < 8);
    r->s[r->n++] = *s;
    return KZ_OK;
}

/* The cut backs off to a character start: 3-byte characters whose
 * boundary does not fall on 65,536. */
static void test_cut_utf8(void **state)
{
    (void)state;
    size_t chars = 30000, len = chars * 3 + 2;
    char *t = malloc(len);
    assert_non_null(t);
    t[0] = 'x'; /* characters start at 2 + 3k: byte 65,536 is inside one */
    t[1] = 'y';
    for (size_t i = 0; i < chars; i++)
        memcpy(t + 2 + 3 * i, "\xE6\x94\xBB", 3); /* 攻 */
    ranges r = {0};
    assert_int_equal(kz_sentences(t, len, keep_range, &r), KZ_OK);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.s[0].off, 0);
    assert_true(r.s[0].len <= KZ_CLASSIFY_MAX_TEXT);
    assert_int_equal((r.s[0].len - 2) % 3, 0);
    assert_true(r.s[0].len > KZ_CLASSIFY_MAX_TEXT - 3);
    assert_int_equal(r.s[1].off, r.s[0].len);
    assert_int_equal(r.s[1].off + r.s[1].len, len);
    free(t);
}

static void test_stop(void **state)
{
    (void)state;
    const char *t = "One. Two. Three. Four.";
    collect c;
    memset(&c, 0, sizeof c);
    c.text = t;
    c.len = strlen(t);
    c.stop_after = 2;
    kz_buf_init(&c.out, 0);
    assert_int_equal(kz_sentences(t, c.len, on_sentence, &c), KZ_EEXIST);
    assert_int_equal(c.n, 2);
    assert_string_equal(c.out.data, "One.\nTwo.\n");
    kz_buf_release(&c.out);
}

static void test_args(void **state)
{
    (void)state;
    collect c;
    assert_int_equal(kz_sentences("x", 1, NULL, NULL), KZ_EINVAL);
    assert_int_equal(kz_sentences(NULL, 3, on_sentence, &c), KZ_EINVAL);
    assert_int_equal(split(&c, NULL, 0), KZ_OK);
    assert_int_equal(c.n, 0);
    kz_buf_release(&c.out);
}

/* Inputs that would make a careless splitter quadratic or loop: many
 * stops, long blank runs after a stop, only markers. Checked by the
 * properties only (no timing). */
static void test_degenerate(void **state)
{
    (void)state;
    static const char *const pat[] = {". ", "a.", "e.g. ", "- ", "\n", "。", "#", ".\n \n", "  "};
    size_t len = 200000;
    char *t = malloc(len);
    assert_non_null(t);
    for (size_t p = 0; p < sizeof pat / sizeof pat[0]; p++) {
        size_t pl = strlen(pat[p]);
        for (size_t i = 0; i < len; i++)
            t[i] = pat[p][i % pl];
        collect c;
        assert_int_equal(split(&c, t, len), KZ_OK);
        kz_buf_release(&c.out);
    }
    memset(t, ' ', len);
    t[0] = 'a';
    t[1] = '.';
    collect c;
    assert_int_equal(split(&c, t, len), KZ_OK);
    assert_int_equal(c.n, 1);
    kz_buf_release(&c.out);
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_data_files), cmocka_unit_test(test_cut_long),
        cmocka_unit_test(test_cut_utf8),   cmocka_unit_test(test_stop),
        cmocka_unit_test(test_args),       cmocka_unit_test(test_degenerate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
