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

kz_err kz_reader_text_line(kz_logreader *r, const char *line, size_t len, uint64_t lineno,
                           kz_logrec_fn fn, void *ctx)
{
    if (!cls_ready)
        cls_init();
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
        if ((m & C_COLON) && (*s == 'h' || *s == 'H' || *s == 'f' || *s == 'F') &&
            is_url_start(s, (size_t)(end - s))) {
            p = s + url_token(r, s, end);
            continue;
        }
        size_t n = (size_t)(p - s);
        if (!(m & (C_DOT | C_COLON | C_AT))) {
            /* a word or a number; only a hash is worth a look */
            if (!(m & ~(unsigned)(C_DIGIT | C_HEX)) && (n == 32 || n == 40 || n == 64 || n == 128))
                classify(r, s, n);
            continue;
        }
        if ((m & C_OTHER) && !(m & C_AT))
            continue; /* paths, "TCP_MISS/200", "fe80::1%eth0": no host or address */
        const char *e = p;
        /* Sentence punctuation after a token is not part of it. */
        while (e > s && (e[-1] == '.' || e[-1] == ':' || e[-1] == '!' || e[-1] == '?'))
            e--;
        if (e - s >= 3)
            classify(r, s, (size_t)(e - s));
    }
    return kz_reader_line_end(r, line, len, lineno, fn, ctx);
}
