/* test_query.c - unit tests for the store's query paths: filters by type,
 * id, spec_version, added_after; version selection (first, last, all, a
 * timestamp); paging with the opaque cursor and kz_store_walk (also while another thread
 * writes: no skip, no repeat); counts; the versions listing; delete. */
#include <pthread.h>

#include "unit/store/store_fixture.h"

/* Collection "c": 1 (days 1,2,3), 2 (day 1), malware 3 (days 1,2), and an
 * SCO 4; stored in that order, one batch each. */
static void load(fixture *fx)
{
    fx_coll(fx, "c");
    fx_put1(fx, "c", fx_obj(fx, "indicator", 1, fx_day(1), "a"), KZ_STORE_ADDED);
    fx_put1(fx, "c", fx_obj(fx, "indicator", 2, fx_day(1), "b"), KZ_STORE_ADDED);
    fx_put1(fx, "c", fx_obj(fx, "indicator", 1, fx_day(2), "a2"), KZ_STORE_ADDED);
    fx_put1(fx, "c", fx_obj(fx, "malware", 3, fx_day(1), "m"), KZ_STORE_ADDED);
    fx_put1(fx, "c", fx_obj(fx, "indicator", 1, fx_day(3), "a3"), KZ_STORE_ADDED);
    fx_put1(fx, "c", fx_obj(fx, "malware", 3, fx_day(2), "m2"), KZ_STORE_ADDED);
    fx_put1(fx, "c", fx_obj(fx, "ipv4-addr", 4, NULL, "10.0.0.4"), KZ_STORE_ADDED);
}

static const char *run(fixture *fx, kz_store_filter *f, fx_rec *r)
{
    memset(r, 0, sizeof *r);
    kz_err rc = kz_store_query(fx->s, f, fx_collect, r, NULL);
    if (rc)
        fail_msg("query: %s: %s", kz_errname(rc), kz_store_errmsg(fx->s));
    return r->buf;
}

static void test_versions(void **state)
{
    fixture *fx = *state;
    load(fx);
    fx_rec r;
    kz_store_filter f = {.collection = "c"};
    /* default: last version of each, in date_added order */
    assert_string_equal(run(fx, &f, &r), "2@1;1@3;3@2;4@*;");
    f.versions = KZ_STORE_V_FIRST;
    assert_string_equal(run(fx, &f, &r), "1@1;2@1;3@1;4@*;");
    f.versions = KZ_STORE_V_FIRST | KZ_STORE_V_LAST;
    assert_string_equal(run(fx, &f, &r), "1@1;2@1;3@1;1@3;3@2;4@*;");
    f.versions = KZ_STORE_V_ALL;
    assert_string_equal(run(fx, &f, &r), "1@1;2@1;1@2;3@1;1@3;3@2;4@*;");
    /* a timestamp: that exact version, written with other digits */
    const char *ts[1] = {"2021-01-02T00:00:00Z"};
    f.versions = 0;
    f.version_ts = ts;
    f.n_version_ts = 1;
    assert_string_equal(run(fx, &f, &r), "1@2;3@2;");
    /* a bad timestamp */
    ts[0] = "Jan 2";
    assert_int_equal(kz_store_query(fx->s, &f, fx_collect, &r, NULL), KZ_EINVAL);
}

