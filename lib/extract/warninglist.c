/* warninglist.c - loading MISP warninglist JSON files into one indexed set:
 * validation with file and JSON path in every error, and the index
 * (ipset, string maps with posting chains, pattern tables). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kizuna/alloc.h"
#include "extract/warninglist_int.h"
#include "kizuna/json.h"

static const char *const type_names[KZ_WL__COUNT] = {
    [KZ_WL_CIDR] = "cidr",
    [KZ_WL_HOSTNAME] = "hostname",
    [KZ_WL_STRING] = "string",
    [KZ_WL_SUBSTRING] = "substring",
    [KZ_WL_REGEX] = "regex",
};

const char *kz_wl_type_name(kz_wl_type t)
{
    return (unsigned)t < KZ_WL__COUNT ? type_names[t] : NULL;
}

bool wl_type_by_name(const char *name, size_t len, kz_wl_type *out)
{
    for (int t = 0; t < KZ_WL__COUNT; t++) {
        if (strlen(type_names[t]) == len && memcmp(type_names[t], name, len) == 0) {
            *out = (kz_wl_type)t;
            return true;
        }
    }
    return false;
}

/* MISP attribute types -> the IOC types they cover. Names not here are
 * ignored (a list for "btc" addresses applies to none of ours). */
#define IPS (WL_TYPE_BIT(KZ_IOC_IPV4) | WL_TYPE_BIT(KZ_IOC_IPV6))
static const struct {
    const char *attr;
    uint32_t types;
} attr_map[] = {
    {"ip-src", IPS},
    {"ip-dst", IPS},
    {"ip-src|port", IPS},
    {"ip-dst|port", IPS},
    {"domain|ip", IPS | WL_TYPE_BIT(KZ_IOC_DOMAIN)},
    {"domain", WL_TYPE_BIT(KZ_IOC_DOMAIN)},
    {"hostname", WL_TYPE_BIT(KZ_IOC_DOMAIN)},
    {"hostname|port", WL_TYPE_BIT(KZ_IOC_DOMAIN)},
    {"url", WL_TYPE_BIT(KZ_IOC_URL)},
    {"uri", WL_TYPE_BIT(KZ_IOC_URL)},
    {"link", WL_TYPE_BIT(KZ_IOC_URL)},
    {"email", WL_TYPE_BIT(KZ_IOC_EMAIL)},
    {"email-src", WL_TYPE_BIT(KZ_IOC_EMAIL)},
    {"email-dst", WL_TYPE_BIT(KZ_IOC_EMAIL)},
    {"target-email", WL_TYPE_BIT(KZ_IOC_EMAIL)},
    {"md5", WL_TYPE_BIT(KZ_IOC_MD5)},
    {"sha1", WL_TYPE_BIT(KZ_IOC_SHA1)},
    {"sha256", WL_TYPE_BIT(KZ_IOC_SHA256)},
    {"sha512", WL_TYPE_BIT(KZ_IOC_SHA512)},
    {"filename|md5", WL_TYPE_BIT(KZ_IOC_MD5)},
    {"filename|sha1", WL_TYPE_BIT(KZ_IOC_SHA1)},
    {"filename|sha256", WL_TYPE_BIT(KZ_IOC_SHA256)},
    {"filename|sha512", WL_TYPE_BIT(KZ_IOC_SHA512)},
    {"vulnerability", WL_TYPE_BIT(KZ_IOC_CVE)},
};
#undef IPS

uint32_t wl_attr_types(const char *attr, size_t len)
{
    uint32_t types = 0;
    for (size_t j = 0; j < sizeof attr_map / sizeof attr_map[0]; j++)
        if (strlen(attr_map[j].attr) == len && memcmp(attr, attr_map[j].attr, len) == 0)
            types |= attr_map[j].types;
    return types;
}

/* Lists describing the infrastructure of one of the large cloud and CDN
 * companies, by id prefix ("google" covers google, google-gcp, googlebot). */
static const struct {
    const char *prefix;
    const char *provider;
} provider_map[] = {
    {"akamai", "Akamai"},         {"amazon", "Amazon"},       {"cloudflare", "Cloudflare"},
    {"fastly", "Fastly"},         {"google", "Google"},       {"microsoft", "Microsoft"},
    {"oracle-oci", "Oracle"},     {"github", "GitHub"},       {"apple", "Apple"},
};

