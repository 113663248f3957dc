/* store.h - a node's memory: versioned STIX objects, collections, the
 * queries a TAXII server needs, full-text search, integrity check.
 *
 * One kz_store is one connection to one backend (SQLite today, PostgreSQL
 * later, behind the same ops table). A handle is not thread-safe: give each
 * thread its own. There is one writer at a time (writes wait for each other,
 * up to busy_timeout_ms) and any number of readers, which are never blocked
 * by the writer.
 *
 * Model:
 *  - an object version is one (id, version) pair; version is `modified`,
 *    else `created`, else (SCOs) the time the object was first stored
 *    (kz_store_version_of is the one place that rule lives). Its JSON is
 *    kept exactly as received, so a reader gets back the bytes published.
 *  - a collection holds object versions; membership carries date_added,
 *    microseconds since the epoch, strictly increasing and unique within a
 *    collection even while several writers take turns, so that paging by
 *    added_after (or with the opaque `next` cursor) never skips or repeats.
 *
 * Strings handed to callbacks live only for the duration of the callback.
 * Every function returns kz_err; kz_store_errmsg gives the backend's last
 * message for KZ_EDB. */
#ifndef KIZUNA_STORE_H
#define KIZUNA_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kizuna/error.h"
#include "kizuna/timestamp.h"
#include "kizuna/uuid.h"

typedef struct kz_store kz_store;

typedef enum kz_store_sync {
    KZ_STORE_SYNC_FULL = 0, /* default: fsync on every commit (no acknowledged write lost) */
    KZ_STORE_SYNC_NORMAL,   /* WAL NORMAL: durable across process crashes, not power loss */
    KZ_STORE_SYNC_OFF       /* benchmarks and throwaway stores only */
} kz_store_sync;

typedef struct kz_store_opts {
    kz_store_sync sync;
    bool create;          /* create the database if missing (else KZ_ENOTFOUND) */
    bool readonly;
    int busy_timeout_ms;  /* how long a writer waits for another; 0: 10000 */
    size_t cache_kib;     /* page cache; 0: 64 MiB */
} kz_store_opts;

/* Opens (and with opts->create, creates) the store at path (a SQLite file),
 * applying schema migrations. opts may be NULL (defaults, no create).
 * *out is the caller's, freed with kz_store_close. Errors: KZ_ENOTFOUND,
 * KZ_EVERSION (schema newer than this program), KZ_EDB, KZ_ENOMEM. */
kz_err kz_store_open(const char *path, const kz_store_opts *opts, kz_store **out);
/* Closes and frees; NULL is a no-op. */
void kz_store_close(kz_store *s);
/* The backend's last error message (static or handle-owned; never NULL). */
const char *kz_store_errmsg(const kz_store *s);
/* "sqlite", later "postgres". */
const char *kz_store_backend(const kz_store *s);
/* Schema version of the open database. */
int kz_store_schema_version(const kz_store *s);

/* ---- data directory (kizuna init) ----
 * A data directory holds kizuna.db and kizuna.conf. kz_store_init_dir
 * creates DIR (if missing, mode 0700), the database and a commented default
 * kizuna.conf; KZ_EEXIST if DIR already holds a kizuna.db.
 * kz_store_open_dir reads DIR/kizuna.conf (store.synchronous,
 * store.busy_timeout_ms, store.cache_kib) and opens DIR/kizuna.db.
 * errbuf (optional, errlen bytes) receives a one-line reason on failure
 * (e.g. "kizuna.conf:3: unknown value 'fast' for store.synchronous"). */
kz_err kz_store_init_dir(const char *dir, char *errbuf, size_t errlen);
kz_err kz_store_open_dir(const char *dir, bool readonly, kz_store **out, char *errbuf,
                         size_t errlen);

/* ---- collections ---- */
#define KZ_STORE_ALIAS_MAX 64
typedef struct kz_collection {
    char id[KZ_UUID_STR];   /* UUID; TAXII collection id */
    const char *alias;      /* short unique name: [A-Za-z0-9_.-]{1,64}, not a UUID */
    const char *title;
    const char *description;   /* may be NULL */
    const char *media_types;   /* comma-separated; default "application/stix+json;version=2.1" */
    const char *default_tlp;   /* "clear", "green", "amber", "amber+strict", "red" or NULL */
    int64_t created_us;
    int64_t n_versions;        /* object versions in it (filled by get/list) */
} kz_collection;

