/* reader_text.c - the plain-text log reader (syslog, proxy, firewall
 * lines): cuts a line into tokens and hands out every token that has the
 * form of an IP address, a domain, a URL, a hash or an e-mail address.
 *
 * Why its own tokenizer and not the extraction scanner (extract.h): the
 * scanner reads prose (defanged forms, full-width characters, HTML) and
 * is built for reports, not for hundreds of MB/s of machine-written
 * lines. Here a token is a maximal run of non-delimiter bytes, classified
 * by one table lookup per byte; the rules are the scanner's token rules
 * for clean (not defanged) text: whole tokens only (evil.com never hits
 * notevil.com), trailing sentence punctuation dropped, "host:port" and
 * "[v6]:port" stripped of the port, a URL also gives its host. Values are
 * raw (the matcher normalises them like every other field), except that
 * a value the reader can prove canonical cheaply is marked so and a plain
 * dotted quad comes parsed (kz_reader_emit_ip4). */
#include <stdint.h>
#include <string.h>

#include "match/match_int.h"
#include "match/reader_int.h"
#include "match/text_int.h"

enum {
    C_DELIM = 1,   /* ends a token */
    C_DIGIT = 2,
    C_HEX = 4,     /* a-f A-F */
    C_ALPHA = 8,   /* letters other than hex */
    C_DOMAIN = 16, /* - _ (inside host names) */
    C_DOT = 32,
    C_COLON = 64,
    C_AT = 128,
    C_OTHER = 256  /* anything else inside a token ('/', '%', '+', UTF-8...) */
};

static uint16_t cls[256];
static bool cls_ready;

static void cls_init(void)
{
    /* Idempotent and the same on every thread: a benign first-use race. */
    for (int c = 0; c < 256; c++) {
        uint16_t v = 0;
        if (c <= ' ' || c == '"' || c == '\'' || c == '`' || c == '<' || c == '>' || c == '(' ||
            c == ')' || c == ',' || c == ';' || c == '|' || c == '{' || c == '}' || c == '=' ||
            c == '[' || c == ']' || c == '\\' || c == 127)
            v |= C_DELIM;
        else if (c >= '0' && c <= '9')
            v |= C_DIGIT;
        else if ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))
            v |= C_HEX;
        else if ((c >= 'g' && c <= 'z') || (c >= 'G' && c <= 'Z'))
            v |= C_ALPHA;
        else if (c == '-' || c == '_')
            v |= C_DOMAIN;
        else if (c == '.')
            v |= C_DOT;
        else if (c == ':')
            v |= C_COLON;
        else if (c == '@')
            v |= C_AT;
        else if (c != '!' && c != '?') /* sentence punctuation: trimmed, not "other" */
            v |= C_OTHER;
        cls[c] = v;
    }
    cls_ready = true;
}

static const char text_field[] = "text";

static bool is_url_start(const char *p, size_t n)
{
    return (n > 7 && strncasecmp(p, "http://", 7) == 0) ||
           (n > 8 && strncasecmp(p, "https://", 8) == 0) ||
           (n > 6 && strncasecmp(p, "ftp://", 6) == 0);
}

/* A host as written in a URL or a "host:port" token -> its kind. */
static void emit_hostish(kz_logreader *r, const char *v, size_t n);
/* A URL token and its host (beside the bitmap code below). */
static void emit_url(kz_logreader *r, const char *p, size_t n, const kz_text_bits *b,
                     const char *line);

