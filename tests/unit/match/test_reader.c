/* test_reader.c - unit tests for the log readers and sources of lib/match
 * (reader_core.c, reader_zeek.c, reader_json.c, reader_text.c, logsrc.c):
 * every log of tests/data/match/logs/ is read and its fields, times and
 * bad lines dumped and compared with <log>.fields beside it
 * (KZ_REGEN=1 rewrites those files: review the diff). Plus the details:
 * time forms, detection, over-long lines at a buffer edge, gzip damage,
 * out of memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "kizuna/alloc.h"
#include "kizuna/buf.h"
#include "kizuna/match_log.h"

#define DATA "tests/data/match/logs/"

static const char *const kind_names[KZ_MATCH_KIND_COUNT] = {
    "ipv4", "ipv6", "domain", "url", "email", "md5", "sha1", "sha256",
    "sha512", "sha3-256", "sha3-512", "ssdeep", "tlsh", "other",
};

typedef struct dump {
    kz_buf out;
} dump;

static int on_rec(void *ctx, const kz_logrec *r)
{
    dump *d = ctx;
    char t[KZ_TIME_MAX] = "-";
    kz_time when;
    if (kz_logrec_time(r, &when))
        kz_time_format(&when, t);
    for (size_t i = 0; i < r->n_fields; i++) {
        const kz_match_field *f = &r->fields[i];
        kz_buf_printf(&d->out, "%llu %s %s %s%s%s %.*s\n", (unsigned long long)r->line, t,
                      r->names[i], kind_names[f->kind], f->property ? ":" : "",
                      f->property ? f->property : "", (int)f->len, f->value);
    }
    return 0;
}

static void on_bad(void *ctx, const char *source, uint64_t line, const char *why)
{
    dump *d = ctx;
    const char *base = strrchr(source, '/');
    kz_buf_printf(&d->out, "bad %s:%llu %s\n", base ? base + 1 : source,
                  (unsigned long long)line, why);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    kz_buf b;
    kz_buf_init(&b, 0);
    char tmp[4096];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
        kz_buf_append(&b, tmp, n);
    fclose(f);
    return kz_buf_detach(&b, len);
}

/* Reads the given sources with one reader (as one `kizuna match` run) and
 * compares with DATA<expect>. */
static void check_case(const char *expect, const char *const *paths, size_t n, kz_logfmt fmt)
{
    dump d;
    kz_buf_init(&d.out, 0);
    kz_logreader_opts o = {.format = fmt, .max_line = 4096, .on_bad = on_bad, .bad_ctx = &d,
                           .max_bad_reported = 100};
    kz_logreader *r = kz_logreader_new(&o);
    assert_non_null(r);
    for (size_t i = 0; i < n; i++) {
        char path[512], err[256];
        snprintf(path, sizeof path, DATA "%s", paths[i]);
        kz_err rc = kz_logsrc_read(r, path, NULL, on_rec, &d, err, sizeof err);
        kz_buf_printf(&d.out, "source %s format %s rc %s\n", paths[i],
                      kz_logfmt_name(kz_logreader_format(r)), kz_errname(rc));
    }
    const kz_logstats *st = kz_logreader_stats(r);
    kz_buf_printf(&d.out, "stats lines %llu records %llu values %llu bad %llu\n",
                  (unsigned long long)st->lines, (unsigned long long)st->records,
                  (unsigned long long)st->values, (unsigned long long)st->bad_lines);
    kz_logreader_free(r);

    char want_path[512];
    snprintf(want_path, sizeof want_path, DATA "%s", expect);
    const char *regen = getenv("KZ_REGEN");
    if (regen && *regen == '1') {
        FILE *f = fopen(want_path, "wb");
        assert_non_null(f);
        fwrite(d.out.data, 1, d.out.len, f);
        fclose(f);
    }
    size_t wl = 0;
    char *want = slurp(want_path, &wl);
    if (!want)
        fail_msg("missing %s (run with KZ_REGEN=1)", want_path);
    if (wl != d.out.len || memcmp(want, d.out.data, wl) != 0) {
        fprintf(stderr, "---- got for %s:\n%s", expect, d.out.data);
        fail_msg("output differs from %s", want_path);
    }
    free(want);
    kz_buf_release(&d.out);
}

#define CASE(name, expect, fmt, ...)                                                   \
    static void name(void **state)                                                     \
    {                                                                                  \
        (void)state;                                                                   \
        static const char *const p[] = {__VA_ARGS__};                                  \
        check_case(expect, p, sizeof p / sizeof p[0], fmt);                            \
    }

CASE(test_zeek_conn, "conn.log.fields", KZ_LOG_AUTO, "conn.log")
CASE(test_zeek_dns, "dns.log.fields", KZ_LOG_AUTO, "dns.log")
CASE(test_zeek_http, "http.log.fields", KZ_LOG_AUTO, "http.log")
CASE(test_zeek_files, "files.log.fields", KZ_LOG_AUTO, "files.log")
CASE(test_zeek_smtp, "smtp.log.fields", KZ_LOG_AUTO, "smtp.log")
CASE(test_zeek_nofields, "nofields.log.fields", KZ_LOG_AUTO, "nofields.log")
/* several Zeek files with different #fields through one reader, and the
 * same two concatenated in one file and gzip-compressed */
