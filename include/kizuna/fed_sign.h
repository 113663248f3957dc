/* fed_sign.h - end-to-end Ed25519 signatures of STIX objects: the node's
 * signing key, signing and verifying one object over its RFC 8785 canonical
 * JSON, the kizuna-signature STIX extension that carries the signature, the
 * trust store of partners' public keys, and the per-subscription policy.
 *
 * What is signed (docs/federation-signatures.md has the full rules): the
 * canonical JSON (KZ_JSON_CANONICAL) of the object with the signature entry
 * extensions[KZ_FED_SIG_EXT_ID] removed, and with `extensions` removed too
 * when that leaves it empty (or it was empty). Verification removes
 * exactly that entry, re-canonicalises and checks, so re-ordering members,
 * changing white space or re-serialising through any JSON library keeps a
 * signature valid, while changing any value breaks it. */
#ifndef KIZUNA_FED_SIGN_H
#define KIZUNA_FED_SIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kizuna/arena.h"
#include "kizuna/error.h"
#include "kizuna/json.h"

/* The kizuna-signature extension-definition and its author identity: fixed
 * ids so that every node names the same extension. */
#define KZ_FED_SIG_EXT_ID "extension-definition--2ca233b3-cea9-4783-9129-d362e531cbcd"
#define KZ_FED_SIG_IDENTITY_ID "identity--81d82ac9-c179-4cc5-95f9-da410f78bf15"
#define KZ_FED_SIG_ALG "Ed25519"

/* A key id is "ed25519:" followed by the unpadded base64url of the 32-byte
 * public key: 8 + 43 characters. */
#define KZ_FED_KEY_ID_LEN 51
#define KZ_FED_KEY_ID_SIZE (KZ_FED_KEY_ID_LEN + 1)
#define KZ_FED_PUBKEY_BYTES 32
/* Trust names: 1..64 characters of [A-Za-z0-9._-]. "self" is reserved for
 * this node's own key. */
#define KZ_FED_TRUST_NAME_MAX 64

/* ---- the node key ---- */

/* A signing key pair (secret part included). Heap; kz_fed_key_free. */
typedef struct kz_fed_key kz_fed_key;

/* Creates DIR/keys (0700) and a new key pair in DIR/keys/ed25519.key (0600)
 * plus its public key id in DIR/keys/ed25519.pub, unless the key file
 * exists already (then nothing changes; *made = false). made may be NULL.
 * errbuf (optional) receives a one-line reason on failure.
 * Errors: KZ_EIO, KZ_ECRYPTO, KZ_ETOOBIG (path too long). */
kz_err kz_fed_key_init_dir(const char *dir, bool *made, char *errbuf, size_t errlen);
/* Loads a key file written by kz_fed_key_init_dir (or any file whose first
 * non-comment line is the base64url of a 32-byte Ed25519 seed).
 * *out is heap: kz_fed_key_free. Errors: KZ_ENOTFOUND, KZ_EIO, KZ_EPARSE,
 * KZ_ENOMEM, KZ_ECRYPTO; *out NULL on error. */
kz_err kz_fed_key_load(const char *path, kz_fed_key **out);
/* Loads DIR/keys/ed25519.key. Same contract as kz_fed_key_load. */
kz_err kz_fed_key_load_dir(const char *dir, kz_fed_key **out);
/* A key from a 32-byte seed (tests, fuzzing). *out heap; KZ_ENOMEM. */
kz_err kz_fed_key_from_seed(const uint8_t seed[32], kz_fed_key **out);
/* Wipes the secret and frees. NULL is a no-op. */
void kz_fed_key_free(kz_fed_key *k);
/* The key id ("ed25519:..."), NUL-terminated, owned by k. */
const char *kz_fed_key_id(const kz_fed_key *k);

/* Parses a key id into the 32 public key bytes. KZ_EPARSE if id is not
 * "ed25519:" + 43 base64url characters of a 32-byte key. */
kz_err kz_fed_key_id_parse(const char *id, uint8_t pk[KZ_FED_PUBKEY_BYTES]);
/* Formats pk as a key id into out. */
void kz_fed_key_id_format(const uint8_t pk[KZ_FED_PUBKEY_BYTES], char out[KZ_FED_KEY_ID_SIZE]);

/* ---- trust store ---- */

/* A set of (name, public key) pairs a node trusts. Heap; kz_fed_trust_free. */
typedef struct kz_fed_trust kz_fed_trust;

/* An empty in-memory trust set (tests, fuzzing, callers building their own). NULL on OOM. */
kz_fed_trust *kz_fed_trust_new(void);
void kz_fed_trust_free(kz_fed_trust *t);
/* Adds name -> key id to the in-memory set. KZ_EINVAL bad name, KZ_EPARSE
 * bad key id, KZ_EEXIST name or key already present, KZ_ENOMEM. */
kz_err kz_fed_trust_put(kz_fed_trust *t, const char *name, const char *key_id);
/* Number of entries, and entry i (name and key id owned by t). */
size_t kz_fed_trust_count(const kz_fed_trust *t);
kz_err kz_fed_trust_entry(const kz_fed_trust *t, size_t i, const char **name,
                          const char **key_id);
/* The name under which pk is trusted, or NULL. */
const char *kz_fed_trust_lookup(const kz_fed_trust *t, const uint8_t pk[KZ_FED_PUBKEY_BYTES]);