/* Classifies one token (punctuation already trimmed). */
static void classify(kz_logreader *r, const char *v, size_t n)
{
    unsigned all = 0;
    size_t dots = 0, colons = 0, ats = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        all |= cls[c];
        dots += c == '.';
        colons += c == ':';
        ats += c == '@';
    }
    if (ats == 1) {
        const char *at = memchr(v, '@', n);
        size_t ln = (size_t)(at - v);
        if (ln && ln + 1 < n && memchr(at + 1, '.', n - ln - 1)) {
            kz_reader_emit_kind(r, text_field, KZ_MATCH_EMAIL, v, n, false);
            kz_reader_emit_kind(r, text_field, KZ_MATCH_DOMAIN, at + 1, n - ln - 1, false);
        }
        return;
    }
    if (ats)
        return;
    bool only_hex = (all & ~(unsigned)(C_DIGIT | C_HEX)) == 0 && !dots && !colons;
    if (only_hex) {
        kz_match_kind k = n == 32 ? KZ_MATCH_MD5 : n == 40 ? KZ_MATCH_SHA1
                        : n == 64 ? KZ_MATCH_SHA256 : n == 128 ? KZ_MATCH_SHA512
                                                              : KZ_MATCH_KIND_COUNT;
        if (k != KZ_MATCH_KIND_COUNT)
            kz_reader_emit_kind(r, text_field, k, v, n, false);
        return;
    }
    if (colons >= 2 || (n && v[0] == '[')) {
        /* IPv6, maybe "[v6]" or "[v6]:port" */
        if (v[0] == '[') {
            const char *rb = memchr(v, ']', n);
            if (!rb)
                return;
            v++;
            n = (size_t)(rb - v);
        }
        /* eight groups, or "::", or six groups and an IPv4 tail: not "12:34:56" */
        size_t c6 = 0;
        for (size_t i = 0; i < n; i++)
            c6 += v[i] == ':';
        bool dbl = memmem(v, n, "::", 2) != NULL;
        if (n >= 2 && (dbl || c6 == 7 || (c6 == 6 && memchr(v, '.', n))))
            kz_reader_emit_kind(r, text_field, KZ_MATCH_IPV6, v, n, false);
        return;
    }
    if (!dots)
        return;
    emit_hostish(r, v, n);
}

static void emit_hostish(kz_logreader *r, const char *v, size_t n)
{
    const char *colon = memchr(v, ':', n);
    if (colon) {
        /* host:port - the port must be digits */
        for (const char *p = colon + 1; p < v + n; p++)
            if (!(cls[(unsigned char)*p] & C_DIGIT))
                return;
        n = (size_t)(colon - v);
    }
    while (n && v[n - 1] == '.')
        n--;
    if (!n)
        return;
    unsigned all = 0;
    size_t dots = 0;
    for (size_t i = 0; i < n; i++) {
        all |= cls[(unsigned char)v[i]];
        dots += v[i] == '.';
    }
    if (all & ~(unsigned)(C_DIGIT | C_HEX | C_ALPHA | C_DOMAIN | C_DOT))
        return; /* a byte no host name or address has */
    all &= ~(unsigned)C_DOT;
    if ((all & ~(unsigned)C_DIGIT) == 0) {
        uint32_t a;
        if (dots != 3) /* "TLS 1.3" and "v2.0.1" are versions, not addresses */
            return;
        if (mc_ip4_parse32(v, n, &a)) /* a plain dotted quad: parsed once, here */
            kz_reader_emit_ip4(r, text_field, v, n, a);
        else
            kz_reader_emit_kind(r, text_field, KZ_MATCH_IPV4, v, n, false);
    } else if (all & (C_ALPHA | C_HEX)) {
        kz_reader_emit_kind(r, text_field, KZ_MATCH_DOMAIN, v, n, false);
    }
}

/* A URL runs to the next blank, quote or angle bracket. */
static size_t url_token(kz_logreader *r, const char *p, const char *end)
{
    const char *q = p;
    while (q < end && (unsigned char)*q > ' ' && *q != '"' && *q != '\'' && *q != '<' &&
           *q != '>' && *q != '`')
        q++;
    emit_url(r, p, (size_t)(q - p), NULL, NULL);
    return (size_t)(q - p);
}

/* One token [s, p) of the line (delimiters around it already skipped):
 * a URL, a hash, or whatever classify makes of it. Returns where the
 * scan goes on (past a URL, which may run over delimiters). */
static const char *token(kz_logreader *r, const char *s, const char *p, const char *end,
                         unsigned m)
{
    if ((m & C_COLON) && (*s == 'h' || *s == 'H' || *s == 'f' || *s == 'F') &&
        is_url_start(s, (size_t)(end - s)))
        return s + url_token(r, s, end);
    size_t n = (size_t)(p - s);
    if (!(m & (C_DOT | C_COLON | C_AT))) {
        /* a word or a number; only a hash is worth a look */
        if (!(m & ~(unsigned)(C_DIGIT | C_HEX)) && (n == 32 || n == 40 || n == 64 || n == 128))
            classify(r, s, n);
        return p;
    }
    if ((m & C_OTHER) && !(m & C_AT))
        return p; /* paths, "TCP_MISS/200", "fe80::1%eth0": no host or address */
    const char *e = p;
    /* Sentence punctuation after a token is not part of it. */
    while (e > s && (e[-1] == '.' || e[-1] == ':' || e[-1] == '!' || e[-1] == '?'))
        e--;
    if (e - s >= 3)
        classify(r, s, (size_t)(e - s));
    return p;
}

