/* sco_ids.c - deterministic SCO identifiers (STIX 2.1 Part 2.9): a UUIDv5 in
 * the STIX namespace over the RFC 8785 canonical JSON of an object holding
 * only the id-contributing properties present (of hashes, only the first of
 * MD5, SHA-1, SHA-256, SHA-512, else the first listed, as the OASIS
 * reference implementation does). */
#include <string.h>
#include <strings.h>

#include "kizuna/buf.h"
#include "stix/stix_int.h"

#define MAX_CONTRIB 8

static const char *const hash_preference[] = {"MD5", "SHA-1", "SHA-256", "SHA-512"};

/* Picks the one hash that contributes; NULL member when hashes is empty. */
static const kz_json_member *pick_hash(const kz_json *hashes)
{
    if (hashes->type != KZ_JSON_OBJECT || hashes->u.obj.n == 0)
        return NULL;
    for (size_t p = 0; p < sizeof hash_preference / sizeof hash_preference[0]; p++)
        for (size_t i = 0; i < hashes->u.obj.n; i++)
            if (strcmp(hashes->u.obj.members[i].key, hash_preference[p]) == 0)
                return &hashes->u.obj.members[i];
    return &hashes->u.obj.members[0];
}

kz_err kz_stix_sco_id(const kz_json *obj, char *out, size_t outsz)
{
    const char *type = kz_json_get_string(obj, "type");
    const kz_type_spec *spec = kz_type_lookup(type);
    if (!spec || spec->cls != KZ_STIX_SCO)
        return KZ_EINVAL;
    if (!spec->id_props)
        return KZ_ENOTFOUND;

    /* The contributing object is built on the stack, borrowing values. */
    kz_json_member members[MAX_CONTRIB];
    kz_json_member hash_member;
    kz_json hash_obj;
    kz_json contrib;
    size_t n = 0;
    for (size_t i = 0; spec->id_props[i] && n < MAX_CONTRIB; i++) {
        const char *k = spec->id_props[i];
        const kz_json *val = kz_json_get(obj, k);
        if (!val)
            continue;
        if (strcmp(k, "hashes") == 0) {
            const kz_json_member *h = pick_hash(val);
            if (!h)
                continue;
            hash_member = *h;
            memset(&hash_obj, 0, sizeof hash_obj);
            hash_obj.type = KZ_JSON_OBJECT;
            hash_obj.u.obj.members = &hash_member;
            hash_obj.u.obj.n = 1;
            val = &hash_obj;
        }
        members[n].key = k;
        members[n].key_len = strlen(k);
        members[n].value = (kz_json *)val; /* not modified: only serialised */
        n++;
    }
    if (n == 0)
        return KZ_ENOTFOUND;
    memset(&contrib, 0, sizeof contrib);
    contrib.type = KZ_JSON_OBJECT;
    contrib.u.obj.members = members;
    contrib.u.obj.n = n;

    kz_buf b;
    kz_buf_init(&b, 64u << 20);
    kz_err rc = kz_json_write(&b, &contrib, KZ_JSON_CANONICAL);
    if (rc) {
        kz_buf_release(&b);
        return rc == KZ_ETOOBIG ? KZ_ENOTFOUND : rc;
    }
    kz_uuid u;
    kz_uuid_v5(&KZ_UUID_STIX_NAMESPACE, b.data ? b.data : "", b.len, &u);
    kz_buf_release(&b);

    size_t tl = strlen(type);
    if (outsz < tl + 2 + KZ_UUID_STR)
        return KZ_ETOOBIG;
    memcpy(out, type, tl);
    out[tl] = '-';
    out[tl + 1] = '-';
    kz_uuid_format(&u, out + tl + 2);
    return KZ_OK;
}

void kz_check_sco_id(kz_sv *v)
{
    char want[320];
    const kz_json *id = kz_json_get(v->obj, "id");
    if (!id || id->type != KZ_JSON_STRING || !kz_id_syntax_ok(id->u.str.ptr, id->u.str.len, NULL))
        return;
    kz_err rc = kz_stix_sco_id(v->obj, want, sizeof want);
    if (rc == KZ_ENOMEM) {
        v->d->oom = 1;
        return;
    }
    if (rc)
        return;
    /* UUIDs compare case-insensitively; the type part is already checked. */
    if (strcasecmp(want, id->u.str.ptr) != 0)
        kz_sv_warn_at(v, "id", "sco-id-mismatch",
                      "not the deterministic id of this %s (expected %s)", v->type, want);
}
