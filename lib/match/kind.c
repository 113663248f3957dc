/* kind.c - the value kinds of `kizuna match` (which SCO property a field
 * or an indicator value names) and the normalisation both sides of a lookup
 * share: IPs via kz_ip_parse/kz_ip_format (in run.c and build.c), domains,
 * URLs, e-mails and the common hashes via extract's kz_ioc_normalize, the
 * rarer hashes here. */
#include <string.h>
#include <strings.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "kizuna/extract.h"
#include "match_int.h"

static const mc_kind_info kinds[KZ_MATCH_KIND_COUNT] = {
    [KZ_MATCH_IPV4] = {"ipv4-addr:value", "ipv4-addr", "value", false},
    [KZ_MATCH_IPV6] = {"ipv6-addr:value", "ipv6-addr", "value", false},
    [KZ_MATCH_DOMAIN] = {"domain-name:value", "domain-name", "value", false},
    [KZ_MATCH_URL] = {"url:value", "url", "value", false},
    [KZ_MATCH_EMAIL] = {"email-addr:value", "email-addr", "value", false},
    [KZ_MATCH_MD5] = {"file:hashes.MD5", "file", "MD5", true},
    [KZ_MATCH_SHA1] = {"file:hashes.'SHA-1'", "file", "SHA-1", true},
    [KZ_MATCH_SHA256] = {"file:hashes.'SHA-256'", "file", "SHA-256", true},
    [KZ_MATCH_SHA512] = {"file:hashes.'SHA-512'", "file", "SHA-512", true},
    [KZ_MATCH_SHA3_256] = {"file:hashes.'SHA3-256'", "file", "SHA3-256", true},
    [KZ_MATCH_SHA3_512] = {"file:hashes.'SHA3-512'", "file", "SHA3-512", true},
    [KZ_MATCH_SSDEEP] = {"file:hashes.SSDEEP", "file", "SSDEEP", true},
    [KZ_MATCH_TLSH] = {"file:hashes.TLSH", "file", "TLSH", true},
    [KZ_MATCH_OTHER] = {NULL, NULL, NULL, false},
};

/* Short names for --values files and readers; case-insensitive. */
static const struct {
    const char *name;
    kz_match_kind kind;
} short_names[] = {
    {"ipv4-addr", KZ_MATCH_IPV4},   {"ipv6-addr", KZ_MATCH_IPV6},   {"ipv4", KZ_MATCH_IPV4},
    {"ipv6", KZ_MATCH_IPV6},        {"domain-name", KZ_MATCH_DOMAIN}, {"domain", KZ_MATCH_DOMAIN},
    {"url", KZ_MATCH_URL},          {"email-addr", KZ_MATCH_EMAIL}, {"email", KZ_MATCH_EMAIL},
    {"md5", KZ_MATCH_MD5},          {"sha1", KZ_MATCH_SHA1},        {"sha-1", KZ_MATCH_SHA1},
    {"sha256", KZ_MATCH_SHA256},    {"sha-256", KZ_MATCH_SHA256},   {"sha512", KZ_MATCH_SHA512},
    {"sha-512", KZ_MATCH_SHA512},   {"sha3-256", KZ_MATCH_SHA3_256}, {"sha3-512", KZ_MATCH_SHA3_512},
    {"ssdeep", KZ_MATCH_SSDEEP},    {"tlsh", KZ_MATCH_TLSH},
};

/* Spellings of hash algorithm keys seen in indicators, mapped to the kind
 * (STIX's vocabulary is "SHA-256"; feeds write "SHA256" and "sha256" too). */
static const struct {
    const char *alg;
    kz_match_kind kind;
} hash_names[] = {
    {"MD5", KZ_MATCH_MD5},           {"SHA-1", KZ_MATCH_SHA1},         {"SHA1", KZ_MATCH_SHA1},
    {"SHA-256", KZ_MATCH_SHA256},    {"SHA256", KZ_MATCH_SHA256},      {"SHA-512", KZ_MATCH_SHA512},
    {"SHA512", KZ_MATCH_SHA512},     {"SHA3-256", KZ_MATCH_SHA3_256}, {"SHA3-512", KZ_MATCH_SHA3_512},
    {"SSDEEP", KZ_MATCH_SSDEEP},     {"TLSH", KZ_MATCH_TLSH},
};

const mc_kind_info *mc_kind_info_get(kz_match_kind k)
{
    return (unsigned)k < KZ_MATCH_KIND_COUNT ? &kinds[k] : NULL;
}

const char *kz_match_kind_name(kz_match_kind k)
{
    return (unsigned)k < KZ_MATCH_KIND_COUNT ? kinds[k].path : NULL;
}

static bool eq_nocase(const char *a, size_t alen, const char *b)
{
    return alen == strlen(b) && strncasecmp(a, b, alen) == 0;
}