static unsigned token_class(const char *s, const char *p)
{
    unsigned m = 0;
    for (; s < p; s++)
        m |= cls[(unsigned char)*s];
    return m;
}

/* The first position >= i whose bit in the delimiter bitmap is set; the
 * padding word after the line's last word is all delimiters, so one is
 * found before it ends. */
static inline size_t next_delim(const kz_text_bits *b, size_t i)
{
    size_t w = i >> 6;
    uint64_t x = kz_tb_word(b, TB_DELIM, w) & (~0ull << (i & 63));
    while (!x)
        x = kz_tb_word(b, TB_DELIM, ++w);
    return (w << 6) + (size_t)__builtin_ctzll(x);
}

/* The token's start for a byte c inside it: after the last delimiter
 * before c, or the line's start. */
static inline size_t token_start(const kz_text_bits *b, size_t c)
{
    size_t w = c >> 6;
    uint64_t x = kz_tb_word(b, TB_DELIM, w) & ((1ull << (c & 63)) - 1);
    while (!x && w > 0)
        x = kz_tb_word(b, TB_DELIM, --w);
    return x ? (w << 6) + 63 - (size_t)__builtin_clzll(x) + 1 : 0;
}

/* Bits [0, n) for n < 64 (the fast path's tokens are shorter). */
static inline uint64_t low_bits(size_t n)
{
    return (1ull << n) - 1;
}

/* The length left of [0, n) after dropping the run of set bits of x
 * that reaches down from bit n-1 (trailing bytes of a class). */
static inline size_t trim_len(uint64_t x, size_t n)
{
    uint64_t keep = ~x & low_bits(n);
    return keep ? 64 - (size_t)__builtin_clzll(keep) : 0;
}

/* Exactly three bits set (no popcount instruction in the x86-64 baseline). */
static inline bool three_bits(uint64_t x)
{
    x &= x - 1;
    x &= x - 1;
    return x && !(x & (x - 1));
}

/* The number of bits set in each byte of x, per byte (no popcount
 * instruction in the x86-64 baseline). */