/* Adds a collection. c->id may be empty (a v4 UUID is made) or a UUID to
 * use; alias and title are required (title defaults to alias if NULL).
 * id_out (optional) receives the id. KZ_EEXIST if alias or id is taken,
 * KZ_EINVAL for a bad alias / tlp / id. */
kz_err kz_store_collection_add(kz_store *s, const kz_collection *c, char id_out[KZ_UUID_STR]);
typedef int (*kz_store_collection_fn)(void *ctx, const kz_collection *c);
/* Calls fn for the collection named by alias or id. KZ_ENOTFOUND. */
kz_err kz_store_collection_get(kz_store *s, const char *alias_or_id, kz_store_collection_fn fn,
                               void *ctx);
/* Calls fn for each collection, by alias; a nonzero return stops (not an error). */
kz_err kz_store_collection_list(kz_store *s, kz_store_collection_fn fn, void *ctx);
/* The ids of every collection, by alias, gathered before the caller
 * queries them (a query inside the kz_store_collection_list callback would
 * nest statements on one handle). *ids is the caller's (kz_free; NULL when
 * there is none); on error *ids is NULL and *n 0. KZ_ENOMEM, KZ_EDB. */
kz_err kz_store_collection_ids(kz_store *s, char (**ids)[KZ_UUID_STR], size_t *n);
/* Removes the collection and its memberships (object versions stay: other
 * collections may hold them). KZ_ENOTFOUND. */
kz_err kz_store_collection_remove(kz_store *s, const char *alias_or_id);
/* TLP name helpers: NULL/"" -> NULL is allowed by callers; KZ_EINVAL for unknown. */
kz_err kz_store_tlp_check(const char *tlp);

/* ---- writing ---- */
/* One object to store: its exact received bytes and the metadata the store
 * indexes. Fill it with kz_store_object_from_json (which also applies the
 * version rule and derives the TLP) rather than by hand. */
typedef struct kz_store_object {
    const char *json;  /* exact bytes as received (after validation) */
    size_t json_len;
    const char *id;    /* "type--uuid" */
    const char *type;
    const char *spec_version;  /* "2.1" if absent (SCOs may omit it? no: default) */
    const char *modified;      /* text as written, or NULL */
    const char *created;       /* text as written, or NULL */
    const char *tlp;           /* derived from object_marking_refs, or NULL (unmarked) */
    bool revoked;
    const char *fts_text;      /* names, descriptions, patterns, SCO values; may be NULL */
} kz_store_object;

typedef struct kz_json kz_json;
typedef struct kz_arena kz_arena;
/* Fills o from the parsed object v and its bytes json[0..len); strings are
 * allocated in arena a (or point into v). Checks only what the store needs
 * (type, id of the form type--uuid, parseable timestamps):
 * KZ_EINVALID with a reason in why (why_len bytes) otherwise. */
kz_err kz_store_object_from_json(kz_arena *a, const kz_json *v, const char *json, size_t len,
                                 kz_store_object *o, char *why, size_t why_len);

typedef enum kz_store_put_result {
    KZ_STORE_ADDED = 0,   /* a new version, or a known version newly added to this collection */
    KZ_STORE_PRESENT,     /* already in this collection with the same content: nothing done */
    KZ_STORE_CONFLICT,    /* same (id, version) stored with different content: rejected */
    KZ_STORE_REJECTED     /* metadata unusable (bad id or timestamp): rejected */
} kz_store_put_result;

typedef struct kz_store_put_stats {
    size_t added, present, conflict, rejected;
} kz_store_put_stats;

/* Stores n objects in collection (alias or id) in ONE transaction: after a
 * KZ_OK return every added object is durable (per the sync setting); on any
 * error nothing of the batch is stored. results (optional, n entries) gets
 * each object's outcome; stats (optional) is incremented. Conflicts and
 * rejections are per object and do not fail the batch. Inside an explicit
 * kz_store_begin the batch joins that transaction instead. */
