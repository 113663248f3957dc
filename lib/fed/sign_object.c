/* sign_object.c - signing and verifying one STIX object: Ed25519 over the
 * RFC 8785 canonical JSON of the object without its kizuna-signature
 * extension entry, and the extension-definition object that names it. */
#include <string.h>

#include "fed/sign_int.h"
#include "kizuna/alloc.h"
#include "kizuna/buf.h"
#include "kizuna/codec.h"

/* The canonical form of one object is bounded like a bundle element. */
#define CANON_MAX ((size_t)64 << 20)
#define SIG_B64_LEN 86 /* unpadded base64url of 64 bytes */

static const char ext_key[] = KZ_FED_SIG_EXT_ID;
#define EXT_KEY_LEN (sizeof ext_key - 1)

static bool key_is(const kz_json_member *m, const char *k, size_t klen)
{
    return m->key_len == klen && memcmp(m->key, k, klen) == 0;
}

/* The content that is signed, as a read-only view over obj: a shallow
 * copy of obj's members in which `extensions` lacks the signature entry, or
 * is left out when nothing else is in it (so that signing an object
 * without extensions, or with an empty one, and verifying the signed one
 * see the same bytes). The view's member arrays are heap (kz_malloc): view_release. */
typedef struct view {
    kz_json top, ext;
    kz_json_member *top_m, *ext_m;
} view;

static void view_release(view *v)
{
    kz_free(v->top_m);
    kz_free(v->ext_m);
    v->top_m = v->ext_m = NULL;
}

/* obj must be an object; its `extensions`, if any, must be an object. */
static kz_err view_make(const kz_json *obj, view *v)
{
    memset(v, 0, sizeof *v);
    size_t n = obj->u.obj.n;
    v->top.type = KZ_JSON_OBJECT;
    v->top_m = kz_malloc((n ? n : 1) * sizeof *v->top_m);
    if (!v->top_m)
        return KZ_ENOMEM;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const kz_json_member *m = &obj->u.obj.members[i];
        if (!key_is(m, "extensions", 10)) {
            v->top_m[k++] = *m;
            continue;
        }
        const kz_json *e = m->value;
        if (e->type != KZ_JSON_OBJECT) { /* callers reject this; copy it unchanged */
            v->top_m[k++] = *m;
            continue;
        }
        size_t en = e->u.obj.n;
        v->ext.type = KZ_JSON_OBJECT;
        v->ext_m = kz_malloc((en ? en : 1) * sizeof *v->ext_m);
        if (!v->ext_m) {
            view_release(v);
            return KZ_ENOMEM;
        }
        size_t ek = 0;
        for (size_t j = 0; j < en; j++) {
            if (!key_is(&e->u.obj.members[j], ext_key, EXT_KEY_LEN))
                v->ext_m[ek++] = e->u.obj.members[j];
        }
        if (ek == 0)
            continue; /* nothing but the signature (or nothing at all): leave it out */
        v->ext.u.obj.members = v->ext_m;
        v->ext.u.obj.n = v->ext.u.obj.cap = ek;
        v->top_m[k] = *m;
        v->top_m[k].value = &v->ext;
        k++;
    }
    v->top.u.obj.members = v->top_m;
    v->top.u.obj.n = v->top.u.obj.cap = k;
    return KZ_OK;
}

/* Canonical bytes of the signed content of obj into b (initialised by caller). */
static kz_err signed_bytes(const kz_json *obj, kz_buf *b)
{
    view v;
    kz_err rc = view_make(obj, &v);
    if (rc)
        return rc;
    rc = kz_json_write(b, &v.top, KZ_JSON_CANONICAL);
    view_release(&v);
    return rc;
}

static kz_err add_str(kz_arena *a, kz_json *o, const char *k, const char *s)
{
    kz_json *v = kz_json_new_string(a, s);
    if (!v)
        return KZ_ENOMEM;
    return kz_json_object_set(a, o, k, v);
}

