/* prep.c - prepares one line for the finders: a survey of what the line
 * needs, then NFKC normalisation where it holds a character NFKC may change
 * (prep_nfkc.c) and refanging of bracketed dots, at-signs, colons and
 * slashes, keeping a map from every output byte back to the input.
 * (HTML to text: html.c.) */
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "extract/prep_int.h"
#include "kizuna/alloc.h"

void kz_xprep_init(kz_xprep *p)
{
    memset(p, 0, sizeof *p);
}

void kz_xprep_release(kz_xprep *p)
{
    kz_free(p->a);
    kz_free(p->b);
    kz_free(p->ma);
    kz_free(p->mb);
    kz_free(p->fb);
    memset(p, 0, sizeof *p);
}

/* Grows a text buffer, its map (and fang flags when f is not NULL) to hold
 * need bytes plus one. */
kz_err kz_xprep_grow(char **t, uint32_t **m, uint8_t **f, size_t *cap, size_t need)
{
    if (need + 1 <= *cap)
        return KZ_OK;
    size_t nc = *cap ? *cap : 256;
    while (nc < need + 1)
        nc *= 2;
    char *nt = kz_realloc(*t, nc);
    if (!nt)
        return KZ_ENOMEM;
    *t = nt;
    uint32_t *nm = kz_realloc(*m, nc * sizeof **m);
    if (!nm)
        return KZ_ENOMEM;
    *m = nm;
    if (f) {
        uint8_t *nf = kz_realloc(*f, nc);
        if (!nf)
            return KZ_ENOMEM;
        *f = nf;
    }
    *cap = nc;
    return KZ_OK;
}

/* (prep_int.h) */
kz_err kz_xprep_publish(kz_xprep *p, char **t, uint32_t **m, uint8_t **f, size_t *cap, size_t o)
{
    kz_err rc = kz_xprep_grow(t, m, f, cap, o + 64);
    if (rc)
        return rc;
    memset(*t + o, 0, 64);
    p->s = *t;
    p->avail = o + 64;
    p->n = o;
    p->map = *m;
    return KZ_OK;
}


/* Opening and closing brackets, ASCII and the ideographic 「」【】〔〕
 * (NFKC has turned ［］（）｛｝ into ASCII already). Return the length. */
static size_t open_at(const char *s, size_t n, size_t i)
{
    unsigned char c = (unsigned char)s[i];
    if (c == '[' || c == '(' || c == '{')
        return 1;
    if (c == 0xe3 && i + 2 < n && (unsigned char)s[i + 1] == 0x80) {
        unsigned char d = (unsigned char)s[i + 2];
        if (d == 0x8c || d == 0x90 || d == 0x94)
            return 3;
    }
    return 0;
}

static size_t close_at(const char *s, size_t n, size_t i)
{
    unsigned char c = (unsigned char)s[i];
    if (c == ']' || c == ')' || c == '}')
        return 1;
    if (c == 0xe3 && i + 2 < n && (unsigned char)s[i + 1] == 0x80) {
        unsigned char d = (unsigned char)s[i + 2];
        if (d == 0x8d || d == 0x91 || d == 0x95)
            return 3;
    }
    return 0;
}

static bool ideo_stop(const char *s, size_t n, size_t i)
{
    return i + 2 < n && (unsigned char)s[i] == 0xe3 && (unsigned char)s[i + 1] == 0x80 &&
           (unsigned char)s[i + 2] == 0x82;
}

/* The core of a bracketed defang at s[i]: its replacement and length. */
static const struct {
    const char *text;
    size_t len;
    const char *repl;
} cores[] = {
    {"://", 3, "://"}, {".", 1, "."}, {"dot", 3, "."}, {"@", 1, "@"},
    {"at", 2, "@"},    {":", 1, ":"}, {"/", 1, "/"},
};

static const char *core_at(const char *s, size_t n, size_t i, size_t *len)
{
    for (size_t k = 0; k < sizeof cores / sizeof cores[0]; k++) {
        if (kz_xword_at(s, n, i, cores[k].text, cores[k].len)) {
            *len = cores[k].len;
            return cores[k].repl;
        }
    }
    if (ideo_stop(s, n, i)) {
        *len = 3;
        return ".";
    }
    return NULL;
}

