/* test_exec.c - unit tests for kz_store_exec (lib/store/sqlite/exec.c): a
 * module's own statements on the store's connection - parameters bound
 * (text, integer, NULL) and rows delivered, bad SQL a clean error that
 * leaves the handle usable, one statement at a time, the statement cache
 * under re-entrance and eviction, and inside kz_store_begin a rollback
 * undoing both the exec'd rows and a put_batch (a commit keeping both). */
#include "store_fixture.h"

static const char create_sql[] =
    "CREATE TABLE IF NOT EXISTS t_mod(k TEXT PRIMARY KEY, n INTEGER, note TEXT)";
static const char insert_sql[] = "INSERT INTO t_mod(k, n, note) VALUES(?1, ?2, ?3)";

typedef struct rows {
    int n;
    char text[512];
} rows;

/* Appends each row as "k,n,note;" (NULL as "~"). */
static int collect(void *ctx, const kz_store_value *cols, size_t n)
{
    rows *r = ctx;
    r->n++;
    for (size_t i = 0; i < n; i++) {
        char one[96];
        if (cols[i].type == KZ_STORE_VNULL)
            snprintf(one, sizeof one, "~");
        else if (cols[i].type == KZ_STORE_VINT)
            snprintf(one, sizeof one, "%lld", (long long)cols[i].i);
        else
            snprintf(one, sizeof one, "%s", cols[i].text);
        size_t len = strlen(r->text);
        snprintf(r->text + len, sizeof r->text - len, "%s%s", one, i + 1 < n ? "," : ";");
    }
    return 0;
}

static int stop_after_one(void *ctx, const kz_store_value *cols, size_t n)
{
    (void)cols;
    (void)n;
    ++*(int *)ctx;
    return 1;
}

static void put(fixture *fx, const char *k, int64_t n, const char *note)
{
    kz_store_value p[] = {kz_store_vtext(k), kz_store_vint(n), kz_store_vtext(note)};
    int64_t ch = -1;
    kz_err rc = kz_store_exec(fx->s, insert_sql, p, 3, NULL, NULL, &ch);
    if (rc)
        fail_msg("insert %s: %s: %s", k, kz_errname(rc), kz_store_errmsg(fx->s));
    assert_int_equal(ch, 1);
}

static void dump(fixture *fx, rows *r)
{
    memset(r, 0, sizeof *r);
    assert_int_equal(kz_store_exec(fx->s, "SELECT k, n, note FROM t_mod ORDER BY k", NULL, 0,
                                   collect, r, NULL),
                     KZ_OK);
}

static int64_t count_members(fixture *fx, const char *coll)
{
    kz_store_filter f = {.collection = coll, .versions = KZ_STORE_V_ALL};
    int64_t n = -1;
    assert_int_equal(kz_store_count(fx->s, &f, &n), KZ_OK);
    return n;
}

static void test_params_and_rows(void **state)
{
    fixture *fx = *state;
    int64_t ch = -1;
    assert_int_equal(kz_store_exec(fx->s, create_sql, NULL, 0, NULL, NULL, &ch), KZ_OK);
    put(fx, "a", 1, "first");
    put(fx, "b", -9000000000LL, NULL);
    put(fx, "c", 3, ""); /* the empty string is not NULL */
    rows r;
    dump(fx, &r);
    assert_int_equal(r.n, 3);
    assert_string_equal(r.text, "a,1,first;b,-9000000000,~;c,3,;");
    /* a parameter used twice, and a WHERE that selects by it */
    kz_store_value p[] = {kz_store_vint(3)};
    memset(&r, 0, sizeof r);
    assert_int_equal(kz_store_exec(fx->s, "SELECT k, ?1 + n FROM t_mod WHERE n = ?1", p, 1,
                                   collect, &r, NULL),
                     KZ_OK);
    assert_string_equal(r.text, "c,6;");
    /* changes: an UPDATE of two rows; a SELECT reports none */
    kz_store_value up[] = {kz_store_vtext("x"), kz_store_vint(0)};
    assert_int_equal(kz_store_exec(fx->s, "UPDATE t_mod SET note = ?1 WHERE n > ?2", up, 2, NULL,
                                   NULL, &ch),
                     KZ_OK);
    assert_int_equal(ch, 2);
    assert_int_equal(kz_store_exec(fx->s, "SELECT 1", NULL, 0, NULL, NULL, &ch), KZ_OK);
    assert_int_equal(ch, 0);
    /* a nonzero return stops early, not an error */
    int seen = 0;
    assert_int_equal(kz_store_exec(fx->s, "SELECT k FROM t_mod", NULL, 0, stop_after_one, &seen,
                                   NULL),
                     KZ_OK);
    assert_int_equal(seen, 1);
    /* the same text twice in a row is the cached statement, reset */
    dump(fx, &r);
    dump(fx, &r);
    assert_int_equal(r.n, 3);
}

