/* store_int.h - what the store's front (store.c) and its backends share:
 * the handle, the backend ops table and the resolved query.
 *
 * A backend sits in lib/store/<name>/ (sqlite today, postgres later) and
 * fills one kz_store_ops. The front does everything that does not depend on
 * the SQL dialect: argument checks, collection name rules, cursor encoding
 * and its filter hash, the version rule, paging (limit + 1 rows) and the
 * TAXII date_added headers. */
#ifndef KIZUNA_STORE_INT_H
#define KIZUNA_STORE_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "kizuna/store.h"

/* A collection resolved by alias or id. */
typedef struct kz_store_coll_ref {
    int64_t key;            /* backend's key */
    char id[KZ_UUID_STR];
} kz_store_coll_ref;

/* A query after the front has resolved and checked it. */
typedef struct kz_store_q {
    const kz_store_filter *f;
    int64_t coll;            /* resolved collection key */
    bool has_after;          /* rows with date_added > after_us only */
    int64_t after_us;        /* max(added_after, cursor position) */
    const char **vkeys;      /* f->version_ts normalised to version keys */
    size_t n_vkeys;
    unsigned versions;       /* KZ_STORE_V_* after defaulting (LAST if 0 and no ts) */
    bool latest_spec;        /* no spec_versions given: only each object's latest
                                spec_version (TAXII default), unless f->all_spec_versions */
} kz_store_q;

/* One object's derived keys, computed by the front (the version rule). */
typedef struct kz_store_vinfo {
    bool versionless;        /* no modified, no created: the version is date_added */
    char vkey[KZ_TIME_MAX];  /* sortable key: 9 fractional digits ("" if versionless) */
    const char *version;     /* text as written (NULL if versionless) */
} kz_store_vinfo;

struct kz_store;

typedef struct kz_store_ops {
    const char *name;
    kz_err (*open)(struct kz_store *s, const char *path, const kz_store_opts *o);
    void (*close)(struct kz_store *s);
    int (*schema_version)(struct kz_store *s);
    kz_err (*coll_add)(struct kz_store *s, const kz_collection *c);
    kz_err (*coll_resolve)(struct kz_store *s, const char *alias_or_id, kz_store_coll_ref *out);
    kz_err (*coll_get)(struct kz_store *s, int64_t key, kz_store_collection_fn fn, void *ctx);
    kz_err (*coll_list)(struct kz_store *s, kz_store_collection_fn fn, void *ctx);
    kz_err (*coll_remove)(struct kz_store *s, int64_t key);
    kz_err (*put_batch)(struct kz_store *s, int64_t coll, const kz_store_object *objs,
                        const kz_store_vinfo *vi, size_t n, kz_store_put_result *results,
                        kz_store_put_stats *stats);
    kz_err (*begin)(struct kz_store *s);
    kz_err (*commit)(struct kz_store *s);
    kz_err (*rollback)(struct kz_store *s);
    /* Calls fn for each matching row in date_added order until fn returns nonzero. */
    kz_err (*query)(struct kz_store *s, const kz_store_q *q, kz_store_record_fn fn, void *ctx);
    kz_err (*count)(struct kz_store *s, const kz_store_q *q, int64_t *out);
    kz_err (*delete_object)(struct kz_store *s, const kz_store_q *q, const char *id,
                            size_t *n_deleted);
    kz_err (*search)(struct kz_store *s, const char *fts_query, const char *type, size_t limit,
                     bool want_json, kz_store_record_fn fn, void *ctx);
    kz_err (*check)(struct kz_store *s, kz_store_line_fn fn, void *ctx, bool *ok);
    /* Indexes up to max (0: all) queued full-text bodies in one write
     * transaction; *n (optional) gets how many. */
    kz_err (*index_pending)(struct kz_store *s, size_t max, size_t *n);
    /* kz_store_exec after the front's argument checks. */
    kz_err (*exec)(struct kz_store *s, const char *sql, const kz_store_value *params, size_t n,
                   kz_store_row_fn fn, void *ctx, int64_t *changes);
} kz_store_ops;

struct kz_store {
    const kz_store_ops *ops;
    void *be;                /* backend state, owned by the backend */
    bool fts_defer;          /* bulk import running: full-text indexing may lag
                                (batched), until the import drains the queue */
    char errmsg[256];
};

extern const kz_store_ops kz_store_sqlite_ops;

/* Records a backend message for kz_store_errmsg. */
void kz_store_set_error(struct kz_store *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The version rule, in one place: fills vi from o. KZ_EINVALID for a
 * timestamp that does not parse. */
kz_err kz_store_version_of(const kz_store_object *o, kz_store_vinfo *vi);
/* Normalises an RFC 3339 timestamp to a version key (9 fractional digits). */
kz_err kz_store_vkey(const char *ts, char out[KZ_TIME_MAX]);
/* 64-bit word-wise FNV-style hash of data (content fingerprint for the
 * conflict check, and the cursor filter hash). */
uint64_t kz_store_hash(const void *data, size_t len, uint64_t h);
#define KZ_STORE_HASH_INIT 0xcbf29ce484222325ULL
/* The 64-bit key of an object id (objects.id_hash, schema 3): the index
 * key instead of the long id text. Stable across hosts and releases (it is
 * stored); not collision-free, so every lookup also compares the id. */
uint64_t kz_store_id_hash(const char *id, size_t len);

/* Cursor: (date_added, rowid) of the last delivered record and a hash of
 * the filter that produced it, as base64url. */
typedef struct kz_store_cursor {
    int64_t added_us;
    int64_t rowid;
    uint64_t filter_hash;
} kz_store_cursor;
#define KZ_STORE_CURSOR_VERSION 1
/* Writes the cursor text (NUL-terminated, < KZ_STORE_CURSOR_MAX). */
void kz_store_cursor_encode(const kz_store_cursor *c, char out[KZ_STORE_CURSOR_MAX]);
/* Strict decode: exact length, alphabet, version byte. KZ_EINVAL otherwise. */
kz_err kz_store_cursor_decode(const char *text, size_t len, kz_store_cursor *out);
/* Hash of everything in f that selects records (not limit, not next). */
uint64_t kz_store_filter_hash(const kz_store_filter *f, const char *coll_id);

#endif
