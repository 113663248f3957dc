/* warninglist_fast.c - reading a warninglist file of the plain shape every
 * shipped list has (an object of the six known members, printable ASCII
 * strings, an integer version) straight into the spans the index needs,
 * without building a JSON tree: the JSON parse was a third of start-up.
 * Anything else - other bytes, \u escapes, unknown or repeated members,
 * any value the schema refuses - is left to the JSON parser and
 * check_shape, which read it as before and say what is wrong. */
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "kizuna/alloc.h"
#include "extract/warninglist_int.h"

bool wl_fast_disabled;

typedef struct fp {
    const char *p, *end;
    kz_arena *a;
} fp;

static void skip_ws(fp *f)
{
    while (f->p < f->end && (*f->p == ' ' || *f->p == '\t' || *f->p == '\n' || *f->p == '\r'))
        f->p++;
}

static bool eat(fp *f, char c)
{
    skip_ws(f);
    if (f->p >= f->end || *f->p != c)
        return false;
    f->p++;
    return true;
}

/* A string with the simple escapes (\" \\ \/ \b \f \n \r \t) decoded into
 * the arena; printable ASCII (and DEL) only. */
static bool read_escaped(fp *f, const char *s, wl_span *out)
{
    const char *q = s;
    while (q < f->end && *q != '"')
        q += *q == '\\' ? 2 : 1;
    if (q >= f->end)
        return false;
    char *o = kz_arena_alloc(f->a, (size_t)(q - s) + 1);
    if (!o)
        return false; /* the parser will say "out of memory" */
    size_t n = 0;
    for (const char *c = s; c < q; c++) {
        unsigned char b = (unsigned char)*c;
        if (b < 0x20 || b >= 0x80)
            return false;
        if (b != '\\') {
            o[n++] = (char)b;
            continue;
        }
        static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
        const char *e = memchr(from, c[1], sizeof from - 1);
        if (!c[1] || !e)
            return false; /* \u and anything odd: the parser's job */
        o[n++] = to[e - from];
        c++;
    }
    o[n] = '\0';
    out->p = o;
    out->len = n;
    f->p = q + 1;
    return true;
}

/* The first byte of s[0..end) that ends a plain string run: '"', '\\',
 * a control character or a byte >= 0x80 (end if none). SSE2 16 bytes at
 * a time while 16 remain (no read past end), then byte by byte. */
static const char *run_end(const char *s, const char *end)
{
#ifdef __SSE2__
    const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\'),
                  space = _mm_set1_epi8(0x20);
    while (end - s >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)s);
        /* signed: bytes >= 0x80 are negative, so below 0x20 too */
        __m128i stop = _mm_or_si128(_mm_cmplt_epi8(v, space),
                                    _mm_or_si128(_mm_cmpeq_epi8(v, quote),
                                                 _mm_cmpeq_epi8(v, bslash)));
        unsigned m = (unsigned)_mm_movemask_epi8(stop);
        if (m)
            return s + __builtin_ctz(m);
        s += 16;
    }
#endif
    while (s < end) {
        unsigned char b = (unsigned char)*s;
        if (b < 0x20 || b >= 0x80 || b == '"' || b == '\\')
            return s;
        s++;
    }
    return end;
}

static bool read_string(fp *f, wl_span *out)
{
    skip_ws(f);
    if (f->p >= f->end || *f->p != '"')
        return false;
    const char *s = f->p + 1;
    const char *q = run_end(s, f->end);
    if (q < f->end && *q == '\\')
        return read_escaped(f, s, out);
    if (q >= f->end || *q != '"')
        return false; /* unterminated, a control character or UTF-8 */
    out->p = s;
    out->len = (size_t)(q - s);
    f->p = q + 1;
    return true;
}

/* -?(0|[1-9][0-9]{0,17}): what the parser surely reads as an int64. */
static bool read_int(fp *f, int64_t *out)
{
    skip_ws(f);
    bool neg = f->p < f->end && *f->p == '-';
    const char *d = f->p + neg, *c = d;
    while (c < f->end && *c >= '0' && *c <= '9')
        c++;
    size_t nd = (size_t)(c - d);
    if (!nd || nd > 18 || (nd > 1 && *d == '0') || (neg && *d == '0'))
        return false;
    if (c < f->end && (*c == '.' || *c == 'e' || *c == 'E'))
        return false;
    int64_t v = 0;
    for (const char *k = d; k < c; k++)
        v = v * 10 + (*k - '0');
    *out = neg ? -v : v;
    f->p = c;
    return true;
}

