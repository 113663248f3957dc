/* json_write.c - serialising kz_json values: compact, pretty, ASCII-only,
 * and RFC 8785 (JSON Canonicalization Scheme) for signatures and
 * deterministic ids. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_int.h"
#include "kizuna/alloc.h"

static const char hexdig[] = "0123456789abcdef";

static unsigned decode_utf8(const unsigned char *s, size_t n, size_t *used)
{
    if (n == 1 || s[0] < 0x80) {
        *used = 1;
        return s[0];
    }
    if (n == 2) {
        *used = 2;
        return (unsigned)(s[0] & 0x1F) << 6 | (s[1] & 0x3F);
    }
    if (n == 3) {
        *used = 3;
        return (unsigned)(s[0] & 0x0F) << 12 | (unsigned)(s[1] & 0x3F) << 6 | (s[2] & 0x3F);
    }
    *used = 4;
    return (unsigned)(s[0] & 0x07) << 18 | (unsigned)(s[1] & 0x3F) << 12 |
           (unsigned)(s[2] & 0x3F) << 6 | (s[3] & 0x3F);
}

static kz_err put_u_escape(kz_buf *b, unsigned u)
{
    char e[6] = {'\\', 'u', hexdig[u >> 12 & 15], hexdig[u >> 8 & 15], hexdig[u >> 4 & 15],
                 hexdig[u & 15]};
    return kz_buf_append(b, e, 6);
}

kz_err kz_json_write_string(kz_buf *b, const char *s, size_t len, int flags)
{
    kz_err rc = kz_buf_reserve(b, len + 2);
    if (rc)
        return rc;
    b->data[b->len++] = '"';
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    while (p < end) {
        const unsigned char *run = p;
        while (p < end && *p >= 0x20 && *p != '"' && *p != '\\' &&
               (*p < 0x80 || !(flags & KZ_JSON_ASCII)))
            p++;
        if (p > run && (rc = kz_buf_append(b, run, (size_t)(p - run))) != KZ_OK)
            return rc;
        if (p >= end)
            break;
        unsigned char c = *p;
        const char *esc = NULL;
        switch (c) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\b': esc = "\\b"; break;
        case '\f': esc = "\\f"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        default: break;
        }
        if (esc) {
            rc = kz_buf_append(b, esc, 2);
            p++;
        } else if (c < 0x20) {
            rc = put_u_escape(b, c);
            p++;
        } else {
            /* Non-ASCII with KZ_JSON_ASCII: \uXXXX, surrogate pairs above the BMP. */
            size_t n = kz_utf8_seq_len(p, (size_t)(end - p));
            if (n == 0)
                return KZ_EINVAL;
            size_t used;
            unsigned cp = decode_utf8(p, n, &used);
            p += used;
            if (cp >= 0x10000) {
                cp -= 0x10000;
                rc = put_u_escape(b, 0xD800 + (cp >> 10));
                if (!rc)
                    rc = put_u_escape(b, 0xDC00 + (cp & 0x3FF));
            } else {
                rc = put_u_escape(b, cp);
            }
        }
        if (rc)
            return rc;
    }
    return kz_buf_append_char(b, '"');
}

/* ECMAScript Number::toString for finite doubles (RFC 8785 section 3.2.2.3):
 * the shortest digit string that round-trips, placed per the ES rules. */
static kz_err write_es6_number(kz_buf *b, double d)
{
    if (!isfinite(d))
        return KZ_EINVAL;
    if (d == 0)
        return kz_buf_append_char(b, '0');
    if (d < 0) {
        kz_err rc = kz_buf_append_char(b, '-');
        if (rc)
            return rc;
        d = -d;
    }
    char tmp[40], digits[24];
    int k = 0, exp10 = 0;
    for (int p = 1; p <= 17; p++) {
        snprintf(tmp, sizeof tmp, "%.*e", p - 1, d);
        if (strtod(tmp, NULL) == d || p == 17) {
            /* tmp is "D.DDDDe+XX" or "De+XX" */
            char *e = strchr(tmp, 'e');
            exp10 = (int)strtol(e + 1, NULL, 10);
            k = 0;
            for (char *q = tmp; q < e; q++)
                if (*q >= '0' && *q <= '9')
                    digits[k++] = *q;
            while (k > 1 && digits[k - 1] == '0')
                k--;
            digits[k] = '\0';
            break;
        }
    }
    int n = exp10 + 1;
    char out[64];
    size_t o = 0;
    if (k <= n && n <= 21) {
        memcpy(out, digits, (size_t)k);
        o = (size_t)k;
        for (int i = 0; i < n - k; i++)
            out[o++] = '0';
    } else if (0 < n && n <= 21) {
        memcpy(out, digits, (size_t)n);
        o = (size_t)n;
        out[o++] = '.';
        memcpy(out + o, digits + n, (size_t)(k - n));
        o += (size_t)(k - n);
    } else if (-6 < n && n <= 0) {
        out[o++] = '0';
        out[o++] = '.';
        for (int i = 0; i < -n; i++)
            out[o++] = '0';
        memcpy(out + o, digits, (size_t)k);
        o += (size_t)k;
    } else {
        out[o++] = digits[0];
        if (k > 1) {
            out[o++] = '.';
            memcpy(out + o, digits + 1, (size_t)(k - 1));
            o += (size_t)(k - 1);
        }
        o += (size_t)snprintf(out + o, sizeof out - o, "e%c%d", n - 1 >= 0 ? '+' : '-',
                              abs(n - 1));
    }
    return kz_buf_append(b, out, o);
}

