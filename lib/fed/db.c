/* db.c - the fed_* tables: opening them next to the store (schema
 * version and migrations), peers, subscriptions and their durable state
 * (pull checkpoints, push outbox cursors and retry state), provenance. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fed_int.h"

/* Version 1: our own tables, never anyone else's. PRAGMA user_version is
 * the store's, so our version is the one row of fed_meta; a database from
 * before fed_meta existed has these very tables (CREATE TABLE IF NOT
 * EXISTS then was the whole schema) and counts as version 1. */
static const char schema_v1[] =
    "CREATE TABLE IF NOT EXISTS fed_peer("
    " name TEXT PRIMARY KEY, url TEXT NOT NULL, token TEXT NOT NULL, user TEXT,"
    " ca_file TEXT, insecure INTEGER NOT NULL DEFAULT 0, client_cert TEXT, client_key TEXT,"
    " last_success_us INTEGER NOT NULL DEFAULT 0, last_attempt_us INTEGER NOT NULL DEFAULT 0,"
    " last_error TEXT);"
    "CREATE TABLE IF NOT EXISTS fed_sub("
    " id INTEGER PRIMARY KEY, dir INTEGER NOT NULL, peer TEXT NOT NULL,"
    " local TEXT NOT NULL, remote TEXT NOT NULL, types TEXT, tlp_max TEXT,"
    " sig INTEGER NOT NULL DEFAULT 0,"
    " UNIQUE(dir, peer, local, remote));"
    /* pull: the added_after of the next page; advanced in the transaction
     * that stores each page */
    "CREATE TABLE IF NOT EXISTS fed_checkpoint("
    " sub_id INTEGER PRIMARY KEY, added_after TEXT NOT NULL DEFAULT '',"
    " added_after_us INTEGER NOT NULL DEFAULT 0,"
    " last_success_us INTEGER NOT NULL DEFAULT 0, last_error TEXT);"
    /* push: the outbox of a push subscription is its local collection after
     * cursor_us (date_added, strictly increasing); retry state next to it */
    "CREATE TABLE IF NOT EXISTS fed_outbox("
    " sub_id INTEGER PRIMARY KEY, cursor_us INTEGER NOT NULL DEFAULT 0,"
    " attempts INTEGER NOT NULL DEFAULT 0, next_try_us INTEGER NOT NULL DEFAULT 0,"
    " last_success_us INTEGER NOT NULL DEFAULT 0, last_error TEXT);"
    /* pending: 1 only in version-1 databases (a row staged before its page
     * was stored, by the two-connection pull of that time); since version
     * 2 every row is written with its page and pending is always 0. Kept
     * because readers select pending=0. */
    "CREATE TABLE IF NOT EXISTS fed_provenance("
    " id TEXT NOT NULL, version TEXT NOT NULL, peer TEXT NOT NULL, sub_id INTEGER NOT NULL,"
    " at_us INTEGER NOT NULL, pending INTEGER NOT NULL DEFAULT 0,"
    " PRIMARY KEY(id, version)) WITHOUT ROWID;"
    /* the signature verdict on arrival of each version first delivered by
     * a peer (fed_sign.h): status name, signer (trust name) and whether the
     * subscription's policy marked it as unverified */
    "CREATE TABLE IF NOT EXISTS fed_verify("
    " id TEXT NOT NULL, version TEXT NOT NULL, status TEXT NOT NULL, signer TEXT,"
    " key_id TEXT, marked INTEGER NOT NULL DEFAULT 0, PRIMARY KEY(id, version)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS fed_meta(version INTEGER NOT NULL);";

/* Migrations: migrations[i] takes version i + 1 to i + 2, in one
 * transaction with the version bump (a crash leaves the old version). */
