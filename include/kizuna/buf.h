/* buf.h - growable byte buffer with a hard cap.
 *
 * A kz_buf lives in caller storage: kz_buf_init() then kz_buf_release().
 * data is always NUL-terminated after a successful call (the NUL is not
 * counted in len), so text can be passed to C string functions. Growth past
 * max returns KZ_ETOOBIG and leaves the buffer as it was. */
#ifndef KIZUNA_BUF_H
#define KIZUNA_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "kizuna/error.h"

typedef struct kz_buf {
    char *data; /* heap, owned by the buffer; NULL until first growth */
    size_t len; /* bytes used, excluding the terminating NUL */
    size_t cap; /* bytes allocated */
    size_t max; /* hard cap on len (0 means SIZE_MAX/2) */
} kz_buf;

void kz_buf_init(kz_buf *b, size_t max);
/* Frees the storage; the buffer may be initialised again. */
void kz_buf_release(kz_buf *b);
/* Sets len to 0, keeps the storage. */
void kz_buf_reset(kz_buf *b);
/* Ensures room for extra more bytes (plus the NUL). */
kz_err kz_buf_reserve(kz_buf *b, size_t extra);
kz_err kz_buf_append(kz_buf *b, const void *data, size_t len);
kz_err kz_buf_append_str(kz_buf *b, const char *s);
kz_err kz_buf_append_char(kz_buf *b, char c);
/* The decimal digits of v (no printf: for hot output paths). */
kz_err kz_buf_append_uint(kz_buf *b, uint64_t v);
kz_err kz_buf_printf(kz_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
kz_err kz_buf_vprintf(kz_buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Hands the heap bytes to the caller (who frees them with free()) and
 * leaves the buffer empty; *len_out (optional) receives the length.
 * Returns an empty heap string for an empty buffer; NULL on out of memory. */
char *kz_buf_detach(kz_buf *b, size_t *len_out);

#endif
