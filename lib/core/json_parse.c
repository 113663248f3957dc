/* json_parse.c - strict RFC 8259 / I-JSON parser into arena-allocated
 * kz_json values (see include/kizuna/json.h).
 *
 * Speed matters (STIX validation must run at >= 100 MB/s), so strings are
 * scanned with a tight loop over plain ASCII, containers collect their
 * children on one shared scratch stack and are copied into the arena once
 * their size is known, and numbers are converted with strtod only when
 * they have a fraction or exponent. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_int.h"
#include "kizuna/codec.h"
#include "kizuna/alloc.h"

#define DEFAULT_MAX_DEPTH 64
#define DEFAULT_MAX_STRING (16u * 1024 * 1024)
#define DEFAULT_MAX_MEMBERS 1000000u

typedef struct parser {
    const char *start, *p, *end;
    kz_arena *a;
    kz_json_error *err;
    size_t max_depth, max_string, max_members;
    size_t depth;
    kz_json_member *stack; /* scratch for container children (heap) */
    size_t sp, scap;
    kz_err rc;
} parser;

void kz_json_set_error(kz_json_error *err, const char *buf, size_t offset, size_t line_base,
                       const char *fmt, ...)
{
    if (!err)
        return;
    size_t line = line_base ? line_base : 1, col = 1;
    for (size_t i = 0; i < offset; i++) {
        if (buf[i] == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    err->offset = offset;
    err->line = line;
    err->column = col;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
}

static kz_err fail(parser *ps, const char *at, kz_err rc, const char *msg)
{
    if (ps->rc == KZ_OK) {
        ps->rc = rc;
        kz_json_set_error(ps->err, ps->start, (size_t)(at - ps->start), 1, "%s", msg);
    }
    return rc;
}

size_t kz_utf8_seq_len(const unsigned char *s, size_t avail)
{
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        if (avail < 2 || (s[1] & 0xC0) != 0x80)
            return 0;
        return 2;
    }
    if (c >= 0xE0 && c <= 0xEF) {
        if (avail < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
            return 0;
        if (c == 0xE0 && s[1] < 0xA0)
            return 0; /* overlong */
        if (c == 0xED && s[1] >= 0xA0)
            return 0; /* UTF-16 surrogate */
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (avail < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
            return 0;
        if (c == 0xF0 && s[1] < 0x90)
            return 0; /* overlong */
        if (c == 0xF4 && s[1] >= 0x90)
            return 0; /* > U+10FFFF */
        return 4;
    }
    return 0;
}

static inline void skip_ws(parser *ps)
{
    const char *p = ps->p, *end = ps->end;
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
        p++;
    ps->p = p;
}

static kz_json *new_value(parser *ps, kz_json_type t, const char *at)
{
    kz_json *v = kz_arena_alloc(ps->a, sizeof *v);
    if (!v) {
        fail(ps, at, KZ_ENOMEM, "out of memory");
        return NULL;
    }
    v->type = t;
    v->offset = (size_t)(at - ps->start);
    return v;
}

static int read_hex4(const char *p, const char *end, unsigned *out)
{
    if (end - p < 4)
        return -1;
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        int h = kz_hex_value(p[i]);
        if (h < 0)
            return -1;
        v = v << 4 | (unsigned)h;
    }
    *out = v;
    return 0;
}

static size_t put_utf8(char *o, unsigned cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | cp >> 6);
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | cp >> 12);
        o[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | cp >> 18);
    o[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    o[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Parses the string whose opening quote is at ps->p. On success returns the
 * unescaped, NUL-terminated copy in the arena and its length. */
static const char *parse_string(parser *ps, size_t *len_out)
{
    const char *open = ps->p;
    const unsigned char *p = (const unsigned char *)ps->p + 1;
    const unsigned char *end = (const unsigned char *)ps->end;
    bool escaped = false;

    /* Pass 1: find the closing quote, validate UTF-8 and control chars. */
    for (;;) {
        while (p < end && *p >= 0x20 && *p != '"' && *p != '\\' && *p < 0x80)
            p++;
        if (p >= end) {
            fail(ps, open, KZ_EPARSE, "unterminated string");
            return NULL;
        }
        if (*p == '"')
            break;
        if (*p == '\\') {
            escaped = true;
            if (p + 1 >= end) {
                fail(ps, (const char *)p, KZ_EPARSE, "unterminated string");
                return NULL;
            }
            p += 2;
            continue;
        }
        if (*p < 0x20) {
            fail(ps, (const char *)p, KZ_EPARSE, "control character in string (must be escaped)");
            return NULL;
        }
        size_t n = kz_utf8_seq_len(p, (size_t)(end - p));
        if (n == 0) {
            fail(ps, (const char *)p, KZ_EPARSE, "invalid UTF-8 in string");
            return NULL;
        }
        p += n;
    }
    size_t raw_len = (size_t)((const char *)p - open - 1);
    if (raw_len > ps->max_string) {
        fail(ps, open, KZ_ETOOBIG, "string longer than the configured limit");
        return NULL;
    }
    ps->p = (const char *)p + 1;
    char *out = kz_arena_alloc(ps->a, raw_len + 1);
    if (!out) {
        fail(ps, open, KZ_ENOMEM, "out of memory");
        return NULL;
    }
    if (!escaped) {
        memcpy(out, open + 1, raw_len);
        out[raw_len] = '\0';
        *len_out = raw_len;
        return out;
    }
    /* Pass 2: decode escapes (the output is never longer than the input). */
    const char *s = open + 1, *send = open + 1 + raw_len;
    size_t o = 0;
    while (s < send) {
        if (*s != '\\') {
            out[o++] = *s++;
            continue;
        }
        const char *esc = s;
        s++;
        switch (*s) {
        case '"': out[o++] = '"'; s++; break;
        case '\\': out[o++] = '\\'; s++; break;
        case '/': out[o++] = '/'; s++; break;
        case 'b': out[o++] = '\b'; s++; break;
        case 'f': out[o++] = '\f'; s++; break;
        case 'n': out[o++] = '\n'; s++; break;
        case 'r': out[o++] = '\r'; s++; break;
        case 't': out[o++] = '\t'; s++; break;
        case 'u': {
            unsigned cp;
            if (read_hex4(s + 1, send, &cp) != 0) {
                fail(ps, esc, KZ_EPARSE, "bad \\u escape");
                return NULL;
            }
            s += 5;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                unsigned lo;
                if (send - s < 6 || s[0] != '\\' || s[1] != 'u' || read_hex4(s + 2, send, &lo) != 0 ||
                    lo < 0xDC00 || lo > 0xDFFF) {
                    fail(ps, esc, KZ_EPARSE, "lone UTF-16 surrogate in \\u escape");
                    return NULL;
                }
                s += 6;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                fail(ps, esc, KZ_EPARSE, "lone UTF-16 surrogate in \\u escape");
                return NULL;
            }
            o += put_utf8(out + o, cp);
            break;
        }
        default:
            fail(ps, esc, KZ_EPARSE, "invalid escape in string");
            return NULL;
        }
    }
    out[o] = '\0';
    *len_out = o;
    return out;
}

static kz_json *parse_number(parser *ps)
{
    const char *s = ps->p, *p = s, *end = ps->end;
    bool is_int = true;
    if (p < end && *p == '-')
        p++;
    if (p >= end || !(*p >= '0' && *p <= '9')) {
        fail(ps, s, KZ_EPARSE, "invalid number");
        return NULL;
    }
    if (*p == '0') {
        p++;
        if (p < end && *p >= '0' && *p <= '9') {
            fail(ps, s, KZ_EPARSE, "leading zero in number");
            return NULL;
        }
    } else {
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    }
    if (p < end && *p == '.') {
        is_int = false;
        p++;
        if (p >= end || !(*p >= '0' && *p <= '9')) {
            fail(ps, s, KZ_EPARSE, "digit expected after decimal point");
            return NULL;
        }
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        is_int = false;
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        if (p >= end || !(*p >= '0' && *p <= '9')) {
            fail(ps, s, KZ_EPARSE, "digit expected in exponent");
            return NULL;
        }
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    }
    size_t len = (size_t)(p - s);
    if (len > 1024) {
        fail(ps, s, KZ_ETOOBIG, "number too long");
        return NULL;
    }
    kz_json *v = new_value(ps, KZ_JSON_NUMBER, s);
    char *text = v ? kz_arena_strndup(ps->a, s, len) : NULL;
    if (!text) {
        fail(ps, s, KZ_ENOMEM, "out of memory");
        return NULL;
    }
    v->u.num.text = text;
    v->u.num.len = len;
    v->u.num.is_int = false;
    v->u.num.i = 0;
    if (is_int) {
        errno = 0;
        long long ll = strtoll(text, NULL, 10);
        if (errno == 0) {
            v->u.num.is_int = true;
            v->u.num.i = ll;
            v->u.num.d = (double)ll;
        } else {
            v->u.num.d = strtod(text, NULL);
        }
    } else {
        v->u.num.d = strtod(text, NULL);
    }
    ps->p = p;
    return v;
}

static kz_err push_child(parser *ps, const char *key, size_t key_len, kz_json *v)
{
    if (ps->sp == ps->scap) {
        size_t ncap = ps->scap ? ps->scap * 2 : 64;
        kz_json_member *n = kz_realloc(ps->stack, ncap * sizeof *n);
        if (!n)
            return KZ_ENOMEM;
        ps->stack = n;
        ps->scap = ncap;
    }
    ps->stack[ps->sp].key = key;
    ps->stack[ps->sp].key_len = key_len;
    ps->stack[ps->sp].value = v;
    ps->sp++;
    return KZ_OK;
}

static int cmp_member_key(const void *a, const void *b)
{
    const kz_json_member *x = *(kz_json_member *const *)a, *y = *(kz_json_member *const *)b;
    size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
    int c = memcmp(x->key, y->key, n);
    if (c)
        return c;
    return (x->key_len > y->key_len) - (x->key_len < y->key_len);
}

/* Returns the index of a duplicated key among m[0..n), or (size_t)-1. */
static size_t find_duplicate(parser *ps, kz_json_member *m, size_t n)
{
    if (n <= 24) {
        for (size_t i = 1; i < n; i++)
            for (size_t j = 0; j < i; j++)
                if (m[i].key_len == m[j].key_len && memcmp(m[i].key, m[j].key, m[i].key_len) == 0)
                    return i;
        return (size_t)-1;
    }
    kz_json_member **idx = kz_malloc(n * sizeof *idx);
    if (!idx) {
        ps->rc = KZ_ENOMEM;
        return (size_t)-1;
    }
    for (size_t i = 0; i < n; i++)
        idx[i] = &m[i];
    qsort(idx, n, sizeof *idx, cmp_member_key);
    size_t dup = (size_t)-1;
    for (size_t i = 1; i < n; i++)
        if (cmp_member_key(&idx[i - 1], &idx[i]) == 0) {
            dup = (size_t)(idx[i] - m);
            break;
        }
    kz_free(idx);
    return dup;
}

static kz_json *parse_value(parser *ps);

static kz_json *parse_container(parser *ps, bool is_object)
{
    const char *open = ps->p;
    if (++ps->depth > ps->max_depth) {
        fail(ps, open, KZ_EDEPTH, "nesting too deep");
        return NULL;
    }
    kz_json *v = new_value(ps, is_object ? KZ_JSON_OBJECT : KZ_JSON_ARRAY, open);
    if (!v)
        return NULL;
    size_t base = ps->sp;
    char close = is_object ? '}' : ']';
    ps->p++;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == close) {
        ps->p++;
    } else {
        for (;;) {
            const char *key = NULL;
            size_t key_len = 0;
            skip_ws(ps);
            if (is_object) {
                if (ps->p >= ps->end || *ps->p != '"') {
                    fail(ps, ps->p < ps->end ? ps->p : ps->end, KZ_EPARSE,
                         "expected a member name (a string)");
                    goto err;
                }
                key = parse_string(ps, &key_len);
                if (!key)
                    goto err;
                skip_ws(ps);
                if (ps->p >= ps->end || *ps->p != ':') {
                    fail(ps, ps->p, KZ_EPARSE, "expected ':' after member name");
                    goto err;
                }
                ps->p++;
                skip_ws(ps);
            }
            kz_json *child = parse_value(ps);
            if (!child)
                goto err;
            if (ps->sp - base >= ps->max_members) {
                fail(ps, open, KZ_ETOOBIG, "too many members or items");
                goto err;
            }
            if (push_child(ps, key, key_len, child) != KZ_OK) {
                fail(ps, open, KZ_ENOMEM, "out of memory");
                goto err;
            }
            skip_ws(ps);
            if (ps->p < ps->end && *ps->p == ',') {
                ps->p++;
                continue;
            }
            if (ps->p < ps->end && *ps->p == close) {
                ps->p++;
                break;
            }
            fail(ps, ps->p, KZ_EPARSE,
                 is_object ? "expected ',' or '}' in object" : "expected ',' or ']' in array");
            goto err;
        }
    }
    size_t n = ps->sp - base;
    if (is_object) {
        kz_json_member *m = NULL;
        if (n) {
            m = kz_arena_alloc(ps->a, n * sizeof *m);
            if (!m) {
                fail(ps, open, KZ_ENOMEM, "out of memory");
                goto err;
            }
            memcpy(m, ps->stack + base, n * sizeof *m);
            size_t dup = find_duplicate(ps, m, n);
            if (ps->rc)
                goto err;
            if (dup != (size_t)-1) {
                char msg[96];
                snprintf(msg, sizeof msg, "duplicate member name \"%.48s\"", m[dup].key);
                fail(ps, open, KZ_EPARSE, msg);
                goto err;
            }
        }
        v->u.obj.members = m;
        v->u.obj.n = n;
        v->u.obj.cap = n;
    } else {
        kz_json **items = NULL;
        if (n) {
            items = kz_arena_alloc(ps->a, n * sizeof *items);
            if (!items) {
                fail(ps, open, KZ_ENOMEM, "out of memory");
                goto err;
            }
            for (size_t i = 0; i < n; i++)
                items[i] = ps->stack[base + i].value;
        }
        v->u.arr.items = items;
        v->u.arr.n = n;
        v->u.arr.cap = n;
    }
    ps->sp = base;
    ps->depth--;
    return v;
err:
    ps->sp = base;
    return NULL;
}

static kz_json *parse_literal(parser *ps, const char *word, size_t n, kz_json_type t)
{
    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0) {
        fail(ps, ps->p, KZ_EPARSE, "invalid literal");
        return NULL;
    }
    kz_json *v = new_value(ps, t, ps->p);
    if (v)
        ps->p += n;
    return v;
}

