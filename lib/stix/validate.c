/* validate.c - validation of one STIX object: finds the type's table row,
 * checks the common properties for its class, every member, the type's
 * cross-property rules, and reports with JSON paths; also kz_stix_meta_get. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "stix/stix_int.h"

/* ---- reporting ---- */

__attribute__((format(printf, 5, 0))) static void sv_vadd(kz_sv *v, kz_severity sev,
                                                          const char *key, const char *code,
                                                          const char *fmt, va_list ap)
{
    if (key)
        kz_path_push_key(&v->p, key);
    kz_diag_vadd(v->d, sev, kz_path_str(&v->p), code, fmt, ap);
    if (key)
        kz_path_pop(&v->p);
}

void kz_sv_error(kz_sv *v, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sv_vadd(v, KZ_SEV_ERROR, NULL, code, fmt, ap);
    va_end(ap);
}

void kz_sv_warn(kz_sv *v, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sv_vadd(v, KZ_SEV_WARNING, NULL, code, fmt, ap);
    va_end(ap);
}

void kz_sv_error_at(kz_sv *v, const char *key, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sv_vadd(v, KZ_SEV_ERROR, key, code, fmt, ap);
    va_end(ap);
}

void kz_sv_warn_at(kz_sv *v, const char *key, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sv_vadd(v, KZ_SEV_WARNING, key, code, fmt, ap);
    va_end(ap);
}

/* Quotes at most ~60 bytes of s, escaping control characters and quotes, so
 * that a hostile value cannot forge output lines. */
const char *kz_sv_quote(const char *s, size_t len, char *out, size_t outsz)
{
    size_t o = 0, i = 0;
    size_t limit = outsz > 8 ? outsz - 8 : 0;
    if (outsz == 0)
        return "";
    out[o++] = '"';
    for (; i < len && o < limit; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == '"' || c == '\\' || c == 0x7f) {
            if (o + 4 >= limit)
                break;
            snprintf(out + o, outsz - o, "\\x%02x", c);
            o += 4;
        } else if (c >= 0xc0) {
            /* copy a whole UTF-8 sequence or stop: never split a character */
            size_t n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
            if (i + n > len || o + n >= limit)
                break;
            memcpy(out + o, s + i, n);
            o += n;
            i += n - 1;
        } else {
            out[o++] = (char)c;
        }
    }
    if (i < len && o + 4 < outsz) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    if (o + 2 <= outsz)
        out[o++] = '"';
    out[o < outsz ? o : outsz - 1] = '\0';
    return out;
}

/* ---- types ---- */

static const kz_type_spec *const spec_tables[] = {kz_sdo_specs, kz_sro_specs, kz_sco_specs,
                                                  kz_meta_specs};

const kz_type_spec *kz_type_lookup(const char *type)
{
    if (!type)
        return NULL;
    for (size_t t = 0; t < sizeof spec_tables / sizeof spec_tables[0]; t++)
        for (const kz_type_spec *s = spec_tables[t]; s->name; s++)
            if (s->name[0] == type[0] && strcmp(s->name, type) == 0)
                return s;
    return NULL;
}

kz_stix_class kz_stix_type_class(const char *type)
{
    const kz_type_spec *s = kz_type_lookup(type);
    return s ? s->cls : KZ_STIX_CUSTOM;
}

/* A custom object's class: an extension-definition's extension_type says it
 * (new-sdo / new-sco / new-sro); otherwise objects with created/modified
 * follow the SDO rules and the others the SCO rules. */
static kz_stix_class custom_class(const kz_json *obj)
{
    const kz_json *ext = kz_json_get(obj, "extensions");
    if (ext && ext->type == KZ_JSON_OBJECT) {
        for (size_t i = 0; i < ext->u.obj.n; i++) {
            const char *et = kz_json_get_string(ext->u.obj.members[i].value, "extension_type");
            if (!et)
                continue;
            if (strcmp(et, "new-sdo") == 0)
                return KZ_STIX_SDO;
            if (strcmp(et, "new-sro") == 0)
                return KZ_STIX_SRO;
            if (strcmp(et, "new-sco") == 0)
                return KZ_STIX_SCO;
        }
    }
    if (kz_json_get(obj, "created") || kz_json_get(obj, "modified"))
        return KZ_STIX_SDO;
    return KZ_STIX_SCO;
}

