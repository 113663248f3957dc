/* schema.c - the SQLite backend's connection: open with the durability
 * pragmas, schema creation and migrations (PRAGMA user_version), statement
 * cache, error mapping, transactions and the integrity check. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "kizuna/alloc.h"
#include "store/sqlite/sqlite_int.h"

/* 'KZNA': tells a kizuna database from any other SQLite file. */
#define SQ_APPLICATION_ID 0x4b5a4e41

/* Schema version 1. Migrations are applied in order, each in its own
 * transaction together with the user_version bump, so a crash during a
 * migration leaves the previous version intact. */
static const char schema_v1[] =
    "CREATE TABLE collections("
    " ckey INTEGER PRIMARY KEY,"
    " id TEXT NOT NULL UNIQUE,"
    " alias TEXT NOT NULL UNIQUE,"
    " title TEXT NOT NULL,"
    " description TEXT,"
    " media_types TEXT NOT NULL,"
    " default_tlp TEXT,"
    " created_us INTEGER NOT NULL,"
    /* the last date_added handed out in this collection: the next one is
     * max(now, last_added_us + 1), so date_added is strictly increasing */
    " last_added_us INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE objects("
    " okey INTEGER PRIMARY KEY,"
    " id TEXT NOT NULL,"
    /* vkey: the version as a sortable text (9 fractional digits); for a
     * versionless object (no modified/created) the first date_added */
    " vkey TEXT NOT NULL,"
    " type TEXT NOT NULL,"
    " version TEXT NOT NULL,"
    " spec_version TEXT NOT NULL,"
    " versionless INTEGER NOT NULL DEFAULT 0,"
    " revoked INTEGER NOT NULL DEFAULT 0,"
    " tlp TEXT,"
    " hash INTEGER NOT NULL,"
    " stored_us INTEGER NOT NULL,"
    " json BLOB NOT NULL,"
    " UNIQUE(id, vkey));"
    "CREATE TABLE members("
    " ckey INTEGER NOT NULL,"
    " added_us INTEGER NOT NULL,"
    " okey INTEGER NOT NULL,"
    " PRIMARY KEY(ckey, added_us)) WITHOUT ROWID;"
    "CREATE UNIQUE INDEX members_by_object ON members(okey, ckey);"
    /* contentless: the text is in objects.json already; rowid = okey */
    "CREATE VIRTUAL TABLE fts USING fts5(body, content='', tokenize='unicode61 remove_diacritics 2');";

/* Version 2: a member count per collection, kept by every write, so that
 * listing collections (TAXII /collections/) does not count millions of
 * rows each time. */
static const char schema_v2[] =
    "ALTER TABLE collections ADD COLUMN n_members INTEGER NOT NULL DEFAULT 0;"
    "UPDATE collections SET n_members ="
    " (SELECT count(*) FROM members m WHERE m.ckey = collections.ckey);";

/* Version 3: bulk import speed at millions of objects (see
 * docs/internals/store.md "Performance notes").
 *  - The UNIQUE(id, vkey) index on long random ids outgrew the page cache
 *    around a million objects, making every insert a random page read.
 *    Objects are now found by id_hash (kz_store_id_hash of the id: 8 bytes
 *    instead of ~80 per key, so the index stays in cache); (id, vkey)
 *    uniqueness is kept by the writer, which looks the version up by
 *    (id_hash, id, vkey) under the write lock before inserting (a hash
 *    collision only costs a comparison), and kizuna check verifies it.
 *  - fts_queue: full-text bodies waiting to be indexed, written in the
 *    same transaction as their object (so none is lost in a crash) and
 *    indexed in larger batches (sq_fts_drain).
 * SQLite cannot drop a table constraint, so objects is rebuilt; okey
 * values are kept (members and fts refer to them). */
