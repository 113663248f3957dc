/* reader_zeek.c - the Zeek TSV log reader: #separator / #set_separator /
 * #unset_field / #empty_field / #fields / #types headers (read again
 * wherever they appear, so several logs concatenated or merged each keep
 * their own columns), data lines split on the separator, sets and vectors
 * split on the set separator, \xHH escapes decoded. Also the field table
 * that Zeek JSON shares. */
#include <stdint.h>
#include <string.h>

#include "match/reader_int.h"

#define ZEEK_FAST_MAX 4096 /* longest line cut from a whole-line bitmap (512 B of stack) */

/* Zeek field names (as in #fields and in Zeek JSON keys) -> what they hold.
 * The same name means the same thing in every Zeek log that has it. */
const kz_fdef kz_zeek_fields[] = {
    {"ts", "ts", FK_TS, NULL, false},
    {"id.orig_h", "id.orig_h", FK_IP, NULL, false},
    {"id.resp_h", "id.resp_h", FK_IP, NULL, false},
    {"id.orig_p", "id.orig_p", FK_PORT, "src_port", false},
    {"id.resp_p", "id.resp_p", FK_PORT, "dst_port", false},
    {"query", "query", FK_DOMAIN, NULL, false},                 /* dns.log */
    {"answers", "answers", FK_IP_OR_DOMAIN, NULL, true},        /* dns.log */
    {"host", "host", FK_URL_HOST, NULL, false},                 /* http.log */
    {"uri", "uri", FK_URL_PATH, NULL, false},                   /* http.log */
    {"referrer", "referrer", FK_URL, NULL, false},              /* http.log */
    {"server_name", "server_name", FK_DOMAIN, NULL, false},     /* ssl.log */
    {"md5", "md5", FK_MD5, NULL, false},                        /* files.log */
    {"sha1", "sha1", FK_SHA1, NULL, false},
    {"sha256", "sha256", FK_SHA256, NULL, false},
    {"tx_hosts", "tx_hosts", FK_IP, NULL, true},
    {"rx_hosts", "rx_hosts", FK_IP, NULL, true},
    {"mailfrom", "mailfrom", FK_EMAIL, NULL, false},            /* smtp.log */
    {"rcptto", "rcptto", FK_EMAIL, NULL, true},
    {"from", "from", FK_EMAIL, NULL, false},
    {"to", "to", FK_EMAIL, NULL, true},
    {"cc", "cc", FK_EMAIL, NULL, true},
    {"reply_to", "reply_to", FK_EMAIL, NULL, false},
    {"x_originating_ip", "x_originating_ip", FK_IP, NULL, false},
    {"san.dns", "san.dns", FK_DOMAIN, NULL, true},              /* x509.log */
    {"san.ip", "san.ip", FK_IP, NULL, true},
    {"src", "src", FK_IP, NULL, false},                         /* notice.log */
    {"dst", "dst", FK_IP, NULL, false},
};
const size_t kz_zeek_n_fields = sizeof kz_zeek_fields / sizeof kz_zeek_fields[0];

void kz_reader_zeek_reset(kz_logreader *r)
{
    r->sep = '\t';
    r->set_sep = ',';
    memcpy(r->unset, "-", 2);
    r->unset_len = 1;
    memcpy(r->empty, "(empty)", 8);
    r->empty_len = 7;
    r->n_cols = 0;
    r->n_want = 0;
    r->have_fields = r->have_types = false;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)(c | 0x20);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decodes Zeek's \xHH escapes of v[0..len) into the line scratch when
 * there are any; *out points at the result. false when the scratch is full. */
