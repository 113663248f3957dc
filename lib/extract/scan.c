/* scan.c - kz_extract_scan: splits the input into lines, prepares each
 * (prep.c) and runs the finders over it - URLs first (they claim their
 * whole extent, so nothing inside a URL is reported again), then e-mail,
 * IPv6, and one pass over word runs for hashes, CVE and ATT&CK ids, IPv4
 * and domains (scan_word.c) - and reports the hits of the line in order of position. */
#include <stdlib.h>
#include <string.h>

#include "extract/extract_int.h"
#include "kizuna/alloc.h"

static kz_err claim(kz_xscan *x, size_t a, size_t b)
{
    if (!x->any_claim) {
        /* 64 bytes past the line: words_fast reads claims 64 at a time */
        if (x->claim_cap < x->n + 65) {
            size_t nc = x->n + 65 > 4096 ? x->n + 65 : 4096;
            uint8_t *c = kz_realloc(x->claim, nc);
            if (!c)
                return KZ_ENOMEM;
            x->claim = c;
            x->claim_cap = nc;
        }
        memset(x->claim, 0, x->n + 65);
        x->any_claim = true;
    }
    memset(x->claim + a, 1, b - a);
    return KZ_OK;
}

static bool fanged(const kz_xscan *x, size_t a, size_t b)
{
    if (!x->prep.fang)
        return false;
    for (size_t i = a; i < b; i++)
        if (x->prep.fang[i])
            return true;
    return false;
}

/* Records a hit whose value is x->vals[voff..voff+vlen), NUL-terminated. */
static kz_err add_hit_raw(kz_xscan *x, kz_ioc_type t, size_t cs, size_t ce, size_t voff,
                          size_t vlen, bool defanged)
{
    if (x->nhits == x->hcap) {
        size_t nc = x->hcap ? x->hcap * 2 : 64;
        kz_xhit *h = kz_realloc(x->hits, nc * sizeof *h);
        if (!h)
            return KZ_ENOMEM;
        x->hits = h;
        x->hcap = nc;
    }
    kz_xhit *h = &x->hits[x->nhits];
    h->cs = (uint32_t)cs;
    h->ce = (uint32_t)ce;
    h->voff = (uint32_t)voff;
    h->vlen = (uint32_t)vlen;
    h->seq = (uint32_t)x->nhits++;
    h->type = (uint8_t)t;
    h->defanged = defanged || fanged(x, cs, ce);
    return KZ_OK;
}

/* Records a hit whose value the caller appended to x->vals from voff. */
static kz_err add_hit(kz_xscan *x, kz_ioc_type t, size_t cs, size_t ce, size_t voff, bool defanged)
{
    size_t vlen = x->vals.len - voff;
    kz_err rc = kz_buf_append_char(&x->vals, 0);
    if (rc)
        return rc;
    return add_hit_raw(x, t, cs, ce, voff, vlen, defanged);
}

/* Normalises s[a..b) as type t and records it; KZ_EPARSE when it is not one. */
kz_err kz_xscan_try_hit(kz_xscan *x, kz_ioc_type t, size_t a, size_t b)
{
    size_t voff = x->vals.len;
    kz_err rc = kz_xnorm(&x->vals, t, x->s + a, b - a);
    if (rc)
        return rc;
    return add_hit(x, t, a, b, voff, false);
}

static bool all_digits_dots(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != '.' && (s[i] < '0' || s[i] > '9'))
            return false;
    return true;
}

/* After a scheme-less host (or IP) at e: ":port" and a "/path" belong to
 * it, so nothing in the path is reported on its own. */
kz_err kz_xscan_claim_path(kz_xscan *x, size_t e)
{
    const char *s = x->s;
    size_t n = x->n, k = e;
    if (k < n && s[k] == ':') {
        k++;
        while (k < n && s[k] >= '0' && s[k] <= '9')
            k++;
        if (k == e + 1)
            return KZ_OK;
    }
    if (k >= n || s[k] != '/')
        return KZ_OK;
    size_t end = k;
    while (end < n && !X_IS(s[end], XC_URLEND | XC_SLOW))
        end++;
    return claim(x, e, end);
}

/* The first byte from i on whose bit is set in line bitmap b (which is
 * zero from x->n on), or x->n: memchr for ':' and '@' on the bitmaps. */
