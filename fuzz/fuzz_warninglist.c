/* fuzz_warninglist.c - libFuzzer target for the MISP warninglist loader:
 * any input either loads or fails with a JSON path and a message and
 * leaves the set empty and usable; a list that loads finds every one of
 * its string, hostname, substring and cidr entries again (a hostname also
 * from a subdomain), and the entry count never exceeds the list's length.
 * Differential: the plain-shape reader (warninglist_fast.c) and the JSON
 * parser give the same result - error, JSON path and message, or the same
 * list with the same answers for each of its entries. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract/warninglist_int.h"
#include "kizuna/ipset.h"
#include "kizuna/json.h"
#include "kizuna/warninglist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok, const char *what)
{
    if (ok)
        return;
    fprintf(stderr, "fuzz_warninglist: %s\n", what);
    abort();
}

static int count_hit(void *ctx, const kz_warninglist_info *l)
{
    (void)l;
    (*(size_t *)ctx)++;
    return 0;
}

static bool found(const kz_warninglist_set *s, kz_ioc_type t, const char *v, size_t len)
{
    size_t n = 0, n2 = 0;
    kz_err rc = kz_warninglist_check(s, t, v, len, count_hit, &n, &n2);
    check(rc == KZ_OK || rc == KZ_ETOOBIG, "check failed");
    check(n == n2, "hit count differs from callbacks");
    check(n <= 1, "one list, more than one hit");
    return n == 1;
}

/* The loader's reading of a hostname entry (warninglist.c hostname_norm),
 * restated: the property must not depend on the code under test. */
static bool host_key(const char *in, size_t len, char *out, size_t *out_len)
{
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
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c <= ' ' || c == 0x7f)
            return false;
        out[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    *out_len = len;
    return true;
}

static size_t hits_of(const kz_warninglist_set *s, kz_ioc_type t, const char *v, size_t len)
{
    size_t n = 0;
    kz_warninglist_check(s, t, v, len, NULL, NULL, &n);
    return n;
}

