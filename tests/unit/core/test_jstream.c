/* test_jstream.c - the streaming splitter: bundles, envelopes, arrays and
 * single objects, from memory and from files larger than its read chunk;
 * header members on both sides of "objects"; errors with positions; the
 * element cap; and the real ATT&CK for ICS bundle (1,826 objects). */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "kizuna/json.h"

typedef struct {
    size_t n;
    kz_err end;
    char first[64];
    size_t last_line;
} run_result;

static run_result run(kz_jstream *s)
{
    run_result r = {0};
    kz_jstream_element el;
    kz_err rc;
    kz_arena *a = kz_arena_new(0);
    while ((rc = kz_jstream_next(s, &el)) == KZ_OK) {
        kz_json *v;
        assert_int_equal(kz_json_parse(a, el.data, el.len, NULL, &v, NULL), KZ_OK);
        assert_int_equal(el.index, r.n);
        if (r.n == 0)
            snprintf(r.first, sizeof r.first, "%.*s", (int)(el.len < 63 ? el.len : 63), el.data);
        r.last_line = el.line;
        r.n++;
        kz_arena_reset(a);
    }
    r.end = rc;
    kz_arena_free(a);
    return r;
}

static run_result run_mem(const char *doc, kz_jstream **keep)
{
    kz_jstream *s = kz_jstream_new_mem(doc, strlen(doc), 0);
    assert_non_null(s);
    run_result r = run(s);
    if (keep)
        *keep = s;
    else
        kz_jstream_free(s);
    return r;
}

static void test_bundle(void **state)
{
    (void)state;
    kz_jstream *s;
    run_result r = run_mem("{\"type\":\"bundle\",\"id\":\"bundle--1\",\n\"objects\":[\n{\"a\":1},\n"
                           "{\"b\":\"]}\\\"[{\"}, [1,2] , \"x\", 3 ],\"spec_version\":\"2.0\"}", &s);
    assert_int_equal(r.end, KZ_EOF);
    assert_int_equal(r.n, 5);
    assert_string_equal(r.first, "{\"a\":1}");
    assert_int_equal(kz_jstream_get_kind(s), KZ_JSTREAM_CONTAINER);
    const kz_json *h = kz_jstream_header(s);
    assert_string_equal(kz_json_get_string(h, "type"), "bundle");
    assert_string_equal(kz_json_get_string(h, "spec_version"), "2.0");
    assert_null(kz_json_get(h, "objects"));
    kz_jstream_free(s);
}

static void test_kinds(void **state)
{
    (void)state;
    kz_jstream *s;
    run_result r = run_mem(" [ {\"a\":1} , {\"b\":2} ] ", &s);
    assert_int_equal(r.end, KZ_EOF);
    assert_int_equal(r.n, 2);
    assert_int_equal(kz_jstream_get_kind(s), KZ_JSTREAM_ARRAY);
    assert_null(kz_jstream_header(s));
    kz_jstream_free(s);

    r = run_mem("{\"type\":\"indicator\",\"objects\":{\"0\":{}},\"x\":[1]}", &s);
    assert_int_equal(r.end, KZ_EOF);
    assert_int_equal(r.n, 1);
    assert_int_equal(kz_jstream_get_kind(s), KZ_JSTREAM_SINGLE);
    assert_string_equal(r.first, "{\"type\":\"indicator\",\"objects\":{\"0\":{}},\"x\":[1]}");
    kz_jstream_free(s);

    r = run_mem("{\"more\":false,\"objects\":[]}", &s);
    assert_int_equal(r.end, KZ_EOF);
    assert_int_equal(r.n, 0);
    assert_int_equal(kz_jstream_get_kind(s), KZ_JSTREAM_CONTAINER);
    kz_jstream_free(s);

    r = run_mem("[]", NULL);
    assert_int_equal(r.end, KZ_EOF);
    assert_int_equal(r.n, 0);
    r = run_mem("{}", NULL);
    assert_int_equal(r.end, KZ_EOF);
    assert_int_equal(r.n, 1);
}

static void test_errors(void **state)
{
    (void)state;
    static const struct {
        const char *doc;
        size_t good; /* elements delivered before the error */
        size_t offset;
    } cases[] = {
        {"", 0, 0},
        {"42", 0, 0},
        {"{\"objects\":[{\"a\":1},{\"b\":", 1, 25},
        {"{\"objects\":[{\"a\":1}] x", 1, 21},
        {"{\"objects\":[{\"a\":1}]} x", 1, 22},
        {"[{\"a\":1}{\"b\":2}]", 1, 8},
        {"[{\"a\":[1}]", 0, 8},
        {"{\"objects\":[{\"a\":1}],\"objects\":[]}", 1, 31},
        {"{\"type\" \"bundle\"}", 0, 8},
        {"[\"abc", 0, 5},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        kz_jstream *s;
        run_result r = run_mem(cases[i].doc, &s);
        if (r.end == KZ_EOF || r.end == KZ_OK)
            fail_msg("case %zu (%s) should fail", i, cases[i].doc);
        assert_int_equal(r.n, cases[i].good);
        const kz_json_error *e = kz_jstream_error(s);
        if (e->offset != cases[i].offset)
            fail_msg("case %zu: offset %zu, expected %zu (%s)", i, e->offset, cases[i].offset, e->msg);
        assert_true(e->msg[0]);
        kz_jstream_free(s);
    }
}

