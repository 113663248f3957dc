/* test_dir.c - unit tests for lib/store/dir.c and the schema checks: a
 * data directory is created once, kizuna.conf settings are applied and
 * their errors name the line, a database newer than the program or not a
 * kizuna database is refused, an older schema is migrated. */
#include <pthread.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include "unit/store/store_fixture.h"

static void write_file(const char *dir, const char *name, const char *text)
{
    char p[256];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_init_and_open(void **state)
{
    fixture *fx = *state;
    char node[128], err[512];
    snprintf(node, sizeof node, "%s/node", fx->dir);
    assert_int_equal(kz_store_init_dir(node, err, sizeof err), KZ_OK);
    struct stat st;
    char p[256];
    snprintf(p, sizeof p, "%s/kizuna.conf", node);
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(kz_store_init_dir(node, err, sizeof err), KZ_EEXIST);
    assert_non_null(strstr(err, "already holds a node"));
    kz_store *s = NULL;
    assert_int_equal(kz_store_open_dir(node, false, &s, err, sizeof err), KZ_OK);
    kz_store_close(s);
    /* the settings are read; a bad one names its line */
    write_file(node, "kizuna.conf", "# x\nstore.synchronous = normal\nstore.cache_kib = 1024\n");
    assert_int_equal(kz_store_open_dir(node, false, &s, err, sizeof err), KZ_OK);
    kz_store_close(s);
    write_file(node, "kizuna.conf", "# x\n\nstore.synchronous = fast\n");
    assert_int_equal(kz_store_open_dir(node, false, &s, err, sizeof err), KZ_EINVAL);
    assert_null(s);
    assert_non_null(strstr(err, "kizuna.conf:3: unknown value 'fast'"));
    write_file(node, "kizuna.conf", "store.busy_timeout_ms = -1\n");
    assert_int_not_equal(kz_store_open_dir(node, false, &s, err, sizeof err), KZ_OK);
    assert_non_null(strstr(err, "kizuna.conf:1:"));
    write_file(node, "kizuna.conf", "what is this\n");
    assert_int_equal(kz_store_open_dir(node, false, &s, err, sizeof err), KZ_EPARSE);
    assert_non_null(strstr(err, "kizuna.conf:1: expected 'key = value'"));
    /* no node at all */
    char none[160];
    snprintf(none, sizeof none, "%s/none", fx->dir);
    assert_int_equal(kz_store_open_dir(none, false, &s, err, sizeof err), KZ_ENOTFOUND);
    assert_non_null(strstr(err, "run 'kizuna init"));
    /* clean up the node */
    static const char *const files[] = {"kizuna.db", "kizuna.db-wal", "kizuna.db-shm",
                                        "kizuna.conf"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", node, files[i]);
        unlink(p);
    }
    rmdir(node);
}

static void test_newer_schema(void **state)
{
    fixture *fx = *state;
    kz_store_close(fx->s);
    fx->s = NULL;
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(fx->db, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    kz_store *s = NULL;
    assert_int_equal(kz_store_open(fx->db, NULL, &s), KZ_EVERSION);
    assert_null(s);
}

static void test_foreign_sqlite_file(void **state)
{
    fixture *fx = *state;
    char p[160];
    snprintf(p, sizeof p, "%s/other.db", fx->dir);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "CREATE TABLE t(x); PRAGMA user_version = 1", NULL, NULL,
                                  NULL), SQLITE_OK);
    sqlite3_close(db);
    kz_store *s = NULL;
    assert_int_equal(kz_store_open(p, NULL, &s), KZ_ECORRUPT);
    assert_null(s);
    unlink(p);
}

static int get_n(void *ctx, const kz_collection *c)
{
    *(int64_t *)ctx = c->n_versions;
    return 0;
}

/* A version-1 database (no member counts) is migrated on open: the counts
 * are filled in, kept up to date by writes and deletes, and check agrees. */
static void test_migration_v1_to_v2(void **state)
{
    fixture *fx = *state;
    fx_coll(fx, "c");
    kz_store_object objs[5];
    for (unsigned i = 0; i < 5; i++)
        objs[i] = fx_obj(fx, "indicator", i, fx_day(1), "x");
    fx_put(fx, "c", objs, 5, NULL);
    kz_store_close(fx->s);
    fx->s = NULL;
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(fx->db, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "ALTER TABLE collections DROP COLUMN n_members;"
                                      "PRAGMA user_version = 1;", NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    kz_store_opts o = {.sync = KZ_STORE_SYNC_OFF};
    assert_int_equal(kz_store_open(fx->db, &o, &fx->s), KZ_OK);
    assert_int_equal(kz_store_schema_version(fx->s), 2);
    int64_t n = -1;
    assert_int_equal(kz_store_collection_get(fx->s, "c", get_n, &n), KZ_OK);
    assert_int_equal(n, 5);
    fx_put1(fx, "c", fx_obj(fx, "indicator", 9, fx_day(1), "y"), KZ_STORE_ADDED);
    fx_put1(fx, "c", fx_obj(fx, "indicator", 9, fx_day(1), "y"), KZ_STORE_PRESENT);
    char id[96];
    fx_id(id, sizeof id, "indicator", 0);
    assert_int_equal(kz_store_delete_object(fx->s, "c", id, NULL, NULL), KZ_OK);
    assert_int_equal(kz_store_collection_get(fx->s, "c", get_n, &n), KZ_OK);
    assert_int_equal(n, 5);
    bool ok = false;
    assert_int_equal(kz_store_check(fx->s, NULL, NULL, &ok), KZ_OK);
    assert_true(ok);
}

typedef struct opener {
    const char *path;
    kz_err rc;
} opener;

static void *open_one(void *arg)
{
    opener *op = arg;
    kz_store *s = NULL;
    kz_store_opts o = {.create = true, .sync = KZ_STORE_SYNC_OFF};
    op->rc = kz_store_open(op->path, &o, &s);
    kz_store_close(s);
    return NULL;
}

/* Several processes (here threads with their own connections) opening a
 * fresh database at once: one creates the schema, the others wait for the
 * write lock and find it done. */
static void test_concurrent_create(void **state)
{
    fixture *fx = *state;
    char p[160];
    snprintf(p, sizeof p, "%s/fresh.db", fx->dir);
    pthread_t th[4];
    opener op[4];
    for (int i = 0; i < 4; i++) {
        op[i].path = p;
        op[i].rc = KZ_EINTERNAL;
        assert_int_equal(pthread_create(&th[i], NULL, open_one, &op[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        if (op[i].rc)
            fail_msg("opener %d: %s", i, kz_errname(op[i].rc));
    }
    static const char *const sfx[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < 3; i++) {
        char q[200];
        snprintf(q, sizeof q, "%s%s", p, sfx[i]);
        unlink(q);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_init_and_open, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_newer_schema, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_foreign_sqlite_file, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_migration_v1_to_v2, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_create, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
