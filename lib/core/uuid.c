/* uuid.c - RFC 4122 UUIDs for STIX identifiers: random v4 from the kernel's
 * CSPRNG, name-based v5 (SHA-1) through libuuid, and the text form. */
#include "kizuna/codec.h"
#include "kizuna/uuid.h"

#include <errno.h>
#include <sys/random.h>
#include <uuid/uuid.h>

const kz_uuid KZ_UUID_STIX_NAMESPACE = {{0x00, 0xab, 0xed, 0xb4, 0xaa, 0x42, 0x46, 0x6c, 0x9c,
                                         0x01, 0xfe, 0xd2, 0x33, 0x15, 0xa9, 0xb7}};

static void set_version(kz_uuid *u, unsigned version)
{
    u->b[6] = (uint8_t)((u->b[6] & 0x0f) | (version << 4));
    u->b[8] = (uint8_t)((u->b[8] & 0x3f) | 0x80);
}

/* getrandom(2) without GRND_NONBLOCK blocks only until the pool is first
 * initialised at boot; 16 bytes are never returned short once it is, but
 * a signal can interrupt the wait, hence the loop. */
kz_err kz_uuid_v4(kz_uuid *out)
{
    size_t got = 0;
    while (got < sizeof out->b) {
        ssize_t n = getrandom(out->b + got, sizeof out->b - got, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return KZ_ECRYPTO;
        }
        got += (size_t)n;
    }
    set_version(out, 4);
    return KZ_OK;
}

/* libuuid hashes namespace || name with SHA-1 and sets version 5 and the
 * RFC 4122 variant; it allocates nothing and cannot fail. */
void kz_uuid_v5(const kz_uuid *ns, const void *name, size_t len, kz_uuid *out)
{
    uuid_generate_sha1(out->b, ns->b, (const char *)name, len);
}

/* Offsets of the four hyphens in the 8-4-4-4-12 form. */
static int is_hyphen_pos(size_t i)
{
    return i == 8 || i == 13 || i == 18 || i == 23;
}

kz_err kz_uuid_parse(const char *s, size_t len, kz_uuid *out)
{
    kz_uuid u;
    size_t k = 0;
    if (!s || len != 36)
        return KZ_EPARSE;
    for (size_t i = 0; i < 36; i++) {
        if (is_hyphen_pos(i)) {
            if (s[i] != '-')
                return KZ_EPARSE;
            continue;
        }
        int hi = kz_hex_value(s[i]), lo = kz_hex_value(s[i + 1]);
        if (hi < 0 || lo < 0)
            return KZ_EPARSE;
        u.b[k++] = (uint8_t)(hi << 4 | lo);
        i++;
    }
    *out = u;
    return KZ_OK;
}

void kz_uuid_format(const kz_uuid *u, char out[KZ_UUID_STR])
{
    static const char hex[] = "0123456789abcdef";
    char *p = out;
    for (size_t k = 0; k < 16; k++) {
        if (k == 4 || k == 6 || k == 8 || k == 10)
            *p++ = '-';
        *p++ = hex[u->b[k] >> 4];
        *p++ = hex[u->b[k] & 0x0f];
    }
    *p = '\0';
}

int kz_uuid_version(const kz_uuid *u)
{
    return u->b[6] >> 4;
}

bool kz_uuid_is_rfc4122(const kz_uuid *u)
{
    return (u->b[8] & 0xc0) == 0x80;
}
