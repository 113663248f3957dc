/* test_sign.c - end-to-end signatures (lib/fed/sign_*.c): sign/verify round
 * trips, tampering with any property, the signature or the key id, the
 * canonical form (member order, white space, number spelling, escapes),
 * unknown signers, relaying through another serialiser, the trust store in
 * a node directory, the policy table and an out-of-memory sweep. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "kizuna/alloc.h"
#include "kizuna/fed_sign.h"
#include "kizuna/stix.h"
#include "kizuna/store.h"

static const uint8_t seed_a[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                   17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
static const uint8_t seed_b[32] = {42};

/* Non-ASCII text, numbers in several spellings, nested values. */
static const char indicator[] =
    "{\"type\":\"indicator\",\"spec_version\":\"2.1\","
    "\"id\":\"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f\","
    "\"created\":\"2016-04-06T20:03:48.000Z\",\"modified\":\"2016-04-06T20:03:48.000Z\","
    "\"name\":\"\xe6\x9d\xb1\xe4\xba\xac C2 \xc3\xa9t\xc3\xa9 \xf0\x9f\x94\x91\","
    "\"description\":\"line\\nbreak \\\"quoted\\\" tab\\t\","
    "\"pattern\":\"[ipv4-addr:value = '198.51.100.1']\",\"pattern_type\":\"stix\","
    "\"valid_from\":\"2016-01-01T00:00:00Z\",\"confidence\":85,"
    "\"labels\":[\"a\",\"b\"],\"x_score\":1.50e2,\"x_small\":0.000001,\"x_big\":1e21,"
    "\"x_neg\":-0.5,\"x_flag\":true,\"x_none\":null,\"x_nested\":{\"k\":[1,{\"z\":2,\"a\":3}]}}";