kz_err kz_store_put_batch(kz_store *s, const char *collection, const kz_store_object *objs, size_t n,
                          kz_store_put_result *results, kz_store_put_stats *stats);
/* An explicit write transaction spanning several put_batch calls (all or
 * nothing, e.g. `kizuna import --atomic`). */
kz_err kz_store_begin(kz_store *s);
kz_err kz_store_commit(kz_store *s);
kz_err kz_store_rollback(kz_store *s);

/* ---- streaming import ----
 * Splits a STIX document read from fd (bundle, TAXII envelope, JSON array
 * of objects, or one object) with kz_jstream, parses and validates each
 * element, and stores the valid ones in batches (one transaction each)
 * with their exact received bytes. Parsing/validation and writing run on
 * two threads (this one and a writer), overlapping; memory is bounded by
 * two batches and the largest element. The store handle must not be used
 * by anyone else during the call. Callbacks may run on either thread but
 * never two at once. */
typedef void (*kz_store_reject_fn)(void *ctx, size_t index, const char *path, const char *why);
typedef void (*kz_store_commit_fn)(void *ctx, size_t first_index, size_t last_index);
typedef void (*kz_store_progress_fn)(void *ctx, uint64_t bytes, size_t objects);
/* An optional rewrite of each valid object before it is stored (signing
 * what a node publishes, fed_publish.h), called on the parsing thread with
 * the parsed object. Leave *out_obj NULL to store the received bytes, or
 * set *out_obj to the new object and *out_json and *out_len to its exact bytes,
 * all in arena a (valid until the next call). KZ_ENOMEM fails the import;
 * any other error rejects this one object with the reason in why. */
typedef kz_err (*kz_store_transform_fn)(void *ctx, kz_arena *a, const kz_json *obj,
                                        kz_json **out_obj, const char **out_json, size_t *out_len,
                                        char *why, size_t why_len);

typedef struct kz_store_import_opts {
    size_t batch;          /* objects per transaction; 0: 5000 */
    size_t batch_bytes;    /* a batch is also committed at this many JSON bytes; 0: 16 MiB */
    size_t max_object;     /* larger elements are rejected; 0: 4 MiB */
    bool no_validate;      /* skip kz_stix_validate_object (the store still checks ids) */
    kz_store_reject_fn on_reject;     /* each rejected object: index, JSON path, reason */
    kz_store_commit_fn on_commit;     /* after each batch's COMMIT */
    kz_store_progress_fn on_progress; /* now and then, from the parsing thread */
    void *ctx;
    kz_store_transform_fn transform;  /* NULL: objects are stored as received */
    void *transform_ctx;
} kz_store_import_opts;

typedef struct kz_store_import_result {
    size_t objects;            /* elements read */
    size_t invalid;            /* rejected before storing (JSON, validation, size, id) */
    kz_store_put_stats stats;  /* added / present / conflict / rejected by the store */
    size_t batches;            /* committed */
    bool doc_error;            /* malformed, truncated or not a bundle: see doc_msg */
    char doc_msg[256];
    size_t doc_dropped;        /* objects of the uncommitted batch dropped on doc_error */
    size_t transformed;        /* objects the transform rewrote (queued for storing) */
} kz_store_import_result;

/* Imports fd into collection (alias or id). Returns KZ_OK even when
 * objects were rejected or the document was malformed (see *r); an error
 * code only for the store (KZ_EDB, KZ_EBUSY, ... with kz_store_errmsg),
 * KZ_ENOTFOUND for the collection, KZ_ENOMEM. Batches committed before an
 * error stay committed; inside kz_store_begin nothing is, until commit. */
kz_err kz_store_import_fd(kz_store *s, const char *collection, int fd,
                          const kz_store_import_opts *o, kz_store_import_result *r);

/* ---- reading ---- */
enum {
    KZ_STORE_V_LAST = 1 << 0,  /* the latest version of each object (the default) */
    KZ_STORE_V_FIRST = 1 << 1, /* the earliest version */
    KZ_STORE_V_ALL = 1 << 2    /* every version */
};

#define KZ_STORE_CURSOR_MAX 64

