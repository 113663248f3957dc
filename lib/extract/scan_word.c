/* scan_word.c - the word finder of the scanner: the pass over word runs
 * that finds hashes, CVE and ATT&CK ids, IPv4 addresses and domains, with
 * a bit-parallel fast path for prose on the line's bitmaps (scan_bits.c). */
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "extract/extract_int.h"

static bool eq_nocase(const char *a, const char *lower, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = a[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c + 32);
        if (c != lower[i])
            return false;
    }
    return true;
}

/* A word of a list, with its length. */
typedef struct xword {
    const char *w;
    size_t len;
} xword;
#define XWORD(lit) {lit, sizeof lit - 1}

/* Whether s[0..k) ends with one of the words (ASCII ones case-insensitive
 * and not glued to a preceding letter or digit). */
static bool ends_with_word(const char *s, size_t k, const xword *words, size_t nw)
{
    if (k == 0)
        return false;
    char last = s[k - 1];
    if (last >= 'A' && last <= 'Z')
        last = (char)(last + 32);
    for (size_t w = 0; w < nw; w++) {
        size_t l = words[w].len;
        if (l > k || words[w].w[l - 1] != last || !eq_nocase(s + k - l, words[w].w, l))
            continue;
        if ((unsigned char)words[w].w[0] >= 0x80 || k == l || !X_ALNUM(s[k - l - 1]))
            return true;
    }
    return false;
}


/* ---- word runs: hashes, CVE, ATT&CK, IPv4, domains ---- */

static const xword hash_labels[] = {XWORD("imphash"), XWORD("import hash"), XWORD("authentihash"),
                                    XWORD("pehash"), XWORD("impfuzzy")};
static const xword version_words[] = {XWORD("version"), XWORD("ver"),     XWORD("ver."),
                                      XWORD("v"),       XWORD("rev"),     XWORD("release"),
                                      XWORD("build"),   XWORD("バージョン")};
/* Extensions that are also TLDs: "invoice.zip" and "install.sh" are files. */
static const xword file_exts[] = {XWORD("zip"), XWORD("mov"), XWORD("sh"), XWORD("py"),
                                  XWORD("md")};

/* Whether t[0..tl) is one of file_exts (any case). */
static bool is_file_ext(const char *t, size_t tl)
{
    for (size_t k = 0; k < sizeof file_exts / sizeof file_exts[0]; k++)
        if (file_exts[k].len == tl && eq_nocase(t, file_exts[k].w, tl))
            return true;
    return false;
}

static bool hash_label_sep(char c)
{
    return c == ' ' || c == '\t' || c == ':' || c == '=' || c == '"' || c == '\'' || c == '-' ||
           c == '\r';
}

/* Whether the prepared line ends with a hash label ("imphash" with the
 * hash on the next line). */
bool kz_xscan_ends_with_label(const kz_xscan *x)
{
    size_t k = x->n;
    while (k > 0 && hash_label_sep(x->s[k - 1]))
        k--;
    /* every label ends in 'h' or 'y': most lines are over here */
    char last = k ? (char)(x->s[k - 1] | 0x20) : 0;
    if (last != 'h' && last != 'y')
        return false;
    return ends_with_word(x->s, k, hash_labels, sizeof hash_labels / sizeof hash_labels[0]);
}

static bool has_ascii_alnum(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (X_ALNUM(s[i]))
            return true;
    return false;
}

/* Whether check_word can find anything in the word s[a..a+len): it looks
 * at "cve" (3), T#### (5) and hex of the four hash lengths only, so this
 * checks the length (a bit per length below 64; 64 and 128 apart) and
 * the first character. */
static inline bool word_counts(const char *s, size_t a, size_t len)
{
    if (len < 64 ? !(((1ull << 3 | 1ull << 5 | 1ull << 32 | 1ull << 40) >> len) & 1)
                 : len != 64 && len != 128)
        return false;
    char c = s[a];
    return len == 3 ? (c | 0x20) == 'c' : len == 5 ? (c | 0x20) == 't' : X_IS(c, XC_HEX);
}

