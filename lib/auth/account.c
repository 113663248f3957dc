/* account.c - accounts and API tokens in the node database (auth_* tables,
 * own SQLite connection), the in-memory account cache that makes a token
 * check one keyed hash, and the check itself. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "auth_int.h"
#include "kizuna/alloc.h"

static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS auth_meta(k TEXT PRIMARY KEY, v BLOB NOT NULL);"
    "CREATE TABLE IF NOT EXISTS auth_account("
    " name TEXT PRIMARY KEY, org TEXT NOT NULL, partner INTEGER NOT NULL DEFAULT 0,"
    " read TEXT NOT NULL DEFAULT '', write TEXT NOT NULL DEFAULT '',"
    " red TEXT NOT NULL DEFAULT '', tlp_max TEXT NOT NULL DEFAULT 'red',"
    " cert_sha256 TEXT NOT NULL DEFAULT '', token_hash BLOB NOT NULL,"
    " created_us INTEGER NOT NULL, peer INTEGER NOT NULL DEFAULT 0);";

/* Columns added after the first release, each with the default that keeps
 * an existing account's meaning: a table made before a column existed
 * gets it by ALTER TABLE (migrate_columns). */
static const struct {
    const char *name, *ddl;
} added_columns[] = {
    {"peer", "ALTER TABLE auth_account ADD COLUMN peer INTEGER NOT NULL DEFAULT 0"},
};

int64_t kz_auth_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void errf(char *errbuf, size_t errlen, const char *what, sqlite3 *db)
{
    if (errbuf && errlen)
        snprintf(errbuf, errlen, "%s: %s", what, db ? sqlite3_errmsg(db) : "out of memory");
}

