/* fuzz_match_text.c - libFuzzer target for the plain-text log reader
 * (lib/match/reader_text.c): every value handed out is a piece of its
 * line (the reader neither decodes nor builds values), holds no blank or
 * quote, has the length its kind needs (hashes) and sits inside a
 * token (never a part of a longer run of host-name characters, so
 * "evil.com" is never found inside "notevil.com"). And the two ways of
 * cutting a line agree: a line of up to 4096 bytes (cut from byte-class
 * bitmaps: AVX-512, AVX, SSSE3, SSE2 or the scalar table, by the input's
 * first byte)
 * gives the same fields as the same line padded with blanks past 4096
 * bytes (cut byte by byte). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kizuna/buf.h"
#include "kizuna/match_log.h"
#include "match/text_int.h"

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

/* "kind value" per field into a buffer, for the comparison. */
static int on_rec_dump(void *c, const kz_logrec *r)
{
    on_rec(c, r);
    for (size_t i = 0; i < r->n_fields; i++)
        kz_buf_printf(c, "%d %.*s\n", (int)r->fields[i].kind, (int)r->fields[i].len,
                      r->fields[i].value);
    return 0;
}

static char padded[KZ_TEXT_BITMAP_LINE + 64];

static void both_ways(kz_logreader *r, const char *line, size_t len)
{
    /* the reader drops a final '\r' (the padded copy keeps it, a delimiter) */
    size_t l = len && line[len - 1] == '\r' ? len - 1 : len;
    if (len > KZ_TEXT_BITMAP_LINE || (l >= 3 && memcmp(line + l - 3, "://", 3) == 0))
        return; /* a scheme ending the line is a URL only when padded */
    kz_buf a, b;
    kz_buf_init(&a, 0);
    kz_buf_init(&b, 0);
    kz_err rc = kz_logreader_line(r, line, len, 1, on_rec_dump, &a);
    check(rc == KZ_OK, "unexpected error", NULL);
    memcpy(padded, line, len);
    memset(padded + len, ' ', sizeof padded - len);
    rc = kz_logreader_line(r, padded, sizeof padded, 1, on_rec_dump, &b);
    check(rc == KZ_OK, "unexpected error", NULL);
    if (a.len != b.len || (a.len && memcmp(a.data, b.data, a.len) != 0)) {
        fprintf(stderr, "bitmaps:\n%.*s\nbytes:\n%.*s\n", (int)a.len, a.data ? (char *)a.data : "",
                (int)b.len, b.data ? (char *)b.data : "");
        check(0, "the two ways of cutting a line disagree", NULL);
    }
    kz_buf_release(&a);
    kz_buf_release(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kz_logreader_opts o = {.format = KZ_LOG_TEXT, .max_line = 8192};
    kz_logreader *r = kz_logreader_new(&o);
    if (!r)
        return 0;
    kz_text_simd = size ? data[0] % KZ_TEXT__MODES : KZ_TEXT_BEST;
    const char *p = (const char *)data, *end = p + size;
    uint64_t ln = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        kz_err rc = kz_logreader_line(r, p, len, ++ln, on_rec, NULL);
        check(rc == KZ_OK, "unexpected error", NULL);
        both_ways(r, p, len);
        p += len + 1;
    }
    kz_logreader_free(r);
    return 0;
}