/* A bare 。 after an ASCII word character is a dot only when what follows
 * is a domain label ("evil。com", "www。example。com"): lower-case letters,
 * digits and hyphens, then another dot or 。, or the end of a label that is
 * a TLD. "…/dl/a.bin。The next…" is a sentence end. */
static bool stop_joins(const char *t, size_t m, size_t k)
{
    size_t a = k;
    while (k < m && ((t[k] >= 'a' && t[k] <= 'z') || (t[k] >= '0' && t[k] <= '9') || t[k] == '-'))
        k++;
    if (k == a || k - a > 63)
        return false;
    if (k < m && (t[k] == '.' || ideo_stop(t, m, k)))
        return true;
    if (k < m && (X_ALNUM(t[k]) || t[k] == '_'))
        return false;
    return kz_xis_tld(t + a, k - a);
}

/* Tries a defanged form starting at t[i] (a bracket, a dot, 。); ob[0..o)
 * is the output so far. On success returns the replacement, sets *end,
 * and *trim to the number of spaces to take back from the output
 * ("example [.] com": the space before the bracket goes too). */
static const char *defang_at(const char *t, size_t m, size_t i, const char *ob, size_t o,
                             size_t *end, size_t *trim)
{
    size_t j = i, nopen = 0, nclose = 0, cl, l, w = o;
    const char *r;
    unsigned char prev = o ? (unsigned char)ob[o - 1] : 0;
    bool prev_word = prev && (prev >= 0x80 || X_ALNUM(prev));
    while (w > 0 && kz_xis_blank(ob[w - 1]))
        w--;
    *trim = 0;
    /* both sides bracketed, spaces allowed: "example [ . ] com", "[[ . )]" */
    for (;;) {
        if (j < m && kz_xis_blank(t[j])) {
            j++;
        } else if (j < m && (l = open_at(t, m, j)) != 0) {
            j += l;
            nopen++;
        } else {
            break;
        }
    }
    if (nopen && w > 0 && (r = core_at(t, m, j, &cl)) != NULL) {
        size_t k = j + cl;
        for (;;) {
            if (k < m && kz_xis_blank(t[k])) {
                k++;
            } else if (k < m && (l = close_at(t, m, k)) != 0) {
                k += l;
                nclose++;
            } else {
                break;
            }
        }
        if (nclose) {
            *end = k;
            *trim = o - w;
            return r;
        }
    }
    /* one side only, no spaces, between word characters: "10[.10", "1.)1" */
    if (!prev_word)
        return NULL;
    j = i;
    nopen = 0;
    while (j < m && (l = open_at(t, m, j)) != 0) {
        j += l;
        nopen++;
    }
    if (j < m && t[j] == '.') {
        j++;
    } else if (nopen == 0 && ideo_stop(t, m, j) && prev < 0x80 && stop_joins(t, m, j + 3)) {
        j += 3;
    } else {
        return NULL;
    }
    while (j < m && (l = close_at(t, m, j)) != 0)
        j += l;
    if (j < m && X_ALNUM(t[j]) && (j - i > 1 || nopen)) {
        *end = j;
        return ".";
    }
    return NULL;
}

/* Bytes where a defanged form may start (spaces before a bracket are
 * taken back from the output, so a space itself is not one). */
static const uint8_t rf_cand[256] = {
    ['['] = 1, ['('] = 1, ['{'] = 1, ['\\'] = 1, ['.'] = 1, [0xe3] = 1,
};

/* First-pass byte kinds: 0 nothing to do, 1 a non-ASCII lead byte, 2 a
 * bracket or backslash (a possible defang), 3 NUL. */
static const uint8_t prep_kind[256] = {
    [0] = 3,    ['['] = 2,  ['('] = 2,  ['{'] = 2,  [']'] = 2,  [')'] = 2,  ['}'] = 2,
    ['\\'] = 2,
#define K1(x) [x] = 1, [x + 1] = 1, [x + 2] = 1, [x + 3] = 1, [x + 4] = 1, [x + 5] = 1, \
              [x + 6] = 1, [x + 7] = 1
#define K8(x) K1(x), K1(x + 8)
    K8(0x80), K8(0x90), K8(0xa0), K8(0xb0), K8(0xc0), K8(0xd0), K8(0xe0), K8(0xf0),
#undef K8
#undef K1
};

#ifdef __SSE2__
/* Bit k set when prep_kind[u[k]] is not 0 (k < 16): non-ASCII, NUL,
 * brackets and backslash - and '|', which shares the test of [ \ ] and
 * { } (v & 0xDF in 5B-5D) and which the byte-by-byte step passes over. */