kz_err kz_fed_sign_object(kz_arena *a, const kz_json *obj, const kz_fed_key *key,
                          kz_json **signed_out)
{
    kz_buf b;
    kz_err rc;
    uint8_t sig[crypto_sign_BYTES];
    char sig64[SIG_B64_LEN + 1];
    *signed_out = NULL;
    if (!a || !obj || !key || obj->type != KZ_JSON_OBJECT)
        return KZ_EINVAL;
    const kz_json *ext = kz_json_get(obj, "extensions");
    if (ext && ext->type != KZ_JSON_OBJECT)
        return KZ_EINVAL;
    kz_buf_init(&b, CANON_MAX);
    rc = signed_bytes(obj, &b);
    if (rc)
        goto fail;
    if (crypto_sign_detached(sig, NULL, (const unsigned char *)b.data, b.len, key->sk) != 0) {
        rc = KZ_ECRYPTO;
        goto fail;
    }
    kz_base64_encode(sig, sizeof sig, true, false, sig64, sizeof sig64);

    kz_json *out = kz_json_clone(a, obj);
    kz_json *entry = kz_json_new_object(a);
    if (!out || !entry) {
        rc = KZ_ENOMEM;
        goto fail;
    }
    kz_json *oext = (kz_json *)kz_json_get(out, "extensions");
    if (!oext) {
        oext = kz_json_new_object(a);
        if (!oext) {
            rc = KZ_ENOMEM;
            goto fail;
        }
        rc = kz_json_object_set(a, out, "extensions", oext);
        if (rc)
            goto fail;
    }
    rc = add_str(a, entry, "extension_type", "property-extension");
    if (!rc)
        rc = add_str(a, entry, "alg", KZ_FED_SIG_ALG);
    if (!rc)
        rc = add_str(a, entry, "key", key->id);
    if (!rc)
        rc = add_str(a, entry, "sig", sig64);
    if (!rc)
        rc = kz_json_object_set(a, oext, ext_key, entry);
    if (rc)
        goto fail;
    kz_buf_release(&b);
    *signed_out = out;
    return KZ_OK;
fail:
    kz_buf_release(&b);
    /* KZ_ETOOBIG from the buffer cap; KZ_EINVAL from a non-finite number. */
    return rc;
}

const char *kz_fed_sig_status_name(kz_fed_sig_status s)
{
    static const char *const names[] = {"unsigned", "verified", "bad-signature",
                                        "unknown-signer"};
    return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "unknown";
}

static kz_err bad(kz_fed_verify_result *res, const char *why)
{
    res->status = KZ_FED_SIG_BAD_SIGNATURE;
    res->signer[0] = '\0';
    res->reason = why;
    return KZ_OK;
}

/* The string value of member v if it is exactly a string without embedded
 * NUL, else NULL. */
static const char *plain_string(const kz_json *v)
{
    if (!v || v->type != KZ_JSON_STRING || strlen(v->u.str.ptr) != v->u.str.len)
        return NULL;
    return v->u.str.ptr;
}

kz_err kz_fed_verify_object(const kz_json *obj, const kz_fed_trust *trust,
                            kz_fed_verify_result *res)
{
    if (!res)
        return KZ_EINVAL;
    memset(res, 0, sizeof *res);
    res->reason = "";
    if (!obj) {
        bad(res, "no object");
        return KZ_EINVAL;
    }
    res->status = KZ_FED_SIG_UNSIGNED;
    if (obj->type != KZ_JSON_OBJECT)
        return KZ_OK;
    const kz_json *ext = kz_json_get(obj, "extensions");
    if (!ext || ext->type != KZ_JSON_OBJECT)
        return KZ_OK;
    const kz_json *entry = kz_json_get(ext, ext_key);
    if (!entry)
        return KZ_OK;

    /* Exactly the four members: anything else would ride along unsigned. */
    if (entry->type != KZ_JSON_OBJECT || entry->u.obj.n != 4)
        return bad(res, "malformed signature entry");
    const char *et = plain_string(kz_json_get(entry, "extension_type"));
    const char *alg = plain_string(kz_json_get(entry, "alg"));
    const char *kid = plain_string(kz_json_get(entry, "key"));
    const char *sig64 = plain_string(kz_json_get(entry, "sig"));
    if (!et || !alg || !kid || !sig64 || strcmp(et, "property-extension") != 0)
        return bad(res, "malformed signature entry");
    if (strcmp(alg, KZ_FED_SIG_ALG) != 0)
        return bad(res, "unsupported signature algorithm");
    uint8_t pk[KZ_FED_PUBKEY_BYTES];
    if (kz_fed_key_id_parse(kid, pk) != KZ_OK)
        return bad(res, "malformed key id");
    memcpy(res->key_id, kid, KZ_FED_KEY_ID_SIZE);
    uint8_t sig[crypto_sign_BYTES + 3];
    size_t siglen = 0;
    if (strlen(sig64) != SIG_B64_LEN ||
        kz_base64_decode(sig64, SIG_B64_LEN, true, false, sig, sizeof sig, &siglen) != KZ_OK ||
        siglen != crypto_sign_BYTES)
        return bad(res, "malformed signature");
    if (kz_fed_sodium_ready() != KZ_OK) {
        bad(res, "libsodium unavailable");
        return KZ_ECRYPTO;
    }

    kz_buf b;
    kz_buf_init(&b, CANON_MAX);
    kz_err rc = signed_bytes(obj, &b);
    if (rc == KZ_ENOMEM) {
        kz_buf_release(&b);
        bad(res, "out of memory");
        return rc;
    }
    if (rc) { /* no canonical form (non-finite number) or too big: cannot have been signed */
        kz_buf_release(&b);
        return bad(res, "object has no canonical form");
    }
    /* The signature is checked against the key the object names even when
     * that key is not trusted, so that a forged or altered object is
     * reported as such rather than as merely unknown. */
    int ok = crypto_sign_verify_detached(sig, (const unsigned char *)b.data, b.len, pk);
    kz_buf_release(&b);
    if (ok != 0)
        return bad(res, "signature does not match the content");
    const char *name = trust ? kz_fed_trust_lookup(trust, pk) : NULL;
    if (!name) {
        res->status = KZ_FED_SIG_UNKNOWN_SIGNER;
        res->reason = "key is not trusted";
        return KZ_OK;
    }
    res->status = KZ_FED_SIG_VERIFIED;
    size_t nl = strlen(name);
    if (nl > KZ_FED_TRUST_NAME_MAX)
        nl = KZ_FED_TRUST_NAME_MAX;
    memcpy(res->signer, name, nl);
    res->signer[nl] = '\0';
    return KZ_OK;
}

