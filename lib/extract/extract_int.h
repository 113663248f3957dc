/* extract_int.h - what the files of the extract module share: the byte
 * classes of the scanner, the line preparation (NFKC, zero-width removal,
 * refanging) with its map back to input offsets, the value normalisers
 * that write into a kz_buf, and the scanner's state shared by scan.c and
 * scan_word.c. Not a public header. */
#ifndef KIZUNA_EXTRACT_INT_H
#define KIZUNA_EXTRACT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kizuna/buf.h"
#include "kizuna/extract.h"

/* A line longer than this is cut (at the last space before it when there
 * is one) so that the per-line map fits 32-bit offsets and memory stays
 * bounded; an indicator straddling a hard cut is lost. */
#define KZ_X_LINE_MAX (1u << 20)

/* Positions the survey of a line lists for refang (more: refang scans). */
#define KZ_X_CANDS 64

/* ASCII byte classes (xclass[c] bits). */
enum {
    XC_DIGIT = 1 << 0,
    XC_HEX = 1 << 1,   /* 0-9 a-f A-F */
    XC_ALPHA = 1 << 2,
    XC_LABEL = 1 << 3, /* [A-Za-z0-9_-]: a domain label byte ('_' rejected later) */
    XC_LOCAL = 1 << 4, /* e-mail local part: [A-Za-z0-9._%+-] */
    XC_SPACE = 1 << 5, /* space, tab, CR, LF, VT, FF */
    XC_URLEND = 1 << 6, /* ends a URL: controls, space, < > " ` \ and DEL */
    XC_SLOW = 1 << 7,  /* >= 0x80 or NUL: the line needs the NFKC pass */
};
extern const uint8_t kz_xclass[256];

#define X_IS(c, bit) ((kz_xclass[(unsigned char)(c)] & (bit)) != 0)
#define X_ALNUM(c) X_IS(c, XC_DIGIT | XC_ALPHA)

/* One prepared line. s[0..n) is the text the finders read: NFKC-normalised,
 * zero-width characters and NULs removed, defanged forms rewritten. When
 * nothing had to change, s points into the input and map is NULL
 * (offsets are the identity). Otherwise map[i] is the input offset
 * (relative to the line) of the source of byte i, and fang[i] is 1 when
 * byte i was written by refanging. Buffers are owned by the prep and
 * reused from line to line. */
typedef struct kz_xprep {
    const char *s;
    size_t n;
    size_t srclen;
    size_t avail; /* bytes readable from s (>= n): vector loops may read past n */
    uint32_t *map;
    uint8_t *fang;
    /* storage */
    char *a, *b;          /* two text buffers (NFKC output, refang output) */
    uint32_t *ma, *mb;    /* and their maps */
    uint8_t *fb;
    size_t cap_a, cap_b;
    /* the survey's list of the bytes where refang must look closer (in
     * order; ncand > KZ_X_CANDS: too many, refang scans for them) */
    size_t ncand;
    uint32_t cand[KZ_X_CANDS];
} kz_xprep;

void kz_xprep_init(kz_xprep *p);
void kz_xprep_release(kz_xprep *p);
/* Prepares src[0..len) (one line, no '\n'); src[0..avail) is readable
 * (avail >= len). KZ_ENOMEM. */
kz_err kz_xprep_line(kz_xprep *p, const char *src, size_t len, size_t avail);
/* Input offset (relative to the line) of the end of prepared byte range
 * ending at e (exclusive). */
size_t kz_xprep_end(const kz_xprep *p, size_t e);
size_t kz_xprep_start(const kz_xprep *p, size_t i);

/* Same-length HTML to text in place: tags, comments, script and style
 * bodies become spaces (newlines kept), entities their character followed
 * by NULs (which kz_xprep_line drops), so input offsets are unchanged. */
void kz_xhtml_to_text(char *s, size_t len);

/* Decodes one UTF-8 sequence at s[0..n); returns its length (1 for an
 * invalid byte, *cp then 0xFFFD). */
size_t kz_xutf8(const unsigned char *s, size_t n, uint32_t *cp);
/* The common cases inline: ASCII and the 3-byte sequences of Japanese and
 * of the full-width forms (lead bytes E1-EC, EE, EF: no overlong form and
 * no surrogate can start with them, so two continuation bytes suffice). */
