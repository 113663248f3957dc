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

typedef struct fd_ctx {
    kz_match_builder *b;
    kz_arena *a; /* one element's parse, reset after each */
} fd_ctx;

static kz_err on_element(void *ctx, const char *data, size_t len)
{
    fd_ctx *c = ctx;
    kz_err rc = add_text(c->b, c->a, data, len);
    kz_arena_reset(c->a);
    return rc;
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
    fd_ctx c = {.b = b, .a = kz_arena_new(0)};
    if (!c.a)
        return KZ_ENOMEM;
    kz_err rc = kz_jstream_each_fd(fd, max, on_element, &c, msg, msg_len);
    kz_arena_free(c.a);
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
