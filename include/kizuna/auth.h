/* auth.h - who may talk to a node and what they may read: accounts, API
 * tokens, per-collection rights, failure throttling, and the TLP 2.0 read
 * policy.
 *
 * Accounts live in the node database (DIR/kizuna.db) in auth_* tables that
 * this module creates and owns, through its own SQLite connection.
 *
 * Tokens: 32 random bytes (libsodium), shown once as 43 characters of
 * base64url prefixed "kz_". Only a keyed BLAKE2b hash (crypto_generichash
 * with a random per-node key kept in auth_meta) is stored. A slow password
 * hash (Argon2id) buys nothing for 256-bit random secrets - nobody can
 * enumerate them - while it would cost tens of milliseconds on every
 * request; the key means a stolen database alone cannot even confirm a
 * guessed token. Hashes are compared with sodium_memcmp (constant time).
 *
 * A kz_auth handle is thread-safe: the server shares one between workers.
 * It keeps an in-memory copy of the accounts, refreshed when the database
 * changes (another process ran `kizuna account ...`), so that checking a
 * token costs one hash and no SQL on the hot path. */
#ifndef KIZUNA_AUTH_H
#define KIZUNA_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kizuna/error.h"
#include "kizuna/stix.h"

#define KZ_AUTH_NAME_MAX 64 /* account names: [A-Za-z0-9_.@-]{1,64} */
#define KZ_AUTH_ORG_MAX 128
#define KZ_AUTH_LIST_MAX 1024 /* a comma list of collection aliases/ids, or "*" */
#define KZ_AUTH_TOKEN_STR 48  /* "kz_" + 43 base64url characters + NUL */
#define KZ_AUTH_FPR_MAX 65

typedef struct kz_account {
    char name[KZ_AUTH_NAME_MAX + 1];
    char org[KZ_AUTH_ORG_MAX + 1];
    bool partner;                    /* a partner organisation with need-to-know (TLP:AMBER) */
    char read[KZ_AUTH_LIST_MAX + 1]; /* collections it may read: "a,b", "*" or "" */
    char write[KZ_AUTH_LIST_MAX + 1];
    char red[KZ_AUTH_LIST_MAX + 1];    /* collections where it is cleared for TLP:RED */
    kz_tlp tlp_max;                    /* the most it may ever read (KZ_TLP_RED: no cap) */
    char cert_sha256[KZ_AUTH_FPR_MAX]; /* bound client certificate or "" */
    int64_t created_us;
    /* A partner NODE's account (kizuna account add --peer): what it POSTs
     * was written elsewhere and is stored as received, never signed by
     * this node. Other accounts are local tools (MISP, OpenCTI, scripts)
     * whose objects the node publishes as its own. */
    bool peer;
} kz_account;

typedef struct kz_auth kz_auth;

/* Opens the auth tables in the SQLite file db_path (creating them, and the
 * per-node token key, when missing). *out is the caller's (kz_auth_close).
 * KZ_EDB with a reason in errbuf. */
kz_err kz_auth_open(const char *db_path, kz_auth **out, char *errbuf, size_t errlen);
void kz_auth_close(kz_auth *a);

/* Adds account a (name, org, rights...) and writes its new token to token
 * (shown once; only its hash is kept). KZ_EEXIST, KZ_EINVAL (bad name or
 * list). */
kz_err kz_auth_account_add(kz_auth *au, const kz_account *a, char token[KZ_AUTH_TOKEN_STR]);
/* Replaces the token of account name. KZ_ENOTFOUND. */
kz_err kz_auth_account_rotate(kz_auth *au, const char *name, char token[KZ_AUTH_TOKEN_STR]);
kz_err kz_auth_account_remove(kz_auth *au, const char *name);
/* Calls fn for each account by name; a nonzero return stops. */
typedef int (*kz_auth_account_fn)(void *ctx, const kz_account *a);
kz_err kz_auth_account_list(kz_auth *au, kz_auth_account_fn fn, void *ctx);
kz_err kz_auth_account_get(kz_auth *au, const char *name, kz_account *out);

/* Checks credentials: name may be NULL (Bearer tokens carry no name).
 * client_cert (hex SHA-256 or NULL) must match when the account is bound
 * to a certificate. On success *out is a copy of the account.
 * KZ_EAUTH for anything wrong (the caller does not learn which part). */
kz_err kz_auth_check(kz_auth *au, const char *name, const char *token, const char *client_cert,
                     kz_account *out);

/* ---- throttling of failed authentications ----
 * Counters per client address and per account name (bounded tables). After
 * KZ_AUTH_FREE_FAILURES failures in a row a key is locked out for a delay
 * that doubles with each further failure (1 s .. 5 min). */
#define KZ_AUTH_FREE_FAILURES 5
/* Seconds the caller must wait (0: go ahead). name may be NULL. */
unsigned kz_auth_throttle_wait(kz_auth *au, const char *ip, const char *name);
void kz_auth_throttle_failed(kz_auth *au, const char *ip, const char *name);
void kz_auth_throttle_ok(kz_auth *au, const char *ip, const char *name);

/* ---- rights and TLP ---- */
/* Whether list ("*", "" or "a,b,c") names the collection by id or alias. */
bool kz_auth_list_has(const char *list, const char *coll_id, const char *coll_alias);
bool kz_auth_can_read(const kz_account *a, const char *coll_id, const char *coll_alias);
bool kz_auth_can_write(const kz_account *a, const char *coll_id, const char *coll_alias);

/* The TLP read policy, one pure function (TLP 2.0, FIRST):
 *   CLEAR, GREEN   every account that may read the collection
 *   AMBER          accounts of the node's organisation, and partner accounts
 *   AMBER+STRICT   accounts of the node's organisation only
 *   RED            only accounts granted RED on this collection
 * and never above the account's tlp_max. An account that may not read the
 * collection reads nothing. object_tlp is the object's level after the
 * caller applied the collection default to unmarked objects. */
bool kz_auth_may_read(const kz_account *a, const char *node_org, const char *coll_id,
                      const char *coll_alias, kz_tlp object_tlp);

/* "clear", "green", "amber", "amber+strict", "red" (also TLP 1.0 "white")
 * to a level; KZ_TLP_NONE for anything else (NULL included). */
kz_tlp kz_auth_tlp_parse(const char *name);

/* Parses "Authorization: Basic ..." or "Bearer ..." into name (may be set
 * to "" for Bearer) and token. KZ_EAUTH for an absent or malformed header. */
kz_err kz_auth_parse_authorization(const char *header, char name[KZ_AUTH_NAME_MAX + 1],
                                   char token[KZ_AUTH_TOKEN_STR + 16]);

#endif
