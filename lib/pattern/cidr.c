/* cidr.c - IPv4 / IPv6 addresses and CIDR blocks for ISSUBSET and
 * ISSUPERSET: parsing (inet_pton, so only the standard textual forms) and
 * containment under a prefix mask. */
#include <arpa/inet.h>
#include <string.h>

#include "pattern_int.h"

bool pat_cidr_parse(const char *s, size_t len, pat_cidr *out)
{
    char buf[64];
    memset(out, 0, sizeof *out);
    if (!s || len == 0 || len >= sizeof buf)
        return false;
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *slash = strchr(buf, '/');
    unsigned prefix = 0;
    bool has_prefix = slash != NULL;
    if (slash) {
        *slash = '\0';
        const char *d = slash + 1;
        if (!*d || strlen(d) > 3)
            return false;
        for (; *d; d++) {
            if (*d < '0' || *d > '9')
                return false;
            prefix = prefix * 10 + (unsigned)(*d - '0');
        }
    }
    if (inet_pton(AF_INET, buf, out->addr) == 1) {
        out->family = 4;
        if (has_prefix && prefix > 32)
            return false;
        out->prefix = has_prefix ? prefix : 32;
    } else if (inet_pton(AF_INET6, buf, out->addr) == 1) {
        out->family = 6;
        if (has_prefix && prefix > 128)
            return false;
        out->prefix = has_prefix ? prefix : 128;
    } else {
        return false;
    }
    out->ok = true;
    return true;
}

void pat_cidr_mask(const pat_cidr *c, unsigned bits, uint8_t out[16])
{
    memset(out, 0, 16);
    unsigned nbytes = c->family == 4 ? 4 : 16;
    for (unsigned i = 0; i < nbytes; i++) {
        if (bits >= 8) {
            out[i] = c->addr[i];
            bits -= 8;
        } else {
            out[i] = (uint8_t)(c->addr[i] & (0xff00u >> bits));
            bits = 0;
        }
    }
}

bool pat_cidr_contains(const pat_cidr *outer, const pat_cidr *inner)
{
    if (!outer->ok || !inner->ok || outer->family != inner->family || outer->prefix > inner->prefix)
        return false;
    uint8_t a[16], b[16];
    pat_cidr_mask(outer, outer->prefix, a);
    pat_cidr_mask(inner, outer->prefix, b);
    return memcmp(a, b, 16) == 0;
}
