/* arena.c - region allocator: bump allocation out of a chain of blocks,
 * freed all at once (see include/kizuna/arena.h). */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "kizuna/alloc.h"
#include "kizuna/arena.h"

#define ARENA_ALIGN 16
#define ARENA_DEFAULT_BLOCK (16 * 1024)

typedef struct block {
    struct block *next;
    size_t size; /* usable bytes after the header */
    size_t used;
    /* data follows, aligned */
} block;

struct kz_arena {
    block *head;     /* current block (most recent); its chain holds older ones */
    block *first;    /* the first block, kept by kz_arena_reset */
    size_t block_size;
    size_t held;     /* bytes in all blocks, headers included */
    size_t cap;      /* 0: unlimited */
};

#define BLOCK_HDR ((sizeof(block) + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1))

static inline char *block_data(block *b)
{
    return (char *)b + BLOCK_HDR;
}

static block *block_new(kz_arena *a, size_t size)
{
    if (size > SIZE_MAX - BLOCK_HDR)
        return NULL;
    size_t total = BLOCK_HDR + size;
    if (a->cap && (a->held > a->cap || total > a->cap - a->held))
        return NULL;
    block *b = kz_malloc(total);
    if (!b)
        return NULL;
    b->next = NULL;
    b->size = size;
    b->used = 0;
    a->held += total;
    return b;
}

kz_arena *kz_arena_new(size_t block_size)
{
    kz_arena *a = kz_calloc(1, sizeof *a);
    if (!a)
        return NULL;
    a->block_size = block_size ? block_size : ARENA_DEFAULT_BLOCK;
    a->first = block_new(a, a->block_size);
    if (!a->first) {
        kz_free(a);
        return NULL;
    }
    a->head = a->first;
    return a;
}

static void free_chain(kz_arena *a, block *b, block *keep)
{
    while (b) {
        block *next = b->next;
        if (b != keep) {
            a->held -= BLOCK_HDR + b->size;
            kz_free(b);
        }
        b = next;
    }
}

void kz_arena_free(kz_arena *a)
{
    if (!a)
        return;
    free_chain(a, a->head, NULL);
    kz_free(a);
}

void kz_arena_reset(kz_arena *a)
{
    if (!a)
        return;
    free_chain(a, a->head, a->first);
    a->first->next = NULL;
    a->first->used = 0;
    a->head = a->first;
}

void kz_arena_set_cap(kz_arena *a, size_t cap)
{
    a->cap = cap;
}

size_t kz_arena_used(const kz_arena *a)
{
    return a->held;
}

void *kz_arena_alloc(kz_arena *a, size_t size)
{
    if (size == 0)
        size = 1;
    if (size > SIZE_MAX - ARENA_ALIGN)
        return NULL;
    size = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    block *h = a->head;
    if (h->size - h->used >= size) {
        void *p = block_data(h) + h->used;
        h->used += size;
        return p;
    }
    /* A large request gets a block of its own placed behind the current one,
     * so the current block's free space is not wasted. */
    if (size > a->block_size / 4) {
        block *b = block_new(a, size);
        if (!b)
            return NULL;
        b->used = size;
        b->next = h->next;
        h->next = b;
        return block_data(b);
    }
    block *b = block_new(a, a->block_size);
    if (!b)
        return NULL;
    b->next = h;
    a->head = b;
    b->used = size;
    return block_data(b);
}

void *kz_arena_calloc(kz_arena *a, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    void *p = kz_arena_alloc(a, n * size);
    if (p)
        memset(p, 0, n * size);
    return p;
}

char *kz_arena_strndup(kz_arena *a, const char *s, size_t len)
{
    if (len == SIZE_MAX)
        return NULL;
    char *p = kz_arena_alloc(a, len + 1);
    if (!p)
        return NULL;
    if (len)
        memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

char *kz_arena_strdup(kz_arena *a, const char *s)
{
    return kz_arena_strndup(a, s, strlen(s));
}

char *kz_arena_printf(kz_arena *a, const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *p = NULL;
    if (n >= 0) {
        p = kz_arena_alloc(a, (size_t)n + 1);
        if (p)
            vsnprintf(p, (size_t)n + 1, fmt, ap2);
    }
    va_end(ap2);
    return p;
}