static const char *const migrations[] = {
    /* 1 -> 2: provenance is written in the page's own transaction. A row
     * still pending was staged by a version-1 pull that died before
     * settling it; its page was not checkpointed, so the next pull fetches
     * it again and records the versions it adds. Which of them the dead
     * attempt stored cannot be told any more: dropping the rows loses
     * provenance of at most one page per subscription (shown as "local"),
     * where keeping them would invent it. */
    "DELETE FROM fed_verify WHERE EXISTS (SELECT 1 FROM fed_provenance p"
    " WHERE p.id=fed_verify.id AND p.version=fed_verify.version AND p.pending=1);"
    "DELETE FROM fed_provenance WHERE pending=1;",
};
#define FED_SCHEMA_VERSION ((int)(sizeof migrations / sizeof migrations[0]) + 1)

int64_t fed_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

kz_err fed_seterr(kz_fed *f, kz_err rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->err, sizeof f->err, fmt, ap);
    va_end(ap);
    return rc;
}

kz_err fed_dberr(kz_fed *f, const char *what)
{
    int code = sqlite3_errcode(f->db);
    fed_seterr(f, KZ_EDB, "%s: %s", what, sqlite3_errmsg(f->db));
    return code == SQLITE_BUSY ? KZ_EBUSY : KZ_EDB;
}

const char *kz_fed_errmsg(const kz_fed *f)
{
    return f ? f->err : "no federation handle";
}

kz_store *kz_fed_store(kz_fed *f)
{
    return f->store;
}

static kz_err begin(kz_fed *f);
static kz_err commit(kz_fed *f);

/* The fed_meta version: 0 when the table or its row is missing (a new
 * database, or one from before fed_meta). */
static kz_err read_version(kz_fed *f, int *out)
{
    *out = 0;
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(f->db, "SELECT max(version) FROM fed_meta", -1, &st, NULL);
    if (src == SQLITE_ERROR && !st)
        return KZ_OK; /* no such table */
    if (src != SQLITE_OK)
        return fed_dberr(f, "federation schema version");
    src = sqlite3_step(st);
    if (src == SQLITE_ROW)
        *out = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (src != SQLITE_ROW && src != SQLITE_DONE)
        return fed_dberr(f, "federation schema version");
    return KZ_OK;
}