static void test_filters(void **state)
{
    fixture *fx = *state;
    load(fx);
    fx_rec r;
    const char *types[2] = {"malware", "ipv4-addr"};
    kz_store_filter f = {.collection = "c", .types = types, .n_types = 1};
    assert_string_equal(run(fx, &f, &r), "3@2;");
    f.n_types = 2;
    assert_string_equal(run(fx, &f, &r), "3@2;4@*;");
    char id1[96], id2[96];
    fx_id(id1, sizeof id1, "indicator", 1);
    fx_id(id2, sizeof id2, "indicator", 2);
    const char *ids[2] = {id1, id2};
    kz_store_filter g = {.collection = "c", .ids = ids, .n_ids = 2, .versions = KZ_STORE_V_ALL};
    assert_string_equal(run(fx, &g, &r), "1@1;2@1;1@2;1@3;");
    const char *spec[1] = {"2.0"};
    g.spec_versions = spec;
    g.n_spec_versions = 1;
    assert_string_equal(run(fx, &g, &r), "");
    spec[0] = "2.1";
    assert_string_equal(run(fx, &g, &r), "1@1;2@1;1@2;1@3;");
    /* added_after: strictly after the date_added of the 3rd record */
    kz_store_filter a = {.collection = "c", .versions = KZ_STORE_V_ALL};
    run(fx, &a, &r);
    fx_rec first3 = {0};
    a.limit = 3;
    assert_int_equal(kz_store_query(fx->s, &a, fx_collect, &first3, NULL), KZ_OK);
    a.limit = 0;
    a.has_added_after = true;
    a.added_after_us = first3.last_added;
    assert_string_equal(run(fx, &a, &r), "3@1;1@3;3@2;4@*;");
    /* counts agree with the queries */
    int64_t n = 0;
    assert_int_equal(kz_store_count(fx->s, &a, &n), KZ_OK);
    assert_int_equal(n, 4);
    kz_store_filter all = {.collection = "c", .versions = KZ_STORE_V_ALL};
    assert_int_equal(kz_store_count(fx->s, &all, &n), KZ_OK);
    assert_int_equal(n, 7);
    /* unknown collection */
    kz_store_filter u = {.collection = "nope"};
    assert_int_equal(kz_store_query(fx->s, &u, fx_collect, &r, NULL), KZ_ENOTFOUND);
}

static void test_date_added_monotonic(void **state)
{
    fixture *fx = *state;
    fx_coll(fx, "c");
    kz_store_object objs[50];
    for (unsigned i = 0; i < 50; i++)
        objs[i] = fx_obj(fx, "indicator", i, fx_day(1), "x");
    fx_put(fx, "c", objs, 50, NULL);
    fx_put(fx, "c", objs, 50, NULL); /* present: no date_added consumed */
    kz_store_filter f = {.collection = "c"};
    fx_rec r;
    run(fx, &f, &r);
    assert_int_equal(r.n, 50);
    /* strictly increasing within the collection, one page at a time */
    struct chk {
        int64_t prev;
        int bad;
    } c = {0, 0};
    kz_store_filter g = {.collection = "c", .limit = 1};
    kz_store_page page;
    char next[KZ_STORE_CURSOR_MAX] = "";
    for (int i = 0; i < 50; i++) {
        fx_rec one = {0};
        g.next = next[0] ? next : NULL;
        assert_int_equal(kz_store_query(fx->s, &g, fx_collect, &one, &page), KZ_OK);
        assert_int_equal(one.n, 1);
        if (one.last_added <= c.prev)
            c.bad++;
        c.prev = one.last_added;
        assert_true(page.first_added_us == page.last_added_us);
        memcpy(next, page.next, sizeof next);
        assert_int_equal(page.more, i < 49);
    }
    assert_int_equal(c.bad, 0);
}

static void test_paging(void **state)
{
    fixture *fx = *state;
    load(fx);
    kz_store_filter f = {.collection = "c", .versions = KZ_STORE_V_ALL, .limit = 3};
    kz_store_page page;
    fx_rec r = {0};
    assert_int_equal(kz_store_query(fx->s, &f, fx_collect, &r, &page), KZ_OK);
    assert_true(page.more);
    assert_int_equal(page.n, 3);
    assert_true(strlen(page.next) > 0);
    char next[KZ_STORE_CURSOR_MAX];
    memcpy(next, page.next, sizeof next);
    f.next = next;
    assert_int_equal(kz_store_query(fx->s, &f, fx_collect, &r, &page), KZ_OK);
    assert_true(page.more);
    memcpy(next, page.next, sizeof next);
    assert_int_equal(kz_store_query(fx->s, &f, fx_collect, &r, &page), KZ_OK);
    assert_false(page.more);
    assert_string_equal(page.next, "");
    assert_string_equal(r.buf, "1@1;2@1;1@2;3@1;1@3;3@2;4@*;");
    /* a cursor is bound to its filter */
    const char *types[1] = {"malware"};
    kz_store_filter g = {.collection = "c", .versions = KZ_STORE_V_ALL, .limit = 3,
                         .types = types, .n_types = 1, .next = next};
    assert_int_equal(kz_store_query(fx->s, &g, fx_collect, &r, &page), KZ_EINVAL);
    /* and garbage is refused */
    g.types = NULL;
    g.n_types = 0;
    g.next = "AAAA";
    assert_int_equal(kz_store_query(fx->s, &g, fx_collect, &r, &page), KZ_EINVAL);
    /* a callback that stops early still gets a cursor after what it saw */
    kz_store_filter h = {.collection = "c", .versions = KZ_STORE_V_ALL};
    assert_int_equal(kz_store_query(fx->s, &h, fx_collect, &r, &page), KZ_OK);
    assert_false(page.more);
}