static inline uint64_t byte_counts(uint64_t x)
{
    x -= (x >> 1) & 0x5555555555555555ull;
    x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
    return (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
}

/* The sum of the low four byte counts of byte_counts() output x. */
static inline unsigned half_count(uint64_t x)
{
    return (unsigned)((x & 0xffffffffull) * 0x01010101ull >> 24) & 0xff;
}

/* mc_ip4_parse32 for v[0..n), digits and the three dots of mask dot:
 * four parts of 1 to 3 digits, no leading zero, each <= 255. The same
 * answer (test_reader_text checks it), from the dots' positions and
 * without a branch per part (their lengths vary at random: mispredicted
 * branches were most of the parse). Reads only bytes of the part, or its
 * first byte or the dot after it for an empty one (v[n-1] is no dot). */
static bool ip4_bits(const char *v, size_t n, uint64_t dot, uint32_t *out)
{
    size_t end[4], start = 0;
    for (int k = 0; k < 3; k++) {
        end[k] = (size_t)__builtin_ctzll(dot);
        dot &= dot - 1;
    }
    end[3] = n;
    uint32_t r = 0;
    unsigned bad = 0;
    for (int k = 0; k < 4; k++) {
        size_t l = end[k] - start;
        const unsigned char *p = (const unsigned char *)v + start;
        unsigned a = p[0] - (unsigned)'0', b = p[l > 1] - (unsigned)'0';
        unsigned c = p[l > 2 ? 2 : 0] - (unsigned)'0';
        unsigned x = l == 1 ? a : l == 2 ? a * 10 + b : a * 100 + b * 10 + c;
        bad |= (unsigned)(l - 1 > 2) | ((unsigned)(l > 1) & (unsigned)(a == 0)) | (unsigned)(x > 255);
        r = r << 8 | (x & 255);
        start = end[k] + 1;
    }
    *out = r;
    return !bad;
}

/* Whether every byte of v[0..n) has only hash classes (cls: digits, hex
 * letters, and '!' / '?', which have no class: classify's "only_hex"),
 * and whether they are all lower-case hex digits (canonical). */
static bool hexish(const char *v, size_t n, bool *lower)
{
    unsigned all = 0;
    bool low = true;
#ifdef __SSE2__
    if (n >= 16 && kz_text_simd != KZ_TEXT_SCALAR) {
        /* 16 bytes at a time, the last load ending at the token's end
         * (overlapping the one before): never past the token */
        const __m128i zero = _mm_setzero_si128();
        __m128i bad = zero, up = zero;
        for (size_t i = 0;; i += 16) {
            if (i > n - 16)
                i = n - 16;
            __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(v + i));
            __m128i t = _mm_sub_epi8(x, _mm_set1_epi8('0'));
            __m128i digit = _mm_cmpeq_epi8(_mm_min_epu8(t, _mm_set1_epi8(9)), t);
            t = _mm_sub_epi8(x, _mm_set1_epi8('a'));
            __m128i lhex = _mm_cmpeq_epi8(_mm_min_epu8(t, _mm_set1_epi8(5)), t);
            t = _mm_sub_epi8(x, _mm_set1_epi8('A'));
            __m128i uhex = _mm_cmpeq_epi8(_mm_min_epu8(t, _mm_set1_epi8(5)), t);
            __m128i pun = _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('!')),
                                       _mm_cmpeq_epi8(x, _mm_set1_epi8('?')));
            __m128i ok = _mm_or_si128(_mm_or_si128(digit, lhex), _mm_or_si128(uhex, pun));
            bad = _mm_or_si128(bad, _mm_cmpeq_epi8(ok, zero));
            up = _mm_or_si128(up, _mm_or_si128(uhex, pun));
            if (i == n - 16)
                break;
        }
        *lower = _mm_movemask_epi8(up) == 0;
        return _mm_movemask_epi8(bad) == 0;
    }
#endif
    for (size_t i = 0; i < n; i++) {
        all |= cls[(unsigned char)v[i]];
        low &= (v[i] >= '0' && v[i] <= '9') || (v[i] >= 'a' && v[i] <= 'f');
    }
    *lower = low;
    return (all & ~(unsigned)(C_DIGIT | C_HEX)) == 0;
}

/* A hash of n = 32, 40, 64 or 128 bytes if it has only hash classes;
 * false if not. */
static bool try_hash(kz_logreader *r, const char *v, size_t n)
{
    bool lower;
    if (!hexish(v, n, &lower))
        return false;
    kz_match_kind k = n == 32 ? KZ_MATCH_MD5 : n == 40 ? KZ_MATCH_SHA1
                    : n == 64 ? KZ_MATCH_SHA256 : KZ_MATCH_SHA512;
    kz_reader_emit_kind(r, text_field, k, v, n, lower);
    return true;
}

/* The longest token or URL host the bitmaps classify; longer ones (long
 * URLs, hashes of 64 and 128, odd runs) take the byte loops. */
#define FAST_TOKEN 56

/* emit_hostish() for line[s, s+n), n <= FAST_TOKEN, from the bitmaps:
 * "host:port" with a numeric port, trailing dots dropped, then an IPv4
 * address (digits and three dots) or a host name (a letter). A name whose
 * form the bitmaps prove canonical (lower-case, no '_', not starting with
 * '.'; see mc_is_canonical) is emitted as normalised. A '!' in the host
 * (no class in cls, so a host byte there) goes to emit_hostish. The
 * caller gives the token's colons (bits of [0, n)), dots and non-host
 * bytes (bits from s on; bits at n and up are ignored), and lim: bytes of
 * line before lim may be read (the line's or the URL's end). */
