/* test_scan_blocks.c - the scanner's block-wise fast paths at their edges:
 * a line ending anywhere in a 64-byte block (the finders' bitmaps are
 * built from whole blocks, read past the line's end when the input goes
 * on, with the bits from the end on cleared), lines that went through
 * NFKC or refanging (their buffers are padded with zeros), the input's
 * end, a hard cut of an overlong line, and the lazy refang (a line whose
 * trigger was a false alarm is not copied, one rewritten after a long
 * prefix keeps its offsets). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kizuna/extract.h"
#include "scan_rec.h"

static const char md5[] = "9bc1f518c063ee1bb7d2095df3ab04f5";

/* A line of pad bytes of prose (after an optional head), then an MD5 that
 * ends the line, then a line that starts with hex letters and holds ':'
 * and '@', which must not count for the first. */
static void line_end_case(const char *head, size_t pad)
{
    char t[600];
    size_t k = 0, hl = strlen(head);
    memcpy(t, head, hl);
    k = hl;
    for (size_t i = 0; i < pad; i++)
        t[k++] = (i % 6 == 5) ? ' ' : 'w';
    t[k++] = ' ';
    size_t at = k;
    memcpy(t + k, md5, 32);
    k += 32;
    const char *next = "\nabcdef:x@y cafe";
    memcpy(t + k, next, strlen(next));
    k += strlen(next);
    rec r = {0};
    assert_int_equal(kz_extract_scan(t, k, NULL, record, &r), KZ_OK);
    if (r.n != 1)
        fail_msg("head '%s' pad %zu: %zu hits", head, pad, r.n);
    assert_int_equal(r.type[0], KZ_IOC_MD5);
    assert_string_equal(r.value[0], md5);
    assert_int_equal(r.off[0], at);
    assert_int_equal(r.len[0], 32);
    assert_int_equal(r.line[0], 1);
}

static void test_line_ends(void **state)
{
    (void)state;
    /* every place of the line end in a 64-byte block, three times over:
     * a line read in place, one that needs NFKC (full-width 'Ａ'), one that
     * is refanged (its buffers are padded with zeros) */
    for (size_t pad = 0; pad < 200; pad++) {
        line_end_case("", pad);
        line_end_case("\xef\xbc\xa1 ", pad);
        line_end_case("x[.]y ", pad);
    }
}

/* The same, with the input ending right after the hash: nothing to read
 * past the line in the input itself (ASan would say so). */
static void test_input_end(void **state)
{
    (void)state;
    for (size_t pad = 0; pad < 140; pad++) {
        char t[300];
        size_t k = 0;
        for (size_t i = 0; i < pad; i++)
            t[k++] = (i % 5 == 4) ? ' ' : 'q';
        t[k++] = ' ';
        memcpy(t + k, md5, 32);
        k += 32;
        rec r = {0};
        assert_int_equal(kz_extract_scan(t, k, NULL, record, &r), KZ_OK);
        assert_int_equal(r.n, 1);
        assert_int_equal(r.off[0], pad + 1);
    }
}

/* A line cut hard at 1 MiB (no space in its second half) goes on with no
 * separator: a hash that ends at the cut is a word of 32, not one that
 * runs on into the next piece. */
static void test_hard_cut(void **state)
{
    (void)state;
    size_t max = (size_t)1 << 20, n = max + 40;
    char *t = malloc(n);
    assert_non_null(t);
    for (size_t i = 0; i < max / 2; i++)
        t[i] = (i % 7 == 6) ? ' ' : 'k';
    memset(t + max / 2, ',', max / 2 - 32);
    memcpy(t + max - 32, md5, 32);
    memset(t + max, 'x', n - max);
    rec r = {0};
    assert_int_equal(kz_extract_scan(t, n, NULL, record, &r), KZ_OK);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.type[0], KZ_IOC_MD5);
    assert_int_equal(r.off[0], max - 32);
    assert_int_equal(r.len[0], 32);
    free(t);
}