static size_t next_set(const kz_xscan *x, const uint64_t *b, size_t i)
{
    size_t n = x->n, w = i >> 6, nw = (n + 63) >> 6;
    if (i >= n)
        return n;
    uint64_t m = b[w] & (~0ull << (i & 63));
    while (!m) {
        if (++w >= nw)
            return n;
        m = b[w];
    }
    size_t k = (w << 6) + (size_t)__builtin_ctzll(m);
    return k < n ? k : n;
}

/* ---- URLs ---- */

static bool scheme_char(char c)
{
    return X_ALNUM(c) || c == '*' || c == '+' || c == '-' || c == '.';
}

static size_t url_extent(const char *s, size_t n, size_t b, size_t a)
{
    size_t e = a;
    bool in_auth = true;
    while (e < n) {
        unsigned char c = (unsigned char)s[e];
        if (X_IS(c, XC_URLEND))
            break;
        if (c >= 0x80) {
            uint32_t cp;
            size_t l;
            unsigned char pc = (unsigned char)s[e - 1];
            if (!in_auth)
                break;
            l = kz_xutf8((const unsigned char *)s + e, n - e, &cp);
            if (!kz_xidn_char(cp) || (pc < 0x80 && pc != '.' && pc != '/' && pc != '@'))
                break;
            e += l;
            continue;
        }
        if (in_auth && (unsigned char)s[e - 1] >= 0x80 && X_ALNUM(c))
            break;
        if (c == '/' || c == '?' || c == '#')
            in_auth = false;
        e++;
    }
    /* trailing punctuation is not part of it, nor an unbalanced bracket */
    while (e > a) {
        char c = s[e - 1];
        if (c == '.' || c == ',' || c == ';' || c == ':' || c == '!' || c == '?' || c == '\'' ||
            c == '(' || c == '[' || c == '{') {
            e--;
            continue;
        }
        if (c == ')' || c == ']' || c == '}') {
            char o = c == ')' ? '(' : c == ']' ? '[' : '{';
            int bal = 0;
            for (size_t k = b; k < e; k++)
                bal += s[k] == o ? 1 : s[k] == c ? -1 : 0;
            if (bal < 0) {
                e--;
                continue;
            }
        }
        break;
    }
    return e;
}

/* The host of a URL-like span s[a..e) (after "://"): records it. */
static kz_err host_hit(kz_xscan *x, size_t a, size_t e)
{
    const char *s = x->s;
    size_t auth_end = a, hs, he;
    while (auth_end < e && s[auth_end] != '/' && s[auth_end] != '?' && s[auth_end] != '#')
        auth_end++;
    const char *at = memrchr(s + a, '@', auth_end - a);
    hs = at ? (size_t)(at - s) + 1 : a;
    if (hs < auth_end && s[hs] == '[') {
        const char *close = memchr(s + hs, ']', auth_end - hs);
        if (!close)
            return KZ_EPARSE;
        return kz_xscan_try_hit(x, KZ_IOC_IPV6, hs + 1, (size_t)(close - s));
    }
    he = kz_xhost_end(s, auth_end, hs);
    if (he == hs)
        return KZ_EPARSE;
    return kz_xscan_try_hit(x, all_digits_dots(s + hs, he - hs) ? KZ_IOC_IPV4 : KZ_IOC_DOMAIN, hs, he);
}

static kz_err find_urls(kz_xscan *x)
{
    const char *s = x->s;
    size_t n = x->n, from = 0;
    kz_err rc;
    while (from + 3 <= n) {
        size_t i = next_set(x, KZ_XCOLON_BITS(x), from), b = i;
        if (i >= n)
            break;
        from = i + 1;
        if (i + 2 >= n || s[i + 1] != '/' || s[i + 2] != '/' || kz_xscan_claimed(x, i))
            continue;
        while (b > 0 && scheme_char(s[b - 1]) && !kz_xscan_claimed(x, b - 1))
            b--;
        while (b < i && !X_IS(s[b], XC_ALPHA))
            b++;
        if (b == i)
            continue;
        bool sf = false;
        int kind = kz_xscheme(s + b, i - b, &sf);
        size_t a = i + 3, e = url_extent(s, n, b, a);
        if (e <= a)
            continue;
        if (kind) {
            size_t voff = x->vals.len, hoff, hlen;
            kz_ioc_type ht;
            rc = kz_xnorm_url(&x->vals, s + b, e - b, &ht, &hoff, &hlen, &sf);
            if (rc == KZ_EPARSE)
                continue;
            if (!rc)
                rc = add_hit(x, KZ_IOC_URL, b, e, voff, sf);
            if (!rc)
                rc = kz_xscan_try_hit(x, ht, b + hoff, b + hoff + hlen);
            if (rc && rc != KZ_EPARSE)
                return rc;
        } else {
            /* tcp://, udp://, sftp://, h00ps://: the host only */
            rc = host_hit(x, a, e);
            if (rc == KZ_EPARSE)
                continue;
            if (rc)
                return rc;
        }
        rc = claim(x, b, e);
        if (rc)
            return rc;
        from = e;
    }
    return KZ_OK;
}