typedef struct fx {
    kz_arena *a;
    kz_fed_key *ka, *kb;
    kz_fed_trust *trust; /* tokyo = key a */
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->a = kz_arena_new(0);
    assert_int_equal(kz_fed_key_from_seed(seed_a, &f->ka), KZ_OK);
    assert_int_equal(kz_fed_key_from_seed(seed_b, &f->kb), KZ_OK);
    f->trust = kz_fed_trust_new();
    assert_int_equal(kz_fed_trust_put(f->trust, "tokyo", kz_fed_key_id(f->ka)), KZ_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    kz_fed_trust_free(f->trust);
    kz_fed_key_free(f->ka);
    kz_fed_key_free(f->kb);
    kz_arena_free(f->a);
    free(f);
    return 0;
}

static kz_json *parse(kz_arena *a, const char *s)
{
    kz_json *v = NULL;
    assert_int_equal(kz_json_parse(a, s, strlen(s), NULL, &v, NULL), KZ_OK);
    return v;
}

static kz_json *sign(fx *f, const char *s, const kz_fed_key *k)
{
    kz_json *out = NULL;
    assert_int_equal(kz_fed_sign_object(f->a, parse(f->a, s), k, &out), KZ_OK);
    assert_non_null(out);
    return out;
}

static kz_fed_sig_status status(fx *f, const kz_json *obj)
{
    kz_fed_verify_result r;
    assert_int_equal(kz_fed_verify_object(obj, f->trust, &r), KZ_OK);
    return r.status;
}

/* Serialises v with flags and parses it back (a third party relaying it). */
static kz_json *relay(kz_arena *a, const kz_json *v, int flags)
{
    kz_buf b;
    kz_buf_init(&b, 0);
    assert_int_equal(kz_json_write(&b, v, flags), KZ_OK);
    kz_json *out = parse(a, b.data);
    kz_buf_release(&b);
    return out;
}

static kz_json *entry_of(kz_json *obj)
{
    kz_json *ext = (kz_json *)kz_json_get(obj, "extensions");
    return (kz_json *)kz_json_get(ext, KZ_FED_SIG_EXT_ID);
}

static void test_round_trip(void **state)
{
    fx *f = *state;
    kz_json *orig = parse(f->a, indicator);
    kz_json *s = NULL;
    assert_int_equal(kz_fed_sign_object(f->a, orig, f->ka, &s), KZ_OK);
    /* the input is untouched */
    assert_null(kz_json_get(orig, "extensions"));
    kz_fed_verify_result r;
    assert_int_equal(kz_fed_verify_object(s, f->trust, &r), KZ_OK);
    assert_int_equal(r.status, KZ_FED_SIG_VERIFIED);
    assert_string_equal(r.signer, "tokyo");
    assert_string_equal(r.key_id, kz_fed_key_id(f->ka));
    assert_string_equal(kz_fed_sig_status_name(r.status), "verified");
    /* the entry has exactly the documented members */
    kz_json *e = entry_of(s);
    assert_non_null(e);
    assert_int_equal(e->u.obj.n, 4);
    assert_string_equal(kz_json_get_string(e, "extension_type"), "property-extension");
    assert_string_equal(kz_json_get_string(e, "alg"), "Ed25519");
    assert_string_equal(kz_json_get_string(e, "key"), kz_fed_key_id(f->ka));
    assert_int_equal(strlen(kz_json_get_string(e, "sig")), 86);
    /* Ed25519 is deterministic: signing again gives the same bytes */
    kz_json *s2 = sign(f, indicator, f->ka);
    assert_true(kz_json_equal(s, s2));
}

static void test_stix_valid(void **state)
{
    fx *f = *state;
    kz_json *s = sign(f, indicator, f->ka);
    kz_diag d;
    kz_diag_init(&d, 0);
    assert_int_equal(kz_stix_validate_object(s, NULL, NULL, &d), KZ_OK);
    for (size_t i = 0; i < d.n; i++)
        fprintf(stderr, "%s %s %s\n", d.items[i].path, d.items[i].code, d.items[i].msg);
    assert_int_equal(d.n_errors, 0);
    assert_int_equal(d.n_warnings, 0);
    kz_json *ext = NULL, *ident = NULL;
    assert_int_equal(kz_fed_sign_ext_objects(f->a, &ext, &ident), KZ_OK);
    assert_string_equal(kz_json_get_string(ext, "id"), KZ_FED_SIG_EXT_ID);
    assert_string_equal(kz_json_get_string(ext, "name"), "kizuna-signature");
    assert_string_equal(kz_json_get_string(ext, "created_by_ref"), KZ_FED_SIG_IDENTITY_ID);
    kz_diag_reset(&d);
    assert_int_equal(kz_stix_validate_object(ext, NULL, NULL, &d), KZ_OK);
    assert_int_equal(d.n_errors + d.n_warnings, 0);
    kz_diag_reset(&d);
    assert_int_equal(kz_stix_validate_object(ident, NULL, NULL, &d), KZ_OK);
    assert_int_equal(d.n_errors + d.n_warnings, 0);
    kz_diag_release(&d);
}

/* Changes member value v in place so that its JSON value differs. */
static void perturb(kz_arena *a, kz_json *v)
{
    switch (v->type) {
    case KZ_JSON_STRING: {
        char *p = kz_arena_printf(a, "%sx", v->u.str.ptr);
        v->u.str.ptr = p;
        v->u.str.len = strlen(p);
        break;
    }
    case KZ_JSON_NUMBER:
        *v = *kz_json_new_double(a, v->u.num.d * 2 + 1); /* +1 alone vanishes at 1e21 */
        break;
    case KZ_JSON_TRUE:
        v->type = KZ_JSON_FALSE;
        break;
    case KZ_JSON_FALSE:
    case KZ_JSON_NULL:
        v->type = KZ_JSON_TRUE;
        break;
    case KZ_JSON_ARRAY:
        assert_int_equal(kz_json_array_push(a, v, kz_json_new_int(a, 7)), KZ_OK);
        break;
    case KZ_JSON_OBJECT:
        assert_int_equal(kz_json_object_set(a, v, "x_added", kz_json_new_int(a, 7)), KZ_OK);
        break;
    }
}

static void test_tamper_each_property(void **state)
{
    fx *f = *state;
    size_t n = parse(f->a, indicator)->u.obj.n;
    for (size_t i = 0; i < n; i++) {
        kz_json *s = sign(f, indicator, f->ka);
        perturb(f->a, s->u.obj.members[i].value);
        assert_int_equal(status(f, s), KZ_FED_SIG_BAD_SIGNATURE);
    }
    /* a nested value */
    kz_json *s = sign(f, indicator, f->ka);
    kz_json *nested = (kz_json *)kz_json_get(s, "x_nested");
    perturb(f->a, nested->u.obj.members[0].value->u.arr.items[1]->u.obj.members[0].value);
    assert_int_equal(status(f, s), KZ_FED_SIG_BAD_SIGNATURE);
    /* an added property, a removed property */
    s = sign(f, indicator, f->ka);
    assert_int_equal(kz_json_object_set(f->a, s, "x_new", kz_json_new_null(f->a)), KZ_OK);
    assert_int_equal(status(f, s), KZ_FED_SIG_BAD_SIGNATURE);
    s = sign(f, indicator, f->ka);
    assert_true(kz_json_object_remove(s, "labels"));
    assert_int_equal(status(f, s), KZ_FED_SIG_BAD_SIGNATURE);
    /* another extension slipped in next to the signature */
    s = sign(f, indicator, f->ka);
    kz_json *ext = (kz_json *)kz_json_get(s, "extensions");
    assert_int_equal(kz_json_object_set(f->a, ext, "x-acme-ext", parse(f->a, "{\"a\":1}")),
                     KZ_OK);
    assert_int_equal(status(f, s), KZ_FED_SIG_BAD_SIGNATURE);
}

static void test_tamper_signature_and_key(void **state)
{
    fx *f = *state;
    kz_fed_verify_result r;
    /* one character of the signature */
    kz_json *s = sign(f, indicator, f->ka);
    kz_json *sig = (kz_json *)kz_json_get(entry_of(s), "sig");
    char *p = kz_arena_strdup(f->a, sig->u.str.ptr);
    p[10] = p[10] == 'A' ? 'B' : 'A';
    sig->u.str.ptr = p;
    assert_int_equal(status(f, s), KZ_FED_SIG_BAD_SIGNATURE);
    /* truncated, padded, wrong type */
    static const char *const bad_sigs[] = {"\"AAAA\"", "\"\"", "1", "null"};
    for (size_t i = 0; i < 4; i++) {
        s = sign(f, indicator, f->ka);
        assert_int_equal(kz_json_object_set(f->a, entry_of(s), "sig", parse(f->a, bad_sigs[i])),
                         KZ_OK);
        assert_int_equal(kz_fed_verify_object(s, f->trust, &r), KZ_OK);
        assert_int_equal(r.status, KZ_FED_SIG_BAD_SIGNATURE);
    }
    /* the key id swapped for another trusted key: the signature no longer matches */
    assert_int_equal(kz_fed_trust_put(f->trust, "washington", kz_fed_key_id(f->kb)), KZ_OK);
    s = sign(f, indicator, f->ka);
    assert_int_equal(
        kz_json_object_set(f->a, entry_of(s), "key", kz_json_new_string(f->a, kz_fed_key_id(f->kb))),
        KZ_OK);
    assert_int_equal(kz_fed_verify_object(s, f->trust, &r), KZ_OK);
    assert_int_equal(r.status, KZ_FED_SIG_BAD_SIGNATURE);
    assert_string_equal(r.signer, "");
    /* a malformed key id, another algorithm, an extra member, a missing one */
    static const char *const edits[][2] = {
        {"key", "\"ed25519:short\""}, {"key", "\"rsa:AAAA\""},       {"alg", "\"RS256\""},
        {"x", "1"},                   {"extension_type", "\"toplevel-property-extension\""},
    };
    for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
        s = sign(f, indicator, f->ka);
        assert_int_equal(
            kz_json_object_set(f->a, entry_of(s), edits[i][0], parse(f->a, edits[i][1])), KZ_OK);
        assert_int_equal(status(f, s), KZ_FED_SIG_BAD_SIGNATURE);
    }
    s = sign(f, indicator, f->ka);
    assert_true(kz_json_object_remove(entry_of(s), "alg"));
    assert_int_equal(status(f, s), KZ_FED_SIG_BAD_SIGNATURE);
    /* the entry itself not an object */
    s = sign(f, indicator, f->ka);
    assert_int_equal(kz_json_object_set(f->a, (kz_json *)kz_json_get(s, "extensions"),
                                        KZ_FED_SIG_EXT_ID, kz_json_new_string(f->a, "sig")),
                     KZ_OK);
    assert_int_equal(status(f, s), KZ_FED_SIG_BAD_SIGNATURE);
}

