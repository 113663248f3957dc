/* codec.c - hex digits and base64/base64url (see include/kizuna/codec.h). */
#include "kizuna/codec.h"

static const char std_alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char url_alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int kz_hex_value(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int kz_base64_value(int c, bool url)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == (url ? '-' : '+'))
        return 62;
    if (c == (url ? '_' : '/'))
        return 63;
    return -1;
}

kz_err kz_base64_decode(const char *in, size_t len, bool url, bool pad, uint8_t *out,
                        size_t outcap, size_t *outlen)
{
    size_t npad = 0;
    if (pad) {
        if (len % 4 != 0)
            return KZ_EPARSE;
        while (npad < 2 && len > npad && in[len - 1 - npad] == '=')
            npad++;
    } else if (len % 4 == 1) {
        return KZ_EPARSE; /* one digit cannot hold a whole byte */
    }
    size_t digits = len - npad;
    size_t total = digits / 4 * 3 + (digits % 4 ? digits % 4 - 1 : 0);
    if (total > outcap)
        return KZ_ETOOBIG;
    uint32_t acc = 0;
    size_t o = 0, k = 0;
    for (size_t i = 0; i < digits; i++) {
        int v = kz_base64_value((unsigned char)in[i], url);
        if (v < 0)
            return KZ_EPARSE;
        acc = acc << 6 | (uint32_t)v;
        if (++k == 4) {
            out[o++] = (uint8_t)(acc >> 16);
            out[o++] = (uint8_t)(acc >> 8);
            out[o++] = (uint8_t)acc;
            acc = 0;
            k = 0;
        }
    }
    if (k == 2) {
        if (acc & 0xF)
            return KZ_EPARSE; /* non-zero trailing bits: not canonical */
        out[o++] = (uint8_t)(acc >> 4);
    } else if (k == 3) {
        if (acc & 0x3)
            return KZ_EPARSE;
        out[o++] = (uint8_t)(acc >> 10);
        out[o++] = (uint8_t)(acc >> 2);
    }
    if (outlen)
        *outlen = o;
    return KZ_OK;
}

size_t kz_base64_encode(const uint8_t *in, size_t len, bool url, bool pad, char *out,
                        size_t outcap)
{
    const char *alpha = url ? url_alpha : std_alpha;
    size_t full = len / 3, rest = len % 3;
    size_t need = full * 4 + (rest ? (pad ? 4 : rest + 1) : 0);
    if (need + 1 > outcap)
        return 0;
    size_t o = 0, i = 0;
    for (size_t g = 0; g < full; g++, i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = alpha[v >> 18];
        out[o++] = alpha[v >> 12 & 63];
        out[o++] = alpha[v >> 6 & 63];
        out[o++] = alpha[v & 63];
    }
    if (rest) {
        uint32_t v = (uint32_t)in[i] << 16 | (rest == 2 ? (uint32_t)in[i + 1] << 8 : 0);
        out[o++] = alpha[v >> 18];
        out[o++] = alpha[v >> 12 & 63];
        if (rest == 2)
            out[o++] = alpha[v >> 6 & 63];
        if (pad)
            while (o % 4)
                out[o++] = '=';
    }
    out[o] = '\0';
    return o;
}
