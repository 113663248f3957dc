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
 * raw: the matcher normalises them like every other field. */
#include <stdint.h>
#include <string.h>

#include "match/reader_int.h"

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
        if (dots == 3) /* "TLS 1.3" and "v2.0.1" are versions, not addresses */
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
    size_t n = (size_t)(q - p);
    while (n && (p[n - 1] == '.' || p[n - 1] == ',' || p[n - 1] == ')' || p[n - 1] == ';'))
        n--;
    kz_reader_emit_kind(r, text_field, KZ_MATCH_URL, p, n, false);
    const char *h = (const char *)memchr(p, ':', n) + 3;
    const char *he = h;
    while (he < p + n && *he != '/' && *he != '?' && *he != '#')
        he++;
    const char *at = memchr(h, '@', (size_t)(he - h));
    if (at)
        h = at + 1;
    if (he > h) {
        if (*h == '[')
            classify(r, h, (size_t)(he - h));
        else
            emit_hostish(r, h, (size_t)(he - h));
    }
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

/* Lines up to this long are cut with bitmaps (below); longer ones byte by byte. */
#define BITMAP_LINE 4096
#define BITMAP_WORDS (BITMAP_LINE / 64 + 1)

/* The first position >= i whose bit in bm is `want` (1 or 0); bm has a
 * delimiter bit set past the line's end, so a 0 is found before it. */
static inline size_t next_bit(const uint64_t *bm, size_t i, bool want)
{
    size_t w = i >> 6;
    uint64_t x = (want ? bm[w] : ~bm[w]) & (~0ull << (i & 63));
    while (!x) {
        w++;
        x = want ? bm[w] : ~bm[w];
    }
    return (w << 6) + (size_t)__builtin_ctzll(x);
}

#ifdef __SSE2__
/* x in [lo, hi], bytes taken as unsigned. */
static inline __m128i in_range(__m128i x, unsigned char lo, unsigned char hi)
{
    __m128i t = _mm_sub_epi8(x, _mm_set1_epi8((char)lo));
    return _mm_cmpeq_epi8(_mm_min_epu8(t, _mm_set1_epi8((char)(hi - lo))), t);
}

/* The C_DELIM bytes and the '.', ':', '@' bytes of q[0..16) as bit masks:
 * the same sets as cls_init's table (the unit test test_text_masks checks
 * every byte value against it). Delimiters by ranges: controls and blank
 * 0x00-0x20, '"', '\'' to ')', ',', ';' to '>', '[' to ']', '`', '{' to '}'
 * and DEL. */
static inline void simd_masks(const unsigned char *q, uint64_t *dm, uint64_t *sm)
{
    __m128i x = _mm_loadu_si128((const __m128i *)(const void *)q);
    __m128i d = _mm_or_si128(in_range(x, 0x00, 0x20), in_range(x, 0x27, 0x29));
    d = _mm_or_si128(d, in_range(x, 0x3b, 0x3e));
    d = _mm_or_si128(d, in_range(x, 0x5b, 0x5d));
    d = _mm_or_si128(d, in_range(x, 0x7b, 0x7d));
    d = _mm_or_si128(d, _mm_cmpeq_epi8(x, _mm_set1_epi8('"')));
    d = _mm_or_si128(d, _mm_cmpeq_epi8(x, _mm_set1_epi8(',')));
    d = _mm_or_si128(d, _mm_cmpeq_epi8(x, _mm_set1_epi8('`')));
    d = _mm_or_si128(d, _mm_cmpeq_epi8(x, _mm_set1_epi8(0x7f)));
    __m128i sp = _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('.')),
                              _mm_cmpeq_epi8(x, _mm_set1_epi8(':')));
    sp = _mm_or_si128(sp, _mm_cmpeq_epi8(x, _mm_set1_epi8('@')));
    *dm = (unsigned)_mm_movemask_epi8(d);
    *sm = (unsigned)_mm_movemask_epi8(sp);
}
#endif

/* Most bytes of a log line belong to words that cannot be a value ("Failed",
 * "password", "port", "28502"): a token needs a '.', ':' or '@', or is a
 * hash of one of four lengths. So the line becomes two bitmaps first, one
 * table lookup per byte without a branch (delimiters, and those three
 * bytes), tokens are cut from the delimiter bitmap a word at a time, and
 * only tokens with one of the three bytes (or of a hash's length) are
 * looked at byte by byte (perf: the per-byte loop with a branch at every
 * token boundary was a third of a syslog scan). */
static void text_bitmap(kz_logreader *r, const char *line, size_t len)
{
    uint64_t delim[BITMAP_WORDS + 1], spec[BITMAP_WORDS + 1];
    size_t nw = len / 64 + 1;
    for (size_t w = 0; w < nw; w++) {
        uint64_t d = 0, sp = 0;
        size_t base = w * 64, lim = len - base < 64 ? len - base : 64;
        const unsigned char *q = (const unsigned char *)line + base;
#ifdef __SSE2__
        if (lim == 64) {
            for (size_t i = 0; i < 64; i += 16) {
                uint64_t dm, sm;
                simd_masks(q + i, &dm, &sm);
                d |= dm << i;
                sp |= sm << i;
            }
            lim = 0;
        }
#endif
        for (size_t i = 0; i < lim; i++) {
            unsigned c = cls[q[i]];
            d |= (uint64_t)(c & C_DELIM) << i;
            sp |= (uint64_t)((c & (C_DOT | C_COLON | C_AT)) != 0) << i;
        }
        if (len - base < 64)
            d |= ~0ull << (len - base); /* past the end: delimiters */
        delim[w] = d;
        spec[w] = sp;
    }
    delim[nw] = ~0ull;
    spec[nw] = 0;
    /* Candidates: bytes of tokens that can be values, i.e. the '.', ':',
     * '@' bytes, and the starts of runs of 32 or more token bytes (a hash
     * has no such byte). Every other token is skipped without being looked
     * at; a candidate's token runs from the delimiter before it to the one
     * after it. */
    uint64_t cand[BITMAP_WORDS + 1];
    for (size_t w = 0; w < nw; w++) {
        unsigned __int128 run = (unsigned __int128)~delim[w] | ((unsigned __int128)~delim[w + 1] << 64);
        run &= run >> 1;
        run &= run >> 2;
        run &= run >> 4;
        run &= run >> 8;
        run &= run >> 16;
        cand[w] = spec[w] | (uint64_t)run;
    }
    cand[nw] = 0;
    const char *end = line + len;
    size_t i = 0;
    while (i < len) {
        size_t w = i >> 6;
        uint64_t x = cand[w] & (~0ull << (i & 63));
        while (!x && w < nw)
            x = cand[++w];
        if (!x)
            break;
        size_t c = (w << 6) + (size_t)__builtin_ctzll(x);
        if (c >= len)
            break;
        /* the token's start: after the last delimiter before c (or the line's start) */
        size_t dw = c >> 6;
        uint64_t dx = delim[dw] & ((1ull << (c & 63)) - 1);
        while (!dx && dw > 0)
            dx = delim[--dw];
        size_t s = dx ? (dw << 6) + 63 - (size_t)__builtin_clzll(dx) + 1 : 0;
        size_t e = next_bit(delim, c, true);
        const char *s_ = line + s, *p_ = line + e;
        const char *next = token(r, s_, p_, end, token_class(s_, p_));
        i = (size_t)(next - line);
    }
}

kz_err kz_reader_text_line(kz_logreader *r, const char *line, size_t len, uint64_t lineno,
                           kz_logrec_fn fn, void *ctx)
{
    if (!cls_ready)
        cls_init();
    if (len <= BITMAP_LINE) {
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