static void set_err(kz_warninglist_error *err, const char *file, const char *path,
                    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void set_err(kz_warninglist_error *err, const char *file, const char *path,
                    const char *fmt, ...)
{
    if (!err)
        return;
    snprintf(err->file, sizeof err->file, "%s", file ? file : "");
    snprintf(err->path, sizeof err->path, "%s", path ? path : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
}

kz_warninglist_set *kz_warninglist_set_new(void)
{
    kz_warninglist_set *s = kz_calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->arena = kz_arena_new(0);
    s->ip = kz_ipset_new();
    s->exact = kz_strmap_new(0);
    s->host = kz_strmap_new(0);
    s->dotsuf = kz_strmap_new(0);
    s->post = kz_calloc(64, sizeof *s->post);
    s->cap_post = 64;
    s->n_post = 1; /* 0 ends a chain */
    if (!s->arena || !s->ip || !s->exact || !s->host || !s->dotsuf || !s->post ||
        pthread_mutex_init(&s->sub_lock, NULL)) {
        kz_arena_free(s->arena);
        kz_ipset_free(s->ip);
        kz_strmap_free(s->exact);
        kz_strmap_free(s->host);
        kz_strmap_free(s->dotsuf);
        kz_free(s->post);
        kz_free(s);
        return NULL;
    }
    return s;
}

void kz_warninglist_set_free(kz_warninglist_set *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n_sub; i++)
        kz_free(s->sub[i].text);
    for (size_t i = 0; i < s->n_re; i++) {
        kz_free(s->re[i].text);
        pcre2_code_free(s->re[i].re);
    }
    kz_free(s->sub);
    kz_free(s->re);
    if (s->sub_scratch)
        hs_free_scratch(s->sub_scratch);
    if (s->sub_db)
        hs_free_database(s->sub_db);
    pcre2_match_context_free(s->re_ctx);
    pthread_mutex_destroy(&s->sub_lock);
    kz_ipset_free(s->ip);
    kz_strmap_free(s->exact);
    kz_strmap_free(s->host);
    kz_strmap_free(s->dotsuf);
    kz_free(s->post);
    kz_free(s->lists);
    kz_free(s->bloom);
    kz_free(s->ipspan[0]);
    kz_free(s->ipspan[1]);
    kz_free(s->iprec);
    for (size_t i = 0; i < s->n_snaps; i++)
        wl_snap_release(&s->snaps[i]);
    kz_arena_free(s->arena);
    kz_free(s);
}

kz_err wl_grow(void **arr, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap)
        return KZ_OK;
    size_t nc = *cap ? *cap * 2 : 16;
    if (nc > SIZE_MAX / elem)
        return KZ_ENOMEM;
    void *p = kz_realloc(*arr, nc * elem);
    if (!p)
        return KZ_ENOMEM;
    *arr = p;
    *cap = nc;
    return KZ_OK;
}

static kz_err new_posting(kz_warninglist_set *s, uint32_t list, uint32_t next, uint32_t *out)
{
    if (s->n_post >= UINT32_MAX)
        return KZ_ETOOBIG;
    kz_err rc = wl_grow((void **)&s->post, &s->cap_post, s->n_post, sizeof *s->post);
    if (rc)
        return rc;
    s->post[s->n_post] = (wl_posting){.list = list, .next = next};
    *out = (uint32_t)s->n_post++;
    return KZ_OK;
}

/* After a key was found holding chain `head`: adds list to the chain unless
 * it is there already (*dup then). */
static kz_err chain_add(kz_warninglist_set *s, uint32_t head, uint32_t list, bool *dup)
{
    for (uint32_t p = head; p; p = s->post[p].next) {
        if (s->post[p].list == list) {
            *dup = true;
            return KZ_OK;
        }
    }
    uint32_t q;
    kz_err rc = new_posting(s, list, s->post[head].next, &q);
    if (rc)
        return rc;
    s->post[head].next = q; /* the head index stays what the map holds */
    return KZ_OK;
}

