/* diag.c - diagnostics lists (problems with where and why, capped) and the
 * JSON paths that say where. */
#include "kizuna/diag.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "kizuna/alloc.h"

#define DIAG_DEFAULT_MAX 1000

void kz_diag_init(kz_diag *d, size_t max_items)
{
    memset(d, 0, sizeof *d);
    d->max_items = max_items ? max_items : DIAG_DEFAULT_MAX;
}

static void item_release(kz_diag_item *it)
{
    kz_free(it->path);
    kz_free(it->code);
    kz_free(it->msg);
}

void kz_diag_reset(kz_diag *d)
{
    for (size_t i = 0; i < d->n; i++)
        item_release(&d->items[i]);
    d->n = 0;
    d->n_errors = 0;
    d->n_warnings = 0;
    d->oom = 0;
}

void kz_diag_release(kz_diag *d)
{
    kz_diag_reset(d);
    kz_free(d->items);
    d->items = NULL;
    d->cap = 0;
}

/* vsnprintf into a fresh heap string; NULL on out of memory or a bad format. */
__attribute__((format(printf, 1, 0))) static char *vformat(const char *fmt, va_list ap)
{
    char small[256];
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(small, sizeof small, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return NULL;
    char *s = kz_malloc((size_t)n + 1);
    if (!s)
        return NULL;
    if ((size_t)n < sizeof small)
        memcpy(s, small, (size_t)n + 1);
    else
        vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

void kz_diag_vadd(kz_diag *d, kz_severity sev, const char *path, const char *code,
                  const char *fmt, va_list ap)
{
    if (sev == KZ_SEV_ERROR)
        d->n_errors++;
    else
        d->n_warnings++;
    /* A zero-initialised kz_diag (never passed to kz_diag_init) gets the
     * default cap too, as the header promises for max_items 0. */
    size_t max = d->max_items ? d->max_items : DIAG_DEFAULT_MAX;
    if (d->n >= max)
        return;

    if (d->n == d->cap) {
        size_t ncap = d->cap ? d->cap * 2 : 8;
        if (ncap > max)
            ncap = max;
        if (ncap > SIZE_MAX / sizeof *d->items)
            goto oom;
        kz_diag_item *items = kz_realloc(d->items, ncap * sizeof *items);
        if (!items)
            goto oom;
        d->items = items;
        d->cap = ncap;
    }

    kz_diag_item it = {sev, NULL, NULL, NULL};
    it.path = kz_strdup(path ? path : "");
    it.code = kz_strdup(code ? code : "");
    it.msg = vformat(fmt, ap);
    if (!it.path || !it.code || !it.msg) {
        item_release(&it);
        goto oom;
    }
    d->items[d->n++] = it;
    return;

oom:
    d->oom = 1;
}

void kz_diag_add(kz_diag *d, kz_severity sev, const char *path, const char *code,
                 const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kz_diag_vadd(d, sev, path, code, fmt, ap);
    va_end(ap);
}

/* --- paths --- */

/* Appends n bytes, as many as fit; s stays NUL-terminated. */
static void path_append(kz_path *p, const char *s, size_t n)
{
    size_t room = KZ_PATH_MAX - 1 - p->len;
    if (n > room)
        n = room;
    memcpy(p->s + p->len, s, n);
    p->len += n;
    p->s[p->len] = '\0';
}

void kz_path_init(kz_path *p, const char *root)
{
    p->len = 0;
    p->depth = 0;
    p->s[0] = '\0';
    if (root)
        path_append(p, root, strlen(root));
}

/* Levels past the marks array are counted but not written, so that pushes
 * and pops stay paired; the path then shows its first levels only. */
static int path_mark(kz_path *p)
{
    size_t depth = p->depth++;
    if (depth >= sizeof p->marks / sizeof p->marks[0])
        return 0;
    p->marks[depth] = p->len;
    return 1;
}

/* A member name that can follow a dot: [A-Za-z_][A-Za-z0-9_]*. STIX
 * property names always are; dictionary keys such as hash names
 * ("SHA-256") or extension ids often are not. */
static int is_identifier(const char *s)
{
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_'))
        return 0;
    for (s++; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
              (*s >= '0' && *s <= '9') || *s == '_'))
            return 0;
    return 1;
}

void kz_path_push_key(kz_path *p, const char *name)
{
    if (!name)
        name = "";
    if (!path_mark(p))
        return;
    if (is_identifier(name)) {
        path_append(p, ".", 1);
        path_append(p, name, strlen(name));
        return;
    }
    /* Bracket form; quote and backslash are escaped, control bytes written
     * as \u00XX so that a message stays on one printable line. */
    path_append(p, "['", 2);
    for (const unsigned char *c = (const unsigned char *)name; *c; c++) {
        char esc[8];
        if (*c == '\'' || *c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)*c;
            path_append(p, esc, 2);
        } else if (*c < 0x20 || *c == 0x7f) {
            int n = snprintf(esc, sizeof esc, "\\u%04x", *c);
            path_append(p, esc, (size_t)n);
        } else {
            path_append(p, (const char *)c, 1);
        }
    }
    path_append(p, "']", 2);
}

void kz_path_push_index(kz_path *p, size_t i)
{
    char tmp[32];
    if (!path_mark(p))
        return;
    int n = snprintf(tmp, sizeof tmp, "[%zu]", i);
    path_append(p, tmp, (size_t)n);
}

void kz_path_pop(kz_path *p)
{
    if (p->depth == 0)
        return;
    size_t depth = --p->depth;
    if (depth >= sizeof p->marks / sizeof p->marks[0])
        return;
    p->len = p->marks[depth];
    p->s[p->len] = '\0';
}

const char *kz_path_str(const kz_path *p)
{
    return p->s;
}
