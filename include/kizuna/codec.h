/* codec.h - the small text codecs several modules need (hex digits, base64
 * and base64url), in one place so that every parser decodes them alike. */
#ifndef KIZUNA_CODEC_H
#define KIZUNA_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kizuna/error.h"

/* Value of hex digit c (either case), or -1. */
int kz_hex_value(int c);
/* Value of base64 digit c, or -1: the standard alphabet (+ /) unless url,
 * then the URL-safe one (- _). '=' is not a digit. */
int kz_base64_value(int c, bool url);

/* Decodes in[0..len) into out (outcap bytes; (len / 4 + 1) * 3 always
 * suffices). Standard base64 requires padding to a multiple of 4 (pad
 * true); base64url without padding passes pad false. Rejects any
 * character outside the alphabet, misplaced '=', and non-zero trailing
 * bits. KZ_EPARSE on bad input, KZ_ETOOBIG if out is too small. */
kz_err kz_base64_decode(const char *in, size_t len, bool url, bool pad, uint8_t *out,
                        size_t outcap, size_t *outlen);
/* Encodes in[0..len) into out (outcap >= 4 * ((len + 2) / 3) + 1), with '='
 * padding when pad; NUL-terminates. Returns the length, or 0 with out
 * untouched when outcap is too small (and len > 0). */
size_t kz_base64_encode(const uint8_t *in, size_t len, bool url, bool pad, char *out,
                        size_t outcap);

#endif
