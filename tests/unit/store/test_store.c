/* test_store.c - unit tests for lib/store (front and SQLite backend):
 * collections, batched writes and their per-object outcomes, the version
 * rule, TLP, explicit transactions, reopening, search and the check. */
#include <sqlite3.h>

#include "kizuna/alloc.h"
#include "unit/store/store_fixture.h"

static int find_alias(void *ctx, const kz_collection *c)
{
    kz_collection *out = ctx;
    *out = *c;
    out->alias = NULL; /* strings die after the callback */
    out->title = NULL;
    out->description = NULL;
    out->media_types = NULL;
    out->default_tlp = NULL;
    return 0;
}

static int count_cb(void *ctx, const kz_collection *c)
{
    (void)c;
    (*(int *)ctx)++;
    return 0;
}

static void test_collections(void **state)
{
    fixture *fx = *state;
    char id[KZ_UUID_STR];
    kz_collection c = {.alias = "intel", .title = "Intel", .default_tlp = "amber"};
    assert_int_equal(kz_store_collection_add(fx->s, &c, id), KZ_OK);
    /* same alias again */
    assert_int_equal(kz_store_collection_add(fx->s, &c, NULL), KZ_EEXIST);
    /* bad alias, alias that is a UUID, bad TLP */
    kz_collection bad = {.alias = "a b"};
    assert_int_equal(kz_store_collection_add(fx->s, &bad, NULL), KZ_EINVAL);
    bad.alias = "11111111-2222-4333-8444-555555555555";
    assert_int_equal(kz_store_collection_add(fx->s, &bad, NULL), KZ_EINVAL);
    bad.alias = "ok";
    bad.default_tlp = "purple";
    assert_int_equal(kz_store_collection_add(fx->s, &bad, NULL), KZ_EINVAL);
    /* a given id */
    kz_collection c2 = {.id = "11111111-2222-4333-8444-555555555555", .alias = "two"};
    char id2[KZ_UUID_STR];
    assert_int_equal(kz_store_collection_add(fx->s, &c2, id2), KZ_OK);
    assert_string_equal(id2, "11111111-2222-4333-8444-555555555555");
    /* get by alias and by id (upper-case too) */
    kz_collection got = {0};
    assert_int_equal(kz_store_collection_get(fx->s, "intel", find_alias, &got), KZ_OK);
    assert_string_equal(got.id, id);
    memset(&got, 0, sizeof got);
    assert_int_equal(kz_store_collection_get(fx->s, "11111111-2222-4333-8444-555555555555",
                                             find_alias, &got), KZ_OK);
    assert_string_equal(got.id, id2);
    assert_int_equal(kz_store_collection_get(fx->s, "11111111-2222-4333-8444-555555555555",
                                             find_alias, &got), KZ_OK);
    assert_int_equal(kz_store_collection_get(fx->s, "nope", find_alias, &got), KZ_ENOTFOUND);
    int n = 0;
    assert_int_equal(kz_store_collection_list(fx->s, count_cb, &n), KZ_OK);
    assert_int_equal(n, 2);
    /* remove by id: memberships go, objects stay */
    fx_put1(fx, "two", fx_obj(fx, "indicator", 1, fx_day(1), "a"), KZ_STORE_ADDED);
    assert_int_equal(kz_store_collection_remove(fx->s, id2), KZ_OK);
    assert_int_equal(kz_store_collection_remove(fx->s, id2), KZ_ENOTFOUND);
    n = 0;
    assert_int_equal(kz_store_collection_list(fx->s, count_cb, &n), KZ_OK);
    assert_int_equal(n, 1);
    bool ok = false;
    assert_int_equal(kz_store_check(fx->s, NULL, NULL, &ok), KZ_OK);
    assert_true(ok);
}

/* kz_store_collection_ids: every id, by alias, past the first growth of
 * its array; none gives NULL and 0; out of memory leaves nothing. */