static kz_err exec_sql(kz_fed *f, const char *sql, const char *what)
{
    char *msg = NULL;
    if (sqlite3_exec(f->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        kz_err rc = fed_dberr(f, what);
        sqlite3_free(msg);
        return rc;
    }
    return KZ_OK;
}

/* Creates or upgrades the fed_* tables to FED_SCHEMA_VERSION. The common
 * case (already current) reads one row and takes no write lock; otherwise
 * under BEGIN IMMEDIATE, looking again (another process may have upgraded
 * meanwhile). KZ_EVERSION for tables newer than this program. */
static kz_err schema_open(kz_fed *f, char *errbuf, size_t errlen)
{
    int v;
    kz_err rc = read_version(f, &v);
    if (!rc && v == FED_SCHEMA_VERSION)
        return KZ_OK;
    if (!rc && v > FED_SCHEMA_VERSION)
        rc = fed_seterr(f, KZ_EVERSION,
                        "federation tables are version %d, this program knows up to %d", v,
                        FED_SCHEMA_VERSION);
    if (!rc)
        rc = begin(f);
    if (rc)
        goto out;
    rc = exec_sql(f, schema_v1, "federation tables");
    if (!rc)
        rc = read_version(f, &v);
    if (!rc && v > FED_SCHEMA_VERSION)
        rc = fed_seterr(f, KZ_EVERSION,
                        "federation tables are version %d, this program knows up to %d", v,
                        FED_SCHEMA_VERSION);
    for (int from = v ? v : 1; !rc && from < FED_SCHEMA_VERSION; from++)
        rc = exec_sql(f, migrations[from - 1], "federation tables migration");
    if (!rc && v != FED_SCHEMA_VERSION) {
        char bump[96];
        snprintf(bump, sizeof bump, "DELETE FROM fed_meta; INSERT INTO fed_meta VALUES(%d)",
                 FED_SCHEMA_VERSION);
        rc = exec_sql(f, bump, "federation schema version");
    }
    if (rc)
        sqlite3_exec(f->db, "ROLLBACK", NULL, NULL, NULL);
    else
        rc = commit(f);
out:
    if (rc && errbuf)
        snprintf(errbuf, errlen, "%s", f->err);
    return rc;
}

kz_err kz_fed_open(const char *dir, kz_fed **out, char *errbuf, size_t errlen)
{
    *out = NULL;
    kz_fed *f = calloc(1, sizeof *f);
    if (!f)
        return KZ_ENOMEM;
    kz_err rc = kz_store_open_dir(dir, false, &f->store, errbuf, errlen);
    if (rc)
        goto fail;
    snprintf(f->dir, sizeof f->dir, "%s", dir);
    char path[1100];
    snprintf(path, sizeof path, "%s/kizuna.db", dir);
    if (sqlite3_open_v2(path, &f->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, NULL) !=
        SQLITE_OK) {
        rc = KZ_EDB;
        if (errbuf)
            snprintf(errbuf, errlen, "cannot open '%s': %s", path,
                     f->db ? sqlite3_errmsg(f->db) : "out of memory");
        goto fail;
    }
    sqlite3_busy_timeout(f->db, 15000);
    /* FULL: a checkpoint or outbox cursor once written survives power loss,
     * like the store's default */
    sqlite3_exec(f->db, "PRAGMA synchronous=FULL", NULL, NULL, NULL);
    rc = schema_open(f, errbuf, errlen);
    if (rc)
        goto fail;
    *out = f;
    return KZ_OK;
fail:
    kz_fed_close(f);
    return rc;
}

void kz_fed_close(kz_fed *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < FED_CLIENT_CACHE; i++)
        fed_client_free(f->clients[i]);
    if (f->db)
        sqlite3_close_v2(f->db);
    kz_store_close(f->store);
    free(f);
}

/* ---- small statement helpers ---- */
static kz_err prep(kz_fed *f, const char *sql, sqlite3_stmt **st)
{
    if (sqlite3_prepare_v2(f->db, sql, -1, st, NULL) != SQLITE_OK)
        return fed_dberr(f, "prepare");
    return KZ_OK;
}

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
    if (s && *s)
        sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

/* Write transactions of this module: BEGIN IMMEDIATE takes the write lock
 * up front; a failed COMMIT rolls back. */