static bool unescape(kz_logreader *r, const char *v, size_t len, const char **out, size_t *out_len)
{
    if (!r->line_esc || !memchr(v, '\\', len)) {
        *out = v;
        *out_len = len;
        return true;
    }
    char *d = kz_reader_scratch(r, len);
    if (!d)
        return false;
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        int h, l;
        if (v[i] == '\\' && i + 3 < len && v[i + 1] == 'x' && (h = hexval(v[i + 2])) >= 0 &&
            (l = hexval(v[i + 3])) >= 0) {
            d[n++] = (char)(h * 16 + l);
            i += 3;
        } else {
            d[n++] = v[i];
        }
    }
    *out = d;
    *out_len = n;
    return true;
}

/* One separator character from a header value: a literal byte or "\xHH". */
static bool parse_sep(const char *v, size_t len, char *out)
{
    if (len == 1) {
        *out = v[0];
        return true;
    }
    int h, l;
    if (len == 4 && v[0] == '\\' && v[1] == 'x' && (h = hexval(v[2])) >= 0 &&
        (l = hexval(v[3])) >= 0) {
        *out = (char)(h * 16 + l);
        return true;
    }
    return false;
}

static int find_def(const char *name, size_t len)
{
    for (size_t i = 0; i < kz_zeek_n_fields; i++)
        if (strlen(kz_zeek_fields[i].path) == len && memcmp(kz_zeek_fields[i].path, name, len) == 0)
            return (int)i;
    return -1;
}

static kz_err header(kz_logreader *r, const char *line, size_t len, uint64_t lineno)
{
    if (len >= 11 && memcmp(line, "#separator ", 11) == 0) {
        if (!parse_sep(line + 11, len - 11, &r->sep))
            return kz_reader_bad(r, lineno, "bad #separator");
        return KZ_OK;
    }
    const char *end = line + len;
    const char *tab = memchr(line, r->sep, len);
    if (!tab)
        return KZ_OK; /* "#close" style lines without values */
    size_t klen = (size_t)(tab - line);
    const char *v = tab + 1;
    size_t vlen = (size_t)(end - v);
    if (klen == 14 && memcmp(line, "#set_separator", 14) == 0) {
        if (!parse_sep(v, vlen, &r->set_sep))
            return kz_reader_bad(r, lineno, "bad #set_separator");
    } else if ((klen == 12 && memcmp(line, "#unset_field", 12) == 0) ||
               (klen == 12 && memcmp(line, "#empty_field", 12) == 0)) {
        bool unset = line[1] == 'u';
        if (vlen >= sizeof r->unset)
            return kz_reader_bad(r, lineno, "header value too long");
        memcpy(unset ? r->unset : r->empty, v, vlen);
        (unset ? r->unset : r->empty)[vlen] = 0;
        *(unset ? &r->unset_len : &r->empty_len) = vlen;
    } else if (klen == 7 && memcmp(line, "#fields", 7) == 0) {
        size_t n = 0;
        const char *p = v;
        while (p <= end) {
            const char *s = memchr(p, r->sep, (size_t)(end - p));
            const char *e = s ? s : end;
            if (n >= KZ_ZEEK_MAX_COLS) {
                r->have_fields = false;
                return kz_reader_bad(r, lineno, "too many #fields");
            }
            int d = find_def(p, (size_t)(e - p));
            r->col_def[n] = (int16_t)d;
            r->col_set[n] = d >= 0 && kz_zeek_fields[d].set;
            n++;
            p = e + 1;
        }
        r->n_cols = n;
        /* The columns the bitmap path visits: those with a field, less
         * ports when they are not wanted (kz_reader_emit drops them then). */
        r->n_want = 0;
        for (size_t c = 0; c < n; c++) {
            int d = r->col_def[c];
            if (d >= 0 && !(r->o.typed_only && kz_zeek_fields[d].kind == FK_PORT))
                r->want[r->n_want++] = (uint16_t)c;
        }
        r->have_fields = true;
        r->have_types = false;
    } else if (klen == 6 && memcmp(line, "#types", 6) == 0 && r->have_fields) {
        size_t n = 0;
        const char *p = v;
        while (p <= end && n < r->n_cols) {
            const char *s = memchr(p, r->sep, (size_t)(end - p));
            const char *e = s ? s : end;
            size_t tl = (size_t)(e - p);
            r->col_set[n] = (tl > 4 && memcmp(p, "set[", 4) == 0) ||
                            (tl > 7 && memcmp(p, "vector[", 7) == 0);
            n++;
            p = e + 1;
        }
        r->have_types = true;
    }
    return KZ_OK;
}