/* ---- e-mail ---- */

static kz_err find_emails(kz_xscan *x)
{
    const char *s = x->s;
    size_t n = x->n, from = 0;
    kz_err rc;
    while (from < n) {
        size_t i = next_set(x, KZ_XAT_BITS(x), from), l = i, d = i + 1, j;
        if (i >= n)
            break;
        from = i + 1;
        if (kz_xscan_claimed(x, i))
            continue;
        while (l > 0 && X_IS(s[l - 1], XC_LOCAL) && !kz_xscan_claimed(x, l - 1))
            l--;
        while (l < i && !X_ALNUM(s[l]))
            l++;
        if (l == i)
            continue;
        j = kz_xhost_end(s, n, d);
        if (j == d || all_digits_dots(s + d, j - d) || kz_xscan_claimed(x, j - 1))
            continue;
        size_t voff = x->vals.len;
        rc = kz_xnorm_email(&x->vals, s + l, j - l);
        if (rc == KZ_EPARSE)
            continue;
        if (rc)
            return rc;
        size_t vlen = x->vals.len - voff;
        rc = add_hit(x, KZ_IOC_EMAIL, l, j, voff, false);
        if (!rc) {
            /* the domain is the tail of the e-mail value: share its bytes */
            const char *v = x->vals.data + voff;
            size_t at = (size_t)((const char *)memrchr(v, '@', vlen) - v);
            rc = add_hit_raw(x, KZ_IOC_DOMAIN, d, j, voff + at + 1, vlen - at - 1, false);
        }
        if (!rc)
            rc = claim(x, l, j);
        if (rc)
            return rc;
        from = j;
    }
    return KZ_OK;
}

/* ---- IPv6 ---- */

static bool v6char(char c)
{
    return X_IS(c, XC_HEX) || c == ':';
}

static kz_err find_ipv6(kz_xscan *x)
{
    const char *s = x->s;
    size_t n = x->n, from = 0;
    while (from < n) {
        size_t i = next_set(x, KZ_XCOLON_BITS(x), from), b = i, e = i;
        if (i >= n)
            break;
        while (b > 0 && v6char(s[b - 1]))
            b--;
        while (e < n && (v6char(s[e]) || s[e] == '.'))
            e++;
        from = e > i ? e : i + 1;
        if (kz_xscan_claimed(x, i) || e - b < 2)
            continue;
        if (b > 0 && (X_ALNUM(s[b - 1]) || s[b - 1] == '_' || s[b - 1] == '.' || s[b - 1] == '-'))
            continue;
        while (e > b && s[e - 1] == '.')
            e--;
        if (e - b >= 2 && s[e - 1] == ':' && s[e - 2] != ':')
            e--;
        if (e < n && (X_ALNUM(s[e]) || s[e] == '_'))
            continue;
        size_t colons = 0, hex = 0;
        for (size_t k = b; k < e; k++) {
            colons += s[k] == ':';
            hex += s[k] != ':' && s[k] != '.';
        }
        if (colons < 2 || hex == 0)
            continue;
        kz_err rc = kz_xscan_try_hit(x, KZ_IOC_IPV6, b, e);
        if (rc == KZ_EPARSE)
            continue;
        if (!rc)
            rc = claim(x, b, e);
        if (rc)
            return rc;
    }
    return KZ_OK;
}

/* ---- driver ---- */