static const char schema_v3[] =
    "CREATE TABLE objects_v3("
    " okey INTEGER PRIMARY KEY,"
    " id_hash INTEGER NOT NULL,"
    " id TEXT NOT NULL,"
    " vkey TEXT NOT NULL,"
    " type TEXT NOT NULL,"
    " version TEXT NOT NULL,"
    " spec_version TEXT NOT NULL,"
    " versionless INTEGER NOT NULL DEFAULT 0,"
    " revoked INTEGER NOT NULL DEFAULT 0,"
    " tlp TEXT,"
    " hash INTEGER NOT NULL,"
    " stored_us INTEGER NOT NULL,"
    " json BLOB NOT NULL);"
    "INSERT INTO objects_v3(okey, id_hash, id, vkey, type, version, spec_version, versionless,"
    " revoked, tlp, hash, stored_us, json)"
    " SELECT okey, kz_id_hash(id), id, vkey, type, version, spec_version, versionless,"
    " revoked, tlp, hash, stored_us, json FROM objects ORDER BY okey;"
    "DROP TABLE objects;"
    "ALTER TABLE objects_v3 RENAME TO objects;"
    "CREATE INDEX objects_by_id ON objects(id_hash);"
    "CREATE TABLE fts_queue(okey INTEGER PRIMARY KEY, body TEXT NOT NULL);"
    /* FTS5 merges 4 segments of a level by default: 16 rewrites the index
     * fewer times (1M bodies: 8.7 -> 6.1 s CPU) for about the same search
     * time (measured in docs/internals/store.md). Kept in fts's config. */
    "INSERT INTO fts(fts, rank) VALUES('automerge', 16);";

static const char *const migrations[] = {
    schema_v1,
    schema_v2,
    schema_v3,
};
#define SQ_SCHEMA_LATEST ((int)(sizeof migrations / sizeof migrations[0]))

/* Statement texts, indexed by sq_stmt. */
static const char *const stmt_sql[SQ_MAX] = {
    [SQ_COLL_RESOLVE_ID] = "SELECT ckey, id FROM collections WHERE id = ?1",
    [SQ_COLL_RESOLVE_ALIAS] = "SELECT ckey, id FROM collections WHERE alias = ?1",
    [SQ_COLL_LAST_ADDED] = "SELECT last_added_us FROM collections WHERE ckey = ?1",
    [SQ_COLL_SET_LAST_ADDED] = "UPDATE collections SET last_added_us = ?2,"
                               " n_members = n_members + ?3 WHERE ckey = ?1",
    /* (id, vkey) uniqueness: the writer looks the version up first
     * (SQ_OBJ_FIND) under the write lock; there is no unique index. */
    [SQ_OBJ_INSERT] = "INSERT INTO objects(id, vkey, type, version, spec_version, versionless,"
                      " revoked, tlp, hash, stored_us, json, id_hash)"
                      " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    [SQ_OBJ_FIND] = "SELECT okey, hash FROM objects WHERE id_hash = ?3 AND id = ?1 AND vkey = ?2",
    [SQ_OBJ_FIND_VERSIONLESS] = "SELECT okey, hash FROM objects WHERE id_hash = ?3 AND id = ?1"
                                " AND versionless = 1 ORDER BY vkey LIMIT 1",
    [SQ_OBJ_JSON] = "SELECT json FROM objects WHERE okey = ?1",
    [SQ_MEMBER_INSERT] = "INSERT INTO members(ckey, added_us, okey) VALUES(?1, ?2, ?3)"
                         " ON CONFLICT DO NOTHING",
    [SQ_FTS_INSERT] = "INSERT INTO fts(rowid, body) VALUES(?1, ?2)",
    [SQ_FTS_QUEUE] = "INSERT INTO fts_queue(okey, body) VALUES(?1, ?2)",
    [SQ_FTS_QUEUE_HI] = "SELECT max(okey), count(*) FROM"
                        " (SELECT okey FROM fts_queue ORDER BY okey LIMIT ?1)",
    [SQ_FTS_DRAIN] = "INSERT INTO fts(rowid, body) SELECT okey, body FROM fts_queue"
                     " WHERE okey <= ?1 ORDER BY okey",
    [SQ_FTS_DEQUEUE] = "DELETE FROM fts_queue WHERE okey <= ?1",
    [SQ_FTS_PENDING] = "SELECT count(*) FROM fts_queue",
};

/* SQLite primary result codes to kz_err, a table rather than a ladder. */
static const struct {
    int src;
    kz_err rc;
} err_map[] = {
    {SQLITE_NOMEM, KZ_ENOMEM},     {SQLITE_BUSY, KZ_EBUSY},      {SQLITE_LOCKED, KZ_EBUSY},
    {SQLITE_CORRUPT, KZ_ECORRUPT}, {SQLITE_NOTADB, KZ_ECORRUPT}, {SQLITE_CANTOPEN, KZ_EIO},
    {SQLITE_IOERR, KZ_EIO},        {SQLITE_FULL, KZ_EIO},        {SQLITE_READONLY, KZ_EPERM},
    {SQLITE_TOOBIG, KZ_ETOOBIG},   {SQLITE_CONSTRAINT, KZ_EEXIST},
};