/* The same input through the JSON parser alone: the same outcome. */
static void differential(const kz_warninglist_set *s, kz_err rc, const kz_warninglist_error *err,
                         const uint8_t *data, size_t size)
{
    kz_warninglist_set *p = kz_warninglist_set_new();
    if (!p)
        return;
    kz_warninglist_error perr;
    memset(&perr, 0, sizeof perr);
    wl_fast_disabled = true;
    kz_err prc = kz_warninglist_load_mem(p, "fuzz", "fuzz.json", (const char *)data, size, &perr);
    wl_fast_disabled = false;
    if (rc == KZ_ENOMEM || prc == KZ_ENOMEM) {
        kz_warninglist_set_free(p);
        return;
    }
    check(rc == prc, "fast reader and parser: different result");
    if (rc) {
        check(strcmp(err->path, perr.path) == 0, "fast reader and parser: different path");
        check(strcmp(err->msg, perr.msg) == 0, "fast reader and parser: different message");
        kz_warninglist_set_free(p);
        return;
    }
    const kz_warninglist_info *a = kz_warninglist_get(s, 0), *b = kz_warninglist_get(p, 0);
    check(strcmp(a->name, b->name) == 0 && strcmp(a->description, b->description) == 0 &&
              a->type == b->type && a->version == b->version && a->entries == b->entries &&
              kz_warninglist_entries(s) == kz_warninglist_entries(p),
          "fast reader and parser: different list");
    if (kz_warninglist_set_compile(p, NULL) != KZ_OK) {
        kz_warninglist_set_free(p);
        return;
    }
    kz_arena *ar = kz_arena_new(0);
    kz_json *doc = NULL;
    if (ar && kz_json_parse(ar, (const char *)data, size, NULL, &doc, NULL) == KZ_OK) {
        const kz_json *list = kz_json_get(doc, "list");
        for (size_t i = 0; list && i < list->u.arr.n; i++) {
            const char *v = list->u.arr.items[i]->u.str.ptr;
            size_t n = list->u.arr.items[i]->u.str.len;
            for (int t = 0; t <= KZ_IOC__COUNT; t++)
                check(hits_of(s, (kz_ioc_type)t, v, n) == hits_of(p, (kz_ioc_type)t, v, n),
                      "fast reader and parser: different answer");
        }
    }
    kz_arena_free(ar);
    kz_warninglist_set_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65536)
        return 0;
    kz_warninglist_set *s = kz_warninglist_set_new();
    if (!s)
        return 0;
    kz_warninglist_error err;
    memset(&err, 0, sizeof err);
    kz_err rc = kz_warninglist_load_mem(s, "fuzz", "fuzz.json", (const char *)data, size, &err);
    /* s is compiled for the comparison: a copy of it stays uncompiled below */
    if (!rc) {
        kz_warninglist_set *c = kz_warninglist_set_new();
        kz_warninglist_error cerr;
        if (c && kz_warninglist_load_mem(c, "fuzz", "fuzz.json", (const char *)data, size,
                                         &cerr) == KZ_OK &&
            kz_warninglist_set_compile(c, NULL) == KZ_OK)
            differential(c, rc, &err, data, size);
        kz_warninglist_set_free(c);
    } else {
        differential(s, rc, &err, data, size);
    }
    if (rc) {
        check(rc == KZ_EPARSE || rc == KZ_ETOOBIG || rc == KZ_ENOMEM, "unexpected error code");
        check(err.msg[0] != '\0', "no error message");
        check(err.path[0] == '\0' || err.path[0] == '$', "path is not a JSON path");
        check(kz_warninglist_count(s) == 0, "a failed list was registered");
        check(kz_warninglist_set_compile(s, NULL) == KZ_OK, "empty set does not compile");
        check(!found(s, KZ_IOC_IPV4, "10.0.0.1", 8), "empty set holds a value");
        kz_warninglist_set_free(s);
        return 0;
    }
    check(kz_warninglist_count(s) == 1, "loaded list not registered");
    if (kz_warninglist_set_compile(s, &err) != KZ_OK) {
        /* Hyperscan may refuse a literal set (too large); that is an error, not a crash */
        kz_warninglist_set_free(s);
        return 0;
    }
    const kz_warninglist_info *l = kz_warninglist_get(s, 0);
    /* re-read the document to know its entries and whether the list
     * applies to every type (no matching_attributes) */
    kz_arena *a = kz_arena_new(0);
    kz_json *doc = NULL;
    check(a && kz_json_parse(a, (const char *)data, size, NULL, &doc, NULL) == KZ_OK,
          "loaded document does not parse");
    const kz_json *list = kz_json_get(doc, "list");
    const kz_json *ma = kz_json_get(doc, "matching_attributes");
    check(l->entries <= list->u.arr.n, "more entries than the list holds");
    bool all_types = !ma || ma->u.arr.n == 0;
    char key[KZ_WL_MAX_ENTRY + 8];
    for (size_t i = 0; all_types && i < list->u.arr.n; i++) {
        const char *v = list->u.arr.items[i]->u.str.ptr;
        size_t n = list->u.arr.items[i]->u.str.len, kl = 0;
        switch (l->type) {
        case KZ_WL_CIDR: {
            kz_ipaddr ip;
            char txt[KZ_IP_TEXT_MAX];
            check(kz_ip_parse(v, n, &ip, NULL) == KZ_OK, "loaded cidr entry does not parse");
            uint8_t prefix = ip.prefix;
            ip.prefix = ip.family == 4 ? 32 : 128;
            size_t tl = kz_ip_format(&ip, txt, sizeof txt);
            check(found(s, ip.family == 4 ? KZ_IOC_IPV4 : KZ_IOC_IPV6, txt, tl),
                  "cidr entry's network address not found");
            (void)prefix;
            break;
        }
        case KZ_WL_HOSTNAME:
            check(host_key(v, n, key + 2, &kl), "loaded hostname entry is not one");
            check(found(s, KZ_IOC_DOMAIN, key + 2, kl), "hostname entry not found");
            if (kl + 2 <= KZ_WL_MAX_ENTRY) {
                key[0] = 'a';
                key[1] = '.';
                check(found(s, KZ_IOC_DOMAIN, key, kl + 2), "hostname entry's subdomain not found");
            }
            break;
        case KZ_WL_STRING:
            if (n > 1 && v[0] == '.' && host_key(v, n, key + 2, &kl)) {
                key[0] = 'a';
                key[1] = '.';
                if (kl + 2 <= KZ_WL_MAX_ENTRY)
                    check(found(s, KZ_IOC_DOMAIN, key, kl + 2), ".domain entry's subdomain not found");
            } else {
                check(found(s, KZ_IOC__COUNT, v, n), "string entry not found");
            }
            break;
        case KZ_WL_SUBSTRING:
            check(found(s, KZ_IOC__COUNT, v, n), "substring entry not found in itself");
            break;
        default:
            break; /* a regex need not match its own text */
        }
    }
    kz_arena_free(a);
    kz_warninglist_set_free(s);
    return 0;
}
