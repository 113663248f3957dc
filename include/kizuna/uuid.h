/* uuid.h - RFC 4122 UUIDs: v4 (random) and v5 (SHA-1, name-based) for STIX
 * identifiers and deterministic SCO ids. */
#ifndef KIZUNA_UUID_H
#define KIZUNA_UUID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kizuna/error.h"

typedef struct kz_uuid {
    uint8_t b[16];
} kz_uuid;

#define KZ_UUID_STR 37 /* 36 characters and the NUL */

/* The namespace STIX 2.1 uses for deterministic SCO ids:
 * 00abedb4-aa42-466c-9c01-fed23315a9b7. */
extern const kz_uuid KZ_UUID_STIX_NAMESPACE;

/* Fills *out with a random (version 4) UUID from the OS CSPRNG. */
kz_err kz_uuid_v4(kz_uuid *out);
/* Name-based version 5 UUID of name[0..len) in namespace ns. */
void kz_uuid_v5(const kz_uuid *ns, const void *name, size_t len, kz_uuid *out);
/* Parses the 36-character lower- or upper-case hex form. KZ_EPARSE otherwise. */
kz_err kz_uuid_parse(const char *s, size_t len, kz_uuid *out);
/* Writes the lower-case 36-character form and a NUL. */
void kz_uuid_format(const kz_uuid *u, char out[KZ_UUID_STR]);
/* Version nibble (1..8; 0 if unset). */
int kz_uuid_version(const kz_uuid *u);
/* True when the variant bits are RFC 4122's (10xx). */
bool kz_uuid_is_rfc4122(const kz_uuid *u);

#endif