static inline unsigned survey_mask16(const unsigned char *u)
{
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)u);
    __m128i r = _mm_sub_epi8(_mm_and_si128(v, _mm_set1_epi8((char)0xdf)), _mm_set1_epi8(0x5b));
    __m128i hit = _mm_or_si128(
        _mm_or_si128(_mm_cmpeq_epi8(_mm_min_epu8(r, _mm_set1_epi8(2)), r),
                     _mm_cmpeq_epi8(_mm_and_si128(v, _mm_set1_epi8((char)0xfe)),
                                    _mm_set1_epi8('('))),
        _mm_cmpeq_epi8(v, _mm_setzero_si128()));
    return (unsigned)_mm_movemask_epi8(hit) | (unsigned)_mm_movemask_epi8(v);
}

/* Bit k set (k < 16) where refang must look closer: a bracket or
 * backslash, a dot before a closing bracket ("1.)1"; ideographic closing
 * brackets start E3), and E3 80 (the ideographic marks) but for 、
 * (E3 80 81, which starts no defanged form: defang_trigger says no). A
 * dot anywhere else and E3 before a kana are copied as they are by
 * refang's per-byte path too, so skipping them changes nothing.
 * u[0..18) must be readable. */
static inline unsigned refang_mask16(const unsigned char *u)
{
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)u);
    __m128i nx = _mm_loadu_si128((const __m128i *)(const void *)(u + 1));
    __m128i nx2 = _mm_loadu_si128((const __m128i *)(const void *)(u + 2));
    __m128i e3 = _mm_set1_epi8((char)0xe3);
    __m128i closes = _mm_or_si128(
        _mm_or_si128(_mm_cmpeq_epi8(nx, _mm_set1_epi8(']')), _mm_cmpeq_epi8(nx, _mm_set1_epi8(')'))),
        _mm_or_si128(_mm_cmpeq_epi8(nx, _mm_set1_epi8('}')), _mm_cmpeq_epi8(nx, e3)));
    __m128i hit = _mm_or_si128(
        _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('[')), _mm_cmpeq_epi8(v, _mm_set1_epi8('('))),
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('{')),
                                  _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))),
                     _mm_or_si128(_mm_and_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('.')), closes),
                                  _mm_andnot_si128(_mm_cmpeq_epi8(nx2, _mm_set1_epi8((char)0x81)),
                                                   _mm_and_si128(_mm_cmpeq_epi8(v, e3),
                                                                 _mm_cmpeq_epi8(nx, _mm_set1_epi8((char)0x80)))))));
    return (unsigned)_mm_movemask_epi8(hit);
}
#endif

/* Whether the bracket, backslash or ideographic mark at t[i] may be part
 * of a defanged form, so that the line needs the refang pass. Errs on the
 * side of yes; defang_at decides. */
static bool defang_trigger(const char *t, size_t m, size_t i)
{
    unsigned char c = (unsigned char)t[i];
    size_t l;
    if (c == '\\')
        return i + 1 < m && t[i + 1] == '.';
    if (close_at(t, m, i))
        return i > 0 && t[i - 1] == '.';
    if (ideo_stop(t, m, i))
        return (i > 0 && X_ALNUM(t[i - 1])) || (i > 0 && close_at(t, m, i - 1)) ||
               (i >= 3 && open_at(t, m, i - 3));
    if ((l = open_at(t, m, i)) == 0)
        return false;
    size_t j = i + l;
    while (j < m && (kz_xis_blank(t[j]) || (l = open_at(t, m, j)) != 0))
        j += kz_xis_blank(t[j]) ? 1 : l;
    if (j >= m)
        return false;
    c = (unsigned char)t[j];
    return c == '.' || c == '@' || c == ':' || c == '/' || c == 'a' || c == 'A' || c == 'd' ||
           c == 'D' || c == 0xe3;
}

/* One pass over a line: *nfkc when it holds a character NFKC may change
 * (anything but ASCII, kana, kanji and the Japanese marks), *trig to the
 * first byte where defang_trigger says yes (SIZE_MAX: none) when a
 * defanged form may be in it. Stops as soon as NFKC is needed (*trig is
 * then meaningless: the normalised text goes to refang whole). */
