/* media.c - media-type negotiation: parsing Accept (ranges, parameters,
 * q-values) and Content-Type against application/taxii+json;version=2.1. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kizuna/taxii.h"

typedef struct mtype {
    const char *type; /* "application/taxii+json" etc., bounds below */
    size_t type_len;
    const char *version; /* version parameter or NULL */
    size_t version_len;
    double q;
} mtype;

static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    return p;
}

static size_t trim_len(const char *p, size_t n)
{
    while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
        n--;
    return n;
}

/* Parses one media range s[0..n) ("type/sub;a=b;q=0.5"). Quoted parameter
 * values are taken without their quotes (no escapes: none of ours needs
 * them). */
static void parse_one(const char *s, size_t n, mtype *m)
{
    const char *end = s + n;
    memset(m, 0, sizeof *m);
    m->q = 1.0;
    s = skip_ws(s, end);
    const char *semi = memchr(s, ';', (size_t)(end - s));
    const char *tend = semi ? semi : end;
    m->type = s;
    m->type_len = trim_len(s, (size_t)(tend - s));
    const char *p = semi;
    while (p && p < end) {
        p = skip_ws(p + 1, end);
        const char *next = memchr(p, ';', (size_t)(end - p));
        const char *pend = next ? next : end;
        const char *eq = memchr(p, '=', (size_t)(pend - p));
        if (eq) {
            size_t klen = trim_len(p, (size_t)(eq - p));
            const char *v = skip_ws(eq + 1, pend);
            size_t vlen = trim_len(v, (size_t)(pend - v));
            if (vlen >= 2 && v[0] == '"' && v[vlen - 1] == '"') {
                v++;
                vlen -= 2;
            }
            if (klen == 7 && strncasecmp(p, "version", 7) == 0) {
                m->version = v;
                m->version_len = vlen;
            } else if (klen == 1 && (*p == 'q' || *p == 'Q')) {
                char qb[16];
                size_t ql = vlen < sizeof qb - 1 ? vlen : sizeof qb - 1;
                memcpy(qb, v, ql);
                qb[ql] = '\0';
                char *qe = NULL;
                double q = strtod(qb, &qe);
                m->q = (qe && *qe == '\0' && q >= 0 && q <= 1) ? q : 0;
            }
        }
        p = next;
    }
}

static bool is(const mtype *m, const char *t)
{
    size_t n = strlen(t);
    return m->type_len == n && strncasecmp(m->type, t, n) == 0;
}

static bool version_ok(const mtype *m)
{
    return !m->version || (m->version_len == 3 && memcmp(m->version, "2.1", 3) == 0);
}

bool kz_taxii_accept_ok(const char *accept)
{
    if (!accept)
        return true;
    size_t len = strlen(accept);
    if (trim_len(accept, len) == 0)
        return true;
    const char *p = accept, *end = accept + len;
    while (p < end) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *iend = comma ? comma : end;
        mtype m;
        parse_one(p, (size_t)(iend - p), &m);
        if (m.q > 0) {
            if (is(&m, "*/*") || is(&m, "application/*"))
                return true;
            /* Without a version, "application/taxii+json" means the newest
             * version the server speaks, which is 2.1. */
            if (is(&m, "application/taxii+json") && version_ok(&m))
                return true;
        }
        p = comma ? comma + 1 : end;
    }
    return false;
}

bool kz_taxii_content_type_ok(const char *ct)
{
    if (!ct)
        return false;
    mtype m;
    parse_one(ct, strlen(ct), &m);
    return is(&m, "application/taxii+json") && version_ok(&m);
}