/* kz_store_walk: every record across pages, in order; a stop ends it. */
static int collect_upto4(void *ctx, const kz_store_record *r)
{
    fx_rec *c = ctx;
    fx_collect(c, r);
    return c->n == 4;
}

static void test_walk(void **state)
{
    fixture *fx = *state;
    load(fx);
    kz_store_filter f = {.collection = "c", .versions = KZ_STORE_V_ALL, .limit = 1};
    for (size_t page = 0; page <= 8; page++) {
        fx_rec r = {0};
        assert_int_equal(kz_store_walk(fx->s, &f, page, fx_collect, &r), KZ_OK);
        assert_string_equal(r.buf, "1@1;2@1;1@2;3@1;1@3;3@2;4@*;");
    }
    /* stopping on the 4th record, also when it is the last of a page */
    for (size_t page = 1; page <= 5; page++) {
        fx_rec r = {0};
        assert_int_equal(kz_store_walk(fx->s, &f, page, collect_upto4, &r), KZ_OK);
        assert_string_equal(r.buf, "1@1;2@1;1@2;3@1;");
    }
    kz_store_filter u = {.collection = "nope"};
    fx_rec r = {0};
    assert_int_equal(kz_store_walk(fx->s, &u, 2, fx_collect, &r), KZ_ENOTFOUND);
    assert_int_equal(kz_store_walk(fx->s, &f, 2, NULL, &r), KZ_EINVAL);
}

static void test_versions_and_delete(void **state)
{
    fixture *fx = *state;
    load(fx);
    char id1[96];
    fx_id(id1, sizeof id1, "indicator", 1);
    fx_rec r = {0};
    kz_store_page page;
    assert_int_equal(kz_store_versions(fx->s, "c", id1, 2, NULL, fx_collect, &r, &page), KZ_OK);
    assert_true(page.more);
    assert_int_equal(kz_store_versions(fx->s, "c", id1, 2, page.next, fx_collect, &r, &page),
                     KZ_OK);
    assert_false(page.more);
    assert_string_equal(r.buf, "1@1;1@2;1@3;");
    /* delete the last version only: the previous one becomes the last */
    kz_store_filter df = {.versions = KZ_STORE_V_LAST};
    size_t nd = 0;
    assert_int_equal(kz_store_delete_object(fx->s, "c", id1, &df, &nd), KZ_OK);
    assert_int_equal(nd, 1);
    kz_store_filter f = {.collection = "c"};
    assert_string_equal(run(fx, &f, &r), "2@1;1@2;3@2;4@*;");
    /* delete a given version */
    const char *ts[1] = {fx_day(1)};
    kz_store_filter dv = {.version_ts = ts, .n_version_ts = 1};
    assert_int_equal(kz_store_delete_object(fx->s, "c", id1, &dv, &nd), KZ_OK);
    assert_int_equal(nd, 1);
    /* delete everything left of it (default: all versions) */
    assert_int_equal(kz_store_delete_object(fx->s, "c", id1, NULL, &nd), KZ_OK);
    assert_int_equal(nd, 1);
    assert_int_equal(kz_store_delete_object(fx->s, "c", id1, NULL, &nd), KZ_ENOTFOUND);
    assert_string_equal(run(fx, &f, &r), "2@1;3@2;4@*;");
    /* the object versions stay stored: re-adding puts them back */
    fx_put1(fx, "c", fx_obj(fx, "indicator", 1, fx_day(3), "a3"), KZ_STORE_ADDED);
    assert_string_equal(run(fx, &f, &r), "2@1;3@2;4@*;1@3;");
    bool ok = false;
    assert_int_equal(kz_store_check(fx->s, NULL, NULL, &ok), KZ_OK);
    assert_true(ok);
}