static void test_collection_ids(void **state)
{
    fixture *fx = *state;
    char (*ids)[KZ_UUID_STR] = (void *)1;
    size_t n = 99;
    assert_int_equal(kz_store_collection_ids(fx->s, &ids, &n), KZ_OK);
    assert_null(ids);
    assert_int_equal(n, 0);
    char want[20][KZ_UUID_STR];
    for (int i = 0; i < 20; i++) {
        char alias[8];
        snprintf(alias, sizeof alias, "c%02d", 19 - i); /* added out of alias order */
        kz_collection c = {.alias = alias};
        assert_int_equal(kz_store_collection_add(fx->s, &c, want[19 - i]), KZ_OK);
    }
    assert_int_equal(kz_store_collection_ids(fx->s, &ids, &n), KZ_OK);
    assert_int_equal(n, 20);
    for (int i = 0; i < 20; i++)
        assert_string_equal(ids[i], want[i]);
    kz_free(ids);
    kz_alloc_fail_after(2, 0); /* a failed allocation while gathering */
    ids = (void *)1;
    assert_int_equal(kz_store_collection_ids(fx->s, &ids, &n), KZ_ENOMEM);
    kz_alloc_fail_after(0, 0);
    assert_null(ids);
    assert_int_equal(n, 0);
}

static void test_put_outcomes(void **state)
{
    fixture *fx = *state;
    fx_coll(fx, "c");
    fx_coll(fx, "d");
    kz_store_object objs[3] = {fx_obj(fx, "indicator", 1, fx_day(1), "one"),
                               fx_obj(fx, "indicator", 2, fx_day(1), "two"),
                               fx_obj(fx, "indicator", 1, fx_day(2), "one v2")};
    kz_store_put_result res[3];
    kz_store_put_stats st = {0};
    assert_int_equal(kz_store_put_batch(fx->s, "c", objs, 3, res, &st), KZ_OK);
    assert_int_equal(res[0], KZ_STORE_ADDED);
    assert_int_equal(res[1], KZ_STORE_ADDED);
    assert_int_equal(res[2], KZ_STORE_ADDED);
    assert_int_equal(st.added, 3);
    /* the same batch again: nothing added (idempotent import) */
    memset(&st, 0, sizeof st);
    assert_int_equal(kz_store_put_batch(fx->s, "c", objs, 3, res, &st), KZ_OK);
    assert_int_equal(st.present, 3);
    assert_int_equal(st.added, 0);
    /* the same version with other content: conflict, nothing changed */
    fx_put1(fx, "c", fx_obj(fx, "indicator", 1, fx_day(1), "evil twin"), KZ_STORE_CONFLICT);
    /* the same content written differently: not a conflict */
    char id[96];
    fx_id(id, sizeof id, "indicator", 2);
    char *json = kz_arena_printf(fx->a,
                                 "{ \"name\" : \"two\", \"modified\":\"%s\", \"id\":\"%s\","
                                 " \"created\":\"2020-01-01T00:00:00.000Z\", \"spec_version\":\"2.1\","
                                 " \"type\":\"indicator\" }",
                                 fx_day(1), id);
    kz_json *v = NULL;
    assert_int_equal(kz_json_parse(fx->a, json, strlen(json), NULL, &v, NULL), KZ_OK);
    kz_store_object o;
    assert_int_equal(kz_store_object_from_json(fx->a, v, json, strlen(json), &o, NULL, 0), KZ_OK);
    fx_put1(fx, "c", o, KZ_STORE_PRESENT);
    /* a known version into another collection: added there */
    fx_put1(fx, "d", objs[0], KZ_STORE_ADDED);
    fx_put1(fx, "d", objs[0], KZ_STORE_PRESENT);
    /* the stored bytes are the first ones received, exactly */
    const char *ids[1] = {objs[1].id};
    kz_store_filter f = {.collection = "c", .ids = ids, .n_ids = 1, .want_json = true};
    fx_rec r = {0};
    assert_int_equal(kz_store_query(fx->s, &f, fx_collect, &r, NULL), KZ_OK);
    assert_int_equal(r.n, 1);
    /* unknown collection */
    assert_int_equal(kz_store_put_batch(fx->s, "zz", objs, 1, res, NULL), KZ_ENOTFOUND);
}

static int get_json(void *ctx, const kz_store_record *r)
{
    char *out = ctx;
    snprintf(out, 512, "%.*s", (int)r->json_len, r->json);
    return 0;
}