static kz_err check_word(kz_xscan *x, size_t a, size_t b)
{
    const char *s = x->s;
    size_t n = x->n, len = b - a;
    if (len != 3 && len != 5 && len != 32 && len != 40 && len != 64 && len != 128)
        return KZ_OK;
    if (len == 32 || len == 40 || len == 64 || len == 128) {
        for (size_t k = a; k < b; k++)
            if (!X_IS(s[k], XC_HEX))
                return KZ_OK;
        size_t k = a;
        while (k > 0 && hash_label_sep(s[k - 1]))
            k--;
        if (ends_with_word(s, k, hash_labels, sizeof hash_labels / sizeof hash_labels[0]) ||
            (k == 0 && x->prev_label))
            return KZ_OK;
        kz_ioc_type t = len == 32 ? KZ_IOC_MD5 : len == 40 ? KZ_IOC_SHA1
                        : len == 64 ? KZ_IOC_SHA256 : KZ_IOC_SHA512;
        kz_err rc = kz_xscan_try_hit(x, t, a, b);
        return rc == KZ_EPARSE ? KZ_OK : rc;
    }
    if (len == 3 && eq_nocase(s + a, "cve", 3) && b < n && (s[b] == '-' || s[b] == ' ')) {
        size_t k = b + 1, d = 0;
        while (k < n && d < 4 && s[k] >= '0' && s[k] <= '9')
            k++, d++;
        if (d != 4 || k >= n || s[k] != '-')
            return KZ_OK;
        k++;
        d = 0;
        while (k < n && s[k] >= '0' && s[k] <= '9')
            k++, d++;
        if (d < 4 || d > 7 || (k < n && X_ALNUM(s[k])))
            return KZ_OK;
        kz_err rc = kz_xscan_try_hit(x, KZ_IOC_CVE, a, k);
        return rc == KZ_EPARSE ? KZ_OK : rc;
    }
    if (len == 5 && (s[a] == 'T' || s[a] == 't')) {
        for (size_t k = a + 1; k < b; k++)
            if (s[k] < '0' || s[k] > '9')
                return KZ_OK;
        size_t e = b;
        if (b + 1 < n && s[b] == '.' && s[b + 1] >= '0' && s[b + 1] <= '9') {
            size_t k = b + 1;
            while (k < n && s[k] >= '0' && s[k] <= '9')
                k++;
            if (k - b - 1 != 3 || (k < n && X_ALNUM(s[k])))
                return KZ_OK; /* T1156.0012 is nothing, not T1156 */
            e = k;
        }
        kz_err rc = kz_xscan_try_hit(x, KZ_IOC_ATTACK, a, e);
        return rc == KZ_EPARSE ? KZ_OK : rc;
    }
    return KZ_OK;
}

static kz_err check_dotted(kz_xscan *x, size_t a, size_t b)
{
    const char *s = x->s;
    size_t n = x->n, e = b, dots = 0;
    if (a > 0 && (X_ALNUM(s[a - 1]) || s[a - 1] == '_'))
        return KZ_OK;
    while (a < b && s[a] == '.')
        a++;
    while (e > a && s[e - 1] == '.')
        e--;
    if (b < n && (X_ALNUM(s[b]) || s[b] == '_') && (e < b || X_IS(s[b], XC_ALPHA) || s[b] == '_'))
        return KZ_OK; /* 1.1.1.1.domain.com, 1.2.3.4abc */
    for (size_t k = a; k < e; k++)
        dots += s[k] == '.';
    if (dots != 3)
        return KZ_OK;
    /* version numbers: "version 7.2.4.1", "バージョン 10.2.3.4", "1.5.2.0版" */
    size_t k = a;
    while (k > 0 && (s[k - 1] == ' ' || s[k - 1] == ':' || s[k - 1] == '\t'))
        k--;
    if (ends_with_word(s, k, version_words, sizeof version_words / sizeof version_words[0]))
        return KZ_OK;
    k = e;
    while (k < n && s[k] == ' ')
        k++;
    if (k + 3 <= n && !memcmp(s + k, "\xe7\x89\x88", 3)) /* 版 */
        return KZ_OK;
    kz_err rc = kz_xscan_try_hit(x, KZ_IOC_IPV4, a, e);
    if (rc == KZ_EPARSE)
        return KZ_OK;
    if (!rc)
        rc = kz_xscan_claim_path(x, e);
    return rc;
}