/* ---- paging while another thread writes ---- */

#define W_BATCHES 40
#define W_PER_BATCH 25

typedef struct writer_arg {
    const char *db;
    int rc;
} writer_arg;

static void *writer(void *p)
{
    writer_arg *w = p;
    kz_store *s = NULL;
    kz_store_opts o = {.sync = KZ_STORE_SYNC_OFF};
    w->rc = kz_store_open(w->db, &o, &s);
    if (w->rc)
        return NULL;
    kz_arena *a = kz_arena_new(0);
    for (unsigned b = 0; b < W_BATCHES && !w->rc; b++) {
        kz_store_object objs[W_PER_BATCH];
        for (unsigned i = 0; i < W_PER_BATCH; i++) {
            unsigned n = 1000 + b * W_PER_BATCH + i;
            char *json = kz_arena_printf(
                a, "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":"
                   "\"indicator--00000000-0000-4000-8000-%012x\",\"created\":\"%s\","
                   "\"modified\":\"%s\"}", n, fx_day(1), fx_day(1));
            kz_json *v = NULL;
            w->rc = kz_json_parse(a, json, strlen(json), NULL, &v, NULL);
            if (!w->rc)
                w->rc = kz_store_object_from_json(a, v, json, strlen(json), &objs[i], NULL, 0);
            if (w->rc)
                break;
        }
        if (!w->rc)
            w->rc = kz_store_put_batch(s, "c", objs, W_PER_BATCH, NULL, NULL);
        kz_arena_reset(a);
    }
    kz_arena_free(a);
    kz_store_close(s);
    return NULL;
}

typedef struct seen {
    unsigned char count[1000 + W_BATCHES * W_PER_BATCH];
    size_t n;
    int64_t prev;
    int order_bad;
} seen;

static int mark(void *ctx, const kz_store_record *r)
{
    seen *sn = ctx;
    size_t il = strlen(r->id);
    unsigned n = (unsigned)strtoul(r->id + il - 12, NULL, 16);
    if (n < sizeof sn->count)
        sn->count[n]++;
    if (r->date_added_us <= sn->prev)
        sn->order_bad++;
    sn->prev = r->date_added_us;
    sn->n++;
    return 0;
}

