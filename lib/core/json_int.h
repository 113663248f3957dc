/* json_int.h - private helpers shared by the JSON parser, writer and
 * stream splitter (lib/core/json*.c). */
#ifndef KIZUNA_CORE_JSON_INT_H
#define KIZUNA_CORE_JSON_INT_H

#include <stddef.h>
#include <stdint.h>

#include "kizuna/json.h"

/* Fills err with offset/line/column computed from buf[0..offset) and msg. */
void kz_json_set_error(kz_json_error *err, const char *buf, size_t offset, size_t line_base,
                       const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Length of the valid UTF-8 sequence starting at s (at most avail bytes),
 * or 0 if it is not valid UTF-8 (overlong, surrogate, > U+10FFFF, truncated). */
size_t kz_utf8_seq_len(const unsigned char *s, size_t avail);

#endif