static bool kana_or_kanji(uint32_t cp)
{
    return (cp >= 0x30a1 && cp <= 0x30fa) || cp == 0x30fc || (cp >= 0x4e00 && cp <= 0x9fff);
}

/* An IDN first label glued to Japanese prose ("攻撃者はテスト.example.com"):
 * the label starts after the last particle (は が を に で の と へ も) that
 * follows kanji or katakana and precedes them. Returns the new start. */
static size_t after_particle(const char *s, size_t a, size_t dot)
{
    static const uint32_t particles[] = {0x306f, 0x304c, 0x3092, 0x306b, 0x3067,
                                         0x306e, 0x3068, 0x3078, 0x3082};
    size_t i = a, start = a;
    bool prose = false;
    while (i < dot) {
        uint32_t cp, next = 0;
        size_t l = kz_xutf8_fast((const unsigned char *)s + i, dot - i, &cp);
        if (i + l < dot)
            kz_xutf8_fast((const unsigned char *)s + i + l, dot - i - l, &next);
        bool particle = false;
        for (size_t k = 0; k < sizeof particles / sizeof particles[0]; k++)
            particle |= cp == particles[k];
        if (particle && prose && kana_or_kanji(next))
            start = i + l;
        prose |= kana_or_kanji(cp);
        i += l;
    }
    return start;
}

/* Whether the final label t[0..tl) of a name may pass kz_xnorm_domain:
 * an ASCII final label must be an IANA TLD (lower-cased; one of 64 bytes
 * or more is none), in the ASCII and the IDN path alike, so prose such as
 * "rundll32.exe", "report.pdf" or "e.g" is turned down here without
 * copying and checking the whole name. A non-ASCII final label is left to
 * libidn2. */
static bool tld_may_pass(const char *t, size_t tl)
{
    char low[64];
    if (tl >= sizeof low)
        return false;
    for (size_t k = 0; k < tl; k++) {
        char c = t[k];
        if ((unsigned char)c >= 0x80)
            return true;
        low[k] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
    }
    return kz_xis_tld(low, tl);
}

/* tld_may_pass through the scan's cache of short ASCII final labels
 * (prose asks about "exe", "g" of "e.g.", "4" of "10.2.3.4" again and
 * again): the label, lower-cased, packed into a word is the key. */
static bool tld_may_pass_cached(kz_xscan *x, const char *t, size_t tl)
{
    uint64_t key = 0;
    if (tl == 0 || tl > 8)
        return tld_may_pass(t, tl);
    for (size_t k = 0; k < tl; k++) {
        unsigned char c = (unsigned char)t[k];
        if (c >= 0x80)
            return true;
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c + 32);
        key |= (uint64_t)c << (8 * k);
    }
    /* a prepared line holds no NUL: key is never 0, the empty slot */
    unsigned h = (unsigned)((key * 0x9e3779b97f4a7c15ull) >> 56);
    if (x->tld_key[h] != key) {
        x->tld_key[h] = key;
        x->tld_yes[h] = tld_may_pass(t, tl);
    }
    return x->tld_yes[h];
}