/* An array of strings into a heap array (*items, the caller frees it). */
static bool read_strings(fp *f, wl_span **items, size_t *n)
{
    size_t cap = 0;
    *items = NULL;
    *n = 0;
    if (!eat(f, '['))
        return false;
    skip_ws(f);
    if (f->p < f->end && *f->p == ']') {
        f->p++;
        return true;
    }
    for (;;) {
        if (*n == cap) {
            size_t nc = cap ? cap * 2 : 64;
            wl_span *p = kz_realloc(*items, nc * sizeof *p);
            if (!p)
                return false;
            *items = p;
            cap = nc;
        }
        if (*n == KZ_WL_MAX_ENTRIES || !read_string(f, &(*items)[*n]))
            return false;
        (*n)++;
        if (eat(f, ']'))
            return true;
        if (f->p >= f->end || *f->p != ',')
            return false;
        f->p++;
    }
}

enum { M_NAME, M_DESC, M_TYPE, M_LIST, M_ATTRS, M_VERSION, M__COUNT };
static const char *const members[M__COUNT] = {"name", "description", "type", "list",
                                              "matching_attributes", "version"};

static bool span_is(const wl_span *s, const char *lit)
{
    size_t l = strlen(lit);
    return s->len == l && memcmp(s->p, lit, l) == 0;
}

static bool read_doc(fp *f, wl_doc *d, wl_span **attrs, size_t *n_attrs)
{
    bool seen[M__COUNT] = {false};
    wl_span type = {0};
    if (!eat(f, '{'))
        return false;
    for (;;) {
        wl_span key;
        int k = 0;
        if (!read_string(f, &key))
            return false;
        while (k < M__COUNT && !span_is(&key, members[k]))
            k++;
        if (k == M__COUNT || seen[k] || !eat(f, ':'))
            return false;
        seen[k] = true;
        bool ok;
        switch (k) {
        case M_NAME: ok = read_string(f, &d->name); break;
        case M_DESC: ok = read_string(f, &d->description); break;
        case M_TYPE: ok = read_string(f, &type); break;
        case M_LIST: ok = read_strings(f, &d->list, &d->n); break;
        case M_ATTRS: ok = read_strings(f, attrs, n_attrs); break;
        default: ok = read_int(f, &d->version); break;
        }
        if (!ok)
            return false;
        if (eat(f, '}'))
            break;
        if (f->p >= f->end || *f->p != ',')
            return false;
        f->p++;
    }
    skip_ws(f);
    if (f->p != f->end)
        return false;
    /* what check_shape requires; anything it would refuse goes to it */
    for (int k = 0; k < M__COUNT; k++)
        if (!seen[k] && k != M_ATTRS)
            return false;
    if (d->name.len > KZ_WL_MAX_TEXT || d->description.len > KZ_WL_MAX_TEXT ||
        type.len > KZ_WL_MAX_TEXT || !wl_type_by_name(type.p, type.len, &d->type))
        return false;
    for (size_t i = 0; i < d->n; i++)
        if (!d->list[i].len || d->list[i].len > KZ_WL_MAX_ENTRY)
            return false; /* (no NUL can be in: no \u escapes here) */
    d->applies = WL_ALL_TYPES;
    if (*n_attrs) /* an empty array says nothing, as in check_shape */
        d->applies = 0;
    for (size_t i = 0; i < *n_attrs; i++)
        d->applies |= wl_attr_types((*attrs)[i].p, (*attrs)[i].len);
    return true;
}

bool wl_fast_doc(kz_arena *a, const char *buf, size_t len, wl_doc *d)
{
    memset(d, 0, sizeof *d);
    if (wl_fast_disabled || !buf)
        return false;
    fp f = {.p = buf, .end = buf + len, .a = a};
    wl_span *attrs = NULL;
    size_t n_attrs = 0;
    bool ok = read_doc(&f, d, &attrs, &n_attrs);
    kz_free(attrs);
    if (!ok) {
        kz_free(d->list);
        memset(d, 0, sizeof *d);
        return false;
    }
    d->list_heap = true;
    return true;
}
