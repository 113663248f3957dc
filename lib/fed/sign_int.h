/* sign_int.h - private to lib/fed/sign_*.c: the layout of a signing key and
 * of a trust set, shared by the key, trust and object files. */
#ifndef KIZUNA_FED_SIGN_INT_H
#define KIZUNA_FED_SIGN_INT_H

#include <sodium.h>

#include "kizuna/fed_sign.h"

struct kz_fed_key {
    uint8_t pk[crypto_sign_PUBLICKEYBYTES];
    uint8_t sk[crypto_sign_SECRETKEYBYTES]; /* libsodium layout: seed || pk */
    char id[KZ_FED_KEY_ID_SIZE];
};

typedef struct kz_fed_trust_ent {
    char name[KZ_FED_TRUST_NAME_MAX + 1];
    char id[KZ_FED_KEY_ID_SIZE];
    uint8_t pk[KZ_FED_PUBKEY_BYTES];
} kz_fed_trust_ent;

struct kz_fed_trust {
    kz_fed_trust_ent *e; /* heap (kz_malloc) */
    size_t n, cap;
};

/* sodium_init() once; KZ_ECRYPTO when libsodium cannot start. */
kz_err kz_fed_sodium_ready(void);
/* True if name is 1..KZ_FED_TRUST_NAME_MAX characters of [A-Za-z0-9._-]. */
bool kz_fed_trust_name_ok(const char *name);

#endif