static kz_err check_domain(kz_xscan *x, size_t a, size_t b)
{
    const char *s = x->s;
    while (a < b && s[a] == '.')
        a++;
    while (b > a && s[b - 1] == '.')
        b--;
    /* The final label first: prose runs ("rundll32.exe", "e.g",
     * "10.2.3.4", "見積書.docx") mostly end in one that is no TLD, which
     * every check below would also let go without a word. The last dot
     * is the same whatever after_particle does to a. */
    {
        size_t k = b;
        while (k > a && s[k - 1] != '.')
            k--;
        if (k == a || !tld_may_pass_cached(x, s + k, b - k))
            return KZ_OK;
    }
    if (a < b && (unsigned char)s[a] >= 0x80) {
        const char *dot = memchr(s + a, '.', b - a);
        if (dot)
            a = after_particle(s, a, (size_t)(dot - s));
    }
    /* one pass over the name (a few bytes): its first and last dot, an
     * underscore, anything but digits and dots */
    const char *dot = NULL, *last = NULL;
    bool under = false, numeric = true;
    for (size_t k = a; k < b; k++) {
        char c = s[k];
        if (c == '.') {
            if (!dot)
                dot = s + k;
            last = s + k;
        } else {
            under |= c == '_';
            numeric &= c >= '0' && c <= '9';
        }
    }
    if (b - a < 3 || !dot || under)
        return KZ_OK;
    if (a > 0) {
        char p = s[a - 1];
        if (p == '@')
            return KZ_OK; /* "@a.co": not an e-mail, and not a domain either */
        if ((p == '/' || p == '\\') && !(a >= 2 && s[a - 2] == '/' && p == '/'))
            return KZ_OK; /* a path component: ~/Desktop/test.py */
    }
    if (numeric)
        return KZ_OK;
    if (dot == last) {
        if (is_file_ext(last + 1, (size_t)(s + b - last - 1)))
            return KZ_OK;
    }
    kz_err rc = kz_xscan_try_hit(x, KZ_IOC_DOMAIN, a, b);
    if (rc == KZ_EPARSE)
        return KZ_OK;
    if (!rc)
        rc = kz_xscan_claim_path(x, b);
    return rc;
}

/* Bits i..i+63 of a line bitmap (i <= n: words up to n / 64 + 1 are
 * there). No branch on the shift: i's alignment is random and a
 * mispredicted test cost more than the shift it saved. */
static inline uint64_t bits_at(const uint64_t *b, size_t i)
{
    size_t w = i >> 6;
    unsigned sh = (unsigned)(i & 63);
    return (b[w] >> sh) | (b[w + 1] << 1 << (63 - sh));
}

/* Bits set in line bitmap bm over [a, b), counted up to 3 (its callers
 * ask for none, fewer than three, or more; and without -mpopcnt a
 * popcount is a library call). */
static unsigned count_bits3(const uint64_t *bm, size_t a, size_t b)
{
    unsigned c = 0;
    for (; a < b && c < 3; a += 64) {
        uint64_t m = bits_at(bm, a);
        if (b - a < 64)
            m &= (1ull << (b - a)) - 1;
        while (m && c < 3) {
            m &= m - 1;
            c++;
        }
    }
    return c;
}

/* A run with dots or other label bytes (run_end: no claimed byte in it):
 * its letter-and-digit pieces for check_word (a byte loop: the pieces are
 * short, and reading them from the bitmap took longer, if in fewer
 * instructions), its digit-and-dot pieces for check_dotted (which wants
 * three dots, so a run with fewer - counted on the bitmap - has none to
 * give), and the whole for check_domain. */
