/* common.c - the common properties of STIX 2.1 (Part 3) and the checker for
 * every property kind of the tables: strings, timestamps, identifiers and
 * their allowed target types, vocabularies, lists, dictionaries, hashes,
 * external references, kill chain phases, language tags. */
#include <stdio.h>
#include <string.h>

#include "stix/stix_int.h"

/* ---- name rules ---- */

static bool is_lower_alnum(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool kz_type_name_ok(const char *s, size_t len)
{
    if (len < 3 || len > 250 || !(s[0] >= 'a' && s[0] <= 'z'))
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '-') {
            if (i + 1 < len && s[i + 1] == '-')
                return false; /* "--" separates type and UUID in identifiers */
            continue;
        }
        if (!is_lower_alnum(c))
            return false;
    }
    return s[len - 1] != '-';
}

bool kz_prop_name_ok(const char *s, size_t len)
{
    /* STIX 2.1 3.1: a-z 0-9 '_', 3-250 long, and the first character a
     * letter (the 2.1 schema's ^[a-z][a-z0-9_]{2,249}$; "_x" and "1ab" are
     * not property names). */
    if (len < 3 || len > 250 || s[0] < 'a' || s[0] > 'z')
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!is_lower_alnum(c) && c != '_')
            return false;
    }
    return true;
}