static void test_exact_bytes(void **state)
{
    fixture *fx = *state;
    fx_coll(fx, "c");
    const char *json = "{\"type\":\"indicator\",  \"spec_version\":\"2.1\",\"id\":"
                       "\"indicator--00000000-0000-4000-8000-000000000009\","
                       "\"created\":\"2020-01-01T00:00:00Z\",\"modified\":\"2020-01-01T00:00:00.1Z\","
                       "\"n\":1.50}";
    kz_json *v = NULL;
    assert_int_equal(kz_json_parse(fx->a, json, strlen(json), NULL, &v, NULL), KZ_OK);
    kz_store_object o;
    assert_int_equal(kz_store_object_from_json(fx->a, v, json, strlen(json), &o, NULL, 0), KZ_OK);
    fx_put1(fx, "c", o, KZ_STORE_ADDED);
    char out[512] = "";
    kz_store_filter f = {.collection = "c", .want_json = true};
    assert_int_equal(kz_store_query(fx->s, &f, get_json, out, NULL), KZ_OK);
    assert_string_equal(out, json);
}

static void test_versionless_sco(void **state)
{
    fixture *fx = *state;
    fx_coll(fx, "c");
    kz_store_object ip = fx_obj(fx, "ipv4-addr", 7, NULL, "10.0.0.7");
    fx_put1(fx, "c", ip, KZ_STORE_ADDED);
    /* again: the same object (one version), not a new one */
    fx_put1(fx, "c", ip, KZ_STORE_PRESENT);
    /* same id, other content: conflict */
    fx_put1(fx, "c", fx_obj(fx, "ipv4-addr", 7, NULL, "10.0.0.8"), KZ_STORE_CONFLICT);
    kz_store_filter f = {.collection = "c", .versions = KZ_STORE_V_ALL};
    int64_t n = 0;
    assert_int_equal(kz_store_count(fx->s, &f, &n), KZ_OK);
    assert_int_equal(n, 1);
    /* its version is its date_added */
    fx_rec r = {0};
    assert_int_equal(kz_store_query(fx->s, &f, fx_collect, &r, NULL), KZ_OK);
    assert_string_equal(r.buf, "7@*;");
}

static void test_rejected(void **state)
{
    fixture *fx = *state;
    fx_coll(fx, "c");
    /* id not of its type, id without UUID, unparseable modified */
    static const char *const bad[] = {
        "{\"type\":\"indicator\",\"id\":\"malware--00000000-0000-4000-8000-000000000001\"}",
        "{\"type\":\"indicator\",\"id\":\"indicator--nope\"}",
        ("{\"type\":\"indicator\",\"id\":\"indicator--00000000-0000-4000-8000-000000000001\","
         "\"modified\":\"yesterday\"}"),
        "[1,2]",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        kz_json *v = NULL;
        assert_int_equal(kz_json_parse(fx->a, bad[i], strlen(bad[i]), NULL, &v, NULL), KZ_OK);
        kz_store_object o;
        char why[128] = "";
        assert_int_equal(kz_store_object_from_json(fx->a, v, bad[i], strlen(bad[i]), &o, why,
                                                   sizeof why),
                         KZ_EINVALID);
        assert_true(why[0] != '\0');
    }
    /* a hand-made object with no id is rejected by put_batch, the rest stored */
    kz_store_object objs[2] = {fx_obj(fx, "indicator", 1, fx_day(1), "a"), {0}};
    objs[1].json = "{}";
    objs[1].json_len = 2;
    kz_store_put_result res[2];
    kz_store_put_stats st = {0};
    assert_int_equal(kz_store_put_batch(fx->s, "c", objs, 2, res, &st), KZ_OK);
    assert_int_equal(res[0], KZ_STORE_ADDED);
    assert_int_equal(res[1], KZ_STORE_REJECTED);
    assert_int_equal(st.rejected, 1);
}

static int get_tlp(void *ctx, const kz_store_record *r)
{
    snprintf(ctx, 32, "%s", r->tlp ? r->tlp : "(null)");
    return 0;
}

