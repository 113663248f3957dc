/* taxii.h - the TAXII 2.1 server logic (OASIS Standard, 10 June 2021):
 * routing, media-type negotiation, authentication and rights, filters and
 * pagination, envelopes, manifests, versions, adding and deleting objects,
 * status resources, error messages.
 *
 * It is transport-free: kz_taxii_handle takes a kz_http_request and fills a
 * kz_http_response (include/kizuna/http.h), so it is driven by lib/http in
 * `kizuna serve` and directly by the unit tests and the fuzz target. It
 * reads and writes objects only through include/kizuna/store.h, keeps a
 * pool of store handles (one per concurrent request), and stores status
 * resources in its own taxii_status table of the node database. */
#ifndef KIZUNA_TAXII_H
#define KIZUNA_TAXII_H

#include <stdbool.h>
#include <stddef.h>

#include "kizuna/arena.h"
#include "kizuna/auth.h"
#include "kizuna/error.h"
#include "kizuna/http.h"
#include "kizuna/json.h"

#define KZ_TAXII_MEDIA "application/taxii+json;version=2.1"
#define KZ_TAXII_STIX_MEDIA "application/stix+json;version=2.1"

/* Publish hook: called for every valid POSTed object, outside the store's
 * transaction, with the parsed object and the posting account. Leave *out
 * NULL to store the received bytes, or set *out and *out_len to the bytes to
 * store instead (in arena a, valid until the request's objects are
 * stored): `kizuna serve` signs what local tools post (fed_publish.h).
 * KZ_ENOMEM fails the request (500); any other error fails this object,
 * with why as the status message. Called from several workers at once. */
typedef kz_err (*kz_taxii_publish_fn)(void *ctx, const kz_account *acct, kz_arena *a,
                                      const kz_json *obj, const char **out, size_t *out_len,
                                      char *why, size_t why_len);
/* Added hook: after a POST's objects are committed, the versions the store
 * reported as added (ids[i], versions[i]: `modified`, else `created`, NULL
 * for an object with neither) to collection coll_id, and the account that
 * posted them. Its failure is logged, never the request's. */
typedef void (*kz_taxii_added_fn)(void *ctx, const kz_account *acct, const char *coll_id,
                                  const char *const *ids, const char *const *versions, size_t n);

typedef struct kz_taxii_opts {
    const char *data_dir;      /* the node: DIR/kizuna.db, DIR/kizuna.conf */
    const char *node_org;      /* the node's organisation (TLP:AMBER+STRICT) */
    const char *title;         /* discovery title; NULL: "kizuna" */
    const char *description;   /* may be NULL */
    const char *contact;       /* may be NULL */
    const char *api_root;      /* the one API root's path segment; NULL: "api" */
    size_t max_content_length; /* advertised and enforced; 0: 10 MiB */
    size_t max_objects;        /* objects per POSTed envelope; 0: 10000 */
    size_t page_default;       /* records per page without limit; 0: 100 */
    size_t page_max;           /* cap on limit; 0: 1000 */
    size_t max_filter_values;  /* values in one match[...] list; 0: 100 */
    bool plain_http;           /* served without TLS (URLs in discovery say http) */
    bool no_cache;             /* do not keep read responses in memory */
    unsigned status_days;      /* status resources are kept this long; 0: 7 */
    kz_taxii_publish_fn publish; /* NULL: objects are stored as received */
    kz_taxii_added_fn on_added;  /* NULL: nothing is told */
    void *hook_ctx;              /* for both hooks; must outlive the kz_taxii */
    /* Objects (JSON text, borrowed) stored in the same transaction whenever
     * the publish hook rewrote an object of the request: the
     * extension-definition that a signature refers to, and its identity. */
    const char *const *publish_extra;
    size_t n_publish_extra;
} kz_taxii_opts;

typedef struct kz_taxii kz_taxii;

/* Opens the TAXII state for a node: checks the store opens, creates the
 * taxii_status table. au is borrowed (must outlive the kz_taxii).
 * *out is the caller's (kz_taxii_free). errbuf gets a one-line reason. */
kz_err kz_taxii_new(const kz_taxii_opts *o, kz_auth *au, kz_taxii **out, char *errbuf,
                    size_t errlen);
void kz_taxii_free(kz_taxii *t);

/* The request handler (a kz_http_handler_fn with ctx = kz_taxii *). */
void kz_taxii_handle(void *ctx, const kz_http_request *req, kz_http_response *resp);

/* ---- pieces exposed for tests and the fuzz target ---- */
/* Whether an Accept header value admits a TAXII 2.1 response (absent: yes). */
bool kz_taxii_accept_ok(const char *accept);
/* Whether a Content-Type names a TAXII 2.1 envelope. */
bool kz_taxii_content_type_ok(const char *content_type);

#endif
