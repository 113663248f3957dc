/* fed_int.h - what the federation files share: the handle, the fed_*
 * tables' connection, the TAXII client and the per-peer runtime. */
#ifndef KIZUNA_FED_INT_H
#define KIZUNA_FED_INT_H

#include <sqlite3.h>

#include "kizuna/buf.h"
#include "kizuna/fed.h"
#include "kizuna/fed_sign.h"
#include "kizuna/store.h"

#define FED_CLIENT_CACHE 16

struct kz_fed {
    sqlite3 *db;      /* fed_* tables, DIR/kizuna.db, our own connection, for
                         everything but a pulled page's provenance and
                         checkpoint (those go through store, in the page's
                         transaction: fed_pull_record) */
    /* TAXII clients kept between rounds (connections, TLS sessions, the
     * resolved API root and collection URLs), one per peer; a client is
     * dropped on any error of its peer and when the peer's settings change */
    struct fed_client *clients[FED_CLIENT_CACHE];
    kz_store *store;  /* objects, only through store.h */
    size_t workers;   /* fed_workers of kizuna.conf, read at the first pull
                         (0: not yet): threads that check a pulled page */
    char dir[1024];
    char err[256];
};

kz_err fed_seterr(kz_fed *f, kz_err rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
kz_err fed_dberr(kz_fed *f, const char *what);
int64_t fed_now_us(void);

/* Peer with all strings heap-copied (fed_peer_release frees them). */
typedef struct fed_peer_rec {
    kz_fed_peer p;
    char *buf[9];
} fed_peer_rec;
kz_err fed_peer_load(kz_fed *f, const char *name, fed_peer_rec *out);
void fed_peer_release(fed_peer_rec *r);
kz_err fed_peer_note(kz_fed *f, const char *name, bool ok, const char *error);

/* Subscription state writes. */
kz_err fed_sub_set_checkpoint(kz_fed *f, int64_t id, const char *checkpoint);
kz_err fed_sub_note(kz_fed *f, int64_t id, bool ok, const char *error);
kz_err fed_sub_push_done(kz_fed *f, int64_t id, int64_t cursor_us);
kz_err fed_sub_push_failed(kz_fed *f, int64_t id, int attempts, int64_t next_try_us,
                           const char *error);
typedef struct fed_sig_rec {
    const char *status; /* kz_fed_sig_status_name */
    const char *signer; /* trust name or NULL */
    const char *key_id; /* or NULL */
    bool marked;        /* stored under --signatures mark without verification */
} fed_sig_rec;
/* A pulled page's provenance and checkpoint, written through the store's
 * connection (kz_store_exec): call inside the store transaction that
 * stored the page (kz_store_begin, put_batch, this, kz_store_commit), so
 * that all of it commits or none. For each version the page ADDED (res[],
 * put_batch's verdicts) and nobody delivered before: a provenance row
 * (peer, sub_id, now) and its signature verdict sigs[i] (sigs may be
 * NULL); then, if checkpoint is not NULL or "", sub_id's checkpoint moves
 * to it (never backwards). On error the message is in f->err and the
 * caller rolls the transaction back. */
kz_err fed_pull_record(kz_fed *f, const char *const *ids, const char *const *versions, size_t n,
                       const kz_store_put_result *res, const fed_sig_rec *sigs, const char *peer,
                       int64_t sub_id, const char *checkpoint);
/* Whether (id, version) was delivered by peer. */
bool fed_prov_from(kz_fed *f, const char *id, const char *version, const char *peer);

/* ---- TAXII client (client.c) ---- */
typedef struct fed_client fed_client;
kz_err fed_client_new(const kz_fed_peer *p, fed_client **out, char *why, size_t why_len);
/* Whether c was made for exactly these peer settings. */
bool fed_client_matches(const fed_client *c, const kz_fed_peer *p);
void fed_client_free(fed_client *c);
/* GET url (absolute, or relative to the api root once resolved); the body
 * is left in c's buffer (fed_client_body). *status gets the HTTP status. */
kz_err fed_client_get(fed_client *c, const char *url, long *status, char *why, size_t why_len);
kz_err fed_client_post(fed_client *c, const char *url, const char *body, size_t len, long *status,
                       char *why, size_t why_len);
const char *fed_client_body(const fed_client *c, size_t *len);
/* Value of response header name from the last request, or NULL. */
const char *fed_client_header(const fed_client *c, const char *name);
/* Resolves the api root (discovery: default, else the first) and the
 * remote collection (id or title) into c; the URL of its objects. */
kz_err fed_client_collection(fed_client *c, const char *remote, char *url, size_t url_len,
                             char *why, size_t why_len);
const char *fed_client_api_root(const fed_client *c);

/* Checks the members of a parsed envelope v (more, next, objects);
 * n_streamed: objects already read from it by a kz_jstream (the "objects"
 * member is then absent from v). */
kz_err fed_envelope_check(const kz_json *v, size_t n_streamed, kz_fed_envelope *e, char *why,
                          size_t why_len);

/* ---- pull_work.c: a pulled page's per-object work over worker threads ---- */
#define FED_WORKERS_MAX 64         /* fed_workers may say up to this */
#define FED_WORKERS_DEFAULT_MAX 8  /* the default: online CPUs, at most this */

typedef enum fed_item_kind {
    FED_ITEM_KEEP = 0,  /* to store: so, ver, sig are set */
    FED_ITEM_INVALID,   /* not JSON, not valid STIX, or unusable for the store */
    FED_ITEM_WITHHELD,  /* filtered out by the subscription's types or TLP ceiling */
    FED_ITEM_REJECTED   /* refused by the signature policy */
} fed_item_kind;

/* One element of a page. The caller sets data, len (the element's exact
 * bytes, which must outlive the use of the verdict) and index (its place
 * in the envelope, for "$.objects[i]"); fed_pool_run sets the rest.
 * Strings point into data or into the pool's arenas, valid until the
 * pool's next run or fed_pool_free. */
typedef struct fed_page_item {
    const char *data;
    size_t len, index;
    kz_err rc;          /* KZ_ENOMEM when this item could not be judged */
    fed_item_kind kind;
    bool verified;      /* signature verified by a trusted key */
    const char *msg;    /* report line (invalid, rejected) or NULL */
    kz_store_object so; /* FED_ITEM_KEEP */
    const char *ver;    /* so's version key: modified, created or "-" */
    fed_sig_rec sig;
} fed_page_item;

typedef struct fed_pool fed_pool;
/* Online CPUs, at most FED_WORKERS_DEFAULT_MAX (1 when unknown). */
size_t fed_workers_default(void);
/* fed_workers of DIR/kizuna.conf (1..FED_WORKERS_MAX), else the default.
 * KZ_EPARSE / KZ_ERANGE / KZ_EIO with a reason in why. */
kz_err fed_workers_config(const char *dir, size_t *out, char *why, size_t why_len);
/* A pool of `workers` (clamped to 1..FED_WORKERS_MAX) arenas; threads are
 * started per run. Heap: fed_pool_free (NULL is a no-op). KZ_ENOMEM. */
kz_err fed_pool_new(size_t workers, fed_pool **out);
void fed_pool_free(fed_pool *p);
size_t fed_pool_size(const fed_pool *p);
/* Judges items[0..n) for subscription s against trust, on up to the
 * pool's number of threads (the calling one included), and returns when
 * all are done. The verdicts do not depend on the number of workers.
 * Resets the arenas of the previous run first. Returns KZ_OK; per-item
 * failures (out of memory) are in items[i].rc. */
kz_err fed_pool_run(fed_pool *p, const kz_fed_sub *s, const kz_fed_trust *trust,
                    fed_page_item *items, size_t n);

/* ---- pull.c / push.c ---- */
kz_err fed_pull_sub(kz_fed *f, fed_client *c, const kz_fed_sub *s, const kz_fed_round_opts *o,
                    kz_fed_round_stats *st, char *why, size_t why_len);
kz_err fed_push_sub(kz_fed *f, fed_client *c, const kz_fed_sub *s, const kz_fed_round_opts *o,
                    kz_fed_round_stats *st, char *why, size_t why_len);

#endif
