/* fuzz_match_zeek.c - libFuzzer target for the Zeek TSV log reader
 * (lib/match/reader_zeek.c): a whole log (headers and data lines) is read
 * twice with fresh readers, once cutting data lines from whole-line
 * bitmaps and once column by column, and must give the same fields, times
 * and bad-line counts (the two paths agree; the bitmap path also in its
 * compilation for any CPU, next to the POPCNT one);
 * every value is either a piece of its line, a piece with \xHH escapes
 * decoded (the line has a backslash), or a URL built from host + uri; no
 * value is empty, and every line is either a record, a header or a
 * counted bad line. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kizuna/alloc.h"
#include "kizuna/buf.h"
#include "kizuna/match_log.h"
#include "match/reader_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct ctx {
    kz_buf dump;
} ctx;

static void check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_match_zeek: %s\n", what);
        abort();
    }
}

static int on_rec(void *c, const kz_logrec *r)
{
    ctx *x = c;
    bool esc = memchr(r->text, '\\', r->text_len) != NULL;
    kz_time t;
    if (kz_logrec_time(r, &t))
        kz_buf_printf(&x->dump, "%llu t %lld %d\n", (unsigned long long)r->line, (long long)t.sec,
                      (int)t.nsec);
    for (size_t i = 0; i < r->n_fields; i++) {
        const kz_match_field *f = &r->fields[i];
        check(f->len > 0, "empty value");
        check((unsigned)f->kind < KZ_MATCH_KIND_COUNT, "bad kind");
        bool inside = memmem(r->text, r->text_len, f->value, f->len) != NULL;
        bool built = f->kind == KZ_MATCH_URL && f->len > 7 && memcmp(f->value, "http://", 7) == 0;
        check(inside || esc || built, "value not from its line");
        kz_buf_printf(&x->dump, "%llu %s %d %.*s\n", (unsigned long long)r->line, r->names[i],
                      (int)f->kind, (int)f->len, f->value);
    }
    return 0;
}

/* Each line is copied into a buffer of exactly its size, so that ASan
 * sees any read past a line's end. fast: the bitmap path for data lines. */
static void read_all(const uint8_t *data, size_t size, ctx *x, kz_logstats *st, bool fast)
{
    size_t saved = kz_reader_zeek_fast_max;
    kz_reader_zeek_fast_max = fast ? saved : 0;
    kz_logreader_opts o = {.format = KZ_LOG_ZEEK, .max_line = 4096};
    kz_logreader *r = kz_logreader_new(&o);
    if (!r)
        return;
    kz_logreader_begin(r, "fuzz");
    const char *p = (const char *)data, *end = p + size;
    uint64_t ln = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        char *copy = kz_malloc(len ? len : 1);
        if (!copy)
            break;
        memcpy(copy, p, len);
        kz_err rc = kz_logreader_line(r, copy, len, ++ln, on_rec, x);
        kz_free(copy);
        check(rc == KZ_OK || rc == KZ_ENOMEM, "unexpected error");
        p += len + 1;
    }
    *st = *kz_logreader_stats(r);
    kz_logreader_free(r);
    kz_reader_zeek_fast_max = saved;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ctx a, b;
    kz_logstats sa, sb;
    memset(&sa, 0, sizeof sa);
    memset(&sb, 0, sizeof sb);
    kz_buf_init(&a.dump, 0);
    kz_buf_init(&b.dump, 0);
    read_all(data, size, &a, &sa, true);
    read_all(data, size, &b, &sb, false);
    check(a.dump.len == b.dump.len && (a.dump.len == 0 || memcmp(a.dump.data, b.dump.data, a.dump.len) == 0),
          "bitmap and column-by-column reads differ");
    check(sa.bad_lines == sb.bad_lines && sa.records == sb.records && sa.values == sb.values,
          "bitmap and column-by-column counts differ");
    /* the bitmap path compiled for any CPU (the default is the POPCNT
     * compilation where the CPU has it) */
    int saved = kz_reader_zeek_popcnt;
    kz_reader_zeek_popcnt = 0;
    kz_buf_reset(&b.dump);
    read_all(data, size, &b, &sb, true);
    kz_reader_zeek_popcnt = saved;
    check(a.dump.len == b.dump.len && (a.dump.len == 0 || memcmp(a.dump.data, b.dump.data, a.dump.len) == 0),
          "the two compilations of the bitmap path differ");
    check(sa.bad_lines == sb.bad_lines && sa.records == sb.records && sa.values == sb.values,
          "the two compilations of the bitmap path count differently");
    check(sa.records + sa.bad_lines <= sa.lines, "more records and bad lines than lines");
    kz_buf_release(&a.dump);
    kz_buf_release(&b.dump);
    return 0;
}
