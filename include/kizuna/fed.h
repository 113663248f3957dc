/* fed.h - federation between kizuna nodes and any TAXII 2.1 server:
 * peers, pull and push subscriptions, durable checkpoints, the push
 * outbox with retries, sharing policy and provenance.
 *
 * State lives in the node database (DIR/kizuna.db) in tables named fed_*
 * (versioned in fed_meta, upgraded by kz_fed_open), reached through a
 * connection of this module's own, except a pulled page's provenance and
 * checkpoint, written with kz_store_exec in the store transaction that
 * stores the page; objects are read and written only through kz_store
 * (store.h). A kz_fed handle is not
 * thread-safe: give each thread its own (kz_fed_open). See
 * docs/federation.md for the model and its guarantees. */
#ifndef KIZUNA_FED_H
#define KIZUNA_FED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kizuna/error.h"
#include "kizuna/json.h"
#include "kizuna/store.h"

typedef struct kz_fed kz_fed;

/* Opens the federation state of data directory dir (creating the fed_*
 * tables if missing, upgrading older ones; KZ_EVERSION if they are newer
 * than this program) and a store handle of its own. *out is the caller's
 * (kz_fed_close). errbuf receives a one-line reason on failure. */
kz_err kz_fed_open(const char *dir, kz_fed **out, char *errbuf, size_t errlen);
void kz_fed_close(kz_fed *f);
/* The fed handle's store (owned by f). */
kz_store *kz_fed_store(kz_fed *f);
/* Last error message of f (never NULL). */
const char *kz_fed_errmsg(const kz_fed *f);

/* ---- peers ---- */
#define KZ_FED_NAME_MAX 64
typedef struct kz_fed_peer {
    const char *name;        /* [A-Za-z0-9_.-]{1,64} */
    const char *url;         /* discovery URL, https://host/taxii2/ (http:// only for 127.0.0.1) */
    const char *token;       /* API token (Bearer, or Basic password with user) */
    const char *user;        /* NULL: Bearer token */
    const char *ca_file;     /* NULL: system CAs */
    bool insecure;           /* no certificate check (warned on every use) */
    const char *client_cert; /* PEM files for mutual TLS, or NULL */
    const char *client_key;
    /* status, filled by get/list */
    int64_t last_success_us; /* 0: never */
    int64_t last_attempt_us;
    const char *last_error;  /* NULL: none */
} kz_fed_peer;

typedef int (*kz_fed_peer_fn)(void *ctx, const kz_fed_peer *p);
/* KZ_EEXIST, KZ_EINVAL (bad name or URL, cert without key). */
kz_err kz_fed_peer_add(kz_fed *f, const kz_fed_peer *p);
kz_err kz_fed_peer_get(kz_fed *f, const char *name, kz_fed_peer_fn fn, void *ctx);
kz_err kz_fed_peer_list(kz_fed *f, kz_fed_peer_fn fn, void *ctx);
/* Removes the peer and its subscriptions. KZ_ENOTFOUND. */
kz_err kz_fed_peer_remove(kz_fed *f, const char *name);

/* ---- subscriptions ---- */
typedef enum kz_fed_dir { KZ_FED_PULL = 0, KZ_FED_PUSH = 1 } kz_fed_dir;
typedef enum kz_fed_sigpolicy {
    KZ_FED_SIG_ACCEPT = 0, /* unsigned objects accepted */
    KZ_FED_SIG_MARK,       /* accepted, recorded as unsigned */
    KZ_FED_SIG_REJECT      /* unsigned objects rejected */
} kz_fed_sigpolicy;

typedef struct kz_fed_sub {
    int64_t id;              /* assigned by add */
    kz_fed_dir dir;
    const char *peer;
    const char *local;       /* local collection alias or id */
    const char *remote;      /* remote collection id or title */
    const char *types;       /* comma-separated STIX types, NULL: all */
    const char *tlp_max;     /* "clear".."amber" ceiling; NULL: green for push, any for pull */
    kz_fed_sigpolicy sig;
    /* status, filled by list */
    const char *checkpoint;  /* pull: added_after of the next page ("" at start) */
    int64_t cursor_us;       /* push: date_added of the last version sent */
    int attempts;            /* push: consecutive failures */
    int64_t next_try_us;     /* push: not before this time */
    const char *last_error;
    int64_t last_success_us;
} kz_fed_sub;

typedef int (*kz_fed_sub_fn)(void *ctx, const kz_fed_sub *s);
/* Checks that the peer and the local collection exist; id_out (optional)
 * gets the new id. KZ_ENOTFOUND, KZ_EINVAL (bad types or TLP), KZ_EEXIST. */
kz_err kz_fed_sub_add(kz_fed *f, const kz_fed_sub *s, int64_t *id_out);
/* Every subscription (peer NULL) or those of one peer. */
kz_err kz_fed_sub_list(kz_fed *f, const char *peer, kz_fed_sub_fn fn, void *ctx);
kz_err kz_fed_sub_remove(kz_fed *f, int64_t id);

/* ---- running ---- */
typedef void (*kz_fed_report_fn)(void *ctx, const char *peer, const char *msg);
typedef struct kz_fed_round_stats {
    size_t pages, pulled, stored, present, invalid, rejected;
    size_t pushed, push_batches, push_failed, withheld;
    size_t errors;
    size_t verified;         /* pulled objects whose signature verified */
} kz_fed_round_stats;