static bool is_marker(const kz_logreader *r, const char *v, size_t len)
{
    return (len == r->unset_len && memcmp(v, r->unset, len) == 0) ||
           (len == r->empty_len && memcmp(v, r->empty, len) == 0);
}

/* One element of a column: markers dropped, escapes decoded. */
static bool emit_one(kz_logreader *r, const kz_fdef *d, const char *v, size_t len)
{
    if (len == 0 || is_marker(r, v, len))
        return true;
    const char *u;
    size_t ul;
    if (!unescape(r, v, len, &u, &ul))
        return false;
    kz_reader_emit(r, d, u, ul);
    return true;
}

static bool emit_column(kz_logreader *r, size_t col, const char *v, size_t len)
{
    const kz_fdef *d = &kz_zeek_fields[r->col_def[col]];
    if (!r->col_set[col] || is_marker(r, v, len))
        return emit_one(r, d, v, len);
    const char *end = v + len;
    while (v <= end) {
        const char *s = kz_find2(v, end, r->set_sep, r->set_sep);
        const char *e = s ? s : end;
        if (!emit_one(r, d, v, (size_t)(e - v)))
            return false;
        v = e + 1;
    }
    return true;
}

/* Bit i set when line[base + i] (i < 64, base + i < len) is the separator
 * or a backslash: the columns of a line are cut from these masks, 64 bytes
 * at a time, instead of one search per column (columns are a few bytes
 * long, and a search restarted at each cost more than the bytes it looked
 * at: perf, 28 % of a Zeek scan). */
static inline uint64_t block_mask(const char *line, size_t len, size_t base, char sep)
{
    uint64_t m = 0;
    size_t i = 0;
#ifdef __SSE2__
    const __m128i vs = _mm_set1_epi8(sep), vb = _mm_set1_epi8('\\');
    for (; i < 64 && base + i + 16 <= len; i += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(line + base + i));
        uint64_t b = (unsigned)_mm_movemask_epi8(
            _mm_or_si128(_mm_cmpeq_epi8(x, vs), _mm_cmpeq_epi8(x, vb)));
        m |= b << i;
    }
#endif
    for (; i < 64 && base + i < len; i++) {
        char c = line[base + i];
        if (c == sep || c == '\\')
            m |= 1ull << i;
    }
    return m;
}

size_t kz_reader_zeek_fast_max = ZEEK_FAST_MAX;

/* The separator bitmap of a whole line: bit i of sm[i / 64] set when
 * line[i] is the separator (the words covering the line are written, no
 * more); *n_sep the number of separators, *bs whether the line holds a
 * backslash. 64 bytes per step, each word built in a register and stored
 * once: or-ing 16 bits at a time into memset words chained a store and a
 * reload per 16 bytes (perf: a third of the Zeek reader). The last
 * (partial) 16 bytes are loaded ending at the line's end and shifted, so
 * nothing past it is read. */
