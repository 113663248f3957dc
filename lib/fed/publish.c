/* publish.c - signing what a node publishes: which objects are signed
 * (everything without a kizuna signature but the objects shared by every
 * node), the signed bytes stored, the extension-definition objects that go
 * with them, and the sign_on_publish setting. */
#include <stdio.h>
#include <string.h>

#include "kizuna/buf.h"
#include "kizuna/config.h"
#include "kizuna/fed_publish.h"
#include "kizuna/stix.h"

/* A signed object is written canonically: its bytes then depend only on
 * its JSON value, so the same object published twice (even re-formatted)
 * is one version, not a conflict. Bounded like the signed content. */
#define PUBLISH_MAX ((size_t)64 << 20)

bool kz_fed_publish_keep(const kz_json *obj)
{
    if (!obj || obj->type != KZ_JSON_OBJECT)
        return true;
    const kz_json *ext = kz_json_get(obj, "extensions");
    if (ext && ext->type == KZ_JSON_OBJECT && kz_json_get(ext, KZ_FED_SIG_EXT_ID))
        return true;
    const char *id = kz_json_get_string(obj, "id");
    const char *type = kz_json_get_string(obj, "type");
    if (!id || !type)
        return false;
    if (strcmp(id, KZ_FED_SIG_EXT_ID) == 0 || strcmp(id, KZ_FED_SIG_IDENTITY_ID) == 0)
        return true;
    return strcmp(type, "marking-definition") == 0 && kz_stix_tlp_from_id(id, NULL) != KZ_TLP_NONE;
}

/* Copies b's bytes into a, NUL-terminated. */
static char *to_arena(kz_arena *a, const kz_buf *b)
{
    char *s = kz_arena_alloc(a, b->len + 1);
    if (!s)
        return NULL;
    memcpy(s, b->data, b->len);
    s[b->len] = '\0';
    return s;
}

static kz_err write_canonical(kz_arena *a, const kz_json *v, const char **out, size_t *out_len)
{
    kz_buf b;
    kz_buf_init(&b, PUBLISH_MAX);
    kz_err rc = kz_json_write(&b, v, KZ_JSON_CANONICAL);
    if (!rc) {
        *out = to_arena(a, &b);
        *out_len = b.len;
        if (!*out)
            rc = KZ_ENOMEM;
    }
    kz_buf_release(&b);
    return rc;
}

kz_err kz_fed_publish_sign(kz_arena *a, const kz_json *obj, const kz_fed_key *key,
                           kz_json **out_obj, const char **out, size_t *out_len)
{
    *out_obj = NULL;
    *out = NULL;
    *out_len = 0;
    if (kz_fed_publish_keep(obj))
        return KZ_OK;
    kz_json *s = NULL;
    kz_err rc = kz_fed_sign_object(a, obj, key, &s);
    if (rc)
        return rc;
    rc = write_canonical(a, s, out, out_len);
    if (rc) {
        *out = NULL;
        *out_len = 0;
        return rc;
    }
    *out_obj = s;
    return KZ_OK;
}

const char *kz_fed_publish_strerror(kz_err rc)
{
    if (rc == KZ_EINVAL)
        return "it has a number without an RFC 8785 form, or `extensions` is not an object";
    if (rc == KZ_ETOOBIG)
        return "its canonical form exceeds 64 MiB";
    return kz_strerror(rc);
}

kz_err kz_fed_publish_transform(void *key, kz_arena *a, const kz_json *obj, kz_json **out_obj,
                                const char **out_json, size_t *out_len, char *why, size_t why_len)
{
    kz_err rc = kz_fed_publish_sign(a, obj, key, out_obj, out_json, out_len);
    if (rc && rc != KZ_ENOMEM)
        snprintf(why, why_len, "cannot be signed: %s", kz_fed_publish_strerror(rc));
    return rc;
}

kz_err kz_fed_publish_add_ext_objects(kz_store *s, const char *coll)
{
    kz_arena *a = kz_arena_new(1 << 14);
    if (!a)
        return KZ_ENOMEM;
    const char *txt[2];
    size_t len[2];
    kz_store_object o[2];
    kz_err rc = kz_fed_publish_ext_json(a, &txt[0], &len[0], &txt[1], &len[1]);
    for (int i = 0; i < 2 && !rc; i++) {
        kz_json *v = NULL;
        char why[200];
        rc = kz_json_parse(a, txt[i], len[i], NULL, &v, NULL);
        if (!rc)
            rc = kz_store_object_from_json(a, v, txt[i], len[i], &o[i], why, sizeof why);
    }
    if (!rc)
        rc = kz_store_put_batch(s, coll, o, 2, NULL, NULL);
    kz_arena_free(a);
    return rc;
}

kz_err kz_fed_publish_ext_json(kz_arena *a, const char **ext, size_t *ext_len, const char **ident,
                               size_t *ident_len)
{
    kz_json *e = NULL, *i = NULL;
    kz_err rc = kz_fed_sign_ext_objects(a, &e, &i);
    if (!rc && ext)
        rc = write_canonical(a, e, ext, ext_len);
    if (!rc && ident)
        rc = write_canonical(a, i, ident, ident_len);
    return rc;
}

kz_err kz_fed_publish_config(const char *dir, bool *sign_on_publish, char *errbuf, size_t errlen)
{
    *sign_on_publish = true;
    kz_config *c = NULL;
    kz_config_error ce;
    kz_err rc = kz_config_load_node(dir, &c, &ce);
    if (rc) {
        snprintf(errbuf, errlen, "%s/kizuna.conf:%zu: %s", dir, ce.line, ce.msg);
        return rc == KZ_ENOMEM || rc == KZ_ETOOBIG ? rc : KZ_EPARSE;
    }
    rc = kz_config_get_bool(c, "sign_on_publish", true, sign_on_publish);
    if (rc) {
        snprintf(errbuf, errlen, "%s/kizuna.conf:%zu: sign_on_publish must be true or false", dir,
                 kz_config_line(c, "sign_on_publish"));
        rc = KZ_EPARSE;
    }
    kz_config_free(c);
    return rc;
}
