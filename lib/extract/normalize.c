/* normalize.c - the canonical forms of indicator values (IPs, domains with
 * libpsl and libidn2, URLs, e-mail, hashes, CVE and ATT&CK ids), shared by
 * the scanner and by `kizuna match` through kz_ioc_normalize. */
#include <idn2.h>
#include <libpsl.h>
#include <string.h>

#include "extract/extract_int.h"
#include "kizuna/ipset.h"

const uint8_t kz_xclass[256] = {
    0xc0, 0x40, 0x40, 0x40, 0x40, 0x40, 0x40, 0x40, 0x40, 0x60, 0x60, 0x60, 0x60, 0x60, 0x40, 0x40,
    0x40, 0x40, 0x40, 0x40, 0x40, 0x40, 0x40, 0x40, 0x40, 0x40, 0x40, 0x40, 0x40, 0x40, 0x40, 0x40,
    0x60, 0x00, 0x40, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x18, 0x10, 0x00,
    0x1b, 0x1b, 0x1b, 0x1b, 0x1b, 0x1b, 0x1b, 0x1b, 0x1b, 0x1b, 0x00, 0x00, 0x40, 0x00, 0x40, 0x00,
    0x00, 0x1e, 0x1e, 0x1e, 0x1e, 0x1e, 0x1e, 0x1c, 0x1c, 0x1c, 0x1c, 0x1c, 0x1c, 0x1c, 0x1c, 0x1c,
    0x1c, 0x1c, 0x1c, 0x1c, 0x1c, 0x1c, 0x1c, 0x1c, 0x1c, 0x1c, 0x1c, 0x00, 0x40, 0x00, 0x00, 0x18,
    0x40, 0x1e, 0x1e, 0x1e, 0x1e, 0x1e, 0x1e, 0x1c, 0x1c, 0x1c, 0x1c, 0x1c, 0x1c, 0x1c, 0x1c, 0x1c,
    0x1c, 0x1c, 0x1c, 0x1c, 0x1c, 0x1c, 0x1c, 0x1c, 0x1c, 0x1c, 0x1c, 0x00, 0x00, 0x00, 0x00, 0x40,
    0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
    0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
    0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
    0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
    0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
    0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
    0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
    0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
};

size_t kz_xutf8(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned c = s[0];
    size_t len;
    uint32_t v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2, v = c & 0x1f, min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3, v = c & 0x0f, min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4, v = c & 0x07, min = 0x10000;
    } else {
        *cp = 0xfffd;
        return 1;
    }
    if (len > n) {
        *cp = 0xfffd;
        return 1;
    }
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            *cp = 0xfffd;
            return 1;
        }
        v = (v << 6) | (s[i] & 0x3f);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) {
        *cp = 0xfffd;
        return 1;
    }
    *cp = v;
    return len;
}

/* Ranges that are never part of an IDN label: punctuation, symbols,
 * spaces, zero-width and special characters. Everything else >= 0x80 is
 * let through; libidn2 rejects what IDNA2008 disallows. */
static const uint32_t non_idn[][2] = {
    {0x0080, 0x00bf}, {0x00d7, 0x00d7}, {0x00f7, 0x00f7}, {0x2000, 0x2bff},
    {0x3000, 0x3040}, {0x309b, 0x309c}, {0x30a0, 0x30a0}, {0x30fb, 0x30fb},
    {0xfe30, 0xfe4f}, {0xfeff, 0xfeff}, {0xff00, 0xffef}, {0xfff0, 0xffff},
};

bool kz_xidn_char(uint32_t cp)
{
    if (cp < 0x80)
        return false;
    if (kz_xkana_kanji(cp))
        return true;
    for (size_t i = 0; i < sizeof non_idn / sizeof non_idn[0]; i++)
        if (cp >= non_idn[i][0] && cp <= non_idn[i][1])
            return false;
    return true;
}

size_t kz_xhost_end(const char *s, size_t n, size_t i)
{
    /* Labels are ASCII [A-Za-z0-9_-] runs or IDN runs, never both: a
     * change of script inside a label ends the host ("evil.comに" ends
     * after "com"), so Japanese prose around a domain is not taken in. */
    int kind = 0; /* 0 start of label, 1 ASCII, 2 IDN */
    size_t j = i, last = i;
    while (j < n) {
        unsigned char c = (unsigned char)s[j];
        if (c < 0x80) {
            if (X_IS(c, XC_LABEL)) {
                if (kind == 2)
                    break;
                kind = 1;
                j++;
                last = j;
            } else if (c == '.' && kind != 0) {
                kind = 0;
                j++;
            } else {
                break;
            }
        } else {
            uint32_t cp;
            size_t l = kz_xutf8_fast((const unsigned char *)s + j, n - j, &cp);
            if (!kz_xidn_char(cp) || kind == 1)
                break;
            kind = 2;
            j += l;
            last = j;
        }
    }
    return last;
}

