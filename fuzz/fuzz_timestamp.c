/* fuzz_timestamp.c - libFuzzer target for kz_time_parse: whatever parses
 * formats back and parses again to the same instant and digits; strict
 * input formats back byte for byte; errors leave no partial result. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kizuna/timestamp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok, const char *what, const uint8_t *data, size_t size)
{
    if (ok)
        return;
    fprintf(stderr, "fuzz_timestamp: %s for input '%.*s'\n", what, (int)size, (const char *)data);
    abort();
}

static int same(const kz_time *a, const kz_time *b)
{
    return a->sec == b->sec && a->nsec == b->nsec && a->digits == b->digits;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    const kz_time poison = {12345, 678, 2};
    kz_time strict = poison, lenient = poison, again;
    char buf[KZ_TIME_MAX];

    kz_err rs = kz_time_parse(s, size, KZ_TIME_STRICT, &strict);
    kz_err rl = kz_time_parse(s, size, KZ_TIME_LENIENT_ZONE, &lenient);
    check(rs == KZ_OK || rs == KZ_EPARSE || rs == KZ_ERANGE, "unexpected error code", data, size);
    check(rl == KZ_OK || rl == KZ_EPARSE || rl == KZ_ERANGE, "unexpected error code", data, size);
    if (rs)
        check(same(&strict, &poison), "partial result on error", data, size);
    if (rl)
        check(same(&lenient, &poison), "partial result on error", data, size);

    if (rs == KZ_OK) {
        /* Lenient accepts everything strict does, with the same result. */
        check(rl == KZ_OK && same(&strict, &lenient), "lenient disagrees with strict", data,
              size);
        /* The strict form is canonical: formatting gives the input back. */
        size_t n = kz_time_format(&strict, buf);
        check(n == size && memcmp(buf, s, n) == 0, "strict text does not round-trip", data,
              size);
    }
    if (rl == KZ_OK) {
        check(lenient.nsec >= 0 && lenient.nsec < 1000000000 && lenient.digits <= 9,
              "denormal result", data, size);
        size_t n = kz_time_format(&lenient, buf);
        check(n < KZ_TIME_MAX && buf[n] == '\0', "format overflow", data, size);
        check(kz_time_parse(buf, n, KZ_TIME_STRICT, &again) == KZ_OK,
              "formatted text does not parse", data, size);
        check(same(&again, &lenient), "parse -> format -> parse changed the time", data, size);
        /* Fewer digits truncate: never later, and equal at full precision. */
        for (unsigned d = 0; d <= 9; d++) {
            n = kz_time_format_digits(&lenient, d, buf);
            check(kz_time_parse(buf, n, KZ_TIME_STRICT, &again) == KZ_OK,
                  "formatted digits do not parse", data, size);
            check(again.digits == d, "wrong digit count", data, size);
            check(kz_time_cmp(&again, &lenient) <= 0, "truncation moved the time later", data,
                  size);
            if (d == 9)
                check(kz_time_cmp(&again, &lenient) == 0, "nine digits lost precision", data,
                      size);
        }
        /* One nanosecond later and back is the same instant. */
        kz_time t = kz_time_add_ns(kz_time_add_ns(lenient, 1), -1);
        check(kz_time_cmp(&t, &lenient) == 0, "add_ns is not reversible", data, size);
    }
    return 0;
}
