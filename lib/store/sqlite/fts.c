/* fts.c - the SQLite backend's full-text index (FTS5, contentless: the
 * text is derived from objects.json, rowid = objects.okey), its durable
 * queue (fts_queue, schema 3) and search.
 *
 * Why a queue: FTS5 indexing was about a third of the import's CPU and
 * ran inside every batch's transaction. A body is now queued in the same
 * transaction as its object (a crash loses neither or both) and indexed
 * later in larger batches: by the writer once enough is queued, at the
 * end of every import, before a search on a writable handle, and on
 * demand (kz_store_index_pending). Writes outside a bulk import index
 * directly, as before. */
#include <string.h>

#include "store/sqlite/sqlite_int.h"

kz_err sq_fts_insert(kz_store *s, int64_t okey, const char *text)
{
    sqlite3_stmt *st = sq_get(s, SQ_FTS_INSERT);
    if (!st)
        return KZ_EDB;
    sqlite3_bind_int64(st, 1, okey);
    sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
    int src = sqlite3_step(st);
    sqlite3_reset(st);
    return src == SQLITE_DONE ? KZ_OK : sq_err(s, src);
}

kz_err sq_fts_queue(kz_store *s, int64_t okey, const char *text)
{
    sqlite3_stmt *st = sq_get(s, SQ_FTS_QUEUE);
    if (!st)
        return KZ_EDB;
    sqlite3_bind_int64(st, 1, okey);
    sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
    int src = sqlite3_step(st);
    sqlite3_reset(st);
    if (src != SQLITE_DONE)
        return sq_err(s, src);
    SQ(s)->fts_queued++;
    return KZ_OK;
}

/* Runs a cached statement with one integer argument to completion. */
static kz_err run1(kz_store *s, sq_stmt id, int64_t arg)
{
    sqlite3_stmt *st = sq_get(s, id);
    if (!st)
        return KZ_EDB;
    sqlite3_bind_int64(st, 1, arg);
    int src = sqlite3_step(st);
    sqlite3_reset(st);
    return src == SQLITE_DONE ? KZ_OK : sq_err(s, src);
}

kz_err sq_fts_drain(kz_store *s, size_t max, size_t *n)
{
    if (n)
        *n = 0;
    /* The oldest max entries end at okey <= hi; index them, then dequeue. */
    sqlite3_stmt *st = sq_get(s, SQ_FTS_QUEUE_HI);
    if (!st)
        return KZ_EDB;
    sqlite3_bind_int64(st, 1, max ? (int64_t)max : -1);
    int src = sqlite3_step(st);
    if (src != SQLITE_ROW) {
        kz_err rc = sq_err(s, src);
        sqlite3_reset(st);
        return rc;
    }
    int empty = sqlite3_column_type(st, 0) == SQLITE_NULL;
    int64_t hi = sqlite3_column_int64(st, 0), count = sqlite3_column_int64(st, 1);
    sqlite3_reset(st);
    if (empty) {
        SQ(s)->fts_queued = 0;
        return KZ_OK;
    }
    kz_err rc = run1(s, SQ_FTS_DRAIN, hi);
    if (!rc)
        rc = run1(s, SQ_FTS_DEQUEUE, hi);
    if (rc)
        return rc;
    SQ(s)->fts_queued = SQ(s)->fts_queued > count ? SQ(s)->fts_queued - count : 0;
    if (n)
        *n = (size_t)count;
    return KZ_OK;
}

kz_err sq_index_pending(kz_store *s, size_t max, size_t *n)
{
    kz_err rc = sq_write_begin(s);
    if (rc)
        return rc;
    rc = sq_fts_drain(s, max, n);
    rc = sq_write_end(s, rc);
    if (rc && n)
        *n = 0;
    return rc;
}

kz_err sq_fts_pending(kz_store *s, int64_t *out)
{
    sqlite3_stmt *st = sq_get(s, SQ_FTS_PENDING);
    if (!st)
        return KZ_EDB;
    int src = sqlite3_step(st);
    kz_err rc = KZ_OK;
    if (src == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    else
        rc = sq_err(s, src);
    sqlite3_reset(st);
    return rc;
}

kz_err sq_search(kz_store *s, const char *fts_query, const char *type, size_t limit,
                 bool want_json, kz_store_record_fn fn, void *ctx)
{
    /* bm25 ranks (lower is better); the earliest membership gives the
     * record a date_added (0 if the version is in no collection any more). */
    static const char *const sql[2][2] = {
        {"SELECT o.okey, o.id, o.type, o.version, o.spec_version, o.tlp,"
         " (SELECT min(added_us) FROM members m WHERE m.okey = o.okey), NULL"
         " FROM fts JOIN objects o ON o.okey = fts.rowid WHERE fts MATCH ?1"
         " ORDER BY bm25(fts) LIMIT ?2",
         "SELECT o.okey, o.id, o.type, o.version, o.spec_version, o.tlp,"
         " (SELECT min(added_us) FROM members m WHERE m.okey = o.okey), NULL"
         " FROM fts JOIN objects o ON o.okey = fts.rowid WHERE fts MATCH ?1 AND o.type = ?3"
         " ORDER BY bm25(fts) LIMIT ?2"},
        {"SELECT o.okey, o.id, o.type, o.version, o.spec_version, o.tlp,"
         " (SELECT min(added_us) FROM members m WHERE m.okey = o.okey), o.json"
         " FROM fts JOIN objects o ON o.okey = fts.rowid WHERE fts MATCH ?1"
         " ORDER BY bm25(fts) LIMIT ?2",
         "SELECT o.okey, o.id, o.type, o.version, o.spec_version, o.tlp,"
         " (SELECT min(added_us) FROM members m WHERE m.okey = o.okey), o.json"
         " FROM fts JOIN objects o ON o.okey = fts.rowid WHERE fts MATCH ?1 AND o.type = ?3"
         " ORDER BY bm25(fts) LIMIT ?2"},
    };
    /* Bodies still queued by an import are indexed first when this handle
     * may write; a read-only handle searches what is indexed (an import
     * indexes its queue before it returns, so only a running or crashed
     * import leaves any). */
    if (!sqlite3_db_readonly(SQ(s)->db, "main")) {
        int64_t n = 0;
        kz_err rc = sq_fts_pending(s, &n);
        if (!rc && n)
            rc = sq_index_pending(s, 0, NULL);
        if (rc)
            return rc;
    }
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(SQ(s)->db, sql[want_json][type != NULL], -1, &st, NULL);
    if (src != SQLITE_OK)
        return sq_err(s, src);
    sqlite3_bind_text(st, 1, fts_query, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)limit);
    if (type)
        sqlite3_bind_text(st, 3, type, -1, SQLITE_STATIC);
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        kz_store_record r = {0};
        r.rowid = sqlite3_column_int64(st, 0);
        r.id = (const char *)sqlite3_column_text(st, 1);
        r.type = (const char *)sqlite3_column_text(st, 2);
        r.version = (const char *)sqlite3_column_text(st, 3);
        r.spec_version = (const char *)sqlite3_column_text(st, 4);
        r.tlp = (const char *)sqlite3_column_text(st, 5);
        r.date_added_us = sqlite3_column_int64(st, 6);
        if (want_json) {
            r.json = sqlite3_column_blob(st, 7);
            r.json_len = (size_t)sqlite3_column_bytes(st, 7);
        }
        if (fn && fn(ctx, &r) != 0) {
            src = SQLITE_DONE;
            break;
        }
    }
    kz_err rc = src == SQLITE_DONE ? KZ_OK : sq_err(s, src);
    sqlite3_finalize(st);
    return rc;
}