static const psl_ctx_t *psl(void)
{
    static const psl_ctx_t *ctx;
    if (!ctx)
        ctx = psl_builtin();
    return ctx;
}

bool kz_xis_tld(const char *label, size_t len)
{
    /* A small per-thread cache in front of libpsl: prose asks about the
     * same few final labels ("com", "exe", "g" of "e.g.") again and again. */
    static _Thread_local struct {
        char label[15];
        uint8_t len; /* 0: empty slot */
        bool yes;
    } cache[256];
    char tmp[64];
    if (len == 0 || len >= sizeof tmp)
        return false;
    unsigned h = (unsigned)len * 31u;
    for (size_t i = 0; i < len; i++)
        h = h * 33u + (unsigned char)label[i];
    h &= 255;
    if (len < sizeof cache[0].label && cache[h].len == len && !memcmp(cache[h].label, label, len))
        return cache[h].yes;
    memcpy(tmp, label, len);
    tmp[len] = 0;
    const psl_ctx_t *p = psl();
    bool yes = p && psl_is_public_suffix2(p, tmp, PSL_TYPE_ICANN | PSL_TYPE_NO_STAR_RULE);
    if (len < sizeof cache[0].label) {
        memcpy(cache[h].label, label, len);
        cache[h].len = (uint8_t)len;
        cache[h].yes = yes;
    }
    return yes;
}

/* Checks ASCII domain d[0..len) (already lower case): labels 1-63 of
 * [a-z0-9-], no leading or trailing hyphen, at least two labels, a final
 * label that is not numeric and is an IANA TLD. */
static bool ascii_domain_ok(const char *d, size_t len)
{
    size_t labels = 0, start = 0;
    if (len == 0 || len > 253)
        return false;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && d[i] != '.') {
            unsigned char c = (unsigned char)d[i];
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
                return false;
            continue;
        }
        size_t l = i - start;
        if (l == 0 || l > 63 || d[start] == '-' || d[i - 1] == '-')
            return false;
        labels++;
        start = i + 1;
    }
    if (labels < 2)
        return false;
    const char *tld = (const char *)memrchr(d, '.', len) + 1;
    size_t tl = (size_t)(d + len - tld);
    bool alpha = false;
    for (size_t i = 0; i < tl; i++)
        if (tld[i] < '0' || tld[i] > '9')
            alpha = true;
    return alpha && kz_xis_tld(tld, tl);
}

kz_err kz_xnorm_domain(kz_buf *out, const char *in, size_t len)
{
    char tmp[256];
    bool ascii = true;
    while (len && in[len - 1] == '.')
        len--;
    if (len == 0 || len > 1000)
        return KZ_EPARSE;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)in[i] >= 0x80)
            ascii = false;
    if (ascii) {
        if (len >= sizeof tmp)
            return KZ_EPARSE;
        for (size_t i = 0; i < len; i++) {
            char c = in[i];
            tmp[i] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
        }
        if (!ascii_domain_ok(tmp, len))
            return KZ_EPARSE;
        return kz_buf_append(out, tmp, len);
    }
    /* An ASCII final label must be a TLD: say no before asking libidn2
     * ("見積書.docx"). */
    const char *dot = memrchr(in, '.', len);
    if (dot) {
        size_t tl = (size_t)(in + len - dot - 1);
        bool tascii = tl > 0 && tl < sizeof tmp;
        for (size_t i = 0; tascii && i < tl; i++) {
            if ((unsigned char)dot[1 + i] >= 0x80)
                tascii = false;
            else
                tmp[i] = (dot[1 + i] >= 'A' && dot[1 + i] <= 'Z') ? (char)(dot[1 + i] + 32) : dot[1 + i];
        }
        if (tascii && !kz_xis_tld(tmp, tl))
            return KZ_EPARSE;
    }
    /* IDN: libidn2 maps (NFC, lower case) and converts to punycode. */
    char src[1024];
    memcpy(src, in, len);
    src[len] = 0;
    char *ace = NULL;
    int rc = idn2_to_ascii_8z(src, &ace, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
    if (rc != IDN2_OK) {
        rc = idn2_to_ascii_8z(src, &ace, IDN2_NFC_INPUT | IDN2_TRANSITIONAL);
        if (rc != IDN2_OK)
            return rc == IDN2_MALLOC ? KZ_ENOMEM : KZ_EPARSE;
    }
    size_t al = strlen(ace);
    kz_err err = KZ_EPARSE;
    if (al < sizeof tmp) {
        for (size_t i = 0; i < al; i++)
            tmp[i] = (ace[i] >= 'A' && ace[i] <= 'Z') ? (char)(ace[i] + 32) : ace[i];
        if (ascii_domain_ok(tmp, al))
            err = kz_buf_append(out, tmp, al);
    }
    idn2_free(ace);
    return err;
}

