/* test_import.c - unit tests for lib/store/import.c: the streaming import
 * with its writer thread: every batch committed and reported in order,
 * rejected objects reported with their index, idempotence, a truncated
 * document keeping committed batches only, an unknown collection. */
#include <fcntl.h>

#include "unit/store/store_fixture.h"

typedef struct seen {
    size_t commits, last_first, last_last;
    int order_bad;
    size_t rejects;
    size_t reject_index[16];
} seen;

static void on_commit(void *ctx, size_t first, size_t last)
{
    seen *s = ctx;
    if (s->commits && first <= s->last_last) /* in document order */
        s->order_bad++;
    s->commits++;
    s->last_first = first;
    s->last_last = last;
}

static void on_reject(void *ctx, size_t index, const char *path, const char *why)
{
    seen *s = ctx;
    assert_non_null(path);
    assert_true(why && *why);
    if (s->rejects < 16)
        s->reject_index[s->rejects] = index;
    s->rejects++;
}

/* Writes a bundle of n indicators (object `bad` broken if < n) to a file
 * and returns it opened for reading; cut > 0 truncates it to cut bytes. */
static int bundle_fd(fixture *fx, unsigned n, unsigned bad, size_t cut)
{
    char p[160];
    snprintf(p, sizeof p, "%s/in.json", fx->dir);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs("{\"type\":\"bundle\",\"id\":\"bundle--00000000-0000-4000-8000-000000000000\","
          "\"objects\":[",
          f);
    for (unsigned i = 0; i < n; i++)
        fprintf(f, "%s{\"type\":\"indicator\",\"spec_version\":\"2.1\","
                   "\"id\":\"indicator--00000000-0000-4000-8000-%012x\","
                   "\"created\":\"2024-01-01T00:00:00Z\",\"modified\":\"%s\","
                   "\"pattern\":\"[ipv4-addr:value = '10.0.0.1']\",\"pattern_type\":\"stix\","
                   "\"valid_from\":\"2024-01-01T00:00:00Z\"}\n",
                i ? "," : "", i, i == bad ? "not a time" : "2024-01-01T00:00:00Z");
    fputs("]}\n", f);
    fclose(f);
    if (cut)
        assert_int_equal(truncate(p, (off_t)cut), 0);
    int fd = open(p, O_RDONLY);
    assert_true(fd >= 0);
    return fd;
}

static void test_batches(void **state)
{
    fixture *fx = *state;
    fx_coll(fx, "c");
    seen sn = {0};
    kz_store_import_opts o = {.batch = 7, .on_commit = on_commit, .on_reject = on_reject,
                              .ctx = &sn};
    kz_store_import_result r;
    int fd = bundle_fd(fx, 100, 42, 0);
    assert_int_equal(kz_store_import_fd(fx->s, "c", fd, &o, &r), KZ_OK);
    close(fd);
    assert_int_equal(r.objects, 100);
    assert_int_equal(r.invalid, 1);
    assert_int_equal(r.stats.added, 99);
    assert_false(r.doc_error);
    assert_int_equal(sn.rejects, 1);
    assert_int_equal(sn.reject_index[0], 42);
    assert_int_equal(sn.order_bad, 0);
    assert_int_equal(sn.commits, r.batches);
    assert_int_equal(sn.commits, (99 + 6) / 7);
    assert_int_equal(sn.last_last, 99);
    /* again: nothing added */
    fd = bundle_fd(fx, 100, 42, 0);
    assert_int_equal(kz_store_import_fd(fx->s, "c", fd, &o, &r), KZ_OK);
    close(fd);
    assert_int_equal(r.stats.added, 0);
    assert_int_equal(r.stats.present, 99);
}

static void test_truncated(void **state)
{
    fixture *fx = *state;
    fx_coll(fx, "c");
    seen sn = {0};
    kz_store_import_opts o = {.batch = 10, .on_commit = on_commit, .ctx = &sn};
    kz_store_import_result r;
    /* each object is about 300 bytes: cut inside object ~35 */
    int fd = bundle_fd(fx, 100, 1000, 35 * 300);
    assert_int_equal(kz_store_import_fd(fx->s, "c", fd, &o, &r), KZ_OK);
    close(fd);
    assert_true(r.doc_error);
    assert_non_null(strstr(r.doc_msg, "malformed document"));
    /* only whole batches were stored, exactly the committed ones */
    kz_store_filter f = {.collection = "c"};
    int64_t n = 0;
    assert_int_equal(kz_store_count(fx->s, &f, &n), KZ_OK);
    assert_int_equal((size_t)n, r.stats.added);
    assert_int_equal(n % 10, 0);
    assert_int_equal((size_t)n, sn.commits * 10);
    assert_int_equal((size_t)n + r.doc_dropped, r.objects);
}

static void test_unknown_collection(void **state)
{
    fixture *fx = *state;
    kz_store_import_result r;
    int fd = bundle_fd(fx, 3, 1000, 0);
    assert_int_equal(kz_store_import_fd(fx->s, "nope", fd, NULL, &r), KZ_ENOTFOUND);
    close(fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_batches, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_truncated, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_unknown_collection, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