/* Loads the per-node token key, making it on first use. */
static kz_err load_key(kz_auth *au)
{
    sqlite3_stmt *st = NULL;
    kz_err rc = KZ_EDB;
    if (sqlite3_exec(au->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return KZ_EDB;
    if (sqlite3_prepare_v2(au->db, "SELECT v FROM auth_meta WHERE k='token_key'", -1, &st, NULL))
        goto fail;
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW && sqlite3_column_bytes(st, 0) == KZ_AUTH_KEY_LEN) {
        memcpy(au->key, sqlite3_column_blob(st, 0), KZ_AUTH_KEY_LEN);
    } else if (r == SQLITE_DONE) {
        sqlite3_finalize(st);
        st = NULL;
        randombytes_buf(au->key, sizeof au->key);
        if (sqlite3_prepare_v2(au->db, "INSERT INTO auth_meta(k, v) VALUES('token_key', ?)", -1,
                               &st, NULL) ||
            sqlite3_bind_blob(st, 1, au->key, sizeof au->key, SQLITE_STATIC) ||
            sqlite3_step(st) != SQLITE_DONE)
            goto fail;
    } else {
        rc = KZ_ECORRUPT;
        goto fail;
    }
    sqlite3_finalize(st);
    if (sqlite3_exec(au->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        return KZ_EDB;
    return KZ_OK;
fail:
    sqlite3_finalize(st);
    sqlite3_exec(au->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

static bool has_column(sqlite3 *db, const char *col, bool *has)
{
    sqlite3_stmt *st = NULL;
    *has = false;
    if (sqlite3_prepare_v2(db, "SELECT name FROM pragma_table_info('auth_account')", -1, &st,
                           NULL) != SQLITE_OK)
        return false;
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        const unsigned char *n = sqlite3_column_text(st, 0);
        if (n && strcmp((const char *)n, col) == 0)
            *has = true;
    }
    sqlite3_finalize(st);
    return r == SQLITE_DONE;
}

/* Adds the columns an older auth_account lacks, under the write lock so
 * that two processes opening the same old node do not both alter it. */
static kz_err migrate_columns(kz_auth *au)
{
    if (sqlite3_exec(au->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return KZ_EDB;
    for (size_t i = 0; i < sizeof added_columns / sizeof added_columns[0]; i++) {
        bool has;
        if (!has_column(au->db, added_columns[i].name, &has))
            goto fail;
        if (!has && sqlite3_exec(au->db, added_columns[i].ddl, NULL, NULL, NULL) != SQLITE_OK)
            goto fail;
    }
    if (sqlite3_exec(au->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        goto fail;
    return KZ_OK;
fail:
    sqlite3_exec(au->db, "ROLLBACK", NULL, NULL, NULL);
    return KZ_EDB;
}

kz_err kz_auth_open(const char *db_path, kz_auth **out, char *errbuf, size_t errlen)
{
    *out = NULL;
    if (sodium_init() < 0)
        return KZ_ECRYPTO;
    kz_auth *au = kz_calloc(1, sizeof *au);
    if (!au)
        return KZ_ENOMEM;
    pthread_mutex_init(&au->lock, NULL);
    au->cache_version = -1;
    kz_err rc = KZ_EDB;
    if (sqlite3_open_v2(db_path, &au->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                        NULL) != SQLITE_OK) {
        errf(errbuf, errlen, "cannot open the account database", au->db);
        goto fail;
    }
    sqlite3_busy_timeout(au->db, 10000);
    if (sqlite3_exec(au->db, schema_sql, NULL, NULL, NULL) != SQLITE_OK) {
        errf(errbuf, errlen, "cannot create the account tables", au->db);
        goto fail;
    }
    if (migrate_columns(au) != KZ_OK) {
        errf(errbuf, errlen, "cannot upgrade the account table", au->db);
        goto fail;
    }
    rc = load_key(au);
    if (rc) {
        errf(errbuf, errlen, "cannot read the token key", au->db);
        goto fail;
    }
    *out = au;
    return KZ_OK;
fail:
    kz_auth_close(au);
    return rc;
}

void kz_auth_close(kz_auth *au)
{
    if (!au)
        return;
    sqlite3_close(au->db);
    sodium_memzero(au->key, sizeof au->key);
    kz_free(au->cache);
    pthread_mutex_destroy(&au->lock);
    kz_free(au);
}

static void hash_token(const kz_auth *au, const char *token, unsigned char out[KZ_AUTH_HASH_LEN])
{
    crypto_generichash(out, KZ_AUTH_HASH_LEN, (const unsigned char *)token, strlen(token), au->key,
                       sizeof au->key);
}

static void new_token(char token[KZ_AUTH_TOKEN_STR])
{
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    memcpy(token, "kz_", 3);
    sodium_bin2base64(token + 3, KZ_AUTH_TOKEN_STR - 3, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
}

static bool name_ok(const char *n)
{
    size_t len = strlen(n);
    if (len == 0 || len > KZ_AUTH_NAME_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = n[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-' || c == '@'))
            return false;
    }
    return true;
}

/* A list is "*" or comma-separated names without blanks or empty items. */
static bool list_ok(const char *l)
{
    if (!*l || strcmp(l, "*") == 0)
        return true;
    size_t item = 0;
    for (const char *p = l;; p++) {
        if (*p == ',' || *p == '\0') {
            if (item == 0)
                return false;
            item = 0;
            if (!*p)
                return true;
            continue;
        }
        if (*p == ' ' || *p == '*' || (unsigned char)*p < 0x20)
            return false;
        item++;
    }
}

kz_err kz_auth_account_add(kz_auth *au, const kz_account *a, char token[KZ_AUTH_TOKEN_STR])
{
    if (!name_ok(a->name) || !*a->org || !list_ok(a->read) || !list_ok(a->write) ||
        !list_ok(a->red) || a->tlp_max < KZ_TLP_CLEAR || a->tlp_max > KZ_TLP_RED)
        return KZ_EINVAL;
    unsigned char h[KZ_AUTH_HASH_LEN];
    new_token(token);
    hash_token(au, token, h);
    sqlite3_stmt *st = NULL;
    kz_err rc = KZ_EDB;
    pthread_mutex_lock(&au->lock);
    if (sqlite3_prepare_v2(au->db,
                           "INSERT INTO auth_account(name, org, partner, read, write, red, "
                           "tlp_max, cert_sha256, token_hash, created_us, peer) "
                           "VALUES(?,?,?,?,?,?,?,?,?,?,?)",
                           -1, &st, NULL))
        goto done;
    sqlite3_bind_text(st, 1, a->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, a->org, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, a->partner);
    sqlite3_bind_text(st, 4, a->read, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, a->write, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, a->red, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, kz_stix_tlp_name(a->tlp_max), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, a->cert_sha256, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 9, h, sizeof h, SQLITE_STATIC);
    sqlite3_bind_int64(st, 10, kz_auth_now_us());
    sqlite3_bind_int(st, 11, a->peer);
    int r = sqlite3_step(st);
    if (r == SQLITE_CONSTRAINT)
        rc = KZ_EEXIST;
    else if (r == SQLITE_DONE)
        rc = KZ_OK;
done:
    sqlite3_finalize(st);
    au->cache_version = -1;
    pthread_mutex_unlock(&au->lock);
    if (rc)
        sodium_memzero(token, KZ_AUTH_TOKEN_STR);
    return rc;
}

static kz_err exec_named(kz_auth *au, const char *sql, const char *name, const unsigned char *h)
{
    sqlite3_stmt *st = NULL;
    kz_err rc = KZ_EDB;
    pthread_mutex_lock(&au->lock);
    if (sqlite3_prepare_v2(au->db, sql, -1, &st, NULL))
        goto done;
    int i = 1;
    if (h)
        sqlite3_bind_blob(st, i++, h, KZ_AUTH_HASH_LEN, SQLITE_STATIC);
    sqlite3_bind_text(st, i, name, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_DONE)
        rc = sqlite3_changes(au->db) > 0 ? KZ_OK : KZ_ENOTFOUND;
done:
    sqlite3_finalize(st);
    au->cache_version = -1;
    pthread_mutex_unlock(&au->lock);
    return rc;
}

kz_err kz_auth_account_rotate(kz_auth *au, const char *name, char token[KZ_AUTH_TOKEN_STR])
{
    unsigned char h[KZ_AUTH_HASH_LEN];
    new_token(token);
    hash_token(au, token, h);
    kz_err rc = exec_named(au, "UPDATE auth_account SET token_hash=? WHERE name=?", name, h);
    if (rc)
        sodium_memzero(token, KZ_AUTH_TOKEN_STR);
    return rc;
}

kz_err kz_auth_account_remove(kz_auth *au, const char *name)
{
    return exec_named(au, "DELETE FROM auth_account WHERE name=?", name, NULL);
}

static void copy_col(char *dst, size_t dstsz, sqlite3_stmt *st, int col)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    snprintf(dst, dstsz, "%s", t ? (const char *)t : "");
}

static void row_to_entry(sqlite3_stmt *st, auth_entry *e)
{
    memset(e, 0, sizeof *e);
    kz_account *a = &e->acct;
    copy_col(a->name, sizeof a->name, st, 0);
    copy_col(a->org, sizeof a->org, st, 1);
    a->partner = sqlite3_column_int(st, 2) != 0;
    copy_col(a->read, sizeof a->read, st, 3);
    copy_col(a->write, sizeof a->write, st, 4);
    copy_col(a->red, sizeof a->red, st, 5);
    kz_tlp t = kz_auth_tlp_parse((const char *)sqlite3_column_text(st, 6));
    a->tlp_max = t == KZ_TLP_NONE ? KZ_TLP_CLEAR : t; /* unreadable cap: least access */
    copy_col(a->cert_sha256, sizeof a->cert_sha256, st, 7);
    if (sqlite3_column_bytes(st, 8) == KZ_AUTH_HASH_LEN)
        memcpy(e->hash, sqlite3_column_blob(st, 8), KZ_AUTH_HASH_LEN);
    a->created_us = sqlite3_column_int64(st, 9);
    a->peer = sqlite3_column_int(st, 10) != 0;
}

static const char select_sql[] = "SELECT name, org, partner, read, write, red, tlp_max, "
                                 "cert_sha256, token_hash, created_us, peer FROM auth_account";

kz_err kz_auth_account_list(kz_auth *au, kz_auth_account_fn fn, void *ctx)
{
    sqlite3_stmt *st = NULL;
    kz_err rc = KZ_EDB;
    pthread_mutex_lock(&au->lock);
    char sql[256];
    snprintf(sql, sizeof sql, "%s ORDER BY name", select_sql);
    if (sqlite3_prepare_v2(au->db, sql, -1, &st, NULL))
        goto done;
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        auth_entry e;
        row_to_entry(st, &e);
        if (fn(ctx, &e.acct))
            break;
    }
    rc = (r == SQLITE_ROW || r == SQLITE_DONE) ? KZ_OK : KZ_EDB;
done:
    sqlite3_finalize(st);
    pthread_mutex_unlock(&au->lock);
    return rc;
}

static int get_one(void *ctx, const kz_account *a)
{
    kz_account *want = ctx;
    if (strcmp(a->name, want->name) != 0)
        return 0;
    *want = *a;
    want->created_us = a->created_us ? a->created_us : 1;
    return 1;
}

kz_err kz_auth_account_get(kz_auth *au, const char *name, kz_account *out)
{
    memset(out, 0, sizeof *out);
    snprintf(out->name, sizeof out->name, "%s", name);
    kz_err rc = kz_auth_account_list(au, get_one, out);
    if (rc)
        return rc;
    return out->created_us ? KZ_OK : KZ_ENOTFOUND;
}

/* Reloads the cache (lock held). */
static kz_err reload(kz_auth *au)
{
    sqlite3_stmt *st = NULL;
    int64_t ver = -1;
    if (sqlite3_prepare_v2(au->db, "PRAGMA data_version", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        ver = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    st = NULL;
    au->cache_checked_us = kz_auth_now_us();
    if (ver >= 0 && ver == au->cache_version)
        return KZ_OK;
    auth_entry *v = NULL;
    size_t n = 0, cap = 0;
    kz_err rc = KZ_EDB;
    if (sqlite3_prepare_v2(au->db, select_sql, -1, &st, NULL))
        goto fail;
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            auth_entry *nv = kz_realloc(v, ncap * sizeof *nv);
            if (!nv) {
                rc = KZ_ENOMEM;
                goto fail;
            }
            v = nv;
            cap = ncap;
        }
        row_to_entry(st, &v[n++]);
    }
    if (r != SQLITE_DONE)
        goto fail;
    sqlite3_finalize(st);
    kz_free(au->cache);
    au->cache = v;
    au->n_cache = n;
    au->cache_version = ver;
    return KZ_OK;
fail:
    sqlite3_finalize(st);
    kz_free(v);
    return rc;
}

/* Finds the entry matching the credentials (lock held). Every candidate's
 * hash is compared in constant time; a Bearer token is compared against
 * every account so that timing does not tell how far the scan went. */
static const auth_entry *find(const kz_auth *au, const char *name, const unsigned char *h)
{
    const auth_entry *hit = NULL;
    for (size_t i = 0; i < au->n_cache; i++) {
        const auth_entry *e = &au->cache[i];
        bool same = sodium_memcmp(e->hash, h, KZ_AUTH_HASH_LEN) == 0;
        if (same && (!name || !*name || strcmp(e->acct.name, name) == 0) && !hit)
            hit = e;
    }
    return hit;
}

kz_err kz_auth_check(kz_auth *au, const char *name, const char *token, const char *client_cert,
                     kz_account *out)
{
    if (!token || !*token || strlen(token) >= KZ_AUTH_TOKEN_STR + 16)
        return KZ_EAUTH;
    unsigned char h[KZ_AUTH_HASH_LEN];
    hash_token(au, token, h);
    kz_err rc = KZ_OK;
    pthread_mutex_lock(&au->lock);
    int64_t now = kz_auth_now_us();
    /* Another process may have changed accounts: look at most every 200 ms,
     * and at once when the credentials match nothing we hold. */
    if (au->cache_version < 0 || now - au->cache_checked_us > 200000)
        rc = reload(au);
    const auth_entry *e = rc ? NULL : find(au, name, h);
    if (!e && !rc && now - au->cache_checked_us > 20000) {
        rc = reload(au);
        e = rc ? NULL : find(au, name, h);
    }
    if (e && e->acct.cert_sha256[0]) {
        if (!client_cert || strlen(client_cert) != strlen(e->acct.cert_sha256) ||
            sodium_memcmp(client_cert, e->acct.cert_sha256, strlen(client_cert)) != 0)
            e = NULL;
    }
    if (e)
        *out = e->acct;
    pthread_mutex_unlock(&au->lock);
    if (rc)
        return rc;
    return e ? KZ_OK : KZ_EAUTH;
}