kz_err sq_err(kz_store *s, int src)
{
    sq *q = SQ(s);
    kz_store_set_error(s, "sqlite: %s", q && q->db ? sqlite3_errmsg(q->db) : sqlite3_errstr(src));
    for (size_t i = 0; i < sizeof err_map / sizeof err_map[0]; i++)
        if ((src & 0xff) == err_map[i].src)
            return err_map[i].rc;
    return KZ_EDB;
}

sqlite3_stmt *sq_get(kz_store *s, sq_stmt id)
{
    sq *q = SQ(s);
    if (!q->st[id]) {
        int src = sqlite3_prepare_v3(q->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
                                     &q->st[id], NULL);
        if (src != SQLITE_OK) {
            sq_err(s, src);
            return NULL;
        }
    } else {
        sqlite3_reset(q->st[id]);
        sqlite3_clear_bindings(q->st[id]);
    }
    return q->st[id];
}

kz_err sq_exec(kz_store *s, const char *sql)
{
    int src = sqlite3_exec(SQ(s)->db, sql, NULL, NULL, NULL);
    return src == SQLITE_OK ? KZ_OK : sq_err(s, src);
}

kz_err sq_write_begin(kz_store *s)
{
    /* Inside an explicit transaction a savepoint keeps one failed batch
     * from leaving half its rows in the enclosing transaction. */
    if (SQ(s)->explicit_tx)
        return sq_exec(s, "SAVEPOINT kz_batch");
    /* IMMEDIATE takes the write lock now, so two writers queue on the busy
     * timeout instead of failing later with SQLITE_BUSY on upgrade. */
    return sq_exec(s, "BEGIN IMMEDIATE");
}