static void reverse_members(kz_json *v)
{
    if (v->type == KZ_JSON_OBJECT) {
        for (size_t i = 0, j = v->u.obj.n; i + 1 < j; i++, j--) {
            kz_json_member t = v->u.obj.members[i];
            v->u.obj.members[i] = v->u.obj.members[j - 1];
            v->u.obj.members[j - 1] = t;
        }
        for (size_t i = 0; i < v->u.obj.n; i++)
            reverse_members(v->u.obj.members[i].value);
    } else if (v->type == KZ_JSON_ARRAY) {
        for (size_t i = 0; i < v->u.arr.n; i++)
            reverse_members(v->u.arr.items[i]);
    }
}

static void test_canonical_form(void **state)
{
    fx *f = *state;
    kz_json *s = sign(f, indicator, f->ka);
    /* member order at every level */
    kz_json *r = relay(f->a, s, 0);
    reverse_members(r);
    assert_int_equal(status(f, r), KZ_FED_SIG_VERIFIED);
    /* white space, \u escapes for every non-ASCII character */
    assert_int_equal(status(f, relay(f->a, s, KZ_JSON_PRETTY)), KZ_FED_SIG_VERIFIED);
    assert_int_equal(status(f, relay(f->a, s, KZ_JSON_ASCII | KZ_JSON_PRETTY)),
                     KZ_FED_SIG_VERIFIED);
    assert_int_equal(status(f, relay(f->a, s, KZ_JSON_CANONICAL)), KZ_FED_SIG_VERIFIED);
    /* another spelling of the same numbers: 1.50e2 -> 150, 1e21 -> 1000000000000000000000 */
    kz_buf b;
    kz_buf_init(&b, 0);
    assert_int_equal(kz_json_write(&b, s, 0), KZ_OK);
    char *t = strstr(b.data, "1.50e2");
    assert_non_null(t);
    memcpy(t, "150   ", 6);
    assert_int_equal(status(f, parse(f->a, b.data)), KZ_FED_SIG_VERIFIED);
    t = strstr(b.data, "0.000001");
    assert_non_null(t);
    memcpy(t, "1e-6    ", 8);
    assert_int_equal(status(f, parse(f->a, b.data)), KZ_FED_SIG_VERIFIED);
    /* but a different number is not the same */
    t = strstr(b.data, "150");
    t[2] = '1';
    assert_int_equal(status(f, parse(f->a, b.data)), KZ_FED_SIG_BAD_SIGNATURE);
    kz_buf_release(&b);
}