/* A file several read chunks long, with an element larger than one chunk. */
static void test_file_chunks(void **state)
{
    (void)state;
    char path[] = "/tmp/kz-jstream-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("{\"type\":\"bundle\",\"objects\":[\n", f);
    size_t n = 3000;
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "%s{\"i\":%zu,\"pad\":\"", i ? ",\n" : "", i);
        size_t pad = i == 1500 ? 3 * 1024 * 1024 : 700;
        for (size_t k = 0; k < pad; k++)
            fputc(k % 97 == 0 ? '\\' : 'x', f), k % 97 == 0 ? fputc('"', f) : 0;
        fputs("\"}", f);
    }
    fputs("\n],\"id\":\"bundle--x\"}\n", f);
    fflush(f);
    int rfd = open(path, O_RDONLY);
    kz_jstream *s = kz_jstream_new_fd(rfd, 0);
    run_result r = run(s);
    assert_int_equal(r.end, KZ_EOF);
    assert_int_equal(r.n, n);
    assert_int_equal(r.last_line, n + 1);
    assert_string_equal(kz_json_get_string(kz_jstream_header(s), "id"), "bundle--x");
    kz_jstream_free(s);
    close(rfd);

    /* The same file with a 1 MiB element cap: the 3 MiB element is refused. */
    rfd = open(path, O_RDONLY);
    s = kz_jstream_new_fd(rfd, 1024 * 1024);
    r = run(s);
    assert_int_equal(r.end, KZ_ETOOBIG);
    assert_int_equal(r.n, 1500);
    kz_jstream_free(s);
    close(rfd);
    fclose(f);
    unlink(path);
}

/* kz_jstream_each_fd: every element in order, a callback error stops it,
 * a broken document is KZ_EPARSE with "at byte N: ..." (an element over the
 * cap too). */
typedef struct each_ctx {
    size_t n, stop_at;
    char first[16];
} each_ctx;

static kz_err count_el(void *ctx, const char *data, size_t len)
{
    each_ctx *c = ctx;
    if (c->n == 0)
        snprintf(c->first, sizeof c->first, "%.*s", (int)(len < 15 ? len : 15), data);
    return ++c->n == c->stop_at ? KZ_EEXIST : KZ_OK;
}

static int doc_fd(const char *doc)
{
    char path[] = "/tmp/kz-jeach-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    unlink(path);
    assert_int_equal(write(fd, doc, strlen(doc)), (ssize_t)strlen(doc));
    assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
    return fd;
}

static void test_each_fd(void **state)
{
    (void)state;
    const char *good = "{\"type\":\"bundle\",\"objects\":[{\"a\":1},{\"b\":2},{\"c\":3}]}";
    char msg[128];
    each_ctx c = {0};
    int fd = doc_fd(good);
    assert_int_equal(kz_jstream_each_fd(fd, 0, count_el, &c, msg, sizeof msg), KZ_OK);
    assert_int_equal(c.n, 3);
    assert_string_equal(c.first, "{\"a\":1}");
    assert_string_equal(msg, "");
    close(fd);

    c = (each_ctx){.stop_at = 2};
    fd = doc_fd(good);
    assert_int_equal(kz_jstream_each_fd(fd, 0, count_el, &c, msg, sizeof msg), KZ_EEXIST);
    assert_int_equal(c.n, 2);
    close(fd);

    c = (each_ctx){0};
    fd = doc_fd("[{\"a\":1},{\"b\":2");
    assert_int_equal(kz_jstream_each_fd(fd, 0, count_el, &c, msg, sizeof msg), KZ_EPARSE);
    assert_int_equal(c.n, 1);
    assert_memory_equal(msg, "at byte ", 8);
    close(fd);

    c = (each_ctx){0};
    fd = doc_fd("[{\"a\":1},{\"b\":\"0123456789012345678901234567890123456789\"}]");
    assert_int_equal(kz_jstream_each_fd(fd, 16, count_el, &c, NULL, 0), KZ_EPARSE);
    assert_int_equal(c.n, 1);
    close(fd);
}

static void test_attack_ics(void **state)
{
    (void)state;
    const char *shared = getenv("KZ_SHARED");
    char path[1024];
    snprintf(path, sizeof path, "%s/data/stix/ics-attack-18.1.json", shared ? shared : "../shared");
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        fail_msg("cannot open %s", path);
    kz_jstream *s = kz_jstream_new_fd(fd, 0);
    run_result r = run(s);
    assert_int_equal(r.end, KZ_EOF);
    assert_int_equal(r.n, 1826);
    assert_string_equal(kz_json_get_string(kz_jstream_header(s), "type"), "bundle");
    kz_jstream_free(s);
    close(fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bundle),      cmocka_unit_test(test_kinds),
        cmocka_unit_test(test_errors),      cmocka_unit_test(test_file_chunks),
        cmocka_unit_test(test_attack_ics), cmocka_unit_test(test_each_fd),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