static inline size_t kz_xutf8_fast(const unsigned char *s, size_t n, uint32_t *cp)
{
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    if (s[0] >= 0xe1 && s[0] != 0xed && s[0] <= 0xef && n >= 3 && (s[1] & 0xc0) == 0x80 &&
        (s[2] & 0xc0) == 0x80) {
        *cp = ((uint32_t)(s[0] & 0x0f) << 12) | ((uint32_t)(s[1] & 0x3f) << 6) | (s[2] & 0x3f);
        return 3;
    }
    return kz_xutf8(s, n, cp);
}

/* A blank inside a line (not '\n'): prep.c and html.c. */
static inline bool kz_xis_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Whether s[i..i+wl) is the lower-case ASCII word w, ignoring the case of
 * s (bounded by n). */
static inline bool kz_xword_at(const char *s, size_t n, size_t i, const char *w, size_t wl)
{
    if (i + wl > n)
        return false;
    for (size_t k = 0; k < wl; k++) {
        char c = s[i + k];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c + 32);
        if (c != w[k])
            return false;
    }
    return true;
}

/* Kana and CJK ideographs: the bulk of Japanese text. */
static inline bool kz_xkana_kanji(uint32_t cp)
{
    return (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0x3041 && cp <= 0x3096) ||
           (cp >= 0x30a1 && cp <= 0x30fa) || cp == 0x30fc;
}

/* Whether the 3 bytes at u are a kanji (U+4000-U+9FFF), a kana that NFKC
 * leaves alone and that combines with nothing, or 、 - checked on the
 * bytes, without decoding: the inner loop over Japanese text. */
static inline bool kz_xja_stable(const unsigned char *u)
{
    if ((u[1] & 0xc0) != 0x80 || (u[2] & 0xc0) != 0x80)
        return false;
    if (u[0] >= 0xe4 && u[0] <= 0xe9)
        return true;
    if (u[0] != 0xe3)
        return false;
    if (u[1] == 0x81)
        return true; /* U+3040-U+307F */
    if (u[1] == 0x82)
        return u[2] < 0x99 || (u[2] >= 0xa0); /* not U+3099-U+309F */
    if (u[1] == 0x83)
        return u[2] != 0xbf; /* not U+30FF */
    return u[1] == 0x80 && u[2] == 0x81; /* 、 */
}

/* A code point that may be part of an IDN label (a letter or digit of
 * some script; not punctuation, symbols, spaces or zero-width). */
bool kz_xidn_char(uint32_t cp);

/* ---- normalisers: append the canonical form to out ----
 * KZ_EPARSE when the text is not a value of that type (out unchanged),
 * KZ_ENOMEM. in[0..len) is already refanged. */
/* Any type, through the module's type table; KZ_EINVAL for a bad type. */
kz_err kz_xnorm(kz_buf *out, kz_ioc_type t, const char *in, size_t len);
kz_err kz_xnorm_domain(kz_buf *out, const char *in, size_t len);
kz_err kz_xnorm_ipv4(kz_buf *out, const char *in, size_t len);
kz_err kz_xnorm_ipv6(kz_buf *out, const char *in, size_t len);
kz_err kz_xnorm_hash(kz_buf *out, kz_ioc_type t, const char *in, size_t len);
kz_err kz_xnorm_cve(kz_buf *out, const char *in, size_t len);
kz_err kz_xnorm_attack(kz_buf *out, const char *in, size_t len);
kz_err kz_xnorm_email(kz_buf *out, const char *in, size_t len);
/* URL: *host_type/host_off/host_len (may be NULL) receive the type of the
 * host and its place in in[]; *defanged whether the scheme was defanged
 * (hxxp...). Schemes other than http/https/ftp: KZ_EPARSE. */
kz_err kz_xnorm_url(kz_buf *out, const char *in, size_t len, kz_ioc_type *host_type,
                    size_t *host_off, size_t *host_len, bool *defanged);

/* Whether label[0..len) (lower case) is an IANA top-level domain (libpsl,
 * ICANN section). */
bool kz_xis_tld(const char *label, size_t len);