static void survey(kz_xprep *p, const char *t, size_t m, bool *nfkc_needed, size_t *trig)
{
    const unsigned char *u = (const unsigned char *)t;
    size_t i = 0, nc = 0;
    uint32_t *cand = p->cand;
    *nfkc_needed = false;
    *trig = SIZE_MAX;
    /* Where refang's scan (refang_mask16) stops in a line that needs no
     * NFKC: brackets, backslash, a dot before a closing bracket or a
     * non-ASCII byte, and the ideographic marks. The survey stops at each
     * of them but the dots, and a dot is listed from the byte after it
     * (a closing bracket; a non-ASCII byte, at whose dot refang does what
     * it does at any other dot when it is not a closing bracket). */
#define CAND(pos) (nc < KZ_X_CANDS ? (void)(cand[nc] = (uint32_t)(pos)) : (void)0, nc++)
    while (i < m) {
#ifdef __SSE2__
        /* sixteen plain ASCII bytes at a time, then straight to the first
         * byte with a kind */
        while (i + 16 <= m) {
            unsigned mask = survey_mask16(u + i);
            if (mask) {
                i += (unsigned)__builtin_ctz(mask);
                break;
            }
            i += 16;
        }
#else
        /* eight plain ASCII bytes at a time (no branch per byte) */
        while (i + 8 <= m && !(prep_kind[u[i]] | prep_kind[u[i + 1]] | prep_kind[u[i + 2]] |
                               prep_kind[u[i + 3]] | prep_kind[u[i + 4]] | prep_kind[u[i + 5]] |
                               prep_kind[u[i + 6]] | prep_kind[u[i + 7]]))
            i += 8;
#endif
        if (i >= m)
            break;
        uint8_t k = prep_kind[u[i]];
        if (!k) {
            i++;
            continue;
        }
        if (k == 1) {
            uint32_t cp;
            size_t l;
            if (i > 0 && t[i - 1] == '.')
                CAND(i - 1);
            if (i + 2 < m && kz_xja_stable(u + i)) {
                i = kz_xja_run_end(u, m, i);
                continue;
            }
            l = kz_xutf8_fast(u + i, m - i, &cp);
            if (kz_xkana_kanji(cp) || cp == 0x3001) {
                i += l;
                continue;
            }
            if (cp == 0x3002 || (cp >= 0x300c && cp <= 0x3011) || cp == 0x3014 || cp == 0x3015) {
                CAND(i);
                if (*trig == SIZE_MAX && defang_trigger(t, m, i))
                    *trig = i;
                i += l;
                continue;
            }
        }
        if (k != 2) {
            *nfkc_needed = true;
            return;
        }
        if (u[i] == ')' || u[i] == ']' || u[i] == '}') {
            if (i > 0 && t[i - 1] == '.')
                CAND(i - 1);
        } else {
            CAND(i);
        }
        if (*trig == SIZE_MAX && defang_trigger(t, m, i))
            *trig = i;
        i++;
    }
#undef CAND
    p->ncand = nc;
}

/* Copies t[0..k) (with its map tm, or the identity) to the start of the
 * refang output: the text before the first rewrite. */
static void refang_prefix(kz_xprep *p, const char *t, size_t k, const uint32_t *tm)
{
    memcpy(p->b, t, k);
    memset(p->fb, 0, k);
    if (tm) {
        memcpy(p->mb, tm, k * sizeof *tm);
    } else {
        kz_xmap_iota(p->mb, k, 0);
    }
}

/* Rewrites the defanged forms of t[0..m) into p->b. Lazy: until the first
 * form that is really rewritten, nothing is copied (the output so far is
 * t[0..i) itself, which is what defang_at reads back as ob[0..o)); a line
 * with none (a trigger that was a false alarm, such as "1d5e。ログ") keeps
 * p->s and p->map as they are and p->fang NULL, which every reader treats
 * exactly as a copy with an identity map and no refanged byte. The scan
 * starts at from, the byte before the survey's first trigger: every form
 * rewritten here has a byte where defang_trigger says yes at its start
 * (brackets, backslash, ideographic marks) or, for "1.)1", right after
 * its dot, and the survey looked at every such byte; so where the
 * survey finds no trigger, a scan from 0 rewrites nothing either. */