static void test_errors(void **state)
{
    fixture *fx = *state;
    assert_int_equal(kz_store_exec(fx->s, create_sql, NULL, 0, NULL, NULL, NULL), KZ_OK);
    /* bad SQL: KZ_EDB and SQLite's reason */
    assert_int_equal(kz_store_exec(fx->s, "SELEC 1", NULL, 0, NULL, NULL, NULL), KZ_EDB);
    assert_non_null(strstr(kz_store_errmsg(fx->s), "syntax error"));
    assert_int_equal(kz_store_exec(fx->s, "SELECT * FROM no_such_table", NULL, 0, NULL, NULL, NULL),
                     KZ_EDB);
    assert_non_null(strstr(kz_store_errmsg(fx->s), "no_such_table"));
    /* a second statement after the first is refused, and nothing ran */
    assert_int_equal(kz_store_exec(fx->s, "INSERT INTO t_mod(k) VALUES('z'); DROP TABLE t_mod",
                                   NULL, 0, NULL, NULL, NULL),
                     KZ_EINVAL);
    assert_int_equal(kz_store_exec(fx->s, "  ;", NULL, 0, NULL, NULL, NULL), KZ_EINVAL);
    /* a trailing ';' is fine */
    assert_int_equal(kz_store_exec(fx->s, "SELECT 1;", NULL, 0, NULL, NULL, NULL), KZ_OK);
    /* parameter count must match the SQL */
    kz_store_value one[] = {kz_store_vtext("k")};
    assert_int_equal(kz_store_exec(fx->s, insert_sql, one, 1, NULL, NULL, NULL), KZ_EINVAL);
    assert_int_equal(kz_store_exec(fx->s, "SELECT 1", NULL, KZ_STORE_EXEC_MAX + 1, NULL, NULL,
                                   NULL),
                     KZ_EINVAL);
    assert_int_equal(kz_store_exec(fx->s, "", NULL, 0, NULL, NULL, NULL), KZ_EINVAL);
    /* a constraint: KZ_EEXIST */
    put(fx, "a", 1, NULL);
    kz_store_value dup[] = {kz_store_vtext("a"), kz_store_vint(2), kz_store_vtext(NULL)};
    assert_int_equal(kz_store_exec(fx->s, insert_sql, dup, 3, NULL, NULL, NULL), KZ_EEXIST);
    /* too many result columns */
    char wide[600] = "SELECT 0";
    for (int i = 1; i <= KZ_STORE_EXEC_MAX; i++) {
        size_t len = strlen(wide);
        snprintf(wide + len, sizeof wide - len, ",%d", i);
    }
    assert_int_equal(kz_store_exec(fx->s, wide, NULL, 0, collect, &(rows){0}, NULL), KZ_ETOOBIG);
    /* after all that the handle works: no transaction or snapshot left open */
    rows r;
    dump(fx, &r);
    assert_string_equal(r.text, "a,1,~;");
    fx_coll(fx, "intel");
    fx_put1(fx, "intel", fx_obj(fx, "indicator", 1, fx_day(1), "n"), KZ_STORE_ADDED);
}

typedef struct reenter {
    fixture *fx;
    int depth;
    int inner_rows;
} reenter;

/* From inside a row, runs the same SELECT again (the cached statement is
 * busy: the inner call gets one of its own). */
static int nested(void *ctx, const kz_store_value *cols, size_t n)
{
    (void)cols;
    (void)n;
    reenter *re = ctx;
    if (re->depth++ == 0) {
        kz_err rc = kz_store_exec(re->fx->s, "SELECT k FROM t_mod ORDER BY k", NULL, 0, nested, re,
                                  NULL);
        assert_int_equal(rc, KZ_OK);
    } else {
        re->inner_rows++;
    }
    return 0;
}