/* Next UTF-16 code unit of a UTF-8 string; *pend carries the low surrogate. */
static unsigned next_utf16(const unsigned char **p, const unsigned char *end, unsigned *pend)
{
    if (*pend) {
        unsigned u = *pend;
        *pend = 0;
        return u;
    }
    size_t n = kz_utf8_seq_len(*p, (size_t)(end - *p));
    if (n == 0)
        n = 1;
    size_t used;
    unsigned cp = decode_utf8(*p, n, &used);
    *p += used;
    if (cp >= 0x10000) {
        cp -= 0x10000;
        *pend = 0xDC00 + (cp & 0x3FF);
        return 0xD800 + (cp >> 10);
    }
    return cp;
}

static int cmp_utf16(const void *x, const void *y)
{
    const kz_json_member *a = *(kz_json_member *const *)x, *b = *(kz_json_member *const *)y;
    const unsigned char *p = (const unsigned char *)a->key, *pe = p + a->key_len;
    const unsigned char *q = (const unsigned char *)b->key, *qe = q + b->key_len;
    unsigned pp = 0, qp = 0;
    while ((p < pe || pp) && (q < qe || qp)) {
        unsigned u = next_utf16(&p, pe, &pp), v = next_utf16(&q, qe, &qp);
        if (u != v)
            return u < v ? -1 : 1;
    }
    bool a_more = p < pe || pp, b_more = q < qe || qp;
    return (int)a_more - (int)b_more;
}

static kz_err indent(kz_buf *b, int flags, int level)
{
    if (!(flags & KZ_JSON_PRETTY))
        return KZ_OK;
    kz_err rc = kz_buf_append_char(b, '\n');
    for (int i = 0; !rc && i < level; i++)
        rc = kz_buf_append(b, "  ", 2);
    return rc;
}

static kz_err write_value(kz_buf *b, const kz_json *v, int flags, int level)
{
    kz_err rc = KZ_OK;
    if (level > 1000)
        return KZ_EDEPTH;
    switch (v->type) {
    case KZ_JSON_NULL: return kz_buf_append(b, "null", 4);
    case KZ_JSON_TRUE: return kz_buf_append(b, "true", 4);
    case KZ_JSON_FALSE: return kz_buf_append(b, "false", 5);
    case KZ_JSON_NUMBER:
        if (flags & KZ_JSON_CANONICAL)
            return write_es6_number(b, v->u.num.d);
        return kz_buf_append(b, v->u.num.text, v->u.num.len);
    case KZ_JSON_STRING:
        return kz_json_write_string(b, v->u.str.ptr, v->u.str.len, flags);
    case KZ_JSON_ARRAY:
        if ((rc = kz_buf_append_char(b, '[')))
            return rc;
        for (size_t i = 0; i < v->u.arr.n; i++) {
            if (i && (rc = kz_buf_append_char(b, ',')))
                return rc;
            if ((rc = indent(b, flags, level + 1)) || (rc = write_value(b, v->u.arr.items[i], flags, level + 1)))
                return rc;
        }
        if (v->u.arr.n && (rc = indent(b, flags, level)))
            return rc;
        return kz_buf_append_char(b, ']');
    case KZ_JSON_OBJECT: {
        size_t n = v->u.obj.n;
        const kz_json_member **order = NULL;
        if ((flags & KZ_JSON_CANONICAL) && n > 1) {
            order = kz_malloc(n * sizeof *order);
            if (!order)
                return KZ_ENOMEM;
            for (size_t i = 0; i < n; i++)
                order[i] = &v->u.obj.members[i];
            qsort(order, n, sizeof *order, cmp_utf16);
        }
        rc = kz_buf_append_char(b, '{');
        for (size_t i = 0; !rc && i < n; i++) {
            const kz_json_member *m = order ? order[i] : &v->u.obj.members[i];
            if (i)
                rc = kz_buf_append_char(b, ',');
            if (!rc)
                rc = indent(b, flags, level + 1);
            if (!rc)
                rc = kz_json_write_string(b, m->key, m->key_len, flags);
            if (!rc)
                rc = (flags & KZ_JSON_PRETTY) ? kz_buf_append(b, ": ", 2) : kz_buf_append_char(b, ':');
            if (!rc)
                rc = write_value(b, m->value, flags, level + 1);
        }
        kz_free(order);
        if (!rc && n)
            rc = indent(b, flags, level);
        if (!rc)
            rc = kz_buf_append_char(b, '}');
        return rc;
    }
    }
    return KZ_EINVAL;
}

kz_err kz_json_write(kz_buf *b, const kz_json *v, int flags)
{
    if (!v)
        return KZ_EINVAL;
    if (flags & KZ_JSON_CANONICAL)
        flags &= ~(KZ_JSON_PRETTY | KZ_JSON_ASCII);
    size_t mark = b->len;
    kz_err rc = write_value(b, v, flags, 0);
    if (rc) {
        b->len = mark; /* leave the buffer as it was */
        if (b->data)
            b->data[mark] = '\0';
    }
    return rc;
}
