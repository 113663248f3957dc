/* fuzz_fed_verify.c - libFuzzer target for signature verification and
 * signing (lib/fed/sign_object.c). Properties checked, not only "no crash":
 *  1. verify of any parsed JSON value returns KZ_OK with a status in range,
 *     and VERIFIED only with the one trusted signer's name;
 *  2. every JSON object that signs verifies as VERIFIED, also after a relay
 *     re-serialises it (compact, pretty, \u-escaped, canonical) and parses
 *     it again; signing fails only for the documented reasons (EINVAL);
 *  3. changing the signed object's type member breaks the signature.
 * The corpus holds objects signed with the seed below (all bytes 7), so the
 * fuzzer starts from inputs that reach the cryptographic check. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kizuna/fed_sign.h"

static void check(int cond)
{
    if (!cond)
        abort();
}

static kz_fed_key *key;
static kz_fed_trust *trust;

static void init_once(void)
{
    if (key)
        return;
    uint8_t seed[32];
    memset(seed, 7, sizeof seed);
    check(kz_fed_key_from_seed(seed, &key) == KZ_OK);
    trust = kz_fed_trust_new();
    check(trust != NULL);
    check(kz_fed_trust_put(trust, "fuzz", kz_fed_key_id(key)) == KZ_OK);
}

static kz_fed_sig_status verify(const kz_json *v)
{
    kz_fed_verify_result r;
    check(kz_fed_verify_object(v, trust, &r) == KZ_OK);
    check((unsigned)r.status <= KZ_FED_SIG_UNKNOWN_SIGNER);
    if (r.status == KZ_FED_SIG_VERIFIED)
        check(strcmp(r.signer, "fuzz") == 0 && strcmp(r.key_id, kz_fed_key_id(key)) == 0);
    else
        check(r.signer[0] == '\0');
    if (r.status == KZ_FED_SIG_BAD_SIGNATURE || r.status == KZ_FED_SIG_UNKNOWN_SIGNER)
        check(r.reason && r.reason[0]);
    return r.status;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    init_once();
    kz_arena *a = kz_arena_new(0);
    if (!a)
        return 0;
    kz_json_limits lim = {.max_depth = 64, .max_string = 1 << 20, .max_members = 1 << 16};
    kz_json *v = NULL;
    if (kz_json_parse(a, (const char *)data, size, &lim, &v, NULL) != KZ_OK)
        goto done;
    verify(v);

    kz_json *s = NULL;
    kz_err rc = kz_fed_sign_object(a, v, key, &s);
    if (rc) {
        /* not an object, a non-object `extensions`, or a number without
         * canonical form (1e999): the object cannot be signed */
        check(rc == KZ_EINVAL && s == NULL);
        goto done;
    }
    check(verify(s) == KZ_FED_SIG_VERIFIED);
    static const int forms[] = {0, KZ_JSON_PRETTY, KZ_JSON_ASCII, KZ_JSON_CANONICAL};
    for (size_t f = 0; f < sizeof forms / sizeof forms[0]; f++) {
        kz_buf b;
        kz_buf_init(&b, 0);
        check(kz_json_write(&b, s, forms[f]) == KZ_OK);
        kz_json *r = NULL;
        kz_json_limits big = {.max_depth = 128, .max_string = 1 << 22, .max_members = 1 << 17};
        check(kz_json_parse(a, b.data, b.len, &big, &r, NULL) == KZ_OK);
        check(verify(r) == KZ_FED_SIG_VERIFIED);
        kz_buf_release(&b);
    }
    /* A changed value is caught: set "type" to something it is not. */
    const char *t = kz_json_get_string(s, "type");
    kz_json *nt = kz_json_new_string(a, t && strcmp(t, "x-fuzz") == 0 ? "x-other" : "x-fuzz");
    if (nt && kz_json_object_set(a, s, "type", nt) == KZ_OK)
        check(verify(s) == KZ_FED_SIG_BAD_SIGNATURE);
done:
    kz_arena_free(a);
    return 0;
}
