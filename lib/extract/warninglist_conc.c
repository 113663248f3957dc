/* warninglist_conc.c - provider concentration: of the distinct hosts a
 * report or a collection names (IP addresses, domain names, the hosts of
 * URLs, also inside the equality comparisons of STIX patterns), how many
 * lie on the lists of the large cloud and CDN providers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract/warninglist_int.h"
#include "kizuna/alloc.h"

#define CONC_MAX_PROVIDERS 32

struct kz_warninglist_conc {
    const kz_warninglist_set *set;
    kz_strmap *seen; /* hosts counted already (lower case, no trailing dot) */
    kz_warninglist_conc_result r;
};

kz_warninglist_conc *kz_warninglist_conc_new(const kz_warninglist_set *s)
{
    if (!s)
        return NULL;
    kz_warninglist_conc *c = kz_calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->set = s;
    c->seen = kz_strmap_new(0);
    if (!c->seen) {
        kz_free(c);
        return NULL;
    }
    return c;
}

void kz_warninglist_conc_free(kz_warninglist_conc *c)
{
    if (!c)
        return;
    kz_strmap_free(c->seen);
    kz_free(c);
}

bool wl_url_host_span(const char *url, size_t len, const char **host, size_t *host_len)
{
    const char *p = url ? memmem(url, len, "://", 3) : NULL;
    *host = NULL;
    *host_len = 0;
    if (!p)
        return false;
    p += 3;
    const char *end = url + len, *e = p;
    while (e < end && *e != '/' && *e != '?' && *e != '#' && *e != '\\')
        e++;
    const char *at = NULL;
    for (const char *q = p; q < e; q++)
        if (*q == '@')
            at = q;
    if (at)
        p = at + 1;
    if (p < e && *p == '[') {
        const char *rb = memchr(p, ']', (size_t)(e - p));
        if (!rb)
            return false;
        *host = p + 1;
        *host_len = (size_t)(rb - p - 1);
    } else {
        const char *colon = memchr(p, ':', (size_t)(e - p));
        *host = p;
        *host_len = (size_t)((colon ? colon : e) - p);
    }
    return *host_len != 0;
}

bool kz_warninglist_url_host(const char *url, size_t len, const char **host, size_t *host_len,
                             kz_ioc_type *type)
{
    if (!wl_url_host_span(url, len, host, host_len))
        return false;
    kz_ioc_type g = kz_warninglist_guess_type(*host, *host_len);
    if (type)
        *type = g == KZ_IOC_IPV4 || g == KZ_IOC_IPV6 ? g : KZ_IOC_DOMAIN;
    return true;
}

typedef struct provs {
    const char *names[CONC_MAX_PROVIDERS];
    size_t n;
} provs;

static int on_provider(void *ctx, const kz_warninglist_info *l)
{
    provs *h = ctx;
    if (!l->provider)
        return 0;
    for (size_t i = 0; i < h->n; i++)
        if (strcmp(h->names[i], l->provider) == 0)
            return 0;
    if (h->n < CONC_MAX_PROVIDERS)
        h->names[h->n++] = l->provider;
    return 0;
}

/* One host, on the lists of these providers. A host on two providers'
 * lists (GitHub's ranges lie in Azure's) counts for both. */
static void tally(kz_warninglist_conc_result *r, const provs *p)
{
    r->hosts++;
    if (p->n)
        r->on_provider++;
    for (size_t i = 0; i < p->n; i++) {
        size_t j = 0;
        while (j < r->n_providers && strcmp(r->providers[j].provider, p->names[i]) != 0)
            j++;
        if (j == r->n_providers) {
            if (r->n_providers == CONC_MAX_PROVIDERS)
                continue;
            r->providers[j].provider = p->names[i];
            r->providers[j].hosts = 0;
            r->n_providers++;
        }
        r->providers[j].hosts++;
    }
    /* most hosts first, ties by name: a few entries, insertion sort */
    for (size_t i = 1; i < r->n_providers; i++) {
        for (size_t j = i; j > 0; j--) {
            struct kz_warninglist_conc_provider *a = &r->providers[j - 1], *b = &r->providers[j];
            if (a->hosts > b->hosts || (a->hosts == b->hosts && strcmp(a->provider, b->provider) <= 0))
                break;
            struct kz_warninglist_conc_provider t = *a;
            *a = *b;
            *b = t;
        }
    }
}

/* The host of an IOC counted once: when the caller passes the lists it
 * found for exactly that host (known), they are used instead of a second
 * lookup. */
static kz_err conc_add(kz_warninglist_conc *c, kz_ioc_type t, const char *value, size_t len,
                       const kz_warninglist_info *const *known, size_t n_known, bool have_known)
{
    if (!c || (!value && len))
        return KZ_EINVAL;
    if (t == KZ_IOC_URL && !kz_warninglist_url_host(value, len, &value, &len, &t))
        return KZ_OK;
    if (t != KZ_IOC_IPV4 && t != KZ_IOC_IPV6 && t != KZ_IOC_DOMAIN)
        return KZ_OK;
    /* one host, one count: a URL's host is usually reported as a domain too */
    char key[KZ_WL_MAX_ENTRY];
    size_t vlen = len;
    while (len && value[len - 1] == '.')
        len--;
    if (!len || len > sizeof key)
        return KZ_OK;
    bool same = len == vlen; /* the key is the value as the caller checked it */
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)value[i];
        key[i] = (char)(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
        same = same && key[i] == (char)ch;
    }
    kz_err rc = kz_strmap_put(c->seen, key, len, 0, NULL);
    if (rc == KZ_EEXIST)
        return KZ_OK;
    if (rc)
        return rc;
    provs p = {.n = 0};
    if (have_known && same) {
        for (size_t i = 0; i < n_known; i++)
            on_provider(&p, known[i]);
    } else {
        rc = kz_warninglist_check(c->set, t, key, len, on_provider, &p, NULL);
        if (rc)
            return rc;
    }
    tally(&c->r, &p);
    return KZ_OK;
}