static void test_tlp(void **state)
{
    fixture *fx = *state;
    fx_coll(fx, "c");
    const char *json = "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":"
                       "\"indicator--00000000-0000-4000-8000-000000000001\","
                       "\"created\":\"2020-01-01T00:00:00Z\",\"modified\":\"2020-01-01T00:00:00Z\","
                       "\"object_marking_refs\":["
                       "\"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb\","
                       "\"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1\"]}";
    kz_json *v = NULL;
    assert_int_equal(kz_json_parse(fx->a, json, strlen(json), NULL, &v, NULL), KZ_OK);
    kz_store_object o;
    assert_int_equal(kz_store_object_from_json(fx->a, v, json, strlen(json), &o, NULL, 0), KZ_OK);
    assert_string_equal(o.tlp, "red"); /* the most restrictive */
    fx_put1(fx, "c", o, KZ_STORE_ADDED);
    fx_put1(fx, "c", fx_obj(fx, "indicator", 2, fx_day(1), "u"), KZ_STORE_ADDED);
    char tlp[32];
    const char *ids[1] = {o.id};
    kz_store_filter f = {.collection = "c", .ids = ids, .n_ids = 1};
    assert_int_equal(kz_store_query(fx->s, &f, get_tlp, tlp, NULL), KZ_OK);
    assert_string_equal(tlp, "red");
    char id2[96];
    fx_id(id2, sizeof id2, "indicator", 2);
    ids[0] = id2;
    assert_int_equal(kz_store_query(fx->s, &f, get_tlp, tlp, NULL), KZ_OK);
    assert_string_equal(tlp, "(null)"); /* unmarked: the collection default applies */
}

static void test_explicit_tx(void **state)
{
    fixture *fx = *state;
    fx_coll(fx, "c");
    assert_int_equal(kz_store_begin(fx->s), KZ_OK);
    fx_put1(fx, "c", fx_obj(fx, "indicator", 1, fx_day(1), "a"), KZ_STORE_ADDED);
    fx_put1(fx, "c", fx_obj(fx, "indicator", 2, fx_day(1), "b"), KZ_STORE_ADDED);
    assert_int_equal(kz_store_rollback(fx->s), KZ_OK);
    kz_store_filter f = {.collection = "c"};
    int64_t n = -1;
    assert_int_equal(kz_store_count(fx->s, &f, &n), KZ_OK);
    assert_int_equal(n, 0);
    assert_int_equal(kz_store_begin(fx->s), KZ_OK);
    fx_put1(fx, "c", fx_obj(fx, "indicator", 1, fx_day(1), "a"), KZ_STORE_ADDED);
    assert_int_equal(kz_store_commit(fx->s), KZ_OK);
    assert_int_equal(kz_store_count(fx->s, &f, &n), KZ_OK);
    assert_int_equal(n, 1);
    assert_int_equal(kz_store_commit(fx->s), KZ_EINVAL);
}

static void test_reopen(void **state)
{
    fixture *fx = *state;
    fx_coll(fx, "c");
    fx_put1(fx, "c", fx_obj(fx, "indicator", 1, fx_day(1), "a"), KZ_STORE_ADDED);
    assert_int_equal(kz_store_schema_version(fx->s), 3);
    kz_store_close(fx->s);
    fx->s = NULL;
    kz_store_opts o = {.sync = KZ_STORE_SYNC_OFF};
    assert_int_equal(kz_store_open(fx->db, &o, &fx->s), KZ_OK);
    assert_string_equal(kz_store_backend(fx->s), "sqlite");
    kz_store_filter f = {.collection = "c"};
    int64_t n = 0;
    assert_int_equal(kz_store_count(fx->s, &f, &n), KZ_OK);
    assert_int_equal(n, 1);
    /* a missing file without create */
    kz_store *t = NULL;
    assert_int_equal(kz_store_open("/tmp/kz-store-test-no-such/x.db", &o, &t), KZ_ENOTFOUND);
    assert_null(t);
}

static void test_not_a_kizuna_db(void **state)
{
    fixture *fx = *state;
    char p[160];
    snprintf(p, sizeof p, "%s/other.db", fx->dir);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs("this is not a database, just some text that is long enough to be a header....", f);
    fclose(f);
    kz_store *t = NULL;
    kz_err rc = kz_store_open(p, NULL, &t);
    assert_int_equal(rc, KZ_ECORRUPT);
    assert_null(t);
    unlink(p);
}

static int search_cb(void *ctx, const kz_store_record *r)
{
    fx_rec *c = ctx;
    return fx_collect(c, r);
}

