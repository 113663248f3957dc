/* fuzz_cursor.c - libFuzzer target for the store's paging cursor decoder:
 * any text that decodes encodes back to exactly the same text (one
 * spelling per cursor), decoded fields are in range, and everything else
 * is KZ_EINVAL. The first 25 bytes also drive an encode -> decode check. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok, const char *what)
{
    if (ok)
        return;
    fprintf(stderr, "fuzz_cursor: %s\n", what);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kz_store_cursor c = {-7, -7, 7};
    kz_err rc = kz_store_cursor_decode((const char *)data, size, &c);
    check(rc == KZ_OK || rc == KZ_EINVAL, "unexpected error code");
    if (rc == KZ_OK) {
        check(c.added_us >= 0 && c.rowid >= 0, "negative field");
        char text[KZ_STORE_CURSOR_MAX];
        kz_store_cursor_encode(&c, text);
        check(strlen(text) == size && memcmp(text, data, size) == 0,
              "decode -> encode is not the identity");
    } else {
        check(c.added_us == -7 && c.rowid == -7 && c.filter_hash == 7, "partial result");
    }
    /* The other direction, for arbitrary field values. */
    if (size >= 24) {
        kz_store_cursor in;
        memcpy(&in.added_us, data, 8);
        memcpy(&in.rowid, data + 8, 8);
        memcpy(&in.filter_hash, data + 16, 8);
        char text[KZ_STORE_CURSOR_MAX];
        kz_store_cursor_encode(&in, text);
        kz_store_cursor out;
        rc = kz_store_cursor_decode(text, strlen(text), &out);
        if (in.added_us >= 0 && in.rowid >= 0) {
            check(rc == KZ_OK, "an encoded cursor does not decode");
            check(out.added_us == in.added_us && out.rowid == in.rowid &&
                      out.filter_hash == in.filter_hash,
                  "encode -> decode changed a field");
        } else {
            check(rc == KZ_EINVAL, "a negative field was accepted");
        }
    }
    return 0;
}
