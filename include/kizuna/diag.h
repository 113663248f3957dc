/* diag.h - diagnostics: problems found in input, each with where (a JSON
 * path such as "$.objects[3].valid_from" or a byte offset) and a plain
 * message. Validators and parsers append to a caller-provided kz_diag; the
 * caller decides how to print them.
 *
 * A kz_diag owns its items (heap). It keeps counting past max_items but
 * stores only the first max_items, so a hostile input cannot exhaust memory
 * with millions of errors. */
#ifndef KIZUNA_DIAG_H
#define KIZUNA_DIAG_H

#include <stdarg.h>
#include <stddef.h>

#include "kizuna/error.h"

typedef enum kz_severity { KZ_SEV_ERROR = 0, KZ_SEV_WARNING = 1 } kz_severity;

typedef struct kz_diag_item {
    kz_severity sev;
    char *path; /* heap; "" when not applicable */
    char *code; /* heap; short stable machine name such as "invalid-timestamp" */
    char *msg;  /* heap */
} kz_diag_item;

typedef struct kz_diag {
    kz_diag_item *items;
    size_t n;          /* stored items */
    size_t cap;
    size_t max_items;  /* 0: 1000 */
    size_t n_errors;   /* counted, stored or not */
    size_t n_warnings;
    int oom;           /* set when an item could not be stored for lack of memory */
} kz_diag;

void kz_diag_init(kz_diag *d, size_t max_items);
void kz_diag_release(kz_diag *d);
/* Drops every item and zeroes the counts. */
void kz_diag_reset(kz_diag *d);
/* Records one problem. path may be NULL. code is a short stable identifier
 * (tests assert on it). Never fails: out of memory sets d->oom. */
void kz_diag_add(kz_diag *d, kz_severity sev, const char *path, const char *code,
                 const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void kz_diag_vadd(kz_diag *d, kz_severity sev, const char *path, const char *code,
                  const char *fmt, va_list ap) __attribute__((format(printf, 5, 0)));

/* A JSON path under construction, in caller storage: push a member or an
 * index, pop back. Silently truncates beyond KZ_PATH_MAX (the path is only
 * for messages). */
#define KZ_PATH_MAX 512
typedef struct kz_path {
    char s[KZ_PATH_MAX];
    size_t len;
    size_t marks[32];
    size_t depth;
} kz_path;

void kz_path_init(kz_path *p, const char *root); /* root such as "$" */
/* Appends ".name" (or "['name']" when name is not an identifier). */
void kz_path_push_key(kz_path *p, const char *name);
/* Appends "[i]". */
void kz_path_push_index(kz_path *p, size_t i);
void kz_path_pop(kz_path *p);
const char *kz_path_str(const kz_path *p);

#endif