static void test_unknown_and_unsigned(void **state)
{
    fx *f = *state;
    kz_fed_verify_result r;
    kz_json *s = sign(f, indicator, f->kb); /* washington is not trusted here */
    assert_int_equal(kz_fed_verify_object(s, f->trust, &r), KZ_OK);
    assert_int_equal(r.status, KZ_FED_SIG_UNKNOWN_SIGNER);
    assert_string_equal(r.key_id, kz_fed_key_id(f->kb));
    assert_string_equal(r.signer, "");
    assert_int_equal(kz_fed_verify_object(s, NULL, &r), KZ_OK);
    assert_int_equal(r.status, KZ_FED_SIG_UNKNOWN_SIGNER);
    /* unknown signer but tampered: bad, not merely unknown */
    perturb(f->a, (kz_json *)kz_json_get(s, "name"));
    assert_int_equal(status(f, s), KZ_FED_SIG_BAD_SIGNATURE);
    /* unsigned: no extensions, other extensions, not an object at all */
    assert_int_equal(status(f, parse(f->a, indicator)), KZ_FED_SIG_UNSIGNED);
    assert_int_equal(status(f, parse(f->a, "{\"extensions\":{\"x\":{\"a\":1}}}")),
                     KZ_FED_SIG_UNSIGNED);
    assert_int_equal(status(f, parse(f->a, "{\"extensions\":[1]}")), KZ_FED_SIG_UNSIGNED);
    assert_int_equal(status(f, parse(f->a, "[1,2]")), KZ_FED_SIG_UNSIGNED);
    assert_int_equal(status(f, parse(f->a, "\"x\"")), KZ_FED_SIG_UNSIGNED);
    assert_int_equal(kz_fed_verify_object(NULL, f->trust, &r), KZ_EINVAL);
    assert_int_equal(r.status, KZ_FED_SIG_BAD_SIGNATURE);
}

