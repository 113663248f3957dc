/* arena.h - region allocator for one unit of work (a request, a file, an object).
 *
 * Everything allocated from an arena is freed at once by kz_arena_free() or
 * kz_arena_reset(); nothing allocated from it may outlive it. An arena never
 * aborts: allocation failure returns NULL and the caller reports KZ_ENOMEM.
 * An arena may carry a byte cap (kz_arena_set_cap) so that a hostile input
 * cannot grow per-request memory without bound. Not thread-safe. */
#ifndef KIZUNA_ARENA_H
#define KIZUNA_ARENA_H

#include <stddef.h>

typedef struct kz_arena kz_arena;

/* New arena whose blocks are at least block_size bytes (0: 16 KiB default).
 * Returns NULL on out of memory. Free with kz_arena_free(). */
kz_arena *kz_arena_new(size_t block_size);
/* Frees every block and the arena itself. NULL is a no-op. */
void kz_arena_free(kz_arena *a);
/* Frees everything allocated so far but keeps the first block for reuse. */
void kz_arena_reset(kz_arena *a);
/* Caps total bytes held in blocks (0: no cap). Allocations past it return NULL. */
void kz_arena_set_cap(kz_arena *a, size_t cap);
/* Bytes currently held in blocks (what counts against the cap). */
size_t kz_arena_used(const kz_arena *a);

/* size bytes aligned for any type, uninitialised; NULL on failure or size 0 overflow. */
void *kz_arena_alloc(kz_arena *a, size_t size);
/* Same, zero-filled. Checks n*size for overflow. */
void *kz_arena_calloc(kz_arena *a, size_t n, size_t size);
/* Copy of s[0..len) with a terminating NUL. */
char *kz_arena_strndup(kz_arena *a, const char *s, size_t len);
/* Copy of the NUL-terminated s. */
char *kz_arena_strdup(kz_arena *a, const char *s);
/* printf into the arena. */
char *kz_arena_printf(kz_arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
