/* alloc.c - libkizuna's heap allocation wrappers and the test hook that
 * makes the Nth allocation (and optionally every later one) fail. */
#include "kizuna/alloc.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* The hook's state. `armed` is read on every allocation with a relaxed load,
 * so the cost when tests are not running is one predictable branch. The
 * counters are atomic so that a test driving threads sees each allocation
 * counted once; arming itself is not synchronised with allocations in
 * flight (tests arm before they start work). */
static atomic_int armed;
static atomic_long seen;    /* allocations since the hook was armed */
static atomic_long target; /* the allocation number that fails */
static atomic_int persist_after; /* and every one after it */
static atomic_long failures;

void kz_alloc_fail_after(long n, int persist)
{
    atomic_store(&armed, 0);
    atomic_store(&seen, 0);
    atomic_store(&failures, 0);
    atomic_store(&target, n);
    atomic_store(&persist_after, persist != 0);
    if (n > 0)
        atomic_store(&armed, 1);
}

long kz_alloc_failures(void)
{
    return atomic_load(&failures);
}

static bool should_fail(void)
{
    if (!atomic_load_explicit(&armed, memory_order_relaxed))
        return false;
    long k = atomic_fetch_add(&seen, 1) + 1;
    long t = atomic_load_explicit(&target, memory_order_relaxed);
    if (k == t || (k > t && atomic_load_explicit(&persist_after, memory_order_relaxed))) {
        atomic_fetch_add(&failures, 1);
        return true;
    }
    return false;
}

/* Zero-byte requests are served as one byte so that NULL always means
 * failure (malloc(0) may legitimately return NULL). */
void *kz_malloc(size_t n)
{
    if (should_fail())
        return NULL;
    return malloc(n ? n : 1);
}

void *kz_calloc(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    if (should_fail())
        return NULL;
    if (n == 0 || size == 0)
        n = size = 1;
    return calloc(n, size);
}

/* On failure p is left untouched and still owned by the caller. */
void *kz_realloc(void *p, size_t n)
{
    if (should_fail())
        return NULL;
    return realloc(p, n ? n : 1);
}

void kz_free(void *p)
{
    free(p);
}

/* At most n bytes of s, stopping at a NUL, plus a terminating NUL. */
char *kz_strndup(const char *s, size_t n)
{
    const char *nul = memchr(s, '\0', n);
    size_t len = nul ? (size_t)(nul - s) : n;
    if (len == SIZE_MAX)
        return NULL;
    char *d = kz_malloc(len + 1);
    if (!d)
        return NULL;
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

char *kz_strdup(const char *s)
{
    return kz_strndup(s, strlen(s));
}

void kz_alloc_want_huge_pages(void *p, size_t bytes)
{
#ifdef MADV_HUGEPAGE
    const uintptr_t huge = (uintptr_t)2 << 20;
    if (!p || bytes < 2 * huge)
        return;
    uintptr_t b = ((uintptr_t)p + huge - 1) & ~(huge - 1);
    uintptr_t e = ((uintptr_t)p + bytes) & ~(huge - 1);
    if (e > b)
        (void)madvise((void *)b, e - b, MADV_HUGEPAGE);
#else
    (void)p;
    (void)bytes;
#endif
}