/* key -> list in map m. *dup when that list had the key already. */
static kz_err map_add(kz_warninglist_set *s, kz_strmap *m, const char *key, size_t len,
                      uint32_t list, bool *dup)
{
    uint32_t head, existing = 0;
    *dup = false;
    /* put first, as ip_add does: one hash and probe per entry, not two */
    kz_err rc = new_posting(s, list, 0, &head);
    if (rc)
        return rc;
    rc = kz_strmap_put(m, key, len, head, &existing);
    if (rc == KZ_EEXIST) {
        s->n_post--; /* the posting just made is unreferenced: reused next */
        return chain_add(s, existing, list, dup);
    }
    if (rc)
        s->n_post--;
    return rc;
}

/* Marks the parts of the address space (first WL_IP_SPAN_BITS bits)
 * that prefix p covers, before p is added: the check skips the ipset for
 * an address in no marked part. */
static kz_err ip_span_mark(kz_warninglist_set *s, const kz_ipaddr *p)
{
    uint64_t **span = &s->ipspan[p->family == 4 ? 0 : 1];
    if (!*span) {
        *span = kz_calloc((1u << WL_IP_SPAN_BITS) / 64, sizeof **span);
        if (!*span)
            return KZ_ENOMEM;
    }
    /* the bits past the prefix are zero (kz_ip_parse clears them) */
    uint32_t first = ((uint32_t)p->a[0] << 12) | ((uint32_t)p->a[1] << 4) | (p->a[2] >> 4);
    uint32_t n = p->prefix >= WL_IP_SPAN_BITS ? 1u : 1u << (WL_IP_SPAN_BITS - p->prefix);
    if (n >= 64) /* first is a multiple of n: whole words */
        memset(*span + (first >> 6), 0xff, (n >> 6) * sizeof **span);
    else
        for (uint32_t i = first; i < first + n; i++)
            (*span)[i >> 6] |= 1ull << (i & 63);
    return KZ_OK;
}

static kz_err ip_add(kz_warninglist_set *s, const kz_ipaddr *p, uint32_t list, bool *dup)
{
    uint32_t head, existing = 0;
    *dup = false;
    kz_err rc = ip_span_mark(s, p);
    if (rc)
        return rc;
    rc = new_posting(s, list, 0, &head);
    if (rc)
        return rc;
    rc = kz_ipset_add(s->ip, p, head, &existing);
    if (rc == KZ_EEXIST) {
        s->n_post--;
        return chain_add(s, existing, list, dup);
    }
    if (rc) {
        s->n_post--;
        return rc;
    }
    if (s->rec_ip) { /* the snapshot writer needs every prefix (kz_ipset has no walk) */
        rc = wl_grow((void **)&s->iprec, &s->cap_iprec, s->n_iprec, sizeof *s->iprec);
        if (rc)
            return rc; /* the set is marked broken by the caller */
        s->iprec[s->n_iprec++] = (wl_iprec){.ip = *p, .head = head};
    }
    return KZ_OK;
}

kz_err wl_pattern_add(wl_pattern **arr, size_t *n, size_t *cap, const char *text,
                          size_t len, uint32_t list, pcre2_code *re)
{
    kz_err rc = wl_grow((void **)arr, cap, *n, sizeof **arr);
    if (rc)
        return rc;
    char *copy = kz_malloc(len + 1);
    if (!copy)
        return KZ_ENOMEM;
    memcpy(copy, text, len);
    copy[len] = '\0';
    (*arr)[(*n)++] = (wl_pattern){.text = copy, .len = len, .list = list, .re = re};
    return KZ_OK;
}

static void lower(char *d, const char *src, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)src[i];
        d[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
}

/* A hostname entry: no blanks or control characters inside (slashes are
 * allowed: real lists hold RFC 2317 names such as
 * "252/24.127.188.93.mifril.ru"); indexed lower-case without surrounding
 * blanks, leading "*." / "." or trailing ".". This finds that part of
 * in[0..len) (*off, *out_len) and checks it; false for no hostname.
 * Lower-casing is left to the caller, which does it once while indexing. */
