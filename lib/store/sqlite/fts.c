/* fts.c - the SQLite backend's full-text index (FTS5, contentless: the
 * text is derived from objects.json, rowid = objects.okey) and search. */
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
