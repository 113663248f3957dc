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

/* The schema of versions 1 and 2 as they shipped (copied, not shared with
 * schema.c: an old database is what it is, whatever the code says now). */
static const char old_v1[] =
    "CREATE TABLE collections(ckey INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,"
    " alias TEXT NOT NULL UNIQUE, title TEXT NOT NULL, description TEXT,"
    " media_types TEXT NOT NULL, default_tlp TEXT, created_us INTEGER NOT NULL,"
    " last_added_us INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE objects(okey INTEGER PRIMARY KEY, id TEXT NOT NULL, vkey TEXT NOT NULL,"
    " type TEXT NOT NULL, version TEXT NOT NULL, spec_version TEXT NOT NULL,"
    " versionless INTEGER NOT NULL DEFAULT 0, revoked INTEGER NOT NULL DEFAULT 0, tlp TEXT,"
    " hash INTEGER NOT NULL, stored_us INTEGER NOT NULL, json BLOB NOT NULL, UNIQUE(id, vkey));"
    "CREATE TABLE members(ckey INTEGER NOT NULL, added_us INTEGER NOT NULL,"
    " okey INTEGER NOT NULL, PRIMARY KEY(ckey, added_us)) WITHOUT ROWID;"
    "CREATE UNIQUE INDEX members_by_object ON members(okey, ckey);"
    "CREATE VIRTUAL TABLE fts USING fts5(body, content='',"
    " tokenize='unicode61 remove_diacritics 2');"
    "PRAGMA application_id = 1264209473;"; /* 'KZNA' */
static const char old_v2[] =
    "ALTER TABLE collections ADD COLUMN n_members INTEGER NOT NULL DEFAULT 0;";

static const char old_json[3][200] = {
    "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":"
    "\"indicator--00000000-0000-4000-8000-000000000001\",\"created\":\"2020-01-01T00:00:00.000Z\","
    "\"modified\":\"2021-01-01T00:00:00.000Z\",\"name\":\"alpha\"}",
    "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":"
    "\"indicator--00000000-0000-4000-8000-000000000001\",\"created\":\"2020-01-01T00:00:00.000Z\","
    "\"modified\":\"2021-01-02T00:00:00.000Z\",\"name\":\"beta\"}",
    "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":"
    "\"indicator--00000000-0000-4000-8000-000000000002\",\"created\":\"2020-01-01T00:00:00.000Z\","
    "\"modified\":\"2021-01-01T00:00:00.000Z\",\"name\":\"gamma\"}",
};

/* Writes a schema-`version` database (1 or 2) at fx->db by hand: one
 * collection "c" holding two versions of object 1 and one of object 2,
 * indexed for search, with okeys 10, 20, 30 (the migration must keep them:
 * members and the full-text index refer to them). */
static void make_old_db(fixture *fx, int version)
{
    kz_store_close(fx->s);
    fx->s = NULL;
    unlink(fx->db);
    char p[160];
    snprintf(p, sizeof p, "%s-wal", fx->db);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", fx->db);
    unlink(p);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(fx->db, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, old_v1, NULL, NULL, NULL), SQLITE_OK);
    if (version >= 2)
        assert_int_equal(sqlite3_exec(db, old_v2, NULL, NULL, NULL), SQLITE_OK);
    char sql[512];
    snprintf(sql, sizeof sql,
             "INSERT INTO collections(ckey, id, alias, title, media_types, created_us,"
             " last_added_us) VALUES(1, '11111111-1111-4111-8111-111111111111', 'c', 'c',"
             " 'application/stix+json;version=2.1', 1, 1000003);"
             "%s PRAGMA user_version = %d;",
             version >= 2 ? "UPDATE collections SET n_members = 3;" : "", version);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    static const char *const vkeys[3] = {"2021-01-01T00:00:00.000000000Z",
                                         "2021-01-02T00:00:00.000000000Z",
                                         "2021-01-01T00:00:00.000000000Z"};
    for (int i = 0; i < 3; i++) {
        sqlite3_stmt *st = NULL;
        assert_int_equal(
            sqlite3_prepare_v2(db,
                               "INSERT INTO objects(okey, id, vkey, type, version, spec_version,"
                               " hash, stored_us, json) VALUES(?1, ?2, ?3, 'indicator',"
                               " substr(?3, 1, 19) || '.000Z', '2.1', 0, 1, ?4)",
                               -1, &st, NULL),
            SQLITE_OK);
        sqlite3_bind_int(st, 1, 10 * (i + 1));
        sqlite3_bind_text(st, 2, i < 2 ? "indicator--00000000-0000-4000-8000-000000000001"
                                       : "indicator--00000000-0000-4000-8000-000000000002",
                          -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, vkeys[i], -1, SQLITE_STATIC);
        sqlite3_bind_blob(st, 4, old_json[i], (int)strlen(old_json[i]), SQLITE_STATIC);
        assert_int_equal(sqlite3_step(st), SQLITE_DONE);
        sqlite3_finalize(st);
        static const char *const names[3] = {"alpha", "beta", "gamma"};
        snprintf(sql, sizeof sql,
                 "INSERT INTO members VALUES(1, %d, %d);"
                 "INSERT INTO fts(rowid, body) VALUES(%d, '%s');",
                 1000001 + i, 10 * (i + 1), 10 * (i + 1), names[i]);
        assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    }
    sqlite3_close(db);
}