kz_err kz_xnorm_ipv4(kz_buf *out, const char *in, size_t len)
{
    unsigned oct[4], k = 0;
    size_t i = 0;
    char tmp[16];
    while (k < 4) {
        unsigned v = 0, d = 0;
        while (i < len && in[i] >= '0' && in[i] <= '9' && d < 4) {
            v = v * 10 + (unsigned)(in[i] - '0');
            i++, d++;
        }
        if (d == 0 || d > 3 || v > 255)
            return KZ_EPARSE;
        oct[k++] = v;
        if (k < 4) {
            if (i >= len || in[i] != '.')
                return KZ_EPARSE;
            i++;
        }
    }
    if (i != len)
        return KZ_EPARSE;
    /* "%u.%u.%u.%u" by hand: printf is a good part of the cost of an IP */
    size_t w = 0;
    for (k = 0; k < 4; k++) {
        unsigned v = oct[k];
        if (v >= 100)
            tmp[w++] = (char)('0' + v / 100);
        if (v >= 10)
            tmp[w++] = (char)('0' + v / 10 % 10);
        tmp[w++] = (char)('0' + v % 10);
        tmp[w++] = '.';
    }
    return kz_buf_append(out, tmp, w - 1);
}

kz_err kz_xnorm_ipv6(kz_buf *out, const char *in, size_t len)
{
    kz_ipaddr ip;
    char tmp[KZ_IP_TEXT_MAX];
    if (memchr(in, '/', len) || kz_ip_parse(in, len, &ip, NULL) || ip.family != 6)
        return KZ_EPARSE;
    size_t w = kz_ip_format(&ip, tmp, sizeof tmp);
    return kz_buf_append(out, tmp, w);
}

kz_err kz_xnorm_hash(kz_buf *out, kz_ioc_type t, const char *in, size_t len)
{
    static const size_t lens[] = {32, 40, 64, 128};
    char tmp[128];
    if (t < KZ_IOC_MD5 || t > KZ_IOC_SHA512 || len != lens[t - KZ_IOC_MD5])
        return KZ_EPARSE;
    for (size_t i = 0; i < len; i++) {
        char c = in[i];
        if (!X_IS(c, XC_HEX))
            return KZ_EPARSE;
        tmp[i] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
    }
    return kz_buf_append(out, tmp, len);
}

static bool eq_nocase(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = a[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c + 32);
        if (c != b[i])
            return false;
    }
    return true;
}

kz_err kz_xnorm_cve(kz_buf *out, const char *in, size_t len)
{
    /* CVE-YYYY-NNNN..., also "cve-", "CVE 2014-1001"; NNNN is 4 to 7 digits */
    char tmp[24];
    if (len < 13 || len > 16 || !eq_nocase(in, "cve", 3) || (in[3] != '-' && in[3] != ' '))
        return KZ_EPARSE;
    for (size_t i = 4; i < len; i++) {
        bool dash = i == 8;
        if (dash ? in[i] != '-' : (in[i] < '0' || in[i] > '9'))
            return KZ_EPARSE;
    }
    memcpy(tmp, "CVE-", 4);
    memcpy(tmp + 4, in + 4, len - 4);
    return kz_buf_append(out, tmp, len);
}

kz_err kz_xnorm_attack(kz_buf *out, const char *in, size_t len)
{
    char tmp[9];
    if ((len != 5 && len != 9) || (in[0] != 'T' && in[0] != 't'))
        return KZ_EPARSE;
    for (size_t i = 1; i < len; i++) {
        bool dot = i == 5;
        if (dot ? in[i] != '.' : (in[i] < '0' || in[i] > '9'))
            return KZ_EPARSE;
    }
    memcpy(tmp, in, len);
    tmp[0] = 'T';
    return kz_buf_append(out, tmp, len);
}

