/* test_jsonl.c - the labelled-sentence reader (lib/classify/jsonl.c):
 * every good and bad file under tests/data/classify/jsonl/ (examples, or
 * the exact error and its line), the caps (lines, line length, text and
 * label length, input size) on synthetic inputs, nothing returned on
 * error, allocation failure at every point, and the committed data files
 * (815 held-out TRAM sentences, 3,256 training ones, 16,017 procedures). */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kizuna/alloc.h"
#include "kizuna/buf.h"
#include "kizuna/classify.h"
#include "kizuna/file.h"

#define DATA_DIR "tests/data/classify/jsonl"

static char *slurp(const char *path, size_t *len)
{
    char *p = NULL, why[128];
    kz_err rc = kz_file_read(path, 64u << 20, &p, len, why, sizeof why);
    if (rc)
        fprintf(stderr, "%s: %s\n", path, why);
    assert_int_equal(rc, KZ_OK);
    return p;
}

/* Examples as LABEL<TAB>TEXT lines, escaped as the README says. */
static void render(kz_buf *b, const kz_classify_example *ex, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(kz_buf_append_str(b, ex[i].label), KZ_OK);
        assert_int_equal(kz_buf_append_char(b, '\t'), KZ_OK);
        for (size_t k = 0; k < ex[i].len; k++) {
            char ch = ex[i].text[k];
            const char *esc = ch == '\n'   ? "\\n"
                              : ch == '\r' ? "\\r"
                              : ch == '\t' ? "\\t"
                              : ch == '\\' ? "\\\\"
                              : ch == '\0' ? "\\0"
                                           : NULL;
            if (esc)
                assert_int_equal(kz_buf_append_str(b, esc), KZ_OK);
            else
                assert_int_equal(kz_buf_append_char(b, ch), KZ_OK);
        }
        assert_int_equal(kz_buf_append_char(b, '\n'), KZ_OK);
    }
}

static void check_good(const char *name)
{
    char path[512];
    size_t len, elen;
    snprintf(path, sizeof path, "%s/%s", DATA_DIR, name);
    char *in = slurp(path, &len);
    snprintf(path, sizeof path, "%s/%.*s.expected", DATA_DIR, (int)(strlen(name) - 6), name);
    char *exp = slurp(path, &elen);

    kz_arena *a = kz_arena_new(0);
    kz_classify_example *ex = NULL;
    size_t n = 0;
    char err[256];
    kz_err rc = kz_classify_read_jsonl(in, len, a, &ex, &n, err, sizeof err);
    if (rc)
        fprintf(stderr, "%s: %s\n", name, err);
    assert_int_equal(rc, KZ_OK);
    kz_buf b;
    kz_buf_init(&b, 0);
    render(&b, ex, n);
    const char *got = b.data ? b.data : "";
    if (strcmp(got, exp) != 0) {
        fprintf(stderr, "%s: expected\n%s---- got\n%s----\n", name, exp, got);
        fail();
    }
    for (size_t i = 0; i < n; i++)
        assert_true(ex[i].weight == 1.0f);
    kz_buf_release(&b);
    kz_arena_free(a);
    kz_free(in);
    kz_free(exp);
}

static void check_bad(const char *name)
{
    char path[512];
    size_t len, elen;
    snprintf(path, sizeof path, "%s/%s", DATA_DIR, name);
    char *in = slurp(path, &len);
    snprintf(path, sizeof path, "%s/%.*s.err", DATA_DIR, (int)(strlen(name) - 6), name);
    char *exp = slurp(path, &elen);
    char *msg = strchr(exp, '\n');
    assert_non_null(msg);
    *msg++ = '\0';
    char *end = strchr(msg, '\n');
    if (end)
        *end = '\0';

    kz_arena *a = kz_arena_new(0);
    kz_classify_example *ex = (kz_classify_example *)(uintptr_t)0x1234;
    size_t n = 77;
    char err[256];
    kz_err rc = kz_classify_read_jsonl(in, len, a, &ex, &n, err, sizeof err);
    if (strcmp(kz_errname(rc), exp) != 0 || strcmp(err, msg) != 0) {
        fprintf(stderr, "%s: expected %s '%s', got %s '%s'\n", name, exp, msg, kz_errname(rc), err);
        fail();
    }
    /* nothing is returned on error */
    assert_ptr_equal(ex, (kz_classify_example *)(uintptr_t)0x1234);
    assert_int_equal(n, 77);
    kz_arena_free(a);
    kz_free(in);
    kz_free(exp);
}