typedef struct kz_fed_round_opts {
    const char *peer;        /* only this peer; NULL: all */
    bool pull, push;         /* which directions (both false: both) */
    bool ignore_backoff;     /* `kizuna sync`: try failed pushes now */
    size_t page_size;        /* 0: 1000 */
    size_t max_pages;        /* per subscription and round; 0: unlimited */
    kz_fed_report_fn report; /* problems and progress, one line each; may be NULL */
    void *ctx;
    const volatile int *stop;/* nonzero: stop between pages */
} kz_fed_round_opts;

/* One round: every pull subscription pulls until the peer has nothing
 * newer, every push subscription sends what its outbox holds. Errors of a
 * peer are recorded on it and its subscriptions and counted in st->errors;
 * the return is KZ_OK unless the local node itself failed. */
kz_err kz_fed_round(kz_fed *f, const kz_fed_round_opts *o, kz_fed_round_stats *st);

/* Versions a push subscription still has to send (its outbox depth). */
kz_err kz_fed_outbox_depth(kz_fed *f, int64_t sub_id, int64_t *out);

/* ---- continuous federation (kizuna serve) ----
 * A background thread with its own kz_fed handle: a pull round every
 * pull_interval_ms and a push round every push_interval_ms (0: that
 * direction off); push rounds respect each subscription's backoff.
 * Problems go to kz_log. */
typedef struct kz_fed_runner kz_fed_runner;
typedef struct kz_fed_runner_opts {
    const char *dir;            /* data directory */
    int64_t pull_interval_ms;   /* kizuna.conf fed.pull_interval (s), default 60 */
    int64_t push_interval_ms;   /* kizuna.conf fed.push_interval (s), default 10 */
} kz_fed_runner_opts;
/* Reads fed.pull_interval / fed.push_interval (seconds, 0 = off, may be
 * fractional like 0.5) from DIR/kizuna.conf into o (defaults if absent).
 * KZ_EPARSE with a reason in errbuf for a bad value. */
kz_err kz_fed_runner_config(const char *dir, kz_fed_runner_opts *o, char *errbuf, size_t errlen);
/* Starts the thread; *out is the caller's (kz_fed_runner_stop). */
kz_err kz_fed_runner_start(const kz_fed_runner_opts *o, kz_fed_runner **out);
/* Asks the thread to stop between pages, joins it and frees; NULL is a no-op. */
void kz_fed_runner_stop(kz_fed_runner *r);

/* ---- provenance ---- */
typedef struct kz_fed_prov {
    const char *id, *version, *peer;
    int64_t sub_id;
    int64_t at_us;           /* when it was first delivered */
    const char *sig_status;  /* signature on arrival: "verified", "unsigned", ...; NULL: not recorded */
    const char *signer;      /* trust name of the signer when verified */
    bool marked;             /* stored unverified under --signatures mark */
} kz_fed_prov;
typedef int (*kz_fed_prov_fn)(void *ctx, const kz_fed_prov *p);
/* Every recorded provenance of object id (all its versions). */
kz_err kz_fed_provenance(kz_fed *f, const char *id, kz_fed_prov_fn fn, void *ctx);

/* {"2.0", "2.1"}: every spec_version, for store queries that must see
 * every version whatever the store's default spec_version filter. */
extern const char *const kz_fed_all_specs[2];

/* ---- policy helpers (pure) ---- */
/* Rank of a TLP name: clear 0, green 1, amber 2, amber+strict 3, red 4;
 * -1 for NULL/"" (unmarked), -2 for an unknown name. */
int kz_fed_tlp_rank(const char *tlp);
/* Whether a version with TLP tlp (NULL: unmarked; then default_tlp, and
 * if that is NULL too, green) may leave the node under ceiling tlp_max
 * (NULL: green). AMBER+STRICT and RED never may. */
bool kz_fed_may_leave(const char *tlp, const char *default_tlp, const char *tlp_max);
/* Whether type is in the comma-separated list (NULL or "": every type). */
bool kz_fed_type_allowed(const char *types, const char *type);
/* Retry delay after `attempts` consecutive failures: min(base * 2^(n-1),
 * cap) scaled by a jitter factor in [0.5, 1.0) from r in [0, 1). */
int64_t kz_fed_backoff_us(int attempts, int64_t base_us, int64_t cap_us, double r);

/* ---- TAXII response parsing (pure; the client's parser, fuzzed) ---- */
#define KZ_FED_MAX_RESPONSE (64u << 20)
typedef struct kz_fed_envelope {
    bool more;
    const char *next;          /* NULL if absent */
    const kz_json *objects;    /* array or NULL (an empty page) */
} kz_fed_envelope;
/* Parses a TAXII 2.1 envelope from buf[0..len) into arena a. KZ_EPARSE
 * (not JSON), KZ_EINVALID (not an envelope: wrong member types),
 * KZ_ETOOBIG, KZ_ENOMEM. why gets a reason. */
kz_err kz_fed_parse_envelope(kz_arena *a, const char *buf, size_t len, kz_fed_envelope *e,
                             char *why, size_t why_len);

typedef struct kz_fed_status {
    const char *id;
    const char *status;        /* "pending" or "complete" */
    int64_t total, success, failure, pending;
} kz_fed_status;
/* Parses a TAXII 2.1 status resource. Same errors. */
kz_err kz_fed_parse_status(kz_arena *a, const char *buf, size_t len, kz_fed_status *s, char *why,
                           size_t why_len);

#endif