kz_err kz_match_kind_parse(const char *name, size_t len, kz_match_kind *out)
{
    if (!name || !out)
        return KZ_EINVAL;
    for (size_t i = 0; i < sizeof short_names / sizeof short_names[0]; i++) {
        if (eq_nocase(name, len, short_names[i].name)) {
            *out = short_names[i].kind;
            return KZ_OK;
        }
    }
    if (mc_kind_from_path(name, len, out))
        return KZ_OK;
    return KZ_EINVAL;
}

bool mc_kind_from_path(const char *path, size_t len, kz_match_kind *out)
{
    for (unsigned k = 0; k <= KZ_MATCH_EMAIL; k++) {
        if (len == strlen(kinds[k].path) && memcmp(path, kinds[k].path, len) == 0) {
            *out = (kz_match_kind)k;
            return true;
        }
    }
    static const char pre[] = "file:hashes.";
    const size_t np = sizeof pre - 1;
    if (len <= np || memcmp(path, pre, np) != 0)
        return false;
    const char *alg = path + np;
    size_t alen = len - np;
    if (alen >= 2 && alg[0] == '\'' && alg[alen - 1] == '\'') {
        alg++;
        alen -= 2;
    }
    for (size_t i = 0; i < sizeof hash_names / sizeof hash_names[0]; i++) {
        if (eq_nocase(alg, alen, hash_names[i].alg)) {
            *out = hash_names[i].kind;
            return true;
        }
    }
    return false;
}

/* kz_ioc_type of the kinds extract normalises; KZ_IOC__COUNT for the others. */
static kz_ioc_type ioc_of(kz_match_kind k)
{
    static const kz_ioc_type map[KZ_MATCH_KIND_COUNT] = {
        [KZ_MATCH_IPV4] = KZ_IOC_IPV4,     [KZ_MATCH_IPV6] = KZ_IOC_IPV6,
        [KZ_MATCH_DOMAIN] = KZ_IOC_DOMAIN, [KZ_MATCH_URL] = KZ_IOC_URL,
        [KZ_MATCH_EMAIL] = KZ_IOC_EMAIL,   [KZ_MATCH_MD5] = KZ_IOC_MD5,
        [KZ_MATCH_SHA1] = KZ_IOC_SHA1,     [KZ_MATCH_SHA256] = KZ_IOC_SHA256,
        [KZ_MATCH_SHA512] = KZ_IOC_SHA512, [KZ_MATCH_SHA3_256] = KZ_IOC__COUNT,
        [KZ_MATCH_SHA3_512] = KZ_IOC__COUNT, [KZ_MATCH_SSDEEP] = KZ_IOC__COUNT,
        [KZ_MATCH_TLSH] = KZ_IOC__COUNT,   [KZ_MATCH_OTHER] = KZ_IOC__COUNT,
    };
    return (unsigned)k < KZ_MATCH_KIND_COUNT ? map[k] : KZ_IOC__COUNT;
}

/* Hashes extract has no rule for: SHA3 lower-case hex of a fixed length,
 * TLSH lower-case (its "T1" version prefix too, on both sides alike),
 * SSDEEP as written (it is case-sensitive base64). Surrounding blanks go. */
static kz_err norm_other_hash(kz_arena *a, kz_match_kind k, const char *in, size_t len,
                              const char **out, size_t *out_len)
{
    while (len && (in[0] == ' ' || in[0] == '\t'))
        in++, len--;
    while (len && (in[len - 1] == ' ' || in[len - 1] == '\t'))
        len--;
    size_t want = k == KZ_MATCH_SHA3_256 ? 64 : k == KZ_MATCH_SHA3_512 ? 128 : 0;
    if (len == 0 || len > 4096 || (want && len != want))
        return KZ_EPARSE;
    char *s = kz_arena_strndup(a, in, len);
    if (!s)
        return KZ_ENOMEM;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (k == KZ_MATCH_SSDEEP) {
            if ((unsigned char)c <= ' ' || c == '\'' || c == '"')
                return KZ_EPARSE;
            continue;
        }
        if (c >= 'A' && c <= 'Z')
            s[i] = c = (char)(c - 'A' + 'a');
        bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
        if (!hex && !(k == KZ_MATCH_TLSH && i == 0 && c == 't'))
            return KZ_EPARSE;
    }
    *out = s;
    if (out_len)
        *out_len = len;
    return KZ_OK;
}

/* Host names already in canonical form: lower-case ASCII letters, digits,
 * '-' and '.', at least one letter, not starting or ending with '.'. */
#ifdef __SSE2__
/* 16 bytes: bits of the bytes that are lower-case letters in *letters,
 * and whether all 16 are letters, digits, '-' or '.'. */