static kz_err begin(kz_fed *f)
{
    if (sqlite3_exec(f->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return fed_dberr(f, "begin");
    return KZ_OK;
}

static kz_err commit(kz_fed *f)
{
    if (sqlite3_exec(f->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        kz_err rc = fed_dberr(f, "commit");
        sqlite3_exec(f->db, "ROLLBACK", NULL, NULL, NULL);
        return rc;
    }
    return KZ_OK;
}

static kz_err step_done(kz_fed *f, sqlite3_stmt *st, const char *what)
{
    int r = sqlite3_step(st);
    kz_err rc = KZ_OK;
    if (r == SQLITE_CONSTRAINT)
        rc = fed_seterr(f, KZ_EEXIST, "%s: already exists", what);
    else if (r != SQLITE_DONE)
        rc = fed_dberr(f, what);
    sqlite3_finalize(st);
    return rc;
}

static const char *col(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

/* ---- peers ---- */
static bool name_ok(const char *n)
{
    size_t len = n ? strlen(n) : 0;
    if (len == 0 || len > KZ_FED_NAME_MAX)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-", n[i]))
            return false;
    return true;
}

kz_err kz_fed_peer_add(kz_fed *f, const kz_fed_peer *p)
{
    if (!name_ok(p->name))
        return fed_seterr(f, KZ_EINVAL, "bad peer name '%s' (letters, digits, _ . -)",
                          p->name ? p->name : "");
    if (!p->url || (strncmp(p->url, "https://", 8) && strncmp(p->url, "http://127.0.0.1", 16)))
        return fed_seterr(f, KZ_EINVAL, "peer url must be https:// (http:// only on 127.0.0.1)");
    if (!p->token || !*p->token)
        return fed_seterr(f, KZ_EINVAL, "a peer needs a token");
    if ((p->client_cert == NULL) != (p->client_key == NULL))
        return fed_seterr(f, KZ_EINVAL, "--client-cert and --client-key go together");
    if (p->insecure && p->ca_file)
        return fed_seterr(f, KZ_EINVAL, "--ca and --insecure exclude each other");
    sqlite3_stmt *st;
    kz_err rc = prep(f,
                     "INSERT INTO fed_peer(name,url,token,user,ca_file,insecure,client_cert,"
                     "client_key) VALUES(?,?,?,?,?,?,?,?)",
                     &st);
    if (rc)
        return rc;
    bind_text(st, 1, p->name);
    bind_text(st, 2, p->url);
    bind_text(st, 3, p->token);
    bind_text(st, 4, p->user);
    bind_text(st, 5, p->ca_file);
    sqlite3_bind_int(st, 6, p->insecure);
    bind_text(st, 7, p->client_cert);
    bind_text(st, 8, p->client_key);
    return step_done(f, st, "peer");
}

static const char peer_cols[] = "SELECT name,url,token,user,ca_file,insecure,client_cert,client_key,"
                                "last_success_us,last_attempt_us,last_error FROM fed_peer";

static void peer_from_row(sqlite3_stmt *st, kz_fed_peer *p)
{
    memset(p, 0, sizeof *p);
    p->name = col(st, 0);
    p->url = col(st, 1);
    p->token = col(st, 2);
    p->user = col(st, 3);
    p->ca_file = col(st, 4);
    p->insecure = sqlite3_column_int(st, 5) != 0;
    p->client_cert = col(st, 6);
    p->client_key = col(st, 7);
    p->last_success_us = sqlite3_column_int64(st, 8);
    p->last_attempt_us = sqlite3_column_int64(st, 9);
    p->last_error = col(st, 10);
}

static kz_err peer_query(kz_fed *f, const char *name, kz_fed_peer_fn fn, void *ctx)
{
    char sql[512];
    snprintf(sql, sizeof sql, "%s%s", peer_cols, name ? " WHERE name=?" : " ORDER BY name");
    sqlite3_stmt *st;
    kz_err rc = prep(f, sql, &st);
    if (rc)
        return rc;
    if (name)
        bind_text(st, 1, name);
    size_t n = 0;
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        kz_fed_peer p;
        peer_from_row(st, &p);
        n++;
        if (fn && fn(ctx, &p))
            break;
    }
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        rc = fed_dberr(f, "peers");
    sqlite3_finalize(st);
    if (!rc && name && n == 0)
        rc = fed_seterr(f, KZ_ENOTFOUND, "no peer '%s'", name);
    return rc;
}

kz_err kz_fed_peer_get(kz_fed *f, const char *name, kz_fed_peer_fn fn, void *ctx)
{
    return peer_query(f, name, fn, ctx);
}

kz_err kz_fed_peer_list(kz_fed *f, kz_fed_peer_fn fn, void *ctx)
{
    return peer_query(f, NULL, fn, ctx);
}

static int copy_peer(void *ctx, const kz_fed_peer *p)
{
    fed_peer_rec *r = ctx;
    const char *src[9] = {p->name,     p->url,        p->token,      p->user,      p->ca_file,
                          p->client_cert, p->client_key, p->last_error, NULL};
    const char **dst[9] = {&r->p.name,     &r->p.url,        &r->p.token,
                           &r->p.user,     &r->p.ca_file,    &r->p.client_cert,
                           &r->p.client_key, &r->p.last_error, NULL};
    r->p = *p;
    for (int i = 0; dst[i]; i++) {
        r->buf[i] = src[i] ? strdup(src[i]) : NULL;
        *dst[i] = r->buf[i];
    }
    return 0;
}

kz_err fed_peer_load(kz_fed *f, const char *name, fed_peer_rec *out)
{
    memset(out, 0, sizeof *out);
    kz_err rc = peer_query(f, name, copy_peer, out);
    for (int i = 0; !rc && i < 3; i++)
        if (!out->buf[i])
            rc = KZ_ENOMEM;
    if (rc)
        fed_peer_release(out);
    return rc;
}

void fed_peer_release(fed_peer_rec *r)
{
    for (int i = 0; i < 9; i++)
        free(r->buf[i]);
    memset(r, 0, sizeof *r);
}

kz_err kz_fed_peer_remove(kz_fed *f, const char *name)
{
    kz_err rc = begin(f);
    if (rc)
        return rc;
    sqlite3_stmt *st;
    rc = prep(f, "DELETE FROM fed_peer WHERE name=?", &st);
    if (rc)
        goto fail;
    bind_text(st, 1, name);
    rc = step_done(f, st, "remove peer");
    if (rc)
        goto fail;
    if (sqlite3_changes(f->db) == 0) {
        rc = fed_seterr(f, KZ_ENOTFOUND, "no peer '%s'", name);
        goto fail;
    }
    static const char *const dels[] = {
        "DELETE FROM fed_checkpoint WHERE sub_id IN (SELECT id FROM fed_sub WHERE peer=?1)",
        "DELETE FROM fed_outbox WHERE sub_id IN (SELECT id FROM fed_sub WHERE peer=?1)",
        "DELETE FROM fed_sub WHERE peer=?1"};
    for (size_t i = 0; i < sizeof dels / sizeof dels[0]; i++) {
        rc = prep(f, dels[i], &st);
        if (rc)
            goto fail;
        bind_text(st, 1, name);
        rc = step_done(f, st, "remove peer");
        if (rc)
            goto fail;
    }
    return commit(f);
fail:
    sqlite3_exec(f->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

kz_err fed_peer_note(kz_fed *f, const char *name, bool ok, const char *error)
{
    sqlite3_stmt *st;
    kz_err rc = prep(f,
                     ok ? "UPDATE fed_peer SET last_success_us=?2, last_attempt_us=?2, "
                          "last_error=NULL WHERE name=?1"
                        : "UPDATE fed_peer SET last_attempt_us=?2, last_error=?3 WHERE name=?1",
                     &st);
    if (rc)
        return rc;
    bind_text(st, 1, name);
    sqlite3_bind_int64(st, 2, fed_now_us());
    if (!ok)
        bind_text(st, 3, error ? error : "error");
    return step_done(f, st, "peer status");
}

/* ---- subscriptions ---- */
typedef struct coll_ctx {
    char id[KZ_UUID_STR];
} coll_ctx;

static int coll_found(void *ctx, const kz_collection *c)
{
    coll_ctx *cc = ctx;
    memcpy(cc->id, c->id, KZ_UUID_STR);
    return 0;
}

kz_err kz_fed_sub_add(kz_fed *f, const kz_fed_sub *s, int64_t *id_out)
{
    kz_err rc = peer_query(f, s->peer, NULL, NULL);
    if (rc)
        return rc;
    coll_ctx cc;
    rc = kz_store_collection_get(f->store, s->local, coll_found, &cc);
    if (rc == KZ_ENOTFOUND)
        return fed_seterr(f, rc, "no local collection '%s'", s->local);
    if (rc)
        return fed_seterr(f, rc, "collection '%s': %s", s->local, kz_store_errmsg(f->store));
    if (!s->remote || !*s->remote)
        return fed_seterr(f, KZ_EINVAL, "a remote collection is required");
    if (s->tlp_max && (kz_fed_tlp_rank(s->tlp_max) < 0 || kz_fed_tlp_rank(s->tlp_max) > 4))
        return fed_seterr(f, KZ_EINVAL, "unknown TLP level '%s'", s->tlp_max);
    if (s->types) {
        for (const char *p = s->types; *p; p++)
            if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789-,", *p))
                return fed_seterr(f, KZ_EINVAL, "bad --types '%s'", s->types);
    }
    sqlite3_stmt *st;
    rc = prep(f, "INSERT INTO fed_sub(dir,peer,local,remote,types,tlp_max,sig) VALUES(?,?,?,?,?,?,?)",
              &st);
    if (rc)
        return rc;
    sqlite3_bind_int(st, 1, (int)s->dir);
    bind_text(st, 2, s->peer);
    bind_text(st, 3, cc.id); /* by id: an alias may be renamed later */
    bind_text(st, 4, s->remote);
    bind_text(st, 5, s->types);
    bind_text(st, 6, s->tlp_max);
    sqlite3_bind_int(st, 7, (int)s->sig);
    rc = step_done(f, st, "subscription");
    if (rc)
        return rc;
    int64_t id = sqlite3_last_insert_rowid(f->db);
    if (id_out)
        *id_out = id;
    return KZ_OK;
}

kz_err kz_fed_sub_list(kz_fed *f, const char *peer, kz_fed_sub_fn fn, void *ctx)
{
    sqlite3_stmt *st;
    kz_err rc = prep(f,
                     "SELECT s.id,s.dir,s.peer,s.local,s.remote,s.types,s.tlp_max,s.sig,"
                     " COALESCE(c.added_after,''), COALESCE(o.cursor_us,0), COALESCE(o.attempts,0),"
                     " COALESCE(o.next_try_us,0), COALESCE(c.last_error,o.last_error),"
                     " COALESCE(c.last_success_us,o.last_success_us,0)"
                     " FROM fed_sub s LEFT JOIN fed_checkpoint c ON c.sub_id=s.id"
                     " LEFT JOIN fed_outbox o ON o.sub_id=s.id"
                     " WHERE ?1 IS NULL OR s.peer=?1 ORDER BY s.id",
                     &st);
    if (rc)
        return rc;
    bind_text(st, 1, peer);
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        kz_fed_sub s = {
            .id = sqlite3_column_int64(st, 0),
            .dir = (kz_fed_dir)sqlite3_column_int(st, 1),
            .peer = col(st, 2),
            .local = col(st, 3),
            .remote = col(st, 4),
            .types = col(st, 5),
            .tlp_max = col(st, 6),
            .sig = (kz_fed_sigpolicy)sqlite3_column_int(st, 7),
            .checkpoint = col(st, 8),
            .cursor_us = sqlite3_column_int64(st, 9),
            .attempts = sqlite3_column_int(st, 10),
            .next_try_us = sqlite3_column_int64(st, 11),
            .last_error = col(st, 12),
            .last_success_us = sqlite3_column_int64(st, 13),
        };
        if (fn && fn(ctx, &s))
            break;
    }
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        rc = fed_dberr(f, "subscriptions");
    sqlite3_finalize(st);
    return rc;
}

kz_err kz_fed_sub_remove(kz_fed *f, int64_t id)
{
    static const char *const dels[] = {"DELETE FROM fed_sub WHERE id=?1",
                                       "DELETE FROM fed_checkpoint WHERE sub_id=?1",
                                       "DELETE FROM fed_outbox WHERE sub_id=?1"};
    kz_err rc = begin(f);
    if (rc)
        return rc;
    int removed = 0;
    for (size_t i = 0; i < sizeof dels / sizeof dels[0]; i++) {
        sqlite3_stmt *st;
        rc = prep(f, dels[i], &st);
        if (rc)
            goto fail;
        sqlite3_bind_int64(st, 1, id);
        rc = step_done(f, st, "remove subscription");
        if (rc)
            goto fail;
        if (i == 0)
            removed = sqlite3_changes(f->db);
    }
    if (!removed) {
        rc = fed_seterr(f, KZ_ENOTFOUND, "no subscription %lld", (long long)id);
        goto fail;
    }
    return commit(f);
fail:
    sqlite3_exec(f->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

static kz_err exec1(kz_fed *f, const char *sql, int64_t id, int64_t a, int64_t b, const char *t,
                    const char *what)
{
    sqlite3_stmt *st;
    kz_err rc = prep(f, sql, &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, a);
    sqlite3_bind_int64(st, 3, b);
    bind_text(st, 4, t);
    return step_done(f, st, what);
}

kz_err fed_sub_set_checkpoint(kz_fed *f, int64_t id, const char *checkpoint)
{
    sqlite3_stmt *st;
    kz_err rc = prep(f,
                     "INSERT INTO fed_checkpoint(sub_id,added_after) VALUES(?1,?2)"
                     " ON CONFLICT(sub_id) DO UPDATE SET added_after=?2",
                     &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    bind_text(st, 2, checkpoint);
    return step_done(f, st, "checkpoint");
}

kz_err fed_sub_note(kz_fed *f, int64_t id, bool ok, const char *error)
{
    return exec1(f,
                 ok ? "INSERT INTO fed_checkpoint(sub_id,last_success_us) VALUES(?1,?2)"
                      " ON CONFLICT(sub_id) DO UPDATE SET last_success_us=?2, last_error=NULL"
                    : "INSERT INTO fed_checkpoint(sub_id,last_error) VALUES(?1,?4)"
                      " ON CONFLICT(sub_id) DO UPDATE SET last_error=?4",
                 id, fed_now_us(), 0, ok ? NULL : error, "subscription status");
}

kz_err fed_sub_push_done(kz_fed *f, int64_t id, int64_t cursor_us)
{
    return exec1(f,
                 "INSERT INTO fed_outbox(sub_id,cursor_us,last_success_us) VALUES(?1,?2,?3)"
                 " ON CONFLICT(sub_id) DO UPDATE SET cursor_us=MAX(cursor_us,?2), attempts=0,"
                 " next_try_us=0, last_success_us=?3, last_error=NULL",
                 id, cursor_us, fed_now_us(), NULL, "outbox");
}

kz_err fed_sub_push_failed(kz_fed *f, int64_t id, int attempts, int64_t next_try_us,
                           const char *error)
{
    return exec1(f,
                 "INSERT INTO fed_outbox(sub_id,attempts,next_try_us,last_error) VALUES(?1,?2,?3,?4)"
                 " ON CONFLICT(sub_id) DO UPDATE SET attempts=?2, next_try_us=?3, last_error=?4",
                 id, attempts, next_try_us, error, "outbox");
}

/* ---- a pulled page's provenance and checkpoint ----
 * Written through the store's connection (kz_store_exec) inside the
 * store transaction that holds the page (pull.c), so that the versions,
 * who delivered them and the checkpoint commit or vanish together. */
static const char sql_prov_insert[] =
    "INSERT INTO fed_provenance(id,version,peer,sub_id,at_us,pending) VALUES(?1,?2,?3,?4,?5,0)"
    " ON CONFLICT(id,version) DO NOTHING";
static const char sql_verify_put[] =
    "INSERT INTO fed_verify(id,version,status,signer,key_id,marked) VALUES(?1,?2,?3,?4,?5,?6)"
    " ON CONFLICT(id,version) DO UPDATE SET status=excluded.status, signer=excluded.signer,"
    " key_id=excluded.key_id, marked=excluded.marked";
/* never backwards: two processes pulling the same subscription at once (a
 * `kizuna sync` next to serve's runner) commit pages out of order; -1: a
 * timestamp we cannot parse, taken as it comes */
static const char sql_checkpoint[] =
    "INSERT INTO fed_checkpoint(sub_id,added_after,added_after_us) VALUES(?1,?2,?3)"
    " ON CONFLICT(sub_id) DO UPDATE SET added_after=?2, added_after_us=?3"
    " WHERE ?3 = -1 OR ?3 >= fed_checkpoint.added_after_us";

static kz_err store_fail(kz_fed *f, kz_err rc, const char *what)
{
    return fed_seterr(f, rc, "%s: %s", what, kz_store_errmsg(f->store));
}

kz_err fed_pull_record(kz_fed *f, const char *const *ids, const char *const *versions, size_t n,
                       const kz_store_put_result *res, const fed_sig_rec *sigs, const char *peer,
                       int64_t sub_id, const char *checkpoint)
{
    int64_t now = fed_now_us();
    for (size_t i = 0; i < n; i++) {
        /* only versions this page added: PRESENT was held before this
         * transaction (a crash rolls the whole page back, provenance
         * included, so a replay never meets a crashed attempt's versions);
         * conflicts and rejections were not stored */
        if (res[i] != KZ_STORE_ADDED)
            continue;
        kz_store_value p[] = {kz_store_vtext(ids[i]), kz_store_vtext(versions[i]),
                              kz_store_vtext(peer), kz_store_vint(sub_id), kz_store_vint(now)};
        int64_t added = 0;
        kz_err rc = kz_store_exec(f->store, sql_prov_insert, p, 5, NULL, NULL, &added);
        if (rc)
            return store_fail(f, rc, "provenance");
        /* first delivery wins: a version another peer delivered into
         * another collection keeps its row (and its verdict) */
        if (!added || !sigs)
            continue;
        kz_store_value v[] = {kz_store_vtext(ids[i]),         kz_store_vtext(versions[i]),
                              kz_store_vtext(sigs[i].status), kz_store_vtext(sigs[i].signer),
                              kz_store_vtext(sigs[i].key_id), kz_store_vint(sigs[i].marked)};
        rc = kz_store_exec(f->store, sql_verify_put, v, 6, NULL, NULL, NULL);
        if (rc)
            return store_fail(f, rc, "verification record");
    }
    if (checkpoint && *checkpoint) {
        int64_t us = -1;
        if (kz_store_parse_us(checkpoint, &us) != KZ_OK)
            us = -1;
        kz_store_value c[] = {kz_store_vint(sub_id), kz_store_vtext(checkpoint),
                              kz_store_vint(us)};
        kz_err rc = kz_store_exec(f->store, sql_checkpoint, c, 3, NULL, NULL, NULL);
        if (rc)
            return store_fail(f, rc, "checkpoint");
    }
    return KZ_OK;
}

bool fed_prov_from(kz_fed *f, const char *id, const char *version, const char *peer)
{
    sqlite3_stmt *st;
    if (prep(f, "SELECT 1 FROM fed_provenance WHERE id=? AND version=? AND peer=? AND pending=0",
             &st))
        return false;
    bind_text(st, 1, id);
    bind_text(st, 2, version);
    bind_text(st, 3, peer);
    bool found = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return found;
}

kz_err kz_fed_provenance(kz_fed *f, const char *id, kz_fed_prov_fn fn, void *ctx)
{
    sqlite3_stmt *st;
    kz_err rc = prep(f, "SELECT p.id,p.version,p.peer,p.sub_id,p.at_us,v.status,v.signer,v.marked"
                        " FROM fed_provenance p LEFT JOIN fed_verify v"
                        " ON v.id=p.id AND v.version=p.version WHERE p.id=? AND p.pending=0"
                        " ORDER BY p.version",
                     &st);
    if (rc)
        return rc;
    bind_text(st, 1, id);
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        kz_fed_prov p = {col(st, 0), col(st, 1), col(st, 2), sqlite3_column_int64(st, 3),
                         sqlite3_column_int64(st, 4), col(st, 5), col(st, 6),
                         sqlite3_column_int(st, 7) != 0};
        if (fn(ctx, &p))
            break;
    }
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        rc = fed_dberr(f, "provenance");
    sqlite3_finalize(st);
    return rc;
}