static void hostish_masks(kz_logreader *r, const kz_text_bits *b, const char *line, size_t s,
                          size_t n, uint64_t col, uint64_t dot, uint64_t nothost, size_t lim)
{
    const char *v = line + s;
    uint64_t M = low_bits(n);
    uint64_t digit = kz_tb_at(b, TB_DIGIT, s);
    if (col) {
        size_t c = (size_t)__builtin_ctzll(col);
        if (~digit & M & ~low_bits(c + 1))
            return;
        n = c;
    }
    n = trim_len(dot, n);
    if (!n)
        return;
    M = low_bits(n);
    dot &= M;
    nothost &= M;
    if (nothost) {
        for (uint64_t x = nothost; x; x &= x - 1)
            if (v[__builtin_ctzll(x)] == '!') {
                emit_hostish(r, v, n);
                return;
            }
        return; /* a byte no host name or address has */
    }
    digit &= M;
    if (!(~(digit | dot) & M)) {
        /* "TLS 1.3" and "v2.0.1" are versions, not addresses. A plain
         * dotted quad is parsed here, once, for the lookup. */
        uint32_t a;
        if (!three_bits(dot))
            return;
        bool ok = s + 16 <= lim && kz_text_ssse3() ? kz_text_ip4_ssse3(v, n, dot, &a)
                                                   : ip4_bits(v, n, dot, &a);
        if (ok)
            kz_reader_emit_ip4(r, text_field, v, n, a);
        else
            kz_reader_emit_kind(r, text_field, KZ_MATCH_IPV4, v, n, false);
        return;
    }
    /* letters, '-' or '_' besides digits: a name if one is a letter */
    uint64_t upper = kz_tb_at(b, TB_UPPER, s) & M;
    if (kz_tb_at(b, TB_LOWER, s) & M) {
        kz_reader_emit_kind(r, text_field, KZ_MATCH_DOMAIN, v, n, !upper && *v != '.');
    } else if (upper) {
        for (size_t i = 0; i < n; i++) {
            if (v[i] >= 'A' && v[i] <= 'Z') {
                kz_reader_emit_kind(r, text_field, KZ_MATCH_DOMAIN, v, n, false);
                break;
            }
        }
    }
}

/* hostish_masks() with the masks read from the bitmaps. */
static void hostish_bits(kz_logreader *r, const kz_text_bits *b, const char *line, size_t s,
                         size_t n, size_t lim)
{
    uint64_t M = low_bits(n);
    hostish_masks(r, b, line, s, n, kz_tb_at(b, TB_COLON, s) & M, kz_tb_at(b, TB_DOT, s),
                  kz_tb_at(b, TB_NOTHOST, s), lim);
}

/* The URL p[0..n) (its scheme's "://" within the first 8 bytes, as
 * is_url_start checked) without trailing punctuation, then its host. With
 * the line's bitmaps b (p inside line), a short host is read from them
 * (hostish_bits); without, byte by byte (emit_hostish). */
static void emit_url(kz_logreader *r, const char *p, size_t n, const kz_text_bits *b,
                     const char *line)
{
    while (n && (p[n - 1] == '.' || p[n - 1] == ',' || p[n - 1] == ')' || p[n - 1] == ';'))
        n--;
    kz_reader_emit_kind(r, text_field, KZ_MATCH_URL, p, n, false);
    const char *h = (const char *)memchr(p, ':', n) + 3;
    const char *he = h;
    if (b && he < p + n) {
        /* '/', '?' and '#' are odd bytes for a host: with the bitmaps, only
         * the host's odd bytes are looked at (the first 56 bytes, all that
         * kz_tb_at gives; the loop below goes on past them) */
        size_t span = (size_t)(p + n - h) < 56 ? (size_t)(p + n - h) : 56;
        uint64_t x = kz_tb_at(b, TB_NOTHOST, (size_t)(h - line)) & low_bits(span);
        for (; x; x &= x - 1) {
            char c = h[__builtin_ctzll(x)];
            if (c == '/' || c == '?' || c == '#')
                break;
        }
        he = x ? h + __builtin_ctzll(x) : h + span;
    }
    while (he < p + n && *he != '/' && *he != '?' && *he != '#')
        he++;
    const char *at = memchr(h, '@', (size_t)(he - h));
    if (at)
        h = at + 1;
    if (he <= h)
        return;
    if (*h == '[')
        classify(r, h, (size_t)(he - h));
    else if (b && he - h <= FAST_TOKEN)
        hostish_bits(r, b, line, (size_t)(h - line), (size_t)(he - h), (size_t)(p + n - line));
    else
        emit_hostish(r, h, (size_t)(he - h));
}