static void test_extensions_member(void **state)
{
    fx *f = *state;
    /* an object with its own extension keeps it; both survive verification */
    static const char with_ext[] =
        "{\"type\":\"x-thing\",\"id\":\"x-thing--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f\","
        "\"extensions\":{\"x-acme\":{\"k\":\"v\"}}}";
    kz_json *s = sign(f, with_ext, f->ka);
    assert_int_equal(kz_json_get(s, "extensions")->u.obj.n, 2);
    assert_int_equal(status(f, s), KZ_FED_SIG_VERIFIED);
    assert_true(kz_json_object_remove((kz_json *)kz_json_get(s, "extensions"), "x-acme"));
    assert_int_equal(status(f, s), KZ_FED_SIG_BAD_SIGNATURE);
    /* an empty extensions object is signed as absent (it would be after stripping) */
    s = sign(f, "{\"type\":\"x-thing\",\"extensions\":{}}", f->ka);
    assert_int_equal(status(f, s), KZ_FED_SIG_VERIFIED);
    /* re-signing replaces the signature: one entry, the new signer */
    assert_int_equal(kz_fed_trust_put(f->trust, "washington", kz_fed_key_id(f->kb)), KZ_OK);
    kz_json *s1 = sign(f, indicator, f->ka);
    kz_json *s2 = NULL;
    assert_int_equal(kz_fed_sign_object(f->a, s1, f->kb, &s2), KZ_OK);
    assert_int_equal(kz_json_get(s2, "extensions")->u.obj.n, 1);
    kz_fed_verify_result r;
    assert_int_equal(kz_fed_verify_object(s2, f->trust, &r), KZ_OK);
    assert_int_equal(r.status, KZ_FED_SIG_VERIFIED);
    assert_string_equal(r.signer, "washington");
    /* what cannot be signed */
    kz_json *out = (kz_json *)1;
    assert_int_equal(kz_fed_sign_object(f->a, parse(f->a, "[1]"), f->ka, &out), KZ_EINVAL);
    assert_null(out);
    assert_int_equal(kz_fed_sign_object(f->a, parse(f->a, "{\"extensions\":1}"), f->ka, &out),
                     KZ_EINVAL);
    assert_int_equal(kz_fed_sign_object(f->a, parse(f->a, "{\"n\":1e999}"), f->ka, &out),
                     KZ_EINVAL);
}

static void test_key_ids(void **state)
{
    fx *f = *state;
    uint8_t pk[32];
    char id[KZ_FED_KEY_ID_SIZE];
    const char *ida = kz_fed_key_id(f->ka);
    assert_int_equal(strlen(ida), KZ_FED_KEY_ID_LEN);
    assert_int_equal(strncmp(ida, "ed25519:", 8), 0);
    assert_int_equal(kz_fed_key_id_parse(ida, pk), KZ_OK);
    kz_fed_key_id_format(pk, id);
    assert_string_equal(id, ida);
    char bad[64];
    snprintf(bad, sizeof bad, "%s", ida);
    bad[0] = 'E';
    assert_int_equal(kz_fed_key_id_parse(bad, pk), KZ_EPARSE);
    snprintf(bad, sizeof bad, "%s=", ida);
    assert_int_equal(kz_fed_key_id_parse(bad, pk), KZ_EPARSE);
    snprintf(bad, sizeof bad, "%s", ida);
    bad[20] = '+';
    assert_int_equal(kz_fed_key_id_parse(bad, pk), KZ_EPARSE);
    assert_int_equal(kz_fed_key_id_parse("ed25519:", pk), KZ_EPARSE);
    assert_int_equal(kz_fed_key_id_parse(NULL, pk), KZ_EPARSE);
    /* in-memory trust set rules */
    kz_fed_trust *t = kz_fed_trust_new();
    assert_int_equal(kz_fed_trust_put(t, "", ida), KZ_EINVAL);
    assert_int_equal(kz_fed_trust_put(t, "a b", ida), KZ_EINVAL);
    assert_int_equal(kz_fed_trust_put(t, "tokyo", "ed25519:x"), KZ_EPARSE);
    assert_int_equal(kz_fed_trust_put(t, "tokyo", ida), KZ_OK);
    assert_int_equal(kz_fed_trust_put(t, "tokyo", kz_fed_key_id(f->kb)), KZ_EEXIST);
    assert_int_equal(kz_fed_trust_put(t, "osaka", ida), KZ_EEXIST);
    assert_int_equal(kz_fed_trust_count(t), 1);
    kz_fed_trust_free(t);
}

