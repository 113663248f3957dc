/* output.c - one JSON line per hit of `kizuna match` on a log: where
 * (file, line, record time), what (field, type, value) and which indicator. */
#include <string.h>

#include "kizuna/json.h"
#include "kizuna/match_log.h"

/* Short type names for the "type" member (the STIX object type of the
 * value, or the hash name for file hashes). */
static const char *const type_names[KZ_MATCH_KIND_COUNT] = {
    [KZ_MATCH_IPV4] = "ipv4-addr",  [KZ_MATCH_IPV6] = "ipv6-addr",
    [KZ_MATCH_DOMAIN] = "domain-name", [KZ_MATCH_URL] = "url",
    [KZ_MATCH_EMAIL] = "email-addr", [KZ_MATCH_MD5] = "MD5",
    [KZ_MATCH_SHA1] = "SHA-1",      [KZ_MATCH_SHA256] = "SHA-256",
    [KZ_MATCH_SHA512] = "SHA-512",  [KZ_MATCH_SHA3_256] = "SHA3-256",
    [KZ_MATCH_SHA3_512] = "SHA3-512", [KZ_MATCH_SSDEEP] = "SSDEEP",
    [KZ_MATCH_TLSH] = "TLSH",       [KZ_MATCH_OTHER] = "record",
};

static kz_err member(kz_buf *b, const char *key, const char *v, size_t n)
{
    kz_err rc = kz_buf_append_str(b, key);
    if (!rc)
        rc = kz_json_write_string(b, v, n, 0);
    return rc;
}

kz_err kz_match_hit_json(kz_buf *b, const kz_logrec *r, const kz_match_hit *h, const char *id,
                         size_t id_len, const char *name, size_t name_len)
{
    bool whole = h->field == KZ_MATCH_FIELD_RECORD || h->field >= r->n_fields;
    const char *field = whole ? "record" : r->names[h->field];
    kz_match_kind k = (unsigned)h->kind < KZ_MATCH_KIND_COUNT ? h->kind : KZ_MATCH_OTHER;
    kz_err rc = member(b, "{\"file\":", r->source, strlen(r->source));
    if (!rc)
        rc = kz_buf_printf(b, ",\"line\":%llu", (unsigned long long)r->line);
    kz_time when;
    if (!rc && kz_logrec_time(r, &when)) {
        char t[KZ_TIME_MAX];
        size_t tn = kz_time_format(&when, t);
        rc = member(b, ",\"time\":", t, tn);
    }
    if (!rc)
        rc = member(b, ",\"field\":", field, strlen(field));
    if (!rc)
        rc = member(b, ",\"type\":", type_names[whole ? KZ_MATCH_OTHER : k],
                    strlen(type_names[whole ? KZ_MATCH_OTHER : k]));
    if (!rc && !whole)
        rc = member(b, ",\"value\":", h->value, h->value_len);
    if (!rc)
        rc = member(b, ",\"indicator\":", id, id_len);
    if (!rc)
        rc = member(b, ",\"name\":", name ? name : "", name ? name_len : 0);
    if (!rc)
        rc = kz_buf_append_str(b, "}\n");
    return rc;
}
