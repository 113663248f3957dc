/* objects.c - the SQLite backend's writes: one batch of object versions
 * into a collection in one transaction, with date_added allocation and the
 * added / present / conflict decision per object. */
#include <string.h>

#include "kizuna/alloc.h"
#include "kizuna/arena.h"
#include "kizuna/json.h"
#include "store/sqlite/sqlite_int.h"

/* Same (id, version), different bytes: the same content written
 * differently (member order, white space, number spelling) is not a
 * conflict, so compare parsed values. Returns true when equal. */
static bool same_content(kz_store *s, int64_t okey, const kz_store_object *o, kz_err *rc)
{
    *rc = KZ_OK;
    sqlite3_stmt *st = sq_get(s, SQ_OBJ_JSON);
    if (!st) {
        *rc = KZ_EDB;
        return false;
    }
    sqlite3_bind_int64(st, 1, okey);
    int src = sqlite3_step(st);
    if (src != SQLITE_ROW) {
        *rc = sq_err(s, src);
        sqlite3_reset(st);
        return false;
    }
    const char *old = sqlite3_column_blob(st, 0);
    size_t old_len = (size_t)sqlite3_column_bytes(st, 0);
    if (old_len == o->json_len && memcmp(old, o->json, old_len) == 0) {
        sqlite3_reset(st);
        return true;
    }
    bool eq = false;
    kz_arena *a = kz_arena_new(0);
    if (!a) {
        *rc = KZ_ENOMEM;
    } else {
        kz_json *va = NULL, *vb = NULL;
        if (kz_json_parse(a, old, old_len, NULL, &va, NULL) == KZ_OK &&
            kz_json_parse(a, o->json, o->json_len, NULL, &vb, NULL) == KZ_OK)
            eq = kz_json_equal(va, vb);
    }
    kz_arena_free(a);
    sqlite3_reset(st);
    return eq;
}

/* Finds an existing version: *okey 0 when there is none. Together with
 * the insert that follows it in the same write transaction this is what
 * keeps (id, vkey) unique (schema 3 has no unique index on the texts). */
static kz_err find_existing(kz_store *s, const kz_store_object *o, const kz_store_vinfo *vi,
                            int64_t id_hash, int64_t *okey, uint64_t *hash)
{
    sqlite3_stmt *st = sq_get(s, vi->versionless ? SQ_OBJ_FIND_VERSIONLESS : SQ_OBJ_FIND);
    if (!st)
        return KZ_EDB;
    sqlite3_bind_text(st, 1, o->id, -1, SQLITE_STATIC);
    if (!vi->versionless)
        sqlite3_bind_text(st, 2, vi->vkey, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, id_hash);
    int src = sqlite3_step(st);
    *okey = 0;
    if (src == SQLITE_ROW) {
        *okey = sqlite3_column_int64(st, 0);
        *hash = (uint64_t)sqlite3_column_int64(st, 1);
    } else if (src != SQLITE_DONE) {
        kz_err rc = sq_err(s, src);
        sqlite3_reset(st);
        return rc;
    }
    sqlite3_reset(st);
    return KZ_OK;
}

/* Inserts a new version (the caller has checked that (id, vkey) is not
 * stored) and queues its full-text body; *okey gets its key. */
static kz_err insert_object(kz_store *s, const kz_store_object *o, const kz_store_vinfo *vi,
                            int64_t id_hash, int64_t added_us, uint64_t hash, int64_t *okey)
{
    char vkey[KZ_TIME_MAX], version[KZ_TIME_MAX];
    const char *vk = vi->vkey, *ver = vi->version;
    if (vi->versionless) {
        /* The version rule's last case: the date_added of first storage. */
        kz_time t = {.sec = added_us / 1000000, .nsec = (int32_t)(added_us % 1000000) * 1000};
        kz_time_format_digits(&t, 9, vkey);
        kz_store_format_us(added_us, version);
        vk = vkey;
        ver = version;
    }
    sqlite3_stmt *st = sq_get(s, SQ_OBJ_INSERT);
    if (!st)
        return KZ_EDB;
    sqlite3_bind_text(st, 1, o->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, vk, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, o->type, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, ver, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, o->spec_version ? o->spec_version : "2.1", -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 6, vi->versionless);
    sqlite3_bind_int(st, 7, o->revoked);
    if (o->tlp)
        sqlite3_bind_text(st, 8, o->tlp, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 9, (sqlite3_int64)hash);
    sqlite3_bind_int64(st, 10, added_us);
    sqlite3_bind_blob(st, 11, o->json, (int)o->json_len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 12, id_hash);
    int src = sqlite3_step(st);
    sqlite3_reset(st);
    if (src != SQLITE_DONE)
        return sq_err(s, src);
    *okey = sqlite3_last_insert_rowid(SQ(s)->db);
    if (!o->fts_text || !*o->fts_text)
        return KZ_OK;
    return s->fts_defer ? sq_fts_queue(s, *okey, o->fts_text)
                        : sq_fts_insert(s, *okey, o->fts_text);
}