/* The two shared objects are recognised as JSON values (re-serialised
 * with another member order too), and any change makes them ordinary
 * unsigned objects again. */
static void test_ext_objects_recognised(void **state)
{
    fx *f = *state;
    kz_json *ext = NULL, *ident = NULL;
    assert_int_equal(kz_fed_sign_ext_objects(f->a, &ext, &ident), KZ_OK);
    assert_true(kz_fed_sign_is_ext_object(ext));
    assert_true(kz_fed_sign_is_ext_object(ident));
    kz_buf b;
    kz_buf_init(&b, 0);
    assert_int_equal(kz_json_write(&b, ext, KZ_JSON_CANONICAL), KZ_OK);
    assert_true(kz_fed_sign_is_ext_object(parse(f->a, b.data)));
    /* same id, other content */
    char *tampered = strdup(b.data);
    char *at = strstr(tampered, "kizuna-signature");
    assert_non_null(at);
    at[0] = 'K';
    assert_false(kz_fed_sign_is_ext_object(parse(f->a, tampered)));
    free(tampered);
    kz_buf_release(&b);
    assert_false(kz_fed_sign_is_ext_object(parse(f->a, indicator)));
    assert_false(kz_fed_sign_is_ext_object(NULL));
}

static void test_policy(void **state)
{
    (void)state;
    static const struct {
        const char *policy;
        kz_fed_sig_decision d[4]; /* unsigned, verified, bad, unknown */
    } rows[] = {
        {"accept", {KZ_FED_STORE, KZ_FED_STORE_VERIFIED, KZ_FED_REJECT, KZ_FED_STORE}},
        {"mark", {KZ_FED_STORE_MARKED, KZ_FED_STORE_VERIFIED, KZ_FED_REJECT, KZ_FED_STORE_MARKED}},
        {"reject", {KZ_FED_REJECT, KZ_FED_STORE_VERIFIED, KZ_FED_REJECT, KZ_FED_REJECT}},
    };
    for (size_t i = 0; i < 3; i++) {
        kz_fed_sig_policy p;
        assert_int_equal(kz_fed_sig_policy_parse(rows[i].policy, &p), KZ_OK);
        assert_string_equal(kz_fed_sig_policy_name(p), rows[i].policy);
        for (int s = 0; s < 4; s++)
            assert_int_equal(kz_fed_sig_decide(p, (kz_fed_sig_status)s), rows[i].d[s]);
    }
    kz_fed_sig_policy p;
    assert_int_equal(kz_fed_sig_policy_parse("Accept", &p), KZ_EINVAL);
    assert_int_equal(kz_fed_sig_decide((kz_fed_sig_policy)9, KZ_FED_SIG_VERIFIED), KZ_FED_REJECT);
}