static inline __attribute__((always_inline)) void line_masks(const char *line, size_t len, char sep,
                                                             uint64_t *sm, size_t *n_sep, bool *bs)
{
    size_t i = 0;
    bool any_bs = false;
#ifdef __SSE2__
    const __m128i vs = _mm_set1_epi8(sep), vb = _mm_set1_epi8('\\');
    __m128i b = _mm_setzero_si128();
    for (; i + 64 <= len; i += 64) {
        const __m128i *q = (const __m128i *)(const void *)(line + i);
        __m128i x0 = _mm_loadu_si128(q), x1 = _mm_loadu_si128(q + 1);
        __m128i x2 = _mm_loadu_si128(q + 2), x3 = _mm_loadu_si128(q + 3);
        uint64_t m0 = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x0, vs));
        uint64_t m1 = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x1, vs));
        uint64_t m2 = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x2, vs));
        uint64_t m3 = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x3, vs));
        sm[i >> 6] = m0 | m1 << 16 | m2 << 32 | m3 << 48;
        b = _mm_or_si128(b, _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x0, vb), _mm_cmpeq_epi8(x1, vb)),
                                         _mm_or_si128(_mm_cmpeq_epi8(x2, vb), _mm_cmpeq_epi8(x3, vb))));
    }
    if (i < len) {
        /* the last word: whole 16-byte blocks, then the tail */
        uint64_t m = 0;
        size_t j = i;
        for (; j + 16 <= len; j += 16) {
            __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(line + j));
            m |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, vs)) << (j - i);
            b = _mm_or_si128(b, _mm_cmpeq_epi8(x, vb));
        }
        if (j < len && len >= 16) {
            /* its bytes before j are line bytes too: a backslash among them is one of the line */
            __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(line + len - 16));
            unsigned sh = (unsigned)(j - (len - 16));
            m |= (uint64_t)((unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, vs)) >> sh) << (j - i);
            b = _mm_or_si128(b, _mm_cmpeq_epi8(x, vb));
            j = len;
        }
        for (; j < len; j++) {
            if (line[j] == sep)
                m |= 1ull << (j - i);
            any_bs |= line[j] == '\\';
        }
        sm[i >> 6] = m;
    }
    any_bs |= _mm_movemask_epi8(b) != 0;
#else
    memset(sm, 0, (len + 63) / 64 * sizeof *sm);
    for (; i < len; i++) {
        if (line[i] == sep)
            sm[i >> 6] |= 1ull << (i & 63);
        any_bs |= line[i] == '\\';
    }
#endif
    size_t n = 0;
    for (size_t w = 0; w < (len + 63) / 64; w++)
        n += (size_t)__builtin_popcountll(sm[w]);
    *n_sep = n;
    *bs = any_bs;
}

/* A data line of at most ZEEK_FAST_MAX bytes: the column count is checked
 * first from the bitmaps (the verdicts and reasons of the column-by-column
 * path), then only the wanted columns are visited, jumping over the others
 * by counting separator bits - most columns of a log give no value, and
 * their bytes are never looked at one by one. A backslash anywhere in the
 * line marks every column as possibly escaped: unescape() looks for one in
 * the column itself before decoding, so the values are the same. */
static inline __attribute__((always_inline)) kz_err
zeek_line_fast(kz_logreader *r, const char *line, size_t len, uint64_t lineno, kz_logrec_fn fn,
               void *ctx)
{
    uint64_t sm[ZEEK_FAST_MAX / 64 + 1];
    size_t n_sep;
    bool bs;
    line_masks(line, len, r->sep, sm, &n_sep, &bs);
    if (n_sep + 1 > r->n_cols)
        return kz_reader_bad(r, lineno, "more fields than #fields names");
    if (n_sep + 1 < r->n_cols)
        return kz_reader_bad(r, lineno, "fewer fields than #fields names");
    r->line_esc = bs && r->sep != '\\'; /* a backslash separator escapes nothing */
    /* cursor: `seen` separators consumed, the rest of word wi in cur */
    size_t wi = 0, seen = 0, start = 0;
    uint64_t cur = sm[0];
    for (size_t k = 0; k < r->n_want; k++) {
        size_t col = r->want[k];
        size_t need = col - seen; /* separators before the column's start */
        if (need) {
            unsigned pc;
            while ((pc = (unsigned)__builtin_popcountll(cur)) < need) {
                need -= pc;
                cur = sm[++wi];
            }
            while (--need)
                cur &= cur - 1;
            start = (wi << 6) + (size_t)__builtin_ctzll(cur) + 1;
            cur &= cur - 1;
            seen = col;
        }
        size_t e = len;
        if (seen < n_sep) {
            while (!cur)
                cur = sm[++wi];
            e = (wi << 6) + (size_t)__builtin_ctzll(cur);
            cur &= cur - 1;
            seen++;
        }
        if (!emit_column(r, col, line + start, e - start))
            return kz_reader_bad(r, lineno, "line too long");
        start = e + 1;
    }
    return kz_reader_line_end(r, line, len, lineno, fn, ctx);
}