static kz_err process_run(kz_xscan *x, size_t a, size_t b)
{
    const char *s = x->s;
    const uint64_t *wa = x->wbits, *wd = wa + 2 * x->wcap;
    kz_err rc = KZ_OK;
    size_t k = a, y;
    while (k < b) {
        if (X_ALNUM(s[k])) {
            y = k + 1;
            while (y < b && X_ALNUM(s[y]))
                y++;
            if (word_counts(s, k, y - k)) {
                rc = check_word(x, k, y);
                if (rc)
                    return rc;
            }
            k = y;
        } else {
            k++;
        }
    }
    unsigned dots = count_bits3(wd, a, b);
    if (!dots)
        return KZ_OK;
    if (dots < 3)
        return check_domain(x, a, b);
    for (k = a; k < b && !rc;) {
        if ((s[k] >= '0' && s[k] <= '9') || s[k] == '.') {
            y = k;
            bool has_dot = false;
            while (y < b && ((s[y] >= '0' && s[y] <= '9') || s[y] == '.'))
                has_dot |= s[y++] == '.';
            if (has_dot && y - k >= 7)
                rc = check_dotted(x, k, y);
            k = y;
        } else {
            k++;
        }
    }
    if (!rc)
        rc = check_domain(x, a, b);
    return rc;
}

/* ---- the prose fast path of find_words ----
 * It reads the line's bitmaps (scan_bits.c: letters and digits, plain
 * bytes, dots, '-' and '_', ...), built before the finders run. */

/* Bit k set when claim[k] (k < 64). */
static inline uint64_t claim_bits(const uint8_t *claim)
{
    uint64_t m = 0;
#ifdef __SSE2__
    for (unsigned k = 0; k < 64; k += 16) {
        __m128i c = _mm_loadu_si128((const __m128i *)(const void *)(claim + k));
        m |= (uint64_t)(~(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(c, _mm_setzero_si128())) &
                        0xffffu)
             << k;
    }
#else
    for (unsigned k = 0; k < 64; k++)
        m |= (uint64_t)(claim[k] != 0) << k;
#endif
    return m;
}

/* From a plain byte s[*pi]: every word among the next 64 bytes - runs of
 * letters, digits, '-' and '_' after a plain byte, ended by a plain byte
 * or by a sentence's full stop (a dot between the run and a plain byte) -
 * up to the first byte that is anything else (or claimed) gets exactly
 * the check_word calls find_words would give it, and *pi moves to the
 * last plain byte before that byte (and *fast_from past it when the
 * window ended at such a byte). *pi is left alone when there is none
 * after s[*pi].
 *
 * find_words gives such a run the calls check_word(piece) for its
 * maximal letter-and-digit pieces whose length and first character can
 * make a hit (word_counts), left to right, and nothing else: a plain word
 * directly, a run with '-' or '_' through process_run, whose dotted-digit
 * and domain checks find nothing in a run whose only dot is the last byte
 * (no inner dot: not three dots, no second label). word_counts is false
 * unless the length is 3, 5, 32, 40, 64 or 128, and a piece here is at
 * most 62 long, so the pieces of length 3, 5, 32 and 40 are picked out
 * with bit operations for the whole window at once. */
static kz_err words_fast(kz_xscan *x, size_t *pi, size_t *fast_from)
{
    size_t i = *pi;
    const uint64_t *wa = x->wbits, *wp = wa + x->wcap, *wd = wp + x->wcap,
                   *wh = wd + 3 * x->wcap;
    uint64_t a = bits_at(wa, i), pl = bits_at(wp, i), d = bits_at(wd, i), h = bits_at(wh, i);
    if (x->any_claim) {
        uint64_t cm = claim_bits(x->claim + i);
        a &= ~cm;
        pl &= ~cm;
        d &= ~cm;
        h &= ~cm;
    }
    uint64_t r = a | h;
    uint64_t sent = d & (r << 1) & bits_at(wp, i + 1);
    uint64_t stop = ~(r | pl | sent);
    uint64_t plain = pl & (stop ? (stop & -stop) - 1 : ~0ull);
    if (!(plain & ~1ull))
        return KZ_OK;
    unsigned q = 63u - (unsigned)__builtin_clzll(plain);
    uint64_t starts = a & ~(a << 1) & ((1ull << q) - 1);
    /* rK: the K bytes from here are letters or digits */
    uint64_t r2 = a & (a >> 1), r3 = r2 & (a >> 2), r4 = r3 & (a >> 3), r5 = r4 & (a >> 4),
             r6 = r5 & (a >> 5), r8 = r4 & (r4 >> 4), r16 = r8 & (r8 >> 8),
             r32 = r16 & (r16 >> 16), r33 = r32 & (a >> 32), r40 = r32 & (r8 >> 32),
             r41 = r40 & (a >> 40);
    uint64_t cand = starts & ((r3 & ~r4) | (r5 & ~r6) | (r32 & ~r33) | (r40 & ~r41));
    while (cand) {
        unsigned w = (unsigned)__builtin_ctzll(cand);
        unsigned len = (unsigned)__builtin_ctzll(~(a >> w));
        cand &= cand - 1;
        if (word_counts(x->s, i + w, len)) {
            kz_err rc = check_word(x, i + w, i + w + len);
            if (rc)
                return rc;
        }
    }
    *pi = i + q;
    if (stop) /* a call from i + q would stop at the same byte with nothing done */
        *fast_from = i + q + 2;
    return KZ_OK;
}