static bool is_hex(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* type--xxxxxxxx-xxxx-Mxxx-Nxxx-xxxxxxxxxxxx with N in 8..b (RFC 4122 variant). */
bool kz_id_syntax_ok(const char *s, size_t len, size_t *type_len)
{
    if (len < 36 + 2 + 3)
        return false;
    size_t tl = len - 38;
    if (s[tl] != '-' || s[tl + 1] != '-' || !kz_type_name_ok(s, tl))
        return false;
    const char *u = s + tl + 2;
    for (size_t i = 0; i < 36; i++) {
        unsigned char c = (unsigned char)u[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-')
                return false;
        } else if (!is_hex(c)) {
            return false;
        }
    }
    if (!strchr("89abAB", u[19]) || u[19] == '\0')
        return false;
    if (type_len)
        *type_len = tl;
    return true;
}

/* allowed: '|'-separated type names or classes (@sdo, @sco, @sro, @any).
 * Custom (unknown) types satisfy @sdo and @sco: their class is theirs to say. */
bool kz_ref_type_ok(const char *t, size_t tl, const char *allowed)
{
    char type[256];
    /* A bundle is not a STIX Object (Part 8) and has no identity beyond the
     * transport: nothing may reference it, not even through @any. */
    if (tl == 6 && memcmp(t, "bundle", 6) == 0)
        return false;
    if (!allowed)
        return true;
    if (tl >= sizeof type)
        return false;
    memcpy(type, t, tl);
    type[tl] = '\0';
    kz_stix_class cls = KZ_STIX_CUSTOM;
    bool cls_known = false;
    const char *a = allowed;
    while (*a) {
        const char *bar = strchr(a, '|');
        size_t n = bar ? (size_t)(bar - a) : strlen(a);
        if (a[0] == '@') {
            if (!cls_known) {
                cls = kz_stix_type_class(type);
                cls_known = true;
            }
            if ((n == 4 && memcmp(a, "@any", 4) == 0) ||
                (n == 4 && memcmp(a, "@sdo", 4) == 0 &&
                 (cls == KZ_STIX_SDO || cls == KZ_STIX_CUSTOM)) ||
                (n == 4 && memcmp(a, "@sco", 4) == 0 &&
                 (cls == KZ_STIX_SCO || cls == KZ_STIX_CUSTOM)) ||
                (n == 4 && memcmp(a, "@sro", 4) == 0 && cls == KZ_STIX_SRO))
                return true;
        } else if (n == tl && memcmp(a, t, n) == 0) {
            return true;
        }
        a += n;
        if (*a == '|')
            a++;
    }
    return false;
}

/* ---- helpers for rules ---- */

bool kz_get_time(const kz_json *o, const char *key, kz_time *out)
{
    const kz_json *j = kz_json_get(o, key);
    if (!j || j->type != KZ_JSON_STRING)
        return false;
    return kz_time_parse(j->u.str.ptr, j->u.str.len, KZ_TIME_STRICT, out) == KZ_OK;
}

void kz_check_order(kz_sv *v, const char *earlier_key, const char *later_key, bool strict)
{
    kz_time a, b;
    if (!kz_get_time(v->obj, earlier_key, &a) || !kz_get_time(v->obj, later_key, &b))
        return;
    int c = kz_time_cmp(&b, &a);
    if (c < 0 || (strict && c == 0))
        kz_sv_error_at(v, later_key, "time-order", "%s must be %s %s", later_key,
                       strict ? "later than" : "later than or equal to", earlier_key);
}

void kz_require_one_of(kz_sv *v, const char *const *keys)
{
    char list[256];
    size_t o = 0;
    for (size_t i = 0; keys[i]; i++)
        if (kz_json_get(v->obj, keys[i]))
            return;
    list[0] = '\0';
    for (size_t i = 0; keys[i] && o < sizeof list; i++) {
        int n = snprintf(list + o, sizeof list - o, "%s\"%s\"", i ? ", " : "", keys[i]);
        if (n < 0)
            break;
        o += (size_t)n;
    }
    kz_sv_error(v, "missing-one-of", "at least one of %s must be present", list);
}

void kz_exclusive(kz_sv *v, const char *a, const char *b)
{
    if (kz_json_get(v->obj, a) && kz_json_get(v->obj, b))
        kz_sv_error_at(v, b, "mutually-exclusive", "\"%s\" and \"%s\" cannot both be present",
                       a, b);
}

/* ---- value checkers ---- */

static bool want_type(kz_sv *v, const kz_json *val, kz_json_type t, const char *what)
{
    if (val->type == t || (t == KZ_JSON_TRUE && val->type == KZ_JSON_FALSE))
        return true;
    kz_sv_error(v, "wrong-json-type", "expected %s, found %s", what, kz_json_type_name(val));
    return false;
}

static void check_ref(kz_sv *v, const kz_json *val, const char *allowed)
{
    char q[96];
    size_t tl = 0;
    if (!want_type(v, val, KZ_JSON_STRING, "an identifier string"))
        return;
    if (!kz_id_syntax_ok(val->u.str.ptr, val->u.str.len, &tl)) {
        kz_sv_error(v, "invalid-ref", "not a STIX identifier (type--UUID) (%s)",
                    kz_sv_quote(val->u.str.ptr, val->u.str.len, q, sizeof q));
        return;
    }
    if (!kz_ref_type_ok(val->u.str.ptr, tl, allowed))
        kz_sv_error(v, "ref-wrong-type", "must reference %s, not %.*s", allowed, (int)tl,
                    val->u.str.ptr);
}

static void check_timestamp(kz_sv *v, const kz_json *val)
{
    char q[96];
    kz_time t;
    if (!want_type(v, val, KZ_JSON_STRING, "a timestamp string"))
        return;
    kz_err rc = kz_time_parse(val->u.str.ptr, val->u.str.len, KZ_TIME_STRICT, &t);
    /* KZ_ERANGE (a well-formed but impossible date) reads the same to a user. */
    if (rc)
        kz_sv_error(v, "invalid-timestamp", "not an RFC 3339 timestamp (%s)",
                    kz_sv_quote(val->u.str.ptr, val->u.str.len, q, sizeof q));
}

static void check_vocab(kz_sv *v, const kz_json *val, const kz_vocab *voc, bool closed)
{
    char q[96];
    if (!want_type(v, val, KZ_JSON_STRING, "a string"))
        return;
    if (!voc || kz_vocab_has(voc, val->u.str.ptr))
        return;
    if (closed)
        kz_sv_error(v, "enum-value", "%s is not a value of %s",
                    kz_sv_quote(val->u.str.ptr, val->u.str.len, q, sizeof q), voc->name);
    else
        kz_sv_warn(v, "vocab-value", "%s is not in the open vocabulary %s",
                   kz_sv_quote(val->u.str.ptr, val->u.str.len, q, sizeof q), voc->name);
}

/* Dictionary keys: ASCII letters, digits, '-' and '_', at most 250 (Part 2.7). */
static bool dict_key_ok(const char *k, size_t len)
{
    if (len == 0 || len > 250)
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)k[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return false;
    }
    return true;
}