static void test_cache(void **state)
{
    fixture *fx = *state;
    assert_int_equal(kz_store_exec(fx->s, create_sql, NULL, 0, NULL, NULL, NULL), KZ_OK);
    put(fx, "a", 1, NULL);
    put(fx, "b", 2, NULL);
    reenter re = {.fx = fx};
    assert_int_equal(kz_store_exec(fx->s, "SELECT k FROM t_mod ORDER BY k", NULL, 0, nested, &re,
                                   NULL),
                     KZ_OK);
    assert_int_equal(re.inner_rows, 2 + 1); /* first outer row: its 2 inner rows; second: counted itself */
    /* more distinct texts than the cache holds: evicted ones are prepared
     * again, results stay right */
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < 80; i++) {
            char sql[64];
            snprintf(sql, sizeof sql, "SELECT n + %d FROM t_mod WHERE k = 'b'", i);
            rows r = {0};
            assert_int_equal(kz_store_exec(fx->s, sql, NULL, 0, collect, &r, NULL), KZ_OK);
            char want[32];
            snprintf(want, sizeof want, "%d;", 2 + i);
            assert_string_equal(r.text, want);
        }
    }
}

static void test_transaction(void **state)
{
    fixture *fx = *state;
    assert_int_equal(kz_store_exec(fx->s, create_sql, NULL, 0, NULL, NULL, NULL), KZ_OK);
    fx_coll(fx, "intel");
    kz_store_object objs[2] = {fx_obj(fx, "indicator", 1, fx_day(1), "one"),
                               fx_obj(fx, "indicator", 2, fx_day(2), "two")};
    kz_store_put_result res[2];

    /* rollback: neither the exec'd row nor the batch */
    assert_int_equal(kz_store_begin(fx->s), KZ_OK);
    put(fx, "page-1", 1, "checkpoint");
    fx_put(fx, "intel", objs, 2, res);
    assert_int_equal(res[0], KZ_STORE_ADDED);
    put(fx, "page-1b", 2, NULL); /* exec after the batch, same transaction */
    rows r;
    dump(fx, &r);
    assert_int_equal(r.n, 2); /* the transaction sees its own rows */
    assert_int_equal(count_members(fx, "intel"), 2);
    assert_int_equal(kz_store_rollback(fx->s), KZ_OK);
    dump(fx, &r);
    assert_int_equal(r.n, 0);
    assert_int_equal(count_members(fx, "intel"), 0);

    /* a failed statement inside the transaction undoes only itself */
    assert_int_equal(kz_store_begin(fx->s), KZ_OK);
    put(fx, "page-2", 2, NULL);
    kz_store_value dup[] = {kz_store_vtext("page-2"), kz_store_vint(0), kz_store_vtext(NULL)};
    assert_int_equal(kz_store_exec(fx->s, insert_sql, dup, 3, NULL, NULL, NULL), KZ_EEXIST);
    assert_int_equal(kz_store_exec(fx->s, "SELEC", NULL, 0, NULL, NULL, NULL), KZ_EDB);
    fx_put(fx, "intel", objs, 2, res);
    assert_int_equal(kz_store_commit(fx->s), KZ_OK);
    dump(fx, &r);
    assert_string_equal(r.text, "page-2,2,~;");
    assert_int_equal(count_members(fx, "intel"), 2);

    /* a second handle (another process's view) sees both after commit and
     * nothing of an open transaction */
    kz_store *other = NULL;
    kz_store_opts o = {.sync = KZ_STORE_SYNC_OFF};
    assert_int_equal(kz_store_open(fx->db, &o, &other), KZ_OK);
    assert_int_equal(kz_store_begin(fx->s), KZ_OK);
    put(fx, "page-3", 3, NULL);
    rows ro = {0};
    assert_int_equal(kz_store_exec(other, "SELECT k FROM t_mod ORDER BY k", NULL, 0, collect, &ro,
                                   NULL),
                     KZ_OK);
    assert_string_equal(ro.text, "page-2;");
    kz_store_close(other);
    assert_int_equal(kz_store_commit(fx->s), KZ_OK);
    dump(fx, &r);
    assert_int_equal(r.n, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_params_and_rows, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_errors, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_cache, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_transaction, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