kz_err kz_xnorm_email(kz_buf *out, const char *in, size_t len)
{
    const char *at = memrchr(in, '@', len);
    if (!at || at == in)
        return KZ_EPARSE;
    size_t ll = (size_t)(at - in);
    if (!X_ALNUM(in[0]) || ll > 64)
        return KZ_EPARSE;
    for (size_t i = 0; i < ll; i++)
        if (!X_IS(in[i], XC_LOCAL))
            return KZ_EPARSE;
    size_t save = out->len;
    kz_err rc = kz_buf_append(out, in, ll + 1);
    if (rc)
        return rc;
    rc = kz_xnorm_domain(out, at + 1, len - ll - 1);
    if (rc)
        out->len = save;
    return rc;
}

/* Scheme spellings, defanged ones included (lower-cased before lookup). */
static const struct {
    const char *name;
    int kind;
    bool defanged;
} schemes[] = {
    {"http", 1, false},  {"https", 2, false}, {"ftp", 3, false},   {"hxxp", 1, true},
    {"hxxps", 2, true},  {"h**p", 1, true},   {"h**ps", 2, true},  {"fxp", 3, true},
    {"hxp", 1, true},    {"hxxxp", 1, true},
};

int kz_xscheme(const char *in, size_t len, bool *defanged)
{
    char tmp[8];
    if (len == 0 || len >= sizeof tmp)
        return 0;
    for (size_t i = 0; i < len; i++)
        tmp[i] = (in[i] >= 'A' && in[i] <= 'Z') ? (char)(in[i] + 32) : in[i];
    tmp[len] = 0;
    for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++) {
        if (!strcmp(tmp, schemes[i].name)) {
            if (defanged)
                *defanged = schemes[i].defanged;
            return schemes[i].kind;
        }
    }
    return 0;
}

static const char *const scheme_text[] = {"", "http", "https", "ftp"};

static bool all_digits_dots(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != '.' && (s[i] < '0' || s[i] > '9'))
            return false;
    return n > 0;
}

kz_err kz_xnorm_url(kz_buf *out, const char *in, size_t len, kz_ioc_type *host_type,
                    size_t *host_off, size_t *host_len, bool *defanged)
{
    const char *sep = len > 3 ? memmem(in, len, "://", 3) : NULL;
    bool fanged = false;
    if (!sep)
        return KZ_EPARSE;
    int kind = kz_xscheme(in, (size_t)(sep - in), &fanged);
    if (!kind)
        return KZ_EPARSE;
    size_t a = (size_t)(sep - in) + 3, auth_end = a;
    while (auth_end < len && in[auth_end] != '/' && in[auth_end] != '?' && in[auth_end] != '#')
        auth_end++;
    const char *at = memrchr(in + a, '@', auth_end - a);
    size_t hs = at ? (size_t)(at - in) + 1 : a, he, ps;
    kz_ioc_type ht;
    size_t save = out->len;
    kz_err rc = kz_buf_append_str(out, scheme_text[kind]);
    if (!rc)
        rc = kz_buf_append(out, "://", 3);
    if (!rc && hs > a)
        rc = kz_buf_append(out, in + a, hs - a);
    if (rc)
        goto fail;
    if (hs < auth_end && in[hs] == '[') {
        const char *close = memchr(in + hs, ']', auth_end - hs);
        if (!close)
            goto bad;
        he = (size_t)(close - in);
        rc = kz_buf_append_char(out, '[');
        if (!rc)
            rc = kz_xnorm_ipv6(out, in + hs + 1, he - hs - 1);
        if (!rc)
            rc = kz_buf_append_char(out, ']');
        if (rc)
            goto fail;
        ht = KZ_IOC_IPV6;
        hs++;
        ps = he + 1;
    } else {
        he = kz_xhost_end(in, auth_end, hs);
        if (he == hs)
            goto bad;
        if (all_digits_dots(in + hs, he - hs)) {
            rc = kz_xnorm_ipv4(out, in + hs, he - hs);
            ht = KZ_IOC_IPV4;
        } else {
            rc = kz_xnorm_domain(out, in + hs, he - hs);
            ht = KZ_IOC_DOMAIN;
        }
        if (rc)
            goto fail;
        ps = he;
    }
    /* port: digits only */
    if (ps < auth_end) {
        if (in[ps] != ':' || ps + 1 == auth_end || auth_end - ps > 6)
            goto bad;
        for (size_t i = ps + 1; i < auth_end; i++)
            if (in[i] < '0' || in[i] > '9')
                goto bad;
    }
    rc = kz_buf_append(out, in + ps, len - ps);
    if (rc)
        goto fail;
    if (host_type)
        *host_type = ht;
    if (host_off)
        *host_off = hs;
    if (host_len)
        *host_len = he - hs;
    if (defanged)
        *defanged = fanged;
    return KZ_OK;
bad:
    rc = KZ_EPARSE;
fail:
    out->len = save;
    if (out->data)
        out->data[save] = 0;
    return rc;
}