static bool hostname_span(const char *in, size_t len, size_t *off, size_t *out_len)
{
    const char *start = in;
    /* surrounding blanks are noise (a real list has "...andorpac.ad\\ ") */
    while (len && (in[0] == ' ' || in[0] == '\t')) {
        in++;
        len--;
    }
    while (len && (in[len - 1] == ' ' || in[len - 1] == '\t'))
        len--;
    if (len >= 2 && in[0] == '*' && in[1] == '.') {
        in += 2;
        len -= 2;
    }
    while (len && in[0] == '.') {
        in++;
        len--;
    }
    while (len && in[len - 1] == '.')
        len--;
    if (!len)
        return false;
    /* no early exit: the compiler turns this into a vector loop */
    unsigned bad = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        bad |= (unsigned)(c <= ' ') | (unsigned)(c == 0x7f);
    }
    if (bad)
        return false;
    *off = (size_t)(in - start);
    *out_len = len;
    return true;
}

/* What validating an entry learnt, so that indexing it parses nothing
 * again (the lists' 125,000 entries were parsed twice before). */
typedef union wl_pre {
    kz_ipaddr ip; /* cidr: the parsed prefix */
    struct {
        uint32_t off, len;
    } span;         /* hostname: the part hostname_span kept */
    pcre2_code *re; /* regex: compiled; owned here until indexed (then NULL) */
} wl_pre;

/* One validated entry of a list of type t into the index; pre is what
 * entry_ok learnt of it (NULL for string and substring lists). Only
 * resource errors are left at this point. */
static kz_err add_entry(kz_warninglist_set *s, kz_wl_type t, uint32_t list, const char *v,
                        size_t len, wl_pre *pre, bool *dup)
{
    char buf[KZ_WL_MAX_ENTRY + 1];
    size_t off = 0, n = 0;
    *dup = false;
    switch (t) {
    case KZ_WL_CIDR:
        return ip_add(s, &pre->ip, list, dup);
    case KZ_WL_HOSTNAME:
        lower(buf, v + pre->span.off, pre->span.len);
        return map_add(s, s->host, buf, pre->span.len, list, dup);
    case KZ_WL_STRING:
        /* ".google.com" in a string list: MISP lists write subdomains so;
         * kizuna reads it as "any subdomain of google.com". */
        if (len > 1 && v[0] == '.' && hostname_span(v, len, &off, &n)) {
            lower(buf, v + off, n);
            return map_add(s, s->dotsuf, buf, n, list, dup);
        }
        lower(buf, v, len);
        return map_add(s, s->exact, buf, len, list, dup);
    case KZ_WL_SUBSTRING:
        lower(buf, v, len);
        return wl_pattern_add(&s->sub, &s->n_sub, &s->cap_sub, buf, len, list, NULL);
    case KZ_WL_REGEX: {
        kz_err rc = wl_pattern_add(&s->re, &s->n_re, &s->cap_re, v, len, list, pre->re);
        if (!rc)
            pre->re = NULL; /* the pattern table owns it now */
        return rc;
    }
    default:
        return KZ_EINVAL;
    }
}

/* The common cidr entry, a dotted quad with an optional "/N", read as
 * kz_ip_parse reads it (octets 0-255 without leading zeros, N 0-32
 * without one, host bits cleared) in one pass; false for anything else,
 * which kz_ip_parse then decides. test_warninglist compares the two. */
bool wl_ip4_parse(const char *v, size_t len, kz_ipaddr *out)
{
    const char *p = v, *end = v + len;
    uint32_t a = 0;
    for (int part = 0; part < 4; part++) {
        if (part) {
            if (p >= end || *p != '.')
                return false;
            p++;
        }
        const char *d = p;
        unsigned o = 0;
        while (p < end && p - d < 3 && *p >= '0' && *p <= '9')
            o = o * 10 + (unsigned)(*p++ - '0');
        if (p == d || o > 255 || (p - d > 1 && *d == '0'))
            return false;
        a = a << 8 | o;
    }
    unsigned prefix = 32;
    if (p < end) {
        if (*p != '/' || end - p < 2 || end - p > 3)
            return false;
        const char *d = ++p;
        prefix = 0;
        while (p < end && *p >= '0' && *p <= '9')
            prefix = prefix * 10 + (unsigned)(*p++ - '0');
        if (p != end || prefix > 32 || (p - d > 1 && *d == '0'))
            return false;
    }
    if (prefix < 32)
        a &= prefix ? ~0u << (32 - prefix) : 0u;
    memset(out, 0, sizeof *out);
    out->family = 4;
    out->prefix = (uint8_t)prefix;
    out->a[0] = (uint8_t)(a >> 24);
    out->a[1] = (uint8_t)(a >> 16);
    out->a[2] = (uint8_t)(a >> 8);
    out->a[3] = (uint8_t)a;
    return true;
}