static kz_err refang(kz_xprep *p, const char *t, size_t m, const uint32_t *tm, size_t from,
                     const uint32_t *cand, size_t ncand)
{
    size_t ci = 0;
    char *ob = NULL;
    uint32_t *om = NULL;
    uint8_t *of = NULL;
    size_t o = from, i = from;
    bool copying = false;
    while (i < m) {
        size_t j = i;
        /* 0xe3 leads all kana; only the U+3000 block (E3 80 ..) matters */
        if (cand) { /* the survey's list: those stops and dots elsewhere */
            while (ci < ncand && cand[ci] < i)
                ci++;
            j = ci < ncand ? cand[ci] : m;
        } else
        for (;;) {
#ifdef __SSE2__
            while (j + 18 <= m) {
                unsigned mask = refang_mask16((const unsigned char *)t + j);
                if (mask) {
                    j += (unsigned)__builtin_ctz(mask);
                    break;
                }
                j += 16;
            }
#endif
            if (j >= m || (rf_cand[(unsigned char)t[j]] &&
                           ((unsigned char)t[j] != 0xe3 || (j + 1 < m && (unsigned char)t[j + 1] == 0x80))))
                break;
            j++;
        }
        if (j > i) { /* a span with nothing to rewrite */
            if (copying) {
                memcpy(ob + o, t + i, j - i);
                memset(of + o, 0, j - i);
                if (tm) {
                    memcpy(om + o, tm + i, (j - i) * sizeof *om);
                } else {
                    kz_xmap_iota(om + o, j - i, (uint32_t)i);
                }
            }
            o += j - i;
            i = j;
            if (i >= m)
                break;
        }
        unsigned char c = (unsigned char)t[i];
        uint32_t src = tm ? tm[i] : (uint32_t)i;
        const char *r = NULL;
        size_t end = i, trim = 0;
        if (c == '\\') {
            if (i + 1 < m && t[i + 1] == '.') {
                r = ".";
                end = i + 2;
            }
        } else if (c == '.' ? i + 1 < m && close_at(t, m, i + 1) : defang_trigger(t, m, i)) {
            r = defang_at(t, m, i, copying ? ob : t, o, &end, &trim);
        }
        if (r) {
            if (!copying) {
                /* Every replacement is shorter than what it replaces, so
                 * m bytes suffice. */
                kz_err rc = kz_xprep_grow(&p->b, &p->mb, &p->fb, &p->cap_b, m + 8);
                if (rc)
                    return rc;
                ob = p->b;
                om = p->mb;
                of = p->fb;
                refang_prefix(p, t, o, tm);
                copying = true;
            }
            o -= trim;
            for (; *r; r++) {
                ob[o] = *r;
                om[o] = src;
                of[o++] = 1;
            }
            i = end;
            continue;
        }
        if (copying) {
            ob[o] = (char)c;
            om[o] = src;
            of[o] = 0;
        }
        o++;
        i++;
    }
    if (!copying)
        return KZ_OK;
    kz_err rc = kz_xprep_publish(p, &p->b, &p->mb, &p->fb, &p->cap_b, o);
    if (rc)
        return rc;
    p->fang = p->fb;
    return KZ_OK;
}

kz_err kz_xprep_line(kz_xprep *p, const char *src, size_t len, size_t avail)
{
    bool slow;
    size_t trig;
    survey(p, src, len, &slow, &trig);
    p->s = src;
    p->avail = avail;
    p->n = len;
    p->srclen = len;
    p->map = NULL;
    p->fang = NULL;
    if (slow) {
        kz_err rc = kz_xprep_nfkc(p, (const unsigned char *)src, len);
        if (rc)
            return rc;
        /* No second survey for the trigger: refang is lazy, and where
         * the survey would find none it rewrites nothing (see refang). */
        return refang(p, p->s, p->n, p->map, 0, NULL, 0);
    }
    if (trig != SIZE_MAX)
        return refang(p, p->s, p->n, p->map, trig ? trig - 1 : 0,
                      p->ncand <= KZ_X_CANDS ? p->cand : NULL, p->ncand);
    return KZ_OK;
}

size_t kz_xprep_start(const kz_xprep *p, size_t i)
{
    if (!p->map)
        return i;
    return i < p->n ? p->map[i] : p->srclen;
}

size_t kz_xprep_end(const kz_xprep *p, size_t e)
{
    if (!p->map)
        return e;
    if (e == 0)
        return kz_xprep_start(p, 0);
    size_t k = e;
    while (k < p->n && p->map[k] == p->map[e - 1])
        k++;
    return k < p->n ? p->map[k] : p->srclen;
}