/* The node's trust store lives in DIR/kizuna.db, table fed_trust (created
 * on first use). kz_fed_trust_load reads every row and, when DIR/keys/
 * ed25519.key exists, this node's own public key under the name "self", so
 * that a node verifies what it signed itself (e.g. an object coming back
 * around a ring). *out heap: kz_fed_trust_free. Errors: KZ_ENOTFOUND (no
 * node in DIR), KZ_EDB, KZ_ECORRUPT (a stored key does not parse),
 * KZ_ENOMEM, and those of kz_fed_key_load_dir. */
kz_err kz_fed_trust_load(const char *dir, kz_fed_trust **out);
/* Stores name -> key id. KZ_EINVAL bad or reserved name, KZ_EPARSE bad key,
 * KZ_EEXIST when the name or the key is already trusted, KZ_ENOTFOUND, KZ_EDB. */
kz_err kz_fed_trust_add(const char *dir, const char *name, const char *key_id);
/* Removes name. KZ_ENOTFOUND when it is not trusted (or no node in DIR), KZ_EDB. */
kz_err kz_fed_trust_remove(const char *dir, const char *name);

/* ---- signing and verifying one object ---- */

/* Returns a signed copy of obj (a JSON object) in arena a: the same members,
 * with extensions["<KZ_FED_SIG_EXT_ID>"] = {"extension_type":
 * "property-extension", "alg": "Ed25519", "key": <key id>, "sig":
 * <base64url signature>} set (replacing an earlier kizuna signature). obj is
 * not modified; the copy shares no storage with it. Errors: KZ_EINVAL (obj
 * not an object, `extensions` present but not an object, or a number
 * without canonical form), KZ_ENOMEM, KZ_ETOOBIG (canonical form > 64 MiB).
 * *signed_out NULL on error. */
kz_err kz_fed_sign_object(kz_arena *a, const kz_json *obj, const kz_fed_key *key,
                          kz_json **signed_out);

typedef enum kz_fed_sig_status {
    KZ_FED_SIG_UNSIGNED = 0,   /* no kizuna-signature entry */
    KZ_FED_SIG_VERIFIED,       /* a trusted key signed exactly this content */
    KZ_FED_SIG_BAD_SIGNATURE,  /* the entry is malformed or the signature does not match */
    KZ_FED_SIG_UNKNOWN_SIGNER  /* well-formed, but its key is not trusted (not checked) */
} kz_fed_sig_status;

typedef struct kz_fed_verify_result {
    kz_fed_sig_status status;
    char signer[KZ_FED_TRUST_NAME_MAX + 1]; /* trust name when VERIFIED, else "" */
    char key_id[KZ_FED_KEY_ID_SIZE];        /* the key the object names, "" if none/malformed */
    const char *reason; /* static text: why, for BAD_SIGNATURE and UNKNOWN_SIGNER; "" otherwise */
} kz_fed_verify_result;

/* Verifies obj against trust (which may be NULL: nothing is trusted) and
 * fills *res. Returns KZ_OK whatever the verdict; KZ_ENOMEM or KZ_EINVAL
 * (NULL obj/res) are the only errors, and then res->status is
 * KZ_FED_SIG_BAD_SIGNATURE so that a caller ignoring rc never stores the
 * object as verified. Allocates nothing that outlives the call. */
kz_err kz_fed_verify_object(const kz_json *obj, const kz_fed_trust *trust,
                            kz_fed_verify_result *res);

/* "unsigned", "verified", "bad-signature", "unknown-signer". */
const char *kz_fed_sig_status_name(kz_fed_sig_status s);

/* ---- the extension-definition object ---- */

/* Builds the kizuna-signature extension-definition object and the identity
 * it is created by, in arena a (fixed ids and timestamps, so the same on
 * every node). Either out pointer may be NULL. KZ_ENOMEM. */
kz_err kz_fed_sign_ext_objects(kz_arena *a, kz_json **ext_def, kz_json **identity);

/* Whether obj is one of those two objects, with exactly their content (as
 * JSON values: member order and white space do not matter). They travel
 * unsigned by design (signing them would name one node as the author of a
 * definition every node shares), so a receiver that rejects unsigned
 * objects accepts these two when they are the real thing. False on any
 * difference and on out of memory. */
bool kz_fed_sign_is_ext_object(const kz_json *obj);

/* ---- per-subscription policy ---- */

typedef enum kz_fed_sig_policy {
    KZ_FED_POLICY_ACCEPT = 0, /* store unsigned and unknown-signer objects as they are */
    KZ_FED_POLICY_MARK,       /* store them, recorded as unverified */
    KZ_FED_POLICY_REJECT      /* store only verified objects */
} kz_fed_sig_policy;

typedef enum kz_fed_sig_decision {
    KZ_FED_STORE_VERIFIED = 0, /* store, recorded as verified (signer known) */
    KZ_FED_STORE,              /* store, nothing to record */
    KZ_FED_STORE_MARKED,       /* store, recorded as unverified */
    KZ_FED_REJECT              /* do not store; report */
} kz_fed_sig_decision;

/* What to do with an object of status s under policy p. A bad signature is
 * rejected under every policy; only VERIFIED yields KZ_FED_STORE_VERIFIED. */
kz_fed_sig_decision kz_fed_sig_decide(kz_fed_sig_policy p, kz_fed_sig_status s);
/* "accept" / "mark" / "reject" <-> policy. KZ_EINVAL for other names. */
kz_err kz_fed_sig_policy_parse(const char *name, kz_fed_sig_policy *out);
const char *kz_fed_sig_policy_name(kz_fed_sig_policy p);

#endif
