/* scan_rec.h - the hit recorder test_scan.c and test_scan_blocks.c give
 * kz_extract_scan: the first SCAN_REC_MAX hits (type, value, offset,
 * length, line, defanged flag) and the count of all; stop_after > 0 stops
 * the scan from the callback after that many. */
#ifndef KIZUNA_TEST_SCAN_REC_H
#define KIZUNA_TEST_SCAN_REC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "kizuna/extract.h"

#define SCAN_REC_MAX 32

typedef struct rec {
    kz_ioc_type type[SCAN_REC_MAX];
    char value[SCAN_REC_MAX][160];
    size_t off[SCAN_REC_MAX], len[SCAN_REC_MAX], line[SCAN_REC_MAX];
    bool fanged[SCAN_REC_MAX];
    size_t n, stop_after;
} rec;

static inline int record(void *ctx, const kz_ioc_hit *h)
{
    rec *r = ctx;
    if (r->n < SCAN_REC_MAX) {
        r->type[r->n] = h->type;
        snprintf(r->value[r->n], sizeof r->value[0], "%s", h->value);
        r->off[r->n] = h->offset;
        r->len[r->n] = h->len;
        r->line[r->n] = h->line;
        r->fanged[r->n] = h->defanged;
    }
    r->n++;
    return r->stop_after && r->n >= r->stop_after;
}

#endif