static bool has_toplevel_extension(const kz_json *obj)
{
    const kz_json *ext = kz_json_get(obj, "extensions");
    if (!ext || ext->type != KZ_JSON_OBJECT)
        return false;
    for (size_t i = 0; i < ext->u.obj.n; i++) {
        const char *et = kz_json_get_string(ext->u.obj.members[i].value, "extension_type");
        if (et && strcmp(et, "toplevel-property-extension") == 0)
            return true;
    }
    return false;
}

/* ---- the common rules every object shares ---- */

static void check_type_and_id(kz_sv *v)
{
    char q[96];
    const kz_json *t = kz_json_get(v->obj, "type");
    const kz_json *id = kz_json_get(v->obj, "id");
    if (id && id->type == KZ_JSON_STRING) {
        size_t tl = 0;
        if (!kz_id_syntax_ok(id->u.str.ptr, id->u.str.len, &tl))
            kz_sv_error_at(v, "id", "invalid-id", "not a STIX identifier (type--UUID) (%s)",
                           kz_sv_quote(id->u.str.ptr, id->u.str.len, q, sizeof q));
        else if (t && t->type == KZ_JSON_STRING &&
                 (tl != t->u.str.len || memcmp(id->u.str.ptr, t->u.str.ptr, tl) != 0))
            kz_sv_error_at(v, "id", "id-type-mismatch",
                           "identifier type does not match the object type \"%s\" (%s)", v->type,
                           kz_sv_quote(id->u.str.ptr, id->u.str.len, q, sizeof q));
    }
}

static void check_spec_version(kz_sv *v)
{
    const kz_json *sv = kz_json_get(v->obj, "spec_version");
    char q[96];
    if (!sv || sv->type != KZ_JSON_STRING)
        return; /* absence and JSON type are reported by the member check */
    if (strcmp(sv->u.str.ptr, "2.1") != 0)
        kz_sv_error_at(v, "spec_version", "invalid-spec-version",
                       "spec_version must be \"2.1\" (%s)",
                       kz_sv_quote(sv->u.str.ptr, sv->u.str.len, q, sizeof q));
}

static void check_created_modified(kz_sv *v)
{
    kz_time c, m;
    const kz_json *cj = kz_json_get(v->obj, "created");
    const kz_json *mj = kz_json_get(v->obj, "modified");
    bool hc = kz_get_time(v->obj, "created", &c);
    bool hm = kz_get_time(v->obj, "modified", &m);
    if (hc && hm && kz_time_cmp(&m, &c) < 0)
        kz_sv_error_at(v, "modified", "modified-before-created",
                       "modified (%s) is earlier than created (%s)", mj->u.str.ptr,
                       cj->u.str.ptr);
    /* STIX 2.1 3.2: "The minimum precision MUST be milliseconds (three
     * digits after the decimal place in seconds)" for created and modified.
     * Reported as a warning, not an error, on purpose: the store import and
     * TAXII POST reject objects with errors, and much 2.1 content in the
     * wild (and the OASIS examples) has whole-second times that parse to the
     * same instant. --strict turns it into a failure. See
     * docs/internals/stix-conformance.md. */
    if (hc && c.digits < 3)
        kz_sv_warn_at(v, "created", "timestamp-precision",
                      "created must have at least millisecond precision (STIX 2.1 3.2) (%s)",
                      cj->u.str.ptr);
    if (hm && m.digits < 3)
        kz_sv_warn_at(v, "modified", "timestamp-precision",
                      "modified must have at least millisecond precision (STIX 2.1 3.2) (%s)",
                      mj->u.str.ptr);
}