static void check_dict(kz_sv *v, const kz_json *val)
{
    char q[96];
    if (!want_type(v, val, KZ_JSON_OBJECT, "a dictionary (object)"))
        return;
    if (val->u.obj.n == 0)
        kz_sv_error(v, "empty-value", "a dictionary must have at least one entry");
    for (size_t i = 0; i < val->u.obj.n; i++) {
        const kz_json_member *m = &val->u.obj.members[i];
        if (!dict_key_ok(m->key, m->key_len))
            kz_sv_error(v, "invalid-dictionary-key",
                        "dictionary key %s must be 1-250 of a-z A-Z 0-9 '-' '_'",
                        kz_sv_quote(m->key, m->key_len, q, sizeof q));
    }
}

/* Expected hex lengths of the hash algorithms of hash-algorithm-ov. */
static const struct {
    const char *name;
    size_t hexlen;
} hash_lengths[] = {
    {"MD5", 32}, {"SHA-1", 40}, {"SHA-256", 64}, {"SHA-512", 128}, {"SHA3-256", 64},
    {"SHA3-512", 128},
};

static void check_hashes(kz_sv *v, const kz_json *val)
{
    char q[96];
    check_dict(v, val);
    if (val->type != KZ_JSON_OBJECT)
        return;
    for (size_t i = 0; i < val->u.obj.n; i++) {
        const kz_json_member *m = &val->u.obj.members[i];
        kz_path_push_key(&v->p, m->key);
        if (m->value->type != KZ_JSON_STRING) {
            kz_sv_error(v, "wrong-json-type", "expected a string, found %s",
                        kz_json_type_name(m->value));
        } else if (!kz_vocab_has(&kz_voc_hash_algorithm, m->key)) {
            kz_sv_warn(v, "vocab-value", "%s is not in the open vocabulary hash-algorithm-ov",
                       kz_sv_quote(m->key, m->key_len, q, sizeof q));
        } else {
            for (size_t h = 0; h < sizeof hash_lengths / sizeof hash_lengths[0]; h++) {
                if (strcmp(hash_lengths[h].name, m->key) != 0)
                    continue;
                const char *s = m->value->u.str.ptr;
                size_t n = m->value->u.str.len, k = 0;
                while (k < n && is_hex((unsigned char)s[k]))
                    k++;
                if (k != n || n != hash_lengths[h].hexlen)
                    kz_sv_error(v, "invalid-hash", "not a %s hash (%zu hex digits) (%s)",
                                m->key, hash_lengths[h].hexlen, kz_sv_quote(s, n, q, sizeof q));
            }
        }
        kz_path_pop(&v->p);
    }
}

static bool b64_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '+' || c == '/';
}

static void check_binary(kz_sv *v, const kz_json *val)
{
    char q[96];
    if (!want_type(v, val, KZ_JSON_STRING, "a base64 string"))
        return;
    const char *s = val->u.str.ptr;
    size_t n = val->u.str.len, i = 0;
    while (i < n && b64_char((unsigned char)s[i]))
        i++;
    size_t pad = 0;
    while (i + pad < n && s[i + pad] == '=' && pad < 2)
        pad++;
    if (i + pad != n || n % 4 != 0)
        kz_sv_error(v, "invalid-binary", "not base64 (RFC 4648) (%s)",
                    kz_sv_quote(s, n, q, sizeof q));
}

static void check_hex(kz_sv *v, const kz_json *val)
{
    char q[96];
    if (!want_type(v, val, KZ_JSON_STRING, "a hex string"))
        return;
    const char *s = val->u.str.ptr;
    size_t n = val->u.str.len, i = 0;
    while (i < n && is_hex((unsigned char)s[i]))
        i++;
    if (i != n || n % 2 != 0)
        kz_sv_error(v, "invalid-hex", "not an even number of hex digits (%s)",
                    kz_sv_quote(s, n, q, sizeof q));
}

/* RFC 5646, loosely: primary subtag of 2-8 letters, then subtags of 1-8
 * alphanumerics separated by '-'. Full registry checks are out of scope. */