/* Fixed content so that every node emits the same definition, byte for
 * byte; `schema` is plain text, which STIX 2.1 (7.3) allows in place of a URL. */
static const char ext_def_json[] =
    "{\"type\":\"extension-definition\",\"spec_version\":\"2.1\","
    "\"id\":\"" KZ_FED_SIG_EXT_ID "\","
    "\"created_by_ref\":\"" KZ_FED_SIG_IDENTITY_ID "\","
    "\"created\":\"2026-11-26T00:00:00.000Z\",\"modified\":\"2026-11-26T00:00:00.000Z\","
    "\"name\":\"kizuna-signature\","
    "\"description\":\"An Ed25519 signature by the publishing node over the RFC 8785 canonical "
    "JSON of the object without this extension entry.\","
    "\"schema\":\"kizuna docs/federation-signatures.md: a property-extension with exactly "
    "extension_type, alg (\\\"Ed25519\\\"), key (\\\"ed25519:\\\" + unpadded base64url of the "
    "32-byte public key) and sig (unpadded base64url of the 64-byte signature over the RFC 8785 "
    "form of the object without this entry, and without extensions if it held only this entry).\","
    "\"version\":\"1.0.0\",\"extension_types\":[\"property-extension\"]}";

static const char identity_json[] =
    "{\"type\":\"identity\",\"spec_version\":\"2.1\",\"id\":\"" KZ_FED_SIG_IDENTITY_ID "\","
    "\"created\":\"2026-11-26T00:00:00.000Z\",\"modified\":\"2026-11-26T00:00:00.000Z\","
    "\"name\":\"kizuna\",\"description\":\"The kizuna project, author of the kizuna-signature "
    "extension.\",\"identity_class\":\"system\"}";

kz_err kz_fed_sign_ext_objects(kz_arena *a, kz_json **ext_def, kz_json **identity)
{
    kz_err rc;
    if (ext_def) {
        *ext_def = NULL;
        rc = kz_json_parse(a, ext_def_json, sizeof ext_def_json - 1, NULL, ext_def, NULL);
        if (rc)
            return rc == KZ_ENOMEM ? rc : KZ_EINTERNAL;
    }
    if (identity) {
        *identity = NULL;
        rc = kz_json_parse(a, identity_json, sizeof identity_json - 1, NULL, identity, NULL);
        if (rc)
            return rc == KZ_ENOMEM ? rc : KZ_EINTERNAL;
    }
    return KZ_OK;
}

bool kz_fed_sign_is_ext_object(const kz_json *obj)
{
    const char *id = obj ? kz_json_get_string(obj, "id") : NULL;
    if (!id)
        return false;
    bool ext = strcmp(id, KZ_FED_SIG_EXT_ID) == 0;
    if (!ext && strcmp(id, KZ_FED_SIG_IDENTITY_ID) != 0)
        return false;
    kz_arena *a = kz_arena_new(0);
    if (!a)
        return false;
    kz_json *fixed = NULL;
    bool same = kz_fed_sign_ext_objects(a, ext ? &fixed : NULL, ext ? NULL : &fixed) == KZ_OK &&
                kz_json_equal(obj, fixed);
    kz_arena_free(a);
    return same;
}
