/* collections.c - the SQLite backend's collections: add, resolve by alias
 * or id, get, list, remove. */
#include <stdio.h>
#include <string.h>

#include "store/sqlite/sqlite_int.h"

static void bind_text_or_null(sqlite3_stmt *st, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

kz_err sq_coll_add(kz_store *s, const kz_collection *c)
{
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(SQ(s)->db,
                                 "INSERT INTO collections(id, alias, title, description,"
                                 " media_types, default_tlp, created_us) VALUES(?,?,?,?,?,?,?)",
                                 -1, &st, NULL);
    if (src != SQLITE_OK)
        return sq_err(s, src);
    sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, c->alias, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, c->title, -1, SQLITE_STATIC);
    bind_text_or_null(st, 4, c->description);
    sqlite3_bind_text(st, 5, c->media_types, -1, SQLITE_STATIC);
    bind_text_or_null(st, 6, c->default_tlp);
    sqlite3_bind_int64(st, 7, c->created_us);
    src = sqlite3_step(st);
    kz_err rc = KZ_OK;
    if (src != SQLITE_DONE) {
        rc = sq_err(s, src);
        if (rc == KZ_EEXIST)
            kz_store_set_error(s, "a collection with alias '%s' or id %s exists", c->alias, c->id);
    }
    sqlite3_finalize(st);
    return rc;
}

kz_err sq_coll_resolve(kz_store *s, const char *alias_or_id, kz_store_coll_ref *out)
{
    kz_uuid u;
    bool is_id = kz_uuid_parse(alias_or_id, strlen(alias_or_id), &u) == KZ_OK;
    char norm[KZ_UUID_STR];
    if (is_id)
        kz_uuid_format(&u, norm); /* ids are stored lower-case */
    sqlite3_stmt *st = sq_get(s, is_id ? SQ_COLL_RESOLVE_ID : SQ_COLL_RESOLVE_ALIAS);
    if (!st)
        return KZ_EDB;
    sqlite3_bind_text(st, 1, is_id ? norm : alias_or_id, -1, SQLITE_TRANSIENT);
    int src = sqlite3_step(st);
    kz_err rc = KZ_OK;
    if (src == SQLITE_ROW) {
        out->key = sqlite3_column_int64(st, 0);
        const char *id = (const char *)sqlite3_column_text(st, 1);
        snprintf(out->id, sizeof out->id, "%s", id ? id : "");
    } else if (src == SQLITE_DONE) {
        rc = KZ_ENOTFOUND;
    } else {
        rc = sq_err(s, src);
    }
    sqlite3_reset(st);
    return rc;
}

#define COLL_SELECT                                                                            \
    "SELECT c.id, c.alias, c.title, c.description, c.media_types, c.default_tlp, c.created_us," \
    " c.n_members FROM collections c "

static kz_err each_collection(kz_store *s, sqlite3_stmt *st, kz_store_collection_fn fn, void *ctx,
                              size_t *n)
{
    int src;
    *n = 0;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        kz_collection c = {0};
        const char *id = (const char *)sqlite3_column_text(st, 0);
        snprintf(c.id, sizeof c.id, "%s", id ? id : "");
        c.alias = (const char *)sqlite3_column_text(st, 1);
        c.title = (const char *)sqlite3_column_text(st, 2);
        c.description = (const char *)sqlite3_column_text(st, 3);
        c.media_types = (const char *)sqlite3_column_text(st, 4);
        c.default_tlp = (const char *)sqlite3_column_text(st, 5);
        c.created_us = sqlite3_column_int64(st, 6);
        c.n_versions = sqlite3_column_int64(st, 7);
        (*n)++;
        if (fn && fn(ctx, &c) != 0)
            return KZ_OK;
    }
    return src == SQLITE_DONE ? KZ_OK : sq_err(s, src);
}

kz_err sq_coll_get(kz_store *s, int64_t key, kz_store_collection_fn fn, void *ctx)
{
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(SQ(s)->db, COLL_SELECT "WHERE c.ckey = ?", -1, &st, NULL);
    if (src != SQLITE_OK)
        return sq_err(s, src);
    sqlite3_bind_int64(st, 1, key);
    size_t n;
    kz_err rc = each_collection(s, st, fn, ctx, &n);
    sqlite3_finalize(st);
    if (!rc && n == 0)
        rc = KZ_ENOTFOUND;
    return rc;
}

kz_err sq_coll_list(kz_store *s, kz_store_collection_fn fn, void *ctx)
{
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(SQ(s)->db, COLL_SELECT "ORDER BY c.alias", -1, &st, NULL);
    if (src != SQLITE_OK)
        return sq_err(s, src);
    size_t n;
    kz_err rc = each_collection(s, st, fn, ctx, &n);
    sqlite3_finalize(st);
    return rc;
}

kz_err sq_coll_remove(kz_store *s, int64_t key)
{
    kz_err rc = sq_write_begin(s);
    if (rc)
        return rc;
    sqlite3_stmt *st = NULL;
    static const char *const sql[] = {"DELETE FROM members WHERE ckey = ?",
                                      "DELETE FROM collections WHERE ckey = ?"};
    for (size_t i = 0; !rc && i < sizeof sql / sizeof sql[0]; i++) {
        int src = sqlite3_prepare_v2(SQ(s)->db, sql[i], -1, &st, NULL);
        if (src == SQLITE_OK) {
            sqlite3_bind_int64(st, 1, key);
            src = sqlite3_step(st);
        }
        if (src != SQLITE_DONE && src != SQLITE_OK)
            rc = sq_err(s, src);
        sqlite3_finalize(st);
        st = NULL;
    }
    return sq_write_end(s, rc);
}
