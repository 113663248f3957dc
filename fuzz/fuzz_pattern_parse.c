/* fuzz_pattern_parse.c - libFuzzer target for the STIX pattern parser.
 * Property: whatever parses prints as text that parses again and prints the
 * same (print is canonical and faithful to the grouping); kz_pattern_check
 * accepts only what kz_pattern_parse accepts; errors carry an offset inside
 * the input. Both STIX versions are exercised (first byte picks one). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kizuna/buf.h"
#include "kizuna/pattern.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 8192)
        return 0;
    int version = size && (data[0] & 1) ? 20 : 21;
    const char *text = (const char *)data;
    kz_pattern *p = NULL, *q = NULL;
    kz_pattern_error err;
    kz_err rc = kz_pattern_parse(text, size, version, &p, &err);
    kz_err crc = kz_pattern_check(text, size, version, &err);
    if (rc) {
        if (crc == KZ_OK)
            abort(); /* check accepted what parse refused */
        if (err.offset > size)
            abort();
        return 0;
    }
    if (crc != KZ_OK && crc != KZ_EINVALID && crc != KZ_ENOMEM)
        abort(); /* the grammar passed, so only a semantic rule may fail */
    kz_buf b1, b2;
    kz_buf_init(&b1, 0);
    kz_buf_init(&b2, 0);
    if (kz_pattern_print(p, &b1) == KZ_OK) {
        rc = kz_pattern_parse(b1.data, b1.len, version, &q, &err);
        if (rc == KZ_OK) {
            if (kz_pattern_print(q, &b2) != KZ_OK || b1.len != b2.len || memcmp(b1.data, b2.data, b1.len) != 0)
                abort(); /* print -> parse -> print changed the text */
        } else if (rc != KZ_ENOMEM && rc != KZ_ETOOBIG) {
            abort(); /* printed text does not parse */
        }
    }
    kz_buf_release(&b1);
    kz_buf_release(&b2);
    kz_pattern_free(q);
    kz_pattern_free(p);
    return 0;
}
