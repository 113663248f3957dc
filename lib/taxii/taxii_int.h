/* taxii_int.h - lib/taxii's private pieces: the server state, the
 * per-request context handed to every resource handler, and the helpers
 * shared by the resource files. */
#ifndef KZ_TAXII_INT_H
#define KZ_TAXII_INT_H

#include <pthread.h>
#include <sqlite3.h>

#include "kizuna/score.h"
#include "kizuna/store.h"
#include "kizuna/taxii.h"

#define TX_POOL_MAX 64
#define TX_COLL_CACHE 32
#define TX_COLL_TTL_US 30000000 /* collection metadata is re-read after 30 s */

/* What the read and write paths need of a collection, cached for
 * TX_COLL_TTL_US so that a request does not look its collection up in the
 * store (one indexed row since store schema 2 keeps the member count;
 * before that the lookup counted the members, a scan per request). */
typedef struct tx_coll_cache {
    char key[80]; /* alias or id as it appeared in the URL */
    char id[KZ_UUID_STR];
    char alias[KZ_STORE_ALIAS_MAX + 1];
    kz_tlp default_tlp;
    int64_t loaded_us;
    bool refreshing; /* one thread re-reads it; the others use it meanwhile */
} tx_coll_cache;

#define TX_CACHE_SLOTS 512

typedef struct tx_cache_entry {
    char *key; /* heap */
    size_t key_len;
    uint64_t hash;
    int64_t version; /* PRAGMA data_version when computed */
    char *body;      /* heap */
    size_t len;
    char first[KZ_TIME_MAX], last[KZ_TIME_MAX]; /* X-TAXII-Date-Added-* or "" */
} tx_cache_entry;

struct kz_taxii {
    kz_taxii_opts o; /* strings below are owned copies */
    char *data_dir, *node_org, *title, *description, *contact, *api_root;
    kz_auth *auth;        /* borrowed */
    pthread_mutex_t lock; /* guards pool */
    kz_store *pool[TX_POOL_MAX];
    size_t n_pool;
    tx_coll_cache colls[TX_COLL_CACHE]; /* guarded by lock */
    size_t coll_next;                   /* round-robin victim */
    /* The node database on a connection shared by the workers (FULLMUTEX):
     * it creates taxii_status at start and serves the cache's PRAGMA
     * data_version. Never write through it: a read open on it for one
     * thread keeps another thread's write from waiting for the lock
     * (SQLite skips the busy handler then); statuses are written and read
     * through the request's store handle (post.c, resources.c). */
    sqlite3 *sdb;
    pthread_mutex_t cache_lock;         /* guards cache, cache_bytes, data_version */
    sqlite3_stmt *data_version;         /* PRAGMA data_version on sdb */
    tx_cache_entry cache[TX_CACHE_SLOTS];
    size_t cache_bytes;
    bool cache_off; /* kz_taxii_opts.no_cache */
    /* taxii.min_score in kizuna.conf (docs/score.md): indicators scoring
     * below it are left out of objects and manifest responses (decay.c).
     * score NULL: off. score_lock guards snap (the current sightings
     * snapshot), the snapshots' reference counts and the scorer's peer
     * lookups. */
    kz_score_node *score;
    struct tx_score_snap *snap;
    pthread_mutex_t score_lock;
};

typedef struct tx_coll {
    char id[KZ_UUID_STR];
    const char *alias, *title, *description, *media_types;
    kz_tlp default_tlp; /* applied to unmarked objects */
    bool found;
} tx_coll;

enum { TX_P_COLL = 0, TX_P_OBJ, TX_P_STATUS, TX_P_MAX };

typedef struct tx_req {
    kz_taxii *t;
    const kz_http_request *req;
    kz_http_response *resp;
    kz_arena *a;
    kz_account acct;
    const char *param[TX_P_MAX];
    kz_store *store; /* from the pool, acquired lazily */
    tx_coll coll;
} tx_req;

/* respond.c */
void tx_error(tx_req *r, int status, const char *title, const char *description);
void tx_json(tx_req *r, int status); /* sets the TAXII content type and status */
kz_err tx_store(tx_req *r, kz_store **out);
void tx_store_release(kz_taxii *t, kz_store *s);
/* Looks up r->param[TX_P_COLL]; answers 404 itself and returns false when
 * the collection is missing or invisible to the account, 403 when it is
 * visible but the needed right (read and/or write) is missing. */
bool tx_collection(tx_req *r, bool need_read, bool need_write);
kz_tlp tx_record_tlp(const tx_req *r, const char *tlp);
kz_err tx_header_time(tx_req *r, const char *name, int64_t us);

/* resources.c */
void tx_discovery(tx_req *r);
void tx_api_root(tx_req *r);
void tx_collections(tx_req *r);
void tx_collection_get(tx_req *r);
void tx_status_get(tx_req *r);

/* objects.c */
void tx_objects_get(tx_req *r);
void tx_object_get(tx_req *r);
void tx_manifest_get(tx_req *r);
void tx_versions_get(tx_req *r);
void tx_object_delete(tx_req *r);

/* post.c */
void tx_objects_post(tx_req *r);
kz_err tx_status_open(kz_taxii *t, const char *db_path, char *errbuf, size_t errlen);

/* cache.c */
kz_err tx_cache_open(kz_taxii *t);
void tx_cache_close(kz_taxii *t);
/* Builds the key of a read response (kind, collection, TLP reach of the
 * account, path, query). */
kz_err tx_cache_key(tx_req *r, const char *kind, kz_buf *key);
/* On a hit fills the response (200, body, headers) and returns true.
 * *version gets the database version to store with a fresh response. */
bool tx_cache_get(tx_req *r, const kz_buf *key, int64_t *version);
/* The database's change counter now (-1 on error). */
int64_t tx_data_version(kz_taxii *t);
void tx_cache_put(tx_req *r, const kz_buf *key, int64_t version, const char *first,
                  const char *last);

/* decay.c: taxii.min_score */
typedef struct tx_score_snap tx_score_snap;
/* Sets t->score and the first snapshot when taxii.min_score is set; a bad
 * score.* key is an error naming it. */
kz_err tx_score_open(kz_taxii *t, kz_store *s, char *errbuf, size_t errlen);
void tx_score_close(kz_taxii *t);
/* The sightings snapshot for this request (read again first if the
 * database changed), referenced until tx_score_release; NULL if none could
 * be had (then nothing is filtered). */
tx_score_snap *tx_score_acquire(tx_req *r);
void tx_score_release(kz_taxii *t, tx_score_snap *s);
/* Whether record rec is a live indicator scoring below taxii.min_score at
 * now_us; a is scratch (reset here). */
bool tx_score_decayed(kz_taxii *t, tx_score_snap *s, kz_arena *a, const kz_store_record *rec,
                      int64_t now_us);

/* filter.c */
enum {
    TX_F_ADDED_AFTER = 1 << 0,
    TX_F_LIMIT = 1 << 1,
    TX_F_NEXT = 1 << 2,
    TX_F_ID = 1 << 3,
    TX_F_TYPE = 1 << 4,
    TX_F_VERSION = 1 << 5,
    TX_F_SPEC = 1 << 6
};
/* Reads the filters named by allowed from the query into f (strings in the
 * request arena) and the page size into *limit. On a bad value returns
 * KZ_EINVAL with a sentence in why. */
kz_err tx_filter_parse(tx_req *r, unsigned allowed, kz_store_filter *f, size_t *limit, char *why,
                       size_t why_len);

#endif