CASE(test_zeek_merged, "merged.fields", KZ_LOG_AUTO, "conn.log", "dns.log")
CASE(test_zeek_concat_gz, "merged.log.gz.fields", KZ_LOG_AUTO, "merged.log.gz")
CASE(test_zeek_json, "zeek.json.fields", KZ_LOG_AUTO, "zeek.json")
CASE(test_eve, "eve.json.fields", KZ_LOG_AUTO, "eve.json")
CASE(test_text, "syslog.log.fields", KZ_LOG_AUTO, "syslog.log")
/* --format text on JSON: every token of the line */
CASE(test_forced_text, "eve.text.fields", KZ_LOG_TEXT, "eve.json")

static void test_detect(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        kz_logfmt want;
    } cases[] = {
        {"#separator \\x09\n#set_separator\t,\n", KZ_LOG_ZEEK},
        {"#fields\tts\tuid\n", KZ_LOG_ZEEK},
        {"\n\n{\"timestamp\":\"x\",\"event_type\":\"dns\"}\n", KZ_LOG_EVE},
        {"{\"ts\":1.0,\"uid\":\"C\"}", KZ_LOG_ZEEK_JSON},
        {"{\"a\":1}\n", KZ_LOG_TEXT},
        {"May  1 10:00:00 host x", KZ_LOG_TEXT},
        {"", KZ_LOG_TEXT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(kz_logfmt_detect(cases[i].text, strlen(cases[i].text)), cases[i].want);
    kz_logfmt f;
    assert_int_equal(kz_logfmt_parse("zeek-json", &f), KZ_OK);
    assert_int_equal(f, KZ_LOG_ZEEK_JSON);
    assert_int_equal(kz_logfmt_parse("csv", &f), KZ_EINVAL);
    assert_string_equal(kz_logfmt_name(KZ_LOG_EVE), "eve");
    assert_null(kz_logfmt_name(KZ_LOG__COUNT));
}

static int count_rec(void *ctx, const kz_logrec *r)
{
    (*(size_t *)ctx) += r->n_fields;
    return 0;
}

/* Over-long lines around the source's 1 MiB read size: counted, skipped
 * to their newline, and the lines after them read with the right numbers. */
static void test_long_lines(void **state)
{
    (void)state;
    char path[] = "/tmp/kz_test_reader_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("a 192.0.2.1\n", f);
    for (int i = 0; i < 3 * 1024 * 1024; i++)
        fputc('x', f);
    fputs(" 192.0.2.2\nb 192.0.2.3\n", f);
    for (int i = 0; i < 5000; i++)
        fputc('y', f);
    fputs("\nc 192.0.2.4", f); /* no final newline */
    fclose(f);
    size_t n = 0;
    kz_logreader_opts o = {.format = KZ_LOG_TEXT, .max_line = 4096};
    kz_logreader *r = kz_logreader_new(&o);
    assert_non_null(r);
    assert_int_equal(kz_logsrc_read(r, path, NULL, count_rec, &n, NULL, 0), KZ_OK);
    assert_int_equal(n, 3);
    assert_int_equal(kz_logreader_stats(r)->bad_lines, 2);
    assert_int_equal(kz_logreader_stats(r)->lines, 5);
    kz_logreader_free(r);
    unlink(path);
}

/* The text reader cuts lines of up to 4096 bytes with SIMD bitmaps and
 * longer ones byte by byte with the class table: for every byte value as
 * the separator between tokens, both paths must give the same fields (the
 * long line is the short one padded with blanks past 4096 bytes). */
static void text_fields(const char *line, size_t len, kz_buf *out)
{
    dump d;
    kz_buf_init(&d.out, 0);
    kz_logreader_opts o = {.format = KZ_LOG_TEXT, .max_line = 8192};
    kz_logreader *r = kz_logreader_new(&o);
    assert_non_null(r);
    assert_int_equal(kz_logreader_line(r, line, len, 1, on_rec, &d), KZ_OK);
    kz_logreader_free(r);
    *out = d.out;
}

static const char h128[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
                           "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

static void test_text_masks(void **state)
{
    (void)state;
    static const char *const toks[] = {
        "evil.com", "10.1.2.3", "http://x.example/p?q=1", "user@mail.example",
        "[2001:db8::1]:80", "d41d8cd98f00b204e9800998ecf8427e", "host.example:8080", "a:b",
        "TCP_MISS/200", "1.2.3.4.", "0123456789012345678901234567890", "x",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        h128,
        "da39a3ee5e6b4b0d3255bfef95601890afd80709", "ftp://a.example/", "Evil.COM",
    };
    char line[6000];
    for (int b = 0; b < 256; b++) {
        size_t n = 0;
        for (int rep = 0; rep < 3; rep++) {
            for (size_t i = 0; i < sizeof toks / sizeof toks[0]; i++) {
                size_t tl = strlen(toks[i]);
                memcpy(line + n, toks[i], tl);
                n += tl;
                line[n++] = (char)b;
            }
        }
        kz_buf a, l;
        text_fields(line, n, &a);
        memset(line + n, ' ', 4200);
        text_fields(line, n + 4200, &l);
        assert_int_equal(a.len, l.len);
        assert_true(a.len == 0 || memcmp(a.data, l.data, a.len) == 0);
        kz_buf_release(&a);
        kz_buf_release(&l);
    }
}

static void test_missing_and_bad_gzip(void **state)
{
    (void)state;
    char err[256];
    size_t n = 0;
    kz_logreader *r = kz_logreader_new(NULL);
    assert_non_null(r);
    assert_int_equal(kz_logsrc_read(r, DATA "nope.log", NULL, count_rec, &n, err, sizeof err),
                     KZ_EIO);
    assert_non_null(strstr(err, "cannot open"));
    assert_non_null(strstr(err, "no such file"));
    /* a gzip file cut short: the lines before the damage are read */
    size_t len;
    char *gz = slurp(DATA "merged.log.gz", &len);
    assert_non_null(gz);
    char path[] = "/tmp/kz_test_reader_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, gz, len - 20), (ssize_t)(len - 20));
    close(fd);
    free(gz);
    assert_int_equal(kz_logsrc_read(r, path, NULL, count_rec, &n, err, sizeof err), KZ_EPARSE);
    assert_non_null(strstr(err, "gzip"));
    assert_true(n > 0);
    kz_logreader_free(r);
    unlink(path);
}

/* A gzip file larger than one compressed read (256 KiB): the first read
 * (up to the line buffer's 1 MiB and more) is handed to zlib whole - it
 * once overflowed the 256 KiB input buffer. 400 members, each the small
 * test log: 400 times its records. */
static void test_big_gzip(void **state)
{
    (void)state;
    size_t len, one = 0, n = 0;
    char *gz = slurp(DATA "merged.log.gz", &len);
    assert_non_null(gz);
    char path[] = "/tmp/kz_test_reader_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    size_t copies = 0;
    while (copies * len < 600 * 1024) {
        assert_int_equal(write(fd, gz, len), (ssize_t)len);
        copies++;
    }
    close(fd);
    free(gz);
    kz_logreader *r = kz_logreader_new(NULL);
    assert_non_null(r);
    assert_int_equal(kz_logsrc_read(r, DATA "merged.log.gz", NULL, count_rec, &one, NULL, 0), KZ_OK);
    assert_true(one > 0);
    assert_int_equal(kz_logsrc_read(r, path, NULL, count_rec, &n, NULL, 0), KZ_OK);
    assert_int_equal(n, copies * one);
    kz_logreader_free(r);
    unlink(path);
}

static void test_oom(void **state)
{
    (void)state;
    for (long i = 1; i < 10; i++) {
        kz_alloc_fail_after(i, 1);
        kz_logreader *r = kz_logreader_new(NULL);
        kz_err rc = KZ_ENOMEM;
        size_t n = 0;
        if (r)
            rc = kz_logsrc_read(r, DATA "merged.log.gz", NULL, count_rec, &n, NULL, 0);
        kz_alloc_fail_after(0, 0);
        assert_true(rc == KZ_OK || rc == KZ_ENOMEM);
        kz_logreader_free(r);
    }
}

static int stop_first(void *ctx, const kz_logrec *r)
{
    (void)r;
    (*(size_t *)ctx)++;
    return 1;
}

static void test_stop(void **state)
{
    (void)state;
    size_t n = 0;
    kz_logreader *r = kz_logreader_new(NULL);
    assert_int_equal(kz_logsrc_read(r, DATA "eve.json", NULL, stop_first, &n, NULL, 0), KZ_OK);
    assert_int_equal(n, 1);
    kz_logreader_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_zeek_conn),      cmocka_unit_test(test_zeek_dns),
        cmocka_unit_test(test_zeek_http),      cmocka_unit_test(test_zeek_files),
        cmocka_unit_test(test_zeek_smtp),      cmocka_unit_test(test_zeek_nofields),
        cmocka_unit_test(test_zeek_merged),    cmocka_unit_test(test_zeek_concat_gz),
        cmocka_unit_test(test_zeek_json),      cmocka_unit_test(test_eve),
        cmocka_unit_test(test_text),           cmocka_unit_test(test_forced_text),
        cmocka_unit_test(test_detect),         cmocka_unit_test(test_long_lines),
        cmocka_unit_test(test_text_masks),
        cmocka_unit_test(test_missing_and_bad_gzip), cmocka_unit_test(test_big_gzip),
        cmocka_unit_test(test_oom),
        cmocka_unit_test(test_stop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