static kz_err emit_line(kz_xscan *x)
{
    /* insertion sort by position, then by order found (URL before its host) */
    for (size_t i = 1; i < x->nhits; i++) {
        kz_xhit h = x->hits[i];
        size_t j = i;
        while (j > 0 && (x->hits[j - 1].cs > h.cs ||
                         (x->hits[j - 1].cs == h.cs && x->hits[j - 1].seq > h.seq))) {
            x->hits[j] = x->hits[j - 1];
            j--;
        }
        x->hits[j] = h;
    }
    for (size_t i = 0; i < x->nhits && !x->stop; i++) {
        const kz_xhit *h = &x->hits[i];
        if (!(x->want & (1u << h->type)))
            continue;
        size_t so = kz_xprep_start(&x->prep, h->cs), eo = kz_xprep_end(&x->prep, h->ce);
        kz_ioc_hit out = {
            .type = (kz_ioc_type)h->type,
            .value = x->vals.data + h->voff,
            .value_len = h->vlen,
            .offset = x->line_off + so,
            .len = eo > so ? eo - so : 0,
            .line = x->line_no,
            .defanged = h->defanged,
        };
        if (x->fn(x->ctx, &out))
            x->stop = true;
    }
    return KZ_OK;
}

static kz_err scan_line(kz_xscan *x, const char *line, size_t len, size_t avail)
{
    if (len == 0) { /* a blank line (half of a report's lines) ends with no label */
        x->prev_label = false;
        return KZ_OK;
    }
    kz_err rc = kz_xprep_line(&x->prep, line, len, avail);
    if (rc)
        return rc;
    x->s = x->prep.s;
    x->n = x->prep.n;
    x->avail = x->prep.avail;
    x->any_claim = false;
    x->nhits = 0;
    kz_buf_reset(&x->vals);
    rc = kz_xscan_classify(x);
    if (rc)
        return rc;
    /* URLs and IPv6 need a colon, e-mail an at-sign (in this order:
     * each finder skips what the ones before it claimed) */
    if (x->has_colon)
        rc = find_urls(x);
    if (!rc && x->has_at)
        rc = find_emails(x);
    if (!rc && x->has_colon)
        rc = find_ipv6(x);
    if (!rc)
        rc = kz_xscan_find_words(x);
    if (!rc && x->nhits)
        rc = emit_line(x);
    x->prev_label = kz_xscan_ends_with_label(x);
    return rc;
}

kz_err kz_extract_scan(const char *text, size_t len, const kz_extract_opts *o, kz_ioc_hit_fn fn,
                       void *ctx)
{
    if ((!text && len) || !fn)
        return KZ_EINVAL;
    kz_xscan x;
    if (!kz_xsimd)
        kz_xsimd_init();
    memset(&x, 0, sizeof x);
    x.want = o && o->types ? o->types : (1u << KZ_IOC__COUNT) - 1;
    x.fn = fn;
    x.ctx = ctx;
    kz_xprep_init(&x.prep);
    kz_buf_init(&x.vals, 0);
    char *copy = NULL;
    kz_err rc = KZ_OK;
    if (o && o->input == KZ_EXTRACT_HTML && len) {
        copy = kz_malloc(len);
        if (!copy)
            return KZ_ENOMEM;
        memcpy(copy, text, len);
        kz_xhtml_to_text(copy, len);
        text = copy;
    }
    size_t pos = 0;
    x.line_no = 1;
    while (pos < len && !x.stop && !rc) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len, next = nl ? end + 1 : len;
        if (end - pos > KZ_X_LINE_MAX) {
            /* cut an overlong line at its last space before the limit */
            size_t cut = pos + KZ_X_LINE_MAX;
            while (cut > pos + KZ_X_LINE_MAX / 2 && text[cut - 1] != ' ')
                cut--;
            if (cut == pos + KZ_X_LINE_MAX / 2)
                cut = pos + KZ_X_LINE_MAX;
            end = next = cut;
        }
        x.line_off = pos;
        rc = scan_line(&x, text + pos, end - pos, len - pos);
        if (nl && next == end + 1)
            x.line_no++;
        pos = next;
    }
    kz_free(copy);
    kz_free(x.claim);
    kz_free(x.wbits);
    kz_free(x.hits);
    kz_buf_release(&x.vals);
    kz_xprep_release(&x.prep);
    return rc;
}