/* The scheme in[0..len) (before "://"): 1 http, 2 https, 3 ftp, 0 other;
 * *defanged when written hxxp, h**p, fxp... */
int kz_xscheme(const char *in, size_t len, bool *defanged);
/* End of a host (domain labels, IDN labels kept homogeneous) starting at
 * s[i]; i when there is none. */
size_t kz_xhost_end(const char *s, size_t n, size_t i);


/* ---- the scanner (scan.c: lines, URLs, e-mail, IPv6, hits; scan_bits.c:
 * the line's bitmaps; scan_word.c: the word runs) ---- */

typedef struct kz_xhit {
    uint32_t cs, ce;     /* span in the prepared line */
    uint32_t voff, vlen; /* value in x->vals */
    uint32_t seq;        /* order found, for a stable sort */
    uint8_t type;
    bool defanged;
} kz_xhit;

/* One scan's state; buffers owned by it, reused from line to line. */
typedef struct kz_xscan {
    uint32_t want;
    kz_ioc_hit_fn fn;
    void *ctx;
    kz_xprep prep;
    const char *s; /* prepared line */
    size_t n;
    size_t avail;   /* bytes readable from s (>= n) */
    uint8_t *claim; /* bytes of s that belong to an indicator found already */
    size_t claim_cap;
    bool any_claim;
    kz_xhit *hits;
    size_t nhits, hcap;
    kz_buf vals;
    size_t line_off, line_no;
    bool stop;
    bool prev_label; /* the previous line ended with "imphash" & co */
    uint64_t *wbits; /* the line's bitmaps (kz_xscan_classify) */
    bool has_colon, has_at; /* whether the line holds ':', '@' (classify) */
    size_t wcap;     /* words per bitmap */
    /* final labels of up to 8 ASCII bytes already asked about (scan_word.c:
     * the label packed in a word, 0 for an empty slot; the answer) */
    uint64_t tld_key[256];
    bool tld_yes[256];
} kz_xscan;

/* The line's bitmaps (kz_xscan_classify, before the finders run): bit k
 * of word k / 64 of each, x->wcap words apiece, in this order - ASCII
 * letters and digits, plain bytes (ASCII but those, dots, '-' and '_'),
 * dots, colons, at-signs, '-' and '_', and all ASCII bytes. */
enum { XB_ALNUM, XB_PLAIN, XB_DOT, XB_COLON, XB_AT, XB_HYPH, XB_ASCII, XB__COUNT };
#define KZ_XBITS(x, b) ((x)->wbits + (b) * (x)->wcap)
#define KZ_XCOLON_BITS(x) KZ_XBITS(x, XB_COLON)
#define KZ_XAT_BITS(x) KZ_XBITS(x, XB_AT)

/* The vector paths this CPU takes (scan_bits.c): 0 not yet known (call
 * kz_xsimd_init), 1 SSE2, 2 AVX2 as well, 3 AVX-512BW as well. */
extern int kz_xsimd;
void kz_xsimd_init(void);
/* For tests: at most this level (1: the SSE2 paths on an AVX2 CPU too,
 * 2: AVX2 but not AVX-512; 0: what the CPU has). */
void kz_xsimd_force(int level);

/* Whether byte i of the line belongs to an indicator found already. */
static inline bool kz_xscan_claimed(const kz_xscan *x, size_t i)
{
    return x->any_claim && i < x->n && x->claim[i];
}

/* scan.c: normalises s[a..b) as type t and records it (KZ_EPARSE when it
 * is not one); claims ":port/path" after a scheme-less host ending at e. */
kz_err kz_xscan_try_hit(kz_xscan *x, kz_ioc_type t, size_t a, size_t b);
kz_err kz_xscan_claim_path(kz_xscan *x, size_t e);
/* scan_bits.c: builds the line's bitmaps (KZ_ENOMEM). scan_word.c: finds
 * hashes, CVE and ATT&CK ids, IPv4 and domains in the word runs; whether
 * the line ends with a hash label ("imphash" with the hash on the next
 * line). */
kz_err kz_xscan_classify(kz_xscan *x);
kz_err kz_xscan_find_words(kz_xscan *x);
bool kz_xscan_ends_with_label(const kz_xscan *x);

#endif