static kz_json *parse_value(parser *ps)
{
    if (ps->p >= ps->end) {
        fail(ps, ps->end, KZ_EPARSE, "unexpected end of input");
        return NULL;
    }
    switch (*ps->p) {
    case '{':
        return parse_container(ps, true);
    case '[':
        return parse_container(ps, false);
    case '"': {
        const char *at = ps->p;
        size_t len;
        const char *s = parse_string(ps, &len);
        if (!s)
            return NULL;
        kz_json *v = new_value(ps, KZ_JSON_STRING, at);
        if (!v)
            return NULL;
        v->u.str.ptr = s;
        v->u.str.len = len;
        return v;
    }
    case 't':
        return parse_literal(ps, "true", 4, KZ_JSON_TRUE);
    case 'f':
        return parse_literal(ps, "false", 5, KZ_JSON_FALSE);
    case 'n':
        return parse_literal(ps, "null", 4, KZ_JSON_NULL);
    default:
        if (*ps->p == '-' || (*ps->p >= '0' && *ps->p <= '9'))
            return parse_number(ps);
        fail(ps, ps->p, KZ_EPARSE, "unexpected character; expected a JSON value");
        return NULL;
    }
}

kz_err kz_json_parse(kz_arena *a, const char *buf, size_t len, const kz_json_limits *lim,
                     kz_json **out, kz_json_error *err)
{
    parser ps = {0};
    ps.start = ps.p = buf;
    ps.end = buf + len;
    ps.a = a;
    ps.err = err;
    ps.max_depth = lim && lim->max_depth ? lim->max_depth : DEFAULT_MAX_DEPTH;
    ps.max_string = lim && lim->max_string ? lim->max_string : DEFAULT_MAX_STRING;
    ps.max_members = lim && lim->max_members ? lim->max_members : DEFAULT_MAX_MEMBERS;
    *out = NULL;
    if (err)
        memset(err, 0, sizeof *err);

    skip_ws(&ps);
    kz_json *v = parse_value(&ps);
    if (v) {
        skip_ws(&ps);
        if (ps.p != ps.end) {
            fail(&ps, ps.p, KZ_EPARSE, "unexpected data after the JSON value");
            v = NULL;
        }
    }
    kz_free(ps.stack);
    if (!v)
        return ps.rc ? ps.rc : KZ_EPARSE;
    *out = v;
    return KZ_OK;
}
