/* timestamp.h - RFC 3339 timestamps as STIX 2.1 requires them.
 *
 * STIX timestamps are UTC with a literal 'Z' and optional fractional seconds
 * ("2016-01-20T12:31:12.123Z"). The number of fractional digits the producer
 * wrote is significant for round trips (a version is identified by its
 * `modified` text), so it is kept. Comparison is by instant, ignoring how
 * many digits were written (".1Z" == ".100Z"). */
#ifndef KIZUNA_TIMESTAMP_H
#define KIZUNA_TIMESTAMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kizuna/error.h"

typedef struct kz_time {
    int64_t sec;      /* seconds since 1970-01-01T00:00:00Z */
    int32_t nsec;     /* 0..999,999,999 */
    uint8_t digits;   /* fractional digits as written, 0..9 */
} kz_time;

/* Longest text kz_time_format writes, with its NUL. */
#define KZ_TIME_MAX 32

enum {
    KZ_TIME_STRICT = 0,     /* STIX: YYYY-MM-DDTHH:MM:SS[.f{1,9}]Z, real calendar dates */
    KZ_TIME_LENIENT_ZONE = 1 /* also accept +hh:mm / -hh:mm offsets and lower-case t/z */
};

/* Parses s[0..len). KZ_EPARSE on any deviation (with no partial result),
 * KZ_ERANGE for a well-formed but impossible date ("2024-02-30"). Years
 * 0000..9999; leap second 60 is rejected (STIX says timestamps are UTC
 * without them). */
kz_err kz_time_parse(const char *s, size_t len, int flags, kz_time *out);
/* Writes YYYY-MM-DDTHH:MM:SS[.digits]Z into out (KZ_TIME_MAX bytes) using
 * t->digits fractional digits. Returns the length written. */
size_t kz_time_format(const kz_time *t, char out[KZ_TIME_MAX]);
/* Same with exactly `digits` fractional digits (e.g. 3 for STIX millis, 6 for
 * TAXII date_added). */
size_t kz_time_format_digits(const kz_time *t, unsigned digits, char out[KZ_TIME_MAX]);
/* <0, 0, >0 by instant. */
int kz_time_cmp(const kz_time *a, const kz_time *b);
/* The current time with microsecond precision (digits = 6). */
kz_time kz_time_now(void);
/* Adds (or subtracts) whole nanoseconds. */
kz_time kz_time_add_ns(kz_time t, int64_t ns);

#endif
