/* validate_stream.c - validation of a whole document (bundle, TAXII
 * envelope, JSON array of objects or one object) in bounded memory: the
 * objects array is split by kz_jstream and each element parsed into an
 * arena that is reset per element, so a 1 GB bundle never becomes one tree. */
#include <stdio.h>
#include <string.h>

#include "kizuna/arena.h"
#include "stix/stix_int.h"

/* Per-element parse tree cap: a 64 MiB element expands to a few times that. */
#define ARENA_CAP (512u << 20)

typedef struct walk {
    const kz_stix_opts *opts;
    kz_stix_item_fn cb;
    void *ud;
    kz_stix_summary *sum;
    kz_diag d;
    kz_arena *arena;
} walk;

static void path_for(kz_jstream_kind kind, size_t index, char *out, size_t outsz)
{
    if (kind == KZ_JSTREAM_CONTAINER)
        snprintf(out, outsz, "$.objects[%zu]", index);
    else if (kind == KZ_JSTREAM_ARRAY)
        snprintf(out, outsz, "$[%zu]", index);
    else
        snprintf(out, outsz, "$");
}

static kz_err deliver(walk *w, kz_stix_item *it)
{
    w->sum->n_errors += w->d.n_errors;
    w->sum->n_warnings += w->d.n_warnings;
    it->diag = &w->d;
    kz_err rc = w->cb ? w->cb(w->ud, it) : KZ_OK;
    kz_diag_reset(&w->d);
    return rc;
}

/* The bundle's own members (Part 8): type "bundle", id bundle--UUID; 2.1
 * bundles carry no spec_version. An envelope (TAXII 2.1 5.2) has no type. */
static void check_header(walk *w, const kz_json *h)
{
    char q[96];
    kz_sv v;
    memset(&v, 0, sizeof v);
    v.d = &w->d;
    v.opts = w->opts;
    v.obj = h;
    kz_path_init(&v.p, "$");
    const kz_json *t = kz_json_get(h, "type");
    if (!t) {
        w->sum->is_envelope = true;
        const kz_json *more = kz_json_get(h, "more");
        if (more && more->type != KZ_JSON_TRUE && more->type != KZ_JSON_FALSE)
            kz_sv_error_at(&v, "more", "wrong-json-type", "expected a boolean, found %s",
                           kz_json_type_name(more));
        const kz_json *next = kz_json_get(h, "next");
        if (next && next->type != KZ_JSON_STRING)
            kz_sv_error_at(&v, "next", "wrong-json-type", "expected a string, found %s",
                           kz_json_type_name(next));
        return;
    }
    if (t->type != KZ_JSON_STRING || strcmp(t->u.str.ptr, "bundle") != 0) {
        kz_sv_error_at(&v, "type", "invalid-bundle",
                       "a document with \"objects\" must be a bundle (type \"bundle\")");
        return;
    }
    const kz_json *id = kz_json_get(h, "id");
    size_t tl = 0;
    if (!id)
        kz_sv_error_at(&v, "id", "missing-property", "required property \"id\" is missing");
    else if (id->type != KZ_JSON_STRING || !kz_id_syntax_ok(id->u.str.ptr, id->u.str.len, &tl) ||
             tl != 6 || memcmp(id->u.str.ptr, "bundle", 6) != 0)
        kz_sv_error_at(&v, "id", "invalid-id", "not a bundle identifier (bundle--UUID) (%s)",
                       id->type == KZ_JSON_STRING
                           ? kz_sv_quote(id->u.str.ptr, id->u.str.len, q, sizeof q)
                           : kz_json_type_name(id));
    if (kz_json_get(h, "spec_version"))
        kz_sv_warn_at(&v, "spec_version", "bundle-spec-version",
                      "STIX 2.1 bundles have no spec_version (a STIX 2.0 bundle?)");
    /* Other members are the bundle's custom properties (Part 8: allowed, but
     * receivers need not keep them), so the custom property name rules of
     * 11.1 apply; an x_ name is the sanctioned form, anything else is most
     * likely a misplaced object list (STIX 2.0 drafts had "indicators": [...]). */
    for (size_t i = 0; i < h->u.obj.n; i++) {
        const char *k = h->u.obj.members[i].key;
        size_t kl = h->u.obj.members[i].key_len;
        if (!strcmp(k, "type") || !strcmp(k, "id") || !strcmp(k, "spec_version") ||
            !strcmp(k, "objects"))
            continue;
        if (!kz_prop_name_ok(k, kl))
            kz_sv_error_at(&v, k, "invalid-property-name",
                           "bundle property name %s must be 3-250 characters of a-z, 0-9, '_' "
                           "starting with a letter",
                           kz_sv_quote(k, kl, q, sizeof q));
        else if (!(kl > 2 && k[0] == 'x' && k[1] == '_'))
            kz_sv_warn_at(&v, k, "unknown-property", "%s is not a property of a bundle",
                          kz_sv_quote(k, kl, q, sizeof q));
    }
}