static void test_lazy_refang(void **state)
{
    (void)state;
    /* 。 after a word is a trigger but no dot here ("1d5e。ログ"); the
     * defanged IP after it is rewritten, so its offset and length are
     * those of the text as written */
    const char *t = "ab1d5e\xe3\x80\x82\xe3\x83\xad\xe3\x82\xb0 10.0.0[.]1 and evil[.]com";
    rec r = {0};
    assert_int_equal(kz_extract_scan(t, strlen(t), NULL, record, &r), KZ_OK);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.type[0], KZ_IOC_IPV4);
    assert_string_equal(r.value[0], "10.0.0.1");
    assert_int_equal(r.off[0], (size_t)(strstr(t, "10.0.0[.]1") - t));
    assert_int_equal(r.len[0], strlen("10.0.0[.]1"));
    assert_true(r.fanged[0]);
    assert_int_equal(r.type[1], KZ_IOC_DOMAIN);
    assert_string_equal(r.value[1], "evil.com");
    assert_int_equal(r.off[1], (size_t)(strstr(t, "evil[.]com") - t));
    assert_true(r.fanged[1]);

    /* a false trigger only: nothing is rewritten, plain offsets */
    const char *u = "( see 1.2.3.4 ) and ab1d5e\xe3\x80\x82\xe3\x83\xad";
    memset(&r, 0, sizeof r);
    assert_int_equal(kz_extract_scan(u, strlen(u), NULL, record, &r), KZ_OK);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.value[0], "1.2.3.4");
    assert_int_equal(r.off[0], 6);
    assert_int_equal(r.len[0], 7);
    assert_false(r.fanged[0]);

    /* NFKC and a defang far into the line: both maps kept */
    char v[400];
    int w = snprintf(v, sizeof v, "%s%s%s",
                     "\xef\xbd\x85\xef\xbd\x96\xef\xbd\x89\xef\xbd\x8c\xef\xbc\x8e\xef\xbd\x83"
                     "\xef\xbd\x8f\xef\xbd\x8d ",
                     "padding padding padding padding padding padding padding padding padding ",
                     "x 192.0.2[.]7 end");
    memset(&r, 0, sizeof r);
    assert_int_equal(kz_extract_scan(v, (size_t)w, NULL, record, &r), KZ_OK);
    assert_int_equal(r.n, 2);
    assert_string_equal(r.value[0], "evil.com");
    assert_int_equal(r.off[0], 0);
    assert_int_equal(r.len[0], 24); /* eight full-width characters */
    assert_false(r.fanged[0]);
    assert_string_equal(r.value[1], "192.0.2.7");
    assert_int_equal(r.off[1], (size_t)(strstr(v, "192.0.2[.]7") - v));
    assert_int_equal(r.len[1], strlen("192.0.2[.]7"));
    assert_true(r.fanged[1]);
}

/* The survey lists where refang must look (brackets, a dot before a
 * closing bracket or a non-ASCII byte, the ideographic marks); past 64
 * such places refang scans for them itself. Either way every defanged
 * form after a first one and k false alarms ("(x)", "a.「b」") is
 * rewritten, with its offset and length in the text as written. */
static void test_refang_list(void **state)
{
    (void)state;
    static const char *const noise[] = {"(x) ", ("a.\xe3\x80\x8c" "b\xe3\x80\x8d "), "[q] ",
                                        "z.\xe3\x83\xad "};
    for (size_t form = 0; form < 4; form++) {
        for (size_t k = 0; k < 80; k += (k < 60 ? 7 : 1)) {
            char t[2000];
            size_t n = 0, nl = strlen(noise[form]);
            const char *head = "evil[.]com ", *tail = "10.0.0(.)1 bad\\.org x\xe3\x80\x82jp";
            memcpy(t, head, strlen(head));
            n = strlen(head);
            for (size_t i = 0; i < k; i++) {
                memcpy(t + n, noise[form], nl);
                n += nl;
            }
            size_t at = n;
            memcpy(t + n, tail, strlen(tail));
            n += strlen(tail);
            rec r = {0};
            assert_int_equal(kz_extract_scan(t, n, NULL, record, &r), KZ_OK);
            if (r.n != 4)
                fail_msg("form %zu k %zu: %zu hits", form, k, r.n);
            assert_string_equal(r.value[0], "evil.com");
            assert_int_equal(r.off[0], 0);
            assert_int_equal(r.len[0], 10);
            assert_true(r.fanged[0]);
            assert_string_equal(r.value[1], "10.0.0.1");
            assert_int_equal(r.off[1], at);
            assert_int_equal(r.len[1], 10);
            assert_string_equal(r.value[2], "bad.org");
            assert_int_equal(r.off[2], at + 11);
            assert_int_equal(r.len[2], 8);
            assert_string_equal(r.value[3], "x.jp");
            assert_int_equal(r.off[3], at + 20);
            assert_int_equal(r.len[3], 6);
        }
    }
}

/* Japanese text up to a dot and one ASCII label, and ASCII runs of
 * letters, digits and dots: the ones that can make no hit are passed over
 * without walking them (find_words); every other shape still goes through
 * the runs. */