/* The first ASCII byte of the line from i on, or n. */
static size_t next_ascii(const kz_xscan *x, size_t i)
{
    const uint64_t *wq = KZ_XBITS(x, XB_ASCII);
    size_t n = x->n;
    while (i < n) {
        uint64_t m = bits_at(wq, i);
        if (m) {
            i += (size_t)__builtin_ctzll(m);
            return i < n ? i : n;
        }
        i += 64;
    }
    return n;
}

/* Whether s[k] may continue a run after a dot ("word." at a sentence end
 * does not: the dot is left to the caller). */
static bool next_is_run(const char *s, size_t n, size_t k)
{
    return k < n && (X_IS(s[k], XC_LABEL | XC_SLOW) || s[k] == '.');
}

enum { RUN_DOT = 1, RUN_OTHER = 2 }; /* a '.'; a byte that is not ASCII alnum */

/* End of a word run from i: label bytes, dots, IDN characters, with a
 * change of script inside a label ending it; stops at claimed bytes.
 * *flags says what the run holds besides ASCII letters and digits. */
static size_t run_end(const kz_xscan *x, size_t i, unsigned *flags)
{
    const char *s = x->s;
    size_t n = x->n, j = i;
    const uint8_t *claim = x->any_claim ? x->claim : NULL;
    unsigned f = 0;
    int kind = 0;
    /* the common case, a plain word: letters and digits, then a space
     * (their end read from the line's bitmap of letters and digits,
     * whose bits from n on are clear) */
    if (!claim) {
        const uint64_t *wa = x->wbits;
        for (;;) {
            uint64_t m = ~bits_at(wa, j);
            if (m) {
                j += (size_t)__builtin_ctzll(m);
                break;
            }
            j += 64;
        }
    } else {
        while (j < n && X_ALNUM(s[j]) && !claim[j])
            j++;
    }
    if (j >= n || (claim && claim[j]) || (!X_IS(s[j], XC_LABEL | XC_SLOW) && s[j] != '.') ||
        (s[j] == '.' && j > i && !next_is_run(s, n, j + 1))) {
        *flags = 0;
        return j;
    }
    if (j > i)
        kind = 1;
    while (j < n && !(claim && claim[j])) {
        unsigned char c = (unsigned char)s[j];
        if (c < 0x80) {
            if (X_ALNUM(c)) {
                if (kind == 2)
                    break;
                kind = 1;
            } else if (c == '.') {
                kind = 0;
                f |= RUN_DOT;
            } else if (X_IS(c, XC_LABEL)) {
                if (kind == 2)
                    break;
                kind = 1;
                f |= RUN_OTHER;
            } else {
                break;
            }
            j++;
        } else {
            uint32_t cp;
            size_t l = kz_xutf8_fast((const unsigned char *)s + j, n - j, &cp);
            if (kind == 1 || !(kz_xkana_kanji(cp) || kz_xidn_char(cp)))
                break;
            kind = 2;
            f |= RUN_OTHER;
            j += l;
        }
    }
    *flags = f;
    return j;
}