kz_err sq_write_end(kz_store *s, kz_err rc)
{
    if (SQ(s)->explicit_tx) {
        if (rc) {
            char keep[sizeof s->errmsg];
            memcpy(keep, s->errmsg, sizeof keep);
            sqlite3_exec(SQ(s)->db, "ROLLBACK TO kz_batch; RELEASE kz_batch", NULL, NULL, NULL);
            memcpy(s->errmsg, keep, sizeof keep);
            return rc;
        }
        return sq_exec(s, "RELEASE kz_batch");
    }
    if (rc) {
        char keep[sizeof s->errmsg];
        memcpy(keep, s->errmsg, sizeof keep);
        sqlite3_exec(SQ(s)->db, "ROLLBACK", NULL, NULL, NULL);
        memcpy(s->errmsg, keep, sizeof keep);
        return rc;
    }
    rc = sq_exec(s, "COMMIT");
    if (rc)
        sqlite3_exec(SQ(s)->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

kz_err sq_begin(kz_store *s)
{
    if (SQ(s)->explicit_tx)
        return KZ_EINVAL;
    kz_err rc = sq_exec(s, "BEGIN IMMEDIATE");
    if (!rc)
        SQ(s)->explicit_tx = 1;
    return rc;
}

kz_err sq_commit(kz_store *s)
{
    if (!SQ(s)->explicit_tx)
        return KZ_EINVAL;
    kz_err rc = sq_exec(s, "COMMIT");
    if (rc)
        sqlite3_exec(SQ(s)->db, "ROLLBACK", NULL, NULL, NULL);
    SQ(s)->explicit_tx = 0;
    return rc;
}

kz_err sq_rollback(kz_store *s)
{
    if (!SQ(s)->explicit_tx)
        return KZ_EINVAL;
    SQ(s)->explicit_tx = 0;
    return sq_exec(s, "ROLLBACK");
}

static kz_err pragma_int(kz_store *s, const char *sql, int *out)
{
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(SQ(s)->db, sql, -1, &st, NULL);
    if (src == SQLITE_OK) {
        src = sqlite3_step(st);
        if (src == SQLITE_ROW) {
            *out = sqlite3_column_int(st, 0);
            src = SQLITE_OK;
        }
    }
    kz_err rc = src == SQLITE_OK ? KZ_OK : sq_err(s, src);
    sqlite3_finalize(st);
    return rc;
}

static kz_err migrate(kz_store *s, bool readonly)
{
    int ver = 0, app = 0;
    kz_err rc = pragma_int(s, "PRAGMA user_version", &ver);
    if (!rc)
        rc = pragma_int(s, "PRAGMA application_id", &app);
    if (rc)
        return rc;
    if (ver > SQ_SCHEMA_LATEST) {
        kz_store_set_error(s, "schema version %d is newer than this program's %d", ver,
                           SQ_SCHEMA_LATEST);
        return KZ_EVERSION;
    }
    if (ver > 0 && app != SQ_APPLICATION_ID) {
        kz_store_set_error(s, "not a kizuna database");
        return KZ_ECORRUPT;
    }
    if (ver < SQ_SCHEMA_LATEST && readonly) {
        kz_store_set_error(s, "schema needs a migration but the store is open read-only");
        return KZ_EPERM;
    }
    for (int v = ver; v < SQ_SCHEMA_LATEST; v++) {
        char bump[96];
        snprintf(bump, sizeof bump, "PRAGMA user_version = %d; PRAGMA application_id = %d;", v + 1,
                 SQ_APPLICATION_ID);
        rc = sq_exec(s, "BEGIN IMMEDIATE");
        if (rc)
            return rc;
        /* Another process may have migrated while we waited for the write
         * lock: read the version again under it. */
        int now = 0;
        rc = pragma_int(s, "PRAGMA user_version", &now);
        if (!rc && now > v) {
            rc = sq_write_end(s, KZ_OK);
            if (rc)
                return rc;
            v = now - 1;
            continue;
        }
        if (!rc)
            rc = sq_exec(s, migrations[v]);
        if (!rc)
            rc = sq_exec(s, bump);
        rc = sq_write_end(s, rc);
        if (rc)
            return rc;
    }
    SQ(s)->schema = SQ_SCHEMA_LATEST;
    return KZ_OK;
}

/* kz_id_hash(text): objects.id_hash, for the v3 migration and the check. */
static void fn_id_hash(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
    (void)argc;
    const unsigned char *t = sqlite3_value_text(argv[0]);
    if (!t) {
        sqlite3_result_null(cx);
        return;
    }
    size_t n = (size_t)sqlite3_value_bytes(argv[0]);
    sqlite3_result_int64(cx, (sqlite3_int64)kz_store_id_hash((const char *)t, n));
}

static const char *const sync_pragma[] = {
    [KZ_STORE_SYNC_FULL] = "PRAGMA synchronous = FULL",
    [KZ_STORE_SYNC_NORMAL] = "PRAGMA synchronous = NORMAL",
    [KZ_STORE_SYNC_OFF] = "PRAGMA synchronous = OFF",
};

kz_err sq_open(kz_store *s, const char *path, const kz_store_opts *o)
{
    sq *q = kz_calloc(1, sizeof *q);
    if (!q)
        return KZ_ENOMEM;
    s->be = q;
    struct stat st;
    if (!o->create && stat(path, &st) != 0) {
        kz_store_set_error(s, "no database at '%s'", path);
        return KZ_ENOTFOUND;
    }
    int flags = o->readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
    if (o->create && !o->readonly)
        flags |= SQLITE_OPEN_CREATE;
    flags |= SQLITE_OPEN_NOMUTEX; /* one handle per thread */
    int src = sqlite3_open_v2(path, &q->db, flags, NULL);
    if (src != SQLITE_OK)
        return sq_err(s, src);
    sqlite3_extended_result_codes(q->db, 1);
    src = sqlite3_create_function(q->db, "kz_id_hash", 1,
                                  SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL,
                                  fn_id_hash, NULL, NULL);
    if (src != SQLITE_OK)
        return sq_err(s, src);
    sqlite3_busy_timeout(q->db, o->busy_timeout_ms > 0 ? o->busy_timeout_ms : 10000);
    char cache[64];
    snprintf(cache, sizeof cache, "PRAGMA cache_size = -%zu",
             o->cache_kib ? o->cache_kib : (size_t)65536);
    kz_err rc = sq_exec(s, cache);
    if (!rc && !o->readonly)
        rc = sq_exec(s, "PRAGMA journal_mode = WAL");
    if (!rc)
        rc = sq_exec(s, sync_pragma[o->sync <= KZ_STORE_SYNC_OFF ? o->sync : KZ_STORE_SYNC_FULL]);
    if (!rc)
        rc = sq_exec(s, "PRAGMA temp_store = MEMORY");
    /* Checkpoint every ~64 MiB of WAL instead of SQLite's 4 MiB: each
     * checkpoint costs an fsync of the database file at synchronous=FULL,
     * and bulk imports commit often. Readers are unaffected (WAL). */
    if (!rc && !o->readonly)
        rc = sq_exec(s, "PRAGMA wal_autocheckpoint = 16384");
    if (!rc)
        rc = migrate(s, o->readonly);
    return rc;
}

void sq_close(kz_store *s)
{
    sq *q = SQ(s);
    sq_run_cache_free(s);
    for (int i = 0; i < SQ_MAX; i++)
        sqlite3_finalize(q->st[i]);
    for (int i = 0; i < SQ_QCACHE; i++) {
        sqlite3_finalize(q->qcache[i].st);
        kz_free(q->qcache[i].sql);
    }
    if (q->db)
        sqlite3_close_v2(q->db);
    kz_free(q);
    s->be = NULL;
}

int sq_schema_version(kz_store *s)
{
    return SQ(s)->schema;
}

/* The store's own invariants, each a query that returns problem rows. */
static const struct {
    const char *what;
    const char *sql;
} invariants[] = {
    {"membership of a missing object",
     "SELECT count(*) FROM members m WHERE NOT EXISTS (SELECT 1 FROM objects o WHERE o.okey = m.okey)"},
    {"membership of a missing collection",
     "SELECT count(*) FROM members m WHERE NOT EXISTS"
     " (SELECT 1 FROM collections c WHERE c.ckey = m.ckey)"},
    {"collection member count out of step",
     "SELECT count(*) FROM collections c WHERE c.n_members <>"
     " (SELECT count(*) FROM members m WHERE m.ckey = c.ckey)"},
    {"object whose id_hash is not the hash of its id",
     "SELECT count(*) FROM objects WHERE id_hash <> kz_id_hash(id)"},
    {"version stored twice (same id and version key)",
     "SELECT count(*) FROM (SELECT 1 FROM objects GROUP BY id_hash, id, vkey HAVING count(*) > 1)"},
    {"full-text queue entry of a missing object",
     "SELECT count(*) FROM fts_queue q WHERE NOT EXISTS"
     " (SELECT 1 FROM objects o WHERE o.okey = q.okey)"},
    {"date_added beyond the collection's high-water mark",
     "SELECT count(*) FROM collections c WHERE c.last_added_us <"
     " (SELECT coalesce(max(added_us), 0) FROM members m WHERE m.ckey = c.ckey)"},
};

kz_err sq_check(kz_store *s, kz_store_line_fn fn, void *ctx, bool *ok)
{
    *ok = true;
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(SQ(s)->db, "PRAGMA integrity_check", -1, &st, NULL);
    if (src != SQLITE_OK)
        return sq_err(s, src);
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        const char *line = (const char *)sqlite3_column_text(st, 0);
        if (line && strcmp(line, "ok") != 0) {
            *ok = false;
            if (fn)
                fn(ctx, line);
        }
    }
    sqlite3_finalize(st);
    if (src != SQLITE_DONE)
        return sq_err(s, src);
    for (size_t i = 0; i < sizeof invariants / sizeof invariants[0]; i++) {
        src = sqlite3_prepare_v2(SQ(s)->db, invariants[i].sql, -1, &st, NULL);
        if (src != SQLITE_OK)
            return sq_err(s, src);
        src = sqlite3_step(st);
        sqlite3_int64 n = src == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
        sqlite3_finalize(st);
        if (src != SQLITE_ROW)
            return sq_err(s, src);
        if (n) {
            char line[160];
            snprintf(line, sizeof line, "%lld rows: %s", (long long)n, invariants[i].what);
            *ok = false;
            if (fn)
                fn(ctx, line);
        }
    }
    /* FTS5's own structure check (reads only the index for contentless tables). */
    src = sqlite3_exec(SQ(s)->db, "INSERT INTO fts(fts, rank) VALUES('integrity-check', 0)", NULL,
                       NULL, NULL);
    if (src != SQLITE_OK) {
        char line[300];
        snprintf(line, sizeof line, "full-text index: %s", sqlite3_errmsg(SQ(s)->db));
        *ok = false;
        if (fn)
            fn(ctx, line);
    }
    return KZ_OK;
}

const kz_store_ops kz_store_sqlite_ops = {
    .name = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .schema_version = sq_schema_version,
    .coll_add = sq_coll_add,
    .coll_resolve = sq_coll_resolve,
    .coll_get = sq_coll_get,
    .coll_list = sq_coll_list,
    .coll_remove = sq_coll_remove,
    .put_batch = sq_put_batch,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .query = sq_query,
    .count = sq_count,
    .delete_object = sq_delete_object,
    .search = sq_search,
    .check = sq_check,
    .index_pending = sq_index_pending,
    .exec = sq_run,
};