/* url_token() for the URL at line[s] (is_url_start said so): it runs to
 * the next blank, quote or angle bracket, all of them delimiters, so the
 * end is found by visiting delimiter bits only; its host goes through
 * hostish_bits. Returns where the scan goes on. */
static size_t url_bits(kz_logreader *r, const kz_text_bits *b, const char *line, size_t s,
                       size_t len)
{
    size_t q = s;
    for (;;) {
        q = next_delim(b, q);
        if (q >= len)
            break;
        unsigned char c = (unsigned char)line[q];
        if (c <= ' ' || c == '"' || c == '\'' || c == '<' || c == '>' || c == '`')
            break;
        q++;
    }
    if (q > len)
        q = len;
    emit_url(r, line + s, q - s, b, line);
    return q;
}

/* token() for the token [s, e) of a line cut into bitmaps b: the same
 * fields in the same order, from masks of the token's bits instead of
 * loops over its bytes. Tokens the masks do not settle alone (a '!' or
 * '?' inside, an '@' with odd bytes, over FAST_TOKEN bytes) go to
 * token(). Values whose form the masks prove canonical (lower-case host
 * names, e-mail hosts, hashes) are emitted as normalised, sparing the
 * matcher its own check (mc_is_canonical gives the same answer; the unit
 * test checks it). Returns where the scan goes on. */
static size_t token_bits(kz_logreader *r, const kz_text_bits *b, const char *line, size_t s,
                         size_t e, size_t len)
{
    const char *v = line + s;
    size_t n = e - s;
    if (n > FAST_TOKEN) {
        if (((*v | 0x20) == 'h' || (*v | 0x20) == 'f') && is_url_start(v, len - s))
            return url_bits(r, b, line, s, len);
        /* a hash has no '.', ':' or '@': token() would say the same */
        if ((n == 64 || n == 128) && try_hash(r, v, n))
            return e;
        return (size_t)(token(r, v, line + e, line + len, token_class(v, line + e)) - line);
    }
    uint64_t M = low_bits(n);
    uint64_t dot = kz_tb_at(b, TB_DOT, s) & M, col = kz_tb_at(b, TB_COLON, s) & M;
    uint64_t at = kz_tb_at(b, TB_AT, s) & M;
    if (col && ((*v | 0x20) == 'h' || (*v | 0x20) == 'f') && is_url_start(v, len - s))
        return url_bits(r, b, line, s, len);
    if (!(dot | col | at)) {
        /* a run of 32+ bytes: only a hash is worth a look */
        if (n == 32 || n == 40)
            (void)try_hash(r, v, n);
        return e;
    }
    /* Sentence punctuation after a token is not part of it: '.' and ':'
     * here, and a token ending in '!' or '?' goes to token(), which trims
     * those too. Trimming only '.' and ':' leaves no less than token()'s
     * trimming, so L < 3 means nothing for token() either ("sshd[1]:"
     * leaves ":" alone). */
    size_t L = trim_len(dot | col, n);
    if (L < 3)
        return e;
    if (v[L - 1] == '!' || v[L - 1] == '?')
        return (size_t)(token(r, v, line + e, line + len, token_class(v, line + e)) - line);
    uint64_t ML = low_bits(L), odd = ~col & ~at; /* odd: the bytes of neither, yet */
    dot &= ML;
    col &= ML;
    bool v6 = false; /* two colons or more, and an IPv6 address's form */
    if (col & (col - 1)) {
        /* eight groups, or "::", or six groups and an IPv4 tail: not "12:34:56" */
        unsigned colons = 0;
        if (!(col & (col >> 1)))
            for (uint64_t x = col; x && colons < 8; x &= x - 1)
                colons++;
        v6 = !colons || colons == 7 || (colons == 6 && dot);
    }
    if (!at) {
        /* Rejected whatever other bytes the token has: the times and MAC
         * addresses of a syslog line ("10:00:00", "00:11:22:33:44:55"),
         * "word:" (a hash is looked at: hexish sees other bytes). */
        if (!dot && !col) {
            if (L == 32 || L == 40)
                (void)try_hash(r, v, L);
            return e;
        }
        if ((col & (col - 1)) && !v6)
            return e;
    }
    uint64_t nothost = kz_tb_at(b, TB_NOTHOST, s) & M;
    odd &= nothost;
    if (odd) {
        char c = v[__builtin_ctzll(odd)];
        if (c == '!' || c == '?' || at)
            return (size_t)(token(r, v, line + e, line + len, token_class(v, line + e)) - line);
        return e; /* paths, "TCP_MISS/200": no host or address */
    }
    if (at) {
        if (at & (at - 1))
            return e; /* two '@' */
        size_t a = (size_t)__builtin_ctzll(at);
        if (a && a + 1 < L && (dot >> (a + 1))) {
            /* the host after '@' is canonical when it has a lower-case
             * letter, no upper-case one, no '_', no odd byte and does not
             * start with '.' (it cannot end with one: trimmed) */
            uint64_t hm = ML & ~low_bits(a + 1);
            bool canon = v[a + 1] != '.' && (kz_tb_at(b, TB_LOWER, s) & hm) &&
                         !((kz_tb_at(b, TB_UPPER, s) | nothost) & hm);
            kz_reader_emit_kind(r, text_field, KZ_MATCH_EMAIL, v, L, canon);
            kz_reader_emit_kind(r, text_field, KZ_MATCH_DOMAIN, v + a + 1, L - a - 1, canon);
        }
        return e;
    }
    if (col & (col - 1)) {
        if (v6)
            kz_reader_emit_kind(r, text_field, KZ_MATCH_IPV6, v, L, false);
        return e;
    }
    if (dot)
        hostish_masks(r, b, line, s, L, col, dot, nothost, len);
    return e;
}