static void check_lang(kz_sv *v, const kz_json *val)
{
    char q[96];
    if (!want_type(v, val, KZ_JSON_STRING, "a language tag string"))
        return;
    const char *s = val->u.str.ptr;
    size_t n = val->u.str.len, i = 0, seg = 0;
    bool ok = n > 0;
    bool first = true;
    for (; ok && i <= n; i++) {
        if (i == n || s[i] == '-') {
            /* a one-letter primary subtag is only the private-use "x" or
             * the grandfathered "i" prefix */
            if (seg == 0 || seg > 8 ||
                (first && seg < 2 && !(i == 1 && (s[0] == 'x' || s[0] == 'X' || s[0] == 'i'))))
                ok = false;
            seg = 0;
            first = false;
            continue;
        }
        unsigned char c = (unsigned char)s[i];
        bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        bool digit = c >= '0' && c <= '9';
        if (!(alpha || (!first && digit)))
            ok = false;
        seg++;
    }
    if (!ok)
        kz_sv_error(v, "invalid-lang", "not an RFC 5646 language tag (%s)",
                    kz_sv_quote(s, n, q, sizeof q));
}

static const kz_prop kill_chain_props[] = {
    KZ_PR("kill_chain_name", PK_STRING),
    KZ_PR("phase_name", PK_STRING),
    KZ_PEND,
};

static const kz_prop external_ref_props[] = {
    KZ_PR("source_name", PK_STRING),
    KZ_P("description", PK_STRING),
    KZ_P("url", PK_STRING),
    KZ_P("hashes", PK_HASHES),
    KZ_P("external_id", PK_STRING),
    KZ_PEND,
};