kz_err kz_warninglist_conc_add(kz_warninglist_conc *c, kz_ioc_type t, const char *value,
                               size_t len)
{
    return conc_add(c, t, value, len, NULL, 0, false);
}

kz_err kz_warninglist_conc_add_checked(kz_warninglist_conc *c, kz_ioc_type t, const char *value,
                                       size_t len, const kz_warninglist_info *const *lists,
                                       size_t n_lists)
{
    /* a URL's lists are the URL's, not its host's: those are looked up */
    bool host = t == KZ_IOC_IPV4 || t == KZ_IOC_IPV6 || t == KZ_IOC_DOMAIN;
    return conc_add(c, t, value, len, lists, n_lists, host);
}

static const struct {
    const char *type;
    const char *path;
    kz_ioc_type t;
} host_kinds[] = {
    {"ipv4-addr", "ipv4-addr:value", KZ_IOC_IPV4},
    {"ipv6-addr", "ipv6-addr:value", KZ_IOC_IPV6},
    {"domain-name", "domain-name:value", KZ_IOC_DOMAIN},
    {"url", "url:value", KZ_IOC_URL},
};

/* Counts the values compared with '=' to a host path in a STIX pattern:
 * "[ipv4-addr:value = '1.2.3.4' OR domain-name:value = 'x.org']". */
static kz_err from_pattern(kz_warninglist_conc *c, const char *p)
{
    char val[KZ_WL_MAX_ENTRY];
    for (size_t k = 0; k < sizeof host_kinds / sizeof host_kinds[0]; k++) {
        size_t pl = strlen(host_kinds[k].path);
        for (const char *q = strstr(p, host_kinds[k].path); q; q = strstr(q + pl, host_kinds[k].path)) {
            /* the path must start a token: "x-ipv4-addr:value" is another type */
            if (q > p && (q[-1] == '-' || q[-1] == '_' || (q[-1] >= 'a' && q[-1] <= 'z') ||
                          (q[-1] >= '0' && q[-1] <= '9')))
                continue;
            const char *s = q + pl;
            while (*s == ' ')
                s++;
            if (*s != '=')
                continue;
            s++;
            while (*s == ' ')
                s++;
            if (*s != '\'')
                continue;
            size_t n = 0;
            for (s++; *s && *s != '\'' && n < sizeof val; s++) {
                if (*s == '\\' && s[1])
                    s++;
                val[n++] = *s;
            }
            if (*s != '\'')
                continue;
            kz_err rc = kz_warninglist_conc_add(c, host_kinds[k].t, val, n);
            if (rc)
                return rc;
        }
    }
    return KZ_OK;
}

kz_err kz_warninglist_conc_add_object(kz_warninglist_conc *c, const kz_json *obj)
{
    if (!c || !obj)
        return KZ_EINVAL;
    const char *type = kz_json_get_string(obj, "type");
    if (!type)
        return KZ_OK;
    if (strcmp(type, "indicator") == 0) {
        const char *pt = kz_json_get_string(obj, "pattern_type");
        const char *p = kz_json_get_string(obj, "pattern");
        return p && pt && strcmp(pt, "stix") == 0 ? from_pattern(c, p) : KZ_OK;
    }
    for (size_t k = 0; k < sizeof host_kinds / sizeof host_kinds[0]; k++) {
        const kz_json *v = kz_json_get(obj, "value");
        if (strcmp(type, host_kinds[k].type) == 0 && v && v->type == KZ_JSON_STRING)
            return kz_warninglist_conc_add(c, host_kinds[k].t, v->u.str.ptr, v->u.str.len);
    }
    return KZ_OK;
}

const kz_warninglist_conc_result *kz_warninglist_conc_get(const kz_warninglist_conc *c)
{
    return c ? &c->r : NULL;
}

kz_err kz_warninglist_conc_json(const kz_warninglist_conc_result *r, kz_buf *out)
{
    double total = r->hosts ? (double)r->hosts : 1.0;
    kz_err rc = kz_buf_printf(out,
                              "{\"type\": \"provider-concentration\", \"iocs\": %zu, "
                              "\"on_provider\": %zu, \"share\": %.4f, \"providers\": [",
                              r->hosts, r->on_provider, (double)r->on_provider / total);
    for (size_t i = 0; !rc && i < r->n_providers; i++) {
        rc = kz_buf_append_str(out, i ? ", {\"provider\": " : "{\"provider\": ");
        if (!rc)
            rc = kz_json_write_string(out, r->providers[i].provider,
                                      strlen(r->providers[i].provider), 0);
        if (!rc)
            rc = kz_buf_printf(out, ", \"iocs\": %zu, \"share\": %.4f}", r->providers[i].hosts,
                               (double)r->providers[i].hosts / total);
    }
    if (!rc)
        rc = kz_buf_append_str(out, "]}");
    return rc;
}