/* Non-ASCII text up to a '.' at s[j] followed by one ASCII label and the
 * run's end ("見積書.docx という"): whatever run reaches the dot, its
 * only letter-and-digit piece and its final label are that label, and
 * the text before the dot gives no piece, so when the label can make no
 * hit (word_counts) and is no TLD, process_run would find nothing in any
 * of the runs up to the label's end: *end, without walking the
 * characters before the dot. Not when a byte from the dot to the one
 * after the label is claimed (claims end runs; before the dot they
 * only split the Japanese text, where no run finds anything). */
static bool ja_dot_nothing(kz_xscan *x, size_t j, size_t *end)
{
    const char *s = x->s;
    size_t n = x->n, k = j + 1;
    while (k < n && X_ALNUM(s[k]))
        k++;
    if (k == j + 1 || (k < n && (s[k] == '-' || s[k] == '_' || s[k] == '.')))
        return false;
    if (x->any_claim && (k - j >= 64 || (claim_bits(x->claim + j) & ((2ull << (k - j)) - 1))))
        return false;
    if (word_counts(s, j + 1, k - j - 1) || tld_may_pass_cached(x, s + j + 1, k - j - 1))
        return false;
    *end = k;
    return true;
}

/* What dotted_run says about a run. */
enum { DR_SLOW, DR_NOTHING, DR_QUAD };

/* A run from the letter or digit s[i] made of letters, digits and dots
 * only, with a dot inside ("rundll32.exe", "e.g.", "8.0.1", "7.2.4.1"),
 * read from the bitmaps. When run_end would end it where the bitmaps say
 * (it is not the plain-word case of a word before a sentence's full stop,
 * and no '-', '_' or - after a dot - non-ASCII byte follows; shorter than
 * 64 bytes, no claimed byte in it), *end is its end and:
 * - DR_NOTHING: fewer than three dots, none of its letter-and-digit
 *   pieces can make a hit (word_counts) and its final label is no TLD
 *   (or, after its only dot, one of file_exts), so process_run finds
 *   nothing in it;
 * - DR_QUAD: digits and dots only, three dots or more, shorter than 32
 *   bytes: process_run's only call that can find anything is
 *   check_dotted over the whole run (when it is 7 bytes or longer; its
 *   pieces are too short for word_counts, and check_domain turns a
 *   numeric name down).
 * DR_SLOW otherwise: process_run decides. */
static int dotted_run(kz_xscan *x, size_t i, size_t *end)
{
    const char *s = x->s;
    uint64_t a = bits_at(KZ_XBITS(x, XB_ALNUM), i), d = bits_at(KZ_XBITS(x, XB_DOT), i);
    uint64_t m = a | d;
    if (!~m)
        return DR_SLOW;
    unsigned len = (unsigned)__builtin_ctzll(~m), pre = (unsigned)__builtin_ctzll(~a);
    if (pre + 1 >= len)
        return DR_SLOW; /* no dot, or "word." before a byte that ends it */
    size_t e = i + len;
    if (e < x->n) {
        unsigned char c = (unsigned char)s[e];
        if (c == '-' || c == '_' || (c >= 0x80 && s[e - 1] == '.'))
            return DR_SLOW;
    }
    uint64_t keep = (1ull << len) - 1;
    if (x->any_claim && (claim_bits(x->claim + i) & keep))
        return DR_SLOW; /* run_end stops at a claimed byte */
    a &= keep;
    d &= keep;
    uint64_t d2 = d & (d - 1);
    if (d2 & (d2 - 1)) { /* three dots or more: check_dotted */
        if (len >= 32)
            return DR_SLOW;
        for (unsigned k = 0; k < len; k++)
            if (s[i + k] != '.' && (s[i + k] < '0' || s[i + k] > '9'))
                return DR_SLOW;
        *end = e;
        return DR_QUAD;
    }
    for (uint64_t p = a; p;) {
        unsigned st = (unsigned)__builtin_ctzll(p), pl = (unsigned)__builtin_ctzll(~(p >> st));
        if (word_counts(s, i + st, pl))
            return DR_SLOW;
        p &= ~(((1ull << pl) - 1) << st);
    }
    /* check_domain: trailing dots off, then the label after the last dot */
    unsigned b = len;
    while (b > 0 && ((d >> (b - 1)) & 1))
        b--;
    uint64_t inner = b ? d & ((1ull << b) - 1) : 0;
    if (inner) {
        unsigned last = 63u - (unsigned)__builtin_clzll(inner);
        size_t tl = b - last - 1;
        if (tld_may_pass_cached(x, s + i + last + 1, tl)) {
            /* a TLD that is also a file's extension after the only dot
             * ("invoice.zip", "stage2.py"): check_domain says no too */
            if ((inner & (inner - 1)) || !is_file_ext(s + i + last + 1, tl))
                return DR_SLOW;
        }
    }
    *end = e;
    return DR_NOTHING;
}