/* Most bytes of a log line belong to words that cannot be a value ("Failed",
 * "password", "port", "28502"): a token needs a '.', ':' or '@', or is a
 * hash of one of four lengths. So the line becomes byte-class bitmaps
 * first (text_masks.c: SSE2, no branch per byte), tokens are cut from the
 * delimiter bitmap a word at a time, only tokens with one of the three
 * bytes (or of a hash's length) are looked at, and those are classified
 * from their bits (token_bits) rather than byte by byte (perf: the byte
 * loops of token(), classify() and emit_hostish() were 60 % of a syslog
 * scan). */
static void text_bitmap(kz_logreader *r, const char *line, size_t len)
{
    kz_text_bits b;
    size_t nw = kz_text_bits_build(&b, line, len);
    /* Candidates: the '.', ':', '@' bytes, and the starts of runs of 32 or
     * more token bytes (a hash has no such byte). Every other token is
     * skipped without being looked at; a candidate's token runs from the
     * delimiter before it to the one after it. Left out: the '.' and ':'
     * of a run of up to three of them that ends at a delimiter ("kernel:",
     * "reject:", the ':' of "sshd[1]:", "end."): when a token has no other
     * candidate before them, nothing is left after token()'s trimming but
     * a word of under 32 bytes (a longer one has a run bit), so it has no
     * value (longer runs are looked at, and token_bits trims them the
     * same way); when it has, its first candidate is before them. */
    uint64_t cand[KZ_TEXT_BITMAP_LINE / 64 + 1], colk[KZ_TEXT_BITMAP_LINE / 64 + 2];
    uint64_t ccount[KZ_TEXT_BITMAP_LINE / 64 + 2];
    bool any_colon = false;
    uint64_t dnext = kz_tb_word(&b, TB_DELIM, 0);
    uint64_t pnext = kz_tb_word(&b, TB_DOT, 0) | kz_tb_word(&b, TB_COLON, 0);
    ccount[0] = 0; /* of the word before the first */
    for (size_t w = 0; w < nw; w++) {
        uint64_t d = dnext, p = pnext;
        dnext = kz_tb_word(&b, TB_DELIM, w + 1);
        pnext = kz_tb_word(&b, TB_DOT, w + 1) | kz_tb_word(&b, TB_COLON, w + 1);
        unsigned __int128 d2 = (unsigned __int128)dnext << 64 | d;
        unsigned __int128 p2 = (unsigned __int128)pnext << 64 | p;
        unsigned __int128 tr = p2 & (d2 >> 1);
        tr = p2 & ((d2 | tr) >> 1);
        tr = p2 & ((d2 | tr) >> 1);
        /* A run of 32 token bytes that starts in this word covers a
         * whole aligned 16-byte block, here or the first of the next
         * word: with none of those free of delimiters (most lines), no
         * run starts here. */
        uint64_t run = 0;
        if (((d - 0x0001000100010001ull) & ~d & 0x8000800080008000ull) || !(dnext & 0xffff)) {
            unsigned __int128 r2 = ~d2;
            r2 &= r2 >> 1;
            r2 &= r2 >> 2;
            r2 &= r2 >> 4;
            r2 &= r2 >> 8;
            r2 &= r2 >> 16;
            run = (uint64_t)r2;
        }
        uint64_t c = kz_tb_word(&b, TB_COLON, w) & ~(uint64_t)tr;
        colk[w] = c;
        ccount[w + 1] = 0;
        if (c) {
            any_colon = true;
            ccount[w + 1] = byte_counts(c);
        }
        cand[w] = ((kz_tb_word(&b, TB_DOT, w) | kz_tb_word(&b, TB_AT, w)) & ~(uint64_t)tr) | run;
    }
    ccount[nw + 1] = 0;
    if (any_colon) {
        /* A token whose candidates are colons only (no '.', no '@', under
         * 32 bytes: a longer one has a run bit) has a value only as a URL
         * (a colon before a '/': here before any odd byte that is no
         * delimiter), with "::" or with seven colons (IPv6; its trailing
         * colons do not count): its other colons ("10:00:00",
         * "00:11:22:33:44:55") are no candidates. Such a token lies in two
         * adjacent 32-byte halves, so a half's colons stay when it and a
         * neighbour hold seven or more (ccount: bits per byte of colk). */
        for (size_t w = 0; w < nw; w++) {
            if (!colk[w])
                continue;
            uint64_t o = kz_tb_word(&b, TB_NOTHOST, w) & ~kz_tb_word(&b, TB_DELIM, w);
            uint64_t onext = kz_tb_word(&b, TB_NOTHOST, w + 1) & ~kz_tb_word(&b, TB_DELIM, w + 1);
            uint64_t keep = o >> 1 | onext << 63;
            unsigned prev_hi = half_count(ccount[w] >> 32), lo = half_count(ccount[w + 1]);
            unsigned hi = half_count(ccount[w + 1] >> 32), next_lo = half_count(ccount[w + 2]);
            keep |= (prev_hi + lo >= 7 || lo + hi >= 7 ? 0xffffffffull : 0) |
                    (lo + hi >= 7 || hi + next_lo >= 7 ? 0xffffffff00000000ull : 0);
            cand[w] |= colk[w] & keep;
        }
    }
    size_t i = 0;
    while (i < len) {
        size_t w = i >> 6;
        if (w >= nw)
            break;
        uint64_t x = cand[w] & (~0ull << (i & 63));
        while (!x && ++w < nw)
            x = cand[w];
        if (!x)
            break;
        size_t c = (w << 6) + (size_t)__builtin_ctzll(x);
        if (c >= len)
            break;
        size_t e = next_delim(&b, c);
        i = token_bits(r, &b, line, token_start(&b, c), e, len);
    }
}

kz_err kz_reader_text_line(kz_logreader *r, const char *line, size_t len, uint64_t lineno,
                           kz_logrec_fn fn, void *ctx)
{
    if (!cls_ready)
        cls_init();
    if (len <= KZ_TEXT_BITMAP_LINE) {
        text_bitmap(r, line, len);
        return kz_reader_line_end(r, line, len, lineno, fn, ctx);
    }
    const char *p = line, *end = line + len;
    while (p < end) {
        while (p < end && (cls[(unsigned char)*p] & C_DELIM))
            p++;
        if (p >= end)
            break;
        const char *s = p;
        unsigned m = 0;
        for (; p < end; p++) {
            unsigned c = cls[(unsigned char)*p];
            if (c & C_DELIM)
                break;
            m |= c;
        }
        p = token(r, s, p, end, m);
    }
    return kz_reader_line_end(r, line, len, lineno, fn, ctx);
}