static void test_data_files(void **state)
{
    (void)state;
    DIR *d = opendir(DATA_DIR);
    assert_non_null(d);
    struct dirent *de;
    size_t good = 0, bad = 0;
    while ((de = readdir(d)) != NULL) {
        size_t nl = strlen(de->d_name);
        if (nl < 7 || strcmp(de->d_name + nl - 6, ".jsonl") != 0)
            continue;
        if (strncmp(de->d_name, "good_", 5) == 0) {
            check_good(de->d_name);
            good++;
        } else if (strncmp(de->d_name, "bad_", 4) == 0) {
            check_bad(de->d_name);
            bad++;
        }
    }
    closedir(d);
    assert_true(good >= 5);
    assert_true(bad >= 10);
}

/* Reads buf; on failure compares code and message. */
static void expect_error(const char *buf, size_t len, kz_err want, const char *msg)
{
    kz_arena *a = kz_arena_new(0);
    kz_classify_example *ex = NULL;
    size_t n = 0;
    char err[256] = "";
    kz_err rc = kz_classify_read_jsonl(buf, len, a, &ex, &n, err, sizeof err);
    if (rc != want || strcmp(err, msg) != 0) {
        fprintf(stderr, "expected %s '%s', got %s '%s'\n", kz_errname(want), msg, kz_errname(rc),
                err);
        fail();
    }
    kz_arena_free(a);
}

static size_t read_count(const char *buf, size_t len)
{
    kz_arena *a = kz_arena_new(0);
    kz_classify_example *ex = NULL;
    size_t n = 0;
    char err[256] = "";
    kz_err rc = kz_classify_read_jsonl(buf, len, a, &ex, &n, err, sizeof err);
    if (rc)
        fprintf(stderr, "%s\n", err);
    assert_int_equal(rc, KZ_OK);
    kz_arena_free(a);
    return n;
}

/* A line {"text": "<fill x cnt>", "attack_id": "T1"} where fill is one
 * character written as esc (e.g. "a" or "\\u0041"). */
static void text_line(kz_buf *b, const char *esc, size_t cnt)
{
    assert_int_equal(kz_buf_append_str(b, "{\"text\": \""), KZ_OK);
    for (size_t i = 0; i < cnt; i++)
        assert_int_equal(kz_buf_append_str(b, esc), KZ_OK);
    assert_int_equal(kz_buf_append_str(b, "\", \"attack_id\": \"T1\"}\n"), KZ_OK);
}

static void test_text_cap(void **state)
{
    (void)state;
    kz_buf b;
    kz_buf_init(&b, 0);
    /* exactly the cap, written plainly and written as escapes: read */
    text_line(&b, "a", KZ_CLASSIFY_MAX_TEXT);
    text_line(&b, "\\u0041", KZ_CLASSIFY_MAX_TEXT);
    text_line(&b, "\\u00e9", KZ_CLASSIFY_MAX_TEXT / 2);
    assert_int_equal(read_count(b.data, b.len), 3);
    /* one byte more (a two-byte character across the cap counts whole) */
    text_line(&b, "\\u00e9", KZ_CLASSIFY_MAX_TEXT / 2 + 1);
    expect_error(b.data, b.len, KZ_ETOOBIG, "line 4: \"text\" longer than 65536 bytes");
    kz_buf_reset(&b);
    text_line(&b, "a", KZ_CLASSIFY_MAX_TEXT + 1);
    expect_error(b.data, b.len, KZ_ETOOBIG, "line 1: \"text\" longer than 65536 bytes");
    kz_buf_release(&b);
}

static void test_line_cap(void **state)
{
    (void)state;
    kz_buf b;
    kz_buf_init(&b, 0);
    assert_int_equal(kz_buf_append_str(&b, "\n{\"text\": \"a\", \"attack_id\": \"T1\"}\n"), KZ_OK);
    /* 200,000 escapes of six bytes: 1.2 MB on one line */
    text_line(&b, "\\u0041", 200000);
    expect_error(b.data, b.len, KZ_ETOOBIG, "line 3: longer than 1048576 bytes");
    kz_buf_release(&b);
}

static void test_line_count_cap(void **state)
{
    (void)state;
    size_t len = KZ_CLASSIFY_MAX_LINES + 1;
    char *t = malloc(len);
    assert_non_null(t);
    memset(t, '\n', len);
    expect_error(t, len, KZ_ETOOBIG, "line 2000001: more than 2000000 lines");
    /* exactly the cap: 2,000,000 blank lines read to nothing */
    assert_int_equal(read_count(t, len - 1), 0);
    /* an example on the last allowed line (without its newline) still counts */
    const char *last = "{\"text\":\"a\",\"attack_id\":\"T\"}";
    size_t ll = strlen(last);
    memcpy(t + len - 1, last, 1); /* unused: keeps the buffer at len bytes */
    char *u = malloc(len - 1 + ll);
    assert_non_null(u);
    memset(u, '\n', len - 2);
    memcpy(u + len - 2, last, ll); /* 1,999,999 newlines, then line 2,000,000 */
    assert_int_equal(read_count(u, len - 2 + ll), 1);
    u[len - 2 + ll] = '\n';
    assert_int_equal(read_count(u, len - 1 + ll), 1);
    free(u);
    free(t);
}