static void test_search(void **state)
{
    fixture *fx = *state;
    fx_coll(fx, "c");
    kz_store_object objs[4] = {
        fx_obj(fx, "indicator", 1, fx_day(1), "Sandworm loader beacon"),
        fx_obj(fx, "malware", 2, fx_day(1), "Industroyer"),
        fx_obj(fx, "indicator", 3, fx_day(1), "benign"),
        fx_obj(fx, "ipv4-addr", 4, NULL, "198.51.100.7"),
    };
    fx_put(fx, "c", objs, 4, NULL);
    fx_rec r = {0};
    assert_int_equal(kz_store_search(fx->s, "sandworm", NULL, 10, false, search_cb, &r), KZ_OK);
    assert_string_equal(r.buf, "1@1;");
    memset(&r, 0, sizeof r);
    assert_int_equal(kz_store_search(fx->s, "indus*", NULL, 10, false, search_cb, &r), KZ_OK);
    assert_string_equal(r.buf, "2@1;");
    memset(&r, 0, sizeof r);
    assert_int_equal(kz_store_search(fx->s, "198.51.100.7", NULL, 10, false, search_cb, &r), KZ_OK);
    assert_string_equal(r.buf, "4@*;");
    memset(&r, 0, sizeof r);
    assert_int_equal(kz_store_search(fx->s, "beacon", "malware", 10, false, search_cb, &r), KZ_OK);
    assert_int_equal(r.n, 0);
    /* FTS5 syntax in user text is just text */
    memset(&r, 0, sizeof r);
    assert_int_equal(kz_store_search(fx->s, "NEAR( \"x OR", NULL, 10, false, search_cb, &r), KZ_OK);
    assert_int_equal(r.n, 0);
    assert_int_equal(kz_store_search(fx->s, "   ", NULL, 10, false, search_cb, &r), KZ_EINVAL);
}

