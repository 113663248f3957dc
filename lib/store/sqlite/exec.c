/* exec.c - kz_store_exec on SQLite: another module's statement on the
 * store's connection (so that it joins an explicit transaction), with its
 * prepared statement kept by SQL text for the handle's life.
 *
 * Why a cache: the federation pull loop runs three or four statements per
 * object of every page; preparing each anew costs more than running it
 * (measured in docs/federation.md, "Pull"). The cache is small and keyed
 * by the exact text, so callers pass constant SQL. */
#include <string.h>

#include "kizuna/alloc.h"
#include "store/sqlite/sqlite_int.h"

#define XC_SLOTS 32

typedef struct xc_entry {
    char *sql;          /* heap copy; NULL: free slot */
    uint64_t hash;
    sqlite3_stmt *st;
    uint64_t used;      /* LRU tick */
    int busy;           /* being stepped: a re-entrant call (from a row
                           callback) with the same text gets its own */
} xc_entry;

struct sq_xcache {
    xc_entry e[XC_SLOTS];
    uint64_t tick;
};

void sq_run_cache_free(kz_store *s)
{
    sq *q = SQ(s);
    if (!q || !q->xcache)
        return;
    for (int i = 0; i < XC_SLOTS; i++) {
        sqlite3_finalize(q->xcache->e[i].st);
        kz_free(q->xcache->e[i].sql);
    }
    kz_free(q->xcache);
    q->xcache = NULL;
}

/* Prepares sql, refusing a second statement after the first. *st is the
 * caller's (sqlite3_finalize) on KZ_OK. */
static kz_err prepare(kz_store *s, const char *sql, unsigned flags, sqlite3_stmt **st)
{
    const char *tail = NULL;
    *st = NULL;
    int src = sqlite3_prepare_v3(SQ(s)->db, sql, -1, flags, st, &tail);
    if (src != SQLITE_OK)
        return sq_err(s, src);
    if (!*st) {
        kz_store_set_error(s, "exec: no statement in the SQL text");
        return KZ_EINVAL;
    }
    while (tail && (*tail == ' ' || *tail == '\t' || *tail == '\n' || *tail == '\r' ||
                    *tail == ';'))
        tail++;
    if (tail && *tail) {
        sqlite3_finalize(*st);
        *st = NULL;
        kz_store_set_error(s, "exec: one statement at a time (text follows the first)");
        return KZ_EINVAL;
    }
    return KZ_OK;
}

/* The cached statement for sql, or a one-off one (*slot -1) when every
 * entry with this text is busy. */
static kz_err lookup(kz_store *s, const char *sql, sqlite3_stmt **st, int *slot)
{
    sq *q = SQ(s);
    *slot = -1;
    if (!q->xcache) {
        q->xcache = kz_calloc(1, sizeof *q->xcache);
        if (!q->xcache)
            return KZ_ENOMEM;
    }
    struct sq_xcache *c = q->xcache;
    size_t len = strlen(sql);
    uint64_t h = kz_store_hash(sql, len, KZ_STORE_HASH_INIT);
    int victim = -1;
    for (int i = 0; i < XC_SLOTS; i++) {
        xc_entry *e = &c->e[i];
        if (e->sql && e->hash == h && !e->busy && strcmp(e->sql, sql) == 0) {
            e->used = ++c->tick;
            e->busy = 1;
            *st = e->st;
            *slot = i;
            return KZ_OK;
        }
        if (e->busy)
            continue;
        if (victim < 0 || !e->sql || (c->e[victim].sql && e->used < c->e[victim].used))
            victim = i;
    }
    if (victim < 0) /* all busy (deep re-entrance): a statement of its own */
        return prepare(s, sql, 0, st);
    kz_err rc = prepare(s, sql, SQLITE_PREPARE_PERSISTENT, st);
    if (rc)
        return rc;
    char *copy = kz_malloc(len + 1);
    if (!copy) {
        sqlite3_finalize(*st);
        *st = NULL;
        return KZ_ENOMEM;
    }
    memcpy(copy, sql, len + 1);
    xc_entry *e = &c->e[victim];
    sqlite3_finalize(e->st);
    kz_free(e->sql);
    *e = (xc_entry){.sql = copy, .hash = h, .st = *st, .used = ++c->tick, .busy = 1};
    *slot = victim;
    return KZ_OK;
}

static kz_err bind(kz_store *s, sqlite3_stmt *st, const kz_store_value *p, size_t n)
{
    if ((size_t)sqlite3_bind_parameter_count(st) != n) {
        kz_store_set_error(s, "exec: the statement takes %d parameters, %zu given",
                           sqlite3_bind_parameter_count(st), n);
        return KZ_EINVAL;
    }
    for (size_t i = 0; i < n; i++) {
        int k = (int)i + 1, src;
        /* SQLITE_STATIC: the values outlive the statement's use, which
         * ends (reset, bindings cleared) before kz_store_exec returns */
        if (p[i].type == KZ_STORE_VINT)
            src = sqlite3_bind_int64(st, k, p[i].i);
        else if (p[i].type == KZ_STORE_VTEXT && p[i].text)
            src = sqlite3_bind_text(st, k, p[i].text, -1, SQLITE_STATIC);
        else
            src = sqlite3_bind_null(st, k);
        if (src != SQLITE_OK)
            return sq_err(s, src);
    }
    return KZ_OK;
}

/* Steps st to the end (or until fn stops), delivering rows to fn. */
static kz_err run(kz_store *s, sqlite3_stmt *st, kz_store_row_fn fn, void *ctx)
{
    kz_store_value cols[KZ_STORE_EXEC_MAX];
    int ncol = sqlite3_column_count(st);
    if (ncol > KZ_STORE_EXEC_MAX) {
        kz_store_set_error(s, "exec: %d result columns, at most %d", ncol, KZ_STORE_EXEC_MAX);
        return KZ_ETOOBIG;
    }
    int src;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        if (!fn)
            continue;
        for (int i = 0; i < ncol; i++) {
            int t = sqlite3_column_type(st, i);
            if (t == SQLITE_NULL) {
                cols[i] = (kz_store_value){KZ_STORE_VNULL, 0, NULL};
            } else if (t == SQLITE_INTEGER) {
                cols[i] = kz_store_vint(sqlite3_column_int64(st, i));
            } else {
                const char *txt = (const char *)sqlite3_column_text(st, i);
                if (!txt)
                    return KZ_ENOMEM; /* a non-NULL value SQLite could not convert */
                cols[i] = kz_store_vtext(txt);
            }
        }
        if (fn(ctx, cols, (size_t)ncol))
            return KZ_OK;
    }
    return src == SQLITE_DONE ? KZ_OK : sq_err(s, src);
}

kz_err sq_run(kz_store *s, const char *sql, const kz_store_value *params, size_t n,
              kz_store_row_fn fn, void *ctx, int64_t *changes)
{
    sqlite3_stmt *st = NULL;
    int slot;
    kz_err rc = lookup(s, sql, &st, &slot);
    if (rc)
        return rc;
    rc = bind(s, st, params, n);
    if (!rc)
        rc = run(s, st, fn, ctx);
    if (!rc && changes)
        *changes = sqlite3_stmt_readonly(st) ? 0 : (int64_t)sqlite3_changes64(SQ(s)->db);
    /* reset now: a statement left mid-way would hold its read snapshot */
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (slot >= 0)
        SQ(s)->xcache->e[slot].busy = 0;
    else
        sqlite3_finalize(st);
    return rc;
}
