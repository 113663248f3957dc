/* buf.c - growable byte buffer with a hard cap (see include/kizuna/buf.h). */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "kizuna/alloc.h"
#include "kizuna/buf.h"

void kz_buf_init(kz_buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max ? max : SIZE_MAX / 2;
}

void kz_buf_release(kz_buf *b)
{
    kz_free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void kz_buf_reset(kz_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

kz_err kz_buf_reserve(kz_buf *b, size_t extra)
{
    if (extra > b->max || b->len > b->max - extra)
        return KZ_ETOOBIG;
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return KZ_OK;
    size_t ncap = b->cap ? b->cap : 64;
    while (ncap < need)
        ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
    char *p = kz_realloc(b->data, ncap);
    if (!p)
        return KZ_ENOMEM;
    b->data = p;
    b->cap = ncap;
    return KZ_OK;
}

kz_err kz_buf_append(kz_buf *b, const void *data, size_t len)
{
    kz_err rc = kz_buf_reserve(b, len);
    if (rc)
        return rc;
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return KZ_OK;
}

kz_err kz_buf_append_str(kz_buf *b, const char *s)
{
    return kz_buf_append(b, s, strlen(s));
}

kz_err kz_buf_append_char(kz_buf *b, char c)
{
    if (b->len + 1 < b->cap && b->len < b->max) {
        b->data[b->len++] = c;
        b->data[b->len] = '\0';
        return KZ_OK;
    }
    return kz_buf_append(b, &c, 1);
}

kz_err kz_buf_append_uint(kz_buf *b, uint64_t v)
{
    char d[20]; /* UINT64_MAX has 20 digits */
    size_t i = sizeof d;
    do {
        d[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return kz_buf_append(b, d + i, sizeof d - i);
}

kz_err kz_buf_vprintf(kz_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return KZ_EINVAL;
    kz_err rc = kz_buf_reserve(b, (size_t)n);
    if (rc)
        return rc;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return KZ_OK;
}

kz_err kz_buf_printf(kz_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kz_err rc = kz_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

char *kz_buf_detach(kz_buf *b, size_t *len_out)
{
    if (!b->data && kz_buf_reserve(b, 0) != KZ_OK)
        return NULL;
    char *p = b->data;
    if (len_out)
        *len_out = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}