/* How much of an entry a message quotes: at most max bytes, never past
 * its end (a span of the fast reader is not NUL-terminated; for the
 * parser's strings, which hold no NUL, this is what "%.80s" printed). */
static int quote(size_t len, size_t max)
{
    return (int)(len < max ? len : max);
}

/* Whether v[0..len) is a valid entry of a list of type t, without
 * indexing it, so that a bad file leaves the set as it was; what the
 * check parsed goes to *pre for add_entry. */
static bool entry_ok(kz_wl_type t, const char *v, size_t len, wl_pre *pre, char *why,
                     size_t why_len)
{
    size_t off, n;
    switch (t) {
    case KZ_WL_CIDR:
        if (wl_ip4_parse(v, len, &pre->ip) || kz_ip_parse(v, len, &pre->ip, NULL) == KZ_OK)
            return true;
        snprintf(why, why_len, "'%.*s' is not an IP address or CIDR prefix", quote(len, 80), v);
        return false;
    case KZ_WL_HOSTNAME:
        if (hostname_span(v, len, &off, &n)) {
            pre->span.off = (uint32_t)off; /* entries are at most KZ_WL_MAX_ENTRY bytes */
            pre->span.len = (uint32_t)n;
            return true;
        }
        snprintf(why, why_len, "'%.*s' is not a hostname", quote(len, 80), v);
        return false;
    case KZ_WL_REGEX: {
        int ec = 0;
        PCRE2_SIZE eo = 0;
        pre->re = pcre2_compile((PCRE2_SPTR)v, len, PCRE2_UTF, &ec, &eo, NULL);
        if (pre->re)
            return true;
        PCRE2_UCHAR msg[120];
        pcre2_get_error_message(ec, msg, sizeof msg);
        snprintf(why, why_len, "regex '%.*s': %s at offset %zu", quote(len, 60), v, (const char *)msg,
                 (size_t)eo);
        return false;
    }
    default:
        return true;
    }
}

const char *wl_provider_of(const char *id)
{
    for (size_t i = 0; i < sizeof provider_map / sizeof provider_map[0]; i++) {
        size_t pl = strlen(provider_map[i].prefix);
        if (strncmp(id, provider_map[i].prefix, pl) == 0)
            return provider_map[i].provider;
    }
    return NULL;
}

/* A text member: a string of at most KZ_WL_MAX_TEXT bytes. */
static kz_err text_member(const kz_json *o, const char *key, bool required, const char *file,
                          const char **out, kz_warninglist_error *err)
{
    char path[64];
    const kz_json *v = kz_json_get(o, key);
    *out = NULL;
    if (!v) {
        if (!required)
            return KZ_OK;
        set_err(err, file, "$", "missing member '%s'", key);
        return KZ_EPARSE;
    }
    if (v->type != KZ_JSON_STRING) {
        snprintf(path, sizeof path, "$.%s", key);
        set_err(err, file, path, "expected a string, found %s", kz_json_type_name(v));
        return KZ_EPARSE;
    }
    if (v->u.str.len > KZ_WL_MAX_TEXT) {
        snprintf(path, sizeof path, "$.%s", key);
        set_err(err, file, path, "longer than %u bytes", KZ_WL_MAX_TEXT);
        return KZ_ETOOBIG;
    }
    *out = v->u.str.ptr;
    return KZ_OK;
}

static const char *const known_members[] = {"name",    "description",         "type",
                                            "list",    "matching_attributes", "version"};

/* Checks the document's shape (schema.json) before anything is indexed,
 * so that a bad file leaves the set as it was. */