static void test_paging_concurrent(void **state)
{
    fixture *fx = *state;
    fx_coll(fx, "c");
    kz_store_object objs[100];
    for (unsigned i = 0; i < 100; i++)
        objs[i] = fx_obj(fx, "indicator", i, fx_day(1), "pre");
    fx_put(fx, "c", objs, 100, NULL);

    pthread_t th;
    writer_arg w = {.db = fx->db};
    assert_int_equal(pthread_create(&th, NULL, writer, &w), 0);
    /* The reader pages with its own connection while the writer commits;
     * once the writer is done, one more pass to the end must have seen
     * every object exactly once, in date_added order. */
    kz_store *rd = NULL;
    kz_store_opts o = {.sync = KZ_STORE_SYNC_OFF};
    assert_int_equal(kz_store_open(fx->db, &o, &rd), KZ_OK);
    seen *sn = calloc(1, sizeof *sn);
    assert_non_null(sn);
    kz_store_filter f = {.collection = "c", .limit = 7};
    char next[KZ_STORE_CURSOR_MAX] = "";
    kz_store_page page;
    bool writer_done = false;
    int pages = 0;
    for (;;) {
        f.next = next[0] ? next : NULL;
        assert_int_equal(kz_store_query(rd, &f, mark, sn, &page), KZ_OK);
        pages++;
        if (page.more) {
            memcpy(next, page.next, sizeof next);
            continue;
        }
        if (writer_done)
            break;
        /* caught up with the writer: wait for it, then page on from here
         * (a cursor is only made when there is more, so continue from the
         * last record with added_after) */
        pthread_join(th, NULL);
        writer_done = true;
        if (page.n) {
            f.next = NULL;
            next[0] = '\0';
        }
        f.has_added_after = true;
        f.added_after_us = sn->prev;
    }
    assert_int_equal(w.rc, KZ_OK);
    assert_int_equal(sn->order_bad, 0);
    size_t missing = 0, repeated = 0;
    for (size_t i = 0; i < 1000 + W_BATCHES * W_PER_BATCH; i++) {
        bool exists = i < 100 || i >= 1000;
        if (exists && sn->count[i] == 0)
            missing++;
        if (sn->count[i] > 1)
            repeated++;
    }
    assert_int_equal(missing, 0);
    assert_int_equal(repeated, 0);
    assert_int_equal(sn->n, 100 + W_BATCHES * W_PER_BATCH);
    assert_true(pages > 1);
    free(sn);
    kz_store_close(rd);
}

/* Readers are never blocked by a writer: while one handle holds an open
 * write transaction, another reads the last committed state at once. */
/* Object n at day d in spec_version sv ("2.0" objects carry their
 * spec_version too: STIX 2.0 had none, but the store reads the field). */
static kz_store_object spec_obj(fixture *fx, unsigned n, int d, const char *sv)
{
    kz_store_object o = fx_obj(fx, "indicator", n, fx_day(d), "s");
    char id[96];
    fx_id(id, sizeof id, "indicator", n);
    char *json = kz_arena_printf(fx->a,
                                 "{\"type\":\"indicator\",\"spec_version\":\"%s\",\"id\":\"%s\","
                                 "\"created\":\"2020-01-01T00:00:00.000Z\",\"modified\":\"%s\"}",
                                 sv, id, fx_day(d));
    assert_non_null(json);
    o.json = json;
    o.json_len = strlen(json);
    o.spec_version = sv;
    return o;
}

/* TAXII 2.1 match[spec_version] absent: only the latest spec_version the
 * collection holds for each object. 5: day 1 as 2.0, day 2 as 2.1; 6: day
 * 1 as 2.0 only; 7: day 1 as 2.1, day 2 as 2.0 (re-shared in the older
 * spec); 8: days 1 and 2 as 2.1. */
