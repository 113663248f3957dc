/* test_logsrc_map.c - unit tests for the mapped path of lib/match/logsrc.c:
 * lines that end exactly at the end of the mapping (a reader that read one
 * byte past a line would touch the page after the file and crash), and a
 * file truncated by another writer while it is being read (SIGBUS on the
 * mapping: reported as cut short, the lines before the cut kept, the
 * process alive). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "kizuna/match_log.h"

typedef struct counter {
    size_t records;
    size_t values;
    const char *cut_path; /* truncate this file ... */
    size_t cut_at;        /* ... to this many bytes at the first record */
} counter;

static int count_rec(void *ctx, const kz_logrec *r)
{
    counter *c = ctx;
    if (c->records++ == 0 && c->cut_path)
        assert_int_equal(truncate(c->cut_path, (off_t)c->cut_at), 0);
    c->values += r->n_fields;
    return 0;
}

/* Writes text, then filler lines until the file is exactly pages * page
 * bytes, the last line ending at the last byte with "tail" and no newline. */
static void write_exact(const char *path, const char *head, const char *tail, size_t total)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    size_t n = strlen(head), t = strlen(tail);
    assert_true(n + t + 2 < total);
    fputs(head, f);
    size_t left = total - n - t;
    /* filler: one comment-like line of 'x' ending in a newline */
    for (size_t i = 0; i + 1 < left; i++)
        fputc('x', f);
    fputc('\n', f);
    fputs(tail, f);
    assert_int_equal(fclose(f), 0);
}

static void read_exact(kz_logfmt fmt, const char *head, const char *tail, size_t want_values)
{
    long pg = sysconf(_SC_PAGESIZE);
    assert_true(pg > 0);
    char path[] = "/tmp/kz_test_logsrc_map_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    for (size_t pages = 1; pages <= 3; pages++) {
        write_exact(path, head, tail, pages * (size_t)pg);
        kz_logreader_opts o = {.format = fmt};
        kz_logreader *r = kz_logreader_new(&o);
        assert_non_null(r);
        counter c = {0};
        char err[256];
        assert_int_equal(kz_logsrc_read(r, path, NULL, count_rec, &c, err, sizeof err), KZ_OK);
        /* the value at the very end was read, and nothing after it */
        assert_true(c.values >= want_values);
        kz_logreader_free(r);
    }
    unlink(path);
}

static void test_line_at_mapping_end(void **state)
{
    (void)state;
    read_exact(KZ_LOG_TEXT, "Nov 26 host sshd: from 192.0.2.1\n", "from 192.0.2.77", 2);
    read_exact(KZ_LOG_TEXT, "a.example.com\n", "see http://evil.example.com/x?y=1", 2);
    read_exact(KZ_LOG_TEXT, "x\n", "d41d8cd98f00b204e9800998ecf8427e", 1);
    read_exact(KZ_LOG_ZEEK,
               "#separator \\x09\n#fields\tts\tid.orig_h\tid.resp_h\n"
               "1331901000.0\t10.0.0.1\t192.0.2.1\n#",
               "\n1331901000.0\t10.0.0.2\t192.0.2.77", 4);
    read_exact(KZ_LOG_EVE, "{\"src_ip\":\"10.0.0.1\",\"dest_ip\":\"192.0.2.1\"}\n",
               "{\"src_ip\":\"10.0.0.2\",\"dest_ip\":\"192.0.2.77\"}", 4);
}

/* 64 pages of lines; the first record's callback cuts the file to one
 * page, so everything after it raises SIGBUS in the mapping. */
static void test_truncated_while_read(void **state)
{
    (void)state;
    long pg = sysconf(_SC_PAGESIZE);
    assert_true(pg > 0);
    char path[] = "/tmp/kz_test_logsrc_map_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    size_t lines = 0;
    while (ftell(f) < 64 * pg) {
        fprintf(f, "Nov 26 12:00:%02zu host app: peer 192.0.2.%zu closed\n", lines % 60,
                lines % 250 + 1);
        lines++;
    }
    assert_int_equal(fclose(f), 0);

    kz_logreader_opts o = {.format = KZ_LOG_TEXT};
    kz_logreader *r = kz_logreader_new(&o);
    assert_non_null(r);
    counter c = {.cut_path = path, .cut_at = (size_t)pg};
    char err[256] = "";
    assert_int_equal(kz_logsrc_read(r, path, NULL, count_rec, &c, err, sizeof err), KZ_EIO);
    assert_non_null(strstr(err, "cut short"));
    assert_non_null(strstr(err, path));
    /* the lines of the first page were read, the other 63 pages were not */
    assert_true(c.records > 1);
    assert_true(c.records < lines / 8);

    /* the reader is usable afterwards, and an intact file reads whole */
    counter d = {0};
    assert_int_equal(kz_logsrc_read(r, path, NULL, count_rec, &d, err, sizeof err), KZ_OK);
    assert_true(d.records >= c.records - 1);
    kz_logreader_free(r);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_line_at_mapping_end),
        cmocka_unit_test(test_truncated_while_read),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