static inline bool host16(__m128i x, unsigned *letters)
{
    __m128i lower = _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8('a' - 1)),
                                  _mm_cmplt_epi8(x, _mm_set1_epi8('z' + 1)));
    __m128i digit = _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8('0' - 1)),
                                  _mm_cmplt_epi8(x, _mm_set1_epi8('9' + 1)));
    __m128i punct = _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('-')),
                                 _mm_cmpeq_epi8(x, _mm_set1_epi8('.')));
    __m128i ok = _mm_or_si128(_mm_or_si128(lower, digit), punct);
    *letters |= (unsigned)_mm_movemask_epi8(lower);
    return _mm_movemask_epi8(ok) == 0xffff;
}
#endif

static bool canonical_host(const char *s, size_t len)
{
    if (len == 0 || len > 253 || s[0] == '.' || s[len - 1] == '.')
        return false;
#ifdef __SSE2__
    /* 16 bytes at a time (every field of a log that names a host goes
     * through here; perf: the byte loop was 7 % of an EVE scan). A short
     * name is copied into a block padded with '-' (allowed, not a letter);
     * a long one's last block is loaded ending at its end (bytes checked
     * twice, none past the end). */
    unsigned letters = 0;
    if (len < 16) {
        char b[16];
        memset(b, '-', sizeof b);
        memcpy(b, s, len);
        return host16(_mm_loadu_si128((const __m128i *)(const void *)b), &letters) && letters;
    }
    for (size_t i = 0; i + 16 <= len; i += 16)
        if (!host16(_mm_loadu_si128((const __m128i *)(const void *)(s + i)), &letters))
            return false;
    if (len % 16 &&
        !host16(_mm_loadu_si128((const __m128i *)(const void *)(s + len - 16)), &letters))
        return false;
    return letters != 0;
#else
    /* Without a branch per byte (the compiler vectorises it). */
    unsigned all = 1, letter = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned c = (unsigned char)s[i];
        unsigned lower = c - 'a' < 26, digit = c - '0' < 10;
        all &= lower | digit | (c == '-') | (c == '.');
        letter |= lower;
    }
    return all && letter;
#endif
}

static bool lower_hex(const char *s, size_t len, size_t want)
{
    if (len != want)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

static bool canonical_url(const char *s, size_t len)
{
    /* the bytes that end a URL's host */
    static const bool host_end[256] = {['/'] = 1, ['?'] = 1, ['#'] = 1, [':'] = 1, ['@'] = 1};
    size_t a = 0;
    if (len > 7 && memcmp(s, "http://", 7) == 0)
        a = 7;
    else if (len > 8 && memcmp(s, "https://", 8) == 0)
        a = 8;
    else if (len > 6 && memcmp(s, "ftp://", 6) == 0)
        a = 6;
    if (!a)
        return false;
    size_t e = a;
    while (e < len && !host_end[(unsigned char)s[e]])
        e++;
    if (e < len && s[e] == '@')
        return false; /* user info: leave it to the normaliser */
    if (!canonical_host(s + a, e - a))
        return false;
    if (e < len && s[e] == ':') {
        size_t p = e + 1;
        while (p < len && s[p] >= '0' && s[p] <= '9')
            p++;
        if (p == e + 1 || p - e > 6 || (p < len && s[p] != '/' && s[p] != '?' && s[p] != '#'))
            return false;
    }
    return true;
}

bool mc_is_canonical(kz_match_kind k, const char *s, size_t len)
{
    switch (k) {
    case KZ_MATCH_DOMAIN:
        return canonical_host(s, len);
    case KZ_MATCH_URL:
        return canonical_url(s, len);
    case KZ_MATCH_EMAIL: {
        const char *at = len ? memrchr(s, '@', len) : NULL;
        return at && at > s && canonical_host(at + 1, len - (size_t)(at + 1 - s));
    }
    case KZ_MATCH_MD5:
        return lower_hex(s, len, 32);
    case KZ_MATCH_SHA1:
        return lower_hex(s, len, 40);
    case KZ_MATCH_SHA256:
    case KZ_MATCH_SHA3_256:
        return lower_hex(s, len, 64);
    case KZ_MATCH_SHA512:
    case KZ_MATCH_SHA3_512:
        return lower_hex(s, len, 128);
    default:
        return false;
    }
}

kz_err mc_normalize(kz_arena *a, kz_match_kind k, const char *in, size_t len, const char **out,
                    size_t *out_len)
{
    *out = NULL;
    if ((unsigned)k >= KZ_MATCH_OTHER || mc_kind_is_ip(k))
        return KZ_EINVAL;
    kz_ioc_type t = ioc_of(k);
    if (t == KZ_IOC__COUNT)
        return norm_other_hash(a, k, in, len, out, out_len);
    const char *o = NULL;
    size_t olen = 0;
    kz_err rc = kz_ioc_normalize(a, t, in, len, &o, &olen);
    if (rc == KZ_ENOMEM)
        return rc;
    if (rc || !o)
        return KZ_EPARSE;
    *out = o;
    if (out_len)
        *out_len = olen;
    return KZ_OK;
}