static kz_err check_shape(const kz_json *doc, const char *file, kz_wl_type *type,
                          uint32_t *applies, kz_warninglist_error *err)
{
    if (doc->type != KZ_JSON_OBJECT) {
        set_err(err, file, "$", "expected an object, found %s", kz_json_type_name(doc));
        return KZ_EPARSE;
    }
    for (size_t i = 0; i < doc->u.obj.n; i++) {
        const char *k = doc->u.obj.members[i].key;
        bool known = false;
        for (size_t j = 0; j < sizeof known_members / sizeof known_members[0]; j++)
            known = known || strcmp(k, known_members[j]) == 0;
        if (!known) {
            set_err(err, file, "$", "unknown member '%.60s'", k);
            return KZ_EPARSE;
        }
    }
    const char *tname = NULL, *dummy = NULL;
    kz_err rc = text_member(doc, "type", true, file, &tname, err);
    if (!rc)
        rc = text_member(doc, "name", true, file, &dummy, err);
    if (!rc)
        rc = text_member(doc, "description", true, file, &dummy, err);
    if (rc)
        return rc;
    *type = KZ_WL__COUNT;
    for (int t = 0; t < KZ_WL__COUNT; t++)
        if (strcmp(tname, type_names[t]) == 0)
            *type = (kz_wl_type)t;
    if (*type == KZ_WL__COUNT) {
        set_err(err, file, "$.type",
                "unknown type '%.40s' (cidr, hostname, string, substring or regex)", tname);
        return KZ_EPARSE;
    }
    const kz_json *ver = kz_json_get(doc, "version");
    int64_t vi;
    if (!ver) {
        set_err(err, file, "$", "missing member 'version'");
        return KZ_EPARSE;
    }
    if (!kz_json_int(ver, &vi)) {
        set_err(err, file, "$.version", "expected an integer, found %s", kz_json_type_name(ver));
        return KZ_EPARSE;
    }
    const kz_json *list = kz_json_get(doc, "list");
    if (!list) {
        set_err(err, file, "$", "missing member 'list'");
        return KZ_EPARSE;
    }
    if (list->type != KZ_JSON_ARRAY) {
        set_err(err, file, "$.list", "expected an array, found %s", kz_json_type_name(list));
        return KZ_EPARSE;
    }
    if (list->u.arr.n > KZ_WL_MAX_ENTRIES) {
        set_err(err, file, "$.list", "more than %u entries", KZ_WL_MAX_ENTRIES);
        return KZ_ETOOBIG;
    }
    /* the JSON path of an error is written only when there is one: this
     * loop runs over every entry of every list at each start-up */
    char path[64];
    for (size_t i = 0; i < list->u.arr.n; i++) {
        const kz_json *e = list->u.arr.items[i];
        if (e->type != KZ_JSON_STRING) {
            snprintf(path, sizeof path, "$.list[%zu]", i);
            set_err(err, file, path, "expected a string, found %s", kz_json_type_name(e));
            return KZ_EPARSE;
        }
        if (e->u.str.len == 0) {
            snprintf(path, sizeof path, "$.list[%zu]", i);
            set_err(err, file, path, "empty entry");
            return KZ_EPARSE;
        }
        if (e->u.str.len > KZ_WL_MAX_ENTRY || memchr(e->u.str.ptr, 0, e->u.str.len)) {
            snprintf(path, sizeof path, "$.list[%zu]", i);
            set_err(err, file, path, e->u.str.len > KZ_WL_MAX_ENTRY
                                         ? "entry longer than 4096 bytes"
                                         : "entry with a NUL byte");
            return e->u.str.len > KZ_WL_MAX_ENTRY ? KZ_ETOOBIG : KZ_EPARSE;
        }
    }
    const kz_json *ma = kz_json_get(doc, "matching_attributes");
    *applies = WL_ALL_TYPES;
    if (ma) {
        if (ma->type != KZ_JSON_ARRAY) {
            set_err(err, file, "$.matching_attributes", "expected an array, found %s",
                    kz_json_type_name(ma));
            return KZ_EPARSE;
        }
        /* an empty array says nothing: MISP then matches every type */
        if (ma->u.arr.n)
            *applies = 0;
        for (size_t i = 0; i < ma->u.arr.n; i++) {
            const char *a = kz_json_string(ma->u.arr.items[i]);
            if (!a) {
                snprintf(path, sizeof path, "$.matching_attributes[%zu]", i);
                set_err(err, file, path, "expected a string, found %s",
                        kz_json_type_name(ma->u.arr.items[i]));
                return KZ_EPARSE;
            }
            for (size_t j = 0; j < sizeof attr_map / sizeof attr_map[0]; j++)
                if (strcmp(a, attr_map[j].attr) == 0)
                    *applies |= attr_map[j].types;
        }
    }
    return KZ_OK;
}

