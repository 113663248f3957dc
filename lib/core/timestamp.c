/* timestamp.c - RFC 3339 timestamps in STIX 2.1's form: parsing, formatting
 * with the producer's number of fractional digits, comparison by instant.
 *
 * Calendar arithmetic is done on integers (days from the civil date and back,
 * proleptic Gregorian calendar) rather than with timegm()/strptime(): it does
 * not depend on the locale or the TZ variable, covers years 0000..9999 the
 * same way on every libc, and is fast enough for the validator's hot path.
 *
 * Choices the header leaves open, made here:
 * - Hour 24 ("24:00:00", allowed by ISO 8601 as end of day) and second 60
 *   (a leap second, allowed by RFC 3339) are KZ_ERANGE: STIX timestamps are
 *   UTC without leap seconds, and accepting them would give two spellings of
 *   one instant (or none that can be formatted back).
 * - With KZ_TIME_LENIENT_ZONE the offset is applied, so the result is always
 *   UTC; an instant that then falls outside years 0000..9999 is KZ_ERANGE.
 * - Extra precision is truncated, never rounded, when formatting with fewer
 *   digits: rounding could carry into the next second (or year). */
#include "kizuna/timestamp.h"

#include <stdint.h>
#include <string.h>
#include <time.h>

#define NS_PER_SEC 1000000000LL
#define SEC_PER_DAY 86400LL

/* Seconds from the epoch of 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z. */
#define MIN_SEC (-62167219200LL)
#define MAX_SEC (253402300799LL)

/* Days from 1970-01-01 to y-m-d (m 1..12), valid for any year; after
 * H. Hinnant's days_from_civil: shift the year to start in March so that the
 * leap day is last, then count 400-year eras of 146097 days. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);                  /* 0..399 */
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* 0..365 */
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;      /* 0..146096 */
    return era * 146097 + (int64_t)doe - 719468;
}