static kz_err stream_problem(walk *w, kz_jstream *s, kz_err rc)
{
    const kz_json_error *je = kz_jstream_error(s);
    kz_stix_item it;
    memset(&it, 0, sizeof it);
    it.path = "$";
    it.bytes_read = kz_jstream_bytes_read(s);
    w->sum->truncated = true;
    if (rc == KZ_EIO)
        return KZ_EIO;
    if (rc == KZ_ENOMEM)
        return KZ_ENOMEM;
    const char *msg = je && je->msg[0] ? je->msg : kz_strerror(rc);
    bool eof = strstr(msg, "end of input") != NULL || strstr(msg, "unexpected end") != NULL;
    it.line = je ? je->line : 0;
    kz_diag_add(&w->d, KZ_SEV_ERROR, "$",
                rc == KZ_ETOOBIG ? "too-big" : (eof ? "truncated" : "json-parse"),
                "malformed document at line %zu, column %zu (byte %zu): %s", je ? je->line : 0,
                je ? je->column : 0, je ? je->offset : 0, msg);
    return deliver(w, &it);
}

static kz_err handle_element(walk *w, kz_jstream *s, const kz_jstream_element *el)
{
    char path[64];
    kz_json *obj = NULL;
    kz_json_error jerr;
    kz_jstream_kind kind = kz_jstream_get_kind(s);
    kz_stix_item it;
    memset(&it, 0, sizeof it);
    memset(&jerr, 0, sizeof jerr);
    path_for(kind, el->index, path, sizeof path);
    it.index = el->index;
    it.path = path;
    it.raw = el->data;
    it.raw_len = el->len;
    it.line = el->line;
    it.bytes_read = kz_jstream_bytes_read(s);

    kz_arena_reset(w->arena);
    kz_err rc = kz_json_parse(w->arena, el->data, el->len, NULL, &obj, &jerr);
    if (rc == KZ_ENOMEM && kz_arena_used(w->arena) < ARENA_CAP)
        return KZ_ENOMEM;
    if (rc) {
        kz_diag_add(&w->d, KZ_SEV_ERROR, path, rc == KZ_EPARSE ? "json-parse" : "too-big",
                    "malformed JSON at line %zu, column %zu: %s",
                    el->line + (jerr.line ? jerr.line - 1 : 0), jerr.column,
                    jerr.msg[0] ? jerr.msg : kz_strerror(rc));
        w->sum->n_objects++;
        return deliver(w, &it);
    }
    /* A lone bundle without objects arrives as a single element. */
    const char *t = kz_json_get_string(obj, "type");
    if (kind == KZ_JSTREAM_SINGLE && t && strcmp(t, "bundle") == 0) {
        w->sum->kind = KZ_JSTREAM_CONTAINER;
        check_header(w, obj);
        it.obj = NULL;
        return deliver(w, &it);
    }
    it.obj = obj;
    rc = kz_stix_validate_object(obj, path, w->opts, &w->d);
    if (rc)
        return rc;
    w->sum->n_objects++;
    return deliver(w, &it);
}

static kz_err walk_stream(kz_jstream *s, const kz_stix_opts *opts, kz_stix_item_fn cb, void *ud,
                          kz_stix_summary *sum)
{
    walk w;
    kz_stix_summary local;
    kz_err rc = KZ_OK;
    if (!sum)
        sum = &local;
    memset(sum, 0, sizeof *sum);
    memset(&w, 0, sizeof w);
    w.opts = opts;
    w.cb = cb;
    w.ud = ud;
    w.sum = sum;
    kz_diag_init(&w.d, 256);
    w.arena = kz_arena_new(256u << 10);
    if (!w.arena) {
        rc = KZ_ENOMEM;
        goto done;
    }
    kz_arena_set_cap(w.arena, ARENA_CAP);
    for (;;) {
        kz_jstream_element el;
        kz_err r = kz_jstream_next(s, &el);
        if (r == KZ_EOF)
            break;
        if (r) {
            rc = stream_problem(&w, s, r);
            goto done;
        }
        sum->kind = kz_jstream_get_kind(s);
        rc = handle_element(&w, s, &el);
        if (rc)
            goto done;
    }
    if (kz_jstream_get_kind(s) != KZ_JSTREAM_UNKNOWN && sum->kind != KZ_JSTREAM_CONTAINER)
        sum->kind = kz_jstream_get_kind(s);
    if (kz_jstream_get_kind(s) == KZ_JSTREAM_CONTAINER && kz_jstream_header(s)) {
        kz_stix_item it;
        memset(&it, 0, sizeof it);
        it.path = "$";
        it.bytes_read = kz_jstream_bytes_read(s);
        check_header(&w, kz_jstream_header(s));
        rc = deliver(&w, &it);
    }
done:
    kz_arena_free(w.arena);
    kz_diag_release(&w.d);
    return rc;
}

kz_err kz_stix_validate_fd(int fd, size_t max_element, const kz_stix_opts *opts,
                           kz_stix_item_fn cb, void *ud, kz_stix_summary *sum)
{
    kz_jstream *s = kz_jstream_new_fd(fd, max_element);
    if (!s)
        return KZ_ENOMEM;
    kz_err rc = walk_stream(s, opts, cb, ud, sum);
    kz_jstream_free(s);
    return rc;
}

kz_err kz_stix_validate_mem(const char *buf, size_t len, size_t max_element,
                            const kz_stix_opts *opts, kz_stix_item_fn cb, void *ud,
                            kz_stix_summary *sum)
{
    kz_jstream *s = kz_jstream_new_mem(buf, len, max_element);
    if (!s)
        return KZ_ENOMEM;
    kz_err rc = walk_stream(s, opts, cb, ud, sum);
    kz_jstream_free(s);
    return rc;
}
