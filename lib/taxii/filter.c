/* filter.c - TAXII 2.1 query parameters (added_after, limit, next,
 * match[id|type|version|spec_version]) checked and turned into a
 * kz_store_filter; a bad value is a 400 with a sentence saying which. */
#include <stdio.h>
#include <string.h>

#include "taxii_int.h"

typedef struct list {
    const char **v;
    size_t n, cap;
} list;

/* Appends the comma-separated items of s (a repeated parameter adds to
 * the same list: values OR together either way). */
static kz_err split_into(tx_req *r, const char *s, list *l, size_t max)
{
    const char *p = s;
    for (;;) {
        const char *c = strchr(p, ',');
        size_t n = c ? (size_t)(c - p) : strlen(p);
        while (n && *p == ' ') {
            p++;
            n--;
        }
        while (n && p[n - 1] == ' ')
            n--;
        if (n == 0)
            return KZ_EINVAL;
        if (l->n >= max)
            return KZ_ETOOBIG;
        if (l->n == l->cap) {
            size_t ncap = l->cap ? l->cap * 2 : 8;
            const char **nv = kz_arena_alloc(r->a, ncap * sizeof *nv);
            if (!nv)
                return KZ_ENOMEM;
            if (l->n)
                memcpy(nv, l->v, l->n * sizeof *nv);
            l->v = nv;
            l->cap = ncap;
        }
        const char *item = kz_arena_strndup(r->a, p, n);
        if (!item)
            return KZ_ENOMEM;
        l->v[l->n++] = item;
        if (!c)
            return KZ_OK;
        p = c + 1;
    }
}

static bool type_ok(const char *t)
{
    size_t n = strlen(t);
    if (n < 3 || n > 250)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = t[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            return false;
    }
    return true;
}

static bool id_ok(const char *id)
{
    const char *sep = strstr(id, "--");
    if (!sep || sep == id || strlen(id) > 300)
        return false;
    char type[256];
    size_t tl = (size_t)(sep - id);
    if (tl >= sizeof type)
        return false;
    memcpy(type, id, tl);
    type[tl] = '\0';
    kz_uuid u;
    return type_ok(type) && kz_uuid_parse(sep + 2, strlen(sep + 2), &u) == KZ_OK;
}

static bool spec_ok(const char *s)
{
    return (s[0] >= '0' && s[0] <= '9') && s[1] == '.' && (s[2] >= '0' && s[2] <= '9') && !s[3];
}

static bool uint_parse(const char *s, size_t *out)
{
    size_t v = 0;
    if (!*s || strlen(s) > 9)
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        v = v * 10 + (size_t)(*s - '0');
    }
    *out = v;
    return true;
}

static kz_err bad(char *why, size_t why_len, const char *what)
{
    snprintf(why, why_len, "%s", what);
    return KZ_EINVAL;
}

kz_err tx_filter_parse(tx_req *r, unsigned allowed, kz_store_filter *f, size_t *limit, char *why,
                       size_t why_len)
{
    const kz_taxii_opts *o = &r->t->o;
    list ids = {0}, types = {0}, vers = {0}, specs = {0};
    *limit = o->page_default;
    bool seen_aa = false, seen_limit = false, seen_next = false;
    for (size_t i = 0; i < r->req->n_query; i++) {
        const char *k = r->req->query[i].name, *v = r->req->query[i].value;
        kz_err rc = KZ_OK;
        if (strcmp(k, "added_after") == 0 && (allowed & TX_F_ADDED_AFTER)) {
            if (seen_aa)
                return bad(why, why_len, "added_after may be given once");
            seen_aa = true;
            if (kz_store_parse_us(v, &f->added_after_us) != KZ_OK)
                return bad(why, why_len, "added_after is not an RFC 3339 timestamp");
            f->has_added_after = true;
        } else if (strcmp(k, "limit") == 0 && (allowed & TX_F_LIMIT)) {
            size_t n;
            if (seen_limit)
                return bad(why, why_len, "limit may be given once");
            seen_limit = true;
            if (!uint_parse(v, &n) || n == 0)
                return bad(why, why_len, "limit must be a positive integer");
            *limit = n > o->page_max ? o->page_max : n;
        } else if (strcmp(k, "next") == 0 && (allowed & TX_F_NEXT)) {
            if (seen_next)
                return bad(why, why_len, "next may be given once");
            seen_next = true;
            if (!*v || strlen(v) >= KZ_STORE_CURSOR_MAX)
                return bad(why, why_len, "next is not a value this server gave out");
            f->next = v;
        } else if (strcmp(k, "match[id]") == 0 && (allowed & TX_F_ID)) {
            rc = split_into(r, v, &ids, o->max_filter_values);
        } else if (strcmp(k, "match[type]") == 0 && (allowed & TX_F_TYPE)) {
            rc = split_into(r, v, &types, o->max_filter_values);
        } else if (strcmp(k, "match[version]") == 0 && (allowed & TX_F_VERSION)) {
            rc = split_into(r, v, &vers, o->max_filter_values);
        } else if (strcmp(k, "match[spec_version]") == 0 && (allowed & TX_F_SPEC)) {
            rc = split_into(r, v, &specs, o->max_filter_values);
        }
        /* Any other parameter is ignored, as TAXII asks of unknown filters. */
        if (rc == KZ_ETOOBIG) {
            snprintf(why, why_len, "%s has more than %zu values", k, o->max_filter_values);
            return KZ_EINVAL;
        }
        if (rc == KZ_EINVAL) {
            snprintf(why, why_len, "%s has an empty value", k);
            return KZ_EINVAL;
        }
        if (rc)
            return rc;
    }
    for (size_t i = 0; i < ids.n; i++)
        if (!id_ok(ids.v[i]))
            return bad(why, why_len, "match[id] holds a value that is not a STIX id");
    for (size_t i = 0; i < types.n; i++)
        if (!type_ok(types.v[i]))
            return bad(why, why_len, "match[type] holds a value that is not a STIX type");
    for (size_t i = 0; i < specs.n; i++)
        if (!spec_ok(specs.v[i]))
            return bad(why, why_len, "match[spec_version] holds a value that is not a version");
    const char **ts = vers.n ? kz_arena_alloc(r->a, vers.n * sizeof *ts) : NULL;
    size_t n_ts = 0;
    if (vers.n && !ts)
        return KZ_ENOMEM;
    for (size_t i = 0; i < vers.n; i++) {
        const char *v = vers.v[i];
        int64_t us;
        if (strcmp(v, "last") == 0)
            f->versions |= KZ_STORE_V_LAST;
        else if (strcmp(v, "first") == 0)
            f->versions |= KZ_STORE_V_FIRST;
        else if (strcmp(v, "all") == 0)
            f->versions |= KZ_STORE_V_ALL;
        else if (kz_store_parse_us(v, &us) == KZ_OK)
            ts[n_ts++] = v;
        else
            return bad(why, why_len,
                       "match[version] values are first, last, all or an RFC 3339 timestamp");
    }
    f->ids = ids.v;
    f->n_ids = ids.n;
    f->types = types.v;
    f->n_types = types.n;
    f->spec_versions = specs.v;
    f->n_spec_versions = specs.n;
    f->version_ts = ts;
    f->n_version_ts = n_ts;
    return KZ_OK;
}