typedef struct bytes_rec {
    char json[3][200];
    int64_t rowid[3];
    size_t n;
} bytes_rec;

static int get_bytes(void *ctx, const kz_store_record *r)
{
    bytes_rec *b = ctx;
    if (b->n < 3) {
        assert_true(r->json_len < sizeof b->json[0]);
        memcpy(b->json[b->n], r->json, r->json_len);
        b->json[b->n][r->json_len] = '\0';
        b->rowid[b->n] = r->rowid;
    }
    b->n++;
    return 0;
}

static int count_hits(void *ctx, const kz_store_record *r)
{
    (void)r;
    (*(int *)ctx)++;
    return 0;
}

/* Opens an old database (schema 1 or 2): it migrates to the latest, and
 * everything it held is still there and behaves: bytes, keys, version
 * selection, search, counts, the present / conflict decisions, check. */
static void check_migrated(fixture *fx, int from)
{
    make_old_db(fx, from);
    kz_store_opts o = {.sync = KZ_STORE_SYNC_OFF};
    assert_int_equal(kz_store_open(fx->db, &o, &fx->s), KZ_OK);
    assert_int_equal(kz_store_schema_version(fx->s), 3);
    int64_t n = -1;
    assert_int_equal(kz_store_collection_get(fx->s, "c", get_n, &n), KZ_OK);
    assert_int_equal(n, 3);
    bytes_rec b = {0};
    kz_store_filter f = {.collection = "c", .versions = KZ_STORE_V_ALL, .want_json = true};
    assert_int_equal(kz_store_query(fx->s, &f, get_bytes, &b, NULL), KZ_OK);
    assert_int_equal(b.n, 3);
    for (int i = 0; i < 3; i++) {
        assert_string_equal(b.json[i], old_json[i]);
        assert_int_equal(b.rowid[i], 10 * (i + 1));
    }
    /* version=last of object 1 is its day-2 version; ids go through id_hash */
    const char *ids[1] = {"indicator--00000000-0000-4000-8000-000000000001"};
    kz_store_filter l = {.collection = "c", .ids = ids, .n_ids = 1, .want_json = true};
    memset(&b, 0, sizeof b);
    assert_int_equal(kz_store_query(fx->s, &l, get_bytes, &b, NULL), KZ_OK);
    assert_int_equal(b.n, 1);
    assert_string_equal(b.json[0], old_json[1]);
    int hits = 0;
    assert_int_equal(kz_store_search(fx->s, "gamma", NULL, 10, false, count_hits, &hits), KZ_OK);
    assert_int_equal(hits, 1);
    /* the same bytes again: present; other bytes for a stored version: conflict */
    kz_json *v = NULL;
    kz_store_object obj;
    char why[128];
    assert_int_equal(kz_json_parse(fx->a, old_json[0], strlen(old_json[0]), NULL, &v, NULL), KZ_OK);
    assert_int_equal(kz_store_object_from_json(fx->a, v, old_json[0], strlen(old_json[0]), &obj,
                                               why, sizeof why),
                     KZ_OK);
    fx_put1(fx, "c", obj, KZ_STORE_PRESENT);
    kz_store_object other = fx_obj(fx, "indicator", 1, fx_day(1), "not alpha");
    fx_put1(fx, "c", other, KZ_STORE_CONFLICT);
    fx_put1(fx, "c", fx_obj(fx, "indicator", 9, fx_day(1), "y"), KZ_STORE_ADDED);
    fx_put1(fx, "c", fx_obj(fx, "indicator", 9, fx_day(1), "y"), KZ_STORE_PRESENT);
    char id[96];
    fx_id(id, sizeof id, "indicator", 2);
    assert_int_equal(kz_store_delete_object(fx->s, "c", id, NULL, NULL), KZ_OK);
    assert_int_equal(kz_store_collection_get(fx->s, "c", get_n, &n), KZ_OK);
    assert_int_equal(n, 3);
    bool ok = false;
    assert_int_equal(kz_store_check(fx->s, NULL, NULL, &ok), KZ_OK);
    assert_true(ok);
}

static void test_migration_v1(void **state)
{
    check_migrated(*state, 1);
}

static void test_migration_v2(void **state)
{
    check_migrated(*state, 2);
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
        cmocka_unit_test_setup_teardown(test_migration_v1, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_migration_v2, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_create, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