/* The JSON parser's reading of a list: every error with its JSON path.
 * The spans of *d point into arena a. */
static kz_err parse_doc(kz_arena *a, const char *buf, size_t len, const char *file, wl_doc *d,
                        kz_warninglist_error *err)
{
    kz_json *doc = NULL;
    kz_json_error je;
    kz_json_limits lim = {.max_depth = 8, .max_string = KZ_WL_MAX_FILE,
                          .max_members = KZ_WL_MAX_ENTRIES};
    memset(d, 0, sizeof *d);
    kz_err rc = kz_json_parse(a, buf, len, &lim, &doc, &je);
    if (rc) {
        if (rc == KZ_ENOMEM)
            set_err(err, file, "", "out of memory");
        else if (rc == KZ_EPARSE)
            set_err(err, file, "", "not JSON: line %zu column %zu: %s", je.line, je.column,
                    je.msg);
        else
            set_err(err, file, "", "not JSON: %s", kz_strerror(rc));
        if (rc == KZ_EDEPTH)
            rc = KZ_EPARSE; /* a list is flat: deep nesting is just malformed */
        return rc;
    }
    rc = check_shape(doc, file, &d->type, &d->applies, err);
    if (rc)
        return rc;
    /* names as C strings (a "\u0000" inside ends them, as it always did) */
    d->name.p = kz_json_get_string(doc, "name");
    d->name.len = strlen(d->name.p);
    d->description.p = kz_json_get_string(doc, "description");
    d->description.len = strlen(d->description.p);
    kz_json_int(kz_json_get(doc, "version"), &d->version);
    const kz_json *list = kz_json_get(doc, "list");
    d->n = list->u.arr.n;
    d->list = kz_arena_alloc(a, (d->n ? d->n : 1) * sizeof *d->list);
    if (!d->list) {
        set_err(err, file, "", "out of memory");
        return KZ_ENOMEM;
    }
    for (size_t i = 0; i < d->n; i++)
        d->list[i] = (wl_span){list->u.arr.items[i]->u.str.ptr, list->u.arr.items[i]->u.str.len};
    return KZ_OK;
}

/* Validates every entry of d before anything is indexed (a bad file
 * leaves the set as it was), parsing cidr, hostname and regex entries
 * once into *pre (in arena a). KZ_EPARSE: entry *bad is not a value of
 * the list's type (why says so); KZ_ENOMEM. */
static kz_err prepare(const wl_doc *d, kz_arena *a, wl_pre **pre, size_t *bad, char *why,
                      size_t why_len)
{
    *pre = NULL;
    if (d->type == KZ_WL_CIDR || d->type == KZ_WL_HOSTNAME || d->type == KZ_WL_REGEX) {
        size_t n = d->n ? d->n : 1;
        *pre = kz_arena_alloc(a, n * sizeof **pre);
        if (!*pre)
            return KZ_ENOMEM;
        /* entry_ok fills every entry it passes; regexes are freed by
         * free_pre, which must see NULL past a failure */
        if (d->type == KZ_WL_REGEX)
            memset(*pre, 0, n * sizeof **pre);
    }
    for (size_t i = 0; i < d->n; i++) {
        if (!entry_ok(d->type, d->list[i].p, d->list[i].len, *pre ? &(*pre)[i] : NULL, why,
                      why_len)) {
            /* a fast-read list with a bad entry is read again by the
             * parser, whose error path (and message) then stands */
            *bad = i;
            return KZ_EPARSE;
        }
    }
    return KZ_OK;
}

/* Frees the regexes prepare compiled and add_entry did not take. */
static void free_pre(const wl_doc *d, wl_pre *pre)
{
    for (size_t i = 0; d->type == KZ_WL_REGEX && pre && i < d->n; i++) {
        pcre2_code_free(pre[i].re);
        pre[i].re = NULL;
    }
}