/* Adds okey to the collection at added_us; *added false if it was a member. */
static kz_err add_member(kz_store *s, int64_t coll, int64_t added_us, int64_t okey, bool *added)
{
    sqlite3_stmt *st = sq_get(s, SQ_MEMBER_INSERT);
    if (!st)
        return KZ_EDB;
    sqlite3_bind_int64(st, 1, coll);
    sqlite3_bind_int64(st, 2, added_us);
    sqlite3_bind_int64(st, 3, okey);
    int src = sqlite3_step(st);
    sqlite3_reset(st);
    if (src != SQLITE_DONE)
        return sq_err(s, src);
    *added = sqlite3_changes(SQ(s)->db) > 0;
    return KZ_OK;
}

static kz_err last_added(kz_store *s, int64_t coll, int64_t *out)
{
    sqlite3_stmt *st = sq_get(s, SQ_COLL_LAST_ADDED);
    if (!st)
        return KZ_EDB;
    sqlite3_bind_int64(st, 1, coll);
    int src = sqlite3_step(st);
    kz_err rc = KZ_OK;
    if (src == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    else
        rc = src == SQLITE_DONE ? KZ_ENOTFOUND : sq_err(s, src);
    sqlite3_reset(st);
    return rc;
}

static kz_err set_last_added(kz_store *s, int64_t coll, int64_t us, int64_t added)
{
    sqlite3_stmt *st = sq_get(s, SQ_COLL_SET_LAST_ADDED);
    if (!st)
        return KZ_EDB;
    sqlite3_bind_int64(st, 1, coll);
    sqlite3_bind_int64(st, 2, us);
    sqlite3_bind_int64(st, 3, added);
    int src = sqlite3_step(st);
    sqlite3_reset(st);
    return src == SQLITE_DONE ? KZ_OK : sq_err(s, src);
}

kz_err sq_put_batch(kz_store *s, int64_t coll, const kz_store_object *objs,
                    const kz_store_vinfo *vi, size_t n, kz_store_put_result *res,
                    kz_store_put_stats *stats)
{
    kz_store_put_stats st = {0};
    kz_err rc = sq_write_begin(s);
    if (rc)
        return rc;
    /* date_added is allocated inside the write transaction, which holds
     * the database's single write lock: max(now, last + 1) makes it
     * strictly increasing and unique per collection whatever the clock or
     * the number of writers. */
    int64_t last = 0;
    rc = last_added(s, coll, &last);
    if (rc)
        goto done;
    kz_time now_t = kz_time_now();
    int64_t now = kz_store_time_us(&now_t);
    int64_t next = now > last ? now : last + 1;
    int64_t first_next = next;
    for (size_t i = 0; i < n; i++) {
        const kz_store_object *o = &objs[i];
        if (res[i] == KZ_STORE_REJECTED) {
            st.rejected++;
            continue;
        }
        uint64_t h = kz_store_hash(o->json, o->json_len, KZ_STORE_HASH_INIT);
        int64_t idh = (int64_t)kz_store_id_hash(o->id, strlen(o->id));
        int64_t okey = 0;
        uint64_t old_hash = 0;
        bool is_new = false;
        rc = find_existing(s, o, &vi[i], idh, &okey, &old_hash);
        if (rc)
            goto done;
        if (!okey) {
            rc = insert_object(s, o, &vi[i], idh, next, h, &okey);
            if (rc)
                goto done;
            is_new = true;
        }
        if (!is_new && old_hash != h && !same_content(s, okey, o, &rc)) {
            if (rc)
                goto done;
            res[i] = KZ_STORE_CONFLICT;
            st.conflict++;
            continue;
        }
        bool added = false;
        rc = add_member(s, coll, next, okey, &added);
        if (rc)
            goto done;
        if (added) {
            next++;
            res[i] = KZ_STORE_ADDED;
            st.added++;
        } else {
            res[i] = KZ_STORE_PRESENT;
            st.present++;
        }
    }
    if (next != first_next)
        rc = set_last_added(s, coll, next - 1, next - first_next);
    /* A plain put_batch indexed each body in this same transaction
     * (search sees what was just written). A bulk import (fts_defer)
     * queued them instead and indexes them in big batches, here once
     * enough wait, and the rest when it ends (kz_store_import_fd). */
    if (!rc && s->fts_defer && SQ(s)->fts_queued >= SQ_FTS_DRAIN_AT)
        rc = sq_fts_drain(s, 0, NULL);
done:
    rc = sq_write_end(s, rc);
    if (!rc && stats) {
        stats->added += st.added;
        stats->present += st.present;
        stats->conflict += st.conflict;
        stats->rejected += st.rejected;
    }
    return rc;
}
