/* fed_publish.h - what a node does with the objects published on it:
 * signs them with the node key (kizuna import, TAXII POST by a local tool)
 * unless they already carry a kizuna signature, and records which account
 * first delivered each version POSTed to it over TAXII.
 *
 * Both are used from src/ (cmd_import, cmd_serve, cmd_show) and reach the
 * store and the TAXII server only through their hooks
 * (kz_store_import_opts.transform, kz_taxii_opts.publish / on_added), so
 * that neither module depends on this one. docs/federation-signatures.md
 * says when a node signs. */
#ifndef KIZUNA_FED_PUBLISH_H
#define KIZUNA_FED_PUBLISH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kizuna/arena.h"
#include "kizuna/error.h"
#include "kizuna/fed_sign.h"
#include "kizuna/json.h"
#include "kizuna/store.h"

/* ---- signing on publish ---- */

/* Whether obj is published as it is, never signed by this node: it carries
 * a kizuna signature already (ours or a partner's, valid or not: signing
 * again would claim its authorship), or it is one of the objects that are
 * identical on every node (the predefined TLP marking-definitions, the
 * kizuna-signature extension-definition and its identity), or it is not a
 * JSON object. */
bool kz_fed_publish_keep(const kz_json *obj);

/* Signs obj for publishing unless kz_fed_publish_keep(obj): *out_obj is the
 * signed copy and *out and *out_len its RFC 8785 canonical JSON, all in arena
 * a; when obj is kept as it is, *out_obj and *out are NULL and *out_len 0.
 * Deterministic (Ed25519, canonical JSON): the same object gives the same
 * bytes, so importing it twice stores one version. Errors: those of
 * kz_fed_sign_object (KZ_EINVAL: a number without canonical form or
 * `extensions` not an object; KZ_ENOMEM; KZ_ETOOBIG). */
kz_err kz_fed_publish_sign(kz_arena *a, const kz_json *obj, const kz_fed_key *key,
                           kz_json **out_obj, const char **out, size_t *out_len);

/* Why kz_fed_publish_sign failed with rc, for a rejection message. */
const char *kz_fed_publish_strerror(kz_err rc);

/* The extension-definition (KZ_FED_SIG_EXT_ID) and its identity as JSON
 * text, NUL-terminated, in arena a: what a collection holding signed
 * objects also carries, so that receivers can resolve the extension.
 * Either pair of out pointers may be NULL. KZ_ENOMEM. */
kz_err kz_fed_publish_ext_json(kz_arena *a, const char **ext, size_t *ext_len, const char **ident,
                               size_t *ident_len);

/* kz_store_import_opts.transform for a publishing import: signs each
 * object with the node key passed as transform_ctx (a kz_fed_key *), as
 * kz_fed_publish_sign does; an object that cannot be signed is rejected
 * with "cannot be signed: <kz_fed_publish_strerror>" in why. */
kz_err kz_fed_publish_transform(void *key, kz_arena *a, const kz_json *obj, kz_json **out_obj,
                                const char **out_json, size_t *out_len, char *why, size_t why_len);

/* Stores the extension-definition and its identity (kz_fed_publish_ext_json)
 * in collection coll, in one put_batch: after an import that signed
 * something, so that receivers can resolve the extension; "present" (a
 * no-op) from the second time on. Errors of kz_store_put_batch, KZ_ENOMEM. */
kz_err kz_fed_publish_add_ext_objects(kz_store *s, const char *coll);

/* Reads `sign_on_publish` (true|false, default true) from DIR/kizuna.conf
 * (absent file: default). KZ_EPARSE with a one-line reason in errbuf. */
kz_err kz_fed_publish_config(const char *dir, bool *sign_on_publish, char *errbuf, size_t errlen);

/* ---- provenance of objects POSTed over TAXII ----
 * Table fed_post_provenance(id, version, account, at_us) in DIR/kizuna.db
 * (created on open; the pull provenance in fed_provenance is untouched):
 * for every version a TAXII POST added, the account that delivered it
 * first and when. A handle is thread-safe (the server's workers share one). */
typedef struct kz_fed_postlog kz_fed_postlog;

/* Opens (creating the table) through a connection of its own. *out is the
 * caller's (kz_fed_postlog_close). KZ_ENOTFOUND (no node in dir), KZ_EDB,
 * KZ_ENOMEM; a one-line reason in errbuf. */
kz_err kz_fed_postlog_open(const char *dir, kz_fed_postlog **out, char *errbuf, size_t errlen);
void kz_fed_postlog_close(kz_fed_postlog *l);

/* Records that account delivered versions[i] of ids[i] (n of them, in one
 * transaction) now. A version already recorded keeps its first delivery,
 * and so does one a federation peer delivered first (fed_provenance);
 * entries with a NULL version are skipped. KZ_EDB, KZ_EBUSY. */
kz_err kz_fed_postlog_record(kz_fed_postlog *l, const char *account, const char *const *ids,
                             const char *const *versions, size_t n);

typedef struct kz_fed_post_prov {
    const char *id, *version, *account;
    int64_t at_us; /* when it was first delivered */
} kz_fed_post_prov;
typedef int (*kz_fed_post_prov_fn)(void *ctx, const kz_fed_post_prov *p);
/* Every recorded POST provenance of object id, by version; a nonzero
 * return of fn stops. Strings live for the call of fn only. KZ_EDB. */
kz_err kz_fed_postlog_get(kz_fed_postlog *l, const char *id, kz_fed_post_prov_fn fn, void *ctx);

#endif