kz_err kz_stix_validate_object(const kz_json *obj, const char *path, const kz_stix_opts *opts,
                               kz_diag *d)
{
    static const kz_stix_opts defaults = {false, true};
    kz_sv v;
    char q[96];

    if (!obj || !d)
        return KZ_EINVAL;
    memset(&v, 0, sizeof v);
    v.opts = opts ? opts : &defaults;
    v.d = d;
    v.obj = obj;
    kz_path_init(&v.p, path ? path : "$");

    if (obj->type != KZ_JSON_OBJECT) {
        kz_sv_error(&v, "not-object", "a STIX object must be a JSON object, not %s",
                    kz_json_type_name(obj));
        return KZ_OK;
    }
    const kz_json *t = kz_json_get(obj, "type");
    if (!t) {
        kz_sv_error_at(&v, "type", "missing-property", "required property \"type\" is missing");
        return KZ_OK;
    }
    if (t->type != KZ_JSON_STRING) {
        kz_sv_error_at(&v, "type", "wrong-json-type", "expected a string, found %s",
                       kz_json_type_name(t));
        return KZ_OK;
    }
    v.type = t->u.str.ptr;
    if (!kz_type_name_ok(t->u.str.ptr, t->u.str.len)) {
        kz_sv_error_at(&v, "type", "invalid-type-name",
                       "not a valid STIX type name (3-250 characters a-z, 0-9, '-') (%s)",
                       kz_sv_quote(t->u.str.ptr, t->u.str.len, q, sizeof q));
        return KZ_OK;
    }
    if (strcmp(v.type, "bundle") == 0) {
        kz_sv_error_at(&v, "type", "nested-bundle", "a bundle cannot appear as an object");
        return KZ_OK;
    }
    v.spec = kz_type_lookup(v.type);
    v.cls = v.spec ? v.spec->cls : custom_class(obj);
    v.toplevel_ext = has_toplevel_extension(obj);

    const kz_prop *common;
    if (v.spec && strcmp(v.type, "marking-definition") == 0)
        common = kz_common_marking_props;
    else if (v.cls == KZ_STIX_SCO)
        common = kz_common_sco_props;
    else
        common = kz_common_sdo_props;

    /* Unknown members of a known type are likely typos: warn. Custom
     * objects carry their own properties: only the name rules apply. */
    kz_check_members(&v, obj, v.spec ? v.spec->props : NULL, common,
                     v.spec != NULL && !v.toplevel_ext);
    check_type_and_id(&v);
    check_spec_version(&v);
    check_created_modified(&v);
    if (v.spec && v.spec->rules)
        v.spec->rules(&v);
    if (v.cls == KZ_STIX_SCO && v.spec)
        kz_check_sco_id(&v);
    return d->oom ? KZ_ENOMEM : KZ_OK;
}

/* ---- meta ---- */

kz_err kz_stix_meta_get(const kz_json *obj, kz_stix_meta *out)
{
    if (!out)
        return KZ_EINVAL;
    memset(out, 0, sizeof *out);
    if (!obj || obj->type != KZ_JSON_OBJECT)
        return KZ_EINVALID;
    out->type = kz_json_get_string(obj, "type");
    out->id = kz_json_get_string(obj, "id");
    if (!out->type || !out->id)
        return KZ_EINVALID;
    out->spec_version = kz_json_get_string(obj, "spec_version");
    const char *c = kz_json_get_string(obj, "created");
    const char *m = kz_json_get_string(obj, "modified");
    if (c && kz_time_parse(c, strlen(c), KZ_TIME_STRICT, &out->created) == KZ_OK)
        out->has_created = true;
    if (m && kz_time_parse(m, strlen(m), KZ_TIME_STRICT, &out->modified) == KZ_OK)
        out->has_modified = true;
    const kz_json *r = kz_json_get(obj, "revoked");
    out->revoked = r && r->type == KZ_JSON_TRUE;
    const kz_json *omr = kz_json_get(obj, "object_marking_refs");
    out->object_marking_refs = omr && omr->type == KZ_JSON_ARRAY ? omr : NULL;
    kz_stix_class cls = kz_stix_type_class(out->type);
    out->is_sdo = cls == KZ_STIX_SDO;
    out->is_sro = cls == KZ_STIX_SRO;
    out->is_sco = cls == KZ_STIX_SCO;
    return KZ_OK;
}
