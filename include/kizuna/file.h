/* file.h - reading a whole small file (a warninglist, a data file, a
 * certificate) into memory with a size cap, in one place so that every
 * module refuses non-regular and oversized files alike. */
#ifndef KIZUNA_FILE_H
#define KIZUNA_FILE_H

#include <stddef.h>

#include "kizuna/error.h"

/* Reads the regular file path (at most max bytes) into a heap buffer,
 * NUL-terminated, in *out (the caller frees it with kz_free) and its
 * length in *len (if not NULL). Errors, with *out NULL and a one-line
 * reason in why (why_len bytes; why may be NULL): KZ_ENOTFOUND ("no such
 * file"), KZ_EIO (cannot open or read it, "not a regular file", "file
 * shrank while read"), KZ_ETOOBIG ("larger than N bytes"), KZ_ENOMEM. */
kz_err kz_file_read(const char *path, size_t max, char **out, size_t *len, char *why,
                    size_t why_len);

#endif
