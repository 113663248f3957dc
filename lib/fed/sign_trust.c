/* sign_trust.c - the trust store: partners' public keys by name, in memory
 * for verification and persisted in the node database (table fed_trust,
 * through this file's own SQLite connection). */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fed/sign_int.h"
#include "kizuna/alloc.h"

/* A trust set is read whole; a cap keeps a corrupt table from exhausting memory. */
#define TRUST_MAX 100000

bool kz_fed_trust_name_ok(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > KZ_FED_TRUST_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return false;
    }
    return true;
}

kz_fed_trust *kz_fed_trust_new(void)
{
    return kz_calloc(1, sizeof(kz_fed_trust));
}

void kz_fed_trust_free(kz_fed_trust *t)
{
    if (!t)
        return;
    kz_free(t->e);
    kz_free(t);
}

size_t kz_fed_trust_count(const kz_fed_trust *t)
{
    return t ? t->n : 0;
}

kz_err kz_fed_trust_entry(const kz_fed_trust *t, size_t i, const char **name,
                          const char **key_id)
{
    if (!t || i >= t->n)
        return KZ_ENOTFOUND;
    if (name)
        *name = t->e[i].name;
    if (key_id)
        *key_id = t->e[i].id;
    return KZ_OK;
}

const char *kz_fed_trust_lookup(const kz_fed_trust *t, const uint8_t pk[KZ_FED_PUBKEY_BYTES])
{
    /* A node trusts a handful of partners: a linear scan beats any index. */
    for (size_t i = 0; t && i < t->n; i++)
        if (memcmp(t->e[i].pk, pk, KZ_FED_PUBKEY_BYTES) == 0)
            return t->e[i].name;
    return NULL;
}

kz_err kz_fed_trust_put(kz_fed_trust *t, const char *name, const char *key_id)
{
    uint8_t pk[KZ_FED_PUBKEY_BYTES];
    if (!t || !kz_fed_trust_name_ok(name))
        return KZ_EINVAL;
    if (kz_fed_key_id_parse(key_id, pk) != KZ_OK)
        return KZ_EPARSE;
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->e[i].name, name) == 0 || memcmp(t->e[i].pk, pk, sizeof pk) == 0)
            return KZ_EEXIST;
    if (t->n >= TRUST_MAX)
        return KZ_ETOOBIG;
    if (t->n == t->cap) {
        size_t nc = t->cap ? t->cap * 2 : 8;
        kz_fed_trust_ent *ne = kz_realloc(t->e, nc * sizeof *ne);
        if (!ne)
            return KZ_ENOMEM;
        t->e = ne;
        t->cap = nc;
    }
    kz_fed_trust_ent *e = &t->e[t->n++];
    memset(e, 0, sizeof *e);
    memcpy(e->name, name, strlen(name));
    memcpy(e->id, key_id, KZ_FED_KEY_ID_SIZE);
    memcpy(e->pk, pk, sizeof pk);
    return KZ_OK;
}

/* ---- persistence ---- */

static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS fed_trust ("
    " name TEXT PRIMARY KEY,"
    " key TEXT NOT NULL UNIQUE,"
    " added TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')))";

/* Opens DIR/kizuna.db read-write (never creates it: a missing database
 * means no node, KZ_ENOTFOUND) and makes sure fed_trust exists. */
static kz_err db_open(const char *dir, sqlite3 **db)
{
    char path[4096];
    *db = NULL;
    if ((size_t)snprintf(path, sizeof path, "%s/kizuna.db", dir) >= sizeof path)
        return KZ_ETOOBIG;
    if (access(path, F_OK) != 0)
        return KZ_ENOTFOUND;
    if (sqlite3_open_v2(path, db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        sqlite3_close(*db);
        *db = NULL;
        return KZ_EDB;
    }
    sqlite3_busy_timeout(*db, 10000);
    if (sqlite3_exec(*db, schema_sql, NULL, NULL, NULL) != SQLITE_OK) {
        sqlite3_close(*db);
        *db = NULL;
        return KZ_EDB;
    }
    return KZ_OK;
}

kz_err kz_fed_trust_load(const char *dir, kz_fed_trust **out)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    kz_fed_key *self = NULL;
    *out = NULL;
    kz_fed_trust *t = kz_fed_trust_new();
    if (!t)
        return KZ_ENOMEM;
    kz_err rc = db_open(dir, &db);
    if (rc)
        goto fail;
    if (sqlite3_prepare_v2(db, "SELECT name, key FROM fed_trust ORDER BY name", -1, &st,
                           NULL) != SQLITE_OK) {
        rc = KZ_EDB;
        goto fail;
    }
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        const char *key = (const char *)sqlite3_column_text(st, 1);
        rc = kz_fed_trust_put(t, name, key);
        if (rc == KZ_EINVAL || rc == KZ_EPARSE || rc == KZ_EEXIST)
            rc = KZ_ECORRUPT;
        if (rc)
            goto fail;
    }
    if (s != SQLITE_DONE) {
        rc = KZ_EDB;
        goto fail;
    }
    rc = kz_fed_key_load_dir(dir, &self);
    if (rc == KZ_OK) {
        /* Its own key is trusted as "self" unless an operator also added it by name. */
        rc = kz_fed_trust_put(t, "self", kz_fed_key_id(self));
        if (rc == KZ_EEXIST)
            rc = KZ_OK;
        if (rc)
            goto fail;
    } else if (rc != KZ_ENOTFOUND) {
        goto fail;
    }
    rc = KZ_OK;
    sqlite3_finalize(st);
    sqlite3_close(db);
    kz_fed_key_free(self);
    *out = t;
    return KZ_OK;
fail:
    sqlite3_finalize(st);
    sqlite3_close(db);
    kz_fed_key_free(self);
    kz_fed_trust_free(t);
    return rc;
}

kz_err kz_fed_trust_add(const char *dir, const char *name, const char *key_id)
{
    uint8_t pk[KZ_FED_PUBKEY_BYTES];
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    if (!kz_fed_trust_name_ok(name) || strcmp(name, "self") == 0)
        return KZ_EINVAL;
    if (kz_fed_key_id_parse(key_id, pk) != KZ_OK)
        return KZ_EPARSE;
    kz_err rc = db_open(dir, &db);
    if (rc)
        return rc;
    if (sqlite3_prepare_v2(db, "INSERT INTO fed_trust(name, key) VALUES (?1, ?2)", -1, &st,
                           NULL) != SQLITE_OK) {
        rc = KZ_EDB;
        goto done;
    }
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, key_id, -1, SQLITE_STATIC);
    int s = sqlite3_step(st);
    if (s == SQLITE_CONSTRAINT)
        rc = KZ_EEXIST; /* the name or the key (UNIQUE) */
    else if (s != SQLITE_DONE)
        rc = KZ_EDB;
done:
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rc;
}

kz_err kz_fed_trust_remove(const char *dir, const char *name)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    if (!name)
        return KZ_EINVAL;
    kz_err rc = db_open(dir, &db);
    if (rc)
        return rc;
    if (sqlite3_prepare_v2(db, "DELETE FROM fed_trust WHERE name = ?1", -1, &st, NULL) !=
        SQLITE_OK) {
        rc = KZ_EDB;
        goto done;
    }
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = KZ_EDB;
    else if (sqlite3_changes(db) == 0)
        rc = KZ_ENOTFOUND;
done:
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rc;
}
