/* sqlite_int.h - the SQLite backend's shared state: one connection, its
 * cached statements, and the helpers its files share. Only lib/store/sqlite
 * includes this; every SQL text of the backend lives in these files. */
#ifndef KIZUNA_STORE_SQLITE_INT_H
#define KIZUNA_STORE_SQLITE_INT_H

#include <sqlite3.h>

#include "store/store_int.h"

/* Fixed statements, prepared on first use and kept for the handle's life. */
typedef enum sq_stmt {
    SQ_COLL_RESOLVE_ID,
    SQ_COLL_RESOLVE_ALIAS,
    SQ_COLL_LAST_ADDED,
    SQ_COLL_SET_LAST_ADDED,
    SQ_OBJ_INSERT,
    SQ_OBJ_FIND,
    SQ_OBJ_FIND_VERSIONLESS,
    SQ_OBJ_JSON,
    SQ_MEMBER_INSERT,
    SQ_FTS_INSERT,
    SQ_FTS_QUEUE,
    SQ_FTS_QUEUE_HI,
    SQ_FTS_DRAIN,
    SQ_FTS_DEQUEUE,
    SQ_FTS_PENDING,
    SQ_MAX
} sq_stmt;

/* Dynamic query statements (their text depends on the filter's shape),
 * kept by exact text so that paging repeats no SQL parsing. */
#define SQ_QCACHE 16
typedef struct sq_qentry {
    char *sql;          /* heap; NULL if the slot is free */
    sqlite3_stmt *st;
    uint64_t used;      /* LRU tick */
    int busy;           /* being stepped (re-entrant callers get their own) */
} sq_qentry;

typedef struct sq {
    sqlite3 *db;
    sqlite3_stmt *st[SQ_MAX];
    sq_qentry qcache[SQ_QCACHE];
    uint64_t qtick;
    int explicit_tx;   /* inside kz_store_begin .. commit/rollback */
    int schema;        /* user_version after migrations */
    int64_t fts_queued; /* bodies this handle queued since its last drain (a hint) */
    struct sq_xcache *xcache; /* kz_store_exec's statements by SQL text (exec.c) */
} sq;

#define SQ(s) ((sq *)(s)->be)

/* Maps a SQLite result code to kz_err and records the message. */
kz_err sq_err(kz_store *s, int src);
/* The cached statement id, reset and with bindings cleared; NULL on error
 * (message recorded). */
sqlite3_stmt *sq_get(kz_store *s, sq_stmt id);
/* Runs SQL without results. */
kz_err sq_exec(kz_store *s, const char *sql);
/* Write-transaction bracket used by every write: BEGIN IMMEDIATE unless
 * inside an explicit transaction. */
kz_err sq_write_begin(kz_store *s);
kz_err sq_write_end(kz_store *s, kz_err rc);

/* fts.c */
/* A deferring writer (bulk import) indexes the queue once this many bodies
 * wait; measured in docs/internals/store.md. */
#define SQ_FTS_DRAIN_AT 50000
/* Indexes okey's full-text body now. */
kz_err sq_fts_insert(kz_store *s, int64_t okey, const char *text);
/* Queues okey's full-text body (same transaction as the object). */
kz_err sq_fts_queue(kz_store *s, int64_t okey, const char *text);
/* Indexes up to max queued bodies (0: all) inside the current write
 * transaction; *n (optional) gets how many. */
kz_err sq_fts_drain(kz_store *s, size_t max, size_t *n);
/* Number of queued bodies. */
kz_err sq_fts_pending(kz_store *s, int64_t *out);
/* The index_pending op: sq_fts_drain in its own write transaction. */
kz_err sq_index_pending(kz_store *s, size_t max, size_t *n);

/* exec.c: the exec op, and freeing its statement cache (before close). */
kz_err sq_run(kz_store *s, const char *sql, const kz_store_value *params, size_t n,
              kz_store_row_fn fn, void *ctx, int64_t *changes);
void sq_run_cache_free(kz_store *s);

/* The ops, one per file. */
kz_err sq_open(kz_store *s, const char *path, const kz_store_opts *o);
void sq_close(kz_store *s);
int sq_schema_version(kz_store *s);
kz_err sq_begin(kz_store *s);
kz_err sq_commit(kz_store *s);
kz_err sq_rollback(kz_store *s);
kz_err sq_check(kz_store *s, kz_store_line_fn fn, void *ctx, bool *ok);
kz_err sq_coll_add(kz_store *s, const kz_collection *c);
kz_err sq_coll_resolve(kz_store *s, const char *alias_or_id, kz_store_coll_ref *out);
kz_err sq_coll_get(kz_store *s, int64_t key, kz_store_collection_fn fn, void *ctx);
kz_err sq_coll_list(kz_store *s, kz_store_collection_fn fn, void *ctx);
kz_err sq_coll_remove(kz_store *s, int64_t key);
kz_err sq_put_batch(kz_store *s, int64_t coll, const kz_store_object *objs,
                    const kz_store_vinfo *vi, size_t n, kz_store_put_result *results,
                    kz_store_put_stats *stats);
kz_err sq_query(kz_store *s, const kz_store_q *q, kz_store_record_fn fn, void *ctx);
kz_err sq_count(kz_store *s, const kz_store_q *q, int64_t *out);
kz_err sq_delete_object(kz_store *s, const kz_store_q *q, const char *id, size_t *n_deleted);
kz_err sq_search(kz_store *s, const char *fts_query, const char *type, size_t limit,
                 bool want_json, kz_store_record_fn fn, void *ctx);

#endif