static void test_node_dir(void **state)
{
    fx *f = *state;
    char tmpl[] = "/tmp/kz-fedsign-XXXXXX";
    char *dir = mkdtemp(tmpl);
    assert_non_null(dir);
    char node[256], path[300], err[512];
    snprintf(node, sizeof node, "%s/node", dir);
    kz_fed_trust *t = NULL;
    assert_int_equal(kz_fed_trust_load(node, &t), KZ_ENOTFOUND);
    assert_int_equal(kz_store_init_dir(node, err, sizeof err), KZ_OK);
    bool made = false;
    assert_int_equal(kz_fed_key_init_dir(node, &made, err, sizeof err), KZ_OK);
    assert_true(made);
    assert_int_equal(kz_fed_key_init_dir(node, &made, err, sizeof err), KZ_OK);
    assert_false(made); /* an existing key is never replaced */
    struct stat st;
    snprintf(path, sizeof path, "%s/keys", node);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    snprintf(path, sizeof path, "%s/keys/ed25519.key", node);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    kz_fed_key *self = NULL;
    assert_int_equal(kz_fed_key_load_dir(node, &self), KZ_OK);

    assert_int_equal(kz_fed_trust_add(node, "tokyo", kz_fed_key_id(f->ka)), KZ_OK);
    assert_int_equal(kz_fed_trust_add(node, "tokyo", kz_fed_key_id(f->kb)), KZ_EEXIST);
    assert_int_equal(kz_fed_trust_add(node, "osaka", kz_fed_key_id(f->ka)), KZ_EEXIST);
    assert_int_equal(kz_fed_trust_add(node, "self", kz_fed_key_id(f->kb)), KZ_EINVAL);
    assert_int_equal(kz_fed_trust_add(node, "x", "nonsense"), KZ_EPARSE);
    assert_int_equal(kz_fed_trust_load(node, &t), KZ_OK);
    assert_int_equal(kz_fed_trust_count(t), 2); /* tokyo and self */
    const char *name = NULL, *key = NULL;
    assert_int_equal(kz_fed_trust_entry(t, 1, &name, &key), KZ_OK);
    assert_string_equal(name, "self");
    assert_string_equal(key, kz_fed_key_id(self));
    /* what this node signs verifies as self; tokyo's as tokyo */
    kz_json *s = NULL;
    assert_int_equal(kz_fed_sign_object(f->a, parse(f->a, indicator), self, &s), KZ_OK);
    kz_fed_verify_result r;
    assert_int_equal(kz_fed_verify_object(s, t, &r), KZ_OK);
    assert_string_equal(r.signer, "self");
    kz_fed_trust_free(t);
    assert_int_equal(kz_fed_trust_remove(node, "tokyo"), KZ_OK);
    assert_int_equal(kz_fed_trust_remove(node, "tokyo"), KZ_ENOTFOUND);
    assert_int_equal(kz_fed_trust_load(node, &t), KZ_OK);
    assert_int_equal(kz_fed_trust_count(t), 1);
    kz_fed_trust_free(t);

    /* a row that no longer parses is reported, not skipped */
    sqlite3 *db = NULL;
    snprintf(path, sizeof path, "%s/kizuna.db", node);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "INSERT INTO fed_trust(name, key) VALUES ('x', 'junk')",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(kz_fed_trust_load(node, &t), KZ_ECORRUPT);
    assert_null(t);
    assert_int_equal(sqlite3_exec(db, "DELETE FROM fed_trust WHERE name = 'x'", NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    snprintf(path, sizeof path, "%s/keys/ed25519.key", node);

    /* a damaged key file is refused, not half-used */
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("# comment\nnot-a-seed\n", fp);
    fclose(fp);
    kz_fed_key *k = NULL;
    assert_int_equal(kz_fed_key_load(path, &k), KZ_EPARSE);
    assert_null(k);
    snprintf(path, sizeof path, "%s/none", dir);
    assert_int_equal(kz_fed_key_load(path, &k), KZ_ENOTFOUND);
    kz_fed_key_free(self);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

static void test_oom_sweep(void **state)
{
    fx *f = *state;
    bool done = false;
    for (long n = 1; n < 2000 && !done; n++) {
        kz_arena *a = kz_arena_new(0);
        if (!a)
            continue;
        kz_json *obj = parse(a, indicator);
        kz_alloc_fail_after(n, 1);
        kz_json *s = NULL;
        kz_err rc = kz_fed_sign_object(a, obj, f->ka, &s);
        kz_fed_verify_result r = {0};
        kz_err vrc = rc ? KZ_OK : kz_fed_verify_object(s, f->trust, &r);
        long failed = kz_alloc_failures();
        kz_alloc_fail_after(0, 0);
        assert_true(rc == KZ_OK || rc == KZ_ENOMEM);
        assert_true(vrc == KZ_OK || vrc == KZ_ENOMEM);
        if (rc == KZ_ENOMEM)
            assert_null(s);
        if (vrc == KZ_ENOMEM)
            assert_int_equal(r.status, KZ_FED_SIG_BAD_SIGNATURE); /* never verified */
        if (failed == 0) {
            assert_int_equal(rc, KZ_OK);
            assert_int_equal(r.status, KZ_FED_SIG_VERIFIED);
            done = true;
        }
        kz_arena_free(a);
    }
    assert_true(done);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stix_valid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tamper_each_property, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tamper_signature_and_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_canonical_form, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_and_unsigned, setup, teardown),
        cmocka_unit_test_setup_teardown(test_extensions_member, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_ids, setup, teardown),
        cmocka_unit_test_setup_teardown(test_policy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ext_objects_recognised, setup, teardown),
        cmocka_unit_test_setup_teardown(test_node_dir, setup, teardown),
        cmocka_unit_test_setup_teardown(test_oom_sweep, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
