/* provenance_post.c - provenance of objects POSTed to the node over TAXII:
 * for each version a POST added, the account that delivered it first and
 * when, in table fed_post_provenance, written through the TAXII server's
 * on_added hook after the store committed (see kz_fed_postlog_record for
 * the crash window this leaves). */
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kizuna/alloc.h"
#include "kizuna/fed.h"
#include "kizuna/fed_publish.h"

struct kz_fed_postlog {
    pthread_mutex_t lock; /* one transaction at a time on db */
    sqlite3 *db;
};

/* A table of our own next to fed_provenance (whose columns belong to the
 * pull path): every statement idempotent, no PRAGMA user_version. */
static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS fed_post_provenance("
    " id TEXT NOT NULL, version TEXT NOT NULL, account TEXT NOT NULL,"
    " at_us INTEGER NOT NULL, PRIMARY KEY(id, version)) WITHOUT ROWID;";

/* First delivery wins: over an earlier POST (the primary key) and over a
 * federation peer that delivered the same version (fed_provenance). */
static const char insert_sql[] =
    "INSERT OR IGNORE INTO fed_post_provenance(id, version, account, at_us)"
    " SELECT ?1, ?2, ?3, ?4 WHERE NOT EXISTS"
    " (SELECT 1 FROM fed_provenance WHERE id=?1 AND version=?2 AND pending=0)";

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

kz_err kz_fed_postlog_open(const char *dir, kz_fed_postlog **out, char *errbuf, size_t errlen)
{
    *out = NULL;
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s/kizuna.db", dir) >= sizeof path) {
        snprintf(errbuf, errlen, "data directory path too long");
        return KZ_ETOOBIG;
    }
    if (access(path, F_OK) != 0) {
        snprintf(errbuf, errlen, "no node in '%s'", dir);
        return KZ_ENOTFOUND;
    }
    /* fed_provenance, which the insert consults, exists once the
     * federation state was opened; opening it here makes sure. */
    kz_fed *f = NULL;
    kz_err rc = kz_fed_open(dir, &f, errbuf, errlen);
    kz_fed_close(f);
    if (rc)
        return rc;
    kz_fed_postlog *l = kz_calloc(1, sizeof *l);
    if (!l)
        return KZ_ENOMEM;
    pthread_mutex_init(&l->lock, NULL);
    if (sqlite3_open_v2(path, &l->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, NULL) !=
            SQLITE_OK ||
        sqlite3_busy_timeout(l->db, 15000) != SQLITE_OK ||
        sqlite3_exec(l->db, schema_sql, NULL, NULL, NULL) != SQLITE_OK) {
        snprintf(errbuf, errlen, "POST provenance in '%s': %s", path,
                 l->db ? sqlite3_errmsg(l->db) : "out of memory");
        kz_fed_postlog_close(l);
        return KZ_EDB;
    }
    *out = l;
    return KZ_OK;
}

void kz_fed_postlog_close(kz_fed_postlog *l)
{
    if (!l)
        return;
    sqlite3_close(l->db);
    pthread_mutex_destroy(&l->lock);
    kz_free(l);
}

static kz_err dberr(sqlite3 *db)
{
    return sqlite3_errcode(db) == SQLITE_BUSY ? KZ_EBUSY : KZ_EDB;
}

/* Called after the store's commit, so a crash between the two leaves an
 * added version without its POST provenance (`kizuna show` then says
 * local); the client, which never got its status, posts again, the store
 * answers "present" and nothing is recorded then either. Recording before
 * the store's transaction would instead claim deliveries that a failed
 * commit never stored; the narrower window was preferred. */
kz_err kz_fed_postlog_record(kz_fed_postlog *l, const char *account, const char *const *ids,
                             const char *const *versions, size_t n)
{
    if (n == 0)
        return KZ_OK;
    sqlite3_stmt *st = NULL;
    kz_err rc = KZ_OK;
    pthread_mutex_lock(&l->lock);
    if (sqlite3_exec(l->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
        rc = dberr(l->db);
        goto out;
    }
    if (sqlite3_prepare_v2(l->db, insert_sql, -1, &st, NULL) != SQLITE_OK) {
        rc = dberr(l->db);
        goto fail;
    }
    int64_t now = now_us();
    for (size_t i = 0; i < n; i++) {
        if (!ids[i] || !versions[i])
            continue;
        sqlite3_reset(st);
        sqlite3_bind_text(st, 1, ids[i], -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, versions[i], -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, account, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, now);
        if (sqlite3_step(st) != SQLITE_DONE) {
            rc = dberr(l->db);
            goto fail;
        }
    }
    sqlite3_finalize(st);
    st = NULL;
    if (sqlite3_exec(l->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        rc = dberr(l->db);
        goto fail;
    }
    goto out;
fail:
    sqlite3_finalize(st);
    sqlite3_exec(l->db, "ROLLBACK", NULL, NULL, NULL);
out:
    pthread_mutex_unlock(&l->lock);
    return rc;
}

kz_err kz_fed_postlog_get(kz_fed_postlog *l, const char *id, kz_fed_post_prov_fn fn, void *ctx)
{
    sqlite3_stmt *st = NULL;
    kz_err rc = KZ_OK;
    pthread_mutex_lock(&l->lock);
    if (sqlite3_prepare_v2(l->db,
                           "SELECT id, version, account, at_us FROM fed_post_provenance"
                           " WHERE id=? ORDER BY version",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = dberr(l->db);
        goto out;
    }
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        kz_fed_post_prov p = {
            (const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1),
            (const char *)sqlite3_column_text(st, 2), sqlite3_column_int64(st, 3)};
        if (fn(ctx, &p))
            break;
    }
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        rc = dberr(l->db);
out:
    sqlite3_finalize(st);
    pthread_mutex_unlock(&l->lock);
    return rc;
}