typedef struct kz_store_filter {
    const char *collection;          /* alias or id; required */
    bool has_added_after;
    int64_t added_after_us;          /* strictly after, microseconds */
    const char *const *types;        /* match[type], OR-ed */
    size_t n_types;
    const char *const *ids;          /* match[id] */
    size_t n_ids;
    const char *const *spec_versions; /* match[spec_version], OR-ed; none: see below */
    size_t n_spec_versions;
    unsigned versions;               /* KZ_STORE_V_* mask; 0 with no timestamps: LAST */
    const char *const *version_ts;   /* match[version]=<timestamp>, RFC 3339 */
    size_t n_version_ts;
    size_t limit;                    /* 0: no limit (callers should always page) */
    const char *next;                /* cursor from the previous page, or NULL */
    bool want_json;                  /* false: a manifest (no object bytes read) */
    /* With no spec_versions, TAXII's default applies: only the latest
     * spec_version the collection holds for each object (an object shared
     * as 2.0 and later as 2.1 shows only its 2.1 versions). true: every
     * spec_version (no spec_version filter at all). */
    bool all_spec_versions;
} kz_store_filter;

typedef struct kz_store_record {
    int64_t rowid;             /* the version's row (stable) */
    const char *id;
    const char *type;
    const char *version;       /* text as in the object (or date_added for SCOs) */
    const char *spec_version;
    const char *tlp;           /* NULL: unmarked, the collection default applies */
    int64_t date_added_us;
    const char *json;          /* NULL unless want_json */
    size_t json_len;
} kz_store_record;

typedef int (*kz_store_record_fn)(void *ctx, const kz_store_record *r);

typedef struct kz_store_page {
    size_t n;                  /* records delivered */
    bool more;                 /* another page exists */
    char next[KZ_STORE_CURSOR_MAX]; /* cursor for it ("" if !more) */
    int64_t first_added_us;    /* X-TAXII-Date-Added-First / -Last (0 if n == 0) */
    int64_t last_added_us;
} kz_store_page;

/* Objects (or the manifest) of a collection, in date_added order, matching
 * f; fn (may be NULL) is called per record (nonzero return stops early: KZ_OK, more=true
 * with a cursor after the last delivered record). page (optional) says
 * whether there is more. A cursor from a different filter: KZ_EINVAL.
 * Unknown collection: KZ_ENOTFOUND. */
kz_err kz_store_query(kz_store *s, const kz_store_filter *f, kz_store_record_fn fn, void *ctx,
                      kz_store_page *page);
/* Every record kz_store_query would deliver for f without limit and next
 * (f->limit and f->next are ignored), read page_size records at a time
 * (0: 1000) so that no single query holds the database long. A nonzero
 * return of fn ends the walk: KZ_OK. Errors as kz_store_query. */
kz_err kz_store_walk(kz_store *s, const kz_store_filter *f, size_t page_size,
                     kz_store_record_fn fn, void *ctx);
/* Number of records kz_store_query would deliver without limit/next. */
kz_err kz_store_count(kz_store *s, const kz_store_filter *f, int64_t *out);
/* Every version of one object in a collection (TAXII versions endpoint):
 * a query with ids = {id}, versions = ALL, manifest only. */
kz_err kz_store_versions(kz_store *s, const char *collection, const char *id, size_t limit,
                         const char *next, kz_store_record_fn fn, void *ctx, kz_store_page *page);
/* Removes object id from collection: the versions selected by
 * f->versions / version_ts / spec_versions (default: ALL versions; other
 * fields of f ignored). *n_deleted (optional) gets the number of versions
 * removed; KZ_ENOTFOUND if none matched. */
kz_err kz_store_delete_object(kz_store *s, const char *collection, const char *id,
                              const kz_store_filter *f, size_t *n_deleted);

/* Full-text search over names, descriptions, patterns and SCO values of
 * every stored version (all collections). query is FTS5 syntax-free: words
 * are AND-ed, each may end with '*' for a prefix. type (optional) filters.
 * Records carry json only if want_json. Best matches first. */
kz_err kz_store_search(kz_store *s, const char *query, const char *type, size_t limit,
                       bool want_json, kz_store_record_fn fn, void *ctx);