static bool all_digits(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* Part 2.5: capec and cve references carry ids of a fixed form. */
static void external_ref_rules(kz_sv *v, const kz_json *er)
{
    char q[96];
    const char *src = kz_json_get_string(er, "source_name");
    const kz_json *eid = kz_json_get(er, "external_id");
    if (!kz_json_get(er, "description") && !kz_json_get(er, "url") && !eid)
        kz_sv_error(v, "missing-one-of",
                    "an external reference needs one of \"description\", \"url\", "
                    "\"external_id\"");
    if (kz_json_get(er, "hashes") && !kz_json_get(er, "url"))
        kz_sv_warn_at(v, "hashes", "hashes-without-url", "hashes are meaningful only with a url");
    if (!src || !eid || eid->type != KZ_JSON_STRING)
        return;
    const char *s = eid->u.str.ptr;
    size_t n = eid->u.str.len;
    if (strcmp(src, "capec") == 0 && !(n > 6 && memcmp(s, "CAPEC-", 6) == 0 &&
                                       all_digits(s + 6, n - 6)))
        kz_sv_error_at(v, "external_id", "invalid-external-id",
                       "a capec external_id must be CAPEC-<number> (%s)",
                       kz_sv_quote(s, n, q, sizeof q));
    if (strcmp(src, "cve") == 0) {
        bool ok = n >= 13 && memcmp(s, "CVE-", 4) == 0 && all_digits(s + 4, 4) && s[8] == '-' &&
                  all_digits(s + 9, n - 9);
        if (!ok)
            kz_sv_error_at(v, "external_id", "invalid-external-id",
                           "a cve external_id must be CVE-YYYY-NNNN (%s)",
                           kz_sv_quote(s, n, q, sizeof q));
    }
}

static void kill_chain_rules(kz_sv *v, const kz_json *kc)
{
    static const char *const keys[] = {"kill_chain_name", "phase_name"};
    for (size_t k = 0; k < 2; k++) {
        const kz_json *s = kz_json_get(kc, keys[k]);
        if (!s || s->type != KZ_JSON_STRING)
            continue;
        for (size_t i = 0; i < s->u.str.len; i++) {
            unsigned char c = (unsigned char)s->u.str.ptr[i];
            if (c >= 'A' && c <= 'Z') {
                kz_sv_warn_at(v, keys[k], "kill-chain-case",
                              "%s should be lower case with hyphens", keys[k]);
                break;
            }
        }
    }
}

/* A non-empty list; calls each() per item with the path at the item. */
static void check_list(kz_sv *v, const kz_json *val, const kz_prop *p, kz_pk item_kind)
{
    if (!want_type(v, val, KZ_JSON_ARRAY, "a list"))
        return;
    if (val->u.arr.n == 0) {
        kz_sv_error(v, "empty-value", "a list must not be empty");
        return;
    }
    kz_prop item = *p;
    item.kind = item_kind;
    item.flags = 0;
    for (size_t i = 0; i < val->u.arr.n; i++) {
        kz_path_push_index(&v->p, i);
        kz_check_value(v, &item, val->u.arr.items[i]);
        kz_path_pop(&v->p);
    }
}

static void check_object_list(kz_sv *v, const kz_json *val, const kz_prop *sub,
                              void (*rules)(kz_sv *, const kz_json *))
{
    if (!want_type(v, val, KZ_JSON_ARRAY, "a list"))
        return;
    if (val->u.arr.n == 0) {
        kz_sv_error(v, "empty-value", "a list must not be empty");
        return;
    }
    for (size_t i = 0; i < val->u.arr.n; i++) {
        const kz_json *it = val->u.arr.items[i];
        kz_path_push_index(&v->p, i);
        if (want_type(v, it, KZ_JSON_OBJECT, "an object")) {
            if (sub)
                kz_check_members(v, it, sub, NULL, true);
            if (rules)
                rules(v, it);
        }
        kz_path_pop(&v->p);
    }
}

void kz_check_value(kz_sv *v, const kz_prop *p, const kz_json *val)
{
    switch ((kz_pk)p->kind) {
    case PK_ANY:
        break;
    case PK_STRING:
        want_type(v, val, KZ_JSON_STRING, "a string");
        break;
    case PK_TIMESTAMP:
        check_timestamp(v, val);
        break;
    case PK_BOOL:
        want_type(v, val, KZ_JSON_TRUE, "a boolean");
        break;
    case PK_INT: {
        int64_t i;
        if (val->type != KZ_JSON_NUMBER || !kz_json_int(val, &i)) {
            kz_sv_error(v, "wrong-json-type", "expected an integer, found %s",
                        val->type == KZ_JSON_NUMBER ? "a non-integer number"
                                                    : kz_json_type_name(val));
        } else if ((double)i < p->lo || (double)i > p->hi) {
            kz_sv_error(v, "out-of-range", "%lld is outside %.0f..%.0f", (long long)i, p->lo,
                        p->hi);
        }
        break;
    }
    case PK_NUMBER:
        if (want_type(v, val, KZ_JSON_NUMBER, "a number") &&
            (!(val->u.num.d >= p->lo) || !(val->u.num.d <= p->hi)))
            kz_sv_error(v, "out-of-range", "%s is outside %g..%g", val->u.num.text, p->lo,
                        p->hi);
        break;
    case PK_REF:
        check_ref(v, val, (const char *)p->arg);
        break;
    case PK_REFS:
        check_list(v, val, p, PK_REF);
        break;
    case PK_STRINGS:
        check_list(v, val, p, PK_STRING);
        break;
    case PK_OV:
        check_vocab(v, val, (const kz_vocab *)p->arg, false);
        break;
    case PK_OVS:
        check_list(v, val, p, PK_OV);
        break;
    case PK_ENUM:
        check_vocab(v, val, (const kz_vocab *)p->arg, true);
        break;
    case PK_ENUMS:
        check_list(v, val, p, PK_ENUM);
        break;
    case PK_KCP:
        check_object_list(v, val, kill_chain_props, kill_chain_rules);
        break;
    case PK_EXTREFS:
        check_object_list(v, val, external_ref_props, external_ref_rules);
        break;
    case PK_HASHES:
        check_hashes(v, val);
        break;
    case PK_DICT:
        check_dict(v, val);
        break;
    case PK_OBJECT:
        if (want_type(v, val, KZ_JSON_OBJECT, "an object") && p->arg)
            kz_check_members(v, val, (const kz_prop *)p->arg, NULL, true);
        break;
    case PK_OBJECTS:
        check_object_list(v, val, (const kz_prop *)p->arg, NULL);
        break;
    case PK_BINARY:
        check_binary(v, val);
        break;
    case PK_HEX:
        check_hex(v, val);
        break;
    case PK_MARKINGS: {
        kz_prop item = *p;
        item.arg = "marking-definition";
        check_list(v, val, &item, PK_REF);
        break;
    }
    case PK_GRANULAR:
        kz_check_granular(v, val);
        break;
    case PK_EXTENSIONS:
        kz_check_extensions(v, val);
        break;
    case PK_LANG:
        check_lang(v, val);
        break;
    case PK_RESERVED:
        kz_sv_error(v, "reserved-property", "this property is reserved and must not be used");
        break;
    case PK_FN:
        if (p->fn)
            p->fn(v, val);
        break;
    }
}

static const kz_prop *find_prop(const kz_prop *t, const char *key)
{
    if (!t)
        return NULL;
    for (; t->name; t++)
        if (t->name[0] == key[0] && strcmp(t->name, key) == 0)
            return t;
    return NULL;
}

static void check_required(kz_sv *v, const kz_json *o, const kz_prop *t)
{
    if (!t)
        return;
    for (; t->name; t++)
        if ((t->flags & PF_REQ) && !kz_json_get(o, t->name))
            kz_sv_error_at(v, t->name, "missing-property", "required property \"%s\" is missing",
                           t->name);
}

void kz_check_members(kz_sv *v, const kz_json *o, const kz_prop *props, const kz_prop *extra,
                      bool warn_unknown)
{
    char q[96];
    for (size_t i = 0; i < o->u.obj.n; i++) {
        const kz_json_member *m = &o->u.obj.members[i];
        const kz_prop *p = find_prop(props, m->key);
        if (!p)
            p = find_prop(extra, m->key);
        kz_path_push_key(&v->p, m->key);
        if (p) {
            kz_check_value(v, p, m->value);
        } else if (!kz_prop_name_ok(m->key, m->key_len)) {
            kz_sv_error(v, "invalid-property-name",
                        "property name %s must be 3-250 characters of a-z, 0-9, '_' "
                        "starting with a letter",
                        kz_sv_quote(m->key, m->key_len, q, sizeof q));
        } else if (warn_unknown && !(m->key_len > 2 && m->key[0] == 'x' && m->key[1] == '_')) {
            kz_sv_warn(v, "unknown-property", "%s is not a property of this object (custom?)",
                       kz_sv_quote(m->key, m->key_len, q, sizeof q));
        }
        kz_path_pop(&v->p);
    }
    check_required(v, o, props);
    check_required(v, o, extra);
}

/* ---- the common property tables ---- */

static void check_type_fn(kz_sv *v, const kz_json *val)
{
    (void)v;
    (void)val; /* checked first of all, in kz_stix_validate_object */
}

static void check_id_fn(kz_sv *v, const kz_json *val)
{
    want_type(v, val, KZ_JSON_STRING, "an identifier string"); /* syntax: validate.c */
}

const kz_prop kz_common_sdo_props[] = {
    KZ_PRF("type", check_type_fn),
    KZ_PR("spec_version", PK_STRING),
    KZ_PRF("id", check_id_fn),
    KZ_PA("created_by_ref", PK_REF, "identity"),
    KZ_PR("created", PK_TIMESTAMP),
    KZ_PR("modified", PK_TIMESTAMP),
    KZ_P("revoked", PK_BOOL),
    KZ_P("labels", PK_STRINGS),
    KZ_PI("confidence", PK_INT, 0, 100),
    KZ_P("lang", PK_LANG),
    KZ_P("external_references", PK_EXTREFS),
    KZ_P("object_marking_refs", PK_MARKINGS),
    KZ_P("granular_markings", PK_GRANULAR),
    KZ_P("extensions", PK_EXTENSIONS),
    KZ_PEND,
};

const kz_prop kz_common_sco_props[] = {
    KZ_PRF("type", check_type_fn),
    KZ_P("spec_version", PK_STRING),
    KZ_PRF("id", check_id_fn),
    KZ_P("object_marking_refs", PK_MARKINGS),
    KZ_P("granular_markings", PK_GRANULAR),
    KZ_P("defanged", PK_BOOL),
    KZ_P("extensions", PK_EXTENSIONS),
    KZ_PEND,
};

const kz_prop kz_common_marking_props[] = {
    KZ_PRF("type", check_type_fn),
    KZ_PR("spec_version", PK_STRING),
    KZ_PRF("id", check_id_fn),
    KZ_PA("created_by_ref", PK_REF, "identity"),
    KZ_PR("created", PK_TIMESTAMP),
    KZ_P("external_references", PK_EXTREFS),
    KZ_P("object_marking_refs", PK_MARKINGS),
    KZ_P("granular_markings", PK_GRANULAR),
    KZ_P("extensions", PK_EXTENSIONS),
    KZ_PEND,
};
