/* load.c - where indicators come from: a STIX document read in bounded
 * memory with kz_jstream (bundle, envelope, array or one object), or the
 * latest version of every indicator of a store collection, page by page. */
#include <stdio.h>
#include <string.h>

#include "kizuna/store.h"
#include "match_int.h"

#define DEFAULT_MAX_OBJECT (4u << 20)
#define STORE_PAGE 5000

/* Parses one element in a per-element arena and adds it. A malformed
 * element is one invalid indicator (if it looked like one), not an error. */
static kz_err add_text(kz_match_builder *b, kz_arena *a, const char *data, size_t len)
{
    kz_json *v = NULL;
    kz_json_error jerr;
    kz_err rc = kz_json_parse(a, data, len, NULL, &v, &jerr);
    if (rc == KZ_ENOMEM)
        return rc;
    if (rc || v->type != KZ_JSON_OBJECT)
        return mc_builder_broken(b, rc ? jerr.msg : "element is not a JSON object");
    return kz_match_builder_add_object(b, v);
}

kz_err kz_match_builder_add_fd(kz_match_builder *b, int fd, char *msg, size_t msg_len)
{
    if (!b || fd < 0)
        return KZ_EINVAL;
    if (msg && msg_len)
        msg[0] = '\0';
    size_t max = mc_builder_max_object(b);
    if (!max)
        max = DEFAULT_MAX_OBJECT;
    kz_jstream *js = kz_jstream_new_fd(fd, max);
    kz_arena *a = kz_arena_new(0);
    kz_err rc = KZ_OK;
    if (!js || !a) {
        rc = KZ_ENOMEM;
        goto done;
    }
    for (;;) {
        kz_jstream_element el;
        rc = kz_jstream_next(js, &el);
        if (rc == KZ_EOF) {
            rc = KZ_OK;
            break;
        }
        if (rc) {
            const kz_json_error *je = kz_jstream_error(js);
            if (msg && msg_len)
                snprintf(msg, msg_len, "at byte %zu: %s", je ? je->offset : 0,
                         je && je->msg[0] ? je->msg : kz_strerror(rc));
            if (rc == KZ_ETOOBIG)
                rc = KZ_EPARSE;
            break;
        }
        rc = add_text(b, a, el.data, el.len);
        kz_arena_reset(a);
        if (rc)
            break;
    }
done:
    kz_arena_free(a);
    kz_jstream_free(js);
    return rc;
}

typedef struct store_ctx {
    kz_match_builder *b;
    kz_arena *a;
    kz_err rc;
} store_ctx;

static int on_record(void *ctx, const kz_store_record *r)
{
    store_ctx *c = ctx;
    if (!r->json)
        return 0;
    c->rc = add_text(c->b, c->a, r->json, r->json_len);
    kz_arena_reset(c->a);
    return c->rc != KZ_OK;
}

kz_err kz_match_builder_add_store(kz_match_builder *b, kz_store *s, const char *collection)
{
    if (!b || !s || !collection)
        return KZ_EINVAL;
    static const char *const types[] = {"indicator"};
    store_ctx c = {.b = b, .a = kz_arena_new(0)};
    if (!c.a)
        return KZ_ENOMEM;
    kz_store_filter f = {
        .collection = collection,
        .types = types,
        .n_types = 1,
        .versions = KZ_STORE_V_LAST,
        .want_json = true,
    };
    kz_err rc = kz_store_walk(s, &f, STORE_PAGE, on_record, &c);
    if (!rc)
        rc = c.rc;
    kz_arena_free(c.a);
    return rc;
}