static void test_dotted_runs(void **state)
{
    (void)state;
    static const struct {
        const char *text, *value; /* value of the last hit, NULL: none */
        size_t n, off, len;
    } cases[] = {
        {"\xe8\xa6\x8b\xe7\xa9\x8d\xe6\x9b\xb8.docx \xe3\x81\xa8", NULL, 0, 0, 0},
        {"\xe8\xa6\x8b\xe7\xa9\x8d\xe6\x9b\xb8.com \xe3\x81\xa8", "xn--rov434bp8k.com", 1, 0, 13},
        {"\xe3\x83\x95\xe3\x82\xa1\xe3\x82\xa4\xe3\x83\xab.T1059 \xe3\x82\x92", "T1059", 1, 13, 5},
        {"\xe3\x83\x95\xe3\x82\xa1\xe3\x82\xa4\xe3\x83\xab.exe-1 \xe3\x82\x92", NULL, 0, 0, 0},
        {"\xe3\x83\x95\xe3\x82\xa1\xe3\x82\xa4\xe3\x83\xab.docx.com", "xn--bckg9lpd.docx.com", 1, 0, 21},
        {"\xe3\x83\x95\xe3\x82\xa1\xe3\x82\xa4\xe3\x83\xab.9bc1f518c063ee1bb7d2095df3ab04f5 ok",
         "9bc1f518c063ee1bb7d2095df3ab04f5", 1, 13, 32},
        {"\xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88.jp\xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88",
         "xn--zckzah.jp", 1, 0, 12},
        /* ASCII runs with dots read from the bitmaps (dotted_nothing) */
        {"run rundll32.exe now", NULL, 0, 0, 0},
        {"e.g. evil.com", "evil.com", 1, 5, 8},
        {"fix in 8.0.1 and", NULL, 0, 0, 0},
        {"a.b-c.com x", "a.b-c.com", 1, 0, 9},
        {"x.y. z ab..cd.com", NULL, 0, 0, 0},
        {"cve.com", "cve.com", 1, 0, 7},
        {"abc.T1059 x", "T1059", 1, 4, 5},
        {"e.g.\xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88.com", "e.g.xn--zckzah.com", 1, 0, 17},
        {"a.b\xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88.jp", "xn--zckzah.jp", 1, 3, 12},
        {"hxxp://x.com/rundll32.exe y.com", "y.com", 3, 26, 5},
        {"see hxxp://a.com/ then e.g. evil.com", "evil.com", 3, 28, 8},
        {"http://a.co/x.exe.com q", "a.co", 2, 7, 4},
        {"| C2 |. (see). evil.com", "evil.com", 1, 15, 8},
        /* a TLD that is a file's extension after the only dot */
        {"Files such as invoice.zip, install.sh and stage2.py", NULL, 0, 0, 0},
        {"x.ZIP y evil.zip. z read.md clip.mov", NULL, 0, 0, 0},
        {"a.b.zip x", "a.b.zip", 1, 0, 7},
        {"ev.com.py w", "ev.com.py", 1, 0, 9},
        /* digits and three dots or more: check_dotted straight away */
        {"Version 7.2.4.1 here", NULL, 0, 0, 0},
        {"at 10.0.0.1 x", "10.0.0.1", 1, 3, 8},
        {"at 1.2.3.4.5 x 1..2.3.4 q", NULL, 0, 0, 0},
        {"ip 1.2.3.4. Next", "1.2.3.4", 1, 3, 7},
        {"ip 1.2.3.4-x", "1.2.3.4", 1, 3, 7},
        {"ip 1.2.3.4\xe3\x83\x86", "1.2.3.4", 1, 3, 7},
        {"the C2 server at 192.0.2.7:443/x/y.com z", "192.0.2.7", 1, 17, 9},
        {"12345678901234567890123456789012.1.1.1 z", "12345678901234567890123456789012", 1, 0, 32},
        {"1.5.2.0\xe7\x89\x88 x", NULL, 0, 0, 0},
        /* a URL on the line: claims, the runs as before */
        {"hxxp://a.example.com/x \xe8\xa6\x8b\xe7\xa9\x8d\xe6\x9b\xb8.com", "xn--rov434bp8k.com", 3,
         23, 13},
        {"hxxp://a.example.com/x \xe8\xa6\x8b\xe7\xa9\x8d\xe6\x9b\xb8.docx", "a.example.com", 2, 7,
         13},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        rec r = {0};
        const char *t = cases[c].text;
        assert_int_equal(kz_extract_scan(t, strlen(t), NULL, record, &r), KZ_OK);
        assert_int_equal(r.n, cases[c].n);
        if (cases[c].value) {
            assert_string_equal(r.value[r.n - 1], cases[c].value);
            assert_int_equal(r.off[r.n - 1], cases[c].off);
            assert_int_equal(r.len[r.n - 1], cases[c].len);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_line_ends),
        cmocka_unit_test(test_input_end),
        cmocka_unit_test(test_hard_cut),
        cmocka_unit_test(test_lazy_refang),
        cmocka_unit_test(test_refang_list),
        cmocka_unit_test(test_dotted_runs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