static void sql(fixture *fx, const char *text)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(fx->db, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    assert_int_equal(sqlite3_exec(db, text, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

/* Bodies left in fts_queue (as by an import killed before it indexed
 * them) are indexed by a search on a writable handle and by
 * kz_store_index_pending; a read-only handle does not see them yet. */
static void test_fts_queue(void **state)
{
    fixture *fx = *state;
    fx_coll(fx, "c");
    fx_put1(fx, "c", fx_obj(fx, "indicator", 1, fx_day(1), "quokka"), KZ_STORE_ADDED);
    fx_put1(fx, "c", fx_obj(fx, "indicator", 2, fx_day(1), "quoll"), KZ_STORE_ADDED);
    sql(fx, "INSERT INTO fts_queue(okey, body) SELECT okey, 'wombat' FROM objects"
            " WHERE id LIKE '%001'");
    kz_store *ro = NULL;
    kz_store_opts o = {.readonly = true};
    assert_int_equal(kz_store_open(fx->db, &o, &ro), KZ_OK);
    fx_rec r = {0};
    assert_int_equal(kz_store_search(ro, "wombat", NULL, 10, false, search_cb, &r), KZ_OK);
    assert_int_equal(r.n, 0);
    assert_int_equal(kz_store_search(fx->s, "wombat", NULL, 10, false, search_cb, &r), KZ_OK);
    assert_string_equal(r.buf, "1@1;");
    memset(&r, 0, sizeof r);
    assert_int_equal(kz_store_search(ro, "wombat", NULL, 10, false, search_cb, &r), KZ_OK);
    assert_string_equal(r.buf, "1@1;");
    sql(fx, "INSERT INTO fts_queue(okey, body) SELECT okey, 'numbat' FROM objects");
    size_t n = 0;
    assert_int_equal(kz_store_index_pending(fx->s, 1, &n), KZ_OK);
    assert_int_equal(n, 1);
    assert_int_equal(kz_store_index_pending(fx->s, 0, &n), KZ_OK);
    assert_int_equal(n, 1);
    assert_int_equal(kz_store_index_pending(fx->s, 0, &n), KZ_OK);
    assert_int_equal(n, 0);
    memset(&r, 0, sizeof r);
    assert_int_equal(kz_store_search(ro, "numbat", NULL, 10, false, search_cb, &r), KZ_OK);
    assert_int_equal(r.n, 2);
    bool ok = false;
    assert_int_equal(kz_store_check(fx->s, NULL, NULL, &ok), KZ_OK);
    assert_true(ok);
    kz_store_close(ro);
}

static void test_check(void **state)
{
    fixture *fx = *state;
    fx_coll(fx, "c");
    fx_put1(fx, "c", fx_obj(fx, "indicator", 1, fx_day(1), "a"), KZ_STORE_ADDED);
    bool ok = false;
    assert_int_equal(kz_store_check(fx->s, NULL, NULL, &ok), KZ_OK);
    assert_true(ok);
}

static void test_time_helpers(void **state)
{
    (void)state;
    int64_t us = 0;
    assert_int_equal(kz_store_parse_us("2021-01-02T03:04:05.123456Z", &us), KZ_OK);
    char out[KZ_TIME_MAX];
    kz_store_format_us(us, out);
    assert_string_equal(out, "2021-01-02T03:04:05.123456Z");
    assert_int_not_equal(kz_store_parse_us("2021-13-02T03:04:05Z", &us), KZ_OK);
}

/* Out of memory in the store's own allocations (SQLite has its own
 * allocator) is an error, never a crash or a leak, and leaves the store
 * consistent: sweep the failing allocation over a batch write of more
 * than 64 objects (heap-allocated version infos), a conflict check (arena)
 * and a query (SQL builder, statement cache). */
static void test_oom_sweep(void **state)
{
    fixture *fx = *state;
    fx_coll(fx, "c");
    kz_store_object objs[70], fresh[70];
    for (unsigned i = 0; i < 70; i++) {
        objs[i] = fx_obj(fx, "indicator", i, fx_day(1), "x");
        fresh[i] = fx_obj(fx, "indicator", 100 + i, fx_day(1), "y");
    }
    fx_put(fx, "c", objs, 70, NULL);
    kz_store_object evil = fx_obj(fx, "indicator", 1, fx_day(1), "other");
    int ok_runs = 0, fresh_stored = 0;
    long failed = 0; /* allocations made to fail: the sweep must bite */
    for (long n = 1; n <= 12; n++) {
        kz_alloc_fail_after(n, 0);
        kz_err rc = kz_store_put_batch(fx->s, "c", fresh, 70, NULL, NULL);
        failed += kz_alloc_failures();
        kz_alloc_fail_after(0, 0);
        assert_true(rc == KZ_OK || rc == KZ_ENOMEM);
        fresh_stored |= rc == KZ_OK;
        kz_alloc_fail_after(n, 0);
        kz_store_put_result r = KZ_STORE_ADDED;
        rc = kz_store_put_batch(fx->s, "c", &evil, 1, &r, NULL);
        kz_alloc_fail_after(0, 0);
        assert_true(rc == KZ_ENOMEM || (rc == KZ_OK && r == KZ_STORE_CONFLICT));
        const char *types[2] = {"indicator", "malware"};
        kz_store_filter f = {.collection = "c", .types = types, .n_types = (size_t)(n % 2 + 1),
                             .limit = 10};
        fx_rec rec = {0};
        kz_alloc_fail_after(n, 0);
        rc = kz_store_query(fx->s, &f, fx_collect, &rec, NULL);
        failed += kz_alloc_failures();
        kz_alloc_fail_after(0, 0);
        assert_true(rc == KZ_OK || rc == KZ_ENOMEM);
        ok_runs += rc == KZ_OK;
    }
    assert_true(ok_runs > 0);
    assert_true(failed > 0);
    kz_store_filter all = {.collection = "c", .versions = KZ_STORE_V_ALL};
    int64_t count = 0;
    assert_int_equal(kz_store_count(fx->s, &all, &count), KZ_OK);
    /* all or nothing per batch: never a part of the fresh batch */
    assert_int_equal(count, fresh_stored ? 140 : 70);
    bool ok = false;
    assert_int_equal(kz_store_check(fx->s, NULL, NULL, &ok), KZ_OK);
    assert_true(ok);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_collections, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_collection_ids, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_put_outcomes, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_exact_bytes, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_versionless_sco, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_rejected, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_tlp, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_explicit_tx, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_reopen, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_not_a_kizuna_db, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_search, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_fts_queue, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_check, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_oom_sweep, fx_setup, fx_teardown),
        cmocka_unit_test(test_time_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
