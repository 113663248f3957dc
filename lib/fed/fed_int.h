/* fed_int.h - what the federation files share: the handle, the fed_*
 * tables' connection, the TAXII client and the per-peer runtime. */
#ifndef KIZUNA_FED_INT_H
#define KIZUNA_FED_INT_H

#include <sqlite3.h>

#include "kizuna/buf.h"
#include "kizuna/fed.h"

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

/* ---- pull.c / push.c ---- */
kz_err fed_pull_sub(kz_fed *f, fed_client *c, const kz_fed_sub *s, const kz_fed_round_opts *o,
                    kz_fed_round_stats *st, char *why, size_t why_len);
kz_err fed_push_sub(kz_fed *f, fed_client *c, const kz_fed_sub *s, const kz_fed_round_opts *o,
                    kz_fed_round_stats *st, char *why, size_t why_len);

#endif
