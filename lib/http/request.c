/* request.c - the MHD-independent half of lib/http: header and query
 * lookups, query-string and path percent-decoding, response headers. */
#include <string.h>
#include <strings.h>

#include "kizuna/codec.h"
#include "kizuna/http.h"

const char *kz_http_header(const kz_http_request *r, const char *name)
{
    for (size_t i = 0; i < r->n_headers; i++)
        if (r->headers[i].name && strcasecmp(r->headers[i].name, name) == 0)
            return r->headers[i].value;
    return NULL;
}

const char *kz_http_query_get(const kz_http_request *r, const char *name, size_t *count)
{
    const char *first = NULL;
    size_t n = 0;
    for (size_t i = 0; i < r->n_query; i++) {
        if (r->query[i].name && strcmp(r->query[i].name, name) == 0) {
            if (!first)
                first = r->query[i].value;
            n++;
        }
    }
    if (count)
        *count = n;
    return first;
}

kz_err kz_http_response_header(kz_http_response *resp, const char *name, const char *value)
{
    if (resp->n_headers >= KZ_HTTP_RESP_HEADERS)
        return KZ_ETOOBIG;
    resp->headers[resp->n_headers].name = name;
    resp->headers[resp->n_headers].value = value;
    resp->n_headers++;
    return KZ_OK;
}

/* Decodes s[0..len) into a new arena string; plus_space turns '+' into ' '
 * (form encoding, query strings only). A decoded NUL is refused: every
 * consumer treats these as C strings and must not see a truncated value. */
static kz_err decode(kz_arena *a, const char *s, size_t len, bool plus_space, char **out)
{
    char *d = kz_arena_alloc(a, len + 1);
    if (!d)
        return KZ_ENOMEM;
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '%') {
            if (i + 2 >= len)
                return KZ_EPARSE;
            int h = kz_hex_value((unsigned char)s[i + 1]), l = kz_hex_value((unsigned char)s[i + 2]);
            if (h < 0 || l < 0)
                return KZ_EPARSE;
            c = (char)(h * 16 + l);
            i += 2;
        } else if (plus_space && c == '+') {
            c = ' ';
        }
        if (c == '\0')
            return KZ_EPARSE;
        d[o++] = c;
    }
    d[o] = '\0';
    *out = d;
    return KZ_OK;
}

kz_err kz_http_path_decode(kz_arena *a, const char *s, size_t len, char **out)
{
    return decode(a, s, len, false, out);
}

kz_err kz_http_query_parse(kz_arena *a, const char *raw, size_t len, size_t max_args,
                           kz_http_kv **out, size_t *n_out)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (raw[i] == '&')
            n++;
    n++;
    if (n > max_args)
        return KZ_ETOOBIG;
    kz_http_kv *kv = kz_arena_calloc(a, n, sizeof *kv);
    if (!kv)
        return KZ_ENOMEM;
    size_t k = 0, start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && raw[i] != '&')
            continue;
        size_t plen = i - start;
        const char *p = raw + start;
        start = i + 1;
        if (plen == 0)
            continue; /* "a=1&&b=2": empty pairs carry nothing */
        const char *eq = memchr(p, '=', plen);
        size_t nlen = eq ? (size_t)(eq - p) : plen;
        char *name, *value;
        kz_err rc = decode(a, p, nlen, true, &name);
        if (rc)
            return rc;
        if (eq)
            rc = decode(a, eq + 1, plen - nlen - 1, true, &value);
        else
            rc = decode(a, "", 0, true, &value);
        if (rc)
            return rc;
        kv[k].name = name;
        kv[k].value = value;
        k++;
    }
    *out = kv;
    *n_out = k;
    return KZ_OK;
}