/* The inverse: civil date of a day count. */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int is_leap(unsigned y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned days_in_month(unsigned y, unsigned m)
{
    static const unsigned char mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : mdays[m - 1];
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Reads n decimal digits at s into *v; 0 if any is not a digit. */
static int digits(const char *s, unsigned n, unsigned *v)
{
    unsigned x = 0;
    for (unsigned i = 0; i < n; i++) {
        if (!is_digit(s[i]))
            return 0;
        x = x * 10 + (unsigned)(s[i] - '0');
    }
    *v = x;
    return 1;
}

/* Position of each separator in the fixed 19-character prefix
 * YYYY-MM-DDTHH:MM:SS (the 'T' is checked apart for the lenient case). */
static const struct {
    unsigned char at;
    char c;
} seps[] = {{4, '-'}, {7, '-'}, {13, ':'}, {16, ':'}};

kz_err kz_time_parse(const char *s, size_t len, int flags, kz_time *out)
{
    int lenient = (flags & KZ_TIME_LENIENT_ZONE) != 0;
    unsigned year, mon, day, hour, min, sec;

    /* Shape first: any deviation is KZ_EPARSE, before any range check. */
    if (!s || len < 20)
        return KZ_EPARSE;
    for (size_t i = 0; i < sizeof seps / sizeof seps[0]; i++)
        if (s[seps[i].at] != seps[i].c)
            return KZ_EPARSE;
    if (s[10] != 'T' && !(lenient && s[10] == 't'))
        return KZ_EPARSE;
    if (!digits(s, 4, &year) || !digits(s + 5, 2, &mon) || !digits(s + 8, 2, &day) ||
        !digits(s + 11, 2, &hour) || !digits(s + 14, 2, &min) || !digits(s + 17, 2, &sec))
        return KZ_EPARSE;

    size_t i = 19;
    unsigned ndig = 0;
    int32_t nsec = 0;
    if (s[i] == '.') {
        i++;
        while (i < len && is_digit(s[i])) {
            if (++ndig > 9)
                return KZ_EPARSE;
            nsec = nsec * 10 + (s[i] - '0');
            i++;
        }
        if (ndig == 0)
            return KZ_EPARSE;
        for (unsigned k = ndig; k < 9; k++)
            nsec *= 10;
    }

    int64_t offset = 0; /* seconds east of UTC */
    if (i < len && (s[i] == 'Z' || (lenient && s[i] == 'z'))) {
        i++;
    } else if (lenient && i < len && (s[i] == '+' || s[i] == '-')) {
        unsigned oh, om;
        if (len - i < 6 || s[i + 3] != ':' || !digits(s + i + 1, 2, &oh) ||
            !digits(s + i + 4, 2, &om))
            return KZ_EPARSE;
        if (oh > 23 || om > 59)
            return KZ_ERANGE;
        offset = (int64_t)(oh * 3600 + om * 60) * (s[i] == '-' ? -1 : 1);
        i += 6;
    } else {
        return KZ_EPARSE;
    }
    if (i != len)
        return KZ_EPARSE;

    /* Well-formed; now the calendar. */
    if (mon < 1 || mon > 12 || day < 1 || day > days_in_month(year, mon) || hour > 23 ||
        min > 59 || sec > 59)
        return KZ_ERANGE;

    int64_t t = days_from_civil(year, mon, day) * SEC_PER_DAY + hour * 3600 + min * 60 + sec -
                offset;
    if (t < MIN_SEC || t > MAX_SEC)
        return KZ_ERANGE;
    out->sec = t;
    out->nsec = nsec;
    out->digits = (uint8_t)ndig;
    return KZ_OK;
}

/* Puts t's seconds and nanoseconds in canonical form, clamped to the
 * representable years 0000..9999 (a kz_time from kz_time_parse is always in
 * range; one built by hand or by kz_time_add_ns may not be). */
static void normalise(const kz_time *t, int64_t *sec, int32_t *nsec)
{
    int64_t s = t->sec, n = t->nsec;
    if (n < 0 || n >= NS_PER_SEC) {
        int64_t carry = n / NS_PER_SEC - (n % NS_PER_SEC < 0);
        n -= carry * NS_PER_SEC;
        if (__builtin_add_overflow(s, carry, &s))
            s = carry < 0 ? INT64_MIN : INT64_MAX;
    }
    if (s < MIN_SEC) {
        s = MIN_SEC;
        n = 0;
    } else if (s > MAX_SEC) {
        s = MAX_SEC;
        n = NS_PER_SEC - 1;
    }
    *sec = s;
    *nsec = (int32_t)n;
}

static void put2(char *p, unsigned v)
{
    p[0] = (char)('0' + v / 10);
    p[1] = (char)('0' + v % 10);
}

size_t kz_time_format_digits(const kz_time *t, unsigned ndig, char out[KZ_TIME_MAX])
{
    int64_t sec, y;
    int32_t nsec;
    unsigned m, d;
    normalise(t, &sec, &nsec);

    int64_t days = sec / SEC_PER_DAY - (sec % SEC_PER_DAY < 0);
    unsigned sod = (unsigned)(sec - days * SEC_PER_DAY);
    civil_from_days(days, &y, &m, &d);

    char *p = out;
    put2(p, (unsigned)y / 100);
    put2(p + 2, (unsigned)y % 100);
    p[4] = '-';
    put2(p + 5, m);
    p[7] = '-';
    put2(p + 8, d);
    p[10] = 'T';
    put2(p + 11, sod / 3600);
    p[13] = ':';
    put2(p + 14, sod / 60 % 60);
    p[16] = ':';
    put2(p + 17, sod % 60);
    p += 19;
    if (ndig > 9)
        ndig = 9;
    if (ndig) {
        *p++ = '.';
        uint32_t div = 100000000;
        for (unsigned k = 0; k < ndig; k++, div /= 10)
            *p++ = (char)('0' + (uint32_t)nsec / div % 10);
    }
    *p++ = 'Z';
    *p = '\0';
    return (size_t)(p - out);
}

size_t kz_time_format(const kz_time *t, char out[KZ_TIME_MAX])
{
    return kz_time_format_digits(t, t->digits, out);
}

int kz_time_cmp(const kz_time *a, const kz_time *b)
{
    if (a->sec != b->sec)
        return a->sec < b->sec ? -1 : 1;
    if (a->nsec != b->nsec)
        return a->nsec < b->nsec ? -1 : 1;
    return 0;
}

kz_time kz_time_now(void)
{
    struct timespec ts;
    kz_time t = {0, 0, 6};
    /* CLOCK_REALTIME cannot fail with a valid clock id and pointer. */
    clock_gettime(CLOCK_REALTIME, &ts);
    t.sec = (int64_t)ts.tv_sec;
    t.nsec = (int32_t)(ts.tv_nsec / 1000 * 1000);
    return t;
}

/* Saturates at the int64 limits of sec; the digits are kept. */
kz_time kz_time_add_ns(kz_time t, int64_t ns)
{
    /* Both terms are below 1e9 in magnitude for a normalised t; a hand-built
     * nsec outside 0..999,999,999 is folded in as well. */
    int64_t n = (int64_t)t.nsec + ns % NS_PER_SEC;
    int64_t carry = n / NS_PER_SEC - (n % NS_PER_SEC < 0);
    int64_t sec = ns / NS_PER_SEC + carry;
    n -= carry * NS_PER_SEC;
    if (__builtin_add_overflow(t.sec, sec, &t.sec))
        t.sec = sec < 0 ? INT64_MIN : INT64_MAX;
    t.nsec = (int32_t)n;
    return t;
}
