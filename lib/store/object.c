/* object.c - from a parsed, validated STIX object to what the store
 * indexes: id, type, version texts, TLP, revoked and the full-text body. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "kizuna/arena.h"
#include "kizuna/buf.h"
#include "kizuna/json.h"
#include "kizuna/stix.h"
#include "store/store_int.h"

/* Properties whose text goes into the full-text index: names,
 * descriptions, patterns and the values SCOs are known by. Arrays of
 * strings (aliases) and objects of strings (hashes) are flattened. */
static const char *const fts_props[] = {
    "name",  "description", "pattern", "value",   "aliases", "display_name",
    "path",  "key",         "hashes",  "subject", "url",     "x_mitre_aliases",
};

/* Body cap: long descriptions are cut, a search index need not hold novels. */
#define FTS_MAX (64 * 1024)

static void add_text(kz_buf *b, const kz_json *v, int depth)
{
    if (!v || depth > 1)
        return;
    if (v->type == KZ_JSON_STRING) {
        if (b->len + v->u.str.len + 1 > FTS_MAX)
            return;
        if (b->len)
            kz_buf_append_char(b, ' ');
        kz_buf_append(b, v->u.str.ptr, v->u.str.len);
    } else if (v->type == KZ_JSON_ARRAY) {
        for (size_t i = 0; i < v->u.arr.n; i++)
            add_text(b, v->u.arr.items[i], depth + 1);
    } else if (v->type == KZ_JSON_OBJECT) {
        for (size_t i = 0; i < v->u.obj.n; i++)
            add_text(b, v->u.obj.members[i].value, depth + 1);
    }
}

static void why_set(char *why, size_t why_len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void why_set(char *why, size_t why_len, const char *fmt, ...)
{
    if (!why || !why_len)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, why_len, fmt, ap);
    va_end(ap);
}

kz_err kz_store_object_from_json(kz_arena *a, const kz_json *v, const char *json, size_t len,
                                 kz_store_object *o, char *why, size_t why_len)
{
    memset(o, 0, sizeof *o);
    if (!v || v->type != KZ_JSON_OBJECT) {
        why_set(why, why_len, "%s", "not a JSON object");
        return KZ_EINVALID;
    }
    kz_stix_meta m;
    if (kz_stix_meta_get(v, &m) != KZ_OK || !m.type || !m.id) {
        why_set(why, why_len, "%s", "missing 'type' or 'id'");
        return KZ_EINVALID;
    }
    size_t tl = strlen(m.type);
    if (strncmp(m.id, m.type, tl) != 0 || strncmp(m.id + tl, "--", 2) != 0) {
        why_set(why, why_len, "id '%.80s' does not start with its type", m.id);
        return KZ_EINVALID;
    }
    kz_uuid u;
    if (kz_uuid_parse(m.id + tl + 2, strlen(m.id + tl + 2), &u) != KZ_OK) {
        why_set(why, why_len, "id '%.80s' does not end with a UUID", m.id);
        return KZ_EINVALID;
    }
    o->json = json;
    o->json_len = len;
    o->id = m.id;
    o->type = m.type;
    o->spec_version = m.spec_version ? m.spec_version : "2.1";
    o->modified = kz_json_get_string(v, "modified");
    o->created = kz_json_get_string(v, "created");
    o->revoked = m.revoked;
    kz_store_vinfo vi;
    if (kz_store_version_of(o, &vi) != KZ_OK) {
        why_set(why, why_len, "unparseable version timestamp '%.40s'",
                o->modified ? o->modified : o->created);
        return KZ_EINVALID;
    }
    kz_tlp t = kz_stix_object_tlp(v);
    o->tlp = t == KZ_TLP_NONE ? NULL : kz_stix_tlp_name(t);

    kz_buf b;
    kz_buf_init(&b, FTS_MAX + 1);
    for (size_t i = 0; i < sizeof fts_props / sizeof fts_props[0]; i++)
        add_text(&b, kz_json_get(v, fts_props[i]), 0);
    if (b.len) {
        o->fts_text = kz_arena_strndup(a, b.data, b.len);
        if (!o->fts_text) {
            kz_buf_release(&b);
            return KZ_ENOMEM;
        }
    }
    kz_buf_release(&b);
    return KZ_OK;
}
