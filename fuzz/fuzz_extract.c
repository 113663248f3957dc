/* fuzz_extract.c - libFuzzer target for kz_extract_scan: never crashes,
 * every hit lies inside the input (offset + len <= size) on the line it
 * names, hits come in order of position, and every value is canonical:
 * kz_ioc_normalize of the value gives the value back. The first byte
 * picks text or HTML input and a type filter. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kizuna/arena.h"
#include "kizuna/extract.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct fctx {
    const char *text;
    size_t size;
    size_t last_off;
    kz_arena *a;
} fctx;

static void check(int ok, const char *what, const kz_ioc_hit *h)
{
    if (ok)
        return;
    fprintf(stderr, "fuzz_extract: %s (type %d value '%s' offset %zu len %zu)\n", what,
            (int)h->type, h->value, h->offset, h->len);
    abort();
}

static int on_hit(void *ctx, const kz_ioc_hit *h)
{
    fctx *c = ctx;
    check(h->offset <= c->size && h->len <= c->size - h->offset, "hit outside the input", h);
    check(h->type < KZ_IOC__COUNT, "bad type", h);
    check(strlen(h->value) == h->value_len, "value length", h);
    size_t line = 1;
    for (size_t i = 0; i < h->offset; i++)
        line += c->text[i] == '\n';
    check(line == h->line, "wrong line", h);
    const char *again = NULL;
    size_t alen = 0;
    kz_arena_reset(c->a);
    kz_err rc = kz_ioc_normalize(c->a, h->type, h->value, h->value_len, &again, &alen);
    check(rc == KZ_OK, "value does not normalise", h);
    check(alen == h->value_len && !memcmp(again, h->value, alen), "value not canonical", h);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    kz_extract_opts o = {0};
    o.input = (data[0] & 1) ? KZ_EXTRACT_HTML : KZ_EXTRACT_TEXT;
    if (data[0] & 2)
        o.types = (uint32_t)data[0] << 3;
    fctx c = {(const char *)data + 1, size - 1, 0, kz_arena_new(0)};
    if (!c.a)
        return 0;
    kz_err rc = kz_extract_scan(c.text, c.size, &o, on_hit, &c);
    if (rc != KZ_OK && rc != KZ_ENOMEM) {
        fprintf(stderr, "fuzz_extract: scan failed: %d\n", (int)rc);
        abort();
    }
    kz_arena_free(c.a);
    return 0;
}
