/* fuzz_match_eve.c - libFuzzer target for the JSON log readers (Suricata
 * EVE and Zeek JSON, lib/match/reader_json.c), whose key scanner does not
 * build a DOM. Property (parse -> serialise -> parse): for every line that
 * kz_json_parse accepts as an object, the scanner accepts it too and gives
 * exactly the same fields (names, kinds, values, order, record time) as
 * on kz_json_write's compact re-serialisation of that line, which writes
 * escapes and blanks differently. The first byte of the input picks the
 * format; lines kz_json_parse rejects must simply not crash. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kizuna/arena.h"
#include "kizuna/buf.h"
#include "kizuna/json.h"
#include "kizuna/match_log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok, const char *what, const char *line, size_t len)
{
    if (!ok) {
        fprintf(stderr, "fuzz_match_eve: %s: '%.*s'\n", what, (int)len, line);
        abort();
    }
}

static int on_rec(void *c, const kz_logrec *r)
{
    kz_buf *b = c;
    kz_time t;
    if (kz_logrec_time(r, &t))
        kz_buf_printf(b, "t %lld %d\n", (long long)t.sec, (int)t.nsec);
    for (size_t i = 0; i < r->n_fields; i++) {
        kz_buf_printf(b, "%s %d %zu:", r->names[i], (int)r->fields[i].kind, r->fields[i].len);
        kz_buf_append(b, r->fields[i].value, r->fields[i].len);
        kz_buf_append_char(b, '\n');
    }
    return 0;
}

/* The fields of one line, and whether it was bad. */
static bool scan(kz_logfmt fmt, const char *line, size_t len, kz_buf *out)
{
    kz_logreader_opts o = {.format = fmt, .max_line = 1u << 16};
    kz_logreader *r = kz_logreader_new(&o);
    if (!r)
        return false;
    kz_logreader_begin(r, "fuzz");
    kz_err rc = kz_logreader_line(r, line, len, 1, on_rec, out);
    check(rc == KZ_OK, "unexpected error", line, len);
    bool bad = kz_logreader_stats(r)->bad_lines != 0;
    kz_logreader_free(r);
    return !bad;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > (1u << 16))
        return 0;
    kz_logfmt fmt = (data[0] & 1) ? KZ_LOG_ZEEK_JSON : KZ_LOG_EVE;
    const char *line = (const char *)data + 1;
    size_t len = size - 1;
    if (memchr(line, '\n', len) || (len && line[len - 1] == '\r'))
        return 0; /* one line: the reader's unit */
    kz_buf a, b, w;
    kz_buf_init(&a, 0);
    kz_buf_init(&b, 0);
    kz_buf_init(&w, 0);
    bool ok = scan(fmt, line, len, &a);
    kz_arena *ar = kz_arena_new(0);
    kz_json *v = NULL;
    kz_json_limits lim = {.max_depth = 32};
    if (ar && kz_json_parse(ar, line, len, &lim, &v, NULL) == KZ_OK && v->type == KZ_JSON_OBJECT) {
        check(ok, "a line kz_json_parse accepts was rejected", line, len);
        if (kz_json_write(&w, v, 0) == KZ_OK) {
            bool ok2 = scan(fmt, w.data, w.len, &b);
            check(ok2, "the re-serialised line was rejected", w.data, w.len);
            check(a.len == b.len && (a.len == 0 || memcmp(a.data, b.data, a.len) == 0),
                  "fields differ after parse -> serialise", line, len);
        }
    }
    kz_arena_free(ar);
    kz_buf_release(&a);
    kz_buf_release(&b);
    kz_buf_release(&w);
    return 0;
}
