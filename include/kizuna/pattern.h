/* pattern.h - the STIX Patterning engine (STIX 2.1 Part 9): parse, check,
 * evaluate. Owned by lib/pattern/. This first declaration is the contract
 * lib/stix relies on to check indicator patterns; the module extends it. */
#ifndef KIZUNA_PATTERN_H
#define KIZUNA_PATTERN_H

#include <stddef.h>

#include "kizuna/error.h"

typedef struct kz_pattern_error {
    size_t offset;   /* 0-based byte offset of the problem in the pattern */
    unsigned line;   /* 1-based */
    unsigned column; /* 1-based */
    char msg[160];   /* e.g. "expected ']' after comparison expression" */
} kz_pattern_error;

/* Checks that text[0..len) is a valid pattern for STIX version
 * stix_version (20 for 2.0, 21 for 2.1): grammar and semantic checks.
 * KZ_OK when valid; KZ_EPARSE or KZ_EINVALID with *err filled when not;
 * KZ_ENOMEM / KZ_ETOOBIG on resource limits. err may be NULL. */
kz_err kz_pattern_check(const char *text, size_t len, int stix_version, kz_pattern_error *err);

#endif