/* ---- the type table: TSV name and normaliser of each kz_ioc_type ---- */

static kz_err norm_ipv4(kz_buf *o, kz_ioc_type t, const char *in, size_t len)
{
    (void)t;
    return kz_xnorm_ipv4(o, in, len);
}

static kz_err norm_ipv6(kz_buf *o, kz_ioc_type t, const char *in, size_t len)
{
    (void)t;
    return kz_xnorm_ipv6(o, in, len);
}

static kz_err norm_domain(kz_buf *o, kz_ioc_type t, const char *in, size_t len)
{
    (void)t;
    return all_digits_dots(in, len) ? KZ_EPARSE : kz_xnorm_domain(o, in, len);
}

static kz_err norm_url(kz_buf *o, kz_ioc_type t, const char *in, size_t len)
{
    (void)t;
    return kz_xnorm_url(o, in, len, NULL, NULL, NULL, NULL);
}

static kz_err norm_email(kz_buf *o, kz_ioc_type t, const char *in, size_t len)
{
    (void)t;
    return kz_xnorm_email(o, in, len);
}

static kz_err norm_cve(kz_buf *o, kz_ioc_type t, const char *in, size_t len)
{
    (void)t;
    return kz_xnorm_cve(o, in, len);
}

static kz_err norm_attack(kz_buf *o, kz_ioc_type t, const char *in, size_t len)
{
    (void)t;
    return kz_xnorm_attack(o, in, len);
}

static const struct {
    const char *name;
    kz_err (*norm)(kz_buf *out, kz_ioc_type t, const char *in, size_t len);
} types[KZ_IOC__COUNT] = {
    [KZ_IOC_IPV4] = {"ipv4-addr", norm_ipv4},
    [KZ_IOC_IPV6] = {"ipv6-addr", norm_ipv6},
    [KZ_IOC_DOMAIN] = {"domain-name", norm_domain},
    [KZ_IOC_URL] = {"url", norm_url},
    [KZ_IOC_EMAIL] = {"email-addr", norm_email},
    [KZ_IOC_MD5] = {"file:hashes.MD5", kz_xnorm_hash},
    [KZ_IOC_SHA1] = {"file:hashes.SHA-1", kz_xnorm_hash},
    [KZ_IOC_SHA256] = {"file:hashes.SHA-256", kz_xnorm_hash},
    [KZ_IOC_SHA512] = {"file:hashes.SHA-512", kz_xnorm_hash},
    [KZ_IOC_CVE] = {"vulnerability", norm_cve},
    [KZ_IOC_ATTACK] = {"attack-pattern", norm_attack},
};

const char *kz_ioc_type_name(kz_ioc_type t)
{
    return (unsigned)t < KZ_IOC__COUNT ? types[t].name : NULL;
}

kz_err kz_ioc_type_parse(const char *name, kz_ioc_type *out)
{
    if (!name || !out)
        return KZ_EINVAL;
    for (unsigned i = 0; i < KZ_IOC__COUNT; i++) {
        if (!strcmp(name, types[i].name)) {
            *out = (kz_ioc_type)i;
            return KZ_OK;
        }
    }
    return KZ_EINVAL;
}

kz_err kz_xnorm(kz_buf *out, kz_ioc_type t, const char *in, size_t len)
{
    if ((unsigned)t >= KZ_IOC__COUNT)
        return KZ_EINVAL;
    return types[t].norm(out, t, in, len);
}

kz_err kz_ioc_normalize(kz_arena *a, kz_ioc_type t, const char *in, size_t len, const char **out,
                        size_t *out_len)
{
    kz_buf b;
    kz_err rc;
    if (!a || !in || !out)
        return KZ_EINVAL;
    *out = NULL;
    kz_buf_init(&b, 1u << 20);
    rc = kz_xnorm(&b, t, in, len);
    if (!rc) {
        char *s = kz_arena_strndup(a, b.data ? b.data : "", b.len);
        if (!s) {
            rc = KZ_ENOMEM;
        } else {
            *out = s;
            if (out_len)
                *out_len = b.len;
        }
    }
    kz_buf_release(&b);
    return rc;
}
