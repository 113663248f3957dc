/* alloc.h - the library's allocation hook.
 *
 * Every heap allocation in libkizuna goes through kz_malloc/kz_realloc/
 * kz_free so that tests can make the Nth allocation fail and prove that out
 * of memory is an error, never a crash (SQLite's malloc tests). */
#ifndef KIZUNA_ALLOC_H
#define KIZUNA_ALLOC_H

#include <stddef.h>

void *kz_malloc(size_t n);
void *kz_calloc(size_t n, size_t size);
void *kz_realloc(void *p, size_t n);
void kz_free(void *p);
char *kz_strndup(const char *s, size_t n);
char *kz_strdup(const char *s);

/* Asks the kernel for transparent huge pages on the 2 MiB-aligned inside
 * of a large heap table p[0..bytes) (Linux, THP in "madvise" mode as on
 * Debian): lookups in a table of megabytes land on random pages, and with
 * 4 KiB pages nearly each one is a TLB miss on top of the cache miss.
 * Advice only: a no-op below 4 MiB or where unsupported; p stays the
 * caller's to free as usual. */
void kz_alloc_want_huge_pages(void *p, size_t bytes);

/* Test hook: the n-th allocation from now (1 = the next) and, if persist,
 * every one after it fail. n = 0 disables. Not thread-safe: tests only. */
void kz_alloc_fail_after(long n, int persist);
/* Number of allocations that were made to fail since the last reset. */
long kz_alloc_failures(void);

#endif