kz_err kz_xscan_find_words(kz_xscan *x)
{
    const char *s = x->s;
    size_t n = x->n, i = 0;
    size_t fast_from = 0; /* no fast path before here: it made no progress */
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            if (!X_IS(c, XC_LABEL) && c != '.') {
                if (i >= fast_from) {
                    size_t was = i;
                    kz_err rc = words_fast(x, &i, &fast_from);
                    if (rc)
                        return rc;
                    if (i != was)
                        continue;
                    fast_from = i + 2;
                }
                i++;
                continue;
            }
        } else {
            /* Non-ASCII text holds no indicator by itself (NFKC made
             * full-width forms ASCII): skip it unless an IDN name may
             * start in it, i.e. a '.' follows. */
            size_t j = next_ascii(x, i + 1);
            if (j >= n || s[j] != '.') {
                i = j;
                continue;
            }
            if (ja_dot_nothing(x, j, &j)) {
                i = j;
                continue;
            }
            uint32_t cp;
            size_t l = kz_xutf8_fast((const unsigned char *)s + i, n - i, &cp);
            if (!kz_xkana_kanji(cp) && !kz_xidn_char(cp)) {
                i += l;
                continue;
            }
        }
        if (kz_xscan_claimed(x, i)) {
            /* and the claimed ASCII bytes after it (a URL's rest): the
             * loop would step over each, the fast path finding nothing
             * at a claimed byte */
            do
                i++;
            while (i < n && x->claim[i] && (unsigned char)s[i] < 0x80);
            continue;
        }
        if (X_ALNUM(c)) {
            size_t e;
            int dr = dotted_run(x, i, &e);
            if (dr == DR_QUAD && e - i >= 7) {
                kz_err rc = check_dotted(x, i, e);
                if (rc)
                    return rc;
            }
            if (dr != DR_SLOW) {
                i = e;
                continue;
            }
        } else if (c == '.' && !next_is_run(s, n, i + 1)) {
            i++; /* a run of one dot ("|.", ") ."): no name in it */
            continue;
        }
        unsigned flags;
        size_t e = run_end(x, i, &flags);
        kz_err rc;
        if (e == i)
            e = i + 1;
        if (!flags) /* a plain word: only a hash, CVE or technique id can be in it */
            rc = word_counts(s, i, e - i) ? check_word(x, i, e) : KZ_OK;
        else if (flags == RUN_OTHER && !has_ascii_alnum(s + i, e - i))
            rc = KZ_OK; /* Japanese text */
        else
            rc = process_run(x, i, e);
        if (rc)
            return rc;
        i = e;
        if (!flags && i + 1 < n && s[i] == '.' && !next_is_run(s, n, i + 1))
            i++; /* a sentence's full stop */
    }
    return KZ_OK;
}
