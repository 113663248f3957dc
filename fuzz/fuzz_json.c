/* fuzz_json.c - libFuzzer target for the JSON parser, writer and stream
 * splitter. Properties checked, not only "no crash":
 *  1. whatever parses serialises, and the output parses to an equal value
 *     (compact, pretty and canonical forms alike);
 *  2. canonical output is a fixed point: canonical(parse(canonical(v))) is
 *     byte-identical;
 *  3. when the input parses as an array, the stream splitter yields exactly
 *     its items, each parsing to an equal value. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kizuna/json.h"

static void check(int cond)
{
    if (!cond)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kz_arena *a = kz_arena_new(0);
    if (!a)
        return 0;
    kz_json_limits lim = {.max_depth = 64, .max_string = 1 << 20, .max_members = 1 << 16};
    kz_json *v = NULL;
    kz_json_error err;
    kz_err rc = kz_json_parse(a, (const char *)data, size, &lim, &v, &err);
    if (rc == KZ_OK) {
        static const int forms[] = {0, KZ_JSON_PRETTY, KZ_JSON_ASCII, KZ_JSON_CANONICAL};
        for (size_t f = 0; f < sizeof forms / sizeof forms[0]; f++) {
            kz_buf b;
            kz_buf_init(&b, 0);
            kz_err wrc = kz_json_write(&b, v, forms[f]);
            if (wrc == KZ_OK) {
                kz_json *v2 = NULL;
                check(kz_json_parse(a, b.data, b.len, &lim, &v2, NULL) == KZ_OK);
                if (forms[f] != KZ_JSON_CANONICAL) {
                    check(kz_json_equal(v, v2));
                } else {
                    kz_buf b2;
                    kz_buf_init(&b2, 0);
                    check(kz_json_write(&b2, v2, KZ_JSON_CANONICAL) == KZ_OK);
                    check(b2.len == b.len && memcmp(b.data, b2.data, b.len) == 0);
                    kz_buf_release(&b2);
                }
            } else {
                /* only huge numbers (inf as a double) have no canonical form */
                check(forms[f] == KZ_JSON_CANONICAL && wrc == KZ_EINVAL);
            }
            kz_buf_release(&b);
        }
    } else {
        check(err.offset <= size && err.msg[0] != '\0');
    }

    kz_jstream *s = kz_jstream_new_mem((const char *)data, size, 1 << 20);
    if (s) {
        kz_jstream_element el;
        size_t n = 0;
        kz_err src;
        while ((src = kz_jstream_next(s, &el)) == KZ_OK) {
            if (rc == KZ_OK && v->type == KZ_JSON_ARRAY) {
                check(n < v->u.arr.n);
                kz_json *item = NULL;
                check(kz_json_parse(a, el.data, el.len, &lim, &item, NULL) == KZ_OK);
                check(kz_json_equal(item, v->u.arr.items[n]));
            }
            n++;
        }
        if (rc == KZ_OK && v->type == KZ_JSON_ARRAY) {
            check(src == KZ_EOF);
            check(n == v->u.arr.n);
        }
        kz_jstream_free(s);
    }
    kz_arena_free(a);
    return 0;
}