static void test_spec_version_default(void **state)
{
    fixture *fx = *state;
    fx_coll(fx, "s");
    fx_put1(fx, "s", spec_obj(fx, 5, 1, "2.0"), KZ_STORE_ADDED);
    fx_put1(fx, "s", spec_obj(fx, 6, 1, "2.0"), KZ_STORE_ADDED);
    fx_put1(fx, "s", spec_obj(fx, 7, 1, "2.1"), KZ_STORE_ADDED);
    fx_put1(fx, "s", spec_obj(fx, 8, 1, "2.1"), KZ_STORE_ADDED);
    fx_put1(fx, "s", spec_obj(fx, 5, 2, "2.1"), KZ_STORE_ADDED);
    fx_put1(fx, "s", spec_obj(fx, 7, 2, "2.0"), KZ_STORE_ADDED);
    fx_put1(fx, "s", spec_obj(fx, 8, 2, "2.1"), KZ_STORE_ADDED);
    fx_rec r;
    int64_t n = 0;
    /* every version: 5's 2.0 version and 7's 2.0 version are hidden */
    kz_store_filter f = {.collection = "s", .versions = KZ_STORE_V_ALL};
    assert_string_equal(run(fx, &f, &r), "6@1;7@1;8@1;5@2;8@2;");
    assert_int_equal(kz_store_count(fx->s, &f, &n), KZ_OK);
    assert_int_equal(n, 5);
    /* last (the default) and first are taken among the latest spec's
     * versions: 7 shows its 2.1 version, not nothing */
    kz_store_filter l = {.collection = "s"};
    assert_string_equal(run(fx, &l, &r), "6@1;7@1;5@2;8@2;");
    assert_int_equal(kz_store_count(fx->s, &l, &n), KZ_OK);
    assert_int_equal(n, 4);
    l.versions = KZ_STORE_V_FIRST;
    assert_string_equal(run(fx, &l, &r), "6@1;7@1;8@1;5@2;");
    /* all_spec_versions: the behaviour before the default existed */
    f.all_spec_versions = true;
    assert_string_equal(run(fx, &f, &r), "5@1;6@1;7@1;8@1;5@2;7@2;8@2;");
    kz_store_filter la = {.collection = "s", .all_spec_versions = true};
    assert_string_equal(run(fx, &la, &r), "6@1;5@2;7@2;8@2;");
    /* an explicit match[spec_version] replaces the default */
    const char *sv[1] = {"2.0"};
    kz_store_filter e = {.collection = "s", .versions = KZ_STORE_V_ALL, .spec_versions = sv,
                         .n_spec_versions = 1};
    assert_string_equal(run(fx, &e, &r), "5@1;6@1;7@2;");
    /* the versions endpoint follows the default too */
    char id5[96];
    fx_id(id5, sizeof id5, "indicator", 5);
    memset(&r, 0, sizeof r);
    assert_int_equal(kz_store_versions(fx->s, "s", id5, 0, NULL, fx_collect, &r, NULL), KZ_OK);
    assert_string_equal(r.buf, "5@2;");
    /* a cursor from an all_spec_versions query is not valid for the default */
    kz_store_filter p = {.collection = "s", .versions = KZ_STORE_V_ALL, .limit = 2,
                         .all_spec_versions = true};
    kz_store_page pg;
    memset(&r, 0, sizeof r);
    assert_int_equal(kz_store_query(fx->s, &p, fx_collect, &r, &pg), KZ_OK);
    assert_true(pg.more);
    p.next = pg.next;
    p.all_spec_versions = false;
    assert_int_equal(kz_store_query(fx->s, &p, fx_collect, &r, NULL), KZ_EINVAL);
    /* delete keeps its default: every version of the id, whatever its spec */
    size_t nd = 0;
    assert_int_equal(kz_store_delete_object(fx->s, "s", id5, NULL, &nd), KZ_OK);
    assert_int_equal(nd, 2);
}

static void test_reader_not_blocked(void **state)
{
    fixture *fx = *state;
    fx_coll(fx, "c");
    fx_put1(fx, "c", fx_obj(fx, "indicator", 1, fx_day(1), "a"), KZ_STORE_ADDED);
    kz_store *rd = NULL;
    kz_store_opts o = {.sync = KZ_STORE_SYNC_OFF, .busy_timeout_ms = 1};
    assert_int_equal(kz_store_open(fx->db, &o, &rd), KZ_OK);
    assert_int_equal(kz_store_begin(fx->s), KZ_OK);
    fx_put1(fx, "c", fx_obj(fx, "indicator", 2, fx_day(1), "b"), KZ_STORE_ADDED);
    kz_store_filter f = {.collection = "c"};
    int64_t n = -1;
    assert_int_equal(kz_store_count(rd, &f, &n), KZ_OK);
    assert_int_equal(n, 1); /* the uncommitted object is not visible */
    /* a second writer does wait (and here gives up after 1 ms) */
    kz_store_object o3 = fx_obj(fx, "indicator", 3, fx_day(1), "c");
    assert_int_equal(kz_store_put_batch(rd, "c", &o3, 1, NULL, NULL), KZ_EBUSY);
    assert_int_equal(kz_store_commit(fx->s), KZ_OK);
    assert_int_equal(kz_store_count(rd, &f, &n), KZ_OK);
    assert_int_equal(n, 2);
    kz_store_close(rd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_versions, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_filters, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_date_added_monotonic, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_paging, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_walk, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_versions_and_delete, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_paging_concurrent, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_reader_not_blocked, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_spec_version_default, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