static void test_file_cap(void **state)
{
    (void)state;
    /* the size is checked before a byte is read: a short buffer with a
     * claimed length past the cap is refused without being touched */
    const char one = '\n';
    expect_error(&one, (size_t)KZ_CLASSIFY_MAX_FILE + 1, KZ_ETOOBIG,
                 "input larger than 268435456 bytes");
}

static void test_args(void **state)
{
    (void)state;
    kz_arena *a = kz_arena_new(0);
    kz_classify_example *ex = NULL;
    size_t n = 5;
    assert_int_equal(kz_classify_read_jsonl("", 0, NULL, &ex, &n, NULL, 0), KZ_EINVAL);
    assert_int_equal(kz_classify_read_jsonl(NULL, 3, a, &ex, &n, NULL, 0), KZ_EINVAL);
    assert_int_equal(kz_classify_read_jsonl(NULL, 0, a, &ex, &n, NULL, 0), KZ_OK);
    assert_int_equal(n, 0);
    /* no error buffer, and a short one that truncates */
    assert_int_equal(kz_classify_read_jsonl("[]", 2, a, &ex, &n, NULL, 0), KZ_EPARSE);
    char small[8];
    assert_int_equal(kz_classify_read_jsonl("[]", 2, a, &ex, &n, small, sizeof small), KZ_EPARSE);
    assert_string_equal(small, "line 1:");
    kz_arena_free(a);
}

/* Every allocation the reader makes may fail: the result is KZ_ENOMEM with
 * a message, nothing returned, no leak; and eventually the read succeeds. */
static void test_alloc_failures(void **state)
{
    (void)state;
    const char *in = "{\"text\": \"a\", \"attack_id\": \"T1\"}\n\n"
                     "{\"attack_id\": \"T2\", \"text\": \"bb\", \"x\": [1, {\"y\": 2}]}\n";
    int ok = 0;
    for (long k = 1; k < 200 && !ok; k++) {
        kz_arena *a = kz_arena_new(0);
        if (!a)
            continue;
        kz_classify_example *ex = NULL;
        size_t n = 9;
        char err[128] = "";
        kz_alloc_fail_after(k, 1);
        kz_err rc = kz_classify_read_jsonl(in, strlen(in), a, &ex, &n, err, sizeof err);
        kz_alloc_fail_after(0, 0);
        if (rc == KZ_OK) {
            assert_int_equal(n, 2);
            assert_string_equal(ex[1].label, "T2");
            ok = 1;
        } else {
            assert_int_equal(rc, KZ_ENOMEM);
            assert_true(err[0] != '\0');
            assert_null(ex);
            assert_int_equal(n, 9);
        }
        kz_arena_free(a);
    }
    assert_true(ok);
}

static void check_real(const char *rel, size_t want)
{
    char path[512];
    const char *root = getenv("KZ_ROOT");
    snprintf(path, sizeof path, "%s/%s", root ? root : ".", rel);
    size_t len;
    char *buf = slurp(path, &len);
    kz_arena *a = kz_arena_new(1 << 20);
    kz_classify_example *ex = NULL;
    size_t n = 0;
    char err[256] = "";
    kz_err rc = kz_classify_read_jsonl(buf, len, a, &ex, &n, err, sizeof err);
    if (rc)
        fprintf(stderr, "%s: %s\n", rel, err);
    assert_int_equal(rc, KZ_OK);
    assert_int_equal(n, want);
    for (size_t i = 0; i < n; i++) {
        size_t ll = strlen(ex[i].label);
        assert_true(ll > 0 && ll < KZ_CLASSIFY_MAX_LABEL);
        assert_true(ex[i].len > 0 && ex[i].len <= KZ_CLASSIFY_MAX_TEXT);
        assert_true(ex[i].label[0] == 'T' || strcmp(ex[i].label, KZ_CLASSIFY_NONE) == 0);
    }
    kz_arena_free(a);
    kz_free(buf);
}

static void test_real_data(void **state)
{
    (void)state;
    check_real("data/attack/tram-heldout.jsonl", 815);
    check_real("data/attack/tram-train.jsonl", 3256);
    check_real("data/attack/procedures.jsonl", 16017);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_data_files),     cmocka_unit_test(test_text_cap),
        cmocka_unit_test(test_line_cap),       cmocka_unit_test(test_line_count_cap),
        cmocka_unit_test(test_file_cap),       cmocka_unit_test(test_args),
        cmocka_unit_test(test_alloc_failures), cmocka_unit_test(test_real_data),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
