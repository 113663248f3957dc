/* fuzz_extract.c - libFuzzer target for kz_extract_scan: never crashes,
 * every hit lies inside the input (offset + len <= size) on the line it
 * names, hits come in order of position, and every value is canonical:
 * kz_ioc_normalize of the value gives the value back. For text input,
 * the hits on the first line are the same when that line is scanned on
 * its own from a buffer of exactly its size (the scanner's vector loops
 * read whole blocks past a line's end when the input goes on: what they
 * read there must not change anything, and ASan sees a read past the
 * lone line). The first byte picks text or HTML input and a type
 * filter. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kizuna/arena.h"
#include "kizuna/extract.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A hit on the first line, kept for the comparison. */
typedef struct fhit {
    kz_ioc_type type;
    size_t offset, len;
    bool defanged;
    char *value;
} fhit;

#define FUZZ_MAX_HITS 4096

typedef struct fctx {
    const char *text;
    size_t size;
    size_t last_off;
    kz_arena *a;
    fhit *hits; /* NULL: nothing kept */
    size_t nhits;
    bool overflow; /* more than FUZZ_MAX_HITS: no comparison */
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
    if (c->hits && h->line == 1) {
        if (c->nhits == FUZZ_MAX_HITS) {
            c->overflow = true;
            return 0;
        }
        fhit *k = &c->hits[c->nhits];
        k->value = strdup(h->value);
        if (!k->value) {
            c->overflow = true;
            return 0;
        }
        k->type = h->type;
        k->offset = h->offset;
        k->len = h->len;
        k->defanged = h->defanged;
        c->nhits++;
    }
    return 0;
}

/* The first line on its own (a copy of exactly its size) gives the hits
 * the whole input gave on it. */
static void check_first_line(const fctx *whole, const kz_extract_opts *o)
{
    const char *nl = memchr(whole->text, '\n', whole->size);
    size_t n = nl ? (size_t)(nl - whole->text) : whole->size;
    char *copy = malloc(n ? n : 1);
    fctx c = {NULL, n, 0, kz_arena_new(0), calloc(FUZZ_MAX_HITS, sizeof(fhit)), 0, false};
    if (!copy || !c.a || !c.hits)
        goto done;
    memcpy(copy, whole->text, n);
    c.text = copy;
    kz_err rc = kz_extract_scan(copy, n, o, on_hit, &c);
    if (rc != KZ_OK || c.overflow)
        goto done; /* out of memory, or too many to keep: nothing to compare */
    if (c.nhits != whole->nhits) {
        fprintf(stderr, "fuzz_extract: first line alone: %zu hits, in the input: %zu\n", c.nhits,
                whole->nhits);
        abort();
    }
    for (size_t i = 0; i < c.nhits; i++) {
        const fhit *x = &c.hits[i], *y = &whole->hits[i];
        if (x->type != y->type || x->offset != y->offset || x->len != y->len ||
            x->defanged != y->defanged || strcmp(x->value, y->value) != 0) {
            fprintf(stderr, "fuzz_extract: first line alone: hit %zu differs ('%s' at %zu, '%s' at %zu)\n",
                    i, x->value, x->offset, y->value, y->offset);
            abort();
        }
    }
done:
    if (c.hits)
        for (size_t i = 0; i < c.nhits; i++)
            free(c.hits[i].value);
    free(c.hits);
    kz_arena_free(c.a);
    free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    kz_extract_opts o = {0};
    o.input = (data[0] & 1) ? KZ_EXTRACT_HTML : KZ_EXTRACT_TEXT;
    if (data[0] & 2)
        o.types = (uint32_t)data[0] << 3;
    fctx c = {(const char *)data + 1, size - 1, 0, kz_arena_new(0), NULL, 0, false};
    if (!c.a)
        return 0;
    if (o.input == KZ_EXTRACT_TEXT)
        c.hits = calloc(FUZZ_MAX_HITS, sizeof(fhit));
    kz_err rc = kz_extract_scan(c.text, c.size, &o, on_hit, &c);
    if (rc != KZ_OK && rc != KZ_ENOMEM) {
        fprintf(stderr, "fuzz_extract: scan failed: %d\n", (int)rc);
        abort();
    }
    if (rc == KZ_OK && c.hits && !c.overflow)
        check_first_line(&c, &o);
    if (c.hits)
        for (size_t i = 0; i < c.nhits; i++)
            free(c.hits[i].value);
    free(c.hits);
    kz_arena_free(c.a);
    return 0;
}