/* Full-text indexing of a bulk import is batched: kz_store_import_fd
 * queues each object's text durably in the object's own transaction and
 * indexes the queue in big batches, all of it before returning. This
 * indexes up to max (0: all) bodies still queued (left by an import that
 * was killed, say) in one write transaction; *n_indexed (optional) gets
 * how many. kz_store_search on a writable handle does it first by itself. */
kz_err kz_store_index_pending(kz_store *s, size_t max, size_t *n_indexed);

/* Integrity check (PRAGMA integrity_check + the store's own invariants).
 * fn gets each problem as a line; *ok tells whether all is well. */
typedef void (*kz_store_line_fn)(void *ctx, const char *line);
kz_err kz_store_check(kz_store *s, kz_store_line_fn fn, void *ctx, bool *ok);

/* ---- another module's own tables in the same transaction ----
 * A module that keeps tables of its own in the node database (federation:
 * fed_*) sometimes has to write them in the SAME transaction as objects (a
 * pull checkpoint together with the page it covers). kz_store_exec runs one
 * statement of such a module on the store's own connection:
 *  - inside kz_store_begin .. kz_store_commit it joins that transaction,
 *    so kz_store_rollback undoes it together with any put_batch; a failed
 *    statement undoes only itself and leaves the transaction open (the
 *    caller decides to roll back);
 *  - outside one it is a transaction of its own (autocommit).
 * Only for the caller's own tables, never the store's (their layout is the
 * backend's business and changes with its schema version). Keep the SQL to
 * what SQLite and PostgreSQL share (INSERT ... ON CONFLICT DO ..., no
 * INSERT OR ...); parameters are numbered ?1, ?2, ... Prepared statements
 * are kept by SQL text for the handle's life (a few dozen at most: pass
 * constant texts, not texts built per call). */
typedef enum kz_store_vtype {
    KZ_STORE_VNULL = 0,
    KZ_STORE_VINT,   /* 64-bit integer */
    KZ_STORE_VTEXT   /* NUL-terminated UTF-8; text NULL binds SQL NULL */
} kz_store_vtype;

typedef struct kz_store_value {
    kz_store_vtype type;
    int64_t i;
    const char *text;
} kz_store_value;

static inline kz_store_value kz_store_vint(int64_t i)
{
    kz_store_value v = {KZ_STORE_VINT, i, NULL};
    return v;
}

/* t NULL is SQL NULL; "" is the empty string. */
static inline kz_store_value kz_store_vtext(const char *t)
{
    kz_store_value v = {t ? KZ_STORE_VTEXT : KZ_STORE_VNULL, 0, t};
    return v;
}

#define KZ_STORE_EXEC_MAX 32 /* parameters of one statement, columns of one row */

/* One result row: n column values, valid only during the call (a column
 * that is neither NULL nor an integer is delivered as text). A nonzero
 * return stops (not an error). */
typedef int (*kz_store_row_fn)(void *ctx, const kz_store_value *cols, size_t n);

/* Runs ONE statement (trailing text other than spaces and one ';' is
 * KZ_EINVAL) with n parameters (n <= KZ_STORE_EXEC_MAX), calling fn (may be
 * NULL) for each row; *changes (optional) gets the rows it inserted,
 * updated or deleted. Errors, with kz_store_errmsg: KZ_EDB (bad SQL, no
 * such table, ...), KZ_EEXIST (a constraint), KZ_EBUSY, KZ_EINVAL (a
 * parameter count that does not match the SQL), KZ_ETOOBIG (more than
 * KZ_STORE_EXEC_MAX columns), KZ_ENOMEM. */
kz_err kz_store_exec(kz_store *s, const char *sql, const kz_store_value *params, size_t n,
                     kz_store_row_fn fn, void *ctx, int64_t *changes);

/* ---- helpers ---- */
/* Microseconds since the epoch of t (truncating). */
int64_t kz_store_time_us(const kz_time *t);
/* "2026-11-26T12:00:00.123456Z" (TAXII date_added form). */
void kz_store_format_us(int64_t us, char out[KZ_TIME_MAX]);
/* Parses an RFC 3339 timestamp into microseconds. KZ_EPARSE / KZ_ERANGE. */
kz_err kz_store_parse_us(const char *s, int64_t *out);

#endif