kz_err kz_warninglist_load_mem(kz_warninglist_set *s, const char *id, const char *file,
                               const char *buf, size_t len, kz_warninglist_error *err)
{
    if (!s || !id || !*id || (!buf && len)) {
        set_err(err, file, "", "invalid argument");
        return KZ_EINVAL;
    }
    if (s->broken) {
        set_err(err, file, "", "the set failed to load an earlier list");
        return KZ_ENOMEM;
    }
    if (s->compiled) {
        set_err(err, file, "", "the set is compiled already");
        return KZ_EINVAL;
    }
    if (len > KZ_WL_MAX_FILE) {
        set_err(err, file, "", "larger than %u bytes", KZ_WL_MAX_FILE);
        return KZ_ETOOBIG;
    }
    for (size_t i = 0; i < s->n_lists; i++) {
        if (strcmp(s->lists[i].info.id, id) == 0) {
            set_err(err, file, "", "a list named '%.60s' is loaded already", id);
            return KZ_EEXIST;
        }
    }
    if (s->n_lists >= KZ_WL_MAX_LISTS) {
        set_err(err, file, "", "more than %u lists", KZ_WL_MAX_LISTS);
        return KZ_ETOOBIG;
    }
    kz_arena *a = kz_arena_new(len + 4096 < (1u << 20) ? 0 : len / 2);
    if (!a)
        return KZ_ENOMEM;
    wl_doc d;
    wl_pre *pre = NULL;
    char why[200], path[64];
    size_t bad = 0;
    /* the plain shape of every shipped list is read without a JSON tree;
     * anything else (and a fast-read list with a bad entry) is parsed */
    bool fast = wl_fast_doc(a, buf, len, &d);
    kz_err rc = KZ_OK;
    if (fast) {
        rc = prepare(&d, a, &pre, &bad, why, sizeof why);
        if (rc == KZ_EPARSE) {
            free_pre(&d, pre);
            kz_free(d.list);
            pre = NULL;
            fast = false;
            rc = KZ_OK;
        }
    }
    if (!fast) {
        rc = parse_doc(a, buf, len, file, &d, err);
        if (rc)
            goto done;
        rc = prepare(&d, a, &pre, &bad, why, sizeof why);
        if (rc == KZ_EPARSE) {
            snprintf(path, sizeof path, "$.list[%zu]", bad);
            set_err(err, file, path, "%s", why);
        }
    }
    if (rc == KZ_ENOMEM)
        set_err(err, file, "", "out of memory");
    if (rc)
        goto done;
    rc = wl_grow((void **)&s->lists, &s->cap_lists, s->n_lists, sizeof *s->lists);
    if (rc)
        goto done;
    uint32_t lid = (uint32_t)s->n_lists;
    wl_list *l = &s->lists[lid];
    memset(l, 0, sizeof *l);
    l->applies = d.applies;
    l->info.type = d.type;
    l->info.id = kz_arena_strdup(s->arena, id);
    l->info.file = kz_arena_strdup(s->arena, file ? file : "");
    l->info.name = kz_arena_strndup(s->arena, d.name.p, d.name.len);
    l->info.description = kz_arena_strndup(s->arena, d.description.p, d.description.len);
    l->info.version = d.version;
    l->info.provider = wl_provider_of(id);
    if (!l->info.id || !l->info.file || !l->info.name || !l->info.description) {
        rc = KZ_ENOMEM;
        goto done;
    }
    for (size_t i = 0; i < d.n; i++) {
        bool dup = false;
        rc = add_entry(s, d.type, lid, d.list[i].p, d.list[i].len, pre ? &pre[i] : NULL, &dup);
        if (rc) {
            /* every entry was checked above: only resource errors get here.
             * Entries already indexed name list lid, which the next list
             * would take: the set is unusable from now on. */
            snprintf(path, sizeof path, "$.list[%zu]", i);
            set_err(err, file, path, "%s", kz_strerror(rc));
            s->broken = true;
            goto done;
        }
        if (!dup)
            l->info.entries++;
    }
    s->entries += l->info.entries;
    s->n_lists++;
done:
    /* regexes compiled by entry_ok and not indexed (an error on the way) */
    free_pre(&d, pre);
    if (d.list_heap)
        kz_free(d.list);
    kz_arena_free(a);
    return rc;
}