/* zeek_line_fast compiled twice: for CPUs with POPCNT and BMI1 (the bit
 * counts and the lowest-bit steps of the column walk become one
 * instruction each; x86-64's baseline has neither, and gcc then calls
 * libgcc's __popcountdi2: 3 % of a Zeek scan) and for any CPU. Same
 * source, same results; kz_reader_zeek_popcnt picks. */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define ZEEK_HAVE_POPCNT 1
__attribute__((target("popcnt,bmi"))) static kz_err
zeek_line_fast_popcnt(kz_logreader *r, const char *line, size_t len, uint64_t lineno,
                      kz_logrec_fn fn, void *ctx)
{
    return zeek_line_fast(r, line, len, lineno, fn, ctx);
}
#endif

static kz_err zeek_line_fast_plain(kz_logreader *r, const char *line, size_t len, uint64_t lineno,
                                   kz_logrec_fn fn, void *ctx)
{
    return zeek_line_fast(r, line, len, lineno, fn, ctx);
}

int kz_reader_zeek_popcnt = -1;

static kz_err zeek_line_fast_any(kz_logreader *r, const char *line, size_t len, uint64_t lineno,
                                 kz_logrec_fn fn, void *ctx)
{
#ifdef ZEEK_HAVE_POPCNT
    if (kz_reader_zeek_popcnt < 0)
        kz_reader_zeek_popcnt = __builtin_cpu_supports("popcnt") && __builtin_cpu_supports("bmi");
    if (kz_reader_zeek_popcnt)
        return zeek_line_fast_popcnt(r, line, len, lineno, fn, ctx);
#endif
    return zeek_line_fast_plain(r, line, len, lineno, fn, ctx);
}

kz_err kz_reader_zeek_line(kz_logreader *r, const char *line, size_t len, uint64_t lineno,
                           kz_logrec_fn fn, void *ctx)
{
    if (line[0] == '#')
        return header(r, line, len, lineno);
    if (!r->have_fields)
        return kz_reader_bad(r, lineno, "data before a #fields header");
    if (len <= kz_reader_zeek_fast_max && len <= ZEEK_FAST_MAX)
        return zeek_line_fast_any(r, line, len, lineno, fn, ctx);
    const char sep = r->sep;
    const bool esc_ok = sep != '\\'; /* a backslash separator escapes nothing */
    size_t base = 0, start = 0, col = 0;
    uint64_t mask = block_mask(line, len, 0, sep);
    bool esc = false;
    for (;;) {
        /* the column's end, noting on the way whether it holds an escape */
        size_t e = len;
        while (!mask && base + 64 < len) {
            base += 64;
            mask = block_mask(line, len, base, sep);
        }
        if (mask) {
            e = base + (size_t)__builtin_ctzll(mask);
            mask &= mask - 1;
            if (line[e] == '\\' && esc_ok) {
                esc = true;
                continue;
            }
        }
        r->line_esc = esc;
        esc = false;
        if (col >= r->n_cols)
            return kz_reader_bad(r, lineno, "more fields than #fields names");
        if (r->col_def[col] >= 0 && !emit_column(r, col, line + start, e - start))
            return kz_reader_bad(r, lineno, "line too long");
        col++;
        if (e == len)
            break;
        start = e + 1;
    }
    if (col != r->n_cols)
        return kz_reader_bad(r, lineno, "fewer fields than #fields names");
    return kz_reader_line_end(r, line, len, lineno, fn, ctx);
}
