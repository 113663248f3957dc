/* fuzz_match_text.c - libFuzzer target for the plain-text log reader
 * (lib/match/reader_text.c): every value handed out is a piece of its
 * line (the reader neither decodes nor builds values), holds no blank or
 * quote, has the length its kind needs (hashes) and sits inside a
 * token (never a part of a longer run of host-name characters, so
 * "evil.com" is never found inside "notevil.com"). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kizuna/match_log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok, const char *what, const kz_match_field *f)
{
    if (!ok) {
        fprintf(stderr, "fuzz_match_text: %s: '%.*s'\n", what, f ? (int)f->len : 0,
                f ? f->value : "");
        abort();
    }
}

static bool hostch(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_';
}

static int on_rec(void *c, const kz_logrec *r)
{
    (void)c;
    for (size_t i = 0; i < r->n_fields; i++) {
        const kz_match_field *f = &r->fields[i];
        check(f->len > 0, "empty value", f);
        check(f->value >= r->text && f->value + f->len <= r->text + r->text_len,
              "value outside its line", f);
        for (size_t k = 0; k < f->len; k++)
            check((unsigned char)f->value[k] > ' ' && f->value[k] != '"', "blank or quote", f);
        size_t want = f->kind == KZ_MATCH_MD5 ? 32 : f->kind == KZ_MATCH_SHA1 ? 40
                    : f->kind == KZ_MATCH_SHA256 ? 64 : f->kind == KZ_MATCH_SHA512 ? 128 : 0;
        check(!want || f->len == want, "hash of the wrong length", f);
        if (f->kind == KZ_MATCH_DOMAIN || f->kind == KZ_MATCH_IPV4) {
            /* whole tokens: the bytes around are not host-name characters
             * (an e-mail's or URL's host follows '@' or '/') */
            const char *b = f->value;
            check(b == r->text || !hostch(b[-1]), "domain/IP glued to what precedes", f);
            const char *e = f->value + f->len;
            check(e == r->text + r->text_len || !hostch(*e), "domain/IP glued to what follows", f);
        }
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kz_logreader_opts o = {.format = KZ_LOG_TEXT, .max_line = 8192};
    kz_logreader *r = kz_logreader_new(&o);
    if (!r)
        return 0;
    const char *p = (const char *)data, *end = p + size;
    uint64_t ln = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        kz_err rc = kz_logreader_line(r, p, len, ++ln, on_rec, NULL);
        check(rc == KZ_OK, "unexpected error", NULL);
        p += len + 1;
    }
    kz_logreader_free(r);
    return 0;
}
